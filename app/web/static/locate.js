/* The "where am I" control: the phone's position as a dot in its circle of accuracy,
   placed in the map's coordinates like everything else. */
import { el } from "./dom.js";
import { T } from "./i18n.js";
import { say } from "./map-state.js";

/* base: the map (basemap.js) */
export function addLocate(base) {
  var map = base.map, here = L.layerGroup().addTo(map);
  function locate() {
    if (!navigator.geolocation) { say(T.locate_failed); return; }
    say(T.locating);
    navigator.geolocation.getCurrentPosition(function (pos) {
      var c = pos.coords, at = base.toLatLng(c.longitude, c.latitude);
      here.clearLayers();
      L.circle(at, { radius: c.accuracy, color: "#1f6feb", weight: 1, fillOpacity: 0.08, interactive: false }).addTo(here);
      L.circleMarker(at, { radius: 6, color: "#fff", weight: 2, fillColor: "#1f6feb", fillOpacity: 1 }).addTo(here);
      map.setView(at, Math.max(map.getZoom(), 15));
      say("");
    }, function () { say(T.locate_failed); }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  }
  var Locate = L.Control.extend({
    options: { position: "topleft" },
    onAdd: function () {
      var button = el("a", { href: "#", role: "button", class: "locate", title: T.locate, "aria-label": T.locate, text: "◎" });
      var box = el("div", { class: "leaflet-bar leaflet-control" }, [button]);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.on(button, "click", function (e) { L.DomEvent.preventDefault(e); locate(); });
      return box;
    },
  });
  map.addControl(new Locate());
}

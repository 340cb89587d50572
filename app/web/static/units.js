/* Committees and offices: drawn from a zoom level on (there are thousands), with their
   phones in a popup; the search box finds a unit by name (or, failing that, the geocoder
   places the text) and moves the map there. */
import { api } from "./api.js";
import { byId, el } from "./dom.js";
import { metres, T } from "./i18n.js";
import { phoneLinks, precisionNote } from "./places.js";

var UNITS_FROM_ZOOM = 14;

/* What placed a learned answer: "verified" only when every point used was verified; the
   addresses it was worked out from come only to a signed-in volunteer (neighbours). */
function learnedNote(evidence) {
  if (!evidence) return "";
  var note = (evidence.verified ? T.learned_verified : T.learned_known) + " ±" + metres(evidence.uncertainty_m);
  var from = (evidence.neighbours || []).map(function (n) { return n.address; });
  return from.length ? note + " · " + T.learned_neighbours + " " + from.join("、") : note;
}

/* base: the map (basemap.js), layer: a layer group; returns { load } to call when the
   view moves */
export function start(base, layer) {
  var map = base.map, toLatLng = base.toLatLng, viewBbox = base.viewBbox;
  function loadUnits() {
    layer.clearLayers();
    if (map.getZoom() < UNITS_FROM_ZOOM || !map.hasLayer(layer)) return;
    var bbox = viewBbox();
    ["committees", "offices"].forEach(function (name) {
      api("/ogc/collections/" + name + "/items?limit=1000&bbox=" + bbox).then(function (fc) {
        fc.features.forEach(function (f) {
          if (f.geometry.type !== "Point") return;
          var c = f.geometry.coordinates, p = f.properties;
          var m = L.circleMarker(toLatLng(c[0], c[1]), { radius: 4, weight: 1, color: "#5b6770",
            fillColor: name === "offices" ? "#8250df" : "#c9d1d9", fillOpacity: 0.9 });
          m.bindTooltip(el("span", { text: p.name }), { direction: "top" });  // a string is HTML to Leaflet
          m.bindPopup(function () {
            return el("div", { class: "popup unit" }, [el("h3", { text: p.name }), phoneLinks(p.phones),
              precisionNote(p)]);
          });
          m.addTo(layer);
        });
      }).catch(function () {});
    });
  }
  byId("unit-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var name = byId("unit-name").value.trim(), out = byId("units");
    if (!name) return;
    out.textContent = "";
    api("/api/v1/units?limit=20&name=" + encodeURIComponent(name)).then(function (found) {
      if (found.length) return found.map(function (u) { return { name: u.name, lon: u.lon, lat: u.lat, level: u.level }; });
      return api("/api/v1/geocode?q=" + encodeURIComponent(name)).then(function (g) {
        var units = [g.district, g.street, g.committee].filter(Boolean).join(" ");
        return g.lon === null || g.lon === undefined ? [] : [{ name: g.evidence ? name : units || name,
          lon: g.lon, lat: g.lat, level: g.precision, note: learnedNote(g.evidence) }];
      });
    }).then(function (places) {
      if (!places.length) { out.appendChild(el("li", { text: T.no_units_found })); return; }
      places.forEach(function (u) {
        var a = el("a", { href: "#", text: u.name });
        a.addEventListener("click", function (ev) {
          ev.preventDefault();
          map.setView(toLatLng(u.lon, u.lat), u.level === "district" ? 13 : 15);
        });
        out.appendChild(el("li", {}, u.note ? [a, el("span", { class: "learned-note", text: u.note })] : [a]));
      });
    }).catch(function () { out.appendChild(el("li", { text: T.no_units_found })); });
  });

  return { load: loadUnits };
}

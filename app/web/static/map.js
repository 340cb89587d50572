/* The map page (GET /, /s/{code}): hospitals coloured by intake state for the service
   chosen, put together from its modules: basemap.js (the map, its tiles and outlines),
   hospitals.js (markers, clusters, popups), units.js (committees and offices), nearest.js
   (near me, an address, and the list), share.js (the share dialog), live.js (live
   updates). Everything comes from the public API, and reaches the page only as text
   (dom.js). */
import { api } from "./api.js";
import { createMap } from "./basemap.js";
import { byId, el } from "./dom.js";
import * as hospitalsLayer from "./hospitals.js";
import { LANG, T, config } from "./i18n.js";
import * as live from "./live.js";
import { addLocate } from "./locate.js";
import { state } from "./map-state.js";
import * as nearestList from "./nearest.js";
import * as share from "./share.js";
import * as unitsLayer from "./units.js";

var base = createMap(redrawAll), map = base.map;
var hospitals = hospitalsLayer.start(base);
var units = L.layerGroup(), originLayer = L.layerGroup();
var overlays = {};
overlays[T.hospitals] = hospitals.layer;
overlays[T.committees] = units;
// committees and offices: from a zoom level on; searchable by name
var loadUnits = unitsLayer.start(base, units).load;
L.control.layers(base.bases, overlays, { collapsed: true, position: "topright" }).addTo(map);
L.control.scale({ imperial: false, position: "bottomright" }).addTo(map);
if (!config.embed) addLocate(base);
[hospitals.layer, hospitals.serverClusters, units, originLayer].forEach(function (l) { l.addTo(map); });

var nearest = null;  // set below: the base map's first drawing comes before it
var view = config.view || {};
base.open(view);

/* ---- nearest: it lists, the map shows a listed hospital ---- */
nearest = nearestList.start(base, originLayer, function (id) { hospitals.focus(id, false); });

byId("service").addEventListener("change", function () {
  state.service = this.value;
  hospitals.serviceShown();
  nearest.serviceChanged();
});

/* ---- sharing: what this view is, as a share keeps it ---- */
share.start(function () {
  var c = base.toWgs(map.getCenter());
  var body = { center: [+c[0].toFixed(6), +c[1].toFixed(6)], zoom: map.getZoom(), lang: LANG };
  if (state.service) body.service = state.service;
  if (state.selected) body.resource_id = state.selected;
  var kept = nearest.shared();  // a position only: the typed address stays on this phone
  if (kept) body.nearest = kept;
  return body;
});

/* ---- putting it together ---- */
function redrawAll() {  // the base map changed the coordinates: place everything again
  hospitals.redraw();
  if (nearest) nearest.redraw();  // new coordinates, same answer
  loadUnits();
}
var moveTimer = null;
map.on("moveend", function () {
  clearTimeout(moveTimer);
  moveTimer = setTimeout(function () { hospitals.load(); loadUnits(); }, 250);
});
map.on("overlayadd", function (e) { if (e.layer === units) loadUnits(); });

// Live first: the stream starts from where history is before the hospitals are read.
live.start({ indicator: byId("live"), onReset: hospitals.reload, onChange: function (change) {
  hospitals.apply(change);
  nearest.statusChanged(change.service);
} });
var services = api("/api/v1/services").then(function (list) {
  state.services = list;
  list.forEach(function (s) { byId("service").appendChild(el("option", { value: s.code, text: LANG === "en" ? s.name_en : s.name_zh })); });
}).catch(function () {});
if (view.service) state.service = view.service;
Promise.all([services, hospitals.load()]).then(function () {
  if (view.nearest) state.service = view.nearest.service || state.service;
  byId("service").value = state.service;
  hospitals.serviceShown();  // coloured for the shared service
  if (view.nearest) nearest.run({ lon: view.nearest.lon, lat: view.nearest.lat,
    precision: view.nearest.precision }, view.nearest.k);
  else if (view.resource_id) hospitals.focus(view.resource_id, true);
});
base.loadOutlines();
window.aidmap = { map: map, state: state };  // for the page tests (tests/web/)

/* The map and its base maps: tiles from the configured servers (some in GCJ-02, which
   shifts every position drawn on them), and our own district and street outlines, which
   become the map by themselves when no tile loads. Data is WGS-84 throughout; only what is
   drawn is shifted. */
import { api } from "./api.js";
import { gcjToWgs, wgsToGcj } from "./coords.js";
import { T, config } from "./i18n.js";
import { say, state } from "./map-state.js";

/* onRedraw(): everything drawn must be placed again (the coordinates changed).
   Returns the map, its base layers by name, and the map's coordinate helpers. */
export function createMap(onRedraw) {
  var map = L.map("map", { maxZoom: 18, minZoom: 8, zoomControl: !config.embed, preferCanvas: false });
  var outlines = L.featureGroup(), outlineData = [];
  var bases = {}, currentBase = null, tilesFailed = false;
  Object.keys(config.basemaps.choices).forEach(function (name) {
    var c = config.basemaps.choices[name];
    var layer = L.tileLayer(c.url, { subdomains: c.subdomains || "abc", maxZoom: 18, attribution: c.attribution });
    layer.gcj02 = c.gcj02;
    watchTiles(layer);
    bases[T["base_" + name] || name] = layer;
  });
  var noTiles = L.layerGroup();
  noTiles.gcj02 = false;
  noTiles.noTiles = true;
  bases[T.base_none] = noTiles;

  function toLatLng(lon, lat) {
    var p = state.gcj ? wgsToGcj(lon, lat) : [lon, lat];
    return L.latLng(p[1], p[0]);
  }
  function toWgs(latlng) {
    return state.gcj ? gcjToWgs(latlng.lng, latlng.lat) : [latlng.lng, latlng.lat];
  }
  function viewBbox() {
    var b = map.getBounds(), sw = toWgs(b.getSouthWest()), ne = toWgs(b.getNorthEast());
    var clamp = function (v, lo, hi) { return Math.min(hi, Math.max(lo, v)); };
    return [clamp(sw[0], -180, 180), clamp(sw[1], -90, 90), clamp(ne[0], -180, 180),
      clamp(ne[1], -90, 90)].map(function (v) { return v.toFixed(5); }).join(",");
  }

  function watchTiles(layer) {
    var loaded = 0, failed = 0;
    layer.on("tileload", function () { loaded += 1; });
    layer.on("tileerror", function () {
      failed += 1;
      if (!loaded && failed >= 4 && !tilesFailed) { tilesFailed = true; useBase(noTiles); say(T.tiles_failed); }
    });
  }
  function useBase(layer) {
    var centre = currentBase ? toWgs(map.getCenter()) : null, zoom = map.getZoom();
    if (currentBase && currentBase !== layer) map.removeLayer(currentBase);
    currentBase = layer;
    if (!map.hasLayer(layer)) map.addLayer(layer);
    state.gcj = !!layer.gcj02;
    document.body.classList.toggle("no-tiles", !!layer.noTiles);
    if (centre) map.setView(toLatLng(centre[0], centre[1]), zoom, { animate: false });
    drawOutlines(); showOutlines();
    onRedraw();
  }
  map.on("baselayerchange", function (e) { if (e.layer !== currentBase) useBase(e.layer); });
  // on a phone an open popup takes the map's width: the controls step aside (map.css)
  map.on("popupopen", function () { map.getContainer().classList.add("popup-open"); });
  map.on("popupclose", function () { map.getContainer().classList.remove("popup-open"); });

  /* The view to open on (a shared one, else the city) on the configured base map. */
  function open(view) {
    var start = config.basemaps.choices[config.basemaps.start] ? config.basemaps.start : "none";
    var startLayer = start === "none" ? noTiles : bases[T["base_" + start] || start];
    state.gcj = !!startLayer.gcj02;
    var centre = view.center || [121.4737, 31.2304];
    map.setView(toLatLng(centre[0], centre[1]), view.zoom || 11);
    useBase(startLayer);
  }

  /* ---- outlines: our own district/street polygons, the map when no tiles load ---- */
  function loadOutlines() {
    ["districts", "streets"].forEach(function (name) {
      api("/ogc/collections/" + name + "/items?limit=1000").then(function (fc) {
        outlineData.push({ name: name, features: fc.features.filter(function (f) {
          return f.geometry && f.geometry.type !== "Point"; }) });
        drawOutlines();
      }).catch(function () {});
    });
  }
  function drawOutlines() {
    outlines.clearLayers();
    outlineData.forEach(function (set) {
      L.geoJSON({ type: "FeatureCollection", features: set.features }, {
        coordsToLatLng: function (c) { return toLatLng(c[0], c[1]); },
        style: set.name === "districts" ? { color: "#4a5a6a", weight: 1.6, fill: true, fillColor: "#f7f5ef", fillOpacity: 1 }
          : { color: "#9aa5b1", weight: 0.7, fill: false, dashArray: "3 3" },
        interactive: false,
      }).addTo(outlines);
    });
    if (document.body.classList.contains("no-tiles")) outlines.bringToBack();
  }
  function showOutlines() {
    if (document.body.classList.contains("no-tiles")) { if (!map.hasLayer(outlines)) outlines.addTo(map); outlines.bringToBack(); }
    else if (map.hasLayer(outlines)) map.removeLayer(outlines);
  }

  return { map: map, bases: bases, toLatLng: toLatLng, toWgs: toWgs, viewBbox: viewBbox,
    open: open, loadOutlines: loadOutlines };
}

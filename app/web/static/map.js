/* The aidmap page: hospitals coloured by intake state, wired to the page's other scripts:
   ui.js (text, DOM and API helpers), markers.js (how markers and clusters look), popup.js
   (a hospital's popup), live.js (live updates), units.js (committees and offices),
   nearest.js (near me, an address, and the list) and share.js (the share dialog).
   Everything comes from the public API, and reaches the page only through ui.js's el()
   and plain(). */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("aidmap-config").textContent);
  var T = config.strings, LANG = config.lang, C = window.AidmapCoords;
  var CITY = [120.85, 30.67, 122.2, 31.88];
  var COMPLETE_LIMIT = 1000, CLUSTER_COARSER = 2;
  var $ = function (id) { return document.getElementById(id); };

  var state = {
    gcj: false, service: "", services: [], features: new Map(), markers: new Map(),
    complete: false, asked: false, selected: null, firstMarkers: false,
  };

  /* ---- coordinates: data is WGS-84; a GCJ-02 base map needs shifted positions ---- */
  function toLatLng(lon, lat) {
    var p = state.gcj ? C.wgsToGcj(lon, lat) : [lon, lat];
    return L.latLng(p[1], p[0]);
  }
  function toWgs(latlng) {
    return state.gcj ? C.gcjToWgs(latlng.lng, latlng.lat) : [latlng.lng, latlng.lat];
  }
  function viewBbox() {
    var b = map.getBounds(), sw = toWgs(b.getSouthWest()), ne = toWgs(b.getNorthEast());
    var clamp = function (v, lo, hi) { return Math.min(hi, Math.max(lo, v)); };
    return [clamp(sw[0], -180, 180), clamp(sw[1], -90, 90), clamp(ne[0], -180, 180),
      clamp(ne[1], -90, 90)].map(function (v) { return v.toFixed(5); }).join(",");
  }

  /* ---- shared helpers (ui.js), and what needs this page's state ---- */
  var U = window.AidmapUI(T, config.root), plain = U.plain, el = U.el, api = U.api;
  var stamp = U.stamp;
  function say(text) { $("message").textContent = plain(text || ""); }
  function serviceName(code) {
    var s = state.services.find(function (x) { return x.code === code; });
    return s ? (LANG === "en" ? s.name_en : s.name_zh) : code;
  }
  var M = window.AidmapMarkers(U, T);

  /* ---- the map and its base maps ---- */
  var map = L.map("map", { maxZoom: 18, minZoom: 8, zoomControl: !config.embed, preferCanvas: false });
  var outlines = L.featureGroup();
  var outlineData = [];
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
    redrawAll();
  }
  map.on("baselayerchange", function (e) { if (e.layer !== currentBase) useBase(e.layer); });
  // on a phone an open popup takes the map's width: the controls step aside (map.css)
  map.on("popupopen", function () { map.getContainer().classList.add("popup-open"); });
  map.on("popupclose", function () { map.getContainer().classList.remove("popup-open"); });

  var hospitals = L.markerClusterGroup({ maxClusterRadius: 40, showCoverageOnHover: false, animate: false,
    disableClusteringAtZoom: 15, spiderfyOnMaxZoom: true,
    iconCreateFunction: M.clusterOf(function () { return state.features; }, function () { return state.service; }) });
  var serverClusters = L.layerGroup();
  var units = L.layerGroup();
  var originLayer = L.layerGroup();
  var overlays = {};
  overlays[T.hospitals] = hospitals;
  overlays[T.committees] = units;
  // committees and offices (units.js): from a zoom level on; searchable by name
  var loadUnits = window.AidmapUnits.start({ ui: U, strings: T, map: map, layer: units,
    toLatLng: toLatLng, viewBbox: viewBbox }).load;
  L.control.layers(bases, overlays, { collapsed: true, position: "topright" }).addTo(map);
  L.control.scale({ imperial: false, position: "bottomright" }).addTo(map);

  /* locate control: where am I (a dot and its accuracy), shifted like everything else */
  var here = L.layerGroup().addTo(map);
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
  if (!config.embed) map.addControl(new Locate());
  function locate() {
    if (!navigator.geolocation) { say(T.locate_failed); return; }
    say(T.locating);
    navigator.geolocation.getCurrentPosition(function (pos) {
      var c = pos.coords, at = toLatLng(c.longitude, c.latitude);
      here.clearLayers();
      L.circle(at, { radius: c.accuracy, color: "#1f6feb", weight: 1, fillOpacity: 0.08, interactive: false }).addTo(here);
      L.circleMarker(at, { radius: 6, color: "#fff", weight: 2, fillColor: "#1f6feb", fillOpacity: 1 }).addTo(here);
      map.setView(at, Math.max(map.getZoom(), 15));
      say("");
    }, function () { say(T.locate_failed); }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  }
  [hospitals, serverClusters, units, originLayer].forEach(function (l) { l.addTo(map); });

  var view = config.view || {};
  var start = config.basemaps.choices[config.basemaps.start] ? config.basemaps.start : "none";
  var startLayer = start === "none" ? noTiles : bases[T["base_" + start] || start];
  state.gcj = !!startLayer.gcj02;
  var centre = view.center || [121.4737, 31.2304];
  map.setView(toLatLng(centre[0], centre[1]), view.zoom || 11);
  useBase(startLayer);

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

  /* ---- hospitals ---- */
  var P = window.AidmapPopups({ ui: U, strings: T, markers: M, serviceName: serviceName, restyle: restyleOne,
    relayout: function (id) { var m = state.markers.get(id); if (m && m.isPopupOpen()) m.getPopup().update(); },
    service: function () { return state.service; }, feature: function (id) { return state.features.get(id); } });
  var POPUP_PAD_TOP = 10, POPUP_PAD_BOTTOM = 60;  // below: the legend, over the map's foot
  function markerIcon(feature) { return M.markerIcon(feature, state.service, state.selected === feature.id); }
  /* A popup as tall as fits above its marker, the marker in view: on a phone the cluster
     layer drops markers the moment they leave the view, and their popups with them. */
  function popupMaxHeight() { return Math.max(120, map.getSize().y - POPUP_PAD_TOP - POPUP_PAD_BOTTOM - 70); }
  function markerFor(feature) {
    var c = feature.geometry.coordinates, name = U.names(feature.properties);
    var title = plain(name.main + (name.other ? " · " + name.other : ""));
    var marker = L.marker(toLatLng(c[0], c[1]), { icon: markerIcon(feature), title: title, alt: title, keyboard: true });
    marker.featureId = feature.id;
    marker.bindPopup(function () {
      marker.getPopup().options.maxHeight = popupMaxHeight();
      return P.popupFor(feature.id);
    }, { maxWidth: 300, minWidth: 220, autoPanPaddingTopLeft: [10, POPUP_PAD_TOP],
      autoPanPaddingBottomRight: [10, POPUP_PAD_BOTTOM] });
    marker.on("popupopen", function () { state.selected = feature.id; P.refresh(feature.id); });
    marker.on("popupclose", function () {
      if (state.selected === feature.id) { state.selected = null; restyleOne(feature.id); }
    });
    return marker;
  }
  function drawHospitals() {
    hospitals.clearLayers();
    state.markers.clear();
    var list = [];
    state.features.forEach(function (f) { var m = markerFor(f); state.markers.set(f.id, m); list.push(m); });
    hospitals.addLayers(list);
    if (list.length && !state.firstMarkers) {
      state.firstMarkers = true;
      performance.mark("aidmap:first-markers");
    }
  }
  function restyle(id) {
    var f = state.features.get(id), m = state.markers.get(id);
    if (f && m) m.setIcon(markerIcon(f));
  }
  function restyleOne(id) {  // and the rings of the clusters it is in
    restyle(id);
    if (state.markers.has(id)) hospitals.refreshClusters(state.markers.get(id));
  }
  /* The service chosen changes every marker, every cluster's ring, and the legend. */
  function serviceShown() {
    document.body.classList.toggle("service-on", !!state.service);
    state.features.forEach(function (f) { restyle(f.id); });
    hospitals.refreshClusters();
    if (serverClusters.getLayers().length) reloadHospitals();
  }
  function setFeatures(list) {
    state.features = new Map(list.map(function (f) {
      (f.properties.statuses || []).forEach(stamp); return [f.id, f]; }));
    drawHospitals();
  }
  /* A cheap clusters call first: its counts say whether the view's hospitals are few
     enough to load one by one (then clustered on the page) or stay server clusters. */
  function loadHospitals() {
    if (state.complete) return Promise.resolve();
    var city = !state.asked, bbox = city ? CITY.join(",") : viewBbox(), zoom = map.getZoom();
    state.asked = true;
    var grid = Math.max(zoom - CLUSTER_COARSER, 0);  // server cells of 1/2 tile on screen
    var byState = state.service ? "&service=" + encodeURIComponent(state.service) + "&by_state=true" : "";
    return api("/api/v1/layers/hospitals/clusters?zoom=" + grid + "&bbox=" + bbox + byState).then(function (clusters) {
      if (clusters.pointCount > COMPLETE_LIMIT && zoom < 15) return drawServerClusters(clusters);
      return api("/ogc/collections/hospitals/items?limit=" + COMPLETE_LIMIT + "&bbox=" + bbox).then(function (fc) {
        var all = fc.numberMatched <= fc.numberReturned;
        state.complete = all && city;
        serverClusters.clearLayers();
        if (!all) say(T.too_many);
        setFeatures(fc.features);
      });
    }).catch(function (e) { say(e.message); });
  }
  function reloadHospitals() {
    state.complete = false; state.asked = false;
    return loadHospitals();
  }
  function drawServerClusters(fc) {
    setFeatures([]);
    serverClusters.clearLayers();
    fc.features.forEach(function (f) {
      var c = f.geometry.coordinates, n = f.properties.count;
      var icon = M.clusterIcon(f.properties.states || (state.service ? { unknown: n } : { none: n }), n);
      L.marker(toLatLng(c[0], c[1]), { icon: icon }).on("click", function () {
        map.setView(toLatLng(c[0], c[1]), Math.min(map.getZoom() + 2, 18));
      }).addTo(serverClusters);
    });
    if (fc.features.length && !state.firstMarkers) { state.firstMarkers = true; performance.mark("aidmap:first-markers"); }
  }

  /* ---- nearest (nearest.js): it lists, this page shows a listed hospital ---- */
  var nearest = window.AidmapNearest.start({ ui: U, strings: T, lang: LANG, map: map,
    layer: originLayer, toLatLng: toLatLng, say: say, serviceName: serviceName,
    service: function () { return state.service; },
    focus: function (id) { focusHospital(id, false); } });
  function focusHospital(id, keepView) {
    var open = function () {
      var f = state.features.get(id), m = state.markers.get(id);
      if (!m) return;
      state.selected = id;
      if (!keepView) {  // not animated: the clusters are redrawn before the popup opens
        var at = toLatLng(f.geometry.coordinates[0], f.geometry.coordinates[1]);
        map.stop();  // a running fly/zoom animation would end where it was going
        map.setView(at, Math.max(map.getZoom(), 16), { animate: false });
      }
      hospitals.zoomToShowLayer(m, function () { m.openPopup(); });
    };
    if (state.features.has(id)) { open(); return; }
    api("/api/v1/resources/" + id).then(function (r) {
      state.features.set(id, { type: "Feature", id: r.id, geometry: { type: "Point", coordinates: [r.lon, r.lat] },
        properties: Object.assign({}, r, { statuses: r.statuses.map(stamp) }) });
      drawHospitals(); open();
    }).catch(function (e) { say(e.message); });
  }

  $("service").addEventListener("change", function () {
    state.service = this.value;
    serviceShown();
    nearest.serviceChanged();
  });

  /* ---- live: a change a volunteer made, from live.js (stream or polling) ---- */
  function applyChange(d) {
    var f = state.features.get(d.resource_id);
    if (f) {
      var list = f.properties.statuses = f.properties.statuses || [];
      var i = list.findIndex(function (s) { return s.service === d.service; });
      var status = stamp(Object.assign({}, d.status));
      if (i >= 0) list[i] = status; else list.push(status);
      restyleOne(d.resource_id);
      P.update(d.resource_id);
    }
    nearest.statusChanged(d.service);
  }

  /* ---- sharing (share.js): what this view is, as a share keeps it ---- */
  function shareView() {
    var c = toWgs(map.getCenter());
    var body = { center: [+c[0].toFixed(6), +c[1].toFixed(6)], zoom: map.getZoom(), lang: LANG };
    if (state.service) body.service = state.service;
    if (state.selected) body.resource_id = state.selected;
    var kept = nearest.shared();  // a position only: the typed address stays on this phone
    if (kept) body.nearest = kept;
    return body;
  }
  window.AidmapShare.start({ ui: U, strings: T, say: say, view: shareView });

  /* ---- putting it together ---- */
  function redrawAll() {
    drawOutlines(); showOutlines();
    if (state.features.size) drawHospitals();
    else if (serverClusters.getLayers().length) { state.complete = false; loadHospitals(); }
    if (nearest) nearest.redraw();  // new coordinates, same answer
    loadUnits();
  }
  var moveTimer = null;
  map.on("moveend", function () {
    clearTimeout(moveTimer);
    moveTimer = setTimeout(function () { loadHospitals(); loadUnits(); }, 250);
  });
  map.on("overlayadd", function (e) { if (e.layer === units) loadUnits(); });

  // Live first: the stream starts from where history is before the hospitals are read.
  window.AidmapLive.start({ url: U.url, strings: T, indicator: $("live"), onChange: applyChange,
    onReset: reloadHospitals });
  var services = api("/api/v1/services").then(function (list) {
    state.services = list;
    list.forEach(function (s) { $("service").appendChild(el("option", { value: s.code, text: LANG === "en" ? s.name_en : s.name_zh })); });
  }).catch(function () {});
  if (view.service) state.service = view.service;
  Promise.all([services, loadHospitals()]).then(function () {
    if (view.nearest) state.service = view.nearest.service || state.service;
    $("service").value = state.service;
    serviceShown();  // coloured for the shared service
    if (view.nearest) nearest.run({ lon: view.nearest.lon, lat: view.nearest.lat,
      precision: view.nearest.precision }, view.nearest.k);
    else if (view.resource_id) focusHospital(view.resource_id, true);
  });
  loadOutlines();
  window.aidmap = { map: map, state: state };
})();

/* The hospitals on the map: each a marker in its state's colour for the chosen service,
   clustered on the page while the view holds few enough to load one by one (else the
   server's clusters), each with its popup (popup.js), restyled as statuses change. */
import { api } from "./api.js";
import { plain } from "./dom.js";
import { T } from "./i18n.js";
import { firstMarkersShown, say, state } from "./map-state.js";
import { clusterIcon, clusterOf, markerIcon as iconFor } from "./markers.js";
import { popupFor, refresh, update } from "./popup.js";
import { names } from "./places.js";
import { stamp } from "./states.js";

var CITY = [120.85, 30.67, 122.2, 31.88];
var COMPLETE_LIMIT = 1000, CLUSTER_COARSER = 2;
var POPUP_PAD_TOP = 10, POPUP_PAD_BOTTOM = 60;  // below: the legend, over the map's foot

/* base: the map (basemap.js). Returns the layers to add and what the page calls. */
export function start(base) {
  var map = base.map, toLatLng = base.toLatLng, viewBbox = base.viewBbox;
  var layer = L.markerClusterGroup({ maxClusterRadius: 40, showCoverageOnHover: false, animate: false,
    disableClusteringAtZoom: 15, spiderfyOnMaxZoom: true,
    iconCreateFunction: clusterOf(function () { return state.features; }, function () { return state.service; }) });
  var serverClusters = L.layerGroup();

  function markerIcon(feature) { return iconFor(feature, state.service, state.selected === feature.id); }
  /* A popup as tall as fits above its marker, the marker in view: on a phone the cluster
     layer drops markers the moment they leave the view, and their popups with them. */
  function popupMaxHeight() { return Math.max(120, map.getSize().y - POPUP_PAD_TOP - POPUP_PAD_BOTTOM - 70); }
  function markerFor(feature) {
    var c = feature.geometry.coordinates, name = names(feature.properties);
    var title = plain(name.main + (name.other ? " · " + name.other : ""));
    var marker = L.marker(toLatLng(c[0], c[1]), { icon: markerIcon(feature), title: title, alt: title, keyboard: true });
    marker.featureId = feature.id;
    marker.bindPopup(function () {
      marker.getPopup().options.maxHeight = popupMaxHeight();
      return popupFor(feature.id, restyleOne);
    }, { maxWidth: 300, minWidth: 220, autoPanPaddingTopLeft: [10, POPUP_PAD_TOP],
      autoPanPaddingBottomRight: [10, POPUP_PAD_BOTTOM] });
    marker.on("popupopen", function () { state.selected = feature.id; refresh(feature.id, restyleOne); });
    marker.on("popupclose", function () {
      if (state.selected === feature.id) { state.selected = null; restyleOne(feature.id); }
    });
    return marker;
  }
  function draw() {
    layer.clearLayers();
    state.markers.clear();
    var list = [];
    state.features.forEach(function (f) { var m = markerFor(f); state.markers.set(f.id, m); list.push(m); });
    layer.addLayers(list);
    if (list.length) firstMarkersShown();
  }
  function restyle(id) {
    var f = state.features.get(id), m = state.markers.get(id);
    if (f && m) m.setIcon(markerIcon(f));
  }
  function restyleOne(id) {  // and the rings of the clusters it is in
    restyle(id);
    if (state.markers.has(id)) layer.refreshClusters(state.markers.get(id));
  }
  /* The service chosen changes every marker, every cluster's ring, and the legend. */
  function serviceShown() {
    document.body.classList.toggle("service-on", !!state.service);
    state.features.forEach(function (f) { restyle(f.id); });
    layer.refreshClusters();
    if (serverClusters.getLayers().length) reload();
  }
  function setFeatures(list) {
    state.features = new Map(list.map(function (f) {
      (f.properties.statuses || []).forEach(stamp); return [f.id, f]; }));
    draw();
  }
  /* A cheap clusters call first: its counts say whether the view's hospitals are few
     enough to load one by one (then clustered on the page) or stay server clusters. */
  function load() {
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
  function reload() {
    state.complete = false; state.asked = false;
    return load();
  }
  function drawServerClusters(fc) {
    setFeatures([]);
    serverClusters.clearLayers();
    fc.features.forEach(function (f) {
      var c = f.geometry.coordinates, n = f.properties.count;
      var icon = clusterIcon(f.properties.states || (state.service ? { unknown: n } : { none: n }), n);
      L.marker(toLatLng(c[0], c[1]), { icon: icon }).on("click", function () {
        map.setView(toLatLng(c[0], c[1]), Math.min(map.getZoom() + 2, 18));
      }).addTo(serverClusters);
    });
    if (fc.features.length) firstMarkersShown();
  }
  /* The coordinates changed (base map): the same hospitals, placed again. */
  function redraw() {
    if (state.features.size) draw();
    else if (serverClusters.getLayers().length) { state.complete = false; load(); }
  }

  /* A hospital's marker and popup, loaded first when the view does not hold it;
     keepView: open it where the map is (a shared view's own centre and zoom). */
  function focus(id, keepView) {
    var open = function () {
      var f = state.features.get(id), m = state.markers.get(id);
      if (!m) return;
      state.selected = id;
      if (!keepView) {  // not animated: the clusters are redrawn before the popup opens
        var at = toLatLng(f.geometry.coordinates[0], f.geometry.coordinates[1]);
        map.stop();  // a running fly/zoom animation would end where it was going
        map.setView(at, Math.max(map.getZoom(), 16), { animate: false });
      }
      layer.zoomToShowLayer(m, function () { m.openPopup(); });
    };
    if (state.features.has(id)) { open(); return; }
    api("/api/v1/resources/" + id).then(function (r) {
      state.features.set(id, { type: "Feature", id: r.id, geometry: { type: "Point", coordinates: [r.lon, r.lat] },
        properties: Object.assign({}, r, { statuses: r.statuses.map(stamp) }) });
      draw(); open();
    }).catch(function (e) { say(e.message); });
  }

  /* A change a volunteer made (live.js): the marker, its clusters and its popup. */
  function apply(d) {
    var f = state.features.get(d.resource_id);
    if (!f) return;
    var list = f.properties.statuses = f.properties.statuses || [];
    var i = list.findIndex(function (s) { return s.service === d.service; });
    var status = stamp(Object.assign({}, d.status));
    if (i >= 0) list[i] = status; else list.push(status);
    restyleOne(d.resource_id);
    update(d.resource_id);
  }

  return { layer: layer, serverClusters: serverClusters, load: load, reload: reload, redraw: redraw,
    serviceShown: serviceShown, focus: focus, apply: apply };
}

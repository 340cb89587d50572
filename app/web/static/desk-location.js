/* A card's location: how well its point is known, and for verifiers three ways to fix
   it: a pasted Amap or Baidu link or share text, typed coordinates in any of the three
   coordinate systems, or dragging its marker on a small map (Leaflet, loaded only then).
   The server converts and stores WGS-84 as exact and verified. */
import { gcjToWgs, wgsToGcj } from "./coords.js";
import { deskWrite, fail, toast } from "./desk-talk.js";
import { button, el } from "./dom.js";
import { T, config } from "./i18n.js";

var leaflet = null;

function loaded(node) {
  return new Promise(function (resolve, reject) {
    node.onload = resolve;
    node.onerror = function () { reject(new Error("leaflet")); };
    document.head.appendChild(node);
  });
}

/* Leaflet's style and script, both loaded before a map is made; its marker images named
   outright (it guesses their path from its style, which may not have applied yet). */
function loadLeaflet() {
  if (!leaflet) leaflet = Promise.all([
    loaded(el("link", { rel: "stylesheet", href: config.vendor.leaflet + "/leaflet.css" })),
    loaded(el("script", { src: config.vendor.leaflet + "/leaflet.js" })),
  ]).then(function () { L.Icon.Default.imagePath = config.vendor.leaflet + "/images/"; })
    .catch(function (e) { leaflet = null; throw e; });
  return leaflet;
}

export function section(item, canFix) {
  var loc = item.location;
  var now = T.location_now.replace("{precision}", T.precisions[loc.precision] || loc.precision)
    .replace("{verified}", loc.verified ? T.location_verified : T.location_unverified);
  var box = el("div", { class: "location" }, [el("h3", { text: T.location }), el("p", { class: "muted", text: now })]);
  if (!canFix) return box;
  var fixer = fixForm(item);
  fixer.hidden = !(item.service === null);  // a location card opens on the fix
  var toggle = button(T.fix_location, function () { fixer.hidden = !fixer.hidden; });
  if (item.service !== null) box.appendChild(toggle);
  box.appendChild(fixer);
  return box;
}

function fixForm(item) {
  var link = el("input", { type: "text", maxlength: "2000", placeholder: T.link_placeholder, "aria-label": T.link_label });
  var coords = el("input", { type: "text", inputmode: "decimal", maxlength: "60", placeholder: T.coords_placeholder, "aria-label": T.coords_label });
  var crs = el("select", { "aria-label": T.coords_label }, Object.keys(T.crs).map(function (k) {
    return el("option", { value: k, text: T.crs[k] });
  }));
  var mapBox = el("div", { class: "loc-map", hidden: "" });
  var dragged = null;
  var result = el("p", { role: "status" });
  var showMap = button(T.open_map, function () {
    showMap.hidden = true;
    mapBox.hidden = false;
    loadLeaflet().then(function () { dragMap(mapBox, item.location, function (p) { dragged = p; }); }).catch(fail);
  });
  var save = el("button", { type: "submit", class: "primary", text: T.save_location });
  var form = el("form", { class: "stack" }, [
    el("label", { text: T.link_label }), link,
    el("label", { text: T.coords_label }), el("div", { class: "row" }, [coords, crs]),
    el("p", { class: "muted", text: T.drag_hint }), showMap, mapBox, save, result,
  ]);
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var body = bodyOf(link.value.trim(), coords.value.trim(), crs.value, dragged);
    if (!body) { link.focus(); return; }
    save.disabled = true;
    deskWrite("PUT", "/api/v1/resources/" + item.resource_id + "/location", body, item.version).then(function (a) {
      item.version = a.body.version;
      item.location = { lon: a.body.lon, lat: a.body.lat, precision: a.body.precision, verified: a.body.location_verified };
      result.className = "done";
      result.textContent = "✓ " + T.location_saved;
      toast(T.location_saved);
    }).catch(function (e) {
      if (e.status === 412 && e.etag) item.version = Number(e.etag.replace(/\D/g, ""));
      result.className = "failed";
      result.textContent = e.message;
    }).then(function () { save.disabled = false; });
  });
  return form;
}

/* the pasted link first, then typed coordinates, then a dragged marker */
function bodyOf(link, coords, crs, dragged) {
  if (link) return { link: link, crs: crs };
  if (coords) {
    var n = coords.split(/[\s,，]+/).map(Number);
    if (n.length === 2 && n.every(isFinite)) return { lon: n[0], lat: n[1], crs: crs };
    return { link: coords, crs: crs };  // the server says precisely what is wrong with it
  }
  if (dragged) return { lon: +dragged[0].toFixed(6), lat: +dragged[1].toFixed(6), crs: "wgs84" };
  return null;
}

/* a small map of the configured base tiles, the marker draggable; onMove(WGS-84 [lon, lat]) */
function dragMap(box, at, onMove) {
  var choices = config.basemaps.choices, name = config.basemaps.start;
  var base = choices[name];
  var gcj = !!(base && base.gcj02);
  var toMap = function (lon, lat) { var p = gcj ? wgsToGcj(lon, lat) : [lon, lat]; return L.latLng(p[1], p[0]); };
  var map = L.map(box, { maxZoom: 19, zoomControl: true }).setView(toMap(at.lon, at.lat), 17);
  if (base) L.tileLayer(base.url, { subdomains: base.subdomains || "abc", maxZoom: 19, attribution: base.attribution }).addTo(map);
  var marker = L.marker(toMap(at.lon, at.lat), { draggable: true, autoPan: true, keyboard: true }).addTo(map);
  marker.on("dragend", function () {
    var ll = marker.getLatLng();
    onMove(gcj ? gcjToWgs(ll.lng, ll.lat) : [ll.lng, ll.lat]);
  });
  box.leafletMarker = marker;  // for the page tests: where the marker is
}

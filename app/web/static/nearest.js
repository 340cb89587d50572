/* "Nearest": the near-me button, the address form and the list they answer with. Never a
   dead end: when nothing is confirmed open the API falls back to the nearest hospitals
   offering the service (each with what is known of it, "call first") and the offices to
   call, and the list offers a wider search. Never a false fact: a distance from an origin
   known only to its district is not shown, and the place we understood is said in words. */
import { api } from "./api.js";
import * as candidates from "./candidates.js";
import { byId, el, plain } from "./dom.js";
import { contactList, hospitalItem } from "./hospital-items.js";
import { T } from "./i18n.js";
import { say, serviceName, state } from "./map-state.js";
import { fillUnits, unitsUnder } from "./unit-picker.js";

var STEPS = [5, 15, 50];  // how many to list: the wider search takes the next step

/* base: the map (basemap.js); layer: a layer group for the origin; focus(id) shows a
   hospital's marker and popup */
export function start(base, layer, focus) {
  var current = null;  // { origin: what was asked from, k, service, answer }
  var results = byId("results");
  var notes = el("div", { id: "nearest-notes" }), contacts = el("div", { id: "nearest-contacts" });
  results.parentNode.insertBefore(notes, results);
  results.parentNode.insertBefore(contacts, results.nextSibling);

  function clear() {
    current = null;
    results.textContent = ""; notes.textContent = ""; contacts.textContent = "";
    layer.clearLayers();
    document.body.classList.remove("has-nearest");
  }
  function run(origin, k) {
    var service = state.service, q = new URLSearchParams({ k: String(k || STEPS[0]) });
    if (origin.address) q.set("address", origin.address);
    else { q.set("lon", origin.lon.toFixed(6)); q.set("lat", origin.lat.toFixed(6)); }
    if (!origin.address && origin.precision) q.set("precision", origin.precision);  // a shared district stays one
    if (service) q.set("service", service);
    say(T.searching);
    candidates.clear();
    return api("/api/v1/nearest?" + q).then(function (fc) {
      current = { origin: origin, k: k || STEPS[0], service: service, answer: fc };
      show(fc);
    }).catch(function (e) {
      clear();  // an old answer under a new error would read as the answer to it
      if (e.status !== 422 || !origin.address) { say(e.message); return; }
      // a road known in several districts: its candidates as buttons (candidates.js)
      say(candidates.offer(e, origin.address, function (address) {
        run({ address: address }); }));
    });
  }
  function again() { if (current) return run(current.origin, current.k); }

  function heading(fc, service) {
    var name = service ? serviceName(service) : "";
    if (!service) return T.heading_all;
    if (!fc.features.length) return T.heading_none.replace(/\{service\}/g, name);
    return (fc.answer === "fallback" ? T.heading_fallback : T.heading_open).replace(/\{service\}/g, name);
  }
  function show(fc) {
    var service = current ? current.service : state.service;
    results.textContent = ""; notes.textContent = ""; contacts.textContent = "";
    document.body.classList.add("has-nearest");
    say(heading(fc, service));
    if (fc.origin.precision === "district") notes.appendChild(districtNote(fc.origin));
    /* the origin answers no more than its source: "known", never "verified", here */
    if (fc.origin.source === "learned") notes.appendChild(el("p", { class: "learned-note", text: T.learned_known }));
    fc.features.forEach(function (f) { results.appendChild(hospitalItem(f, fc.answer, focus)); });
    if (fc.answer === "fallback" || !fc.features.length) {
      if (fc.contacts && fc.contacts.length) contacts.appendChild(contactList(fc.contacts));
      var next = STEPS.find(function (n) { return n > (current ? current.k : STEPS[0]); });
      if (next && current) {
        var wider = el("button", { type: "button", class: "wider", text: T.wider.replace("{n}", next) });
        wider.addEventListener("click", function () { run(current.origin, next); });
        contacts.appendChild(wider);
      }
    }
    fit(fc);
    var panel = byId("panel"), message = byId("message");  // the answer, not the form, in view
    if (panel && message && message.offsetParent === panel) panel.scrollTop = message.offsetTop - 4;
  }

  /* An origin known only to its district: say so, and offer the better ways. */
  function districtNote(origin) {
    var place = origin.place || {};
    var words = [place.district, place.street, place.committee].filter(Boolean).join(" ") || T.unit_none;
    var locate = el("button", { type: "button", class: "use-location", text: T.use_location });
    locate.addEventListener("click", nearMe);
    var box = el("div", { class: "understood" }, [
      el("p", { class: "only", text: T.only_understood.replace("{place}", words) }),
      el("p", { class: "hint", text: T.district_hint }), locate]);
    if (place.district) box.appendChild(unitPicker(place));
    return box;
  }
  function unitPicker(place) {
    var streets = el("select", { class: "pick-street", "aria-label": T.pick_street }, [el("option", { value: "", text: T.pick_street })]);
    var committees = el("select", { class: "pick-committee", "aria-label": T.pick_committee }, [el("option", { value: "", text: T.pick_committee })]);
    committees.hidden = true;
    var named = function (select) { return select.value ? plain(select.options[select.selectedIndex].text) : ""; };
    api("/api/v1/units?level=district&name=" + encodeURIComponent(place.district)).then(function (found) {
      var district = found.find(function (u) { return u.name === place.district; });
      return district ? unitsUnder("street", district.id) : [];
    }).then(function (list) {
      var street = fillUnits(streets, list, place.street);
      if (street) return unitsUnder("committee", street.id).then(function (cs) { fillUnits(committees, cs, place.committee); committees.hidden = false; });
    }).catch(function () {});
    var ask = function (parts) { run({ address: [place.district].concat(parts).join("") }); };
    streets.addEventListener("change", function () { if (streets.value) ask([named(streets)]); });
    committees.addEventListener("change", function () { if (committees.value) ask([named(streets), named(committees)]); });
    return el("div", { class: "row pick" }, [streets, committees]);
  }

  /* the origin and the listed hospitals, all in view */
  function fit(fc) {
    layer.clearLayers();
    var origin = fc.origin, here = base.toLatLng(origin.lon, origin.lat);
    var mark = origin.precision === "district" ? null : here;  // a district's point is nobody's position
    if (mark) L.circleMarker(mark, { radius: 7, color: "#fff", weight: 2, fillColor: "#1f6feb", fillOpacity: 1 }).addTo(layer);
    if (mark && origin.precision !== "exact") L.circle(mark, { radius: 800, color: "#1f6feb", weight: 1, fillOpacity: 0.06 }).addTo(layer);
    var points = fc.features.map(function (f) { return base.toLatLng(f.geometry.coordinates[0], f.geometry.coordinates[1]); });
    if (mark) points.push(mark);
    if (!points.length) points.push(here);
    // below: the legend over the map's foot (~70 px on a phone) must not hide a marker
    base.map.fitBounds(L.latLngBounds(points), { paddingTopLeft: [30, 30],
      paddingBottomRight: [30, 80], maxZoom: 15, animate: false });
  }

  function nearMe() {
    if (!navigator.geolocation) { say(T.locate_failed); return; }
    say(T.locating);
    navigator.geolocation.getCurrentPosition(function (pos) {
      run({ lon: pos.coords.longitude, lat: pos.coords.latitude });
    }, function () { say(T.locate_failed); byId("address").focus(); },
    { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  }
  byId("near-me").addEventListener("click", nearMe);
  byId("address-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = byId("address").value.trim();
    if (text) run({ address: text });
  });

  var pending = null;
  return {
    run: run,
    /* a new service chosen: ask again from the same origin */
    serviceChanged: function () { if (current) run(current.origin, current.k); },
    /* a volunteer changed a status: ask again (once for a burst of changes) */
    statusChanged: function (service) {
      if (!current || (current.service && current.service !== service)) return;
      clearTimeout(pending);
      pending = setTimeout(again, 200);
    },
    /* the map's coordinates changed (base map): the same answer, placed again */
    redraw: function () { if (current) show(current.answer); },
    /* what a share keeps: the position we measured from and how well it is known (a
       district-only address reopens as that district), never the typed words */
    shared: function () {
      if (!current) return null;
      var origin = current.answer.origin;
      var kept = { lon: +origin.lon.toFixed(6), lat: +origin.lat.toFixed(6), k: 3 };
      if (origin.precision && origin.precision !== "exact") kept.precision = origin.precision;
      if (current.service) kept.service = current.service;
      return kept;
    },
  };
}

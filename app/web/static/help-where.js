/* The help form's "where": the phone's position (WGS-84, as browsers give it), a typed
   address, or a district → street → committee picked (unit-picker.js). One way at a
   time, chosen by its radio button; the others stay as typed. */
import * as candidates from "./candidates.js";
import { byId } from "./dom.js";
import { T } from "./i18n.js";
import { cascade } from "./unit-picker.js";

var point = null;      // { lon, lat } once the phone gave it
var locating = false;
var units = null;      // the district → street → committee selects (unit-picker.js)

function mode() {
  var checked = document.querySelector('input[name="where"]:checked');
  return checked ? checked.value : "";
}

function say(text) { byId("here-status").textContent = text; }

function locate() {
  point = null;
  if (!navigator.geolocation) { refused(T.locate_unavailable); return; }
  locating = true;
  say(T.locating_help);
  navigator.geolocation.getCurrentPosition(function (pos) {
    locating = false;
    point = { lon: +pos.coords.longitude.toFixed(6), lat: +pos.coords.latitude.toFixed(6) };
    say(T.located.replace("{m}", Math.max(1, Math.round(pos.coords.accuracy))));
  }, function () {
    locating = false;
    refused(T.locate_denied);
  }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
}

/* no position: say so, and lead to the other two ways */
function refused(words) {
  say(words);
  document.querySelector('input[name="where"][value="address"]').focus();
}

function unitsFailed() {
  byId("unit-error").textContent = T.units_failed;
  byId("unit-error").hidden = false;
}

/* the chosen way's fields shown, the others hidden (what they hold stays) */
export function refresh() {
  var chosen = mode();
  byId("address-field").hidden = chosen !== "address";
  byId("unit-field").hidden = chosen !== "unit";
  if (chosen !== "here") say("");
  if (chosen === "unit") units.load().catch(unitsFailed);
}

export function start() {
  units = cascade([byId("district"), byId("street"), byId("committee")]);
  document.querySelectorAll('input[name="where"]').forEach(function (radio) {
    radio.addEventListener("change", refresh);
  });
  // a click (or an arrow key) on "here", chosen again too: ask for the position if none
  byId("where-here").addEventListener("click", function () { if (!point && !locating) locate(); });
  refresh();  // a browser that restored the form's choices
  if (mode() === "here") locate();
}

/* the body's location, or [field, words] for what is missing */
export function location() {
  var chosen = mode();
  if (chosen === "here") {
    if (point) return { lon: point.lon, lat: point.lat, crs: "wgs84" };
    return locating ? ["where", T.errors.locating] : ["where", T.locate_denied];
  }
  if (chosen === "address") {
    var address = byId("address").value.trim();
    return address ? { address: address } : ["address", T.errors.address_empty];
  }
  if (chosen === "unit") {
    var unit = units.chosen();
    return unit ? { unit_id: unit.id } : ["unit", T.errors.unit_empty];
  }
  return ["where", T.errors.where];
}

/* an address the server could not place: its candidates as buttons under the field; a
   tap writes the place before the typed words and sends again. Returns the words. */
export function offerCandidates(e, resend) {
  var input = byId("address");
  return candidates.offer(e, input.value.trim(), function (better) {
    input.value = better;
    resend();
  }, byId("address-choices"));
}

export function clearCandidates() { candidates.clear(byId("address-choices")); }

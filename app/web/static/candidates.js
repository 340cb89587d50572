/* When a typed address names no district, the API's 422 carries the places it could mean
   (error.candidates); they are offered as buttons under the message. A tap asks again
   with the place's district and street written before the typed text, so the answer keeps
   an honest precision (a lon/lat origin would count as exact) and an online geocoder, when
   there is one, can place the whole address. */
import { el } from "./dom.js";
import { T } from "./i18n.js";

var HAN = /[\u4e00-\u9fff]/;

function box(into) {
  if (into) return into;
  var b = document.getElementById("choices");
  if (!b) {
    var message = document.getElementById("message");
    b = document.createElement("div");
    b.id = "choices";
    b.className = "choices";
    message.parentNode.insertBefore(b, message.nextSibling);
  }
  return b;
}
export function clear(into) { box(into).textContent = ""; }

/* err: an api() error for the typed address; rerun(address) asks again; into: where the
   buttons go (by default under the map page's message line). Returns the message to
   show: a question when there are choices, else why not. */
export function offer(err, address, rerun, into) {
  clear(into);
  var list = ((err.body || {}).error || {}).candidates || [];
  if (!list.length) return HAN.test(address) ? T.address_not_found : T.address_not_chinese;
  var b = box(into);
  list.forEach(function (c) {
    var parts = [c.district, c.street].filter(function (p, i, all) { return p && all.indexOf(p) === i; });
    var button = el("button", { type: "button", text: parts.join(" ") || c.name });
    button.addEventListener("click", function () { clear(into); rerun(parts.join("") + address); });
    b.appendChild(button);
  });
  return T.address_choose;
}

/* The help form's confirmation (after a 201): the private tracking link as text, to copy,
   and as a QR code; a note when the request joined an earlier one; whom to call
   meanwhile: the office near the place and the nearest hospitals for the service
   (hospital-items.js, as the map lists them). The link, and nothing else, is kept in the
   tab's sessionStorage: a reload (WeChat reloads a page its user comes back to from the
   phone's dialler) still shows the link that is shown only once. */
import { byId, copyText, el } from "./dom.js";
import { contactList, hospitalItem } from "./hospital-items.js";
import { LANG, T } from "./i18n.js";

var KEPT = "aidmap:help-link";

/* the page's own path to the link's QR code: the link's origin may be the public one */
function qrPath(link) { return new URL(link, location.href).pathname + "/qr.svg"; }

function opened(link) { return LANG === "en" ? link + "?lang=en" : link; }

function keep(link) {
  try { sessionStorage.setItem(KEPT, link); } catch (e) { /* private mode: shown once only */ }
}

function heading(fc, service) {
  if (!fc.features.length) return T.nearest_none;
  if (fc.answer === "all") return "";
  return (fc.answer === "fallback" ? T.heading_fallback : T.heading_open).replace(/\{service\}/g, service);
}

/* answer: the 201's body; service: the chosen service's name */
export function show(answer, service) {
  var link = answer.tracking_url;
  keep(link);
  byId("help-form").hidden = true;
  byId("restored").hidden = true;
  byId("track-link").textContent = link;
  byId("track-link").href = opened(link);
  byId("open-track").href = opened(link);
  byId("merged").hidden = answer.merged_into === null || answer.merged_into === undefined;
  var qr = byId("qr-box");
  qr.textContent = "";
  qr.appendChild(el("img", { src: qrPath(link), alt: T.qr_alt, width: "200", height: "200" }));
  var office = byId("office");
  office.textContent = "";
  if (answer.office) office.appendChild(contactList([answer.office], T.office_title));
  var fc = answer.nearest, list = byId("nearest");
  list.textContent = "";
  byId("nearest-heading").textContent = heading(fc, service);
  fc.features.forEach(function (f) { list.appendChild(hospitalItem(f, fc.answer)); });
  byId("done").hidden = false;
  window.scrollTo(0, 0);
  byId("done-title").focus();
}

/* a link this tab was given before, above the form */
export function restore() {
  var link = null;
  try { link = sessionStorage.getItem(KEPT); } catch (e) { /* none kept */ }
  if (!link) return;
  byId("restored-link").textContent = link;
  byId("restored-link").href = opened(link);
  byId("restored").hidden = false;
}

export function start(again) {
  byId("copy-link").addEventListener("click", function () {
    copyText(byId("track-link").textContent, this, T.copied);
  });
  byId("again").addEventListener("click", function () {
    byId("done").hidden = true;
    restore();
    again();
  });
  restore();
}

/* A hospital's popup: its name (in English, the Chinese one too: what a taxi driver or a
   guard reads), whether a problem was reported and is being checked (never what was said),
   its phones, the chosen service first (or "not offered"), each status with its age and
   the volunteer's note, and a form to report a problem. It is read again when it opens,
   so ages, notes and the problem flag are current. */
import { api, write } from "./api.js";
import { el } from "./dom.js";
import { T, ago } from "./i18n.js";
import { state, serviceName } from "./map-state.js";
import { look } from "./markers.js";
import { names, navLinks, phoneLinks, precisionNote } from "./places.js";
import { ageNow, conditionsText, stamp, stateText } from "./states.js";

/* The popup's element: the one on the page while it is open (a Leaflet update asks
   again, and must not lose what is typed in its form), else a new one. restyle(id) draws
   its marker again when what the popup read changes how it looks. */
export function popupFor(id, restyle) {
  var open = document.querySelector('.popup[data-id="' + id + '"]');
  if (open) return open;
  var f = state.features.get(id), p = f.properties, name = names(p);
  var box = el("div", { class: "popup", "data-id": String(id) }, [
    el("h3", { text: name.main }),
    name.other ? el("p", { class: "other-name", lang: "zh-CN", text: name.other }) : null,
    el("p", { class: "problem", hidden: "" }),
    p.address ? el("p", { class: "address", text: p.address }) : null,
    phoneLinks(p.phones),
    precisionNote(p),
    el("ul", { class: "statuses" }),
    navLinks(p.name, f.geometry.coordinates[0], f.geometry.coordinates[1]),
    reportForm(id, p.services || [], restyle),
  ]);
  fill(box, f);
  return box;
}
export function update(id) {
  var box = document.querySelector('.popup[data-id="' + id + '"]'), f = state.features.get(id);
  if (!box || !f) return;
  fill(box, f);
  var m = state.markers.get(id);  // its size changed: fit it again
  if (m && m.isPopupOpen()) m.getPopup().update();
}
function fill(box, f) {
  var p = f.properties, service = state.service, problem = box.querySelector(".problem");
  problem.textContent = p.problem_reported_at ? "⚠ " + T.problem_reported : "";
  problem.hidden = !p.problem_reported_at;
  var list = box.querySelector(".statuses"), statuses = (p.statuses || []).slice();
  list.textContent = "";
  if (service && look(f, service).state === "not_offered") {
    list.appendChild(el("li", { class: "st not-offered chosen" }, [
      el("span", { class: "what", text: serviceName(service) + ": " + T.not_offered })]));
  }
  statuses.sort(function (a, b) { return (b.service === service) - (a.service === service); });
  var never = [];  // services nobody reported yet: one line, after what is known
  statuses.forEach(function (s) {
    if (s.state === "unknown" && service && s.service !== service) return;
    if (ageNow(s) === null && s.service !== service) never.push(serviceName(s.service));
    else list.appendChild(statusItem(s, s.service === service));
  });
  if (never.length) list.appendChild(el("li", { class: "st never" }, [
    el("span", { class: "what", text: T.never_reported + ": " + never.join(T.list_sep) })]));
}
function statusItem(s, chosen) {
  var age = ageNow(s);
  var what = serviceName(s.service) + ": " + stateText(s.state);
  if (s.conditions && s.conditions.length) what += " (" + conditionsText(s.conditions) + ")";
  var meta = age === null ? T.never_reported : T.updated + " " + ago(age);
  if (age !== null && s.stale) meta += " · " + T.out_of_date;
  if (s.verified_at) meta += " · " + T.verified;  // verified, and when: never by whom
  return el("li", { class: "st state-" + s.state + (s.stale && age !== null ? " stale" : "") +
    (chosen ? " chosen" : "") }, [
    el("span", { class: "what", text: what }), el("span", { class: "when", text: meta }),
    s.note ? el("span", { class: "note", text: T.note_label.replace("{age}", ago(noteAge(s, age))) +
      "“" + s.note + "”" }) : null]);
}
/* The note was written with the report: its age counts from the report, which a later
   verification (what age_seconds counts from) does not make younger. */
function noteAge(s, age) {
  var since = s.verified_at && s.reported_at ? (Date.parse(s.verified_at) - Date.parse(s.reported_at)) / 1000 : 0;
  return age + Math.max(0, Math.round(since || 0));
}

export function refresh(id, restyle) {
  return api("/api/v1/resources/" + id).then(function (r) {
    var f = state.features.get(id);
    if (!f) return;
    f.properties.statuses = r.statuses.map(stamp);
    f.properties.problem_reported_at = r.problem_reported_at;
    restyle(id);
    update(id);
  }).catch(function () {});
}
function reportForm(id, services, restyle) {
  var select = el("select", { name: "service", "aria-label": T.service }, [el("option", { value: "", text: "—" })].concat(
    services.map(function (s) { return el("option", { value: s, text: serviceName(s) }); })));
  if (state.service) select.value = state.service;
  var text = el("textarea", { name: "text", maxlength: "500", rows: "2", placeholder: T.report_placeholder,
    required: "", "aria-label": T.report_problem });
  var note = el("span", { class: "report-note" });
  var form = el("form", { class: "report" }, [
    el("details", {}, [el("summary", { text: T.report_problem }), select, text,
      el("button", { type: "submit", text: T.send }), note])]);
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var body = { text: text.value.trim() };
    if (!body.text) return;
    if (select.value) body.service = select.value;
    write("POST", "/api/v1/resources/" + id + "/reports", body)
      .then(function () { note.textContent = T.sent; text.value = ""; refresh(id, restyle); })
      .catch(function () { note.textContent = T.failed; });
  });
  return form;
}

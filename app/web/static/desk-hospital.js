/* Adding a hospital, or correcting one (coordinators): name, district, address, phones,
   services and optionally a pasted location. Possible duplicates (same name, same phone,
   a similar name within 200 m) are shown before anything is saved; saving anyway is a
   second, deliberate tap. An edit names the version it was read at. */
import { api } from "./api.js";
import { deskWrite, fail, toast } from "./desk-talk.js";
import { byId, el } from "./dom.js";
import { LANG, T, fill } from "./i18n.js";

var W = T.hospital_form;
var ready = null, editing = null;

export function start(services) {
  if (!ready) ready = Promise.all([services || api("/api/v1/services"), api("/api/v1/units?level=district&limit=100")])
    .then(function (got) { build(got[0], got[1]); });
  return ready;
}

/* open the form on a stored hospital */
export function edit(id) {
  start().then(function () { return api("/api/v1/resources/" + id); }).then(function (r) {
    editing = r;
    var f = byId("hospital-form");
    f.elements.name.value = r.name;
    f.elements.district.value = r.district_id ? String(r.district_id) : "";
    f.elements.address.value = r.address || "";
    f.elements.phones.value = r.phones.join("\n");
    f.querySelectorAll("input[name=services]").forEach(function (i) { i.checked = r.services.indexOf(i.value) >= 0; });
    f.elements.link.closest("div").hidden = true;  // an edit moves the point in the card
    byId("hospital-dupes").replaceChildren();
    f.elements.name.focus();
  }).catch(fail);
}

function field(label, input) {
  return el("div", { class: "stack" }, [el("label", { for: input.id, text: label }), input]);
}

function build(services, districts) {
  var f = byId("hospital-form");
  var district = el("select", { id: "h-district", name: "district", required: "" }, [el("option", { value: "", text: W.choose_district })]
    .concat(districts.map(function (d) { return el("option", { value: String(d.id), text: d.name }); })));
  var checks = el("div", { class: "chips" }, services.map(function (s) {
    return el("label", {}, [el("input", { type: "checkbox", name: "services", value: s.code }),
      el("span", { text: LANG === "en" ? s.name_en : s.name_zh })]);
  }));
  f.replaceChildren(
    field(W.name, el("input", { id: "h-name", name: "name", required: "", maxlength: "200" })),
    field(W.district, district),
    field(W.address, el("input", { id: "h-address", name: "address", maxlength: "300" })),
    field(W.phones, el("textarea", { id: "h-phones", name: "phones", rows: "2", maxlength: "400" })),
    el("div", { class: "stack" }, [el("span", { class: "label", text: W.services }), checks]),
    field(W.link, el("input", { id: "h-link", name: "link", maxlength: "2000" })),
    el("div", { id: "hospital-dupes" }),
    el("button", { type: "submit", class: "primary", text: W.save }),
  );
  f.addEventListener("submit", function (e) { e.preventDefault(); save(false); });
}

function bodyOf(f, allow) {
  var body = {
    name: f.elements.name.value.trim(),
    district: Number(f.elements.district.value),
    address: f.elements.address.value.trim() || null,
    phones: f.elements.phones.value.split(/[\n,，;；]+/).map(function (p) { return p.trim(); }).filter(Boolean),
    services: Array.prototype.map.call(f.querySelectorAll("input[name=services]:checked"), function (i) { return i.value; }),
    allow_duplicates: allow,
  };
  var link = f.elements.link.value.trim();
  if (link && !editing) body.location = { link: link };
  return body;
}

function save(allow) {
  var f = byId("hospital-form");
  var dupes = byId("hospital-dupes");
  var request = editing
    ? deskWrite("PATCH", "/api/v1/resources/" + editing.id, bodyOf(f, allow), editing.version)
    : deskWrite("POST", "/api/v1/resources", bodyOf(f, allow));
  return request.then(function (a) {
    var done = fill(editing ? W.updated : W.added, { name: a.body.name });
    toast(done);
    dupes.replaceChildren(el("p", { class: "done", role: "status", text: "✓ " + done }));
    editing = null;
    f.reset();
    f.elements.link.closest("div").hidden = false;
  }).catch(function (e) {
    var found = e.body && (e.body.duplicates || (e.body.error && e.body.error.duplicates));
    if (e.status === 409 && found) { showDuplicates(found); return; }
    if (e.status === 412 && editing) { editing = null; }
    dupes.replaceChildren(el("p", { class: "failed", role: "alert", text: e.message }));
  });
}

function showDuplicates(found) {
  var anyway = el("button", { type: "button", text: W.save_anyway });
  anyway.addEventListener("click", function () { save(true); });
  byId("hospital-dupes").replaceChildren(el("div", { class: "dupes", role: "alert" }, [
    el("p", { text: W.duplicates }),
    el("ul", {}, found.map(function (d) {
      var why = (W.why[d.why] || d.why) + (d.distance_m !== null && d.distance_m !== undefined ? " · " + Math.round(d.distance_m) + " m" : "");
      return el("li", {}, [el("strong", { text: d.name }), el("span", { text: " · " + why }),
        el("div", { class: "muted", text: [d.address, (d.phones || []).join("、")].filter(Boolean).join(" · ") })]);
    })),
    anyway,
  ]));
  byId("hospital-dupes").scrollIntoView({ block: "center" });
}

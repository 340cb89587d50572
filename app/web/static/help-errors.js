/* The help form's errors, each beside its field in plain words (the field outlined, the
   words tied to it by aria-describedby, focus moved to the first), and which field a
   server's refusal is about: its code (routes_help_intake.py INTAKE_ERRORS), or the
   place a 422 invalid_request names. Nothing the person typed is touched. */
import { byId } from "./dom.js";
import { T } from "./i18n.js";

/* a field's name → what takes the focus */
var FOCUS = { service: 'input[name="service"]', where: 'input[name="where"]', unit: "#district",
  treatment: 'input[name="treatment"]', signs: 'input[name="signs"]', form: "#send" };
var ANSWERS = ["last_session", "due_date", "treatment", "weeks", "signs", "need"];

export function clearErrors() {
  document.querySelectorAll("#help-form .error").forEach(function (p) { p.hidden = true; p.textContent = ""; });
  document.querySelectorAll("#help-form .invalid").forEach(function (f) { f.classList.remove("invalid"); });
  document.querySelectorAll('#help-form [aria-invalid="true"]').forEach(function (i) { i.removeAttribute("aria-invalid"); });
}

/* errors: [[field, words]]; the first field takes the focus */
export function showErrors(errors) {
  errors.forEach(function (pair, i) {
    var field = pair[0], words = pair[1];
    var p = byId(field + "-error");
    if (!p) { field = "form"; p = byId("form-error"); }
    p.textContent = p.textContent ? p.textContent + " " + words : words;
    p.hidden = false;
    var box = byId(field + "-field");
    if (box) box.classList.add("invalid");
    var input = document.querySelector(FOCUS[field] || "#" + field);
    if (!input) return;
    if (field !== "form") input.setAttribute("aria-invalid", "true");
    if (i === 0) { input.focus(); if (input.scrollIntoView) input.scrollIntoView({ block: "center" }); }
  });
}

function answerWords(key) {
  return key === "treatment" || key === "signs" ? T.errors.choice : T.errors[key] || T.errors.other;
}

/* a place in the request's body (from a 422's loc, after "body") → the form's field */
function fieldAt(path) {
  var first = path[0], second = path[1];
  if (first === "answers" && ANSWERS.indexOf(second) >= 0) return [second, answerWords(second)];
  if (first === "location") return second === "address" ? ["address", T.errors.address_empty] : ["where", T.errors.where];
  if (first === "name" || first === "text") return [first, T.errors[first]];
  if (first === "phone") return ["phone", T.errors.phone];
  if (first === "service") return ["service", T.errors.service];
  if (first === "consent") return ["consent", T.errors.consent];
  return ["form", T.errors.other];
}

/* e: the api() error of the POST; offer(e): the words for an address not placed (and its
   candidates offered). Returns [[field, words]]. */
export function refusal(e, offer) {
  var error = (e.body || {}).error || {};
  if (!e.status) return [["form", T.errors.network]];
  if (e.status === 429) {
    var minutes = Math.max(1, Math.ceil((e.retryAfter || 600) / 60));
    var wait = minutes < 90 ? T.wait_minutes.replace("{n}", minutes) : T.wait_hours.replace("{n}", Math.ceil(minutes / 60));
    return [["form", T.errors.too_many.replace("{wait}", wait)]];
  }
  if (e.status === 413) return [["text", T.errors.text]];
  if (e.status !== 422) return [["form", T.errors.other]];
  switch (error.code) {
    case "consent_required": return [["consent", T.errors.consent]];
    case "honeypot": byId("website").value = ""; return [["form", T.errors.honeypot]];
    case "unknown_service": return [["service", T.errors.service]];
    case "invalid_phone": return [["phone", T.errors.phone]];
    case "outside_area": case "swapped_coordinates": return [["where", T.errors.outside]];
    case "unknown_unit": return [["unit", T.errors.unit]];
    case "address_not_found": return [["address", offer(e)]];
    case "invalid_answer": {
      var key = /^answers\.(\w+)/.exec(error.message || "");
      return [key && ANSWERS.indexOf(key[1]) >= 0 ? [key[1], answerWords(key[1])] : ["form", T.errors.other]];
    }
  }
  var seen = {};
  return (error.details || []).map(function (d) { return fieldAt(d.loc.slice(1)); })
    .filter(function (pair) { return !seen[pair[0]] && (seen[pair[0]] = true); })
    .concat(error.details && error.details.length ? [] : [["form", T.errors.other]]);
}

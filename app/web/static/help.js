/* The help form (GET /help): what is needed and that service's questions, where
   (help-where.js), a phone, consent; sent as JSON to POST /api/v1/help-requests, so what
   a person types goes into the request's body only, never into a URL or the browser's
   storage. Errors go beside their fields (help-errors.js) and nothing typed is lost;
   the answer shows the tracking link and whom to call (help-done.js). */
import { write } from "./api.js";
import { byId } from "./dom.js";
import * as done from "./help-done.js";
import { clearErrors, refusal, showErrors } from "./help-errors.js";
import * as where from "./help-where.js";
import { T } from "./i18n.js";

var form = byId("help-form"), send = byId("send");

function chosenService() { return form.querySelector('input[name="service"]:checked'); }

function showQuestions() {
  var chosen = chosenService();
  document.querySelectorAll(".questions").forEach(function (box) {
    box.hidden = !chosen || box.dataset.service !== chosen.value;
  });
}

/* a Shanghai date, days from today, as YYYY-MM-DD (Shanghai keeps UTC+8 all year) */
function shanghaiDay(days) {
  return new Date(Date.now() + 8 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
}

/* the date pickers offer what answers.py takes */
function limitDates() {
  var last = byId("last_session"), due = byId("due_date");
  if (last) { last.min = shanghaiDay(-60); last.max = shanghaiDay(0); }
  if (due) { due.min = shanghaiDay(-90); due.max = shanghaiDay(180); }
}

/* the chosen service's answers as answers.py reads them; what was left empty is left out */
function answers(service) {
  var out = {};
  document.querySelectorAll('.questions[data-service="' + service + '"] [data-answer]').forEach(function (field) {
    var key = field.dataset.answer, kind = field.dataset.kind;
    var ticked = Array.prototype.map.call(field.querySelectorAll("input:checked"), function (i) { return i.value; });
    if (kind === "one" || kind === "many") {
      if (ticked.length) out[key] = kind === "one" ? ticked[0] : ticked;
      return;
    }
    var value = field.querySelector("input").value.trim();
    if (value) out[key] = kind === "number" && /^\d+$/.test(value) ? Number(value) : value;
  });
  return out;
}

/* the request's body, or the fields still to fill ([[field, words]]) */
function request() {
  var missing = [], service = chosenService();
  if (!service) missing.push(["service", T.errors.service]);
  var location = where.location();
  if (Array.isArray(location)) missing.push(location);
  var phone = byId("phone").value.trim();
  if (!phone) missing.push(["phone", T.errors.phone_empty]);
  if (!byId("consent").checked) missing.push(["consent", T.errors.consent]);
  if (missing.length) return { missing: missing };
  var body = { service: service.value, answers: answers(service.value), location: location, phone: phone, consent: true };
  var name = byId("name").value.trim(), text = byId("text").value.trim(), website = byId("website").value;
  if (name) body.name = name;
  if (text) body.text = text;
  if (website) body.website = website;
  return { body: body, service: service.parentNode.textContent.trim() };
}

function submit() {
  clearErrors();
  where.clearCandidates();
  var asked = request();
  if (asked.missing) { showErrors(asked.missing); return; }
  send.disabled = true;
  send.textContent = T.sending;
  write("POST", "/api/v1/help-requests", asked.body).then(function (answer) {
    done.show(answer.body, asked.service);
  }, function (e) {
    showErrors(refusal(e, function (error) { return where.offerCandidates(error, submit); }));
  }).then(function () {
    send.disabled = false;
    send.textContent = T.submit;
  });
}

form.addEventListener("submit", function (e) { e.preventDefault(); submit(); });
form.querySelectorAll('input[name="service"]').forEach(function (radio) { radio.addEventListener("change", showQuestions); });
showQuestions();  // a browser that restored the form's choices
limitDates();
where.start();
done.start(function () {
  form.reset();
  showQuestions();
  where.refresh();
  form.hidden = false;
  window.scrollTo(0, 0);
});
send.disabled = false;

/* The tracking page (GET /h/{secret}), which the server renders complete: this adds the
   form to add information (POST …/messages), withdrawing after a confirm step (POST
   …/withdraw), and keeps the page current while it is shown, asking ?f=json every
   data-poll seconds (AIDMAP_HELP_POLL_SECONDS) and at once when it is shown again, then
   drawing the state, the hospital, the messages again from the answer, as text. */
import { api, url, write } from "./api.js";
import { byId, el, plain } from "./dom.js";
import { T, fill } from "./i18n.js";
import { phoneLinks } from "./places.js";

var box = byId("track");
var path = location.pathname.slice(url("").length);  // /h/{secret}, under the root path
var timer = null;
var finished = box.dataset.finished === "1";
var repeat = box.dataset.repeat === "1";

/* an ISO time as Beijing time to the minute, as the server writes it (no DST there) */
function beijing(iso) {
  return new Date(Date.parse(iso) + 8 * 3600e3).toISOString().slice(0, 16).replace("T", " ");
}

/* into's children replaced by nodes, unless they read the same (the server drew them,
   or the last answer did): a live region is not read out again for nothing */
function redraw(into, nodes) {
  var fresh = el("div", {}, nodes), squash = function (s) { return s.replace(/\s+/g, ""); };
  if (squash(fresh.textContent) === squash(into.textContent)) return;
  into.textContent = "";
  while (fresh.firstChild) into.appendChild(fresh.firstChild);
}

function matched(hospital) {
  byId("matched").hidden = !hospital;
  redraw(byId("matched"), hospital ? [
    el("h2", { text: T.matched_title }), el("p", { class: "hospital", text: hospital.name }),
    hospital.address ? el("p", { class: "muted", text: hospital.address }) : null,
    el("p", { class: "phones" }, [phoneLinks(hospital.phones)])] : []);
}

function messages(list) {
  redraw(byId("messages"), list.length ? list.map(function (m) {
    return el("p", { class: "message" }, [el("span", { class: "muted", text: beijing(m.at) }),
      el("br"), document.createTextNode(plain(m.text))]);
  }) : [el("p", { class: "muted", text: T.no_messages })]);
}

/* v: the request's facts (HelpTracking) */
function render(v) {
  var state = T.states[v.state] + (v.close_reason ? T.reasons[v.close_reason] : "");
  if (byId("state").textContent !== state) byId("state").textContent = state;
  byId("asked").textContent = fill(T.asked, { when: beijing(v.created_at), updated: beijing(v.updated_at) });
  matched(v.matched);
  messages(v.messages);
  byId("added").textContent = v.added.length ? fill(T.added, { n: v.added.length }) : "";
  byId("added").hidden = !v.added.length;
  byId("erased").textContent = v.erased ? T.erased : "";
  byId("erased").hidden = !v.erased;
  finished = v.erased || v.state === "resolved" || v.state === "closed";
  repeat = v.repeat;
  byId("repeat").hidden = !repeat;
  showForms();
}

function showForms() {
  byId("add-form").hidden = finished;
  byId("withdraw").hidden = finished || repeat;
  byId("new-request").hidden = !finished;
}

/* ---- keeping current while shown ---- */
function seconds() { return Math.max(1, Number(box.dataset.poll) || 25); }

function schedule() {
  clearTimeout(timer);
  if (!document.hidden) timer = setTimeout(poll, seconds() * 1000);
}

function poll() {
  clearTimeout(timer);
  api(path + "?f=json").then(render).catch(function () { /* the next try may work */ }).then(schedule);
}

document.addEventListener("visibilitychange", function () {
  if (document.hidden) clearTimeout(timer);
  else poll();
});

/* ---- writing ---- */
function failed(e) {
  if (!e.status) return T.errors.network;
  if (e.status === 409) return T.errors.finished;
  if (e.status === 429) return T.errors.too_many;
  if (e.status === 422 || e.status === 413) return T.errors.text;
  return T.errors.other;
}

function showError(id, words) {
  byId(id).textContent = words;
  byId(id).hidden = !words;
}

byId("add-form").addEventListener("submit", function (e) {
  e.preventDefault();
  var area = byId("add-text"), text = area.value.trim(), sendButton = this.querySelector("button");
  showError("add-text-error", "");
  area.removeAttribute("aria-invalid");
  byId("add-done").textContent = "";
  if (!text) { area.focus(); return; }
  sendButton.disabled = true;
  write("POST", path + "/messages", { text: text }).then(function (answer) {
    area.value = "";
    byId("add-done").textContent = T.add_sent;
    render(answer.body);
  }, function (err) {
    showError("add-text-error", failed(err));
    area.setAttribute("aria-invalid", "true");
    area.focus();
    if (err.status === 409) poll();
  }).then(function () { sendButton.disabled = false; });
});

byId("withdraw-open").addEventListener("click", function () {
  byId("withdraw-confirm").hidden = false;
  this.hidden = true;
  byId("withdraw-no").focus();
});
byId("withdraw-no").addEventListener("click", function () {
  byId("withdraw-confirm").hidden = true;
  byId("withdraw-open").hidden = false;
  byId("withdraw-open").focus();
});
byId("withdraw-yes").addEventListener("click", function () {
  var yes = this;
  yes.disabled = true;
  showError("withdraw-error", "");
  write("POST", path + "/withdraw", {}).then(function (answer) {
    render(answer.body);
    byId("state").focus();
  }, function (err) { showError("withdraw-error", failed(err)); })
    .then(function () { yes.disabled = false; });
});

byId("state").setAttribute("tabindex", "-1");
byId("live").hidden = false;
showForms();
schedule();

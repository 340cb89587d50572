/* An opened help request (#help/{id}): who needs what and where; the claim, which shows
   its holder the phone (a tel: link), name and description (the server logs each such
   read); the moves valid from its state; match suggestions (desk-help-match.js); notes
   for volunteers and messages to the requester, told apart; its history; and for
   coordinators, who read the personal details when. Read again after every action. */
import { api } from "./api.js";
import * as match from "./desk-help-match.js";
import { claimText, clock, hold, holding, placeText, serviceName, stateText, urgencyChip, when, whyText } from "./desk-help-parts.js";
import { allows, deskWrite, fail, toast } from "./desk-talk.js";
import { button, byId, el, plain } from "./dom.js";
import { T, ago, config, fill } from "./i18n.js";
import { names, telHref } from "./places.js";

var W = T.help;
var COORDINATOR = allows(config.me.role, "coordinator");
var UNFINISHED = ["new", "claimed", "contacting", "matched"];
var MOVES = { claimed: ["contacting"], matched: ["resolved", "recontact"] };
var REASONS = ["admitted", "referred", "unreachable", "duplicate", "withdrawn", "out_of_scope"];
var current = null;  // { id, detail }: the request shown
var boardChanged = function () {};
var hospitals = {};

/* the board's: read it again after an action here */
export function use(reload) { boardChanged = reload; }

export function open(id) {
  current = { id: id, detail: null };
  var box = byId("help-detail");
  box.replaceChildren(backLink(), el("p", { text: T.loading }));
  box.hidden = false;
  read();
}

export function close() {
  current = null;
  byId("help-detail").hidden = true;
  byId("help-detail").replaceChildren();
}

/* the board was read again: the request shown changed hands or state meanwhile */
export function saw(items) {
  var d = current && current.detail;
  var now = d && items.find(function (i) { return i.id === d.id; });
  if (!now) return;
  if (now.state !== d.state || (now.claim && now.claim.holder) !== (d.claim && d.claim.holder)) read();
}

function read() {
  var asked = current;
  return api("/api/v1/help-requests/" + asked.id).then(function (d) {
    if (current !== asked) return;
    var first = !asked.detail;
    asked.detail = d;
    draw(d);
    if (first) byId("help-detail").querySelector(".back").focus({ preventScroll: true });  // the list's link went
  }).catch(fail);
}

function changed() {
  read();
  boardChanged(false);
}

function backLink() { return el("a", { class: "back", href: "#help", text: W.back }); }

function draw(d) {
  var open = UNFINISHED.indexOf(d.state) >= 0;
  var mine = !!d.claim && (holding(d.id) || (d.revealed && !COORDINATOR));
  var may = open && d.revealed;  // its holder, or a coordinator
  var box = byId("help-detail");
  box.replaceChildren.apply(box, [
    backLink(),
    summary(d),
    open ? claimBox(d, mine) : null,
    person(d),
    facts(d),
    may ? moves(d) : null,
    open ? match.section(d, may && (d.state === "claimed" || d.state === "contacting"), changed) : null,
    may ? closing() : null,
    notes(d, may),
    history(d),
    COORDINATOR ? reveals(d) : null,
  ].filter(Boolean));
}

function summary(d) {
  return el("div", { class: "card help opened u-" + d.urgency }, [el("div", { class: "head" }, [
    el("span", { class: "top" }, [urgencyChip(d.urgency),
      el("span", { class: "name", text: serviceName(d.service) }), el("span", { class: "id", text: "#" + d.id })]),
    d.urgency_why.length ? el("span", { class: "reason", text: whyText(d) }) : null,
    el("span", { class: "what" }, [el("span", { class: "summary-state", text: stateText(d) }),
      el("span", { text: " · " + fill(W.asked, { ago: ago(d.age_seconds) }) })]),
    d.resource_id ? hospitalName(d.resource_id, el("span", { class: "matched" }), W.hospital) : null,
  ])]);
}

function claimBox(d, mine) {
  if (d.state === "new") {  // nobody holds it (or a claim lapsed)
    var take = button(W.claim, function () { take.disabled = true; claim(d.id); }, true);
    take.classList.add("wide");
    return el("div", { class: "claim-box" }, [take, el("p", { class: "muted", text: W.claim_help })]);
  }
  var line = claimText(d, mine);
  if (!line) return null;
  return el("div", { class: "claim-box" }, [
    el("p", { class: "claim-line", text: line }),
    mine && d.claim.lapses_at ? el("p", { class: "muted", text: fill(W.lapses, { time: clock(d.claim.lapses_at) }) }) : null,
  ]);
}

/* both tap at once: one wins; the other reads who, and the request read again */
function claim(id) {
  deskWrite("POST", "/api/v1/help-requests/" + id + "/claim", {}).then(function () {
    hold(id);
    toast(W.claimed_now);
    changed();
  }).catch(function (e) {
    var error = e.body && e.body.error;
    if (e.status === 409 && error && error.holder) toast(claimText({ claim: error }, false));
    else fail(e);
    changed();
  });
}

function person(d) {
  if (d.erased) return el("p", { class: "muted", text: W.erased });
  if (!d.revealed) {
    return el("p", { class: "person" }, [el("span", { class: "masked", text: d.phone }),
      el("span", { class: "muted", text: W.phone_hidden })]);
  }
  return el("div", { class: "person" }, [
    el("p", { class: "phones" }, [el("a", { href: telHref(d.phone), text: d.phone })]),
    d.name ? el("p", { text: W.name + T.colon + d.name }) : null,
    d.text ? el("p", { class: "said", text: d.text }) : null,
  ]);
}

function answerText(key, value) {
  if (key === "treatment") return W.treatments[value] || value;
  if (key === "weeks") return fill(W.weeks, { n: value });
  if (key === "signs") return value.map(function (s) { return W.signs[s] || s; }).join(T.list_sep);
  return String(value);
}

/* the service's answers (free text only when revealed) and the place */
function facts(d) {
  var lines = Object.keys(d.answers || {}).map(function (key) {
    return el("li", { text: (W.answers[key] || key) + T.colon + answerText(key, d.answers[key]) });
  });
  var place = placeText(d);
  if (place) lines.push(el("li", { text: W.place + T.colon + place }));
  return lines.length ? el("ul", { class: "facts" }, lines) : null;
}

/* forward: claimed → contacting, matched → resolved or back to contacting (a match is
   recorded from the suggestions) */
function moves(d) {
  var buttons = (MOVES[d.state] || []).map(function (m) {
    return button(W.moves[m], function () { move({ state: m === "recontact" ? "contacting" : m }); }, m === "resolved");
  });
  return buttons.length ? el("div", { class: "actions moves" }, buttons) : null;
}

/* closed, with the reason chosen first */
function closing() {
  var reason = el("select", { "aria-label": W.close_reason }, [el("option", { value: "", text: W.choose_reason })]
    .concat(REASONS.map(function (r) { return el("option", { value: r, text: W.reasons[r] }); })));
  var shut = button(W.close, function () { move({ state: "closed", reason: reason.value }); });
  shut.classList.add("danger");
  shut.disabled = true;
  reason.addEventListener("change", function () { shut.disabled = !reason.value; });
  return el("div", { class: "row closing" }, [reason, shut]);
}

function move(body) {
  deskWrite("POST", "/api/v1/help-requests/" + current.id + "/transition", body).then(function (a) {
    toast(fill(W.moved, { state: stateText(a.body) }));
    changed();
  }).catch(function (e) { fail(e); changed(); });
}

/* a note for volunteers, or (its holder, a coordinator) a message the requester reads */
function notes(d, may) {
  var text = el("textarea", { id: "help-note", rows: "3", maxlength: "1000" });
  var hint = el("p", { class: "muted", text: W.note_private_hint });
  var send = button(W.save_note, function () {
    var words = text.value.trim();
    if (!words) { text.focus(); return; }
    var pub = shared();
    send.disabled = true;
    deskWrite("POST", "/api/v1/help-requests/" + d.id + "/notes", { text: words, public: pub }).then(function () {
      toast(pub ? W.message_sent : W.note_saved);
      changed();
    }).catch(function (e) { send.disabled = false; fail(e); });
  }, true);
  var chooser = el("div", { class: "states visibility", role: "radiogroup" }, ["private", "public"].map(function (v) {
    var input = el("input", { type: "radio", name: "visibility", value: v });
    input.checked = v === "private";
    input.disabled = v === "public" && !may;
    return el("label", { class: "vis-" + v }, [input, el("span", { text: W[v] })]);
  }));
  function shared() { return chooser.querySelector("input:checked").value === "public"; }
  chooser.addEventListener("change", function () {
    hint.textContent = shared() ? W.note_public_hint : W.note_private_hint;
    send.textContent = shared() ? W.send_message : W.save_note;
    send.classList.toggle("to-requester", shared());
  });
  return el("div", { class: "notes stack" }, [
    el("h3", { text: W.notes }), chooser,
    may ? null : el("p", { class: "muted", text: W.public_needs_claim }),
    el("label", { for: "help-note", text: W.note_label }), text, hint, send,
  ]);
}

/* node, filled with the hospital's name in template (read once a page) */
function hospitalName(id, node, template) {
  if (!hospitals[id]) hospitals[id] = api("/api/v1/resources/" + id).then(function (r) { return names(r).main; })
    .catch(function () { return "#" + id; });
  hospitals[id].then(function (name) { node.textContent = plain(fill(template, { name: name })); });
  return node;
}

function eventLine(e, revealed) {
  var what, badge = null, said = e.text;
  if (e.kind === "state") what = stateText({ state: e.state, close_reason: e.reason });
  else if (e.kind === "note") badge = el("span", { class: "badge " + (e.public ? "public" : "private"), text: e.public ? W.public : W.private });
  else what = W.events[e.kind] || e.kind;
  if (!said && !revealed && (e.kind === "added" || e.kind === "merged")) said = W.hidden_words;
  return el("li", { class: e.kind === "note" ? "note-" + (e.public ? "public" : "private") : "" }, [
    el("div", {}, [badge, what ? el("span", { text: what }) : null,
      e.resource_id ? hospitalName(e.resource_id, el("span"), T.colon + "{name}") : null]),
    said ? el("div", { class: "said", text: said }) : null,
    el("div", { class: "muted", text: when(e.at) + (e.kind === "lapsed" ? "" : " · " + (e.by || W.requester)) }),
  ]);
}

function history(d) {
  var lines = d.events.slice().reverse().map(function (e) { return eventLine(e, d.revealed); });
  return el("div", { class: "history" }, [el("h3", { text: W.history }), el("ol", {}, lines)]);
}

/* coordinators: who read the personal details, newest first (this read included) */
function reveals(d) {
  var list = el("ol", { class: "reveals" }, [el("li", { text: T.loading })]);
  api("/api/v1/help-requests/" + d.id + "/reveals").then(function (log) {
    list.replaceChildren.apply(list, log.length ? log.slice().reverse().map(function (r) {
      return el("li", { text: r.by + " · " + when(r.at) });
    }) : [el("li", { text: W.reveals_empty })]);
  }).catch(fail);
  return el("div", { class: "reveals-box" }, [el("h3", { text: W.reveals }), list]);
}

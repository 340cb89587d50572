/* The status form of a card's service: "still true" (a verifier confirms the status; a
   volunteer reports it again as it is) in one tap, or a new state, conditions and note.
   Every write names the version the form was drawn at (live changes arriving meanwhile
   update the card's list, never the form). When someone else wrote first (412):
   if this service's status is as the person saw it, the write goes again at the new
   version (their change was to another service); otherwise the page shows who changed
   what, and asks again. Nothing is overwritten silently. */
import { allows, deskWrite, fail, toast } from "./desk-talk.js";
import { el } from "./dom.js";
import { T, ago, config, fill } from "./i18n.js";
import { conditionsText, stateText } from "./states.js";

var STATES = ["open", "limited", "closed"];

function current(item) {
  return (item.statuses || []).find(function (s) { return s.service === item.service; }) || null;
}

function same(a, b) {
  return !a === !b && (!a || (a.state === b.state && a.reported_at === b.reported_at && a.verified_at === b.verified_at));
}

function describe(s) {
  var c = conditionsText(s.conditions);
  return stateText(s.state) + (c ? "（" + c + "）" : "") + (s.note ? " “" + s.note + "”" : "");
}

/* item: the card's queue item; redraw(): draw the card again after a write */
export function form(item, redraw) {
  var seen = current(item), version = item.version;
  var verifier = allows(config.me.role, "verifier");
  var box = el("div", { class: "status-form" });
  var path = "/api/v1/resources/" + item.resource_id + "/status/" + item.service;

  function written(answer, words) {
    version = item.version = answer.body.version;
    var s = Object.assign({ service: item.service }, answer.body.status);
    item.statuses = (item.statuses || []).filter(function (x) { return x.service !== item.service; }).concat([s]);
    item.state = s.state;
    item.age_seconds = s.age_seconds;
    item.done = fill(words, { what: describe(s) });
    toast(item.done);
    redraw();
  }

  /* send(version) → a write's promise; words: what the toast says when done */
  function attempt(send, words) {
    return send(version).then(function (a) { written(a, words); }).catch(function (e) {
      if (e.status !== 412 || !e.body.current) throw e;
      var now = e.body.current;
      version = item.version = now.version;
      item.statuses = now.statuses;
      var theirs = current(item);
      if (same(seen, theirs)) return send(version).then(function (a) { written(a, words); });
      conflict(theirs, function () { seen = theirs; return attempt(send, words); });
    }).catch(fail);
  }

  function conflict(theirs, retry) {
    var who = (theirs && (theirs.verified_by || theirs.reported_by)) || T.someone;
    var text = fill(T.conflict, { who: who, ago: ago(theirs ? theirs.age_seconds : null),
      what: theirs ? describe(theirs) : stateText("unknown") });
    var again = el("button", { type: "button", class: "primary", text: T.conflict_retry });
    again.addEventListener("click", function () { notice.remove(); retry(); });
    var notice = el("div", { class: "conflict", role: "alert" }, [el("p", { text: text }), again]);
    box.prepend(notice);
    notice.scrollIntoView({ block: "center" });
  }

  var actions = el("div", { class: "actions" });
  if (seen && seen.state !== "unknown") {
    var still = el("button", { type: "button", class: "primary", text: T.still_true });
    still.addEventListener("click", function () {
      still.disabled = true;
      var words = verifier ? T.verified_done : T.reported_done;
      var send = verifier
        ? function (v) { return deskWrite("POST", path + "/verify", {}, v); }
        : function (v) { return deskWrite("PUT", path, { state: seen.state, conditions: seen.conditions, note: seen.note }, v); };
      attempt(send, words).then(function () { still.disabled = false; });
    });
    actions.appendChild(still);
  }
  var change = el("button", { type: "button", text: T.change, "aria-expanded": "false" });
  actions.appendChild(change);
  box.appendChild(actions);
  if (item.done) box.appendChild(el("p", { class: "done", text: "✓ " + item.done }));

  var editor = editorFor(seen, function (update) {
    return attempt(function (v) {
      return deskWrite("PUT", path, Object.assign(update, { verified: verifier }), v);
    }, verifier ? T.verified_done : T.reported_done);
  });
  editor.hidden = true;
  change.addEventListener("click", function () {
    editor.hidden = !editor.hidden;
    change.setAttribute("aria-expanded", String(!editor.hidden));
  });
  box.appendChild(editor);
  return box;
}

function editorFor(seen, save) {
  var id = "s" + Math.random().toString(36).slice(2, 8);
  var states = el("div", { class: "states", role: "radiogroup" }, STATES.map(function (s) {
    var input = el("input", { type: "radio", name: id, value: s });
    if (seen && seen.state === s) input.checked = true;
    return el("label", {}, [input, el("span", { text: stateText(s) })]);
  }));
  var codes = Object.keys(T.condition_names);
  ((seen && seen.conditions) || []).forEach(function (c) { if (codes.indexOf(c) < 0) codes.push(c); });
  var chips = el("div", { class: "chips" }, codes.map(function (c) {
    var input = el("input", { type: "checkbox", value: c });
    if (seen && (seen.conditions || []).indexOf(c) >= 0) input.checked = true;
    return el("label", {}, [input, el("span", { text: T.condition_names[c] || c })]);
  }));
  var note = el("textarea", { rows: "2", maxlength: "1000", placeholder: T.note_placeholder, "aria-label": T.note });
  note.value = (seen && seen.note) || "";
  var submit = el("button", { type: "submit", class: "primary", text: T.save });
  var formNode = el("form", { class: "stack" }, [states, el("label", { text: T.conditions }), chips,
    el("label", { text: T.note }), note, submit]);
  formNode.addEventListener("submit", function (e) {
    e.preventDefault();
    var state = formNode.querySelector("input[type=radio]:checked");
    if (!state) { states.focus(); return; }
    submit.disabled = true;
    save({
      state: state.value,
      conditions: Array.prototype.map.call(chips.querySelectorAll("input:checked"), function (i) { return i.value; }),
      note: note.value.trim() || null,
    }).then(function () { submit.disabled = false; });
  });
  return formNode;
}

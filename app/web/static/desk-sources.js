/* The shared documents a deployment keeps in step (coordinators, under the import tab):
   each source's health, a plan held for review with approve and drop, and "read now".
   The documents' links are coordinators' data: shown here, never on a public page. */
import { api } from "./api.js";
import { deskWrite, fail } from "./desk-talk.js";
import { button, byId, el } from "./dom.js";
import { T, ago, fill } from "./i18n.js";

var W = T.shared_docs;

export function start() { list(); }

function list() {
  api("/api/v1/sources").then(function (sources) {
    var items = sources.map(item);
    byId("sources").replaceChildren.apply(byId("sources"), items.length ? items : [el("li", { class: "muted", text: W.none })]);
  }).catch(fail);
}

function act(name, what) {
  return function () {
    deskWrite("POST", "/api/v1/sources/" + encodeURIComponent(name) + "/" + what, {}).then(list).catch(fail);
  };
}

function item(s) {
  var outcome = s.last_outcome ? (W.outcomes[s.last_outcome] || s.last_outcome) : "";
  var last = s.last_run_at ? fill(W.last, { ago: ago((Date.now() - Date.parse(s.last_run_at)) / 1000), outcome: outcome }) : W.never;
  var li = el("li", {}, [
    el("strong", { text: s.name }), el("span", { class: "muted", text: " · " + (T.import_form.kinds[s.kind] || s.kind) }),
    el("div", { text: last }),
    s.rows_understood !== null ? el("div", { class: "muted", text: fill(W.counts, { ok: s.rows_understood, bad: s.rows_not_understood }) }) : null,
    s.last_error ? el("div", { class: "failed", text: s.last_error }) : null,
  ].filter(Boolean));
  if (s.held) {
    li.appendChild(el("div", { class: "conflict" }, [
      el("p", { text: fill(W.held, { reason: s.held.reason }) }),
      el("div", { class: "actions" }, [button(W.approve, act(s.name, "approve"), true), button(W.drop, act(s.name, "drop"))]),
    ]));
  }
  li.appendChild(button(W.run, act(s.name, "run")));
  return li;
}

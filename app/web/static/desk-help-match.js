/* Where a help request could go: the nearest hospitals open (fresh) for its service as
   GET …/matches answers them (distances to 100 m, from a point rounded to about 100 m),
   each with its status, phones and, for its holder, a button that records it as the match
   (the requester's page then names it); and the committee or street offices nearby. */
import { api } from "./api.js";
import { deskWrite, fail, toast } from "./desk-talk.js";
import { button, el } from "./dom.js";
import { T, ago, fill, metres } from "./i18n.js";
import { names, phoneLinks } from "./places.js";
import { conditionsText, stateText } from "./states.js";

var W = T.help, K = 5;

/* the request, whether this person may record a match now, what to do once recorded */
export function section(d, canRecord, recorded) {
  var box = el("div", { class: "matches" }, [el("h3", { text: W.matches }), el("p", { class: "muted", text: T.loading })]);
  api("/api/v1/help-requests/" + d.id + "/matches?k=" + K).then(function (answer) {
    var found = answer.features;
    box.replaceChildren.apply(box, [
      el("h3", { text: W.matches }),
      answer.answer === "fallback" && found.length ? el("p", { class: "warn", text: W.fallback }) : null,
      found.length ? el("ol", { class: "match-list" }, found.map(function (f) {
        return hospital(f, f.id === d.resource_id, canRecord ? function () { return record(d.id, f, recorded); } : null);
      })) : el("p", { class: "muted", text: W.no_matches }),
      answer.contacts.length ? el("h3", { text: W.offices }) : null,
      answer.contacts.length ? el("ul", { class: "offices" }, answer.contacts.map(office)) : null,
    ].filter(Boolean));
  }).catch(fail);
  return box;
}

function distance(item) {
  return fill(W.distance, { d: metres(item.distance_m) }) + (item.distance_exact ? "" : W.rough);
}

function statusLine(s) {
  var state = s ? s.state : "unknown";
  var said = s ? [conditionsText(s.conditions), ago(s.age_seconds), s.verified ? T.verified : ""] : [];
  return el("p", { class: "status-line" }, [
    el("span", { class: "chip-state state-" + state, text: stateText(state) }),
    el("span", { text: " " + said.filter(Boolean).join(" · ") }),
  ]);
}

/* a suggestion: chosen, the one recorded; onRecord, how to record it (null: not now) */
function hospital(f, chosen, onRecord) {
  var p = f.properties, n = names(p);
  var take = onRecord ? button(W.record_match, function () { take.disabled = true; onRecord().catch(function () { take.disabled = false; }); }) : null;
  return el("li", { "data-id": String(f.id), class: chosen ? "chosen" : "" }, [
    chosen ? el("span", { class: "badge matched", text: W.chosen }) : null,
    el("strong", { class: "hospital", text: n.main }),
    n.other ? el("span", { class: "muted", text: " " + n.other }) : null,
    el("p", { class: "muted", text: [distance(p), p.address].filter(Boolean).join(" · ") }),
    statusLine(p.status),
    p.phones.length ? phoneLinks(p.phones) : null,
    take,
  ]);
}

function record(id, f, recorded) {
  var body = { state: "matched", resource_id: f.id };
  return deskWrite("POST", "/api/v1/help-requests/" + id + "/transition", body).then(function () {
    toast(fill(W.matched_to, { name: names(f.properties).main }));
    recorded();
  }, function (e) {
    fail(e);
    recorded();
    throw e;
  });
}

function office(c) {
  return el("li", {}, [
    el("strong", { text: c.name }),
    el("span", { class: "muted", text: " · " + distance(c) }),
    c.phones.length ? phoneLinks(c.phones) : null,
  ]);
}

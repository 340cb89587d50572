/* An opened card: the hospital's phones, its statuses with who checked them, the status
   form for the card's service (desk-status.js), open problem reports to close, its
   location (desk-location.js) and history (desk-history.js). Opening claims the hospital
   for AIDMAP_CLAIM_MINUTES so nobody else phones it at the same time; closing releases. */
import { api } from "./api.js";
import * as history from "./desk-history.js";
import * as locationForm from "./desk-location.js";
import * as statusForm from "./desk-status.js";
import { allows, deskWrite, fail, toast } from "./desk-talk.js";
import { button, el } from "./dom.js";
import { T, ago, config } from "./i18n.js";
import { telHref } from "./places.js";
import { conditionsText, stateText } from "./states.js";

export var CLAIM_MINUTES = config.claim_minutes;
var ME = config.me;
var holding = {};  // resource ids this page claimed (a name may be two people's)

export function mine(resourceId) { return !!holding[resourceId]; }
var drawHead = function () {}, serviceName = String;

/* the queue's own: how a card's head is drawn, and a service's name */
export function use(hooks) { drawHead = hooks.drawHead; serviceName = hooks.serviceName; }

export function open(item) {
  var head = item.node.querySelector("button.head");
  head.setAttribute("aria-expanded", "true");
  item.body = el("div", { class: "body" });
  item.node.appendChild(item.body);
  draw(item);
  claim(item);
}

export function close(item) {
  var head = item.node && item.node.querySelector("button.head");
  if (head) head.setAttribute("aria-expanded", "false");
  if (item.body) item.body.remove();
  item.body = item.statusNode = null;
  if (holding[item.resource_id]) {
    delete holding[item.resource_id];
    deskWrite("DELETE", "/api/v1/resources/" + item.resource_id + "/claim").catch(function () {});
    item.claim = null;
    drawHead(item);
  }
}

/* another change reached the hospital: read it again, with names, and redraw */
export function refresh(item) {
  api("/api/v1/resources/" + item.resource_id).then(function (r) {
    item.version = Math.max(item.version, r.version);
    item.statuses = r.statuses;
    item.location = { lon: r.lon, lat: r.lat, precision: r.precision, verified: r.location_verified };
    if (item.statusNode) {  // the list only: a form being filled in stays as it is
      var fresh = statusList(item);
      item.statusNode.replaceWith(fresh);
      item.statusNode = fresh;
    }
  }).catch(function () {});
}

function claim(item) {
  deskWrite("POST", "/api/v1/resources/" + item.resource_id + "/claim", {}).then(function (a) {
    holding[item.resource_id] = true;
    item.claim = a.body;
    drawHead(item);
  }).catch(function (e) {
    if (e.status === 409) { item.claim = e.body; drawHead(item); } else fail(e);
  });
}

function draw(item) {
  var body = item.body;
  body.replaceChildren.apply(body, [
    item.phones.length ? el("p", { class: "phones" }, item.phones.map(function (p) {
      return el("a", { href: telHref(p), text: p });
    })) : null,
    item.address ? el("p", { class: "muted", text: item.address }) : null,
    item.service ? statusForm.form(item, function () { draw(item); }) : null,
    item.statusNode = statusList(item),
    reports(item),
    locationForm.section(item, allows(ME.role, "verifier")),
    history.section(item, serviceName),
    allows(ME.role, "coordinator") ? el("p", {}, [editLink(item)]) : null,
  ].filter(Boolean));
}

function statusList(item) {
  return el("ul", { class: "statuses" }, (item.statuses || []).map(function (s) {
    var who = s.verified ? T.verified_by.replace("{name}", s.verified_by || T.someone) : T.not_verified;
    var parts = [serviceName(s.service) + T.colon + stateText(s.state), conditionsText(s.conditions),
      ago(s.age_seconds), s.reported_by || "", who].filter(Boolean);
    return el("li", { class: s.service === item.service ? "current" : "" }, [
      el("span", { text: parts.join(" · ") }),
      s.note ? el("div", { class: "note", text: s.note }) : null,
    ]);
  }));
}

function reports(item) {
  if (!item.open_reports.length) return null;
  var verifier = allows(ME.role, "verifier");
  return el("div", { class: "reports" }, [
    el("h3", { text: T.reports }),
    el("ol", {}, item.open_reports.map(function (r) {
      var note = el("input", { type: "text", maxlength: "500", "aria-label": T.outcome_note, placeholder: T.outcome_note });
      var li = el("li", {}, [el("div", { class: "text", text: r.text }), el("div", { class: "muted", text: ago((Date.now() - Date.parse(r.created_at)) / 1000) })]);
      if (verifier) {
        var closeAs = function (outcome) {
          return function () {
            var body = note.value.trim() ? { note: note.value.trim() } : {};
            deskWrite("POST", "/api/v1/problem-reports/" + r.id + "/" + outcome, body).then(function () {
              item.open_reports = item.open_reports.filter(function (x) { return x.id !== r.id; });
              toast(T.report_closed);
              draw(item);
            }).catch(fail);
          };
        };
        li.appendChild(note);
        li.appendChild(el("div", { class: "actions" }, [
          button(T.resolve, closeAs("resolve")), button(T.dismiss, closeAs("dismiss"))]));
      }
      return li;
    })),
  ]);
}

function editLink(item) {
  var link = el("a", { href: "#add", text: T.edit });
  link.addEventListener("click", function () {
    import("./desk-hospital.js").then(function (m) { m.edit(item.resource_id); }).catch(fail);
  });
  return link;
}

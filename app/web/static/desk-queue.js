/* The call queue (核实队列) as cards, most needed first: a card's head says which hospital,
   what to check, why, and who is calling it now; tapping it opens the card (desk-card.js)
   and claims the hospital. Live changes keep every card's version and states current. */
import { api } from "./api.js";
import * as card from "./desk-card.js";
import { fail } from "./desk-talk.js";
import { byId, el } from "./dom.js";
import { LANG, T, ago, fill } from "./i18n.js";
import { stateText } from "./states.js";

var LIMIT = 500, CLAIMS_EVERY_MS = 30000;
var items = [], serviceNames = {}, opened = null;

export function start(services) {
  card.use({ drawHead: drawHead, serviceName: serviceName });
  services.then(function (list) {
    list.forEach(function (s) {
      serviceNames[s.code] = LANG === "en" ? s.name_en : s.name_zh;
      byId("queue-service").appendChild(el("option", { value: s.code, text: serviceNames[s.code] }));
    });
    if (items.length) render();
  }).catch(fail);
  byId("queue-service").addEventListener("change", reload);
  byId("refresh").addEventListener("click", reload);
  setInterval(function () { if (!document.hidden) refreshClaims(); }, CLAIMS_EVERY_MS);
  reload();
}

function ask() {
  var service = byId("queue-service").value;
  return api("/api/v1/verification-queue?limit=" + LIMIT + (service ? "&service=" + encodeURIComponent(service) : ""));
}

export function reload() {
  if (opened) card.close(opened);
  opened = null;
  byId("queue-info").textContent = T.loading;
  return ask().then(function (list) { items = list; render(); }).catch(function (e) {
    byId("queue-info").textContent = "";
    fail(e);
  });
}

/* Only the claims of the cards shown (versions come with live changes): the order stays
   as the person sees it, and the server reads claims, not the whole queue again. */
function refreshClaims() {
  api("/api/v1/claims").then(function (list) {
    var running = {};
    list.forEach(function (c) { running[c.resource_id] = c; });
    items.forEach(function (i) {
      var now = running[i.resource_id] || null;
      if ((now && now.claimed_at) === (i.claim && i.claim.claimed_at)) return;
      i.claim = now;
      drawHead(i);
    });
  }).catch(function () {});
}

function keyOf(item) { return item.resource_id + ":" + (item.service || "location"); }

export function serviceName(code) { return serviceNames[code] || code; }

function render() {
  byId("queue-info").textContent = items.length ? T.queue_count.replace("{n}", items.length) : T.queue_empty;
  byId("queue").replaceChildren.apply(byId("queue"), items.map(function (item) {
    item.node = el("li", { class: "card", "data-key": keyOf(item) });
    drawHead(item);
    return item.node;
  }));
  if (items.length && !performance.getEntriesByName("aidmap:first-card").length) {
    performance.mark("aidmap:first-card");  // what scripts/bench_desk.py times
  }
}

export function drawHead(item) {
  var node = item.node;
  if (!node) return;
  node.className = "card " + (item.service ? "state-" + (item.state || "unknown") : "location");
  var what = item.service
    ? serviceName(item.service) + T.colon + stateText(item.state || "unknown") + " · " + ago(item.age_seconds)
    : T.location_card + " · " + T.precisions[item.location.precision];
  var head = node.querySelector(":scope > button.head") || el("button", { type: "button", class: "head", "aria-expanded": "false" });
  head.replaceChildren.apply(head, [
    el("span", { class: "name", text: item.name }),
    el("span", { class: "what", text: what }),
    el("span", { class: "reason", text: T.reasons[item.reason] || item.reason }),
    claimLine(item),
  ].filter(Boolean));
  if (!head.parentNode) {
    head.addEventListener("click", function () { toggle(item); });
    node.prepend(head);
  }
}

function claimLine(item) {
  var c = item.claim;
  if (!c) return null;
  var mine = card.mine(item.resource_id);
  var since = Math.max(0, (Date.now() - Date.parse(c.claimed_at)) / 1000);
  return el("span", { class: "claim", text: mine ? T.you_calling.replace("{n}", card.CLAIM_MINUTES)
    : fill(T.calling, { name: c.holder, ago: ago(since) }) });
}

function toggle(item) {
  var was = opened;
  if (opened) card.close(opened);
  opened = null;
  if (was === item) return;
  opened = item;
  card.open(item, siblings(item));
}

/* the other cards of the same hospital, which a write there changes too */
function siblings(item) { return items.filter(function (i) { return i.resource_id === item.resource_id; }); }

/* a change from the stream (or this page's own write, which comes back through it) */
export function changed(change) {
  siblings({ resource_id: change.resource_id }).forEach(function (i) {
    i.version = Math.max(i.version, change.version);
    i.statuses = (i.statuses || []).filter(function (s) { return s.service !== change.service; })
      .concat([Object.assign({}, change.status, { service: change.service })]);
    if (i.service === change.service) { i.state = change.status.state; i.age_seconds = change.status.age_seconds; }
    drawHead(i);
    if (i === opened) card.refresh(i);
  });
}

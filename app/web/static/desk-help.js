/* The help requests' triage board (求助): requests in the API's order (most urgent, then
   oldest), filtered by district, service and state, a page at a time; read again every
   30 s while the tab is shown, when the phone shows the page again, and after each
   action. A request opens on a view of its own (#help/{id}: desk-help-card.js), so a
   phone's back button returns to the list. The board holds nothing personal: the API
   masks its phones. */
import { api } from "./api.js";
import * as card from "./desk-help-card.js";
import { claimText, holding, learnServices, placeText, serviceName, stateText, urgencyChip, whyText } from "./desk-help-parts.js";
import { fail } from "./desk-talk.js";
import { byId, el } from "./dom.js";
import { LANG, T, ago, fill } from "./i18n.js";

var W = T.help, PAGE = 20, MAX = 500, EVERY_MS = 30000;
var items = [], full = false, asking = 0, listScroll = 0;
var nodes = {};  // id → its card, kept across reads so nothing a finger is on is replaced

export function start(services) {
  card.use(reload);
  var lists = Promise.all([services, api("/api/v1/units?level=district&limit=100")]).then(function (got) {
    learnServices(got[0]);
    got[0].concat([{ code: "other" }]).forEach(function (s) {
      byId("help-service").appendChild(el("option", { value: s.code, text: serviceName(s.code) }));
    });
    got[1].forEach(function (d) {
      byId("help-district").appendChild(el("option", { value: String(d.id), text: LANG === "en" && d.name_en ? d.name_en : d.name }));
    });
  }).catch(fail);
  ["help-district", "help-service", "help-state"].forEach(function (id) {
    byId(id).addEventListener("change", function () { reload(true); });
  });
  byId("help-refresh").addEventListener("click", function () { reload(false); });
  byId("help-more").addEventListener("click", more);
  window.addEventListener("hashchange", route);
  var shown = function () { return !document.hidden && !byId("tab-help").hidden; };
  setInterval(function () { if (shown()) reload(false); }, EVERY_MS);
  document.addEventListener("visibilitychange", function () { if (shown()) reload(false); });
  return lists.then(function () { route(); return reload(true); });
}

/* #help: the list; #help/{id}: one request */
function route() {
  var parts = location.hash.slice(1).split("/");
  if (parts[0] !== "help") return;
  var id = Number(parts[1]);
  var list = byId("help-list-view");
  if (id > 0) {
    if (!list.hidden) listScroll = window.scrollY;
    list.hidden = true;
    card.open(id);
    window.scrollTo(0, 0);
  } else if (list.hidden) {
    card.close();
    list.hidden = false;
    window.scrollTo(0, listScroll);
    reload(false);
  }
}

function query(limit, offset) {
  var q = ["limit=" + limit, "offset=" + offset];
  [["district", "help-district"], ["service", "help-service"], ["state", "help-state"]].forEach(function (p) {
    var value = byId(p[1]).value;
    if (value) q.push(p[0] + "=" + encodeURIComponent(value));
  });
  return "/api/v1/help-requests?" + q.join("&");
}

/* fresh: the first page of new filters; else the pages shown, read again */
export function reload(fresh) {
  var limit = fresh ? PAGE : Math.min(MAX, Math.max(PAGE, items.length));
  var mine = ++asking;
  if (fresh) byId("help-info").textContent = T.loading;
  return api(query(limit, 0)).then(function (list) {
    if (mine !== asking) return;
    items = list;
    full = list.length === limit;
    render();
    card.saw(items);
  }).catch(fail);
}

function more() {
  var mine = ++asking;
  api(query(PAGE, items.length)).then(function (list) {
    if (mine !== asking) return;
    var known = {};
    items.forEach(function (i) { known[i.id] = true; });
    items = items.concat(list.filter(function (i) { return !known[i.id]; }));
    full = list.length === PAGE;
    render();
  }).catch(fail);
}

function render() {
  var kept = {};
  byId("help-info").textContent = items.length ? fill(W.count, { n: items.length }) : W.empty;
  byId("help-board").replaceChildren.apply(byId("help-board"), items.map(function (item) {
    var node = kept[item.id] = nodes[item.id] || el("li", { "data-id": String(item.id) });
    node.className = "card help u-" + item.urgency;
    node.replaceChildren(head(item));
    return node;
  }));
  nodes = kept;
  byId("help-more").hidden = !full || items.length >= MAX;
}

function head(item) {
  var claim = claimText(item, holding(item.id));
  return el("a", { class: "head", href: "#help/" + item.id }, [
    el("span", { class: "top" }, [
      urgencyChip(item.urgency),
      el("span", { class: "name", text: serviceName(item.service) }),
      el("span", { class: "id", text: "#" + item.id }),
    ]),
    item.urgency_why.length ? el("span", { class: "reason", text: whyText(item) }) : null,
    el("span", { class: "what", text: placeText(item) || "—" }),
    el("span", { class: "what", text: [item.phone, fill(W.asked, { ago: ago(item.age_seconds) }), stateText(item)].filter(Boolean).join(" · ") }),
    claim ? el("span", { class: "claim", text: claim }) : null,
  ]);
}

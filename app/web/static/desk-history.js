/* A hospital's history, read when opened: each status report as from → to, who, when
   and where it was made (workspace, API, import), each move of its point and each edit of
   its fields. */
import { api } from "./api.js";
import { fail } from "./desk-talk.js";
import { el } from "./dom.js";
import { LANG, T, fill } from "./i18n.js";
import { conditionsText, stateText } from "./states.js";

function when(iso) {
  return new Date(iso).toLocaleString(LANG === "en" ? "en" : "zh-CN", { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

function said(s) {
  var c = conditionsText(s.conditions);
  return stateText(s.state) + (c ? "（" + c + "）" : "");
}

export function section(item, serviceName) {
  var list = el("ol", { class: "history" });
  var box = el("details", {}, [el("summary", { text: T.history }), list]);
  box.addEventListener("toggle", function () {
    if (!box.open || list.dataset.loaded) return;
    list.dataset.loaded = "1";
    var id = item.resource_id;
    var base = "/api/v1/resources/" + id;
    Promise.all([api(base + "/history?limit=100"), api(base + "/location-history?limit=20"), api(base + "/edits?limit=20")])
      .then(function (got) { draw(list, got[0], got[1], got[2], serviceName); }).catch(fail);
  });
  return box;
}

function edited(e) {
  var what = Object.keys(e.changes).map(function (field) {
    var d = e.changes[field];
    return field + T.colon + shown(d[0]) + " → " + shown(d[1]);
  }).join("；");
  return { at: e.changed_at, node: el("li", {}, [el("div", { text: (T.edit_actions[e.action] || e.action) + T.colon + what }),
    el("div", { class: "muted", text: when(e.changed_at) + " · " + [e.changed_by, T.sources[e.source] || e.source].join(" · ") })]) };
}

function shown(v) {
  if (v === null || v === undefined || v === "") return "—";
  return Array.isArray(v) ? v.join("、") : String(v);
}

function draw(list, reports, moves, edits, serviceName) {
  var lines = reports.map(function (entry, i) {
    var s = entry.status;
    var before = reports.slice(i + 1).find(function (e) { return e.status.service === s.service && !e.late; });
    var what = serviceName(s.service) + T.colon + (before ? said(before.status) + " → " : "") + said(s) + (entry.late ? T.late : "");
    var who = [s.reported_by, T.sources[entry.source] || entry.source, s.verified ? fill(T.verified_by, { name: s.verified_by || T.someone }) : ""].filter(Boolean).join(" · ");
    return { at: s.reported_at, node: el("li", {}, [
      el("div", { text: what }), s.note ? el("div", { class: "note", text: s.note }) : null,
      el("div", { class: "muted", text: when(s.reported_at) + " · " + who })]) };
  }).concat(moves.map(function (m) {
    var what = T.location + T.colon + [m.old.lon, m.old.lat].map(Number).map(function (v) { return v.toFixed(5); }).join(", ")
      + " → " + [m.new.lon, m.new.lat].map(Number).map(function (v) { return v.toFixed(5); }).join(", ");
    return { at: m.changed_at, node: el("li", {}, [el("div", { text: what }),
      el("div", { class: "muted", text: when(m.changed_at) + " · " + [m.changed_by, T.sources[m.source] || m.source].filter(Boolean).join(" · ") })]) };
  })).concat(edits.map(edited));
  lines.sort(function (a, b) { return Date.parse(b.at) - Date.parse(a.at); });
  list.replaceChildren.apply(list, lines.length ? lines.map(function (l) { return l.node; }) : [el("li", { text: T.history_empty })]);
}

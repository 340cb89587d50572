/* The latest status changes across the city while the page is open, newest first, from
   the event stream (live.js); hospitals' names are read once each. */
import { api } from "./api.js";
import { byId, el } from "./dom.js";
import { LANG, T } from "./i18n.js";
import { conditionsText, stateText } from "./states.js";

var MAX_LINES = 200;
var names = {};

function nameOf(id) {
  if (!names[id]) names[id] = api("/api/v1/resources/" + id).then(function (r) { return r.name; })
    .catch(function () { return "#" + id; });
  return names[id];
}

export function changed(change, services) {
  Promise.all([nameOf(change.resource_id), services]).then(function (got) {
    var service = got[1].find(function (s) { return s.code === change.service; });
    var label = service ? (LANG === "en" ? service.name_en : service.name_zh) : change.service;
    var s = change.status, when = new Date(s.reported_at || Date.now());
    var line = T.activity_line.replace("{service}", label).replace("{state}", stateText(s.state));
    var extra = conditionsText(s.conditions);
    var list = byId("activity");
    list.prepend(el("li", {}, [
      el("span", { class: "muted", text: when.toLocaleTimeString(LANG === "en" ? "en" : "zh-CN", { hour: "2-digit", minute: "2-digit" }) + " " }),
      el("strong", { text: got[0] }), el("span", { text: " · " + line + (extra ? "（" + extra + "）" : "") + (s.verified ? " ✓" : "") }),
    ]));
    while (list.children.length > MAX_LINES) list.lastChild.remove();
    byId("activity-empty").hidden = true;
  });
}

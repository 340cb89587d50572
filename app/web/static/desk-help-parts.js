/* What the help board (desk-help.js) and an opened request (desk-help-card.js) both show
   of a request: its urgency as a coloured word (never colour alone) with why, its service
   in the page's language, its place, state and who holds it. */
import { el } from "./dom.js";
import { LANG, T, ago, fill } from "./i18n.js";

var W = T.help;
var serviceNames = {};
var held = {};  // request ids this page claimed (a name may be two people's)

export function learnServices(list) {
  list.forEach(function (s) { serviceNames[s.code] = LANG === "en" ? s.name_en : s.name_zh; });
  serviceNames.other = W.other;
}

export function serviceName(code) { return serviceNames[code] || code; }

export function hold(id) { held[id] = true; }

export function holding(id) { return !!held[id]; }

export function urgencyChip(urgency) {
  return el("span", { class: "urgency u-" + urgency, text: W.urgency[urgency] || urgency });
}

/* the rules that decided the urgency, in the page's language */
export function whyText(item) {
  return (item.urgency_why || []).map(function (w) { return LANG === "en" ? w.en : w.zh; })
    .join(LANG === "en" ? "; " : "；");
}

export function placeText(item) {
  return [item.district, item.street, item.committee].filter(Boolean)
    .map(function (u) { return u.name; }).join(" · ");
}

export function stateText(item) {
  var words = W.states[item.state] || item.state;
  return item.close_reason ? words + T.colon + (W.reasons[item.close_reason] || item.close_reason) : words;
}

function since(iso) { return ago(Math.max(0, (Date.now() - Date.parse(iso)) / 1000)); }

/* "王阿姨 已认领（3 分钟前）", or the same for this page's own claim; null when free */
export function claimText(item, mine) {
  if (!item.claim) return null;
  var values = { name: item.claim.holder, ago: since(item.claim.claimed_at) };
  return fill(mine ? W.you_hold : W.claimed_by, values);
}

export function clock(iso) {
  return new Date(iso).toLocaleTimeString(LANG === "en" ? "en" : "zh-CN", { hour: "2-digit", minute: "2-digit" });
}

export function when(iso) {
  return new Date(iso).toLocaleString(LANG === "en" ? "en" : "zh-CN",
    { month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

/* A service's status as pages show it: one colour per state (the legend's, map.css), its
   words, and its age, which keeps counting on the page after the status was fetched. */
import { T } from "./i18n.js";

export var COLOURS = { open: "#1a7f37", limited: "#d4a72c", closed: "#cf222e", unknown: "#6e7781",
  not_offered: "#d0d7de", none: "#0b5394" };
export var ORDER = ["open", "limited", "closed", "unknown", "not_offered", "none"];

export function stateText(s) { return T[s] || s; }

/* a code's words, else the free text as written ("constructor" is no code: not Object's own) */
export function conditionsText(list) {
  var names = T.condition_names;
  return (list || []).map(function (c) {
    return Object.prototype.hasOwnProperty.call(names, c) ? names[c] : c;
  }).join("、");
}

/* statuses carry the age they had when fetched */
export function stamp(status) { status.fetched = Date.now(); return status; }

export function ageNow(status) {
  if (status.age_seconds === null || status.age_seconds === undefined) return null;
  return status.age_seconds + Math.floor((Date.now() - (status.fetched || Date.now())) / 1000);
}

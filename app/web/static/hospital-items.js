/* A nearest answer as a list, wherever a page shows one (the map's nearest list, the help
   form's confirmation): each hospital with its name (English with the Chinese one, which
   a driver reads), how far when that is a fact, what is known of its status, the
   volunteer's note, phones and navigation links; and the offices to call. */
import { el, plain } from "./dom.js";
import { LANG, T, ago, metres } from "./i18n.js";
import { navLinks, phoneLinks, precisionNote } from "./places.js";
import { conditionsText } from "./states.js";

/* f: a feature of the answer; answer: its "answer" (open, fallback, all); onName(id),
   when given, makes the name a link (the map shows the hospital) */
export function hospitalItem(f, answer, onName) {
  var p = f.properties, s = p.status;
  var shown = LANG === "en" && p.name_en ? p.name_en : p.name;
  var name = el(onName ? "a" : "span", onName ? { href: "#", class: "name", text: shown } : { class: "name", text: shown });
  if (onName) name.addEventListener("click", function (e) { e.preventDefault(); onName(f.id); });
  var local = LANG === "en" && p.name_en ? el("div", { class: "name-zh", lang: "zh-CN", text: p.name }) : null;
  var line = [p.distance_exact ? metres(p.distance_m) : T.distance_unknown];
  if (s) line.push(statusText(s));
  if (s && s.age_seconds !== null && s.age_seconds !== undefined && !s.stale) line.push(T.updated + " " + ago(s.age_seconds));
  var aged = s && s.stale && s.age_seconds !== null && s.age_seconds !== undefined;
  var cls = "result" + (s ? " state-" + s.state + (aged ? " stale" : "") : "");
  return el("li", { class: cls, "data-id": String(f.id) }, [
    name, local, el("div", { class: "meta", text: line.join(" · ") }),
    answer === "fallback" ? el("div", { class: "call-first", text: "☎ " + T.call_first }) : null,
    s && s.note ? el("p", { class: "note" }, [
      el("span", { class: "note-label", text: T.note.replace("{age}", ago(s.age_seconds)) }),
      el("span", { class: "note-text", text: "“" + plain(s.note) + "”" })]) : null,
    precisionNote(p), phoneLinks(p.phones),
    navLinks(p.name, f.geometry.coordinates[0], f.geometry.coordinates[1])]);
}

export function statusText(s) {
  if (s.age_seconds === null || s.age_seconds === undefined) return T.state_unknown;
  var text = T["state_" + s.state] || s.state;
  if (s.conditions && s.conditions.length) text += "：" + conditionsText(s.conditions);
  if (s.stale) text += " · " + T.stale_since.replace("{age}", ago(s.age_seconds));
  return text;
}

/* offices (street office, residents' committee) with their phones; head: the line above */
export function contactList(list, head) {
  return el("div", { class: "contacts" }, [el("p", { class: "contacts-head", text: head || T.contacts })].concat(
    list.map(function (c) {
      var bits = [c.name];
      if (c.distance_exact) bits.push(metres(c.distance_m));
      return el("div", { class: "contact" }, [el("span", { text: bits.join(" · ") }), phoneLinks(c.phones)]);
    })));
}

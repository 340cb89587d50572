/* What the map page's modules share: the hospitals it holds, the service chosen, the base
   map's coordinates, and the message line under the search. */
import { byId, plain } from "./dom.js";
import { LANG } from "./i18n.js";

export var state = {
  gcj: false, service: "", services: [], features: new Map(), markers: new Map(),
  complete: false, asked: false, selected: null, firstMarkers: false,
};

export function say(text) { byId("message").textContent = plain(text || ""); }

export function serviceName(code) {
  var s = state.services.find(function (x) { return x.code === code; });
  return s ? (LANG === "en" ? s.name_en : s.name_zh) : code;
}

/* the page's first markers, for scripts/bench_page.py and the tests */
export function firstMarkersShown() {
  if (state.firstMarkers) return;
  state.firstMarkers = true;
  performance.mark("aidmap:first-markers");
}

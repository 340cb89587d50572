/* How hospitals and clusters of hospitals look: one set of colours, the legend's (map.css).
   A marker's colour is its state for the chosen service, blue with none chosen; striped
   (or a dashed ring) = out of date; hollow = location not exact; a small slashed disc = the
   service is not offered; "!" = a problem was reported and is being checked. A cluster is a
   ring of the states inside it, by share, around how many hospitals it holds. */
import { el } from "./dom.js";
import { T } from "./i18n.js";
import { COLOURS, ORDER } from "./states.js";

export function statusFor(feature, service) {
  var list = feature.properties.statuses || [];
  return list.find(function (s) { return s.service === service; }) || null;
}
/* What the map shows of a hospital for a service ("": none chosen). */
export function look(feature, service) {
  var p = feature.properties, s = service ? statusFor(feature, service) : null;
  var offered = (p.services || []).indexOf(service) >= 0;
  var state = !service ? "none" : s ? s.state : offered ? "unknown" : "not_offered";
  var reported = !!s && s.age_seconds !== null && s.age_seconds !== undefined;
  return { state: state, stale: reported && !!s.stale, hollow: p.precision !== "exact",
    problem: !!p.problem_reported_at };
}
/* The share a cluster counts it under: as the server's by_state clusters do, a state
   that is out of date is not known now. */
function tally(l) { return l.stale && l.state !== "unknown" ? "unknown" : l.state; }

export function markerIcon(feature, service, selected) {
  var l = look(feature, service), cls = ["hm", "state-" + l.state];
  if (l.stale) cls.push("stale");
  if (l.hollow && l.state !== "not_offered") cls.push("hollow");
  if (selected) cls.push("selected");
  var box = el("span", { class: "hm-box" }, [el("span", { class: cls.join(" ") }),
    l.problem ? el("span", { class: "hm-flag", text: "!" }) : null]);
  return L.divIcon({ className: "hm-wrap", html: box, iconSize: [20, 20], iconAnchor: [10, 10],
    popupAnchor: [0, -8] });
}

function ring(counts) {
  var total = ORDER.reduce(function (n, k) { return n + (counts[k] || 0); }, 0) || 1, at = 0;
  var stops = ORDER.filter(function (k) { return counts[k]; }).map(function (k) {
    var from = at;
    at += counts[k] / total * 360;
    return COLOURS[k] + " " + from.toFixed(1) + "deg " + at.toFixed(1) + "deg";
  });
  return "conic-gradient(" + (stops.length ? stops.join(", ") : COLOURS.unknown + " 0deg 360deg") + ")";
}
/* counts: {state: n} as tally() or the server's clusters give them */
export function clusterIcon(counts, total) {
  var size = total < 10 ? 32 : total < 100 ? 38 : total < 1000 ? 44 : 50;
  var said = ORDER.filter(function (k) { return counts[k]; }).map(function (k) {
    return (k === "none" ? T.hospitals : k === "not_offered" ? T.not_offered : T[k]) + " " + counts[k];
  });
  var title = T.cluster_title.replace("{n}", total).replace("{states}", said.join(T.comma));
  var box = el("div", { class: "cl", title: title, "aria-label": title }, [el("span", { text: String(total) })]);
  box.style.background = ring(counts);  // CSSOM, which the page's style-src allows
  return L.divIcon({ className: "cl-wrap", html: box, iconSize: [size, size] });
}
/* Leaflet.markercluster's icon: the ring of its hospitals' states. */
export function clusterOf(features, service) {
  return function (cluster) {
    var counts = {};
    cluster.getAllChildMarkers().forEach(function (m) {
      var f = features().get(m.featureId), k = f ? tally(look(f, service())) : "unknown";
      counts[k] = (counts[k] || 0) + 1;
    });
    return clusterIcon(counts, cluster.getChildCount());
  };
}

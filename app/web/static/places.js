/* A hospital or an office wherever a page shows one: its names, phones as tel: links,
   navigation links for the phone's map apps, and how well its point is known. */
import { wgsToBd, wgsToGcj } from "./coords.js";
import { el } from "./dom.js";
import { T } from "./i18n.js";

/* The number's digits; an extension (021-64370045转8001) after a pause, as dialers take it. */
export function telHref(phone) {
  var parts = String(phone).split("转");
  var extension = (parts[1] || "").replace(/\D/g, "");
  return "tel:" + parts[0].replace(/[^0-9+]/g, "") + (extension ? "," + extension : "");
}

export function phoneLinks(phones) {
  return el("span", { class: "phones" }, (phones || []).map(function (p) {
    return el("a", { href: telHref(p), class: "tel", text: p });
  }));
}

/* Amap and Baidu take their own coordinates (GCJ-02, BD-09); geo: takes WGS-84. */
export function navLinks(name, lon, lat) {
  var g = wgsToGcj(lon, lat), b = wgsToBd(lon, lat);
  var q = encodeURIComponent(name);
  return el("span", { class: "nav" }, [
    el("a", { href: "https://uri.amap.com/marker?position=" + g[0].toFixed(6) + "," + g[1].toFixed(6) +
      "&name=" + q + "&coordinate=gaode&callnative=1&src=aidmap", text: T.amap, rel: "noopener" }),
    el("a", { href: "https://api.map.baidu.com/marker?location=" + b[1].toFixed(6) + "," + b[0].toFixed(6) +
      "&title=" + q + "&content=" + q + "&coord_type=bd09ll&output=html&src=aidmap", text: T.baidu, rel: "noopener" }),
    el("a", { href: "geo:" + lat.toFixed(6) + "," + lon.toFixed(6) + "?q=" + lat.toFixed(6) + "," +
      lon.toFixed(6) + "(" + q + ")", text: T.geo }),
  ]);
}

/* A resource's name to show first and, in English, the Chinese one beside it: what a
   taxi driver or a hospital guard reads. */
export function names(p) {
  return T.html_lang === "en" && p.name_en ? { main: p.name_en, other: p.name } : { main: p.name, other: null };
}

export function precisionNote(p) {
  if (p.precision === "exact" && p.location_verified !== false) return null;
  var text = p.precision === "approximate" || p.precision === "exact" ? T.approximate : T.district_level;
  return el("p", { class: "precision-note", text: "⚠ " + text });
}

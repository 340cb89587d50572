/* Text, DOM and API helpers shared by the page's scripts. Data from the API reaches the
   page only as text (el()'s "text", or plain() where a library takes a string), never as
   HTML, and without the invisible or direction characters app/core/text.py drops. */
window.AidmapUI = function (T, root) {
  "use strict";
  var C = window.AidmapCoords;
  /* What app/core/text.py clean_text drops: controls other than white space, format
     characters (direction overrides and isolates, zero-width, BOM, soft hyphen, tags),
     surrogates, private use, Hangul fillers. White space runs become one space. */
  // eslint-disable-next-line no-control-regex -- the separators \x1c-\x1f are the point
  var INVISIBLE = /(?![\t-\r\x1c-\x1f\x85])[\p{Cc}\p{Cf}\p{Cs}\p{Co}\u115f\u1160\u3164\uffa0]/gu;
  function plain(text) {
    return String(text === null || text === undefined ? "" : text)
      .replace(INVISIBLE, "")
      .replace(/[\s\x1c-\x1f\x85]+/g, " ");  // eslint-disable-line no-control-regex
  }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = plain(attrs[k]);
      else if (k === "class") node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }
  /* Our own paths start with the root path: "" at a server's root, "/aidmap" when a proxy
     serves the app under that path (app/api/root_path.py). */
  function url(path) { return (root || "") + path; }
  function api(path, options) {
    return fetch(url(path), options).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok) { var e = new Error((body.error || {}).message || r.statusText); e.status = r.status; e.body = body; throw e; }
        return body;
      });
    });
  }
  function ago(seconds) {
    if (seconds === null || seconds === undefined) return T.never_reported;
    if (seconds < 60) return T.just_now;
    if (seconds < 3600) return T.ago_minutes.replace("{n}", Math.floor(seconds / 60));
    if (seconds < 86400) return T.ago_hours.replace("{n}", Math.floor(seconds / 3600));
    return T.ago_days.replace("{n}", Math.floor(seconds / 86400));
  }
  function metres(m) { return m < 1000 ? Math.round(m) + " m" : (m / 1000).toFixed(1) + " km"; }
  function telHref(phone) { return "tel:" + String(phone).replace(/[^0-9+]/g, ""); }
  function stateText(s) { return T[s] || s; }
  function conditionsText(list) {
    return (list || []).map(function (c) { return T.condition_names[c] || c; }).join("、");
  }

  /* statuses carry the age when they were fetched; ages keep counting on the page */
  function stamp(status) { status.fetched = Date.now(); return status; }
  function ageNow(status) {
    if (status.age_seconds === null || status.age_seconds === undefined) return null;
    return status.age_seconds + Math.floor((Date.now() - (status.fetched || Date.now())) / 1000);
  }
  function navLinks(name, lon, lat) {
    var g = C.wgsToGcj(lon, lat), b = C.wgsToBd(lon, lat);
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
  function phoneLinks(phones) {
    return el("span", { class: "phones" }, (phones || []).map(function (p) {
      return el("a", { href: telHref(p), class: "tel", text: p });
    }));
  }
  /* A resource's name to show first and, in English, the Chinese one beside it: what a
     taxi driver or a hospital guard reads. */
  function names(p) {
    return T.html_lang === "en" && p.name_en ? { main: p.name_en, other: p.name } : { main: p.name, other: null };
  }
  function precisionNote(p) {
    if (p.precision === "exact" && p.location_verified !== false) return null;
    var text = p.precision === "approximate" || p.precision === "exact" ? T.approximate : T.district_level;
    return el("p", { class: "precision-note", text: "⚠ " + text });
  }

  return { plain: plain, el: el, url: url, api: api, ago: ago, metres: metres, stateText: stateText,
    conditionsText: conditionsText, stamp: stamp, ageNow: ageNow, navLinks: navLinks,
    phoneLinks: phoneLinks, precisionNote: precisionNote, names: names };
};

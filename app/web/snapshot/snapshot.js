/* The offline map file's script (inlined by app/web/snapshot.py; a classic script, no
   modules: the file fetches nothing). It draws the hospitals of the file's GeoJSON as the
   live map does (markers.js: one colour per state, hollow = location not exact, striped =
   out of date, clusters as rings of their states), builds popups, the legend and the search
   results as text (never HTML from the data), turns the banner red once the snapshot is
   older than the statuses' time-to-live by the viewer's clock, and offers tiles only online
   and only when asked. Hospital properties use the short keys of
   app/services/exports/snapshot_data.py. */
(function () {
  "use strict";
  var D, T, service;  // the file's data block, its words, the service chosen (""; none)
  var COLOURS = { open: "#1a7f37", limited: "#d4a72c", closed: "#cf222e", unknown: "#6e7781",
    not_offered: "#d0d7de", none: "#0b5394" };  // app/web/static/states.js
  var ORDER = ["open", "limited", "closed", "unknown", "not_offered", "none"];
  var MAX_MATCHES = 8;
  var byId = function (id) { return document.getElementById(id); };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }
  function serviceName(index) { return D.services[index][1]; }
  function serviceIndex(code) {
    for (var i = 0; i < D.services.length; i++) if (D.services[i][0] === code) return i;
    return -1;
  }

  /* [service, state] never reported; [service, state, minutes, stale, verified, ...conditions] */
  function entryFor(p, code) {
    var index = serviceIndex(code);
    return (p.s || []).find(function (s) { return s[0] === index; }) || null;
  }
  function look(p) {
    var s = service ? entryFor(p, service) : null;
    var state = !service ? "none" : s ? D.states[s[1]] : "not_offered";
    return { state: state, stale: !!s && s.length > 2 && s[3] === 1, hollow: !p.x };
  }
  function tally(l) { return l.stale && l.state !== "unknown" ? "unknown" : l.state; }

  function markerIcon(p) {
    var l = look(p), cls = ["hm", "state-" + l.state];
    if (l.stale) cls.push("stale");
    if (l.hollow && l.state !== "not_offered") cls.push("hollow");
    return L.divIcon({ className: "hm-wrap", html: el("span", { class: "hm-box" },
      [el("span", { class: cls.join(" ") })]), iconSize: [20, 20], iconAnchor: [10, 10],
      popupAnchor: [0, -8] });
  }
  function ring(counts) {
    var total = ORDER.reduce(function (n, k) { return n + (counts[k] || 0); }, 0) || 1, at = 0;
    var stops = ORDER.filter(function (k) { return counts[k]; }).map(function (k) {
      var from = at;
      at += counts[k] / total * 360;
      return COLOURS[k] + " " + from.toFixed(1) + "deg " + at.toFixed(1) + "deg";
    });
    return "conic-gradient(" + stops.join(", ") + ")";
  }
  function clusterIcon(cluster) {
    var counts = {}, total = cluster.getChildCount();
    cluster.getAllChildMarkers().forEach(function (m) {
      var k = tally(look(m.hospital.properties));
      counts[k] = (counts[k] || 0) + 1;
    });
    var said = ORDER.filter(function (k) { return counts[k]; }).map(function (k) {
      return (k === "none" ? T.hospitals : T[k]) + " " + counts[k];
    });
    var title = fill(T.cluster_title, { n: total, states: said.join(T.comma) });
    var box = el("div", { class: "cl", title: title, "aria-label": title },
      [el("span", { text: String(total) })]);
    box.style.background = ring(counts);
    var size = total < 10 ? 32 : total < 100 ? 38 : total < 1000 ? 44 : 50;
    return L.divIcon({ className: "cl-wrap", html: box, iconSize: [size, size] });
  }

  function names(p) {
    return D.lang === "en" && p.e ? { main: p.e, other: p.n } : { main: p.n, other: null };
  }
  /* the number's digits, an extension (转, ext, x) after a pause: places.js telHref */
  function telHref(phone) {
    var parts = String(phone).split(/转|ext\.?|x/i);
    var extension = parts.slice(1).join("").replace(/\D/g, "");
    return "tel:" + parts[0].replace(/[^0-9+]/g, "") + (extension ? "," + extension : "");
  }
  function span(minutes) {
    if (minutes < 60) return fill(T.span_minutes, { n: minutes });
    if (minutes < 1440) return fill(T.span_hours, { n: Math.floor(minutes / 60) });
    return fill(T.span_days, { n: Math.floor(minutes / 1440) });
  }
  /* a code's words, else the free text as written ("constructor" is no code: not Object's own) */
  function conditionName(c) {
    return Object.prototype.hasOwnProperty.call(T.condition_names, c) ? T.condition_names[c] : c;
  }
  function statusItem(s, chosen) {
    var state = D.states[s[1]], conditions = s.slice(5);
    var what = serviceName(s[0]) + ": " + T[state];
    if (conditions.length) {
      what += " (" + conditions.map(conditionName).join(T.list_sep) + ")";
    }
    if (s.length < 3) {
      return el("li", { class: "st state-unknown" + (chosen ? " chosen" : "") }, [
        el("span", { class: "what", text: what }), el("span", { class: "when", text: T.never_reported })]);
    }
    var meta = [s[2] < 1 ? T.updated_at_snapshot : fill(T.updated_before, { span: span(s[2]) })];
    if (s[4]) meta.push(T.verified);
    if (s[3]) meta.push(T.out_of_date_then);
    return el("li", { class: "st state-" + state + (s[3] ? " stale" : "") + (chosen ? " chosen" : "") },
      [el("span", { class: "what", text: what }), el("span", { class: "when", text: meta.join(" · ") })]);
  }
  function popup(f) {
    var p = f.properties, name = names(p), chosen = serviceIndex(service);
    var list = el("ul", { class: "statuses" }), never = [];
    var entries = (p.s || []).slice().sort(function (a, b) { return (b[0] === chosen) - (a[0] === chosen); });
    if (service && !entryFor(p, service)) {
      list.appendChild(el("li", { class: "st not-offered chosen" }, [el("span", { class: "what",
        text: serviceName(chosen) + ": " + T.not_offered })]));
    }
    entries.forEach(function (s) {
      if (s.length > 2 || s[0] === chosen) list.appendChild(statusItem(s, s[0] === chosen));
      else never.push(serviceName(s[0]));
    });
    if (never.length) list.appendChild(el("li", { class: "st never" }, [el("span", { class: "what",
      text: T.never_reported + ": " + never.join(T.list_sep) })]));
    var lon = f.geometry.coordinates[0], lat = f.geometry.coordinates[1];
    return el("div", { class: "popup" }, [
      el("h3", { text: name.main }),
      name.other ? el("p", { class: "other-name", lang: "zh-CN", text: name.other }) : null,
      p.a ? el("p", { class: "address", text: p.a }) : null,
      el("p", { class: "phones" }, (p.t || []).map(function (t) {
        return el("a", { href: telHref(t), class: "tel", text: t });
      })),
      p.x ? null : el("p", { class: "precision-note", text: "⚠ " + T.approximate }),
      list,
      el("p", { class: "nav" }, [el("a", { href: "geo:" + lat + "," + lon + "?q=" + lat + "," + lon +
        "(" + encodeURIComponent(p.n) + ")", text: T.geo })]),
    ]);
  }

  function legend() {
    var box = byId("legend"), keys = [];
    var states = !service ? ["none"] : D.service ? ["open", "limited", "closed", "unknown"]
      : ["open", "limited", "closed", "unknown", "not_offered"];  // a file of one service holds no other
    states.forEach(function (k) {
      keys.push(el("span", { class: "key" }, [el("span", { class: "dot state-" + k }),
        document.createTextNode(k === "none" ? T.hospitals : T[k])]));
    });
    keys.push(el("span", { class: "key" }, [el("span", { class: "dot hollow state-" +
      (service ? "open" : "none") }), document.createTextNode(T.hollow_means)]));
    if (service) {
      keys.push(el("span", { class: "key" }, [el("span", { class: "dot stale state-open" }),
        document.createTextNode(T.out_of_date_then)]));
    }
    keys.push(el("span", { class: "key" }, [el("span", { class: "ring-sample" }),
      document.createTextNode(T.cluster_means)]));
    box.textContent = "";
    keys.forEach(function (k) { box.appendChild(k); });
  }

  /* the banner, red once the snapshot is past the TTL; the bar's height, which its longer
     words may change: what covers the map's top */
  function banner() {
    var old = Date.now() - D.taken_ms > D.ttl_hours * 3600 * 1000, node = byId("banner");
    node.classList.toggle("old", old);
    node.textContent = fill(old ? T.taken_old : T.taken, { when: D.when, hours: D.ttl_hours });
    var bar = byId("bar").offsetHeight;
    byId("tiles").style.top = bar + 8 + "px";  // under the bar, clear of the legend
    return bar;
  }

  function search(cluster, markers) {
    var input = byId("search"), list = byId("matches");
    function show(marker) {
      list.hidden = true;
      cluster.zoomToShowLayer(marker, function () { marker.openPopup(); });
    }
    function found() {
      var q = input.value.trim().toLowerCase();
      if (!q) return [];
      return markers.filter(function (m) {
        var p = m.hospital.properties;
        return p.n.toLowerCase().indexOf(q) >= 0 || (p.e || "").toLowerCase().indexOf(q) >= 0;
      });
    }
    input.addEventListener("input", function () {
      var hits = found();
      list.textContent = "";
      list.hidden = !input.value.trim();
      if (!hits.length) list.appendChild(el("li", { class: "none", text: T.no_match }));
      hits.slice(0, MAX_MATCHES).forEach(function (m) {
        var b = el("button", { type: "button", text: names(m.hospital.properties).main });
        b.addEventListener("click", function () { show(m); });
        list.appendChild(el("li", {}, [b]));
      });
    });
    input.addEventListener("keydown", function (e) {
      var hits = found();
      if (e.key === "Enter" && hits.length) { e.preventDefault(); input.blur(); show(hits[0]); }
    });
  }

  function tiles(map) {
    var button = byId("tiles"), layer = null;
    if (!D.tiles || !navigator.onLine) return;  // offline: no tile is ever asked for
    button.hidden = false;
    button.addEventListener("click", function () {
      if (layer) { map.removeLayer(layer); layer = null; button.textContent = T.tiles_on; return; }
      layer = L.tileLayer(D.tiles.url, { subdomains: D.tiles.subdomains || "abc", maxZoom: 19,
        attribution: D.tiles.attribution }).addTo(map);
      layer.bringToBack();
      button.textContent = T.tiles_off;
    });
  }

  function online() {
    var panel = byId("online");
    byId("online-open").addEventListener("click", function () { panel.hidden = !panel.hidden; });
    byId("online-close").addEventListener("click", function () { panel.hidden = true; });
  }

  window.aidmapSnapshot = function (map) {
    D = JSON.parse(byId("snapshot-data").textContent);
    T = D.strings;
    service = D.service || "";
    var bar = banner();  // views and popups keep below the bar
    // at once, not animated: a tap that comes while the first view still moves is lost
    map.fitBounds(D.bounds, { animate: false, paddingTopLeft: [10, bar + 8], paddingBottomRight: [10, 40] });
    var cluster = L.markerClusterGroup({ iconCreateFunction: clusterIcon, chunkedLoading: true,
      showCoverageOnHover: false, maxClusterRadius: 45 });
    var markers = D.hospitals.features.map(function (f) {
      var c = f.geometry.coordinates;
      var m = L.marker([c[1], c[0]], { icon: markerIcon(f.properties), title: names(f.properties).main,
        alt: names(f.properties).main });
      m.hospital = f;
      m.bindPopup(function () { return popup(f); }, { maxWidth: 300, autoPanPaddingTopLeft: [10, bar + 10],
        maxHeight: Math.max(160, window.innerHeight - bar - 140) });
      return m;
    });
    cluster.addLayers(markers);
    map.addLayer(cluster);
    var select = byId("service");
    if (select) {
      select.addEventListener("change", function () {
        service = select.value;
        markers.forEach(function (m) { m.setIcon(markerIcon(m.hospital.properties)); });
        cluster.refreshClusters();
        legend();
      });
    }
    legend();
    setInterval(banner, 60 * 1000);
    search(cluster, markers);
    tiles(map);
    online();
    document.documentElement.setAttribute("data-markers", String(markers.length));
    performance.mark("aidmap:snapshot-markers");
  };
})();

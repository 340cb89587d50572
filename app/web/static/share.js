/* The share dialog: a short link for the map's view, its QR code and a text card to paste
   into a chat. A plain overlay, no pop-up windows (older WeChat WebViews). */
window.AidmapShare = (function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };

  function copy(text, button, T, el) {
    var done = function () { var old = button.textContent; button.textContent = T.copied;
      setTimeout(function () { button.textContent = old; }, 1500); };
    if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, fallback);
    else fallback();
    function fallback() {
      var area = el("textarea", { readonly: "" });
      area.value = text; document.body.appendChild(area); area.select();
      try { document.execCommand("copy"); done(); } catch (e) { /* the text stays selectable */ }
      document.body.removeChild(area);
    }
  }

  /* options: ui (ui.js), strings, say(text) for messages, view() the view to keep */
  function start(options) {
    var T = options.strings, el = options.ui.el, api = options.ui.api, url = options.ui.url;
    $("share-open").addEventListener("click", function () {
      api("/api/v1/share", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(options.view()) })
        .then(function (s) {
          $("share-link").textContent = s.url; $("share-link").href = s.url;
          $("share-qr").src = url("/s/" + s.code + "/qr.svg");
          $("share-dialog").hidden = false;
          return fetch(url("/s/" + s.code + ".txt")).then(function (r) { return r.text(); });
        }).then(function (text) { $("share-text").textContent = text; })
        .catch(function (e) { options.say(e.message); });
    });
    $("copy-link").addEventListener("click", function () { copy($("share-link").textContent, this, T, el); });
    $("copy-text").addEventListener("click", function () { copy($("share-text").textContent, this, T, el); });
    $("share-close").addEventListener("click", function () { $("share-dialog").hidden = true; });
  }

  return { start: start };
})();

/* The share dialog: a short link for the map's view, its QR code, a text card to paste
   into a chat and a poster image to save or forward. A plain overlay, no pop-up windows
   (older WeChat WebViews); the poster opens as a plain link (long-press to save it). */
import { url, write } from "./api.js";
import { byId, copyText } from "./dom.js";
import { T } from "./i18n.js";
import { say } from "./map-state.js";

function copy(text, button) { copyText(text, button, T.copied); }

/* view(): the view to keep */
export function start(view) {
  byId("share-open").addEventListener("click", function () {
    write("POST", "/api/v1/share", view())
      .then(function (answer) {
        var s = answer.body;
        byId("share-link").textContent = s.url; byId("share-link").href = s.url;
        byId("share-qr").src = url("/s/" + s.code + "/qr.svg");
        byId("share-poster").href = s.poster_png;
        byId("share-dialog").hidden = false;
        return fetch(url("/s/" + s.code + ".txt")).then(function (r) { return r.text(); });
      }).then(function (text) { byId("share-text").textContent = text; })
      .catch(function (e) { say(e.message); });
  });
  byId("copy-link").addEventListener("click", function () { copy(byId("share-link").textContent, this); });
  byId("copy-text").addEventListener("click", function () { copy(byId("share-text").textContent, this); });
  byId("share-close").addEventListener("click", function () { byId("share-dialog").hidden = true; });
}

/* Text and DOM helpers. Data from the API reaches a page only as text (el()'s "text", or
   plain() where a library takes a string), never as HTML, and without the invisible or
   direction characters app/core/text.py drops. */

/* What app/core/text.py clean_text drops: controls other than white space, format
   characters (direction overrides and isolates, zero-width, BOM, soft hyphen, tags),
   surrogates, private use, Hangul fillers. White space runs become one space. */
// eslint-disable-next-line no-control-regex -- the separators \x1c-\x1f are the point
var INVISIBLE = /(?![\t-\r\x1c-\x1f\x85])[\p{Cc}\p{Cf}\p{Cs}\p{Co}\u115f\u1160\u3164\uffa0]/gu;

export function plain(text) {
  return String(text === null || text === undefined ? "" : text)
    .replace(INVISIBLE, "")
    .replace(/[\s\x1c-\x1f\x85]+/g, " ");  // eslint-disable-line no-control-regex
}

export function el(tag, attrs, children) {
  var node = document.createElement(tag);
  Object.keys(attrs || {}).forEach(function (k) {
    if (k === "text") node.textContent = plain(attrs[k]);
    else if (k === "class") node.className = attrs[k];
    else node.setAttribute(k, attrs[k]);
  });
  (children || []).forEach(function (c) { if (c) node.appendChild(c); });
  return node;
}

export function byId(id) { return document.getElementById(id); }

/* Put text on the clipboard; the button says doneWord for a moment. The Clipboard API
   needs a secure context (and older WeChat WebViews lack it): a selected textarea and
   execCommand("copy") otherwise. */
export function copyText(text, button, doneWord) {
  var done = function () { var old = button.textContent; button.textContent = doneWord;
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

export function button(text, onClick, primary) {
  var b = el("button", { type: "button", class: primary ? "primary" : "", text: text });
  b.addEventListener("click", onClick);
  return b;
}

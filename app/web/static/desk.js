/* The volunteers' workspace (GET /desk): the call queue (desk-queue.js) first, then help
   requests and the live activity, and for coordinators adding hospitals, imports and
   invites, each loaded when first opened. A tab's own views follow its name in the
   address (#help/12). Everything comes from the API and reaches the page as text. */
import { api, url } from "./api.js";
import * as activity from "./desk-activity.js";
import * as queue from "./desk-queue.js";
import { deskWrite, fail } from "./desk-talk.js";
import { byId } from "./dom.js";
import { T } from "./i18n.js";
import * as live from "./live.js";

var LAZY = { help: "./desk-help.js", add: "./desk-hospital.js", import: "./desk-import.js",
  invites: "./desk-invites.js" };
var started = {};
var services = api("/api/v1/services");

function show(hash) {
  var tab = hash.split("/")[0];
  var link = document.querySelector('#tabs a[data-tab="' + tab + '"]');
  if (!link) { tab = "queue"; link = document.querySelector('#tabs a[data-tab="queue"]'); }
  document.querySelectorAll("#tabs a").forEach(function (a) {
    if (a === link) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  });
  document.querySelectorAll("main > section").forEach(function (s) { s.hidden = s.id !== "tab-" + tab; });
  if (LAZY[tab] && !started[tab]) {
    started[tab] = import(LAZY[tab]).then(function (m) { return m.start(services); })
      .then(function () { ready(tab); }).catch(fail);
  }
}

/* A tab's buttons wait for its module: a form sent before its handler is attached would
   reload the page with the form in the address (a slow phone, a quick tap). */
function ready(tab) {
  byId("tab-" + tab).querySelectorAll("button[data-wait]").forEach(function (b) {
    b.disabled = false;
    b.removeAttribute("data-wait");
  });
}
window.addEventListener("hashchange", function () { show(location.hash.slice(1)); });
show(location.hash.slice(1) || "queue");

byId("sign-out").addEventListener("click", function () {
  deskWrite("POST", "/api/v1/session/end", {}).catch(function () {}).then(function () {
    location.assign(url("/desk"));
  });
});

queue.start(services);
live.start({ indicator: byId("live"), onReset: queue.reload, onChange: function (change) {
  queue.changed(change);
  activity.changed(change, services);
} });
document.title = T.desk_title;

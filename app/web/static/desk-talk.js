/* How the workspace talks: writes say they come from the workspace (history records it),
   name the version they change as the resource's ETag, and any failure becomes a line a
   person can read (an ended session says how to sign in again). */
import { write } from "./api.js";
import { byId } from "./dom.js";
import { T, fill } from "./i18n.js";

export var SOURCE = { "X-Aidmap-Source": "workspace" };

export function etagOf(version) { return '"' + version + '"'; }

/* method, path, JSON body, the resource version it changes (or null) */
export function deskWrite(method, path, body, version) {
  return write(method, path, body, version ? etagOf(version) : null, SOURCE);
}

export function problem(e) {
  if (e && e.status === 401) return T.session_over;
  if (e && e.status === undefined) return T.offline;
  return fill(T.error, { message: (e && e.message) || "?" });
}

var toastTimer = null;
export function toast(text) {
  var box = byId("toast");
  box.textContent = text;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(function () { box.textContent = ""; }, 4000);
}

export function fail(e) { toast(problem(e)); }

var ORDER = ["volunteer", "verifier", "coordinator", "admin"];
export function allows(role, needed) { return ORDER.indexOf(role) >= ORDER.indexOf(needed); }

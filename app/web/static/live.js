/* Live updates for a page: status changes from the event stream while the server gives one,
   and from polling the changes since the last id while it does not (a refused stream, 429
   or 503, is never retried by the browser itself). A lost or refused stream is asked for
   again with jittered, capped backoff, resuming from the last id. A hidden page stops
   asking, and lets its stream go after a minute. The indicator says which of live, polling
   or reconnecting is true. Changes reach the page once each, in id order. */
import { url } from "./api.js";
import { T } from "./i18n.js";

var RETRY_FIRST_MS = 2000, RETRY_MAX_MS = 60000, HIDDEN_CLOSE_MS = 60000;

function jittered(ms) { return ms / 2 + Math.random() * ms / 2; }

/* options: indicator (an element), onChange(change) with change = {id, resource_id,
   service, version, status}, onReset() to reload the data */
export function start(options) {
  var indicator = options.indicator;
  var lastId = null, source = null, live = false, pollOk = false, asking = false;
  var pollS = 15, retryMs = RETRY_FIRST_MS, retryTimer = null, pollTimer = null, hiddenTimer = null;
  var waiting = T.connecting;  // until a first stream is lost: then "reconnecting"

  function show() {
    indicator.className = live ? "live-on" : pollOk ? "live-poll" : "live-off";
    indicator.textContent = live ? T.live : pollOk ? T.polling.replace("{n}", pollS) : waiting;
  }
  function at(id) { if (lastId === null || id > lastId) lastId = id; }
  function apply(change) {
    if (lastId !== null && change.id <= lastId) return;  // the stream and a poll overlap
    lastId = change.id;
    options.onChange(change);
  }
  function reset(id) { lastId = id; options.onReset(); }
  function after() { return lastId === null ? "" : "?after=" + lastId; }

  function connect() {
    retryTimer = null;
    if (source || document.hidden || !window.EventSource) return;
    source = new EventSource(url("/api/v1/events" + after()));
    source.addEventListener("status", function (e) {
      apply(Object.assign({ id: Number(e.lastEventId) }, JSON.parse(e.data)));
    });
    source.addEventListener("ready", function (e) {
      at(JSON.parse(e.data).last_id);
      live = true; pollOk = false; retryMs = RETRY_FIRST_MS;
      clearTimeout(pollTimer); pollTimer = null;
      show();
    });
    source.addEventListener("reset", function (e) { reset(JSON.parse(e.data).last_id); });
    source.onerror = lost;  // refused, dropped, ended, or the server went away
  }
  function lost() {
    if (source) { source.close(); source = null; }
    live = false; pollOk = false; waiting = T.reconnecting;
    show();
    poll();  // catch up now; polling goes on until the stream is back
    if (retryTimer || document.hidden) return;
    retryTimer = setTimeout(connect, jittered(retryMs));
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  }

  function poll() {
    clearTimeout(pollTimer); pollTimer = null;
    if (live || asking || document.hidden) return;
    asking = true;
    fetch(url("/api/v1/changes" + after())).then(function (r) {
      if (r.ok) return r.json();
      var e = new Error(r.statusText);
      e.waitS = Number(r.headers.get("Retry-After")) || 0;  // 429 or 503: as told
      throw e;
    }).then(function (body) {
      if (body.reset) reset(body.last_id);
      else { body.changes.forEach(apply); at(body.last_id); }
      pollS = body.poll_s; pollOk = true;
      pollLater(body.more ? 0 : jittered(pollS * 1000));
    }).catch(function (e) {  // refused, unreachable, or not JSON: try again later
      pollOk = false;
      pollLater(Math.max((e.waitS || 0) * 1000, jittered(pollS * 1000)));
    });
  }
  function pollLater(ms) {
    asking = false;
    show();
    if (!live && !document.hidden) pollTimer = setTimeout(poll, ms);
  }

  function sleep() {  // hidden for a while: let the stream go, ask nothing
    if (source) { source.close(); source = null; }
    live = false; pollOk = false; waiting = T.reconnecting;
    clearTimeout(retryTimer); retryTimer = null;
    clearTimeout(pollTimer); pollTimer = null;
  }
  function wake() {
    if (source) return;
    clearTimeout(retryTimer); retryTimer = null;
    retryMs = RETRY_FIRST_MS;
    if (window.EventSource) connect(); else poll();
  }
  document.addEventListener("visibilitychange", function () {
    clearTimeout(hiddenTimer);
    if (document.hidden) hiddenTimer = setTimeout(sleep, HIDDEN_CLOSE_MS);
    else wake();
  });
  window.addEventListener("online", wake);
  show();
  wake();
}

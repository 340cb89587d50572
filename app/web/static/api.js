/* Our API from a page: every path under the root path, answers as JSON, errors as an Error
   whose message is the server's text (with .status, .body and, for a 429, .retryAfter
   in seconds). Writes say they come from
   our page (X-Aidmap-Page, which a cookie session's writes must carry) and name the version
   they change (If-Match) when given one; the answer's ETag is the version to name next. */

/* "" at a server's root, "/aidmap" when a proxy serves the app under that path
   (app/api/root_path.py): the path our modules are served under ({root}/static/app/{v}/). */
var ROOT = new URL("../../..", import.meta.url).pathname.replace(/\/$/, "");
var PAGE_HEADER = "X-Aidmap-Page";

export function url(path) { return ROOT + path; }

function failure(response, body) {
  var e = new Error((body.error || {}).message || response.statusText || String(response.status));
  e.status = response.status;
  e.body = body;
  e.etag = response.headers.get("ETag");
  e.retryAfter = Number(response.headers.get("Retry-After")) || null;
  return e;
}

/* The answer's body and ETag: resolves { body, etag }, rejects with failure(). */
export function exchange(path, options) {
  var o = Object.assign({}, options);
  var method = (o.method || "GET").toUpperCase();
  if (method !== "GET" && method !== "HEAD") o.headers = Object.assign({}, o.headers, { [PAGE_HEADER]: "1" });
  return fetch(url(path), o).then(function (r) {
    return r.json().catch(function () { return {}; }).then(function (body) {
      if (!r.ok) throw failure(r, body);
      return { body: body, etag: r.headers.get("ETag") };
    });
  });
}

/* GET (or what options say) a JSON answer's body. */
export function api(path, options) {
  return exchange(path, options).then(function (answer) { return answer.body; });
}

/* A JSON write: method, path, body; etag (the version it changes, as read) goes in
   If-Match; headers adds to the request's. Resolves { body, etag }; a 412 (someone changed
   it first) rejects with .status 412 and the current state in .body. */
export function write(method, path, body, etag, headers) {
  var h = Object.assign({ "Content-Type": "application/json" }, headers);
  if (etag) h["If-Match"] = etag;
  return exchange(path, { method: method, headers: h, body: JSON.stringify(body) });
}

/* Importing a team's spreadsheet (coordinators): the dry-run plan first (adds, changes with
   their diffs, duplicates, bad rows with reasons; for a status sheet, each hospital's
   service old → new, the cells not understood and the rows without a hospital), then the
   same file applied by the same planner as `aidmap import`. Below it, the shared documents
   kept in step (desk-sources.js). */
import { exchange } from "./api.js";
import * as sources from "./desk-sources.js";
import { SOURCE, fail, toast } from "./desk-talk.js";
import { byId, el } from "./dom.js";
import { LANG, T, fill } from "./i18n.js";
import { conditionsText, stateText } from "./states.js";

var SHOWN_ROWS = 200;
var W = T.import_form;

var serviceNames = {};

export function start(services) {
  services.then(function (list) {
    list.forEach(function (s) { serviceNames[s.code] = LANG === "en" ? s.name_en : s.name_zh; });
  }).catch(function () {});
  byId("import-form").addEventListener("submit", function (e) {
    e.preventDefault();
    run(true, false);
  });
  sources.start();
}

function run(dryRun, skipBad) {
  var file = byId("import-file").files[0];
  if (!file) return Promise.resolve();
  var data = new FormData();
  data.append("file", file);
  var query = "?kind=" + encodeURIComponent(byId("import-kind").value) + "&dry_run=" + dryRun + "&skip_bad_rows=" + skipBad;
  var plan = byId("import-plan");
  plan.replaceChildren(el("p", { text: T.loading }));
  return exchange("/api/v1/imports" + query, { method: "POST", body: data, headers: SOURCE }).then(function (a) {
    draw(a.body);
    if (!dryRun) toast(W.applied);
  }).catch(function (e) {
    plan.replaceChildren(el("p", { class: "failed", role: "alert", text: e.message }));
    if (e.body && e.body.error && e.body.error.code === "bad_rows") return;
    fail(e);
  });
}

function draw(answer) {
  if (answer.kind === "statuses") { drawCells(answer); return; }
  var c = answer.counts;
  var counts = fill(W.counts, { add: c.add || 0, change: c.change || 0, unchanged: c.unchanged || 0,
    duplicate: c.duplicate || 0, bad: c.bad || 0, choice: c.choice || 0 });
  var rows = answer.rows.filter(function (r) { return r.action !== "unchanged"; });
  var parts = [
    el("p", { class: answer.applied ? "done" : "", role: "status", text: (answer.applied ? "✓ " + W.applied + " " : "") + counts }),
  ].concat(answer.notices.map(function (n) { return el("p", { class: "muted", text: n }); }));
  parts.push(el("ol", { class: "plan" }, rows.slice(0, SHOWN_ROWS).map(rowLine)));
  if (rows.length > SHOWN_ROWS) parts.push(el("p", { class: "muted", text: W.more_rows.replace("{n}", rows.length - SHOWN_ROWS) }));
  if (!answer.applied && (c.add || c.change)) {
    var skip = el("input", { type: "checkbox", id: "import-skip" });
    var apply = el("button", { type: "button", class: "primary", text: W.apply });
    apply.addEventListener("click", function () { apply.disabled = true; run(false, skip.checked); });
    if (c.bad) parts.push(el("p", { class: "row" }, [skip, el("label", { for: "import-skip", text: W.skip_bad })]));
    parts.push(apply);
  }
  byId("import-plan").replaceChildren.apply(byId("import-plan"), parts);
}

function rowLine(r) {
  var head = W.row.replace("{n}", r.row) + " · " + (W.actions[r.action] || r.action) + " · " + r.name;
  var diffs = Object.keys(r.changes || {}).map(function (field) {
    var d = r.changes[field];
    return field + T.colon + show(d[0]) + " → " + show(d[1]);
  });
  var candidates = (r.candidates || []).map(function (c) {
    return c.name + (c.ref ? fill(W.ref_hint, { ref: c.ref }) : "");
  });
  return el("li", { class: "action-" + r.action }, [
    el("div", { text: head }),
    r.reason ? el("div", { class: r.action === "bad" ? "failed" : "muted", text: r.reason }) : null,
    candidates.length ? el("div", { class: "muted", text: W.candidates + candidates.join("；") }) : null,
    r.precision_reason && r.action !== "bad" ? el("div", { class: "muted", text: r.precision_reason }) : null,
  ].concat(diffs.map(function (d) { return el("div", { class: "muted", text: d }); })).filter(Boolean));
}

function show(v) {
  if (v === null || v === undefined || v === "") return "—";
  return Array.isArray(v) ? v.join("、") : typeof v === "object" ? JSON.stringify(v) : String(v);
}

function said(status) {
  if (!status) return stateText("unknown");
  var c = conditionsText(status.conditions);
  return stateText(status.state) + (c ? "（" + c + "）" : "");
}

function drawCells(answer) {
  var c = answer.counts;
  var parts = [el("p", { class: answer.applied ? "done" : "", role: "status",
    text: (answer.applied ? "✓ " + W.applied + " " : "") + fill(W.cell_counts, c) })]
    .concat(answer.notices.map(function (n) { return el("p", { class: "muted", text: n }); }));
  var changes = answer.cells.filter(function (cell) { return cell.action === "change" && cell.understood; });
  parts.push(el("ol", { class: "plan" }, changes.slice(0, SHOWN_ROWS).map(function (cell) {
    return el("li", {}, [el("div", { text: W.row.replace("{n}", cell.row) + " · " + cell.name + " · " + (serviceNames[cell.service] || cell.service) }),
      el("div", { class: "muted", text: said(cell.old) + " → " + said(cell.new) })]);
  })));
  if (answer.not_understood.length) {
    parts.push(el("p", { text: W.not_understood }));
    parts.push(el("ol", { class: "plan" }, answer.not_understood.map(function (cell) {
      return el("li", { text: W.row.replace("{n}", cell.row) + " · " + cell.name + " · " + (serviceNames[cell.service] || cell.service) + T.colon + cell.text });
    })));
  }
  if (answer.unmatched.length) {
    parts.push(el("p", { text: W.unmatched }));
    parts.push(el("ol", { class: "plan" }, answer.unmatched.slice(0, SHOWN_ROWS).map(function (u) {
      return el("li", {}, [el("div", { text: W.row.replace("{n}", u.row) + " · " + u.name }),
        u.closest.length ? el("div", { class: "muted", text: W.closest + u.closest.join("、") }) : null]);
    })));
  }
  if (!answer.applied && (c.change || c.confirm)) {
    var apply = el("button", { type: "button", class: "primary", text: W.apply });
    apply.addEventListener("click", function () { apply.disabled = true; run(false, true); });
    parts.push(apply);
  }
  byId("import-plan").replaceChildren.apply(byId("import-plan"), parts);
}

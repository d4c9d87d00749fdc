"""The fixed parts of the HTML report: its style sheet, its one script and the
Content-Security-Policy that allows exactly that script (by hash) and nothing from outside.

The script only adds filtering and sorting to the findings table (its state kept in the
URL fragment, e.g. ``report.html#disposition=fail&scanner=bandit``); the report is complete
without it. It reads its data from the ``gate-data`` JSON block, never from markup.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from gate.report.escape import BIDI

STYLE = """
:root { --fail: #c62828; --warn: #ef8f00; --waived: #1e88e5; --baseline: #8d6e63;
  --hidden: #b0bec5; --ok: #2e7d32; --line: #d9dee3; --muted: #5f6b76; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  margin: 0 auto; max-width: 1200px; padding: 16px 24px 48px; color: #1c2329; }
h1 { font-size: 22px; margin: 8px 0; } h2 { font-size: 18px; margin: 28px 0 8px;
  border-bottom: 1px solid var(--line); padding-bottom: 4px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line);
  vertical-align: top; overflow-wrap: break-word; }
.mono, code { overflow-wrap: anywhere; } .sev, .disp { white-space: nowrap; }
#findings-table { table-layout: fixed; } #findings-table td { overflow-wrap: anywhere; }
#findings-table th:nth-child(1) { width: 80px; } #findings-table th:nth-child(2) { width: 86px; }
#findings-table th:nth-child(3) { width: 100px; } #findings-table th:nth-child(4) { width: 18%; }
#findings-table th:nth-child(5) { width: 16%; }
th { background: #f4f6f8; font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  font-size: 12.5px; }
pre { background: #f4f6f8; padding: 8px; overflow-x: auto; white-space: pre-wrap;
  word-break: break-all; }
.verdict { display: inline-block; font-size: 20px; font-weight: 700; padding: 4px 14px;
  border-radius: 6px; color: #fff; margin: 4px 0; }
.v-pass { background: var(--ok); } .v-fail { background: var(--fail); }
.v-error { background: #6a1b9a; }
.muted, .note { color: var(--muted); } .note { font-size: 13px; }
.sev { font-weight: 600; text-transform: uppercase; font-size: 11.5px; }
.sev-critical, .sev-high { color: var(--fail); } .sev-medium { color: #b26a00; }
.sev-low { color: #00796b; } .sev-info { color: var(--muted); }
.disp { border-radius: 3px; padding: 0 6px; color: #fff; font-size: 12px; }
.disp-fail, .d-fail { background: var(--fail); fill: var(--fail); }
.disp-warn, .d-warn { background: var(--warn); fill: var(--warn); }
.disp-waived, .d-waived { background: var(--waived); fill: var(--waived); }
.disp-baseline, .d-baseline { background: var(--baseline); fill: var(--baseline); }
.disp-hidden, .d-hidden { background: var(--hidden); fill: var(--hidden); }
.w-used { fill: var(--waived); } .w-expired { fill: var(--fail); }
.w-unused, .w-not-judged { fill: var(--hidden); } .w-expiring { fill: var(--warn); }
tr.current td { background: #fff8e1; }
svg { max-width: 100%; height: auto; } svg text { font-size: 12px; fill: #1c2329; }
.legend span { display: inline-block; margin-right: 12px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
.cards { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0; padding: 0; }
.cards li { list-style: none; border: 1px solid var(--line); border-radius: 6px;
  padding: 6px 12px; min-width: 110px; }
.cards b { display: block; font-size: 20px; }
#filters { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 8px 0; }
#filters select, #filters input { font: inherit; padding: 2px 4px; }
th button { font: inherit; font-weight: 600; background: none; border: 0; padding: 0;
  cursor: pointer; }
details summary { cursor: pointer; color: var(--muted); }
nav a { margin-right: 10px; }
"""

SCRIPT = """(function () {
  "use strict";
  var block = document.getElementById("gate-data");
  var table = document.getElementById("findings-table");
  var bar = document.getElementById("filters");
  if (!block || !table || !bar) { return; }
  var data = JSON.parse(block.textContent);
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var state = {};
  location.hash.replace(/^#/, "").split("&").forEach(function (part) {
    var kv = part.split("=");
    if (kv.length === 2) { state[decodeURIComponent(kv[0])] = decodeURIComponent(kv[1]); }
  });
  function control(name, label, values) {
    var wrap = document.createElement("label");
    wrap.appendChild(document.createTextNode(label + " "));
    var select = document.createElement("select");
    select.name = name;
    [""].concat(values).forEach(function (value) {
      var option = document.createElement("option");
      option.value = value;
      option.textContent = value === "" ? "all" : value;
      select.appendChild(option);
    });
    if (values.indexOf(state[name]) >= 0) { select.value = state[name]; }
    select.addEventListener("change", apply);
    wrap.appendChild(select);
    bar.appendChild(wrap);
    return select;
  }
  var selects = {
    disposition: control("disposition", "disposition", data.dispositions),
    severity: control("severity", "severity", data.severities),
    scanner: control("scanner", "scanner", data.scanners),
    "class": control("class", "path class", data.path_classes || [])
  };
  var search = document.createElement("input");
  search.type = "search";
  search.placeholder = "filter text";
  search.value = state.q || "";
  search.addEventListener("input", apply);
  bar.appendChild(search);
  var shown = document.createElement("span");
  shown.id = "shown-count";
  bar.appendChild(shown);
  function matches(row) {
    var wanted = selects.disposition.value;
    if (wanted && row.getAttribute("data-disposition") !== wanted) { return false; }
    wanted = selects.severity.value;
    if (wanted && row.getAttribute("data-severity") !== wanted) { return false; }
    wanted = selects.scanner.value;
    if (wanted && (row.getAttribute("data-scanners") || "").split(" ").indexOf(wanted) < 0) {
      return false;
    }
    wanted = selects["class"].value;
    if (wanted && row.getAttribute("data-path-class") !== wanted) { return false; }
    var text = search.value.toLowerCase();
    return !text || row.textContent.toLowerCase().indexOf(text) >= 0;
  }
  function apply() {
    var count = 0;
    rows.forEach(function (row) {
      var ok = matches(row);
      row.hidden = !ok;
      if (ok) { count += 1; }
    });
    shown.textContent = count + " of " + rows.length + " shown";
    shown.setAttribute("data-shown", String(count));
    var parts = [];
    Object.keys(selects).forEach(function (name) {
      if (selects[name].value) {
        parts.push(name + "=" + encodeURIComponent(selects[name].value));
      }
    });
    if (search.value) { parts.push("q=" + encodeURIComponent(search.value)); }
    if (history.replaceState) {
      history.replaceState(null, "", parts.length ? "#" + parts.join("&") : location.pathname);
    }
  }
  function sortBy(index, button) {
    var descending = button.getAttribute("data-order") !== "desc";
    rows.sort(function (a, b) {
      var x = a.cells[index].getAttribute("data-v");
      var y = b.cells[index].getAttribute("data-v");
      var c = (x !== null && y !== null) ? Number(x) - Number(y)
        : a.cells[index].textContent.localeCompare(b.cells[index].textContent);
      return descending ? -c : c;
    });
    button.setAttribute("data-order", descending ? "desc" : "asc");
    rows.forEach(function (row) { body.appendChild(row); });
  }
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell, index) {
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = cell.textContent;
    button.addEventListener("click", function () { sortBy(index, button); });
    cell.textContent = "";
    cell.appendChild(button);
  });
  document.documentElement.setAttribute("data-script", "ran");
  apply();
}());
"""

SCRIPT_HASH = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")
# Written unescaped into a double-quoted attribute: it holds no '"', '&', '<' or '>'.
CSP = (f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{SCRIPT_HASH}'; "
       "img-src data:")

_SCRIPT_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
                   0x2028: "\\u2028", 0x2029: "\\u2029",
                   # a bidi control becomes the six characters \u202e once the script decodes it
                   **{ord(ch): f"\\\\u{ord(ch):04x}" for ch in BIDI}}


def script_json(data: Any) -> str:
    """``data`` as JSON safe inside a ``<script>`` block: ``<``, ``>``, ``&``, U+2028 and
    U+2029 written as ``\\uXXXX`` (so no ``</script>`` or ``<!--`` can appear), bidi
    controls as the visible text ``\\uXXXX``."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True).translate(_SCRIPT_ESCAPES)

/**
 * The report page: one self-contained HTML file (no network at view time),
 * with the run's {@link ReportData} as JSON, the d3 and uPlot bundles and
 * uPlot's style sheet inlined, and the page script ({@link reportView}) inlined
 * from its own source. Pure: the caller reads the library files
 * (`cli/report-assets.ts`) and writes the page.
 */
import type { ReportData } from "./report-data.js";
import { reportView } from "./view/report-view.js";

/** The library code and style the page inlines (read from `node_modules` when the report is written). */
export interface ReportAssets {
  /** d3's UMD bundle (`d3/dist/d3.min.js`), which defines the global `d3`. */
  readonly d3: string;
  /** uPlot's IIFE bundle (`uplot/dist/uPlot.iife.min.js`), which defines the global `uPlot`. */
  readonly uplot: string;
  /** uPlot's style sheet (`uplot/dist/uPlot.min.css`). */
  readonly uplotCss: string;
}

/** Text safe inside a `<script>` element: no `</script`, no `<!--` (every `<` escaped for JSON, split for code). */
function scriptSafe(code: string): string {
  return code.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 16px 24px; color: #222; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 6px; border-bottom: 1px solid #ddd; }
#meta { color: #555; font-family: ui-monospace, monospace; font-size: 12px; }
#violation { margin: 8px 0; padding: 6px 10px; border-radius: 4px; } #violation.bad { background: #fde2e1; color: #8a1c1c; } #violation.ok { background: #e3f4e1; }
#diagram-notes p { margin: 2px 0; color: #555; }
#diagram-legend span, #diagram-legend label { margin-right: 10px; white-space: nowrap; font-size: 12px; }
#diagram-legend input { margin: 0 2px 0 0; vertical-align: middle; }
#diagram-legend i { display: inline-block; width: 18px; height: 3px; vertical-align: middle; margin-right: 4px; background: #555; }
#diagram-legend i.dropped { background: #d62728; } #diagram-legend i.duplicated { background: repeating-linear-gradient(90deg,#e69138 0 4px,transparent 4px 6px); }
#diagram-legend i.held { background: #8e44ad; } #diagram-legend i.fault { height: 10px; background: rgba(214,39,40,.15); } #diagram-legend i.violation { width: 3px; height: 12px; background: #d62728; }
#diagram { width: 100%; overflow: hidden; border: 1px solid #ddd; } #diagram svg { display: block; cursor: grab; }
.lane-label { font-size: 12px; font-family: ui-monospace, monospace; }
line.msg { stroke-width: 1; opacity: .75; } line.msg.held { stroke-dasharray: 1 2; stroke-width: 1.5; } line.msg.dropped { stroke-dasharray: 3 2; }
rect.leader { fill: rgba(241,194,50,.35); }
.view-label { font-size: 10px; fill: #333; pointer-events: none; }
#diagram-legend i.leader { height: 8px; background: rgba(241,194,50,.5); }
#diagram-legend i.view-qc { width: 10px; height: 10px; background: #d9ead3; } #diagram-legend i.view-tc { width: 10px; height: 10px; background: #fce5cd; } #diagram-legend i.view-timeout { width: 10px; height: 10px; background: #f4cccc; }
.violation-label { fill: #d62728; font-weight: bold; font-size: 12px; }
.plots { display: flex; flex-wrap: wrap; gap: 12px; } .plot { border: 1px solid #eee; }
table { border-collapse: collapse; font-size: 13px; } td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; vertical-align: top; }
tr.bad td { background: #fde2e1; } tr.skipped td { color: #777; }
pre { background: #f6f6f6; padding: 8px; overflow-x: auto; font-size: 12px; }
button { font-size: 12px; }
`;

/**
 * The whole page.
 * @param data what the page shows
 * @param assets the inlined libraries
 * @returns the HTML text (UTF-8)
 */
export function reportHtml(data: ReportData, assets: ReportAssets): string {
  const json = JSON.stringify(data).replace(/</g, "\\u003c");
  const view = reportView.toString();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="asset-sim report">
<title>${escapeHtml(data.title)}</title>
<style>${assets.uplotCss.replace(/<\//g, "<\\/")}</style>
<style>${STYLE}</style>
</head>
<body>
<h1 id="title"></h1>
<div id="meta"></div>
<div id="violation"></div>
<h2>Space-time diagram</h2>
<div id="diagram-notes"></div>
<div><button id="reset-zoom" type="button">view around the violation</button> <button id="zoom-all" type="button">whole run</button></div>
<div id="diagram-legend"></div>
<div id="diagram"></div>
<h2>Views and committed heights per node</h2>
<div id="timelines" class="plots"></div>
<h2>SLOs</h2>
<p id="slo-notes"></p>
<div id="slo" class="plots"></div>
<h2>Invariants</h2>
<table><thead><tr><th>invariant</th><th>kind</th><th>verdict</th><th>figures</th><th>detail</th></tr></thead><tbody id="invariants"></tbody></table>
<h2>Summary</h2>
<pre id="summary"></pre>
<script id="report-data" type="application/json">${json}</script>
<script>${scriptSafe(assets.d3)}</script>
<script>${scriptSafe(assets.uplot)}</script>
<script>
"use strict";
// Tools that compile TypeScript may wrap functions in __name(...) to keep their names.
var __name = function (f) { return f; };
(${scriptSafe(view)})(JSON.parse(document.getElementById("report-data").textContent), d3, uPlot);
</script>
</body>
</html>
`;
}

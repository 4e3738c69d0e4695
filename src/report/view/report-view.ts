/// <reference lib="dom" />
/**
 * The report page's script: it runs in the browser, never in Node. The page
 * inlines this function's source (`reportView.toString()`, see `report/html.ts`)
 * and calls it with the embedded data and the inlined d3 and uPlot, so the
 * function must be self-contained: no imports at run time (types only) and no
 * reference to anything outside its body.
 *
 * It draws the space-time diagram with d3 (one horizontal lane per node,
 * messages as arrows from send to arrival, protocol events as marks, fault
 * windows shaded, the violation as a red line; zoom and pan with d3-zoom,
 * opening around the violation), the per-node view and committed-height
 * timelines and the SLO plots with uPlot, and the summary and invariants table.
 * Elements the browser test reads carry `data-` attributes: `g.lane[data-node]`,
 * `#violation-marker[data-time-us]`, `.plot[data-points]`.
 */
import type * as D3 from "d3";
import type uPlot from "uplot";
import type { ReportData } from "../report-data.js";

/**
 * Draws the report into `document.body`'s placeholders (`#diagram`, `#timelines`, `#slo`, `#summary`).
 * @param data the run's {@link ReportData}
 * @param d3 the d3 7 bundle
 * @param UPlot the uPlot constructor
 */
export function reportView(data: ReportData, d3: typeof D3, UPlot: typeof uPlot): void {
  const byId = (id: string): HTMLElement => {
    const el = document.getElementById(id);
    if (el === null) throw new Error(`report page: no #${id}`);
    return el;
  };
  const seconds = (us: number): string => `${(us / 1e6).toFixed(3)} s`;
  const palette: Record<string, string> = {
    proposal: "#1f77b4",
    vote: "#2ca02c",
    timeout: "#ff7f0e",
    sync: "#9467bd",
    app: "#8c8c8c",
    other: "#17becf",
  };
  const laneColors: Record<string, string> = {
    proposal: "#1f77b4",
    vote: "#2ca02c",
    qc: "#0b5394",
    tc: "#b45f06",
    timeout: "#ff7f0e",
    commit: "#000000",
    crash: "#d62728",
    restart: "#6aa84f",
    fault: "#a64d79",
  };

  // ---------------------------------------------------------------- header
  byId("title").textContent = data.title;
  const meta = byId("meta");
  meta.textContent = `scenario ${data.scenario} · seed ${data.seed} · simulated ${seconds(data.endUs)} · trace digest ${data.traceDigest}`;
  const violationBox = byId("violation");
  if (data.violation === null) {
    violationBox.textContent = "No violation: every invariant held.";
    violationBox.className = "ok";
  } else {
    violationBox.textContent = `Violation: ${data.violation.invariant} at ${seconds(data.violation.atUs)} (${data.violation.atUs} us): ${data.violation.message}`;
    violationBox.className = "bad";
  }

  // ---------------------------------------------------------------- space-time diagram
  const notes: string[] = [];
  const m = data.messages;
  if (!m.recorded) notes.push("No message events were recorded for this run: only protocol events are drawn.");
  else if (m.capped) {
    const first = m.rows[0]?.[0] ?? 0;
    const last = m.rows[m.rows.length - 1]?.[0] ?? 0;
    notes.push(`Arrows capped: ${m.shown} of ${m.total} messages are drawn, those sent between ${seconds(first)} and ${seconds(last)} (around ${data.violation === null ? "the end of the run" : "the violation"}).`);
  } else notes.push(`All ${m.total} messages are drawn.`);
  if (data.laneEvents.capped) notes.push(`Protocol events capped: ${data.laneEvents.shown} of ${data.laneEvents.total}, those nearest ${seconds(data.focusUs)}.`);
  notes.push("Scroll to zoom, drag to pan, double-click to zoom in; hover a mark or an arrow for details.");
  byId("diagram-notes").innerHTML = notes.map((n) => `<p>${n.replace(/&/g, "&amp;").replace(/</g, "&lt;")}</p>`).join("");

  const legend = byId("diagram-legend");
  const legendItems = [
    ...m.types.map((t, i) => `<label><input type="checkbox" class="type-toggle" data-type="${i}" checked><i style="background:${palette[t] ?? palette.other}"></i>${t}</label>`),
    `<span><i class="dropped"></i>dropped</span>`,
    `<span><i class="duplicated"></i>duplicate delivery</span>`,
    `<span><i class="held"></i>held by a clog</span>`,
    ...data.laneEvents.kinds.map((k) => `<span><b style="color:${laneColors[k] ?? "#333"}">●</b>${k}</span>`),
    `<span><i class="fault"></i>fault window (crash, partition, clog...)</span>`,
    `<span><i class="leader"></i>leader of the view</span>`,
    `<span><i class="view-qc"></i><i class="view-tc"></i><i class="view-timeout"></i>view ended by QC / TC / timeout</span>`,
    `<span><i class="violation"></i>violation</span>`,
  ];
  legend.innerHTML = legendItems.join(" ");
  // A message type's box hides or shows its arrows.
  legend.querySelectorAll<HTMLInputElement>("input.type-toggle").forEach((box) => {
    box.addEventListener("change", () => {
      arrowLayer.selectAll<SVGElement, readonly number[]>(`.type-${box.dataset.type}`).style("display", box.checked ? "" : "none");
    });
  });

  const container = byId("diagram");
  const laneHeight = 34;
  const laneLabel = (n: { id: string; role: string; honest: boolean }): string => `${n.id} ${n.role}${n.honest ? "" : " (byz)"}`;
  const margin = { top: 30, right: 16, bottom: 28, left: 16 + 7.2 * Math.max(8, ...data.nodes.map((n) => laneLabel(n).length)) };
  const width = Math.max(600, container.clientWidth || 1200);
  const height = margin.top + margin.bottom + laneHeight * data.nodes.length;
  const innerWidth = width - margin.left - margin.right;
  const laneY = (i: number): number => margin.top + laneHeight * i + laneHeight / 2;
  // A little room after the end, so a violation at the end of the run is not on the edge.
  const domainEndUs = Math.max(1, Math.round(data.endUs * 1.03));
  const x0 = d3.scaleLinear().domain([0, domainEndUs]).range([margin.left, margin.left + innerWidth]);
  let x = x0.copy();

  const svg = d3.select(container).append("svg").attr("id", "spacetime").attr("width", width).attr("height", height).attr("viewBox", `0 0 ${width} ${height}`);
  const defs = svg.append("defs");
  defs.append("clipPath").attr("id", "clip").append("rect").attr("x", margin.left).attr("y", 0).attr("width", innerWidth).attr("height", height);
  for (const [name, color] of [
    ["arrow", "#555"],
    ["arrow-dup", "#e69138"],
    ["arrow-held", "#8e44ad"],
  ] as const) {
    defs
      .append("marker")
      .attr("id", name)
      .attr("viewBox", "0 0 10 10")
      .attr("refX", 10)
      .attr("refY", 5)
      .attr("markerWidth", 6)
      .attr("markerHeight", 6)
      .attr("orient", "auto-start-reverse")
      .append("path")
      .attr("d", "M 0 0 L 10 5 L 0 10 z")
      .attr("fill", color);
  }

  const lanes = svg.append("g").attr("class", "lanes");
  const laneGroups = lanes
    .selectAll("g.lane")
    .data(data.nodes)
    .join("g")
    .attr("class", "lane")
    .attr("data-node", (d) => d.id);
  laneGroups
    .append("line")
    .attr("x1", margin.left)
    .attr("x2", margin.left + innerWidth)
    .attr("y1", (_d, i) => laneY(i))
    .attr("y2", (_d, i) => laneY(i))
    .attr("stroke", (d) => (d.honest ? "#bbb" : "#e06666"))
    .attr("stroke-width", 1);
  laneGroups
    .append("text")
    .attr("x", margin.left - 8)
    .attr("y", (_d, i) => laneY(i) + 4)
    .attr("text-anchor", "end")
    .attr("class", "lane-label")
    .text(laneLabel);

  const plot = svg.append("g").attr("clip-path", "url(#clip)");
  const faultLayer = plot.append("g").attr("class", "faults");
  const arrowLayer = plot.append("g").attr("class", "arrows");
  const eventLayer = plot.append("g").attr("class", "events");
  const violationLayer = plot.append("g").attr("class", "violation");
  const axisLayer = svg.append("g").attr("class", "axis").attr("transform", `translate(0, ${height - margin.bottom})`);

  // Views (from the run timeline): a band above the lanes, one cell per view coloured by how it ended, and the
  // leader's lane lit for the length of its view.
  const outcomeColors: Record<string, string> = { qc: "#d9ead3", tc: "#fce5cd", timeout: "#f4cccc", left: "#eeeeee", open: "#ffffff" };
  const viewLayer = plot.insert("g", ":first-child").attr("class", "views");
  const viewSel = viewLayer
    .selectAll("rect.view")
    .data(data.views)
    .join("rect")
    .attr("class", (v) => `view ${v.outcome}`)
    .attr("y", 2)
    .attr("height", margin.top - 6)
    .attr("fill", (v) => outcomeColors[v.outcome] ?? "#fff")
    .attr("stroke", "#999")
    .attr("stroke-width", 0.5);
  viewSel.append("title").text((v) => `view ${v.view}: ${seconds(v.fromUs)} to ${seconds(v.toUs)}, leader ${v.leader >= 0 ? data.nodes[v.leader]!.id : "unknown"}, ended by ${v.outcome}`);
  const viewText = viewLayer
    .selectAll("text.view-label")
    .data(data.views)
    .join("text")
    .attr("class", "view-label")
    .attr("y", margin.top - 9)
    .text((v) => `v${v.view}${v.leader >= 0 ? ` ${data.nodes[v.leader]!.id}` : ""}`);
  const leaderRows = data.views.filter((v) => v.leader >= 0);
  const leaderSel = viewLayer
    .selectAll("rect.leader")
    .data(leaderRows)
    .join("rect")
    .attr("class", "leader")
    .attr("y", (v) => laneY(v.leader) - 5)
    .attr("height", 10);
  leaderSel.append("title").text((v) => `${data.nodes[v.leader]!.id} leads view ${v.view}`);

  // Fault windows (from the run timeline): a band on the affected lanes (every lane when the fault names none).
  const faultColors: Record<string, string> = { crash: "rgba(120,0,0,.22)", partition: "rgba(214,39,40,.13)", isolate: "rgba(214,39,40,.2)", clog: "rgba(142,68,173,.18)", pause: "rgba(90,90,90,.18)" };
  type FaultRect = { fromUs: number; toUs: number; label: string; kind: string; y: number; h: number };
  const faultRects: FaultRect[] = [];
  for (const f of data.faults) {
    const lanesOf = f.nodes.length === 0 ? data.nodes.map((_n, i) => i) : f.nodes;
    for (const i of lanesOf) faultRects.push({ fromUs: f.fromUs, toUs: f.toUs, label: f.label, kind: f.kind, y: laneY(i) - laneHeight / 2 + 2, h: laneHeight - 4 });
  }
  const faultSel = faultLayer
    .selectAll("rect")
    .data(faultRects)
    .join("rect")
    .attr("class", (d) => `fault-window ${d.kind}`)
    .attr("fill", (d) => faultColors[d.kind] ?? "rgba(191,144,0,.18)")
    .attr("y", (d) => d.y)
    .attr("height", (d) => d.h);
  faultSel.append("title").text((d) => `${d.kind}: ${d.label}, ${seconds(d.fromUs)} to ${seconds(d.toUs)}`);

  // Messages: from (sent, sender's lane) to (arrival, receiver's lane); a drop ends halfway, with a cross.
  const fates = m.fates;
  const arrowSel = arrowLayer
    .selectAll("line")
    .data(m.rows)
    .join("line")
    .attr("class", (r) => `msg ${fates[r[4]]} type-${r[5]}`)
    .attr("stroke", (r) => (fates[r[4]] === "dropped" ? "#d62728" : fates[r[4]] === "held" ? "#8e44ad" : (palette[m.types[r[5]]!] ?? palette.other!)))
    .attr("marker-end", (r) => (fates[r[4]] === "dropped" || fates[r[4]] === "in-flight" ? null : fates[r[4]] === "held" ? "url(#arrow-held)" : "url(#arrow)"));
  arrowSel.append("title").text((r) => {
    const from = data.nodes[r[2]]!.id;
    const to = data.nodes[r[3]]!.id;
    const fate = fates[r[4]]!;
    const reason = r[8] >= 0 ? ` (${m.dropReasons[r[8]]})` : "";
    return `${m.types[r[5]]}${r[6] >= 0 ? ` view ${r[6]}` : ""} ${from} -> ${to}, ${r[7]} bytes, sent ${seconds(r[0])}, ${fate}${reason}${r[1] >= 0 ? ` at ${seconds(r[1])}` : ""}`;
  });
  const dupRows = m.rows.filter((r) => fates[r[4]] === "duplicated");
  const dupSel = arrowLayer.selectAll("line.dup").data(dupRows).join("line").attr("class", (r) => `dup type-${r[5]}`).attr("stroke", "#e69138").attr("stroke-dasharray", "4 2").attr("marker-end", "url(#arrow-dup)");
  const dropRows = m.rows.filter((r) => fates[r[4]] === "dropped");
  const dropSel = arrowLayer.selectAll("path.drop-mark").data(dropRows).join("path").attr("class", (r) => `drop-mark type-${r[5]}`).attr("stroke", "#d62728").attr("stroke-width", 1.5).attr("fill", "none");

  // Protocol events on the lanes.
  const kinds = data.laneEvents.kinds;
  const eventSel = eventLayer
    .selectAll("circle")
    .data(data.laneEvents.rows)
    .join("circle")
    .attr("class", (e) => `lane-event ${kinds[e[2]]}`)
    .attr("r", (e) => (kinds[e[2]] === "crash" || kinds[e[2]] === "restart" || kinds[e[2]] === "commit" ? 5 : 3.5))
    .attr("fill", (e) => laneColors[kinds[e[2]]!] ?? "#333")
    .attr("cy", (e) => laneY(e[1]) + (["vote", "timeout"].includes(kinds[e[2]]!) ? 7 : ["qc", "tc"].includes(kinds[e[2]]!) ? -7 : 0));
  eventSel.append("title").text((e) => `${data.nodes[e[1]]!.id} at ${seconds(e[0])}: ${e[3]}`);

  // The violation.
  const violationSel =
    data.violation === null
      ? null
      : violationLayer
          .append("line")
          .attr("id", "violation-marker")
          .attr("data-time-us", String(data.violation.atUs))
          .attr("y1", 2)
          .attr("y2", height - margin.bottom)
          .attr("stroke", "#d62728")
          .attr("stroke-width", 2.5);
  violationSel?.append("title").text(`${data.violation?.invariant}: ${data.violation?.message}`);
  const violationLabel = data.violation === null ? null : violationLayer.append("text").attr("class", "violation-label").attr("y", margin.top + 10).text(`✖ ${data.violation.invariant}`);

  const midLaneY = (r: readonly number[]): number => (laneY(r[2]!) + laneY(r[3]!)) / 2;
  const redraw = (): void => {
    faultSel.attr("x", (d) => x(d.fromUs)).attr("width", (d) => Math.max(1, x(d.toUs) - x(d.fromUs)));
    viewSel.attr("x", (v) => x(v.fromUs)).attr("width", (v) => Math.max(1, x(v.toUs) - x(v.fromUs)));
    leaderSel.attr("x", (v) => x(v.fromUs)).attr("width", (v) => Math.max(1, x(v.toUs) - x(v.fromUs)));
    // A view's label shows only when its cell has room for it.
    viewText.attr("x", (v) => x(v.fromUs) + 3).style("display", (v) => (x(v.toUs) - x(v.fromUs) > 52 ? "" : "none"));
    arrowSel
      .attr("x1", (r) => x(r[0]))
      .attr("y1", (r) => laneY(r[2]))
      .attr("x2", (r) => (r[1] < 0 ? x(r[0]) + 12 : fates[r[4]] === "dropped" ? Math.max(x(r[1]), x(r[0]) + 6) : x(r[1])))
      .attr("y2", (r) => (fates[r[4]] === "dropped" || r[1] < 0 ? midLaneY(r) : laneY(r[3])));
    dupSel
      .attr("x1", (r) => x(r[0]))
      .attr("y1", (r) => laneY(r[2]))
      .attr("x2", (r) => x(r[1]) + 4)
      .attr("y2", (r) => laneY(r[3]) + 3);
    dropSel.attr("d", (r) => {
      const cx = Math.max(x(r[1]), x(r[0]) + 6);
      const cy = midLaneY(r);
      return `M ${cx - 3} ${cy - 3} L ${cx + 3} ${cy + 3} M ${cx - 3} ${cy + 3} L ${cx + 3} ${cy - 3}`;
    });
    eventSel.attr("cx", (e) => x(e[0]));
    if (violationSel !== null && data.violation !== null) {
      const vx = x(data.violation.atUs);
      violationSel.attr("x1", vx).attr("x2", vx);
      // The label goes on the side of the line with room for it.
      const right = vx + 120 < margin.left + innerWidth;
      violationLabel?.attr("x", right ? vx + 4 : vx - 4).attr("text-anchor", right ? "start" : "end");
    }
    axisLayer.call(d3.axisBottom(x).ticks(Math.max(4, Math.floor(innerWidth / 110))).tickFormat((us) => `${(Number(us) / 1e6).toFixed(3)}s`));
  };

  const zoom = d3
    .zoom<SVGSVGElement, unknown>()
    .scaleExtent([1, Math.max(2, domainEndUs / 200)])
    .translateExtent([
      [margin.left, 0],
      [margin.left + innerWidth, height],
    ])
    .extent([
      [margin.left, 0],
      [margin.left + innerWidth, height],
    ])
    .on("zoom", (event: D3.D3ZoomEvent<SVGSVGElement, unknown>) => {
      x = event.transform.rescaleX(x0);
      redraw();
    });
  svg.call(zoom);
  // Open around the violation (or the end): 1.5 s before it to 0.5 s after, within the run.
  const spanUs = Math.min(domainEndUs, 2_000_000);
  const fromUs = Math.max(0, Math.min(domainEndUs - spanUs, data.focusUs - spanUs * 0.75));
  const k = domainEndUs / Math.max(1, spanUs);
  const start = d3.zoomIdentity.translate(margin.left - k * x0(fromUs), 0).scale(k);
  svg.call(zoom.transform, start);
  const reset = byId("reset-zoom");
  reset.textContent = data.violation === null ? "view around the end" : "view around the violation";
  reset.addEventListener("click", () => svg.call(zoom.transform, start));
  byId("zoom-all").addEventListener("click", () => svg.call(zoom.transform, d3.zoomIdentity));

  // ---------------------------------------------------------------- uPlot charts
  const plotWidth = Math.max(420, Math.min(900, (byId("slo").clientWidth || 900) / 2 - 24));
  const colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
  const chart = (parent: HTMLElement, title: string, unit: string, names: readonly string[], xs: readonly number[], ys: readonly (readonly (number | null)[])[], stepped: boolean): void => {
    const box = document.createElement("div");
    box.className = "plot";
    const points = ys.reduce((n, col) => n + col.filter((v) => v !== null).length, 0);
    box.dataset.points = String(points);
    box.dataset.title = title;
    parent.appendChild(box);
    const opts: uPlot.Options = {
      title: `${title} (${unit})`,
      width: plotWidth,
      height: 220,
      scales: { x: { time: false }, y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.05 : 1] } },
      axes: [{ label: "virtual time (s)" }, { label: unit }],
      series: [
        { label: "t (s)" },
        ...names.map((name, i) => ({
          label: name,
          stroke: colors[i % colors.length]!,
          width: 1.5,
          spanGaps: false,
          ...(stepped ? { paths: UPlot.paths.stepped!({ align: 1 }) } : {}),
        })),
      ],
    };
    new UPlot(opts, [xs as number[], ...(ys as (number | null)[][])], box);
  };

  // Per-node timelines: the nodes that entered views or committed.
  const timelines = byId("timelines");
  const tracked = data.nodes.map((n, i) => ({ n, t: data.tracks[i]! })).filter((e) => e.t.views.length > 0 || e.t.heights.length > 0);
  const stepGrid = (key: "views" | "heights"): { xs: number[]; ys: (number | null)[][] } => {
    const times = [...new Set(tracked.flatMap((e) => e.t[key].map((p) => p[0])))].sort((a, b) => a - b);
    const ys = tracked.map((e) => {
      const track = e.t[key];
      const out: (number | null)[] = [];
      let j = 0;
      let current: number | null = null;
      for (const t of times) {
        while (j < track.length && track[j]![0] <= t) current = track[j++]![1];
        out.push(current);
      }
      return out;
    });
    return { xs: times.map((t) => t / 1e6), ys };
  };
  if (tracked.length === 0) timelines.textContent = "No node logged views or commits in this run.";
  else {
    const views = stepGrid("views");
    chart(timelines, "View per node", "view", tracked.map((e) => e.n.id), views.xs, views.ys, true);
    const heights = stepGrid("heights");
    chart(timelines, "Committed height per node", "height", tracked.map((e) => e.n.id), heights.xs, heights.ys, true);
  }

  // SLO plots.
  const slo = byId("slo");
  for (const s of data.slo.series) chart(slo, s.title, s.unit, s.columns, s.x, s.y, false);
  byId("slo-notes").textContent =
    (data.slo.noData.length === 0 ? "Every SLO series has data in this run." : `No data in this run for: ${data.slo.noData.join("; ")}.`) +
    ` Percentiles over the trailing 5 buckets of ${(data.slo.bucketUs / 1e6).toFixed(1)} s.`;

  // ---------------------------------------------------------------- summary and invariants
  byId("summary").textContent = data.summary;
  const table = byId("invariants");
  const rows = data.report.invariants.map((r) => {
    const verdict = r.skipped !== undefined ? "skipped" : r.ok ? "held" : "VIOLATED";
    const figures = Object.entries(r.figures)
      .map(([k2, v]) => `${k2} ${v}`)
      .join(", ");
    const detail = r.violation !== undefined ? `${r.violation.message} (at ${seconds(r.violation.atUs)})` : (r.skipped ?? "");
    const tr = document.createElement("tr");
    tr.className = verdict === "VIOLATED" ? "bad" : verdict === "skipped" ? "skipped" : "ok";
    for (const text of [r.name, r.kind, verdict, figures, detail]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.appendChild(td);
    }
    return tr;
  });
  for (const tr of rows) table.appendChild(tr);
  document.body.dataset.ready = "true";
}

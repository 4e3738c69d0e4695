/**
 * What the HTML report shows of one run, gathered while it runs: the
 * observations (node events, faults, message events) folded into the data the
 * page embeds as JSON ({@link ReportData}): the nodes (one lane each), the
 * messages and protocol events near the violation (capped), fault windows, each
 * node's view and committed height over time, the SLO series, and the run
 * report (summary and invariants).
 *
 * Fault windows are read from the world's `fault` lines (`crash v2` to the
 * node's next `boot`; `partition ...`, `isolate ...`, `clog v1` to the next
 * `heal`, `unclog v1` or the liveness phase) and are approximate for a
 * selective heal (`heal p1` ends every network window).
 */
import type { Observation } from "../check/checker.js";
import { SIMULATOR_EVENTS } from "../check/events.js";
import type { RunReport } from "../scenario/run.js";
import { VALIDATOR_EVENTS } from "../systems/validators/events.js";
import { fateOf, MessageLog, type MessageFate } from "./message-log.js";
import { SloRecorder, type SloSeries } from "./slo-series.js";

/** Most message arrows the page draws (the rest are left out, and the page says so). */
export const ARROWS_MAX = 6_000;
/** Most protocol events drawn on the lanes. */
export const LANE_EVENTS_MAX = 12_000;

/** A node of the run, one lane of the diagram. */
export interface ReportNode {
  readonly id: string;
  readonly role: string;
  readonly honest: boolean;
}

/** The kinds of protocol event drawn on a lane. */
export const LANE_EVENT_KINDS = ["proposal", "vote", "qc", "tc", "timeout", "commit", "crash", "restart", "fault"] as const;

/** One row per message: [sentUs, arrivedUs or -1, from index, to index, fate index, type index, view or -1, sizeBytes, dropReason index or -1]. */
export type MessageRow = readonly [number, number, number, number, number, number, number, number, number];
/** One row per lane event: [timeUs, node index, kind index ({@link LANE_EVENT_KINDS}), label]. */
export type LaneEventRow = readonly [number, number, number, string];

/** Everything the page draws, as embedded in it. Times are microseconds of virtual time. */
export interface ReportData {
  readonly title: string;
  readonly scenario: string;
  readonly seed: number;
  readonly traceDigest: string;
  readonly endUs: number;
  readonly nodes: readonly ReportNode[];
  readonly violation: { readonly invariant: string; readonly atUs: number; readonly message: string } | null;
  /** The moment the diagram opens on: the violation, else the end of the run. */
  readonly focusUs: number;
  readonly messages: {
    /** Messages sent in the whole run, and drawn. */
    readonly total: number;
    readonly shown: number;
    readonly capped: boolean;
    /** Whether message events were recorded at all. */
    readonly recorded: boolean;
    readonly fates: readonly MessageFate[];
    readonly types: readonly string[];
    readonly dropReasons: readonly string[];
    readonly rows: readonly MessageRow[];
  };
  readonly laneEvents: { readonly total: number; readonly shown: number; readonly capped: boolean; readonly kinds: readonly string[]; readonly rows: readonly LaneEventRow[] };
  /** Fault windows ([fromUs, toUs]) on some nodes' lanes (none: every lane), and instant faults. */
  readonly faults: readonly { readonly fromUs: number; readonly toUs: number; readonly label: string; readonly nodes: readonly number[] }[];
  /** Per node: [timeUs, view] when it entered each view; [timeUs, height] when it committed each height. */
  readonly tracks: readonly { readonly views: readonly (readonly [number, number])[]; readonly heights: readonly (readonly [number, number])[] }[];
  readonly slo: SloSeries;
  /** The run report (`--json`), without its per-system metric details. */
  readonly report: RunReport;
  /** The run's summary as the CLI prints it. */
  readonly summary: string;
}

interface OpenWindow {
  fromUs: number;
  label: string;
  nodes: number[];
  kind: "node" | "network" | "clog";
  node?: string;
}

/** Records one run for its report. Attach {@link observe} as an observer (with message events on) before the run. */
export class ReportRecorder {
  private readonly messages = new MessageLog();
  private readonly slo: SloRecorder;
  private readonly index = new Map<string, number>();
  private readonly laneEvents: LaneEventRow[] = [];
  private readonly faults: { fromUs: number; toUs: number; label: string; nodes: number[] }[] = [];
  private readonly open: OpenWindow[] = [];
  private readonly tracks: { views: [number, number][]; heights: [number, number][] }[];
  private messagesRecorded = false;

  /** @param nodes every node of the run, in lane order */
  constructor(private readonly nodes: readonly ReportNode[]) {
    nodes.forEach((n, i) => this.index.set(n.id, i));
    this.tracks = nodes.map(() => ({ views: [], heights: [] }));
    const validators = new Set(nodes.filter((n) => n.role === "validator").map((n) => n.id));
    const honest = new Set(nodes.filter((n) => n.role === "validator" && n.honest).map((n) => n.id));
    this.slo = new SloRecorder(validators, honest);
  }

  /** Takes one observation (node events, the world's faults, message events). */
  observe(o: Observation): void {
    if (o.event.startsWith("message-")) {
      this.messagesRecorded = true;
      this.messages.observe(o);
      return;
    }
    this.slo.observe(o);
    if (SIMULATOR_EVENTS.is(o, "fault", "crash-point")) return this.fault(o);
    const node = this.index.get(o.node);
    if (node === undefined || !VALIDATOR_EVENTS.is(o, "propose", "vote", "qc", "tc", "timeout", "commit", "boot", "view")) return;
    const lane = (kind: (typeof LANE_EVENT_KINDS)[number], label: string): void => {
      this.laneEvents.push([o.timeUs, node, LANE_EVENT_KINDS.indexOf(kind), label]);
    };
    switch (o.event) {
      case "propose":
        return lane("proposal", `propose view ${o.fields.view} height ${o.fields.height}${o.fields.byzantine ? ` (${o.fields.byzantine})` : ""}`);
      case "vote":
        return lane("vote", `vote view ${o.fields.view} height ${o.fields.height}${o.fields.byzantine ? ` (${o.fields.byzantine})` : ""}`);
      case "qc":
        return lane("qc", `QC view ${o.fields.view} height ${o.fields.height}`);
      case "tc":
        return lane("tc", `TC view ${o.fields.view}`);
      case "timeout":
        return lane("timeout", `timeout view ${o.fields.view}`);
      case "commit":
        this.tracks[node]!.heights.push([o.timeUs, o.fields.height]);
        return lane("commit", `commit height ${o.fields.height} view ${o.fields.view} ${o.fields.hash.slice(0, 12)}`);
      case "view":
        this.tracks[node]!.views.push([o.timeUs, o.fields.view]);
        return;
      case "boot":
        this.closeNodeWindow(o.node, o.timeUs);
        if (o.timeUs > 0) lane("restart", `boot: committed height ${o.fields.committedHeight}`);
        return;
    }
  }

  private fault(o: Observation): void {
    if (SIMULATOR_EVENTS.is(o, "crash-point")) {
      const node = this.index.get(o.fields.node);
      if (node === undefined) return;
      this.laneEvents.push([o.timeUs, node, LANE_EVENT_KINDS.indexOf("crash"), `crash point: ${o.fields.point}`]);
      this.openWindow({ fromUs: o.timeUs, label: `${o.fields.node} down (crash point)`, nodes: [node], kind: "node", node: o.fields.node });
      return;
    }
    if (!SIMULATOR_EVENTS.is(o, "fault")) return;
    const description = o.fields.description;
    const [verb = "", target = ""] = description.split(" ");
    const node = this.index.get(target);
    if (node !== undefined) this.laneEvents.push([o.timeUs, node, LANE_EVENT_KINDS.indexOf(verb === "crash" ? "crash" : "fault"), description]);
    switch (verb) {
      case "crash":
      case "wipe":
      case "torn-write":
        if (node !== undefined) this.openWindow({ fromUs: o.timeUs, label: `${target} down (${verb})`, nodes: [node], kind: "node", node: target });
        return;
      case "partition":
      case "partition-oneway":
      case "isolate": {
        const named = [...description.matchAll(/[\w/]+/g)].map((m) => this.index.get(m[0])).filter((i): i is number => i !== undefined);
        this.openWindow({ fromUs: o.timeUs, label: description, nodes: [...new Set(named)], kind: "network" });
        return;
      }
      case "clog":
        if (node !== undefined) this.openWindow({ fromUs: o.timeUs, label: description, nodes: [node], kind: "clog", node: target });
        return;
      case "unclog":
        this.closeWhere((w) => w.kind === "clog" && w.node === target, o.timeUs);
        return;
      case "heal":
        this.closeWhere((w) => w.kind === "network", o.timeUs);
        return;
      case "liveness":
        this.closeWhere((w) => w.kind !== "node", o.timeUs);
        return;
      case "pause": {
        const us = Number(/(\d+)us/.exec(description)?.[1] ?? 0);
        if (node !== undefined && us > 0) this.faults.push({ fromUs: o.timeUs, toUs: o.timeUs + us, label: description, nodes: [node] });
        return;
      }
    }
  }

  private openWindow(w: OpenWindow): void {
    this.open.push(w);
  }

  private closeNodeWindow(node: string, atUs: number): void {
    this.closeWhere((w) => w.kind === "node" && w.node === node, atUs);
  }

  private closeWhere(matches: (w: OpenWindow) => boolean, atUs: number): void {
    for (let i = this.open.length - 1; i >= 0; i--) {
      const w = this.open[i]!;
      if (!matches(w)) continue;
      this.faults.push({ fromUs: w.fromUs, toUs: atUs, label: w.label, nodes: w.nodes });
      this.open.splice(i, 1);
    }
  }

  /**
   * The report's data once the run is over.
   * @param title the page's title
   * @param report the run's report (`runAndJudge`)
   * @param summary the run's summary text (`formatSummary`)
   */
  finish(title: string, report: RunReport, summary: string): ReportData {
    const endUs = report.virtualDurationUs;
    this.closeWhere(() => true, endUs);
    const violation = report.violation === undefined ? null : { invariant: report.violation.invariant, atUs: report.violation.atUs, message: report.violation.message };
    const focusUs = violation?.atUs ?? endUs;
    const { records, capped } = this.messages.window(focusUs, ARROWS_MAX);
    const fates: MessageFate[] = ["delivered", "dropped", "duplicated", "held", "in-flight"];
    const types: string[] = [];
    const dropReasons: string[] = [];
    const indexIn = (list: string[], value: string): number => {
      let i = list.indexOf(value);
      if (i < 0) i = list.push(value) - 1;
      return i;
    };
    const rows: MessageRow[] = [];
    for (const m of records) {
      const from = this.index.get(m.from);
      const to = this.index.get(m.to);
      if (from === undefined || to === undefined) continue;
      const fate = fateOf(m);
      const arrivedUs = m.deliveredUs ?? m.droppedUs ?? -1;
      rows.push([m.sentUs, arrivedUs, from, to, fates.indexOf(fate), indexIn(types, m.type ?? "other"), m.view ?? -1, m.sizeBytes, m.dropReason === undefined ? -1 : indexIn(dropReasons, m.dropReason)]);
    }
    // Lane events nearest the focus (in time), drawn in time order.
    let lane = this.laneEvents;
    const laneCapped = lane.length > LANE_EVENTS_MAX;
    if (laneCapped) lane = [...lane].sort((a, b) => Math.abs(a[0] - focusUs) - Math.abs(b[0] - focusUs)).slice(0, LANE_EVENTS_MAX).sort((a, b) => a[0] - b[0]);
    const { metrics: _metrics, ...rest } = report;
    void _metrics;
    return {
      title,
      scenario: report.scenario,
      seed: report.seed,
      traceDigest: report.traceDigest,
      endUs,
      nodes: this.nodes,
      violation,
      focusUs,
      messages: { total: this.messages.totals.sent, shown: rows.length, capped, recorded: this.messagesRecorded, fates, types, dropReasons, rows },
      laneEvents: { total: this.laneEvents.length, shown: lane.length, capped: laneCapped, kinds: LANE_EVENT_KINDS, rows: lane },
      faults: this.faults.sort((a, b) => a.fromUs - b.fromUs),
      tracks: this.tracks,
      slo: this.slo.finish(endUs),
      report: { ...rest, metrics: { messages: report.metrics.messages, faultsApplied: report.metrics.faultsApplied } } as RunReport,
      summary,
    };
  }
}

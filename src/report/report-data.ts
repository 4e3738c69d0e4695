/**
 * What the HTML report shows of one run, gathered while it runs: the
 * observations (node events, faults, message events) folded into the data the
 * page embeds as JSON ({@link ReportData}): the nodes (one lane each), the
 * messages and protocol events near the violation (capped), fault windows, each
 * node's view and committed height over time, the SLO series, and the run
 * report (summary and invariants). The views (their leader and how each
 * ended) and the fault windows come from the run timeline
 * (`observe/run-timeline.ts`, `buildRunTimeline`).
 */
import type { Observation } from "../check/checker.js";
import { SIMULATOR_EVENTS } from "../check/events.js";
import { buildRunTimeline, isTimelineEvent } from "../observe/run-timeline.js";
import type { RunReport } from "../scenario/run.js";
import type { Scenario } from "../scenario/schema.js";
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
  /**
   * Fault windows on the lanes of the nodes they affect (none: every lane), from the run timeline; `kind` is the
   * timeline's (`crash`, `partition`, `isolate`, `clog`, `pause`, `clock`, `storage`, `l1`, `instant`).
   */
  readonly faults: readonly { readonly fromUs: number; readonly toUs: number; readonly label: string; readonly kind: string; readonly nodes: readonly number[] }[];
  /**
   * The views as the honest validators went through them (the run timeline's rows): when each began and ended,
   * its leader (node index, -1 unknown) and how it ended (`qc`, `tc`, `timeout`, `left`, `open`).
   */
  readonly views: readonly { readonly view: number; readonly fromUs: number; readonly toUs: number; readonly leader: number; readonly outcome: string }[];
  /** Per node: [timeUs, view] when it entered each view; [timeUs, height] when it committed each height. */
  readonly tracks: readonly { readonly views: readonly (readonly [number, number])[]; readonly heights: readonly (readonly [number, number])[] }[];
  readonly slo: SloSeries;
  /** The run report (`--json`), without its per-system metric details. */
  readonly report: RunReport;
  /** The run's summary as the CLI prints it. */
  readonly summary: string;
}

/** Records one run for its report. Attach {@link observe} as an observer (with message events on) before the run. */
export class ReportRecorder {
  private readonly messages = new MessageLog();
  private readonly slo: SloRecorder;
  private readonly index = new Map<string, number>();
  private readonly laneEvents: LaneEventRow[] = [];
  /** The observations the run timeline reads. */
  private readonly timelineEvents: Observation[] = [];
  private readonly tracks: { views: [number, number][]; heights: [number, number][] }[];
  private messagesRecorded = false;

  /**
   * @param scenario the scenario run
   * @param nodes every node of the run, in lane order
   */
  constructor(
    private readonly scenario: Scenario,
    private readonly nodes: readonly ReportNode[],
  ) {
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
    if (isTimelineEvent(o)) this.timelineEvents.push(o);
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
        if (o.timeUs > 0) lane("restart", `boot: committed height ${o.fields.committedHeight}`);
        return;
    }
  }

  /** A fault on the lane of the node it names (the first word after the action), as a mark. */
  private fault(o: Observation): void {
    if (SIMULATOR_EVENTS.is(o, "crash-point")) {
      const node = this.index.get(o.fields.node);
      if (node !== undefined) this.laneEvents.push([o.timeUs, node, LANE_EVENT_KINDS.indexOf("crash"), `crash point: ${o.fields.point}`]);
      return;
    }
    if (!SIMULATOR_EVENTS.is(o, "fault")) return;
    const [verb = "", target = ""] = o.fields.description.split(" ");
    const node = this.index.get(target);
    if (node !== undefined) this.laneEvents.push([o.timeUs, node, LANE_EVENT_KINDS.indexOf(verb === "crash" || verb === "wipe" || verb === "torn-write" ? "crash" : "fault"), o.fields.description]);
  }

  /**
   * The report's data once the run is over.
   * @param title the page's title
   * @param report the run's report (`runAndJudge`)
   * @param summary the run's summary text (`formatSummary`)
   */
  finish(title: string, report: RunReport, summary: string): ReportData {
    const endUs = report.virtualDurationUs;
    const timeline = buildRunTimeline(this.scenario, this.timelineEvents, { endUs });
    const laneOf = (id: string | undefined): number => (id === undefined ? -1 : (this.index.get(id) ?? -1));
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
      faults: timeline.faults.map((f) => ({
        fromUs: f.fromUs,
        toUs: f.toUs ?? endUs,
        label: `${f.description}${f.endedBy !== undefined ? ` (until ${f.endedBy})` : ""}`,
        kind: f.kind,
        nodes: f.nodes.map(laneOf).filter((i) => i >= 0),
      })),
      views: timeline.views.map((v) => ({ view: v.view, fromUs: v.startUs, toUs: v.endUs ?? endUs, leader: laneOf(v.leader), outcome: v.outcome })),
      // Each step series is held to the end of the run (a node that stopped changing still holds its view and height).
      tracks: this.tracks.map((t) => ({ views: heldToEnd(t.views, endUs), heights: heldToEnd(t.heights, endUs) })),
      slo: this.slo.finish(endUs),
      report: { ...rest, metrics: { messages: report.metrics.messages, faultsApplied: report.metrics.faultsApplied } } as RunReport,
      summary,
    };
  }
}

/** A step series `[timeUs, value][]` with its last value repeated at `endUs` (unchanged when empty or already there). */
function heldToEnd(points: readonly (readonly [number, number])[], endUs: number): (readonly [number, number])[] {
  const last = points.at(-1);
  return last === undefined || last[0] >= endUs ? [...points] : [...points, [endUs, last[1]]];
}

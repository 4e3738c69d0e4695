/**
 * `buildRunTimeline`: the timeline of one run (see `types.ts`) from its
 * scenario and its observations, the same stream `runScenario(scenario,
 * { observer })` hands out and `--events` writes.
 *
 * The view rows follow the global view as the world's `currentView` does
 * (`harness/world.ts`): the highest view an honest validator has announced.
 * A row starts when an honest validator first enters a view above every
 * view announced before, and ends when one enters a higher one; views the
 * honest validators jumped over get no row. The leader of a view is the one
 * the honest validators' `view` events name (the replica's leader election
 * at that moment: with leader reputation it depends on the chain, so it is
 * read from the nodes, never recomputed here). Only the first rollup's
 * validators are drawn.
 */
import type { Observation } from "../check/checker.js";
import { armsViewKeyedAction, SIMULATOR_EVENTS } from "../check/events.js";
import { WORLD_NODE } from "../harness/world.js";
import type { Scenario } from "../scenario/schema.js";
import type { NodeId } from "../sim/node.js";
import { byzantineNodes, twinsOf } from "../systems/validators/byzantine-plan.js";
import { VALIDATOR_EVENTS } from "../systems/validators/events.js";
import { validatorIds } from "../systems/validators/names.js";
import { faultWindows } from "./fault-windows.js";
import { leaderPlaces } from "./leader-place.js";
import { RUN_TIMELINE_VERSION, type CommitMark, type FaultWindow, type NodeTrack, type RunTimeline, type TimelineViolation, type ViewOutcome, type ViewRow } from "./types.js";

export type { CommitMark, FaultWindow, FaultWindowKind, LeaderPlace, NodeStatus, NodeTrack, RunTimeline, TimelineViolation, ViewOutcome, ViewRow } from "./types.js";
export { LEADER_PLACES_MAX, RUN_TIMELINE_VERSION } from "./types.js";

/** The events the timeline reads; a collector may keep only these (`isTimelineEvent`). */
const TIMELINE_EVENTS = new Set(["view", "commit", "propose", "qc", "tc", "timeout", "boot", "fault", "crash-point", "violation", "phase"]);

/** Whether the timeline reads `o` (a run's observer may drop the others to save memory). */
export function isTimelineEvent(o: Observation): boolean {
  return TIMELINE_EVENTS.has(o.event);
}

/** Options of {@link buildRunTimeline}. */
export interface RunTimelineOptions {
  /** End of the run, microseconds (the report's `virtualDurationUs`); default the last observation's time. */
  readonly endUs?: number;
}

/** A node's history while it is built. */
interface Track {
  node: NodeId;
  honest: boolean;
  views: { timeUs: number; view: number; leader?: NodeId }[];
  heights: { timeUs: number; height: number }[];
  down: { fromUs: number; toUs: number | null }[];
}

/**
 * Builds the timeline of one run.
 * @param scenario the parsed scenario that was run (its seed, validators, byzantine section and fault plan)
 * @param observations every observation of the run in the order the observer received them (time order);
 *   events the timeline does not read are ignored
 * @returns the timeline (plain data); empty rows when the run logged no view
 * @throws RangeError when the observations are not in time order
 */
export function buildRunTimeline(scenario: Scenario, observations: readonly Observation[], options: RunTimelineOptions = {}): RunTimeline {
  const rollup = scenario.rollups[0]!;
  const validators = validatorIds(rollup.prefix, rollup.validators.count);
  const twins = twinsOf(rollup).map((t) => t.twin);
  const byzantine = byzantineNodes(rollup);
  const instances = [...validators, ...twins];
  const honest = new Set(instances.filter((id) => !byzantine.has(id)));
  const known = new Set<string>(instances);
  for (const o of observations) known.add(o.node);
  const endUs = options.endUs ?? observations.reduce((end, o) => Math.max(end, o.timeUs), 0);

  const { windows, livenessPhaseUs } = faultWindows(observations, scenario.faults, (name) => known.has(name), endUs);

  // Per node: views, new heights, down intervals.
  const tracks = new Map<NodeId, Track>(instances.map((id) => [id, { node: id, honest: honest.has(id), views: [], heights: [], down: [] }]));
  const goDown = (id: NodeId, atUs: number): void => {
    const track = tracks.get(id);
    if (track === undefined) return;
    const last = track.down.at(-1);
    if (last === undefined || last.toUs !== null) track.down.push({ fromUs: atUs, toUs: null });
  };
  // Rows: the global view (the highest an honest validator announced).
  const rows: { view: number; startUs: number }[] = [];
  const leadersNamed = new Map<number, Map<NodeId, number>>();
  const qcViews = new Set<number>();
  const tcViews = new Set<number>();
  const timeoutViews = new Set<number>();
  const proposersOf = new Map<number, NodeId[]>();
  const commits: CommitMark[] = [];
  let violation: TimelineViolation | undefined;

  let previousUs = 0;
  for (const o of observations) {
    if (o.timeUs < previousUs) throw new RangeError(`observations must be in time order: ${o.event} of ${o.node} at ${o.timeUs}us comes after one at ${previousUs}us`);
    previousUs = o.timeUs;
    if (o.node === WORLD_NODE) {
      if (SIMULATOR_EVENTS.is(o, "fault")) {
        const description = o.fields.description;
        const [verb, node] = description.split(" ");
        const arming = armsViewKeyedAction(description);
        if ((verb === "crash" || verb === "torn-write" || verb === "wipe") && node !== undefined && !arming) goDown(node, o.timeUs);
      } else if (SIMULATOR_EVENTS.is(o, "crash-point")) {
        goDown(o.fields.node, o.timeUs);
      } else if (SIMULATOR_EVENTS.is(o, "violation") && violation === undefined) {
        violation = { invariant: o.fields.invariant, atUs: o.fields.atUs, message: o.fields.message };
      }
      continue;
    }
    const track = tracks.get(o.node);
    if (track === undefined) continue;
    if (VALIDATOR_EVENTS.is(o, "boot")) {
      const last = track.down.at(-1);
      if (last !== undefined && last.toUs === null) last.toUs = o.timeUs;
    } else if (VALIDATOR_EVENTS.is(o, "view")) {
      // `leader` is absent from events files written before the field existed.
      const leader = typeof o.fields.leader === "string" ? o.fields.leader : undefined;
      track.views.push({ timeUs: o.timeUs, view: o.fields.view, ...(leader !== undefined ? { leader } : {}) });
      if (!track.honest) continue;
      if (leader !== undefined) {
        const named = leadersNamed.get(o.fields.view) ?? new Map<NodeId, number>();
        named.set(leader, (named.get(leader) ?? 0) + 1);
        leadersNamed.set(o.fields.view, named);
      }
      const current = rows.at(-1);
      if (current === undefined || o.fields.view > current.view) rows.push({ view: o.fields.view, startUs: o.timeUs });
    } else if (VALIDATOR_EVENTS.is(o, "commit")) {
      const last = track.heights.at(-1);
      if (last === undefined || o.fields.height > last.height) track.heights.push({ timeUs: o.timeUs, height: o.fields.height });
      if (track.honest) commits.push({ node: o.node, height: o.fields.height, blockView: o.fields.view, timeUs: o.timeUs });
    } else if (track.honest && VALIDATOR_EVENTS.is(o, "propose")) {
      const list = proposersOf.get(o.fields.view) ?? [];
      if (!list.includes(o.node)) list.push(o.node);
      proposersOf.set(o.fields.view, list);
    } else if (track.honest && VALIDATOR_EVENTS.is(o, "qc")) {
      qcViews.add(o.fields.view);
    } else if (track.honest && VALIDATOR_EVENTS.is(o, "tc")) {
      tcViews.add(o.fields.view);
    } else if (track.honest && VALIDATOR_EVENTS.is(o, "timeout")) {
      timeoutViews.add(o.fields.view);
    }
  }

  const nodes: NodeTrack[] = [...tracks.values()];
  const trackOf = (id: NodeId): Track | undefined => tracks.get(id);
  let commitIndex = 0;
  const views: ViewRow[] = rows.map((row, i): ViewRow => {
    const next = rows[i + 1];
    const rowEndUs = next?.startUs ?? null;
    const until = rowEndUs ?? endUs;
    const inView: CommitMark[] = [];
    while (commitIndex < commits.length && commits[commitIndex]!.timeUs < row.startUs) commitIndex++;
    while (commitIndex < commits.length && (rowEndUs === null || commits[commitIndex]!.timeUs < rowEndUs)) inView.push(commits[commitIndex++]!);
    const named = [...(leadersNamed.get(row.view) ?? new Map<NodeId, number>())];
    // The most named leader; ties go to the first named (Map order is the order of the events).
    const leader = named.reduce<[NodeId, number] | undefined>((best, entry) => (best === undefined || entry[1] > best[1] ? entry : best), undefined)?.[0];
    const outcome: ViewOutcome = qcViews.has(row.view) ? "qc" : tcViews.has(row.view) ? "tc" : timeoutViews.has(row.view) ? "timeout" : rowEndUs === null ? "open" : "left";
    const faults = windows.filter((w) => overlaps(w, row.startUs, until, rowEndUs === null)).map((w) => w.id);
    return {
      view: row.view,
      startUs: row.startUs,
      endUs: rowEndUs,
      ...(leader !== undefined ? { leader } : {}),
      otherLeaders: named.map(([id]) => id).filter((id) => id !== leader),
      proposers: proposersOf.get(row.view) ?? [],
      leaderPlaces: leader === undefined ? [] : leaderPlaces(leader, trackOf(leader), windows, row.startUs, until),
      outcome,
      commits: inView,
      faults,
    };
  });

  return {
    version: RUN_TIMELINE_VERSION,
    scenario: scenario.name,
    seed: scenario.seed,
    validators,
    leaderElection: rollup.validators.leaderElection,
    endUs,
    ...(livenessPhaseUs !== undefined ? { livenessPhaseUs } : {}),
    views,
    faults: windows,
    nodes,
    ...(violation !== undefined ? { violation } : {}),
  };
}

/** Whether window `w` is in force at some moment of [fromUs, toUs) (an instant: fired inside it; `toUs` included for the last row). */
function overlaps(w: FaultWindow, fromUs: number, toUs: number, includeEnd: boolean): boolean {
  const beforeEnd = includeEnd ? w.fromUs <= toUs : w.fromUs < toUs;
  if (w.toUs === w.fromUs) return w.fromUs >= fromUs && beforeEnd;
  return beforeEnd && (w.toUs === null || w.toUs > fromUs);
}

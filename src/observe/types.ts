/**
 * The run timeline: what a run looked like, view by view, for people who
 * read a failing seed (`asset-sim timeline`, the HTML report). Built from
 * the scenario and the observations of one run by `buildRunTimeline`
 * (`run-timeline.ts`); plain data, JSON-serialisable (`--json` prints it).
 *
 * Units: every time is microseconds of virtual time (`...Us`), as in the
 * events file. Views, heights and node ids are the protocol's own.
 */
import type { NodeId } from "../sim/node.js";

/** Version of the shape below; bumped when a field changes meaning or goes away. */
export const RUN_TIMELINE_VERSION = 1;

/**
 * What a fault window does to the nodes it names:
 * - `crash`: down (crash, crash point, torn write, wipe) until its restart;
 * - `pause`: paused for a fixed time (inputs wait, the clock runs);
 * - `partition`: the network cut into `groups` (a one-way cut has two groups: `from`, then `to`);
 * - `isolate`: one node cut off from every other (`direction` in the description);
 * - `clog`: every message to and from the node held until its unclog;
 * - `clock`, `storage`, `l1`: settings in force until the liveness phase (or the end);
 * - `instant`: an action with no duration (corruption, redelivery, an L1 reorg, a view-keyed action being armed...).
 */
export type FaultWindowKind = "crash" | "pause" | "partition" | "isolate" | "clog" | "clock" | "storage" | "l1" | "instant";

/** One fault in force over a span of virtual time. */
export interface FaultWindow {
  /** 0, 1, 2... in order of `fromUs` (then of the events file): the id views and leader places refer to. */
  readonly id: number;
  readonly kind: FaultWindowKind;
  /** The action's first word as the fault event names it (`crash`, `crash-point`, `partition-oneway`, `isolate`...). */
  readonly action: string;
  /** The `fault` event's description (`crash v2`, `partition [v0,v1] | [v2,v3]`...), trigger included. */
  readonly description: string;
  /** Nodes it affects (every member of a partition's groups; empty for an action of no node). */
  readonly nodes: readonly NodeId[];
  /** A partition's groups (a one-way cut: `[from, to]`); absent for other kinds. */
  readonly groups?: readonly (readonly NodeId[])[];
  /** The cut's scenario `id`, when it has one (a selective heal ends it). */
  readonly cutId?: string;
  /** When it began, microseconds. */
  readonly fromUs: number;
  /** When it ended, microseconds; null when it was still in force at the end of the run. */
  readonly toUs: number | null;
  /** What ended it: the description of the restart/heal/unclog event, `liveness phase`, `duration` (a pause); absent while open. */
  readonly endedBy?: string;
  /** True when a view or a logged event fired it (its moment was not known before the run). */
  readonly triggered: boolean;
  /** Index of the scenario's `faults` action it came from, when it could be matched (a background pause has none). */
  readonly scheduleIndex?: number;
}

/**
 * Where a node stood at one moment, worst first: `crashed` (down), `paused`,
 * `isolated`, `partitioned` (on one side of a cut), `clogged`, `up` (none of these).
 */
export type NodeStatus = "crashed" | "paused" | "isolated" | "partitioned" | "clogged" | "up";

/** Where a view's leader was at one moment of the view. */
export interface LeaderPlace {
  /** The moment, microseconds (the view's start, or a change inside the view). */
  readonly atUs: number;
  /** The worst status of the leader then (see {@link NodeStatus}). */
  readonly status: NodeStatus;
  /** With a partition or one-way cut in force: the leader's side (group index into the window's `groups`, and its members). */
  readonly side?: { readonly windowId: number; readonly group: number; readonly members: readonly NodeId[] };
  /** Ids of the fault windows in force on the leader then. */
  readonly faults: readonly number[];
  /** The view the leader itself had announced by then (undefined before its first, or when it has no view events). */
  readonly ownView?: number;
}

/**
 * How a view ended:
 * - `qc`: a quorum certificate for a block of this view formed (some node logged `qc` of this view);
 * - `tc`: no QC, but a timeout certificate of this view formed;
 * - `timeout`: honest validators timed out in it, no QC or TC of it seen;
 * - `left`: the honest validators moved past it with none of the above seen (a later QC or TC, amplification);
 * - `open`: the run ended in it.
 */
export type ViewOutcome = "qc" | "tc" | "timeout" | "left" | "open";

/** One commit of an honest validator. */
export interface CommitMark {
  readonly node: NodeId;
  readonly height: number;
  /** The view of the committed block. */
  readonly blockView: number;
  readonly timeUs: number;
}

/** One view as the honest validators went through it (a row of the timeline). */
export interface ViewRow {
  readonly view: number;
  /** When the first honest validator entered it, microseconds. */
  readonly startUs: number;
  /** When the first honest validator entered a higher view (null: the run ended in this one). */
  readonly endUs: number | null;
  /**
   * The leader as the honest validators' `view` events name it (the most named; ties to the first named);
   * undefined when no event named one (an events file older than the `leader` field).
   */
  readonly leader?: NodeId;
  /** Other leaders some honest validators named for this view (their elections disagreed); empty when they all agreed. */
  readonly otherLeaders: readonly NodeId[];
  /**
   * The honest validators that proposed in this view, in order. Usually just the leader; an election that
   * learns from commits (reputation) may name another leader later in the view on a replica that lagged and
   * committed in the meantime, and that replica proposes too.
   */
  readonly proposers: readonly NodeId[];
  /** Where the leader was: at the view's start, then at each change inside the view (at most {@link LEADER_PLACES_MAX}). */
  readonly leaderPlaces: readonly LeaderPlace[];
  readonly outcome: ViewOutcome;
  /** Commits of honest validators inside [startUs, endUs), in time order. */
  readonly commits: readonly CommitMark[];
  /** Ids of the fault windows in force at some moment of the view. */
  readonly faults: readonly number[];
}

/** Most leader places kept per view (the start, then changes). */
export const LEADER_PLACES_MAX = 8;

/** One node's history: the views it entered, its committed height, when it was down. */
export interface NodeTrack {
  readonly node: NodeId;
  /** True for a validator judged by the honest-node invariants (not byzantine, not a twin). */
  readonly honest: boolean;
  /** Each view it entered, in order, with the leader its election named then. */
  readonly views: readonly { readonly timeUs: number; readonly view: number; readonly leader?: NodeId }[];
  /** Each time its committed height went up (its first commit of a new height). */
  readonly heights: readonly { readonly timeUs: number; readonly height: number }[];
  /** When it was down: from a crash to its next boot (toUs null: still down at the end). */
  readonly down: readonly { readonly fromUs: number; readonly toUs: number | null }[];
}

/** The run's violation, as the `violation` event wrote it. */
export interface TimelineViolation {
  readonly invariant: string;
  /** When it was detected, microseconds. */
  readonly atUs: number;
  readonly message: string;
}

/** The timeline of one run of a scenario. */
export interface RunTimeline {
  readonly version: typeof RUN_TIMELINE_VERSION;
  readonly scenario: string;
  readonly seed: number;
  /** The validators (rollup 0), in index order. */
  readonly validators: readonly NodeId[];
  /** The leader election the scenario configured (`reputation`, `round-robin`...). */
  readonly leaderElection: string;
  /** End of the run, microseconds (the last observation, or the scenario's end when given). */
  readonly endUs: number;
  /** When the liveness phase began (every fault stopped), microseconds; absent when it never did. */
  readonly livenessPhaseUs?: number;
  readonly views: readonly ViewRow[];
  readonly faults: readonly FaultWindow[];
  readonly nodes: readonly NodeTrack[];
  readonly violation?: TimelineViolation;
}

/**
 * The fault catalog's contract (DESIGN.md, "Faults"): one object per fault
 * kind holds everything about it, its file schema, its plan check, its effect
 * on the one model of which nodes are down, how it is applied to the world
 * and described, how the liveness phase undoes it, how swarm testing and the
 * fast-check arbitraries draw it, and whether real mode can apply it. Every
 * part is required: a kind that lacks one does not compile, and the scenario
 * schema's union of actions is built from the catalog, so no action can be
 * parsed that nothing applies.
 *
 * A kind whose action only ends another kind's episode (`heal`, `unclog`,
 * `restart`) says so in its `swarm` and `arbitrary` parts
 * (`{ drawnBy: "partition" }`) rather than leaving them out.
 */
import type fcDefault from "fast-check";
import type { Arbitrary } from "fast-check";
import type { z } from "zod";
import type { NodeId } from "../sim/node.js";
import type { Rng } from "../sim/rng.js";
import type { FaultModel } from "./fault-model.js";
import type { EventMatch } from "./triggers.js";
import type { World } from "./world.js";

/** What every action carries besides its own fields: when it fires (see `triggers.ts`). */
export interface TriggerFields {
  /** Fires at this virtual time, microseconds; with `view` or `when`, the time from which the trigger is armed. */
  readonly at: number;
  /** Fires when the first honest validator enters this view (or a later one), at or after `at`. */
  readonly view?: number;
  /** Fires when a node logs an event matching this, at or after `at`. */
  readonly when?: EventMatch;
  /** With `when`: fire at every match, not only the first. */
  readonly every?: boolean;
}

/** An action of some kind: its name and trigger. */
export interface ActionBase extends TriggerFields {
  readonly action: string;
}

/** A node of the scenario as plan checks and generators see it (no instance built). */
export interface NodePlan {
  readonly id: NodeId;
  readonly role: string;
  readonly system: string;
  /** `""` with one rollup, else the rollup's namespace (`r1`). */
  readonly instance: string;
  readonly crashable: boolean;
  readonly honest: boolean;
  /** The identity of a second instance (Twins), else undefined. */
  readonly instanceOf?: NodeId;
  /**
   * Whether it keeps checksummed durable state and handles a lost, torn or corrupt disk at boot, so storage
   * faults (`corrupt`, `torn-write`, `wipe`) may target it (validators always may; the SBCP nodes set it).
   */
  readonly checkedStorage?: boolean;
}

/** A group of nodes that needs a quorum to make progress (one rollup's validators): n = members, f faulty tolerated. */
export interface Quorum {
  /** The system instance (`""` or `r1`). */
  readonly instance: string;
  readonly members: readonly NodeId[];
  /** Faults tolerated: floor((n - 1) / 3) for HotStuff. */
  readonly f: number;
}

/** What a plan check and a generator know of the scenario. */
export interface PlanContext {
  /** Run length, microseconds. */
  readonly durationUs: number;
  /** Start of the liveness phase, if the scenario has one. */
  readonly livenessAtUs: number | undefined;
  readonly nodes: readonly NodePlan[];
  /** The plan of node `id`, or undefined. */
  node(id: NodeId): NodePlan | undefined;
  /** Node ids with `role`. */
  withRole(role: string): NodeId[];
  readonly quorums: readonly Quorum[];
  /** Symbolic targets resolved when the action fires (`leader`, `r1/leader`), each with its quorum. */
  readonly targets: ReadonlyMap<string, Quorum>;
  /** The error text for a node name that is not in the scenario. */
  unknownNode(name: string): string;
}

/** A typed key to a service a system offers the faults it registers (the L1 node, the leader resolver...). */
export interface ServiceKey<T> {
  readonly name: string;
  /** Phantom: never set; carries T. */
  readonly type?: T;
}

/** What applying an action may use. */
export interface ApplyContext {
  readonly world: World;
  /**
   * Resolves a node name or a symbolic target (`leader`, `next-leader`) to a node id: for view `view` when
   * given (the leader of that view), else now (the leader of the highest view a validator is in).
   */
  resolve(name: string, view?: number): NodeId;
  /** A service a system registered. @throws AssertionError when no system offers it */
  service<T>(key: ServiceKey<T>): T;
}

/**
 * How the liveness phase undoes a kind (see `World.beginLivenessPhase`): one
 * of the world's own steps, or `"system"` for a heal hook the kind's system
 * registers, or `"nothing"` for a kind with no lasting effect (an instant L1
 * reorg, a heal).
 */
export type HealStep = "storage-rates" | "network" | "clogs" | "restart" | "clocks" | "pauses" | "system" | "nothing";

/** One step of real mode's control channel (`runtime/testnet.ts`). */
export type RealStep =
  | { readonly op: "crash"; readonly node: NodeId }
  | { readonly op: "restart"; readonly node: NodeId }
  | { readonly op: "partition"; readonly groups: readonly (readonly NodeId[])[] }
  | { readonly op: "isolate"; readonly node: NodeId }
  | { readonly op: "heal" }
  | { readonly op: "pause"; readonly node: NodeId; readonly durationUs: number };

/** What a swarm draw may use besides its own random stream. */
export interface SwarmContext {
  readonly plan: PlanContext;
  /** Validators of the first quorum (swarm draws over one rollup). */
  readonly validators: readonly NodeId[];
  readonly f: number;
  /**
   * Scenario as raw file JSON (read-only: background settings to restore). A swarm-only kind sees it as patched
   * by the swarm-only kinds drawn before it (the byzantine validator a `twin` must count against f).
   */
  readonly base: Readonly<Record<string, unknown>>;
  /** A window [start, end] inside the fault window, at least 200 ms long when it fits (microseconds, whole ms). */
  window(rng: Rng, maxLengthUs: number): { startUs: number; endUs: number };
  /** Time by which every swarm fault has healed, microseconds. */
  readonly healedByUs: number;
  /** Whether `actions` added to the plan drawn so far keep it valid with at most f validators down at once. */
  fits(actions: readonly Record<string, unknown>[]): boolean;
  /** Fault actions drawn so far (raw form). */
  readonly drawn: readonly Record<string, unknown>[];
}

/** What one kind added to a swarm scenario. */
export interface SwarmDraw {
  /** Timed fault actions (raw file form) to append. */
  readonly actions: readonly Record<string, unknown>[];
  /** A few words for the scenario's description (`crash v2`). */
  readonly note: string;
}

/** What an episode generator knows (see `explore/arbitraries.ts`). */
export interface EpisodeContext {
  readonly validators: readonly NodeId[];
  /** Whether the L1 and posting nodes run. */
  readonly l1: boolean;
  /** Nodes besides validators that may be cut off or clogged (the L1, the poster, the operator when the L1 runs). */
  readonly otherNodes: readonly NodeId[];
  /** Nodes besides validators that may crash (the poster when the L1 runs). */
  readonly otherCrashable: readonly NodeId[];
  readonly maxFaultyValidators: number;
  readonly startUs: number;
  readonly healAtUs: number;
  readonly episodeUsMin: number;
  readonly episodeUsMax: number;
}

/**
 * One fault from its beginning to its end, before it becomes actions.
 * `startUs <= endUs`; `end` is empty when `endUs === startUs` (an instant fault).
 */
export interface EpisodeDraft {
  readonly startUs: number;
  readonly endUs: number;
  /** Resources held while it lasts: two episodes holding one never overlap (`network`, `crash:v1`, `clog:v1`, `l1-faults`). */
  readonly locks: readonly string[];
  readonly begin: readonly ActionBase[];
  readonly end: readonly ActionBase[];
}

/** Where a kind is drawn from when it has no draw of its own. */
export interface DrawnBy {
  /** The kind whose episodes produce this one's actions (`heal` is drawn by `partition`...). */
  readonly drawnBy: string;
}

/**
 * One fault kind. `A` is the parsed action (its own fields, `action`, and the trigger fields).
 * Source of the model: DESIGN.md, "Faults"; TigerBeetle's VOPR and FoundationDB's registered workloads for the shape.
 */
export interface FaultKind<A extends ActionBase = ActionBase> {
  /** The `action` value in scenario files. */
  readonly action: A["action"];
  /** One line for the README and `--help`. */
  readonly summary: string;
  /** zod schema of the action's own fields with `action` as a literal (the trigger fields are added by the catalog). */
  readonly schema: z.ZodObject;
  /**
   * Semantic checks of one action, in firing order, against the model of the plan so far (node names and roles,
   * "already crashed"). Called before {@link model}. `model` is undefined for an action fired by a view or an
   * event: its moment is unknown, so only what does not depend on the state is checked (the world skips it
   * if its precondition does not hold when it fires).
   * @throws InputError naming `field` (`faults[3].node`)
   */
  check(action: A, plan: PlanContext, model: FaultModel | undefined, field: string): void;
  /** The action's effect on the model of which nodes are down, cut off or clogged, and on the heal time. */
  model(action: A, model: FaultModel, plan: PlanContext): void;
  /** Applies the action to the running world (assert preconditions; they were checked). */
  apply(action: A, ctx: ApplyContext): void;
  /** One line describing the action as applied (`resolved` holds symbolic targets as resolved then). */
  describe(action: A, resolved: ReadonlyMap<string, NodeId>): string;
  /** How the liveness phase undoes it. */
  readonly heal: HealStep;
  /** Swarm testing: draws this kind's faults from its own stream, or says which kind draws it. */
  readonly swarm: ((ctx: SwarmContext, rng: Rng) => SwarmDraw | undefined) | DrawnBy;
  /** fast-check: an arbitrary of this kind's episodes (fast-check is handed in: it is an optional peer dependency). */
  readonly arbitrary: { readonly applies: (ctx: EpisodeContext) => boolean; readonly episode: (fc: FastCheck, ctx: EpisodeContext) => Arbitrary<EpisodeDraft> } | DrawnBy;
  /** Real mode: the control steps that apply it to processes, or why it cannot be applied there. */
  real(action: A): readonly RealStep[] | { readonly unsupported: string };
  /** Symbolic node names this action uses (resolved when it fires), e.g. `isolate` of `leader`. */
  symbolicTargets(action: A): readonly string[];
  /**
   * Optional, the one part a kind may leave out: what the world must do before the run for this action to
   * work when it fires (`redeliver` records delivered messages from time 0). Called once per action of the plan.
   */
  prepare?(action: A, world: World): void;
}

/** Declares a kind with its parsed action type checked against its parts (identity at run time). */
export function defineFaultKind<A extends ActionBase>(kind: FaultKind<A>): FaultKind<A> {
  return kind;
}

/**
 * A swarm-only kind: a background setting swarm testing may turn on (a drop
 * rate, a latency tail, one more byzantine validator), not a timed action.
 */
export interface BackgroundKind {
  readonly name: string;
  readonly summary: string;
  /** Edits the raw scenario (its own section only) and says what it did, or undefined when it cannot apply. */
  swarm(ctx: SwarmContext, rng: Rng): { readonly patch: (raw: Record<string, unknown>) => void; readonly note: string } | undefined;
}

/** The parsed action type of a kind (with its trigger fields). */
export type ActionOf<K> = K extends FaultKind<infer A> ? A & TriggerFields : never;

/** fast-check's default export, handed to the kinds' `arbitrary` parts (a type only: fast-check is an optional peer dependency). */
export type FastCheck = typeof fcDefault;

/**
 * The checker contract. Each checker guards one cluster-wide property
 * (DESIGN.md, "Invariants"), observing every node from outside through the
 * structured events nodes log, keeping its own history, and failing with a
 * named violation (TigerBeetle's `state_checker.zig` has the same shape).
 */
import type { NodeId } from "../sim/node.js";

/** One structured event logged by a node. */
export interface Observation {
  /** Virtual time, microseconds. */
  readonly timeUs: number;
  /** The node that logged it (`v0`, `l1`, `poster`, `sim` for the simulator itself; `<rollup>/v0` with several rollups). */
  readonly node: NodeId;
  /** The event name, declared in one system's event catalogue (`commit`, `l1-tx-landed`, `fault`...). */
  readonly event: string;
  /** The event's fields, as its catalogue declares them (times in microseconds, hashes in hex). */
  readonly fields: Readonly<Record<string, unknown>>;
}

/** A broken invariant. */
export interface Violation {
  /** Name of the invariant (the checker's name, or `node-error`). */
  readonly invariant: string;
  /** Virtual time at which it was detected, microseconds. */
  readonly atUs: number;
  /** What broke, for people (heights, hashes, nodes involved); replay compares it exactly. */
  readonly message: string;
  /** Machine-dependent detail (a stack trace); shown to people, never compared on replay. */
  readonly detail?: string;
}

/** Safety violations stop the run at once; liveness is judged at the end. */
export type InvariantKind = "safety" | "liveness";

/** Figures behind a checker's verdict (numbers, or null when not measured). */
export type Figures = Record<string, number | string | null>;

/** The verdict of one checker at the end of a run. */
export interface InvariantResult {
  /** The checker's name (`agreement`, `liveness`, `l1-consistency`...). */
  readonly name: string;
  readonly kind: InvariantKind;
  /** True when the invariant held (or was not applicable: see `skipped`). */
  readonly ok: boolean;
  /** Why the invariant could not be judged in this run, if so. */
  readonly skipped?: string;
  /** The figures behind the verdict (heights checked, gaps in microseconds...), by name. */
  readonly figures: Figures;
  /** The violation, when `ok` is false. */
  readonly violation?: Violation;
}

/** A checker. `observe` returns a violation the moment one is seen. */
export interface Checker {
  readonly name: string;
  readonly kind: InvariantKind;
  observe(observation: Observation): Violation | undefined;
  /** The verdict after the run ended at `endUs`. */
  finish(endUs: number): InvariantResult;
}

/**
 * The node ids a checker of honest validators judges: every instance of a
 * validator not declared byzantine. A byzantine validator and both instances
 * of a twin are not in it (as in the field, agreement, root agreement,
 * validity and the rest hold among honest nodes only; see
 * `systems/validators/byzantine-plan.ts`). Checkers take it from whoever
 * assembles the run and never tell roles apart by node names.
 */
export type HonestValidators = ReadonlySet<NodeId>;

/** The verdict of a safety checker: ok unless it saw `violation`. */
export function safetyVerdict(name: string, figures: Figures, violation: Violation | undefined): InvariantResult {
  return { name, kind: "safety", ok: violation === undefined, figures, ...(violation ? { violation } : {}) };
}

/**
 * The system contract: how a protocol plugs into the world (DESIGN.md, "The
 * framework"), in the way madsim's `Runtime::add_simulator` and
 * FoundationDB's registered workloads take new parts. A system brings its
 * nodes (as {@link NodeSpec}s), its checkers, its metrics and summary lines,
 * its fault kinds, its operations and its heal step; the world hosts them and
 * never names it. A registry (`registry.ts`) lists the systems a run has, one
 * line each.
 *
 * Life of a run: `plan` (pure: which nodes exist, which quorums and symbolic
 * targets; used by checks and generators without building anything), `check`
 * (semantic checks of its sections), `build` (adds its nodes, listeners and
 * heal hooks to the world, returns its instances), then, after the fault plan
 * is armed, `arm` (its own timed operations).
 */
import type { z } from "zod";
import type { Checker, InvariantResult, Observation } from "../check/checker.js";
import type { NodeId } from "../sim/node.js";
import type { SharingOptions } from "../sim/run-memo.js";
import type { ActionBase, ApplyContext, BackgroundKind, FaultKind, NodePlan, PlanContext, Quorum, ServiceKey } from "./fault-kind.js";
import type { FaultModel } from "./fault-model.js";
import type { ViewSignal } from "./triggers.js";
import type { World } from "./world.js";

/** What a system's `plan` returns: its nodes, the quorums among them and the symbolic targets it resolves. */
export interface SystemPlan {
  readonly nodes: readonly NodePlan[];
  readonly quorums: readonly Quorum[];
  /** Symbolic node names faults may use (`leader`), each with the quorum it belongs to. */
  readonly targets: readonly (readonly [string, Quorum])[];
}

/** What `build` and `arm` may use. `S` is the parsed scenario. */
export interface BuildContext<S> {
  readonly world: World;
  readonly scenario: S;
  readonly plan: PlanContext;
  /**
   * What the caller gives the run: files it read (the simulator never reads files: the L1 program's ELF), and
   * whether nodes check their own invariants after every change (`checkInvariants`: slower, for tests and hunts),
   * and how the run shares pure work between its simulated nodes (`sharing`, `sim/run-memo.ts`; default shared).
   */
  readonly environment: { readonly programElf?: Uint8Array; readonly checkInvariants?: boolean; readonly sharing?: SharingOptions };
  /** Offers a service to other systems and to fault kinds (one provider per key). */
  provide<T>(key: ServiceKey<T>, value: T): void;
  /** A service another system offers. @throws AssertionError when none does */
  service<T>(key: ServiceKey<T>): T;
  /** Whether some system offers `key`. */
  offers(key: ServiceKey<unknown>): boolean;
  /** Arms an action's trigger (time, view or event; see `triggers.ts`): `fire` runs when it fires. */
  trigger(action: ActionBase, fire: () => void): void;
  /** What applying a fault action may use (symbolic targets, services). */
  readonly apply: ApplyContext;
  /**
   * Registers a symbolic node name faults may use (`leader`, `next-leader`), resolved when an action fires:
   * `resolve(view)` for a view-keyed action (the target of that view), `resolve()` for the target now.
   */
  addTarget(name: string, resolve: (view?: number) => NodeId): void;
  /** The model of the fault plan at its end (who stays down, whether a cut is left, the heal time). */
  readonly endOfPlan: FaultModel;
}

/** One instance of a system in a run (one rollup's validators, the L1...). */
export interface SystemInstance {
  /** The system's name. */
  readonly system: string;
  /** `""` for a single instance, else its namespace (`r1`). */
  readonly instance: string;
  /** Its checkers, in report order. */
  readonly checkers: readonly Checker[];
  /** Whether its checkers see an observation (with several instances, those of its own nodes and the world's). */
  sees(o: Observation): boolean;
  /** Its figures for the report, merged into `metrics` (or into `metrics.rollups[i]` with several rollups). */
  metrics(endUs: number): Record<string, unknown>;
}

/**
 * A system. `S` is the parsed scenario type it reads (the built-in systems
 * read the built-in `Scenario`; an added system reads its own section
 * through {@link System.section}).
 */
export interface System<S = unknown> {
  /** Unique name (`validators`, `l1`, `posting`). */
  readonly name: string;
  /**
   * A top-level scenario section of its own, for a system added through the registry (built-ins compose theirs in
   * `systems/scenario-shape.ts`). `standalone`: a scenario with this section needs no `validators` section (the
   * system runs without a validator cluster; see the `"none"` layout of `systems/scenario-shape.ts`).
   */
  readonly section?: { readonly key: string; readonly schema: z.ZodType; readonly standalone?: boolean };
  /** Fault kinds it adds to the catalog. */
  readonly faultKinds: readonly FaultKind<ActionBase>[];
  /** Swarm-only kinds it adds (background settings of its own sections). */
  readonly backgroundKinds: readonly BackgroundKind[];
  /** How its nodes announce the view they entered (for `"at": { "view": N }` triggers), if they have views. */
  readonly viewSignal?: ViewSignal;
  /** Its nodes, quorums and symbolic targets (pure: nothing is built). */
  plan(scenario: S): SystemPlan;
  /** Semantic checks of its sections. @throws InputError naming the field */
  check(scenario: S, plan: PlanContext): void;
  /** Adds its nodes, listeners and heal hooks to the world; returns its instances (none when the scenario does not run it). */
  build(ctx: BuildContext<S>): readonly SystemInstance[];
  /** Arms its own operations, after the fault plan is armed. */
  arm(ctx: BuildContext<S>): void;
  /**
   * Summary lines for people from one instance's figures (`metrics` as the report holds them for one rollup)
   * and the verdicts of the invariants (names without the rollup's prefix).
   */
  summary(metrics: Readonly<Record<string, unknown>>, invariants: readonly InvariantResult[]): string[];
}

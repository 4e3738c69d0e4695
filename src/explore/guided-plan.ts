/**
 * The input guided exploration mutates: a fault plan over a base scenario,
 * kept as groups (what one swarm kind drew: a crash and its restart, two
 * partitions and their heals, a byzantine validator, a drop rate...) plus
 * the seed of the run. A group is the unit that is added, removed, shifted,
 * retargeted or spliced, so a mutation never separates a crash from its
 * restart or a partition from its heal unless it means to (moving one action).
 *
 * Validity is the swarm's (`swarm.ts`): every kind's plan check in firing
 * order, at most f validators down at once (the one fault model), added
 * faults inside the fault window and healed by 70% of the run, at most f
 * byzantine validators in all (unless the scenario's own entries already
 * exceed it, then none is added), no byzantine validator named by a fault
 * action; and finally the whole scenario must parse. {@link repairPlan} keeps
 * the groups that fit, in order, and refuses the plan when the result does
 * not parse: an invalid plan is never run.
 *
 * Pure: no IO, no clock, no randomness.
 */
import { InputError } from "../config/errors.js";
import type { PlanContext } from "../harness/fault-kind.js";
import type { SystemRegistry } from "../harness/registry.js";
import { parseScenario, planOf } from "../scenario/load.js";
import type { Scenario } from "../scenario/schema.js";
import { scenarioToJson } from "../scenario/to-json.js";
import { BUILTIN_SYSTEMS } from "../systems/index.js";
import { planFits, swarmWindow, type SwarmGroup } from "./swarm.js";

/** Most plan contexts with added byzantine entries memoised per space. */
const PLANS_WITH_BYZANTINE_MAX = 1024;

/** The kind name of the group holding the base scenario's own fault actions. */
export const SCENARIO_GROUP = "scenario";

/** One group of a plan: a kind's additions (see {@link SwarmGroup}); `scenario` for the base plan's own actions. */
export type FaultGroup = SwarmGroup;

/** A candidate input: the run's seed and the fault plan as groups. Plain data (JSON-safe). */
export interface GuidedPlan {
  readonly seed: number;
  readonly groups: readonly FaultGroup[];
}

/** What plans are built over: the base scenario and its fault window. */
export interface PlanSpace {
  readonly base: Scenario;
  /** The base scenario in file form, every default written out. */
  readonly baseRaw: Readonly<Record<string, unknown>>;
  readonly registry: SystemRegistry<Scenario>;
  readonly plan: PlanContext;
  /** Validators of the first rollup, and its f. */
  readonly validators: readonly string[];
  readonly f: number;
  /** Added faults start at or after this, microseconds. */
  readonly windowStartUs: number;
  /** Added faults start before this, microseconds (drawn windows; moved actions may go up to `healedByUs`). */
  readonly windowEndUs: number;
  /** Added faults are over by this, microseconds. */
  readonly healedByUs: number;
  /** Latest time an action of the base scenario's own plan may move to (its liveness phase or its end), microseconds. */
  readonly scenarioLimitUs: number;
  /** The base scenario's own byzantine validators. */
  readonly baseByzantine: ReadonlySet<string>;
  /** Plan contexts of the base with added byzantine entries (twins add nodes), by the entries' JSON. */
  readonly plansWithByzantine: Map<string, PlanContext | string>;
}

/** The space of plans over `base` (validated). */
export function planSpace(base: Scenario, registry: SystemRegistry<Scenario> = BUILTIN_SYSTEMS): PlanSpace {
  const plan = planOf(base, registry);
  const quorum = plan.quorums[0];
  const baseRaw = scenarioToJson(base);
  return {
    base,
    baseRaw,
    registry,
    plan,
    validators: quorum?.members ?? [],
    f: quorum?.f ?? 0,
    ...swarmWindow(base),
    scenarioLimitUs: Math.min(base.duration, base.phases.livenessAt ?? base.duration),
    baseByzantine: new Set(((baseRaw.byzantine as { node: string }[] | undefined) ?? []).map((b) => b.node)),
    plansWithByzantine: new Map(),
  };
}

/** The base scenario's own plan at `seed`: one `scenario` group with its fault actions (none when it has none). */
export function scenarioPlan(space: PlanSpace, seed: number): GuidedPlan {
  const actions = space.baseRaw.faults as Record<string, unknown>[];
  return { seed, groups: actions.length === 0 ? [] : [{ kind: SCENARIO_GROUP, note: "the scenario's plan", actions, byzantine: [], network: {} }] };
}

/**
 * The scenario a plan runs, in file form: the base with the seed, the
 * groups' actions (group order, then their own), the base's byzantine entries
 * then the groups', its network settings overridden by the groups' in order.
 * @param note appended to the description (`[guided run 12: ...]`)
 */
export function composeScenario(space: PlanSpace, plan: GuidedPlan, note?: string): Record<string, unknown> {
  const base = space.baseRaw;
  const network: Record<string, unknown> = { ...(base.network as Record<string, unknown>) };
  for (const g of plan.groups) Object.assign(network, g.network);
  const byzantine = [...((base.byzantine as Record<string, unknown>[] | undefined) ?? []), ...plan.groups.flatMap((g) => g.byzantine)];
  const raw: Record<string, unknown> = {
    ...base,
    seed: plan.seed,
    network,
    faults: plan.groups.flatMap((g) => g.actions),
  };
  if (byzantine.length > 0 || base.byzantine !== undefined) raw.byzantine = byzantine;
  if (note !== undefined) raw.description = base.description === undefined ? note : `${String(base.description)} [${note}]`;
  return raw;
}

/** Whether an action fires at a time (not on a view or an event). */
function isTimed(action: Readonly<Record<string, unknown>>): boolean {
  return action.view === undefined && action.when === undefined;
}

/** Why adding `group` to the groups kept so far breaks the plan's rules (before parsing), or undefined when it fits. */
function groupMisfit(space: PlanSpace, kept: readonly FaultGroup[], group: FaultGroup): string | undefined {
  if (group.kind !== SCENARIO_GROUP) {
    for (const a of group.actions) {
      const at = a.at as number;
      if (!isTimed(a)) return `${group.kind}: an added action must fire at a time`;
      if (!Number.isInteger(at) || at < space.windowStartUs || at > space.healedByUs) return `${group.kind}: ${a.action} at ${at}us is outside the fault window [${space.windowStartUs}, ${space.healedByUs}]us`;
    }
  } else {
    for (const a of group.actions) {
      const at = a.at as number;
      if (!Number.isInteger(at) || at < 0 || at > space.scenarioLimitUs) return `scenario: ${a.action} at ${at}us is outside [0, ${space.scenarioLimitUs}]us`;
    }
  }
  const groups = [...kept, group];
  // The byzantine entries first: the plan context is built from them (two twins of one node have no context).
  const added = groups.flatMap((g) => g.byzantine.map((b) => String(b.node)));
  const distinct = new Set(added);
  if (distinct.size !== added.length || added.some((n) => space.baseByzantine.has(n))) return `${group.kind}: a validator made byzantine twice`;
  if (distinct.size > 0 && space.baseByzantine.size + distinct.size > space.f) return `${group.kind}: more than f = ${space.f} byzantine validators`;
  for (const g of groups) {
    const own = new Set(g.byzantine.map((b) => String(b.node)));
    for (const other of groups) {
      if (other === g) continue;
      for (const a of other.actions) if (own.has(a.node as string) || own.has(a.to as string)) return `${g.kind}: byzantine ${String(a.node ?? a.to)} is named by a fault action`;
    }
  }
  const plan = planWith(space, groups);
  if (typeof plan === "string") return `${group.kind}: ${plan}`;
  if (!planFits(space.registry, plan, groups.flatMap((g) => g.actions))) return `${group.kind}: a kind's plan check fails, or more than f validators are down at once`;
  return undefined;
}

/**
 * The plan context of the base with the groups' byzantine entries (a twin is
 * a node of its own, which the groups' partitions name), or why the entries
 * do not parse.
 */
function planWith(space: PlanSpace, groups: readonly FaultGroup[]): PlanContext | string {
  const added = groups.flatMap((g) => g.byzantine);
  if (added.length === 0) return space.plan;
  const key = JSON.stringify(added);
  let plan = space.plansWithByzantine.get(key);
  if (plan === undefined) {
    const raw = { ...composeScenario(space, { seed: space.base.seed, groups: groups.map((g) => ({ ...g, actions: [] })) }), faults: [] };
    try {
      plan = planOf(parseScenario(raw, { registry: space.registry }), space.registry);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      plan = error.message;
    }
    // A bounded memo: byzantine additions are few, but a long exploration must not grow it without end.
    if (space.plansWithByzantine.size >= PLANS_WITH_BYZANTINE_MAX) space.plansWithByzantine.clear();
    space.plansWithByzantine.set(key, plan);
  }
  return plan;
}

/** The outcome of {@link repairPlan}: the plan kept (groups that did not fit dropped) and its scenario, or why none. */
export type Repaired =
  | { readonly ok: true; readonly plan: GuidedPlan; readonly raw: Record<string, unknown>; readonly scenario: Scenario; readonly dropped: number; readonly why: readonly string[] }
  | { readonly ok: false; readonly reason: string };

/**
 * Keeps the groups of `plan` that fit, in order (a group that breaks a rule
 * with the ones kept before it is dropped, as the fast-check arbitraries'
 * repair drops an over-budget episode), then parses the scenario.
 * @returns the repaired plan and its parsed scenario (with how many groups
 *   were dropped and why), or `ok: false` when the scenario does not parse (the plan must not run)
 */
export function repairPlan(space: PlanSpace, plan: GuidedPlan, note?: string): Repaired {
  const kept: FaultGroup[] = [];
  const why: string[] = [];
  for (const group of plan.groups) {
    const misfit = groupMisfit(space, kept, group);
    if (misfit === undefined) kept.push(group);
    else why.push(misfit);
  }
  const dropped = why.length;
  const repaired: GuidedPlan = { seed: plan.seed, groups: kept };
  const raw = composeScenario(space, repaired, note);
  try {
    return { ok: true, plan: repaired, raw, scenario: parseScenario(raw, { registry: space.registry }), dropped, why };
  } catch (error) {
    if (error instanceof InputError) return { ok: false, reason: error.message };
    throw error;
  }
}

/**
 * Whether `plan` keeps every rule as it is (no group dropped, the scenario parses).
 * Used by tests and asserted on every candidate before it runs.
 */
export function planIsValid(space: PlanSpace, plan: GuidedPlan): boolean {
  const repaired = repairPlan(space, plan);
  return repaired.ok && repaired.dropped === 0;
}

/** A short description of a plan's groups (`scenario, crash x1, drop 0.01`). */
export function describePlan(plan: GuidedPlan): string {
  return plan.groups.length === 0 ? "no faults" : plan.groups.map((g) => g.note).join(", ");
}

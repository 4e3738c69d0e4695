/**
 * Mutation operators of guided exploration, in the manner of AFL's havoc
 * stage (a few random operators stacked on one input) over fault plans
 * instead of bytes. Each operator takes a {@link GuidedPlan} and returns a
 * changed one, or undefined when it does not apply (no group to remove...);
 * the caller repairs the result (`repairPlan`) and discards it if it is still
 * invalid, so an operator may produce an invalid plan but none ever runs.
 *
 * - `add`: one more group, drawn by a swarm kind (timed or swarm-only) with
 *   the swarm context of the plan so far (its `fits` check included);
 * - `remove`: drop a group;
 * - `shift`: move a whole group in time (its byzantine window with it);
 * - `move`: move one action (a crash's restart later, a heal earlier);
 * - `retarget`: swap two validators in one group (a crash of v1 and its
 *   restart become a crash of v2 and its restart; twin names follow);
 * - `intensity`: scale one number of a group (a drop rate, a pause's length,
 *   a byzantine rate, a redelivery count) by 0.5x to 2x;
 * - `splice`: the groups of this plan that start before a cut time, with
 *   another corpus plan's groups that start after it;
 * - `reseed`: the same plan under another seed (other delays, drops, draws of the nodes).
 *
 * Pure: randomness only from the {@link Rng} handed in.
 */
import type { Rng } from "../sim/rng.js";
import { twinName } from "../systems/validators/names.js";
import { SCENARIO_GROUP, composeScenario, type FaultGroup, type GuidedPlan, type PlanSpace } from "./guided-plan.js";
import { swarmContext } from "./swarm.js";

/** The mutation operators, by name. */
export const MUTATION_OPERATORS = ["add", "remove", "shift", "move", "retarget", "intensity", "splice", "reseed"] as const;
export type MutationOperator = (typeof MUTATION_OPERATORS)[number];

/** Largest time shift of `shift` and `move`, microseconds. */
const SHIFT_US_MAX = 1_000_000;

/** The largest seed a mutation draws (seeds are non-negative safe integers; 2^31 keeps them short). */
const SEED_MAX = 2 ** 31;

/** A mutated plan and what was done to it. */
export interface Mutation {
  readonly plan: GuidedPlan;
  /** One word per operator applied (`shift crash`, `add pause`). */
  readonly steps: readonly string[];
}

/**
 * Applies one operator.
 * @param other another corpus plan, for `splice` (the operator does not apply without one)
 * @returns the changed plan and a few words, or undefined when the operator does not apply to this plan
 */
export function applyOperator(space: PlanSpace, operator: MutationOperator, plan: GuidedPlan, rng: Rng, other?: GuidedPlan): { plan: GuidedPlan; step: string } | undefined {
  switch (operator) {
    case "add":
      return addGroup(space, plan, rng);
    case "remove": {
      if (plan.groups.length === 0) return undefined;
      const i = rng.int(plan.groups.length);
      return { plan: { seed: plan.seed, groups: plan.groups.filter((_, k) => k !== i) }, step: `remove ${plan.groups[i]!.kind}` };
    }
    case "shift":
      return shiftGroup(space, plan, rng);
    case "move":
      return moveAction(space, plan, rng);
    case "retarget":
      return retarget(space, plan, rng);
    case "intensity":
      return intensity(plan, rng);
    case "splice":
      return other === undefined ? undefined : splice(plan, other, rng);
    case "reseed":
      return { plan: { seed: rng.int(SEED_MAX), groups: plan.groups }, step: "reseed" };
  }
}

/**
 * Stacks one to three operators on `plan` (each drawn uniformly among those
 * that apply); the result is not repaired yet.
 * @returns undefined when no operator applied
 */
export function mutatePlan(space: PlanSpace, plan: GuidedPlan, rng: Rng, other?: GuidedPlan): Mutation | undefined {
  const count = 1 + rng.int(3);
  let current = plan;
  const steps: string[] = [];
  for (let i = 0; i < count; i++) {
    for (let attempt = 0; attempt < 4; attempt++) {
      const operator = MUTATION_OPERATORS[rng.int(MUTATION_OPERATORS.length)]!;
      const result = applyOperator(space, operator, current, rng, other);
      if (result === undefined) continue;
      current = result.plan;
      steps.push(result.step);
      break;
    }
  }
  return steps.length === 0 ? undefined : { plan: current, steps };
}

/** The kinds `add` draws from: every catalog kind with a swarm draw, then the swarm-only kinds. */
function addableKinds(space: PlanSpace): string[] {
  return [...space.registry.catalog.kinds.filter((k) => typeof k.swarm === "function").map((k) => k.action), ...space.registry.backgroundKinds.map((k) => k.name)];
}

function addGroup(space: PlanSpace, plan: GuidedPlan, rng: Rng): { plan: GuidedPlan; step: string } | undefined {
  const kinds = addableKinds(space);
  if (kinds.length === 0) return undefined;
  const name = kinds[rng.int(kinds.length)]!;
  const raw = composeScenario(space, plan);
  const faults = raw.faults as Record<string, unknown>[];
  const ctx = swarmContext(space.base, raw, faults, space.registry);
  const timed = space.registry.catalog.kinds.find((k) => k.action === name);
  if (timed !== undefined && typeof timed.swarm === "function") {
    const draw = timed.swarm(ctx, rng);
    if (draw === undefined || draw.actions.length === 0) return undefined;
    return { plan: { seed: plan.seed, groups: [...plan.groups, { kind: name, note: draw.note, actions: [...draw.actions], byzantine: [], network: {} }] }, step: `add ${name}` };
  }
  const background = space.registry.backgroundKinds.find((k) => k.name === name);
  if (background === undefined) return undefined;
  const draw = background.swarm({ ...ctx, base: raw, drawn: faults }, rng);
  if (draw === undefined) return undefined;
  const scratch: Record<string, unknown> = { network: { ...(raw.network as Record<string, unknown>) }, byzantine: [...((raw.byzantine as unknown[] | undefined) ?? [])], faults: [...faults] };
  const before = { network: { ...(scratch.network as Record<string, unknown>) }, byzantine: (scratch.byzantine as unknown[]).length, faults: faults.length };
  draw.patch(scratch);
  const network: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(scratch.network as Record<string, unknown>)) if (JSON.stringify(value) !== JSON.stringify(before.network[key])) network[key] = value;
  const group: FaultGroup = {
    kind: name,
    note: draw.note,
    actions: (scratch.faults as Record<string, unknown>[]).slice(before.faults),
    byzantine: (scratch.byzantine as Record<string, unknown>[]).slice(before.byzantine),
    network,
  };
  return { plan: { seed: plan.seed, groups: [...plan.groups, group] }, step: `add ${name}` };
}

/** Index of a random group with at least one timed action, or undefined. */
function pickTimedGroup(plan: GuidedPlan, rng: Rng): number | undefined {
  const candidates = plan.groups.flatMap((g, i) => (g.actions.some((a) => typeof a.at === "number") ? [i] : []));
  return candidates.length === 0 ? undefined : candidates[rng.int(candidates.length)]!;
}

/** The range of times actions of `group` may take. */
function timeRange(space: PlanSpace, group: FaultGroup): { minUs: number; maxUs: number } {
  return group.kind === SCENARIO_GROUP ? { minUs: 0, maxUs: space.scenarioLimitUs } : { minUs: space.windowStartUs, maxUs: space.healedByUs };
}

/** A nonzero shift in whole milliseconds within [-SHIFT_US_MAX, SHIFT_US_MAX], cut to [low, high] (undefined when that leaves only 0). */
function drawShift(rng: Rng, lowUs: number, highUs: number): number | undefined {
  const magnitude = 1000 * (1 + rng.int(SHIFT_US_MAX / 1000));
  const delta = Math.max(lowUs, Math.min(highUs, rng.chance(0.5) ? magnitude : -magnitude));
  const rounded = Math.trunc(delta / 1000) * 1000;
  return rounded === 0 ? undefined : rounded;
}

function withGroup(plan: GuidedPlan, index: number, group: FaultGroup): GuidedPlan {
  return { seed: plan.seed, groups: plan.groups.map((g, k) => (k === index ? group : g)) };
}

function shiftGroup(space: PlanSpace, plan: GuidedPlan, rng: Rng): { plan: GuidedPlan; step: string } | undefined {
  const index = pickTimedGroup(plan, rng);
  if (index === undefined) return undefined;
  const group = plan.groups[index]!;
  const times = group.actions.map((a) => a.at as number);
  const range = timeRange(space, group);
  const delta = drawShift(rng, range.minUs - Math.min(...times), range.maxUs - Math.max(...times));
  if (delta === undefined) return undefined;
  const shiftTime = (t: unknown): unknown => (typeof t === "number" ? Math.max(range.minUs, Math.min(range.maxUs, t + delta)) : t);
  const shifted: FaultGroup = {
    ...group,
    actions: group.actions.map((a) => ({ ...a, at: (a.at as number) + delta })),
    byzantine: group.byzantine.map((b) => ({ ...b, ...(b.from !== undefined ? { from: shiftTime(b.from) } : {}), ...(b.until !== undefined ? { until: shiftTime(b.until) } : {}) })),
  };
  return { plan: withGroup(plan, index, shifted), step: `shift ${group.kind} ${delta / 1000}ms` };
}

function moveAction(space: PlanSpace, plan: GuidedPlan, rng: Rng): { plan: GuidedPlan; step: string } | undefined {
  const index = pickTimedGroup(plan, rng);
  if (index === undefined) return undefined;
  const group = plan.groups[index]!;
  const i = rng.int(group.actions.length);
  const action = group.actions[i]!;
  const range = timeRange(space, group);
  const at = action.at as number;
  const delta = drawShift(rng, range.minUs - at, range.maxUs - at);
  if (delta === undefined) return undefined;
  const moved: FaultGroup = { ...group, actions: group.actions.map((a, k) => (k === i ? { ...a, at: at + delta } : a)) };
  return { plan: withGroup(plan, index, moved), step: `move ${String(action.action)} ${delta / 1000}ms` };
}

/** Swaps two validator names (and their twins' names) everywhere in a JSON value. */
function swapNames(value: unknown, a: string, b: string): unknown {
  if (typeof value === "string") {
    if (value === a) return b;
    if (value === b) return a;
    if (value === twinName(a)) return twinName(b);
    if (value === twinName(b)) return twinName(a);
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => swapNames(v, a, b));
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swapNames(v, a, b)]));
  return value;
}

function retarget(space: PlanSpace, plan: GuidedPlan, rng: Rng): { plan: GuidedPlan; step: string } | undefined {
  if (plan.groups.length === 0 || space.validators.length < 2) return undefined;
  const index = rng.int(plan.groups.length);
  const group = plan.groups[index]!;
  const a = space.validators[rng.int(space.validators.length)]!;
  const others = space.validators.filter((v) => v !== a);
  const b = others[rng.int(others.length)]!;
  const swapped: FaultGroup = { ...group, actions: swapNames(group.actions, a, b) as Record<string, unknown>[], byzantine: swapNames(group.byzantine, a, b) as Record<string, unknown>[] };
  if (JSON.stringify(swapped) === JSON.stringify(group)) return undefined;
  return { plan: withGroup(plan, index, swapped), step: `retarget ${group.kind} ${a}<->${b}` };
}

/** Fields a plan's numbers may be scaled in (times and trigger fields are moved by `shift`/`move`, not scaled). */
const FIXED_FIELDS: ReadonlySet<string> = new Set(["at", "view", "from", "until", "every", "min"]);

/** Paths of the scalable numbers of a group: network rates and latencies, byzantine rates, action parameters. */
function numberPaths(group: FaultGroup): { where: "network" | "byzantine" | "actions"; index: number; path: string[] }[] {
  const out: { where: "network" | "byzantine" | "actions"; index: number; path: string[] }[] = [];
  const walk = (value: unknown, path: string[], push: (p: string[]) => void): void => {
    if (typeof value === "number" && !FIXED_FIELDS.has(path.at(-1) ?? "")) push(path);
    else if (value !== null && typeof value === "object" && !Array.isArray(value)) for (const [k, v] of Object.entries(value)) walk(v, [...path, k], push);
  };
  walk(group.network, [], (path) => out.push({ where: "network", index: 0, path }));
  group.byzantine.forEach((b, index) => walk(b, [], (path) => out.push({ where: "byzantine", index, path })));
  group.actions.forEach((a, index) => walk(a, [], (path) => out.push({ where: "actions", index, path })));
  return out;
}

function setPath(value: Record<string, unknown>, path: readonly string[], next: number): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined) return value;
  return { ...value, [head]: rest.length === 0 ? next : setPath(value[head] as Record<string, unknown>, rest, next) };
}

function getPath(value: Record<string, unknown>, path: readonly string[]): number {
  let cursor: unknown = value;
  for (const key of path) cursor = (cursor as Record<string, unknown>)[key];
  return cursor as number;
}

function intensity(plan: GuidedPlan, rng: Rng): { plan: GuidedPlan; step: string } | undefined {
  const candidates = plan.groups.flatMap((g, i) => (numberPaths(g).length > 0 ? [i] : []));
  if (candidates.length === 0) return undefined;
  const index = candidates[rng.int(candidates.length)]!;
  const group = plan.groups[index]!;
  const paths = numberPaths(group);
  const target = paths[rng.int(paths.length)]!;
  const factor = 0.5 + rng.next() * 1.5;
  const scale = (old: number): number => {
    // Rates stay rates (4 decimals, at most 1), integers stay integers (microseconds in whole milliseconds when they were).
    if (!Number.isInteger(old)) return Math.min(1, Math.round(old * factor * 10_000) / 10_000);
    if (old >= 1000 && old % 1000 === 0) return Math.max(1000, Math.round((old * factor) / 1000) * 1000);
    return Math.max(1, Math.round(old * factor));
  };
  let changed: FaultGroup;
  if (target.where === "network") changed = { ...group, network: setPath({ ...group.network }, target.path, scale(getPath({ ...group.network }, target.path))) };
  else if (target.where === "byzantine") changed = { ...group, byzantine: group.byzantine.map((b, k) => (k === target.index ? setPath({ ...b }, target.path, scale(getPath({ ...b }, target.path))) : b)) };
  else changed = { ...group, actions: group.actions.map((a, k) => (k === target.index ? setPath({ ...a }, target.path, scale(getPath({ ...a }, target.path))) : a)) };
  if (JSON.stringify(changed) === JSON.stringify(group)) return undefined;
  return { plan: withGroup(plan, index, changed), step: `intensity ${group.kind} ${target.path.join(".")} x${factor.toFixed(2)}` };
}

/** When a group begins: its earliest timed action, else 0 (background settings). */
function groupStartUs(group: FaultGroup): number {
  const times = group.actions.flatMap((a) => (typeof a.at === "number" ? [a.at] : []));
  return times.length === 0 ? 0 : Math.min(...times);
}

function splice(plan: GuidedPlan, other: GuidedPlan, rng: Rng): { plan: GuidedPlan; step: string } | undefined {
  const starts = [...plan.groups, ...other.groups].map(groupStartUs);
  if (starts.length === 0) return undefined;
  const cutUs = starts[rng.int(starts.length)]!;
  // Background groups (no timed action) come from either side by a coin; the base scenario's own group stays this plan's.
  const fromThis = plan.groups.filter((g) => g.kind === SCENARIO_GROUP || (g.actions.length > 0 ? groupStartUs(g) < cutUs : rng.chance(0.5)));
  const fromOther = other.groups.filter((g) => g.kind !== SCENARIO_GROUP && (g.actions.length > 0 ? groupStartUs(g) >= cutUs : rng.chance(0.5)));
  const groups = [...fromThis, ...fromOther];
  if (JSON.stringify(groups) === JSON.stringify(plan.groups)) return undefined;
  return { plan: { seed: plan.seed, groups }, step: `splice at ${cutUs / 1000}ms` };
}

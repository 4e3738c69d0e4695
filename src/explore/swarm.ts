/**
 * Swarm testing (Groce et al., "Swarm Testing", ISSTA 2012; TigerBeetle's
 * VOPR): each explored seed turns on a random subset of fault kinds, each at
 * a random intensity, all drawn from the seed. Some seeds then run with many
 * drops and no crashes, others with crashes and no drops, which reaches states
 * a fixed mix of every fault at once tends to miss.
 *
 * The kinds are the registry's fault catalog (each kind's `swarm` part, in
 * catalog order), then its swarm-only kinds (drop, duplicate, latency tail,
 * one more byzantine validator). Each kind draws its on/off coin and its
 * faults from a random stream of its own, `swarm/<kind>` of the seed, so
 * adding a kind never changes what the other kinds draw for a seed.
 *
 * The additions are written into the scenario itself (network rates and
 * latency, timed fault actions appended to `faults`, byzantine entries, a
 * note in `description`), so the derived scenario alone reproduces the run:
 * a seed file keeps it whole.
 *
 * Every timed fault starts in the fault window (10% to 60% of the duration,
 * or of the time before `phases.livenessAt` when the scenario has a liveness
 * phase) and is healed by 70% of it, leaving the rest of the run as the
 * healed liveness phase. At no time are more than f validators of the first
 * rollup down (crashed, torn or wiped, until the restart), counting the
 * scenario's own faults: the fault model (`harness/fault-model.ts`) judges it.
 * Swarm draws over the first rollup's validators. A scenario without
 * validators (the `"none"` layout: an SBCP scenario) draws none of the
 * catalog's validator faults; its systems' swarm-only kinds draw over their
 * own nodes (`systems/sbcp/swarm.ts`: SP and sequencer crashes, message-type
 * losses, sequencer disk faults), and the network's background kinds apply.
 */
import { InputError } from "../config/errors.js";
import { firingOrder } from "../harness/catalog.js";
import type { SwarmContext } from "../harness/fault-kind.js";
import { FaultModel } from "../harness/fault-model.js";
import type { SystemRegistry } from "../harness/registry.js";
import { createRng } from "../sim/rng.js";
import { BUILTIN_SYSTEMS } from "../systems/index.js";
import { parseScenario, planOf } from "../scenario/load.js";
import type { Scenario } from "../scenario/schema.js";
import { scenarioToJson } from "../scenario/to-json.js";

/** What swarm testing chose for one seed (also written, as one line, into the scenario's description). */
export interface SwarmChoice {
  /** The seed the choice was drawn from. */
  seed: number;
  /** Kinds turned on that added something, in catalog order. */
  kinds: string[];
  /** What each of them added, in the same order (`crash x1`, `drop 0.0123`). */
  notes: string[];
  /** Timed fault actions appended to the scenario's `faults`. */
  faultsAdded: number;
}

/** Fault window as fractions of the duration: faults start in [START, END) and are all healed by HEALED. */
const WINDOW_START = 0.1;
const WINDOW_END = 0.6;
const WINDOW_HEALED = 0.7;

/** The name of every kind swarm can turn on with the registry, in drawing order. */
export function swarmKindNames(registry: SystemRegistry<Scenario> = BUILTIN_SYSTEMS): string[] {
  return [...registry.catalog.kinds.filter((k) => typeof k.swarm === "function").map((k) => k.action), ...registry.backgroundKinds.map((k) => k.name)];
}

/**
 * Derives the swarm scenario of `seed` from `base` (whose own seed is
 * replaced by `seed`).
 * @param base a validated scenario
 * @param seed the seed of the run; each kind draws from its own `swarm/<kind>` stream, which no node uses
 * @returns the derived scenario in file format (every default written out,
 *   durations in microseconds) and the choice made
 * @throws Error if the derived scenario does not validate (a bug in a kind's draw, never bad input)
 */
export function swarmScenario(base: Scenario, seed: number, registry: SystemRegistry<Scenario> = BUILTIN_SYSTEMS): { raw: Record<string, unknown>; scenario: Scenario; choice: SwarmChoice } {
  const { raw: out, choice } = drawSwarm(base, seed, registry);
  return { raw: out, scenario: parseScenario(out, { registry }), choice };
}

/**
 * What one swarm kind added to a scenario, kept apart (guided exploration
 * mutates plans group by group): its timed actions, the byzantine entries it
 * appended, and the `network` fields it set (all in raw file form).
 */
export interface SwarmGroup {
  /** The catalog action or swarm-only kind that drew it. */
  readonly kind: string;
  readonly note: string;
  readonly actions: readonly Record<string, unknown>[];
  readonly byzantine: readonly Record<string, unknown>[];
  readonly network: Readonly<Record<string, unknown>>;
}

/**
 * The swarm draw of `seed` over `base` (see {@link swarmScenario}), with each
 * kind's additions as a {@link SwarmGroup}, before validation.
 * @returns the derived raw scenario (not parsed), the choice, and the groups in drawing order
 */
export function drawSwarm(base: Scenario, seed: number, registry: SystemRegistry<Scenario> = BUILTIN_SYSTEMS): { raw: Record<string, unknown>; choice: SwarmChoice; groups: SwarmGroup[] } {
  const raw = scenarioToJson({ ...base, seed });
  const faults: Record<string, unknown>[] = [...(raw.faults as Record<string, unknown>[])];
  const baseFaultCount = faults.length;
  const ctx = swarmContext(base, raw, faults, registry);
  const groups: SwarmGroup[] = [];

  const choice: SwarmChoice = { seed, kinds: [], notes: [], faultsAdded: 0 };
  // The catalog's draws are over the first rollup's validators: a scenario without any draws none of them.
  for (const kind of ctx.validators.length === 0 ? [] : registry.catalog.kinds) {
    if (typeof kind.swarm !== "function") continue;
    const rng = createRng(seed, `swarm/${kind.action}`);
    if (!rng.chance(0.5)) continue;
    const draw = kind.swarm(ctx, rng);
    if (draw === undefined || draw.actions.length === 0) continue;
    faults.push(...draw.actions);
    choice.kinds.push(kind.action);
    choice.notes.push(draw.note);
    groups.push({ kind: kind.action, note: draw.note, actions: [...draw.actions], byzantine: [], network: {} });
  }
  // Each swarm-only kind sees the scenario as patched by the ones drawn before it (one more byzantine validator,
  // then a twin: at most f in all), and the timed actions drawn so far.
  const out: Record<string, unknown> = { ...raw, faults };
  for (const kind of registry.backgroundKinds) {
    const rng = createRng(seed, `swarm/${kind.name}`);
    if (!rng.chance(0.5)) continue;
    const draw = kind.swarm({ ...ctx, base: out, drawn: out.faults as Record<string, unknown>[] }, rng);
    if (draw === undefined) continue;
    const before = backgroundSnapshot(out);
    draw.patch(out);
    choice.kinds.push(kind.name);
    choice.notes.push(draw.note);
    groups.push({ kind: kind.name, note: draw.note, ...backgroundDiff(before, out) });
  }

  choice.faultsAdded = (out.faults as unknown[]).length - baseFaultCount;
  const note = describeSwarm(choice);
  out.description = base.description === undefined ? note : `${base.description} [${note}]`;
  return { raw: out, choice, groups };
}

/**
 * The context swarm draws see over a scenario (its fault window, f, the plan
 * so far). `faults` is read live: actions appended to it later count in `fits`.
 * @param raw the scenario in file form (`ctx.base`)
 */
export function swarmContext(base: Scenario, raw: Record<string, unknown>, faults: readonly Record<string, unknown>[], registry: SystemRegistry<Scenario> = BUILTIN_SYSTEMS): SwarmContext {
  const { windowStartUs, windowEndUs, healedByUs } = swarmWindow(base);
  const plan = planOf(base, registry);
  const quorum = plan.quorums[0];
  return {
    plan,
    validators: quorum?.members ?? [],
    f: quorum?.f ?? 0,
    base: raw,
    healedByUs,
    drawn: faults,
    window: (rng, maxLengthUs) => {
      const startUs = roundMs(windowStartUs + rng.next() * Math.max(0, windowEndUs - windowStartUs));
      const endUs = Math.min(healedByUs, roundMs(startUs + 200_000 + rng.next() * maxLengthUs));
      return { startUs, endUs: Math.max(startUs, endUs) };
    },
    fits: (actions) => planFits(registry, plan, [...faults, ...actions]),
  };
}

/** The swarm fault window of a scenario, microseconds: faults start in [windowStartUs, windowEndUs) and are healed by healedByUs. */
export function swarmWindow(base: Scenario): { windowStartUs: number; windowEndUs: number; healedByUs: number } {
  // With a liveness phase, the window is fitted before it (no fault action may come at or after `livenessAt`).
  const durationUs = Math.min(base.duration, base.phases.livenessAt ?? base.duration);
  return { windowStartUs: roundMs(durationUs * WINDOW_START), windowEndUs: roundMs(durationUs * WINDOW_END), healedByUs: roundMs(durationUs * WINDOW_HEALED) };
}

function backgroundSnapshot(raw: Record<string, unknown>): { network: Record<string, unknown>; byzantine: number; faults: number } {
  return { network: { ...(raw.network as Record<string, unknown>) }, byzantine: ((raw.byzantine as unknown[] | undefined) ?? []).length, faults: (raw.faults as unknown[]).length };
}

/** What a swarm-only kind's patch changed: network fields set, byzantine entries and fault actions appended. */
function backgroundDiff(before: ReturnType<typeof backgroundSnapshot>, after: Record<string, unknown>): Pick<SwarmGroup, "actions" | "byzantine" | "network"> {
  const network: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(after.network as Record<string, unknown>)) {
    if (JSON.stringify(value) !== JSON.stringify(before.network[key])) network[key] = value;
  }
  return {
    actions: (after.faults as Record<string, unknown>[]).slice(before.faults),
    byzantine: ((after.byzantine as Record<string, unknown>[] | undefined) ?? []).slice(before.byzantine),
    network,
  };
}

/** One line naming a swarm choice, e.g. `swarm seed 7: drop 0.0123, crash x1 (+2 fault actions)`. */
export function describeSwarm(choice: SwarmChoice): string {
  return `swarm seed ${choice.seed}: ${choice.notes.length === 0 ? "no faults added" : choice.notes.join(", ")} (+${choice.faultsAdded} fault actions)`;
}

/**
 * Whether the timed actions of a raw plan pass every kind's check in firing
 * order and never put more than f validators of a quorum down at once.
 * Actions fired by a view or an event are left out (their moment is unknown).
 */
export function planFits(registry: SystemRegistry<Scenario>, plan: ReturnType<typeof planOf>, actions: readonly Record<string, unknown>[]): boolean {
  const timed = actions.filter((a) => a.view === undefined && a.when === undefined) as unknown as { at: number; action: string }[];
  const model = new FaultModel();
  for (const { action } of firingOrder(timed)) {
    const kind = registry.catalog.kindOf(action);
    try {
      kind.check(action as never, plan, model, "faults");
    } catch (error) {
      if (error instanceof InputError) return false;
      throw error;
    }
    kind.model(action as never, model, plan);
    if (plan.quorums.some((q) => model.downIn(q).length > q.f)) return false;
  }
  return true;
}

/** The most validators of the first rollup down at once in a parsed scenario's timed plan (for tests and checks). */
export function maxValidatorsCrashed(scenario: Scenario, registry: SystemRegistry<Scenario> = BUILTIN_SYSTEMS): number {
  const plan = planOf(scenario, registry);
  const quorum = plan.quorums[0];
  if (quorum === undefined) return 0;
  const model = new FaultModel();
  let most = 0;
  for (const { action } of firingOrder(scenario.faults.filter((a) => a.view === undefined && a.when === undefined))) {
    registry.catalog.kindOf(action).model(action, model, plan);
    most = Math.max(most, model.downIn(quorum).length);
  }
  return most;
}

function roundMs(us: number): number {
  return Math.round(us / 1000) * 1000;
}

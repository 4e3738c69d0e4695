/**
 * Swarm testing (Groce et al., "Swarm Testing", ISSTA 2012; TigerBeetle's
 * VOPR): each explored seed turns on a random subset of fault kinds, each at
 * a random intensity, all drawn from the seed. Some seeds then run with many
 * drops and no crashes, others with crashes and no drops, which reaches states
 * a fixed mix of every fault at once tends to miss.
 *
 * The additions are written into the scenario itself (network rates and
 * latency, timed fault actions appended to `faults`, a note in
 * `description`), so the derived scenario alone reproduces the run: a seed
 * file keeps it whole.
 *
 * Every timed fault starts in the fault window (10% to 60% of the duration,
 * or of the time before `phases.livenessAt` when the scenario has a liveness
 * phase) and is healed by 70% of it (partitions and isolations by `heal`,
 * clogs by `unclog`, crashes by `restart`, L1 fault rates reset to the
 * scenario's own), leaving the rest of the run as the healed liveness phase.
 * At no time are more than f = floor((n - 1) / 3) validators down (a crash,
 * or a `wipe` or `torn-write`, until its `restart`), counting the scenario's
 * own.
 *
 * The kinds `storage`, `clock` and `byzantine` need f >= 1 (they are left out
 * below four validators):
 * - `storage`: a window of raised background storage fault rates (reset to the
 *   scenario's `storage` rates) or a `corrupt` of one validator, and/or a
 *   `wipe` of one validator with its `restart` (counted as down, as above);
 * - `clock`: a skew (10 to 90 ms either way) and drift (up to +-5%) of one or
 *   two validators, set back to the scenario's `clocks.nodes` values later,
 *   and/or a `pause` of one validator for up to 1 s, over by 70% as well;
 * - `byzantine`: one more byzantine validator (never more than f in all,
 *   counting the scenario's own, and never a validator a fault action names)
 *   misbehaving as equivocate, double-vote, withhold-votes, bad-signatures or
 *   replay at a drawn rate inside a `from`/`until` window. A `twin` (which runs
 *   to the end of the run) is drawn only when the scenario already sets
 *   `allowMoreThanF`.
 */
import { createRng, type Rng } from "../sim/rng.js";
import { NODE_DOWN_ACTIONS, orderedFaults } from "../scenario/fault-plan.js";
import { parseScenario } from "../scenario/load.js";
import { nodeNames } from "../scenario/nodes.js";
import { BYZANTINE_BEHAVIORS, type ByzantineBehavior, type Scenario } from "../scenario/schema.js";
import { scenarioToJson } from "../scenario/to-json.js";

/** The fault kinds swarm testing turns on or off per seed. */
export const SWARM_KINDS = ["drop", "duplicate", "latency-tail", "partition", "isolate", "clog", "crash", "l1-faults", "l1-reorg", "storage", "clock", "byzantine"] as const;
/** One fault kind of {@link SWARM_KINDS}. */
export type SwarmKind = (typeof SWARM_KINDS)[number];

/** What swarm testing chose for one seed (also written, as one line, into the scenario's description). */
export interface SwarmChoice {
  /** The seed the choice was drawn from. */
  seed: number;
  /** Kinds turned on (in {@link SWARM_KINDS} order); a kind that could not apply (L1 off, f = 0) is left out. */
  kinds: SwarmKind[];
  /** Background network drop rate set (the larger of the scenario's and the drawn one), when `drop` is on. */
  dropRate?: number;
  /** Background duplicate rate, when `duplicate` is on. */
  duplicateRate?: number;
  /** Mean of the exponential latency tail, microseconds, when `latency-tail` is on. */
  latencyMeanUs?: number;
  /** Timed fault actions appended to the scenario's `faults`. */
  faultsAdded: number;
  /** Raised background storage fault rates, when `storage` added a `storage-faults` window. */
  storageRates?: { corruptRate: number; tornWriteRate: number };
  /** The validator `storage` corrupted (a `corrupt` action). */
  corrupted?: string;
  /** The validator `storage` wiped (and restarted). */
  wiped?: string;
  /** The validators `clock` skewed (and set back). */
  skewed?: string[];
  /** The validator `clock` paused, and for how long (microseconds). */
  paused?: { node: string; durationUs: number };
  /** The byzantine entry `byzantine` added to the scenario's `byzantine` section. */
  byzantine?: { node: string; behavior: ByzantineBehavior; rate?: number };
}

/** Fault window as fractions of the duration: faults start in [START, END) and are all healed by HEALED. */
const WINDOW_START = 0.1;
const WINDOW_END = 0.6;
const WINDOW_HEALED = 0.7;

/**
 * Derives the swarm scenario of `seed` from `base` (whose own seed is
 * replaced by `seed`).
 * @param base a validated scenario
 * @param seed the seed of the run; the choice comes from its `swarm` stream, which no node uses
 * @returns the derived scenario in file format (every default written out,
 *   durations in microseconds) and the choice made
 * @throws Error if the derived scenario does not validate (a bug here, never bad input)
 */
export function swarmScenario(base: Scenario, seed: number): { raw: Record<string, unknown>; scenario: Scenario; choice: SwarmChoice } {
  const rng = createRng(seed, "swarm");
  const raw = scenarioToJson({ ...base, seed });
  const network = { ...(raw.network as Record<string, unknown>) };
  const faults: Record<string, unknown>[] = [...(raw.faults as Record<string, unknown>[])];
  const byzantine: Record<string, unknown>[] = [...(raw.byzantine as Record<string, unknown>[])];
  const baseFaultCount = faults.length;
  // With a liveness phase, the window is fitted before it (no fault action may come at or after `livenessAt`).
  const durationUs = Math.min(base.duration, base.phases.livenessAt ?? base.duration);
  const windowStartUs = roundMs(durationUs * WINDOW_START);
  const windowEndUs = roundMs(durationUs * WINDOW_END);
  const healedByUs = roundMs(durationUs * WINDOW_HEALED);
  const { validators } = nodeNames(base);
  const n = validators.length;
  const f = Math.floor((n - 1) / 3);
  const kinds: SwarmKind[] = [];
  const choice: SwarmChoice = { seed, kinds, faultsAdded: 0 };

  /** A window [start, end] inside the fault window, at least 200 ms long when it fits. */
  const window = (maxLengthUs: number): { startUs: number; endUs: number } => {
    const startUs = roundMs(windowStartUs + rng.next() * Math.max(0, windowEndUs - windowStartUs));
    const endUs = Math.min(healedByUs, roundMs(startUs + 200_000 + rng.next() * maxLengthUs));
    return { startUs, endUs: Math.max(startUs, endUs) };
  };

  // One coin per kind, always drawn in the same order so a kind's choice never shifts another's.
  const on = new Map<SwarmKind, boolean>(SWARM_KINDS.map((kind) => [kind, rng.chance(0.5)]));

  if (on.get("drop")) {
    const dropRate = Math.max(base.network.dropRate, round4(0.001 + rng.next() * 0.049));
    network.dropRate = dropRate;
    choice.dropRate = dropRate;
    kinds.push("drop");
  }
  if (on.get("duplicate")) {
    const duplicateRate = Math.max(base.network.duplicateRate, round4(0.001 + rng.next() * 0.049));
    network.duplicateRate = duplicateRate;
    choice.duplicateRate = duplicateRate;
    kinds.push("duplicate");
  }
  if (on.get("latency-tail")) {
    const minUs = base.network.latency.minUs;
    const latencyMeanUs = roundMs(minUs + 10_000 + rng.next() * 90_000);
    network.latency = { distribution: "exponential", min: minUs, mean: latencyMeanUs };
    choice.latencyMeanUs = latencyMeanUs;
    kinds.push("latency-tail");
  }
  if (on.get("partition") && n >= 2) {
    const count = rng.intBetween(1, 2);
    for (let i = 0; i < count; i++) {
      const shuffled = shuffle(validators, rng);
      const split = rng.intBetween(1, n - 1);
      const { startUs, endUs } = window(3_000_000);
      faults.push({ at: startUs, action: "partition", groups: [shuffled.slice(0, split), shuffled.slice(split)] });
      faults.push({ at: endUs, action: "heal" });
    }
    kinds.push("partition");
  }
  if (on.get("isolate") && n >= 2) {
    const count = rng.intBetween(1, 2);
    for (let i = 0; i < count; i++) {
      const node = rng.chance(1 / 3) ? "leader" : validators[rng.int(n)]!;
      const direction = (["both", "inbound", "outbound"] as const)[rng.int(3)]!;
      const { startUs, endUs } = window(3_000_000);
      faults.push({ at: startUs, action: "isolate", node, direction });
      faults.push({ at: endUs, action: "heal" });
    }
    kinds.push("isolate");
  }
  if (on.get("clog")) {
    const count = rng.intBetween(1, 2);
    for (let i = 0; i < count; i++) {
      const node = validators[rng.int(n)]!;
      const { startUs, endUs } = window(2_000_000);
      faults.push({ at: startUs, action: "clog", node });
      faults.push({ at: endUs, action: "unclog", node });
    }
    kinds.push("clog");
  }
  if (on.get("crash") && f >= 1) {
    const count = rng.intBetween(1, f);
    let added = 0;
    for (let i = 0; i < count; i++) {
      const node = validators[rng.int(n)]!;
      const { startUs, endUs } = window(4_000_000);
      const candidate = [...faults, { at: startUs, action: "crash", node }, { at: endUs, action: "restart", node }];
      // A crash that would clash with another (the node already down) or put more than f validators down at once is skipped.
      if (crashPlanFits(candidate, f)) {
        faults.push(candidate[candidate.length - 2]!, candidate[candidate.length - 1]!);
        added++;
      }
    }
    if (added > 0) kinds.push("crash");
  }
  if (on.get("l1-faults") && base.l1.enabled) {
    const { startUs, endUs } = window(5_000_000);
    faults.push({ at: startUs, action: "l1-faults", dropRate: round4(rng.next() * 0.3), delayRate: round4(rng.next() * 0.3), rpcErrorRate: round4(rng.next() * 0.2) });
    const own = base.l1.faults;
    faults.push({ at: endUs, action: "l1-faults", dropRate: own.dropRate, delayRate: own.delayRate, rpcErrorRate: own.rpcErrorRate });
    kinds.push("l1-faults");
  }
  if (on.get("l1-reorg") && base.l1.enabled) {
    const count = rng.intBetween(1, 2);
    const depthMax = Math.min(6, base.l1.finalizationDepthSlots - 1);
    for (let i = 0; i < count; i++) faults.push({ at: window(0).startUs, action: "l1-reorg", depth: rng.intBetween(1, depthMax) });
    kinds.push("l1-reorg");
  }

  if (on.get("storage") && f >= 1) {
    const mode = rng.int(3); // 0: rates or corrupt, 1: wipe, 2: both
    if (mode !== 1) {
      if (rng.chance(0.5)) {
        const { startUs, endUs } = window(4_000_000);
        const corruptRate = round4(0.001 + rng.next() * 0.019);
        const tornWriteRate = round4(0.1 + rng.next() * 0.9);
        faults.push({ at: startUs, action: "storage-faults", corruptRate, tornWriteRate });
        faults.push({ at: endUs, action: "storage-faults", corruptRate: base.storage.corruptRate, tornWriteRate: base.storage.tornWriteRate });
        choice.storageRates = { corruptRate, tornWriteRate };
      } else {
        const node = validators[rng.int(n)]!;
        faults.push({ at: window(0).startUs, action: "corrupt", node, key: "", bits: rng.intBetween(1, 4) });
        choice.corrupted = node;
      }
    }
    if (mode !== 0) {
      const node = validators[rng.int(n)]!;
      const { startUs, endUs } = window(4_000_000);
      const candidate = [...faults, { at: startUs, action: "wipe", node }, { at: endUs, action: "restart", node }];
      if (endUs > startUs && crashPlanFits(candidate, f)) {
        faults.push(candidate[candidate.length - 2]!, candidate[candidate.length - 1]!);
        choice.wiped = node;
      }
    }
    if (choice.storageRates !== undefined || choice.corrupted !== undefined || choice.wiped !== undefined) kinds.push("storage");
  }
  if (on.get("clock") && f >= 1) {
    const mode = rng.int(3); // 0: skew and drift, 1: pause, 2: both
    if (mode !== 1) {
      // Validators the scenario's own clock actions set are left alone: setting them back would undo those.
      const ownClocks = new Set(base.faults.flatMap((a) => (a.action === "clock" ? [a.node] : [])));
      const free = shuffle(validators.filter((v) => !ownClocks.has(v)), rng);
      const chosen = free.slice(0, Math.min(free.length, rng.intBetween(1, 2)));
      for (const node of chosen) {
        const { startUs, endUs } = window(3_000_000);
        const skew = (rng.chance(0.5) ? -1 : 1) * roundMs(10_000 + rng.next() * 80_000);
        const drift = round4((rng.next() * 2 - 1) * 0.05);
        const own = base.clocks.nodes[node];
        faults.push({ at: startUs, action: "clock", node, skew, drift });
        faults.push({ at: endUs, action: "clock", node, skew: own?.skew ?? 0, drift: own?.drift ?? 0 });
      }
      if (chosen.length > 0) choice.skewed = chosen;
    }
    if (mode !== 0) {
      const node = validators[rng.int(n)]!;
      const { startUs } = window(0);
      // Up to 1 s, and over by 70% of the run like every other fault.
      const durationUs = Math.min(roundMs(100_000 + rng.next() * 900_000), Math.floor((healedByUs - startUs) / 1000) * 1000);
      if (durationUs > 0) {
        faults.push({ at: startUs, action: "pause", node, duration: durationUs });
        choice.paused = { node, durationUs };
      }
    }
    if (choice.skewed !== undefined || choice.paused !== undefined) kinds.push("clock");
  }
  if (on.get("byzantine") && f >= 1) {
    const own = new Set(base.byzantine.map((b) => b.node));
    const named = new Set(faults.flatMap((a) => (typeof a.node === "string" ? [a.node] : [])));
    const free = validators.filter((v) => !own.has(v) && !named.has(v));
    const behaviors = BYZANTINE_BEHAVIORS.filter((b) => b !== "twin" || base.allowMoreThanF);
    const node = free.length === 0 ? undefined : free[rng.int(free.length)]!;
    const behavior = behaviors[rng.int(behaviors.length)]!;
    const { startUs, endUs } = window(4_000_000);
    const rate = round4(0.2 + rng.next() * 0.8);
    // At most f byzantine validators in all, counting the scenario's own; a twin (allowMoreThanF only) runs to the end.
    if (node !== undefined && own.size + 1 <= f && endUs > startUs) {
      byzantine.push(behavior === "twin" ? { node, behavior, from: startUs } : { node, behavior, rate, from: startUs, until: endUs });
      choice.byzantine = behavior === "twin" ? { node, behavior } : { node, behavior, rate };
      kinds.push("byzantine");
    }
  }

  choice.faultsAdded = faults.length - baseFaultCount;
  const note = describeSwarm(choice);
  const out: Record<string, unknown> = { ...raw, network, faults, byzantine, description: base.description === undefined ? note : `${base.description} [${note}]` };
  return { raw: out, scenario: parseScenario(out), choice };
}

/** One line naming a swarm choice, e.g. `swarm seed 7: drop 0.0123, crash (+4 fault actions)`. */
export function describeSwarm(choice: SwarmChoice): string {
  const parts = choice.kinds.map((kind) => {
    if (kind === "drop") return `drop ${choice.dropRate}`;
    if (kind === "duplicate") return `duplicate ${choice.duplicateRate}`;
    if (kind === "latency-tail") return `latency-tail mean ${choice.latencyMeanUs}us`;
    if (kind === "storage") {
      const what = [
        choice.storageRates === undefined ? undefined : `rates corrupt ${choice.storageRates.corruptRate} torn ${choice.storageRates.tornWriteRate}`,
        choice.corrupted === undefined ? undefined : `corrupt ${choice.corrupted}`,
        choice.wiped === undefined ? undefined : `wipe ${choice.wiped}`,
      ];
      return `storage (${what.filter((x) => x !== undefined).join(", ")})`;
    }
    if (kind === "clock") {
      const what = [choice.skewed === undefined ? undefined : `skew ${choice.skewed.join(" ")}`, choice.paused === undefined ? undefined : `pause ${choice.paused.node} ${choice.paused.durationUs}us`];
      return `clock (${what.filter((x) => x !== undefined).join(", ")})`;
    }
    if (kind === "byzantine" && choice.byzantine !== undefined) {
      const b = choice.byzantine;
      return `byzantine ${b.node} ${b.behavior}${b.rate === undefined ? "" : ` ${b.rate}`}`;
    }
    return kind;
  });
  return `swarm seed ${choice.seed}: ${parts.length === 0 ? "no faults added" : parts.join(", ")} (+${choice.faultsAdded} fault actions)`;
}

/** Whether the crashes and restarts of `faults` (file order breaks ties, as the cluster does) never clash nor exceed f validators down. */
function crashPlanFits(faults: readonly Record<string, unknown>[], f: number): boolean {
  const ordered = faults.map((action, index) => ({ action, index })).sort((a, b) => (a.action.at as number) - (b.action.at as number) || a.index - b.index);
  const crashed = new Set<string>();
  for (const { action } of ordered) {
    const node = action.node as string;
    if (NODE_DOWN_ACTIONS.has(action.action as string)) {
      if (crashed.has(node)) return false;
      crashed.add(node);
      if ([...crashed].filter((x) => /^v\d+$/.test(x)).length > f) return false;
    } else if (action.action === "restart") {
      if (!crashed.has(node)) return false;
      crashed.delete(node);
    }
  }
  return true;
}

/** The most validators down (crashed) at once in a parsed scenario's plan (for tests and checks). */
export function maxValidatorsCrashed(scenario: Scenario): number {
  const crashed = new Set<string>();
  let most = 0;
  for (const { action } of orderedFaults(scenario)) {
    if (NODE_DOWN_ACTIONS.has(action.action) && "node" in action && /^v\d+$/.test(action.node)) crashed.add(action.node);
    if (action.action === "restart") crashed.delete(action.node);
    most = Math.max(most, crashed.size);
  }
  return most;
}

function shuffle<T>(items: readonly T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function roundMs(us: number): number {
  return Math.round(us / 1000) * 1000;
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

/**
 * fast-check arbitraries of fault plans and whole scenarios, for property
 * tests of the simulated cluster (ours in `test/scenarios/safety-property.test.ts`,
 * or a user's own through `import { faultPlanArb, scenarioArb } from "asset-sim/arbitraries"`).
 *
 * Validity by construction: a plan is built from *episodes* (a crash and its
 * restart, a partition and its heal, a clog and its unclog, L1 faults and
 * their end, an L1 reorg), each a fault that begins at `startUs` and ends at
 * `endUs`. A pure function ({@link assembleFaultPlan}) keeps episodes in start
 * order and drops any that would overlap another on a shared resource (two
 * crashes of one node, two network cuts, since a `heal` ends every cut) or
 * push the number of faulty validators over the budget at some instant. Because
 * that repair is a `map` over the generated values, every value fast-check
 * shrinks to is repaired the same way, so shrunk plans stay valid: the
 * "map, don't filter" advice of fast-check's guide
 * (https://fast-check.dev/docs/core-blocks/arbitraries/combiners/any/#map).
 *
 * Faulty validators: at any instant, a validator is faulty while it is
 * crashed, clogged, or on the minority side of a network cut (a partition's
 * small groups, a one-way partition's small side, an isolated node); isolating
 * `"leader"` counts as one more faulty validator of unknown identity. The
 * budget `maxFaultyValidators` defaults to f = floor((n - 1) / 3), so 2f + 1
 * validators are always up and connected: safety must hold, and (after the
 * final heal) liveness too.
 *
 * Adding a fault kind: write a {@link FaultKind} (an arbitrary of episodes with
 * the validators it makes faulty and the resources it holds) and append it to
 * {@link DEFAULT_FAULT_KINDS}; nothing else changes.
 *
 * Pure: no IO, no clock, no randomness except what fast-check hands in.
 * Requires fast-check 4 (a peer dependency: the user's own copy).
 */
import fc from "fast-check";
import { L1_NODES } from "../scenario/nodes.js";
import type { FaultAction } from "../scenario/schema.js";

/** Microseconds per millisecond: episode times are drawn in whole milliseconds. */
const US_PER_MS = 1_000;

/** The L1-side nodes that faults may name when the L1 runs (`l1`, `poster`, `operator`). */
const L1_NODE_NAMES: readonly string[] = [L1_NODES.l1, L1_NODES.poster, L1_NODES.operator];

/**
 * One fault from its beginning to its end, before it becomes actions.
 *
 * Invariants (checked by {@link assembleFaultPlan}): `startUs <= endUs`; an
 * episode that makes validators faulty or holds resources lasts
 * (`endUs > startUs`); `end` is empty when `endUs === startUs`.
 */
export interface FaultEpisode {
  /** The {@link FaultKind} name that made it (for swarm selection and messages). */
  readonly kind: string;
  /** When the fault begins, microseconds of virtual time. */
  readonly startUs: number;
  /** When it ends (its `end` actions fire), microseconds; equals `startUs` for an instant fault such as an L1 reorg. */
  readonly endUs: number;
  /** Validators (`v0`...) faulty from `startUs` until `endUs`. */
  readonly faultyValidators: readonly string[];
  /** Further faulty validators whose names are known only when the fault fires (isolating the current leader: 1). */
  readonly unnamedFaultyValidators: number;
  /**
   * Resources held from `startUs` until `endUs`: two episodes holding one
   * resource never overlap. `"network"` for every cut (a `heal` ends them all),
   * `"crash:<node>"`, `"clog:<node>"`, `"l1-faults"`.
   */
  readonly locks: readonly string[];
  /** Actions at `startUs`, in order (their `at` is `startUs`). */
  readonly begin: readonly FaultAction[];
  /** Actions at `endUs`, in order (their `at` is `endUs`). */
  readonly end: readonly FaultAction[];
}

/** What a {@link FaultKind} may generate: the scenario's nodes, the budget and the time window. */
export interface FaultKindContext {
  /** Validator names, `v0` .. `v{n-1}` (as `scenario/nodes.ts` names them). */
  readonly validators: readonly string[];
  /** Whether the L1, the batch poster and the operator run (`l1.enabled`). */
  readonly l1: boolean;
  /** Most validators faulty at one instant. */
  readonly maxFaultyValidators: number;
  /** Earliest start of an episode, microseconds. */
  readonly startUs: number;
  /** Every episode ends at or before this time, microseconds (`startUs + 1 ms` at least). */
  readonly healAtUs: number;
  /** Shortest episode, microseconds (at least 1 ms). */
  readonly episodeUsMin: number;
  /** Longest episode, microseconds (cut short at `healAtUs`). */
  readonly episodeUsMax: number;
}

/** A kind of fault: an arbitrary of its episodes. Append new kinds to {@link DEFAULT_FAULT_KINDS}. */
export interface FaultKind {
  /** Short name, e.g. `"crash"`. */
  readonly name: string;
  /** Whether this kind can be generated in the context (L1 faults need the L1; a validator fault needs a budget of at least 1). */
  applies(ctx: FaultKindContext): boolean;
  /** Episodes of this kind, within the context's window (use {@link episodeWindowArb}). */
  episode(ctx: FaultKindContext): fc.Arbitrary<FaultEpisode>;
}

/**
 * An episode's `[startUs, endUs)` inside the context's window: a start in whole
 * milliseconds from `ctx.startUs`, a length in `[episodeUsMin, episodeUsMax]`
 * cut at `ctx.healAtUs`. Shrinks toward the earliest start and the shortest length.
 */
export function episodeWindowArb(ctx: FaultKindContext): fc.Arbitrary<{ startUs: number; endUs: number }> {
  const lastStartMs = Math.floor((ctx.healAtUs - ctx.startUs) / US_PER_MS) - 1;
  return fc
    .record({
      startMs: fc.integer({ min: 0, max: lastStartMs }),
      lengthMs: fc.integer({ min: Math.ceil(ctx.episodeUsMin / US_PER_MS), max: Math.max(Math.ceil(ctx.episodeUsMin / US_PER_MS), Math.floor(ctx.episodeUsMax / US_PER_MS)) }),
    })
    .map(({ startMs, lengthMs }) => {
      const startUs = ctx.startUs + startMs * US_PER_MS;
      return { startUs, endUs: Math.min(startUs + lengthMs * US_PER_MS, ctx.healAtUs) };
    });
}

/** Validators a fault may hit (none when the budget is 0), plus the L1 nodes named in `l1Extra` when the L1 runs. */
function targets(ctx: FaultKindContext, l1Extra: readonly string[]): string[] {
  return [...(ctx.maxFaultyValidators > 0 ? ctx.validators : []), ...(ctx.l1 ? l1Extra : [])];
}

const isValidatorName = (ctx: FaultKindContext, node: string): boolean => ctx.validators.includes(node);

/** A non-empty set of at most `maxFaultyValidators` validators (and at most n - 1), in name order. */
function minorityArb(ctx: FaultKindContext): fc.Arbitrary<string[]> {
  const most = Math.min(ctx.maxFaultyValidators, ctx.validators.length - 1);
  return fc.subarray([...ctx.validators], { minLength: 1, maxLength: most });
}

/** `crash` then `restart` of one validator (or the batch poster when the L1 runs). */
export const crashKind: FaultKind = {
  name: "crash",
  applies: (ctx) => targets(ctx, [L1_NODES.poster]).length > 0,
  episode: (ctx) =>
    fc.record({ window: episodeWindowArb(ctx), node: fc.constantFrom(...targets(ctx, [L1_NODES.poster])) }).map(({ window, node }) => ({
      kind: "crash",
      ...window,
      faultyValidators: isValidatorName(ctx, node) ? [node] : [],
      unnamedFaultyValidators: 0,
      locks: [`crash:${node}`],
      begin: [{ at: window.startUs, action: "crash", node }],
      end: [{ at: window.endUs, action: "restart", node }],
    })),
};

/** `clog` then `unclog` of one validator (or an L1 node when the L1 runs). */
export const clogKind: FaultKind = {
  name: "clog",
  applies: (ctx) => targets(ctx, L1_NODE_NAMES).length > 0,
  episode: (ctx) =>
    fc.record({ window: episodeWindowArb(ctx), node: fc.constantFrom(...targets(ctx, L1_NODE_NAMES)) }).map(({ window, node }) => ({
      kind: "clog",
      ...window,
      faultyValidators: isValidatorName(ctx, node) ? [node] : [],
      unnamedFaultyValidators: 0,
      locks: [`clog:${node}`],
      begin: [{ at: window.startUs, action: "clog", node }],
      end: [{ at: window.endUs, action: "unclog", node }],
    })),
};

/** A two-way `partition` cutting a minority of validators off (as one group, or each alone), then `heal`. */
export const partitionKind: FaultKind = {
  name: "partition",
  applies: (ctx) => ctx.maxFaultyValidators > 0 && ctx.validators.length > 1,
  episode: (ctx) =>
    fc.record({ window: episodeWindowArb(ctx), minority: minorityArb(ctx), eachAlone: fc.boolean() }).map(({ window, minority, eachAlone }) => {
      const rest = ctx.validators.filter((v) => !minority.includes(v));
      const groups = eachAlone ? [...minority.map((v) => [v]), rest] : [minority, rest];
      return {
        kind: "partition",
        ...window,
        faultyValidators: minority,
        unnamedFaultyValidators: 0,
        locks: ["network"],
        begin: [{ at: window.startUs, action: "partition", groups }],
        end: [{ at: window.endUs, action: "heal" }],
      };
    }),
};

/**
 * A `partition-oneway` between a minority of validators and some of the
 * others (the minority's outbound links, or its inbound links), then `heal`.
 */
export const oneWayPartitionKind: FaultKind = {
  name: "partition-oneway",
  applies: (ctx) => ctx.maxFaultyValidators > 0 && ctx.validators.length > 1,
  episode: (ctx) =>
    fc
      .record({
        window: episodeWindowArb(ctx),
        minority: minorityArb(ctx),
        /** Which of the other validators the cut reaches (all of them when none is picked). */
        reach: fc.array(fc.boolean(), { minLength: ctx.validators.length, maxLength: ctx.validators.length }),
        outbound: fc.boolean(),
      })
      .map(({ window, minority, reach, outbound }) => {
        const others = ctx.validators.filter((v) => !minority.includes(v));
        const picked = others.filter((v) => reach[ctx.validators.indexOf(v)] === true);
        const far = picked.length > 0 ? picked : others;
        return {
          kind: "partition-oneway",
          ...window,
          faultyValidators: minority,
          unnamedFaultyValidators: 0,
          locks: ["network"],
          begin: [{ at: window.startUs, action: "partition-oneway", from: outbound ? minority : far, to: outbound ? far : minority }],
          end: [{ at: window.endUs, action: "heal" }],
        };
      }),
};

/** `isolate` one validator (or an L1 node when the L1 runs), both ways or one way, then `heal`. */
export const isolateKind: FaultKind = {
  name: "isolate",
  applies: (ctx) => targets(ctx, L1_NODE_NAMES).length > 0,
  episode: (ctx) =>
    fc
      .record({ window: episodeWindowArb(ctx), node: fc.constantFrom(...targets(ctx, L1_NODE_NAMES)), direction: fc.constantFrom("both" as const, "inbound" as const, "outbound" as const) })
      .map(({ window, node, direction }) => ({
        kind: "isolate",
        ...window,
        faultyValidators: isValidatorName(ctx, node) ? [node] : [],
        unnamedFaultyValidators: 0,
        locks: ["network"],
        begin: [{ at: window.startUs, action: "isolate", node, direction }],
        end: [{ at: window.endUs, action: "heal" }],
      })),
};

/** `isolate` the current leader (`"node": "leader"`, resolved when it fires), then `heal`. Counts as one unnamed faulty validator. */
export const isolateLeaderKind: FaultKind = {
  name: "isolate-leader",
  applies: (ctx) => ctx.maxFaultyValidators > 0,
  episode: (ctx) =>
    fc.record({ window: episodeWindowArb(ctx), direction: fc.constantFrom("outbound" as const, "both" as const, "inbound" as const) }).map(({ window, direction }) => ({
      kind: "isolate-leader",
      ...window,
      faultyValidators: [],
      unnamedFaultyValidators: 1,
      locks: ["network"],
      begin: [{ at: window.startUs, action: "isolate", node: "leader", direction }],
      end: [{ at: window.endUs, action: "heal" }],
    })),
};

/**
 * Background L1 faults (`l1-faults`: drops, delays, RPC errors) for a while,
 * then every rate back to 0. Meant for scenarios whose background
 * `l1.faults` rates are 0 (the default), since the end turns them off.
 */
export const l1FaultsKind: FaultKind = {
  name: "l1-faults",
  applies: (ctx) => ctx.l1,
  episode: (ctx) =>
    fc
      .record({
        window: episodeWindowArb(ctx),
        dropRate: fc.constantFrom(0, 0.1, 0.3),
        delayRate: fc.constantFrom(0, 0.1, 0.3),
        delaySlotsMax: fc.integer({ min: 1, max: 6 }),
        rpcErrorRate: fc.constantFrom(0, 0.05, 0.2),
      })
      .map(({ window, ...rates }) => ({
        kind: "l1-faults",
        ...window,
        faultyValidators: [],
        unnamedFaultyValidators: 0,
        locks: ["l1-faults"],
        begin: [{ at: window.startUs, action: "l1-faults", ...rates }],
        end: [{ at: window.endUs, action: "l1-faults", dropRate: 0, delayRate: 0, rpcErrorRate: 0 }],
      })),
};

/** An `l1-reorg` of the last 1 to 8 unfinalized slots: an instant fault. */
export const l1ReorgKind: FaultKind = {
  name: "l1-reorg",
  applies: (ctx) => ctx.l1,
  episode: (ctx) =>
    fc.record({ window: episodeWindowArb(ctx), depth: fc.integer({ min: 1, max: 8 }) }).map(({ window, depth }) => ({
      kind: "l1-reorg",
      startUs: window.startUs,
      endUs: window.startUs,
      faultyValidators: [],
      unnamedFaultyValidators: 0,
      locks: [],
      begin: [{ at: window.startUs, action: "l1-reorg", depth }],
      end: [],
    })),
};

/** Every fault kind {@link faultPlanArb} draws from unless told otherwise (those that do not apply are left out). */
export const DEFAULT_FAULT_KINDS: readonly FaultKind[] = [
  crashKind,
  clogKind,
  partitionKind,
  oneWayPartitionKind,
  isolateKind,
  isolateLeaderKind,
  l1FaultsKind,
  l1ReorgKind,
];

/** Options of {@link faultPlanArb}. Times are microseconds of virtual time. */
export interface FaultPlanArbOptions {
  /** Number of validators n (names `v0` .. `v{n-1}`); at least 1. */
  readonly validators: number;
  /** Whether the scenario runs the L1 (then the poster may crash, L1 nodes be cut off or clogged, and L1 faults and reorgs happen). Default false. */
  readonly l1?: boolean;
  /** Most validators faulty (crashed, clogged, or cut off from the majority) at any instant; 0 to n. Default f = floor((n - 1) / 3). */
  readonly maxFaultyValidators?: number;
  /** Earliest fault, microseconds. Default 500 ms. */
  readonly startUs?: number;
  /** Every fault has ended by then, microseconds; at least `startUs + 1 ms`. */
  readonly healAtUs: number;
  /** Shortest episode (a crash's downtime, a partition's length...), microseconds; at least 1 ms. Default 100 ms. */
  readonly episodeUsMin?: number;
  /** Longest episode, microseconds. Default 4 s. */
  readonly episodeUsMax?: number;
  /** Most episodes generated (before the repair drops overlapping or over-budget ones). Default 8. */
  readonly maxEpisodes?: number;
  /** Fault kinds to draw from. Default {@link DEFAULT_FAULT_KINDS}. */
  readonly kinds?: readonly FaultKind[];
  /**
   * Swarm testing (Groce et al., "Swarm Testing", ISSTA 2012): each plan
   * also draws which kinds are switched on, so some plans stress one kind
   * alone. Default true. Shrinking switches kinds off.
   */
  readonly swarm?: boolean;
  /** End the plan with a `heal` at `healAtUs` (the liveness checker's heal time). Default true. */
  readonly finalHeal?: boolean;
}

/** Options of {@link faultPlanArb} with every default filled in. */
export interface ResolvedFaultPlanOptions extends FaultKindContext {
  readonly maxEpisodes: number;
  readonly kinds: readonly FaultKind[];
  readonly swarm: boolean;
  readonly finalHeal: boolean;
}

/**
 * Fills in the defaults of {@link FaultPlanArbOptions}.
 * @throws RangeError on an impossible option (no validators, a window under 1 ms, a budget above n...)
 */
export function resolveFaultPlanOptions(options: FaultPlanArbOptions): ResolvedFaultPlanOptions {
  const n = options.validators;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`validators must be an integer >= 1, got ${n}`);
  const maxFaultyValidators = options.maxFaultyValidators ?? Math.floor((n - 1) / 3);
  if (!Number.isInteger(maxFaultyValidators) || maxFaultyValidators < 0 || maxFaultyValidators > n) throw new RangeError(`maxFaultyValidators must be an integer from 0 to ${n}, got ${maxFaultyValidators}`);
  const startUs = options.startUs ?? 500_000;
  const episodeUsMin = options.episodeUsMin ?? 100_000;
  const episodeUsMax = options.episodeUsMax ?? 4_000_000;
  if (!Number.isInteger(startUs) || startUs < 0) throw new RangeError(`startUs must be an integer >= 0, got ${startUs}`);
  if (!Number.isInteger(options.healAtUs) || options.healAtUs < startUs + US_PER_MS) throw new RangeError(`healAtUs must be an integer at least startUs + 1 ms (${startUs + US_PER_MS}), got ${options.healAtUs}`);
  if (episodeUsMin < US_PER_MS || episodeUsMax < episodeUsMin) throw new RangeError(`need 1 ms <= episodeUsMin <= episodeUsMax, got ${episodeUsMin} and ${episodeUsMax}`);
  const maxEpisodes = options.maxEpisodes ?? 8;
  if (!Number.isInteger(maxEpisodes) || maxEpisodes < 0) throw new RangeError(`maxEpisodes must be an integer >= 0, got ${maxEpisodes}`);
  return {
    validators: Array.from({ length: n }, (_, i) => `v${i}`),
    l1: options.l1 ?? false,
    maxFaultyValidators,
    startUs,
    healAtUs: options.healAtUs,
    episodeUsMin,
    episodeUsMax,
    maxEpisodes,
    kinds: options.kinds ?? DEFAULT_FAULT_KINDS,
    swarm: options.swarm ?? true,
    finalHeal: options.finalHeal ?? true,
  };
}

/**
 * Turns episodes into a valid fault plan: episodes are taken in start order
 * (ties in the given order); one is dropped when it shares a lock with an
 * overlapping episode already kept, or when, with it, more than
 * `maxFaultyValidators` validators would be faulty at some instant. The kept
 * episodes' actions are sorted by time, end actions before begin actions at
 * the same instant (a restart before the next crash of that node, a heal
 * before the next cut); a final `heal` at `healAtUs` is appended if asked.
 *
 * Deterministic and pure, so it can follow any shrink.
 * @returns actions in scenario-file form, `at` in integer microseconds, in firing order
 * @throws Error when an episode breaks the {@link FaultEpisode} invariants (a bug in its kind)
 */
export function assembleFaultPlan(episodes: readonly FaultEpisode[], options: Pick<ResolvedFaultPlanOptions, "maxFaultyValidators" | "healAtUs" | "finalHeal">): FaultAction[] {
  const ordered = episodes.map((episode, index) => ({ episode, index })).sort((a, b) => a.episode.startUs - b.episode.startUs || a.index - b.index);
  const kept: FaultEpisode[] = [];
  for (const { episode } of ordered) {
    checkEpisode(episode, options.healAtUs);
    const overlapping = kept.filter((k) => k.startUs < episode.endUs && episode.startUs < k.endUs);
    if (overlapping.some((k) => k.locks.some((lock) => episode.locks.includes(lock)))) continue;
    if (episode.endUs > episode.startUs && !withinBudget([...overlapping, episode], episode, options.maxFaultyValidators)) continue;
    kept.push(episode);
  }
  const timed = kept.flatMap((e, k) => [
    ...e.begin.map((action, i) => ({ action, rank: 1, k, i })),
    ...e.end.map((action, i) => ({ action, rank: 0, k, i })),
  ]);
  timed.sort((a, b) => a.action.at - b.action.at || a.rank - b.rank || a.k - b.k || a.i - b.i);
  const actions = timed.map((t) => t.action);
  if (options.finalHeal) actions.push({ at: options.healAtUs, action: "heal" });
  return actions;
}

function checkEpisode(e: FaultEpisode, healAtUs: number): void {
  if (!(e.startUs <= e.endUs) || e.endUs > healAtUs) throw new Error(`fault kind ${e.kind}: episode [${e.startUs}, ${e.endUs}) is not inside the window ending at ${healAtUs}`);
  const lasting = e.endUs > e.startUs;
  if (!lasting && (e.faultyValidators.length > 0 || e.unnamedFaultyValidators > 0 || e.locks.length > 0 || e.end.length > 0)) {
    throw new Error(`fault kind ${e.kind}: an instant episode cannot make validators faulty, hold locks or have end actions`);
  }
  if (e.begin.some((a) => a.at !== e.startUs) || e.end.some((a) => a.at !== e.endUs)) throw new Error(`fault kind ${e.kind}: action times must equal the episode's start and end`);
}

/** Whether at every instant of `episode` the faulty validators of `active` (which overlap it) stay within `budget`. */
function withinBudget(active: readonly FaultEpisode[], episode: FaultEpisode, budget: number): boolean {
  const instants = [episode.startUs, ...active.map((e) => e.startUs).filter((t) => t > episode.startUs && t < episode.endUs)];
  return instants.every((t) => {
    const now = active.filter((e) => e.startUs <= t && t < e.endUs);
    const named = new Set(now.flatMap((e) => e.faultyValidators));
    return named.size + now.reduce((sum, e) => sum + e.unnamedFaultyValidators, 0) <= budget;
  });
}

/**
 * Fault plans over a scenario's nodes: timed crash/restart pairs,
 * partitions and heals, one-way partitions, isolations (of a node or of the
 * current leader), clogs and unclogs, and with the L1 L1 faults and reorgs,
 * such that at no instant more than `maxFaultyValidators` validators are
 * faulty (see the file comment), every fault has ended by `healAtUs`, and the
 * plan ends with a `heal` there.
 *
 * Every plan passes `parseScenario` in a scenario with the same validators (and
 * L1 setting) whose `duration` is at least `healAtUs`: restarts follow their
 * crash, times lie in `[startUs, healAtUs]`, names are real nodes. Shrinking
 * removes episodes, switches kinds off, moves faults earlier and shortens them.
 *
 * @param options n, the window, the budget (see {@link FaultPlanArbOptions})
 * @returns an arbitrary of fault-action lists in scenario-file form (`at` in integer microseconds), sorted by time
 * @throws RangeError on impossible options
 *
 * @example
 * ```ts
 * fc.assert(fc.property(faultPlanArb({ validators: 4, healAtUs: 8_000_000 }), (faults) => {
 *   const report = runScenario(parseScenario({ name: "p", seed: 1, duration: "20s", validators: { count: 4 }, l1: { enabled: false }, faults }));
 *   return report.exitCode === 0;
 * }));
 * ```
 */
export function faultPlanArb(options: FaultPlanArbOptions): fc.Arbitrary<FaultAction[]> {
  const resolved = resolveFaultPlanOptions(options);
  const kinds = resolved.kinds.filter((k) => k.applies(resolved));
  if (kinds.length === 0 || resolved.maxEpisodes === 0) return fc.constant(assembleFaultPlan([], resolved));
  const plan = (enabled: readonly FaultKind[]): fc.Arbitrary<FaultAction[]> =>
    fc
      .array(fc.oneof(...enabled.map((k) => k.episode(resolved))), { minLength: 1, maxLength: resolved.maxEpisodes, size: "max" })
      .map((episodes) => assembleFaultPlan(episodes, resolved));
  // Swarm: the kinds switched on are drawn first; shrinking them switches kinds off (and redraws the episodes).
  return resolved.swarm ? fc.subarray([...kinds], { minLength: 1 }).chain(plan) : plan(kinds);
}

/** An inclusive range of integers. */
export interface IntegerRange {
  readonly min: number;
  readonly max: number;
}

/** Options of {@link scenarioArb}. Times are microseconds of virtual time. */
export interface ScenarioArbOptions {
  /** Number of validators. Default 4 to 7. */
  readonly validators?: IntegerRange;
  /** How long faults may happen (the heal time, from 0), microseconds. Default 3 s to 8 s. */
  readonly faultWindowUs?: IntegerRange;
  /** How long the run goes on after the heal, microseconds; should exceed `livenessBoundUs`. Default 12 s. */
  readonly afterHealUs?: number;
  /** The liveness bound written into the scenario, microseconds. Default 10 s. */
  readonly livenessBoundUs?: number;
  /** The reorg bound written into the scenario, blocks. Default 2. */
  readonly maxReorgDepth?: number;
  /** Run the L1, the batch poster and the operator (needs the program binary when run; slower). Default false. */
  readonly l1?: boolean;
  /** Transactions per second offered by the workload. Default 0 to 60. */
  readonly txPerSecond?: IntegerRange;
  /** Background drop rates to pick from. Default 0, 1% and 5%. */
  readonly dropRates?: readonly number[];
  /** Signature scheme of the run. Default `"sim"` (fast; the protocol logic is the same). */
  readonly signatureScheme?: "ed25519" | "ed25519-native" | "sim";
  /** The scenario's name. Default `"property"`. */
  readonly name?: string;
  /** Fault-plan options other than the ones the scenario fixes (validators, L1, heal time). */
  readonly faults?: Omit<FaultPlanArbOptions, "validators" | "l1" | "healAtUs">;
}

/**
 * A generated scenario in scenario-file form (every duration in integer
 * microseconds); `parseScenario` turns it into a `Scenario`, `JSON.stringify`
 * into a scenario file.
 */
export interface GeneratedScenario {
  name: string;
  seed: number;
  duration: number;
  validators: { count: number; blockTime: number; viewTimeout: number; signatureScheme: "ed25519" | "ed25519-native" | "sim" };
  network: { latency: { min: number; max: number }; dropRate: number; duplicateRate: number };
  workload: { txPerSecond: number; clients: number };
  l1: { enabled: boolean };
  faults: FaultAction[];
  invariants: { maxReorgDepth: number; livenessBound: number };
}

/**
 * Whole scenarios: 4 to 7 validators, block time and view timeout, latency
 * (uniform, 1-5 ms to 10-50 ms), background drops and duplicates, a workload,
 * a seed, and a fault plan from {@link faultPlanArb} that heals at the end of
 * the fault window; the run lasts `afterHealUs` more, so the liveness bound
 * can be judged. Always valid: `parseScenario` accepts every value and every
 * shrink (shrinking lowers n, rates and the workload, and simplifies the plan).
 *
 * @param options ranges and fixed settings (see {@link ScenarioArbOptions})
 * @returns an arbitrary of scenarios in file form
 * @throws RangeError on impossible options
 */
export function scenarioArb(options: ScenarioArbOptions = {}): fc.Arbitrary<GeneratedScenario> {
  const validators = options.validators ?? { min: 4, max: 7 };
  const faultWindowUs = options.faultWindowUs ?? { min: 3_000_000, max: 8_000_000 };
  const afterHealUs = options.afterHealUs ?? 12_000_000;
  const livenessBoundUs = options.livenessBoundUs ?? 10_000_000;
  const txPerSecond = options.txPerSecond ?? { min: 0, max: 60 };
  const dropRates = options.dropRates ?? [0, 0.01, 0.05];
  const l1 = options.l1 ?? false;
  if (validators.min < 1 || validators.max < validators.min) throw new RangeError(`validators: need 1 <= min <= max, got ${validators.min}..${validators.max}`);
  const faultStartUs = options.faults?.startUs ?? 500_000;
  if (faultWindowUs.min < faultStartUs + US_PER_MS || faultWindowUs.max < faultWindowUs.min) throw new RangeError(`faultWindowUs: need startUs + 1 ms <= min <= max, got ${faultWindowUs.min}..${faultWindowUs.max}`);
  if (afterHealUs < 0 || dropRates.length === 0) throw new RangeError("afterHealUs must be >= 0 and dropRates non-empty");
  // The validator count and the heal time shape the plan, so the plan is drawn after them (chain);
  // fast-check shrinks the plan first, then n and the window, regenerating a plan when they change.
  return fc
    .record({
      count: fc.integer(validators),
      healAtMs: fc.integer({ min: Math.ceil(faultWindowUs.min / US_PER_MS), max: Math.floor(faultWindowUs.max / US_PER_MS) }),
    })
    .chain(({ count, healAtMs }) => {
      const healAtUs = healAtMs * US_PER_MS;
      return fc.record({
        count: fc.constant(count),
        healAtUs: fc.constant(healAtUs),
        faults: faultPlanArb({ ...options.faults, validators: count, l1, healAtUs }),
        seed: fc.nat(),
        blockTimeUs: fc.constantFrom(250_000, 100_000),
        viewTimeoutUs: fc.constantFrom(1_000_000, 500_000),
        latencyMinUs: fc.integer({ min: 1, max: 5 }).map((ms) => ms * US_PER_MS),
        latencyMaxUs: fc.integer({ min: 10, max: 50 }).map((ms) => ms * US_PER_MS),
        dropRate: fc.constantFrom(...dropRates),
        duplicateRate: fc.constantFrom(0, 0.01),
        txPerSecond: fc.integer(txPerSecond),
        clients: fc.integer({ min: 1, max: 4 }),
      });
    })
    .map((s) => ({
      name: options.name ?? "property",
      seed: s.seed,
      duration: s.healAtUs + afterHealUs,
      validators: { count: s.count, blockTime: s.blockTimeUs, viewTimeout: s.viewTimeoutUs, signatureScheme: options.signatureScheme ?? "sim" },
      network: { latency: { min: s.latencyMinUs, max: s.latencyMaxUs }, dropRate: s.dropRate, duplicateRate: s.duplicateRate },
      workload: { txPerSecond: s.txPerSecond, clients: s.clients },
      l1: { enabled: l1 },
      faults: s.faults,
      invariants: { maxReorgDepth: options.maxReorgDepth ?? 2, livenessBound: livenessBoundUs },
    }));
}

/**
 * fast-check arbitraries of fault plans and whole scenarios, for property
 * tests of the simulated cluster (ours in `test/scenarios/safety-property.test.ts`,
 * or a user's own through `import { faultPlanArb, scenarioArb } from "asset-sim/arbitraries"`).
 *
 * The kinds are the fault catalog's (`systems/index.ts`): each kind's
 * `arbitrary` part draws *episodes* (a crash and its restart, a partition and
 * its heal, a clog and its unclog, L1 faults and their end, an L1 reorg, a
 * pause, a clock skew and its reset, a corruption, a wipe and its restart...),
 * each a fault that begins at `startUs` and ends at `endUs`. Which validators
 * an episode makes faulty is not written by the kind: it is read off the one
 * fault model (`harness/fault-model.ts`) after the episode's first actions.
 *
 * Validity by construction: a pure function ({@link assembleFaultPlan}) keeps
 * episodes in start order and drops any that would overlap another on a
 * shared resource (two crashes of one node, two network cuts, since a `heal`
 * ends every cut) or push the number of faulty validators over the budget at
 * some instant. Because that repair is a `map` over the generated values,
 * every value fast-check shrinks to is repaired the same way, so shrunk plans
 * stay valid: the "map, don't filter" advice of fast-check's guide
 * (https://fast-check.dev/docs/core-blocks/arbitraries/combiners/any/#map).
 *
 * Faulty validators: at any instant, a validator is faulty while it is
 * crashed, clogged, or on the far side of a network cut; isolating
 * `"leader"` counts as one more faulty validator of unknown identity. The
 * budget `maxFaultyValidators` defaults to f = floor((n - 1) / 3), so 2f + 1
 * validators are always up and connected: safety must hold, and (after the
 * final heal) liveness too.
 *
 * Adding a fault kind: give its catalog object an `arbitrary` part; nothing
 * here changes.
 *
 * Pure: no IO, no clock, no randomness except what fast-check hands in.
 * Requires fast-check 4 (a peer dependency: the user's own copy).
 */
import fc from "fast-check";
import type { EpisodeContext, EpisodeDraft, PlanContext, Quorum } from "../harness/fault-kind.js";
import type { FaultCatalog } from "../harness/catalog.js";
import { FaultModel } from "../harness/fault-model.js";
import { BUILTIN_SYSTEMS } from "../systems/index.js";
import type { FaultAction } from "../scenario/schema.js";

/** Microseconds per millisecond: episode times are drawn in whole milliseconds. */
const US_PER_MS = 1_000;

/**
 * One fault from its beginning to its end, before it becomes actions.
 *
 * Invariants (checked by {@link assembleFaultPlan}): `startUs <= endUs`; an
 * episode that makes validators faulty or holds resources lasts
 * (`endUs > startUs`); `end` is empty when `endUs === startUs`.
 */
export interface FaultEpisode {
  /** The kind (catalog action name) that made it. */
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

/** What an episode kind may generate from: the scenario's nodes, the budget and the time window (the catalog's `EpisodeContext`). */
export type FaultKindContext = EpisodeContext;

/** A kind of fault as the arbitraries draw it: an arbitrary of its episodes. */
export interface EpisodeKind {
  /** The catalog action name, e.g. `"crash"`. */
  readonly name: string;
  /** Whether this kind can be generated in the context (L1 faults need the L1; a validator fault needs a budget of at least 1). */
  applies(ctx: FaultKindContext): boolean;
  /** Episodes of this kind, within the context's window. */
  episode(ctx: FaultKindContext): fc.Arbitrary<FaultEpisode>;
}

/** The minimal plan context of an episode context: its validators as one quorum, the others by role, `leader` as a target. */
function planOfEpisodes(ctx: EpisodeContext): { plan: PlanContext; quorum: Quorum } {
  const quorum: Quorum = { instance: "", members: ctx.validators, f: ctx.maxFaultyValidators };
  const nodes = [
    ...ctx.validators.map((id) => ({ id, role: "validator", system: "validators", instance: "", crashable: true, honest: true })),
    ...ctx.otherNodes.map((id) => ({ id, role: id === "l1" ? "l1" : id, system: "other", instance: "", crashable: ctx.otherCrashable.includes(id), honest: true })),
  ];
  const byId = new Map(nodes.map((n) => [n.id, n]));
  return {
    quorum,
    plan: {
      durationUs: ctx.healAtUs,
      livenessAtUs: undefined,
      nodes,
      node: (id) => byId.get(id),
      withRole: (role) => nodes.filter((n) => n.role === role).map((n) => n.id),
      quorums: [quorum],
      targets: new Map([["leader", quorum]]),
      unknownNode: (name) => `unknown node ${JSON.stringify(name)}`,
    },
  };
}

/** An episode from a kind's draft: the faulty validators read off the fault model after its first actions. */
function toEpisode(catalog: FaultCatalog, kind: string, draft: EpisodeDraft, ctx: EpisodeContext): FaultEpisode {
  const { plan, quorum } = planOfEpisodes(ctx);
  const model = new FaultModel();
  for (const action of draft.begin) catalog.kindOf(action).model(action, model, plan);
  const lasting = draft.endUs > draft.startUs;
  return {
    kind,
    startUs: draft.startUs,
    endUs: draft.endUs,
    faultyValidators: lasting ? model.faultyIn(quorum) : [],
    unnamedFaultyValidators: lasting ? (model.unnamedCutOff.get("") ?? 0) : 0,
    locks: draft.locks,
    begin: draft.begin as FaultAction[],
    end: draft.end as FaultAction[],
  };
}

/** The episode kinds of a fault catalog: every kind with an `arbitrary` part of its own, in catalog order. */
export function episodeKindsOf(catalog: FaultCatalog): EpisodeKind[] {
  return catalog.kinds.flatMap((kind): EpisodeKind[] => {
    const arbitrary = kind.arbitrary;
    if ("drawnBy" in arbitrary) return [];
    return [{ name: kind.action, applies: (ctx) => arbitrary.applies(ctx), episode: (ctx) => arbitrary.episode(fc, ctx).map((draft) => toEpisode(catalog, kind.action, draft, ctx)) }];
  });
}

/**
 * An episode's `[startUs, endUs)` inside the context's window: a start in whole
 * milliseconds from `ctx.startUs`, a length in `[episodeUsMin, episodeUsMax]`
 * cut at `ctx.healAtUs`. Shrinks toward the earliest start and the shortest length.
 */
export function episodeWindowArb(ctx: FaultKindContext): fc.Arbitrary<{ startUs: number; endUs: number }> {
  const lastStartMs = Math.floor((ctx.healAtUs - ctx.startUs) / US_PER_MS) - 1;
  const minMs = Math.ceil(ctx.episodeUsMin / US_PER_MS);
  return fc
    .record({ startMs: fc.integer({ min: 0, max: lastStartMs }), lengthMs: fc.integer({ min: minMs, max: Math.max(minMs, Math.floor(ctx.episodeUsMax / US_PER_MS)) }) })
    .map(({ startMs, lengthMs }) => {
      const startUs = ctx.startUs + startMs * US_PER_MS;
      return { startUs, endUs: Math.min(startUs + lengthMs * US_PER_MS, ctx.healAtUs) };
    });
}

/** Every episode kind of the built-in catalog, in catalog order. */
export const ALL_FAULT_KINDS: readonly EpisodeKind[] = episodeKindsOf(BUILTIN_SYSTEMS.catalog);

/**
 * Kinds that lose or damage what a validator wrote to its disk (`wipe`,
 * `torn-write`) or damage it silently for later (`corrupt`, `storage-faults`).
 * A wipe or a torn write counts as faulty from its start to the final heal
 * (its node recovers its safety state from a quorum after the restart, for an
 * unknown time; see `faultyUntilUs`), but a corruption outlives its episode (the node finds it only at its next
 * restart), so the budget of faulty validators cannot bound it: the default
 * kinds leave `corrupt` and `storage-faults` out, and a plan beyond f must
 * leave all of these out (more than f validators that lost their safety state
 * can break safety by design, not by a bug).
 */
export const DISK_LOSS_KINDS: ReadonlySet<string> = new Set(["wipe", "torn-write", "corrupt", "storage-faults"]);

/** The kinds {@link faultPlanArb} draws from unless told otherwise (those that do not apply are left out): every kind but `corrupt` and `storage-faults`. */
export const DEFAULT_FAULT_KINDS: readonly EpisodeKind[] = ALL_FAULT_KINDS.filter((k) => k.name !== "corrupt" && k.name !== "storage-faults");

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
  readonly kinds?: readonly EpisodeKind[];
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
  readonly kinds: readonly EpisodeKind[];
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
  const l1 = options.l1 ?? false;
  return {
    validators: Array.from({ length: n }, (_, i) => `v${i}`),
    l1,
    otherNodes: l1 ? ["l1", "poster", "operator"] : [],
    otherCrashable: l1 ? ["poster"] : [],
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
    if (episode.endUs > episode.startUs) {
      const end = (e: FaultEpisode): number => faultyUntilUs(e, options.healAtUs);
      const faultyOverlapping = kept.filter((k) => k.startUs < end(episode) && episode.startUs < end(k));
      if (!withinBudget([...faultyOverlapping, episode], episode, options.maxFaultyValidators, end)) continue;
    }
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

/**
 * Until when an episode's validators count as faulty for the budget: its end,
 * except for a kind that loses a validator's disk (`wipe`, `torn-write`):
 * after its restart the node recovers its safety state from a quorum of
 * status answers, which has no bound the plan can know, and two validators
 * recovering at once at n = 4 wait for each other for good (a recovering
 * replica does not answer). So it stays faulty until the final heal.
 */
function faultyUntilUs(e: FaultEpisode, healAtUs: number): number {
  return DISK_LOSS_KINDS.has(e.kind) ? Math.max(e.endUs, healAtUs) : e.endUs;
}

/** Whether at every instant of `episode`'s faulty window (it ends at `end(episode)`) the faulty validators of `active` (which overlap it) stay within `budget`. */
function withinBudget(active: readonly FaultEpisode[], episode: FaultEpisode, budget: number, end: (e: FaultEpisode) => number): boolean {
  const instants = [episode.startUs, ...active.map((e) => e.startUs).filter((t) => t > episode.startUs && t < end(episode))];
  return instants.every((t) => {
    const now = active.filter((e) => e.startUs <= t && t < end(e));
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
  const plan = (enabled: readonly EpisodeKind[]): fc.Arbitrary<FaultAction[]> =>
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
  /**
   * Twins within f (the Twins method): with n >= 4, half of the scenarios get a
   * second instance of one validator (a `byzantine` entry `twin`, booting in the
   * fault window) and up to two partitions, healed by the heal time, that put
   * the two instances on different sides. A twin is byzantine: the honest-node
   * invariants judge neither instance, and the liveness bound after the heal
   * still holds with 2f + 1 honest validators. Its partitions split the
   * validators on purpose and are not counted against `maxFaultyValidators`
   * (which bounds the plan's benign faults; safety holds whatever the cuts,
   * with at most f byzantine). Default true.
   */
  readonly twins?: boolean;
}

/** A twin drawn by {@link twinArb}: the `byzantine` entry and the partitions that split it from its original. */
interface DrawnTwin {
  readonly entry: { node: string; behavior: "twin"; from: number };
  readonly partitions: FaultAction[];
}

/**
 * A twin of one of `count` validators booting in `[startUs, healAtUs)`, and
 * zero to two partitions in its lifetime, each healed by `healAtUs`, whose two
 * groups hold the original and the twin (the other validators split by a mask).
 * Shrinks toward no partition, the first validator and the earliest boot.
 */
function twinArb(count: number, startUs: number, healAtUs: number): fc.Arbitrary<DrawnTwin> {
  const lastMs = Math.floor((healAtUs - startUs) / US_PER_MS) - 1;
  const split = fc.record({ startMs: fc.integer({ min: 0, max: lastMs }), lengthMs: fc.integer({ min: 100, max: 3000 }), side: fc.array(fc.boolean(), { minLength: count, maxLength: count }) });
  return fc.record({ index: fc.integer({ min: 0, max: count - 1 }), fromMs: fc.integer({ min: 0, max: lastMs }), splits: fc.array(split, { maxLength: 2 }) }).map(({ index, fromMs, splits }) => {
    const node = `v${index}`;
    const from = startUs + fromMs * US_PER_MS;
    const others = Array.from({ length: count }, (_, i) => `v${i}`).filter((v) => v !== node);
    const partitions = splits.flatMap(({ startMs, lengthMs, side }): FaultAction[] => {
      const at = Math.max(from, startUs + startMs * US_PER_MS);
      const end = Math.min(at + lengthMs * US_PER_MS, healAtUs);
      if (end <= at) return [];
      const withOriginal = others.filter((_, i) => side[i] === true);
      const withTwin = others.filter((_, i) => side[i] !== true);
      return [
        { at, action: "partition", groups: [[node, ...withOriginal], [`${node}t`, ...withTwin]] },
        { at: end, action: "heal" },
      ] as FaultAction[];
    });
    return { entry: { node, behavior: "twin" as const, from }, partitions };
  });
}

/** `extra` merged into a plan in time order (stable: at one instant the plan's own actions first), its final heal kept last. */
function mergeActions(plan: readonly FaultAction[], extra: readonly FaultAction[], finalHeal: boolean): FaultAction[] {
  const body = finalHeal ? plan.slice(0, -1) : [...plan];
  const merged = [...body.map((a, i) => ({ a, k: 0, i })), ...extra.map((a, i) => ({ a, k: 1, i }))];
  merged.sort((x, y) => x.a.at - y.a.at || x.k - y.k || x.i - y.i);
  return [...merged.map((m) => m.a), ...(finalHeal ? plan.slice(-1) : [])];
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
  /** A twin within f, when drawn (see {@link ScenarioArbOptions.twins}). */
  byzantine?: { node: string; behavior: "twin"; from: number }[];
}

/**
 * Whole scenarios: 4 to 7 validators, block time and view timeout, latency
 * (uniform, 1-5 ms to 10-50 ms), background drops and duplicates, a workload,
 * a seed, a fault plan from {@link faultPlanArb} that heals at the end of
 * the fault window, and for half of them a twin within f with its partitions
 * (see {@link ScenarioArbOptions.twins}); the run lasts `afterHealUs` more, so the liveness bound
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
  const twins = options.twins ?? true;
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
        twin: twins && count >= 4 ? fc.option(twinArb(count, faultStartUs, healAtUs), { nil: undefined }) : fc.constant(undefined),
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
      faults: s.twin === undefined ? s.faults : mergeActions(s.faults, s.twin.partitions, options.faults?.finalHeal ?? true),
      invariants: { maxReorgDepth: options.maxReorgDepth ?? 2, livenessBound: livenessBoundUs },
      ...(s.twin !== undefined ? { byzantine: [s.twin.entry] } : {}),
    }));
}

/**
 * The Twins scenario generator (Bano, Sonnino, Chursin, Perelman, Li, Ching,
 * Malkhi, "Twins: BFT Systems Made Robust", OPODIS 2021, section 4; the
 * generators of Diem's Twins, relab/hotstuff's `twins/generator.go` and
 * matter-labs' era-consensus `testonly/twins` follow the same steps):
 *
 * 1. the node instances are the n validators and t twins, the second
 *    instances of the first t validators (`v0t` ... );
 * 2. a round's partition splits the instances into at most k groups (every
 *    set partition; see `set-partitions.ts`); like relab's and era-consensus'
 *    generators, partitions where no group holds a quorum (n - f distinct
 *    validator identities) are left out unless asked, since no view can make
 *    progress in them;
 * 3. a round case pairs a partition with a leader: any of the n identities,
 *    or only the twinned ones (the paper's "faulty leaders" option);
 * 4. a case is R round cases, one per view 1..R, drawn with repetition (the
 *    cartesian product);
 * 5. equivalent cases are run once: the order of groups is meaningless
 *    (restricted growth strings), and so are the names of interchangeable
 *    nodes: honest validators among themselves, twinned validators among
 *    themselves, and the two instances of one twin. Within the R rounds the
 *    scenario gives every node its groups and every view its leader, and the
 *    nodes run the same code, so renaming them gives the same attack; the
 *    runs differ only in key bytes, random draws and who leads after round
 *    R (round-robin over the names), when no partition is left.
 *
 * The space is enumerated when it is small enough, else sampled with a
 * seeded stream; either way the list of cases is a pure function of the
 * settings, so every worker thread computes the same one.
 */
import { InputError } from "../../config/errors.js";
import { createRng } from "../../sim/rng.js";
import { groupsOf, normalizeBlocks, setPartitions } from "./set-partitions.js";

/** The shape of a Twins search. */
export interface TwinsSpace {
  /** n validators (`v0` ... `v{n-1}`). */
  readonly validators: number;
  /** t twins: second instances of `v0` ... `v{t-1}`. */
  readonly twins: number;
  /** R rounds: views 1 ... R. */
  readonly rounds: number;
  /** k: at most this many groups per round. */
  readonly partitionsMax: number;
  /** Who may lead a round: any validator, or only the twinned ones. */
  readonly leaders: "any" | "twins";
  /** Keep the partitions where no group holds a quorum (default false: left out). */
  readonly allPartitions: boolean;
}

/** One round: the partition of the instances (a restricted growth string over {@link instanceNames}) and the leader's validator index. */
export interface RoundCase {
  readonly blocks: readonly number[];
  readonly leader: number;
}

/** A case: one round case per view 1 ... R. */
export type TwinsCase = readonly RoundCase[];

/** Most cases a search holds (each becomes one run). */
export const TWINS_BUDGET_MAX = 1_000_000;
/** Most raw cases (before deduplication) walked to enumerate a space; a larger space is sampled. */
export const TWINS_ENUMERATE_RAW_MAX = 400_000;
/** Most arrangements of tied honest validators tried when canonicalizing one case (beyond: fewer duplicates found, none merged wrongly). */
const TIE_ARRANGEMENTS_MAX = 5040;

/** The instance names: `v0` ... `v{n-1}`, then `v0t` ... `v{t-1}t`. */
export function instanceNames(space: Pick<TwinsSpace, "validators" | "twins">): string[] {
  const out = Array.from({ length: space.validators }, (_, i) => `v${i}`);
  for (let j = 0; j < space.twins; j++) out.push(`v${j}t`);
  return out;
}

/** The validator identity of instance `i` (a twin instance `n + j` is validator j). */
function identityOf(space: TwinsSpace, instance: number): number {
  return instance < space.validators ? instance : instance - space.validators;
}

/**
 * Checks a space's settings.
 * @throws InputError naming the flag (`--twin-count`, `--rounds`, `--partitions`, `--twin-leaders`)
 */
export function checkSpace(space: TwinsSpace): void {
  const { validators: n, twins: t, rounds, partitionsMax } = space;
  if (n < 1) throw new InputError("validators.count", "a Twins search needs at least one validator");
  if (!(Number.isSafeInteger(t) && t >= 0 && t <= n)) throw new InputError("--twin-count", `must be between 0 and the validator count ${n}, got ${t}`);
  if (!(Number.isSafeInteger(rounds) && rounds >= 1 && rounds <= 64)) throw new InputError("--rounds", `must be between 1 and 64, got ${rounds}`);
  if (!(Number.isSafeInteger(partitionsMax) && partitionsMax >= 1 && partitionsMax <= n + t)) throw new InputError("--partitions", `must be between 1 and the instance count ${n + t}, got ${partitionsMax}`);
  if (n + t > 16) throw new InputError("--twin-count", `at most 16 instances (validators and twins) are searched, got ${n + t}`);
  if (space.leaders === "twins" && t === 0) throw new InputError("--twin-leaders", "twins: leaders among the twinned validators needs --twin-count >= 1");
}

/** The quorum of n validators: n - f, f = floor((n - 1) / 3). */
function quorumOf(n: number): number {
  return n - Math.floor((n - 1) / 3);
}

/** Every round case of a space: its partitions (pruned as the file comment says) times its leaders. */
export function roundCases(space: TwinsSpace): RoundCase[] {
  checkSpace(space);
  const m = space.validators + space.twins;
  const quorum = quorumOf(space.validators);
  const partitions = setPartitions(m, space.partitionsMax).filter((blocks) => space.allPartitions || groupsOf(blocks).some((g) => new Set(g.map((i) => identityOf(space, i))).size >= quorum));
  const leaders = space.leaders === "twins" ? Array.from({ length: space.twins }, (_, j) => j) : Array.from({ length: space.validators }, (_, i) => i);
  return partitions.flatMap((blocks) => leaders.map((leader) => ({ blocks, leader })));
}

/** A partition's text key: one letter per instance (`a` for group 0...). */
function blocksKey(blocks: readonly number[]): string {
  return String.fromCharCode(...blocks.map((b) => 97 + b));
}

/** A case's text key: one `blocks:leader` per round (equal keys, equal cases). */
export function caseKey(c: TwinsCase): string {
  return c.map((r) => `${blocksKey(r.blocks)}:${r.leader}`).join("|");
}

/**
 * Relabels a case: instance x becomes `instanceMap[x]`, validator identity i becomes `identityMap[i]`; groups
 * are renumbered (restricted growth strings).
 */
function relabel(c: TwinsCase, instanceMap: readonly number[], identityMap: readonly number[]): RoundCase[] {
  return c.map((round) => {
    const moved = new Array<number>(round.blocks.length);
    round.blocks.forEach((b, x) => (moved[instanceMap[x]!] = b));
    return { blocks: normalizeBlocks(moved), leader: identityMap[round.leader]! };
  });
}

/** Every permutation of `items`. */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/** Every arrangement of `classes` (each reordered independently), concatenated; undefined beyond `max`. */
function arrangements(classes: readonly (readonly number[])[], max: number): number[][] | undefined {
  let count = 1;
  for (const c of classes) {
    for (let k = 2; k <= c.length; k++) count *= k;
    if (count > max) return undefined;
  }
  let out: number[][] = [[]];
  for (const c of classes) out = out.flatMap((prefix) => permutations(c).map((p) => [...prefix, ...p]));
  return out;
}

/**
 * The canonical form of a case: the same case under the names that give the smallest key, over every renaming
 * of the twinned validators among themselves, of the two instances of each twin, and of the honest validators
 * among themselves (see the file comment). Honest validators are first sorted by what the case does to each
 * (per round: whether it leads, and the twin instances and honest count of its group), which no renaming of
 * honest validators changes, and only ties are tried in every order, so equivalent cases get one form.
 */
export function canonicalCase(space: TwinsSpace, c: TwinsCase): TwinsCase {
  const { validators: n, twins: t } = space;
  const m = n + t;
  const honest = Array.from({ length: n - t }, (_, i) => t + i);
  let best: { key: string; value: RoundCase[] } | undefined;
  for (const sigma of permutations(Array.from({ length: t }, (_, j) => j))) {
    for (let swaps = 0; swaps < 1 << t; swaps++) {
      // The twinned part of the renaming: identity j -> sigma[j], its instances kept or swapped.
      const instanceMap = Array.from({ length: m }, (_, x) => x);
      const identityMap = Array.from({ length: n }, (_, i) => i);
      for (let j = 0; j < t; j++) {
        const swapped = ((swaps >> j) & 1) === 1;
        identityMap[j] = sigma[j]!;
        instanceMap[j] = swapped ? n + sigma[j]! : sigma[j]!;
        instanceMap[n + j] = swapped ? sigma[j]! : n + sigma[j]!;
      }
      const partial = relabel(c, instanceMap, identityMap);
      // What each honest validator sees, unchanged by any renaming of honest validators.
      const profile = (h: number): string =>
        partial
          .map((round) => {
            const group = round.blocks[h]!;
            const twinsThere: number[] = [];
            let honestThere = 0;
            round.blocks.forEach((b, x) => {
              if (b !== group) return;
              if (x >= t && x < n) honestThere++;
              else twinsThere.push(x);
            });
            return `${round.leader === h ? "L" : "-"}${twinsThere.join(".")}/${honestThere}`;
          })
          .join(";");
      const profiles = new Map(honest.map((h) => [h, profile(h)]));
      const sorted = [...honest].sort((a, b) => (profiles.get(a)! < profiles.get(b)! ? -1 : profiles.get(a)! > profiles.get(b)! ? 1 : a - b));
      const classes: number[][] = [];
      for (const h of sorted) {
        const last = classes.at(-1);
        if (last !== undefined && profiles.get(last[0]!) === profiles.get(h)) last.push(h);
        else classes.push([h]);
      }
      for (const order of arrangements(classes, TIE_ARRANGEMENTS_MAX) ?? [sorted]) {
        const honestInstances = Array.from({ length: m }, (_, x) => x);
        const honestIdentities = Array.from({ length: n }, (_, i) => i);
        order.forEach((h, position) => {
          honestInstances[h] = t + position;
          honestIdentities[h] = t + position;
        });
        const value = relabel(partial, honestInstances, honestIdentities);
        const key = caseKey(value);
        if (best === undefined || key < best.key) best = { key, value };
      }
    }
  }
  return best!.value;
}

/** How the cases of a search were chosen. */
export type TwinsMode = "auto" | "enumerate" | "sample";

/** A search's list of cases and how it was made. */
export interface TwinsCaseList {
  readonly cases: readonly TwinsCase[];
  /** `enumerated`: every distinct case (or the first `budget` of them with `--enumerate`); `sampled`: drawn at random. */
  readonly how: "enumerated" | "sampled";
  /** Round cases per round. */
  readonly roundCases: number;
  /** Partitions per round. */
  readonly partitions: number;
  /** Cases before deduplication: roundCases ^ R. */
  readonly rawCases: number;
  /** Distinct cases of the whole space, when it was enumerated to the end. */
  readonly distinctCases?: number;
  /** True when every distinct case is in the list. */
  readonly complete: boolean;
}

/**
 * The cases a search runs, at most `budget` (see the file comment): with `auto`, every distinct case when the
 * raw space is at most {@link TWINS_ENUMERATE_RAW_MAX} and its distinct cases fit the budget (not tried when
 * the raw cases exceed budget x the renamings, which no budget of distinct cases can hold), else a sample
 * (taken from the distinct cases when they were enumerated, else drawn round by round and deduplicated);
 * `enumerate` takes distinct cases in the order of the cartesian product until the budget; `sample` always
 * draws. Sampling uses the stream `twins/sample` of `seed`.
 * @throws InputError on a bad space or budget
 */
export function twinsCases(space: TwinsSpace, options: { readonly budget: number; readonly mode: TwinsMode; readonly seed: number }): TwinsCaseList {
  const { budget, mode, seed } = options;
  if (!(Number.isSafeInteger(budget) && budget >= 1 && budget <= TWINS_BUDGET_MAX)) throw new InputError("--budget", `must be between 1 and ${TWINS_BUDGET_MAX}, got ${budget}`);
  const perRound = roundCases(space);
  const partitions = new Set(perRound.map((r) => blocksKey(r.blocks))).size;
  const rawCases = perRound.length ** space.rounds;
  const summary = { roundCases: perRound.length, partitions, rawCases };
  const rng = createRng(seed, "twins/sample");
  // Each distinct case stands for at most |G| raw ones (G: the renamings), so beyond budget x |G| raw cases the
  // distinct ones cannot fit the budget: sampled without walking the space.
  const renamings = factorial(space.twins) * 2 ** space.twins * factorial(space.validators - space.twins);
  const mayFit = rawCases <= budget * renamings;
  if (mode === "enumerate" || (mode === "auto" && rawCases <= TWINS_ENUMERATE_RAW_MAX && mayFit)) {
    const stopAt = mode === "enumerate" ? budget : Number.POSITIVE_INFINITY;
    const { cases, exhausted } = enumerate(space, perRound, stopAt);
    if (mode === "enumerate" || cases.length <= budget) {
      return { ...summary, cases, how: "enumerated", complete: exhausted, ...(exhausted ? { distinctCases: cases.length } : {}) };
    }
    // More distinct cases than the budget: a uniform sample of them, in enumeration order.
    const chosen = sampleIndexes(cases.length, budget, rng);
    return { ...summary, cases: chosen.map((i) => cases[i]!), how: "sampled", complete: false, distinctCases: cases.length };
  }
  const seen = new Set<string>();
  const cases: TwinsCase[] = [];
  const attemptsMax = budget * 50;
  for (let attempt = 0; attempt < attemptsMax && cases.length < budget; attempt++) {
    const drawn = Array.from({ length: space.rounds }, () => perRound[rng.int(perRound.length)]!);
    const canonical = canonicalCase(space, drawn);
    const key = caseKey(canonical);
    if (seen.has(key)) continue;
    seen.add(key);
    cases.push(canonical);
  }
  return { ...summary, cases, how: "sampled", complete: false };
}

function factorial(k: number): number {
  let out = 1;
  for (let i = 2; i <= k; i++) out *= i;
  return out;
}

/** Walks the cartesian product in order, keeping each case that is its own canonical form, until `stopAt` kept. */
function enumerate(space: TwinsSpace, perRound: readonly RoundCase[], stopAt: number): { cases: TwinsCase[]; exhausted: boolean } {
  const cases: TwinsCase[] = [];
  const digits = new Array<number>(space.rounds).fill(0);
  for (;;) {
    const c = digits.map((d) => perRound[d]!);
    if (caseKey(canonicalCase(space, c)) === caseKey(c)) {
      cases.push(c);
      if (cases.length >= stopAt) return { cases, exhausted: !advance(digits, perRound.length) };
    }
    if (!advance(digits, perRound.length)) return { cases, exhausted: true };
  }
}

/** The next combination of an odometer (last digit fastest); false after the last one. */
function advance(digits: number[], base: number): boolean {
  for (let i = digits.length - 1; i >= 0; i--) {
    digits[i]!++;
    if (digits[i]! < base) return true;
    digits[i] = 0;
  }
  return false;
}

/** `count` distinct indexes below `size`, drawn uniformly (a partial Fisher-Yates shuffle), in increasing order. */
function sampleIndexes(size: number, count: number, rng: ReturnType<typeof createRng>): number[] {
  const pool = Array.from({ length: size }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + rng.int(size - i);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, count).sort((a, b) => a - b);
}

/** One line per round: `round 1: [v0,v1,v2] | [v0t,v3] leader v1` (groups in canonical order). */
export function describeCase(space: TwinsSpace, c: TwinsCase): string {
  const names = instanceNames(space);
  return c.map((round, r) => `round ${r + 1}: ${groupsOf(round.blocks).map((g) => `[${g.map((x) => names[x]).join(",")}]`).join(" | ")} leader v${round.leader}`).join("; ");
}

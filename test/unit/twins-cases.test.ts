/**
 * Goal: the Twins generator makes the space the paper describes and runs each
 * equivalent case once. Set partitions are counted by the Stirling numbers;
 * partitions without a quorum group are left out; the canonical form of a
 * case is the same for every renaming of interchangeable nodes and is itself
 * a renaming of the case; the distinct cases of a small space are exactly its
 * orbits, counted here by brute force over every renaming (an independent
 * implementation); sampling is deterministic per seed and never repeats a
 * case; the budget is kept.
 */
import { describe, expect, it } from "vitest";
import { groupsOf, setPartitions } from "../../src/explore/twins/set-partitions.js";
import { canonicalCase, caseKey, instanceNames, roundCases, twinsCases, type RoundCase, type TwinsCase, type TwinsSpace } from "../../src/explore/twins/twins-cases.js";
import { createRng } from "../../src/sim/rng.js";

const space = (validators: number, twins: number, rounds: number, extra: Partial<TwinsSpace> = {}): TwinsSpace => ({ validators, twins, rounds, partitionsMax: 2, leaders: "any", allPartitions: false, ...extra });

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/**
 * Every renaming of a space as a map of instance names (`v0` -> `v1t`...) and of validator identities: twinned
 * validators among themselves (with their instances swapped or not), honest validators among themselves.
 */
function renamings(s: TwinsSpace): { names: Map<string, string>; identity: Map<number, number> }[] {
  const out: { names: Map<string, string>; identity: Map<number, number> }[] = [];
  const twinned = Array.from({ length: s.twins }, (_, j) => j);
  const honest = Array.from({ length: s.validators - s.twins }, (_, i) => s.twins + i);
  for (const sigma of permutations(twinned)) {
    for (let swaps = 0; swaps < 1 << s.twins; swaps++) {
      for (const pi of permutations(honest)) {
        const names = new Map<string, string>();
        const identity = new Map<number, number>();
        twinned.forEach((j, k) => {
          const swapped = ((swaps >> k) & 1) === 1;
          identity.set(j, sigma[k]!);
          names.set(`v${j}`, swapped ? `v${sigma[k]}t` : `v${sigma[k]}`);
          names.set(`v${j}t`, swapped ? `v${sigma[k]}` : `v${sigma[k]}t`);
        });
        honest.forEach((h, k) => {
          identity.set(h, pi[k]!);
          names.set(`v${h}`, `v${pi[k]}`);
        });
        out.push({ names, identity });
      }
    }
  }
  return out;
}

/** A case under a renaming, written as sets of names (group order and RGS play no part). */
function rename(s: TwinsSpace, c: TwinsCase, r: { names: Map<string, string>; identity: Map<number, number> }): string {
  const names = instanceNames(s);
  return c
    .map((round) => {
      const groups = groupsOf(round.blocks).map((g) => g.map((x) => r.names.get(names[x]!)!).sort().join(","));
      return `${groups.sort().join("|")}@${r.identity.get(round.leader)}`;
    })
    .join(" / ");
}

const identityRenaming = (s: TwinsSpace): { names: Map<string, string>; identity: Map<number, number> } => ({
  names: new Map(instanceNames(s).map((x) => [x, x])),
  identity: new Map(Array.from({ length: s.validators }, (_, i) => [i, i])),
});

/** The orbit's brute-force label: the smallest renamed form. */
function orbitLabel(s: TwinsSpace, c: TwinsCase, all: ReturnType<typeof renamings>): string {
  let best: string | undefined;
  for (const r of all) {
    const form = rename(s, c, r);
    if (best === undefined || form < best) best = form;
  }
  return best!;
}

describe("set partitions", () => {
  it("are counted by the Stirling numbers of the second kind, each once", () => {
    expect(setPartitions(5, 2)).toHaveLength(1 + 15);
    expect(setPartitions(4, 4)).toHaveLength(15); // Bell(4)
    expect(setPartitions(6, 3)).toHaveLength(1 + 31 + 90);
    const keys = setPartitions(6, 3).map((p) => groupsOf(p).map((g) => g.join("")).join("|"));
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe("round cases", () => {
  it("n = 4 with one twin: 13 of the 16 partitions hold a quorum group (3 distinct validators), times 4 leaders", () => {
    const s = space(4, 1, 1);
    const cases = roundCases(s);
    expect(cases).toHaveLength(13 * 4);
    // The three left out: v0 and v0t with one honest validator, the other two honest alone.
    expect(roundCases({ ...s, allPartitions: true })).toHaveLength(16 * 4);
    expect(roundCases({ ...s, leaders: "twins" })).toHaveLength(13);
  });
});

describe("canonical cases", () => {
  it("one form for every renaming of a case, and that form is a renaming of it", () => {
    for (const s of [space(4, 1, 3), space(4, 2, 2), space(5, 1, 2, { partitionsMax: 3 })]) {
      const perRound = roundCases(s);
      const all = renamings(s);
      const rng = createRng(3, "test");
      for (let k = 0; k < 40; k++) {
        const c: RoundCase[] = Array.from({ length: s.rounds }, () => perRound[rng.int(perRound.length)]!);
        const form = caseKey(canonicalCase(s, c));
        const renamed = all[rng.int(all.length)]!;
        // Rebuild the renamed case as round cases and canonicalize it too.
        const names = instanceNames(s);
        const index = new Map(names.map((x, i) => [x, i]));
        const moved: RoundCase[] = c.map((round) => {
          const blocks = new Array<number>(names.length);
          round.blocks.forEach((b, x) => (blocks[index.get(renamed.names.get(names[x]!)!)!] = b));
          const seen = new Map<number, number>();
          return { blocks: blocks.map((b) => seen.get(b) ?? (seen.set(b, seen.size), seen.size - 1)), leader: renamed.identity.get(round.leader)! };
        });
        expect(caseKey(canonicalCase(s, moved))).toBe(form);
        // The canonical form is the same case under some renaming.
        const target = rename(s, canonicalCase(s, c), identityRenaming(s));
        expect(all.some((r) => rename(s, c, r) === target)).toBe(true);
      }
    }
  });

  it("the distinct cases of a small space are exactly its orbits (brute force over every renaming)", () => {
    for (const s of [space(4, 1, 2), space(4, 2, 1), space(4, 0, 2)]) {
      const perRound = roundCases(s);
      const all = renamings(s);
      const orbits = new Set<string>();
      const raw: TwinsCase[] = perRound.length ** s.rounds <= 5000 ? product(perRound, s.rounds) : [];
      for (const c of raw) orbits.add(orbitLabel(s, c, all));
      const list = twinsCases(s, { budget: 100_000, mode: "auto", seed: 1 });
      expect(list.how).toBe("enumerated");
      expect(list.complete).toBe(true);
      expect(list.cases).toHaveLength(orbits.size);
      expect(new Set(list.cases.map((c) => orbitLabel(s, c, all))).size).toBe(orbits.size);
    }
  });
});

function product(perRound: readonly RoundCase[], rounds: number): TwinsCase[] {
  let out: RoundCase[][] = [[]];
  for (let r = 0; r < rounds; r++) out = out.flatMap((prefix) => perRound.map((rc) => [...prefix, rc]));
  return out;
}

describe("twinsCases", () => {
  it("enumerates a space whose distinct cases fit the budget, samples (from the distinct ones) when they do not", () => {
    const s = space(4, 1, 2);
    const all = twinsCases(s, { budget: 1000, mode: "auto", seed: 1 });
    expect(all).toMatchObject({ how: "enumerated", complete: true, distinctCases: 320, roundCases: 52, partitions: 13, rawCases: 2704 });
    const some = twinsCases(s, { budget: 300, mode: "auto", seed: 1 });
    expect(some.how).toBe("sampled");
    expect(some.cases).toHaveLength(300);
    const allKeys = new Set(all.cases.map(caseKey));
    for (const c of some.cases) expect(allKeys.has(caseKey(c))).toBe(true);
  });

  it("samples a large space deterministically per seed, never the same case twice, within the budget", () => {
    const s = space(4, 1, 4);
    const a = twinsCases(s, { budget: 60, mode: "auto", seed: 7 });
    const b = twinsCases(s, { budget: 60, mode: "auto", seed: 7 });
    const c = twinsCases(s, { budget: 60, mode: "auto", seed: 8 });
    expect(a.how).toBe("sampled");
    expect(a.cases).toHaveLength(60);
    expect(a.cases.map(caseKey)).toEqual(b.cases.map(caseKey));
    expect(a.cases.map(caseKey)).not.toEqual(c.cases.map(caseKey));
    expect(new Set(a.cases.map(caseKey)).size).toBe(60);
    for (const x of a.cases) expect(caseKey(canonicalCase(s, x))).toBe(caseKey(x));
  });

  it("--enumerate takes the first distinct cases in order up to the budget; bad settings are refused", () => {
    const s = space(4, 1, 3);
    const first = twinsCases(s, { budget: 25, mode: "enumerate", seed: 1 });
    expect(first).toMatchObject({ how: "enumerated", complete: false });
    expect(first.cases).toHaveLength(25);
    expect(() => twinsCases({ ...s, twins: 5 }, { budget: 10, mode: "auto", seed: 1 })).toThrow(/--twin-count/);
    expect(() => twinsCases({ ...s, leaders: "twins", twins: 0 }, { budget: 10, mode: "auto", seed: 1 })).toThrow(/--twin-leaders/);
    expect(() => twinsCases(s, { budget: 0, mode: "auto", seed: 1 })).toThrow(/--budget/);
  });
});

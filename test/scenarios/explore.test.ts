/**
 * Exploring seeds (src/explore/explore.ts, swarm.ts): shards partition a seed
 * range, swarm derivations are a pure function of the seed and are written
 * whole into seed files, and the determinism check catches a node whose
 * behaviour leaks across runs.
 */
import { describe, expect, it } from "vitest";
import { ExploreTally, exploreSeeds, parseShard, runSeed, type SeedOutcome } from "../../src/explore/explore.js";
import { parseScenario } from "../../src/scenario/load.js";
import { EXIT } from "../../src/scenario/run.js";
import type { Node, NodeContext } from "../../src/sim/node.js";
import { maxValidatorsCrashed, swarmKindNames, swarmScenario } from "../../src/explore/swarm.js";
import type { ValidatorMessage } from "../../src/consensus/types.js";
import { runScenario, scenario } from "../helpers/scenario.js";

/** Distinct byzantine validators of a scenario. */
const byzantineCount = (s: { byzantine: readonly { node: string }[] }) => new Set(s.byzantine.map((b) => b.node)).size;

/** A small L1-free cluster: 4 validators, 2 s. */
const tiny = (fields: Record<string, unknown> = {}) =>
  parseScenario({ name: "tiny", seed: 100, duration: "2s", validators: { count: 4 }, workload: { txPerSecond: 20 }, l1: { enabled: false }, ...fields });

describe("explore: seeds and shards", () => {
  it("shards 1/3, 2/3, 3/3 cover each seed of a range exactly once", () => {
    for (const [from, count] of [[0, 10], [42, 7], [5, 1], [1000, 31]] as const) {
      for (const n of [1, 2, 3]) {
        const all = Array.from({ length: n }, (_, i) => exploreSeeds(from, count, { index: i + 1, count: n })).flat();
        expect(all.sort((a, b) => a - b)).toEqual(exploreSeeds(from, count));
      }
    }
    expect(exploreSeeds(10, 7, { index: 2, count: 3 })).toEqual([11, 14]);
  });

  it("--shard is i/n, 1-based", () => {
    expect(parseShard("1/3")).toEqual({ index: 1, count: 3 });
    expect(parseShard("3/3")).toEqual({ index: 3, count: 3 });
    for (const bad of ["0/3", "4/3", "1/0", "x", "1/3/4", "-1/3", ""]) expect(() => parseShard(bad)).toThrow(/--shard/);
  });

  it("the tally's exit code: 6 nondeterminism > 1 safety > 4 node error > 3 liveness > 0", () => {
    const o = (seed: number, verdict: SeedOutcome["verdict"]): SeedOutcome => ({ seed, verdict, exitCode: 0, traceDigest: "", virtualDurationUs: 0, events: 0, invariant: verdict === "ok" ? undefined : verdict });
    const tally = (...verdicts: SeedOutcome["verdict"][]) => {
      const t = new ExploreTally(verdicts.length);
      verdicts.forEach((v, i) => t.add(o(i, v)));
      return t;
    };
    expect(tally("ok", "ok").exitCode()).toBe(EXIT.ok);
    expect(tally("ok", "liveness").exitCode()).toBe(EXIT.livenessMissed);
    expect(tally("liveness", "node-error").exitCode()).toBe(EXIT.nodeThrew);
    expect(tally("liveness", "safety", "node-error").exitCode()).toBe(EXIT.safetyViolated);
    expect(tally("safety", "nondeterministic").exitCode()).toBe(EXIT.nondeterministic);
    const table = tally("liveness", "ok", "liveness").table(2000);
    expect(table).toContain("seeds run        3");
    expect(table).toMatch(/liveness\s+liveness\s+2 {2}0 2/);
    expect(table).toContain("seeds per second 1.50");
  });
});

describe("explore: swarm", () => {
  it("is a pure function of the seed, keeps at most f validators crashed, and heals by 70% of the run", () => {
    const base = scenario("quickstart"); // 7 validators (f = 2), L1 on, its own crash of v2 at 10-15 s
    const kindsSeen = new Set<string>();
    for (let seed = 0; seed < 150; seed++) {
      const a = swarmScenario(base, seed);
      const b = swarmScenario(base, seed);
      expect(a.raw).toEqual(b.raw);
      expect(a.choice).toEqual(b.choice);
      expect(a.scenario.seed).toBe(seed);
      expect(maxValidatorsCrashed(a.scenario)).toBeLessThanOrEqual(2);
      expect(byzantineCount(a.scenario)).toBeLessThanOrEqual(2);
      const added = a.scenario.faults.slice(base.faults.length);
      expect(added).toHaveLength(a.choice.faultsAdded);
      for (const fault of added) {
        expect(fault.at).toBeLessThanOrEqual(0.7 * base.duration);
        if (fault.action === "pause") expect(fault.at + fault.duration).toBeLessThanOrEqual(0.7 * base.duration);
      }
      for (const b of a.scenario.byzantine) {
        expect(added.some((fault) => "node" in fault && fault.node === b.node)).toBe(false);
        if (b.behavior !== "twin") {
          expect(b.until!).toBeLessThanOrEqual(0.7 * base.duration);
          continue;
        }
        // A twin (within f: quickstart does not allow more): partitions put its two instances on different sides.
        expect(b.from!).toBeLessThanOrEqual(0.7 * base.duration);
        const groups = added.flatMap((fault) => (fault.action === "partition" ? [(fault as unknown as { groups: string[][] }).groups] : []));
        const splits = groups.filter((g) => g.some((side) => side.includes(b.node)) && g.some((side) => side.includes(`${b.node}t`)));
        expect(splits.length).toBeGreaterThan(0);
        for (const split of splits) expect(split.some((side) => side.includes(b.node) && side.includes(`${b.node}t`))).toBe(false);
      }
      expect(a.scenario.description).toContain(`swarm seed ${seed}`);
      a.choice.kinds.forEach((k) => kindsSeen.add(k));
    }
    // Every kind but the SBCP system's (they draw over an sbcp section only: test/sbcp/swarm.test.ts).
    expect([...kindsSeen].sort()).toEqual(swarmKindNames().filter((k) => !k.startsWith("sbcp-")).sort());
    expect(swarmScenario(base, 1).raw).not.toEqual(swarmScenario(base, 2).raw);
  });

  it("fits its faults before a liveness phase", () => {
    const base = scenario("quickstart", { faults: [], phases: { livenessAt: "12s" } });
    for (let seed = 0; seed < 100; seed++) {
      const derived = swarmScenario(base, seed).scenario; // parses: no action at or after livenessAt
      for (const fault of derived.faults) expect(fault.at).toBeLessThan(12_000_000);
    }
  });

  it("counts a wiped or torn-write node as down: swarm never crashes it again nor goes over f", () => {
    // A wipe or torn write crashes its node until a restart; swarm once added a crash of a wiped node (an invalid scenario).
    const base = scenario("quickstart", {
      faults: [
        { at: "3s", action: "wipe", node: "v4" },
        { at: "4s", action: "torn-write", node: "v5" },
      ],
    });
    for (let seed = 0; seed < 120; seed++) {
      const derived = swarmScenario(base, seed); // parses, or throws the InputError that would stop an explore
      expect(maxValidatorsCrashed(derived.scenario)).toBeLessThanOrEqual(2);
    }
  });

  it("never adds L1 faults when the L1 is off, nor crashes, storage, clock or byzantine faults when f = 0", () => {
    for (let seed = 0; seed < 60; seed++) {
      expect(swarmScenario(tiny(), seed).choice.kinds.filter((k) => k.startsWith("l1-"))).toEqual([]);
      const kinds = swarmScenario(tiny({ validators: { count: 3 } }), seed).choice.kinds;
      for (const kind of ["crash", "torn-write", "wipe", "corrupt", "storage-faults", "clock", "pause", "partition-oneway", "byzantine"] as const) expect(kinds).not.toContain(kind);
    }
  });

  it("never makes more than f validators byzantine, counting the scenario's own and the twin kind's, which draws a twin within f", () => {
    const full = scenario("quickstart", { byzantine: [{ node: "v5", behavior: "equivocate" }, { node: "v6", behavior: "replay", rate: 0.5 }] }); // f = 2 already
    const one = scenario("quickstart", { byzantine: [{ node: "v6", behavior: "withhold-votes" }] });
    const loose = tiny({ validators: { count: 7 }, allowMoreThanF: true, byzantine: [{ node: "v6", behavior: "double-vote" }] });
    const behaviors = new Set<string>();
    for (let seed = 0; seed < 120; seed++) {
      expect(swarmScenario(full, seed).scenario.byzantine).toEqual(full.byzantine);
      const derived = swarmScenario(one, seed).scenario;
      expect(byzantineCount(derived)).toBeLessThanOrEqual(2);
      expect(derived.byzantine.filter((b) => b.node === "v6")).toEqual(one.byzantine);
      for (const b of swarmScenario(loose, seed).scenario.byzantine) behaviors.add(b.behavior);
    }
    expect(behaviors).toContain("twin");
    // Without allowMoreThanF, the twin kind adds a twin within f (n >= 4): one byzantine validator with f = 1.
    const small = tiny();
    let twins = 0;
    for (let seed = 0; seed < 60; seed++) {
      const derived = swarmScenario(small, seed).scenario;
      expect(byzantineCount(derived)).toBeLessThanOrEqual(1);
      twins += derived.byzantine.filter((b) => b.behavior === "twin").length;
    }
    expect(twins).toBeGreaterThan(5);
  });

  it("a failing swarmed seed's file holds the derived scenario, which replays to the same digest and violation", () => {
    const base = tiny({ duration: "4s", invariants: { livenessBound: "300ms" } });
    // Find a seed whose swarm choice added fault actions and fails (the bound is far too tight for most plans).
    let outcome: SeedOutcome | undefined;
    for (let seed = 0; seed < 20 && outcome === undefined; seed++) {
      const o = runSeed(base, seed, { swarm: true, checkDeterminism: false }, (s) => runScenario(s));
      if (o.seedFile !== undefined && (o.seedFile.scenario.faults as unknown[]).length > 0) outcome = o;
    }
    expect(outcome).toBeDefined();
    const file = outcome!.seedFile!;
    expect(String(file.scenario.description)).toContain(`swarm seed ${outcome!.seed}`);
    const replay = runScenario(parseScenario({ ...file.scenario, seed: file.seed }));
    expect(replay.traceDigest).toBe(file.traceDigest);
    expect(replay.violation?.invariant).toBe(file.violation.invariant);
    expect(replay.violation?.message).toBe(file.violation.message);
  });
});

/** Counts starts across runs in this module: the leak a determinism check must catch. */
let flakyStarts = 0;

/** A deliberately nondeterministic node: its timer's delay and tag depend on how many runs came before. */
class FlakyNode implements Node<ValidatorMessage> {
  start(ctx: NodeContext<ValidatorMessage>): void {
    flakyStarts++;
    ctx.setTimer(1_000 * flakyStarts, `flaky-${flakyStarts}`);
  }
  onMessage(): void {}
  onTimer(): void {}
}

/** The same node without the leak. */
class SteadyNode implements Node<ValidatorMessage> {
  start(ctx: NodeContext<ValidatorMessage>): void {
    ctx.setTimer(1_000, "steady");
  }
  onMessage(): void {}
  onTimer(): void {}
}

describe("explore: --check-determinism", () => {
  it("catches a node whose behaviour depends on a counter kept across runs (exit 6, both digests)", () => {
    const outcome = runSeed(tiny(), 3, { swarm: false, checkDeterminism: true }, (s) => runScenario(s, { extraNodes: [{ id: "x0", create: () => new FlakyNode() }] }));
    expect(outcome.verdict).toBe("nondeterministic");
    expect(outcome.exitCode).toBe(EXIT.nondeterministic);
    expect(outcome.secondDigest).toBeDefined();
    expect(outcome.secondDigest).not.toBe(outcome.traceDigest);
    expect(outcome.message).toContain(outcome.traceDigest);
    expect(outcome.message).toContain(outcome.secondDigest);
  });

  it("passes the same cluster with a node that keeps no state across runs", () => {
    const outcome = runSeed(tiny(), 3, { swarm: false, checkDeterminism: true }, (s) => runScenario(s, { extraNodes: [{ id: "x0", create: () => new SteadyNode() }] }));
    expect(outcome.verdict).toBe("ok");
    expect(outcome.secondDigest).toBe(outcome.traceDigest);
  });
});

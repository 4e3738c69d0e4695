/**
 * The fault-plan and scenario arbitraries: every value and every shrink is a
 * valid scenario, and at no instant are more validators faulty than the
 * budget, judged by replaying the actions against an independent model of
 * the network (not the generator's own bookkeeping).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  assembleFaultPlan,
  DEFAULT_FAULT_KINDS,
  faultPlanArb,
  resolveFaultPlanOptions,
  scenarioArb,
  type FaultEpisode,
  type GeneratedScenario,
  type FaultPlanArbOptions,
} from "../../src/explore/arbitraries.js";
import { parseScenario } from "../../src/scenario/load.js";
import type { FaultAction } from "../../src/scenario/schema.js";

/** Parses a plan in the smallest scenario that has the plan's nodes; throws the parser's error if it is invalid. */
function parsePlan(faults: readonly FaultAction[], options: FaultPlanArbOptions): void {
  parseScenario({ name: "plan", seed: 1, duration: options.healAtUs, validators: { count: options.validators }, l1: { enabled: options.l1 ?? false }, faults });
}

/**
 * The most validators faulty at any moment of the plan, replayed action by
 * action: n minus the largest set of running, unclogged validators whose
 * links among themselves are all up (both ways), plus one while the leader
 * is isolated (its identity is only known when the action fires). An oracle
 * written apart from the fault model (`harness/fault-model.ts`) the
 * generator uses: a torn write and a wipe take their node down like a crash;
 * pauses, clocks and corruptions leave it faultless.
 */
export function maxFaultyOverPlan(faults: readonly FaultAction[], n: number): number {
  const validators = Array.from({ length: n }, (_, i) => `v${i}`);
  const crashed = new Set<string>();
  const clogged = new Set<string>();
  const cut = new Set<string>(); // "a>b": messages from a to b are dropped
  let leaderIsolated = false;
  const cutLinks = (from: readonly string[], to: readonly string[]): void => from.forEach((a) => to.forEach((b) => a !== b && cut.add(`${a}>${b}`)));
  const everyoneBut = (node: string): string[] => [...validators, "l1", "poster", "operator"].filter((x) => x !== node);
  let worst = 0;
  let last = -1;
  for (const a of faults) {
    expect(a.at).toBeGreaterThanOrEqual(last);
    last = a.at;
    switch (a.action) {
      case "crash": case "torn-write": case "wipe": case "crash-point": expect(crashed.has(a.node)).toBe(false); crashed.add(a.node); break;
      case "restart": expect(crashed.delete(a.node)).toBe(true); break;
      case "clog": clogged.add(a.node); break;
      case "unclog": clogged.delete(a.node); break;
      case "heal": cut.clear(); leaderIsolated = false; break;
      case "partition": a.groups.forEach((g, i) => a.groups.forEach((h, j) => i !== j && cutLinks(g, h))); break;
      case "partition-oneway": cutLinks(a.from, a.to); break;
      case "isolate":
        if (a.node === "leader") leaderIsolated = true;
        else {
          if (a.direction !== "inbound") cutLinks([a.node], everyoneBut(a.node));
          if (a.direction !== "outbound") cutLinks(everyoneBut(a.node), [a.node]);
        }
        break;
      case "l1-faults": case "l1-reorg": case "pause": case "clock": case "corrupt": case "storage-faults": case "redeliver": break;
    }
    const healthy = validators.filter((v) => !crashed.has(v) && !clogged.has(v));
    let largest = 0;
    for (let mask = 0; mask < 1 << healthy.length; mask++) {
      const group = healthy.filter((_, i) => (mask >> i) & 1);
      if (group.length > largest && group.every((x) => group.every((y) => x === y || !cut.has(`${x}>${y}`)))) largest = group.length;
    }
    worst = Math.max(worst, n - largest + (leaderIsolated ? 1 : 0));
  }
  return worst;
}

const planOptionsArb: fc.Arbitrary<FaultPlanArbOptions> = fc
  .record({ validators: fc.integer({ min: 1, max: 7 }), l1: fc.boolean(), healAtMs: fc.integer({ min: 501, max: 12_000 }), budget: fc.option(fc.nat({ max: 7 }), { nil: undefined }), swarm: fc.boolean() })
  .map(({ validators, l1, healAtMs, budget, swarm }) => ({
    validators,
    l1,
    healAtUs: healAtMs * 1000,
    swarm,
    ...(budget === undefined ? {} : { maxFaultyValidators: Math.min(budget, validators) }),
  }));

describe("faultPlanArb", () => {
  it("every plan parses, for any n, L1 setting, window and budget", () => {
    fc.assert(
      fc.property(planOptionsArb.chain((options) => fc.tuple(fc.constant(options), faultPlanArb(options))), ([options, plan]) => {
        parsePlan(plan, options);
        expect(plan.at(-1)).toEqual({ at: options.healAtUs, action: "heal" });
      }),
      { numRuns: 300 },
    );
  });

  it("at no instant are more validators faulty than maxFaultyValidators (default f)", () => {
    fc.assert(
      fc.property(planOptionsArb.chain((options) => fc.tuple(fc.constant(options), faultPlanArb(options))), ([options, plan]) => {
        const budget = options.maxFaultyValidators ?? Math.floor((options.validators - 1) / 3);
        expect(maxFaultyOverPlan(plan, options.validators)).toBeLessThanOrEqual(budget);
      }),
      { numRuns: 300 },
    );
  });

  it("plans use every fault kind, and reach the budget", () => {
    const seen = new Set<string>();
    let reachedBudget = false;
    for (const plan of fc.sample(faultPlanArb({ validators: 7, l1: true, healAtUs: 8_000_000 }), { numRuns: 300, seed: 42 })) {
      plan.forEach((a) => seen.add(a.action === "isolate" && a.node === "leader" ? "isolate-leader" : a.action));
      if (maxFaultyOverPlan(plan, 7) === 2) reachedBudget = true;
    }
    expect([...seen].sort()).toEqual(["clock", "clog", "crash", "crash-point", "heal", "isolate", "isolate-leader", "l1-faults", "l1-reorg", "partition", "partition-oneway", "pause", "redeliver", "restart", "torn-write", "unclog", "wipe"]);
    expect(reachedBudget).toBe(true);
  });

  it("shrinking keeps plans valid and within the budget", () => {
    // A property that fails on any plan with a crash makes fast-check shrink; every value it tries is checked.
    const options = { validators: 7, l1: true, healAtUs: 8_000_000 };
    let tried = 0;
    const invalid: string[] = [];
    const details = fc.check(
      fc.property(faultPlanArb(options), (plan) => {
        tried++;
        try {
          parsePlan(plan, options);
          if (maxFaultyOverPlan(plan, 7) > 2) invalid.push(`over budget: ${JSON.stringify(plan)}`);
        } catch (error) {
          invalid.push(`${(error as Error).message}: ${JSON.stringify(plan)}`);
        }
        return !plan.some((a) => a.action === "crash");
      }),
      { seed: 7, numRuns: 200 },
    );
    expect(details.failed).toBe(true);
    expect(details.numShrinks).toBeGreaterThan(0);
    expect(invalid).toEqual([]);
    // Shrunk to one crash and its restart, at the earliest time and shortest downtime (the swarm's kind choice may
    // keep one harmless episode of another kind beside it), then the final heal.
    const shrunk = details.counterexample![0];
    expect(shrunk.filter((a) => a.action === "crash" || a.action === "restart")).toEqual([
      { at: 500_000, action: "crash", node: "v0" },
      { at: 600_000, action: "restart", node: "v0" },
    ]);
    expect(shrunk.length).toBeLessThanOrEqual(5);
    expect(shrunk.at(-1)).toEqual({ at: 8_000_000, action: "heal" });
    expect(tried).toBeGreaterThan(details.numRuns);
  });

  it("a budget of 0 generates no validator faults; kinds can be narrowed", () => {
    for (const plan of fc.sample(faultPlanArb({ validators: 4, l1: true, healAtUs: 5_000_000, maxFaultyValidators: 0 }), { numRuns: 100, seed: 1 })) {
      expect(maxFaultyOverPlan(plan, 4)).toBe(0);
      expect(JSON.stringify(plan)).not.toMatch(/"v\d"|leader/);
    }
    const crashesOnly = faultPlanArb({ validators: 4, healAtUs: 5_000_000, kinds: DEFAULT_FAULT_KINDS.filter((k) => k.name === "crash") });
    for (const plan of fc.sample(crashesOnly, { numRuns: 50, seed: 1 })) expect(plan.every((a) => ["crash", "restart", "heal"].includes(a.action))).toBe(true);
  });

  it("refuses impossible options", () => {
    expect(() => faultPlanArb({ validators: 0, healAtUs: 1_000_000 })).toThrow(RangeError);
    expect(() => faultPlanArb({ validators: 4, healAtUs: 500_500 })).toThrow(/healAtUs/);
    expect(() => faultPlanArb({ validators: 4, healAtUs: 5_000_000, maxFaultyValidators: 5 })).toThrow(/maxFaultyValidators/);
    expect(resolveFaultPlanOptions({ validators: 7, healAtUs: 5_000_000 }).maxFaultyValidators).toBe(2);
  });
});

describe("assembleFaultPlan", () => {
  const episode = (kind: string, startUs: number, endUs: number, node: string, locks = [`${kind}:${node}`]): FaultEpisode => ({
    kind,
    startUs,
    endUs,
    faultyValidators: [node],
    unnamedFaultyValidators: 0,
    locks,
    begin: [{ at: startUs, action: kind === "crash" ? "crash" : "clog", node }],
    end: [{ at: endUs, action: kind === "crash" ? "restart" : "unclog", node }],
  });
  const options = { maxFaultyValidators: 1, healAtUs: 10_000, finalHeal: false };

  it("drops an episode that overlaps another on the same lock, or goes over the budget", () => {
    expect(assembleFaultPlan([episode("crash", 1000, 3000, "v1"), episode("crash", 2000, 4000, "v1")], { ...options, maxFaultyValidators: 2 }).map((a) => a.at)).toEqual([1000, 3000]);
    expect(assembleFaultPlan([episode("crash", 1000, 3000, "v1"), episode("clog", 2000, 4000, "v2")], options).map((a) => a.action)).toEqual(["crash", "restart"]);
    // The same validator crashed and clogged is one faulty validator.
    expect(assembleFaultPlan([episode("crash", 1000, 3000, "v1"), episode("clog", 2000, 4000, "v1")], options)).toHaveLength(4);
  });

  it("a validator that lost its disk stays faulty until the heal: a later fault of another validator is over the budget", () => {
    // n = 4, f = 1: v1 wiped and restarted recovers its safety state from 3 status answers; a second wiped
    // validator recovering at the same time would wait for it for good (a recovering replica does not answer).
    const wipe = (startUs: number, endUs: number, node: string): FaultEpisode => ({ ...episode("crash", startUs, endUs, node), kind: "wipe", begin: [{ at: startUs, action: "wipe", node }] });
    expect(assembleFaultPlan([wipe(1000, 2000, "v1"), wipe(3000, 4000, "v2")], options).map((a) => `${a.action} ${"node" in a ? String(a.node) : ""}`)).toEqual(["wipe v1", "restart v1"]);
    expect(assembleFaultPlan([wipe(1000, 2000, "v1"), episode("crash", 3000, 4000, "v2")], options)).toHaveLength(2);
    // A crash (no disk lost) is faulty only while down; with a budget of 2 both wipes are kept.
    expect(assembleFaultPlan([episode("crash", 1000, 2000, "v1"), episode("crash", 3000, 4000, "v2")], options)).toHaveLength(4);
    expect(assembleFaultPlan([wipe(1000, 2000, "v1"), wipe(3000, 4000, "v2")], { ...options, maxFaultyValidators: 2 })).toHaveLength(4);
    // The same validator wiped again is still one faulty validator.
    expect(assembleFaultPlan([wipe(1000, 2000, "v1"), wipe(3000, 4000, "v1")], options)).toHaveLength(4);
  });

  it("at one instant, ends fire before beginnings (restart before the next crash)", () => {
    const plan = assembleFaultPlan([episode("crash", 3000, 5000, "v1"), episode("crash", 1000, 3000, "v1")], options);
    expect(plan.map((a) => `${a.at} ${a.action}`)).toEqual(["1000 crash", "3000 restart", "3000 crash", "5000 restart"]);
  });

  it("refuses an episode outside the window (a bug in its fault kind)", () => {
    expect(() => assembleFaultPlan([episode("crash", 1000, 20_000, "v1")], options)).toThrow(/window/);
  });
});

/**
 * Checks a generated scenario's twin: one, within f, booting before the heal; every partition naming its twin
 * instance puts the two instances on different sides and comes at or after the twin boots.
 * @returns how many partitions split it
 */
function checkTwin(raw: GeneratedScenario): number {
  const twins = raw.byzantine!;
  expect(twins).toHaveLength(1);
  const { node, from } = twins[0]!;
  expect(Math.floor((raw.validators.count - 1) / 3)).toBeGreaterThanOrEqual(1);
  const heal = raw.faults.at(-1)!;
  expect(heal.action).toBe("heal");
  expect(from).toBeLessThan(heal.at);
  let splits = 0;
  for (const a of raw.faults) {
    if (a.action !== "partition" || !a.groups.flat().includes(`${node}t`)) continue;
    splits++;
    expect(a.at).toBeGreaterThanOrEqual(from);
    expect(a.groups.some((g) => g.includes(node) && g.includes(`${node}t`))).toBe(false);
    expect(a.groups.flat()).toContain(node);
  }
  return splits;
}

describe("scenarioArb", () => {
  it("every scenario and every shrink parses; defaults: 4 to 7 validators, reorg bound 2", () => {
    const invalid: string[] = [];
    const counts = new Set<number>();
    const details = fc.check(
      fc.property(scenarioArb(), (raw) => {
        try {
          const s = parseScenario(raw);
          expect(s.invariants.maxReorgDepth).toBe(2);
          const budget = Math.floor((s.validators.count - 1) / 3);
          // A twin's partitions split the validators on purpose (the budget bounds the plan's benign faults): checked apart.
          if (raw.byzantine === undefined && maxFaultyOverPlan(raw.faults, s.validators.count) > budget) invalid.push(`over budget: ${JSON.stringify(raw)}`);
          if (raw.byzantine !== undefined) checkTwin(raw);
        } catch (error) {
          invalid.push(`${(error as Error).message}: ${JSON.stringify(raw)}`);
        }
        return raw.faults.length < 5;
      }),
      { seed: 11, numRuns: 200 },
    );
    expect(invalid).toEqual([]);
    expect(details.failed).toBe(true);
    expect(details.numShrinks).toBeGreaterThan(0);
    for (const raw of fc.sample(scenarioArb(), { numRuns: 100, seed: 5 })) counts.add(raw.validators.count);
    expect([...counts].sort()).toEqual([4, 5, 6, 7]);
  });

  it("draws twins within f (n >= 4), split from their original by partitions healed by the heal time; twins: false draws none", () => {
    let twins = 0;
    let splits = 0;
    for (const raw of fc.sample(scenarioArb(), { numRuns: 200, seed: 9 })) {
      if (raw.byzantine === undefined) continue;
      twins++;
      splits += checkTwin(raw);
      const s = parseScenario(raw);
      expect(s.byzantine.map((b) => b.behavior)).toEqual(["twin"]);
    }
    expect(twins).toBeGreaterThan(50);
    expect(splits).toBeGreaterThan(50);
    for (const raw of fc.sample(scenarioArb({ twins: false }), { numRuns: 100, seed: 9 })) expect(raw.byzantine).toBeUndefined();
  });

  it("honours its options", () => {
    for (const raw of fc.sample(scenarioArb({ validators: { min: 4, max: 4 }, l1: true, faultWindowUs: { min: 2_000_000, max: 2_000_000 }, afterHealUs: 5_000_000, name: "x" }), { numRuns: 30, seed: 3 })) {
      expect(raw).toMatchObject({ name: "x", duration: 7_000_000, validators: { count: 4 }, l1: { enabled: true } });
      expect(parseScenario(raw).faults.every((a) => a.at <= 2_000_000)).toBe(true);
    }
  });
});

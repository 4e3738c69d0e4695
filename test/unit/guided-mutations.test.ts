/**
 * Guided exploration's plans and mutation operators: every swarm draw is a
 * valid plan as drawn; every mutant is either refused by the repair (never
 * run) or valid: it parses, at no instant are more than f validators down
 * (replayed by an oracle written apart from the fault model), its added
 * faults stay in the fault window, and its byzantine validators stay within
 * f. Checked with fast-check over seeds, bases and stacks of operators.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyOperator, MUTATION_OPERATORS, type MutationOperator } from "../../src/explore/mutate.js";
import { composeScenario, planIsValid, planSpace, repairPlan, scenarioPlan, SCENARIO_GROUP, type GuidedPlan, type PlanSpace } from "../../src/explore/guided-plan.js";
import { drawSwarm } from "../../src/explore/swarm.js";
import { parseScenario } from "../../src/scenario/load.js";
import { createRng } from "../../src/sim/rng.js";
import { rawScenario, ROOT } from "../helpers/scenario.js";
import { propertyParameters } from "../helpers/property.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const BASES: Record<string, Record<string, unknown>> = {
  "bft-4": JSON.parse(readFileSync(join(ROOT, "bench", "scenarios", "bft-4.json"), "utf8")) as Record<string, unknown>,
  "crash-7": {
    name: "crash-7",
    seed: 3,
    duration: "8s",
    validators: { count: 7, signatureScheme: "sim" },
    workload: { txPerSecond: 10 },
    l1: { enabled: false },
    faults: [
      { at: "1s", action: "crash", node: "v5" },
      { at: "2s", action: "restart", node: "v5" },
    ],
  },
  "twins-must-fail": rawScenario("twins-must-fail"),
};
const SPACES: Record<string, PlanSpace> = Object.fromEntries(Object.entries(BASES).map(([name, raw]) => [name, planSpace(parseScenario(raw))]));

/** A fresh plan as guided draws it: the base's own plan plus the swarm draw of `seed`. */
function freshPlan(space: PlanSpace, seed: number): GuidedPlan {
  return { seed, groups: [...scenarioPlan(space, seed).groups, ...drawSwarm(space.base, seed).groups] };
}

/**
 * The most validators down at once, replayed apart from the fault model: a
 * crash, torn write, wipe or crash point takes its node down until its restart.
 */
function mostDown(faults: readonly Record<string, unknown>[]): number {
  const timed = faults.map((a, i) => ({ a, i })).filter(({ a }) => a.view === undefined && a.when === undefined);
  timed.sort((x, y) => (x.a.at as number) - (y.a.at as number) || x.i - y.i);
  const down = new Set<string>();
  let most = 0;
  for (const { a } of timed) {
    if (["crash", "torn-write", "wipe", "crash-point"].includes(a.action as string) && /^v\d+$/.test(a.node as string)) down.add(a.node as string);
    if (a.action === "restart") down.delete(a.node as string);
    most = Math.max(most, down.size);
  }
  return most;
}

/** Every rule a plan that may run keeps (see `guided-plan.ts`), checked on its composed scenario. */
function expectRunnable(space: PlanSpace, plan: GuidedPlan): void {
  const raw = composeScenario(space, plan);
  expect(() => parseScenario(raw)).not.toThrow();
  expect(planIsValid(space, plan)).toBe(true);
  const baseDown = mostDown(space.baseRaw.faults as Record<string, unknown>[]);
  expect(mostDown(raw.faults as Record<string, unknown>[])).toBeLessThanOrEqual(Math.max(space.f, baseDown));
  for (const group of plan.groups) {
    if (group.kind === SCENARIO_GROUP) continue;
    for (const a of group.actions) {
      expect(a.at as number).toBeGreaterThanOrEqual(space.windowStartUs);
      expect(a.at as number).toBeLessThanOrEqual(space.healedByUs);
    }
  }
  const added = plan.groups.flatMap((g) => g.byzantine.map((b) => b.node));
  if (added.length > 0) expect(space.baseByzantine.size + new Set(added).size).toBeLessThanOrEqual(space.f);
}

describe("guided plans", () => {
  it("every swarm draw, with the base's own plan, is a valid plan as drawn (nothing for the repair to drop)", () => {
    for (const space of Object.values(SPACES)) {
      for (let seed = 1; seed <= 30; seed++) {
        const plan = freshPlan(space, seed);
        const repaired = repairPlan(space, plan);
        expect(repaired.ok && repaired.why, `${space.base.name} seed ${seed}`).toEqual([]);
        expectRunnable(space, plan);
      }
    }
  });

  it("the repair drops a group that breaks a rule and refuses a plan that does not parse", () => {
    const space = SPACES["bft-4"]!;
    const crash = { kind: "crash", note: "crash v1", actions: [{ at: 1_000_000, action: "crash", node: "v1" }, { at: 2_000_000, action: "restart", node: "v1" }], byzantine: [], network: {} };
    expect(planIsValid(space, { seed: 1, groups: [crash] })).toBe(true);
    // The restart moved before the crash: the group is dropped, the rest kept.
    const backwards = { ...crash, actions: [crash.actions[0]!, { ...crash.actions[1]!, at: 900_000 }] };
    const pause = { kind: "pause", note: "pause v2", actions: [{ at: 1_500_000, action: "pause", node: "v2", duration: 100_000 }], byzantine: [], network: {} };
    const repaired = repairPlan(space, { seed: 1, groups: [backwards, pause] });
    expect(repaired.ok && repaired.dropped).toBe(1);
    expect(repaired.ok && repaired.plan.groups.map((g) => g.kind)).toEqual(["pause"]);
    // Two validators down at once, with f = 1: the second crash's group is dropped.
    const second = { ...crash, note: "crash v2", actions: crash.actions.map((a) => ({ ...a, node: "v2" })) };
    expect(repairPlan(space, { seed: 1, groups: [crash, second] })).toMatchObject({ ok: true, dropped: 1 });
    // Outside the fault window (it starts at 10% of the run).
    expect(repairPlan(space, { seed: 1, groups: [{ ...crash, actions: crash.actions.map((a) => ({ ...a, at: a.at - 900_000 })) }] })).toMatchObject({ ok: true, dropped: 1 });
    // Two twins of one validator (a splice of two plans that each drew one): the second is dropped.
    const twin = (from: number) => ({ kind: "twin", note: "twin v0", actions: [{ at: from, action: "partition", groups: [["v0", "v1"], ["v0t", "v2", "v3"]] }, { at: from + 500_000, action: "heal" }], byzantine: [{ node: "v0", behavior: "twin", from }], network: {} });
    expect(repairPlan(space, { seed: 1, groups: [twin(1_000_000), twin(2_000_000)] })).toMatchObject({ ok: true, dropped: 1, why: ["twin: a validator made byzantine twice"] });
    // A network rate out of range passes the group checks but not the scenario schema: refused, never run.
    expect(repairPlan(space, { seed: 1, groups: [{ kind: "drop", note: "drop 2", actions: [], byzantine: [], network: { dropRate: 2 } }] })).toMatchObject({ ok: false });
  });

  it("mutation operators keep plans valid: each mutant is refused or runnable (fast-check)", () => {
    const accepted = new Map<MutationOperator, number>(MUTATION_OPERATORS.map((op) => [op, 0]));
    let refused = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(SPACES)),
        fc.integer({ min: 0, max: 10_000 }),
        fc.array(fc.constantFrom(...MUTATION_OPERATORS), { minLength: 1, maxLength: 8 }),
        (baseName, seed, operators) => {
          const space = SPACES[baseName]!;
          const rng = createRng(seed, "test/mutations");
          let plan = freshPlan(space, seed);
          const other = freshPlan(space, seed + 1);
          for (const operator of operators) {
            const mutated = applyOperator(space, operator, plan, rng, other);
            if (mutated === undefined) continue;
            const repaired = repairPlan(space, mutated.plan);
            if (!repaired.ok) {
              refused++;
              continue;
            }
            expectRunnable(space, repaired.plan);
            accepted.set(operator, accepted.get(operator)! + 1);
            plan = repaired.plan;
          }
        },
      ),
      propertyParameters(60),
    );
    // Not vacuous: every operator produced runnable mutants.
    for (const [operator, count] of accepted) expect(count, operator).toBeGreaterThan(0);
    expect(refused).toBeGreaterThanOrEqual(0);
  });
});

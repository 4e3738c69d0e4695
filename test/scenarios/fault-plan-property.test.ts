/**
 * Property: under any fault plan of crashes, restarts, partitions (two-way and
 * one-way), isolation and clogging, followed by a full heal, honest validators
 * never disagree, never commit an unsubmitted or repeated transaction, never
 * vote twice in a view, and commit again within the liveness bound after the heal.
 * Bounded runs; fast-check prints the seed and the shrunk plan of any failure.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/scenario/load.js";
import { runScenario } from "../helpers/scenario.js";

const HEAL_AT_MS = 12_000;
/** CI runs a bounded number of plans; explore more with ASSET_SIM_PROPERTY_RUNS=500 npx vitest run test/scenarios/fault-plan-property.test.ts */
const RUNS = Number(process.env.ASSET_SIM_PROPERTY_RUNS ?? 0);

const faultPlan = (n: number) => {
  const node = fc.integer({ min: 0, max: n - 1 }).map((i) => `v${i}`);
  const time = fc.integer({ min: 500, max: HEAL_AT_MS - 1000 });
  const crashes = fc.uniqueArray(fc.record({ node, at: time, downMs: fc.integer({ min: 100, max: 4000 }) }), { selector: (c) => c.node, maxLength: n });
  const networkFault = fc.oneof(
    fc.record({ at: time, action: fc.constant("partition"), split: fc.integer({ min: 1, max: n - 1 }) }).map(({ at, action, split }) => ({
      at: `${at}ms`,
      action,
      groups: [Array.from({ length: split }, (_, i) => `v${i}`), Array.from({ length: n - split }, (_, i) => `v${i + split}`)],
    })),
    fc.record({ at: time, node }).map(({ at, node: v }) => ({ at: `${at}ms`, action: "partition-oneway", from: [v], to: ["v0", "v1"].filter((x) => x !== v) })),
    fc.record({ at: time, node, direction: fc.constantFrom("both", "inbound", "outbound") }).map(({ at, node: v, direction }) => ({ at: `${at}ms`, action: "isolate", node: v, direction })),
    fc.record({ at: time }).map(({ at }) => ({ at: `${at}ms`, action: "isolate", node: "leader", direction: "outbound" })),
    fc.record({ at: time }).map(({ at }) => ({ at: `${at}ms`, action: "heal" })),
  );
  const clogs = fc.uniqueArray(fc.record({ node, at: time, forMs: fc.integer({ min: 100, max: 3000 }) }), { selector: (c) => c.node, maxLength: 2 });
  return fc.record({ crashes, network: fc.array(networkFault, { maxLength: 4 }), clogs }).map(({ crashes: cs, network, clogs: cl }) => [
    ...cs.flatMap((c) => [
      { at: `${c.at}ms`, action: "crash", node: c.node },
      { at: `${Math.min(c.at + c.downMs, HEAL_AT_MS)}ms`, action: "restart", node: c.node },
    ]),
    ...network,
    ...cl.flatMap((c) => [
      { at: `${c.at}ms`, action: "clog", node: c.node },
      { at: `${Math.min(c.at + c.forMs, HEAL_AT_MS)}ms`, action: "unclog", node: c.node },
    ]),
    { at: `${HEAL_AT_MS}ms`, action: "heal" },
  ]);
};

describe("fault plans (property)", () => {
  for (const n of [4, 7]) {
    it(`n = ${n}: safety always holds and commits resume after a full heal`, () => {
      fc.assert(
        fc.property(fc.nat({ max: 1_000_000 }), faultPlan(n), fc.constantFrom(0, 0.01, 0.05), (seed, faults, dropRate) => {
          const scenario = parseScenario({
            name: `property-n${n}`,
            seed,
            duration: "25s",
            validators: { count: n, blockTime: "250ms", viewTimeout: "1s" },
            network: { latency: { min: "2ms", max: "30ms" }, dropRate, duplicateRate: 0.01 },
            workload: { txPerSecond: 40 },
            faults,
            invariants: { maxReorgDepth: 1000, livenessBound: "10s" },
          });
          const report = runScenario(scenario);
          const failed = report.invariants.filter((r) => !r.ok).map((r) => `${r.name}: ${r.violation?.message}`);
          expect(failed).toEqual([]);
          expect(report.exitCode).toBe(0);
        }),
        { numRuns: RUNS > 0 ? RUNS : n === 4 ? 12 : 6 },
      );
    });
  }
});

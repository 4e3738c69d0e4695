/**
 * Goal: one catalog, no silent gaps. Every fault kind has every part (the
 * compiler refuses one without: see the @ts-expect-error below); every
 * "drawn by" names a kind that draws; every heal step is one the liveness
 * phase performs; the schema is the union of the kinds (an action no kind
 * handles is refused with the field named); each kind's sample action
 * round-trips through the file format and applies in a run.
 */
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { defineFaultKind, type HealStep } from "../../src/harness/fault-kind.js";
import { parseScenario } from "../../src/scenario/load.js";
import { runScenario } from "../../src/scenario/run.js";
import { scenarioToJson } from "../../src/scenario/to-json.js";
import { BUILTIN_SYSTEMS } from "../../src/systems/index.js";
import { loadProgramElf } from "../../src/runtime/program-files.js";

const catalog = BUILTIN_SYSTEMS.catalog;

/** One sample action per built-in kind (a scenario of 4 validators with the L1). */
const SAMPLES: Record<string, Record<string, unknown>[]> = {
  partition: [{ at: "1s", action: "partition", groups: [["v0"], ["v1", "v2", "v3"]] }, { at: "2s", action: "heal" }],
  "partition-oneway": [{ at: "1s", action: "partition-oneway", from: ["v0"], to: ["v1"] }, { at: "2s", action: "heal" }],
  isolate: [{ at: "1s", action: "isolate", node: "leader", direction: "outbound" }, { at: "2s", action: "heal" }],
  heal: [{ at: "1s", action: "heal" }],
  clog: [{ at: "1s", action: "clog", node: "v1" }, { at: "2s", action: "unclog", node: "v1" }],
  unclog: [{ at: "1s", action: "clog", node: "poster" }, { at: "2s", action: "unclog", node: "poster" }],
  redeliver: [{ at: "1s", action: "crash", node: "v2" }, { at: "2s", action: "restart", node: "v2" }, { at: "2100ms", action: "redeliver", to: "v2", from: ["v0", "v1"], olderThan: "1500ms", count: 20, keep: 64 }],
  crash: [{ at: "1s", action: "crash", node: "v1" }, { at: "2s", action: "restart", node: "v1" }],
  restart: [{ at: "1s", action: "crash", node: "poster" }, { at: "2s", action: "restart", node: "poster" }],
  pause: [{ at: "1s", action: "pause", node: "v2", duration: "300ms" }],
  "crash-point": [{ at: "1s", action: "crash-point", node: "v1", after: "sync", within: "500ms" }, { at: "2s", action: "restart", node: "v1" }],
  corrupt: [{ at: "1s", action: "corrupt", node: "v2", bits: 2 }],
  "torn-write": [{ at: "1s", action: "torn-write", node: "v3" }, { at: "2s", action: "restart", node: "v3" }],
  wipe: [{ at: "1s", action: "wipe", node: "v3" }, { at: "2s", action: "restart", node: "v3" }],
  "storage-faults": [{ at: "1s", action: "storage-faults", corruptRate: 0.01 }],
  clock: [{ at: "1s", action: "clock", node: "v1", skew: "-20ms", drift: 0.01 }],
  "l1-faults": [{ at: "1s", action: "l1-faults", dropRate: 0.1 }],
  "l1-reorg": [{ at: "1s", action: "l1-reorg", depth: 2 }],
};
const HEAL_STEPS: readonly HealStep[] = ["storage-rates", "network", "clogs", "restart", "clocks", "pauses", "system", "nothing"];
const scenarioWith = (faults: unknown[]) => ({ name: "catalog", seed: 5, duration: "4s", validators: { count: 4, signatureScheme: "sim" }, workload: { txPerSecond: 10, clients: 1 }, faults });

describe("fault catalog", () => {
  it("every kind has every part; drawn-by names a kind that draws; heal steps are the liveness phase's", () => {
    const actions = catalog.actionNames();
    expect(actions).toEqual(Object.keys(SAMPLES));
    for (const kind of catalog.kinds) {
      expect(kind.summary.length).toBeGreaterThan(10);
      expect(HEAL_STEPS).toContain(kind.heal);
      for (const part of [kind.swarm, kind.arbitrary]) {
        if (typeof part === "object" && "drawnBy" in part) {
          const by = catalog.kindOf({ action: part.drawnBy });
          expect(typeof by.swarm === "function" || !("drawnBy" in by.arbitrary)).toBe(true);
        }
      }
    }
  });

  it("the compiler refuses a kind missing a part", () => {
    // @ts-expect-error: no apply, describe, heal, swarm, arbitrary, real or symbolicTargets
    const incomplete = defineFaultKind<{ at: number; action: "hold" }>({ action: "hold", summary: "hold", schema: z.strictObject({ action: z.literal("hold") }), check: () => {}, model: () => {} });
    expect(incomplete.action).toBe("hold");
  });

  it('refuses an action no kind handles ("hold"), naming the field', () => {
    expect(() => parseScenario(scenarioWith([{ at: "1s", action: "hold", node: "v1" }]))).toThrow(/faults\[0\]/);
  });

  it("each kind's sample round-trips through the file format, applies in a run, and keeps safety", () => {
    const elf = loadProgramElf();
    for (const [action, faults] of Object.entries(SAMPLES)) {
      const scenario = parseScenario(scenarioWith(faults));
      const again = parseScenario(JSON.parse(JSON.stringify(scenarioToJson(scenario))));
      expect(again.faults, action).toEqual(scenario.faults);
      const report = runScenario(scenario, { programElf: elf });
      expect(report.metrics.faultsApplied, action).toBe(faults.length);
      expect(report.invariants.filter((r) => r.kind === "safety" && !r.ok), action).toEqual([]);
    }
  });

  it("real mode: each kind either gives control steps or says why not", () => {
    for (const [action, faults] of Object.entries(SAMPLES)) {
      const parsed = parseScenario(scenarioWith(faults)).faults[0]!;
      const real = catalog.kindOf(parsed).real(parsed);
      if ("unsupported" in real) expect(real.unsupported.length, action).toBeGreaterThan(10);
      else expect(real.length, action).toBeGreaterThan(0);
    }
  });
});

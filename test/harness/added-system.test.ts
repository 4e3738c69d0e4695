/**
 * Goal: the framework takes a new system through the registry API alone.
 * The counter system (test/helpers/counter-system.ts) brings its own section,
 * nodes, message codec, checker, metrics, summary line and fault kind
 * (`bounce`); nothing in src/ names it.
 */
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/scenario/load.js";
import { runScenario } from "../../src/scenario/run.js";
import { formatSummary } from "../../src/cli/summary.js";
import { InputError } from "../../src/config/errors.js";
import { swarmScenario } from "../../src/explore/swarm.js";
import { BUILTIN_SYSTEMS } from "../../src/systems/index.js";
import { counterSystem } from "../helpers/counter-system.js";

const registry = BUILTIN_SYSTEMS.with(counterSystem);
const base = {
  name: "counter",
  seed: 3,
  duration: "4s",
  validators: { count: 4, signatureScheme: "sim" },
  l1: { enabled: false },
  counter: { nodes: 3, incrementEvery: "100ms" },
};

describe("a system added through the registry (counter)", () => {
  it("runs beside the validators: its nodes, checker, metrics and summary line", () => {
    const scenario = parseScenario({ ...base, faults: [{ at: "1s", action: "bounce", node: "k1" }, { at: "2s", action: "crash", node: "k2" }, { at: "2500ms", action: "restart", node: "k2" }] }, { registry });
    const report = runScenario(scenario, { registry });
    expect(report.exitCode).toBe(0);
    const counter = report.invariants.find((r) => r.name === "counter-monotonic")!;
    expect(counter.ok).toBe(true);
    expect(counter.figures.totalsObserved).toBeGreaterThan(50);
    expect((report.metrics.counter as { highestTotal: number }).highestTotal).toBeGreaterThan(60);
    expect(report.metrics.faultsApplied).toBe(3);
    expect(formatSummary(report, registry)).toContain("counter: highest total");
    // The validators ran as always beside it.
    expect(report.metrics.commits).toBeGreaterThan(5);
  });

  it("its checker catches a deliberately broken variant: a node that forgets its own entry goes down after a bounce", () => {
    const scenario = parseScenario({ ...base, counter: { ...base.counter, forgetful: true }, faults: [{ at: "1s", action: "bounce", node: "k1" }] }, { registry });
    const report = runScenario(scenario, { registry });
    expect(report.exitCode).toBe(1);
    expect(report.violation?.invariant).toBe("counter-monotonic");
    expect(report.violation?.message).toMatch(/k1's own entry went down/);
  });

  it("its fault kind is checked like every other: unknown node, a node that cannot crash, unknown to the built-in registry", () => {
    expect(() => parseScenario({ ...base, faults: [{ at: "1s", action: "bounce", node: "k9" }] }, { registry })).toThrow(/faults\[0\]\.node: unknown node "k9"/);
    expect(() => parseScenario({ ...base, faults: [{ at: "1s", action: "bounce", node: "c0" }] }, { registry })).toThrow(InputError);
    // Without the system the section and the kind do not exist.
    expect(() => parseScenario({ ...base, faults: [] })).toThrow(/counter/);
    const { counter: _counter, ...plain } = base;
    expect(() => parseScenario({ ...plain, faults: [{ at: "1s", action: "bounce", node: "v1" }] })).toThrow(/faults\[0\]/);
  });

  it("swarm draws its kind from its own stream: the built-in kinds' draws for a seed do not change", () => {
    const withCounter = parseScenario(base, { registry });
    for (let seed = 0; seed < 40; seed++) {
      const plain = swarmScenario(withCounter, seed, BUILTIN_SYSTEMS.with({ ...counterSystem, faultKinds: [] }));
      const added = swarmScenario(withCounter, seed, registry);
      const withoutBounce = added.scenario.faults.filter((a) => a.action !== ("bounce" as string));
      expect(withoutBounce).toEqual(plain.scenario.faults);
    }
  });
});

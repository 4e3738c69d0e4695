/**
 * Goal: a scenario holds several rollups sharing one L1, one network and one
 * fault plan. Node ids are namespaced (`r1/v0`), roles come from node specs,
 * f from each validator set, each rollup has its own checkers and figures,
 * each posts to its own program on the one L1, and the layout round-trips.
 */
import { describe, expect, it } from "vitest";
import type { Observation } from "../../src/check/checker.js";
import { parseScenario } from "../../src/scenario/load.js";
import { ScenarioRun } from "../../src/scenario/scenario-run.js";
import { runAndJudge } from "../../src/scenario/run.js";
import { scenarioToJson } from "../../src/scenario/to-json.js";
import { loadProgramElf } from "../../src/runtime/program-files.js";

const rollup = (name: string, count: number, extra: Record<string, unknown> = {}) => ({ name, validators: { count, signatureScheme: "sim" }, workload: { txPerSecond: 20, clients: 1 }, ...extra });
const twoRollups = (faults: unknown[] = [], l1 = false, duration = "8s") => ({
  name: "two rollups",
  seed: 5,
  duration,
  l1: { enabled: l1 },
  rollups: [rollup("ra", 4), rollup("rb", 7, { byzantine: [{ node: "v6", behavior: "double-vote" }] })],
  faults,
});

describe("several rollups", () => {
  it("namespaced nodes, f per validator set, checkers and figures per rollup", () => {
    const scenario = parseScenario(twoRollups([{ at: "2s", action: "crash", node: "rb/v1" }, { at: "2s", action: "crash", node: "rb/v2" }, { at: "3s", action: "restart", node: "rb/v1" }, { at: "3s", action: "restart", node: "rb/v2" }]));
    const run = new ScenarioRun(scenario);
    const events: Observation[] = [];
    run.addObserver((o) => events.push(o));
    const report = runAndJudge(run);
    expect(run.world.nodesWithRole("validator", "ra")).toEqual(["ra/v0", "ra/v1", "ra/v2", "ra/v3"]);
    expect(run.world.nodesWithRole("client", "rb")).toEqual(["rb/c0"]);
    expect(run.rollup("ra").quorum.f).toBe(1);
    expect(run.rollup("rb").quorum.f).toBe(2);
    expect(report.invariants.map((r) => r.name)).toContain("rb/agreement");
    expect(report.invariants.every((r) => r.ok)).toBe(true);
    const figures = report.metrics.rollups!;
    expect(Object.keys(figures)).toEqual(["ra", "rb"]);
    expect((figures.ra!.commits as number) > 5 && (figures.rb!.commits as number) > 5).toBe(true);
    // Each rollup's commits come from its own validators only.
    const committers = new Set(events.filter((e) => e.event === "commit").map((e) => e.node.split("/")[0]));
    expect([...committers].sort()).toEqual(["ra", "rb"]);
  });

  it("more than f down in one rollup is judged against that rollup's f", () => {
    // Two of ra's four validators stay down: ra cannot make progress, rb can.
    const scenario = parseScenario(twoRollups([{ at: "1s", action: "crash", node: "ra/v1" }, { at: "1s", action: "crash", node: "ra/v2" }]));
    const report = runAndJudge(new ScenarioRun(scenario));
    expect(report.invariants.find((r) => r.name === "ra/liveness")!.skipped).toMatch(/more than f = 1/);
    expect(report.invariants.find((r) => r.name === "rb/liveness")!.skipped).toBeUndefined();
  });

  it("each rollup posts its roots to its own program on the one L1", () => {
    const scenario = parseScenario(twoRollups([], true, "20s"));
    const report = runAndJudge(new ScenarioRun(scenario, { programElf: loadProgramElf() }));
    expect(report.exitCode).toBe(0);
    const l1 = (name: string) => (report.metrics.rollups![name]!.l1 as { batchesFinalized: number }).batchesFinalized;
    expect(l1("ra")).toBeGreaterThan(0);
    expect(l1("rb")).toBeGreaterThan(0);
    expect(report.invariants.find((r) => r.name === "rb/l1-consistency")!.ok).toBe(true);
  });

  it("names the bad field inside a rollup, refuses both layouts at once, and round-trips", () => {
    expect(() => parseScenario({ ...twoRollups(), rollups: [rollup("ra", 0)] })).toThrow(/rollups\[0\]\.validators\.count/);
    expect(() => parseScenario({ ...twoRollups(), rollups: [rollup("ra", 4), rollup("ra", 4)] })).toThrow(/rollups\[1\]\.name/);
    expect(() => parseScenario({ ...twoRollups(), rollups: [rollup("ra", 4, { byzantine: [{ node: "ra/v1", behavior: "replay" }] })] })).toThrow(/rollups\[0\]\.byzantine\[0\]\.node/);
    expect(() => parseScenario({ ...twoRollups(), validators: { count: 4 } })).toThrow(/validators/);
    expect(() => parseScenario(twoRollups([{ at: "1s", action: "crash", node: "v1" }]))).toThrow(/unknown node "v1"/);
    const scenario = parseScenario(twoRollups([{ at: "1s", action: "isolate", node: "rb/leader" }, { at: "2s", action: "heal" }]));
    expect(parseScenario(JSON.parse(JSON.stringify(scenarioToJson(scenario))))).toEqual(scenario);
  });
});

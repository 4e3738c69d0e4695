/**
 * Goal: a scenario may leave out `validators` when it has the section of a
 * system that runs without them (`sbcp`): it parses to the `"none"` layout
 * (no validator rollup, no validator node, no leader target), runs with only
 * that system's nodes and checkers, and survives the seed-file round trip. A
 * scenario with nothing to run, or with a rollup section but no validators,
 * is an InputError naming the field.
 */
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/config/errors.js";
import { parseScenario, planOf } from "../../src/scenario/load.js";
import { scenarioToJson } from "../../src/scenario/to-json.js";
import { formatSummary } from "../../src/cli/summary.js";
import { rawScenario, runScenario } from "../helpers/scenario.js";

function inputErrorOf(f: () => unknown): InputError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error("expected an InputError");
}

describe("a scenario without validators", () => {
  it("sbcp-quickstart has no validators section and plans only SBCP nodes", () => {
    const raw = rawScenario("sbcp-quickstart");
    expect("validators" in raw).toBe(false);
    const scenario = parseScenario(raw);
    expect(scenario.layout).toBe("none");
    expect(scenario.rollups).toEqual([]);
    expect(scenario.validators.count).toBe(0);
    const plan = planOf(scenario);
    expect(plan.nodes.map((n) => n.role).filter((r) => r === "validator" || r === "client")).toEqual([]);
    expect(plan.nodes.map((n) => n.id)).toEqual(["sp", "seq1", "seq2", "seq3", "sc0", "sc1", "sc2"]);
    expect(plan.quorums).toEqual([]);
    expect(plan.targets.has("leader")).toBe(false);
  });

  it("runs with the SBCP checkers only, green, and its summary names no validator", () => {
    const report = runScenario(parseScenario({ ...rawScenario("sbcp-quickstart"), duration: "30s" }));
    expect(report.exitCode).toBe(0);
    expect(report.validators).toBe(0);
    expect(report.invariants.map((r) => r.name).every((n) => n.startsWith("sbcp-"))).toBe(true);
    expect(report.invariants.every((r) => r.ok)).toBe(true);
    const summary = formatSummary(report);
    expect(summary).toContain("no validators");
    expect(summary).not.toMatch(/commits undefined|rejected undefined/);
  });

  it("writes back to the file format without validators and parses to the same scenario", () => {
    const scenario = parseScenario(rawScenario("sbcp-quickstart"));
    const json = scenarioToJson(scenario);
    expect("validators" in json).toBe(false);
    expect("workload" in json).toBe(false);
    expect(parseScenario(JSON.parse(JSON.stringify(json)))).toEqual(scenario);
  });

  it("a scenario with nothing to run is an InputError on validators", () => {
    const { sbcp: _sbcp, ...rest } = rawScenario("sbcp-quickstart");
    const error = inputErrorOf(() => parseScenario(rest));
    expect(error.field).toBe("validators");
    expect(error.problem).toMatch(/nothing to run without validators.*sbcp/);
  });

  it("a rollup section without validators is an InputError naming it", () => {
    const error = inputErrorOf(() => parseScenario({ ...rawScenario("sbcp-quickstart"), workload: { txPerSecond: 5 } }));
    expect(error.field).toBe("workload");
    expect(error.problem).toMatch(/needs a validators section/);
    expect(inputErrorOf(() => parseScenario({ ...rawScenario("sbcp-quickstart"), byzantine: [] })).field).toBe("byzantine");
  });

  it("a fault naming the leader or a validator is refused: there is none", () => {
    expect(() => parseScenario({ ...rawScenario("sbcp-quickstart"), faults: [{ at: "5s", action: "crash", node: "leader" }] })).toThrow(InputError);
    expect(() => parseScenario({ ...rawScenario("sbcp-quickstart"), faults: [{ at: "5s", action: "crash", node: "v0" }] })).toThrow(/unknown node "v0"/);
  });

  it("bad fields of the rest of the file are still reported (not hidden by the missing validators)", () => {
    expect(inputErrorOf(() => parseScenario({ ...rawScenario("sbcp-quickstart"), duration: "-1s" })).field).toBe("duration");
    expect(inputErrorOf(() => parseScenario({ ...rawScenario("sbcp-quickstart"), sbcp: { rollups: 0 } })).field).toBe("sbcp.rollups");
  });
});

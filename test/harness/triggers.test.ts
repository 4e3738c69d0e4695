/**
 * Goal: faults fire at a time, at a view (when the first honest validator
 * enters it) or on a logged event, once or every time; a crash fired by a
 * node's own event ends its step there (a crash point); a triggered action
 * whose precondition fails is skipped and logged; runs stay deterministic.
 */
import { describe, expect, it } from "vitest";
import type { Observation } from "../../src/check/checker.js";
import { parseScenario } from "../../src/scenario/load.js";
import { ScenarioRun } from "../../src/scenario/scenario-run.js";
import { runAndJudge } from "../../src/scenario/run.js";
import { scenarioToJson } from "../../src/scenario/to-json.js";

const base = { name: "triggers", seed: 11, duration: "6s", validators: { count: 4, signatureScheme: "sim" }, workload: { txPerSecond: 20, clients: 1 }, l1: { enabled: false } };

function run(faults: unknown[], extra: Record<string, unknown> = {}): { events: Observation[]; report: ReturnType<typeof runAndJudge> } {
  const scenario = parseScenario({ ...base, ...extra, faults });
  const sim = new ScenarioRun(scenario);
  const events: Observation[] = [];
  sim.addObserver((o) => events.push(o));
  return { events, report: runAndJudge(sim) };
}

describe("triggers", () => {
  it('"at": { "view": N } fires when the first honest validator enters view N', () => {
    const { events, report } = run([{ at: { view: 6 }, action: "crash", node: "v1" }, { at: { view: 12 }, action: "restart", node: "v1" }]);
    const firstView6 = events.find((e) => e.event === "view" && (e.fields.view as number) >= 6)!;
    const faults = events.filter((e) => e.event === "fault");
    expect(faults[0]!.fields).toEqual({ description: "crash v1 (at view 6)", triggered: true });
    expect(faults[0]!.timeUs).toBe(firstView6.timeUs);
    expect(faults[1]!.fields.description).toBe("restart v1 (at view 12)");
    expect(report.exitCode).toBe(0);
  });

  it("an event trigger is a crash point: v2 crashes right after logging its vote for view 5, before anything else of that step", () => {
    const { events } = run([{ when: { node: "v2", event: "vote", view: 5 }, action: "crash", node: "v2" }]);
    const vote = events.findIndex((e) => e.node === "v2" && e.event === "vote" && e.fields.view === 5);
    expect(vote).toBeGreaterThan(0);
    const fault = events.findIndex((e) => e.event === "fault" && e.fields.description === "crash v2 (when v2 logs vote {\"view\":5})");
    expect(fault).toBeGreaterThan(vote);
    // Nothing between the vote and the fault, and v2 logs nothing more (it stays down).
    expect(events.slice(vote + 1, fault).filter((e) => e.node === "v2")).toEqual([]);
    expect(events.slice(fault + 1).filter((e) => e.node === "v2")).toEqual([]);
  });

  it('"every": true fires at each match; "when" without "every" fires once', () => {
    const every = run([{ when: { node: "v0", event: "propose" }, every: true, action: "clock", node: "v3", skew: "1ms" }]);
    const proposals = every.events.filter((e) => e.node === "v0" && e.event === "propose").length;
    expect(proposals).toBeGreaterThan(1);
    expect(every.events.filter((e) => e.event === "fault")).toHaveLength(proposals);
    const once = run([{ when: { node: "v0", event: "propose" }, action: "clock", node: "v3", skew: "1ms" }]);
    expect(once.events.filter((e) => e.event === "fault")).toHaveLength(1);
  });

  it("a triggered action whose precondition fails then is skipped and logged, not applied", () => {
    const { events, report } = run([{ when: { node: "v0", event: "propose" }, action: "restart", node: "v1" }]);
    const skipped = events.filter((e) => e.event === "fault-skipped");
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.fields.reason).toMatch(/v1 is not down/);
    expect(report.metrics.faultsApplied).toBe(0);
  });

  it("a triggered fault moves the liveness heal time to when it fired", () => {
    const { events, report } = run([{ at: { view: 8 }, action: "clock", node: "v3", skew: "2ms" }]);
    const fired = events.find((e) => e.event === "fault")!.timeUs;
    expect(report.invariants.find((r) => r.name === "liveness")!.figures.healAtUs).toBe(fired);
  });

  it("refuses a trigger that is not one: a view and an event together, every without when, no time at all", () => {
    expect(() => parseScenario({ ...base, faults: [{ view: 3, when: { event: "vote" }, action: "heal" }] })).toThrow(/faults\[0\]\.when/);
    expect(() => parseScenario({ ...base, faults: [{ at: "1s", every: true, action: "heal" }] })).toThrow(/faults\[0\]\.every/);
    expect(() => parseScenario({ ...base, faults: [{ action: "heal" }] })).toThrow(/faults\[0\]\.at/);
    expect(() => parseScenario({ ...base, faults: [{ at: { view: -1 }, action: "heal" }] })).toThrow(/faults\[0\]/);
  });

  it("round-trips through the file format and replays to the same digest", () => {
    const faults = [{ at: { view: 4 }, action: "crash", node: "v1" }, { when: { node: "v0", event: "commit", height: 8 }, action: "restart", node: "v1" }];
    const scenario = parseScenario({ ...base, faults });
    const again = parseScenario(JSON.parse(JSON.stringify(scenarioToJson(scenario))));
    expect(again.faults).toEqual(scenario.faults);
    expect(run(faults).report.traceDigest).toBe(run(faults).report.traceDigest);
  });
});

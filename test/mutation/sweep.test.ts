/**
 * The fast simulator sweep of the mutation run (`npm run mutate`, see
 * docs/mutation.md), and a normal test of the default suite as well: short
 * runs (ten simulated seconds each, `sim` signatures, no L1) that push the
 * safety rules of `src/consensus/`, the AssetVM and the mempool through the
 * rule adversaries (`stale-qc`, `fork-older`, `conflicting-justify`,
 * `forged-qc`, `lying-tc`, `lying-sync`, `mutate`), the older byzantine
 * behaviours (equivocation, double votes), a twin within f, crash points
 * and redelivered old proposals after a restart. Every run checks every
 * invariant the scenario judges (safety and liveness) and this file asserts
 * they all held, that the run ended cleanly (no node error: a replica's own
 * invariant check that trips is a failure here), that the misbehaviour
 * really reached the wire, and that the chain made progress. So a mutant
 * that breaks a voting, certificate, commit, pacemaker, sync, recovery,
 * execution or admission rule in a way these runs reach fails this file.
 * The whole file runs in a few seconds (the mutation run calls it once per
 * mutant that it covers).
 */
import { describe, expect, it } from "vitest";
import type { Observation } from "../../src/check/checker.js";
import type { RunReport } from "../../src/scenario/run.js";
import { runWatched } from "../helpers/scenario.js";

/** The invariants a run without the L1 judges; each must be reported, and hold. */
const JUDGED = ["agreement", "root-agreement", "conservation", "validity", "reference-ledger", "reorg-bound", "equivocation", "liveness"];

/** v2 down from 1 s to 2.5 s: its views time out, so later views are entered through a TC. */
const CRASH_V2 = [
  { at: "1s", action: "crash", node: "v2" },
  { at: "2.5s", action: "restart", node: "v2" },
];

/** A short n-validator run without the L1, with sim signatures, a light workload and `byzantine` as given. */
function sweepScenario(byzantine: unknown[], fields: Record<string, unknown> = {}, count = 4): Record<string, unknown> {
  return {
    name: "mutation-sweep",
    seed: 7,
    duration: "10s",
    // Round-robin leaders: each adversary leads every n-th view (reputation would stop choosing it).
    validators: { count, signatureScheme: "sim", viewTimeout: "500ms", leaderElection: "round-robin" },
    workload: { txPerSecond: 40 },
    l1: { enabled: false },
    byzantine,
    ...fields,
  };
}

/** Every judged invariant held, the run ended with exit 0 and no violation, and the honest chain reached `minHeight`. */
function expectHeld(report: RunReport, events: readonly Observation[], minHeight: number, honest: readonly string[]): void {
  for (const name of JUDGED) {
    const result = report.invariants.find((r) => r.name === name);
    expect(result, name).toBeDefined();
    expect(result!.ok, `${name}: ${result!.violation?.message ?? ""}`).toBe(true);
  }
  expect(report.violation).toBeUndefined();
  expect(report.exitCode).toBe(0);
  for (const node of honest) {
    const height = Math.max(0, ...events.filter((e) => e.event === "commit" && e.node === node).map((e) => Number(e.fields.height)));
    expect(height, `${node}'s committed height`).toBeGreaterThanOrEqual(minHeight);
    expectHeadsFollowed(events, node, height);
  }
}

/**
 * `head` (what the reorg-bound checker reads) is logged when a node's locked
 * QC moves to another known block, once per change (a restart forgets the
 * last one logged): never the same hash twice in a row within one boot, and
 * the last one at or above the node's committed height.
 */
function expectHeadsFollowed(events: readonly Observation[], node: string, committedHeight: number): void {
  let last: string | undefined;
  let lastHeight = 0;
  for (const e of events) {
    if (e.node !== node) continue;
    if (e.event === "boot") last = undefined;
    if (e.event !== "head") continue;
    expect(e.fields.hash, `${node} logged head ${String(e.fields.hash)} twice in a row at ${e.timeUs}`).not.toBe(last);
    last = String(e.fields.hash);
    lastHeight = Number(e.fields.height);
  }
  expect(lastHeight, `${node}'s last head height`).toBeGreaterThanOrEqual(committedHeight);
}

const of = (events: readonly Observation[], event: string, node?: string): Observation[] => events.filter((e) => e.event === event && (node === undefined || e.node === node));
const honestVotesFor = (events: readonly Observation[], hashes: ReadonlySet<string>, byzantine: string): Observation[] =>
  events.filter((e) => e.event === "vote" && e.node !== byzantine && hashes.has(String(e.fields.hash)));
const HONEST_4 = ["v0", "v1", "v2"];

describe("mutation sweep: safety and liveness under the adversaries, crash points and redelivery", () => {
  it("stale QC and fork from an older block (v3, f = 1), v2 crashed and restarted: no honest vote for them", () => {
    for (const behavior of ["stale-qc", "fork-older"]) {
      const { report, events } = runWatched(sweepScenario([{ node: "v3", behavior }], { faults: CRASH_V2 }));
      const attacks = of(events, `byzantine-${behavior}`, "v3");
      expect(attacks.length, behavior).toBeGreaterThan(0);
      expect(honestVotesFor(events, new Set(attacks.map((e) => String(e.fields.hash))), "v3"), behavior).toEqual([]);
      expectHeld(report, events, 4, HONEST_4);
    }
  });

  it("conflicting justifications (n = 7, f = 2): the stale half never votes for the staler block", () => {
    const { report, events } = runWatched(sweepScenario([{ node: "v3", behavior: "conflicting-justify" }], {}, 7));
    const conflicts = of(events, "byzantine-conflicting-justify", "v3");
    expect(conflicts.length).toBeGreaterThan(0);
    const stale = new Set(conflicts.map((e) => (e.fields.hashes as string[])[1]!));
    expect(honestVotesFor(events, stale, "v3")).toEqual([]);
    expectHeld(report, events, 12, ["v0", "v1", "v2", "v4", "v5", "v6"]);
  });

  it("forged QCs and TCs, and lying TCs (v3), v2 crashed and restarted: refused, safety and liveness hold", () => {
    for (const behavior of ["forged-qc", "lying-tc"]) {
      const { report, events } = runWatched(sweepScenario([{ node: "v3", behavior }], { seed: 3, faults: CRASH_V2 }));
      expect(of(events, `byzantine-${behavior}`, "v3").length, behavior).toBeGreaterThan(0);
      expect(events.some((e) => e.event === "reject" && e.node !== "v3" && e.fields.from === "v3"), behavior).toBe(true);
      expectHeld(report, events, 4, HONEST_4);
    }
  });

  it("lying sync peer (v3) while v0 catches up after an isolation: v0 commits with the others", () => {
    const faults = [
      { at: "1s", action: "isolate", node: "v0" },
      { at: "3s", action: "heal" },
    ];
    const { report, events } = runWatched(sweepScenario([{ node: "v3", behavior: "lying-sync" }], { seed: 1, faults }));
    expect(of(events, "byzantine-lying-sync", "v3").some((e) => e.fields.to === "v0")).toBe(true);
    expectHeld(report, events, 15, HONEST_4);
  });

  it("small-scope mutations (v3), then equivocation with double votes (v3)", () => {
    const mutated = runWatched(sweepScenario([{ node: "v3", behavior: "mutate" }]));
    expect(of(mutated.events, "byzantine-mutate", "v3").length).toBeGreaterThan(5);
    expectHeld(mutated.report, mutated.events, 8, HONEST_4);
    const equivocating = runWatched(sweepScenario([{ node: "v3", behavior: "equivocate" }, { node: "v3", behavior: "double-vote" }]));
    expect(of(equivocating.events, "byzantine-equivocate", "v3").length).toBeGreaterThan(0);
    expect(of(equivocating.events, "byzantine-double-vote", "v3").length).toBeGreaterThan(0);
    expectHeld(equivocating.report, equivocating.events, 18, HONEST_4);
  });

  it("a twin of v3 on the other side of a partition (f = 1): both instances vote, honest validators agree", () => {
    const faults = [
      { at: "0s", action: "partition", groups: [["v0", "v1", "v3"], ["v2", "v3t"]] },
      { at: "2s", action: "heal" },
    ];
    const { report, events } = runWatched(sweepScenario([{ node: "v3", behavior: "twin" }], { faults }));
    expect(of(events, "vote", "v3t").length).toBeGreaterThan(0);
    expect(invariant(report, "equivocation").figures.byzantineEquivocations as number).toBeGreaterThan(0);
    expectHeld(report, events, 16, HONEST_4);
  });

  it("crash points after a sync and after a send, restarts and redelivered old proposals (n = 4, no byzantine)", () => {
    const faults = [
      { at: "1s", action: "crash-point", node: "v1", after: "sync", within: "300ms" },
      { at: "1.5s", action: "restart", node: "v1" },
      { at: "1.5s", action: "redeliver", to: "v1", olderThan: "200ms", count: 200 },
      { at: "2.5s", action: "crash-point", node: "v2", after: "send", within: "300ms" },
      { at: "3s", action: "restart", node: "v2" },
      { at: "3s", action: "redeliver", to: "v2", olderThan: "200ms", count: 200 },
    ];
    const { report, events } = runWatched(sweepScenario([], { seed: 21, faults }));
    expect(of(events, "crash-point").length).toBe(2);
    expect(of(events, "redeliver").filter((e) => e.fields.to === "v1").length).toBeGreaterThan(10);
    expect(of(events, "redeliver").filter((e) => e.fields.to === "v2").length).toBeGreaterThan(10);
    // The restarted validators voted again after their restarts (the run did not just stop them).
    expect(of(events, "vote", "v1").some((e) => e.timeUs > 1_600_000)).toBe(true);
    expect(of(events, "vote", "v2").some((e) => e.timeUs > 3_100_000)).toBe(true);
    expectHeld(report, events, 18, ["v0", "v1", "v2", "v3"]);
  });
});

function invariant(report: RunReport, name: string): RunReport["invariants"][number] {
  const result = report.invariants.find((r) => r.name === name);
  expect(result, name).toBeDefined();
  return result!;
}

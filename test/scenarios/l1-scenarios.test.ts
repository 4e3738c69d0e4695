/**
 * The L1 scenarios: the AssetRollup program in litesvm on virtual time, the
 * batch poster and the operator, under L1 faults. Each asserts that the L1
 * invariants held, and the figures that show the situation really happened.
 * Determinism with the L1 in the loop is proven in the default suite by the
 * recorded digests of quickstart and l1-reorg with the L1
 * (test/scenarios/digests.test.ts); the two-run comparison is in the long
 * tier (l1-scenarios.long.test.ts).
 */
import { describe, expect, it } from "vitest";
import type { Observation } from "../../src/check/checker.js";
import { decodeRollupConfig, decodeRootRegistry } from "../../src/l1/rollup-accounts.js";
import { configAddress, deriveSolanaKeypair, registryPageAddress } from "../../src/l1/rollup-program.js";
import type { RunReport } from "../../src/scenario/run.js";
import type { ScenarioRun } from "../../src/scenario/scenario-run.js";
import { invariant, runRecorded, scenario } from "../helpers/scenario.js";

const S = 1_000_000;


/** Every invariant held, posting liveness was really judged, and the finalized registry is the committed chain. */
function expectPostedAndConsistent(report: RunReport, cluster: ScenarioRun, events: readonly Observation[]): void {
  expect(report.violation).toBeUndefined();
  expect(report.exitCode).toBe(0);
  for (const r of report.invariants) expect(r, r.name).toMatchObject({ ok: true });
  expect(invariant(report, "posting-liveness").skipped).toBeUndefined();
  expect(invariant(report, "l1-consistency").figures.rootDivergences).toBe(0);
  expect(report.metrics.l1.finalizedL2Height).toBeGreaterThan(report.metrics.commits - 64); // 64 blocks = 16 s: finality (32 slots, 12.8 s) plus posting

  // Read the finalized registry straight from the L1 and compare it with what validators committed.
  const l1 = cluster.l1Node!;
  const config = decodeRollupConfig(l1.accountAt(configAddress().toBase58(), "finalized")!.data);
  const committed = new Map<number, string>();
  for (const e of events) if (e.event === "state-root" && e.node === "v0") committed.set(e.fields.height as number, e.fields.root as string);
  const entries = [0, 1, 2, 3].flatMap((page) => {
    const account = l1.accountAt(registryPageAddress(page).toBase58(), "finalized");
    return account === null ? [] : decodeRootRegistry(account.data).entries;
  });
  expect(entries.length).toBe(Number(config.lastBatchHeight));
  entries.forEach((entry, i) => {
    expect(entry.height).toBe(BigInt(i + 1));
    expect(Buffer.from(entry.root).toString("hex")).toBe(committed.get(i + 1));
  });
  // Slots and timestamps come from the Clock sysvar driven by virtual time: non-decreasing.
  for (let i = 1; i < entries.length; i++) {
    expect(entries[i]!.slot >= entries[i - 1]!.slot).toBe(true);
    expect(entries[i]!.timestamp >= entries[i - 1]!.timestamp).toBe(true);
  }
}

function count(events: readonly Observation[], event: string, where: (e: Observation) => boolean = () => true): number {
  return events.filter((e) => e.event === event && where(e)).length;
}

describe("L1 scenarios", () => {
  it("l1-drops-and-delays: posting retries through dropped, delayed and failed requests, then catches up", () => {
    const { report, events, cluster } = runRecorded(scenario("l1-drops-and-delays"));
    expectPostedAndConsistent(report, cluster, events);
    const l1 = report.metrics.l1;
    expect(cluster.l1Node!.stats.dropped + cluster.l1Node!.stats.delayed).toBeGreaterThan(0);
    expect(l1.rpcErrors).toBeGreaterThan(0);
    expect(l1.resent + l1.retried).toBeGreaterThan(0);
    expect(l1.batchLatencyUs.p50).toBeGreaterThan(12 * S); // 32 slots of 400 ms to finality
  });

  it("l1-reorg: landed posting transactions undone by reorgs are re-posted in order, nothing twice", () => {
    const { report, events, cluster } = runRecorded(scenario("l1-reorg"));
    expectPostedAndConsistent(report, cluster, events);
    expect(report.metrics.l1.reorgs).toBe(3);
    const reorgs = events.filter((e) => e.event === "l1-reorg");
    expect(reorgs.map((e) => e.fields.depth)).toEqual([6, 6, 6]);
    // At least one reorg undid a landed posting: the chain's height went back and the poster noticed.
    expect(count(events, "poster-rewound") + count(events, "l1-tx-failed", (e) => e.fields.reason === "HeightNotNext")).toBeGreaterThan(0);
  });

  it("batch-poster-crash: a poster crashed mid-retry resumes from the config account at exactly the next height", () => {
    const { report, events, cluster } = runRecorded(scenario("batch-poster-crash"));
    expectPostedAndConsistent(report, cluster, events);
    const resends = events.filter((e) => e.event === "l1-tx-resent" && e.node === "poster" && e.timeUs >= 6 * S && e.timeUs < 10 * S);
    expect(resends.length).toBeGreaterThan(0); // it was retrying when it crashed
    const resumes = events.filter((e) => e.event === "poster-resume");
    expect(resumes).toHaveLength(2);
    expect(resumes[1]!.timeUs).toBe(16 * S);
    expect(resumes[1]!.fields.lastPosted as number).toBeGreaterThan(0); // read back from its storage
    // The first batch sent after the restart is exactly the chain's next height.
    const landedBefore = events.filter((e) => e.event === "l1-tx-landed" && e.timeUs < 10 * S).map((e) => e.fields.toBatch as number);
    const firstAfter = events.find((e) => e.event === "l1-tx-sent" && e.timeUs >= 16 * S)!;
    expect(firstAfter.fields.fromBatch).toBe(Math.max(...landedBefore) + 1);
  });

  it("incident-flow: pause, a refused intruder, key rotation, version, resume; the poster follows the new key", () => {
    const { report, events, cluster } = runRecorded(scenario("incident-flow"));
    expectPostedAndConsistent(report, cluster, events);
    expect(report.metrics.l1.operations).toEqual({
      "initialize:ok": 1,
      "pause:ok": 1,
      "unauthorized-pause:Unauthorized": 1,
      "rotate-poster:ok": 1,
      "set-version:ok": 1,
      "resume:ok": 1,
    });
    // No posting landed between the pause landing and the resume, and the poster said why it waited.
    const paused = events.find((e) => e.event === "operator-action" && e.fields.action === "pause")!.timeUs;
    const resumed = events.find((e) => e.event === "operator-action" && e.fields.action === "resume")!.timeUs;
    expect(paused).toBeLessThan(9 * S);
    expect(events.filter((e) => e.event === "l1-tx-landed" && e.timeUs > paused && e.timeUs < resumed - 400_000)).toEqual([]);
    expect(events.filter((e) => e.event === "poster-waiting").map((e) => e.fields.reason)).toContain("paused");
    const keys = events.filter((e) => e.event === "poster-key").map((e) => e.fields.authority);
    expect(keys).toEqual([deriveSolanaKeypair("poster/0", 24).publicKey.toBase58(), deriveSolanaKeypair("poster/1", 24).publicKey.toBase58()]);
    const config = decodeRollupConfig(cluster.l1Node!.accountAt(configAddress().toBase58(), "finalized")!.data);
    expect(config).toMatchObject({ paused: false, version: 2, lastGoodVersion: 1, batchPosterAuthority: keys[1] });
  });

  it("posts every K blocks when batchEveryBlocks is K", () => {
    const { report, events, cluster } = runRecorded(scenario("quickstart", { batchPoster: { batchEveryBlocks: 4 }, validators: { count: 4 }, faults: [] }, 30 * S));
    expect(report.exitCode).toBe(0);
    const finalized = events.filter((e) => e.event === "l1-root-finalized");
    expect(finalized.length).toBeGreaterThan(5);
    finalized.forEach((e, i) => expect(e.fields).toMatchObject({ batch: i + 1, l2Height: 4 * (i + 1) }));
    expect(invariant(report, "l1-consistency").figures.finalizedL2Height).toBe(4 * finalized.length);
    expect(cluster.l1Node).toBeDefined();
  });

  it("posting liveness fails (exit 3) when the bound is shorter than L1 finality", () => {
    const { report } = runRecorded(scenario("quickstart", { invariants: { postingLivenessBound: "1s" }, validators: { count: 4 }, faults: [] }, 20 * S));
    expect(invariant(report, "posting-liveness").ok).toBe(false);
    expect(report.violation?.invariant).toBe("posting-liveness");
    expect(report.exitCode).toBe(3);
  });
});

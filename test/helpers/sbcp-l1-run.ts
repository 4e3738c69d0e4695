/**
 * Runs of the shipped `sbcp/` scenarios with the L1 path, shared by
 * test/sbcp/l1-publishing.test.ts and its long tier: the run with its
 * checkers green, its L1 metrics and finalized registry, and the rollback
 * the rollback scenarios share.
 */
import { expect } from "vitest";
import { SBCP_L1_EVENTS } from "../../src/systems/sbcp/l1-events.js";
import type { SbcpL1Metrics } from "../../src/systems/sbcp/l1-metrics.js";
import { runSbcp, SBCP_CHECKERS, type SbcpRun } from "./sbcp-run.js";

/** Runs shipped scenario `sbcp/<name>` and expects exit 0, every SBCP checker green and every L1-path event well-formed. */
export const runGreen = (name: string): SbcpRun => {
  const r = runSbcp(`sbcp/${name}`);
  expect(r.report.exitCode).toBe(0);
  expect(r.greenCheckers()).toEqual(Object.fromEntries(SBCP_CHECKERS.map((n) => [n, true])));
  for (const e of r.events.filter((o) => SBCP_L1_EVENTS.is(o))) expect(SBCP_L1_EVENTS.validate(e)).toBeUndefined();
  return r;
};
/** The run's SBCP L1-path metrics (`report.metrics.sbcp.l1`). */
export const l1Metrics = (r: SbcpRun): SbcpL1Metrics => (r.report.metrics as unknown as { sbcp: { l1: SbcpL1Metrics } }).sbcp.l1;
/** The registry entries the L1 finalized, in order: number and hash. */
export const registry = (r: SbcpRun): { number: number; hash: string; parentHash: string }[] =>
  r.of("sbcp-l1-registry-finalized", "l1").map((e) => ({ number: r.f(e).number as number, hash: r.f(e).hash as string, parentHash: r.f(e).parentHash as string }));

/** The rollback the shipped rollback scenarios share: superblock 2 (built at 32 s) never lands; the SP rolls back to 1 at about 51.7 s. */
export function expectRollBackToOne(r: SbcpRun): void {
  expect(r.of("sbcp-l1-invalid", "sp").map((e) => [r.f(e).number, r.f(e).reason, r.f(e).lastValid])).toEqual([[2, "not published within the window", 1]]);
  expect(r.of("sbcp-rollback", "sp").map((e) => [r.f(e).lastValidNumber, r.f(e).dropped])).toEqual([[1, [2, 3]]]);
  // The L1 finalized superblock 1, then the rebuilt superblock 2 on it (never the dropped one).
  const dropped = r.superblocks.find((s) => s.number === 2)!;
  const entries = registry(r);
  expect(entries[0]!.number).toBe(1);
  expect(entries[1]!.number).toBe(2);
  expect(entries[1]!.hash).not.toBe(dropped.hash);
  expect(entries[1]!.parentHash).toBe(entries[0]!.hash);
}

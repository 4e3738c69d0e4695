/**
 * Goal: the SP publishes its superblocks to the L1 superblock registry
 * (`sbcp.l1`, `src/sbcp/l1/`) and learns their validity from it, in
 * whole-system runs of the shipped scenarios:
 * - `sbcp/l1-publish-reorg`: L1 reorgs undo landed posts and a window drops
 *   every L1 transaction; the SP posts again from the registry's last number,
 *   and every finalized registry entry is a superblock the SP built;
 * - `sbcp/l1-rollback` (long tier: l1-publishing.long.test.ts; the fault-table
 *   rows 7 and 8 below run the same rollback): a superblock not landed within
 *   `publishWindow` is invalid; the SP rolls back to the last superblock on
 *   the L1 and sends RollBackAndStartSlot; every sequencer reverts to its
 *   last valid block;
 * - an SP built here that posts superblock 2 with a hash not committing to
 *   its contents: the L1 refuses it (`SuperblockHashMismatch`), the SP rolls
 *   back and rebuilds it, and the rebuilt one is finalized;
 * - SP crash row 7 (`sbcp/sp-crash-during-rollback`) and sequencer crash
 *   row 8 (`sbcp/sequencer-crash-during-rollback`) of the SBCP fault table,
 *   with the outcome the spec states;
 * - the `sbcp-l1-registry` checker catches an SP built here whose L1 path
 *   publishes superblocks other than those it built (valid on the L1: the
 *   hash recomputed over a different slot).
 * Every logged L1-path event matches `SBCP_L1_EVENTS`.
 */
import { describe, expect, it } from "vitest";
import { toHex } from "../../src/crypto/hash.js";
import { L1SharedPublisher } from "../../src/sbcp/l1/l1-shared-publisher.js";
import { buildSuperblock, GENESIS_HASH, type Superblock } from "../../src/sbcp/superblock.js";
import type { SharedPublisher } from "../../src/sbcp/shared-publisher.js";
import { runAndJudge } from "../../src/scenario/run.js";
import { ScenarioRun } from "../../src/scenario/scenario-run.js";
import type { Node } from "../../src/sim/node.js";
import { loadProgramElf } from "../../src/runtime/program-files.js";
import { expectRollBackToOne, l1Metrics, registry, runGreen as run } from "../helpers/sbcp-l1-run.js";
import { SBCP_CHECKERS } from "../helpers/sbcp-run.js";
import { scenario } from "../helpers/scenario.js";

describe("the SP publishes superblocks to the L1 registry", () => {
  it("through reorgs and dropped transactions: posts again from the registry's last number; every finalized entry is the SP's", () => {
    const r = run("l1-publish-reorg");
    expect(r.of("sbcp-l1-initialized", "sp")).toHaveLength(1);
    expect(r.of("sbcp-l1-rewound", "sp").length).toBeGreaterThanOrEqual(1);
    const resent = r.of("sbcp-l1-publish-sent", "sp").filter((e) => r.f(e).resubmission === true);
    expect(resent.length).toBeGreaterThanOrEqual(1);
    // Every superblock the SP built before the last 15 s (finality ~13 s) is finalized on the L1 with its hash.
    const entries = registry(r);
    const built = r.superblocks.filter((s) => s.atUs < 70_000_000 - 15_000_000);
    expect(built.length).toBeGreaterThanOrEqual(3);
    for (const sb of built) expect(entries.find((e) => e.number === sb.number)?.hash).toBe(sb.hash);
    const m = l1Metrics(r);
    expect(m.finalized).toBe(entries.length);
    expect(m.resubmissions).toBe(resent.length);
    expect(m.latencyUs.p50).toBeGreaterThan(0);
    expect(r.report.invariants.find((i) => i.name === "sbcp-l1-registry")!.figures.finalizedSuperblocks).toBe(entries.length);
  });
});

describe("fault-table rows with a rollback", () => {
  it("SP row 7, crash after RollBackAndStartSlot (seq3 never got it): seq1 and seq2 revert, seq3 does not; all sync on the restarted SP's StartSlot", () => {
    const r = run("sp-crash-during-rollback");
    expectRollBackToOne(r);
    for (const seq of ["seq1", "seq2"]) expect(r.of("sbcp-reverted", seq).map((e) => [r.f(e).kind, r.f(e).to])).toEqual([["RollBackAndStartSlot", 1]]);
    // The restarted SP finds the rollback paid in its log and sends a plain StartSlot for slot 6; seq3 reverts on it.
    expect(r.of("sbcp-publisher-recovered", "sp").map((e) => [r.f(e).lastSlot, r.f(e).pendingRollBack])).toEqual([[5, false]]);
    expect(r.of("sbcp-reverted", "seq3").map((e) => [r.f(e).kind, r.f(e).to, r.f(e).reverted])).toEqual([["StartSlot", 1, [2, 3]]]);
    for (const seq of ["seq1", "seq2", "seq3"]) {
      const drafts = r.of("sbcp-draft-started", seq).filter((e) => r.f(e).slot === 6);
      expect(drafts.map((e) => [r.f(e).number, r.f(e).superblockNumber]), seq).toEqual([[2, 2]]);
    }
    const rebuilt = r.superblocks.filter((s) => s.slot >= 6);
    expect(rebuilt[0]).toMatchObject({ number: 2, chains: [1, 2, 3] });
  });

  it("sequencer row 8, crash while handling RollBackAndStartSlot: idle until the next StartSlot, then the normal flow", () => {
    const r = run("sequencer-crash-during-rollback");
    expectRollBackToOne(r);
    expect(r.of("sbcp-reverted", "seq2").map((e) => [r.f(e).kind, r.f(e).to])).toEqual([["RollBackAndStartSlot", 1]]);
    // Restarted with the revert on disk (head 1), no draft until slot 6's StartSlot.
    const restart = r.of("sbcp-sequencer-started", "seq2")[1]!;
    expect(r.f(restart).head).toBe(1);
    const draftsAfter = r.of("sbcp-draft-started", "seq2").filter((e) => e.timeUs > restart.timeUs);
    expect(draftsAfter[0]!.timeUs).toBeGreaterThanOrEqual(72_000_000);
    expect(draftsAfter.map((e) => r.f(e).slot)).toEqual([6, 7]);
    // Slot 5's superblock goes without chain 2; from slot 6 it is in again.
    expect(r.superblocks.find((s) => s.slot === 5)).toMatchObject({ partial: true, chains: [1, 3] });
    expect(r.superblocks.find((s) => s.slot === 6)!.chains).toEqual([1, 2, 3]);
  });
});

/** An SP whose L1 path sees (and publishes) each superblock with another slot, re-hashed and re-linked so the L1 accepts them. */
function misreportingPublisher(node: L1SharedPublisher): L1SharedPublisher {
  const forged = new Map<string, Superblock>();
  const sp = new Proxy(node.sp, {
    get(target, key, receiver) {
      if (key !== "superblocks") return Reflect.get(target, key, receiver) as unknown;
      let parent: Uint8Array = GENESIS_HASH;
      return target.superblocks.map((sb) => {
        const id = `${toHex(sb.Hash)}/${toHex(parent)}`;
        let other = forged.get(id);
        if (other === undefined) forged.set(id, (other = buildSuperblock(sb.Number, sb.Slot + 1000, parent, sb.L2Blocks, sb.IncludedXTs, sb.partial)));
        parent = other.Hash;
        return other;
      });
    },
  }) as SharedPublisher;
  return new L1SharedPublisher(sp, node.config);
}

/** An SP whose L1 path posts the first superblock 2 it builds with a hash that does not commit to its contents. */
function corruptingPublisher(node: L1SharedPublisher): L1SharedPublisher {
  let victim: string | undefined;
  const sp = new Proxy(node.sp, {
    get(target, key, receiver) {
      if (key !== "superblocks") return Reflect.get(target, key, receiver) as unknown;
      return target.superblocks.map((sb) => {
        if (sb.Number === 2) victim ??= toHex(sb.Hash);
        return sb.Number === 2 && toHex(sb.Hash) === victim ? { ...sb, Hash: Uint8Array.from(sb.Hash, (b, i) => (i === 0 ? b ^ 0xff : b)) } : sb;
      });
    },
  }) as SharedPublisher;
  return new L1SharedPublisher(sp, node.config);
}

describe("validity from the L1: a refused superblock", () => {
  it("the L1 refuses a superblock whose hash does not commit to its contents; the SP rolls back and rebuilds it", () => {
    const events: { node: string; event: string; fields: Record<string, unknown> }[] = [];
    const s = scenario("sbcp/l1-publish-reorg", { faults: [] }, 60_000_000);
    const broken = new ScenarioRun(s, { programElf: loadProgramElf(), wrapNode: (id, node) => (id === "sp" ? (corruptingPublisher(node as L1SharedPublisher) as Node<unknown>) : node) });
    broken.addObserver((o) => {
      if (o.event.startsWith("sbcp-")) events.push(o as never);
    });
    const report = runAndJudge(broken);
    const of = (event: string, node = "sp") => events.filter((e) => e.event === event && e.node === node).map((e) => e.fields);
    expect(of("sbcp-l1-invalid")).toEqual([{ number: 2, reason: "SuperblockHashMismatch", lastValid: 1 }]);
    expect(of("sbcp-rollback").map((f) => f.lastValidNumber)).toEqual([1]);
    for (const seq of ["seq1", "seq2", "seq3"]) expect(of("sbcp-reverted", seq).map((f) => f.kind)).toEqual(["RollBackAndStartSlot"]);
    // The rebuilt superblock 2 (another slot, another hash) is accepted and finalized; every checker stays green.
    const entries = of("sbcp-l1-registry-finalized", "l1");
    expect(entries.map((f) => f.number)).toEqual([1, 2]);
    const built2 = of("sbcp-superblock").filter((f) => f.number === 2);
    expect(built2).toHaveLength(2);
    expect(entries[1]!.hash).toBe(built2[1]!.hash);
    expect(report.exitCode).toBe(0);
    for (const name of SBCP_CHECKERS) expect(report.invariants.find((i) => i.name === name)?.ok, name).toBe(true);
  });
});

describe("sbcp-l1-registry", () => {
  it("catches an SP built here whose L1 path publishes superblocks it did not build", () => {
    const s = scenario("sbcp/l1-publish-reorg", { duration: "40s", faults: [] });
    const runBroken = new ScenarioRun(s, { programElf: loadProgramElf(), wrapNode: (id, node) => (id === "sp" ? (misreportingPublisher(node as L1SharedPublisher) as Node<unknown>) : node) });
    const report = runAndJudge(runBroken);
    expect(report.exitCode).toBe(1);
    const verdict = report.invariants.find((i) => i.name === "sbcp-l1-registry")!;
    expect(verdict.ok).toBe(false);
    expect(verdict.violation?.message).toMatch(/L1 registry superblock 1: hash .* is not a superblock the SP built/);
    // The honest SP on the same scenario is green.
    const honest = runAndJudge(new ScenarioRun(s, { programElf: loadProgramElf() }));
    expect(honest.invariants.find((i) => i.name === "sbcp-l1-registry")).toMatchObject({ ok: true, figures: { finalizedSuperblocks: 1 } });
  });
});

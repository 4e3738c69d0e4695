/**
 * Goal: the SP and the sequencers recover from their write-ahead logs as SBCP
 * v1's fault table says, in whole-system runs of the shipped scenarios
 * `sim-scenarios/sbcp/sp-*.json` and `sequencer-{corrupt-block,disk-lost}.json`
 * (sbcp-quickstart for 70 s: slots of 12 s from 12 s, sealing 8 s in). Each SP crash point of the table is placed
 * exactly with an event trigger (the crash happens inside the SP's step,
 * right after the event) or a crash point, and its expected outcome asserted:
 * the system idles while the SP is down, the SP resumes with the
 * deterministic next slot from its stored superblocks, superblock numbers
 * continue without a gap or a repeat, and every checker stays green. Storage
 * faults give a clear outcome: a lost or torn SP disk halts the SP (no
 * superblock after, none rebuilt on a guess); a corrupt or lost sequencer disk
 * is cut at the bad block and refetched from the SP.
 */
import { describe, expect, it } from "vitest";
import type { SbcpMessage } from "../../src/sbcp/messages.js";
import { runAndJudge } from "../../src/scenario/run.js";
import { ScenarioRun } from "../../src/scenario/scenario-run.js";
import type { Node, NodeContext, Storage } from "../../src/sim/node.js";
import { rawScenario, scenario } from "../helpers/scenario.js";

const rawSbcp = (name: string): unknown => rawScenario(name).sbcp;
import { runSbcp, SBCP_CHECKERS, type SbcpRun } from "../helpers/sbcp-run.js";

const SEQUENCERS = ["seq1", "seq2", "seq3"];
const run = (name: string): SbcpRun => runSbcp(`sbcp/${name}`);

/**
 * What every SP crash row shares: green checkers, superblock numbers 1..n each once, chained, some built after
 * the restart, which recovered every superblock built before it. The restart fires within a second of
 * `armedUs` (the shipped files restart the SP at the first submission of client sc0 from then: a timed restart
 * cannot follow an event-triggered crash in a plan). Returns its time.
 */
function expectResumed(r: SbcpRun, armedUs: number): number {
  expect(r.report.exitCode).toBe(0);
  for (const name of SBCP_CHECKERS) expect(r.report.invariants.find((i) => i.name === name)?.ok, name).toBe(true);
  expect(r.superblocks.map((s) => s.number)).toEqual(r.superblocks.map((_, i) => i + 1));
  for (let i = 1; i < r.superblocks.length; i++) expect(r.superblocks[i]!.parentHash).toBe(r.superblocks[i - 1]!.hash);
  const recovered = r.of("sbcp-publisher-recovered", "sp");
  expect(recovered).toHaveLength(1);
  const restartUs = recovered[0]!.timeUs;
  expect(restartUs).toBeGreaterThanOrEqual(armedUs);
  expect(restartUs).toBeLessThanOrEqual(armedUs + 1_000_000);
  expect(r.f(recovered[0]!).superblocks).toBe(r.superblocks.filter((s) => s.atUs < restartUs).length);
  expect(r.of("sbcp-publisher-halted")).toEqual([]);
  expect(r.superblocks.some((s) => s.atUs > restartUs)).toBe(true);
  return restartUs;
}

describe("SP crash points (SBCP fault table, SP rows)", () => {
  it("row 1, before StartSlot: slot 2 never starts (no sequencer drafts it), the SP resumes with slot 3", () => {
    // Slot 2 starts at 24 s; between the seal of slot 1 (20 s) and then, the SP's next send is slot 2's first StartSlot.
    const r = run("sp-crash-before-start-slot");
    expectResumed(r, 30_000_000);
    // The SP logs slot 2 started (on disk and as its event) just before its StartSlot would go out: no StartSlot of slot 2 left it.
    expect(r.slots.map((s) => s.slot)).toEqual([1, 2, 3, 4, 5]);
    expect(r.of("crash-point").map((e) => r.f(e).point)).toEqual(["before send"]);
    for (const seq of SEQUENCERS) expect(r.of("sbcp-draft-started", seq).map((e) => r.f(e).slot)).toEqual([1, 3, 4, 5]);
    // The slot was logged started before its StartSlot would have gone out, so the SP did not start it again at 30 s.
    expect(r.f(r.of("sbcp-publisher-recovered")[0]!).lastSlot).toBe(2);
    expect(r.slots.find((s) => s.slot === 3)!.atUs).toBe(36_000_000);
    expect(r.superblocks.map((s) => s.slot)).toEqual([1, 3, 4, 5]);
  });

  it("row 2, after StartSlot: sequencers stay in Building-Free (no seal for slot 2) until the SP resumes with slot 3", () => {
    const r = run("sp-crash-after-start-slot");
    // Armed by the event the SP logs just before its broadcast, the crash point stops it right after the third send (to seq3).
    expect(r.of("crash-point").map((e) => [r.f(e).point, r.f(e).to])).toEqual([["after send", "seq3"]]);
    expectResumed(r, 30_000_000);
    for (const seq of SEQUENCERS) {
      expect(r.of("sbcp-draft-started", seq).map((e) => r.f(e).slot)).toContain(2);
      expect(r.of("sbcp-block-sealed", seq).map((e) => r.f(e).slot)).not.toContain(2);
    }
    expect(r.slots.map((s) => s.slot)).toEqual([1, 2, 3, 4, 5]);
    expect(r.superblocks.map((s) => s.slot)).toEqual([1, 3, 4, 5]);
  });

  it("row 3, after StartSC before Decided: the instance is never decided, participants stay Building-Locked until the next slot; the logged xT is queued again after the restart", () => {
    const r = run("sp-crash-after-start-sc");
    // Armed by the event the SP logs just before its broadcast, the crash point stops it right after the third send (to seq3).
    expect(r.of("crash-point").map((e) => [r.f(e).point, r.f(e).to])).toEqual([["after send", "seq3"]]);
    const restartUs = expectResumed(r, 40_000_000);
    const started = r.of("sbcp-instance-started", "sp").filter((e) => e.timeUs >= 24_000_000)[0]!;
    const xTid = r.f(started).xTid;
    expect(r.of("sbcp-decided").filter((e) => r.f(e).xTid === xTid && e.timeUs < restartUs)).toEqual([]);
    expect(r.of("sbcp-instance-decided").filter((e) => r.f(e).xTid === xTid && e.timeUs < restartUs)).toEqual([]);
    // The SP's log kept it: the restart queues it again, and it is decided once in a later slot.
    expect(r.f(r.of("sbcp-publisher-recovered", "sp")[0]!).requeued).toContain(xTid);
    expect(r.of("sbcp-decided", "sp").filter((e) => r.f(e).xTid === xTid).map((e) => r.f(e).slot)).toHaveLength(1);
    // Every sequencer joined it and none sealed slot 2; slot 3 starts at the restart (before its seal, 44 s).
    for (const seq of SEQUENCERS) {
      expect(r.of("sbcp-instance-joined", seq).filter((e) => r.f(e).xTid === xTid && e.timeUs < restartUs)).toHaveLength(1);
      expect(r.of("sbcp-block-sealed", seq).map((e) => r.f(e).slot)).not.toContain(2);
    }
    expect(r.slots.find((s) => s.slot === 3)!.atUs).toBe(restartUs);
    expect(r.superblocks.filter((s) => s.slot <= 2).flatMap((s) => s.xTids)).not.toContain(xTid);
    expect(r.superblocks.flatMap((s) => s.xTids).filter((x) => x === xTid).length).toBeLessThanOrEqual(1);
  });

  it("row 4, after broadcasting Decided before recording it: sequencers applied it, no superblock of its slot includes it; queued again after the restart, it is included once", () => {
    const r = run("sp-crash-after-decided");
    const restartUs = expectResumed(r, 40_000_000);
    // The crash follows the first Decided(true) from 24 s (a Decided(false) may come before it).
    const decided = r.of("sbcp-decided", "sp").filter((e) => e.timeUs >= 24_000_000 && r.f(e).decision === true)[0]!;
    const xTid = r.f(decided).xTid;
    // The SP logs the decision just before its sends; the crash point it arms stops the SP right after the third, to seq3.
    expect(r.of("crash-point").map((e) => [e.timeUs, r.f(e).point, r.f(e).to])).toEqual([[decided.timeUs, "after send", "seq3"]]);
    expect(r.of("sbcp-instance-decided").filter((e) => r.f(e).xTid === xTid && r.f(e).decision === true && e.timeUs < restartUs)).toHaveLength(3);
    expect(r.superblocks.filter((s) => s.atUs < restartUs).flatMap((s) => s.xTids)).not.toContain(xTid);
    // The sequencers' blocks of that slot were reverted at the restart's StartSlot, so running it again runs it once.
    expect(r.f(r.of("sbcp-publisher-recovered", "sp")[0]!).requeued).toContain(xTid);
    expect(r.superblocks.flatMap((s) => s.xTids).filter((x) => x === xTid).length).toBeLessThanOrEqual(1);
    expect(r.superblocks.map((s) => s.slot)).not.toContain(2);
  });

  it("row 5, after RequestSeal before the L2 blocks: the sequencers seal and send, the SP rebuilds on the old heads and they revert", () => {
    const r = run("sp-crash-after-request-seal");
    // Armed by the event the SP logs just before its broadcast, the crash point stops it right after the third send (to seq3).
    expect(r.of("crash-point").map((e) => [r.f(e).point, r.f(e).to])).toEqual([["after send", "seq3"]]);
    expectResumed(r, 40_000_000);
    for (const seq of SEQUENCERS) {
      const sealed2 = r.of("sbcp-block-sealed", seq).find((e) => r.f(e).slot === 2)!;
      expect(sealed2).toBeDefined();
      // Slot 3's StartSlot asks for the same block number again: the block of slot 2 is reverted.
      expect(r.of("sbcp-reverted", seq).map((e) => r.f(e).reverted)).toEqual([[r.f(sealed2).number]]);
    }
    expect(r.superblocks.map((s) => s.slot)).toEqual([1, 3, 4, 5]);
  });

  it("row 6, after the superblock is assembled (and logged): the restarted SP continues from it", () => {
    const r = run("sp-crash-after-superblock");
    expectResumed(r, 40_000_000);
    expect(r.f(r.of("sbcp-publisher-recovered")[0]!).superblocks).toBe(2);
    expect(r.superblocks.map((s) => s.slot)).toEqual([1, 2, 3, 4, 5]);
    for (const seq of SEQUENCERS) expect(r.of("sbcp-reverted", seq)).toEqual([]);
  });
});

describe("a broken SP log is caught", () => {
  it("an SP whose log loses its superblock records (built here) restarts at superblock 1 again: sbcp-superblock-chain fails", () => {
    // The storage the SP sees lists no superblock record: it recovers the slot but none of its superblocks.
    const hideSuperblocks = (ctx: NodeContext<SbcpMessage>): NodeContext<SbcpMessage> => {
      const storage: Storage = { get: (k) => ctx.storage.get(k), put: (k, v) => ctx.storage.put(k, v), delete: (k) => ctx.storage.delete(k), sync: () => ctx.storage.sync(), keys: (p) => ctx.storage.keys(p).filter((k) => !k.startsWith("sp/superblock/")) };
      return new Proxy(ctx, { get: (target, key, receiver) => (key === "storage" ? storage : (Reflect.get(target, key, receiver) as unknown)) });
    };
    const wrap = (id: string, node: Node<unknown>): Node<unknown> => {
      if (id !== "sp") return node;
      const sp = node as Node<SbcpMessage>;
      return { start: (ctx) => sp.start(hideSuperblocks(ctx as NodeContext<SbcpMessage>)), onMessage: (ctx, from, msg) => sp.onMessage(hideSuperblocks(ctx as NodeContext<SbcpMessage>), from, msg as SbcpMessage), onTimer: (ctx, t, tag) => sp.onTimer(hideSuperblocks(ctx as NodeContext<SbcpMessage>), t, tag) };
    };
    const report = runAndJudge(new ScenarioRun(scenario("sbcp/sp-crash-after-superblock"), { wrapNode: wrap }));
    expect(report.exitCode).toBe(1);
    expect(report.violation?.invariant).toBe("sbcp-superblock-chain");
  });
});

describe("the SP's xT queue survives a restart (sp/xt/ records)", () => {
  const tight = { sbcp: { ...(rawSbcp("sbcp/sp-crash-after-start-sc") as object), liveness: { xtDecidedWithin: "20s" } } };

  it("the xTs queued before an SP crash are queued again and judged by sbcp-liveness: none lost, green", () => {
    const r = runSbcp("sbcp/sp-crash-after-start-sc", tight);
    expect(r.report.exitCode).toBe(0);
    const liveness = r.report.invariants.find((i) => i.name === "sbcp-liveness")!;
    expect(liveness.figures.xtsLostAtRestart).toBe(0);
    const requeued = r.f(r.of("sbcp-publisher-recovered", "sp")[0]!).requeued as string[];
    expect(requeued.length).toBeGreaterThan(1);
    // Each is decided (or expires) after the restart.
    const settled = new Set([...r.of("sbcp-decided", "sp"), ...r.of("sbcp-xt-expired", "sp")].map((e) => r.f(e).xTid));
    for (const x of requeued) expect(settled.has(x)).toBe(true);
  });

  it("an SP whose log drops its xT records (built here) loses them at its restart: sbcp-liveness fails", () => {
    const dropXts = (ctx: NodeContext<SbcpMessage>): NodeContext<SbcpMessage> => {
      const storage: Storage = { get: (k) => ctx.storage.get(k), put: (k, v) => (k.startsWith("sp/xt/") ? undefined : ctx.storage.put(k, v)), delete: (k) => ctx.storage.delete(k), sync: () => ctx.storage.sync(), keys: (p) => ctx.storage.keys(p) };
      return new Proxy(ctx, { get: (target, key, receiver) => (key === "storage" ? storage : (Reflect.get(target, key, receiver) as unknown)) });
    };
    const wrap = (id: string, node: Node<unknown>): Node<unknown> => {
      if (id !== "sp") return node;
      const sp = node as Node<SbcpMessage>;
      return { start: (ctx) => sp.start(dropXts(ctx as NodeContext<SbcpMessage>)), onMessage: (ctx, from, msg) => sp.onMessage(dropXts(ctx as NodeContext<SbcpMessage>), from, msg as SbcpMessage), onTimer: (ctx, t, tag) => sp.onTimer(dropXts(ctx as NodeContext<SbcpMessage>), t, tag) };
    };
    const report = runAndJudge(new ScenarioRun(scenario("sbcp/sp-crash-after-start-sc", tight), { wrapNode: wrap }));
    const liveness = report.invariants.find((i) => i.name === "sbcp-liveness")!;
    expect(liveness.ok).toBe(false);
    expect(liveness.violation?.message).toMatch(/still undecided at the end/);
    expect(liveness.figures.xtsLostAtRestart).toBeGreaterThan(0);
  });
});

describe("storage faults on SBCP disks", () => {
  it("a lost SP disk halts the SP: it says so, builds no superblock after, and no checker sees a rebuilt chain", () => {
    const r = run("sp-disk-lost");
    expect(r.report.exitCode).toBe(0);
    const halted = r.of("sbcp-publisher-halted", "sp");
    expect(halted).toHaveLength(1);
    expect(r.f(halted[0]!).reason).toMatch(/the disk is lost/);
    expect(r.superblocks.every((s) => s.atUs < 30_000_000)).toBe(true);
    expect(r.slots.every((s) => s.atUs < 30_000_000)).toBe(true);
  });

  it("a torn SP write halts the SP at its restart (the store reports the record it cut)", () => {
    // At 32 s the SP is sealing slot 2; the crash tears a write of its last sync (the slot record of slot 2).
    const r = run("sp-torn-write");
    expect(r.report.exitCode).toBe(0);
    const halted = r.of("sbcp-publisher-halted", "sp");
    expect(halted).toHaveLength(1);
    expect(r.f(halted[0]!).reason).toMatch(/storage corrupt under sp\//);
    expect(r.superblocks.every((s) => s.atUs < 33_000_000)).toBe(true);
  });

  it("a corrupt sequencer block is cut from its log at restart and fetched again from the SP", () => {
    const r = run("sequencer-corrupt-block");
    expect(r.report.exitCode).toBe(0);
    for (const name of SBCP_CHECKERS) expect(r.report.invariants.find((i) => i.name === name)?.ok, name).toBe(true);
    const cut = r.of("sbcp-log-cut", "seq2");
    expect(cut).toHaveLength(1);
    expect(r.f(cut[0]!).kept).toBe(0);
    expect(r.of("sbcp-recovered-block", "seq2").map((e) => r.f(e).number)).toEqual([1, 2, 3]);
    // Slot 3 was sealed (44 s) before the crash; slot 4's StartSlot finds it without its parent, so it fetches its
    // blocks during slot 4, whose superblock is partial (without chain 2); it builds again from slot 5.
    const after = r.superblocks.filter((s) => s.atUs > 47_000_000);
    expect(after.map((s) => [s.slot, s.chains])).toEqual([
      [4, [1, 3]],
      [5, [1, 2, 3]],
    ]);
  });

  it("a sequencer restarted with its log replays it (no fetch); with a lost disk it fetches every block", () => {
    const kept = runSbcp("sbcp/sequencer-disk-lost", {
      faults: [
        { at: "45s", action: "crash", node: "seq1" },
        { at: "47s", action: "restart", node: "seq1" },
      ],
    });
    expect(kept.report.exitCode).toBe(0);
    const started = kept.of("sbcp-sequencer-started", "seq1");
    expect(started.map((e) => kept.f(e).head)).toEqual([0, 3]);
    expect(kept.of("sbcp-recovered-block", "seq1")).toEqual([]);
    const lost = run("sequencer-disk-lost");
    expect(lost.report.exitCode).toBe(0);
    expect(lost.of("sbcp-sequencer-started", "seq1").map((e) => lost.f(e).head)).toEqual([0, 0]);
    expect(lost.of("sbcp-recovered-block", "seq1").map((e) => lost.f(e).number)).toEqual([1, 2, 3]);
    for (const name of SBCP_CHECKERS) expect(lost.report.invariants.find((i) => i.name === name)?.ok, name).toBe(true);
  });
});

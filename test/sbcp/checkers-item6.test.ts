/**
 * Goal: the checkers of issue 17 item 6 (`sbcp-mailbox`, `sbcp-no-local-while-locked`,
 * `sbcp-liveness`) are registered in the `sbcp` system, stay green on
 * sbcp-quickstart, and each catches a broken variant built here: a sequencer
 * whose mailbox alters the messages it receives, a block whose inbox lacks a
 * message its source wrote (a hand-edited event stream), a sequencer that lets
 * local transactions in while Building-Locked (its assertion bypassed), an SP
 * that stops taking L2 blocks after 30 s, an xT never decided, and a halt the
 * scenario does not expect (and one it expects that does not come).
 */
import { describe, expect, it } from "vitest";
import type { Observation } from "../../src/check/checker.js";
import { NoLocalWhileLockedChecker } from "../../src/check/sbcp/building-locked.js";
import { SbcpLivenessChecker } from "../../src/check/sbcp/liveness.js";
import { MailboxConsistencyChecker } from "../../src/check/sbcp/mailbox.js";
import type { SbcpMessage } from "../../src/sbcp/messages.js";
import { Sequencer } from "../../src/sbcp/sequencer.js";
import { runAndJudge } from "../../src/scenario/run.js";
import { ScenarioRun } from "../../src/scenario/scenario-run.js";
import type { Node, NodeContext } from "../../src/sim/node.js";
import { rawScenario, runScenario, scenario } from "../helpers/scenario.js";

const SEQUENCERS = new Map([
  ["seq1", 1],
  ["seq2", 2],
  ["seq3", 3],
]);
const NEW_CHECKERS = ["sbcp-mailbox", "sbcp-no-local-while-locked", "sbcp-liveness"];

/** sbcp-quickstart with its `sbcp` section fields replaced by `sbcp`. */
function quickstart(fields: Record<string, unknown>, sbcp: Record<string, unknown> = {}) {
  const base = rawScenario("sbcp-quickstart");
  return scenario("sbcp-quickstart", { ...fields, sbcp: { ...(base.sbcp as Record<string, unknown>), ...sbcp } });
}

/** Runs `s` keeping every observation; `wrap` replaces nodes. */
function run(s: ReturnType<typeof scenario>, wrap?: (id: string, node: Node<unknown>) => Node<unknown>) {
  const events: Observation[] = [];
  const cluster = new ScenarioRun(s, wrap === undefined ? {} : { wrapNode: wrap });
  cluster.addObserver((o) => events.push(o));
  return { report: runAndJudge(cluster), events };
}

/** A node whose incoming messages pass through `edit` first. */
function editingInbound(node: Node<SbcpMessage>, edit: (ctx: NodeContext<SbcpMessage>, from: string, msg: SbcpMessage) => SbcpMessage | undefined): Node<SbcpMessage> {
  return {
    start: (ctx) => node.start(ctx),
    onMessage: (ctx, from, msg) => {
      const edited = edit(ctx, from, msg);
      if (edited !== undefined) node.onMessage(ctx, from, edited);
    },
    onTimer: (ctx, timer, tag) => node.onTimer(ctx, timer, tag),
  };
}

describe("SBCP checkers of issue 17 item 6", () => {
  const clean = run(quickstart({ duration: "40s" }));

  it("are registered and green on sbcp-quickstart, having judged messages, local transactions and xTs", () => {
    expect(clean.report.exitCode).toBe(0);
    const byName = new Map(clean.report.invariants.map((i) => [i.name, i]));
    for (const name of NEW_CHECKERS) expect(byName.get(name)?.ok, name).toBe(true);
    expect(byName.get("sbcp-liveness")?.skipped).toBeUndefined();
    expect(byName.get("sbcp-mailbox")?.figures.messagesRead).toBeGreaterThan(10);
    expect(byName.get("sbcp-no-local-while-locked")?.figures.localApplied).toBeGreaterThan(10);
    expect(byName.get("sbcp-liveness")?.figures.xtsJudged).toBeGreaterThan(10);
  });

  it("sbcp-mailbox catches a sequencer whose mailbox alters the Source of every CIRC message it receives", () => {
    const forged = new Uint8Array(32).fill(0xee); // an AssetVM account: a shorter one fails the simulation (vote false) before any read
    const { report } = run(quickstart({ duration: "40s" }), (id, node) =>
      id === "seq2" ? (editingInbound(node as Node<SbcpMessage>, (_ctx, _from, msg) => (msg.type === "CIRCMessage" ? { ...msg, Source: [forged] } : msg)) as Node<unknown>) : node,
    );
    expect(report.violation?.invariant).toBe("sbcp-mailbox");
    expect(report.violation?.message).toMatch(/chain 2 read a CIRC message \(session \d+, label \S+\) chain \d never wrote to it/);
  });

  it("sbcp-mailbox catches an inbox that lacks a message its source wrote (one sbcp-circ-read left out)", () => {
    const i = clean.events.findIndex((o) => o.event === "sbcp-circ-read");
    expect(i).toBeGreaterThan(0);
    const checker = new MailboxConsistencyChecker(SEQUENCERS);
    const violations = clean.events.filter((_, j) => j !== i).map((o) => checker.observe(o));
    expect(violations.find((v) => v !== undefined)?.message).toMatch(/inbox from chain \d holds 0 message\(s\), its outbox to chain \d 1/);
    // The same stream without the edit passes.
    const whole = new MailboxConsistencyChecker(SEQUENCERS);
    expect(clean.events.map((o) => whole.observe(o)).filter((v) => v !== undefined)).toEqual([]);
  });

  it("sbcp-no-local-while-locked catches a sequencer that lets local transactions in while Building-Locked", () => {
    type Inner = { phaseValue: string; applyLocal(ctx: unknown, tx: Uint8Array): void };
    const proto = Sequencer.prototype as unknown as { onLocalTransaction(ctx: unknown, tx: Uint8Array): void };
    const original = proto.onLocalTransaction;
    proto.onLocalTransaction = function (this: Inner, ctx, tx) {
      if (this.phaseValue !== "BuildingLocked") return original.call(this, ctx, tx);
      // Broken: pretends to be Building-Free for the transaction (bypassing the assertion).
      this.phaseValue = "BuildingFree";
      this.applyLocal(ctx, tx);
      this.phaseValue = "BuildingLocked";
    };
    try {
      const { report } = run(quickstart({ duration: "40s" }, { workload: { clients: 4, txPerSecond: 60, xtShare: 0.5, failingXtShare: 0.2 } }));
      expect(report.violation?.invariant).toBe("sbcp-no-local-while-locked");
      expect(report.violation?.message).toMatch(/seq\d \(chain \d\) put a local transaction in block \d+ \(slot \d+\) while Building-Locked on xT [0-9a-f]{12}/);
    } finally {
      proto.onLocalTransaction = original;
    }
  });

  it("sbcp-no-local-while-locked catches a hand-made stream with a local transaction right after sbcp-instance-joined", () => {
    const i = clean.events.findIndex((o) => o.event === "sbcp-instance-joined" && o.node === "seq2");
    const joined = clean.events[i]!;
    const local: Observation = { timeUs: joined.timeUs, node: "seq2", event: "sbcp-local-applied", fields: { chain: 2, slot: joined.fields.slot, number: 1 } };
    const checker = new NoLocalWhileLockedChecker(new Set(SEQUENCERS.keys()));
    const stream = [...clean.events.slice(0, i + 1), local, ...clean.events.slice(i + 1)];
    expect(stream.map((o) => checker.observe(o)).find((v) => v !== undefined)?.message).toMatch(/seq2 \(chain 2\) put a local transaction in block 1/);
  });

  it("sbcp-liveness catches an SP that stops taking L2 blocks after 30 s (no superblock within 36 s)", () => {
    const { report } = run(quickstart({ duration: "70s" }), (id, node) =>
      id === "sp" ? (editingInbound(node as Node<SbcpMessage>, (ctx, _from, msg) => (msg.type === "L2Block" && ctx.now() > 30_000_000 ? undefined : msg)) as Node<unknown>) : node,
    );
    const liveness = report.invariants.find((i) => i.name === "sbcp-liveness")!;
    expect(liveness.ok).toBe(false);
    expect(liveness.violation?.message).toMatch(/no superblock for \d+\.\d+s after the superblock at \d+\.\d+s \(superblockWithin 36\.000s\)/);
  });

  it("sbcp-liveness catches an xT never decided (its decision left out of the stream) and honours the bounds", () => {
    const decided = clean.events.find((o) => o.event === "sbcp-decided" && o.node === "sp")!;
    const stream = clean.events.filter((o) => o !== decided);
    const judge = (events: readonly Observation[], xtDecidedWithinUs: number) => {
      const checker = new SbcpLivenessChecker("sp", { superblockWithinUs: 36_000_000, xtDecidedWithinUs, spHalts: false });
      for (const o of events) checker.observe(o);
      return checker.finish(40_000_000);
    };
    expect(judge(stream, 20_000_000).violation?.message).toMatch(new RegExp(`xT ${(decided.fields.xTid as string).slice(0, 12)} queued at \\d+\\.\\d+s is still undecided at the end`));
    expect(judge(clean.events, 20_000_000).ok).toBe(true);
    // A bound shorter than the slowest decision fails on the clean run too.
    const slowest = judge(clean.events, 20_000_000).figures.slowestXtAfterHealUs as number;
    expect(judge(clean.events, slowest - 1).violation?.message).toMatch(/was decided \d+\.\d+s after/);
  });

  it("sbcp-liveness: a halt the scenario does not expect fails, an expected one is skipped, an expected one that does not come fails", () => {
    const lost = rawScenario("sbcp/sp-disk-lost");
    const withHalts = (spHalts: boolean, faults: unknown) => scenario("sbcp/sp-disk-lost", { faults, sbcp: { ...(lost.sbcp as Record<string, unknown>), liveness: { spHalts } } });
    const verdict = (s: ReturnType<typeof scenario>) => runScenario(s).invariants.find((i) => i.name === "sbcp-liveness")!;
    const unexpected = verdict(withHalts(false, lost.faults));
    expect(unexpected.ok).toBe(false);
    expect(unexpected.violation?.message).toMatch(/the SP halted at 40\.000s \(.*\) and the scenario does not expect it/);
    const expected = verdict(withHalts(true, lost.faults));
    expect(expected.ok).toBe(true);
    expect(expected.skipped).toMatch(/the SP halted at 40\.000s/);
    const notCome = verdict(withHalts(true, []));
    expect(notCome.ok).toBe(false);
    expect(notCome.violation?.message).toMatch(/expects the SP to halt .* and it did not/);
  });
});

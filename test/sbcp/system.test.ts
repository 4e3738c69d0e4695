/**
 * Goal: the SBCP system runs in the framework like any other: the shipped
 * `sbcp-quickstart` (three rollups, 60 s, xTs of which a share must fail)
 * passes every checker with superblocks built and xTs decided both ways; the
 * same seed gives the same digest and another seed another; the world's
 * faults reach the SP and the sequencers (a crash and restart, a cut that
 * drops one message type by its SBCP class); a broken SP built here (its
 * Decided to one chain says false when it decided true) is caught by
 * `sbcp-2pc` in a whole-system run; bad section fields are InputErrors.
 */
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/config/errors.js";
import type { SbcpMessage } from "../../src/sbcp/messages.js";
import { parseScenario } from "../../src/scenario/load.js";
import { runAndJudge } from "../../src/scenario/run.js";
import { ScenarioRun } from "../../src/scenario/scenario-run.js";
import type { Node, NodeContext } from "../../src/sim/node.js";
import { SBCP_EVENTS } from "../../src/systems/sbcp/events.js";
import type { SbcpMetrics } from "../../src/systems/sbcp/metrics.js";
import { rawScenario, runScenario, scenario } from "../helpers/scenario.js";

const sbcpOf = (metrics: unknown): SbcpMetrics => (metrics as { sbcp: SbcpMetrics }).sbcp;
const SBCP_CHECKERS = ["sbcp-2pc", "sbcp-xt-atomicity", "sbcp-superblock-chain", "sbcp-conservation", "sbcp-mailbox", "sbcp-no-local-while-locked", "sbcp-l1-registry", "sbcp-liveness"];

/** An SP whose Decided(true) tells `victim` false (the SP still logs, and seals with, true): a broken 2PC coordinator. */
function lyingPublisher(node: Node<SbcpMessage>, victim: string): Node<SbcpMessage> {
  const lying = (ctx: NodeContext<SbcpMessage>): NodeContext<SbcpMessage> =>
    new Proxy(ctx, {
      get(target, key, receiver) {
        if (key === "send") return (to: string, msg: SbcpMessage) => target.send(to, to === victim && msg.type === "Decided" && msg.Decision ? { ...msg, Decision: false } : msg);
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
  return {
    start: (ctx) => node.start(lying(ctx)),
    onMessage: (ctx, from, msg) => node.onMessage(lying(ctx), from, msg),
    onTimer: (ctx, timer, tag) => node.onTimer(lying(ctx), timer, tag),
  };
}

describe("the SBCP system in the framework", () => {
  it("sbcp-quickstart: every checker green, superblocks with xTs, xTs that must fail decided false and only they", () => {
    const mustFail = new Set<string>();
    const decisions = new Map<string, boolean>();
    const blockTxs: number[] = [];
    const queuedAtSlotStart: number[] = [];
    const report = runScenario(scenario("sbcp-quickstart"), {
      observer: (o) => {
        if (SBCP_EVENTS.is(o, "sbcp-xt-submitted") && o.fields.mustFail) mustFail.add(o.fields.xTid);
        if (SBCP_EVENTS.is(o, "sbcp-decided")) decisions.set(o.fields.xTid, o.fields.decision);
        if (SBCP_EVENTS.is(o, "sbcp-block-sealed")) blockTxs.push(o.fields.txs);
        if (SBCP_EVENTS.is(o, "sbcp-slot-started")) queuedAtSlotStart.push(o.fields.queued);
      },
    });
    expect(report.exitCode).toBe(0);
    for (const name of SBCP_CHECKERS) expect(report.invariants.find((r) => r.name === name)?.ok).toBe(true);
    const m = sbcpOf(report.metrics);
    expect(m.superblocks).toBe(4);
    expect(m.partialSuperblocks).toBe(0);
    expect(m.xtsDecidedTrue).toBeGreaterThan(10);
    expect(m.xtsMustFail).toBe(mustFail.size);
    // Without faults, an xT is decided false exactly when it was made to fail (insufficient balance on its source).
    const decidedFalse = [...decisions].filter(([, d]) => !d).map(([x]) => x);
    expect(decidedFalse.length).toBeGreaterThan(0);
    for (const xTid of decidedFalse) expect(mustFail.has(xTid)).toBe(true);
    for (const xTid of mustFail) expect(decisions.get(xTid) ?? false).toBe(false);
    expect(m.xtsIncluded).toBe(m.xtsDecidedTrue);
    expect(m.twoPhaseCommitUs.p50).not.toBeNull();
    // Slot fill and queue depth, recomputed here from the events.
    const mean = (xs: number[]): number => Math.round((xs.reduce((a, b) => a + b, 0) / xs.length) * 100) / 100;
    expect(m.slotFill.blockTxsMean).toBe(mean(blockTxs));
    expect(m.slotFill.blockTxsMax).toBe(Math.max(...blockTxs));
    expect(m.slotFill.xtsPerSuperblockMean).toBe(Math.round((m.xtsIncluded / m.superblocks) * 100) / 100);
    expect(m.slotFill.chainsPerSuperblockShare).toBe(1);
    expect(m.queueDepthMeanAtSlotStart).toBe(mean(queuedAtSlotStart));
    expect(JSON.parse(JSON.stringify(report.metrics)).sbcp.slotFill).toEqual(m.slotFill);
  });

  it("slot fill counts the chains a partial superblock misses", () => {
    const m = sbcpOf(runScenario(scenario("sbcp/sequencer-crash-before-start-slot")).metrics);
    expect(m.partialSuperblocks).toBeGreaterThan(0);
    expect(m.slotFill.chainsPerSuperblockShare).toBeLessThan(1);
    expect(m.slotFill.chainsPerSuperblockShare).toBeGreaterThan(0.5);
  });

  it("is deterministic: the same seed twice gives the same digest, another seed another", () => {
    const short = { duration: "30s" };
    const a = runScenario(scenario("sbcp-quickstart", short));
    const b = runScenario(scenario("sbcp-quickstart", short));
    const c = runScenario(scenario("sbcp-quickstart", { ...short, seed: 2 }));
    expect(a.traceDigest).toBe(b.traceDigest);
    expect(a.metrics).toEqual(b.metrics);
    expect(c.traceDigest).not.toBe(a.traceDigest);
  });

  it("the world's faults reach SBCP nodes: a sequencer crashes and restarts, a cut drops every Decided to another; checkers stay green", () => {
    const faults = [
      { at: "14s", action: "partition-oneway", from: ["sp"], to: ["seq2"], types: ["Decided"], id: "nodecided" },
      { at: "26s", action: "heal", partition: "nodecided" },
      { at: "30s", action: "crash", node: "seq3" },
      { at: "40s", action: "restart", node: "seq3" },
    ];
    const invalid: string[] = [];
    const report = runScenario(scenario("sbcp-quickstart", { faults }), {
      observer: (o) => {
        if (o.event.startsWith("sbcp-")) {
          const problem = SBCP_EVENTS.validate(o);
          if (problem !== undefined) invalid.push(problem);
        }
      },
    });
    expect(report.exitCode).toBe(0);
    // Every sbcp-* event any node logged (clients, SP, sequencers, after a restart too) matches the catalogue.
    expect(invalid).toEqual([]);
    expect(report.metrics.faultsApplied).toBe(4);
    const m = sbcpOf(report.metrics);
    expect(m.restarts).toBe(1);
    // seq3 was down over the seal of slot 2 (sealing at 32 s): that slot's superblock is partial or not built.
    expect(m.partialSuperblocks + Object.values(m.superblocksNotBuilt).reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
    expect(report.metrics.messages.dropped).toBeGreaterThan(0);
    for (const name of SBCP_CHECKERS) expect(report.invariants.find((r) => r.name === name)?.ok).toBe(true);
  });

  it("a broken SP built here (its Decided to seq2 says false when it decided true) is caught by sbcp-2pc", () => {
    const run = new ScenarioRun(scenario("sbcp-quickstart", { duration: "30s" }), { wrapNode: (id, node) => (id === "sp" ? (lyingPublisher(node as Node<SbcpMessage>, "seq2") as Node<unknown>) : node) });
    const report = runAndJudge(run);
    expect(report.exitCode).toBe(1);
    expect(report.violation?.invariant).toBe("sbcp-2pc");
    expect(report.violation?.message).toMatch(/chain 2 applied false where the SP decided true/);
  });

  it("bad section fields are InputErrors naming the field", () => {
    const base = rawScenario("sbcp-quickstart");
    const withSbcp = (sbcp: Record<string, unknown>) => ({ ...base, sbcp: { ...(base.sbcp as Record<string, unknown>), ...sbcp } });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ rollups: 0 }, /sbcp\.rollups/],
      [{ sealCutover: 1 }, /sbcp\.sealCutover/],
      [{ scpTimeout: "0s" }, /sbcp\.scpTimeout/],
      [{ rollups: [{ name: "a", chainId: 5 }, { name: "b", chainId: 5 }] }, /chain id 5 is used twice/],
      [{ rollups: [{ name: "v0" }] }, /is the id of another node/],
      [{ workload: { xtShare: 2 } }, /sbcp\.workload\.xtShare/],
      [{ slotDurationX: "1s" }, /slotDurationX/],
      [{ liveness: { superblockWithin: "0s" } }, /sbcp\.liveness\.superblockWithin/],
      [{ liveness: { spHalts: "yes" } }, /sbcp\.liveness\.spHalts/],
      [{ liveness: { within: "1s" } }, /within/],
    ];
    for (const [fields, message] of cases) {
      let error: unknown;
      try {
        parseScenario(withSbcp(fields));
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(fields)).toBeInstanceOf(InputError);
      expect((error as Error).message).toMatch(message);
    }
  });

  it("fault actions name SBCP nodes and are checked: unknown sequencer, a client cannot crash", () => {
    expect(() => parseScenario({ ...rawScenario("sbcp-quickstart"), faults: [{ at: "1s", action: "crash", node: "seq9" }] })).toThrow(/unknown node "seq9"/);
    expect(() => parseScenario({ ...rawScenario("sbcp-quickstart"), faults: [{ at: "1s", action: "crash", node: "sc0" }] })).toThrow(InputError);
  });
});

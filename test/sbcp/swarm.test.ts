/**
 * Goal: swarm testing works over the SBCP system (`explore --swarm`,
 * `asset-sim swarm`). Over `sbcp-quickstart` (no validators) each seed draws
 * SBCP faults from the SBCP system's swarm-only kinds (SP and sequencer
 * crashes and crash points, lost message types, sequencer disk faults) and
 * the network's background kinds, as a pure function of the seed, inside the
 * fault window, healed by 70% of the run, one SBCP node down at a time, and
 * never a validator fault; a small bounded swarm runs green under every SBCP
 * checker; a sequencer broken here (in Building-Locked, it takes a RequestSeal
 * that does not list its open xT as a decision true, the reverse of the
 * spec's rule, which only bites when Decided is lost or late) is found by the
 * swarm, and its seed file replays to the same failure. Seed 112, a crash
 * point right after the SP's first Decided send, once failed sbcp-2pc (the SP
 * logged its decision after sending it); it passes now, and an SP built here
 * with the old order fails it again.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runSeed } from "../../src/explore/explore.js";
import { swarmKindNames, swarmScenario } from "../../src/explore/swarm.js";
import type { RequestSeal, SbcpMessage } from "../../src/sbcp/messages.js";
import { Sequencer } from "../../src/sbcp/sequencer.js";
import { parseScenario } from "../../src/scenario/load.js";
import { runAndJudge, type RunReport } from "../../src/scenario/run.js";
import { ScenarioRun } from "../../src/scenario/scenario-run.js";
import type { Scenario } from "../../src/scenario/schema.js";
import { scenarioToJson } from "../../src/scenario/to-json.js";
import type { Node, NodeContext, NodeId } from "../../src/sim/node.js";
import { SBCP_SWARM_KINDS } from "../../src/systems/sbcp/swarm.js";
import { runCli } from "../helpers/cli.js";
import { scenario } from "../helpers/scenario.js";

const SBCP_KINDS = SBCP_SWARM_KINDS.map((k) => k.name);
const DOWN = ["crash", "crash-point", "torn-write", "wipe"];

/** A sequencer that, in Building-Locked, treats a RequestSeal that does not list its open xT as listing it (decided true). */
function greedySequencer(node: Node<SbcpMessage>): Node<SbcpMessage> {
  return {
    start: (ctx) => node.start(ctx),
    onTimer: (ctx, timer, tag) => node.onTimer(ctx, timer, tag),
    onMessage: (ctx, from, msg) => {
      const top = node instanceof Sequencer && node.phase === "BuildingLocked" ? node.draft?.scpInstances.at(-1) : undefined;
      if (msg.type === "RequestSeal" && top !== undefined && !msg.IncludedxTs.some((x) => x.every((b, i) => b === top.xTid[i]))) {
        const seal: SbcpMessage & RequestSeal = { ...msg, IncludedxTs: [...msg.IncludedxTs, top.xTid] };
        return node.onMessage(ctx, from, seal);
      }
      return node.onMessage(ctx, from, msg);
    },
  };
}

const runWith =
  (wrap?: (id: NodeId, node: Node<unknown>) => Node<unknown>) =>
  (s: Scenario): RunReport =>
    runAndJudge(new ScenarioRun(s, wrap === undefined ? {} : { wrapNode: wrap }));

const greedy = (id: NodeId, node: Node<unknown>): Node<unknown> => (id.startsWith("seq") ? (greedySequencer(node as Node<SbcpMessage>) as Node<unknown>) : node);

describe("swarm over SBCP", () => {
  const base = scenario("sbcp-quickstart");

  it("draws SBCP faults only, as a pure function of the seed, inside the window, one SBCP node down at a time", () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 120; seed++) {
      const a = swarmScenario(base, seed);
      expect(swarmScenario(base, seed).raw).toEqual(a.raw);
      for (const k of a.choice.kinds) seen.add(k);
      // No catalog kind draws over validators here: only swarm-only kinds (the SBCP ones and the network's).
      expect(a.choice.kinds.every((k) => !["crash", "partition", "isolate", "clog", "pause", "corrupt", "clock"].includes(k))).toBe(true);
      const added = a.scenario.faults.slice(base.faults.length);
      expect(added).toHaveLength(a.choice.faultsAdded);
      const down = new Map<string, number>();
      let mostDown = 0;
      for (const f of [...added].sort((x, y) => x.at - y.at || (x.action === "restart" ? -1 : 1))) {
        expect(f.at).toBeGreaterThanOrEqual(0.1 * base.duration);
        expect(f.at).toBeLessThanOrEqual(0.7 * base.duration);
        const node = (f as { node?: string }).node;
        if (node !== undefined) expect(["sp", "seq1", "seq2", "seq3"]).toContain(node);
        if (DOWN.includes(f.action)) down.set(node!, f.at);
        if (f.action === "restart") down.delete(node!);
        mostDown = Math.max(mostDown, down.size);
      }
      expect(down.size).toBe(0);
      expect(mostDown).toBeLessThanOrEqual(1);
      // Every cut is healed by its own heal.
      const cuts = added.filter((f) => f.action === "partition-oneway").map((f) => (f as { id?: string }).id);
      for (const id of cuts) expect(added.some((f) => f.action === "heal" && (f as { partition?: string }).partition === id)).toBe(true);
    }
    for (const k of SBCP_KINDS) expect(seen).toContain(k);
    expect(swarmKindNames()).toEqual(expect.arrayContaining(SBCP_KINDS));
  });

  it("a scenario without an sbcp section draws no SBCP fault", () => {
    const validators = scenario("quickstart");
    for (let seed = 0; seed < 40; seed++) for (const k of swarmScenario(validators, seed).choice.kinds) expect(SBCP_KINDS).not.toContain(k);
  });

  it("a bounded swarm over sbcp-quickstart is green: every seed passes every SBCP checker", () => {
    const short = parseScenario({ ...JSON.parse(JSON.stringify(scenarioJson(base))), duration: "40s" });
    const outcomes = [1, 2, 3, 4, 5, 6].map((seed) => runSeed(short, seed, { swarm: true, checkDeterminism: false }, runWith()));
    for (const o of outcomes) expect({ seed: o.seed, verdict: o.verdict, message: o.message }).toEqual({ seed: o.seed, verdict: "ok", message: undefined });
    expect(outcomes.some((o) => (o.swarm ?? "").includes("lose ") || (o.swarm ?? "").includes("crash"))).toBe(true);
  });

  it("asset-sim swarm sbcp-quickstart --seeds N runs the swarm from the command line", async () => {
    const r = await runCli(["swarm", "sbcp-quickstart", "--seeds", "2", "--jobs", "1", "--duration", "30s", "--out", join(mkdtempSync(join(tmpdir(), "sbcp-swarm-")), "failures")]);
    expect(r.code).toBe(0);
    expect(r.err + r.out).toContain("swarm");
    expect(r.err + r.out).toMatch(/seeds run\s+2/);
  });

  it("finds a broken sequencer (an unlisted open xT taken as decided true) and its seed file replays the failure", () => {
    let found: ReturnType<typeof runSeed> | undefined;
    for (let seed = 1; seed <= 40 && found === undefined; seed++) {
      const outcome = runSeed(base, seed, { swarm: true, checkDeterminism: false }, runWith(greedy));
      if (outcome.verdict !== "ok") found = outcome;
    }
    expect(found).toBeDefined();
    expect(found!.verdict).toBe("safety");
    expect(["sbcp-2pc", "sbcp-xt-atomicity"]).toContain(found!.invariant);
    // The seed file holds the derived scenario whole: it alone reproduces the run.
    const replay = runWith(greedy)(parseScenario(found!.seedFile!.scenario));
    expect(replay.traceDigest).toBe(found!.traceDigest);
    expect(replay.violation?.invariant).toBe(found!.invariant);
    // The same seed with honest sequencers is green: the swarm's faults expose the bug.
    expect(runSeed(base, found!.seed, { swarm: true, checkDeterminism: false }, runWith()).verdict).toBe("ok");
  });
});

/**
 * An SP that announces its decision after sending it (the order before the fix): its `sbcp-decided` log is held
 * until its Decided to the last sequencer went out, so a crash after an earlier send loses it.
 */
function logAfterSendPublisher(node: Node<SbcpMessage>, lastSequencer: NodeId): Node<SbcpMessage> {
  const late = (ctx: NodeContext<SbcpMessage>): NodeContext<SbcpMessage> => {
    let held: [string, Record<string, unknown>] | undefined;
    return {
      ...ctx,
      log: (event, fields) => (event === "sbcp-decided" ? void (held = [event, fields]) : ctx.log(event, fields)),
      send: (to, msg) => {
        ctx.send(to, msg);
        if (held !== undefined && msg.type === "Decided" && to === lastSequencer) {
          ctx.log(...held);
          held = undefined;
        }
      },
    };
  };
  return { start: (ctx) => node.start(late(ctx)), onTimer: (ctx, timer, tag) => node.onTimer(late(ctx), timer, tag), onMessage: (ctx, from, msg) => node.onMessage(late(ctx), from, msg) };
}

describe("swarm finding: seed 112 of sbcp-quickstart (a crash point right after the SP's first Decided send)", () => {
  const base = scenario("sbcp-quickstart");
  const seed = 112;

  it("draws a crash point of the SP after a send", () => {
    const drawn = swarmScenario(base, seed).scenario.faults.slice(base.faults.length);
    expect(drawn).toContainEqual(expect.objectContaining({ action: "crash-point", node: "sp", after: "send" }));
  });

  it("passes: the SP logs sbcp-decided before its Decided goes out, so the checkers know the decision a sequencer applies", () => {
    const outcome = runSeed(base, seed, { swarm: true, checkDeterminism: false }, runWith());
    expect({ verdict: outcome.verdict, invariant: outcome.invariant, message: outcome.message }).toEqual({ verdict: "ok", invariant: undefined, message: undefined });
  });

  it("an SP built here to log the decision after sending it fails sbcp-2pc on the same seed", () => {
    const late = (id: NodeId, node: Node<unknown>): Node<unknown> => (id === "sp" ? (logAfterSendPublisher(node as Node<SbcpMessage>, "seq3") as Node<unknown>) : node);
    const outcome = runSeed(base, seed, { swarm: true, checkDeterminism: false }, runWith(late));
    expect(outcome.verdict).toBe("safety");
    expect(outcome.invariant).toBe("sbcp-2pc");
    expect(outcome.message).toContain("never took");
  });
});

function scenarioJson(s: Scenario): Record<string, unknown> {
  return scenarioToJson(s);
}

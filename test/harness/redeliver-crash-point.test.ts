/**
 * Goal: the two fault kinds aimed at the safety state's durability find what
 * they are for. `redeliver` hands a restarted validator old proposals of the
 * views it already voted in (recorded by the network, bytes as they crossed
 * the link): an honest replica, which persisted its vote before sending it,
 * does not vote again. `crash-point` crashes a node between two effects of
 * one step (effects reach disk and network in the order made): after a sync
 * and before the send, the write is durable and the message unsent. A
 * validator built here with the classic persist-after-send bug is caught by
 * a crash point after its vote's send, a restart and a redelivery (the
 * equivocation checker reports its double vote); the honest one is not.
 */
import { describe, expect, it } from "vitest";
import type { Observation } from "../../src/check/checker.js";
import { SAFETY_KEY } from "../../src/consensus/safety-store.js";
import { HotStuffReplica } from "../../src/consensus/replica.js";
import type { ValidatorMessage } from "../../src/consensus/types.js";
import { validatorCodec } from "../../src/consensus/wire.js";
import { fromHex } from "../../src/crypto/hash.js";
import { encodeWire, decodeWire, read, type MessageCodec } from "../../src/net/codec.js";
import { World } from "../../src/harness/world.js";
import type { Node, NodeContext, NodeId, Storage } from "../../src/sim/node.js";
import { parseScenario } from "../../src/scenario/load.js";
import { runAndJudge } from "../../src/scenario/run.js";
import { ScenarioRun, type RunEnvironment } from "../../src/scenario/scenario-run.js";

/** Round-robin leaders: the views and proposals these tests name were found with them (a validator's own proposals never cross the network, so which views it leads matters). */
const base = { name: "stale-safety", seed: 21, duration: "7s", validators: { count: 4, signatureScheme: "sim", leaderElection: "round-robin" }, workload: { txPerSecond: 20, clients: 1 }, l1: { enabled: false } };

function run(faults: unknown[], environment: RunEnvironment = {}): { events: Observation[]; report: ReturnType<typeof runAndJudge> } {
  const sim = new ScenarioRun(parseScenario({ ...base, faults }), environment);
  const events: Observation[] = [];
  sim.addObserver((o) => events.push(o));
  return { events, report: runAndJudge(sim) };
}

/** The views of the proposals among the `redeliver` events to `to` (their bytes decoded with the validator codec). */
function redeliveredProposalViews(events: readonly Observation[], to: NodeId): number[] {
  return events
    .filter((e) => e.event === "redeliver" && e.fields.to === to)
    .map((e) => validatorCodec.decode(fromHex(e.fields.bytes as string)))
    .flatMap((m) => (m.type === "proposal" ? [m.block.view] : []));
}

/** Views `node` voted in, each as often as it voted there. */
function votes(events: readonly Observation[], node: NodeId): number[] {
  return events.filter((e) => e.node === node && e.event === "vote").map((e) => e.fields.view as number);
}

describe("redeliver", () => {
  it("a restarted validator gets old proposals of views it voted in, and does not vote twice (deterministic)", () => {
    const faults = [
      { at: "2s", action: "crash", node: "v2" },
      { at: "3s", action: "restart", node: "v2" },
      { at: "3s", action: "redeliver", to: "v2", from: ["v0", "v1", "v3"], olderThan: "1s", count: 500 },
    ];
    const first = run(faults);
    const { events, report } = first;
    const boot = events.filter((e) => e.node === "v2" && e.event === "boot").at(-1)!;
    const lastVoted = boot.fields.lastVotedView as number;
    const votedBefore = new Set(votes(events.filter((e) => e.timeUs < 2_000_000), "v2"));
    expect(votedBefore.has(lastVoted)).toBe(true);
    // The redelivered proposals include views v2 voted in, among them the one it resumes in.
    const redelivered = redeliveredProposalViews(events, "v2");
    expect(redelivered.filter((v) => votedBefore.has(v)).length).toBeGreaterThan(3);
    expect(redelivered).toContain(lastVoted);
    // Recorded at least 1 s before, delivered again after the restart.
    for (const e of events.filter((x) => x.event === "redeliver")) expect(e.fields.recordedAtUs as number).toBeLessThanOrEqual(2_000_000);
    // v2 never voted twice in a view: directly, and by the equivocation checker.
    const all = votes(events, "v2");
    expect(new Set(all).size).toBe(all.length);
    expect(report.invariants.find((r) => r.name === "equivocation")!.ok).toBe(true);
    expect(report.exitCode).toBe(0);
    expect(run(faults).report.traceDigest).toBe(report.traceDigest);
  });

  it("refuses an unknown node in to or from, naming the field", () => {
    expect(() => parseScenario({ ...base, faults: [{ at: "1s", action: "redeliver", to: "v9" }] })).toThrow(/faults\[0\]\.to/);
    expect(() => parseScenario({ ...base, faults: [{ at: "1s", action: "redeliver", to: "v1", from: ["v0", "x"] }] })).toThrow(/faults\[0\]\.from\[1\]/);
  });
});

type Ping = { readonly type: "ping"; readonly n: number };
const pingCodec: MessageCodec<Ping> = {
  encode: (m) => encodeWire({ type: "ping", n: m.n }),
  decode: (b) => ({ type: "ping", n: read.uint(read.object(decodeWire(b), "m").n, "n") }),
};

/** 100 us after it boots, runs `steps` in one step (a timer). */
class Writer implements Node<Ping> {
  readonly received: number[] = [];
  constructor(private readonly steps: (ctx: NodeContext<Ping>) => void) {}
  start(ctx: NodeContext<Ping>): void {
    ctx.setTimer(100, "go");
  }
  onMessage(_ctx: NodeContext<Ping>, _from: NodeId, msg: Ping): void {
    this.received.push(msg.n);
  }
  onTimer(ctx: NodeContext<Ping>): void {
    this.steps(ctx);
  }
}

function pingWorld(steps: (ctx: NodeContext<Ping>) => void): { world: World; b: () => Writer; events: Observation[] } {
  const world = new World({ seed: 1, network: { defaultLink: { latency: { kind: "uniform", minUs: 1000, maxUs: 1000 }, dropRate: 0, duplicateRate: 0 }, links: [] } });
  let b: Writer | undefined;
  const spec = (id: string, create: () => Node<Ping>) => ({ id, role: "probe", system: "test", instance: "", codec: pingCodec, create, crashable: true, honest: true });
  world.addNode(spec("b", () => (b = new Writer(() => {}))));
  world.addNode(spec("a", () => new Writer(steps)));
  const events: Observation[] = [];
  world.addListener((o) => events.push(o), "watch");
  return { world, b: () => b!, events };
}

describe("crash-point", () => {
  const writeSyncSend = (ctx: NodeContext<Ping>): void => {
    ctx.storage.put("x", new Uint8Array([1]));
    ctx.storage.sync();
    ctx.send("b", { type: "ping", n: 1 });
    ctx.storage.put("y", new Uint8Array([2]));
    ctx.storage.sync();
  };

  it("after the sync, before the send: the write is durable, the message unsent, nothing after happens", () => {
    for (const point of [{ effect: "sync", position: "after" }, { effect: "send", position: "before" }] as const) {
      const { world, b, events } = pingWorld(writeSyncSend);
      world.sim.at(6, () => world.crashAt("a", point, 1_000_000));
      world.sim.at(5_000, () => world.restart("a"));
      // The restarted `a` writes again; look at the disk as the crash left it, before that.
      let x: Uint8Array | undefined;
      let y: Uint8Array | undefined;
      world.sim.at(4_999, () => {
        x = world.disk("a").get("x");
        y = world.disk("a").get("y");
      });
      world.run(4_999, 10_000);
      expect(x).toEqual(new Uint8Array([1]));
      expect(y).toBeUndefined();
      expect(b().received).toEqual([]);
      expect(world.isUp("a")).toBe(false);
      expect(events.find((e) => e.event === "crash-point")!.fields).toEqual({ node: "a", point: `${point.position} ${point.effect}`, ...(point.effect === "send" ? { to: "b" } : {}) });
    }
  });

  it("effects keep the order the node made them: after the send, the message is out and the unsynced write lost", () => {
    const { world, b } = pingWorld((ctx) => {
      ctx.storage.put("x", new Uint8Array([1]));
      ctx.send("b", { type: "ping", n: 7 });
      ctx.storage.sync();
    });
    world.sim.at(6, () => world.crashAt("a", { effect: "send", position: "after" }, 1_000_000));
    world.run(100_000, 10_000);
    expect(b().received).toEqual([7]);
    expect(world.disk("a").get("x")).toBeUndefined();
  });

  it("nth: the first nth - 1 such effects pass, the node stops right after the nth (a broadcast's last send)", () => {
    const broadcast = (ctx: NodeContext<Ping>): void => {
      for (const n of [1, 2, 3]) ctx.send("b", { type: "ping", n });
      ctx.storage.put("x", new Uint8Array([1]));
      ctx.storage.sync();
    };
    for (const nth of [1, 2, 3]) {
      const { world, b, events } = pingWorld(broadcast);
      world.sim.at(6, () => world.crashAt("a", { effect: "send", position: "after", nth }, 1_000_000));
      world.run(100_000, 10_000);
      expect(b().received).toEqual([1, 2, 3].slice(0, nth));
      expect(world.disk("a").get("x")).toBeUndefined();
      expect(events.filter((e) => e.event === "crash-point").map((e) => e.fields)).toEqual([{ node: "a", point: "after send", to: "b" }]);
    }
    // More than the step makes: the node runs the whole step and the window's end crashes it.
    const { world, b, events } = pingWorld(broadcast);
    world.sim.at(6, () => world.crashAt("a", { effect: "send", position: "after", nth: 4 }, 50_000));
    world.run(100_000, 10_000);
    expect(b().received).toEqual([1, 2, 3]);
    expect(world.disk("a").get("x")).toEqual(new Uint8Array([1]));
    expect(events.find((e) => e.event === "crash-point")!.fields).toEqual({ node: "a", point: "window end" });
  });

  it("nth is a positive integer in a scenario", () => {
    for (const nth of [0, 1.5, -2]) expect(() => parseScenario({ ...base, faults: [{ at: "1s", action: "crash-point", node: "v1", after: "send", nth }, { at: "3s", action: "restart", node: "v1" }] })).toThrow(/faults\[0\]\.nth/);
    expect(parseScenario({ ...base, faults: [{ at: "1s", action: "crash-point", node: "v1", after: "send", nth: 3 }, { at: "3s", action: "restart", node: "v1" }] }).faults[0]).toMatchObject({ action: "crash-point", after: "send", nth: 3 });
  });

  it("a crash point its node never reaches crashes it at the end of its window", () => {
    const { world, events } = pingWorld(() => {});
    world.sim.at(6, () => world.crashAt("a", { effect: "write", position: "after" }, 50_000));
    world.run(100_000, 10_000);
    expect(world.isUp("a")).toBe(false);
    expect(events.find((e) => e.event === "crash-point")!.fields).toEqual({ node: "a", point: "window end" });
  });

  it("needs exactly one of after and before, and a restart after its window", () => {
    expect(() => parseScenario({ ...base, faults: [{ at: "1s", action: "crash-point", node: "v1" }] })).toThrow(/faults\[0\]\.after/);
    expect(() => parseScenario({ ...base, faults: [{ at: "1s", action: "crash-point", node: "v1", after: "sync", before: "send" }] })).toThrow(/faults\[0\]\.after/);
    const early = [{ at: "1s", action: "crash-point", node: "v1", after: "write", within: "2s" }, { at: "2s", action: "restart", node: "v1" }];
    expect(() => parseScenario({ ...base, faults: early })).toThrow(/faults\[1\]\.at/);
  });
});

/**
 * The classic persist-after-send bug, built here: a validator that sends its
 * vote (or any message) before the write of its safety state reaches the disk.
 * Its safety-state writes and their sync are held and made right after its
 * next send (or at the end of the step).
 */
class PersistAfterSend implements Node<ValidatorMessage> {
  private inner: NodeContext<ValidatorMessage> | undefined;
  private readonly held: (() => void)[] = [];
  constructor(readonly replica: HotStuffReplica) {}
  get application() {
    return this.replica.application;
  }
  start(ctx: NodeContext<ValidatorMessage>): void {
    const storage: Storage = {
      get: (key) => ctx.storage.get(key),
      keys: (prefix) => ctx.storage.keys(prefix),
      put: (key, value) => (key === SAFETY_KEY ? this.held.push(() => ctx.storage.put(key, value)) : ctx.storage.put(key, value)),
      delete: (key) => ctx.storage.delete(key),
      sync: () => (this.held.length > 0 ? this.held.push(() => ctx.storage.sync()) : ctx.storage.sync()),
    };
    this.inner = {
      ...ctx,
      storage,
      send: (to, msg) => {
        ctx.send(to, msg);
        this.flush();
      },
    };
    this.step(() => this.replica.start(this.inner!));
  }
  onMessage(_ctx: NodeContext<ValidatorMessage>, from: NodeId, msg: ValidatorMessage): void {
    this.step(() => this.replica.onMessage(this.inner!, from, msg));
  }
  onTimer(_ctx: NodeContext<ValidatorMessage>, timer: number, tag: string): void {
    this.step(() => this.replica.onTimer(this.inner!, timer, tag));
  }
  private step(action: () => void): void {
    action();
    this.flush();
  }
  private flush(): void {
    for (const write of this.held.splice(0)) write();
  }
}

describe("crash-point + restart + redeliver finds persist-after-send", () => {
  // v2 votes in view 8 (v0 proposes it, v1 collects the votes): crash right after that vote's send, restart at once,
  // and hand it the view-8 proposal again.
  const faults = [
    { when: { node: "v2", event: "vote", view: 8 }, action: "crash-point", node: "v2", after: "send", within: "1s" },
    { when: { node: "sim", event: "crash-point", point: "after send" }, action: "restart", node: "v2" },
    { when: { node: "sim", event: "crash-point", point: "after send" }, action: "redeliver", to: "v2", from: ["v0"], olderThan: 0, count: 100 },
  ];

  it("the broken validator votes twice in view 8: the equivocation checker reports it", () => {
    const { events, report } = run(faults, { wrapNode: (id, node) => (id === "v2" ? new PersistAfterSend(node as HotStuffReplica) : node) });
    expect(events.some((e) => e.event === "crash-point" && e.fields.node === "v2" && e.fields.to === "v1")).toBe(true);
    expect(events.filter((e) => e.node === "v2" && e.event === "boot").at(-1)!.fields.lastVotedView).toBe(7);
    expect(votes(events, "v2").filter((v) => v === 8)).toHaveLength(2);
    const equivocation = report.invariants.find((r) => r.name === "equivocation")!;
    expect(equivocation.ok).toBe(false);
    expect(report.violation?.message).toMatch(/v2 voted twice in view 8/);
  });

  it("the honest validator resumes in view 8, gets its proposal again, and does not vote again", () => {
    const { events, report } = run(faults);
    expect(events.some((e) => e.event === "crash-point" && e.fields.node === "v2")).toBe(true);
    expect(events.filter((e) => e.node === "v2" && e.event === "boot").at(-1)!.fields.lastVotedView).toBe(8);
    expect(redeliveredProposalViews(events, "v2")).toContain(8);
    expect(votes(events, "v2").filter((v) => v === 8)).toHaveLength(1);
    expect(report.invariants.find((r) => r.name === "equivocation")!.ok).toBe(true);
    expect(report.exitCode).toBe(0);
  });
});

import { describe, expect, it } from "vitest";
import { SimHost, type CrashableStorage } from "../../src/sim/host.js";
import type { Node, NodeContext, NodeId, TimerId } from "../../src/sim/node.js";
import { Simulation } from "../../src/sim/simulation.js";

type Msg = string;

/** A scripted node: records every input and runs an optional hook. */
class FakeNode implements Node<Msg> {
  readonly events: string[] = [];
  ctx: NodeContext<Msg> | undefined;
  constructor(
    readonly instanceNo: number,
    private readonly hooks: {
      start?: (ctx: NodeContext<Msg>, self: FakeNode) => void;
      message?: (ctx: NodeContext<Msg>, from: NodeId, msg: Msg) => void;
      timer?: (ctx: NodeContext<Msg>, timer: TimerId, tag: string) => void;
    } = {},
  ) {}
  start(ctx: NodeContext<Msg>): void {
    this.ctx = ctx;
    this.events.push("start");
    this.hooks.start?.(ctx, this);
  }
  onMessage(ctx: NodeContext<Msg>, from: NodeId, msg: Msg): void {
    this.events.push(`msg:${from}:${msg}`);
    this.hooks.message?.(ctx, from, msg);
  }
  onTimer(ctx: NodeContext<Msg>, timer: TimerId, tag: string): void {
    this.events.push(`timer:${tag}@${ctx.now()}`);
    this.hooks.timer?.(ctx, timer, tag);
  }
}

class FakeStorage implements CrashableStorage {
  crashes = 0;
  readonly data = new Map<string, Uint8Array>();
  get(key: string): Uint8Array | undefined {
    return this.data.get(key);
  }
  put(key: string, value: Uint8Array): void {
    this.data.set(key, value);
  }
  delete(key: string): void {
    this.data.delete(key);
  }
  keys(prefix: string): string[] {
    return [...this.data.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
  sync(): void {}
  crash(): void {
    this.crashes++;
  }
}

function setup(hooks: ConstructorParameters<typeof FakeNode>[1] = {}) {
  const sim = new Simulation(1);
  const storage = new FakeStorage();
  const nodes: FakeNode[] = [];
  const errors: { node: NodeId; error: unknown }[] = [];
  const sent: { from: NodeId; to: NodeId; msg: Msg }[] = [];
  const logs: { timeUs: number; node: NodeId; event: string; fields: Readonly<Record<string, unknown>> }[] = [];
  const host = new SimHost<Msg>({
    id: "v0",
    sim,
    createNode: () => {
      const n = new FakeNode(nodes.length, hooks);
      nodes.push(n);
      return n;
    },
    storage,
    transmit: (from, to, msg) => sent.push({ from, to, msg }),
    observe: (timeUs, node, event, fields) => logs.push({ timeUs, node, event, fields }),
    onNodeError: (node, error) => errors.push({ node, error }),
  });
  return { sim, storage, nodes, errors, sent, logs, host };
}

describe("SimHost", () => {
  it("is down until started; start builds a node and calls start once", () => {
    const { host, nodes } = setup();
    expect(host.running).toBe(false);
    expect(host.instance).toBeUndefined();
    host.start();
    expect(host.running).toBe(true);
    expect(nodes).toHaveLength(1);
    expect(host.instance).toBe(nodes[0]);
    expect(nodes[0]!.events).toEqual(["start"]);
    host.start(); // no-op while running
    expect(nodes).toHaveLength(1);
    expect(nodes[0]!.events).toEqual(["start"]);
  });

  it("gives the node a context wired to the sim: id, clock, send, log, storage", () => {
    const { host, nodes, sim, sent, logs, storage } = setup();
    host.start();
    const ctx = nodes[0]!.ctx!;
    expect(ctx.id).toBe("v0");
    // The context guards storage (a node crashed inside its step writes nothing more); writes reach the host's storage.
    ctx.storage.put("k", new Uint8Array([1]));
    expect(storage.get("k")).toEqual(new Uint8Array([1]));
    sim.at(42, () => {
      expect(ctx.now()).toBe(42);
      ctx.send("v1", "hi");
      ctx.log("commit", { height: 3 });
    });
    sim.run(100, 10);
    expect(sent).toEqual([{ from: "v0", to: "v1", msg: "hi" }]);
    expect(logs).toEqual([{ timeUs: 42, node: "v0", event: "commit", fields: { height: 3 } }]);
  });

  it("fires timers via onTimer with their tag at the right time and records them in the trace", () => {
    const { host, nodes, sim } = setup({
      start: (ctx) => {
        ctx.setTimer(100, "a");
        ctx.setTimer(50, "b");
      },
    });
    host.start();
    sim.run(1_000, 100);
    expect(nodes[0]!.events).toEqual(["start", "timer:b@50", "timer:a@100"]);
    expect(sim.trace.length).toBe(2);
  });

  it("passes the timer id returned by setTimer to onTimer", () => {
    let armed: TimerId | undefined;
    let fired: TimerId | undefined;
    const { host, sim } = setup({
      start: (ctx) => {
        armed = ctx.setTimer(10, "t");
      },
      timer: (_ctx, timer) => {
        fired = timer;
      },
    });
    host.start();
    sim.run(100, 10);
    expect(armed).toBeDefined();
    expect(fired).toBe(armed);
  });

  it("cancelTimer stops a timer from firing; cancelling twice or after firing is harmless", () => {
    const { host, nodes, sim } = setup({
      start: (ctx) => {
        const t = ctx.setTimer(100, "cancelled");
        ctx.setTimer(10, "kept");
        ctx.cancelTimer(t);
        ctx.cancelTimer(t);
        ctx.cancelTimer(9999);
      },
      timer: (ctx, timer) => ctx.cancelTimer(timer),
    });
    host.start();
    sim.run(1_000, 100);
    expect(nodes[0]!.events).toEqual(["start", "timer:kept@10"]);
  });

  it("delivers messages to a running node and returns true", () => {
    const { host, nodes } = setup();
    host.start();
    expect(host.deliver("v1", "hello")).toBe(true);
    expect(nodes[0]!.events).toEqual(["start", "msg:v1:hello"]);
  });

  it("crash cancels timers, drops deliveries and crashes the storage", () => {
    const { host, nodes, sim, storage } = setup({ start: (ctx) => void ctx.setTimer(100, "t") });
    host.start();
    sim.at(50, () => host.crash());
    sim.run(1_000, 100);
    expect(host.running).toBe(false);
    expect(host.instance).toBeUndefined();
    expect(storage.crashes).toBe(1);
    expect(nodes[0]!.events).toEqual(["start"]);
    expect(sim.eventsFired).toBe(1); // only the crash; the timer event was cancelled
    expect(host.deliver("v1", "lost")).toBe(false);
    expect(nodes[0]!.events).toEqual(["start"]);
    host.crash(); // already down: no second storage crash
    expect(storage.crashes).toBe(1);
  });

  it("restart builds a new instance via the factory and calls its start; old timers stay dead", () => {
    const { host, nodes, sim } = setup({ start: (ctx, self) => void ctx.setTimer(100, `t${self.instanceNo}`) });
    host.start();
    sim.at(50, () => host.crash());
    sim.at(60, () => host.start());
    sim.run(1_000, 100);
    expect(nodes).toHaveLength(2);
    expect(host.instance).toBe(nodes[1]);
    expect(nodes[0]!.events).toEqual(["start"]);
    expect(nodes[1]!.events).toEqual(["start", "timer:t1@160"]);
    expect(host.deliver("v2", "x")).toBe(true);
    expect(nodes[1]!.events).toContain("msg:v2:x");
    expect(nodes[0]!.events).not.toContain("msg:v2:x");
  });

  it("gives each incarnation a different rng stream", () => {
    const { host, nodes } = setup();
    host.start();
    const first = nodes[0]!.ctx!.rng.next();
    host.crash();
    host.start();
    const second = nodes[1]!.ctx!.rng.next();
    expect(second).not.toBe(first);
  });

  it("reports a throwing handler to onNodeError instead of throwing", () => {
    const boom = new Error("boom");
    const { host, sim, errors } = setup({
      start: (ctx) => {
        ctx.setTimer(5, "t");
        throw boom;
      },
      message: () => {
        throw boom;
      },
      timer: () => {
        throw boom;
      },
    });
    expect(() => host.start()).not.toThrow();
    expect(() => host.deliver("v1", "m")).not.toThrow();
    expect(() => sim.run(100, 10)).not.toThrow();
    expect(errors).toEqual([
      { node: "v0", error: boom },
      { node: "v0", error: boom },
      { node: "v0", error: boom },
    ]);
  });

  it("setTimer with a negative delay throws RangeError into the node's handler (reported, not thrown)", () => {
    const { host, errors } = setup({ start: (ctx) => void ctx.setTimer(-1, "bad") });
    host.start();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.error).toBeInstanceOf(RangeError);
  });
});

describe("SimHost clock faults", () => {
  it("skew and drift: now() = virtual * (1 + drift) + skew, and a timer fires after its duration on the node's clock", () => {
    // Goal: the node cannot tell a skewed, drifting clock from a real one: its own clock measures its timers right.
    const { sim, nodes, host } = setup({ start: (ctx) => void ctx.setTimer(1_000_000, "t") });
    host.setClock({ skewUs: 50_000, drift: 0.25 });
    host.start();
    expect(nodes[0]!.ctx!.now()).toBe(50_000);
    sim.run(10_000_000, 100);
    // 1 s on the node's clock is 0.8 s of virtual time; its clock then reads 0.8 * 1.25 s + 50 ms.
    expect(nodes[0]!.events).toEqual(["start", "timer:t@1050000"]);
    expect(sim.nowUs).toBe(10_000_000);
    host.resetClock();
    expect(nodes[0]!.ctx!.now()).toBe(10_000_000);
  });

  it("pause: messages and timers are held, then handed over in order on resume; a cancelled held timer stays cancelled", () => {
    let cancelMe = 0;
    const { sim, nodes, host } = setup({
      start: (ctx) => {
        ctx.setTimer(100, "a");
        cancelMe = ctx.setTimer(200, "b");
      },
      message: (ctx, _from, msg) => {
        if (msg === "cancel") ctx.cancelTimer(cancelMe);
      },
    });
    host.start();
    host.pause();
    sim.after(50, () => host.deliver("x", "m1"));
    sim.after(150, () => host.deliver("x", "cancel"));
    sim.after(500, () => host.resume());
    sim.run(1_000, 100);
    expect(nodes[0]!.events).toEqual(["start", "msg:x:m1", "timer:a@500", "msg:x:cancel"]);
  });
});

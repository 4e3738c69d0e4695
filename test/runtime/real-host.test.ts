/** RealHost: real timers fire and cancel, messages cross a transport as bytes through the validator codec, bad bytes and handler errors are handled. */
import { afterEach, describe, expect, it } from "vitest";
import type { ValidatorMessage } from "../../src/consensus/types.js";
import { validatorCodec } from "../../src/consensus/wire.js";
import type { DeliverHandler, Transport } from "../../src/net/transport.js";
import { RealHost } from "../../src/runtime/real-host.js";
import type { Node, NodeContext, NodeId, Storage } from "../../src/sim/node.js";

/** An in-memory transport joining several hosts; delivery on a later turn of the event loop, as over a socket. */
class StubNetwork {
  private readonly handlers = new Map<NodeId, DeliverHandler>();
  sent = 0;
  transport(id: NodeId): Transport {
    return {
      send: (from, to, bytes) => {
        this.sent++;
        expect(bytes).toBeInstanceOf(Uint8Array);
        setImmediate(() => this.handlers.get(to)?.(from, to, bytes.slice()));
      },
      onDeliver: (handler) => {
        this.handlers.set(id, handler);
      },
    };
  }
  inject(from: NodeId, to: NodeId, bytes: Uint8Array): void {
    this.handlers.get(to)?.(from, to, bytes);
  }
}

class MemoryStorage implements Storage {
  private readonly values = new Map<string, Uint8Array>();
  get(key: string): Uint8Array | undefined {
    return this.values.get(key);
  }
  put(key: string, value: Uint8Array): void {
    this.values.set(key, value);
  }
  delete(key: string): void {
    this.values.delete(key);
  }
  keys(prefix: string): string[] {
    return [...this.values.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
  sync(): void {}
}

const app = (text: string): ValidatorMessage => ({ type: "app", data: new TextEncoder().encode(text) });
const textOf = (msg: ValidatorMessage): string => (msg.type === "app" ? new TextDecoder().decode(msg.data) : msg.type);

/** Pings its peer at start, answers pings with pongs, arms a kept and a cancelled timer, throws on "boom". */
class PingNode implements Node<ValidatorMessage> {
  readonly received: string[] = [];
  readonly timers: string[] = [];
  constructor(private readonly peer: NodeId | undefined) {}
  start(ctx: NodeContext<ValidatorMessage>): void {
    if (this.peer !== undefined) ctx.send(this.peer, app("ping"));
    ctx.setTimer(20_000, "kept");
    const cancelled = ctx.setTimer(10_000, "cancelled");
    ctx.cancelTimer(cancelled);
  }
  onMessage(ctx: NodeContext<ValidatorMessage>, from: NodeId, msg: ValidatorMessage): void {
    const text = textOf(msg);
    if (text === "boom") throw new Error("boom");
    this.received.push(`${from}:${text}`);
    ctx.log("got", { from, text });
    if (text === "ping") ctx.send(from, app("pong"));
  }
  onTimer(ctx: NodeContext<ValidatorMessage>, _timer: number, tag: string): void {
    this.timers.push(tag);
    ctx.log("timer", { tag, at: ctx.now() });
  }
}

const until = async (condition: () => boolean, timeoutMs = 2000): Promise<void> => {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe("RealHost", () => {
  const hosts: RealHost<ValidatorMessage>[] = [];
  afterEach(() => {
    for (const h of hosts.splice(0)) h.stop();
  });

  function build(net: StubNetwork, id: NodeId, peer: NodeId | undefined, events: { node: string; event: string; fields: Readonly<Record<string, unknown>> }[], errors: unknown[]) {
    const node = new PingNode(peer);
    const host = new RealHost<ValidatorMessage>({
      id,
      createNode: () => node,
      storage: new MemoryStorage(),
      transport: net.transport(id),
      codec: validatorCodec,
      seed: 1,
      incarnation: 0,
      observe: (_t, n, event, fields) => events.push({ node: n, event, fields }),
      onNodeError: (_n, error) => errors.push(error),
    });
    hosts.push(host);
    return { node, host };
  }

  it("messages round-trip through the transport as codec bytes; timers fire on the real clock and cancelled ones never", async () => {
    const net = new StubNetwork();
    const events: { node: string; event: string; fields: Readonly<Record<string, unknown>> }[] = [];
    const errors: unknown[] = [];
    const a = build(net, "a", "b", events, errors);
    const b = build(net, "b", undefined, events, errors);
    const startUs = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    b.host.start();
    a.host.start();
    await until(() => a.node.received.length > 0 && a.node.timers.length > 0 && b.node.timers.length > 0);
    expect(b.node.received).toEqual(["a:ping"]);
    expect(a.node.received).toEqual(["b:pong"]);
    await new Promise((r) => setTimeout(r, 30));
    expect(a.node.timers).toEqual(["kept"]);
    const firedAt = events.find((e) => e.node === "a" && e.event === "timer")!.fields.at as number;
    expect(firedAt - startUs).toBeGreaterThanOrEqual(19_000);
    expect(errors).toEqual([]);
    expect(net.sent).toBe(2);
  });

  it("bytes that do not decode are logged as malformed and dropped", async () => {
    const net = new StubNetwork();
    const events: { node: string; event: string; fields: Readonly<Record<string, unknown>> }[] = [];
    const errors: unknown[] = [];
    const b = build(net, "b", undefined, events, errors);
    b.host.start();
    net.inject("x", "b", new Uint8Array([0xc1, 0xff, 0x00]));
    expect(b.host.stats.malformed).toBe(1);
    expect(events.some((e) => e.event === "malformed" && e.fields.from === "x")).toBe(true);
    expect(b.host.running).toBe(true);
    net.inject("x", "b", validatorCodec.encode(app("hello")));
    expect(b.node.received).toEqual(["x:hello"]);
  });

  it("a handler that throws stops the host and reports once; its timers never fire", async () => {
    const net = new StubNetwork();
    const events: { node: string; event: string; fields: Readonly<Record<string, unknown>> }[] = [];
    const errors: unknown[] = [];
    const b = build(net, "b", undefined, events, errors);
    b.host.start();
    net.inject("x", "b", validatorCodec.encode(app("boom")));
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toBe("boom");
    expect(b.host.running).toBe(false);
    net.inject("x", "b", validatorCodec.encode(app("boom")));
    expect(errors).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 40));
    expect(b.node.timers).toEqual([]);
    expect(() => b.host.start()).toThrow(/restart the process/);
  });
});

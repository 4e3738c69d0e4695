/**
 * Goal: the world is protocol-free and strict. It hosts nodes from specs,
 * moves their messages as bytes through each node's own codec, routes a
 * message to every instance of an identity, asserts each verb's
 * preconditions, and a node crashed inside its own step does nothing more
 * (no send, no write) from that point.
 */
import { describe, expect, it } from "vitest";
import { encodeWire, decodeWire, read, type MessageCodec } from "../../src/net/codec.js";
import { AssertionError } from "../../src/sim/assert.js";
import type { Node, NodeContext, NodeId } from "../../src/sim/node.js";
import { World } from "../../src/harness/world.js";
import type { NodeSpec } from "../../src/harness/node-spec.js";

type Ping = { readonly type: "ping"; readonly n: number };
const pingCodec: MessageCodec<Ping> = {
  encode: (m) => encodeWire({ type: "ping", n: m.n }),
  decode: (b) => ({ type: "ping", n: read.uint(read.object(decodeWire(b), "m").n, "n") }),
};

/** A node that records what it receives and, on start, runs `onStart`. */
class Probe implements Node<Ping> {
  readonly received: { from: NodeId; n: number }[] = [];
  constructor(private readonly onStart: (ctx: NodeContext<Ping>) => void = () => {}) {}
  start(ctx: NodeContext<Ping>): void {
    this.onStart(ctx);
  }
  onMessage(_ctx: NodeContext<Ping>, from: NodeId, msg: Ping): void {
    this.received.push({ from, n: msg.n });
  }
  onTimer(): void {}
}

function world(): World {
  return new World({ seed: 1, network: { defaultLink: { latency: { kind: "uniform", minUs: 1000, maxUs: 1000 }, dropRate: 0, duplicateRate: 0 }, links: [] } });
}

function spec(id: string, node: () => Node<Ping>, extra: Partial<NodeSpec<Ping>> = {}): NodeSpec<Ping> {
  return { id, role: "probe", system: "test", instance: "", codec: pingCodec, create: node, crashable: true, honest: true, ...extra };
}

describe("world", () => {
  it("moves bytes between nodes through their codec, and a message to an identity reaches each of its instances", () => {
    const w = world();
    const probes = new Map<string, Probe>();
    const make = (id: string, onStart?: (ctx: NodeContext<Ping>) => void) => () => {
      const p = new Probe(onStart);
      probes.set(id, p);
      return p;
    };
    w.addNode(spec("a", make("a", (ctx) => ctx.send("b", { type: "ping", n: 7 }))));
    w.addNode(spec("b", make("b")));
    w.addNode(spec("bt", make("bt"), { instanceOf: "b", honest: false }));
    w.addNode(spec("c", make("c", (ctx) => ctx.send("a", { type: "ping", n: 9 })), { instanceOf: undefined }));
    w.run(10_000, 1000);
    expect(probes.get("b")!.received).toEqual([{ from: "a", n: 7 }]);
    expect(probes.get("bt")!.received).toEqual([{ from: "a", n: 7 }]);
    expect(probes.get("a")!.received).toEqual([{ from: "c", n: 9 }]);
    expect(w.nodesWithRole("probe")).toEqual(["a", "b", "bt", "c"]);
  });

  it("asserts each verb's preconditions", () => {
    const w = world();
    w.addNode(spec("a", () => new Probe()));
    w.addNode(spec("fixed", () => new Probe(), { crashable: false }));
    expect(() => w.addNode(spec("a", () => new Probe()))).toThrow(AssertionError);
    expect(() => w.addNode(spec("x", () => new Probe(), { instanceOf: "nobody" }))).toThrow(/must be added first/);
    w.run(1, 10);
    expect(() => w.restart("a")).toThrow(/a is not down/);
    w.crash("a");
    expect(() => w.crash("a")).toThrow(/a is already down/);
    expect(() => w.crash("fixed")).toThrow(/cannot crash/);
    expect(() => w.partition([["a"], ["nobody"]])).toThrow(/no node nobody/);
    expect(() => w.partition([["a"]])).toThrow(/two groups/);
    expect(() => w.pause("a", 0)).toThrow(/positive integer/);
    w.restart("a");
    expect(w.isUp("a")).toBe(true);
  });

  it("a node crashed inside its step sends and writes nothing after the crash point", () => {
    const w = world();
    let got: Probe | undefined;
    w.addNode(spec("b", () => (got = new Probe())));
    w.addNode(
      spec("a", () =>
        new Probe((ctx) => {
          ctx.storage.put("before", new Uint8Array([1]));
          ctx.storage.sync();
          ctx.log("crash-point", {});
          ctx.storage.put("after", new Uint8Array([2]));
          ctx.storage.sync();
          ctx.send("b", { type: "ping", n: 1 });
        }),
      ),
    );
    w.addReaction((o) => {
      if (o.event === "crash-point") w.crash(o.node);
    });
    const outcome = w.run(10_000, 1000);
    expect(outcome.violation).toBeUndefined(); // the unwinding is not a node error
    expect(w.isUp("a")).toBe(false);
    expect(w.disk("a").get("before")).toEqual(new Uint8Array([1]));
    expect(w.disk("a").get("after")).toBeUndefined();
    expect(got!.received).toEqual([]);
  });

  it("a malformed message is logged at the receiver and never handed to the node", () => {
    const w = world();
    const seen: string[] = [];
    let b: Probe | undefined;
    w.addNode(spec("a", () => new Probe((ctx) => ctx.send("b", { type: "ping", n: 1 }))));
    // b's codec cannot read a's bytes: the world decodes with the receiver's codec.
    w.addNode({ ...spec("b", () => (b = new Probe())), codec: { encode: pingCodec.encode, decode: () => pingCodec.decode(encodeWire({ n: -1 })) } });
    w.addListener((o) => seen.push(`${o.node}:${o.event}`), "watch");
    w.run(10_000, 1000);
    expect(seen).toContain("b:malformed");
    expect(b!.received).toEqual([]);
  });
});

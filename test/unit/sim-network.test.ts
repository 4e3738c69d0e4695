import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { LatencyModel } from "../../src/net/latency.js";
import { SimNetwork, type LinkConfig, type LinkOverride } from "../../src/net/sim-network.js";
import { createRng } from "../../src/sim/rng.js";
import { Simulation } from "../../src/sim/simulation.js";

interface Delivery {
  atUs: number;
  from: string;
  to: string;
  data: string;
}

const FIXED_1MS: LatencyModel = { kind: "uniform", minUs: 1_000, maxUs: 1_000 };

function setup(link: Partial<LinkConfig> = {}, links: LinkOverride[] = [], seed = 1, heldMessagesMax?: number) {
  const sim = new Simulation(seed);
  const net = new SimNetwork(
    sim,
    {
      defaultLink: { latency: FIXED_1MS, dropRate: 0, duplicateRate: 0, ...link },
      links,
      ...(heldMessagesMax === undefined ? {} : { heldMessagesMax }),
    },
    createRng(seed, "net"),
  );
  const nodes = ["a", "b", "c", "d"];
  for (const n of nodes) net.addNode(n);
  const delivered: Delivery[] = [];
  net.onDeliver((from, to, bytes) => delivered.push({ atUs: sim.nowUs, from, to, data: new TextDecoder().decode(bytes) }));
  const send = (from: string, to: string, data = `${from}->${to}`): void => net.send(from, to, new TextEncoder().encode(data));
  const pairs = (d: readonly Delivery[]): string[] => d.map((x) => `${x.from}->${x.to}`).sort();
  return { sim, net, delivered, send, pairs };
}

/** Sends one message on every ordered pair of distinct nodes. */
function sendAll(send: (from: string, to: string) => void): void {
  for (const x of ["a", "b", "c", "d"]) for (const y of ["a", "b", "c", "d"]) if (x !== y) send(x, y);
}

describe("SimNetwork", () => {
  it("delivers a message after its latency and counts it", () => {
    const { sim, net, delivered, send } = setup();
    send("a", "b", "hello");
    expect(delivered).toEqual([]);
    sim.run(10_000, 100);
    expect(delivered).toEqual([{ atUs: 1_000, from: "a", to: "b", data: "hello" }]);
    expect(net.stats).toEqual({ sent: 1, delivered: 1, dropped: 0, duplicated: 0, held: 0 });
  });

  it("property: uniform latency lies within [min, max]", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 50_000 }), fc.integer({ min: 0, max: 50_000 }), fc.integer({ min: 0, max: 1000 }), (min, span, seed) => {
        const { sim, delivered, send } = setup({ latency: { kind: "uniform", minUs: min, maxUs: min + span } }, [], seed);
        for (let i = 0; i < 20; i++) send("a", "b", String(i));
        sim.run(1_000_000, 1000);
        expect(delivered).toHaveLength(20);
        for (const d of delivered) {
          expect(d.atUs).toBeGreaterThanOrEqual(min);
          expect(d.atUs).toBeLessThanOrEqual(min + span);
        }
      }),
      { numRuns: 50 },
    );
  });

  it("latency spread reorders messages on one link", () => {
    const { sim, delivered, send } = setup({ latency: { kind: "uniform", minUs: 100, maxUs: 100_000 } });
    for (let i = 0; i < 50; i++) send("a", "b", String(i).padStart(2, "0"));
    sim.run(1_000_000, 1000);
    const order = delivered.map((d) => d.data);
    expect(order).toHaveLength(50);
    expect(order).not.toEqual([...order].sort());
  });

  it("dropRate 1 drops everything and counts it", () => {
    const { sim, net, delivered, send } = setup({ dropRate: 1 });
    for (let i = 0; i < 25; i++) send("a", "b");
    sim.run(1_000_000, 1000);
    expect(delivered).toEqual([]);
    expect(net.stats.sent).toBe(25);
    expect(net.stats.dropped).toBe(25);
    expect(net.stats.delivered).toBe(0);
  });

  it("a partial dropRate drops some but not all messages", () => {
    const { sim, net, delivered, send } = setup({ dropRate: 0.5 });
    for (let i = 0; i < 400; i++) send("a", "b");
    sim.run(1_000_000, 10_000);
    expect(delivered.length).toBeGreaterThan(100);
    expect(delivered.length).toBeLessThan(300);
    expect(net.stats.dropped + net.stats.delivered).toBe(400);
  });

  it("duplicateRate 1 delivers every message twice", () => {
    const { sim, net, delivered, send } = setup({ duplicateRate: 1 });
    for (let i = 0; i < 10; i++) send("a", "b", String(i));
    sim.run(1_000_000, 1000);
    expect(delivered).toHaveLength(20);
    expect(net.stats.duplicated).toBe(10);
    expect(net.stats.delivered).toBe(20);
    for (let i = 0; i < 10; i++) expect(delivered.filter((d) => d.data === String(i))).toHaveLength(2);
  });

  it("per-link overrides apply one way only and keep the unspecified defaults", () => {
    const { sim, delivered, send } = setup({}, [{ from: "a", to: "b", dropRate: 1 }, { from: "c", to: "d", latency: { kind: "uniform", minUs: 7_000, maxUs: 7_000 } }]);
    send("a", "b");
    send("b", "a");
    send("c", "d");
    sim.run(1_000_000, 1000);
    expect(delivered.map((d) => `${d.from}->${d.to}@${d.atUs}`).sort()).toEqual(["b->a@1000", "c->d@7000"]);
  });

  it("partition of two groups blocks both ways; nodes in no group are unaffected", () => {
    const { sim, net, delivered, send, pairs } = setup();
    net.partition([["a"], ["b"]]);
    expect(net.partitioned).toBe(true);
    expect(net.isBlocked("a", "b")).toBe(true);
    expect(net.isBlocked("b", "a")).toBe(true);
    expect(net.isBlocked("a", "c")).toBe(false);
    sendAll(send);
    sim.run(1_000_000, 1000);
    const got = pairs(delivered);
    expect(got).not.toContain("a->b");
    expect(got).not.toContain("b->a");
    expect(got).toHaveLength(10);
    expect(got).toEqual(expect.arrayContaining(["a->c", "c->a", "b->d", "d->b", "c->d", "d->c"]));
    expect(net.stats.dropped).toBe(2);
  });

  it("partition with groups of several nodes keeps links inside a group", () => {
    const { sim, net, delivered, send, pairs } = setup();
    net.partition([
      ["a", "b"],
      ["c", "d"],
    ]);
    sendAll(send);
    sim.run(1_000_000, 1000);
    expect(pairs(delivered)).toEqual(["a->b", "b->a", "c->d", "d->c"]);
  });

  it("partitionOneWay blocks one direction only", () => {
    const { sim, net, delivered, send, pairs } = setup();
    net.partitionOneWay(["a"], ["b", "c"]);
    expect(net.isBlocked("a", "b")).toBe(true);
    expect(net.isBlocked("b", "a")).toBe(false);
    send("a", "b");
    send("a", "c");
    send("b", "a");
    send("c", "a");
    send("a", "d");
    sim.run(1_000_000, 1000);
    expect(pairs(delivered)).toEqual(["a->d", "b->a", "c->a"]);
  });

  it("isolate 'outbound' cuts only the node's sends", () => {
    const { sim, net, delivered, send, pairs } = setup();
    net.isolate("a", "outbound");
    sendAll(send);
    sim.run(1_000_000, 1000);
    const got = pairs(delivered);
    expect(got.filter((p) => p.startsWith("a->"))).toEqual([]);
    expect(got.filter((p) => p.endsWith("->a"))).toEqual(["b->a", "c->a", "d->a"]);
    expect(got).toHaveLength(9);
  });

  it("isolate 'inbound' cuts only what the node receives", () => {
    const { sim, net, delivered, send, pairs } = setup();
    net.isolate("a", "inbound");
    sendAll(send);
    sim.run(1_000_000, 1000);
    const got = pairs(delivered);
    expect(got.filter((p) => p.endsWith("->a"))).toEqual([]);
    expect(got.filter((p) => p.startsWith("a->"))).toEqual(["a->b", "a->c", "a->d"]);
    expect(got).toHaveLength(9);
  });

  it("isolate 'both' cuts both directions and leaves the others connected", () => {
    const { sim, net, delivered, send, pairs } = setup();
    net.isolate("a", "both");
    sendAll(send);
    sim.run(1_000_000, 1000);
    expect(pairs(delivered)).toEqual(["b->c", "b->d", "c->b", "c->d", "d->b", "d->c"]);
  });

  it("heal removes partitions and isolations", () => {
    const { sim, net, delivered, send, pairs } = setup();
    net.partition([["a"], ["b"]]);
    net.isolate("c", "both");
    net.partitionOneWay(["d"], ["a"]);
    net.heal();
    expect(net.partitioned).toBe(false);
    sendAll(send);
    sim.run(1_000_000, 1000);
    expect(pairs(delivered)).toHaveLength(12);
  });

  it("a message in flight when a partition starts is dropped on arrival", () => {
    const { sim, net, delivered, send } = setup({ latency: { kind: "uniform", minUs: 10_000, maxUs: 10_000 } });
    send("a", "b");
    send("a", "c");
    sim.at(5_000, () => net.partition([["a"], ["b"]]));
    sim.run(1_000_000, 1000);
    expect(delivered.map((d) => d.to)).toEqual(["c"]);
    expect(net.stats.dropped).toBe(1);
  });

  it("a message in flight survives a partition healed before it arrives", () => {
    const { sim, net, delivered, send } = setup({ latency: { kind: "uniform", minUs: 10_000, maxUs: 10_000 } });
    send("a", "b");
    sim.at(2_000, () => net.partition([["a"], ["b"]]));
    sim.at(4_000, () => net.heal());
    sim.run(1_000_000, 1000);
    expect(delivered).toHaveLength(1);
  });

  it("clog holds messages from and to the node; unclog releases them, delivered later", () => {
    const { sim, net, delivered, send, pairs } = setup();
    net.clog("a");
    expect([...net.cloggedNodes]).toEqual(["a"]);
    send("a", "b");
    send("c", "a");
    send("b", "c");
    let before: string[] = [];
    sim.at(60_000, () => {
      before = pairs(delivered);
      net.unclog("a");
    });
    sim.run(1_000_000, 1000);
    expect(before).toEqual(["b->c"]);
    expect(net.stats.held).toBe(2);
    expect(pairs(delivered)).toEqual(["a->b", "b->c", "c->a"]);
    expect(delivered.filter((d) => d.from === "a" || d.to === "a").every((d) => d.atUs === 61_000)).toBe(true);
    expect(net.cloggedNodes.size).toBe(0);
  });

  it("a message in flight when its destination is clogged is held, then released on unclog", () => {
    const { sim, net, delivered, send } = setup({ latency: { kind: "uniform", minUs: 10_000, maxUs: 10_000 } });
    send("a", "b");
    sim.at(1_000, () => net.clog("b"));
    let before: unknown[] | undefined;
    let heldBefore = -1;
    sim.at(200_000, () => {
      before = [...delivered];
      heldBefore = net.stats.held;
      net.unclog("b");
    });
    sim.run(1_000_000, 1000);
    expect(before).toEqual([]);
    expect(heldBefore).toBe(1);
    expect(delivered).toEqual([{ atUs: 210_000, from: "a", to: "b", data: "a->b" }]);
  });

  it("unclogging one node keeps messages that still touch another clogged node", () => {
    const { sim, net, delivered, send, pairs } = setup();
    net.clog("a");
    net.clog("b");
    send("a", "b");
    send("a", "c");
    net.unclog("a");
    let before: string[] = [];
    sim.at(100_000, () => {
      before = pairs(delivered);
      net.unclog("b");
    });
    sim.run(1_000_000, 1000);
    expect(before).toEqual(["a->c"]);
    expect(pairs(delivered)).toEqual(["a->b", "a->c"]);
  });

  it("released messages still obey partitions", () => {
    const { sim, net, delivered, send } = setup();
    net.clog("a");
    send("a", "b");
    net.partition([["a"], ["b"]]);
    net.unclog("a");
    sim.run(1_000_000, 1000);
    expect(delivered).toEqual([]);
    expect(net.stats.dropped).toBe(1);
  });

  it("drops the oldest held message beyond heldMessagesMax", () => {
    const { sim, net, delivered, send } = setup({}, [], 1, 2);
    net.clog("a");
    send("a", "b", "1");
    send("a", "b", "2");
    send("a", "b", "3");
    expect(net.stats.dropped).toBe(1);
    net.unclog("a");
    sim.run(1_000_000, 1000);
    expect(delivered.map((d) => d.data)).toEqual(["2", "3"]);
  });

  it("is deterministic given the same rng seed, and differs with another seed", () => {
    const run = (seed: number): string => {
      const { sim, delivered, send } = setup({ latency: { kind: "uniform", minUs: 0, maxUs: 100_000 }, dropRate: 0.2, duplicateRate: 0.2 }, [], seed);
      for (let i = 0; i < 30; i++) send(["a", "b", "c"][i % 3]!, "d", String(i));
      sim.run(10_000_000, 10_000);
      return JSON.stringify(delivered);
    };
    expect(run(7)).toBe(run(7));
    expect(run(7)).not.toBe(run(8));
  });
});

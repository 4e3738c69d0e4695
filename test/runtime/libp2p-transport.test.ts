/**
 * The libp2p transport between configured nodes on loopback: delivery in
 * order with the authenticated sender, blocking, unknown keys refused, and the
 * per-type size and depth limits applied before decoding.
 */
import { afterEach, describe, expect, it } from "vitest";
import { freePorts, makeNode, message, waitFor, type TestNode } from "./libp2p-harness.js";

const nodes: TestNode[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.transport.close()));
});

async function network(validators: number, clients: number): Promise<TestNode[]> {
  const ports = await freePorts(validators);
  const all = [
    ...ports.map((port, i) => ({ id: `v${i}`, index: i, port, client: false })),
    ...Array.from({ length: clients }, (_, i) => ({ id: `c${i}`, index: validators + i, client: true })),
  ];
  const made = all.map((n) => makeNode(n.id, all));
  nodes.push(...made);
  await Promise.all(made.map((n) => n.transport.start()));
  return made;
}

describe("Libp2pTransport", () => {
  it("delivers messages in order, both ways, naming the authenticated sender", async () => {
    const [a, b] = await network(2, 0);
    for (let i = 0; i < 200; i++) {
      a!.transport.send("v0", "v1", message("vote", i));
      b!.transport.send("v1", "v0", message("vote", 1000 + i));
    }
    await waitFor(() => a!.received.length === 200 && b!.received.length === 200, "200 each way");
    expect(b!.received.every((r) => r.from === "v0")).toBe(true);
    expect(b!.received.map((r) => Buffer.from(r.bytes).equals(Buffer.from(message("vote", b!.received.indexOf(r)))))).not.toContain(false);
    expect(a!.transport.connectedPeers()).toEqual(["v1"]);
    expect(a!.transport.stats).toMatchObject({ framesSent: 200, framesReceived: 200, dropped: 0, rejectedPeers: 0, malformedFrames: 0 });
  });
});

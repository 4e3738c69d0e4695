/**
 * Test helpers for the libp2p transport: configured transports on loopback with
 * deterministic keys, a wait helper, and a TCP relay that can watch or rewrite
 * the bytes between two nodes (for the hostile-peer suite).
 */
import { createServer, Socket, type Server } from "node:net";
import { createNativeEd25519 } from "../../src/crypto/ed25519-native.js";
import { encodeWire } from "../../src/net/codec.js";
import { Libp2pTransport, type Libp2pTransportOptions } from "../../src/runtime/libp2p-transport.js";

/** The transport seed of test node `i` (distinct per node). */
export function seedOf(i: number): Uint8Array {
  return new Uint8Array(32).fill(i + 1);
}

export function publicOf(i: number): Uint8Array {
  return createNativeEd25519().keyPairFromSeed(seedOf(i)).publicKey;
}

/** Small limits: an `app` of at most 64 KiB, a `vote` of at most 4 KiB (clients may send only `app`). */
export const TEST_LIMITS_VALIDATOR: ReadonlyMap<string, number> = new Map([
  ["app", 64 * 1024],
  ["vote", 4096],
  ["proposal", 256 * 1024],
]);
export const TEST_LIMITS_CLIENT: ReadonlyMap<string, number> = new Map([["app", 64 * 1024]]);

export interface TestNode {
  readonly id: string;
  readonly transport: Libp2pTransport;
  readonly received: { from: string; bytes: Uint8Array }[];
  readonly logs: { event: string; fields: Record<string, unknown> }[];
  port: number;
}

/**
 * Builds a network description: validators v0..v{n-1} (listening on the
 * given ports) and clients c0..c{m-1}; node `i` of the list has seed `i`.
 */
export function makeNode(
  id: string,
  all: { id: string; index: number; port?: number; client: boolean }[],
  extra: Partial<Libp2pTransportOptions> = {},
): TestNode {
  const me = all.find((n) => n.id === id)!;
  const received: TestNode["received"] = [];
  const logs: TestNode["logs"] = [];
  const transport = new Libp2pTransport({
    self: id,
    transportSecretKey: seedOf(me.index),
    ...(me.client ? {} : { listen: { host: "127.0.0.1", port: me.port ?? 0 } }),
    peers: all
      .filter((n) => n.id !== id && !(me.client && n.client))
      .map((n) => ({
        id: n.id,
        ...(n.client ? {} : { address: { host: "127.0.0.1", port: n.port! } }),
        transportPublicKey: publicOf(n.index),
        messageLimits: n.client || me.client ? TEST_LIMITS_CLIENT : TEST_LIMITS_VALIDATOR,
      })),
    log: (event, fields) => logs.push({ event, fields }),
    ...extra,
  });
  transport.onDeliver((from, _to, bytes) => received.push({ from, bytes }));
  return { id, transport, received, logs, port: me.port ?? 0 };
}

/** A message of `type` padded to about `bytes` bytes, tagged with `n`. */
export function message(type: string, n: number, bytes = 64): Uint8Array {
  return encodeWire({ type, n, pad: new Uint8Array(Math.max(0, bytes - 40)) });
}

/** Polls `condition` every 20 ms until true; throws after `timeoutMs` (generous: dials are slow on a loaded 2-core CI machine). */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Free loopback ports, picked by binding port 0. */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<Server>((resolve) => {
      const s = createServer();
      s.listen(0, "127.0.0.1", () => resolve(s));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

/**
 * A TCP relay on loopback: every connection to `port` is forwarded to
 * `target`. `rewrite(direction, chunk, offset)` may return changed bytes
 * (offset: bytes already relayed in that direction); `record` keeps every
 * chunk client-to-server.
 */
export async function relay(
  target: number,
  rewrite: (direction: "up" | "down", chunk: Buffer, offset: number) => Buffer = (_d, c) => c,
): Promise<{ port: number; up: Buffer[]; close(): Promise<void> }> {
  const up: Buffer[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((inbound) => {
    const outbound = new Socket();
    sockets.add(inbound).add(outbound);
    let upOffset = 0;
    let downOffset = 0;
    inbound.on("data", (chunk: Buffer) => {
      up.push(Buffer.from(chunk));
      const out = rewrite("up", chunk, upOffset);
      upOffset += chunk.length;
      outbound.write(out);
    });
    outbound.on("data", (chunk: Buffer) => {
      const out = rewrite("down", chunk, downOffset);
      downOffset += chunk.length;
      inbound.write(out);
    });
    const end = (): void => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on("error", end).on("close", end);
    outbound.on("error", end).on("close", end);
    outbound.connect(target, "127.0.0.1");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    port: (server.address() as { port: number }).port,
    up,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

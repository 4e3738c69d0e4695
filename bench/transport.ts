/**
 * The cost of the transport itself (`node dist/bench/transport.js`): two
 * libp2p transports in one process on loopback, one sending `count` messages
 * of `bytes` bytes to the other as fast as the send queue takes them; prints
 * messages per second, MB/s and CPU time per message (user + system of this
 * process, both ends together). Noise encrypts and authenticates every
 * message (ChaCha20-Poly1305) and Yamux frames it; the same measurement of
 * the old plaintext TCP transport is in docs/real-mode.md ("Cost of
 * encryption"). Wall-clock figures vary with the machine's load; CPU time per
 * message varies less.
 */
import { pathToFileURL } from "node:url";
import { createServer } from "node:net";
import { encodeWire } from "../src/net/codec.js";
import { Libp2pTransport, transportPublicKey } from "../src/runtime/libp2p-transport.js";

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Sends `count` messages of about `bytes` bytes from one transport to another; returns the figures. */
export async function benchTransportOnce(count: number, bytes: number): Promise<{ perSecond: number; mbPerSecond: number; cpuUsPerMessage: number }> {
  const seeds = [new Uint8Array(32).fill(1), new Uint8Array(32).fill(2)];
  const port = await freePort();
  const limits = new Map([["app", 16 * 1024 * 1024]]);
  const a = new Libp2pTransport({
    self: "a",
    transportSecretKey: seeds[0]!,
    peers: [{ id: "b", address: { host: "127.0.0.1", port }, transportPublicKey: transportPublicKey(seeds[1]!), messageLimits: limits }],
    sendQueueMaxBytes: 1024 * 1024 * 1024,
  });
  const b = new Libp2pTransport({
    self: "b",
    transportSecretKey: seeds[1]!,
    listen: { host: "127.0.0.1", port },
    peers: [{ id: "a", address: { host: "127.0.0.1", port: 1 }, transportPublicKey: transportPublicKey(seeds[0]!), messageLimits: limits }],
  });
  let received = 0;
  let done: () => void = () => {};
  const all = new Promise<void>((resolve) => (done = resolve));
  b.onDeliver(() => {
    if (++received === count) done();
  });
  await b.start();
  await a.start();
  const message = encodeWire({ type: "app", data: new Uint8Array(bytes) });
  // Warm up: the connection and one message.
  a.send("a", "b", message);
  while (received < 1) await new Promise((r) => setTimeout(r, 10));
  received = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) a.send("a", "b", message);
  await all;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await Promise.all([a.close(), b.close()]);
  return { perSecond: count / seconds, mbPerSecond: (count * message.length) / seconds / 1e6, cpuUsPerMessage: (cpu.user + cpu.system) / count };
}

/** Prints the figures for vote-sized and block-sized messages. */
export async function benchTransport(print: (line: string) => void): Promise<void> {
  print("\nlibp2p transport (TCP + Noise + Yamux), one direction, loopback, one process");
  print("message bytes   messages   msg/s     MB/s   CPU us/msg");
  for (const [count, bytes] of [[20_000, 200], [2_000, 64 * 1024]] as const) {
    const r = await benchTransportOnce(count, bytes);
    print(`${String(bytes).padStart(13)} ${String(count).padStart(10)} ${r.perSecond.toFixed(0).padStart(7)} ${r.mbPerSecond.toFixed(1).padStart(8)} ${r.cpuUsPerMessage.toFixed(1).padStart(12)}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await benchTransport(console.log);

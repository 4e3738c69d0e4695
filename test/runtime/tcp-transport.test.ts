/**
 * The real TCP transport on loopback: frames both ways in order, mutual
 * authentication (raw sockets play the impostors), malformed frames that close
 * only their own connection, reconnect after a restart, blockPeer, and the
 * send-queue limit. Every transport and raw socket is closed in afterEach.
 */
import { createServer, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createNativeEd25519 } from "../../src/crypto/ed25519-native.js";
import { decodeWire, encodeWire, read } from "../../src/net/codec.js";
import { encodeFrame, FrameDecoder, MalformedFrameError } from "../../src/runtime/frames.js";
import { handshakeTranscript } from "../../src/runtime/peer-handshake.js";
import { TcpTransport, type TcpTransportOptions } from "../../src/runtime/tcp-transport.js";

const ed = createNativeEd25519();
const HOST = "127.0.0.1";

function keys(n: number): { secretKey: Uint8Array; publicKey: Uint8Array } {
  return ed.keyPairFromSeed(new Uint8Array(32).fill(n + 1));
}

const transports: TcpTransport[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(transports.splice(0).map((t) => t.close()));
});

interface Logged {
  event: string;
  fields: Record<string, unknown>;
}

interface Harness {
  transport: TcpTransport;
  received: { from: string; text: string }[];
  logs: Logged[];
}

function make(options: Partial<TcpTransportOptions> & { self: string; n: number }): Harness {
  const received: Harness["received"] = [];
  const logs: Logged[] = [];
  const transport = new TcpTransport({
    ...keys(options.n),
    listen: { host: HOST, port: 0 },
    peers: [],
    reconnectBaseMs: 20,
    reconnectMaxMs: 200,
    handshakeTimeoutMs: 2000,
    log: (event, fields) => logs.push({ event, fields }),
    ...options,
  });
  transport.onDeliver((from, _to, bytes) => received.push({ from, text: new TextDecoder().decode(bytes) }));
  transports.push(transport);
  return { transport, received, logs };
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== "object" || address === null) throw new Error("no port");
  return address.port;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A hand-driven socket speaking the frame format, for impostors and garbage. */
class RawPeer {
  readonly socket = new Socket();
  readonly frames: Uint8Array[] = [];
  private readonly decoder = new FrameDecoder();
  closed = false;

  constructor() {
    sockets.push(this.socket);
    this.socket.on("data", (chunk: Buffer) => {
      this.decoder.push(chunk);
      for (let f = this.decoder.next(1 << 20); f !== undefined; f = this.decoder.next(1 << 20)) this.frames.push(f);
    });
    this.socket.on("close", () => (this.closed = true));
    this.socket.on("error", () => {});
  }

  async connect(port: number): Promise<void> {
    await new Promise<void>((resolve) => this.socket.connect(port, HOST, resolve));
  }

  sendFrame(payload: Uint8Array): void {
    this.socket.write(encodeFrame(payload));
  }

  /** Runs the initiator side of the handshake claiming `id`, with `publicKey` in the hello and `signWith` as signing key. */
  async handshake(options: { port: number; id: string; publicKey: Uint8Array; signWith: Uint8Array; responder: string }): Promise<void> {
    await this.connect(options.port);
    const nonce = new Uint8Array(32).fill(7);
    this.sendFrame(encodeWire({ t: "hello", v: 1, id: options.id, publicKey: options.publicKey, nonce }));
    await waitFor(() => this.frames.length >= 1 || this.closed, "responder hello");
    if (this.closed) return;
    const hello = read.object(decodeWire(this.frames[0]!), "hello");
    const theirNonce = read.bytes(hello["nonce"], "nonce", 32);
    const transcript = handshakeTranscript("initiator", { id: options.id, nonce }, { id: options.responder, nonce: theirNonce });
    this.sendFrame(encodeWire({ t: "auth", signature: ed.sign(options.signWith, transcript) }));
  }
}

describe("frames", () => {
  it("cuts a stream split at every byte into the same frames and refuses zero and oversized lengths", () => {
    const stream = Buffer.concat([encodeFrame(text("hello")), encodeFrame(text("w")), encodeFrame(new Uint8Array(300).fill(9))]);
    const decoder = new FrameDecoder();
    const out: Uint8Array[] = [];
    for (const byte of stream) {
      decoder.push(Uint8Array.of(byte));
      for (let f = decoder.next(1000); f !== undefined; f = decoder.next(1000)) out.push(f);
    }
    expect(out.map((f) => f.length)).toEqual([5, 1, 300]);
    expect(new TextDecoder().decode(out[0])).toBe("hello");
    expect(decoder.bufferedBytes).toBe(0);
    const zero = new FrameDecoder();
    zero.push(Uint8Array.of(0, 0, 0, 0));
    expect(() => zero.next(1000)).toThrow(MalformedFrameError);
    const big = new FrameDecoder();
    big.push(Uint8Array.of(0xff, 0xff, 0xff, 0xff));
    expect(() => big.next(1000)).toThrow(MalformedFrameError);
  });
});

describe("TcpTransport", () => {
  it("two transports that list each other end with one connection and exchange frames both ways in order", async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const a = make({ self: "v0", n: 0, listen: { host: HOST, port: portA }, peers: [{ id: "v1", host: HOST, port: portB, publicKey: keys(1).publicKey }] });
    const b = make({ self: "v1", n: 1, listen: { host: HOST, port: portB }, peers: [{ id: "v0", host: HOST, port: portA, publicKey: keys(0).publicKey }] });
    expect(await a.transport.start()).toEqual({ port: portA });
    await b.transport.start();
    // Sent before the connection exists: queued, then delivered in order.
    for (let i = 0; i < 200; i++) {
      a.transport.send("v0", "v1", text(`a${i}`));
      b.transport.send("v1", "v0", text(`b${i}`));
    }
    await waitFor(() => a.received.length === 200 && b.received.length === 200, "200 frames each way");
    expect(b.received.map((r) => r.text)).toEqual(Array.from({ length: 200 }, (_, i) => `a${i}`));
    expect(a.received.map((r) => r.text)).toEqual(Array.from({ length: 200 }, (_, i) => `b${i}`));
    expect(a.received.every((r) => r.from === "v1")).toBe(true);
    expect(a.transport.connectedPeers()).toEqual(["v1"]);
    expect(b.transport.connectedPeers()).toEqual(["v0"]);
    expect(a.transport.stats).toMatchObject({ framesSent: 200, framesReceived: 200, dropped: 0, rejectedPeers: 0, malformedFrames: 0 });
  });

  it("simultaneous dials leave one connection per pair, the one dialled by the smaller id", async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    // reconnectBaseMs 1: the larger id dials almost at once too, racing the smaller.
    const opts = { reconnectBaseMs: 1, reconnectMaxMs: 2 };
    const a = make({ ...opts, self: "v0", n: 0, listen: { host: HOST, port: portA }, peers: [{ id: "v1", host: HOST, port: portB, publicKey: keys(1).publicKey }] });
    const b = make({ ...opts, self: "v1", n: 1, listen: { host: HOST, port: portB }, peers: [{ id: "v0", host: HOST, port: portA, publicKey: keys(0).publicKey }] });
    await Promise.all([a.transport.start(), b.transport.start()]);
    await waitFor(() => a.transport.connectedPeers().length === 1 && b.transport.connectedPeers().length === 1, "connection");
    await sleep(50);
    for (let i = 0; i < 50; i++) a.transport.send("v0", "v1", text(`m${i}`));
    await waitFor(() => b.received.length === 50, "50 frames");
    expect(b.received.map((r) => r.text)).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
    const lastA = a.logs.filter((l) => l.event === "peer-connected").at(-1)!;
    const lastB = b.logs.filter((l) => l.event === "peer-connected").at(-1)!;
    expect(lastA.fields["direction"]).toBe("outbound");
    expect(lastB.fields["direction"]).toBe("inbound");
  });

  it("three transports in a full mesh deliver every pair's frames", async () => {
    const ports = [await freePort(), await freePort(), await freePort()];
    const ids = ["v0", "v1", "v2"];
    const hs = ids.map((self, n) =>
      make({
        self,
        n,
        listen: { host: HOST, port: ports[n]! },
        peers: ids.flatMap((id, m) => (m === n ? [] : [{ id, host: HOST, port: ports[m]!, publicKey: keys(m).publicKey }])),
      }),
    );
    await Promise.all(hs.map((h) => h.transport.start()));
    for (const [n, h] of hs.entries()) for (const to of ids) if (to !== ids[n]) for (let i = 0; i < 20; i++) h.transport.send(ids[n]!, to, text(`${ids[n]}>${to}#${i}`));
    await waitFor(() => hs.every((h) => h.received.length === 40), "40 frames at each node");
    for (const [n, h] of hs.entries()) {
      for (const from of ids) {
        if (from === ids[n]) continue;
        expect(h.received.filter((r) => r.from === from).map((r) => r.text)).toEqual(Array.from({ length: 20 }, (_, i) => `${from}>${ids[n]}#${i}`));
      }
      expect(h.transport.connectedPeers()).toEqual(ids.filter((id) => id !== ids[n]));
    }
  });

  describe("refuses unauthenticated peers", () => {
    const cases = [
      { name: "unknown id", id: "x9", publicKey: keys(9).publicKey, signWith: keys(9).secretKey, reason: "unknown-id" },
      { name: "wrong key", id: "c0", publicKey: keys(9).publicKey, signWith: keys(9).secretKey, reason: "wrong-key" },
      { name: "bad signature", id: "c0", publicKey: keys(5).publicKey, signWith: keys(9).secretKey, reason: "bad-signature" },
      { name: "its own id", id: "v0", publicKey: keys(0).publicKey, signWith: keys(0).secretKey, reason: "unknown-id" },
    ];
    for (const c of cases) {
      it(`${c.name}: dropped, logged, nothing delivered`, async () => {
        const v0 = make({ self: "v0", n: 0, acceptFrom: [{ id: "c0", publicKey: keys(5).publicKey }] });
        const { port } = await v0.transport.start();
        const raw = new RawPeer();
        await raw.handshake({ port, id: c.id, publicKey: c.publicKey, signWith: c.signWith, responder: "v0" });
        raw.sendFrame(text("sneaky"));
        await waitFor(() => raw.closed, "the transport to close the socket");
        expect(v0.received).toEqual([]);
        expect(v0.transport.stats.rejectedPeers).toBe(1);
        expect(v0.transport.stats.framesReceived).toBe(0);
        expect(v0.transport.connectedPeers()).toEqual([]);
        expect(v0.logs.find((l) => l.event === "peer-rejected")?.fields).toMatchObject({ claimed: c.id, reason: c.reason });
      });
    }

    it("a correct client in acceptFrom is accepted and can deliver", async () => {
      const v0 = make({ self: "v0", n: 0, acceptFrom: [{ id: "c0", publicKey: keys(5).publicKey }] });
      const { port } = await v0.transport.start();
      const raw = new RawPeer();
      await raw.handshake({ port, id: "c0", publicKey: keys(5).publicKey, signWith: keys(5).secretKey, responder: "v0" });
      raw.sendFrame(text("hi"));
      await waitFor(() => v0.received.length === 1, "delivery");
      expect(v0.received).toEqual([{ from: "c0", text: "hi" }]);
      expect(v0.transport.stats.rejectedPeers).toBe(0);
    });

    it("a silent connection is dropped at the handshake timeout", async () => {
      const v0 = make({ self: "v0", n: 0, handshakeTimeoutMs: 100 });
      const { port } = await v0.transport.start();
      const raw = new RawPeer();
      await raw.connect(port);
      await waitFor(() => raw.closed, "timeout close");
      expect(v0.logs.find((l) => l.event === "peer-rejected")?.fields).toMatchObject({ reason: "handshake-timeout" });
      expect(v0.transport.stats.rejectedPeers).toBe(1);
    });
  });

  describe("a malformed frame closes only its own connection", () => {
    for (const garbage of [
      { name: "oversized length", bytes: Uint8Array.of(0x7f, 0xff, 0xff, 0xff, 1, 2, 3), end: false, reason: /above the limit/ },
      { name: "zero length", bytes: Uint8Array.of(0, 0, 0, 0), end: false, reason: /zero length/ },
      { name: "truncated garbage", bytes: Uint8Array.of(0, 0, 0, 50, 1, 2, 3), end: true, reason: /ended inside a frame/ },
      // MessagePack arrays nested 1,000 deep (issue 16: decoding them costs superlinear time): refused before decoding.
      { name: "nesting deeper than any message", bytes: Uint8Array.of(0, 0, 0x03, 0xe8, ...new Array<number>(999).fill(0x91), 0xc0), end: false, reason: /nested deeper than 12 levels/ },
    ]) {
      it(garbage.name, async () => {
        const portB = await freePort();
        const v0 = make({ self: "v0", n: 0, maxFrameBytes: 1024, peers: [{ id: "v1", host: HOST, port: portB, publicKey: keys(1).publicKey }], acceptFrom: [{ id: "c0", publicKey: keys(5).publicKey }] });
        const v1 = make({ self: "v1", n: 1, listen: { host: HOST, port: portB }, acceptFrom: [{ id: "v0", publicKey: keys(0).publicKey }] });
        await v1.transport.start();
        const { port } = await v0.transport.start();
        await waitFor(() => v0.transport.connectedPeers().includes("v1"), "v0-v1");
        const raw = new RawPeer();
        await raw.handshake({ port, id: "c0", publicKey: keys(5).publicKey, signWith: keys(5).secretKey, responder: "v0" });
        raw.sendFrame(text("before"));
        await waitFor(() => v0.received.length === 1, "c0's good frame");
        raw.socket.write(garbage.bytes);
        if (garbage.end) raw.socket.end();
        await waitFor(() => raw.closed, "c0's connection closed");
        expect(v0.transport.stats.malformedFrames).toBe(1);
        const logged = v0.logs.find((l) => l.event === "malformed-frame")!;
        expect(logged.fields["peer"]).toBe("c0");
        expect(String(logged.fields["reason"])).toMatch(garbage.reason);
        // The other connection keeps working both ways.
        v1.transport.send("v1", "v0", text("still here"));
        v0.transport.send("v0", "v1", text("me too"));
        await waitFor(() => v0.received.length === 2 && v1.received.length === 1, "v0-v1 traffic");
        expect(v0.received.map((r) => r.text)).toEqual(["before", "still here"]);
        expect(v0.transport.connectedPeers()).toEqual(["v1"]);
      });
    }
  });

  it("reconnects after the remote restarts and delivers what was queued meanwhile", async () => {
    const portB = await freePort();
    const a = make({ self: "v0", n: 0, peers: [{ id: "v1", host: HOST, port: portB, publicKey: keys(1).publicKey }] });
    const bOptions = { self: "v1", n: 1, listen: { host: HOST, port: portB }, acceptFrom: [{ id: "v0", publicKey: keys(0).publicKey }] };
    const b1 = make(bOptions);
    await b1.transport.start();
    await a.transport.start();
    a.transport.send("v0", "v1", text("first"));
    await waitFor(() => b1.received.length === 1, "first frame");
    await b1.transport.close();
    await waitFor(() => a.transport.connectedPeers().length === 0, "a sees the drop");
    a.transport.send("v0", "v1", text("while down 1"));
    a.transport.send("v0", "v1", text("while down 2"));
    await sleep(100); // a few failed dials
    const b2 = make(bOptions);
    await b2.transport.start();
    await waitFor(() => b2.received.length === 2, "queued frames after restart");
    expect(b2.received.map((r) => r.text)).toEqual(["while down 1", "while down 2"]);
    expect(a.logs.some((l) => l.event === "dial-failed")).toBe(true);
    expect(a.logs.filter((l) => l.event === "peer-connected")).toHaveLength(2);
  });

  it("blockPeer drops frames both ways until unblockPeer", async () => {
    const portB = await freePort();
    const a = make({ self: "v0", n: 0, peers: [{ id: "v1", host: HOST, port: portB, publicKey: keys(1).publicKey }] });
    const b = make({ self: "v1", n: 1, listen: { host: HOST, port: portB }, acceptFrom: [{ id: "v0", publicKey: keys(0).publicKey }] });
    await b.transport.start();
    await a.transport.start();
    await waitFor(() => a.transport.connectedPeers().length === 1, "connection");
    a.transport.blockPeer("v1");
    a.transport.send("v0", "v1", text("out while blocked"));
    b.transport.send("v1", "v0", text("in while blocked"));
    await sleep(50);
    expect(a.received).toEqual([]);
    expect(b.received).toEqual([]);
    expect(a.transport.stats.dropped).toBe(2);
    a.transport.unblockPeer("v1");
    a.transport.send("v0", "v1", text("out after"));
    b.transport.send("v1", "v0", text("in after"));
    await waitFor(() => a.received.length === 1 && b.received.length === 1, "traffic after unblock");
    expect(a.received[0]!.text).toBe("in after");
    expect(b.received[0]!.text).toBe("out after");
  });

  it("drops and counts messages beyond the send-queue limit, connected or not", async () => {
    // Disconnected: the queue fills and stops at the limit.
    const lonely = make({ self: "v0", n: 0, listen: undefined, sendQueueMaxBytes: 10_000, peers: [{ id: "v1", host: HOST, port: await freePort(), publicKey: keys(1).publicKey }] });
    await lonely.transport.start();
    for (let i = 0; i < 30; i++) lonely.transport.send("v0", "v1", new Uint8Array(996));
    expect(lonely.transport.stats.dropped).toBe(20);
    expect(lonely.logs.filter((l) => l.event === "send-queue-full")).toHaveLength(1);
    lonely.transport.send("v0", "nobody", text("x"));
    expect(lonely.transport.stats.dropped).toBe(21);

    // Connected to a peer that never reads: writes stop at the first false, then the queue fills.
    const v0 = make({ self: "v0", n: 0, sendQueueMaxBytes: 1 << 20, acceptFrom: [{ id: "c0", publicKey: keys(5).publicKey }] });
    const { port } = await v0.transport.start();
    const raw = new RawPeer();
    await raw.handshake({ port, id: "c0", publicKey: keys(5).publicKey, signWith: keys(5).secretKey, responder: "v0" });
    await waitFor(() => v0.transport.connectedPeers().length === 1, "c0 connected");
    raw.socket.pause();
    // 2000 frames of 64 KiB = 125 MiB: far more than the kernel's loopback buffers take.
    const chunk = new Uint8Array(64 * 1024);
    const frameBytes = chunk.length + 4;
    const queueFrames = Math.floor((1 << 20) / frameBytes);
    for (let i = 0; i < 2000; i++) v0.transport.send("v0", "c0", chunk);
    const sentBeforeDrain = v0.transport.stats.framesSent;
    expect(sentBeforeDrain).toBeGreaterThanOrEqual(1);
    expect(v0.transport.stats.dropped).toBe(2000 - sentBeforeDrain - queueFrames);
    await sleep(50);
    expect(v0.transport.stats.framesSent).toBe(sentBeforeDrain); // nobody reads: no drain, nothing more written
    raw.socket.resume(); // the reader catches up: 'drain' empties the queue
    await waitFor(() => v0.transport.stats.framesSent === sentBeforeDrain + queueFrames, "the queue to drain");
  });

  it("close is idempotent and later sends drop without throwing", async () => {
    const a = make({ self: "v0", n: 0 });
    await a.transport.start();
    await Promise.all([a.transport.close(), a.transport.close()]);
    expect(() => a.transport.send("v0", "v1", text("late"))).not.toThrow();
    await expect(a.transport.start()).rejects.toThrow(/already started or closed/);
  });

  it("the constructor refuses a public key that does not match the secret key", () => {
    expect(() => new TcpTransport({ self: "v0", secretKey: keys(0).secretKey, publicKey: keys(1).publicKey, peers: [] })).toThrow(RangeError);
  });
});

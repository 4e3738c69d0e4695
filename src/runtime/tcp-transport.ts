/**
 * The real-mode {@link Transport}: authenticated, length-framed TCP between
 * named nodes (DESIGN.md, "Real mode"). The node code above it is the same as
 * in the simulator; only this class touches sockets, timers and randomness.
 *
 * Per connection: both sides run the {@link PeerHandshake} (mutual ed25519
 * challenge–response), then exchange frames (`frames.ts`: 4-byte big-endian
 * length + the wire codec's bytes, never decoded here). Frames on one
 * connection arrive in order; across reconnects nothing is guaranteed, which
 * is all the {@link Transport} contract promises.
 *
 * Dialling rule (one connection per pair): every node in `peers` is dialled;
 * nodes in `acceptFrom` never are. A node dials a peer with a larger id at once
 * and a peer with a smaller id only after a back-off delay, and only if no
 * connection has appeared meanwhile, so when both sides list each other the
 * smaller id's connection nearly always wins without a race. When two
 * connections to the same peer do get established, both ends keep the one
 * dialled by the smaller id (a new connection from the same dialler replaces
 * the old one: that is a reconnect after a restart). A dropped connection is
 * redialled with exponential back-off and jitter, in the style of
 * TigerBeetle's `Timeout.backoff` and the "equal jitter" of the AWS
 * Architecture Blog, "Exponential Backoff And Jitter" (2015).
 *
 * Back-pressure: each peer has a send queue bounded by `sendQueueMaxBytes`.
 * Frames leave the queue only while `socket.write` returns true; after a false
 * the queue waits for `'drain'`. A message that would overflow the queue is
 * dropped and counted (`stats.dropped`), as is one to an unknown or blocked
 * peer. Messages sent while a peer is disconnected wait in the queue.
 *
 * When a duplicate connection loses, it is half-closed rather than cut: the
 * frames the peer had already written on it are still read and delivered
 * (each connection keeps its own order; two connections of one pair may
 * interleave for that moment). A connection that replaces another after a
 * restart works the same way.
 *
 * Limits (plainly): there is no application heartbeat, so a peer that vanishes
 * without a FIN or RST (power loss, a silent partition) is noticed only by TCP
 * keep-alive (probes from 10 s idle, then the kernel's probe count and
 * interval) or a write error; until then its messages wait in the queue. After
 * the handshake frames are neither encrypted nor MACed (see `peer-handshake.ts`).
 */
import { randomBytes, randomInt } from "node:crypto";
import { createServer, Socket, type Server } from "node:net";
import { createNativeEd25519 } from "../crypto/ed25519-native.js";
import type { DeliverHandler, Transport } from "../net/transport.js";
import type { NodeId } from "../sim/node.js";
import { encodeFrame, FrameDecoder, FRAME_HEADER_BYTES, MalformedFrameError } from "./frames.js";
import { msgpackDepthWithin, WIRE_DEPTH_MAX } from "../net/msgpack-depth.js";
import { HANDSHAKE_FRAME_BYTES_MAX, HANDSHAKE_NONCE_BYTES, PeerHandshake, type HandshakeRejectReason } from "./peer-handshake.js";

/** A node this transport dials. */
export interface TcpPeer {
  readonly id: NodeId;
  readonly host: string;
  /** TCP port (1..65535). */
  readonly port: number;
  /** The peer's ed25519 public key (32 bytes). */
  readonly publicKey: Uint8Array;
}

/** A node that may connect in but is never dialled (e.g. a client). */
export interface TcpAcceptedNode {
  readonly id: NodeId;
  /** Its ed25519 public key (32 bytes). */
  readonly publicKey: Uint8Array;
}

/** Options of {@link TcpTransport}. Times are real milliseconds. */
export interface TcpTransportOptions {
  /** This node's id (what it claims in the handshake). */
  readonly self: NodeId;
  /** This node's ed25519 seed (32 bytes, RFC 8032). */
  readonly secretKey: Uint8Array;
  /** This node's ed25519 public key (32 bytes); must match `secretKey`. */
  readonly publicKey: Uint8Array;
  /** Where to listen; port 0 picks an ephemeral port. Omitted: this node only dials. */
  readonly listen?: { readonly host: string; readonly port: number };
  /** Nodes to dial (and accept); see the dialling rule in the file comment. */
  readonly peers: readonly TcpPeer[];
  /** Nodes that may connect in but are not dialled. */
  readonly acceptFrom?: readonly TcpAcceptedNode[];
  /** Largest frame payload sent or received, in bytes. Default 16 MiB. */
  readonly maxFrameBytes?: number;
  /** Per-peer send queue limit, in bytes (frame headers included). Default 64 MiB. */
  readonly sendQueueMaxBytes?: number;
  /** First reconnect delay, in ms (before jitter). Default 100. */
  readonly reconnectBaseMs?: number;
  /** Largest reconnect delay, in ms (before jitter). Default 5000. */
  readonly reconnectMaxMs?: number;
  /** Time a connection has to complete the handshake, in ms. Default 5000. */
  readonly handshakeTimeoutMs?: number;
  /** Structured log sink (events listed on {@link TcpTransport}). Default: discard. */
  readonly log?: (event: string, fields: Record<string, unknown>) => void;
}

/** Counters of a {@link TcpTransport}. Only data frames count; handshake frames do not. */
export interface TcpTransportStats {
  /** Data frames handed to a socket. */
  framesSent: number;
  /** Data frames received from authenticated, unblocked peers and delivered. */
  framesReceived: number;
  /** Payload bytes of `framesSent` (without the 4-byte headers). */
  bytesSent: number;
  /** Payload bytes of `framesReceived` (without the 4-byte headers). */
  bytesReceived: number;
  /** Messages dropped: full send queue, unknown or blocked peer, wrong `from`, oversized, or received while blocked. */
  dropped: number;
  /** Connections refused by the handshake (unknown id, wrong key, bad signature, timeout, garbage). */
  rejectedPeers: number;
  /** Connections closed because of a malformed frame after the handshake. */
  malformedFrames: number;
}

/** Defaults of the optional {@link TcpTransportOptions} fields. */
export const TCP_TRANSPORT_DEFAULTS = {
  maxFrameBytes: 16 * 1024 * 1024,
  sendQueueMaxBytes: 64 * 1024 * 1024,
  reconnectBaseMs: 100,
  reconnectMaxMs: 5000,
  handshakeTimeoutMs: 5000,
} as const;

/** Unauthenticated connections allowed at once; more are closed on arrival. */
const PENDING_HANDSHAKES_MAX = 256;

interface Connection {
  readonly socket: Socket;
  readonly direction: "outbound" | "inbound";
  /** `host:port` of the other end, for logs before the peer is known. */
  readonly remote: string;
  readonly handshake: PeerHandshake;
  readonly decoder: FrameDecoder;
  /**
   * `retiring`: lost a duplicate race; half-closed by us, still read (frames the
   * peer already wrote are delivered) until the peer closes or a timeout.
   */
  state: "handshake" | "established" | "retiring" | "closed";
  peer: NodeId | undefined;
  waitingDrain: boolean;
  handshakeTimer: NodeJS.Timeout | undefined;
}

interface PeerState {
  readonly id: NodeId;
  readonly publicKey: Uint8Array;
  /** Set for peers this node dials. */
  readonly address: { readonly host: string; readonly port: number } | undefined;
  connection: Connection | undefined;
  dialling: Connection | undefined;
  reconnectTimer: NodeJS.Timeout | undefined;
  reconnectAttempt: number;
  /** Encoded frames waiting for the socket; `queue[queueHead]` is next. */
  queue: Buffer[];
  queueHead: number;
  queuedBytes: number;
  queueFullLogged: boolean;
  blocked: boolean;
}

/**
 * TCP transport with authenticated peers. Lifecycle: construct, `onDeliver`,
 * `start()`, `send`..., `close()`.
 *
 * Log events (`log(event, fields)`): `listening {host, port}`,
 * `peer-connected {peer, direction}`, `peer-disconnected {peer, reason}`,
 * `peer-rejected {claimed, reason, remote, detail?}`,
 * `malformed-frame {peer, reason}`, `duplicate-connection {peer, kept}`,
 * `dial-failed {peer, error, retryInMs}`, `send-queue-full {peer, queuedBytes}`,
 * `deliver-handler-threw {peer, error}`, `socket-error {peer, error}`.
 */
export class TcpTransport implements Transport {
  /** Counters; read at any time (the object is live). */
  readonly stats: TcpTransportStats = {
    framesSent: 0,
    framesReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    dropped: 0,
    rejectedPeers: 0,
    malformedFrames: 0,
  };

  private readonly self: NodeId;
  private readonly secretKey: Uint8Array;
  private readonly publicKey: Uint8Array;
  private readonly listenAddress: { readonly host: string; readonly port: number } | undefined;
  private readonly maxFrameBytes: number;
  private readonly sendQueueMaxBytes: number;
  private readonly reconnectBaseMs: number;
  private readonly reconnectMaxMs: number;
  private readonly handshakeTimeoutMs: number;
  private readonly logSink: (event: string, fields: Record<string, unknown>) => void;
  private readonly peerStates = new Map<NodeId, PeerState>();
  private readonly connections = new Set<Connection>();
  private handler: DeliverHandler | undefined;
  private server: Server | undefined;
  private started = false;
  private closing: Promise<void> | undefined;

  /**
   * @throws RangeError on a key of the wrong length, a public key that does not
   *   match the secret key, a duplicate or self id among peers, or a
   *   non-positive limit.
   */
  constructor(options: TcpTransportOptions) {
    this.self = options.self;
    if (options.secretKey.length !== 32) throw new RangeError("secretKey must be a 32-byte ed25519 seed");
    if (options.publicKey.length !== 32) throw new RangeError("publicKey must be 32 bytes");
    const derived = createNativeEd25519().keyPairFromSeed(options.secretKey).publicKey;
    if (!Buffer.from(derived).equals(Buffer.from(options.publicKey))) throw new RangeError("publicKey does not match secretKey");
    this.secretKey = options.secretKey.slice();
    this.publicKey = options.publicKey.slice();
    this.listenAddress = options.listen;
    this.maxFrameBytes = positive(options.maxFrameBytes ?? TCP_TRANSPORT_DEFAULTS.maxFrameBytes, "maxFrameBytes");
    this.sendQueueMaxBytes = positive(options.sendQueueMaxBytes ?? TCP_TRANSPORT_DEFAULTS.sendQueueMaxBytes, "sendQueueMaxBytes");
    this.reconnectBaseMs = positive(options.reconnectBaseMs ?? TCP_TRANSPORT_DEFAULTS.reconnectBaseMs, "reconnectBaseMs");
    this.reconnectMaxMs = Math.max(this.reconnectBaseMs, positive(options.reconnectMaxMs ?? TCP_TRANSPORT_DEFAULTS.reconnectMaxMs, "reconnectMaxMs"));
    this.handshakeTimeoutMs = positive(options.handshakeTimeoutMs ?? TCP_TRANSPORT_DEFAULTS.handshakeTimeoutMs, "handshakeTimeoutMs");
    this.logSink = options.log ?? (() => {});
    const add = (id: NodeId, publicKey: Uint8Array, address: PeerState["address"]): void => {
      if (id === this.self) throw new RangeError(`peer list contains this node's own id ${id}`);
      if (this.peerStates.has(id)) throw new RangeError(`peer ${id} listed twice`);
      if (publicKey.length !== 32) throw new RangeError(`public key of ${id} must be 32 bytes`);
      this.peerStates.set(id, {
        id,
        publicKey: publicKey.slice(),
        address,
        connection: undefined,
        dialling: undefined,
        reconnectTimer: undefined,
        reconnectAttempt: 0,
        queue: [],
        queueHead: 0,
        queuedBytes: 0,
        queueFullLogged: false,
        blocked: false,
      });
    };
    for (const peer of options.peers) add(peer.id, peer.publicKey, { host: peer.host, port: peer.port });
    for (const node of options.acceptFrom ?? []) add(node.id, node.publicKey, undefined);
  }

  /** Installs the handler for delivered messages (`from` = the authenticated peer, `to` = self). */
  onDeliver(handler: DeliverHandler): void {
    this.handler = handler;
  }

  /**
   * Listens (when `listen` was given) and starts dialling.
   * @returns the port actually listened on (0 when not listening)
   * @throws Error when called twice, after close, or when listening fails (e.g. EADDRINUSE)
   */
  async start(): Promise<{ port: number }> {
    if (this.started || this.closing !== undefined) throw new Error("TcpTransport.start: already started or closed");
    this.started = true;
    let port = 0;
    if (this.listenAddress !== undefined) {
      const server = createServer((socket) => this.onInbound(socket));
      this.server = server;
      const { host, port: wanted } = this.listenAddress;
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(wanted, host, () => {
          server.off("error", reject);
          resolve();
        });
      });
      if (this.closing !== undefined) {
        server.close();
        throw new Error("TcpTransport.start: closed while starting");
      }
      server.on("error", (error) => this.log("socket-error", { peer: undefined, error: error.message }));
      const address = server.address();
      port = typeof address === "object" && address !== null ? address.port : wanted;
      this.log("listening", { host, port });
    }
    for (const peer of this.peerStates.values()) {
      if (peer.address === undefined) continue;
      if (this.self < peer.id) this.dial(peer);
      else this.scheduleDial(peer);
    }
    return { port };
  }

  /** Closes every socket and the server and cancels every timer. Idempotent; later sends drop. */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    for (const peer of this.peerStates.values()) {
      if (peer.reconnectTimer !== undefined) clearTimeout(peer.reconnectTimer);
      peer.reconnectTimer = undefined;
    }
    for (const connection of [...this.connections]) this.closeConnection(connection, "transport closed");
    const server = this.server;
    this.closing =
      server === undefined
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            server.close(() => resolve());
          });
    return this.closing;
  }

  /**
   * Queues `bytes` for `to`. Never throws: drops (and counts) when `from` is not
   * this node, `to` is unknown or blocked, the payload is larger than
   * `maxFrameBytes`, the transport is closed, or the peer's queue is full.
   */
  send(from: NodeId, to: NodeId, bytes: Uint8Array): void {
    const peer = this.peerStates.get(to);
    if (from !== this.self || peer === undefined || peer.blocked || this.closing !== undefined || bytes.length === 0 || bytes.length > this.maxFrameBytes) {
      this.stats.dropped++;
      return;
    }
    const frameBytes = FRAME_HEADER_BYTES + bytes.length;
    if (peer.queuedBytes + frameBytes > this.sendQueueMaxBytes) {
      this.stats.dropped++;
      if (!peer.queueFullLogged) this.log("send-queue-full", { peer: to, queuedBytes: peer.queuedBytes });
      peer.queueFullLogged = true;
      return;
    }
    peer.queue.push(encodeFrame(bytes));
    peer.queuedBytes += frameBytes;
    this.flush(peer);
  }

  /** Ids of peers with an established connection, sorted. */
  connectedPeers(): NodeId[] {
    return [...this.peerStates.values()].filter((p) => p.connection !== undefined).map((p) => p.id).sort();
  }

  /**
   * Drops every frame to and from `id` until {@link unblockPeer} (a partition
   * fault on the real clock). The connection stays open; sends while blocked
   * are dropped, not queued. Unknown ids are ignored.
   */
  blockPeer(id: NodeId): void {
    const peer = this.peerStates.get(id);
    if (peer !== undefined) peer.blocked = true;
  }

  /** Ends {@link blockPeer} for `id`. */
  unblockPeer(id: NodeId): void {
    const peer = this.peerStates.get(id);
    if (peer === undefined) return;
    peer.blocked = false;
    this.flush(peer);
  }

  // ---- connections ----

  private dial(peer: PeerState): void {
    const address = peer.address;
    if (address === undefined || this.closing !== undefined || peer.connection !== undefined || peer.dialling !== undefined) return;
    const socket = new Socket();
    const connection = this.track(socket, "outbound", `${address.host}:${address.port}`, peer.id);
    peer.dialling = connection;
    socket.once("connect", () => {
      if (connection.state === "closed") return;
      this.writeRaw(connection, connection.handshake.hello());
    });
    socket.connect(address.port, address.host);
  }

  private onInbound(socket: Socket): void {
    if (this.closing !== undefined) {
      socket.destroy();
      return;
    }
    const pending = [...this.connections].filter((c) => c.state === "handshake").length;
    const remote = `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? "?"}`;
    if (pending >= PENDING_HANDSHAKES_MAX) {
      this.stats.rejectedPeers++;
      this.log("peer-rejected", { claimed: undefined, reason: "too-many-pending-handshakes", remote });
      socket.destroy();
      return;
    }
    const connection = this.track(socket, "inbound", remote, undefined);
    this.writeRaw(connection, connection.handshake.hello());
  }

  private track(socket: Socket, direction: Connection["direction"], remote: string, expectedPeer: NodeId | undefined): Connection {
    const handshake = new PeerHandshake({
      role: direction === "outbound" ? "initiator" : "responder",
      self: this.self,
      secretKey: this.secretKey,
      publicKey: this.publicKey,
      nonce: new Uint8Array(randomBytes(HANDSHAKE_NONCE_BYTES)),
      publicKeyOf: (id) => this.peerStates.get(id)?.publicKey,
      ...(expectedPeer === undefined ? {} : { expectedPeer }),
    });
    const connection: Connection = {
      socket,
      direction,
      remote,
      handshake,
      decoder: new FrameDecoder(),
      state: "handshake",
      peer: expectedPeer,
      waitingDrain: false,
      handshakeTimer: undefined,
    };
    this.connections.add(connection);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 10_000);
    connection.handshakeTimer = setTimeout(() => {
      connection.handshakeTimer = undefined;
      if (connection.state !== "handshake") return;
      // An outbound socket still connecting never reached a node: a dial failure, not a rejection.
      if (socket.connecting) this.closeConnection(connection, "dial failed: connect timeout");
      else this.rejectConnection(connection, connection.handshake.claimedPeer ?? expectedPeer, "handshake-timeout");
    }, this.handshakeTimeoutMs);
    socket.on("data", (chunk: Buffer) => this.onData(connection, chunk));
    socket.on("drain", () => {
      connection.waitingDrain = false;
      const peer = connection.peer === undefined ? undefined : this.peerStates.get(connection.peer);
      if (peer !== undefined && peer.connection === connection) this.flush(peer);
    });
    socket.on("end", () => {
      if (connection.state === "closed") return;
      if (connection.state === "handshake") {
        // A peer that refused us, a port scanner, or a health check: only a partial frame is suspicious.
        if (connection.decoder.bufferedBytes > 0) this.rejectConnection(connection, connection.handshake.claimedPeer, "bad-message", "stream ended inside a handshake frame");
        else this.closeConnection(connection, "remote closed during the handshake");
      } else if (connection.decoder.bufferedBytes > 0) {
        this.malformed(connection, `stream ended inside a frame (${connection.decoder.bufferedBytes} bytes left)`);
      } else {
        this.closeConnection(connection, "remote closed");
      }
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (connection.state === "closed") return;
      if (direction === "outbound" && connection.state === "handshake") {
        this.closeConnection(connection, `dial failed: ${error.code ?? error.message}`);
      } else {
        this.log("socket-error", { peer: connection.peer ?? remote, error: error.code ?? error.message });
        this.closeConnection(connection, `socket error: ${error.code ?? error.message}`);
      }
    });
    socket.on("close", () => this.closeConnection(connection, "socket closed"));
    return connection;
  }

  private onData(connection: Connection, chunk: Buffer): void {
    if (connection.state === "closed") return;
    connection.decoder.push(chunk);
    for (;;) {
      let payload: Uint8Array | undefined;
      try {
        payload = connection.decoder.next(connection.state === "handshake" ? HANDSHAKE_FRAME_BYTES_MAX : this.maxFrameBytes);
      } catch (error) {
        if (!(error instanceof MalformedFrameError)) throw error;
        if (connection.state === "handshake") this.rejectConnection(connection, connection.handshake.claimedPeer, "bad-message", `malformed frame: ${error.message}`);
        else this.malformed(connection, error.message);
        return;
      }
      if (payload === undefined) return;
      if (connection.state === "handshake") this.onHandshakeFrame(connection, payload);
      else this.onDataFrame(connection, payload);
      // A handler above may have closed the connection (the compiler cannot see that).
      if ((connection.state as Connection["state"]) === "closed") return;
    }
  }

  private onHandshakeFrame(connection: Connection, payload: Uint8Array): void {
    const step = connection.handshake.onFrame(payload);
    switch (step.kind) {
      case "send":
        this.writeRaw(connection, step.payload);
        return;
      case "rejected":
        this.rejectConnection(connection, step.claimed, step.reason, step.detail);
        return;
      case "established":
        this.onEstablished(connection, step.peer);
        return;
    }
  }

  private onEstablished(connection: Connection, id: NodeId): void {
    if (connection.handshakeTimer !== undefined) clearTimeout(connection.handshakeTimer);
    connection.handshakeTimer = undefined;
    connection.state = "established";
    connection.peer = id;
    const peer = this.peerStates.get(id)!;
    if (peer.dialling === connection) peer.dialling = undefined;
    const existing = peer.connection;
    if (existing !== undefined) {
      const existingDialler = existing.direction === "outbound" ? this.self : id;
      const newDialler = connection.direction === "outbound" ? this.self : id;
      if (existingDialler < newDialler) {
        this.log("duplicate-connection", { peer: id, kept: `dialled by ${existingDialler}` });
        this.retire(connection);
        return;
      }
      this.log("duplicate-connection", { peer: id, kept: `dialled by ${newDialler}` });
      peer.connection = undefined;
      this.retire(existing);
    }
    peer.connection = connection;
    peer.reconnectAttempt = 0;
    if (peer.reconnectTimer !== undefined) clearTimeout(peer.reconnectTimer);
    peer.reconnectTimer = undefined;
    this.log("peer-connected", { peer: id, direction: connection.direction });
    this.flush(peer);
  }

  private onDataFrame(connection: Connection, payload: Uint8Array): void {
    const peer = this.peerStates.get(connection.peer!)!;
    // A retiring connection (lost a duplicate race) still delivers what the peer wrote before it
    // learnt that: those frames are authenticated and would otherwise be lost.
    if (peer.blocked) {
      this.stats.dropped++;
      return;
    }
    // Decoding deeply nested MessagePack costs superlinear time and memory: measure the depth first, in one pass.
    if (!msgpackDepthWithin(payload, WIRE_DEPTH_MAX)) return this.malformed(connection, `nested deeper than ${WIRE_DEPTH_MAX} levels`);
    this.stats.framesReceived++;
    this.stats.bytesReceived += payload.length;
    try {
      this.handler?.(peer.id, this.self, payload);
    } catch (error) {
      this.log("deliver-handler-threw", { peer: peer.id, error: (error as Error).message });
    }
  }

  private rejectConnection(connection: Connection, claimed: string | undefined, reason: HandshakeRejectReason | string, detail?: string): void {
    this.stats.rejectedPeers++;
    this.log("peer-rejected", { claimed, reason, remote: connection.remote, ...(detail === undefined ? {} : { detail }) });
    this.closeConnection(connection, `rejected: ${reason}`);
  }

  private malformed(connection: Connection, reason: string): void {
    this.stats.malformedFrames++;
    this.log("malformed-frame", { peer: connection.peer ?? connection.remote, reason });
    this.closeConnection(connection, "malformed frame");
  }

  /**
   * Ends a connection that lost a duplicate race gracefully: no more writes
   * from us, but frames the peer already sent are still read and delivered
   * until it closes its side (or `handshakeTimeoutMs` passes).
   */
  private retire(connection: Connection): void {
    if (connection.state === "closed" || connection.state === "retiring") return;
    connection.state = "retiring";
    connection.socket.end();
    connection.handshakeTimer = setTimeout(() => {
      connection.handshakeTimer = undefined;
      this.closeConnection(connection, "retired");
    }, this.handshakeTimeoutMs);
  }

  private closeConnection(connection: Connection, reason: string): void {
    if (connection.state === "closed") return;
    const wasEstablished = connection.state === "established";
    connection.state = "closed";
    this.connections.delete(connection);
    if (connection.handshakeTimer !== undefined) clearTimeout(connection.handshakeTimer);
    connection.handshakeTimer = undefined;
    connection.socket.destroy();
    const peer = connection.peer === undefined ? undefined : this.peerStates.get(connection.peer);
    if (peer === undefined) return;
    if (peer.dialling === connection) peer.dialling = undefined;
    if (peer.connection === connection) {
      peer.connection = undefined;
      this.log("peer-disconnected", { peer: peer.id, reason });
    }
    if (connection.direction === "outbound" && !wasEstablished && reason.startsWith("dial failed")) {
      const delayMs = this.scheduleDial(peer);
      this.log("dial-failed", { peer: peer.id, error: reason.slice("dial failed: ".length), retryInMs: delayMs });
    } else {
      this.scheduleDial(peer);
    }
  }

  /** Arms the reconnect timer of `peer` when it should be dialled and is not; returns the delay in ms (undefined when not armed). */
  private scheduleDial(peer: PeerState): number | undefined {
    if (peer.address === undefined || this.closing !== undefined || !this.started) return undefined;
    if (peer.connection !== undefined || peer.dialling !== undefined || peer.reconnectTimer !== undefined) return undefined;
    const capMs = Math.min(this.reconnectMaxMs, this.reconnectBaseMs * 2 ** Math.min(peer.reconnectAttempt, 30));
    peer.reconnectAttempt++;
    // Equal jitter: half fixed, half random, so retries spread out but never collapse to zero.
    const delayMs = Math.ceil(capMs / 2) + randomInt(0, Math.floor(capMs / 2) + 1);
    peer.reconnectTimer = setTimeout(() => {
      peer.reconnectTimer = undefined;
      this.dial(peer);
    }, delayMs);
    return delayMs;
  }

  // ---- writing ----

  private writeRaw(connection: Connection, payload: Uint8Array): void {
    if (connection.state === "closed") return;
    connection.socket.write(encodeFrame(payload));
  }

  /** Moves queued frames of `peer` to its socket until the socket asks to wait for 'drain'. */
  private flush(peer: PeerState): void {
    const connection = peer.connection;
    if (connection === undefined || connection.state !== "established" || connection.waitingDrain) return;
    while (peer.queueHead < peer.queue.length) {
      const frame = peer.queue[peer.queueHead]!;
      peer.queue[peer.queueHead] = EMPTY;
      peer.queueHead++;
      peer.queuedBytes -= frame.length;
      if (peer.blocked) {
        this.stats.dropped++;
        continue;
      }
      this.stats.framesSent++;
      this.stats.bytesSent += frame.length - FRAME_HEADER_BYTES;
      if (!connection.socket.write(frame)) {
        connection.waitingDrain = true;
        break;
      }
    }
    if (peer.queueHead === peer.queue.length) {
      peer.queue = [];
      peer.queueHead = 0;
    } else if (peer.queueHead > 1024 && peer.queueHead * 2 > peer.queue.length) {
      peer.queue = peer.queue.slice(peer.queueHead);
      peer.queueHead = 0;
    }
    if (peer.queuedBytes < this.sendQueueMaxBytes / 2) peer.queueFullLogged = false;
  }

  private log(event: string, fields: Record<string, unknown>): void {
    try {
      this.logSink(event, fields);
    } catch {
      // A broken log sink must not take the transport down.
    }
  }
}

const EMPTY = Buffer.alloc(0);

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${value}`);
  return value;
}

/**
 * The real-mode {@link Transport} on js-libp2p: TCP, Noise (the XX handshake:
 * an encrypted channel authenticated by each node's ed25519 transport key,
 * every frame sealed with ChaCha20-Poly1305), Yamux stream multiplexing, and a
 * peer identity (libp2p `PeerId`) derived from the node's transport key. The
 * node code above it is the same as in the simulator; only this class touches
 * sockets, timers and randomness (DESIGN.md, "Real mode").
 *
 * Messages: every message class goes on one direct stream per ordered pair of
 * nodes (protocol {@link WIRE_PROTOCOL}), each message a varint length prefix
 * and the wire codec's bytes. Gossipsub is not used: the {@link Transport}
 * contract addresses every message to one node (`send(from, to, bytes)`), the
 * protocols above already broadcast by sending to each peer, and a network of
 * a few validators needs no mesh (docs/real-mode.md, "Transport").
 *
 * Who may connect: only the nodes in the config. A connection whose Noise
 * handshake proves a key that is not configured is closed before any stream
 * opens (the connection gater's `denyInboundEncryptedConnection`). The sender
 * of a delivered message is the node whose key authenticated the connection,
 * never a field of the message.
 *
 * Limits (each a named option with a default in {@link LIBP2P_TRANSPORT_DEFAULTS}):
 * - per message type: the largest encoded message of each `type` from each
 *   kind of sender (`wire-size-limits.ts`); the stream refuses a length prefix
 *   above the sender's largest type limit before reading the bytes, and a
 *   message above its own type's limit, or of a type that sender may not send,
 *   is dropped before decoding and the stream is reset;
 * - decode depth: a message nested deeper than `WIRE_DEPTH_MAX` is dropped
 *   the same way (`net/msgpack-depth.ts`);
 * - pending handshakes: at most `pendingHandshakesMax` inbound connections
 *   still in their handshake, at most `pendingHandshakesPerAddressMax` from one
 *   IP address; a new connection over a limit evicts the oldest pending one
 *   (of that address, else of all) instead of being refused, so half-open
 *   connections cannot hold the door shut: a configured peer's handshake
 *   takes milliseconds and completes between evictions. Outbound dials (a
 *   validator's to its peers) never count against these limits;
 * - handshake time: `handshakeTimeoutMs` for the whole upgrade (TCP to Noise
 *   to Yamux);
 * - connections per peer: `connectionsPerPeerMax` authenticated connections
 *   per node (the oldest is closed when a newer one arrives, so a restarted
 *   peer's new connection wins over a stale one);
 * - per-peer send queue: `sendQueueMaxBytes`; a message that would overflow it
 *   is dropped and counted;
 * - rejection logs: `peer-rejected`, `handshake-evicted` and `malformed-frame`
 *   lines are rate limited (`rate-limited-log.ts`).
 *
 * Reconnects: a validator dials its validator peers at start (the one with the
 * smaller id at once, the other after a back-off, as the old TCP transport
 * did) and again with exponential back-off and equal jitter whenever it has
 * messages queued for a peer it is not connected to (TigerBeetle's
 * `Timeout.backoff`; AWS Architecture Blog, "Exponential Backoff And Jitter",
 * 2015). Clients dial validators; validators never dial clients (a client has
 * no listen address) and answer on the client's connection.
 */
// js-libp2p 2.x reaches `Promise.withResolvers` (ES2024, Node 22) through its peer store's lock (mortice, it-queue);
// Node 20 lacks it. core-js installs the standard implementation only when it is missing.
import "core-js/actual/promise/with-resolvers.js";
import { randomInt } from "node:crypto";
import { noise } from "@chainsafe/libp2p-noise";
import { yamux } from "@chainsafe/libp2p-yamux";
import { generateKeyPairFromSeed, publicKeyFromRaw } from "@libp2p/crypto/keys";
import type { Connection, MultiaddrConnection, PeerId, Stream } from "@libp2p/interface";
import { peerIdFromPublicKey } from "@libp2p/peer-id";
import { tcp } from "@libp2p/tcp";
import { multiaddr, type Multiaddr } from "@multiformats/multiaddr";
import { lpStream } from "it-length-prefixed-stream";
import { createLibp2p, type Libp2p } from "libp2p";
import { isIPv4, isIPv6 } from "node:net";
import { createNativeEd25519 } from "../crypto/ed25519-native.js";
import { msgpackDepthWithin, WIRE_DEPTH_MAX } from "../net/msgpack-depth.js";
import { msgpackMapString } from "../net/msgpack-peek.js";
import type { DeliverHandler, Transport } from "../net/transport.js";
import type { NodeId } from "../sim/node.js";
import { rateLimitedLog, type LogSink } from "./rate-limited-log.js";

/** The libp2p protocol id of the wire stream (one per ordered pair of nodes). */
export const WIRE_PROTOCOL = "/asset-sim/wire/1.0.0";

/**
 * Wire streams open at once per connection and direction: one is used; the
 * others are room for a replacement while a reset stream is still closing.
 */
export const WIRE_STREAMS_PER_CONNECTION_MAX = 4;

/**
 * Connections libp2p's own connection manager allows beyond the configured
 * peers' and the pending handshakes' (closing ones, duplicates in a race):
 * libp2p's limits are set above ours so that ours decide.
 */
export const LIBP2P_CONNECTIONS_HEADROOM = 16;

/**
 * libp2p's own cap on inbound connections in their upgrade, as a multiple of
 * `pendingHandshakesMax`: evicted connections are counted by libp2p until
 * their abort completes, so its cap sits well above ours and never refuses
 * before our eviction runs.
 */
export const LIBP2P_PENDING_HEADROOM_FACTOR = 16;

/** Most messages written in one stream write (one Noise seal per 65,535-byte chunk, one Yamux frame). */
export const WRITE_BATCH_MESSAGES_MAX = 256;

/** Most bytes written in one stream write (a single larger message still goes alone). */
export const WRITE_BATCH_BYTES_MAX = 256 * 1024;

/** A node this transport knows: a validator (with an address: dialled) or a client (accepted, never dialled). */
export interface Libp2pPeer {
  readonly id: NodeId;
  /** Where it listens; omitted for a node that only dials (a client). */
  readonly address?: { readonly host: string; readonly port: number };
  /** Its ed25519 transport public key (32 bytes): what its Noise handshake must prove. */
  readonly transportPublicKey: Uint8Array;
  /** Message type -> largest accepted size in bytes, for messages from this node; a type absent is refused. */
  readonly messageLimits: ReadonlyMap<string, number>;
}

/** Options of {@link Libp2pTransport}. Times are real milliseconds. */
export interface Libp2pTransportOptions {
  /** This node's id. */
  readonly self: NodeId;
  /** This node's ed25519 transport seed (32 bytes, RFC 8032); it may differ from the consensus signing key. */
  readonly transportSecretKey: Uint8Array;
  /** Where to listen; port 0 picks an ephemeral port. Omitted: this node only dials. */
  readonly listen?: { readonly host: string; readonly port: number };
  /** Every other node of the network (the bootstrap list: validators with addresses, clients without). */
  readonly peers: readonly Libp2pPeer[];
  /** Per-peer send queue limit, bytes. */
  readonly sendQueueMaxBytes?: number;
  /** First reconnect delay (before jitter), ms. */
  readonly reconnectBaseMs?: number;
  /** Largest reconnect delay (before jitter), ms. */
  readonly reconnectMaxMs?: number;
  /** Time an inbound connection has to finish TCP-to-Noise-to-Yamux, ms; also the dial timeout. */
  readonly handshakeTimeoutMs?: number;
  /** Inbound connections in their handshake at once; a new one over the limit evicts the oldest. */
  readonly pendingHandshakesMax?: number;
  /** Inbound connections in their handshake at once from one IP address; over it, the oldest of that address is evicted. */
  readonly pendingHandshakesPerAddressMax?: number;
  /** Authenticated connections kept per peer; a newer one closes the oldest. */
  readonly connectionsPerPeerMax?: number;
  /** Rejection log lines of one event per window (the rest are counted in the next line's `suppressed`). */
  readonly rejectionLogLinesPerWindow?: number;
  /** The rejection log window, ms. */
  readonly rejectionLogWindowMs?: number;
  /** Structured log sink (events listed on {@link Libp2pTransport}). Default: discard. */
  readonly log?: LogSink;
  /**
   * How a message's type and nesting are read before it is decoded (default
   * {@link MSGPACK_FRAME_INSPECTOR}: the validator protocol's MessagePack `type`
   * field; the SBCP nodes speak protobuf, `sbcp-wire-limits.ts`).
   */
  readonly frameInspector?: FrameInspector;
}

/** Reads what the per-type limits need from a message's bytes without decoding it. */
export interface FrameInspector {
  /** The message's type (a key of the peers' `messageLimits`), or undefined when none can be read. */
  type(bytes: Uint8Array): string | undefined;
  /** Why the message's nesting is refused (too deep to decode safely), or undefined when it passes. */
  nesting(bytes: Uint8Array): string | undefined;
}

/** The validator protocol's frames: MessagePack maps with a `type` string, nested at most `WIRE_DEPTH_MAX` levels. */
export const MSGPACK_FRAME_INSPECTOR: FrameInspector = {
  type: (bytes) => msgpackMapString(bytes, "type"),
  // Decoding deeply nested MessagePack costs superlinear time and memory: measure the depth first, in one pass.
  nesting: (bytes) => (msgpackDepthWithin(bytes, WIRE_DEPTH_MAX) ? undefined : `nested deeper than ${WIRE_DEPTH_MAX} levels`),
};

/** Defaults of the optional {@link Libp2pTransportOptions} fields. */
export const LIBP2P_TRANSPORT_DEFAULTS = {
  sendQueueMaxBytes: 64 * 1024 * 1024,
  reconnectBaseMs: 100,
  reconnectMaxMs: 5000,
  handshakeTimeoutMs: 5000,
  pendingHandshakesMax: 64,
  pendingHandshakesPerAddressMax: 16,
  connectionsPerPeerMax: 2,
  rejectionLogLinesPerWindow: 10,
  rejectionLogWindowMs: 10_000,
} as const;

/**
 * Why a frame was refused before decoding (the `kind` of a `malformed-frame` log line): a length prefix above the
 * sender's largest limit, no readable type, a type the sender may not send, over its type's limit, nested too deep.
 */
export type FrameRefusal = "length-prefix" | "no-type" | "type-not-accepted" | "oversized" | "too-deep";

/** Counters of a {@link Libp2pTransport}. */
export interface Libp2pTransportStats {
  /** Messages written to a stream. */
  framesSent: number;
  /** Messages received from authenticated, unblocked peers and delivered. */
  framesReceived: number;
  /** Bytes of `framesSent` (without length prefixes). */
  bytesSent: number;
  /** Bytes of `framesReceived` (without length prefixes). */
  bytesReceived: number;
  /** Messages dropped: full send queue, unknown or blocked peer, wrong `from`, or received while blocked. */
  dropped: number;
  /** Connections refused after the handshake (unknown key) or over the per-peer limit. */
  rejectedPeers: number;
  /** Inbound connections closed while still in their handshake to make room (see the pending limits). */
  evictedHandshakes: number;
  /** Streams reset for a bad message: over its type's limit, a type the sender may not send, too deep, or an over-long length prefix. */
  malformedFrames: number;
}

/** Events of the log sink that are rate limited. */
const RATE_LIMITED_EVENTS = new Set(["peer-rejected", "handshake-evicted", "malformed-frame"]);

interface PeerState {
  readonly id: NodeId;
  readonly peerId: PeerId;
  readonly dialAddress: Multiaddr | undefined;
  readonly messageLimits: ReadonlyMap<string, number>;
  readonly frameBytesMax: number;
  queue: Uint8Array[];
  queuedBytes: number;
  queueFullLogged: boolean;
  /** The outbound wire stream while open. */
  writer: { stream: Stream; write(batch: Uint8Array[]): Promise<void> } | undefined;
  /** True while a stream is being opened or the queue written. */
  writing: boolean;
  reconnectTimer: NodeJS.Timeout | undefined;
  reconnectAttempt: number;
  blocked: boolean;
}

interface PendingHandshake {
  readonly maConn: MultiaddrConnection;
  readonly address: string;
}

/**
 * libp2p transport between configured nodes. Lifecycle: construct,
 * `onDeliver`, `await start()`, `send`..., `await close()`.
 *
 * Log events (`log(event, fields)`): `listening {host, port, peerId}`,
 * `peer-connected {peer}`, `peer-disconnected {peer}`,
 * `peer-rejected {reason, remote, peerId?}`, `handshake-evicted {remote, reason}`,
 * `malformed-frame {peer, kind, reason}` (kind: {@link FrameRefusal}), `dial-failed {peer, error, retryInMs}`,
 * `send-queue-full {peer, queuedBytes}`, `deliver-handler-threw {peer, error}`.
 */
export class Libp2pTransport implements Transport {
  /** Counters; read at any time (the object is live). */
  readonly stats: Libp2pTransportStats = {
    framesSent: 0,
    framesReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    dropped: 0,
    rejectedPeers: 0,
    evictedHandshakes: 0,
    malformedFrames: 0,
  };

  private readonly self: NodeId;
  private readonly options: Libp2pTransportOptions;
  private readonly limits: { -readonly [K in keyof typeof LIBP2P_TRANSPORT_DEFAULTS]: number };
  private readonly logSink: LogSink;
  private readonly peers = new Map<NodeId, PeerState>();
  /** libp2p peer id (string form) -> node id. */
  private readonly byPeerId = new Map<string, NodeId>();
  /** Inbound connections still in their handshake, oldest first. */
  private pending: PendingHandshake[] = [];
  /** Messages already written once to a stream that turned out reset (each is retried once). */
  private readonly retried = new WeakSet<Uint8Array>();
  private handler: DeliverHandler | undefined;
  private node: Libp2p | undefined;
  private started = false;
  private closing: Promise<void> | undefined;

  /**
   * @throws RangeError on a key of the wrong length, a duplicate or self id
   *   among peers, a peer with no message limits, or a non-positive limit.
   */
  constructor(options: Libp2pTransportOptions) {
    this.self = options.self;
    this.options = options;
    if (options.transportSecretKey.length !== 32) throw new RangeError("transportSecretKey must be a 32-byte ed25519 seed");
    const limits: { -readonly [K in keyof typeof LIBP2P_TRANSPORT_DEFAULTS]: number } = { ...LIBP2P_TRANSPORT_DEFAULTS };
    for (const name of Object.keys(LIBP2P_TRANSPORT_DEFAULTS) as (keyof typeof LIBP2P_TRANSPORT_DEFAULTS)[]) {
      const value = options[name] ?? LIBP2P_TRANSPORT_DEFAULTS[name];
      if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number, got ${value}`);
      limits[name] = value;
    }
    limits.reconnectMaxMs = Math.max(limits.reconnectMaxMs, limits.reconnectBaseMs);
    this.limits = limits;
    this.logSink = rateLimitedLog(options.log ?? (() => {}), RATE_LIMITED_EVENTS, limits.rejectionLogLinesPerWindow, limits.rejectionLogWindowMs);
    for (const peer of options.peers) {
      if (peer.id === this.self) throw new RangeError(`peer list contains this node's own id ${peer.id}`);
      if (this.peers.has(peer.id)) throw new RangeError(`peer ${peer.id} listed twice`);
      if (peer.transportPublicKey.length !== 32) throw new RangeError(`transport public key of ${peer.id} must be 32 bytes`);
      const peerId = peerIdFromPublicKey(publicKeyFromRaw(peer.transportPublicKey));
      const key = peerId.toString();
      if (this.byPeerId.has(key)) throw new RangeError(`peers ${this.byPeerId.get(key)} and ${peer.id} share a transport key`);
      this.byPeerId.set(key, peer.id);
      this.peers.set(peer.id, {
        id: peer.id,
        peerId,
        dialAddress: peer.address === undefined ? undefined : multiaddr(`${hostComponent(peer.address.host)}/tcp/${peer.address.port}/p2p/${key}`),
        messageLimits: peer.messageLimits,
        // A peer that may send nothing (a client's view of the nodes it submits to) gets no frame at all.
        frameBytesMax: Math.max(0, ...peer.messageLimits.values()),
        queue: [],
        queuedBytes: 0,
        queueFullLogged: false,
        writer: undefined,
        writing: false,
        reconnectTimer: undefined,
        reconnectAttempt: 0,
        blocked: false,
      });
    }
  }

  /** Installs the handler for delivered messages (`from` = the authenticated peer, `to` = self). */
  onDeliver(handler: DeliverHandler): void {
    this.handler = handler;
  }

  /** This node's libp2p peer id (derived from the transport key). Available after construction. */
  static peerIdOf(transportPublicKey: Uint8Array): string {
    return peerIdFromPublicKey(publicKeyFromRaw(transportPublicKey)).toString();
  }

  /**
   * Listens (when `listen` was given) and starts dialling the validator peers.
   * @returns the port actually listened on (0 when not listening)
   * @throws Error when called twice, after close, or when listening fails (e.g. EADDRINUSE)
   */
  async start(): Promise<{ port: number }> {
    if (this.started || this.closing !== undefined) throw new Error("Libp2pTransport.start: already started or closed");
    this.started = true;
    const privateKey = await generateKeyPairFromSeed("Ed25519", this.options.transportSecretKey);
    const listen = this.options.listen;
    const totalPeers = this.peers.size;
    const node = await createLibp2p({
      privateKey,
      start: false,
      addresses: { listen: listen === undefined ? [] : [`${hostComponent(listen.host)}/tcp/${listen.port}`] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      // Our own admission control (below) decides; libp2p's must never refuse before it runs.
      connectionManager: {
        maxConnections: totalPeers * this.limits.connectionsPerPeerMax + this.limits.pendingHandshakesMax + LIBP2P_CONNECTIONS_HEADROOM,
        maxIncomingPendingConnections: LIBP2P_PENDING_HEADROOM_FACTOR * this.limits.pendingHandshakesMax,
        inboundConnectionThreshold: Number.MAX_SAFE_INTEGER,
        inboundUpgradeTimeout: this.limits.handshakeTimeoutMs,
        dialTimeout: this.limits.handshakeTimeoutMs,
        reconnectRetries: 0,
      },
      // Liveness is the protocol's business (view timeouts) plus Yamux keep-alive; no /ipfs/ping is served.
      connectionMonitor: { enabled: false },
      connectionGater: {
        // Validators may sit on loopback or a private network: libp2p's default gater would refuse to dial those.
        denyDialMultiaddr: () => false,
        denyInboundConnection: (maConn) => this.admitPending(maConn),
        denyInboundEncryptedConnection: (peerId, maConn) => this.onAuthenticated(peerId, maConn, "inbound"),
        denyOutboundEncryptedConnection: (peerId, maConn) => this.onAuthenticated(peerId, maConn, "outbound"),
      },
    });
    this.node = node;
    await node.handle(WIRE_PROTOCOL, ({ stream, connection }) => this.onInboundStream(stream, connection), {
      maxInboundStreams: WIRE_STREAMS_PER_CONNECTION_MAX,
      maxOutboundStreams: WIRE_STREAMS_PER_CONNECTION_MAX,
    });
    node.addEventListener("peer:connect", (event) => {
      const id = this.byPeerId.get(event.detail.toString());
      if (id === undefined) return;
      this.log("peer-connected", { peer: id });
      const peer = this.peers.get(id)!;
      peer.reconnectAttempt = 0;
      this.pump(peer);
    });
    node.addEventListener("peer:disconnect", (event) => {
      const id = this.byPeerId.get(event.detail.toString());
      if (id === undefined) return;
      this.log("peer-disconnected", { peer: id });
      const peer = this.peers.get(id)!;
      peer.writer = undefined;
      this.scheduleDial(peer, peer.queue.length > 0 || peer.dialAddress !== undefined);
    });
    node.addEventListener("connection:open", (event) => this.trimConnections(event.detail));
    try {
      await node.start();
    } catch (error) {
      await Promise.resolve(node.stop()).catch(() => {});
      throw error;
    }
    if (this.closing !== undefined) {
      await node.stop();
      throw new Error("Libp2pTransport.start: closed while starting");
    }
    let port = 0;
    if (listen !== undefined) {
      const address = node.getMultiaddrs()[0];
      port = address === undefined ? listen.port : Number(address.toOptions().port);
      this.log("listening", { host: listen.host, port, peerId: node.peerId.toString() });
    }
    for (const peer of this.peers.values()) {
      if (peer.dialAddress === undefined) continue;
      if (this.self < peer.id) this.pump(peer, true);
      else this.scheduleDial(peer, true);
    }
    return { port };
  }

  /** Closes every connection and the listener and cancels every timer. Idempotent; later sends drop. */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    for (const peer of this.peers.values()) {
      if (peer.reconnectTimer !== undefined) clearTimeout(peer.reconnectTimer);
      peer.reconnectTimer = undefined;
      peer.queue = [];
      peer.queuedBytes = 0;
    }
    const node = this.node;
    const closing: Promise<void> = node === undefined ? Promise.resolve() : Promise.resolve(node.stop()).catch(() => {});
    this.closing = closing;
    return closing;
  }

  /**
   * Queues `bytes` for `to`. Never throws: drops (and counts) when `from` is not
   * this node, `to` is unknown or blocked, the transport is closed, or the
   * queue would exceed `sendQueueMaxBytes`.
   */
  send(from: NodeId, to: NodeId, bytes: Uint8Array): void {
    const peer = this.peers.get(to);
    if (from !== this.self || peer === undefined || peer.blocked || this.closing !== undefined || bytes.length === 0) {
      this.stats.dropped++;
      return;
    }
    if (peer.queuedBytes + bytes.length > this.limits.sendQueueMaxBytes) {
      this.stats.dropped++;
      if (!peer.queueFullLogged) this.log("send-queue-full", { peer: to, queuedBytes: peer.queuedBytes });
      peer.queueFullLogged = true;
      return;
    }
    peer.queue.push(bytes.slice());
    peer.queuedBytes += bytes.length;
    this.pump(peer);
  }

  /** Ids of peers with an open connection, sorted. */
  connectedPeers(): NodeId[] {
    const node = this.node;
    if (node === undefined) return [];
    const ids = new Set<NodeId>();
    for (const connection of node.getConnections()) {
      const id = this.byPeerId.get(connection.remotePeer.toString());
      if (id !== undefined && connection.status === "open") ids.add(id);
    }
    return [...ids].sort();
  }

  /**
   * Drops every message to and from `id` until {@link unblockPeer} (a partition
   * fault on the real clock). Connections stay open; sends while blocked are
   * dropped, not queued. Unknown ids are ignored.
   */
  blockPeer(id: NodeId): void {
    const peer = this.peers.get(id);
    if (peer === undefined) return;
    peer.blocked = true;
    this.stats.dropped += peer.queue.length;
    peer.queue = [];
    peer.queuedBytes = 0;
  }

  /** Ends {@link blockPeer} for `id`. */
  unblockPeer(id: NodeId): void {
    const peer = this.peers.get(id);
    if (peer !== undefined) peer.blocked = false;
  }

  /** libp2p peer id of this node (string), after {@link start}. */
  get peerId(): string | undefined {
    return this.node?.peerId.toString();
  }

  // ---- admission ----

  /** Gater hook for a new inbound socket: admits it, evicting the oldest pending handshake when over a limit. Never denies. */
  private admitPending(maConn: MultiaddrConnection): boolean {
    this.pending = this.pending.filter((p) => p.maConn.timeline.close === undefined);
    const address = maConn.remoteAddr.nodeAddress().address;
    const sameAddress = this.pending.filter((p) => p.address === address);
    let victim: PendingHandshake | undefined;
    if (sameAddress.length >= this.limits.pendingHandshakesPerAddressMax) victim = sameAddress[0];
    else if (this.pending.length >= this.limits.pendingHandshakesMax) victim = this.pending[0];
    if (victim !== undefined) {
      this.pending = this.pending.filter((p) => p !== victim);
      this.stats.evictedHandshakes++;
      const reason = victim.address === address && sameAddress.length >= this.limits.pendingHandshakesPerAddressMax ? "per-address pending limit" : "pending limit";
      this.log("handshake-evicted", { remote: victim.maConn.remoteAddr.toString(), reason });
      victim.maConn.abort(new Error(`handshake evicted: ${reason}`));
    }
    this.pending.push({ maConn, address });
    return false;
  }

  /** Gater hook after the Noise handshake: only configured keys pass; the oldest connection over the per-peer limit is closed. */
  private onAuthenticated(peerId: PeerId, maConn: MultiaddrConnection, direction: "inbound" | "outbound"): boolean {
    this.pending = this.pending.filter((p) => p.maConn !== maConn);
    const id = this.byPeerId.get(peerId.toString());
    if (id === undefined) {
      this.stats.rejectedPeers++;
      this.log("peer-rejected", { reason: "unknown-key", remote: maConn.remoteAddr.toString(), peerId: peerId.toString(), direction });
      return true;
    }
    return false;
  }

  /** Keeps at most `connectionsPerPeerMax` connections per peer: the newest win. */
  private trimConnections(connection: Connection): void {
    const node = this.node;
    if (node === undefined) return;
    const all = node.getConnections(connection.remotePeer).filter((c) => c.status === "open");
    if (all.length <= this.limits.connectionsPerPeerMax) return;
    all.sort((a, b) => a.timeline.open - b.timeline.open);
    for (const old of all.slice(0, all.length - this.limits.connectionsPerPeerMax)) {
      this.stats.rejectedPeers++;
      this.log("peer-rejected", { reason: "connections-per-peer", remote: old.remoteAddr.toString(), peerId: old.remotePeer.toString() });
      old.abort(new Error("over the per-peer connection limit"));
    }
  }

  // ---- receiving ----

  private onInboundStream(stream: Stream, connection: Connection): void {
    const id = this.byPeerId.get(connection.remotePeer.toString());
    const peer = id === undefined ? undefined : this.peers.get(id);
    if (peer === undefined) {
      stream.abort(new Error("unknown peer"));
      return;
    }
    void this.readLoop(peer, stream);
  }

  private async readLoop(peer: PeerState, stream: Stream): Promise<void> {
    const lp = lpStream(stream, { maxDataLength: peer.frameBytesMax });
    for (;;) {
      let bytes: Uint8Array;
      try {
        bytes = (await lp.read()).subarray();
      } catch (error) {
        const name = (error as Error).name;
        if (name === "InvalidDataLengthError" || name === "InvalidDataLengthLengthError" || name === "InvalidMessageLengthError") {
          this.malformed(peer, stream, { kind: "length-prefix", reason: `length prefix: ${(error as Error).message}` });
        } else {
          stream.abort(error as Error);
        }
        return;
      }
      if (this.closing !== undefined) return;
      const reason = this.check(peer, bytes);
      if (reason !== undefined) {
        this.malformed(peer, stream, reason);
        return;
      }
      if (peer.blocked) {
        this.stats.dropped++;
        continue;
      }
      this.stats.framesReceived++;
      this.stats.bytesReceived += bytes.length;
      try {
        this.handler?.(peer.id, this.self, bytes);
      } catch (error) {
        this.log("deliver-handler-threw", { peer: peer.id, error: (error as Error).message });
      }
    }
  }

  /** Why a message from `peer` must be refused before decoding, or undefined when it passes. */
  private check(peer: PeerState, bytes: Uint8Array): { kind: FrameRefusal; reason: string } | undefined {
    const inspector = this.options.frameInspector ?? MSGPACK_FRAME_INSPECTOR;
    const type = inspector.type(bytes);
    if (type === undefined) return { kind: "no-type", reason: "no message type" };
    const limit = peer.messageLimits.get(type);
    if (limit === undefined) return { kind: "type-not-accepted", reason: `type ${JSON.stringify(type.slice(0, 32))} not accepted from this peer` };
    if (bytes.length > limit) return { kind: "oversized", reason: `${type}: ${bytes.length} bytes, limit ${limit}` };
    const nesting = inspector.nesting(bytes);
    if (nesting !== undefined) return { kind: "too-deep", reason: nesting };
    return undefined;
  }

  private malformed(peer: PeerState, stream: Stream, refusal: { kind: FrameRefusal; reason: string }): void {
    const reason = refusal.reason;
    this.stats.malformedFrames++;
    this.log("malformed-frame", { peer: peer.id, kind: refusal.kind, reason });
    stream.abort(new Error(`malformed message: ${reason}`));
  }

  // ---- sending ----

  /** Opens the wire stream to `peer` if needed and writes its queue; `connectOnly`: open even with nothing queued. */
  private pump(peer: PeerState, connectOnly = false): void {
    if (peer.writing || this.node === undefined || this.closing !== undefined) return;
    if (peer.queue.length === 0 && !connectOnly) return;
    if (peer.writer === undefined && peer.dialAddress === undefined && this.node.getConnections(peer.peerId).length === 0) return; // a client: wait for it to connect
    peer.writing = true;
    void this.writeLoop(peer).finally(() => {
      peer.writing = false;
      if (peer.writer !== undefined && peer.queue.length > 0) this.pump(peer);
    });
  }

  private async writeLoop(peer: PeerState): Promise<void> {
    const node = this.node!;
    let inFlight: Uint8Array[] | undefined;
    try {
      if (peer.writer === undefined || !writable(peer.writer.stream)) {
        const stream = await node.dialProtocol(peer.dialAddress ?? peer.peerId, WIRE_PROTOCOL, { signal: AbortSignal.timeout(this.limits.handshakeTimeoutMs) });
        const lp = lpStream(stream, { maxDataLength: this.limits.sendQueueMaxBytes });
        // The peer never writes on this stream (but for multistream-select's answer, which waits unread): a reset is
        // noticed by the next failed write. Closing the read side instead would reset the stream when that answer arrives.
        peer.writer = { stream, write: (batch) => lp.writeV(batch) };
      }
      while (peer.queue.length > 0 && this.closing === undefined) {
        // One write per batch: each write costs a Noise seal and a Yamux frame, whatever its size.
        const batch: Uint8Array[] = [];
        let batchBytes = 0;
        while (peer.queue.length > 0 && batch.length < WRITE_BATCH_MESSAGES_MAX && (batch.length === 0 || batchBytes + peer.queue[0]!.length <= WRITE_BATCH_BYTES_MAX)) {
          const bytes = peer.queue.shift()!;
          peer.queuedBytes -= bytes.length;
          if (peer.blocked) {
            this.stats.dropped++;
            continue;
          }
          batch.push(bytes);
          batchBytes += bytes.length;
        }
        if (peer.queuedBytes < this.limits.sendQueueMaxBytes / 2) peer.queueFullLogged = false;
        if (batch.length === 0) continue;
        if (!writable(peer.writer!.stream)) {
          inFlight = batch;
          throw new Error(`stream ${peer.writer!.stream.status}`);
        }
        inFlight = batch;
        await peer.writer!.write(batch);
        inFlight = undefined;
        this.stats.framesSent += batch.length;
        this.stats.bytesSent += batchBytes;
      }
    } catch (error) {
      if (this.closing !== undefined) return;
      // A write fails when the stream was reset since the last one: those messages go first on the next stream, once.
      const retry = (inFlight ?? []).filter((m) => !this.retried.has(m));
      this.stats.dropped += (inFlight?.length ?? 0) - retry.length;
      for (const m of retry) {
        this.retried.add(m);
        peer.queuedBytes += m.length;
      }
      peer.queue.unshift(...retry);
      peer.writer?.stream.abort(error as Error);
      peer.writer = undefined;
      const retryInMs = this.scheduleDial(peer, true);
      this.log("dial-failed", { peer: peer.id, error: (error as Error).message, retryInMs });
    }
  }

  /**
   * Arms the redial timer of `peer` when `wanted`, it has an address (a
   * validator) and no timer is armed; returns the delay in ms (undefined when
   * not armed). When the timer fires, the stream is reopened unless the peer
   * is connected and nothing waits to be sent.
   */
  private scheduleDial(peer: PeerState, wanted: boolean): number | undefined {
    if (!wanted || peer.dialAddress === undefined || this.closing !== undefined || !this.started || peer.reconnectTimer !== undefined) return undefined;
    const capMs = Math.min(this.limits.reconnectMaxMs, this.limits.reconnectBaseMs * 2 ** Math.min(peer.reconnectAttempt, 30));
    peer.reconnectAttempt++;
    // Equal jitter: half fixed, half random, so retries spread out but never collapse to zero.
    const delayMs = Math.ceil(capMs / 2) + randomInt(0, Math.floor(capMs / 2) + 1);
    peer.reconnectTimer = setTimeout(() => {
      peer.reconnectTimer = undefined;
      if (this.node !== undefined && this.node.getConnections(peer.peerId).length > 0 && peer.queue.length === 0) return;
      this.pump(peer, true);
    }, delayMs);
    return delayMs;
  }

  private log(event: string, fields: Record<string, unknown>): void {
    try {
      this.logSink(event, fields);
    } catch {
      // A broken log sink must not take the transport down.
    }
  }
}

/** Whether a stream can still take writes. */
function writable(stream: Stream): boolean {
  return stream.status === "open" && (stream.writeStatus === "ready" || stream.writeStatus === "writing");
}

/** The multiaddr head of a host: `/ip4/...`, `/ip6/...` or `/dns/...`. */
function hostComponent(host: string): string {
  if (isIPv4(host)) return `/ip4/${host}`;
  if (isIPv6(host)) return `/ip6/${host}`;
  return `/dns/${host}`;
}

/** The ed25519 public key (32 bytes) of a 32-byte transport seed. */
export function transportPublicKey(seed: Uint8Array): Uint8Array {
  return createNativeEd25519().keyPairFromSeed(seed).publicKey;
}

/**
 * The mutual authentication that opens every TCP connection between nodes.
 *
 * Each side proves it holds the ed25519 secret key configured for the node id
 * it claims, by signing a fresh challenge chosen partly by the other side:
 *
 * 1. Both sides send `hello { v, id, publicKey, nonce }` at once (32 random nonce bytes).
 * 2. On the other's hello, each side checks the claimed id is one it knows and
 *    the public key is the one configured for that id, then sends
 *    `auth { signature }` over the transcript below, with its own role.
 * 3. On the other's auth, each side verifies the signature against the
 *    configured key: the connection is established.
 *
 * Transcript signed by each side (all lengths big-endian):
 * `"asset-sim/handshake/v1" || role (1 byte: 1 = initiator (dialler), 2 = responder)
 *  || initiator nonce (32) || responder nonce (32)
 *  || u16 len || initiator id (UTF-8) || u16 len || responder id (UTF-8)`.
 *
 * This is the challenge–response core of SIGMA (Krawczyk, "SIGMA: the
 * 'SIGn-and-MAc' approach to authenticated Diffie-Hellman", CRYPTO 2003) and of
 * the Noise XX pattern's identity proof, without the key exchange: the domain
 * string stops a signature being reused by another protocol, both nonces make
 * every transcript fresh (no replay), and the role byte stops a side's own
 * signature being reflected back to it. Both ids are bound, so a signature for
 * one pair is useless for another.
 *
 * Not provided (plainly): no encryption and no per-frame MAC after the
 * handshake, so an attacker on the path can read or inject frames once the
 * connection is open. That is acceptable for a loopback testnet; a deployment
 * over untrusted networks would run this over TLS or a full Noise session.
 *
 * The class is sans-IO: the transport feeds it frames and sends what it returns.
 */
import { createNativeEd25519 } from "../crypto/ed25519-native.js";
import type { SignatureScheme } from "../crypto/signature.js";
import { decodeWire, encodeWire, read, WireDecodeError } from "../net/codec.js";
import type { NodeId } from "../sim/node.js";

/** Domain-separation prefix of every signed transcript. */
export const HANDSHAKE_DOMAIN = "asset-sim/handshake/v1";
/** Protocol version carried in `hello`. */
export const HANDSHAKE_VERSION = 1;
/** Bytes of each side's random nonce. */
export const HANDSHAKE_NONCE_BYTES = 32;
/** Largest handshake frame payload accepted, in bytes (a hello is about 120 bytes). */
export const HANDSHAKE_FRAME_BYTES_MAX = 1024;
/** Longest node id accepted in a hello, in UTF-8 bytes. */
export const NODE_ID_BYTES_MAX = 256;

/** Which end of the TCP connection this side is. */
export type HandshakeRole = "initiator" | "responder";

/** Why a peer was refused (the `reason` of the `peer-rejected` log event). */
export type HandshakeRejectReason =
  | "bad-message" // not a well-formed hello/auth, or a frame out of order
  | "bad-version"
  | "unknown-id" // an id this node neither dials nor accepts (or its own id)
  | "unexpected-id" // the dialled node answered with another id
  | "wrong-key" // the hello's public key is not the one configured for that id
  | "bad-signature"
  | "handshake-timeout"; // set by the transport, not by this class

/** What the transport must do after feeding a frame to {@link PeerHandshake.onFrame}. */
export type HandshakeStep =
  | { readonly kind: "send"; readonly payload: Uint8Array }
  | { readonly kind: "established"; readonly peer: NodeId }
  | { readonly kind: "rejected"; readonly claimed: string | undefined; readonly reason: HandshakeRejectReason; readonly detail?: string };

/** Options of {@link PeerHandshake}. */
export interface PeerHandshakeOptions {
  readonly role: HandshakeRole;
  /** This node's id. */
  readonly self: NodeId;
  /** This node's ed25519 seed (32 bytes). */
  readonly secretKey: Uint8Array;
  /** This node's ed25519 public key (32 bytes). */
  readonly publicKey: Uint8Array;
  /** 32 fresh random bytes (the transport draws them from node:crypto). */
  readonly nonce: Uint8Array;
  /** The configured public key of `id`, or `undefined` when `id` may not connect. */
  readonly publicKeyOf: (id: NodeId) => Uint8Array | undefined;
  /** For an initiator: the id it dialled; the responder must claim exactly it. */
  readonly expectedPeer?: NodeId;
  /** Signature scheme; defaults to ed25519 through node:crypto. */
  readonly scheme?: SignatureScheme;
}

const defaultScheme = createNativeEd25519();
const textEncoder = new TextEncoder();

/**
 * One side of one connection's handshake. Call {@link hello} once and send its
 * result, then pass every received frame to {@link onFrame} until it returns
 * `established` or `rejected` (after which it must not be called again).
 */
export class PeerHandshake {
  private readonly scheme: SignatureScheme;
  private state: "await-hello" | "await-auth" | "done" = "await-hello";
  private peer: { id: NodeId; publicKey: Uint8Array; nonce: Uint8Array } | undefined;

  /** @throws RangeError when the nonce is not {@link HANDSHAKE_NONCE_BYTES} bytes. */
  constructor(private readonly options: PeerHandshakeOptions) {
    if (options.nonce.length !== HANDSHAKE_NONCE_BYTES) throw new RangeError(`handshake nonce must be ${HANDSHAKE_NONCE_BYTES} bytes`);
    this.scheme = options.scheme ?? defaultScheme;
  }

  /** The id the peer claimed in its hello (undefined before it arrives). */
  get claimedPeer(): NodeId | undefined {
    return this.peer?.id;
  }

  /** The hello payload this side sends first. */
  hello(): Uint8Array {
    return encodeWire({ t: "hello", v: HANDSHAKE_VERSION, id: this.options.self, publicKey: this.options.publicKey, nonce: this.options.nonce });
  }

  /** Consumes one frame from the peer and says what to do next. Never throws on bad input. */
  onFrame(payload: Uint8Array): HandshakeStep {
    if (this.state === "await-hello") return this.onHello(payload);
    if (this.state === "await-auth") return this.onAuth(payload);
    return this.reject("bad-message", "frame after the handshake finished");
  }

  private onHello(payload: Uint8Array): HandshakeStep {
    let id: string;
    let publicKey: Uint8Array;
    let nonce: Uint8Array;
    try {
      const msg = read.object(decodeWire(payload), "hello");
      if (msg["t"] !== "hello") throw new WireDecodeError(`hello: expected t = "hello"`);
      if (read.uint(msg["v"], "hello.v") !== HANDSHAKE_VERSION) return this.reject("bad-version", `version ${String(msg["v"])}`);
      const rawId = msg["id"];
      if (typeof rawId !== "string" || rawId.length === 0 || textEncoder.encode(rawId).length > NODE_ID_BYTES_MAX) {
        throw new WireDecodeError("hello.id: expected a non-empty string");
      }
      id = rawId;
      publicKey = read.bytes(msg["publicKey"], "hello.publicKey", 32);
      nonce = read.bytes(msg["nonce"], "hello.nonce", HANDSHAKE_NONCE_BYTES);
    } catch (error) {
      return this.reject("bad-message", (error as Error).message);
    }
    if (this.options.expectedPeer !== undefined && id !== this.options.expectedPeer) {
      return this.reject("unexpected-id", `dialled ${this.options.expectedPeer}`, id);
    }
    const configured = id === this.options.self ? undefined : this.options.publicKeyOf(id);
    if (configured === undefined) return this.reject("unknown-id", undefined, id);
    if (!bytesEqual(configured, publicKey)) return this.reject("wrong-key", undefined, id);
    this.peer = { id, publicKey: configured, nonce: nonce.slice() };
    this.state = "await-auth";
    const signature = this.scheme.sign(this.options.secretKey, this.transcript(this.options.role));
    return { kind: "send", payload: encodeWire({ t: "auth", signature }) };
  }

  private onAuth(payload: Uint8Array): HandshakeStep {
    let signature: Uint8Array;
    try {
      const msg = read.object(decodeWire(payload), "auth");
      if (msg["t"] !== "auth") throw new WireDecodeError(`auth: expected t = "auth"`);
      signature = read.bytes(msg["signature"], "auth.signature", 64);
    } catch (error) {
      return this.reject("bad-message", (error as Error).message);
    }
    const peer = this.peer!;
    const peerRole: HandshakeRole = this.options.role === "initiator" ? "responder" : "initiator";
    if (!this.scheme.verify(peer.publicKey, this.transcript(peerRole), signature)) return this.reject("bad-signature");
    this.state = "done";
    return { kind: "established", peer: peer.id };
  }

  private transcript(signer: HandshakeRole): Uint8Array {
    const peer = this.peer!;
    const mine = { id: this.options.self, nonce: this.options.nonce };
    const theirs = { id: peer.id, nonce: peer.nonce };
    const [initiator, responder] = this.options.role === "initiator" ? [mine, theirs] : [theirs, mine];
    return handshakeTranscript(signer, initiator, responder);
  }

  private reject(reason: HandshakeRejectReason, detail?: string, claimed: string | undefined = this.peer?.id): HandshakeStep {
    this.state = "done";
    return detail === undefined ? { kind: "rejected", claimed, reason } : { kind: "rejected", claimed, reason, detail };
  }
}

/**
 * The bytes a side signs (layout in the file comment).
 * @param signer whose signature this transcript is for
 * @throws RangeError when an id is longer than 65535 UTF-8 bytes or a nonce has the wrong length
 */
export function handshakeTranscript(
  signer: HandshakeRole,
  initiator: { readonly id: NodeId; readonly nonce: Uint8Array },
  responder: { readonly id: NodeId; readonly nonce: Uint8Array },
): Uint8Array {
  const domain = textEncoder.encode(HANDSHAKE_DOMAIN);
  const initiatorId = textEncoder.encode(initiator.id);
  const responderId = textEncoder.encode(responder.id);
  for (const nonce of [initiator.nonce, responder.nonce]) {
    if (nonce.length !== HANDSHAKE_NONCE_BYTES) throw new RangeError(`handshake nonce must be ${HANDSHAKE_NONCE_BYTES} bytes`);
  }
  for (const id of [initiatorId, responderId]) if (id.length > 0xffff) throw new RangeError("node id too long");
  const out = new Uint8Array(domain.length + 1 + 2 * HANDSHAKE_NONCE_BYTES + 2 + initiatorId.length + 2 + responderId.length);
  const view = new DataView(out.buffer);
  let at = 0;
  out.set(domain, at);
  at += domain.length;
  out[at++] = signer === "initiator" ? 1 : 2;
  out.set(initiator.nonce, at);
  at += HANDSHAKE_NONCE_BYTES;
  out.set(responder.nonce, at);
  at += HANDSHAKE_NONCE_BYTES;
  view.setUint16(at, initiatorId.length);
  at += 2;
  out.set(initiatorId, at);
  at += initiatorId.length;
  view.setUint16(at, responderId.length);
  at += 2;
  out.set(responderId, at);
  return out;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

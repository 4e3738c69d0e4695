/**
 * The handshake state machine alone (no sockets): two honest sides agree, and
 * the attacks the transcript layout exists to stop (reflection, replay into
 * another session, a signature for another pair) all fail.
 */
import { describe, expect, it } from "vitest";
import { createNativeEd25519 } from "../../src/crypto/ed25519-native.js";
import { decodeWire, encodeWire, read } from "../../src/net/codec.js";
import { handshakeTranscript, PeerHandshake, type HandshakeStep } from "../../src/runtime/peer-handshake.js";

const ed = createNativeEd25519();
const key = (n: number) => ed.keyPairFromSeed(new Uint8Array(32).fill(n + 1));
const registry = new Map([
  ["v0", key(0).publicKey],
  ["v1", key(1).publicKey],
  ["v2", key(2).publicKey],
]);

function side(self: "v0" | "v1" | "v2", n: number, role: "initiator" | "responder", nonceByte: number, expectedPeer?: string): PeerHandshake {
  return new PeerHandshake({
    role,
    self,
    ...key(n),
    nonce: new Uint8Array(32).fill(nonceByte),
    publicKeyOf: (id) => registry.get(id),
    ...(expectedPeer === undefined ? {} : { expectedPeer }),
  });
}

function sent(step: HandshakeStep): Uint8Array {
  if (step.kind !== "send") throw new Error(`expected send, got ${JSON.stringify(step)}`);
  return step.payload;
}

describe("PeerHandshake", () => {
  it("two honest sides both end established with each other's id", () => {
    const i = side("v0", 0, "initiator", 1, "v1");
    const r = side("v1", 1, "responder", 2);
    const authI = sent(i.onFrame(r.hello()));
    const authR = sent(r.onFrame(i.hello()));
    expect(i.onFrame(authR)).toEqual({ kind: "established", peer: "v1" });
    expect(r.onFrame(authI)).toEqual({ kind: "established", peer: "v0" });
  });

  it("a signature by the right key over the same session but for the other role is refused (role byte)", () => {
    const r = side("v1", 1, "responder", 2);
    const nonceI = new Uint8Array(32).fill(1);
    sent(r.onFrame(encodeWire({ t: "hello", v: 1, id: "v0", publicKey: key(0).publicKey, nonce: nonceI })));
    const wrongRole = handshakeTranscript("responder", { id: "v0", nonce: nonceI }, { id: "v1", nonce: new Uint8Array(32).fill(2) });
    expect(r.onFrame(encodeWire({ t: "auth", signature: ed.sign(key(0).secretKey, wrongRole) }))).toMatchObject({ kind: "rejected", reason: "bad-signature", claimed: "v0" });
  });

  it("the same signature for the right role is accepted (the test above fails only on the role)", () => {
    const r = side("v1", 1, "responder", 2);
    const nonceI = new Uint8Array(32).fill(1);
    sent(r.onFrame(encodeWire({ t: "hello", v: 1, id: "v0", publicKey: key(0).publicKey, nonce: nonceI })));
    const rightRole = handshakeTranscript("initiator", { id: "v0", nonce: nonceI }, { id: "v1", nonce: new Uint8Array(32).fill(2) });
    expect(r.onFrame(encodeWire({ t: "auth", signature: ed.sign(key(0).secretKey, rightRole) }))).toEqual({ kind: "established", peer: "v0" });
  });

  it("an auth recorded in one session is useless in another (fresh nonces)", () => {
    const i1 = side("v0", 0, "initiator", 1, "v1");
    const r1 = side("v1", 1, "responder", 2);
    sent(r1.onFrame(i1.hello()));
    const recordedAuthI = sent(i1.onFrame(r1.hello()));
    // A replayer sends v0's old hello and old auth to a new responder session (new nonce).
    const r2 = side("v1", 1, "responder", 3);
    sent(r2.onFrame(i1.hello()));
    expect(r2.onFrame(recordedAuthI)).toMatchObject({ kind: "rejected", reason: "bad-signature" });
  });

  it("an initiator refuses a responder that answers with another id, even a known one", () => {
    const i = side("v0", 0, "initiator", 1, "v1");
    const r = side("v2", 2, "responder", 2);
    expect(i.onFrame(r.hello())).toMatchObject({ kind: "rejected", reason: "unexpected-id", claimed: "v2" });
  });

  it("garbage, a wrong version and an out-of-order auth are refused without throwing", () => {
    expect(side("v1", 1, "responder", 2).onFrame(Uint8Array.of(0xc1))).toMatchObject({ kind: "rejected", reason: "bad-message" });
    const badVersion = encodeWire({ t: "hello", v: 2, id: "v0", publicKey: key(0).publicKey, nonce: new Uint8Array(32) });
    expect(side("v1", 1, "responder", 2).onFrame(badVersion)).toMatchObject({ kind: "rejected", reason: "bad-version" });
    const earlyAuth = encodeWire({ t: "auth", signature: new Uint8Array(64) });
    expect(side("v1", 1, "responder", 2).onFrame(earlyAuth)).toMatchObject({ kind: "rejected", reason: "bad-message" });
    const shortNonce = encodeWire({ t: "hello", v: 1, id: "v0", publicKey: key(0).publicKey, nonce: new Uint8Array(8) });
    expect(side("v1", 1, "responder", 2).onFrame(shortNonce)).toMatchObject({ kind: "rejected", reason: "bad-message" });
  });

  it("the hello carries id, public key and nonce", () => {
    const hello = read.object(decodeWire(side("v0", 0, "initiator", 9, "v1").hello()), "hello");
    expect(hello["id"]).toBe("v0");
    expect(hello["publicKey"]).toEqual(key(0).publicKey);
    expect(hello["nonce"]).toEqual(new Uint8Array(32).fill(9));
  });
});

import { describe, expect, it } from "vitest";
import { timeoutSigningBytes, voteSigningBytes } from "../../src/consensus/block-hash.js";
import { GENESIS_BLOCK, GENESIS_QC } from "../../src/consensus/genesis.js";
import type { QuorumCertificate, SignerSignature, TimeoutCertificate } from "../../src/consensus/types.js";
import { ValidatorSet } from "../../src/consensus/validator-set.js";
import { createSignatureScheme } from "../../src/crypto/schemes.js";
import type { KeyPair, SignatureSchemeName } from "../../src/crypto/signature.js";

function makeSet(n: number, schemeName: SignatureSchemeName = "sim") {
  const scheme = createSignatureScheme(schemeName);
  const keys: KeyPair[] = Array.from({ length: n }, (_, i) => scheme.keyPairFromSeed(new Uint8Array(32).fill(i + 1)));
  const set = new ValidatorSet(
    keys.map((k, i) => ({ id: `v${i}`, publicKey: k.publicKey })),
    scheme,
  );
  const vote = (signer: number, view: number, height: number, hash: Uint8Array): SignerSignature => ({
    signer,
    signature: scheme.sign(keys[signer]!.secretKey, voteSigningBytes(view, height, hash)),
  });
  const qc = (signers: number[], view = 3, height = 2, hash = new Uint8Array(32).fill(0xab)): QuorumCertificate => ({
    view,
    height,
    blockHash: hash,
    signatures: signers.map((s) => vote(s, view, height, hash)),
  });
  const tc = (signers: number[], view = 5, highQCView = 3): TimeoutCertificate => ({
    view,
    entries: signers.map((s) => ({ signer: s, highQCView, signature: scheme.sign(keys[s]!.secretKey, timeoutSigningBytes(view, highQCView)) })),
  });
  return { scheme, keys, set, vote, qc, tc };
}

describe("ValidatorSet", () => {
  it.each([
    [1, 0, 1],
    [4, 1, 3],
    [5, 1, 4],
    [7, 2, 5],
    [10, 3, 7],
  ])("n=%i gives f=%i and quorum=%i", (n, f, quorum) => {
    const { set } = makeSet(n);
    expect(set.size).toBe(n);
    expect(set.f).toBe(f);
    expect(set.quorum).toBe(quorum);
  });

  it("leaderOf rotates through the validators", () => {
    const { set } = makeSet(4);
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8].map((v) => set.leaderOf(v))).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0]);
    expect(makeSet(1).set.leaderOf(17)).toBe(0);
  });

  it("maps ids to indexes and back", () => {
    const { set } = makeSet(4);
    expect(set.idOf(2)).toBe("v2");
    expect(set.indexOf("v3")).toBe(3);
    expect(set.indexOf("c0")).toBeUndefined();
    expect(() => set.idOf(4)).toThrow(RangeError);
  });

  it("rejects an empty set and repeated names", () => {
    const scheme = createSignatureScheme("sim");
    expect(() => new ValidatorSet([], scheme)).toThrow(RangeError);
    const pk = scheme.keyPairFromSeed(new Uint8Array(32)).publicKey;
    expect(
      () =>
        new ValidatorSet(
          [
            { id: "v0", publicKey: pk },
            { id: "v0", publicKey: pk },
          ],
          scheme,
        ),
    ).toThrow(RangeError);
  });

  it("the genesis QC is valid; a view-0 QC with another hash, height or signatures is not", () => {
    const { set, vote } = makeSet(4);
    expect(set.verifyQC(GENESIS_QC)).toBe(true);
    expect(set.verifyQC({ ...GENESIS_QC, blockHash: new Uint8Array(32) })).toBe(false);
    expect(set.verifyQC({ ...GENESIS_QC, height: 1 })).toBe(false);
    expect(set.verifyQC({ ...GENESIS_QC, signatures: [0, 1, 2].map((s) => vote(s, 0, 0, GENESIS_BLOCK.hash)) })).toBe(false);
  });

  it("accepts a real quorum, and more than a quorum", () => {
    const { set, qc } = makeSet(4);
    expect(set.verifyQC(qc([0, 1, 2]))).toBe(true);
    expect(set.verifyQC(qc([3, 1, 0, 2], 4, 3))).toBe(true);
  });

  it("rejects too few signatures", () => {
    const { set, qc } = makeSet(4);
    expect(set.verifyQC(qc([0, 1]))).toBe(false);
    expect(set.verifyQC(qc([]))).toBe(false);
    const seven = makeSet(7);
    expect(seven.set.verifyQC(seven.qc([0, 1, 2, 3]))).toBe(false);
    expect(seven.set.verifyQC(seven.qc([0, 1, 2, 3, 4]))).toBe(true);
  });

  it("rejects duplicate signers", () => {
    const { set, qc } = makeSet(4);
    expect(set.verifyQC(qc([0, 1, 1]))).toBe(false);
    expect(set.verifyQC(qc([2, 2, 2]))).toBe(false);
  });

  it("rejects signatures over another message", () => {
    const { set, vote } = makeSet(4);
    const hash = new Uint8Array(32).fill(7);
    const other = new Uint8Array(32).fill(8);
    // signed for another view
    expect(set.verifyQC({ view: 3, height: 2, blockHash: hash, signatures: [0, 1, 2].map((s) => vote(s, 4, 2, hash)) })).toBe(false);
    // signed for another block
    expect(set.verifyQC({ view: 3, height: 2, blockHash: hash, signatures: [0, 1, 2].map((s) => vote(s, 3, 2, other)) })).toBe(false);
    // one bad signature among good ones
    const sigs = [0, 1, 2].map((s) => vote(s, 3, 2, hash));
    sigs[1] = vote(1, 3, 3, hash);
    expect(set.verifyQC({ view: 3, height: 2, blockHash: hash, signatures: sigs })).toBe(false);
  });

  it("rejects a signature attributed to the wrong signer", () => {
    const { set, vote } = makeSet(4);
    const hash = new Uint8Array(32).fill(9);
    const sigs = [0, 1, 2].map((s) => vote(s, 3, 2, hash));
    expect(set.verifyQC({ view: 3, height: 2, blockHash: hash, signatures: [sigs[0]!, sigs[1]!, { signer: 3, signature: sigs[2]!.signature }] })).toBe(false);
  });

  it("rejects an unknown signer index", () => {
    const { set, vote, keys, scheme } = makeSet(4);
    const hash = new Uint8Array(32).fill(1);
    const sigs = [0, 1].map((s) => vote(s, 3, 2, hash));
    const stray = { signer: 4, signature: scheme.sign(keys[2]!.secretKey, voteSigningBytes(3, 2, hash)) };
    expect(set.verifyQC({ view: 3, height: 2, blockHash: hash, signatures: [...sigs, stray] })).toBe(false);
    expect(set.verifyQC({ view: 3, height: 2, blockHash: hash, signatures: [...sigs, { ...stray, signer: -1 }] })).toBe(false);
    expect(set.verifySignature(4, voteSigningBytes(3, 2, hash), stray.signature)).toBe(false);
  });

  it("rejects more signatures than validators", () => {
    const { set, vote } = makeSet(4);
    const hash = new Uint8Array(32).fill(2);
    const sigs = [0, 1, 2, 3].map((s) => vote(s, 3, 2, hash));
    expect(set.verifyQC({ view: 3, height: 2, blockHash: hash, signatures: [...sigs, sigs[0]!] })).toBe(false);
  });

  it("verifies real ed25519 quorums too", () => {
    const { set, qc } = makeSet(4, "ed25519");
    expect(set.verifyQC(qc([0, 2, 3]))).toBe(true);
    const { set: set2, qc: qc2 } = makeSet(4, "ed25519");
    expect(set2.verifyQC(qc2([0, 0, 3]))).toBe(false);
  });

  it("verifyTC accepts a quorum of timeout signatures and rejects bad ones", () => {
    const { set, tc, keys, scheme } = makeSet(4);
    expect(set.verifyTC(tc([1, 2, 3]))).toBe(true);
    const fresh = makeSet(4);
    expect(fresh.set.verifyTC(fresh.tc([1, 2]))).toBe(false);
    expect(fresh.set.verifyTC(fresh.tc([1, 1, 2]))).toBe(false);
    const good = tc([0, 1, 2], 6, 4);
    // an entry whose highQCView differs from what it signed
    const lying = { ...good, entries: good.entries.map((e, i) => (i === 0 ? { ...e, highQCView: 5 } : e)) };
    expect(set.verifyTC(lying)).toBe(false);
    expect(set.verifyTC(good)).toBe(true);
    // entries may carry different highQCViews, each signed
    const mixed: TimeoutCertificate = {
      view: 7,
      entries: [0, 1, 2].map((s) => ({ signer: s, highQCView: s, signature: scheme.sign(keys[s]!.secretKey, timeoutSigningBytes(7, s)) })),
    };
    expect(set.verifyTC(mixed)).toBe(true);
  });
});

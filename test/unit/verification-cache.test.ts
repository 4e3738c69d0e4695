/**
 * The certificate verification cache of `ValidatorSet` (src/consensus/validator-set.ts):
 * a QC or TC verified once is not verified again, the cache is keyed by the
 * exact signatures (and, for a TC, each entry's highest QC view), so a
 * malformed or altered certificate never passes on a cached look-alike, and
 * it holds at most 4,096 keys. Found by the mutation run (docs/mutation.md):
 * with the signatures left out of the key, or the cache disabled, every
 * other test still passed. The signature scheme here counts its
 * verifications, which is how a test sees the cache.
 */
import { describe, expect, it } from "vitest";
import { timeoutSigningBytes, voteSigningBytes } from "../../src/consensus/block-hash.js";
import type { QuorumCertificate, TimeoutCertificate } from "../../src/consensus/types.js";
import { ValidatorSet } from "../../src/consensus/validator-set.js";
import { createSimSignatureScheme } from "../../src/crypto/sim-signature.js";
import type { KeyPair, SignatureScheme } from "../../src/crypto/signature.js";

function setup(): { set: ValidatorSet; verifications: () => number; qc: (view: number, signers?: number[]) => QuorumCertificate; tc: (view: number, highQCViews: number[]) => TimeoutCertificate } {
  const inner = createSimSignatureScheme();
  let count = 0;
  const scheme: SignatureScheme = {
    ...inner,
    verify: (publicKey, message, signature) => {
      count++;
      return inner.verify(publicKey, message, signature);
    },
  };
  const keys: KeyPair[] = [0, 1, 2, 3].map((i) => inner.keyPairFromSeed(new Uint8Array(32).fill(i + 1)));
  const set = new ValidatorSet(keys.map((k, i) => ({ id: `v${i}`, publicKey: k.publicKey })), scheme);
  const qc = (view: number, signers = [0, 1, 2]): QuorumCertificate => {
    const hash = new Uint8Array(32).fill(view % 256);
    hash[0] = view >> 8;
    return { view, height: view, blockHash: hash, signatures: signers.map((s) => ({ signer: s, signature: inner.sign(keys[s]!.secretKey, voteSigningBytes(view, view, hash)) })) };
  };
  const tc = (view: number, highQCViews: number[]): TimeoutCertificate => ({
    view,
    entries: highQCViews.map((h, s) => ({ signer: s, highQCView: h, signature: inner.sign(keys[s]!.secretKey, timeoutSigningBytes(view, h)) })),
  });
  return { set, verifications: () => count, qc, tc };
}

describe("certificate verification cache", () => {
  it("a QC or TC verified once is not verified again; a QC this replica formed is never verified", () => {
    const { set, verifications, qc, tc } = setup();
    expect(set.verifyQC(qc(5))).toBe(true);
    expect(verifications()).toBe(3);
    expect(set.verifyQC(qc(5))).toBe(true);
    expect(verifications()).toBe(3);
    expect(set.verifyTC(tc(6, [5, 4, 5]))).toBe(true);
    expect(set.verifyTC(tc(6, [5, 4, 5]))).toBe(true);
    expect(verifications()).toBe(6);
    set.markVerifiedQC(qc(7));
    expect(set.verifyQC(qc(7))).toBe(true);
    expect(verifications()).toBe(6);
  });

  it("a cached QC's look-alike with too few, repeated or broken signatures is refused", () => {
    const { set, qc } = setup();
    const good = qc(5);
    expect(set.verifyQC(good)).toBe(true);
    expect(set.verifyQC({ ...good, signatures: good.signatures.slice(0, 2) })).toBe(false);
    expect(set.verifyQC({ ...good, signatures: [good.signatures[0]!, good.signatures[0]!, good.signatures[1]!] })).toBe(false);
    const broken = good.signatures.map((s, i) => (i === 2 ? { ...s, signature: s.signature.map((b, j) => (j === 0 ? b ^ 1 : b)) } : s));
    expect(set.verifyQC({ ...good, signatures: broken })).toBe(false);
    expect(set.verifyQC({ ...good, signatures: [good.signatures[0]!, good.signatures[1]!, { ...good.signatures[2]!, signer: 3 }] })).toBe(false);
  });

  it("a cached TC with one entry's highest QC view changed (signatures kept) is refused", () => {
    const { set, tc } = setup();
    const good = tc(6, [5, 4, 5]);
    expect(set.verifyTC(good)).toBe(true);
    expect(set.verifyTC({ ...good, entries: good.entries.map((e, i) => (i === 1 ? { ...e, highQCView: 1_000 } : e)) })).toBe(false);
  });

  it("holds at most 4,096 certificates: after 4,097 distinct QCs the first is verified again", () => {
    const { set, verifications, qc } = setup();
    const first = qc(1);
    expect(set.verifyQC(first)).toBe(true);
    for (let view = 2; view <= 4_096; view++) expect(set.verifyQC(qc(view))).toBe(true);
    // 4,096 keys held: the first is still cached.
    let before = verifications();
    expect(set.verifyQC(first)).toBe(true);
    expect(verifications()).toBe(before);
    // The 4,097th clears the cache before it is added.
    expect(set.verifyQC(qc(4_097))).toBe(true);
    before = verifications();
    expect(set.verifyQC(first)).toBe(true);
    expect(verifications()).toBe(before + 3);
  });
});

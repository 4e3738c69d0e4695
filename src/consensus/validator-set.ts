/**
 * The validator set: names, public keys, quorum size, the leader of each view,
 * and certificate verification (with a cache, since every replica sees the same
 * QC many times: in a proposal, in timeouts, in synced blocks).
 */
import { bytesEqual, sha256Concat, toHex, u64 } from "../crypto/hash.js";
import type { SignatureScheme } from "../crypto/signature.js";
import type { NodeId } from "../sim/node.js";
import { timeoutSigningBytes, voteSigningBytes } from "./block-hash.js";
import { GENESIS_QC } from "./genesis.js";
import type { QuorumCertificate, TimeoutCertificate } from "./types.js";

/** One validator's public identity. */
export interface ValidatorInfo {
  readonly id: NodeId;
  readonly publicKey: Uint8Array;
}

const VERIFIED_CACHE_MAX = 4096;

/**
 * n validators tolerate f = floor((n - 1) / 3) byzantine ones; a quorum is
 * n - f (2f + 1 when n = 3f + 1). The leader of view v is validator v mod n.
 */
export class ValidatorSet {
  readonly validators: readonly ValidatorInfo[];
  readonly scheme: SignatureScheme;
  /** Byzantine validators tolerated. */
  readonly f: number;
  /** Signatures needed for a QC or a TC. */
  readonly quorum: number;
  private readonly indexById = new Map<NodeId, number>();
  private readonly verified = new Set<string>();

  /** @throws RangeError when `validators` is empty or names repeat. */
  constructor(validators: readonly ValidatorInfo[], scheme: SignatureScheme) {
    if (validators.length === 0) throw new RangeError("a validator set needs at least one validator");
    this.validators = validators;
    this.scheme = scheme;
    this.f = Math.floor((validators.length - 1) / 3);
    this.quorum = validators.length - this.f;
    validators.forEach((v, i) => {
      if (this.indexById.has(v.id)) throw new RangeError(`validator ${v.id} listed twice`);
      this.indexById.set(v.id, i);
    });
  }

  /** Number of validators. */
  get size(): number {
    return this.validators.length;
  }

  /** Index of validator `view mod n`: the round-robin leader of `view`. Replicas ask their leader election instead (`leader-election/`, reputation in scenarios by default), which may name another. */
  leaderOf(view: number): number {
    return view % this.validators.length;
  }

  /** Node id of validator `index`. */
  idOf(index: number): NodeId {
    const v = this.validators[index];
    if (v === undefined) throw new RangeError(`no validator with index ${index}`);
    return v.id;
  }

  /** Index of the validator named `id`, or undefined (clients and strangers). */
  indexOf(id: NodeId): number | undefined {
    return this.indexById.get(id);
  }

  /** Verifies one signature by validator `signer`; false for unknown signers. */
  verifySignature(signer: number, message: Uint8Array, signature: Uint8Array): boolean {
    const v = this.validators[signer];
    return v !== undefined && this.scheme.verify(v.publicKey, message, signature);
  }

  /**
   * True iff `qc` carries a quorum of distinct, valid vote signatures for its
   * (view, height, blockHash), or is the genesis QC. The cache is keyed by the
   * signatures too: a QC whose (view, height, blockHash) was verified before
   * but whose signatures are short of a quorum, repeat a signer or are broken
   * is refused (a byzantine peer could otherwise launder a malformed QC into
   * an honest replica's lock, and from there into its proposals).
   */
  verifyQC(qc: QuorumCertificate): boolean {
    if (qc.view === 0) return qc.height === 0 && bytesEqual(qc.blockHash, GENESIS_QC.blockHash) && qc.signatures.length === 0;
    const key = qcKey(qc);
    if (this.verified.has(key)) return true;
    const message = voteSigningBytes(qc.view, qc.height, qc.blockHash);
    if (!this.verifyQuorum(qc.signatures, () => message)) return false;
    this.remember(key);
    return true;
  }

  /** True iff `tc` carries a quorum of distinct, valid timeout signatures for its view. */
  verifyTC(tc: TimeoutCertificate): boolean {
    const key = `tc:${tc.view}:${tc.entries.map((e) => `${e.signer}/${e.highQCView}`).join(",")}:${signaturesDigest(tc.entries)}`;
    if (this.verified.has(key)) return true;
    const entries = tc.entries;
    if (!this.verifyQuorum(entries, (i) => timeoutSigningBytes(tc.view, entries[i]!.highQCView))) return false;
    this.remember(key);
    return true;
  }

  /** Marks a certificate this replica built from verified parts, so it is never re-verified. */
  markVerifiedQC(qc: QuorumCertificate): void {
    this.remember(qcKey(qc));
  }

  private verifyQuorum(signatures: readonly { signer: number; signature: Uint8Array }[], messageOf: (i: number) => Uint8Array): boolean {
    if (signatures.length < this.quorum || signatures.length > this.size) return false;
    const seen = new Set<number>();
    for (let i = 0; i < signatures.length; i++) {
      const s = signatures[i]!;
      if (seen.has(s.signer)) return false;
      seen.add(s.signer);
      if (!this.verifySignature(s.signer, messageOf(i), s.signature)) return false;
    }
    return true;
  }

  private remember(key: string): void {
    if (this.verified.size >= VERIFIED_CACHE_MAX) this.verified.clear();
    this.verified.add(key);
  }
}

/** The verification cache's key of a QC: its (view, height, blockHash) and its exact signatures. */
function qcKey(qc: QuorumCertificate): string {
  return `qc:${qc.view}:${qc.height}:${toHex(qc.blockHash)}:${signaturesDigest(qc.signatures)}`;
}

/** A digest of signers and signatures, in order. */
function signaturesDigest(signatures: readonly { signer: number; signature: Uint8Array }[]): string {
  return toHex(sha256Concat(...signatures.flatMap((s) => [u64(s.signer), u64(s.signature.length), s.signature])));
}

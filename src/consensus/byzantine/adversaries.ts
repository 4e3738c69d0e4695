/**
 * The adversaries that attack what the voting and certificate rules guard
 * (used by {@link ByzantineReplica}): pure helpers that build a tampered
 * block, QC, TC or message, properly signed with the byzantine validator's
 * own key unless the tampering is the signature itself. Each helper draws
 * what it needs from the `rng` it is given (the byzantine validator's own
 * stream), so honest streams never shift.
 *
 * Sans-IO: no clock, timers or randomness of its own.
 */
import { concatBytes, sha256, utf8 } from "../../crypto/hash.js";
import type { Rng } from "../../sim/rng.js";
import { blockHash, proposalSigningBytes, timeoutSigningBytes, voteSigningBytes } from "../block-hash.js";
import type { Block, ProposalMessage, QuorumCertificate, TimeoutCertificate, TimeoutMessage, VoteMessage } from "../types.js";

/** How a forged QC is wrong (`forged-qc`), one drawn per message. */
export const QC_FORGERIES = ["too-few-signers", "repeated-signer", "bad-signature", "missing-signature", "wrong-hash", "wrong-view", "wrong-height"] as const;
/** How a forged QC is wrong. */
export type QcForgery = (typeof QC_FORGERIES)[number];
/** How a forged TC is wrong (`forged-qc` on a message that carries a TC). */
export const TC_FORGERIES = ["too-few-signers", "repeated-signer"] as const;
/** How a forged TC is wrong. */
export type TcForgery = (typeof TC_FORGERIES)[number];
/** The small-scope mutations of `mutate` (ByzzFuzz, Winter et al., OOPSLA 2023). */
export const MUTATIONS = ["view+1", "view-1", "height+1", "height-1", "subset", "old-payload"] as const;
/** One small-scope mutation. */
export type Mutation = (typeof MUTATIONS)[number];
/** How `lying-sync` answers a block request. */
export const SYNC_LIES = ["unlinked", "other-fork"] as const;
/** How a block response lies. */
export type SyncLie = (typeof SYNC_LIES)[number];

/** The signing of one byzantine validator: its index, quorum size and signing function. */
export interface Signer {
  readonly index: number;
  readonly quorum: number;
  sign(message: Uint8Array): Uint8Array;
}

/** Draws one element of `list`. */
export function draw<T>(rng: Rng, list: readonly T[]): T {
  return list[rng.int(list.length)]!;
}

/** A copy of `block` with some fields changed, its hash recomputed. */
export function rebuilt(block: Block, changes: Partial<Omit<Block, "hash">>): Block {
  const { hash: _hash, ...fields } = block;
  const next = { ...fields, ...changes };
  return { ...next, hash: blockHash(next) };
}

/** A proposal of `block` (with the original's TC, or `tc`), signed by `signer`. */
export function proposalOf(block: Block, tc: TimeoutCertificate | undefined, signer: Signer): ProposalMessage {
  return { type: "proposal", block, ...(tc === undefined ? {} : { tc }), signature: signer.sign(proposalSigningBytes(block.hash)) };
}

/** A timeout of `view` carrying `highQC` (and `lastTC`), re-signed by `signer` over the QC view it claims. */
export function timeoutOf(msg: TimeoutMessage, changes: { view?: number; highQC?: QuorumCertificate; lastTC?: TimeoutCertificate | undefined; claimedView?: number }, signer: Signer): TimeoutMessage {
  const view = changes.view ?? msg.view;
  const highQC = changes.highQC ?? msg.highQC;
  const lastTC = "lastTC" in changes ? changes.lastTC : msg.lastTC;
  return {
    type: "timeout",
    view,
    highQC,
    ...(lastTC === undefined ? {} : { lastTC }),
    signer: msg.signer,
    signature: signer.sign(timeoutSigningBytes(view, changes.claimedView ?? highQC.view)),
  };
}

/** A vote with view or height changed, re-signed by `signer`. */
export function voteOf(msg: VoteMessage, changes: { view?: number; height?: number }, signer: Signer): VoteMessage {
  const view = changes.view ?? msg.view;
  const height = changes.height ?? msg.height;
  return { ...msg, view, height, signature: signer.sign(voteSigningBytes(view, height, msg.blockHash)) };
}

/**
 * `qc` made wrong in the way `forgery` names. `repeated-signer` is the
 * byzantine validator's own vote repeated a quorum of times (what one key
 * alone could certify if signers were not deduplicated), for `target` (an
 * older block it knows, at `targetView`) when given, else for `qc`'s own block.
 */
export function forgeQC(qc: QuorumCertificate, forgery: QcForgery, signer: Signer, target?: { block: Block; view: number }): QuorumCertificate {
  const sigs = qc.signatures;
  switch (forgery) {
    case "too-few-signers":
      return { ...qc, signatures: sigs.slice(0, Math.max(0, signer.quorum - 1)) };
    case "repeated-signer": {
      const view = target?.view ?? qc.view;
      const height = target?.block.height ?? qc.height;
      const hash = target?.block.hash ?? qc.blockHash;
      const signature = signer.sign(voteSigningBytes(view, height, hash));
      return { view, height, blockHash: hash, signatures: Array.from({ length: signer.quorum }, () => ({ signer: signer.index, signature })) };
    }
    case "bad-signature":
    case "missing-signature": {
      if (sigs.length === 0) return { ...qc, view: qc.view + 1 };
      const first = sigs[0]!;
      const signature = forgery === "missing-signature" ? new Uint8Array(0) : first.signature.slice();
      if (forgery === "bad-signature") signature[0] = (signature[0] ?? 0) ^ 0xff;
      return { ...qc, signatures: [{ signer: first.signer, signature }, ...sigs.slice(1)] };
    }
    case "wrong-hash":
      return { ...qc, blockHash: sha256(concatBytes(qc.blockHash, utf8("asset-sim/byzantine/forged-qc"))) };
    case "wrong-view":
      return { ...qc, view: qc.view + 1 };
    case "wrong-height":
      return { ...qc, height: qc.height + 1 };
  }
}

/** `tc` made wrong in the way `forgery` names (the byzantine validator's own entry repeated, or one entry short of a quorum). */
export function forgeTC(tc: TimeoutCertificate, forgery: TcForgery, signer: Signer, highQCView: number): TimeoutCertificate {
  if (forgery === "too-few-signers") return { ...tc, entries: tc.entries.slice(0, Math.max(0, signer.quorum - 1)) };
  const signature = signer.sign(timeoutSigningBytes(tc.view, highQCView));
  return { ...tc, entries: Array.from({ length: signer.quorum }, () => ({ signer: signer.index, signature, highQCView })) };
}

/** `tc` with the byzantine validator's own entry (if it has one) claiming `lie` as its highest QC view, properly re-signed. */
export function lyingTC(tc: TimeoutCertificate, signer: Signer, lie: number): TimeoutCertificate | undefined {
  if (!tc.entries.some((e) => e.signer === signer.index)) return undefined;
  const signature = signer.sign(timeoutSigningBytes(tc.view, lie));
  return { ...tc, entries: tc.entries.map((e) => (e.signer === signer.index ? { signer: e.signer, signature, highQCView: lie } : e)) };
}

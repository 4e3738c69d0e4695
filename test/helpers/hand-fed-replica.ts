/**
 * A replica fed by hand (no simulator): four validators with sim signatures,
 * and builders for blocks, QCs, TCs, proposals and votes signed by any of
 * them, so a test can put a replica exactly where a rule applies.
 */
import { blockHash, proposalSigningBytes, timeoutSigningBytes, voteSigningBytes } from "../../src/consensus/block-hash.js";
import { HotStuffReplica } from "../../src/consensus/replica.js";
import type { Block, ProposalMessage, QuorumCertificate, TimeoutCertificate, ValidatorMessage, VoteMessage } from "../../src/consensus/types.js";
import { ValidatorSet } from "../../src/consensus/validator-set.js";
import { createSimSignatureScheme } from "../../src/crypto/sim-signature.js";
import type { KeyPair } from "../../src/crypto/signature.js";
import { SimDisk } from "../../src/storage/sim-disk.js";
import { fakeContext, type FakeContext } from "./fake-context.js";
import { acceptAll } from "./lone-replica.js";

export const scheme = createSimSignatureScheme();
export const keys: KeyPair[] = [0, 1, 2, 3].map((i) => scheme.keyPairFromSeed(new Uint8Array(32).fill(i + 1)));
export const validators = new ValidatorSet(keys.map((k, i) => ({ id: `v${i}`, publicKey: k.publicKey })), scheme);
/** The replicas' block time (us). */
export const BLOCK_TIME_US = 250_000;

/** Validator `index` (of four), started on a fresh disk at time 0. */
export function startReplica(index: number): { replica: HotStuffReplica; ctx: FakeContext<ValidatorMessage> } {
  const replica = new HotStuffReplica({ validators, index, keyPair: keys[index]!, blockTimeUs: BLOCK_TIME_US, viewTimeoutUs: 1_000_000, viewTimeoutMaxUs: 8_000_000, syncRetryUs: 200_000 }, acceptAll);
  const ctx = fakeContext<ValidatorMessage>(`v${index}`, new SimDisk());
  replica.start(ctx);
  return { replica, ctx };
}

/** A block of `view`, proposed by its round-robin leader, on `parent`, certified by `justify`; timestamp `view * BLOCK_TIME_US` unless given. */
export function block(view: number, parent: Block, justify: QuorumCertificate, timestampUs = view * BLOCK_TIME_US): Block {
  const fields = { view, height: parent.height + 1, parentHash: parent.hash, justify, proposer: view % 4, timestampUs, payload: new Uint8Array(0) };
  return { ...fields, hash: blockHash(fields) };
}

/** A QC for `b` signed by `signers` (default v1, v2, v3: a quorum of four). */
export function qcFor(b: Block, signers: readonly number[] = [1, 2, 3]): QuorumCertificate {
  return { view: b.view, height: b.height, blockHash: b.hash, signatures: signers.map((signer) => ({ signer, signature: scheme.sign(keys[signer]!.secretKey, voteSigningBytes(b.view, b.height, b.hash)) })) };
}

/** A TC of `view` whose entries (signers 1, 2, 3 unless given) report these highest QC views. */
export function tcOf(view: number, highQCViews: readonly number[], signers: readonly number[] = [1, 2, 3]): TimeoutCertificate {
  return { view, entries: highQCViews.map((highQCView, i) => ({ signer: signers[i]!, highQCView, signature: scheme.sign(keys[signers[i]!]!.secretKey, timeoutSigningBytes(view, highQCView)) })) };
}

/** `b`'s proposal, signed by its proposer, with a TC if given. */
export function proposal(b: Block, tc?: TimeoutCertificate): ProposalMessage {
  return { type: "proposal", block: b, ...(tc === undefined ? {} : { tc }), signature: scheme.sign(keys[b.proposer]!.secretKey, proposalSigningBytes(b.hash)) };
}

/** Validator `signer`'s vote for `b`. */
export function vote(b: Block, signer: number): VoteMessage {
  return { type: "vote", view: b.view, height: b.height, blockHash: b.hash, signer, signature: scheme.sign(keys[signer]!.secretKey, voteSigningBytes(b.view, b.height, b.hash)) };
}

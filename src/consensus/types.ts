/**
 * Consensus data types: blocks, quorum certificates (QC), timeout certificates
 * (TC) and the messages validators exchange.
 *
 * Following HotStuff-2 (Malkhi and Nayak, "HotStuff-2: Optimal Two-Chain
 * Phase-Responsive BFT", 2023) as Espresso's HotShot runs it, with the timeout
 * certificates of Jolteon (Gelashvili et al., "Jolteon and Ditto", FC 2022),
 * whose TC carries each signer's highest QC view.
 */
import type { Hash } from "../crypto/hash.js";

/** A validator's signature, identified by its index in the validator set. */
export interface SignerSignature {
  readonly signer: number;
  readonly signature: Uint8Array;
}

/**
 * A quorum certificate: 2f+1 votes of view `view` for the block `blockHash`
 * at `height`. The genesis QC (view 0) has no signatures.
 */
export interface QuorumCertificate {
  readonly view: number;
  readonly height: number;
  readonly blockHash: Hash;
  readonly signatures: readonly SignerSignature[];
}

/** One signer's part of a TC: it timed out in the TC's view holding a QC of `highQCView`. */
export interface TimeoutEntry extends SignerSignature {
  readonly highQCView: number;
}

/** A timeout certificate: 2f+1 validators timed out in `view`. */
export interface TimeoutCertificate {
  readonly view: number;
  readonly entries: readonly TimeoutEntry[];
}

/**
 * A block. `hash` is derived from every other field except the signatures in
 * `justify` (see `blockHash` in `block-hash.ts`) and is never sent on the wire.
 * `justify` certifies the parent; `timestampUs` is the proposer's clock at proposal.
 */
export interface Block {
  readonly view: number;
  readonly height: number;
  readonly parentHash: Hash;
  readonly justify: QuorumCertificate;
  readonly proposer: number;
  readonly timestampUs: number;
  readonly payload: Uint8Array;
  readonly hash: Hash;
}

/** The leader of `block.view` proposes `block`; `tc` is present when the view was entered by a TC. */
export interface ProposalMessage {
  readonly type: "proposal";
  readonly block: Block;
  readonly tc?: TimeoutCertificate;
  readonly signature: Uint8Array;
}

/** A vote for the block `blockHash` proposed in `view`, sent to the leader of `view + 1`. */
export interface VoteMessage {
  readonly type: "vote";
  readonly view: number;
  readonly height: number;
  readonly blockHash: Hash;
  readonly signer: number;
  readonly signature: Uint8Array;
}

/** Broadcast when `signer`'s timer for `view` expires; carries its highest QC and last TC. */
export interface TimeoutMessage {
  readonly type: "timeout";
  readonly view: number;
  readonly highQC: QuorumCertificate;
  readonly lastTC?: TimeoutCertificate;
  readonly signer: number;
  readonly signature: Uint8Array;
}

/** Asks for the block `hash` and up to `count - 1` of its ancestors. */
export interface BlockRequestMessage {
  readonly type: "block-request";
  readonly hash: Hash;
  readonly count: number;
}

/** Answers a block request: the requested block first, then its ancestors, newest to oldest. */
export interface BlockResponseMessage {
  readonly type: "block-response";
  readonly blocks: readonly Block[];
}

/** Opaque application data (client transactions, mempool gossip), handed to the {@link Application}. */
export interface AppMessage {
  readonly type: "app";
  readonly data: Uint8Array;
}

/**
 * Sent by a replica that lost its safety state (a wiped or corrupt disk) to
 * every peer; `nonce` (random per request) ties the answers to this request,
 * so an answer sent before the loss cannot count (Viewstamped Replication
 * Revisited, section 4.3, "Recovery").
 */
export interface StatusRequestMessage {
  readonly type: "status-request";
  readonly nonce: number;
}

/** Answers a status request: the responder's current view and highest QC. */
export interface StatusMessage {
  readonly type: "status";
  readonly nonce: number;
  readonly view: number;
  readonly highQC: QuorumCertificate;
}

/** Asks a peer for its newest state checkpoint (a replica far behind). */
export interface SnapshotRequestMessage {
  readonly type: "snapshot-request";
}

/**
 * A committed state checkpoint and the proof that its block is committed:
 * `blocks` runs from the checkpoint block (height `blocks[0].height`) up to a
 * block B and its child B' with `B'.view == B.view + 1`, hash-linked, and
 * `commitQC` certifies B' (the two-chain commit rule then commits B and every
 * ancestor). `state` is the application's snapshot of the committed state at
 * the checkpoint block, checked against the state root in that block.
 */
export interface SnapshotMessage {
  readonly type: "snapshot";
  readonly blocks: readonly Block[];
  readonly commitQC: QuorumCertificate;
  readonly state: Uint8Array;
}

/** Every message a validator sends or receives. */
export type ValidatorMessage =
  | ProposalMessage
  | VoteMessage
  | TimeoutMessage
  | BlockRequestMessage
  | BlockResponseMessage
  | AppMessage
  | StatusRequestMessage
  | StatusMessage
  | SnapshotRequestMessage
  | SnapshotMessage;

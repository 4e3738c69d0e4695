/**
 * The SBCP and SCP v1 messages as TypeScript values, field names as the specs
 * spell them (compose-network/specs, slot-based v1: `superblock_construction_protocol.md`
 * "Messages", `synchronous_composability_protocol.md` "Messages"; `proto/sbcp/*.proto`
 * mirror them). Slots, block numbers, superblock numbers and sequence numbers
 * are safe non-negative integers (the wire's uint64, refused on decode above
 * 2^53 - 1); chain ids are u32. Hashes and xTids are 32 bytes.
 *
 * Where the spec types a chain id as `bytes` (L2BlockRequest.ChainID,
 * L2Block.ChainID, Vote.SenderChain) and as `uint32` elsewhere, the values here
 * are u32 numbers throughout; the codec writes the bytes fields as 4 bytes
 * big-endian.
 */

/** A rollup's chain id (u32). */
export type ChainId = number;

/** `L2BlockRequest{ChainID, BlockNumber, ParentHash}`: the block a chain must build next, on `ParentHash`. */
export interface L2BlockRequest {
  readonly ChainID: ChainId;
  readonly BlockNumber: number;
  readonly ParentHash: Uint8Array;
}

/** SP -> sequencers: a slot starts; `L2BlocksRequest` names, per active chain, the block to build. */
export interface StartSlot {
  readonly Slot: number;
  readonly NextSuperblockNumber: number;
  readonly LastSuperblockHash: Uint8Array;
  readonly L2BlocksRequest: readonly L2BlockRequest[];
}

/** SP -> sequencers: seal the slot's block; `IncludedxTs` are the xTids decided true this slot. */
export interface RequestSeal {
  readonly Slot: number;
  readonly IncludedxTs: readonly Uint8Array[];
}

/** SP -> sequencers: revert to the blocks `L2BlocksRequest` builds on, and start `CurrentSlot`. */
export interface RollBackAndStartSlot {
  readonly L2BlocksRequest: readonly L2BlockRequest[];
  readonly CurrentSlot: number;
  readonly NextSuperblockNumber: number;
  readonly LastSuperblockHash: Uint8Array;
}

/** Sequencer -> SP (and SP -> sequencer in recovery): one sealed L2 block. */
export interface L2Block {
  readonly Slot: number;
  readonly ChainID: ChainId;
  readonly BlockNumber: number;
  readonly BlockHash: Uint8Array;
  readonly ParentBlockHash: Uint8Array;
  readonly IncludedxTs: readonly Uint8Array[];
  /** The encoded block (an Ethereum block in the spec; {@link encodeLedgerBlock} here). */
  readonly Block: Uint8Array;
}

/** One chain's part of an xT: its encoded transactions. */
export interface TransactionRequest {
  readonly ChainID: ChainId;
  readonly Transaction: readonly Uint8Array[];
}

/** A cross-rollup transaction request, as a user submits it. */
export interface XTRequest {
  readonly Transactions: readonly TransactionRequest[];
}

/** SP -> participants: start SCP instance `xTid` (sha256 of the encoded `xTRequest`). */
export interface StartSC {
  readonly Slot: number;
  readonly xTSequenceNumber: number;
  readonly xTRequest: XTRequest;
  readonly xTid: Uint8Array;
}

/** Sequencer -> sequencer: a mailbox message written by the source chain's part of an xT. */
export interface CIRCMessage {
  readonly SourceChainID: ChainId;
  readonly DestinationChainID: ChainId;
  readonly Source: readonly Uint8Array[];
  readonly Receiver: readonly Uint8Array[];
  readonly SessionID: number;
  readonly Label: string;
  readonly Data: readonly Uint8Array[];
  readonly xTid: Uint8Array;
  readonly Slot: number;
}

/** Sequencer -> SP: this chain's vote on instance `xTid`. */
export interface Vote {
  readonly SenderChain: ChainId;
  readonly xTid: Uint8Array;
  readonly Vote: boolean;
  readonly Slot: number;
}

/** SP -> participants: the decision of instance `xTid`. */
export interface Decided {
  readonly xTid: Uint8Array;
  readonly Decision: boolean;
  readonly Slot: number;
}

/** Not in the spec: a user's local (single-rollup) transaction for a sequencer. */
export interface LocalTransaction {
  readonly Transaction: Uint8Array;
}

/** The message bodies by their spec name (the envelope's oneof field names). */
export interface SbcpBodies {
  StartSlot: StartSlot;
  RequestSeal: RequestSeal;
  RollBackAndStartSlot: RollBackAndStartSlot;
  L2Block: L2Block;
  L2BlockRequest: L2BlockRequest;
  StartSC: StartSC;
  CIRCMessage: CIRCMessage;
  Vote: Vote;
  Decided: Decided;
  xTRequest: XTRequest;
  LocalTransaction: LocalTransaction;
}

/** A message's type: its spec name. */
export type SbcpMessageType = keyof SbcpBodies;

/** One SBCP message on the wire: its `type` and its body's fields. */
export type SbcpMessageOf<T extends SbcpMessageType> = { readonly type: T } & SbcpBodies[T];

/** Every message an SBCP node (shared publisher, sequencer, user) sends or receives. */
export type SbcpMessage = { [T in SbcpMessageType]: SbcpMessageOf<T> }[SbcpMessageType];

/** The message types, in envelope field order. */
export const SBCP_MESSAGE_TYPES = [
  "StartSlot",
  "RequestSeal",
  "RollBackAndStartSlot",
  "L2Block",
  "L2BlockRequest",
  "StartSC",
  "CIRCMessage",
  "Vote",
  "Decided",
  "xTRequest",
  "LocalTransaction",
] as const satisfies readonly SbcpMessageType[];

/** Length of every hash and xTid (bytes). */
export const HASH_LENGTH = 32;

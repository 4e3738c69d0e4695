/**
 * Per-message-type size limits of real mode: the largest encoded message of
 * each validator message `type` a node accepts, and which types each role may
 * send. The transport reads a frame's `type` without decoding it
 * (`net/msgpack-peek.ts`) and drops a frame above its type's limit before any
 * decoding work is spent on it (issue 16, defect 3: one 4 MiB frame from a
 * registered client to two of four validators cut commits from 4 to 0.35
 * blocks/s, because a frame could be 16 MiB whatever it claimed to be).
 *
 * The bounds follow the message shapes (`consensus/types.ts`, `consensus/wire.ts`):
 * a block is at most `maxBlockTransactions` transactions of at most
 * `TRANSACTION_BYTES_MAX` bytes each plus its header and justify QC; a QC or
 * TC holds at most one signature per validator.
 */
import type { ValidatorMessage } from "../consensus/types.js";
import { VALIDATOR_MESSAGE_TYPES } from "../consensus/wire.js";
import { TRANSACTION_BYTES_MAX } from "../vm/tx-codec.js";

/** A message type of the validator protocol. */
export type WireMessageType = ValidatorMessage["type"];

/** Bytes of any message with no variable part (a vote, the requests): a vote is about 150 bytes. */
export const FIXED_MESSAGE_BYTES_MAX = 4096;

/** Bytes one signer adds to a QC or TC entry (index, 64-byte signature, field names, view), rounded up. */
export const SIGNER_ENTRY_BYTES_MAX = 128;

/** Bytes one transaction adds to a block payload beyond its own bytes (the MessagePack `bin` header), rounded up. */
export const PAYLOAD_TX_OVERHEAD_BYTES = 8;

/** Bytes of a block beyond its transactions and its QC (heights, hashes, roots, field names), rounded up. */
export const BLOCK_FIXED_BYTES_MAX = 4096;

/** Default of {@link WireSizeSettings.appBytesMax}: about 5,000 typical transactions, or 250 of the largest. */
export const APP_BYTES_MAX_DEFAULT = 1024 * 1024;

/** Default of {@link WireSizeSettings.syncBytesMax}. */
export const SYNC_BYTES_MAX_DEFAULT = 64 * 1024 * 1024;

/** The message types a client may send to a validator, and a validator to a client. */
export const CLIENT_MESSAGE_TYPES: readonly WireMessageType[] = ["app"];

/** What the limits derive from. */
export interface WireSizeSettings {
  /** The chain's block transaction limit (`chain.maxBlockTransactions`). */
  readonly maxBlockTransactions: number;
  /** Validators in the network (signers in a QC or TC). */
  readonly validators: number;
  /** Largest `app` message (client submissions, mempool gossip, queries), bytes. */
  readonly appBytesMax: number;
  /** Largest `block-response` or `snapshot` (catch-up), bytes. */
  readonly syncBytesMax: number;
}

/**
 * The largest encoded block: `maxBlockTransactions` transactions of the largest
 * size, their headers, the justify QC and the fixed fields.
 * @param maxBlockTransactions positive integer
 * @param validators positive integer
 */
export function blockBytesMax(maxBlockTransactions: number, validators: number): number {
  return maxBlockTransactions * (TRANSACTION_BYTES_MAX + PAYLOAD_TX_OVERHEAD_BYTES) + validators * SIGNER_ENTRY_BYTES_MAX + BLOCK_FIXED_BYTES_MAX;
}

/**
 * The size limit of each message type, bytes of the encoded message.
 * A proposal carries a block and maybe a TC; a timeout its high QC and maybe a
 * last TC; a status its high QC.
 * @throws RangeError on a non-positive setting
 */
export function wireSizeLimits(s: WireSizeSettings): Readonly<Record<WireMessageType, number>> {
  for (const [name, value] of Object.entries(s)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`wireSizeLimits: ${name} must be a positive integer, got ${value}`);
  }
  const certificate = s.validators * SIGNER_ENTRY_BYTES_MAX;
  const limits: Record<WireMessageType, number> = {
    proposal: blockBytesMax(s.maxBlockTransactions, s.validators) + certificate + FIXED_MESSAGE_BYTES_MAX,
    vote: FIXED_MESSAGE_BYTES_MAX,
    timeout: 2 * certificate + FIXED_MESSAGE_BYTES_MAX,
    "block-request": FIXED_MESSAGE_BYTES_MAX,
    "block-response": s.syncBytesMax,
    app: s.appBytesMax,
    "status-request": FIXED_MESSAGE_BYTES_MAX,
    status: certificate + FIXED_MESSAGE_BYTES_MAX,
    "snapshot-request": FIXED_MESSAGE_BYTES_MAX,
    snapshot: s.syncBytesMax,
  };
  for (const type of VALIDATOR_MESSAGE_TYPES) if (!(type in limits)) throw new Error(`wireSizeLimits: no limit for ${type}`);
  return limits;
}

/**
 * The limits a node applies to one sender: every type from a validator, only
 * {@link CLIENT_MESSAGE_TYPES} between a validator and a client.
 * @returns type -> largest accepted size in bytes (a type absent is refused)
 */
export function limitsForSender(limits: Readonly<Record<WireMessageType, number>>, senderIsClient: boolean, selfIsClient: boolean): ReadonlyMap<string, number> {
  const types = senderIsClient || selfIsClient ? CLIENT_MESSAGE_TYPES : VALIDATOR_MESSAGE_TYPES;
  return new Map(types.map((t) => [t, limits[t]]));
}

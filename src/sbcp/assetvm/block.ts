/**
 * The block of an AssetVM rollup under SBCP (`L2Block.Block`), Borsh, little endian:
 *
 * ```text
 * Block  = count u32 | Entry[count] as Vec<u8> each | stateRoot [u8; 32]
 * Entry  = 0u8 | transaction (src/vm/tx-codec.ts)
 *        | 1u8 | source u32 | session u64 | sender [u8;32] | receiver [u8;32] | asset String | amount u64 | xTid [u8;32]
 * ```
 *
 * Tag 1 is the mailbox-populating step of an xT (SCP v1: the sequencer puts each
 * received CIRC message in the inbox before the xT's transactions,
 * `vm/mailbox.ts` putInbox). The state root is the AssetVM sparse Merkle root
 * after every entry.
 */
import { WireDecodeError } from "../../net/codec.js";
import { fromHex, toHex } from "../../crypto/hash.js";
import { BorshReader, BorshWriter } from "../../vm/borsh-bytes.js";
import { TRANSACTION_BYTES_MAX } from "../../vm/tx-codec.js";
import type { MailboxMessage } from "../../vm/types.js";

/** Most entries in one block. */
export const BLOCK_ENTRIES_MAX = 100_000;

/** A mailbox-populating entry: the CIRC message of chain `source`, session `session`, of xT `xTid`. */
export interface PopulateEntry {
  readonly kind: "populate";
  readonly source: number;
  readonly session: bigint;
  readonly message: MailboxMessage;
  readonly xTid: Uint8Array;
}

/** One block entry: an AssetVM transaction (its encoding) or a mailbox-populating step. */
export type BlockEntry = { readonly kind: "transaction"; readonly bytes: Uint8Array } | PopulateEntry;

/** The encoding of one entry. */
export function encodeEntry(entry: BlockEntry): Uint8Array {
  const w = new BorshWriter();
  if (entry.kind === "transaction") return w.u8(0).fixed(entry.bytes).finish();
  const { message } = entry;
  return w.u8(1).u32(entry.source).u64(entry.session).fixed(fromHex(message.sender)).fixed(fromHex(message.receiver)).string(message.asset).u64(message.amount).fixed(entry.xTid).finish();
}

/** The entry in `bytes`. @throws WireDecodeError when malformed */
export function decodeEntry(bytes: Uint8Array): BlockEntry {
  const r = new BorshReader(bytes);
  const tag = r.u8("entry.tag");
  if (tag === 0) {
    if (bytes.length - 1 > TRANSACTION_BYTES_MAX) throw new WireDecodeError(`entry: a transaction of ${bytes.length - 1} bytes`);
    return { kind: "transaction", bytes: bytes.subarray(1) };
  }
  if (tag !== 1) throw new WireDecodeError(`entry.tag: unknown ${tag}`);
  const source = r.u32("entry.source");
  const session = r.u64("entry.session");
  const sender = toHex(r.fixed(32, "entry.sender"));
  const receiver = toHex(r.fixed(32, "entry.receiver"));
  const asset = r.string(32, "entry.asset");
  const amount = r.u64("entry.amount");
  const xTid = r.fixed(32, "entry.xTid");
  r.end("entry");
  return { kind: "populate", source, session, message: { sender, receiver, asset, amount }, xTid };
}

/** A sealed block: its entries (encoded) and the state root after them. */
export interface AssetVmBlock {
  readonly entries: readonly Uint8Array[];
  readonly stateRoot: Uint8Array;
}

/** The encoding of `block`. */
export function encodeBlock(block: AssetVmBlock): Uint8Array {
  const w = new BorshWriter().u32(block.entries.length);
  for (const entry of block.entries) w.bytes(entry);
  return w.fixed(block.stateRoot).finish();
}

/** The block in `bytes`. @throws WireDecodeError when malformed (more than {@link BLOCK_ENTRIES_MAX} entries, truncated, trailing bytes) */
export function decodeBlock(bytes: Uint8Array): AssetVmBlock {
  const r = new BorshReader(bytes);
  const count = r.u32("block.entries");
  if (count > BLOCK_ENTRIES_MAX) throw new WireDecodeError(`block: ${count} entries, at most ${BLOCK_ENTRIES_MAX}`);
  const entries: Uint8Array[] = [];
  for (let i = 0; i < count; i++) entries.push(r.bytesVec(TRANSACTION_BYTES_MAX + 1, `block.entries[${i}]`));
  const stateRoot = r.fixed(32, "block.stateRoot");
  r.end("block");
  return { entries, stateRoot };
}

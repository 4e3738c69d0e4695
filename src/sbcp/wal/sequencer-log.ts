/**
 * A sequencer's write-ahead log on its node's storage: every block it sealed
 * or recovered, as the protobuf L2Block under `seq/block/<number>`, each value
 * checksummed (`storage/checksum.ts`). A block is written and synced before
 * its L2Block goes to the SP (SBCP v1, "Sequencer": produced blocks are kept
 * until L1-finalized, since a rollback may need them); blocks a
 * StartSlot reverts are deleted.
 *
 * A restarted sequencer reads the blocks back ({@link readSequencerLog}) and
 * replays them from genesis. The log is cut at the first block that is
 * missing, corrupt (checksum or decoding), of another chain, or not linked to
 * the one before, or where the store's own recovery cut its log at reopen
 * (`Storage.recovery`): the sequencer keeps the blocks before it, deletes the rest
 * (logging why) and fetches what it lacks from the SP with L2BlockRequest at
 * the next StartSlot, as after a lost disk. Its draft is never logged: a
 * restarted sequencer stays idle until the next StartSlot (SBCP, "Fault
 * Tolerance").
 */
import { bytesEqual } from "../../crypto/hash.js";
import { WireDecodeError } from "../../net/codec.js";
import type { Storage } from "../../sim/node.js";
import { getChecked, putChecked, StorageCorruptError } from "../../storage/checksum.js";
import type { ChainId, L2Block } from "../messages.js";
import { decodeSbcpMessage, encodeSbcpMessage } from "../wire/codec.js";

const BLOCK_PREFIX = "seq/block/";
const blockKey = (number: number): string => `${BLOCK_PREFIX}${number.toString().padStart(12, "0")}`;

/** The blocks read back, 1..n in order, and why the log was cut after them, if it was. */
export interface SequencerLogState {
  readonly blocks: readonly L2Block[];
  readonly cut?: { readonly reason: string; readonly key: string };
}

/** Records `block` (sealed or recovered); syncs. Call before sending it. */
export function logBlock(storage: Storage, block: L2Block): void {
  putChecked(storage, blockKey(block.BlockNumber), encodeSbcpMessage({ type: "L2Block", ...block }));
  storage.sync();
}

/** Deletes every block above `number` (reverted, or after a cut); syncs. */
export function logRevert(storage: Storage, number: number): void {
  for (const key of storage.keys(BLOCK_PREFIX)) if (Number(key.slice(BLOCK_PREFIX.length)) > number) storage.delete(key);
  storage.sync();
}

/**
 * Reads the blocks back, stopping at the first that does not fit (see the file comment).
 * @param chainId this sequencer's chain
 * @param genesisHash the hash block 1 builds on
 */
export function readSequencerLog(storage: Storage, chainId: ChainId, genesisHash: Uint8Array): SequencerLogState {
  const blocks: L2Block[] = [];
  let parent = genesisHash;
  const storeCut = storage.recovery;
  for (const key of storage.keys(BLOCK_PREFIX)) {
    const cut = (reason: string): SequencerLogState => ({ blocks, cut: { reason, key } });
    if (key !== blockKey(blocks.length + 1)) return cut(`block ${blocks.length + 1} is missing`);
    let block: L2Block;
    try {
      const msg = decodeSbcpMessage(getChecked(storage, key)!);
      if (msg.type !== "L2Block") return cut("not an L2Block");
      const { type: _type, ...rest } = msg;
      block = rest;
    } catch (error) {
      if (error instanceof StorageCorruptError || error instanceof WireDecodeError) return cut(error.message);
      throw error;
    }
    if (block.ChainID !== chainId || block.BlockNumber !== blocks.length + 1) return cut("another chain's block, or another number");
    if (!bytesEqual(block.ParentBlockHash, parent)) return cut(`block ${block.BlockNumber} does not link to the block before`);
    blocks.push(block);
    parent = block.BlockHash;
  }
  // The store itself cut a torn or corrupt record (and what followed) at reopen: the blocks above are all that is left.
  if (storeCut !== undefined && storeCut.droppedBytes > 0) {
    return { blocks, cut: { reason: `the store cut ${storeCut.droppedBytes} bytes off its log${storeCut.corruptMiddle ? " (corruption in the middle)" : ""}`, key: BLOCK_PREFIX } };
  }
  return { blocks };
}

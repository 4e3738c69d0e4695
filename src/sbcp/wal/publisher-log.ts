/**
 * The shared publisher's write-ahead log on its node's durable storage
 * (SBCP v1, "Fault Tolerance": the SP resumes "with the deterministic next
 * slot", computed from its published and stored-unpublished superblocks).
 *
 * What it holds, each value checksummed (`storage/checksum.ts`):
 * - `sp/format`: written before the first boot (as `tigerbeetle format`), so
 *   an empty disk at a restart is a lost one, not a new one;
 * - `sp/slot`: the last slot the SP started (written and synced before its
 *   StartSlot goes out, so a restart never starts that slot again);
 * - `sp/superblock/<number>`: each superblock built (number, slot, parent hash,
 *   Merkle root, hash, its blocks' headers, the xTids it includes, partial),
 *   synced before the superblock counts (logged, its blocks' heads taken);
 * - `sp/block/<chain>/<number>`: the L2 blocks of built superblocks, as the
 *   protobuf L2Block, to answer L2BlockRequest after a restart;
 * - `sp/rollback`: present while a RollBackAndStartSlot is owed;
 * - `sp/xt/<xTid>`: each xT queued and not yet settled (its request, arrival,
 *   expiry, attempts, arrival order), synced when it is queued or queued again;
 *   deleted when it is decided false, expires, or a logged superblock includes it.
 *
 * Reading it back ({@link readPublisherLog}) first asks the store whether its
 * recovery cut records off the log at reopen (`Storage.recovery`: a torn or
 * corrupt record, which the shipped store removes with everything after it),
 * then checks every checksum, decodes
 * every record, rebuilds each superblock's Merkle root and hash and checks
 * numbers 1..n, parent links and the blocks' presence. Anything that does not
 * check out is a damaged log: the SP then halts (it cannot know which
 * superblocks it published) rather than build on a guess. The current slot's
 * SCP instances are not logged: a restart queues their xTs again from their
 * `sp/xt/` records (each was decided nowhere, or decided in a slot whose
 * superblock was never built, so no chain executed it in a superblock), with
 * their arrival, expiry and attempts as logged.
 */
import { bytesEqual, toHex } from "../../crypto/hash.js";
import { decodeWire, encodeWire, read, WireDecodeError } from "../../net/codec.js";
import type { Storage } from "../../sim/node.js";
import { getChecked, putChecked, StorageCorruptError } from "../../storage/checksum.js";
import type { L2Block, XTRequest } from "../messages.js";
import { xTidOf } from "../xt-id.js";
import { buildSuperblock, GENESIS_HASH, type Superblock } from "../superblock.js";
import { decodeSbcpMessage, encodeSbcpMessage } from "../wire/codec.js";

const FORMAT_KEY = "sp/format";
const SLOT_KEY = "sp/slot";
const ROLLBACK_KEY = "sp/rollback";
const SUPERBLOCK_PREFIX = "sp/superblock/";
const BLOCK_PREFIX = "sp/block/";
const XT_PREFIX = "sp/xt/";
/** Most superblocks and blocks a log is read with (a bound on a damaged log's work). */
const RECORDS_MAX = 10_000_000;

const pad = (n: number, width: number): string => n.toString().padStart(width, "0");
const superblockKey = (number: number): string => `${SUPERBLOCK_PREFIX}${pad(number, 12)}`;
const blockKey = (chain: number, number: number): string => `${BLOCK_PREFIX}${pad(chain, 10)}/${pad(number, 12)}`;
const xtKey = (xTidHex: string): string => `${XT_PREFIX}${xTidHex}`;

/** A queued xT as logged: what {@link XtQueue} needs to queue it again after a restart (times in microseconds). */
export interface LoggedXt {
  readonly xTid: Uint8Array;
  readonly request: XTRequest;
  readonly arrivedAtUs: number;
  readonly expiresAtUs: number;
  readonly attempts: number;
  readonly arrival: number;
}

/** What a restarted SP finds in its log. */
export type PublisherLogState =
  /** A disk never formatted and empty: a first boot outside a formatted run (tests by hand). */
  | { readonly kind: "fresh" }
  | {
      readonly kind: "recovered";
      /** The last slot started (0: none). */
      readonly lastSlot: number;
      /** Superblocks 1..n, in order. */
      readonly superblocks: readonly Superblock[];
      /** The L2 blocks of those superblocks. */
      readonly blocks: readonly L2Block[];
      readonly pendingRollBack: boolean;
      /** The xTs queued and not settled (`sp/xt/`), in arrival order; those a stored superblock includes are left out. */
      readonly xts: readonly LoggedXt[];
    }
  /** The log cannot be trusted: `reason`, and the key that failed, if one did. */
  | { readonly kind: "damaged"; readonly reason: string; readonly key?: string };

/** Writes the format record and syncs (before the SP's first boot). */
export function formatPublisherLog(storage: Storage): void {
  putChecked(storage, FORMAT_KEY, encodeWire({ format: "asset-sim/sbcp-publisher", version: 1 }));
  storage.sync();
}

/** Records that slot `slot` started and whether a rollback is still owed; syncs. Call before sending its StartSlot. */
export function logSlotStarted(storage: Storage, slot: number, pendingRollBack: boolean): void {
  putChecked(storage, SLOT_KEY, encodeWire({ slot }));
  if (pendingRollBack) putChecked(storage, ROLLBACK_KEY, encodeWire({ owed: true }));
  else storage.delete(ROLLBACK_KEY);
  storage.sync();
}

/** Records superblock `sb` and its blocks; syncs. Call before the superblock counts. */
export function logSuperblock(storage: Storage, sb: Superblock, blocks: readonly L2Block[]): void {
  // Its xTs are settled with it (one sync): a restart finds them included, never queued.
  for (const xTid of sb.IncludedXTs) storage.delete(xtKey(toHex(xTid)));
  for (const block of blocks) putChecked(storage, blockKey(block.ChainID, block.BlockNumber), encodeSbcpMessage({ type: "L2Block", ...block }));
  putChecked(
    storage,
    superblockKey(sb.Number),
    encodeWire({
      number: sb.Number,
      slot: sb.Slot,
      parentHash: sb.ParentHash,
      merkleRoot: sb.MerkleRoot,
      hash: sb.Hash,
      partial: sb.partial,
      blocks: sb.L2Blocks.map((b) => [b.ChainID, b.BlockNumber, b.BlockHash, b.ParentBlockHash]),
      xTids: [...sb.IncludedXTs],
    }),
  );
  storage.sync();
}

/** Records queued xT `xt` (new, or queued again with more attempts); syncs. Call once it is in the queue. */
export function logXtQueued(storage: Storage, xt: LoggedXt): void {
  putChecked(
    storage,
    xtKey(toHex(xt.xTid)),
    encodeWire({ request: encodeSbcpMessage({ type: "xTRequest", ...xt.request }), arrivedAtUs: xt.arrivedAtUs, expiresAtUs: xt.expiresAtUs, attempts: xt.attempts, arrival: xt.arrival }),
  );
  storage.sync();
}

/** Forgets the records of settled xTs (decided false, expired); syncs. */
export function logXtsSettled(storage: Storage, xTidHexes: readonly string[]): void {
  if (xTidHexes.length === 0) return;
  for (const key of xTidHexes) storage.delete(xtKey(key));
  storage.sync();
}

/** Forgets the superblocks after `lastValidNumber` and records that a rollback is owed; syncs. */
export function logRollBack(storage: Storage, lastValidNumber: number): void {
  for (const key of storage.keys(SUPERBLOCK_PREFIX)) if (Number(key.slice(SUPERBLOCK_PREFIX.length)) > lastValidNumber) storage.delete(key);
  putChecked(storage, ROLLBACK_KEY, encodeWire({ owed: true }));
  storage.sync();
}

function decodeSuperblock(key: string, bytes: Uint8Array): Superblock {
  const o = read.object(decodeWire(bytes), key);
  const blocks = read.array(o.blocks, `${key}.blocks`, 100_000).map((entry, i) => {
    const [chain, number, hash, parent] = read.array(entry, `${key}.blocks[${i}]`, 4);
    return { ChainID: read.uint(chain, "chain", 0xffff_ffff), BlockNumber: read.uint(number, "number"), BlockHash: read.bytes(hash, "hash", 32), ParentBlockHash: read.bytes(parent, "parentHash", 32) };
  });
  const xTids = read.array(o.xTids, `${key}.xTids`, 100_000).map((x, i) => read.bytes(x, `${key}.xTids[${i}]`, 32));
  if (typeof o.partial !== "boolean") throw new WireDecodeError(`${key}.partial: expected a boolean`);
  const sb = buildSuperblock(read.uint(o.number, "number"), read.uint(o.slot, "slot"), read.bytes(o.parentHash, "parentHash", 32), blocks, xTids, o.partial);
  if (!bytesEqual(sb.MerkleRoot, read.bytes(o.merkleRoot, "merkleRoot", 32))) throw new WireDecodeError(`${key}: Merkle root differs from its blocks'`);
  if (!bytesEqual(sb.Hash, read.bytes(o.hash, "hash", 32))) throw new WireDecodeError(`${key}: hash differs from its fields'`);
  return sb;
}

function decodeXt(key: string, bytes: Uint8Array): LoggedXt {
  const o = read.object(decodeWire(bytes), key);
  const msg = decodeSbcpMessage(read.bytes(o.request, `${key}.request`));
  if (msg.type !== "xTRequest") throw new WireDecodeError(`${key}.request: not an xTRequest`);
  const { type: _type, ...request } = msg;
  return {
    xTid: xTidOf(request),
    request,
    arrivedAtUs: read.uint(o.arrivedAtUs, `${key}.arrivedAtUs`),
    expiresAtUs: read.uint(o.expiresAtUs, `${key}.expiresAtUs`),
    attempts: read.uint(o.attempts, `${key}.attempts`),
    arrival: read.uint(o.arrival, `${key}.arrival`),
  };
}

/**
 * Reads the log back (see the file comment for the checks).
 * @param formatted whether the disk was formatted before the first boot: an empty one is then lost
 */
export function readPublisherLog(storage: Storage, formatted: boolean): PublisherLogState {
  const cut = storage.recovery;
  if (cut !== undefined && cut.droppedBytes > 0) {
    // The store cut records off its log at reopen: a torn or corrupt record, and with it perhaps acknowledged
    // slot or superblock records. What remains may look complete and still be older than what was published.
    const how = cut.corruptMiddle ? "corruption in the middle of the log" : "a torn or corrupt last record";
    return { kind: "damaged", reason: `storage corrupt under sp/: the store cut ${cut.droppedBytes} bytes off its log (${how})`, key: "sp/" };
  }
  try {
    if (getChecked(storage, FORMAT_KEY) === undefined) {
      if (storage.keys("sp/").length > 0) return { kind: "damaged", reason: "records without the format record", key: FORMAT_KEY };
      if (formatted) return { kind: "damaged", reason: "the disk is lost (the format record is gone)" };
      return { kind: "fresh" };
    }
    const slotBytes = getChecked(storage, SLOT_KEY);
    const lastSlot = slotBytes === undefined ? 0 : read.uint(read.object(decodeWire(slotBytes), SLOT_KEY).slot, `${SLOT_KEY}.slot`);
    const pendingRollBack = getChecked(storage, ROLLBACK_KEY) !== undefined;
    const superblocks: Superblock[] = [];
    const blocks: L2Block[] = [];
    const keys = storage.keys(SUPERBLOCK_PREFIX);
    if (keys.length > RECORDS_MAX) return { kind: "damaged", reason: "too many superblock records" };
    let parent: Uint8Array = GENESIS_HASH;
    for (const key of keys) {
      const sb = decodeSuperblock(key, getChecked(storage, key)!);
      if (sb.Number !== superblocks.length + 1) return { kind: "damaged", reason: `superblock ${superblocks.length + 1} is missing`, key };
      if (!bytesEqual(sb.ParentHash, parent)) return { kind: "damaged", reason: `superblock ${sb.Number} does not link to its parent`, key };
      if (sb.Slot > lastSlot) return { kind: "damaged", reason: `superblock ${sb.Number} is of slot ${sb.Slot}, after the last slot started (${lastSlot})`, key };
      for (const entry of sb.L2Blocks) {
        const bKey = blockKey(entry.ChainID, entry.BlockNumber);
        const bytes = getChecked(storage, bKey);
        if (bytes === undefined) return { kind: "damaged", reason: `block ${entry.BlockNumber} of chain ${entry.ChainID} is missing`, key: bKey };
        const msg = decodeSbcpMessage(bytes);
        if (msg.type !== "L2Block" || !bytesEqual(msg.BlockHash, entry.BlockHash)) return { kind: "damaged", reason: `block ${entry.BlockNumber} of chain ${entry.ChainID} is not the one superblock ${sb.Number} lists`, key: bKey };
        const { type: _type, ...block } = msg;
        blocks.push(block);
      }
      superblocks.push(sb);
      parent = sb.Hash;
    }
    const included = new Set(superblocks.flatMap((sb) => sb.IncludedXTs.map(toHex)));
    const xtKeys = storage.keys(XT_PREFIX);
    if (xtKeys.length > RECORDS_MAX) return { kind: "damaged", reason: "too many xT records" };
    const xts: LoggedXt[] = [];
    for (const key of xtKeys) {
      const xt = decodeXt(key, getChecked(storage, key)!);
      if (toHex(xt.xTid) !== key.slice(XT_PREFIX.length)) return { kind: "damaged", reason: "an xT record is not its request's", key };
      if (!included.has(key.slice(XT_PREFIX.length))) xts.push(xt);
    }
    xts.sort((a, b) => a.arrival - b.arrival);
    return { kind: "recovered", lastSlot, superblocks, blocks, pendingRollBack, xts };
  } catch (error) {
    if (error instanceof StorageCorruptError) return { kind: "damaged", reason: error.message, key: error.key };
    if (error instanceof WireDecodeError) return { kind: "damaged", reason: `a record does not decode: ${error.message}` };
    throw error;
  }
}

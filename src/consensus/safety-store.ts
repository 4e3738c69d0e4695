/**
 * The replica's durable state: the safety state (highest voted view and locked
 * QC), written and synced before every vote and timeout, the committed chain,
 * the uncommitted blocks, and the newest state checkpoint.
 *
 * Every value is stored with a checksum (`storage/checksum.ts`) and checked
 * when read: a corrupt or torn value raises {@link StorageCorruptError} (or is
 * reported through `onCorrupt`) instead of being acted on.
 */
import { bytesEqual } from "../crypto/hash.js";
import { decodeWire, encodeWire, read, WireDecodeError } from "../net/codec.js";
import type { Storage } from "../sim/node.js";
import { getChecked, putChecked, StorageCorruptError } from "../storage/checksum.js";
import { GENESIS_BLOCK, GENESIS_QC } from "./genesis.js";
import { decodeQuorumCertificate, decodeStoredBlock, encodeBlock, encodeQuorumCertificate } from "./wire.js";
import type { Block, QuorumCertificate } from "./types.js";

/** Storage key of the safety state. */
export const SAFETY_KEY = "consensus/safety";
/** Storage key of the format record written when the disk was formatted. */
export const FORMAT_KEY = "consensus/format";
/** Storage key of the mark a replica keeps while it recovers a lost safety state (see {@link markRecovering}). */
export const RECOVERING_KEY = "consensus/recovering";
const TIP_KEY = "consensus/committed-height";
const BASE_KEY = "consensus/base-height";
const CHECKPOINT_KEY = "consensus/checkpoint";
const BLOCK_PREFIX = "consensus/block/";
const blockKey = (height: number): string => `${BLOCK_PREFIX}${height}`;
const PENDING_PREFIX = "consensus/pending/";

/**
 * What a replica must never forget.
 * - `lastVotedView`: the highest view it voted or timed out in; it never votes at or below it again;
 * - `lockedQC`: its highest QC (HotStuff-2 locks on the highest certified block);
 *   its timeouts report this QC's view, which is what makes a TC safe to follow;
 * - `lastProposedView`: the highest view it proposed in, so that a leader that
 *   restarts never proposes a second, different block for the same view.
 */
export interface SafetyState {
  lastVotedView: number;
  lockedQC: QuorumCertificate;
  lastProposedView: number;
}

/** The safety state of a replica that never voted. */
export function initialSafetyState(): SafetyState {
  return { lastVotedView: 0, lockedQC: GENESIS_QC, lastProposedView: 0 };
}

/** Runs `decode`, turning a decode failure of checksummed bytes into {@link StorageCorruptError}. */
function decodeChecked<T>(key: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof WireDecodeError) throw new StorageCorruptError(key, error.message);
    throw error;
  }
}

/**
 * Writes the format record: what a host does once to a validator's new disk
 * before its first boot (as `tigerbeetle format` does). A replica configured
 * with `storageFormatted` then reads a disk without it as a lost disk.
 */
export function formatValidatorStorage(storage: Storage): void {
  putChecked(storage, FORMAT_KEY, encodeWire({ format: "asset-sim/validator-storage", version: 1 }));
  storage.sync();
}

/**
 * Whether the format record is present and intact.
 * @throws StorageCorruptError when it is present but corrupt
 */
export function isFormatted(storage: Storage): boolean {
  return getChecked(storage, FORMAT_KEY) !== undefined;
}

/**
 * Writes and syncs the recovery mark: from now until {@link clearRecovering},
 * every boot recovers its safety state from its peers, whatever else the disk
 * holds. Written before the lost state is deleted or the disk reformatted, so
 * a crash in the middle of a recovery cannot leave a disk that boots as a
 * fresh validator (found by `explore --guided`: a replica that crashed while
 * recovering from a torn safety record proposed twice in one view).
 */
export function markRecovering(storage: Storage): void {
  putChecked(storage, RECOVERING_KEY, encodeWire({ recovering: true }));
  storage.sync();
}

/**
 * Whether the recovery mark is present.
 * @throws StorageCorruptError when it is present but corrupt (the caller must then recover too)
 */
export function isRecovering(storage: Storage): boolean {
  return getChecked(storage, RECOVERING_KEY) !== undefined;
}

/** Deletes and syncs the recovery mark, once the recovered safety state is durable. */
export function clearRecovering(storage: Storage): void {
  storage.delete(RECOVERING_KEY);
  storage.sync();
}

/**
 * Loads the safety state; undefined when nothing was stored.
 * @throws StorageCorruptError if corrupt (checksum or decoding)
 */
export function loadSafetyState(storage: Storage): SafetyState | undefined {
  const bytes = getChecked(storage, SAFETY_KEY);
  if (bytes === undefined) return undefined;
  return decodeChecked(SAFETY_KEY, () => {
    const o = read.object(decodeWire(bytes), "safety");
    return {
      lastVotedView: read.uint(o.lastVotedView, "safety.lastVotedView"),
      lockedQC: decodeQuorumCertificate(read.bytes(o.lockedQC, "safety.lockedQC")),
      lastProposedView: read.uint(o.lastProposedView, "safety.lastProposedView"),
    };
  });
}

/** Writes the safety state and syncs: durable when this returns. */
export function persistSafetyState(storage: Storage, state: SafetyState): void {
  putChecked(
    storage,
    SAFETY_KEY,
    encodeWire({ lastVotedView: state.lastVotedView, lockedQC: encodeQuorumCertificate(state.lockedQC), lastProposedView: state.lastProposedView }),
  );
  storage.sync();
}

/** Appends a committed block (durable at the next sync). */
export function storeCommittedBlock(storage: Storage, block: Block): void {
  putChecked(storage, blockKey(block.height), encodeBlock(block));
  putChecked(storage, TIP_KEY, encodeWire(block.height));
}

/**
 * The committed block stored at `height`, read without side effects: undefined
 * when none is stored there or it is corrupt (a corrupt one is found and cut
 * at the next boot by {@link loadCommittedChain}). Genesis (height 0) is not
 * stored: it is returned as is.
 */
export function loadCommittedBlock(storage: Storage, height: number): Block | undefined {
  if (height === 0) return GENESIS_BLOCK;
  const key = blockKey(height);
  try {
    const bytes = getChecked(storage, key);
    const block = bytes === undefined ? undefined : decodeChecked(key, () => decodeStoredBlock(bytes));
    return block?.height === height ? block : undefined;
  } catch (error) {
    if (error instanceof StorageCorruptError) return undefined;
    throw error;
  }
}

/** The committed chain as stored: from the base block (genesis, or an installed snapshot's block) to the tip. */
export interface StoredChain {
  /** Height of the base block: 0 (genesis, not stored) or the checkpoint height of an installed snapshot. */
  readonly baseHeight: number;
  /** The stored blocks from the base (included when not genesis) to the committed tip, hash-linked. */
  readonly blocks: readonly Block[];
}

/**
 * Loads the committed chain. A corrupt, missing or unlinked block cuts the
 * chain there: that block and everything above it are deleted (the replica
 * fetches them again from its peers) and `onCorrupt` is told the key. A
 * corrupt base record discards the whole chain.
 */
export function loadCommittedChain(storage: Storage, onCorrupt: (key: string) => void): StoredChain {
  let baseHeight = 0;
  try {
    const base = getChecked(storage, BASE_KEY);
    if (base !== undefined) baseHeight = decodeChecked(BASE_KEY, () => read.uint(decodeWire(base), "base-height"));
  } catch (error) {
    if (!(error instanceof StorageCorruptError)) throw error;
    onCorrupt(error.key);
    resetCommittedChain(storage, undefined);
    return { baseHeight: 0, blocks: [] };
  }
  let tip: number | undefined;
  try {
    const bytes = getChecked(storage, TIP_KEY);
    if (bytes !== undefined) tip = decodeChecked(TIP_KEY, () => read.uint(decodeWire(bytes), "committed-height"));
  } catch (error) {
    if (!(error instanceof StorageCorruptError)) throw error;
    onCorrupt(error.key);
    // The blocks may be intact: take them up to the first gap.
    tip = baseHeight;
    while (storage.get(blockKey(tip + 1)) !== undefined) tip++;
  }
  if (tip === undefined) return { baseHeight, blocks: [] };
  const blocks: Block[] = [];
  let previous: Block | undefined = baseHeight === 0 ? GENESIS_BLOCK : undefined;
  for (let h = baseHeight === 0 ? 1 : baseHeight; h <= tip; h++) {
    const key = blockKey(h);
    let block: Block | undefined;
    try {
      const bytes = getChecked(storage, key);
      block = bytes === undefined ? undefined : decodeChecked(key, () => decodeStoredBlock(bytes));
    } catch (error) {
      if (!(error instanceof StorageCorruptError)) throw error;
    }
    const linked = block !== undefined && block.height === h && (previous === undefined || bytesEqual(block.parentHash, previous.hash));
    if (!linked) {
      onCorrupt(key);
      if (h === baseHeight) {
        resetCommittedChain(storage, undefined);
        return { baseHeight: 0, blocks: [] };
      }
      for (let k = h; k <= tip; k++) storage.delete(blockKey(k));
      putChecked(storage, TIP_KEY, encodeWire(h - 1));
      storage.sync();
      break;
    }
    blocks.push(block!);
    previous = block;
  }
  return { baseHeight, blocks };
}

/**
 * Replaces the committed chain by one that starts at `base` (an installed
 * snapshot's block), or by the empty chain above genesis when `base` is
 * undefined. Synced when this returns.
 */
export function resetCommittedChain(storage: Storage, base: Block | undefined): void {
  for (const key of storage.keys(BLOCK_PREFIX)) storage.delete(key);
  if (base === undefined) {
    storage.delete(BASE_KEY);
    storage.delete(TIP_KEY);
    storage.delete(CHECKPOINT_KEY);
  } else {
    putChecked(storage, BASE_KEY, encodeWire(base.height));
    storeCommittedBlock(storage, base);
  }
  storage.sync();
}

/**
 * Truncates the stored committed chain below `base` (a committed height at
 * or below the newest checkpoint's): the blocks below it are deleted and
 * `base` becomes the chain's first stored block, as after an installed
 * snapshot, so a restart loads the chain from there and restores the
 * checkpoint. What a store does with its log once a checkpoint covers it.
 * Nothing happens when `base` is not above the current base or its block is
 * not stored. Durable at the next sync.
 * @returns the new base height, or undefined when nothing was truncated
 */
export function truncateCommittedChain(storage: Storage, base: number): number | undefined {
  let current = 0;
  const bytes = getChecked(storage, BASE_KEY);
  if (bytes !== undefined) current = decodeChecked(BASE_KEY, () => read.uint(decodeWire(bytes), "base-height"));
  if (base <= Math.max(current, 0) || storage.get(blockKey(base)) === undefined) return undefined;
  for (let h = Math.max(current, 1); h < base; h++) storage.delete(blockKey(h));
  putChecked(storage, BASE_KEY, encodeWire(base));
  return base;
}

/**
 * Keeps an uncommitted block (durable at the next sync, which every vote
 * forces). Without this, a block certified by a QC could vanish when every
 * validator that held it restarts, and no leader could extend that QC again.
 */
export function storePendingBlock(storage: Storage, block: Block, hashHex: string): void {
  putChecked(storage, PENDING_PREFIX + hashHex, encodeBlock(block));
}

/** Forgets an uncommitted block (committed under its height, or abandoned). */
export function deletePendingBlock(storage: Storage, hashHex: string): void {
  storage.delete(PENDING_PREFIX + hashHex);
}

/**
 * Loads the kept uncommitted blocks, lowest height first. A corrupt one is
 * deleted and reported through `onCorrupt` (it is fetched again if needed).
 */
export function loadPendingBlocks(storage: Storage, onCorrupt: (key: string) => void): Block[] {
  const blocks: Block[] = [];
  for (const key of storage.keys(PENDING_PREFIX)) {
    try {
      const bytes = getChecked(storage, key)!;
      blocks.push(decodeChecked(key, () => decodeStoredBlock(bytes)));
    } catch (error) {
      if (!(error instanceof StorageCorruptError)) throw error;
      onCorrupt(key);
      storage.delete(key);
    }
  }
  return blocks.sort((a, b) => a.height - b.height);
}

/** A state checkpoint: the application's snapshot of the committed state after the block `blockHash` at `height`. */
export interface StoredCheckpoint {
  readonly height: number;
  readonly blockHash: Uint8Array;
  readonly state: Uint8Array;
}

/** Replaces the stored checkpoint (durable at the next sync). */
export function storeCheckpoint(storage: Storage, checkpoint: StoredCheckpoint): void {
  putChecked(storage, CHECKPOINT_KEY, encodeWire({ height: checkpoint.height, blockHash: checkpoint.blockHash, state: checkpoint.state }));
}

/**
 * The stored checkpoint, or undefined.
 * @throws StorageCorruptError if corrupt
 */
export function loadCheckpoint(storage: Storage): StoredCheckpoint | undefined {
  const bytes = getChecked(storage, CHECKPOINT_KEY);
  if (bytes === undefined) return undefined;
  return decodeChecked(CHECKPOINT_KEY, () => {
    const o = read.object(decodeWire(bytes), "checkpoint");
    return {
      height: read.uint(o.height, "checkpoint.height"),
      blockHash: read.bytes(o.blockHash, "checkpoint.blockHash", 32).slice(),
      state: read.bytes(o.state, "checkpoint.state").slice(),
    };
  });
}

/** Deletes the stored checkpoint (durable at the next sync). */
export function deleteCheckpoint(storage: Storage): void {
  storage.delete(CHECKPOINT_KEY);
}

export { StorageCorruptError };

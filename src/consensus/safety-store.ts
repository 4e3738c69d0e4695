/**
 * The replica's durable state: the safety state (highest voted view and locked
 * QC), written and synced before every vote and timeout, and the committed chain.
 */
import { decodeWire, encodeWire, read } from "../net/codec.js";
import type { Storage } from "../sim/node.js";
import { GENESIS_QC } from "./genesis.js";
import { decodeQuorumCertificate, decodeStoredBlock, encodeBlock, encodeQuorumCertificate } from "./wire.js";
import type { Block, QuorumCertificate } from "./types.js";

const SAFETY_KEY = "consensus/safety";
const TIP_KEY = "consensus/committed-height";
const blockKey = (height: number): string => `consensus/block/${height}`;
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

/** Loads the safety state; the initial state when nothing was stored. @throws WireDecodeError if corrupt */
export function loadSafetyState(storage: Storage): SafetyState {
  const bytes = storage.get(SAFETY_KEY);
  if (bytes === undefined) return { lastVotedView: 0, lockedQC: GENESIS_QC, lastProposedView: 0 };
  const o = read.object(decodeWire(bytes), "safety");
  return {
    lastVotedView: read.uint(o.lastVotedView, "safety.lastVotedView"),
    lockedQC: decodeQuorumCertificate(read.bytes(o.lockedQC, "safety.lockedQC")),
    lastProposedView: read.uint(o.lastProposedView, "safety.lastProposedView"),
  };
}

/** Writes the safety state and syncs: durable when this returns. */
export function persistSafetyState(storage: Storage, state: SafetyState): void {
  storage.put(
    SAFETY_KEY,
    encodeWire({ lastVotedView: state.lastVotedView, lockedQC: encodeQuorumCertificate(state.lockedQC), lastProposedView: state.lastProposedView }),
  );
  storage.sync();
}

/** Appends a committed block (durable at the next sync). */
export function storeCommittedBlock(storage: Storage, block: Block): void {
  storage.put(blockKey(block.height), encodeBlock(block));
  storage.put(TIP_KEY, encodeWire(block.height));
}

/** Loads the committed chain, height 1 upward (genesis excluded). @throws WireDecodeError if corrupt */
export function loadCommittedChain(storage: Storage): Block[] {
  const tip = storage.get(TIP_KEY);
  if (tip === undefined) return [];
  const height = read.uint(decodeWire(tip), "committed-height");
  const chain: Block[] = [];
  for (let h = 1; h <= height; h++) {
    const bytes = storage.get(blockKey(h));
    if (bytes === undefined) throw new Error(`committed block ${h} missing from storage (tip ${height})`);
    chain.push(decodeStoredBlock(bytes));
  }
  return chain;
}

/**
 * Keeps an uncommitted block (durable at the next sync, which every vote
 * forces). Without this, a block certified by a QC could vanish when every
 * validator that held it restarts, and no leader could extend that QC again.
 */
export function storePendingBlock(storage: Storage, block: Block, hashHex: string): void {
  storage.put(PENDING_PREFIX + hashHex, encodeBlock(block));
}

/** Forgets an uncommitted block (committed under its height, or abandoned). */
export function deletePendingBlock(storage: Storage, hashHex: string): void {
  storage.delete(PENDING_PREFIX + hashHex);
}

/** Loads the kept uncommitted blocks, lowest height first. @throws WireDecodeError if corrupt */
export function loadPendingBlocks(storage: Storage): Block[] {
  return storage
    .keys(PENDING_PREFIX)
    .map((key) => decodeStoredBlock(storage.get(key)!))
    .sort((a, b) => a.height - b.height);
}

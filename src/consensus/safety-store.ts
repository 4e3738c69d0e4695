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

/**
 * What a replica must never forget.
 * - `lastVotedView`: the highest view it voted or timed out in; it never votes at or below it again;
 * - `lockedQC`: its highest QC (HotStuff-2 locks on the highest certified block);
 *   its timeouts report this QC's view, which is what makes a TC safe to follow.
 */
export interface SafetyState {
  lastVotedView: number;
  lockedQC: QuorumCertificate;
}

/** Loads the safety state; the initial state when nothing was stored. @throws WireDecodeError if corrupt */
export function loadSafetyState(storage: Storage): SafetyState {
  const bytes = storage.get(SAFETY_KEY);
  if (bytes === undefined) return { lastVotedView: 0, lockedQC: GENESIS_QC };
  const o = read.object(decodeWire(bytes), "safety");
  return {
    lastVotedView: read.uint(o.lastVotedView, "safety.lastVotedView"),
    lockedQC: decodeQuorumCertificate(read.bytes(o.lockedQC, "safety.lockedQC")),
  };
}

/** Writes the safety state and syncs: durable when this returns. */
export function persistSafetyState(storage: Storage, state: SafetyState): void {
  storage.put(SAFETY_KEY, encodeWire({ lastVotedView: state.lastVotedView, lockedQC: encodeQuorumCertificate(state.lockedQC) }));
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

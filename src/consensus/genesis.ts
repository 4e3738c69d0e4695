/** The genesis block (height 0, view 0) and its QC, shared by every validator. */
import { blockHash } from "./block-hash.js";
import type { Block, QuorumCertificate } from "./types.js";

const ZERO_HASH = new Uint8Array(32);

const genesisFields = {
  view: 0,
  height: 0,
  parentHash: ZERO_HASH,
  justify: { view: 0, height: 0, blockHash: ZERO_HASH, signatures: [] },
  proposer: 0,
  timestampUs: 0,
  payload: new Uint8Array(0),
} satisfies Omit<Block, "hash">;

/** The genesis block. */
export const GENESIS_BLOCK: Block = { ...genesisFields, hash: blockHash(genesisFields) };

/** The QC of view 0 that certifies genesis; valid without signatures. */
export const GENESIS_QC: QuorumCertificate = { view: 0, height: 0, blockHash: GENESIS_BLOCK.hash, signatures: [] };

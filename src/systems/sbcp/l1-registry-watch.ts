/**
 * Reads the superblock registry as the L1 has finalized it (sim-only
 * introspection of the L1 node, never a message, as the posting system's
 * `l1-registry-watch.ts`) and hands out each newly finalized entry once, as
 * the fields of an `sbcp-l1-registry-finalized` observation.
 */
import type { PublicKey } from "@solana/web3.js";
import { toHex } from "../../crypto/hash.js";
import type { L1Node } from "../../l1/l1-node.js";
import { RollupAccountError } from "../../l1/rollup-accounts.js";
import { decodeSuperblockConfig, decodeSuperblockPage, pageOfSuperblock, superblockConfigAddress, superblockPageAddress, SUPERBLOCKS_PER_PAGE, type SuperblockRecord } from "../../l1/superblock-program.js";
import type { SbcpL1EventMap } from "./l1-events.js";

/** The fields of one finalized registry entry. */
export type FinalizedSuperblock = SbcpL1EventMap["sbcp-l1-registry-finalized"];

/** Tracks the finalized superblock registry of one L1 node. */
export class SuperblockRegistryWatch {
  private seen = 0;

  /** @param programId the program holding the registry */
  constructor(private readonly programId: PublicKey) {}

  /** Entries finalized since the last call, in number order. */
  newlyFinalized(l1: L1Node): FinalizedSuperblock[] {
    const config = l1.accountAt(superblockConfigAddress(this.programId).toBase58(), "finalized");
    if (config === null) return [];
    let last: number;
    try {
      last = decodeSuperblockConfig(config.data).lastNumber;
    } catch (error) {
      if (error instanceof RollupAccountError) return [];
      throw error;
    }
    const out: FinalizedSuperblock[] = [];
    let pageNumber = -1;
    let entries: readonly SuperblockRecord[] = [];
    for (let number = this.seen + 1; number <= last; number++) {
      if (pageOfSuperblock(number) !== pageNumber) {
        pageNumber = pageOfSuperblock(number);
        const page = l1.accountAt(superblockPageAddress(pageNumber, this.programId).toBase58(), "finalized");
        entries = page === null ? [] : decodeSuperblockPage(page.data).entries;
      }
      const entry = entries[(number - 1) % SUPERBLOCKS_PER_PAGE];
      if (entry === undefined) {
        out.push({ number, slot: 0, hash: "0".repeat(64), parentHash: "0".repeat(64), l1Slot: 0, blocks: [], misplaced: `the config says ${last} superblocks, page ${pageNumber} has no entry for ${number}` });
        continue;
      }
      out.push({
        number,
        slot: entry.slot,
        hash: toHex(entry.hash),
        parentHash: toHex(entry.parentHash),
        l1Slot: entry.l1Slot,
        blocks: entry.blocks.map((b) => ({ chain: b.chainId, number: b.blockNumber, hash: toHex(b.blockHash) })),
        ...(entry.number !== number ? { misplaced: `the entry at position ${number} says number ${entry.number}` } : {}),
      });
    }
    this.seen = Math.max(this.seen, last);
    return out;
  }
}

/**
 * Reads the AssetRollup registry as the L1 has finalized it (sim-only
 * introspection of the L1 node, never a message), and hands out each newly
 * finalized entry once, for the L1 checkers and the batch-latency metric.
 */
import type { PublicKey } from "@solana/web3.js";
import { toHex } from "../../crypto/hash.js";
import type { L1Node } from "../../l1/l1-node.js";
import { decodeRollupConfig, decodeRootRegistry, RollupAccountError, type RootEntry } from "../../l1/rollup-accounts.js";
import { configAddress, pageOfHeight, registryPageAddress } from "../../l1/rollup-program.js";

/** One finalized registry entry, as an observation's fields. */
export interface FinalizedRoot {
  /** Registry (batch) height. */
  readonly batch: number;
  /** The L2 height whose state root the batch carries (batch x K). */
  readonly l2Height: number;
  /** The posted root, hex. */
  readonly root: string;
  /** L1 slot it landed in. */
  readonly slot: number;
  /** The entry's registry height differs from its position (an inconsistent registry), or undefined. */
  readonly misplaced?: string;
}

/** Tracks the finalized registry of one L1 node. */
export class L1RegistryWatch {
  private readonly batchEveryBlocks: number;
  private readonly programId: PublicKey | undefined;
  private seen = 0;

  /**
   * @param batchEveryBlocks K: batch b carries the root of L2 height b x K
   * @param programId the rollup's program (default the shipped program id)
   */
  constructor(batchEveryBlocks: number, programId?: PublicKey) {
    this.batchEveryBlocks = batchEveryBlocks;
    this.programId = programId;
  }

  /** Entries finalized since the last call, in registry order. */
  newlyFinalized(l1: L1Node): FinalizedRoot[] {
    const config = l1.accountAt(configAddress(this.programId).toBase58(), "finalized");
    if (config === null) return [];
    let last: number;
    try {
      last = Number(decodeRollupConfig(config.data).lastBatchHeight);
    } catch (error) {
      if (error instanceof RollupAccountError) return [];
      throw error;
    }
    const out: FinalizedRoot[] = [];
    let pageNumber = -1;
    let entries: readonly RootEntry[] = [];
    for (let batch = this.seen + 1; batch <= last; batch++) {
      if (pageOfHeight(batch) !== pageNumber) {
        pageNumber = pageOfHeight(batch);
        const page = l1.accountAt(registryPageAddress(pageNumber, this.programId).toBase58(), "finalized");
        entries = page === null ? [] : decodeRootRegistry(page.data).entries;
      }
      const entry = entries[(batch - 1) % 64];
      if (entry === undefined) {
        out.push({ batch, l2Height: batch * this.batchEveryBlocks, root: "missing", slot: -1, misplaced: `config says ${last} batches, page ${pageNumber} has no entry for ${batch}` });
        continue;
      }
      out.push({
        batch,
        l2Height: batch * this.batchEveryBlocks,
        root: toHex(entry.root),
        slot: Number(entry.slot),
        ...(entry.height !== BigInt(batch) ? { misplaced: `the entry at position ${batch} says height ${entry.height}` } : {}),
      });
    }
    this.seen = Math.max(this.seen, last);
    return out;
  }
}

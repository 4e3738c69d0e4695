/**
 * The L2 blocks the sequencers sealed or recovered, as their events report
 * them, for the SBCP checkers: by (chain, number, hash), with the parent hash
 * and the xTids each lists.
 */
import type { Observation } from "../checker.js";
import { SBCP_EVENTS } from "../../systems/sbcp/events.js";

/** One L2 block a sequencer reported. */
export interface ReportedBlock {
  readonly chain: number;
  readonly number: number;
  readonly hash: string;
  readonly parentHash: string;
  readonly xTids: readonly string[];
  /** Per asset, the chain's total balance after the block. */
  readonly supply: Readonly<Record<string, number>>;
}

/** The blocks reported so far. */
export class SealedBlocks {
  private readonly blocks = new Map<string, ReportedBlock>();

  /** Records a `sbcp-block-sealed` or `sbcp-recovered-block` event; ignores others. */
  observe(o: Observation): void {
    if (!SBCP_EVENTS.is(o, "sbcp-block-sealed", "sbcp-recovered-block")) return;
    const { chain, number, hash, parentHash, xTids, supply } = o.fields;
    this.blocks.set(`${chain}/${number}/${hash}`, { chain, number, hash, parentHash, xTids, supply });
  }

  /** The block `number` of `chain` with `hash`, if a sequencer reported it. */
  get(chain: number, number: number, hash: string): ReportedBlock | undefined {
    return this.blocks.get(`${chain}/${number}/${hash}`);
  }
}

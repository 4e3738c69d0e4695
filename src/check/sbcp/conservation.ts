/**
 * Cross-rollup conservation (issue 17, "Checkers"): at every superblock, the
 * total supply of each asset over all rollups, each taken after its block in
 * the latest superblock that has one (its genesis before that), equals the
 * total at genesis. A cross-rollup transfer burns on one chain and mints on
 * the other, so an xT half-applied in the superblock chain (one side included,
 * the other not) changes the total. Local transfers never change a chain's
 * supply. The genesis supply comes from each sequencer's first start at block 0.
 */
import type { Checker, InvariantResult, Observation, Violation } from "../checker.js";
import { safetyVerdict } from "../checker.js";
import { SBCP_EVENTS } from "../../systems/sbcp/events.js";
import type { NodeId } from "../../sim/node.js";
import { SealedBlocks } from "./sealed-blocks.js";

type Supply = Readonly<Record<string, number>>;

function add(into: Map<string, number>, supply: Supply): void {
  for (const [asset, amount] of Object.entries(supply)) into.set(asset, (into.get(asset) ?? 0) + amount);
}

/** Checks that superblocks conserve every asset's total across the rollups. */
export class ConservationChecker implements Checker {
  readonly name = "sbcp-conservation";
  readonly kind = "safety" as const;
  private readonly blocks = new SealedBlocks();
  private readonly genesis = new Map<number, Supply>();
  /** Each chain's supply after its block in each superblock, by superblock number (a rollback truncates it). */
  private heads: Map<number, Supply>[] = [];
  private violation: Violation | undefined;
  private checked = 0;

  /**
   * @param publisher the SP's node id
   * @param chains every rollup's chain id
   */
  constructor(
    private readonly publisher: NodeId,
    private readonly chains: readonly number[],
  ) {}

  observe(o: Observation): Violation | undefined {
    if (this.violation !== undefined) return undefined;
    this.blocks.observe(o);
    if (SBCP_EVENTS.is(o, "sbcp-sequencer-started")) {
      if (o.fields.head === 0 && !this.genesis.has(o.fields.chain)) this.genesis.set(o.fields.chain, o.fields.supply);
      return undefined;
    }
    if (o.node !== this.publisher || !SBCP_EVENTS.is(o, "sbcp-superblock", "sbcp-rollback")) return undefined;
    if (o.event === "sbcp-rollback") {
      this.heads = this.heads.slice(0, o.fields.lastValidNumber);
      return undefined;
    }
    const heads = new Map(this.heads.at(-1) ?? []);
    for (const entry of o.fields.blocks) {
      const block = this.blocks.get(entry.chain, entry.number, entry.hash);
      if (block !== undefined) heads.set(entry.chain, block.supply);
    }
    this.heads.push(heads);
    const expected = new Map<string, number>();
    const actual = new Map<string, number>();
    for (const chain of this.chains) {
      const genesis = this.genesis.get(chain);
      if (genesis === undefined) return undefined; // a sequencer not started yet: nothing to compare
      add(expected, genesis);
      add(actual, heads.get(chain) ?? genesis);
    }
    this.checked++;
    for (const asset of new Set([...expected.keys(), ...actual.keys()])) {
      const want = expected.get(asset) ?? 0;
      const got = actual.get(asset) ?? 0;
      if (want !== got) {
        this.violation = { invariant: this.name, atUs: o.timeUs, message: `superblock ${o.fields.number}: total ${asset} across rollups is ${got}, genesis had ${want}` };
        return this.violation;
      }
    }
    return undefined;
  }

  finish(): InvariantResult {
    return safetyVerdict(this.name, { superblocksChecked: this.checked }, this.violation);
  }
}

/**
 * Conservation of assets (DESIGN.md, "Invariants"): per asset, the sum of all
 * balances and pool reserves equals the recorded supply, and the supply equals
 * the genesis supply plus everything minted minus everything burned (fees
 * included) in the committed chain; and no swap ever decreases its pool's
 * invariant k = reserveA * reserveB.
 *
 * Minted and burned amounts and swaps come from the `state-root` events of the
 * first validator to commit each height; the balance sums come from auditing
 * every running validator's committed state at the end of the run (sim-only
 * introspection, outside the protocol). Only the honest validators it is
 * given are read and audited.
 */
import type { SupplyAudit } from "../../vm/ledger-state.js";
import type { AssetSymbol } from "../../vm/types.js";
import type { NodeId } from "../../sim/node.js";
import { VALIDATOR_EVENTS } from "../../systems/validators/events.js";
import { safetyVerdict, type Checker, type HonestValidators, type InvariantResult, type Observation, type Violation } from "../checker.js";

/** One validator's committed state, audited. */
export interface NodeAudit {
  readonly node: NodeId;
  /** Its committed height. */
  readonly height: number;
  readonly assets: ReadonlyMap<AssetSymbol, SupplyAudit>;
}

/** Checks conservation (see the file comment). */
export class ConservationChecker implements Checker {
  readonly name = "conservation";
  readonly kind = "safety" as const;
  /** Net supply change of each height of the chain, per asset. */
  private readonly deltas = new Map<number, Map<AssetSymbol, bigint>>();
  private swaps = 0;
  private violation: Violation | undefined;

  /**
   * @param genesisSupply each asset's supply at genesis
   * @param audit reads every running validator's committed state (called once, at the end)
   * @param honest the honest validator instances (the only ones read and audited)
   */
  constructor(
    private readonly genesisSupply: ReadonlyMap<AssetSymbol, bigint>,
    private readonly audit: () => NodeAudit[],
    private readonly honest: HonestValidators,
  ) {}

  observe(o: Observation): Violation | undefined {
    if (!VALIDATOR_EVENTS.is(o, "state-root") || !this.honest.has(o.node)) return undefined;
    const { height, root, supplyDelta = {}, swaps = [] } = o.fields;
    if (this.deltas.has(height) || root === "unexecutable") return undefined;
    const delta = new Map<AssetSymbol, bigint>();
    for (const [asset, d] of Object.entries(supplyDelta)) delta.set(asset, BigInt(d));
    this.deltas.set(height, delta);
    for (const s of swaps) {
      this.swaps++;
      if (BigInt(s.kAfter) < BigInt(s.kBefore)) return this.fail(o.timeUs, `height ${height}: a swap decreased k of pool ${s.pool} from ${s.kBefore} to ${s.kAfter}`);
    }
    return undefined;
  }

  finish(endUs: number): InvariantResult {
    let audited = 0;
    let assets = 0;
    if (this.violation === undefined) {
      for (const { node, height, assets: audit } of this.audit().filter((a) => this.honest.has(a.node))) {
        audited++;
        const expected = this.expectedSupply(height);
        if (expected === undefined) continue; // heights this checker did not see (a validator ahead of every report cannot happen; behind a gap can)
        assets = Math.max(assets, audit.size);
        for (const symbol of new Set([...audit.keys(), ...expected.keys()])) {
          const { held, supply } = audit.get(symbol) ?? { held: 0n, supply: 0n };
          const want = expected.get(symbol) ?? 0n;
          if (held !== supply) {
            this.fail(endUs, `${node} at height ${height}: balances and reserves of ${symbol} sum to ${held}, its supply is ${supply}`);
            break;
          }
          if (supply !== want) {
            this.fail(endUs, `${node} at height ${height}: supply of ${symbol} is ${supply}, genesis plus minted minus burned is ${want}`);
            break;
          }
        }
      }
    }
    return safetyVerdict(this.name, { validatorsAudited: audited, assets, swapsChecked: this.swaps }, this.violation);
  }

  /** Genesis supply plus every delta up to `height`, or undefined when a height is missing. */
  private expectedSupply(height: number): Map<AssetSymbol, bigint> | undefined {
    const supply = new Map(this.genesisSupply);
    for (let h = 1; h <= height; h++) {
      const delta = this.deltas.get(h);
      if (delta === undefined) return undefined;
      for (const [asset, d] of delta) supply.set(asset, (supply.get(asset) ?? 0n) + d);
    }
    return supply;
  }

  private fail(atUs: number, message: string): Violation {
    this.violation ??= { invariant: this.name, atUs, message };
    return this.violation;
  }
}

/**
 * The initial state of the chain: assets with their balances and seeded
 * pools, applied at height 0 before any block. Every validator starts from
 * the same genesis, so the genesis state root is the first agreed root.
 */
import type { LedgerState } from "./ledger-state.js";
import { isqrt } from "./pool-math.js";
import { poolId, U64_MAX, type AccountId, type AssetSymbol } from "./types.js";

/** An asset at genesis with its initial holders. */
export interface GenesisAsset {
  readonly symbol: AssetSymbol;
  readonly decimals: number;
  readonly mintAuthority: AccountId | null;
  /** [account, amount] pairs; an account listed twice gets the sum. */
  readonly balances: readonly (readonly [AccountId, bigint])[];
}

/** A constant-product pool seeded at genesis; `provider` receives its shares (isqrt(reserveA * reserveB)). */
export interface GenesisPool {
  readonly assetA: AssetSymbol;
  readonly assetB: AssetSymbol;
  readonly reserveA: bigint;
  readonly reserveB: bigint;
  readonly feeBps: number;
  readonly provider: AccountId;
}

/** The genesis state. */
export interface Genesis {
  readonly assets: readonly GenesisAsset[];
  readonly pools: readonly GenesisPool[];
}

/**
 * Writes `genesis` into the committed state of an empty ledger.
 * @throws RangeError when a pool names an asset not in `assets`, an asset appears twice, or a supply exceeds 2^64 - 1
 */
export function applyGenesis(ledger: LedgerState, genesis: Genesis): void {
  const writer = ledger.begin(ledger.committed);
  const supply = new Map<AssetSymbol, bigint>();
  for (const asset of genesis.assets) {
    if (supply.has(asset.symbol)) throw new RangeError(`genesis: asset ${asset.symbol} appears twice`);
    let total = 0n;
    for (const [account, amount] of asset.balances) {
      writer.setBalance(account, asset.symbol, writer.balance(account, asset.symbol) + amount);
      total += amount;
    }
    supply.set(asset.symbol, total);
  }
  for (const pool of genesis.pools) {
    const [a, b] = pool.assetA < pool.assetB ? [pool.assetA, pool.assetB] : [pool.assetB, pool.assetA];
    const [ra, rb] = pool.assetA < pool.assetB ? [pool.reserveA, pool.reserveB] : [pool.reserveB, pool.reserveA];
    for (const [symbol, amount] of [[a, ra], [b, rb]] as const) {
      const current = supply.get(symbol);
      if (current === undefined) throw new RangeError(`genesis: pool ${a}/${b} names unknown asset ${symbol}`);
      supply.set(symbol, current + amount);
    }
    const id = poolId(a, b);
    const shares = isqrt(ra * rb);
    writer.setPool(id, { assetA: a, assetB: b, reserveA: ra, reserveB: rb, totalShares: shares, feeBps: pool.feeBps });
    writer.setShares(id, pool.provider, writer.shares(id, pool.provider) + shares);
  }
  for (const asset of genesis.assets) {
    const total = supply.get(asset.symbol)!;
    if (total > U64_MAX) throw new RangeError(`genesis: supply of ${asset.symbol} exceeds 2^64 - 1`);
    writer.setAsset({ symbol: asset.symbol, decimals: asset.decimals, mintAuthority: asset.mintAuthority, supply: total });
  }
  ledger.commitGenesis(writer.finish(0));
}

/**
 * The genesis a scenario's `ledger` section describes: the native asset and
 * the scenario's token held by every client account, and one pool pairing
 * them, seeded by the first account (which is also the token's mint authority).
 */
import type { Genesis } from "../../vm/genesis.js";
import { NATIVE_ASSET, type AccountId, type AssetSymbol } from "../../vm/types.js";
import type { Scenario } from "../scenario-shape.js";

/**
 * Builds the genesis for `accounts` (every client account, in directory order).
 * The first account is the token's mint authority and the pool's provider; the
 * pool's reserves are minted on top of the balances.
 */
export function buildGenesis(ledger: Scenario["ledger"], accounts: readonly AccountId[]): Genesis {
  const authority = accounts[0] ?? null;
  const pools =
    authority !== null && ledger.poolNative > 0 && ledger.poolToken > 0
      ? [{ assetA: NATIVE_ASSET, assetB: ledger.token, reserveA: BigInt(ledger.poolNative), reserveB: BigInt(ledger.poolToken), feeBps: ledger.poolFeeBps, provider: authority }]
      : [];
  return {
    assets: [
      { symbol: NATIVE_ASSET, decimals: 9, mintAuthority: null, balances: accounts.map((a) => [a, BigInt(ledger.nativeBalance)] as const) },
      { symbol: ledger.token, decimals: ledger.tokenDecimals, mintAuthority: authority, balances: accounts.map((a) => [a, BigInt(ledger.tokenBalance)] as const) },
    ],
    pools,
  };
}

/** Each asset's total supply at genesis: balances plus pool reserves. */
export function genesisSupply(genesis: Genesis): Map<AssetSymbol, bigint> {
  const supply = new Map<AssetSymbol, bigint>();
  const add = (asset: AssetSymbol, amount: bigint): void => {
    supply.set(asset, (supply.get(asset) ?? 0n) + amount);
  };
  for (const asset of genesis.assets) {
    supply.set(asset.symbol, supply.get(asset.symbol) ?? 0n);
    for (const [, amount] of asset.balances) add(asset.symbol, amount);
  }
  for (const pool of genesis.pools) {
    add(pool.assetA, pool.reserveA);
    add(pool.assetB, pool.reserveB);
  }
  return supply;
}

/**
 * Accounts and genesis of the SBCP rollups of a scenario. Each rollup is an
 * AssetVM chain: account `i` (1, 2, ...) is the public key of the key pair
 * seeded with sha256("sbcp/account/<i>") under the run's signature scheme, the
 * same user on every rollup. A rollup's genesis creates every rollup's asset
 * (decimals 0, no mint authority: only the mailbox mints, only mailbox writes
 * and burns destroy) and gives accounts 1..`accounts` `balance` of its own.
 */
import { sha256, toHex, utf8 } from "../../crypto/hash.js";
import type { KeyPair, SignatureScheme } from "../../crypto/signature.js";
import type { ChainId } from "../../sbcp/messages.js";
import { assert } from "../../sim/assert.js";
import type { Genesis } from "../../vm/genesis.js";
import type { SbcpRollup } from "./section.js";

/** The key pair of account `index` (>= 1), registered with `scheme`. */
export function sbcpAccountKeys(scheme: SignatureScheme, index: number): KeyPair {
  assert(Number.isInteger(index) && index >= 1 && index <= 0xffff_ffff, "an account index is a u32 >= 1");
  return scheme.keyPairFromSeed(sha256(utf8(`sbcp/account/${index}`)));
}

/** The AssetVM account id (hex public key) of account `index`. */
export function sbcpAccountId(scheme: SignatureScheme, index: number): string {
  return toHex(sbcpAccountKeys(scheme, index).publicKey);
}

/**
 * The AssetVM genesis of `rollup` among `rollups`: every rollup's asset, sorted by symbol, with
 * `rollup`'s own held by its accounts 1..`accounts`; no pools.
 */
export function assetVmGenesis(scheme: SignatureScheme, rollup: SbcpRollup, rollups: readonly SbcpRollup[]): Genesis {
  const symbols = [...new Set(rollups.map((r) => r.genesis.asset))].sort();
  const holders = Array.from({ length: rollup.genesis.accounts }, (_, i) => [sbcpAccountId(scheme, i + 1), BigInt(rollup.genesis.balance)] as const);
  return {
    assets: symbols.map((symbol) => ({ symbol, decimals: 0, mintAuthority: null, balances: symbol === rollup.genesis.asset ? holders : [] })),
    pools: [],
  };
}

/** The hash block 1 of `chainId` builds on: 32 bytes, the chain id big-endian in the last four, "SBCP" in the first four. */
export function chainGenesisHash(chainId: ChainId): Uint8Array {
  const bytes = new Uint8Array(32);
  bytes.set([0x53, 0x42, 0x43, 0x50]);
  new DataView(bytes.buffer).setUint32(28, chainId);
  return bytes;
}

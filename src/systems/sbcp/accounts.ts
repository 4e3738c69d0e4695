/**
 * Accounts and genesis of the SBCP rollups of a scenario: account `i`
 * (1, 2, ...) is 20 bytes, `i` big-endian in the first four, zeros after;
 * each rollup's genesis gives accounts 1..`accounts` `balance` of `asset`.
 */
import type { LedgerBalance } from "../../sbcp/ledger/ledger-executor.js";
import type { ChainId } from "../../sbcp/messages.js";
import { assert } from "../../sim/assert.js";
import type { SbcpRollup } from "./section.js";

/** Account `index` (>= 1) as 20 bytes. */
export function sbcpAccount(index: number): Uint8Array {
  assert(Number.isInteger(index) && index >= 1 && index <= 0xffff_ffff, "an account index is a u32 >= 1");
  const bytes = new Uint8Array(20);
  new DataView(bytes.buffer).setUint32(0, index);
  return bytes;
}

/** The genesis balances of `rollup`. */
export function genesisBalances(rollup: SbcpRollup): LedgerBalance[] {
  const { asset, accounts, balance } = rollup.genesis;
  return Array.from({ length: accounts }, (_, i) => ({ account: sbcpAccount(i + 1), asset, amount: balance }));
}

/** The hash block 1 of `chainId` builds on: 32 bytes, the chain id big-endian in the last four, "SBCP" in the first four. */
export function chainGenesisHash(chainId: ChainId): Uint8Array {
  const bytes = new Uint8Array(32);
  bytes.set([0x53, 0x42, 0x43, 0x50]);
  new DataView(bytes.buffer).setUint32(28, chainId);
  return bytes;
}

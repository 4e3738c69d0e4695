/**
 * Decoding the AssetRollup program's accounts (`RollupConfig`, `RootRegistry`)
 * from raw account data, through the anchor coder built from the IDL, into
 * plain typed values (bigint for u64/i64, base58 strings for public keys).
 */
import type anchor from "@coral-xyz/anchor";
import type { PublicKey } from "@solana/web3.js";
import { rollupCoder, ROLLUP_IDL } from "./rollup-program.js";

/** Account data that is not the expected account: wrong discriminator or size. */
export class RollupAccountError extends Error {
  override readonly name = "RollupAccountError";
}

/** The `RollupConfig` account. */
export interface RollupConfig {
  readonly upgradeAuthority: string;
  /** The pending upgrade authority, or undefined (stored as 32 zero bytes). */
  readonly pendingUpgradeAuthority: string | undefined;
  readonly batchPosterAuthority: string;
  readonly version: number;
  readonly lastGoodVersion: number;
  readonly paused: boolean;
  readonly lastBatchHeight: bigint;
  readonly bump: number;
}

/** One registry entry: a batch root with the L1 slot and Unix time (seconds) it landed at. */
export interface RootEntry {
  readonly height: bigint;
  readonly root: Uint8Array;
  readonly slot: bigint;
  readonly timestamp: bigint;
}

/** One `RootRegistry` page: its used entries only. */
export interface RootRegistryPage {
  readonly page: bigint;
  readonly entries: readonly RootEntry[];
}

const ZERO_KEY = "11111111111111111111111111111111";

function discriminatorOf(name: string): Uint8Array {
  const account = ROLLUP_IDL.accounts?.find((a) => a.name === name);
  if (account === undefined) throw new Error(`IDL has no account ${name}`);
  return Uint8Array.from(account.discriminator);
}

const CONFIG_DISCRIMINATOR = discriminatorOf("RollupConfig");
const REGISTRY_DISCRIMINATOR = discriminatorOf("RootRegistry");
let sizes: { readonly RollupConfig: number; readonly RootRegistry: number } | undefined;

/** Exact data sizes, bytes (Borsh, fixed-size structs; computed by the coder on first use). */
export function rollupAccountSizes(): { readonly RollupConfig: number; readonly RootRegistry: number } {
  sizes ??= { RollupConfig: rollupCoder().accounts.size("RollupConfig"), RootRegistry: rollupCoder().accounts.size("RootRegistry") };
  return sizes;
}

function checkAccount(data: Uint8Array, name: "RollupConfig" | "RootRegistry", discriminator: Uint8Array): Record<string, unknown> {
  if (data.length !== rollupAccountSizes()[name]) throw new RollupAccountError(`${name}: expected ${rollupAccountSizes()[name]} bytes, got ${data.length}`);
  for (let i = 0; i < 8; i++) if (data[i] !== discriminator[i]) throw new RollupAccountError(`${name}: wrong discriminator`);
  return rollupCoder().accounts.decode(name, Buffer.from(data.buffer, data.byteOffset, data.byteLength)) as Record<string, unknown>;
}

function toBigInt(value: unknown): bigint {
  return BigInt((value as anchor.BN).toString());
}

/** @throws RollupAccountError when `data` is not a RollupConfig account */
export function decodeRollupConfig(data: Uint8Array): RollupConfig {
  const c = checkAccount(data, "RollupConfig", CONFIG_DISCRIMINATOR);
  const pending = (c.pending_upgrade_authority as PublicKey).toBase58();
  return {
    upgradeAuthority: (c.upgrade_authority as PublicKey).toBase58(),
    pendingUpgradeAuthority: pending === ZERO_KEY ? undefined : pending,
    batchPosterAuthority: (c.batch_poster_authority as PublicKey).toBase58(),
    version: c.version as number,
    lastGoodVersion: c.last_good_version as number,
    paused: c.paused as boolean,
    lastBatchHeight: toBigInt(c.last_batch_height),
    bump: c.bump as number,
  };
}

/** @throws RollupAccountError when `data` is not a RootRegistry page or its count is over the page size */
export function decodeRootRegistry(data: Uint8Array): RootRegistryPage {
  const r = checkAccount(data, "RootRegistry", REGISTRY_DISCRIMINATOR);
  const count = r.count as number;
  const all = r.entries as { height: anchor.BN; root: number[]; slot: anchor.BN; timestamp: anchor.BN }[];
  if (count > all.length) throw new RollupAccountError(`RootRegistry: count ${count} over ${all.length} entries`);
  return {
    page: toBigInt(r.page),
    entries: all.slice(0, count).map((e) => ({ height: toBigInt(e.height), root: Uint8Array.from(e.root), slot: toBigInt(e.slot), timestamp: toBigInt(e.timestamp) })),
  };
}

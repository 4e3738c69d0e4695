/**
 * Decoding the AssetRollup program's accounts (`RollupConfig`, `RootRegistry`)
 * from raw account data into plain typed values (bigint for u64/i64, base58
 * strings for public keys), by the Borsh layout of the IDL checked in at
 * `programs/asset_rollup/idl.json`; the tests compare every field with the
 * anchor coder built from that IDL.
 */
import { base58Encode } from "./base58.js";
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

/** Data size of a `RollupConfig` account: discriminator, three keys, version, last good version, paused, last batch height, bump. */
const CONFIG_BYTES = 8 + 3 * 32 + 4 + 4 + 1 + 8 + 1;
/** Size of one `RootEntry`: height, root, slot, timestamp. */
const ENTRY_BYTES = 8 + 32 + 8 + 8;
/** Entries per `RootRegistry` page (`ROOTS_PER_PAGE`). */
const PAGE_ENTRIES = 64;
/** Data size of a `RootRegistry` account: discriminator, page, count, bump, the entries. */
const REGISTRY_BYTES = 8 + 8 + 4 + 1 + PAGE_ENTRIES * ENTRY_BYTES;

function checkHeader(data: Uint8Array, name: "RollupConfig" | "RootRegistry", size: number, discriminator: Uint8Array): DataView {
  if (data.length !== size) throw new RollupAccountError(`${name}: expected ${size} bytes, got ${data.length}`);
  for (let i = 0; i < 8; i++) if (data[i] !== discriminator[i]) throw new RollupAccountError(`${name}: wrong discriminator`);
  return new DataView(data.buffer, data.byteOffset, data.byteLength);
}

/** A Borsh bool as the coder reads it: 0 or 1, anything else an Error (not a RollupAccountError, as from the coder). */
function borshBool(byte: number): boolean {
  if (byte === 0) return false;
  if (byte === 1) return true;
  throw new Error(`Invalid bool: ${byte}`);
}

/**
 * Decodes a `RollupConfig` account (Borsh, the IDL's field order) directly
 * from its bytes: the same values the coder gives (a test compares them on
 * random accounts), without building BN and PublicKey objects; the batch
 * poster reads the config every poll.
 * @throws RollupAccountError when `data` is not a RollupConfig account (size, discriminator)
 * @throws Error when the paused flag is neither 0 nor 1 (as the coder)
 */
export function decodeRollupConfig(data: Uint8Array): RollupConfig {
  const view = checkHeader(data, "RollupConfig", CONFIG_BYTES, CONFIG_DISCRIMINATOR);
  const pending = base58Encode(data.subarray(40, 72));
  return {
    upgradeAuthority: base58Encode(data.subarray(8, 40)),
    pendingUpgradeAuthority: pending === ZERO_KEY ? undefined : pending,
    batchPosterAuthority: base58Encode(data.subarray(72, 104)),
    version: view.getUint32(104, true),
    lastGoodVersion: view.getUint32(108, true),
    paused: borshBool(data[112]!),
    lastBatchHeight: view.getBigUint64(113, true),
    bump: data[121]!,
  };
}

/**
 * Decodes a `RootRegistry` page directly from its bytes (its first `count`
 * entries; the same values as the coder, compared by a test).
 * @throws RollupAccountError when `data` is not a RootRegistry page or its count is over the page size
 */
export function decodeRootRegistry(data: Uint8Array): RootRegistryPage {
  const view = checkHeader(data, "RootRegistry", REGISTRY_BYTES, REGISTRY_DISCRIMINATOR);
  const count = view.getUint32(16, true);
  if (count > PAGE_ENTRIES) throw new RollupAccountError(`RootRegistry: count ${count} over ${PAGE_ENTRIES} entries`);
  const entries: RootEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = 21 + i * ENTRY_BYTES;
    entries.push({
      height: view.getBigUint64(at, true),
      root: data.slice(at + 8, at + 40),
      slot: view.getBigUint64(at + 40, true),
      timestamp: view.getBigInt64(at + 48, true),
    });
  }
  return { page: view.getBigUint64(8, true), entries };
}

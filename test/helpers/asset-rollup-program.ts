/**
 * The AssetRollup program under test: where its files are, its addresses,
 * account layouts, and a bankrun session that runs the shipped `.so` through
 * anchor's `Program` client built from the shipped IDL.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type AccountClient, AnchorError, type Idl, Program } from "@coral-xyz/anchor";
import { Keypair, PublicKey, SystemProgram } from "@solana/web3.js";
import { type AddedAccount, Clock, type ProgramTestContext, start } from "solana-bankrun";
import { rentExemptLamports, UPGRADEABLE_LOADER_ID, upgradeableDeployment } from "../../src/l1/upgradeable-program.js";
import { BankrunProvider, BankrunTransactionError } from "./bankrun-provider.js";

const here = dirname(fileURLToPath(import.meta.url));
export const PROGRAM_DIR = resolve(here, "../../programs/asset_rollup");
export const PROGRAM_SO_PATH = join(PROGRAM_DIR, "asset_rollup.so");
export const PROGRAM_IDL_PATH = join(PROGRAM_DIR, "idl.json");
export const PROGRAM_NAME = "asset_rollup";

/** Account sizes (discriminator + Borsh fields, no padding). */
export const CONFIG_SIZE = 122;
export const ROOT_ENTRY_SIZE = 56;
export const ROOTS_PER_PAGE = 64;
export const REGISTRY_HEADER_SIZE = 21;
export const REGISTRY_SIZE = REGISTRY_HEADER_SIZE + ROOTS_PER_PAGE * ROOT_ENTRY_SIZE; // 3605

/** Byte offsets in RollupConfig, for tests that edit account data directly. */
export const CONFIG_OFFSET = {
  upgradeAuthority: 8,
  pendingUpgradeAuthority: 40,
  batchPosterAuthority: 72,
  version: 104,
  lastGoodVersion: 108,
  paused: 112,
  lastBatchHeight: 113,
  bump: 121,
} as const;

/** Byte offsets in RootRegistry. */
export const REGISTRY_OFFSET = { page: 8, count: 16, bump: 20, entries: 21 } as const;

export const CONFIG_SEED = Buffer.from("rollup-config");
export const REGISTRY_SEED = Buffer.from("root-registry");

export function sha256(text: string | Uint8Array): Buffer {
  return createHash("sha256").update(text).digest();
}

/** A keypair that is the same on every run: tests are deterministic. */
export function fixedKeypair(label: string): Keypair {
  return Keypair.fromSeed(sha256(`asset-rollup/test/${label}`));
}

/** The shipped IDL, parsed. */
export function loadIdl(): Idl {
  return JSON.parse(readFileSync(PROGRAM_IDL_PATH, "utf8")) as Idl;
}

export const PROGRAM_ID = new PublicKey(loadIdl().address);

export function configAddress(programId: PublicKey = PROGRAM_ID): [PublicKey, number] {
  return PublicKey.findProgramAddressSync([CONFIG_SEED], programId);
}

export function pageSeed(page: bigint | number): Buffer {
  const seed = Buffer.alloc(8);
  seed.writeBigUInt64LE(BigInt(page));
  return seed;
}

export function registryAddress(page: bigint | number, programId: PublicKey = PROGRAM_ID): [PublicKey, number] {
  return PublicKey.findProgramAddressSync([REGISTRY_SEED, pageSeed(page)], programId);
}

/** The registry page that holds `height`. */
export function pageOfHeight(height: bigint | number): bigint {
  return (BigInt(height) - 1n) / BigInt(ROOTS_PER_PAGE);
}

/** The error number the IDL gives `name`. */
export function errorNumber(name: string): number {
  const error = loadIdl().errors?.find((candidate) => candidate.name === name);
  if (error === undefined) {
    throw new Error(`no error named ${name} in the IDL`);
  }
  return error.code;
}

/**
 * The custom error code a failed send carries: from anchor's AnchorError (the
 * program logs Anchor's error line), else parsed from the runtime's
 * `custom program error: 0x...`; undefined when there is none.
 */
export function customErrorCode(error: unknown): number | undefined {
  if (error instanceof AnchorError) {
    return error.error.errorCode.number;
  }
  const text = error instanceof BankrunTransactionError ? error.transactionError : String(error);
  const match = /custom program error: 0x([0-9a-f]+)/i.exec(text);
  return match?.[1] === undefined ? undefined : Number.parseInt(match[1], 16);
}

/** A running bankrun with the program loaded and an anchor client over it. */
export interface ProgramSession {
  readonly context: ProgramTestContext;
  readonly provider: BankrunProvider;
  readonly program: Program;
}

/** The upgrade authority the tests deploy the program with (the `authority` of the program tests). */
export const UPGRADE_AUTHORITY = fixedKeypair("upgrade-authority");

/**
 * The program and ProgramData accounts of the shipped `.so` deployed with the
 * upgradeable loader, upgradeable by `upgradeAuthority` (null: immutable), as
 * bankrun `start()` accounts.
 */
export function upgradeableProgramAccounts(upgradeAuthority: PublicKey | null): AddedAccount[] {
  const deployment = upgradeableDeployment(PROGRAM_ID.toBase58(), readFileSync(PROGRAM_SO_PATH), upgradeAuthority?.toBase58() ?? null);
  const owner = new PublicKey(UPGRADEABLE_LOADER_ID);
  return [deployment.programData, deployment.program].map((account, index) => ({
    address: new PublicKey(account.address),
    info: { lamports: Number(rentExemptLamports(account.data.length)), data: account.data, owner, executable: index === 1 },
  }));
}

/**
 * Starts bankrun with the shipped `.so` deployed as `solana program deploy`
 * leaves it: with the upgradeable loader, its ProgramData account naming
 * `upgradeAuthority` (default {@link UPGRADE_AUTHORITY}; null: immutable),
 * and returns an anchor client for it.
 */
export async function startProgram(upgradeAuthority: PublicKey | null = UPGRADE_AUTHORITY.publicKey): Promise<ProgramSession> {
  if (!existsSync(PROGRAM_SO_PATH)) {
    throw new Error(`${PROGRAM_SO_PATH} is missing: run \`npm run build:program\``);
  }
  // The runtime logs every instruction at debug level to stderr unless told otherwise.
  process.env.RUST_LOG = process.env.RUST_LOG ?? "error";
  const context = await start([], upgradeableProgramAccounts(upgradeAuthority));
  const provider = new BankrunProvider(context);
  const program = new Program(loadIdl(), provider);
  return { context, provider, program };
}

/**
 * The anchor client of one account type ("rollupConfig", "rootRegistry"); the
 * untyped `Idl` gives `program.account` no keys, so this looks it up by name.
 */
export function accountClient(program: Program, name: string): AccountClient {
  const client = (program.account as unknown as Record<string, AccountClient | undefined>)[name];
  if (client === undefined) {
    throw new Error(`no account type ${name} in the IDL`);
  }
  return client;
}

/** Gives `address` `lamports` as a plain system account (a funded signer). */
export function fund(context: ProgramTestContext, address: PublicKey, lamports = 100_000_000_000n): void {
  context.setAccount(address, {
    lamports: Number(lamports),
    data: new Uint8Array(0),
    owner: SystemProgram.programId,
    executable: false,
    rentEpoch: 0,
  });
}

/** Sets the clock sysvar (slot and unix timestamp; epoch fields 0). */
export function setClock(context: ProgramTestContext, slot: bigint, unixTimestamp: bigint): void {
  context.setClock(new Clock(slot, 0n, 0n, 0n, unixTimestamp));
}

/** A 32-byte root whose bytes depend on `height` only. */
export function rootOf(height: bigint | number): number[] {
  return [...sha256(`root/${height}`)];
}

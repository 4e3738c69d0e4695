/**
 * The AssetRollup program's superblock registry
 * (programs/asset_rollup/src/superblock_registry.c) in solana-bankrun:
 * initialize_superblock_registry and publish_superblock, every path and
 * error (6400..6404 and the shared checks), the page boundary, the hash the
 * program recomputes equal to the SP's (`src/sbcp/superblock.ts`), and the
 * compute units (written into deployment.json).
 */
import { Keypair, Transaction, type TransactionInstruction } from "@solana/web3.js";
import { beforeEach, describe, expect, it } from "vitest";
import { buildSuperblock, GENESIS_HASH, type Superblock } from "../../src/sbcp/superblock.js";
import {
  decodeSuperblockConfig,
  decodeSuperblockPage,
  SUPERBLOCK_ACCOUNT_SIZES,
  superblockConfigAddress,
  superblockInstructions,
  superblockPageAddress,
  type SuperblockPost,
} from "../../src/l1/superblock-program.js";
import { PROGRAM_ID, type ProgramSession, customErrorCode, errorNumber, fixedKeypair, fund, startProgram } from "../helpers/asset-rollup-program.js";

const authority = fixedKeypair("upgrade-authority");
const publisher = fixedKeypair("superblock-publisher");
const stranger = fixedKeypair("stranger");
const CONFIG = superblockConfigAddress(PROGRAM_ID);
const PAGE_0 = superblockPageAddress(0, PROGRAM_ID);

function blockHash(chain: number, number: number): Uint8Array {
  return Uint8Array.from({ length: 32 }, (_, i) => (chain * 31 + number * 7 + i) & 0xff);
}

/** Superblock `number` on `parent` with one block per chain of `chains`. */
function superblock(number: number, parent: Uint8Array, chains: readonly number[] = [1, 2, 3]): Superblock {
  const blocks = chains.map((c) => ({ ChainID: c, BlockNumber: number, BlockHash: blockHash(c, number), ParentBlockHash: blockHash(c, number - 1) }));
  return buildSuperblock(number, number + 1, parent, blocks, [], false);
}

function postOf(sb: Superblock): SuperblockPost {
  return { number: sb.Number, slot: sb.Slot, parentHash: sb.ParentHash, hash: sb.Hash, blocks: sb.L2Blocks.map((b) => ({ chainId: b.ChainID, blockNumber: b.BlockNumber, blockHash: b.BlockHash })) };
}

type AccountState = { lamports: number; owner: string; data: number[] } | null;

class Registry {
  /** The superblocks registered so far, in order. */
  readonly chain: Superblock[] = [];
  constructor(readonly session: ProgramSession) {}

  async state(address: Keypair["publicKey"]): Promise<AccountState> {
    const account = await this.session.context.banksClient.getAccount(address);
    return account === null ? null : { lamports: account.lamports, owner: account.owner.toBase58(), data: [...account.data] };
  }

  async data(address: Keypair["publicKey"]): Promise<Uint8Array> {
    const account = await this.session.context.banksClient.getAccount(address);
    if (account === null) throw new Error(`${address.toBase58()} does not exist`);
    return account.data;
  }

  async send(instruction: TransactionInstruction, signers: Keypair[]): Promise<void> {
    await this.session.provider.sendAndConfirm(new Transaction().add(instruction), signers);
  }

  async initialize(signer: Keypair = authority): Promise<void> {
    await this.send(superblockInstructions.initialize(signer.publicKey, publisher.publicKey, PROGRAM_ID), [signer]);
  }

  /** Publishes the next superblock of the chain. */
  async next(chains?: readonly number[]): Promise<Superblock> {
    const sb = superblock(this.chain.length + 1, this.chain.at(-1)?.Hash ?? GENESIS_HASH, chains);
    await this.send(superblockInstructions.publish(publisher.publicKey, postOf(sb), PROGRAM_ID), [publisher]);
    this.chain.push(sb);
    return sb;
  }

  /** Expects `action` to fail with the IDL error `name`, leaving the `watched` accounts as they were. */
  async expectError(action: () => Promise<unknown>, name: string, watched = [CONFIG, PAGE_0]): Promise<void> {
    const before = await Promise.all(watched.map((address) => this.state(address)));
    let caught: unknown = undefined;
    try {
      await action();
    } catch (error) {
      caught = error;
    }
    expect(caught, `expected ${name}, but it succeeded`).toBeDefined();
    expect(customErrorCode(caught), `expected ${name}, got ${String(caught)}`).toBe(errorNumber(name));
    const anchorLine = `Program log: AnchorError occurred. Error Code: ${name}. Error Number: ${errorNumber(name)}.`;
    expect(this.session.provider.lastResult.logs.some((line) => line.startsWith(anchorLine)), anchorLine).toBe(true);
    expect(await Promise.all(watched.map((address) => this.state(address)))).toEqual(before);
  }
}

async function registry(initialize = true): Promise<Registry> {
  const r = new Registry(await startProgram());
  for (const keypair of [authority, publisher, stranger]) fund(r.session.context, keypair.publicKey);
  if (initialize) await r.initialize();
  return r;
}

describe("initialize_superblock_registry", () => {
  it("creates the config (publisher, number 0, genesis hash) and page 0; only the upgrade authority, only once", async () => {
    const r = await registry(false);
    await r.expectError(() => r.initialize(stranger), "Unauthorized");
    await r.initialize();
    expect(decodeSuperblockConfig(await r.data(CONFIG))).toEqual({ publisher: publisher.publicKey.toBase58(), lastNumber: 0, lastHash: GENESIS_HASH });
    expect(decodeSuperblockPage(await r.data(PAGE_0))).toEqual({ page: 0, entries: [] });
    expect((await r.data(PAGE_0)).length).toBe(SUPERBLOCK_ACCOUNT_SIZES.SuperblockPage);
    await r.expectError(() => r.initialize(), "AlreadyInitialized");
  });

  it("refuses a config that is not its PDA and an unsigned authority", async () => {
    const r = await registry(false);
    const wrong = superblockInstructions.initialize(authority.publicKey, publisher.publicKey, PROGRAM_ID);
    wrong.keys[0] = { pubkey: Keypair.generate().publicKey, isSigner: false, isWritable: true };
    await r.expectError(() => r.send(wrong, [authority]), "InvalidPda");
    const unsigned = superblockInstructions.initialize(authority.publicKey, publisher.publicKey, PROGRAM_ID);
    unsigned.keys[2] = { pubkey: authority.publicKey, isSigner: false, isWritable: true };
    await r.expectError(() => r.send(unsigned, []), "MissingSigner");
  });
});

describe("publish_superblock", () => {
  let r: Registry;
  beforeEach(async () => {
    r = await registry();
  });

  it("registers superblocks 1, 2, ... linked by parent hash, with their blocks, Merkle root and L1 slot, across a page boundary", async () => {
    for (let n = 1; n <= 17; n++) await r.next(n % 5 === 0 ? [2] : [1, 2, 3]);
    const config = decodeSuperblockConfig(await r.data(CONFIG));
    expect(config.lastNumber).toBe(17);
    expect(config.lastHash).toEqual(r.chain[16]!.Hash);
    const page0 = decodeSuperblockPage(await r.data(PAGE_0));
    const page1 = decodeSuperblockPage(await r.data(superblockPageAddress(1, PROGRAM_ID)));
    expect(page0.entries.length).toBe(16);
    expect(page1).toMatchObject({ page: 1 });
    const entries = [...page0.entries, ...page1.entries];
    entries.forEach((e, i) => {
      const sb = r.chain[i]!;
      expect(e).toMatchObject({ number: sb.Number, slot: sb.Slot, parentHash: sb.ParentHash, hash: sb.Hash, merkleRoot: sb.MerkleRoot });
      expect(e.blocks).toEqual(postOf(sb).blocks);
      expect(e.l1Slot).toBeGreaterThanOrEqual(0);
    });
  });

  it("refuses a number that is not last + 1, a wrong parent, a hash that does not commit to the contents", async () => {
    const one = await r.next();
    const two = superblock(2, one.Hash);
    const skip = superblock(3, one.Hash);
    await r.expectError(() => r.send(superblockInstructions.publish(publisher.publicKey, postOf(skip), PROGRAM_ID), [publisher]), "SuperblockNumberNotNext");
    await r.expectError(() => r.send(superblockInstructions.publish(publisher.publicKey, postOf(one), PROGRAM_ID), [publisher]), "SuperblockNumberNotNext");
    const orphan = superblock(2, GENESIS_HASH);
    await r.expectError(() => r.send(superblockInstructions.publish(publisher.publicKey, postOf(orphan), PROGRAM_ID), [publisher]), "SuperblockParentMismatch");
    const forged = { ...postOf(two), hash: Uint8Array.from(two.Hash, (b, i) => (i === 0 ? b ^ 1 : b)) };
    await r.expectError(() => r.send(superblockInstructions.publish(publisher.publicKey, forged, PROGRAM_ID), [publisher]), "SuperblockHashMismatch");
    const swapped = { ...postOf(two), blocks: postOf(two).blocks.map((b, i) => (i === 0 ? { ...b, blockHash: blockHash(9, 9) } : b)) };
    await r.expectError(() => r.send(superblockInstructions.publish(publisher.publicKey, swapped, PROGRAM_ID), [publisher]), "SuperblockHashMismatch");
    await r.send(superblockInstructions.publish(publisher.publicKey, postOf(two), PROGRAM_ID), [publisher]);
    expect(decodeSuperblockConfig(await r.data(CONFIG)).lastNumber).toBe(2);
  });

  it("refuses no blocks, more than 8, and chains out of order or repeated", async () => {
    const none = { ...postOf(superblock(1, GENESIS_HASH)), blocks: [] };
    await r.expectError(() => r.send(superblockInstructions.publish(publisher.publicKey, none, PROGRAM_ID), [publisher]), "SuperblockBlocksInvalid");
    const nine = superblock(1, GENESIS_HASH, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await r.expectError(() => r.send(superblockInstructions.publish(publisher.publicKey, postOf(nine), PROGRAM_ID), [publisher]), "SuperblockBlocksInvalid");
    const sb = superblock(1, GENESIS_HASH);
    const reversed = { ...postOf(sb), blocks: [...postOf(sb).blocks].reverse() };
    await r.expectError(() => r.send(superblockInstructions.publish(publisher.publicKey, reversed, PROGRAM_ID), [publisher]), "SuperblockBlocksInvalid");
    const repeated = { ...postOf(sb), blocks: [postOf(sb).blocks[0]!, postOf(sb).blocks[0]!] };
    await r.expectError(() => r.send(superblockInstructions.publish(publisher.publicKey, repeated, PROGRAM_ID), [publisher]), "SuperblockBlocksInvalid");
  });

  it("only the configured publisher, signed; the config and page must be the registry's PDAs", async () => {
    const sb = superblock(1, GENESIS_HASH);
    await r.expectError(() => r.send(superblockInstructions.publish(stranger.publicKey, postOf(sb), PROGRAM_ID), [stranger]), "NotSuperblockPublisher");
    const unsigned = superblockInstructions.publish(publisher.publicKey, postOf(sb), PROGRAM_ID);
    unsigned.keys[2] = { pubkey: publisher.publicKey, isSigner: false, isWritable: true };
    await r.expectError(() => r.send(unsigned, []), "MissingSigner");
    const wrongPage = superblockInstructions.publish(publisher.publicKey, postOf(sb), PROGRAM_ID);
    wrongPage.keys[1] = { pubkey: superblockPageAddress(1, PROGRAM_ID), isSigner: false, isWritable: true };
    await r.expectError(() => r.send(wrongPage, [publisher]), "InvalidOwner");
    const wrongConfig = superblockInstructions.publish(publisher.publicKey, postOf(sb), PROGRAM_ID);
    wrongConfig.keys[0] = { pubkey: PAGE_0, isSigner: false, isWritable: true };
    await r.expectError(() => r.send(wrongConfig, [publisher]), "InvalidAccountSize");
    const badData = superblockInstructions.publish(publisher.publicKey, postOf(sb), PROGRAM_ID);
    badData.data = badData.data.subarray(0, badData.data.length - 1);
    await r.expectError(() => r.send(badData, [publisher]), "InvalidInstructionData");
  });
});

describe("superblock registry compute units (bankrun, runtime 1.18)", () => {
  it("stay far below the 200k default per instruction", async () => {
    const r = await registry(false);
    const units: Record<string, number> = {};
    const measure = async (name: string, run: () => Promise<unknown>): Promise<void> => {
      await run();
      units[name] = Number(r.session.provider.lastResult.computeUnits);
    };
    await measure("initialize_superblock_registry", () => r.initialize());
    await measure("publish_superblock (3 blocks)", () => r.next([1, 2, 3]));
    await measure("publish_superblock (1 block)", () => r.next([1]));
    for (let n = 3; n <= 15; n++) await r.next([1, 2, 3, 4, 5, 6, 7, 8]);
    await measure("publish_superblock (8 blocks)", () => r.next([1, 2, 3, 4, 5, 6, 7, 8]));
    await measure("publish_superblock (new page, 3 blocks)", () => r.next([1, 2, 3]));
    for (const [name, consumed] of Object.entries(units)) expect(consumed, name).toBeLessThan(60_000);
    process.stderr.write(`asset_rollup superblock registry compute units (bankrun): ${JSON.stringify(units)}\n`);
  });
});

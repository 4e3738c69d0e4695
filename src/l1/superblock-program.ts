/**
 * The client side of the AssetRollup program's superblock registry
 * (`programs/asset_rollup/src/superblock_registry.c`, issue 17 item 4): its
 * PDAs, the `initialize_superblock_registry` and `publish_superblock`
 * instruction builders (encoded by the anchor coder from the IDL), and
 * decoders of its two accounts. Pure functions, no IO.
 *
 * Accounts (Borsh, fixed size, after an 8-byte discriminator):
 * - `SuperblockConfig` `["superblock-config"]`: publisher pubkey, last_number u64, last_hash [u8;32], bump u8 (81 bytes);
 * - `SuperblockPage` `["superblocks", page u64 LE]`: page u64, count u32, bump u8, 16 `SuperblockEntry`
 *   { number u64, slot u64, parent_hash, hash, merkle_root, l1_slot u64, block_count u8, blocks [L2BlockRoot; 8] }
 *   (7589 bytes); superblock n lives in page (n - 1) / 16.
 */
import type anchor from "@coral-xyz/anchor";
import type { PublicKey, TransactionInstruction } from "@solana/web3.js";
import { bytesEqual, utf8 } from "../crypto/hash.js";
import { RollupAccountError } from "./rollup-accounts.js";
import { rollupCoder, rollupProgramId, ROLLUP_IDL } from "./rollup-program.js";
import { anchor as anchorModule, web3 } from "./solana-modules.js";
import { programDataAddress } from "./upgradeable-program.js";

/** Superblocks per `SuperblockPage` (IDL constant `SUPERBLOCKS_PER_PAGE`). */
export const SUPERBLOCKS_PER_PAGE = 16;
/** Most L2 blocks in one published superblock (superblock_registry.h `SUPERBLOCK_BLOCKS_MAX`). */
export const SUPERBLOCK_BLOCKS_MAX = 8;
/** Data sizes of the registry's accounts, bytes. */
export const SUPERBLOCK_ACCOUNT_SIZES = { SuperblockConfig: 81, SuperblockPage: 7589 } as const;

const CONFIG_SEED = utf8("superblock-config");
const PAGE_SEED = utf8("superblocks");

/** One rollup's L2 block in a published superblock. */
export interface L2BlockRoot {
  readonly chainId: number;
  readonly blockNumber: number;
  /** 32 bytes. */
  readonly blockHash: Uint8Array;
}

/** What `publish_superblock` registers (the program recomputes the Merkle root and checks `hash`). */
export interface SuperblockPost {
  readonly number: number;
  readonly slot: number;
  /** 32 bytes. */
  readonly parentHash: Uint8Array;
  /** 32 bytes. */
  readonly hash: Uint8Array;
  /** 1..8 blocks, strictly ascending by chain id. */
  readonly blocks: readonly L2BlockRoot[];
}

/** The decoded `SuperblockConfig`. */
export interface SuperblockConfig {
  /** base58 */
  readonly publisher: string;
  readonly lastNumber: number;
  readonly lastHash: Uint8Array;
}

/** One registered superblock. */
export interface SuperblockRecord extends SuperblockPost {
  readonly merkleRoot: Uint8Array;
  /** The L1 slot it landed in. */
  readonly l1Slot: number;
}

function u64le(value: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value), true);
  return out;
}

/** The `SuperblockConfig` PDA. */
export function superblockConfigAddress(programId: PublicKey = rollupProgramId()): PublicKey {
  return web3().PublicKey.findProgramAddressSync([CONFIG_SEED], programId)[0];
}

/** The `SuperblockPage` PDA of page `page`. */
export function superblockPageAddress(page: number, programId: PublicKey = rollupProgramId()): PublicKey {
  return web3().PublicKey.findProgramAddressSync([PAGE_SEED, u64le(page)], programId)[0];
}

/** The page that holds superblock `number` (>= 1). */
export function pageOfSuperblock(number: number): number {
  return Math.floor((number - 1) / SUPERBLOCKS_PER_PAGE);
}

function instruction(name: string, args: Record<string, unknown>, keys: TransactionInstruction["keys"], programId: PublicKey): TransactionInstruction {
  return new (web3().TransactionInstruction)({ programId, keys, data: rollupCoder().instruction.encode(name, args) });
}

function hash32(bytes: Uint8Array, what: string): number[] {
  if (bytes.length !== 32) throw new RangeError(`${what} is 32 bytes, got ${bytes.length}`);
  return Array.from(bytes);
}

/** Instruction builders of the superblock registry, accounts in IDL order. */
export const superblockInstructions = {
  /** `initialize_superblock_registry(publisher)`: `authority` (signer, payer) must be the program's upgrade authority. */
  initialize(authority: PublicKey, publisher: PublicKey, programId: PublicKey = rollupProgramId()): TransactionInstruction {
    return instruction(
      "initialize_superblock_registry",
      { publisher },
      [
        { pubkey: superblockConfigAddress(programId), isSigner: false, isWritable: true },
        { pubkey: superblockPageAddress(0, programId), isSigner: false, isWritable: true },
        { pubkey: authority, isSigner: true, isWritable: true },
        { pubkey: web3().SystemProgram.programId, isSigner: false, isWritable: false },
        { pubkey: new (web3().PublicKey)(programDataAddress(programId.toBase58())), isSigner: false, isWritable: false },
      ],
      programId,
    );
  },
  /**
   * `publish_superblock(number, slot, parent_hash, hash, blocks)` signed by the publisher (payer of a new page).
   * @throws RangeError when a hash is not 32 bytes
   */
  publish(publisher: PublicKey, post: SuperblockPost, programId: PublicKey = rollupProgramId()): TransactionInstruction {
    const BN = anchorModule().BN;
    return instruction(
      "publish_superblock",
      {
        number: new BN(post.number),
        slot: new BN(post.slot),
        parent_hash: hash32(post.parentHash, "a parent hash"),
        hash: hash32(post.hash, "a superblock hash"),
        blocks: post.blocks.map((b) => ({ chain_id: b.chainId, block_number: new BN(b.blockNumber), block_hash: hash32(b.blockHash, "a block hash") })),
      },
      [
        { pubkey: superblockConfigAddress(programId), isSigner: false, isWritable: true },
        { pubkey: superblockPageAddress(pageOfSuperblock(Math.max(1, post.number)), programId), isSigner: false, isWritable: true },
        { pubkey: publisher, isSigner: true, isWritable: true },
        { pubkey: web3().SystemProgram.programId, isSigner: false, isWritable: false },
      ],
      programId,
    );
  },
};

function discriminatorOf(name: string): Uint8Array {
  const account = ROLLUP_IDL.accounts?.find((a) => a.name === name);
  if (account === undefined) throw new Error(`IDL has no account ${name}`);
  return Uint8Array.from(account.discriminator);
}

function decode(data: Uint8Array, name: keyof typeof SUPERBLOCK_ACCOUNT_SIZES): Record<string, unknown> {
  if (data.length !== SUPERBLOCK_ACCOUNT_SIZES[name]) throw new RollupAccountError(`${name}: expected ${SUPERBLOCK_ACCOUNT_SIZES[name]} bytes, got ${data.length}`);
  if (!bytesEqual(data.subarray(0, 8), discriminatorOf(name))) throw new RollupAccountError(`${name}: wrong discriminator`);
  return rollupCoder().accounts.decode(name, Buffer.from(data.buffer, data.byteOffset, data.byteLength)) as Record<string, unknown>;
}

function toNumber(value: unknown): number {
  return Number((value as anchor.BN).toString());
}

/** @throws RollupAccountError when `data` is not a SuperblockConfig */
export function decodeSuperblockConfig(data: Uint8Array): SuperblockConfig {
  const c = decode(data, "SuperblockConfig");
  return { publisher: (c.publisher as PublicKey).toBase58(), lastNumber: toNumber(c.last_number), lastHash: Uint8Array.from(c.last_hash as number[]) };
}

/** The used entries of a `SuperblockPage`, in order. @throws RollupAccountError when `data` is not one, or its count is over 16 */
export function decodeSuperblockPage(data: Uint8Array): { readonly page: number; readonly entries: readonly SuperblockRecord[] } {
  const p = decode(data, "SuperblockPage");
  const count = p.count as number;
  type Raw = { number: anchor.BN; slot: anchor.BN; parent_hash: number[]; hash: number[]; merkle_root: number[]; l1_slot: anchor.BN; block_count: number; blocks: { chain_id: number; block_number: anchor.BN; block_hash: number[] }[] };
  const all = p.entries as Raw[];
  if (count > all.length) throw new RollupAccountError(`SuperblockPage: count ${count} over ${all.length} entries`);
  return {
    page: toNumber(p.page),
    entries: all.slice(0, count).map((e) => ({
      number: toNumber(e.number),
      slot: toNumber(e.slot),
      parentHash: Uint8Array.from(e.parent_hash),
      hash: Uint8Array.from(e.hash),
      merkleRoot: Uint8Array.from(e.merkle_root),
      l1Slot: toNumber(e.l1_slot),
      blocks: e.blocks.slice(0, Math.min(e.block_count, SUPERBLOCK_BLOCKS_MAX)).map((b) => ({ chainId: b.chain_id, blockNumber: toNumber(b.block_number), blockHash: Uint8Array.from(b.block_hash) })),
    })),
  };
}

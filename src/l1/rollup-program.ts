/**
 * The AssetRollup program's client side: its IDL, program id, PDAs and
 * instruction builders, encoded with @coral-xyz/anchor's `BorshCoder` from the
 * IDL checked in at `programs/asset_rollup/idl.json` (the same bytes an Anchor
 * `Program` client sends), and transactions built and signed with
 * @solana/web3.js. Pure functions: no IO, usable from sans-IO nodes and from
 * real-mode code alike. The libraries load on first use (`solana-modules.ts`),
 * so the program id and the coder are functions, not constants.
 */
import type { BorshCoder, Idl } from "@coral-xyz/anchor";
import type { Keypair, PublicKey, TransactionInstruction } from "@solana/web3.js";
import { createNativeEd25519 } from "../crypto/ed25519-native.js";
import { sha256, toHex, utf8 } from "../crypto/hash.js";
import idlJson from "../../programs/asset_rollup/idl.json" with { type: "json" };
import { anchor, web3 } from "./solana-modules.js";
import { base58Encode } from "./base58.js";
import { TRANSACTION_BYTES_MAX } from "./solana-transaction.js";
import { programDataAddress } from "./upgradeable-program.js";

/** The program's Anchor IDL (new spec, as @coral-xyz/anchor 0.32 reads it). */
export const ROLLUP_IDL = idlJson as unknown as Idl;

/** The program id as base58 text, as written in the IDL and `programs/asset_rollup/deployment.json` (no web3.js needed). */
export const ROLLUP_PROGRAM_ADDRESS: string = idlJson.address;

let programId: PublicKey | undefined;

/** The program id, as written in the IDL and `programs/asset_rollup/deployment.json` (made once, on first use). */
export function rollupProgramId(): PublicKey {
  programId ??= new (web3().PublicKey)(ROLLUP_PROGRAM_ADDRESS);
  return programId;
}

/** Roots per registry page: heights `64p+1 ..= 64p+64` live in page `p` (IDL constant `ROOTS_PER_PAGE`). */
export const ROOTS_PER_PAGE = 64;

let coder: BorshCoder | undefined;

/** The coder every encoding here goes through (built once, on first use). */
export function rollupCoder(): BorshCoder {
  coder ??= new (anchor().BorshCoder)(ROLLUP_IDL);
  return coder;
}

/** The custom error names of the program, by code (6000 and up; from the IDL). */
export const ROLLUP_ERRORS: ReadonlyMap<number, string> = new Map(idlJson.errors.map((e) => [e.code, e.name]));

/** A custom error code's name (`HeightNotNext` for 6002), or `custom-<code>` for a code the IDL does not list. */
export function rollupErrorName(code: number): string {
  return ROLLUP_ERRORS.get(code) ?? `custom-${code}`;
}

const CONFIG_SEED = utf8("rollup-config");
const REGISTRY_SEED = utf8("root-registry");
/** Derived addresses by program id object, then by the seeds in hex (a program id's base58 is not recomputed per lookup). */
const pdaCache = new WeakMap<PublicKey, Map<string, PublicKey>>();

function findPda(seeds: Uint8Array[], programId: PublicKey): PublicKey {
  let byProgram = pdaCache.get(programId);
  if (byProgram === undefined) pdaCache.set(programId, (byProgram = new Map()));
  const key = seeds.map((s) => toHex(s)).join("/");
  let address = byProgram.get(key);
  if (address === undefined) {
    address = web3().PublicKey.findProgramAddressSync(seeds, programId)[0];
    byProgram.set(key, address);
  }
  return address;
}

/** The `RollupConfig` PDA: seeds `["rollup-config"]`. */
export function configAddress(programId: PublicKey = rollupProgramId()): PublicKey {
  return findPda([CONFIG_SEED], programId);
}

/** The `RootRegistry` page PDA: seeds `["root-registry", page as u64 little endian]`. */
export function registryPageAddress(page: number, programId: PublicKey = rollupProgramId()): PublicKey {
  const le = new Uint8Array(8);
  new DataView(le.buffer).setBigUint64(0, BigInt(page), true);
  return findPda([REGISTRY_SEED, le], programId);
}

/** The registry page that holds batch height `height` (>= 1). */
export function pageOfHeight(height: number): number {
  return Math.floor((height - 1) / ROOTS_PER_PAGE);
}

/** Anchor's discriminator of `submit_batch_root` (from the IDL: sha256("global:submit_batch_root")[..8]). */
const SUBMIT_BATCH_ROOT_DISCRIMINATOR = Uint8Array.from(idlJson.instructions.find((i) => i.name === "submit_batch_root")!.discriminator);

/**
 * The data of `submit_batch_root({ height, root })`, laid out as Anchor's
 * BorshCoder encodes it (discriminator, height as u64 little endian, the
 * 32 root bytes: 48 bytes), without the coder: the poster builds one per
 * batch (a test compares it with the coder's bytes).
 * @throws RangeError when `root` is not 32 bytes or `height` is not a safe non-negative integer
 */
export function submitBatchRootData(height: number, root: Uint8Array): Buffer {
  if (root.length !== 32) throw new RangeError(`a state root is 32 bytes, got ${root.length}`);
  if (!Number.isSafeInteger(height) || height < 0) throw new RangeError(`a batch height is a safe non-negative integer, got ${height}`);
  const data = Buffer.alloc(48);
  data.set(SUBMIT_BATCH_ROOT_DISCRIMINATOR, 0);
  data.writeBigUInt64LE(BigInt(height), 8);
  data.set(root, 16);
  return data;
}

/** Anchor's discriminator of `initialize` (from the IDL: sha256("global:initialize")[..8]). */
const INITIALIZE_DISCRIMINATOR = Uint8Array.from(idlJson.instructions.find((i) => i.name === "initialize")!.discriminator);

/**
 * The data of `initialize({ batch_poster_authority, version })`, laid out as
 * Anchor's BorshCoder encodes it (discriminator, the 32 key bytes, version as
 * u32 little endian: 44 bytes), without the coder: every run with the L1
 * initializes the program once, and building the coder loads
 * @coral-xyz/anchor (about 0.1 s of a process's CPU, which a run that sends
 * no other coder-encoded instruction then never pays; a test compares the
 * bytes with the coder's).
 * @throws RangeError when `batchPoster` is not 32 bytes or `version` is not a u32
 */
export function initializeData(batchPoster: Uint8Array, version: number): Buffer {
  if (batchPoster.length !== 32) throw new RangeError(`a public key is 32 bytes, got ${batchPoster.length}`);
  if (!Number.isInteger(version) || version < 0 || version > 0xffff_ffff) throw new RangeError(`a program version is a u32, got ${version}`);
  const data = Buffer.alloc(44);
  data.set(INITIALIZE_DISCRIMINATOR, 0);
  data.set(batchPoster, 8);
  data.writeUInt32LE(version, 40);
  return data;
}

function instruction(name: string, args: Record<string, unknown>, keys: TransactionInstruction["keys"], programId: PublicKey): TransactionInstruction {
  return new (web3().TransactionInstruction)({ programId, keys, data: rollupCoder().instruction.encode(name, args) });
}

/** Instruction builders, one per program instruction, accounts in IDL order. */
export const rollupInstructions = {
  /** `initialize(config)`: `authority` (signer, payer; the program's upgrade authority, named by its ProgramData account) becomes the config's upgrade authority. */
  initialize(authority: PublicKey, batchPoster: PublicKey, version: number, programId: PublicKey = rollupProgramId()): TransactionInstruction {
    return new (web3().TransactionInstruction)({
      programId,
      data: initializeData(batchPoster.toBytes(), version),
      keys: [
        { pubkey: configAddress(programId), isSigner: false, isWritable: true },
        { pubkey: registryPageAddress(0, programId), isSigner: false, isWritable: true },
        { pubkey: authority, isSigner: true, isWritable: true },
        { pubkey: web3().SystemProgram.programId, isSigner: false, isWritable: false },
        { pubkey: new (web3().PublicKey)(programDataAddress(programId.toBase58())), isSigner: false, isWritable: false },
      ],
    });
  },
  /** `submit_batch_root({ height, root })` signed by the batch poster authority (payer of a new registry page). */
  submitBatchRoot(poster: PublicKey, height: number, root: Uint8Array, programId: PublicKey = rollupProgramId()): TransactionInstruction {
    return new (web3().TransactionInstruction)({
      programId,
      data: submitBatchRootData(height, root),
      keys: [
        { pubkey: configAddress(programId), isSigner: false, isWritable: true },
        { pubkey: registryPageAddress(pageOfHeight(height), programId), isSigner: false, isWritable: true },
        { pubkey: poster, isSigner: true, isWritable: true },
        { pubkey: web3().SystemProgram.programId, isSigner: false, isWritable: false },
      ],
    });
  },
  /** `rotate_authority(new)`: a new batch poster authority (upgrade authority signs). */
  rotateAuthority(upgradeAuthority: PublicKey, newPoster: PublicKey, programId: PublicKey = rollupProgramId()): TransactionInstruction {
    return instruction("rotate_authority", { new_authority: newPoster }, adminKeys(upgradeAuthority, programId), programId);
  },
  /** `transfer_upgrade_authority(new)`: names a pending upgrade authority. */
  transferUpgradeAuthority(upgradeAuthority: PublicKey, pending: PublicKey, programId: PublicKey = rollupProgramId()): TransactionInstruction {
    return instruction("transfer_upgrade_authority", { new_authority: pending }, adminKeys(upgradeAuthority, programId), programId);
  },
  /** `accept_upgrade_authority()`: the pending authority signs to take over. */
  acceptUpgradeAuthority(pending: PublicKey, programId: PublicKey = rollupProgramId()): TransactionInstruction {
    return instruction("accept_upgrade_authority", {}, adminKeys(pending, programId), programId);
  },
  /** `pause_posting()`. */
  pausePosting(upgradeAuthority: PublicKey, programId: PublicKey = rollupProgramId()): TransactionInstruction {
    return instruction("pause_posting", {}, adminKeys(upgradeAuthority, programId), programId);
  },
  /** `resume_posting()`. */
  resumePosting(upgradeAuthority: PublicKey, programId: PublicKey = rollupProgramId()): TransactionInstruction {
    return instruction("resume_posting", {}, adminKeys(upgradeAuthority, programId), programId);
  },
  /** `set_version(v)`: the previous version becomes `last_good_version`. */
  setVersion(upgradeAuthority: PublicKey, version: number, programId: PublicKey = rollupProgramId()): TransactionInstruction {
    return instruction("set_version", { version }, adminKeys(upgradeAuthority, programId), programId);
  },
};

function adminKeys(signer: PublicKey, programId: PublicKey): TransactionInstruction["keys"] {
  return [
    { pubkey: configAddress(programId), isSigner: false, isWritable: true },
    { pubkey: signer, isSigner: true, isWritable: false },
  ];
}

/** A signed transaction ready for `send-transaction`. */
export interface SignedTransaction {
  /** The wire bytes (legacy format, at most 1232 bytes). */
  readonly bytes: Uint8Array;
  /** The fee payer's signature, base58: the transaction's id on Solana. */
  readonly signature: string;
}

/** Ed25519 through node:crypto: the same deterministic signatures (RFC 8032) as web3.js's pure-JS signer, about 10x faster. */
const ed25519 = createNativeEd25519();

/**
 * Builds and signs a legacy transaction; the first signer pays the fee.
 * The message is compiled once by web3.js (`Transaction.compileMessage`: the
 * account order, header and instruction indexes of Solana's legacy message)
 * and signed with node:crypto's ed25519; the wire bytes are then laid out as
 * `Transaction._serialize` does (compact-u16 signature count, the signatures
 * in the order of the message's signer keys, the message). RFC 8032
 * signatures are deterministic, so the bytes equal `Transaction.sign` +
 * `serialize`'s (a test compares them), with one compilation instead of three.
 * @throws RangeError without signers
 * @throws Error from web3.js on a signer no instruction names; Error when a required signer is missing or the transaction is over 1232 bytes
 */
export function signTransaction(instructions: readonly TransactionInstruction[], signers: readonly Keypair[], recentBlockhash: string): SignedTransaction {
  const payer = signers[0];
  if (payer === undefined) throw new RangeError("a transaction needs at least one signer (the fee payer)");
  const tx = new (web3().Transaction)({ feePayer: payer.publicKey, recentBlockhash });
  tx.add(...instructions);
  tx.setSigners(...signers.map((k) => k.publicKey));
  const compiled = tx.compileMessage();
  const message = compiled.serialize();
  const signerCount = compiled.header.numRequiredSignatures;
  const bytes = new Uint8Array(1 + 64 * signerCount + message.length);
  if (bytes.length > TRANSACTION_BYTES_MAX) throw new Error(`Transaction too large: ${bytes.length} > ${TRANSACTION_BYTES_MAX}`);
  bytes[0] = signerCount; // compact-u16: one byte below 0x80, and 0x80 signatures alone exceed 1232 bytes
  for (let i = 0; i < signerCount; i++) {
    const key = compiled.accountKeys[i]!;
    const signer = signers.find((k) => k.publicKey.equals(key));
    if (signer === undefined) throw new Error(`Missing signature for public key ${key.toBase58()}`);
    bytes.set(ed25519.sign(signer.secretKey.subarray(0, 32), message), 1 + 64 * i);
  }
  bytes.set(message, 1 + 64 * signerCount);
  return { bytes, signature: base58Encode(bytes.subarray(1, 65)) };
}

/** A Solana keypair derived from a label and a seed (sha256 of both): deterministic keys for simulated operators. */
export function deriveSolanaKeypair(label: string, seed: number): Keypair {
  return solanaKeypairFromSeed(solanaKeySeed(label, seed));
}

/**
 * The address (base58 public key) of {@link deriveSolanaKeypair}`(label, seed)`,
 * without web3.js: what a run's set-up needs (the accounts to fund), so that
 * building a run does not load web3.js before the first node needs it.
 */
export function deriveSolanaAddress(label: string, seed: number): string {
  return base58Encode(ed25519.keyPairFromSeed(solanaKeySeed(label, seed)).publicKey);
}

/** The 32-byte ed25519 seed of a derived key: sha256("asset-sim/l1-key/<label>/<seed>"). */
function solanaKeySeed(label: string, seed: number): Uint8Array {
  return sha256(utf8(`asset-sim/l1-key/${label}/${seed}`));
}

/**
 * The Solana keypair of a 32-byte ed25519 seed: the same keys as web3.js's
 * `Keypair.fromSeed` (RFC 8032 5.1.5 public key; secret key = seed || public key),
 * with the public key derived by node:crypto instead of web3.js's pure-JS
 * ed25519 (whose first use also builds its precomputed tables: about 0.1 s of
 * a run's set-up, and a few ms per key after).
 * @throws RangeError when `seed` is not 32 bytes
 */
export function solanaKeypairFromSeed(seed: Uint8Array): Keypair {
  if (seed.length !== 32) throw new RangeError(`an ed25519 seed is 32 bytes, got ${seed.length}`);
  const { publicKey } = ed25519.keyPairFromSeed(seed);
  const secretKey = new Uint8Array(64);
  secretKey.set(seed, 0);
  secretKey.set(publicKey, 32);
  // skipValidation: web3.js would sign and verify a message in pure JS to check the pair, which is what we avoid.
  return web3().Keypair.fromSecretKey(secretKey, { skipValidation: true });
}

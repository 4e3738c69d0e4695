/**
 * Staging bytes on chain in a buffer account of the upgradeable BPF loader,
 * as a challenger stages a one-step witness too large for one transaction
 * (the program's `step` and `verify_step` read `tx_len u32 | tx |
 * witness_len u32 | witness` after the buffer's 37-byte header). The
 * loader's instructions (bincode, agave `UpgradeableLoaderInstruction`):
 * `InitializeBuffer` = u32 0, accounts [buffer (w), authority];
 * `Write { offset: u32, bytes: Vec<u8> }` = u32 1 | offset u32 | len u64 | bytes,
 * accounts [buffer (w), authority (s)]. Pure builders, no IO.
 */
import type { PublicKey, TransactionInstruction } from "@solana/web3.js";
import { web3 } from "./solana-modules.js";

/** The upgradeable loader's buffer header (UpgradeableLoaderState::Buffer { authority_address }), bytes. */
export const LOADER_BUFFER_HEADER = 37;
/** Bytes per Write that keep a transaction under 1232 bytes with room for its accounts and signature. */
export const LOADER_WRITE_CHUNK = 900;

/** The upgradeable BPF loader's id. */
export function upgradeableLoaderId(): PublicKey {
  return new (web3().PublicKey)("BPFLoaderUpgradeab1e11111111111111111111111");
}

/** The rent-exempt minimum of `space` data bytes under the default rent (3480 lamports per byte-year, threshold 2). */
export function rentExemptLamports(space: number): bigint {
  return BigInt(128 + space) * 3480n * 2n;
}

/** `u32 tx_len | tx | u32 witness_len | witness`: what the step reads from a buffer. */
export function stepPayload(tx: Uint8Array, witness: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + tx.length + witness.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, tx.length, true);
  out.set(tx, 4);
  view.setUint32(4 + tx.length, witness.length, true);
  out.set(witness, 8 + tx.length);
  return out;
}

/** Creates `buffer` (a new keypair's address, which must sign) for `payloadBytes` bytes and initializes it with `authority`. */
export function createLoaderBuffer(payer: PublicKey, buffer: PublicKey, authority: PublicKey, payloadBytes: number): TransactionInstruction[] {
  const space = LOADER_BUFFER_HEADER + payloadBytes;
  const loader = upgradeableLoaderId();
  const create = web3().SystemProgram.createAccount({ fromPubkey: payer, newAccountPubkey: buffer, lamports: Number(rentExemptLamports(space)), space, programId: loader });
  const initialize = new (web3().TransactionInstruction)({
    programId: loader,
    keys: [
      { pubkey: buffer, isSigner: false, isWritable: true },
      { pubkey: authority, isSigner: false, isWritable: false },
    ],
    data: Buffer.from([0, 0, 0, 0]),
  });
  return [create, initialize];
}

/** Writes `bytes` at `offset` of the buffer's payload (after its header). */
export function writeLoaderBuffer(buffer: PublicKey, authority: PublicKey, offset: number, bytes: Uint8Array): TransactionInstruction {
  const data = Buffer.alloc(16 + bytes.length);
  data.writeUInt32LE(1, 0);
  data.writeUInt32LE(offset, 4);
  data.writeBigUInt64LE(BigInt(bytes.length), 8);
  data.set(bytes, 16);
  return new (web3().TransactionInstruction)({
    programId: upgradeableLoaderId(),
    keys: [
      { pubkey: buffer, isSigner: false, isWritable: true },
      { pubkey: authority, isSigner: true, isWritable: false },
    ],
    data,
  });
}

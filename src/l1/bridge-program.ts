/**
 * The client side of the AssetRollup program's bridge (`programs/asset_rollup/src/bridge.c`):
 * its PDAs, the `deposit` and `finalize_withdrawal` instruction builders (encoded by the anchor
 * coder from the IDL), and decoders of its three accounts. Pure functions, no IO.
 *
 * Accounts (Borsh, fixed size, after an 8-byte discriminator):
 * - `BridgeVault` `["bridge-vault"]`: next_deposit_sequence u64, total_deposited u64, total_withdrawn u64, bump u8 (33 bytes);
 * - `DepositRecord` `["deposit", sequence u64 LE]`: sequence u64, depositor pubkey, recipient [u8;32] (an L2 account), amount u64, slot u64, bump u8 (97 bytes);
 * - `WithdrawalNullifier` `["withdrawal", sequence u64 LE]`: sequence u64, recipient pubkey, amount u64, height u64, slot u64, bump u8 (73 bytes).
 */
import type { PublicKey, TransactionInstruction } from "@solana/web3.js";
import { bytesEqual, utf8 } from "../crypto/hash.js";
import type { MerkleProof } from "../crypto/sparse-merkle.js";
import { RollupAccountError } from "./rollup-accounts.js";
import { pageOfHeight, registryPageAddress, rollupCoder, rollupProgramId, ROLLUP_IDL } from "./rollup-program.js";
import { anchor, web3 } from "./solana-modules.js";
import { batchAddress, gameConfigAddress } from "./game-program.js";

const VAULT_SEED = utf8("bridge-vault");
const DEPOSIT_SEED = utf8("deposit");
const WITHDRAWAL_SEED = utf8("withdrawal");

/** Data sizes of the bridge's accounts, bytes. */
export const BRIDGE_ACCOUNT_SIZES = { BridgeVault: 33, DepositRecord: 97, WithdrawalNullifier: 73 } as const;

/** Most siblings `finalize_withdrawal` takes (bridge.h `WITHDRAWAL_PROOF_SIBLINGS_MAX`). */
export const WITHDRAWAL_PROOF_SIBLINGS_MAX = 64;

function u64le(value: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, value, true);
  return out;
}

/** The `BridgeVault` PDA. */
export function vaultAddress(programId: PublicKey = rollupProgramId()): PublicKey {
  return web3().PublicKey.findProgramAddressSync([VAULT_SEED], programId)[0];
}

/** The `DepositRecord` PDA of deposit `sequence`. */
export function depositRecordAddress(sequence: bigint, programId: PublicKey = rollupProgramId()): PublicKey {
  return web3().PublicKey.findProgramAddressSync([DEPOSIT_SEED, u64le(sequence)], programId)[0];
}

/** The `WithdrawalNullifier` PDA of withdrawal `sequence`. */
export function nullifierAddress(sequence: bigint, programId: PublicKey = rollupProgramId()): PublicKey {
  return web3().PublicKey.findProgramAddressSync([WITHDRAWAL_SEED, u64le(sequence)], programId)[0];
}

function instruction(name: string, args: Record<string, unknown>, keys: TransactionInstruction["keys"], programId: PublicKey): TransactionInstruction {
  return new (web3().TransactionInstruction)({ programId, keys, data: rollupCoder().instruction.encode(name, args) });
}

/** Instruction builders of the bridge, accounts in IDL order. */
export const bridgeInstructions = {
  /**
   * `deposit(recipient, amount)`: `depositor` (signer, payer) locks `amount` lamports for the L2 account
   * `recipient` (32 bytes); `sequence` must be the vault's next deposit sequence (0 before the vault exists).
   */
  deposit(depositor: PublicKey, recipient: Uint8Array, amount: bigint, sequence: bigint, programId: PublicKey = rollupProgramId()): TransactionInstruction {
    if (recipient.length !== 32) throw new RangeError(`an L2 account is 32 bytes, got ${recipient.length}`);
    return instruction(
      "deposit",
      { recipient: Array.from(recipient), amount: new (anchor().BN)(amount.toString()) },
      [
        { pubkey: vaultAddress(programId), isSigner: false, isWritable: true },
        { pubkey: depositRecordAddress(sequence, programId), isSigner: false, isWritable: true },
        { pubkey: depositor, isSigner: true, isWritable: true },
        { pubkey: web3().SystemProgram.programId, isSigner: false, isWritable: false },
      ],
      programId,
    );
  },
  /**
   * `finalize_withdrawal(sequence, amount, height, siblings)`: pays withdrawal `sequence` to `recipient`
   * with the inclusion proof's siblings against the final root of `height`; `payer` signs and pays
   * the nullifier's rent. `mode` names the root's account: the registry page (posting) or the
   * OptimisticBatch of `height` (optimistic; `height` is then the batch number). The GameConfig
   * address goes last either way: the program reads the rollup's mode from it.
   * @throws RangeError when the proof has more than {@link WITHDRAWAL_PROOF_SIBLINGS_MAX} siblings
   */
  finalizeWithdrawal(
    payer: PublicKey,
    recipient: PublicKey,
    withdrawal: { readonly sequence: bigint; readonly amount: bigint; readonly height: number; readonly proof: MerkleProof },
    programId: PublicKey = rollupProgramId(),
    mode: "posting" | "optimistic" = "posting",
  ): TransactionInstruction {
    const { sequence, amount, height, proof } = withdrawal;
    if (proof.siblings.length > WITHDRAWAL_PROOF_SIBLINGS_MAX) throw new RangeError(`${proof.siblings.length} siblings, at most ${WITHDRAWAL_PROOF_SIBLINGS_MAX}`);
    const BN = anchor().BN;
    return instruction(
      "finalize_withdrawal",
      { sequence: new BN(sequence.toString()), amount: new BN(amount.toString()), height: new BN(height), siblings: proof.siblings.map((s) => Array.from(s)) },
      [
        { pubkey: vaultAddress(programId), isSigner: false, isWritable: true },
        { pubkey: mode === "posting" ? registryPageAddress(pageOfHeight(height), programId) : batchAddress(height, programId), isSigner: false, isWritable: false },
        { pubkey: nullifierAddress(sequence, programId), isSigner: false, isWritable: true },
        { pubkey: recipient, isSigner: false, isWritable: true },
        { pubkey: payer, isSigner: true, isWritable: true },
        { pubkey: web3().SystemProgram.programId, isSigner: false, isWritable: false },
        { pubkey: gameConfigAddress(programId), isSigner: false, isWritable: false },
      ],
      programId,
    );
  },
};

/** The decoded `BridgeVault`. */
export interface BridgeVault {
  readonly nextDepositSequence: bigint;
  /** Lamports deposited, cumulative. */
  readonly totalDeposited: bigint;
  /** Lamports paid out to withdrawals, cumulative. */
  readonly totalWithdrawn: bigint;
}

/** The decoded `DepositRecord`. */
export interface DepositRecord {
  readonly sequence: bigint;
  /** Base58 key of the depositor. */
  readonly depositor: string;
  /** The L2 account credited, 32 bytes. */
  readonly recipient: Uint8Array;
  /** Lamports. */
  readonly amount: bigint;
  /** The slot the deposit landed in. */
  readonly slot: bigint;
}

/** The decoded `WithdrawalNullifier`. */
export interface WithdrawalNullifier {
  readonly sequence: bigint;
  /** Base58 key paid. */
  readonly recipient: string;
  readonly amount: bigint;
  /** The L2 height whose root proved the withdrawal. */
  readonly height: bigint;
  /** The slot of the payment. */
  readonly slot: bigint;
}

function discriminatorOf(name: string): Uint8Array {
  const account = ROLLUP_IDL.accounts?.find((a) => a.name === name);
  if (account === undefined) throw new Error(`IDL has no account ${name}`);
  return Uint8Array.from(account.discriminator);
}

function view(data: Uint8Array, name: keyof typeof BRIDGE_ACCOUNT_SIZES): DataView {
  if (data.length !== BRIDGE_ACCOUNT_SIZES[name]) throw new RollupAccountError(`${name}: expected ${BRIDGE_ACCOUNT_SIZES[name]} bytes, got ${data.length}`);
  if (!bytesEqual(data.subarray(0, 8), discriminatorOf(name))) throw new RollupAccountError(`${name}: wrong discriminator`);
  return new DataView(data.buffer, data.byteOffset, data.byteLength);
}

/** @throws RollupAccountError when `data` is not a BridgeVault */
export function decodeBridgeVault(data: Uint8Array): BridgeVault {
  const v = view(data, "BridgeVault");
  return { nextDepositSequence: v.getBigUint64(8, true), totalDeposited: v.getBigUint64(16, true), totalWithdrawn: v.getBigUint64(24, true) };
}

/** @throws RollupAccountError when `data` is not a DepositRecord */
export function decodeDepositRecord(data: Uint8Array): DepositRecord {
  const v = view(data, "DepositRecord");
  return {
    sequence: v.getBigUint64(8, true),
    depositor: new (web3().PublicKey)(data.subarray(16, 48)).toBase58(),
    recipient: data.slice(48, 80),
    amount: v.getBigUint64(80, true),
    slot: v.getBigUint64(88, true),
  };
}

/** @throws RollupAccountError when `data` is not a WithdrawalNullifier */
export function decodeWithdrawalNullifier(data: Uint8Array): WithdrawalNullifier {
  const v = view(data, "WithdrawalNullifier");
  return {
    sequence: v.getBigUint64(8, true),
    recipient: new (web3().PublicKey)(data.subarray(16, 48)).toBase58(),
    amount: v.getBigUint64(48, true),
    height: v.getBigUint64(56, true),
    slot: v.getBigUint64(64, true),
  };
}

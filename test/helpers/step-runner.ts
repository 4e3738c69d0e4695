/**
 * Runs the program's `verify_step` instruction (programs/asset_rollup/src/step_instruction.c)
 * in litesvm: one runtime per runner, synchronous. The transaction and witness
 * go in the instruction data when the Solana transaction fits its 1232 bytes,
 * otherwise into a witness buffer account written directly with `setAccount`
 * (the step needs no trust in who wrote the buffer).
 */
import { address, getTransactionDecoder, lamports } from "@solana/kit";
import { ComputeBudgetProgram, Keypair, PublicKey, SystemProgram, Transaction, TransactionInstruction } from "@solana/web3.js";
import { FailedTransactionMetadata, LiteSVM } from "litesvm";
import { PROGRAM_ID, PROGRAM_SO_PATH, fixedKeypair, sha256 } from "./asset-rollup-program.js";

/** sha256("global:verify_step")[..8]. */
export const VERIFY_STEP_DISCRIMINATOR = sha256("global:verify_step").subarray(0, 8);

/** The upgradeable BPF loader, whose buffer accounts can stage a witness. */
const UPGRADEABLE_LOADER = new PublicKey("BPFLoaderUpgradeab1e11111111111111111111111");
/** Its buffer header: UpgradeableLoaderState::Buffer { authority_address } (bincode: u32 tag, u8 option tag, 32-byte key). */
const LOADER_BUFFER_HEADER = 37;

/** Solana's transaction size limit, bytes. */
const PACKET_BYTES = 1232;

/** What one verify_step did: success with the program's result, or the custom error code. */
export type StepOutcome =
  | { readonly ok: true; readonly postRoot: Uint8Array; readonly status: number; readonly failedInstruction: number; readonly admitted: boolean; readonly computeUnits: number; readonly viaBuffer: boolean }
  | { readonly ok: false; readonly code: number | undefined; readonly logs: readonly string[]; readonly computeUnits: number };

function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, true);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A litesvm runtime with the program, a fee payer and a witness buffer account. */
export class StepRunner {
  private readonly svm = new LiteSVM();
  private readonly decoder = getTransactionDecoder();
  private readonly payer = fixedKeypair("step-fee-payer");
  private readonly buffer = Keypair.fromSeed(sha256("step-witness-buffer")).publicKey;
  private sent = 0;

  constructor() {
    this.svm.addProgramFromFile(address(PROGRAM_ID.toBase58()), PROGRAM_SO_PATH);
    this.svm.airdrop(address(this.payer.publicKey.toBase58()), lamports(1_000_000_000_000n));
  }

  /**
   * Runs verify_step. `forceBuffer` sends the payload through the buffer account even when it would fit.
   * The compute limit is 1,400,000 so that a step over 200,000 units shows its cost instead of failing.
   */
  verify(preRoot: Uint8Array, claimedPostRoot: Uint8Array, tx: Uint8Array, witness: Uint8Array, forceBuffer = false): StepOutcome {
    const inline = concat(VERIFY_STEP_DISCRIMINATOR, preRoot, claimedPostRoot, u32(tx.length), tx, u32(witness.length), witness);
    const budget = ComputeBudgetProgram.setComputeUnitLimit({ units: 1_400_000 });
    let instruction = new TransactionInstruction({ programId: PROGRAM_ID, keys: [], data: Buffer.from(inline) });
    let viaBuffer = forceBuffer || this.size(budget, instruction) > PACKET_BYTES;
    if (viaBuffer) {
      const data = concat(u32(tx.length), tx, u32(witness.length), witness);
      this.svm.setAccount({
        address: address(this.buffer.toBase58()),
        data,
        executable: false,
        lamports: lamports(1_000_000_000n),
        programAddress: address(PublicKey.default.toBase58()),
        space: BigInt(data.length),
      });
      const empty = concat(VERIFY_STEP_DISCRIMINATOR, preRoot, claimedPostRoot, u32(0), u32(0));
      instruction = new TransactionInstruction({ programId: PROGRAM_ID, keys: [{ pubkey: this.buffer, isSigner: false, isWritable: false }], data: Buffer.from(empty) });
    }
    const transaction = this.transaction(budget, instruction);
    return this.outcome(this.svm.sendTransaction(this.decoder.decode(transaction.serialize())), viaBuffer);
  }

  private outcome(result: ReturnType<LiteSVM["sendTransaction"]>, viaBuffer: boolean): StepOutcome {
    if (result instanceof FailedTransactionMetadata) {
      const error = result.err();
      const inner = typeof error === "object" && "err" in error ? error.err() : undefined;
      const code = typeof inner === "object" && inner !== null && "code" in inner ? (inner as { code: number }).code : undefined;
      return { ok: false, code, logs: result.meta().logs(), computeUnits: Number(result.meta().computeUnitsConsumed()) };
    }
    const data = result.returnData().data();
    return {
      ok: true,
      postRoot: data.slice(0, 32),
      status: data[32]!,
      failedInstruction: data[33]!,
      admitted: data[34] === 1,
      computeUnits: Number(result.computeUnitsConsumed()),
      viaBuffer,
    };
  }

  /**
   * Stages `tx` and `witness` in a buffer of the upgradeable BPF loader the way
   * a challenger would on a real cluster: create the account (owner: the
   * loader), InitializeBuffer, then Write in chunks of `chunk` bytes, one
   * Solana transaction each (bincode: Write = u32 1 | offset u32 | Vec<u8> with a u64 length).
   * @returns the buffer's address and how many transactions it took
   */
  stageInLoaderBuffer(tx: Uint8Array, witness: Uint8Array, chunk = 900): { readonly buffer: PublicKey; readonly transactions: number } {
    const payload = concat(u32(tx.length), tx, u32(witness.length), witness);
    const buffer = Keypair.generate();
    const space = LOADER_BUFFER_HEADER + payload.length;
    const rent = this.svm.minimumBalanceForRentExemption(BigInt(space));
    const create = SystemProgram.createAccount({ fromPubkey: this.payer.publicKey, newAccountPubkey: buffer.publicKey, lamports: Number(rent), space, programId: UPGRADEABLE_LOADER });
    const initialize = new TransactionInstruction({
      programId: UPGRADEABLE_LOADER,
      keys: [
        { pubkey: buffer.publicKey, isSigner: false, isWritable: true },
        { pubkey: this.payer.publicKey, isSigner: false, isWritable: false },
      ],
      data: Buffer.from(u32(0)),
    });
    let transactions = 0;
    const send = (signers: Keypair[], ...instructions: TransactionInstruction[]): void => {
      const transaction = this.transaction(...instructions);
      transaction.sign(this.payer, ...signers);
      const result = this.svm.sendTransaction(this.decoder.decode(transaction.serialize()));
      if (result instanceof FailedTransactionMetadata) throw new Error(`staging the witness failed: ${result.toString()}`);
      transactions++;
    };
    send([buffer], create, initialize);
    for (let offset = 0; offset < payload.length; offset += chunk) {
      const bytes = payload.subarray(offset, offset + chunk);
      const length = new Uint8Array(8);
      new DataView(length.buffer).setBigUint64(0, BigInt(bytes.length), true);
      const write = new TransactionInstruction({
        programId: UPGRADEABLE_LOADER,
        keys: [
          { pubkey: buffer.publicKey, isSigner: false, isWritable: true },
          { pubkey: this.payer.publicKey, isSigner: true, isWritable: false },
        ],
        data: Buffer.from(concat(u32(1), u32(offset), length, bytes)),
      });
      send([], write);
    }
    return { buffer: buffer.publicKey, transactions };
  }

  /** verify_step reading its payload from the account at `buffer`. */
  verifyFromAccount(preRoot: Uint8Array, claimedPostRoot: Uint8Array, buffer: PublicKey): StepOutcome {
    const empty = concat(VERIFY_STEP_DISCRIMINATOR, preRoot, claimedPostRoot, u32(0), u32(0));
    const instruction = new TransactionInstruction({ programId: PROGRAM_ID, keys: [{ pubkey: buffer, isSigner: false, isWritable: false }], data: Buffer.from(empty) });
    const transaction = this.transaction(ComputeBudgetProgram.setComputeUnitLimit({ units: 1_400_000 }), instruction);
    return this.outcome(this.svm.sendTransaction(this.decoder.decode(transaction.serialize())), true);
  }

  private transaction(...instructions: TransactionInstruction[]): Transaction {
    this.svm.expireBlockhash();
    // A distinct transaction each time (litesvm refuses a repeated signature).
    const memo = new TransactionInstruction({ programId: ComputeBudgetProgram.programId, keys: [], data: ComputeBudgetProgram.setComputeUnitPrice({ microLamports: ++this.sent }).data });
    const tx = new Transaction().add(memo, ...instructions);
    tx.feePayer = this.payer.publicKey;
    tx.recentBlockhash = this.svm.latestBlockhash();
    tx.sign(this.payer);
    return tx;
  }

  private size(...instructions: TransactionInstruction[]): number {
    const tx = new Transaction().add(ComputeBudgetProgram.setComputeUnitPrice({ microLamports: 1 }), ...instructions);
    tx.feePayer = this.payer.publicKey;
    tx.recentBlockhash = PublicKey.default.toBase58();
    try {
      return tx.serialize({ requireAllSignatures: false, verifySignatures: false }).length;
    } catch {
      return Infinity; // web3.js refuses to serialize past the packet size
    }
  }
}

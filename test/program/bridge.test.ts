/**
 * The AssetRollup program's bridge (programs/asset_rollup/src/bridge.c) in
 * solana-bankrun: `deposit` and `finalize_withdrawal`, every error path, the
 * nullifier refusing a replay, forged proofs refused, and their compute units.
 * The withdrawals and their proofs come from a real AssetVM state
 * (LedgerState), whose root the poster registers with `submit_batch_root`.
 */
import { BN } from "@coral-xyz/anchor";
import { Keypair, PublicKey, Transaction, type TransactionInstruction } from "@solana/web3.js";
import { beforeEach, describe, expect, it } from "vitest";
import { executeTransaction } from "../../src/vm/execute.js";
import { LedgerState } from "../../src/vm/ledger-state.js";
import { stateKey } from "../../src/vm/state-keys.js";
import { BRIDGE_ACCOUNT, NATIVE_ASSET, type Instruction } from "../../src/vm/types.js";
import {
  bridgeInstructions,
  BRIDGE_ACCOUNT_SIZES,
  decodeBridgeVault,
  decodeDepositRecord,
  decodeWithdrawalNullifier,
  depositRecordAddress,
  nullifierAddress,
  vaultAddress,
} from "../../src/l1/bridge-program.js";
import type { MerkleProof } from "../../src/crypto/sparse-merkle.js";
import {
  PROGRAM_ID,
  type ProgramSession,
  customErrorCode,
  errorNumber,
  fixedKeypair,
  fund,
  registryAddress,
  setClock,
  startProgram,
} from "../helpers/asset-rollup-program.js";

const authority = fixedKeypair("upgrade-authority");
const poster = fixedKeypair("batch-poster");
const depositor = fixedKeypair("depositor");
const relayer = fixedKeypair("relayer");
const alice = fixedKeypair("alice-l1");
const bob = fixedKeypair("bob-l1");
const L2_ALICE = "a1".repeat(32);
const VAULT = vaultAddress(PROGRAM_ID);

/** An L2 state with `withdrawals` recorded (plus some other accounts, so proofs have siblings), committed at height 1. */
function l2State(withdrawals: { recipient: PublicKey; amount: bigint }[], fillers = 40): LedgerState {
  const state = new LedgerState();
  const w = state.begin(state.committed);
  w.setAsset({ symbol: NATIVE_ASSET, decimals: 9, mintAuthority: null, supply: 1000n * BigInt(fillers + 1) });
  w.setBalance(L2_ALICE, NATIVE_ASSET, 1000n);
  for (let i = 0; i < fillers; i++) w.setBalance(i.toString(16).padStart(64, "7"), NATIVE_ASSET, 1000n);
  const total = withdrawals.reduce((sum, x) => sum + x.amount, 0n);
  const credit: Instruction = { kind: "credit-deposit", sequence: 0n, to: L2_ALICE, amount: total };
  expect(executeTransaction(w, { sender: BRIDGE_ACCOUNT, nonce: 0n, fee: 0n, instructions: [credit] }, "c").status).toBe("ok");
  withdrawals.forEach((x, i) => {
    const ins: Instruction = { kind: "withdraw", recipient: Buffer.from(x.recipient.toBytes()).toString("hex"), amount: x.amount };
    expect(executeTransaction(w, { sender: L2_ALICE, nonce: BigInt(i), fee: 1n, instructions: [ins] }, `w${i}`).status).toBe("ok");
  });
  state.commit(w.finish(1));
  return state;
}

function proofOf(state: LedgerState, sequence: bigint): MerkleProof {
  return state.proveCommitted(stateKey.withdrawal(sequence)).proof;
}

type AccountState = { lamports: number; owner: string; data: number[] } | null;

class Bridge {
  constructor(readonly session: ProgramSession) {}

  get context() {
    return this.session.context;
  }

  async state(address: PublicKey): Promise<AccountState> {
    const account = await this.context.banksClient.getAccount(address);
    return account === null ? null : { lamports: account.lamports, owner: account.owner.toBase58(), data: [...account.data] };
  }

  async lamports(address: PublicKey): Promise<bigint> {
    return BigInt((await this.context.banksClient.getAccount(address))?.lamports ?? 0);
  }

  async data(address: PublicKey): Promise<Uint8Array> {
    const account = await this.context.banksClient.getAccount(address);
    if (account === null) throw new Error(`${address.toBase58()} does not exist`);
    return account.data;
  }

  async send(instruction: TransactionInstruction, signers: Keypair[]): Promise<void> {
    await this.session.provider.sendAndConfirm(new Transaction().add(instruction), signers);
  }

  async initialize(): Promise<void> {
    await this.session.program.methods.initialize({ batchPosterAuthority: poster.publicKey, version: 1 }).accounts({ upgradeAuthority: authority.publicKey }).signers([authority]).rpc();
  }

  async registerRoot(height: number, root: Uint8Array): Promise<void> {
    await this.session.program.methods
      .submitBatchRoot(new BN(height), Array.from(root))
      .accounts({ rootRegistry: registryAddress(0)[0], batchPoster: poster.publicKey })
      .signers([poster])
      .rpc();
  }

  async deposit(amount: bigint, sequence: bigint, signer: Keypair = depositor): Promise<void> {
    await this.send(bridgeInstructions.deposit(signer.publicKey, Buffer.from(L2_ALICE, "hex"), amount, sequence, PROGRAM_ID), [signer]);
  }

  finalize(recipient: PublicKey, sequence: bigint, amount: bigint, proof: MerkleProof, height = 1): TransactionInstruction {
    return bridgeInstructions.finalizeWithdrawal(relayer.publicKey, recipient, { sequence, amount, height, proof }, PROGRAM_ID);
  }

  /** Moves the clock a slot past the registration, so the registered root is final in posting mode. */
  async nextSlot(): Promise<void> {
    const clock = await this.context.banksClient.getClock();
    setClock(this.context, clock.slot + 1n, clock.unixTimestamp + 1n);
  }

  /** Expects `action` to fail with the IDL error `name`, leaving the `watched` accounts as they were. */
  async expectError(action: () => Promise<unknown>, name: string, watched: PublicKey[]): Promise<void> {
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

async function bridge(): Promise<Bridge> {
  const b = new Bridge(await startProgram());
  for (const keypair of [authority, poster, depositor, relayer]) fund(b.context, keypair.publicKey);
  await b.initialize();
  return b;
}

describe("deposit", () => {
  let b: Bridge;
  beforeEach(async () => {
    b = await bridge();
  });

  it("creates the vault at the first deposit, locks the lamports and numbers the deposits from 0", async () => {
    const before = await b.lamports(depositor.publicKey);
    await b.deposit(5_000_000n, 0n);
    await b.deposit(7n, 1n);
    const vault = decodeBridgeVault(await b.data(VAULT));
    expect(vault).toEqual({ nextDepositSequence: 2n, totalDeposited: 5_000_007n, totalWithdrawn: 0n });
    const rent = (await b.context.banksClient.getRent()).minimumBalance(BigInt(BRIDGE_ACCOUNT_SIZES.BridgeVault));
    expect(await b.lamports(VAULT)).toBe(rent + 5_000_007n);
    const first = decodeDepositRecord(await b.data(depositRecordAddress(0n, PROGRAM_ID)));
    expect(first).toMatchObject({ sequence: 0n, depositor: depositor.publicKey.toBase58(), amount: 5_000_000n });
    expect(Buffer.from(first.recipient).toString("hex")).toBe(L2_ALICE);
    expect(decodeDepositRecord(await b.data(depositRecordAddress(1n, PROGRAM_ID))).amount).toBe(7n);
    // The depositor paid the amounts and the rents (the provider's wallet pays the fees).
    const recordRent = (await b.context.banksClient.getRent()).minimumBalance(BigInt(BRIDGE_ACCOUNT_SIZES.DepositRecord));
    expect(before - (await b.lamports(depositor.publicKey))).toBe(5_000_007n + rent + 2n * recordRent);
  });

  it("refuses a zero amount, a record out of sequence (a replay of an earlier number), and a vault look-alike", async () => {
    await b.deposit(10n, 0n);
    const watched = [VAULT, depositRecordAddress(0n, PROGRAM_ID), depositRecordAddress(1n, PROGRAM_ID), depositor.publicKey];
    await b.expectError(() => b.deposit(0n, 1n), "InvalidAmount", watched);
    await b.expectError(() => b.deposit(10n, 0n), "AlreadyInitialized", watched); // record 0 exists: not a fresh PDA
    await b.expectError(() => b.deposit(10n, 2n), "InvalidPda", watched); // not the next number's address
    const forged = bridgeInstructions.deposit(depositor.publicKey, Buffer.from(L2_ALICE, "hex"), 10n, 1n, PROGRAM_ID);
    forged.keys[0] = { pubkey: Keypair.generate().publicKey, isSigner: false, isWritable: true };
    await b.expectError(() => b.send(forged, [depositor]), "InvalidPda", watched);
    const unsigned = bridgeInstructions.deposit(depositor.publicKey, Buffer.from(L2_ALICE, "hex"), 10n, 1n, PROGRAM_ID);
    unsigned.keys[2] = { pubkey: depositor.publicKey, isSigner: false, isWritable: true };
    await b.expectError(() => b.send(unsigned, []), "MissingSigner", watched);
  });
});

describe("finalize_withdrawal", () => {
  let b: Bridge;
  const amountA = 3_000_000n;
  const amountB = 1_000_000n;
  let state: LedgerState;
  beforeEach(async () => {
    b = await bridge();
    await b.deposit(amountA + amountB, 0n);
    state = l2State([
      { recipient: alice.publicKey, amount: amountA },
      { recipient: bob.publicKey, amount: amountB },
    ]);
    await b.registerRoot(1, state.committed.root);
  });

  it("pays against a final root with the inclusion proof, once: the nullifier refuses a replay", async () => {
    const proof = proofOf(state, 0n);
    expect(proof.siblings.length).toBeGreaterThan(3);
    const watched = [VAULT, alice.publicKey, nullifierAddress(0n, PROGRAM_ID)];
    // Registered in this slot: not final yet in posting mode.
    await b.expectError(() => b.send(b.finalize(alice.publicKey, 0n, amountA, proof), [relayer]), "RootNotFinal", watched);
    await b.nextSlot();
    const vaultBefore = await b.lamports(VAULT);
    await b.send(b.finalize(alice.publicKey, 0n, amountA, proof), [relayer]);
    expect(await b.lamports(alice.publicKey)).toBe(amountA);
    expect(vaultBefore - (await b.lamports(VAULT))).toBe(amountA);
    expect(decodeWithdrawalNullifier(await b.data(nullifierAddress(0n, PROGRAM_ID)))).toMatchObject({ sequence: 0n, recipient: alice.publicKey.toBase58(), amount: amountA, height: 1n });
    expect(decodeBridgeVault(await b.data(VAULT)).totalWithdrawn).toBe(amountA);
    await b.nextSlot();
    await b.expectError(() => b.send(b.finalize(alice.publicKey, 0n, amountA, proof), [relayer]), "WithdrawalAlreadyFinalized", watched);
    // The second withdrawal is independent of the first.
    await b.send(b.finalize(bob.publicKey, 1n, amountB, proofOf(state, 1n)), [relayer]);
    expect(await b.lamports(bob.publicKey)).toBe(amountB);
    expect(decodeBridgeVault(await b.data(VAULT)).totalWithdrawn).toBe(amountA + amountB);
  });

  it("refuses forged proofs: another amount, another recipient, another sequence, a tampered sibling, a truncated proof", async () => {
    await b.nextSlot();
    const proof = proofOf(state, 0n);
    const watched = [VAULT, alice.publicKey, bob.publicKey, nullifierAddress(0n, PROGRAM_ID), nullifierAddress(1n, PROGRAM_ID)];
    const tampered = { ...proof, siblings: proof.siblings.map((s, i) => (i === 2 ? Uint8Array.from(s, (x, j) => (j === 0 ? x ^ 1 : x)) : s)) };
    const cases: [string, TransactionInstruction][] = [
      ["amount", b.finalize(alice.publicKey, 0n, amountA + 1n, proof)],
      ["recipient", b.finalize(bob.publicKey, 0n, amountA, proof)],
      ["sequence", b.finalize(alice.publicKey, 1n, amountA, proof)],
      ["sibling", b.finalize(alice.publicKey, 0n, amountA, tampered)],
      ["truncated", b.finalize(alice.publicKey, 0n, amountA, { siblings: proof.siblings.slice(1) })],
    ];
    for (const [, ix] of cases) await b.expectError(() => b.send(ix, [relayer]), "InvalidWithdrawalProof", watched);
  });

  it("refuses an unregistered height, a wrong page, a vault short of lamports, bad instruction data, a missing signer", async () => {
    await b.nextSlot();
    const proof = proofOf(state, 0n);
    const watched = [VAULT, alice.publicKey, nullifierAddress(0n, PROGRAM_ID)];
    await b.expectError(() => b.send(b.finalize(alice.publicKey, 0n, amountA, proof, 2), [relayer]), "RootNotRegistered", watched);
    await b.expectError(() => b.send(b.finalize(alice.publicKey, 0n, amountA, proof, 0), [relayer]), "RootNotRegistered", watched);
    const wrongPage = b.finalize(alice.publicKey, 0n, amountA, proof);
    wrongPage.keys[1] = { pubkey: registryAddress(1)[0], isSigner: false, isWritable: false };
    await b.expectError(() => b.send(wrongPage, [relayer]), "InvalidOwner", watched);
    const zero = b.finalize(alice.publicKey, 0n, 0n, proof);
    await b.expectError(() => b.send(zero, [relayer]), "InvalidAmount", watched);
    const shortData = b.finalize(alice.publicKey, 0n, amountA, proof);
    shortData.data = shortData.data.subarray(0, shortData.data.length - 1);
    await b.expectError(() => b.send(shortData, [relayer]), "InvalidInstructionData", watched);
    const unsigned = b.finalize(alice.publicKey, 0n, amountA, proof);
    unsigned.keys[4] = { pubkey: relayer.publicKey, isSigner: false, isWritable: true };
    await b.expectError(() => b.send(unsigned, []), "MissingSigner", watched);
    // A vault holding less than the withdrawal (a state the L2 could only reach through a bug): refused.
    const greedy = l2State([{ recipient: alice.publicKey, amount: amountA + amountB + 1n }]);
    await b.registerRoot(2, greedy.committed.root);
    await b.nextSlot();
    await b.expectError(() => b.send(b.finalize(alice.publicKey, 0n, amountA + amountB + 1n, proofOf(greedy, 0n), 2), [relayer]), "VaultInsufficient", watched);
  });
});

describe("bridge compute units (bankrun, runtime 1.18)", () => {
  it("stay far below the 200k default per instruction", async () => {
    const b = await bridge();
    const units: Record<string, number> = {};
    const measure = async (name: string, run: () => Promise<unknown>): Promise<void> => {
      await run();
      units[name] = Number(b.session.provider.lastResult.computeUnits);
    };
    await measure("deposit (creates the vault)", () => b.deposit(10_000_000n, 0n));
    await measure("deposit", () => b.deposit(10_000_000n, 1n));
    const state = l2State([{ recipient: alice.publicKey, amount: 1_000_000n }], 1000);
    await b.registerRoot(1, state.committed.root);
    await b.nextSlot();
    const proof = proofOf(state, 0n);
    await measure(`finalize_withdrawal (${proof.siblings.length} siblings)`, () => b.send(b.finalize(alice.publicKey, 0n, 1_000_000n, proof), [relayer]));
    for (const [name, consumed] of Object.entries(units)) expect(consumed, name).toBeLessThan(50_000);
    process.stderr.write(`asset_rollup bridge compute units (bankrun): ${JSON.stringify(units)}\n`);
  });
});

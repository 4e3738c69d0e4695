/**
 * The L1's runtime: a thin adapter over litesvm 1.5 (the Solana runtime,
 * native and synchronous) that speaks raw bytes.
 *
 * litesvm's public `LiteSVM` class takes @solana/kit objects and converts
 * every transaction and account through kit's codecs (about 60 us per
 * transaction on top of the runtime's 50 us), and its `setAccount` drops an
 * account's `rentEpoch`, so restoring a pre-image would not be exact. The
 * native object behind it (`LiteSVM.inner`, the napi `LiteSvm` class) takes
 * serialized transactions and 32-byte keys directly and keeps `rentEpoch`.
 * This adapter builds that native object itself (the public class's
 * constructor and `with*` setters are one-line calls to it), loaded from
 * litesvm's binding alone (`solana-modules.ts`: the public wrapper would load
 * @solana/kit, about 0.6 s), checking once at construction that it has the
 * methods used here: an upgrade of litesvm that moves them fails loudly
 * instead of misbehaving.
 *
 * Determinism: with transaction history off, the blockhash check off and
 * the clock set by the caller before each slot, the runtime's results depend
 * only on the accounts and the transaction (test/l1/l1-determinism.test.ts).
 * The one random thing litesvm owns is the keypair of its own `airdrop`
 * helper, which this adapter never uses.
 */
import type { LiteSvm as NativeLiteSvm } from "litesvm/dist/internal.js";
import { liteSvmNative } from "./solana-modules.js";
import { describeTransactionError, type TransactionFailure } from "./transaction-error.js";
import { base58Encode } from "./base58.js";
import { PROGRAM_ACCOUNT_BYTES, PROGRAM_DATA_HEADER_BYTES, programDataBytes, upgradeAuthorityOf } from "./upgradeable-program.js";

/** The system program's id (32 zero bytes). */
export const SYSTEM_PROGRAM_ID = new Uint8Array(32);

/** Slots per epoch of the simulated cluster (mainnet's value; no warmup epochs). */
export const SLOTS_PER_EPOCH = 432_000;

/** An account's full state (what a pre-image stores). */
export interface AccountState {
  readonly lamports: bigint;
  readonly data: Uint8Array;
  /** Owner program (32 bytes). */
  readonly owner: Uint8Array;
  readonly executable: boolean;
  readonly rentEpoch: bigint;
}

/** The outcome of executing or simulating one transaction. */
export type ExecutionResult = { readonly ok: true } | ({ readonly ok: false } & TransactionFailure);

/** The Clock sysvar's fields, all integers. */
export interface ClockValues {
  readonly slot: number;
  readonly epoch: number;
  readonly epochStartTimestamp: number;
  readonly leaderScheduleEpoch: number;
  /** Seconds since the Unix epoch. */
  readonly unixTimestamp: number;
}

const NATIVE_METHODS = [
  "setTransactionHistory", "setBlockhashCheck", "setSigverify", "setEpochSchedule",
  "getAccount", "setAccount", "getBalance", "addProgram", "sendLegacyTransaction", "sendVersionedTransaction",
  "simulateLegacyTransaction", "simulateVersionedTransaction", "setClock", "getClock",
] as const;

function accountsEqual(a: AccountState, b: AccountState): boolean {
  if (a.lamports !== b.lamports || a.executable !== b.executable || a.rentEpoch !== b.rentEpoch) return false;
  if (a.data.length !== b.data.length || a.owner.length !== b.owner.length) return false;
  for (let i = 0; i < a.owner.length; i++) if (a.owner[i] !== b.owner[i]) return false;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

/** True when two account states (or absences) are identical, field by field and byte by byte. */
export function sameAccount(a: AccountState | null, b: AccountState | null): boolean {
  if (a === null || b === null) return a === b;
  return accountsEqual(a, b);
}

/** litesvm with the L1 node's settings, driven with raw bytes. */
export class Svm {
  private readonly native: NativeLiteSvm;

  /**
   * A fresh runtime: builtins, sysvars and SPL programs as `new LiteSVM()`
   * sets them up, transaction history off (the node deduplicates), the
   * blockhash check off (the node checks blockhashes against the ones it
   * issued), signature verification on, epochs of {@link SLOTS_PER_EPOCH}.
   */
  constructor() {
    const { LiteSvm, EpochSchedule } = liteSvmNative();
    // As litesvm 1.5's `new LiteSVM().withTransactionHistory(0n).withBlockhashCheck(false).withSigverify(true)`.
    const native = new LiteSvm();
    for (const method of NATIVE_METHODS) {
      if (typeof (native as unknown as Record<string, unknown>)[method] !== "function") {
        throw new Error(`litesvm: the native LiteSvm has no ${method}(); this adapter was written for litesvm 1.5`);
      }
    }
    native.setTransactionHistory(0n);
    native.setBlockhashCheck(false);
    native.setSigverify(true);
    native.setEpochSchedule(new EpochSchedule(BigInt(SLOTS_PER_EPOCH), BigInt(SLOTS_PER_EPOCH), false, 0n, 0n));
    this.native = native;
  }

  /**
   * Deploys an SBF program (an ELF) at `programId` (32 bytes) with the
   * upgradeable loader, as litesvm's `addProgram` does (a program account and
   * its ProgramData account, `upgradeable-program.ts`), then sets the
   * ProgramData's upgrade authority to `upgradeAuthority` (32 bytes; null
   * leaves litesvm's none: an immutable program).
   * @throws Error when litesvm refuses the ELF
   */
  addProgram(programId: Uint8Array, elf: Uint8Array, upgradeAuthority: Uint8Array | null = null): void {
    this.native.addProgram(programId, elf);
    if (upgradeAuthority === null) return;
    const program = this.getAccount(programId);
    if (program === null || program.data.length !== PROGRAM_ACCOUNT_BYTES) throw new Error("litesvm: addProgram did not create an upgradeable program account");
    const programDataKey = program.data.slice(4, 36);
    const programData = this.getAccount(programDataKey);
    if (programData === null || upgradeAuthorityOf(programData.data) === undefined) throw new Error("litesvm: addProgram did not create a ProgramData account");
    const data = programDataBytes(programData.data.subarray(PROGRAM_DATA_HEADER_BYTES), base58Encode(upgradeAuthority));
    this.setAccount(programDataKey, { ...programData, data });
  }

  /** The account at `address` (32 bytes), or null when it does not exist (no lamports). */
  getAccount(address: Uint8Array): AccountState | null {
    const account = this.native.getAccount(address);
    if (account === null) return null;
    return { lamports: account.lamports(), data: account.data(), owner: account.owner(), executable: account.executable(), rentEpoch: account.rentEpoch() };
  }

  /** Lamports at `address`, 0 when the account does not exist. */
  lamports(address: Uint8Array): bigint {
    return this.native.getBalance(address) ?? 0n;
  }

  /** Writes `state` at `address`; null deletes the account (a zero-lamport account does not exist). */
  setAccount(address: Uint8Array, state: AccountState | null): void {
    const { Account } = liteSvmNative();
    const account = state === null
      ? new Account(0n, new Uint8Array(0), SYSTEM_PROGRAM_ID, false, 0n)
      : new Account(state.lamports, state.data, state.owner, state.executable, state.rentEpoch);
    this.native.setAccount(address, account);
  }

  /** Restores `state` at `address` only if the account differs from it; returns true if it wrote. */
  restoreAccount(address: Uint8Array, state: AccountState | null): boolean {
    if (sameAccount(this.getAccount(address), state)) return false;
    this.setAccount(address, state);
    return true;
  }

  /** Overwrites the Clock sysvar. */
  setClock(clock: ClockValues): void {
    const { Clock } = liteSvmNative();
    this.native.setClock(new Clock(BigInt(clock.slot), BigInt(clock.epochStartTimestamp), BigInt(clock.epoch), BigInt(clock.leaderScheduleEpoch), BigInt(clock.unixTimestamp)));
  }

  /** The Clock sysvar (tests). */
  getClock(): ClockValues {
    const clock = this.native.getClock();
    return {
      slot: Number(clock.slot),
      epoch: Number(clock.epoch),
      epochStartTimestamp: Number(clock.epochStartTimestamp),
      leaderScheduleEpoch: Number(clock.leaderScheduleEpoch),
      unixTimestamp: Number(clock.unixTimestamp),
    };
  }

  /**
   * Executes a transaction and commits its effects (for a failed transaction
   * that was loaded, the fee). The bytes must have passed `parseTransaction`:
   * litesvm aborts the process on bytes it cannot deserialize.
   */
  execute(bytes: Uint8Array, version: "legacy" | 0): ExecutionResult {
    const result = version === "legacy" ? this.native.sendLegacyTransaction(bytes) : this.native.sendVersionedTransaction(bytes);
    return toResult(result);
  }

  /** Executes a transaction against the current state without committing anything (preflight). Same input rule as {@link execute}. */
  simulate(bytes: Uint8Array, version: "legacy" | 0): ExecutionResult {
    const result = version === "legacy" ? this.native.simulateLegacyTransaction(bytes) : this.native.simulateVersionedTransaction(bytes);
    return toResult(result);
  }
}

function toResult(result: object): ExecutionResult {
  if (result instanceof liteSvmNative().FailedTransactionMetadata) return { ok: false, ...describeTransactionError(result.err()) };
  return { ok: true };
}

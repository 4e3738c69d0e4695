/**
 * A validator's own reader of the bridge's deposits (issue 13, item 2: "the
 * rollup's validators read deposits at the finalized commitment, in order"):
 * a sans-IO part of the validator node (`l1-reading-validator.ts` hosts it)
 * that asks the L1 node, through the node's context like the relayer and the
 * challengers do (`L1Session`), for the bridge vault and then each
 * DepositRecord PDA `["deposit", sequence u64 LE]` (bridge.c) at the
 * FINALIZED commitment, consecutively from the first sequence it has not
 * read, and hands each record to its validator's application. The validator
 * credits, and votes for credits of, only deposits handed to it this way
 * (`AssetApp.learnL1Deposits`; the relayer's `deposits` feed is ignored), so
 * a relayer or leader that makes a deposit up cannot get it credited, and a
 * deposit an L1 reorg removes before finality is never read.
 *
 * Every poll (the host calls {@link DepositReader.poll}) with no read in
 * flight: read the vault; if it shows deposits past the last one read, read
 * up to `readsPerPoll` records in order, stopping at the first failure (a
 * timeout, an absent record, an account not owned by the program or that
 * does not decode: logged `deposit-read-failed`, retried next poll).
 * Nothing is persisted: after a restart it starts again from the
 * application's committed next deposit.
 *
 * Log events: `deposit-read {sequence}` per record handed over,
 * `deposit-read-failed {sequence, reason}`.
 */
import type { PublicKey } from "@solana/web3.js";
import { decodeBridgeVault, decodeDepositRecord, depositRecordAddress, vaultAddress } from "../l1/bridge-program.js";
import { L1Session, type L1SessionContext } from "../l1/l1-session.js";
import { RollupAccountError } from "../l1/rollup-accounts.js";
import type { BridgeDeposit } from "../sequencer/app-messages.js";
import type { NodeId } from "../sim/node.js";
import { assert } from "../sim/assert.js";

/** Configuration of a {@link DepositReader}; times in microseconds. */
export interface DepositReaderConfig {
  readonly l1: NodeId;
  /** The rollup's AssetRollup program (owner of the vault and the records). */
  readonly programId: PublicKey;
  readonly pollIntervalUs: number;
  readonly requestTimeoutUs: number;
  /** Most deposit records read per poll (default 16). */
  readonly readsPerPoll?: number;
}

/** What a reader needs from its host besides the L1 session context. */
export interface DepositReaderHost extends L1SessionContext {
  log(event: string, fields: Readonly<Record<string, unknown>>): void;
  /** The first deposit sequence the application still needs (its committed next deposit). */
  neededFrom(): bigint;
  /** Hands deposits read at the finalized commitment, consecutive and in order. */
  deliver(deposits: readonly BridgeDeposit[]): void;
}

const READS_PER_POLL = 16;

/** One validator's deposit reader (a fresh instance per boot). */
export class DepositReader {
  private readonly config: DepositReaderConfig;
  private readonly session: L1Session;
  /** The next deposit sequence to read (every one below was handed over, or credited before this boot). */
  private next = 0n;
  private busy = false;

  constructor(config: DepositReaderConfig) {
    if (config.pollIntervalUs <= 0 || config.requestTimeoutUs <= 0) throw new RangeError("DepositReader: intervals must be positive");
    this.config = config;
    this.session = new L1Session(config.l1, config.requestTimeoutUs);
  }

  /** Bytes from the L1 node (an `l1-rpc` message); false when they are not an L1 response. */
  onData(data: Uint8Array): boolean {
    return this.session.onData(data);
  }

  /** One poll: expires old requests, then reads the vault and the records after the last one read. */
  poll(host: DepositReaderHost): void {
    this.session.expire(host.now());
    if (this.busy) return;
    const needed = host.neededFrom();
    if (needed > this.next) this.next = needed;
    this.busy = true;
    this.read(host, vaultAddress(this.config.programId), (data) => {
      if (data === undefined) return void (this.busy = false); // no vault yet (no deposit), or no answer
      let upTo: bigint;
      try {
        upTo = decodeBridgeVault(data).nextDepositSequence;
      } catch (error) {
        if (!(error instanceof RollupAccountError)) throw error;
        host.log("deposit-read-failed", { sequence: Number(this.next), reason: `vault: ${error.message}` });
        return void (this.busy = false);
      }
      this.readRecords(host, upTo, this.config.readsPerPoll ?? READS_PER_POLL);
    });
  }

  /** Reads records from `next` up to `upTo` (exclusive), at most `budget`, handing each over in order. */
  private readRecords(host: DepositReaderHost, upTo: bigint, budget: number): void {
    const sequence = this.next;
    if (sequence >= upTo || budget === 0) return void (this.busy = false);
    this.read(host, depositRecordAddress(sequence, this.config.programId), (data) => {
      const fail = (reason: string): void => {
        host.log("deposit-read-failed", { sequence: Number(sequence), reason });
        this.busy = false;
      };
      if (data === undefined) return fail("no finalized record");
      let deposit: BridgeDeposit;
      try {
        const record = decodeDepositRecord(data);
        if (record.sequence !== sequence) return fail(`the record at sequence ${sequence} says ${record.sequence}`);
        deposit = { sequence, to: record.recipient, amount: record.amount };
      } catch (error) {
        if (!(error instanceof RollupAccountError)) throw error;
        return fail(error.message);
      }
      assert(this.next === sequence, "deposits are read one at a time, in order");
      this.next = sequence + 1n;
      host.log("deposit-read", { sequence: Number(sequence) });
      host.deliver([deposit]);
      this.readRecords(host, upTo, budget - 1);
    });
  }

  /** An account of the program at the finalized commitment; `use(undefined)` when absent, foreign, or on no answer. */
  private read(host: DepositReaderHost, address: PublicKey, use: (data: Uint8Array | undefined) => void): void {
    const owner = this.config.programId.toBase58();
    this.session.call(host, { kind: "get-account-info", address: address.toBase58(), commitment: "finalized" }, (r) => {
      if (r === undefined || r.kind !== "account-info" || r.account === null || r.account.owner !== owner || r.account.data.length === 0) return use(undefined);
      use(r.account.data);
    });
  }
}

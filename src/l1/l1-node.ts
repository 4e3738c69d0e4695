/**
 * The simulated Solana L1: a sans-IO node that runs real programs (SBF ELFs)
 * in litesvm, in slots on virtual time, and answers the L1 RPC protocol
 * (`rpc-messages.ts`) carried in consensus `app` messages.
 *
 * What it models, and how:
 * - Slots: one every `slotDurationUs` from the node's start (slot 0 is
 *   genesis). At each slot boundary the node sets the Clock sysvar (slot,
 *   epoch, Unix time = `genesisUnixTimestamp` + whole seconds of virtual time),
 *   then executes queued transactions in arrival order, at most
 *   `maxTransactionsPerSlot`; the rest wait for the next slot.
 * - Transactions land like on Solana: a transaction that fails inside a
 *   program still lands (the fee is charged, its status carries the error and
 *   the custom code); one that fails before execution (expired or unknown
 *   blockhash, duplicate, bad signature, no funds for the fee) does not land,
 *   has no status, and is logged `l1-tx-rejected`.
 * - Blockhashes: one per slot, `blockhashForSlot(slot)`, valid for
 *   transactions executing up to `blockhashValiditySlots` slots later, and
 *   only while that slot is on the chain (a reorg invalidates the blockhashes
 *   of the slots it undoes, as a fork switch does on Solana).
 * - Commitment: a slot is processed once executed, confirmed once
 *   `confirmationDepthSlots` later slots are on the chain, finalized once
 *   `finalizationDepthSlots` are. Finalized slots are never undone; confirmed
 *   ones can be by a deep enough `reorg` (a simulator's liberty: on Solana an
 *   optimistically confirmed slot is rolled back only under a safety failure).
 * - `sendTransaction` semantics: malformed bytes are refused at once; unless
 *   `skipPreflight`, the node also refuses a transaction already in a slot
 *   (`already-processed`), one whose blockhash would not be valid in the next
 *   slot (`blockhash-not-found`), and one whose simulation against the
 *   processed state fails (`preflight-failure`). With `skipPreflight` such a
 *   transaction is accepted and then rejected at execution, as on Solana.
 *   A transaction already waiting in the queue is not queued twice.
 * - Faults, all drawn from `ctx.rng`: dropped transactions (the sender still
 *   gets the signature), delayed ones, `rpc-unavailable` answers, and reorgs
 *   on command ({@link L1Node.reorg}).
 *
 * The L1 is assumed always up: the node keeps its whole state in memory and
 * in litesvm and does not survive a crash (it never writes `ctx.storage`);
 * crashing and restarting it is not supported.
 *
 * Log events (fields are JSON-friendly; slots are numbers):
 * - `l1-slot { slot, txs, failed, rejected }`: a slot that took transactions
 *   from the queue (`txs` landed, `failed` of them with an error, `rejected`
 *   did not land); empty slots are not logged;
 * - `l1-tx { signature, slot, ok, customCode }`: a transaction landed;
 * - `l1-tx-rejected { signature, slot, err }`: a transaction did not land;
 * - `l1-tx-dropped { signature }`: the drop fault swallowed an accepted transaction;
 * - `l1-reorg { depth, fromSlot, toSlot, reapplied, dropped }`: see {@link L1Node.reorg};
 * - `l1-finalized { slot }`: the finalized slot advanced to `slot`;
 * - `l1-rpc-error { code }`: an `rpc-error` answer;
 * - `malformed { from, reason }`: a message that is not an L1 request (ignored).
 */
import type { L1RpcMessage } from "./l1-wire.js";
import { WireDecodeError } from "../net/codec.js";
import type { Node, NodeContext, NodeId, TimerId } from "../sim/node.js";
import { AccountHistory } from "./account-history.js";
import { base58Encode, decodeAddress, decodeSignature } from "./base58.js";
import { mergeL1Faults, NO_L1_FAULTS, type L1Faults } from "./l1-faults.js";
import {
  decodeL1Request,
  encodeL1Response,
  ERROR_TEXT_MAX,
  type AccountInfo,
  type Commitment,
  type GetAccountInfoRequest,
  type GetLatestBlockhashRequest,
  type GetSignatureStatusesRequest,
  type L1ErrorCode,
  type L1Response,
  type SendTransactionRequest,
  type SignatureStatus,
} from "./rpc-messages.js";
import { blockhashForSlot, clockForSlot, type SlotTiming } from "./slot-clock.js";
import { MalformedTransactionError, parseTransaction, type ParsedTransaction } from "./solana-transaction.js";
import { Svm, SYSTEM_PROGRAM_ID, type AccountState, type ExecutionResult } from "./svm.js";
import { transactionFailure, type TransactionFailure } from "./transaction-error.js";

/** A program deployed at genesis. */
export interface L1Program {
  /** Program id, base58. */
  readonly programId: string;
  /** The program's SBF ELF (an `.so`). */
  readonly elf: Uint8Array;
  /** The upgrade authority its ProgramData account names, base58 (default none: an immutable program). */
  readonly upgradeAuthority?: string;
}

/** A system-owned account funded at genesis. */
export interface L1GenesisAccount {
  /** Base58 address. */
  readonly address: string;
  readonly lamports: bigint;
}

/** Settings of an {@link L1Node}; every field has a default. */
export interface L1NodeOptions {
  /** Programs deployed at genesis. Default none. */
  readonly programs?: readonly L1Program[];
  /** Accounts funded at genesis. Default none. */
  readonly accounts?: readonly L1GenesisAccount[];
  /** Slot length, in microseconds. Default 400_000 (Solana's target). */
  readonly slotDurationUs?: number;
  /** Later slots on the chain that make a slot confirmed. Default 1. */
  readonly confirmationDepthSlots?: number;
  /** Later slots on the chain that make a slot finalized (>= the confirmation depth). Default 32. */
  readonly finalizationDepthSlots?: number;
  /** How many slots after its own a blockhash stays valid. Default 150 (Solana's). */
  readonly blockhashValiditySlots?: number;
  /** Most transactions taken from the queue per slot. Default 1024. */
  readonly maxTransactionsPerSlot?: number;
  /** Most transactions waiting in the queue; a send beyond it gets `rpc-unavailable`. Default 10_000. */
  readonly maxQueuedTransactions?: number;
  /** How many slots a landed transaction's status stays queryable (at least the blockhash validity). Default 10_000. */
  readonly statusHistorySlots?: number;
  /** Unix time at virtual time 0, in seconds. Default 1_700_000_000. */
  readonly genesisUnixTimestamp?: number;
  /** Background faults (see {@link L1Faults}). Default none. */
  readonly faults?: Partial<L1Faults>;
}

/** Counters of an {@link L1Node} since genesis. */
export interface L1Stats {
  /** Transactions that landed in a slot (succeeded or failed), counting re-applications after a reorg. */
  transactionsExecuted: number;
  /** Of those, the ones that failed (a program or runtime error after loading). */
  transactionsFailed: number;
  /** Transactions taken from the queue that did not land (expired blockhash, duplicate, bad signature, no fee). */
  transactionsRejected: number;
  /** Accepted transactions swallowed by the drop fault. */
  dropped: number;
  /** Accepted transactions held back by the delay fault. */
  delayed: number;
  /** Reorgs that undid at least one slot. */
  reorgs: number;
  /** Transactions undone by a reorg and not re-applied. */
  reorgDropped: number;
  /** `rpc-error` answers of any code. */
  rpcErrors: number;
  /** Of those, `rpc-unavailable` answers from the rpc-error fault. */
  rpcUnavailable: number;
}

/** A landed transaction's status, for introspection. */
export interface L1TransactionStatus {
  readonly slot: number;
  readonly err: string | null;
  readonly customCode: number | null;
  readonly confirmationStatus: Commitment;
}

/** Timer tag of the slot timer. */
export const L1_SLOT_TIMER = "l1-slot";

/** Rent epoch the runtime gives rent-exempt accounts (u64::MAX); genesis accounts get it too. */
const RENT_EXEMPT_RENT_EPOCH = 0xffff_ffff_ffff_ffffn;

/** Offset of the addresses in an address lookup table account (its metadata before them). */
const LOOKUP_TABLE_META_BYTES = 56;

interface QueuedTransaction {
  readonly bytes: Uint8Array;
  readonly parsed: ParsedTransaction;
  /** First slot it may execute in (later than the next one when the delay fault hit it). */
  readonly eligibleSlot: number;
}

interface LandedTransaction {
  readonly bytes: Uint8Array;
  readonly parsed: ParsedTransaction;
}

interface StatusRecord {
  readonly slot: number;
  readonly err: string | null;
  readonly customCode: number | null;
}

/** A slot on the chain that is not finalized, with the transactions that landed in it, in execution order. */
interface SlotRecord {
  readonly slot: number;
  readonly landed: LandedTransaction[];
}

function positiveInteger(value: number, name: string, min: number): number {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`L1Node: ${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

/** The simulated L1 node. See the module docstring for the model. */
export class L1Node implements Node<L1RpcMessage> {
  private readonly svm = new Svm();
  private readonly history = new AccountHistory();
  private readonly slotDurationUs: number;
  private readonly confirmationDepthSlots: number;
  private readonly finalizationDepthSlots: number;
  private readonly blockhashValiditySlots: number;
  private readonly maxTransactionsPerSlot: number;
  private readonly maxQueuedTransactions: number;
  private readonly statusHistorySlots: number;
  private readonly genesisUnixTimestamp: number;
  private faults: L1Faults;
  private ctx: NodeContext<L1RpcMessage> | undefined;
  private timing: SlotTiming | undefined;

  /** Highest slot number produced so far (slots undone by a reorg keep their numbers: they are skipped). */
  private lastSlot = 0;
  /** The finalized slot (the chain's root). */
  private finalized = 0;
  /** Chain slots after the finalized one, oldest first. */
  private readonly recent: SlotRecord[] = [];
  /** Transactions waiting for a slot, in arrival order. */
  private queue: QueuedTransaction[] = [];
  /** Signatures in `queue`, with how many copies. */
  private readonly queuedSignatures = new Map<string, number>();
  /** Statuses of landed transactions on the chain (retained `statusHistorySlots` after finalization). */
  private readonly statuses = new Map<string, StatusRecord>();
  /** Signatures of finalized slots, oldest first, to expire their statuses. */
  private readonly finalizedSignatures: { slot: number; signatures: string[] }[] = [];
  /** Issued blockhashes still valid on the chain, to their slot. */
  private readonly blockhashSlots = new Map<string, number>();

  /** Counters since genesis (read only for callers). */
  readonly stats: Readonly<L1Stats> = {
    transactionsExecuted: 0,
    transactionsFailed: 0,
    transactionsRejected: 0,
    dropped: 0,
    delayed: 0,
    reorgs: 0,
    reorgDropped: 0,
    rpcErrors: 0,
    rpcUnavailable: 0,
  };

  /**
   * Builds the genesis state: programs deployed, accounts funded.
   * @throws RangeError on an invalid option, an address that is not base58 of 32 bytes
   * @throws Error when litesvm refuses a program's ELF
   */
  constructor(options: L1NodeOptions = {}) {
    this.slotDurationUs = positiveInteger(options.slotDurationUs ?? 400_000, "slotDurationUs", 1);
    this.confirmationDepthSlots = positiveInteger(options.confirmationDepthSlots ?? 1, "confirmationDepthSlots", 0);
    this.finalizationDepthSlots = positiveInteger(options.finalizationDepthSlots ?? 32, "finalizationDepthSlots", this.confirmationDepthSlots);
    this.blockhashValiditySlots = positiveInteger(options.blockhashValiditySlots ?? 150, "blockhashValiditySlots", 1);
    this.maxTransactionsPerSlot = positiveInteger(options.maxTransactionsPerSlot ?? 1024, "maxTransactionsPerSlot", 1);
    this.maxQueuedTransactions = positiveInteger(options.maxQueuedTransactions ?? 10_000, "maxQueuedTransactions", 1);
    this.statusHistorySlots = Math.max(positiveInteger(options.statusHistorySlots ?? 10_000, "statusHistorySlots", 0), this.blockhashValiditySlots);
    this.genesisUnixTimestamp = positiveInteger(options.genesisUnixTimestamp ?? 1_700_000_000, "genesisUnixTimestamp", 0);
    this.faults = mergeL1Faults(NO_L1_FAULTS, options.faults ?? {});
    for (const program of options.programs ?? []) {
      const authority = program.upgradeAuthority === undefined ? null : addressBytes(program.upgradeAuthority, "upgrade authority");
      this.svm.addProgram(addressBytes(program.programId, "program id"), program.elf, authority);
    }
    for (const account of options.accounts ?? []) {
      if (account.lamports < 0n || account.lamports >> 64n !== 0n) throw new RangeError(`L1Node: lamports of ${account.address} out of u64 range`);
      this.svm.setAccount(addressBytes(account.address, "account"), {
        lamports: account.lamports,
        data: new Uint8Array(0),
        owner: SYSTEM_PROGRAM_ID,
        executable: false,
        rentEpoch: RENT_EXEMPT_RENT_EPOCH,
      });
    }
  }

  // ------------------------------------------------------------ introspection (sim only)

  /** The newest processed slot on the chain. */
  get slot(): number {
    const newest = this.recent[this.recent.length - 1];
    return newest === undefined ? this.finalized : newest.slot;
  }

  /** The newest confirmed slot. */
  get confirmedSlot(): number {
    return this.chainSlotAtDepth(this.confirmationDepthSlots);
  }

  /** The newest finalized slot. */
  get finalizedSlot(): number {
    return this.finalized;
  }

  /** Transactions waiting in the queue. */
  get queuedTransactions(): number {
    return this.queue.length;
  }

  /** The fault settings in force. */
  get currentFaults(): L1Faults {
    return this.faults;
  }

  /** The newest slot of a commitment level. */
  slotOf(commitment: Commitment): number {
    switch (commitment) {
      case "processed":
        return this.slot;
      case "confirmed":
        return this.confirmedSlot;
      case "finalized":
        return this.finalized;
    }
  }

  /**
   * An account as of the newest slot of `commitment`, or null if it does not exist there.
   * @throws RangeError when `address` is not base58 of 32 bytes
   */
  accountAt(address: string, commitment: Commitment): AccountInfo | null {
    return toAccountInfo(this.stateAt(addressBytes(address, "address"), commitment));
  }

  /** The status of a landed transaction (undefined: in no slot on the chain, or expired from the status history). */
  statusOf(signature: string): L1TransactionStatus | undefined {
    const status = this.statuses.get(signature);
    return status === undefined ? undefined : { ...status, confirmationStatus: this.levelOf(status.slot) };
  }

  /**
   * Simulates a transaction against the processed state, committing nothing
   * (Solana's `simulateTransaction` with `sigVerify: true`; the blockhash is
   * not checked, as with `replaceRecentBlockhash`). For the JSON-RPC server
   * (`runtime/l1-rpc/`); simulated clients use preflight instead.
   * @throws MalformedTransactionError when the bytes are not a well-formed, signed transaction
   */
  simulateTransaction(bytes: Uint8Array): ExecutionResult {
    const parsed = parseTransaction(bytes);
    return this.svm.simulate(bytes, parsed.version);
  }

  /** Lamports of `address` as of the newest slot of `commitment` (0: no such account). @throws RangeError on a bad address */
  lamportsAt(address: string, commitment: Commitment): bigint {
    return this.accountAt(address, commitment)?.lamports ?? 0n;
  }

  /** The Clock sysvar as litesvm holds it (tests). */
  clock(): { slot: number; epoch: number; unixTimestamp: number } {
    const clock = this.svm.getClock();
    return { slot: clock.slot, epoch: clock.epoch, unixTimestamp: clock.unixTimestamp };
  }

  // ------------------------------------------------------------ control (the scenario)

  /**
   * Changes the fault settings; fields left out keep their value.
   * @throws RangeError on a probability outside [0, 1] or a bad `delaySlotsMax`
   */
  setFaults(change: Partial<L1Faults>): void {
    this.faults = mergeL1Faults(this.faults, change);
  }

  /**
   * Rolls back the newest `depth` slots, clamped so that finalized slots are
   * never touched: restores their accounts (newest slot first), removes the
   * statuses of their transactions and invalidates their blockhashes; the
   * undone slots become skipped slots. Each undone transaction, oldest first,
   * is then queued again for the next slot(s) with probability 1/2 (drawn
   * from the node's random stream), or forgotten (the sender may send it
   * again while its blockhash is valid). Logs `l1-reorg { depth, fromSlot,
   * toSlot, reapplied, dropped }` (`depth` after clamping) when it undid a slot.
   * @param depth slots to undo (clamped to [0, slots not finalized])
   * @throws Error before `start`
   */
  reorg(depth: number): void {
    const ctx = this.context();
    const undoCount = Math.max(0, Math.min(Math.floor(depth), this.recent.length));
    const fromSlot = this.slot;
    const undone = this.recent.splice(this.recent.length - undoCount, undoCount);
    for (let i = undone.length - 1; i >= 0; i--) {
      const record = undone[i]!;
      const slot = this.history.undoNewest((address, state) => this.svm.restoreAccount(address, state));
      if (slot !== record.slot) throw new Error(`L1Node: history slot ${slot} out of step with chain slot ${record.slot}`);
      for (const tx of record.landed) this.statuses.delete(tx.parsed.signature);
      this.blockhashSlots.delete(blockhashForSlot(record.slot));
    }
    const toSlot = this.slot;
    const requeue: QueuedTransaction[] = [];
    let dropped = 0;
    for (const record of undone) {
      for (const tx of record.landed) {
        if (ctx.rng.chance(0.5)) {
          requeue.push({ bytes: tx.bytes, parsed: tx.parsed, eligibleSlot: 0 });
        } else {
          dropped++;
        }
      }
    }
    for (const tx of requeue) this.countQueued(tx.parsed.signature, +1);
    this.queue = [...requeue, ...this.queue];
    if (undoCount > 0) {
      // Preflight simulations until the next slot see the clock of the chain's newest slot.
      this.svm.setClock(clockForSlot(this.slotTiming(), toSlot));
      const stats = this.mutableStats();
      stats.reorgs++;
      stats.reorgDropped += dropped;
      ctx.log("l1-reorg", { depth: undoCount, fromSlot, toSlot, reapplied: requeue.length, dropped });
    }
    this.checkInvariants();
  }

  // ------------------------------------------------------------ Node

  /** Arms the slot timer; genesis is slot 0, finalized, at the current virtual time. */
  start(ctx: NodeContext<L1RpcMessage>): void {
    if (this.ctx !== undefined) throw new Error("L1Node: started twice (crash and restart are not supported)");
    this.ctx = ctx;
    this.timing = { genesisUs: ctx.now(), slotDurationUs: this.slotDurationUs, genesisUnixTimestamp: this.genesisUnixTimestamp };
    this.svm.setClock(clockForSlot(this.timing, 0));
    this.blockhashSlots.set(blockhashForSlot(0), 0);
    ctx.setTimer(this.slotDurationUs, L1_SLOT_TIMER);
  }

  /** Serves an L1 request in an `l1-rpc` message; anything else is logged `malformed` and ignored. */
  onMessage(ctx: NodeContext<L1RpcMessage>, from: NodeId, msg: L1RpcMessage): void {
    if (msg.type !== "l1-rpc") {
      ctx.log("malformed", { from, reason: `l1: unexpected ${String((msg as { type?: unknown }).type)} message` });
      return;
    }
    let request;
    try {
      request = decodeL1Request(msg.data);
    } catch (error) {
      if (!(error instanceof WireDecodeError)) throw error;
      ctx.log("malformed", { from, reason: error.message });
      return;
    }
    if (ctx.rng.chance(this.faults.rpcErrorRate)) {
      this.mutableStats().rpcUnavailable++;
      this.replyError(ctx, from, request.id, "rpc-unavailable", "injected RPC fault");
      return;
    }
    switch (request.kind) {
      case "send-transaction":
        return this.onSendTransaction(ctx, from, request);
      case "get-signature-statuses":
        return this.onGetSignatureStatuses(ctx, from, request);
      case "get-account-info":
        return this.onGetAccountInfo(ctx, from, request);
      case "get-latest-blockhash":
        return this.onGetLatestBlockhash(ctx, from, request);
    }
  }

  /** The slot timer: produces the next slot. */
  onTimer(ctx: NodeContext<L1RpcMessage>, _timer: TimerId, tag: string): void {
    if (tag !== L1_SLOT_TIMER) return;
    this.produceSlot(ctx);
    const timing = this.slotTiming();
    const nextUs = timing.genesisUs + (this.lastSlot + 1) * timing.slotDurationUs;
    ctx.setTimer(Math.max(0, nextUs - ctx.now()), L1_SLOT_TIMER);
  }

  // ------------------------------------------------------------ requests

  private onSendTransaction(ctx: NodeContext<L1RpcMessage>, from: NodeId, request: SendTransactionRequest): void {
    // A copy (never a view, even of a Buffer): the request's bytes are a view into the received message, and the queue keeps them.
    const bytes = new Uint8Array(request.tx);
    let parsed: ParsedTransaction;
    try {
      parsed = parseTransaction(bytes);
    } catch (error) {
      if (!(error instanceof MalformedTransactionError)) throw error;
      this.replyError(ctx, from, request.id, "malformed-transaction", error.message);
      return;
    }
    const signature = parsed.signature;
    if (this.queuedSignatures.has(signature)) {
      // Already waiting: like an RPC node's send queue, accept the retry without queueing it twice.
      this.reply(ctx, from, { kind: "send-transaction-result", id: request.id, signature });
      return;
    }
    if (!request.skipPreflight) {
      if (this.statuses.has(signature)) {
        this.replyError(ctx, from, request.id, "already-processed", `transaction ${signature} is already in slot ${this.statuses.get(signature)!.slot}`);
        return;
      }
      if (!this.blockhashValidIn(parsed.recentBlockhash, this.lastSlot + 1)) {
        this.replyError(ctx, from, request.id, "blockhash-not-found", `blockhash ${parsed.recentBlockhash} is unknown or expired`);
        return;
      }
      const simulation = this.svm.simulate(bytes, parsed.version);
      if (!simulation.ok) {
        this.replyError(ctx, from, request.id, "preflight-failure", `transaction simulation failed: ${simulation.err}`, simulation.customCode ?? undefined);
        return;
      }
    }
    if (this.queue.length >= this.maxQueuedTransactions) {
      this.replyError(ctx, from, request.id, "rpc-unavailable", `transaction queue full (${this.maxQueuedTransactions})`);
      return;
    }
    const stats = this.mutableStats();
    if (ctx.rng.chance(this.faults.dropRate)) {
      stats.dropped++;
      ctx.log("l1-tx-dropped", { signature });
    } else {
      let eligibleSlot = this.lastSlot + 1;
      if (ctx.rng.chance(this.faults.delayRate)) {
        stats.delayed++;
        eligibleSlot += ctx.rng.intBetween(1, this.faults.delaySlotsMax);
      }
      this.queue.push({ bytes, parsed, eligibleSlot });
      this.countQueued(signature, +1);
    }
    this.reply(ctx, from, { kind: "send-transaction-result", id: request.id, signature });
  }

  private onGetSignatureStatuses(ctx: NodeContext<L1RpcMessage>, from: NodeId, request: GetSignatureStatusesRequest): void {
    const statuses: (SignatureStatus | null)[] = [];
    for (const signature of request.signatures) {
      if (decodeSignature(signature) === undefined) {
        this.replyError(ctx, from, request.id, "invalid-params", `not a base58 signature: ${JSON.stringify(signature)}`);
        return;
      }
      const status = this.statusOf(signature);
      statuses.push(status === undefined ? null : { slot: status.slot, err: status.err, customCode: status.customCode, confirmationStatus: status.confirmationStatus });
    }
    this.reply(ctx, from, { kind: "signature-statuses", id: request.id, slot: this.slot, statuses });
  }

  private onGetAccountInfo(ctx: NodeContext<L1RpcMessage>, from: NodeId, request: GetAccountInfoRequest): void {
    const address = decodeAddress(request.address);
    if (address === undefined) {
      this.replyError(ctx, from, request.id, "invalid-params", `not a base58 address: ${JSON.stringify(request.address)}`);
      return;
    }
    const account = toAccountInfo(this.stateAt(address, request.commitment));
    this.reply(ctx, from, { kind: "account-info", id: request.id, slot: this.slotOf(request.commitment), account });
  }

  private onGetLatestBlockhash(ctx: NodeContext<L1RpcMessage>, from: NodeId, request: GetLatestBlockhashRequest): void {
    const slot = this.slotOf(request.commitment);
    this.reply(ctx, from, { kind: "latest-blockhash", id: request.id, slot, blockhash: blockhashForSlot(slot), lastValidSlot: slot + this.blockhashValiditySlots });
  }

  private reply(ctx: NodeContext<L1RpcMessage>, to: NodeId, response: L1Response): void {
    ctx.send(to, { type: "l1-rpc", data: encodeL1Response(response) });
  }

  private replyError(ctx: NodeContext<L1RpcMessage>, to: NodeId, id: number, code: L1ErrorCode, message: string, customCode?: number): void {
    this.mutableStats().rpcErrors++;
    ctx.log("l1-rpc-error", { code });
    const text = message.length > ERROR_TEXT_MAX ? message.slice(0, ERROR_TEXT_MAX) : message;
    this.reply(ctx, to, customCode === undefined ? { kind: "rpc-error", id, code, message: text } : { kind: "rpc-error", id, code, message: text, customCode });
  }

  // ------------------------------------------------------------ slots

  private produceSlot(ctx: NodeContext<L1RpcMessage>): void {
    const slot = ++this.lastSlot;
    this.svm.setClock(clockForSlot(this.slotTiming(), slot));
    this.blockhashSlots.set(blockhashForSlot(slot), slot);
    const expired = slot - this.blockhashValiditySlots - 1;
    if (expired >= 0) this.blockhashSlots.delete(blockhashForSlot(expired));
    this.history.openSlot(slot);
    const record: SlotRecord = { slot, landed: [] };
    this.recent.push(record);

    const batch: QueuedTransaction[] = [];
    const waiting: QueuedTransaction[] = [];
    for (const tx of this.queue) {
      if (batch.length < this.maxTransactionsPerSlot && tx.eligibleSlot <= slot) batch.push(tx);
      else waiting.push(tx);
    }
    this.queue = waiting;
    let failed = 0;
    let rejected = 0;
    for (const tx of batch) {
      this.countQueued(tx.parsed.signature, -1);
      const outcome = this.executeTransaction(ctx, slot, tx, record);
      if (outcome === "failed") failed++;
      if (outcome === "rejected") rejected++;
    }
    if (batch.length > 0) ctx.log("l1-slot", { slot, txs: record.landed.length, failed, rejected });
    this.advanceFinality(ctx);
    this.checkInvariants();
  }

  private executeTransaction(ctx: NodeContext<L1RpcMessage>, slot: number, tx: QueuedTransaction, record: SlotRecord): "ok" | "failed" | "rejected" {
    const { parsed } = tx;
    if (this.statuses.has(parsed.signature)) return this.reject(ctx, slot, parsed.signature, transactionFailure("AlreadyProcessed"));
    if (!this.blockhashValidIn(parsed.recentBlockhash, slot)) return this.reject(ctx, slot, parsed.signature, transactionFailure("BlockhashNotFound"));
    const read = (address: Uint8Array): AccountState | null => this.svm.getAccount(address);
    for (const address of this.writableAddresses(parsed)) this.history.capture(address, read);
    const feePayer = parsed.staticAccounts[0]!;
    const feePayerLamportsBefore = this.svm.lamports(feePayer);
    const result = this.svm.execute(tx.bytes, parsed.version);
    // A failed transaction lands when it was loaded, which charges the fee; one that failed before loading changed nothing.
    if (!result.ok && this.svm.lamports(feePayer) === feePayerLamportsBefore) return this.reject(ctx, slot, parsed.signature, result);
    const failure = result.ok ? null : result;
    this.statuses.set(parsed.signature, { slot, err: failure?.err ?? null, customCode: failure?.customCode ?? null });
    record.landed.push({ bytes: tx.bytes, parsed });
    const stats = this.mutableStats();
    stats.transactionsExecuted++;
    if (failure !== null) stats.transactionsFailed++;
    ctx.log("l1-tx", { signature: parsed.signature, slot, ok: failure === null, customCode: failure?.customCode ?? null });
    return failure === null ? "ok" : "failed";
  }

  private reject(ctx: NodeContext<L1RpcMessage>, slot: number, signature: string, failure: TransactionFailure): "rejected" {
    this.mutableStats().transactionsRejected++;
    ctx.log("l1-tx-rejected", { signature, slot, err: failure.err });
    return "rejected";
  }

  /** Moves the finalized slot to the chain slot `finalizationDepthSlots` below the newest, dropping what finalized slots no longer need. */
  private advanceFinality(ctx: NodeContext<L1RpcMessage>): void {
    const finalizeCount = this.recent.length - this.finalizationDepthSlots;
    if (finalizeCount > 0) {
      const newlyFinal = this.recent.splice(0, finalizeCount);
      for (const record of newlyFinal) {
        if (record.landed.length > 0) this.finalizedSignatures.push({ slot: record.slot, signatures: record.landed.map((tx) => tx.parsed.signature) });
      }
      this.finalized = newlyFinal[newlyFinal.length - 1]!.slot;
      this.history.forgetThrough(this.finalized);
      ctx.log("l1-finalized", { slot: this.finalized });
    }
    const oldestKept = this.lastSlot - this.statusHistorySlots;
    while (this.finalizedSignatures.length > 0 && this.finalizedSignatures[0]!.slot < oldestKept) {
      for (const signature of this.finalizedSignatures.shift()!.signatures) this.statuses.delete(signature);
    }
  }

  // ------------------------------------------------------------ helpers

  /** The node's own invariants, checked after every slot and reorg; a violation is a bug here, so it throws. */
  private checkInvariants(): void {
    if (this.history.slotCount !== this.recent.length) throw new Error(`L1Node: ${this.history.slotCount} pre-image slots for ${this.recent.length} chain slots`);
    let previous = this.finalized;
    for (const record of this.recent) {
      if (!(record.slot > previous)) throw new Error(`L1Node: chain slot ${record.slot} not after ${previous}`);
      previous = record.slot;
    }
    if (this.recent.length > this.finalizationDepthSlots) throw new Error(`L1Node: ${this.recent.length} slots not finalized (depth ${this.finalizationDepthSlots})`);
    if (!(this.slot <= this.lastSlot)) throw new Error(`L1Node: chain tip ${this.slot} after the last slot produced ${this.lastSlot}`);
    if (!(this.finalized <= this.confirmedSlot && this.confirmedSlot <= this.slot)) throw new Error("L1Node: commitment levels out of order");
  }

  /** The chain slot `depth` slots below the newest, or the finalized slot when the chain is shorter. */
  private chainSlotAtDepth(depth: number): number {
    const index = this.recent.length - 1 - depth;
    return index >= 0 ? this.recent[index]!.slot : this.finalized;
  }

  private levelOf(slot: number): Commitment {
    if (slot <= this.finalized) return "finalized";
    if (slot <= this.confirmedSlot) return "confirmed";
    return "processed";
  }

  private stateAt(address: Uint8Array, commitment: Commitment): AccountState | null {
    const read = (a: Uint8Array): AccountState | null => this.svm.getAccount(a);
    if (commitment === "processed") return read(address);
    return this.history.stateAfter(address, this.slotOf(commitment), read);
  }

  /** True when `blockhash` was issued for a slot on the chain that is at most `blockhashValiditySlots` before `slot`. */
  private blockhashValidIn(blockhash: string, slot: number): boolean {
    const issued = this.blockhashSlots.get(blockhash);
    return issued !== undefined && slot - issued <= this.blockhashValiditySlots;
  }

  /**
   * The accounts a transaction may write: its writable static keys (fee payer
   * first) and the writable entries of its address lookup tables, resolved
   * against the current state (an entry that does not resolve makes the
   * transaction fail to load, so it writes nothing there). Read-only accounts
   * need no pre-image: the runtime refuses any change to them.
   */
  private writableAddresses(parsed: ParsedTransaction): Uint8Array[] {
    const out = parsed.writableStaticIndexes.map((i) => parsed.staticAccounts[i]!);
    for (const lookup of parsed.lookups) {
      if (lookup.writableIndexes.length === 0) continue;
      const table = this.svm.getAccount(lookup.table);
      if (table === null) continue;
      for (const index of lookup.writableIndexes) {
        const offset = LOOKUP_TABLE_META_BYTES + 32 * index;
        if (offset + 32 <= table.data.length) out.push(table.data.slice(offset, offset + 32));
      }
    }
    return out;
  }

  private countQueued(signature: string, delta: 1 | -1): void {
    const count = (this.queuedSignatures.get(signature) ?? 0) + delta;
    if (count > 0) this.queuedSignatures.set(signature, count);
    else this.queuedSignatures.delete(signature);
  }

  private context(): NodeContext<L1RpcMessage> {
    if (this.ctx === undefined) throw new Error("L1Node: not started");
    return this.ctx;
  }

  private slotTiming(): SlotTiming {
    if (this.timing === undefined) throw new Error("L1Node: not started");
    return this.timing;
  }

  private mutableStats(): L1Stats {
    return this.stats as L1Stats;
  }
}

function addressBytes(address: string, what: string): Uint8Array {
  const bytes = decodeAddress(address);
  if (bytes === undefined) throw new RangeError(`L1Node: ${what} ${JSON.stringify(address)} is not a base58 32-byte address`);
  return bytes;
}

function toAccountInfo(state: AccountState | null): AccountInfo | null {
  if (state === null) return null;
  return { lamports: state.lamports, owner: base58Encode(state.owner), data: state.data, executable: state.executable };
}

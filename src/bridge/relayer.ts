/**
 * The bridge relayer: a sans-IO node that carries deposits and withdrawals
 * between the L1 (the AssetRollup program's bridge, `programs/asset_rollup/src/bridge.c`)
 * and the rollup's validators, for the bridge users it holds the keys of.
 *
 * Every `pollInterval` it:
 * 1. **deposits**: sends the next scheduled deposit that is due, one at a time,
 *    under the vault's next deposit sequence (read at the confirmed commitment);
 *    schedule entry i is deposit number i, so the vault's counter is the
 *    progress and a deposit a reorg removed is sent again;
 * 2. **feeds** the validators: reads the vault and the deposit records at the
 *    finalized commitment and hands every finalized deposit not yet credited
 *    (the L2's next deposit sequence, from `bridge-state`) to every validator
 *    (`deposits`), again each poll until credited;
 * 3. **withdrawals**: submits each user's scheduled L2 `withdraw` once due and
 *    the user's committed nonce says it is the next (users send nothing else);
 * 4. **pays**: for the lowest withdrawal without a finalized nullifier, gets its
 *    inclusion proof from a validator (`bridge-query`), waits until that
 *    height's root is final at the finalized commitment (posting mode: the
 *    registry holds it; optimistic mode: its OptimisticBatch is Final), and
 *    sends `finalize_withdrawal`; a nullifier already there
 *    (WithdrawalAlreadyFinalized) counts as paid.
 *
 * Nothing is persisted: after a crash the chain state (the vault's counter,
 * the users' nonces, the nullifiers) says where each lane stands, and the
 * deposit record PDA numbered by sequence and the nullifier PDA make every
 * resend idempotent.
 */
import type { Keypair, PublicKey } from "@solana/web3.js";
import { bytesEqual, fromHex, toHex } from "../crypto/hash.js";
import type { KeyPair, SignatureScheme } from "../crypto/signature.js";
import { decodeProof, type MerkleProof } from "../crypto/sparse-merkle.js";
import type { ValidatorMessage } from "../consensus/types.js";
import { bridgeInstructions, decodeBridgeVault, decodeDepositRecord, depositRecordAddress, nullifierAddress, vaultAddress } from "../l1/bridge-program.js";
import { BATCH_STATUS, batchAddress, decodeOptimisticBatch } from "../l1/game-program.js";
import { L1Session, l1SessionContext, type L1SessionContext } from "../l1/l1-session.js";
import type { L1RpcMessage } from "../l1/l1-wire.js";
import { decodeRootRegistry, RollupAccountError } from "../l1/rollup-accounts.js";
import { pageOfHeight, registryPageAddress, rollupErrorName, signTransaction } from "../l1/rollup-program.js";
import type { Commitment } from "../l1/rpc-messages.js";
import { web3 } from "../l1/solana-modules.js";
import { WireDecodeError } from "../net/codec.js";
import { decodeAppMessage, encodeAppMessage, DEPOSITS_PER_MESSAGE_MAX, type BridgeDeposit } from "../sequencer/app-messages.js";
import type { Node, NodeContext, NodeId, TimerId } from "../sim/node.js";
import { signTransaction as signL2Transaction, transactionId } from "../vm/tx-codec.js";
import { decodeStateValue } from "../vm/state-keys.js";
import type { WithdrawalRecord } from "../vm/types.js";

/** What a relayer receives: validator `app` messages and L1 RPC replies. */
export type RelayerMessage = ValidatorMessage | L1RpcMessage;

/** A scheduled deposit or withdrawal of one user; times in microseconds. */
export interface BridgeTransfer {
  readonly atUs: number;
  readonly user: number;
  /** Lamports. */
  readonly amount: bigint;
}

/** An attack on the L1 program the relayer carries out for a user at `atUs` (see the bridge section). */
export interface BridgeAttack {
  readonly atUs: number;
  readonly kind: "replay-withdrawal" | "forged-proof";
  readonly sequence: bigint;
}

/** One bridge user: its L1 key (deposits from it, withdrawals paid to it) and its L2 account. */
export interface BridgeUser {
  readonly l1: Keypair;
  readonly l2: KeyPair;
}

/** Configuration of a {@link BridgeRelayer}; times in microseconds. */
export interface BridgeRelayerConfig {
  readonly l1: NodeId;
  readonly programId: PublicKey;
  readonly validators: readonly NodeId[];
  /** Pays the L1 fees of finalize_withdrawal and the nullifiers' rent. */
  readonly payer: Keypair;
  readonly users: readonly BridgeUser[];
  /** The run's signature scheme (L2 transactions). */
  readonly scheme: SignatureScheme;
  /** Deposits in schedule order (sorted by time): entry i becomes deposit number i. */
  readonly deposits: readonly BridgeTransfer[];
  readonly withdrawals: readonly BridgeTransfer[];
  /** Attacks, in time order (none for an honest run). */
  readonly attacks: readonly BridgeAttack[];
  /** The L2 fee of a withdraw transaction (native asset base units). */
  readonly withdrawFee: bigint;
  /** K: registry (or optimistic) batch b carries the root of L2 height b x K. */
  readonly batchEveryBlocks: number;
  /**
   * The rollup's settlement mode: `posting` (a root is final once its registry entry is at the finalized
   * commitment) or `optimistic` (once its OptimisticBatch is Final at the finalized commitment: past its
   * challenge period with every game resolved for the poster). Default posting.
   */
  readonly settlement?: "posting" | "optimistic";
  readonly pollIntervalUs: number;
  readonly requestTimeoutUs: number;
  readonly resendIntervalUs: number;
}

/** An L1 transaction in flight. */
interface InFlight {
  readonly signature: string;
  readonly bytes: Uint8Array;
  sentAtUs: number;
  /** When it was first sent: unseen for {@link STALE_RESENDS} resend intervals, it is given up (a reorg may have voided its blockhash). */
  readonly firstSentAtUs: number;
  readonly lastValidSlot: number;
}

/** Resend intervals an L1 transaction may stay unseen before the relayer gives it up and builds a fresh one. */
const STALE_RESENDS = 4;

/** A withdrawal's proof against the committed state of `height`. */
interface ProvenWithdrawal {
  readonly sequence: bigint;
  readonly height: number;
  readonly root: Uint8Array;
  readonly record: WithdrawalRecord;
  readonly proof: MerkleProof;
}

/** One withdrawal on its way to payment. */
interface Payment {
  proven?: ProvenWithdrawal;
  tx?: InFlight;
  busy: boolean;
}

/** Withdrawals the relayer works on at once. */
const PAYMENTS_IN_PARALLEL_MAX = 16;

/** Most deposit records read per poll. */
const RECORD_READS_PER_POLL = 16;

/** The relayer node (a fresh instance per boot). */
export class BridgeRelayer implements Node<RelayerMessage> {
  private readonly config: BridgeRelayerConfig;
  private session!: L1Session;
  private sessionCtx!: L1SessionContext;
  /** Finalized deposits read so far, by sequence (from 0, consecutive). */
  private readonly finalized: BridgeDeposit[] = [];
  private reading = false;
  /** The L2's committed bridge counters, as the last `bridge-state` said. */
  private l2DepositNext = 0n;
  private l2WithdrawalNext = 0n;
  private l2Height = 0;
  /** Committed nonce of each user's L2 account, by account hex. */
  private readonly nonces = new Map<string, bigint>();
  /** Last time a user's withdraw (by account hex and nonce) was submitted. */
  private readonly submittedAt = new Map<string, number>();
  private deposit: (InFlight & { readonly sequence: bigint }) | undefined;
  private depositBusy = false;
  /** Withdrawals being paid (at most {@link PAYMENTS_IN_PARALLEL_MAX}), by sequence. */
  private readonly payments = new Map<bigint, Payment>();
  /** Every withdrawal below this one is paid (its nullifier finalized). */
  private paidUpTo = 0n;
  /** Paid withdrawals at or above `paidUpTo`. */
  private readonly paidAbove = new Set<bigint>();
  /** Every proof used for a payment in this boot, by sequence (what an attacker replays or forges from). */
  private readonly used = new Map<bigint, ProvenWithdrawal & { readonly batch: number }>();
  /** Attacks carried out in this boot. */
  private attacksDone = 0;
  private queryTurn = 0;

  constructor(config: BridgeRelayerConfig) {
    if (config.validators.length === 0 || config.batchEveryBlocks < 1) throw new RangeError("BridgeRelayer: needs validators and batchEveryBlocks >= 1");
    for (const t of [...config.deposits, ...config.withdrawals]) if (t.user >= config.users.length) throw new RangeError(`BridgeRelayer: user ${t.user} of ${config.users.length}`);
    this.config = config;
  }

  start(ctx: NodeContext<RelayerMessage>): void {
    this.session = new L1Session(this.config.l1, this.config.requestTimeoutUs);
    this.sessionCtx = l1SessionContext(ctx);
    ctx.log("relayer-start", { deposits: this.config.deposits.length, withdrawals: this.config.withdrawals.length });
    ctx.setTimer(this.config.pollIntervalUs, "poll");
  }

  onMessage(ctx: NodeContext<RelayerMessage>, from: NodeId, msg: RelayerMessage): void {
    if (msg.type === "l1-rpc") {
      if (from !== this.config.l1) return;
      if (!this.session.onData(msg.data)) ctx.log("malformed", { from, reason: "not an L1 response" });
      return;
    }
    if (msg.type !== "app" || !this.config.validators.includes(from)) return;
    let app;
    try {
      app = decodeAppMessage(msg.data);
    } catch (error) {
      if (!(error instanceof WireDecodeError)) throw error;
      return ctx.log("malformed", { from, reason: error.message });
    }
    if (app.kind === "account-state") {
      const account = toHex(app.account);
      const known = this.nonces.get(account) ?? 0n;
      if (app.nonce > known) this.nonces.set(account, app.nonce);
      return;
    }
    if (app.kind !== "bridge-state" || app.height < this.l2Height) return;
    this.l2Height = app.height;
    this.l2DepositNext = app.depositNext;
    this.l2WithdrawalNext = app.withdrawalNext;
    const w = app.withdrawal;
    const payment = w === undefined ? undefined : this.payments.get(w.sequence);
    if (w === undefined || w.value === undefined || payment === undefined || payment.proven !== undefined || app.height % this.config.batchEveryBlocks !== 0) return;
    try {
      const record = decodeStateValue("w:", w.value) as WithdrawalRecord;
      payment.proven = { sequence: w.sequence, height: app.height, root: app.root, record, proof: decodeProof(w.proof) };
      ctx.log("withdrawal-proven", { sequence: Number(w.sequence), height: app.height });
    } catch (error) {
      if (!(error instanceof WireDecodeError)) throw error;
      ctx.log("malformed", { from, reason: error.message });
    }
  }

  onTimer(ctx: NodeContext<RelayerMessage>, _timer: TimerId, tag: string): void {
    if (tag !== "poll") return;
    ctx.setTimer(this.config.pollIntervalUs, "poll");
    this.session.expire(ctx.now());
    const validator = this.config.validators[this.queryTurn++ % this.config.validators.length]!;
    ctx.send(validator, { type: "app", data: encodeAppMessage({ kind: "bridge-query" }) });
    // Each withdrawal without a proof yet: ask for it (the state of the height it is answered at proves it).
    for (const [sequence, payment] of this.payments) {
      if (payment.proven === undefined) ctx.send(validator, { type: "app", data: encodeAppMessage({ kind: "bridge-query", withdrawal: sequence }) });
    }
    this.depositStep(ctx);
    this.feed(ctx);
    this.withdrawStep(ctx, validator);
    this.payStep(ctx);
    this.attackStep(ctx);
  }

  // ------------------------------------------------------------ attacks (a user replaying or forging)

  private attackStep(ctx: NodeContext<RelayerMessage>): void {
    const attack = this.config.attacks[this.attacksDone];
    if (attack === undefined || attack.atUs > ctx.now()) return;
    const proven = this.used.get(attack.sequence);
    const paid = attack.sequence < this.paidUpTo || this.paidAbove.has(attack.sequence);
    if (proven === undefined || (attack.kind === "replay-withdrawal" && !paid)) return; // not paid yet: wait
    this.attacksDone++;
    const amount = attack.kind === "forged-proof" ? proven.record.amount + 1n : proven.record.amount;
    this.session.withBlockhash(this.sessionCtx, (blockhash) => {
      if (blockhash === undefined) return void this.attacksDone--;
      const recipient = new (web3().PublicKey)(fromHex(proven.record.recipient));
      const ix = bridgeInstructions.finalizeWithdrawal(this.config.payer.publicKey, recipient, { sequence: attack.sequence, amount, height: proven.batch, proof: proven.proof }, this.config.programId, this.config.settlement ?? "posting");
      const tx = signTransaction([ix], [this.config.payer], blockhash.value);
      ctx.log("attack-sent", { kind: attack.kind, sequence: Number(attack.sequence), signature: tx.signature });
      this.session.call(this.sessionCtx, { kind: "send-transaction", tx: tx.bytes, skipPreflight: false }, (r) => {
        if (r === undefined) return ctx.log("attack-outcome", { kind: attack.kind, sequence: Number(attack.sequence), outcome: "no-answer" });
        const outcome = r.kind === "rpc-error" ? (r.customCode !== undefined ? rollupErrorName(r.customCode) : r.code) : "accepted";
        ctx.log("attack-outcome", { kind: attack.kind, sequence: Number(attack.sequence), outcome });
      });
    });
  }

  // ------------------------------------------------------------ deposits on the L1

  private depositStep(ctx: NodeContext<RelayerMessage>): void {
    if (this.depositBusy) return;
    if (this.deposit !== undefined) return this.pollDeposit(ctx);
    this.depositBusy = true;
    // Processed: a deposit that landed counts at once, and one a reorg removed is sent again.
    this.read(vaultAddress(this.config.programId), "processed", (data) => {
      const next = data === undefined ? 0n : decodeBridgeVault(data).nextDepositSequence;
      const due = this.config.deposits[Number(next)];
      if (due === undefined || due.atUs > ctx.now()) return void (this.depositBusy = false);
      const user = this.config.users[due.user]!;
      this.session.withBlockhash(this.sessionCtx, (blockhash) => {
        if (blockhash === undefined) return void (this.depositBusy = false);
        const ix = bridgeInstructions.deposit(user.l1.publicKey, user.l2.publicKey, due.amount, next, this.config.programId);
        const tx = signTransaction([ix], [user.l1], blockhash.value);
        this.deposit = { signature: tx.signature, bytes: tx.bytes, sentAtUs: ctx.now(), firstSentAtUs: ctx.now(), lastValidSlot: blockhash.lastValidSlot, sequence: next };
        ctx.log("deposit-sent", { sequence: Number(next), user: due.user, amount: due.amount.toString(), signature: tx.signature });
        this.session.call(this.sessionCtx, { kind: "send-transaction", tx: tx.bytes, skipPreflight: false }, (r) => {
          if (r !== undefined && r.kind === "rpc-error" && r.code !== "already-processed") {
            // A reorg voids the blockhashes of the slots it undid: fetch a fresh one for the next try.
            if (r.code === "blockhash-not-found") this.session.dropBlockhash();
            ctx.log("deposit-failed", { sequence: Number(next), reason: r.customCode !== undefined ? rollupErrorName(r.customCode) : r.code });
            this.deposit = undefined;
          }
          this.depositBusy = false;
        });
      });
    });
  }

  private pollDeposit(ctx: NodeContext<RelayerMessage>): void {
    const tx = this.deposit!;
    this.depositBusy = true;
    this.pollSignature(tx, (outcome, code) => {
      this.depositBusy = false;
      if (outcome === "pending") {
        this.session.rebroadcastIfDue(this.sessionCtx, tx, this.config.resendIntervalUs);
        return;
      }
      this.deposit = undefined;
      if (outcome === "landed") ctx.log("deposit-landed", { sequence: Number(tx.sequence) });
      else ctx.log("deposit-failed", { sequence: Number(tx.sequence), reason: code ?? "failed" });
    });
  }

  // ------------------------------------------------------------ finalized deposits to the validators

  private feed(ctx: NodeContext<RelayerMessage>): void {
    if (!this.reading) {
      this.reading = true;
      this.read(vaultAddress(this.config.programId), "finalized", (data) => {
        const next = data === undefined ? 0n : decodeBridgeVault(data).nextDepositSequence;
        this.readRecords(next, RECORD_READS_PER_POLL);
      });
    }
    const pending = this.finalized.filter((d) => d.sequence >= this.l2DepositNext).slice(0, DEPOSITS_PER_MESSAGE_MAX);
    if (pending.length === 0) return;
    const data = encodeAppMessage({ kind: "deposits", deposits: pending });
    for (const v of this.config.validators) ctx.send(v, { type: "app", data });
  }

  /** Reads deposit records from the first unknown one up to `next` (exclusive), at most `budget` of them. */
  private readRecords(next: bigint, budget: number): void {
    const sequence = BigInt(this.finalized.length);
    if (sequence >= next || budget === 0) return void (this.reading = false);
    this.read(depositRecordAddress(sequence, this.config.programId), "finalized", (data) => {
      if (data === undefined || BigInt(this.finalized.length) !== sequence) return void (this.reading = false);
      const record = decodeDepositRecord(data);
      this.finalized.push({ sequence, to: record.recipient, amount: record.amount });
      this.readRecords(next, budget - 1);
    });
  }

  // ------------------------------------------------------------ withdrawals on the L2

  private withdrawStep(ctx: NodeContext<RelayerMessage>, validator: NodeId): void {
    const perUser = new Map<number, BridgeTransfer[]>();
    for (const w of this.config.withdrawals) perUser.set(w.user, [...(perUser.get(w.user) ?? []), w]);
    for (const [index, scheduled] of perUser) {
      const user = this.config.users[index]!;
      const account = toHex(user.l2.publicKey);
      const nonce = this.nonces.get(account) ?? 0n;
      const due = scheduled[Number(nonce)];
      if (due === undefined) continue;
      ctx.send(validator, { type: "app", data: encodeAppMessage({ kind: "account-query", account: user.l2.publicKey }) });
      if (due.atUs > ctx.now()) continue;
      const key = `${account}/${nonce}`;
      const last = this.submittedAt.get(key);
      if (last !== undefined && ctx.now() - last < this.config.resendIntervalUs) continue;
      this.submittedAt.set(key, ctx.now());
      const raw = signL2Transaction(
        { sender: account, nonce, fee: this.config.withdrawFee, instructions: [{ kind: "withdraw", recipient: toHex(user.l1.publicKey.toBytes()), amount: due.amount }] },
        user.l2.secretKey,
        this.config.scheme,
      );
      ctx.log("submit", { txId: transactionId(raw), to: validator, kind: "withdraw", account, nonce: Number(nonce) });
      ctx.log("withdraw-submitted", { user: index, nonce: Number(nonce), amount: due.amount.toString(), to: validator });
      ctx.send(validator, { type: "app", data: encodeAppMessage({ kind: "submit", txs: [raw] }) });
    }
  }

  // ------------------------------------------------------------ payments on the L1

  private payStep(ctx: NodeContext<RelayerMessage>): void {
    while (this.paidAbove.delete(this.paidUpTo)) this.paidUpTo++;
    for (let sequence = this.paidUpTo; sequence < this.l2WithdrawalNext && this.payments.size < PAYMENTS_IN_PARALLEL_MAX; sequence++) {
      if (!this.paidAbove.has(sequence) && !this.payments.has(sequence)) this.payments.set(sequence, { busy: false });
    }
    for (const [sequence, payment] of this.payments) if (!payment.busy) this.payOne(ctx, sequence, payment);
  }

  /** One step of paying withdrawal `sequence`: nullifier finalized? in flight? proof final? send. */
  private payOne(ctx: NodeContext<RelayerMessage>, sequence: bigint, payment: Payment): void {
    payment.busy = true;
    const done = (): void => void (payment.busy = false);
    this.read(nullifierAddress(sequence, this.config.programId), "finalized", (nullifier) => {
      if (nullifier !== undefined) {
        ctx.log("withdrawal-paid", { sequence: Number(sequence) });
        this.payments.delete(sequence);
        this.paidAbove.add(sequence);
        return done();
      }
      const tx = payment.tx;
      if (tx !== undefined) {
        return this.pollSignature(tx, (outcome, code) => {
          done();
          if (outcome === "pending") return void this.session.rebroadcastIfDue(this.sessionCtx, tx, this.config.resendIntervalUs);
          // Landed: wait for its slot to be finalized (the nullifier read above). Failed: try again.
          if (outcome === "failed") {
            ctx.log("finalize-failed", { sequence: Number(sequence), reason: code ?? "expired" });
            payment.tx = undefined;
          }
        });
      }
      const proven = payment.proven;
      if (proven === undefined) return done();
      const batch = proven.height / this.config.batchEveryBlocks;
      const optimistic = this.config.settlement === "optimistic";
      const source = optimistic ? batchAddress(batch, this.config.programId) : registryPageAddress(pageOfHeight(batch), this.config.programId);
      this.read(source, "finalized", (data) => {
        let entry: { readonly root: Uint8Array } | undefined;
        try {
          if (data !== undefined && optimistic) {
            const account = decodeOptimisticBatch(data);
            // Only a Final batch pays (pending: wait; rejected: its repost will be read at the same address).
            if (account.status === BATCH_STATUS.final) entry = { root: account.postRoot };
          } else if (data !== undefined) {
            entry = decodeRootRegistry(data).entries[(batch - 1) % 64];
          }
        } catch (error) {
          if (!(error instanceof RollupAccountError)) throw error;
        }
        if (entry === undefined) return done(); // not final yet
        if (!bytesEqual(entry.root, proven.root)) {
          ctx.log("finalize-failed", { sequence: Number(sequence), reason: `registry root of batch ${batch} differs from the proof's` });
          delete payment.proven;
          return done();
        }
        this.session.withBlockhash(this.sessionCtx, (blockhash) => {
          if (blockhash === undefined) return done();
          const recipient = new (web3().PublicKey)(fromHex(proven.record.recipient));
          const ix = bridgeInstructions.finalizeWithdrawal(this.config.payer.publicKey, recipient, { sequence, amount: proven.record.amount, height: batch, proof: proven.proof }, this.config.programId, this.config.settlement ?? "posting");
          const signed = signTransaction([ix], [this.config.payer], blockhash.value);
          payment.tx = { signature: signed.signature, bytes: signed.bytes, sentAtUs: ctx.now(), firstSentAtUs: ctx.now(), lastValidSlot: blockhash.lastValidSlot };
          this.used.set(sequence, { ...proven, batch });
          ctx.log("finalize-sent", { sequence: Number(sequence), batch, amount: proven.record.amount.toString(), signature: signed.signature });
          this.session.call(this.sessionCtx, { kind: "send-transaction", tx: signed.bytes, skipPreflight: false }, (r) => {
            if (r !== undefined && r.kind === "rpc-error" && r.code !== "already-processed") {
              if (r.code === "blockhash-not-found") this.session.dropBlockhash();
              const reason = r.customCode !== undefined ? rollupErrorName(r.customCode) : r.code;
              ctx.log("finalize-failed", { sequence: Number(sequence), reason });
              payment.tx = undefined;
            }
            done();
          });
        });
      });
    });
  }

  // ------------------------------------------------------------ L1 helpers

  /** Reads an account's data at `commitment`; `use(undefined)` when absent, on a timeout or an error. */
  private read(address: PublicKey, commitment: Commitment, use: (data: Uint8Array | undefined) => void): void {
    this.session.call(this.sessionCtx, { kind: "get-account-info", address: address.toBase58(), commitment }, (r) => {
      use(r !== undefined && r.kind === "account-info" && r.account !== null && r.account.data.length > 0 ? r.account.data : undefined);
    });
  }

  /** Whether `tx` landed, failed (with the program's error name), or is still pending (unseen, blockhash valid). */
  private pollSignature(tx: InFlight, done: (outcome: "landed" | "failed" | "pending", code?: string) => void): void {
    this.session.call(this.sessionCtx, { kind: "get-signature-statuses", signatures: [tx.signature] }, (r) => {
      if (r === undefined || r.kind !== "signature-statuses") return done("pending");
      const status = r.statuses[0];
      if (status === null || status === undefined) {
        const stale = this.sessionCtx.now() - tx.firstSentAtUs > STALE_RESENDS * this.config.resendIntervalUs;
        if (r.slot <= tx.lastValidSlot && !stale) return done("pending");
        // Expired, or unseen for long (a reorg voids the blockhashes of the slots it undoes): build a fresh one.
        this.session.dropBlockhash();
        return done("failed", r.slot > tx.lastValidSlot ? "expired" : "stale");
      }
      if (status.err !== null) {
        // The same instructions with the same blockhash would be the same transaction (its signature already failed): a fresh blockhash next time.
        this.session.dropBlockhash();
        return done("failed", status.customCode !== null ? rollupErrorName(status.customCode) : status.err);
      }
      done("landed");
    });
  }
}

/**
 * The Challenger: a validator-side watcher node of optimistic settlement
 * (docs/fraud-proofs.md "Dispute game"). It re-executes every committed
 * block with the AssetVM (`TraceLedger`, fed with `committed-block` messages
 * by its validator), reads the rollup's OptimisticBatch accounts on L1,
 * challenges every pending batch whose claimed root differs from its own
 * (with the same S_0), and plays its games with the honest strategy
 * (`dispute-strategy.ts`): chooses at every reveal, times out a poster whose
 * chess clock ran out, resolves decided games. A sans-IO node.
 *
 * The loop, every `pollIntervalUs`, with no transaction in flight: read the
 * GameConfig, then walk the heights from the lowest one not yet final up to
 * the last posted one it has executed, reading each batch and its own game,
 * and send the first move there is (one transaction at a time; a move the
 * L1 refuses in preflight is logged and the walk starts over next poll).
 * A transaction in flight is polled with `get-signature-statuses` until it
 * lands or its blockhash expires.
 *
 * Behaviours (faults of issue 13, item 3): `honest`; `lazy`, which never
 * challenges; `silent-after` k, which stops moving in a game after k moves
 * of its own (a challenger that goes silent mid-game); `dishonest` at heights
 * H, which challenges the (correct) batch at each height of H and plays the
 * game over a fabricated trace (`fabricatedTrace`): it agrees with the
 * poster's roots up to S_{k-1} and disagrees from S_k on, so the bisection
 * ends on transaction k - 1, whose one-step proof (the true one, the only
 * one the program accepts) shows the poster right: the poster wins.
 *
 * The step: the witness of transaction lo is built by `TraceLedger.stepWitness`
 * (osp's one-step-witness.ts); the step goes inline when it fits one
 * transaction, else its transaction and witness are staged first in an
 * upgradeable-loader buffer (`loader-buffer.ts`: create, then 900-byte
 * Writes, one transaction each) that the step then names. A step over a
 * validly signed transaction carries the Ed25519 precompile instruction that
 * shows its signature (`step-signature.ts`; the program refuses it without),
 * and a step over a deposit credit names the L1's DepositRecords.
 *
 * Log events: `challenger-move {height, move, signature}` (a transaction
 * sent: challenge, choose, step, stage-create, stage-write, timeout, resolve), `challenger-move-landed
 * {height, move, ok}`, `challenger-move-refused {height, move, reason}`,
 * `challenger-waiting {reason}`.
 */
import type { Keypair, PublicKey } from "@solana/web3.js";
import { web3 } from "../l1/solana-modules.js";
import { batchDataProof } from "../crypto/binary-merkle.js";
import { sha256, sha256Concat, utf8 } from "../crypto/hash.js";
import { createLoaderBuffer, LOADER_WRITE_CHUNK, stepPayload, writeLoaderBuffer } from "../l1/loader-buffer.js";
import type { TransactionInstruction } from "@solana/web3.js";
import type { ValidatorMessage } from "../consensus/types.js";
import type { SignatureScheme } from "../crypto/signature.js";
import { WireDecodeError } from "../net/codec.js";
import { decodeDisputeGame, decodeGameConfig, decodeOptimisticBatch, gameAddress, gameConfigAddress, gameInstructions, batchAddress, GAME_WINNER, BATCH_STATUS, type DisputeGameAccount, type OptimisticBatchAccount } from "../l1/game-program.js";
import { L1Session, l1SessionContext, type L1SessionContext } from "../l1/l1-session.js";
import type { L1RpcMessage } from "../l1/l1-wire.js";
import { rollupErrorName, rollupProgramId, signTransaction, solanaKeypairFromSeed } from "../l1/rollup-program.js";
import { stepDepositRecords, stepSignatureInstruction } from "../l1/step-signature.js";
import { decodeAppMessage, encodeAppMessage } from "../sequencer/app-messages.js";
import type { Node, NodeContext, NodeId, TimerId } from "../sim/node.js";
import type { Genesis } from "../vm/genesis.js";
import { challengerMove, shouldChallenge } from "./dispute-strategy.js";
import { TraceLedger, TraceLedgerError } from "./trace-ledger.js";
import { BlockQuorum } from "./block-quorum.js";

/** What a challenger sends and receives: its validator's `app` messages and L1 RPC. */
export type ChallengerMessage = ValidatorMessage | L1RpcMessage;

/** The most instruction data bytes the Anchor instruction coder encodes (its buffer); larger steps are staged. */
const INLINE_STEP_DATA_MAX = 1000;

/** How a challenger behaves. */
export type ChallengerBehaviour =
  | { readonly kind: "honest" }
  | { readonly kind: "lazy" }
  | { readonly kind: "silent-after"; readonly moves: number }
  /** Byzantine: challenges the batch at each height of `at` although its root is correct, playing the fabricated trace of {@link fabricatedTrace}; honest elsewhere. */
  | { readonly kind: "dishonest"; readonly at: readonly number[] };

/** Configuration of a {@link ChallengerNode}; times in microseconds. */
export interface ChallengerConfig {
  readonly l1: NodeId;
  readonly programId?: PublicKey;
  /** The validator it takes committed blocks from (with no `validators`: the only one). */
  readonly validator: NodeId;
  /**
   * Quorum reads: the validators it takes committed blocks from (each pushes `committed-block` and answers
   * `block-query`); a block is accepted once `blockQuorum` of them sent the same one (`block-quorum.ts`).
   * Default: `[validator]` with quorum 1.
   */
  readonly validators?: readonly NodeId[];
  /** Distinct validators that must send the same block (f + 1 tolerates f faulty ones). Default 1. */
  readonly blockQuorum?: number;
  /** Its L1 key: signs and pays its moves and bonds. */
  readonly key: Keypair;
  readonly genesis: Genesis;
  readonly scheme: SignatureScheme;
  /** K: L2 blocks per batch (batch b = blocks (b - 1) K + 1 .. b K; the section's `batchEveryBlocks`). Default 1. */
  readonly blocksPerBatch?: number;
  readonly pollIntervalUs: number;
  readonly requestTimeoutUs: number;
  /** A move the L1 has not shown after this long is sent again unchanged (same signature) until its blockhash expires. Default 1_200_000. */
  readonly resendIntervalUs?: number;
  readonly behaviour: ChallengerBehaviour;
  /** Stage every step's transaction and witness in a loader buffer, even one that would fit inline. Default false. */
  readonly alwaysStageStep?: boolean;
}

type Move = "challenge" | "choose" | "timeout" | "resolve" | "step" | "stage-create" | "stage-write";

interface InFlight {
  readonly signature: string;
  readonly bytes: Uint8Array;
  /** When it was last (re)sent. */
  sentAtUs: number;
  readonly height: number;
  readonly move: Move;
  readonly lastValidSlot: number;
  /** Runs when it lands (ok or not). */
  readonly landed?: (ok: boolean) => void;
}

/** A step's transaction and witness being staged in a loader buffer (too large for one transaction). */
interface Staging {
  readonly txIndex: number;
  readonly buffer: Keypair;
  readonly payload: Uint8Array;
  created: boolean;
  written: number;
}

/** Compute units asked for a step (the default 200,000 may not cover a swap's proof). */
const STEP_COMPUTE_UNITS = 1_400_000;

/** The challenger node. */
export class ChallengerNode implements Node<ChallengerMessage> {
  /** Committed blocks read from the validators, accepted with a quorum. */
  private readonly blocks: BlockQuorum;
  private readonly config: ChallengerConfig;
  private session!: L1Session;
  private sessionCtx!: L1SessionContext;
  private ledger!: TraceLedger;
  /** Committed blocks received ahead of the ledger, by height. */
  private readonly pending = new Map<number, { readonly root: Uint8Array; readonly txs: readonly Uint8Array[] }>();
  private busy = false;
  private inFlight: InFlight | undefined;
  /** The lowest height not yet seen final. */
  private cursor = 1;
  /** Per height: the poster-to-move state of its game seen first at `sinceUs`. */
  private readonly posterToMove = new Map<number, { readonly lastMoveAt: bigint; readonly sinceUs: number }>();
  /** Moves this node made per height (for `silent-after`). */
  private readonly movesMade = new Map<number, number>();
  private waitingFor: string | undefined;
  private lastBlockQueryUs = -Infinity;
  /** Witness staging per height. */
  private readonly staging = new Map<number, Staging>();

  constructor(config: ChallengerConfig) {
    if (config.pollIntervalUs <= 0 || config.requestTimeoutUs <= 0) throw new RangeError("ChallengerNode: intervals must be positive");
    if (config.behaviour.kind === "silent-after" && config.behaviour.moves < 0) throw new RangeError("ChallengerNode: silent-after needs moves >= 0");
    if (config.behaviour.kind === "dishonest" && !config.behaviour.at.every((h) => Number.isSafeInteger(h) && h >= 1)) throw new RangeError("ChallengerNode: dishonest heights are integers >= 1");
    this.config = config;
    this.blocks = new BlockQuorum(config.validators ?? [config.validator], config.blockQuorum ?? 1);
  }

  private get programId(): PublicKey {
    return this.config.programId ?? rollupProgramId();
  }

  private get me(): PublicKey {
    return this.config.key.publicKey;
  }

  start(ctx: NodeContext<ChallengerMessage>): void {
    this.session = new L1Session(this.config.l1, this.config.requestTimeoutUs);
    this.sessionCtx = l1SessionContext(ctx);
    this.ledger = new TraceLedger(this.config.genesis, this.config.scheme, 256, this.config.blocksPerBatch ?? 1);
    this.queryBlocks(ctx);
    ctx.setTimer(this.config.pollIntervalUs, "poll");
  }

  onMessage(ctx: NodeContext<ChallengerMessage>, from: NodeId, msg: ChallengerMessage): void {
    if (msg.type === "l1-rpc") {
      if (from === this.config.l1 && !this.session.onData(msg.data)) ctx.log("malformed", { from, reason: "not an L1 response" });
      return;
    }
    if (msg.type !== "app" || !this.blocks.reads(from)) return;
    try {
      const app = decodeAppMessage(msg.data);
      if (app.kind !== "committed-block" || app.height <= this.ledger.height) return;
      const agreed = this.blocks.offer(from, app.height, { root: app.root, txs: app.txs }, this.ledger.height);
      if (agreed === undefined) return;
      this.pending.set(app.height, agreed);
      this.applyBlocks(ctx);
    } catch (error) {
      if (!(error instanceof WireDecodeError)) throw error;
      ctx.log("malformed", { from, reason: error.message });
    }
  }

  onTimer(ctx: NodeContext<ChallengerMessage>, _timer: TimerId, tag: string): void {
    if (tag !== "poll") return;
    ctx.setTimer(this.config.pollIntervalUs, "poll");
    this.session.expire(ctx.now());
    if (!this.pending.has(this.ledger.height + 1)) this.queryBlocks(ctx);
    if (this.busy) return;
    if (this.inFlight !== undefined) return this.pollInFlight(ctx);
    this.cycle(ctx);
  }

  /** Executes every consecutive block received. */
  private applyBlocks(ctx: NodeContext<ChallengerMessage>): void {
    for (let next = this.pending.get(this.ledger.height + 1); next !== undefined; next = this.pending.get(this.ledger.height + 1)) {
      const height = this.ledger.height + 1;
      this.pending.delete(height);
      try {
        this.ledger.apply(height, next.txs, next.root);
      } catch (error) {
        if (!(error instanceof TraceLedgerError)) throw error;
        // Its own validator sent a block that does not execute to its root: nothing to judge against.
        ctx.log("malformed", { from: this.config.validator, reason: `a block a quorum agreed on: ${error.message}` });
        return;
      }
    }
  }

  /** Asks the validator for committed blocks after the ledger's height (at most once per poll interval). */
  private queryBlocks(ctx: NodeContext<ChallengerMessage>): void {
    if (ctx.now() - this.lastBlockQueryUs < this.config.pollIntervalUs) return;
    this.lastBlockQueryUs = ctx.now();
    const query = encodeAppMessage({ kind: "block-query", fromHeight: this.ledger.height + 1 });
    for (const v of this.blocks.validators) ctx.send(v, { type: "app", data: query });
  }

  /** Reads `address`; `use` gets the data, null when absent, undefined on failure (the cycle then ends). */
  private read(ctx: NodeContext<ChallengerMessage>, address: PublicKey, use: (data: Uint8Array | null) => void): void {
    this.session.call(this.sessionCtx, { kind: "get-account-info", address: address.toBase58(), commitment: "processed" }, (r) => {
      if (r === undefined || r.kind !== "account-info") return this.idle(ctx, "l1-read-failed");
      use(r.account === null || r.account.owner !== this.programId.toBase58() || r.account.lamports === 0n ? null : r.account.data);
    });
  }

  private cycle(ctx: NodeContext<ChallengerMessage>): void {
    this.busy = true;
    this.read(ctx, gameConfigAddress(this.programId), (data) => {
      if (data === null) return this.idle(ctx, "game-not-initialized");
      const lastHeight = Number(decodeGameConfig(data).lastHeight);
      this.examine(ctx, this.cursor, Math.min(lastHeight, this.ledger.batches));
    });
  }

  /** Looks at height `h` (up to `last`) and sends the first move there is. */
  private examine(ctx: NodeContext<ChallengerMessage>, h: number, last: number): void {
    if (h > last) return this.idle(ctx, undefined);
    this.read(ctx, batchAddress(h, this.programId), (data) => {
      if (data === null) return this.idle(ctx, undefined);
      const batch = decodeOptimisticBatch(data);
      if (batch.status === BATCH_STATUS.final && h === this.cursor) this.cursor++;
      this.read(ctx, gameAddress(h, this.me, this.programId), (gameData) => {
        const game = gameData === null ? null : decodeDisputeGame(gameData);
        if (!this.act(ctx, h, batch, game)) this.examine(ctx, h + 1, last);
      });
    });
  }

  /** Sends this node's move at height `h` if it has one; false when there is none. */
  private act(ctx: NodeContext<ChallengerMessage>, h: number, batch: OptimisticBatchAccount, game: DisputeGameAccount | null): boolean {
    const executed = this.ledger.trace(h)?.trace.leaves;
    const behaviour = this.config.behaviour;
    // The trace it plays: its own, or at a height it attacks, a fabricated one (the step still proves the true transaction).
    const attacked = behaviour.kind === "dishonest" && behaviour.at.includes(h);
    const mine = executed !== undefined && attacked ? fabricatedTrace(executed) : executed;
    if (game === null) {
      if (mine === undefined || behaviour.kind === "lazy" || !shouldChallenge(batch, mine)) return false;
      // One attack per height: once its game is resolved (closed), the still-pending batch would look challengeable again.
      if (attacked && (this.movesMade.get(h) ?? 0) > 0) return false;
      return this.send(ctx, h, "challenge", [gameInstructions.challenge(this.me, h, this.programId)]);
    }
    if (game.winner !== GAME_WINNER.none) return this.send(ctx, h, "resolve", [gameInstructions.resolve(new (web3().PublicKey)(batch.poster), this.me, h, this.programId)]);
    if (mine === undefined) return false;
    const silent = behaviour.kind === "silent-after" && (this.movesMade.get(h) ?? 0) >= behaviour.moves;
    const move = challengerMove(game, mine);
    if (move.kind === "choose") return silent ? false : this.send(ctx, h, "choose", [gameInstructions.bisectChoose(this.me, h, move.mid, move.agree, this.programId)]);
    if (move.kind === "step") return silent ? false : this.stepMove(ctx, h, move.txIndex);
    // The poster is to move: time it out once its clock has surely run out.
    const seen = this.posterToMove.get(h);
    if (seen === undefined || seen.lastMoveAt !== game.lastMoveAt) {
      this.posterToMove.set(h, { lastMoveAt: game.lastMoveAt, sinceUs: ctx.now() });
      return false;
    }
    if (ctx.now() - seen.sinceUs <= (Number(game.posterTimeLeft) + 2) * 1_000_000) return false;
    return this.send(ctx, h, "timeout", [gameInstructions.timeout(this.me, h, this.programId)]);
  }

  /**
   * The step of transaction `txIndex` of batch `h`: inline when it fits one
   * transaction, else staged in a loader buffer first (create, then one Write
   * per chunk, each its own transaction) and sent with the buffer.
   */
  private stepMove(ctx: NodeContext<ChallengerMessage>, h: number, txIndex: number): boolean {
    const trace = this.ledger.trace(h)!;
    const witness = this.ledger.stepWitness(h, txIndex).bytes;
    const tx = trace.txs[txIndex]!;
    const proof = batchDataProof(trace.txs, txIndex);
    // A validly signed transaction's signature is shown by the Ed25519 precompile in the same transaction
    // (step-signature.ts); a forged one goes without, and the program proves the forgery itself.
    const signature = stepSignatureInstruction(tx);
    const budget = [web3().ComputeBudgetProgram.setComputeUnitLimit({ units: STEP_COMPUTE_UNITS }), ...(signature === undefined ? [] : [signature])];
    // The instruction coder refuses data over INLINE_STEP_DATA_MAX bytes (it throws); a Solana transaction could not carry it anyway.
    const inlineData = 8 + 8 + 4 + 32 * proof.length + 4 + tx.length + 4 + witness.length;
    if (this.config.alwaysStageStep !== true && inlineData <= INLINE_STEP_DATA_MAX) {
      const inline = [...budget, gameInstructions.step(this.me, h, proof, tx, witness, undefined, this.programId, stepDepositRecords(tx, this.programId))];
      if (fitsOneTransaction(inline, this.config.key)) return this.send(ctx, h, "step", inline);
    }
    let staging = this.staging.get(h);
    if (staging === undefined || staging.txIndex !== txIndex) {
      const buffer = solanaKeypairFromSeed(sha256(utf8(`asset-sim/step-buffer/${this.me.toBase58()}/${h}/${txIndex}`)));
      staging = { txIndex, buffer, payload: stepPayload(tx, witness), created: false, written: 0 };
      this.staging.set(h, staging);
    }
    const st = staging;
    const bufferKey = st.buffer.publicKey;
    if (!st.created) {
      // A create that fails (the buffer exists from an earlier attempt) still lets the writes go on.
      return this.send(ctx, h, "stage-create", createLoaderBuffer(this.me, bufferKey, this.me, st.payload.length), [st.buffer], () => (st.created = true));
    }
    if (st.written < st.payload.length) {
      const end = Math.min(st.payload.length, st.written + LOADER_WRITE_CHUNK);
      return this.send(ctx, h, "stage-write", [writeLoaderBuffer(bufferKey, this.me, st.written, st.payload.subarray(st.written, end))], [], (ok) => {
        if (ok) st.written = end;
      });
    }
    return this.send(ctx, h, "step", [...budget, gameInstructions.step(this.me, h, proof, tx, witness, bufferKey, this.programId, stepDepositRecords(tx, this.programId))]);
  }

  /** Signs and sends one move; true (the cycle is over either way). `landed` runs when it lands. */
  private send(ctx: NodeContext<ChallengerMessage>, height: number, move: Move, instructions: TransactionInstruction[], extraSigners: Keypair[] = [], landed?: (ok: boolean) => void): boolean {
    this.session.withBlockhash(this.sessionCtx, (blockhash, failure) => {
      if (blockhash === undefined) return this.idle(ctx, `blockhash: ${failure ?? "unknown"}`);
      const tx = signTransaction(instructions, [this.config.key, ...extraSigners], blockhash.value);
      this.session.call(this.sessionCtx, { kind: "send-transaction", tx: tx.bytes, skipPreflight: false }, (r) => {
        this.busy = false;
        if (r !== undefined && r.kind === "rpc-error" && r.code !== "already-processed") {
          if (r.code === "blockhash-not-found") this.session.dropBlockhash();
          ctx.log("challenger-move-refused", { height, move, reason: r.code === "preflight-failure" && r.customCode !== undefined ? rollupErrorName(r.customCode) : r.code });
          if (move === "stage-create") landed?.(false);
          // A write or a staged step refused: the buffer may be gone (an L1 reorg undid its create) or hold other
          // bytes; stage it again from the start (the create fails harmlessly when the buffer is there).
          if (move === "stage-write" || move === "step") this.staging.delete(height);
          return;
        }
        this.inFlight = { signature: tx.signature, bytes: tx.bytes, sentAtUs: ctx.now(), height, move, lastValidSlot: blockhash.lastValidSlot, ...(landed === undefined ? {} : { landed }) };
        if (move === "challenge" || move === "choose" || move === "step") this.movesMade.set(height, (this.movesMade.get(height) ?? 0) + 1);
        ctx.log("challenger-move", { height, move, signature: tx.signature });
      });
    });
    return true;
  }

  private pollInFlight(ctx: NodeContext<ChallengerMessage>): void {
    const tx = this.inFlight!;
    this.busy = true;
    this.session.call(this.sessionCtx, { kind: "get-signature-statuses", signatures: [tx.signature] }, (r) => {
      this.busy = false;
      if (this.inFlight !== tx || r === undefined || r.kind !== "signature-statuses") return;
      const status = r.statuses[0];
      if (status === null || status === undefined) {
        if (r.slot > tx.lastValidSlot) {
          this.inFlight = undefined;
          ctx.log("challenger-move-refused", { height: tx.height, move: tx.move, reason: "expired" });
        } else if (this.session.rebroadcastIfDue(this.sessionCtx, tx, this.config.resendIntervalUs ?? 1_200_000)) {
          // Not landed yet: dropped, or still queued (Solana clients rebroadcast until the blockhash expires).
          ctx.log("challenger-move-resent", { height: tx.height, move: tx.move });
        }
        return;
      }
      this.inFlight = undefined;
      // The same move with the same blockhash would be the same transaction, whose failure the L1 remembers: a fresh blockhash next time.
      if (status.err !== null) this.session.dropBlockhash();
      tx.landed?.(status.err === null);
      ctx.log("challenger-move-landed", { height: tx.height, move: tx.move, ok: status.err === null });
    });
  }

  /** Ends a cycle with nothing sent; logs a new waiting reason once. */
  private idle(ctx: NodeContext<ChallengerMessage>, reason: string | undefined): void {
    this.busy = false;
    if (reason !== undefined) this.note(ctx, reason);
  }

  private note(ctx: NodeContext<ChallengerMessage>, reason: string): void {
    if (reason !== this.waitingFor) ctx.log("challenger-waiting", { reason });
    this.waitingFor = reason;
  }
}

/**
 * The trace a dishonest challenger claims for a batch whose true trace is
 * `trace` (S_0..S_n, n >= 0): S_0..S_{k-1} as they are, then
 * sha256("asset-sim/fabricated-root" || S_i) for i >= k, with
 * k = max(1, ceil(n / 2)) (S_0 stays the agreed pre root, S_n always differs
 * from the true post root when n >= 1).
 * @throws RangeError when `trace` is empty
 */
export function fabricatedTrace(trace: readonly Uint8Array[]): Uint8Array[] {
  if (trace.length === 0) throw new RangeError("a trace has at least S_0");
  const n = trace.length - 1;
  const k = Math.max(1, Math.ceil(n / 2));
  return trace.map((root, i) => (i < k ? root : sha256Concat(utf8("asset-sim/fabricated-root"), root)));
}

/** True when `instructions` signed by `payer` fit one 1232-byte transaction. */
function fitsOneTransaction(instructions: TransactionInstruction[], payer: Keypair): boolean {
  try {
    signTransaction(instructions, [payer], "11111111111111111111111111111111");
    return true;
  } catch (error) {
    // web3.js: "Transaction too large: <n> > 1232"
    if (error instanceof Error && /too large/i.test(error.message)) return false;
    throw error;
  }
}

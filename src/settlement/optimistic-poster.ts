/**
 * The OptimisticPoster: the batch poster of a rollup in optimistic mode
 * (docs/fraud-proofs.md "Dispute game"). It re-executes committed blocks
 * (`TraceLedger`, fed with `committed-block` by its validator), posts each
 * batch (= L2 block) with `post_batch_optimistic` (bond, data commitment,
 * trace commitment, S_0, claimed S_n), answers every game against its
 * batches with the reveal its posted trace gives (`posterMove`), times out a
 * challenger whose chess clock surely ran out, resolves decided games, reposts a rejected height honestly, and finalizes each
 * batch once its challenge period is over. A sans-IO node.
 *
 * The loop, every `pollIntervalUs`, with no transaction in flight: read the
 * GameConfig; walk the heights from the lowest not yet final, reading each
 * batch and the game of each known challenger, and send the first move there
 * is; with none, post the next height if it has executed it (defending
 * first: a poster behind on posting still answers its games in time). A transaction in
 * flight is polled with `get-signature-statuses` until it lands or expires.
 *
 * Durable traces: every trace is stored on the node's disk (`ctx.storage`,
 * synced) before the post that commits to it is sent, with the time the post
 * landed, so after a crash and restart the poster still answers the games on
 * its batches (a stored trace is used when its root is the batch's trace
 * commitment on chain); a final height's trace is deleted.
 *
 * Fault (issue 13, item 3): `wrongRootAt` heights are posted once with a
 * trace that is wrong from transaction ceil(n / 2) on (S_0 right, every later
 * root and the claimed root wrong); the repost after a rejection is honest.
 *
 * Log events: `optimistic-move {height, move, signature}` (post, repost,
 * reveal, timeout, resolve, finalize), `optimistic-move-landed {height, move, ok, reason?}`,
 * `optimistic-move-refused {height, move, reason}`, `optimistic-waiting {reason}`,
 * `optimistic-traces-loaded {count}`.
 */
import type { Keypair, PublicKey, TransactionInstruction } from "@solana/web3.js";
import type { ValidatorMessage } from "../consensus/types.js";
import { bytesEqual, sha256, utf8 } from "../crypto/hash.js";
import { assert } from "../sim/assert.js";
import type { SignatureScheme } from "../crypto/signature.js";
import {
  batchAddress,
  BATCH_STATUS,
  decodeDisputeGame,
  decodeGameConfig,
  decodeOptimisticBatch,
  gameAddress,
  gameConfigAddress,
  gameInstructions,
  GAME_TURN,
  GAME_WINNER,
  type DisputeGameAccount,
} from "../l1/game-program.js";
import { L1Session, l1SessionContext, type L1SessionContext } from "../l1/l1-session.js";
import type { L1RpcMessage } from "../l1/l1-wire.js";
import { rollupErrorName, rollupProgramId, signTransaction } from "../l1/rollup-program.js";
import { WireDecodeError } from "../net/codec.js";
import { decodeAppMessage, encodeAppMessage } from "../sequencer/app-messages.js";
import type { Node, NodeContext, NodeId, TimerId } from "../sim/node.js";
import type { Genesis } from "../vm/genesis.js";
import { posterMove } from "./dispute-strategy.js";
import { TraceTree } from "./trace-commitment.js";
import { TraceLedger, TraceLedgerError } from "./trace-ledger.js";
import { BlockQuorum } from "./block-quorum.js";

/** Storage key prefix of a stored trace (then the height, 12 digits): its n + 1 roots, 32 bytes each. */
const TRACE_KEY = "optimistic/trace/";
/** Storage key prefix of the virtual time (u64 LE, microseconds) a height's post landed. */
const POSTED_AT_KEY = "optimistic/posted-at/";

function keyOf(height: number): string {
  return String(height).padStart(12, "0");
}

/** What the optimistic poster sends and receives: its validator's `app` messages and L1 RPC. */
export type OptimisticPosterMessage = ValidatorMessage | L1RpcMessage;

/** Configuration of an {@link OptimisticPoster}; times in microseconds unless named otherwise. */
export interface OptimisticPosterConfig {
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
  /** The batch poster authority's key. */
  readonly key: Keypair;
  /** The challengers whose games it answers (their game PDAs are read). */
  readonly challengers: readonly PublicKey[];
  readonly genesis: Genesis;
  readonly scheme: SignatureScheme;
  /** K: L2 blocks per batch (batch b = blocks (b - 1) K + 1 .. b K; the section's `batchEveryBlocks`). Default 1. */
  readonly blocksPerBatch?: number;
  /** The program's challenge period, seconds: finalize is tried once this much local time passed since the post landed. */
  readonly challengePeriodSeconds: number;
  readonly pollIntervalUs: number;
  readonly requestTimeoutUs: number;
  /** A move the L1 has not shown after this long is sent again unchanged (same signature) until its blockhash expires. Default 1_200_000. */
  readonly resendIntervalUs?: number;
  /** Heights first posted with a wrong root (the fault). */
  readonly wrongRootAt?: readonly number[];
}

type Move = "post" | "repost" | "reveal" | "timeout" | "resolve" | "finalize";

interface InFlight {
  readonly signature: string;
  readonly bytes: Uint8Array;
  /** When it was last (re)sent. */
  sentAtUs: number;
  readonly height: number;
  readonly move: Move;
  readonly lastValidSlot: number;
  readonly landed?: (ok: boolean) => void;
}

/** The optimistic poster node. */
export class OptimisticPoster implements Node<OptimisticPosterMessage> {
  /** Committed blocks read from the validators, accepted with a quorum. */
  private readonly blocks: BlockQuorum;
  private readonly config: OptimisticPosterConfig;
  private session!: L1Session;
  private sessionCtx!: L1SessionContext;
  private ledger!: TraceLedger;
  private readonly pending = new Map<number, { readonly root: Uint8Array; readonly txs: readonly Uint8Array[] }>();
  /** The trace posted per height (what reveals open). */
  private readonly posted = new Map<number, TraceTree>();
  /** Traces a previous boot stored, by height (`optimistic/trace/`): answered from when they are the ones on chain. */
  private readonly stored = new Map<number, TraceTree>();
  /** Local time each height's post landed (for finalize). */
  private readonly postedAtUs = new Map<number, number>();
  private readonly wrongDone = new Set<number>();
  /** Per game (height/challenger): the challenger-to-move position seen first at `sinceUs` (to time a silent challenger out). */
  private readonly challengerToMove = new Map<string, { readonly lastMoveAt: bigint; readonly sinceUs: number }>();
  private busy = false;
  private inFlight: InFlight | undefined;
  private cursor = 1;
  private waitingFor: string | undefined;
  private lastBlockQueryUs = -Infinity;

  constructor(config: OptimisticPosterConfig) {
    if (config.pollIntervalUs <= 0 || config.requestTimeoutUs <= 0 || config.challengePeriodSeconds <= 0) throw new RangeError("OptimisticPoster: intervals and the period must be positive");
    this.config = config;
    this.blocks = new BlockQuorum(config.validators ?? [config.validator], config.blockQuorum ?? 1);
  }

  private get programId(): PublicKey {
    return this.config.programId ?? rollupProgramId();
  }

  private get me(): PublicKey {
    return this.config.key.publicKey;
  }

  start(ctx: NodeContext<OptimisticPosterMessage>): void {
    this.session = new L1Session(this.config.l1, this.config.requestTimeoutUs);
    this.sessionCtx = l1SessionContext(ctx);
    this.ledger = new TraceLedger(this.config.genesis, this.config.scheme, 256, this.config.blocksPerBatch ?? 1);
    this.loadTraces(ctx);
    this.queryBlocks(ctx);
    ctx.setTimer(this.config.pollIntervalUs, "poll");
  }

  onMessage(ctx: NodeContext<OptimisticPosterMessage>, from: NodeId, msg: OptimisticPosterMessage): void {
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
      for (let next = this.pending.get(this.ledger.height + 1); next !== undefined; next = this.pending.get(this.ledger.height + 1)) {
        this.pending.delete(this.ledger.height + 1);
        this.ledger.apply(this.ledger.height + 1, next.txs, next.root);
      }
    } catch (error) {
      if (!(error instanceof WireDecodeError) && !(error instanceof TraceLedgerError)) throw error;
      ctx.log("malformed", { from, reason: error.message });
    }
  }

  onTimer(ctx: NodeContext<OptimisticPosterMessage>, _timer: TimerId, tag: string): void {
    if (tag !== "poll") return;
    ctx.setTimer(this.config.pollIntervalUs, "poll");
    this.session.expire(ctx.now());
    if (!this.pending.has(this.ledger.height + 1)) this.queryBlocks(ctx);
    if (this.busy) return;
    if (this.inFlight !== undefined) return this.pollInFlight(ctx);
    this.cycle(ctx);
  }

  private queryBlocks(ctx: NodeContext<OptimisticPosterMessage>): void {
    if (ctx.now() - this.lastBlockQueryUs < this.config.pollIntervalUs) return;
    this.lastBlockQueryUs = ctx.now();
    const query = encodeAppMessage({ kind: "block-query", fromHeight: this.ledger.height + 1 });
    for (const v of this.blocks.validators) ctx.send(v, { type: "app", data: query });
  }

  private read(ctx: NodeContext<OptimisticPosterMessage>, address: PublicKey, use: (data: Uint8Array | null) => void): void {
    this.session.call(this.sessionCtx, { kind: "get-account-info", address: address.toBase58(), commitment: "processed" }, (r) => {
      if (r === undefined || r.kind !== "account-info") return this.idle(ctx, "l1-read-failed");
      use(r.account === null || r.account.owner !== this.programId.toBase58() || r.account.lamports === 0n ? null : r.account.data);
    });
  }

  private cycle(ctx: NodeContext<OptimisticPosterMessage>): void {
    this.busy = true;
    this.read(ctx, gameConfigAddress(this.programId), (data) => {
      if (data === null) return this.idle(ctx, "game-not-initialized");
      const lastHeight = Number(decodeGameConfig(data).lastHeight);
      // Defending comes first: a poster that is always behind on posting must still answer its games in time.
      this.examine(ctx, this.cursor, lastHeight, () => (lastHeight < this.ledger.batches ? void this.post(ctx, lastHeight + 1, "post") : this.idle(ctx, undefined)));
    });
  }

  /** The trace to post at `height`: honest, or wrong from ceil(n / 2) on the first time a `wrongRootAt` height is posted. */
  private traceFor(height: number, move: Move): TraceTree {
    const honest = this.ledger.trace(height)!.trace;
    const n = honest.leaves.length - 1;
    if (move !== "post" || n === 0 || !(this.config.wrongRootAt ?? []).includes(height) || this.wrongDone.has(height)) return honest;
    this.wrongDone.add(height);
    const from = Math.max(1, Math.ceil(n / 2));
    return new TraceTree(honest.leaves.map((root, i) => (i < from ? root : sha256(utf8(`asset-sim/wrong-root/${height}/${i}`)))));
  }

  private post(ctx: NodeContext<OptimisticPosterMessage>, height: number, move: "post" | "repost"): boolean {
    const batch = this.ledger.trace(height);
    if (batch === undefined) return this.idle(ctx, undefined), false;
    const tree = this.traceFor(height, move);
    const instruction = gameInstructions.postBatchOptimistic(
      this.me,
      { height, preRoot: tree.leaves[0]!, postRoot: tree.leaves[tree.leaves.length - 1]!, dataCommitment: batch.dataCommitment, traceCommitment: tree.root, txCount: tree.leaves.length - 1 },
      this.programId,
    );
    // Write-ahead: the trace is durable before the post can land, so a crash at any point leaves the poster able to answer.
    this.persistTrace(ctx, height, tree);
    return this.send(ctx, height, move, [instruction], (ok) => {
      if (!ok) return;
      this.posted.set(height, tree);
      this.postedAtUs.set(height, ctx.now());
      const at = new Uint8Array(8);
      new DataView(at.buffer).setBigUint64(0, BigInt(ctx.now()), true);
      ctx.storage.put(`${POSTED_AT_KEY}${keyOf(height)}`, at);
      ctx.storage.sync();
    });
  }

  /** Stores the trace about to be posted at `height` (its n + 1 roots) and syncs. */
  private persistTrace(ctx: NodeContext<OptimisticPosterMessage>, height: number, tree: TraceTree): void {
    const bytes = new Uint8Array(32 * tree.leaves.length);
    tree.leaves.forEach((leaf, i) => bytes.set(leaf, 32 * i));
    ctx.storage.put(`${TRACE_KEY}${keyOf(height)}`, bytes);
    ctx.storage.sync();
  }

  /**
   * Loads the traces a previous boot stored (its posted or about-to-be-posted ones) and when their posts landed;
   * a trace whose landing time was not stored counts as posted now (finalize then waits a full period: safe).
   */
  private loadTraces(ctx: NodeContext<OptimisticPosterMessage>): void {
    for (const key of ctx.storage.keys(TRACE_KEY)) {
      const height = Number(key.slice(TRACE_KEY.length));
      const bytes = ctx.storage.get(key);
      assert(Number.isSafeInteger(height) && height >= 1 && bytes !== undefined && bytes.length >= 32 && bytes.length % 32 === 0, `stored trace ${key} is malformed`);
      const leaves = Array.from({ length: bytes.length / 32 }, (_, i) => bytes.slice(32 * i, 32 * i + 32));
      this.stored.set(height, new TraceTree(leaves));
      const at = ctx.storage.get(`${POSTED_AT_KEY}${keyOf(height)}`);
      this.postedAtUs.set(height, at !== undefined && at.length === 8 ? Number(new DataView(at.buffer, at.byteOffset, 8).getBigUint64(0, true)) : ctx.now());
    }
    if (this.stored.size > 0) ctx.log("optimistic-traces-loaded", { count: this.stored.size });
  }

  /** Forgets the stored trace of a final height (no game can open on it any more). */
  private forgetTrace(ctx: NodeContext<OptimisticPosterMessage>, height: number): void {
    if (ctx.storage.get(`${TRACE_KEY}${keyOf(height)}`) === undefined) return;
    ctx.storage.delete(`${TRACE_KEY}${keyOf(height)}`);
    ctx.storage.delete(`${POSTED_AT_KEY}${keyOf(height)}`);
    ctx.storage.sync();
  }

  /** Walks heights `h`..`last` and sends the first move there is; `none` when there is none. */
  private examine(ctx: NodeContext<OptimisticPosterMessage>, h: number, last: number, none: () => void): void {
    if (h > last) return none();
    this.read(ctx, batchAddress(h, this.programId), (data) => {
      if (data === null) return none();
      const batch = decodeOptimisticBatch(data);
      if (batch.status === BATCH_STATUS.final) {
        if (h === this.cursor) this.cursor++, this.forgetTrace(ctx, h);
        return this.examine(ctx, h + 1, last, none);
      }
      this.examineGames(ctx, h, batch.traceCommitment, 0, () => {
        if (batch.openGames > 0) return this.examine(ctx, h + 1, last, none);
        if (batch.status === BATCH_STATUS.rejected) return void this.post(ctx, h, "repost");
        const since = this.postedAtUs.get(h);
        if (since !== undefined && ctx.now() - since > (this.config.challengePeriodSeconds + 1) * 1_000_000 && (h === 1 || h - 1 < this.cursor)) {
          return void this.send(ctx, h, "finalize", [gameInstructions.finalizeRoot(this.me, h, this.programId)]);
        }
        this.examine(ctx, h + 1, last, none);
      });
    });
  }

  /** Answers or resolves the game of challenger `i` and on at height `h`; `next` when none needs a move. */
  private examineGames(ctx: NodeContext<OptimisticPosterMessage>, h: number, batchTraceCommitment: Uint8Array, i: number, next: () => void): void {
    const challenger = this.config.challengers[i];
    if (challenger === undefined) return next();
    this.read(ctx, gameAddress(h, challenger, this.programId), (data) => {
      if (data === null) return this.examineGames(ctx, h, batchTraceCommitment, i + 1, next);
      const game = decodeDisputeGame(data);
      if (game.winner !== GAME_WINNER.none) return void this.send(ctx, h, "resolve", [gameInstructions.resolve(this.me, challenger, h, this.programId)]);
      // This boot's trace, else the one a previous boot stored, if it is the one on chain (the trace commitment).
      const stored = this.stored.get(h);
      const tree = this.posted.get(h) ?? (stored !== undefined && bytesEqual(stored.root, batchTraceCommitment) ? stored : undefined);
      const move = tree === undefined ? { kind: "wait" as const } : posterMove(game, tree);
      if (move.kind === "reveal") return void this.send(ctx, h, "reveal", [gameInstructions.bisectReveal(this.me, challenger, h, move.root, move.proof, this.programId)]);
      if (game.turn !== GAME_TURN.posterReveals && this.challengerClockSurelyOut(ctx, h, challenger, game)) {
        return void this.send(ctx, h, "timeout", [gameInstructions.timeout(challenger, h, this.programId)]);
      }
      this.examineGames(ctx, h, batchTraceCommitment, i + 1, next);
    });
  }

  /**
   * True once the challenger of `game` (to move) has surely run out of its clock: its position was first seen
   * (same last move time) more than its time left plus 2 s ago, measured locally as the challenger does for the poster.
   * A silent challenger's open game would otherwise keep the batch from finality (or a rejected height from its repost).
   */
  private challengerClockSurelyOut(ctx: NodeContext<OptimisticPosterMessage>, h: number, challenger: PublicKey, game: DisputeGameAccount): boolean {
    const key = `${h}/${challenger.toBase58()}`;
    const seen = this.challengerToMove.get(key);
    if (seen === undefined || seen.lastMoveAt !== game.lastMoveAt) {
      this.challengerToMove.set(key, { lastMoveAt: game.lastMoveAt, sinceUs: ctx.now() });
      return false;
    }
    return ctx.now() - seen.sinceUs > (Number(game.challengerTimeLeft) + 2) * 1_000_000;
  }

  private send(ctx: NodeContext<OptimisticPosterMessage>, height: number, move: Move, instructions: TransactionInstruction[], landed?: (ok: boolean) => void): boolean {
    this.session.withBlockhash(this.sessionCtx, (blockhash, failure) => {
      if (blockhash === undefined) return this.idle(ctx, `blockhash: ${failure ?? "unknown"}`);
      const tx = signTransaction(instructions, [this.config.key], blockhash.value);
      this.session.call(this.sessionCtx, { kind: "send-transaction", tx: tx.bytes, skipPreflight: false }, (r) => {
        this.busy = false;
        if (r !== undefined && r.kind === "rpc-error" && r.code !== "already-processed") {
          if (r.code === "blockhash-not-found") this.session.dropBlockhash();
          ctx.log("optimistic-move-refused", { height, move, reason: r.code === "preflight-failure" && r.customCode !== undefined ? rollupErrorName(r.customCode) : r.code });
          return;
        }
        this.inFlight = { signature: tx.signature, bytes: tx.bytes, sentAtUs: ctx.now(), height, move, lastValidSlot: blockhash.lastValidSlot, ...(landed === undefined ? {} : { landed }) };
        ctx.log("optimistic-move", { height, move, signature: tx.signature });
      });
    });
    return true;
  }

  private pollInFlight(ctx: NodeContext<OptimisticPosterMessage>): void {
    const tx = this.inFlight!;
    this.busy = true;
    this.session.call(this.sessionCtx, { kind: "get-signature-statuses", signatures: [tx.signature] }, (r) => {
      this.busy = false;
      if (this.inFlight !== tx || r === undefined || r.kind !== "signature-statuses") return;
      const status = r.statuses[0];
      if (status === null || status === undefined) {
        if (r.slot > tx.lastValidSlot) {
          this.inFlight = undefined;
          ctx.log("optimistic-move-refused", { height: tx.height, move: tx.move, reason: "expired" });
        } else if (this.session.rebroadcastIfDue(this.sessionCtx, tx, this.config.resendIntervalUs ?? 1_200_000)) {
          // Not landed yet: dropped, or still queued (Solana clients rebroadcast until the blockhash expires).
          ctx.log("optimistic-move-resent", { height: tx.height, move: tx.move });
        }
        return;
      }
      this.inFlight = undefined;
      // The same move with the same blockhash would be the same transaction, whose failure the L1 remembers: a fresh blockhash next time.
      if (status.err !== null) this.session.dropBlockhash();
      tx.landed?.(status.err === null);
      ctx.log("optimistic-move-landed", { height: tx.height, move: tx.move, ok: status.err === null, ...(status.err === null ? {} : { reason: status.customCode !== null ? rollupErrorName(status.customCode) : status.err }) });
    });
  }

  private idle(ctx: NodeContext<OptimisticPosterMessage>, reason: string | undefined): void {
    this.busy = false;
    if (reason !== undefined && reason !== this.waitingFor) ctx.log("optimistic-waiting", { reason });
    if (reason !== undefined) this.waitingFor = reason;
  }
}

/**
 * The BatchPoster: posts every committed L2 state root to the AssetRollup
 * program on L1 with `submit_batch_root`, in height order (DESIGN.md, system 5).
 *
 * A sans-IO node. Validators push each committed root to it (`committed-roots`)
 * and answer `root-query` after it restarts; a root is taken once
 * `rootQuorum` distinct validators (f + 1 by default) report the same one, so
 * no single faulty validator can get a root posted. Batch `b` covers L2 heights
 * `(b-1)K+1 ..= bK` and posts the state root at height `bK` (K =
 * `batchEveryBlocks`, 1 by default, so batch height = L2 height).
 *
 * The loop, every `pollIntervalUs`: with no transaction in flight, read the
 * `RollupConfig` account (processed commitment) to learn exactly where the
 * chain is; wait while posting is paused, or while no key it holds is the
 * `batch_poster_authority` (it follows a rotation to any key of its keyring);
 * otherwise sign one transaction with up to `maxRootsPerTransaction`
 * consecutive `submit_batch_root` instructions and send it. A transaction in
 * flight is polled with `get-signature-statuses` until it lands, fails, or its
 * blockhash expires, and sent again unchanged every `resendIntervalUs` while
 * the chain has not seen it (as Solana clients rebroadcast until
 * `lastValidBlockHeight`). Failures (RPC errors, timeouts, program errors, expiry)
 * are retried after an exponential backoff with "equal jitter" (Brooker,
 * "Exponential Backoff And Jitter", AWS Architecture Blog, 2015): a delay drawn
 * uniformly from [d/2, d], d = min(retryMaxUs, retryBaseUs * 2^(attempt-1)).
 * Because each send starts from the chain's own `last_batch_height`, a crash,
 * a dropped transaction or an L1 reorg that undid a landed batch all resume at
 * exactly the next height, and nothing is posted twice (the program refuses
 * any height but `last + 1`).
 *
 * Durable state: the last batch height seen landed (`poster/last-posted`,
 * synced), reported on restart; the chain stays the authority on where to resume.
 *
 * Log events: `poster-resume`, `poster-waiting {reason}`, `poster-key {authority}`,
 * `l1-tx-sent {signature, fromBatch, toBatch, attempt}` (attempt > 0: a retry),
 * `l1-tx-resent {signature, fromBatch, toBatch}` (the same transaction again),
 * `l1-tx-landed {signature, fromBatch, toBatch, slot}`, `l1-tx-failed {reason,
 * attempt, retryInUs}` (a posting transaction refused, failed on chain, or
 * expired), `l1-read-failed {reason, attempt, retryInUs}` (an L1 read failed),
 * `poster-rewound {from, to}` (the chain is behind what landed: an L1 reorg).
 */
import type { Keypair, PublicKey } from "@solana/web3.js";
import type { ValidatorMessage } from "../consensus/types.js";
import type { L1RpcMessage } from "../l1/l1-wire.js";

/** What the batch poster sends and receives: validator `app` messages (roots) and L1 RPC. */
export type PosterMessage = ValidatorMessage | L1RpcMessage;
import { toHex } from "../crypto/hash.js";
import { WireDecodeError } from "../net/codec.js";
import type { Node, NodeContext, NodeId, TimerId } from "../sim/node.js";
import { L1Session, l1SessionContext, type L1SessionContext } from "../l1/l1-session.js";
import { decodeRollupConfig, RollupAccountError, type RollupConfig } from "../l1/rollup-accounts.js";
import { configAddress, rollupErrorName, rollupInstructions, signTransaction, rollupProgramId } from "../l1/rollup-program.js";
import { decodeAppMessage, encodeAppMessage } from "./app-messages.js";

/** Configuration of a {@link BatchPoster}; times in microseconds. */
export interface BatchPosterConfig {
  /** The L1 RPC node. */
  readonly l1: NodeId;
  /** The AssetRollup program this rollup posts to (default the shipped program id; each rollup of a scenario has its own). */
  readonly programId?: PublicKey;
  /** The validators that push committed roots and answer `root-query`. */
  readonly validators: readonly NodeId[];
  /** Distinct validators that must report the same root at a height before it is posted (f + 1). */
  readonly rootQuorum: number;
  /** The keys this poster holds; it signs with whichever is the on-chain `batch_poster_authority`. */
  readonly keys: readonly Keypair[];
  /** K: one batch per K L2 blocks (1 = every block). */
  readonly batchEveryBlocks: number;
  /** Most `submit_batch_root` instructions in one L1 transaction (each ~90 bytes of the 1232). */
  readonly maxRootsPerTransaction: number;
  /** The loop period. */
  readonly pollIntervalUs: number;
  /** First retry delay. */
  readonly retryBaseUs: number;
  /** Largest retry delay. */
  readonly retryMaxUs: number;
  /** An L1 request with no answer after this long counts as failed. */
  readonly requestTimeoutUs: number;
  /** A sent transaction not seen on chain after this long is sent again (same bytes, same signature) until its blockhash expires. */
  readonly resendIntervalUs: number;
}

/** Storage key of the last batch height seen landed (u64 little endian). */
export const LAST_POSTED_KEY = "poster/last-posted";

/** A transaction the poster signed and sent, until it lands, fails or expires. */
interface InFlight {
  readonly signature: string;
  readonly bytes: Uint8Array;
  /** When it was last (re)sent. */
  sentAtUs: number;
  readonly fromBatch: number;
  readonly toBatch: number;
  readonly lastValidSlot: number;
}

/** The batch poster node. */
export class BatchPoster implements Node<PosterMessage> {
  private readonly config: BatchPosterConfig;
  private session!: L1Session;
  private sessionCtx!: L1SessionContext;
  /** Reports per L2 height: root hex -> validators that reported it. */
  private readonly reports = new Map<number, Map<string, Set<NodeId>>>();
  /** Roots with a quorum of reports, by L2 height. */
  private readonly agreed = new Map<number, Uint8Array>();
  private inFlight: InFlight | undefined;
  /** True while a config read / send cycle is under way. */
  private busy = false;
  private attempt = 0;
  private retryAtUs = 0;
  /** Highest batch height seen landed in this boot (or loaded from storage). */
  private lastLanded = 0;
  private waitingFor: string | undefined;
  private authority: string | undefined;
  private lastRootQueryUs = -Infinity;

  /** The program this node talks to. */
  private get programId(): PublicKey {
    return this.config.programId ?? rollupProgramId();
  }

  constructor(config: BatchPosterConfig) {
    if (config.batchEveryBlocks < 1 || config.maxRootsPerTransaction < 1 || config.rootQuorum < 1 || config.keys.length === 0) {
      throw new RangeError("BatchPoster: batchEveryBlocks, maxRootsPerTransaction and rootQuorum must be >= 1, and it needs a key");
    }
    this.config = config;
  }

  start(ctx: NodeContext<PosterMessage>): void {
    this.session = new L1Session(this.config.l1, this.config.requestTimeoutUs);
    this.sessionCtx = l1SessionContext(ctx);
    const stored = ctx.storage.get(LAST_POSTED_KEY);
    if (stored !== undefined && stored.length === 8) this.lastLanded = Number(new DataView(stored.buffer, stored.byteOffset, 8).getBigUint64(0, true));
    ctx.log("poster-resume", { lastPosted: this.lastLanded });
    this.queryRoots(ctx, this.lastLanded * this.config.batchEveryBlocks + 1);
    ctx.setTimer(this.config.pollIntervalUs, "poll");
  }

  onMessage(ctx: NodeContext<PosterMessage>, from: NodeId, msg: PosterMessage): void {
    if (msg.type === "l1-rpc") {
      if (from !== this.config.l1) return;
      if (!this.session.onData(msg.data)) ctx.log("malformed", { from, reason: "not an L1 response" });
      return;
    }
    if (msg.type !== "app") return;
    if (!this.config.validators.includes(from)) return;
    try {
      const app = decodeAppMessage(msg.data);
      if (app.kind === "committed-roots") app.roots.forEach((root, i) => this.report(from, app.fromHeight + i, root));
    } catch (error) {
      if (!(error instanceof WireDecodeError)) throw error;
      ctx.log("malformed", { from, reason: error.message });
    }
  }

  onTimer(ctx: NodeContext<PosterMessage>, _timer: TimerId, tag: string): void {
    if (tag !== "poll") return;
    ctx.setTimer(this.config.pollIntervalUs, "poll");
    this.session.expire(ctx.now());
    if (this.busy) return;
    if (this.inFlight !== undefined) return this.pollInFlight(ctx);
    if (ctx.now() >= this.retryAtUs) this.cycle(ctx);
  }

  /** Counts one validator's report of the root at `height`. */
  private report(from: NodeId, height: number, root: Uint8Array): void {
    if (height <= this.lastLanded * this.config.batchEveryBlocks - 4 * 64 || this.agreed.has(height)) return;
    const hex = toHex(root);
    let byRoot = this.reports.get(height);
    if (byRoot === undefined) this.reports.set(height, (byRoot = new Map()));
    let who = byRoot.get(hex);
    if (who === undefined) byRoot.set(hex, (who = new Set()));
    who.add(from);
    if (who.size >= this.config.rootQuorum) {
      this.agreed.set(height, root);
      this.reports.delete(height);
    }
  }

  /** Asks every validator for committed roots from `fromHeight` on (at most once per poll interval). */
  private queryRoots(ctx: NodeContext<PosterMessage>, fromHeight: number): void {
    if (ctx.now() - this.lastRootQueryUs < this.config.pollIntervalUs) return;
    this.lastRootQueryUs = ctx.now();
    const data = encodeAppMessage({ kind: "root-query", fromHeight });
    for (const v of this.config.validators) ctx.send(v, { type: "app", data });
  }

  /** One posting cycle: read where the chain is, then send the next batches if any. */
  private cycle(ctx: NodeContext<PosterMessage>): void {
    this.busy = true;
    this.session.call(this.sessionCtx, { kind: "get-account-info", address: configAddress(this.programId).toBase58(), commitment: "processed" }, (r) => {
      if (r === undefined) return this.fail(ctx, "read", "timeout");
      if (r.kind === "rpc-error") return this.fail(ctx, "read", r.code);
      if (r.kind !== "account-info") return this.fail(ctx, "read", "unexpected-response");
      if (r.account === null || r.account.owner !== this.programId.toBase58()) return this.idle(ctx, "not-initialized");
      let config: RollupConfig;
      try {
        config = decodeRollupConfig(r.account.data);
      } catch (error) {
        if (error instanceof RollupAccountError) return this.idle(ctx, "bad-config-account");
        throw error;
      }
      this.postFrom(ctx, config);
    });
  }

  private postFrom(ctx: NodeContext<PosterMessage>, config: RollupConfig): void {
    const chainHeight = Number(config.lastBatchHeight);
    if (chainHeight < this.lastLanded) {
      ctx.log("poster-rewound", { from: this.lastLanded, to: chainHeight });
      this.setLanded(ctx, chainHeight);
    } else if (chainHeight > this.lastLanded) {
      this.setLanded(ctx, chainHeight);
    }
    if (config.paused) return this.idle(ctx, "paused");
    const key = this.config.keys.find((k) => k.publicKey.toBase58() === config.batchPosterAuthority);
    if (key === undefined) return this.idle(ctx, "not-authorized");
    if (this.authority !== config.batchPosterAuthority) {
      this.authority = config.batchPosterAuthority;
      ctx.log("poster-key", { authority: this.authority });
    }
    const k = this.config.batchEveryBlocks;
    const batches: { batch: number; root: Uint8Array }[] = [];
    for (let b = chainHeight + 1; batches.length < this.config.maxRootsPerTransaction; b++) {
      const root = this.agreed.get(b * k);
      if (root === undefined) break;
      batches.push({ batch: b, root });
    }
    if (batches.length === 0) {
      this.queryRoots(ctx, chainHeight * k + 1);
      return this.idle(ctx, undefined);
    }
    this.session.withBlockhash(this.sessionCtx, (blockhash, failure) => {
      if (blockhash === undefined) return this.fail(ctx, "read", failure ?? "blockhash");
      const tx = signTransaction(
        batches.map(({ batch, root }) => rollupInstructions.submitBatchRoot(key.publicKey, batch, root, this.programId)),
        [key],
        blockhash.value,
      );
      const fromBatch = batches[0]!.batch;
      const toBatch = batches[batches.length - 1]!.batch;
      this.inFlight = { signature: tx.signature, bytes: tx.bytes, sentAtUs: ctx.now(), fromBatch, toBatch, lastValidSlot: blockhash.lastValidSlot };
      ctx.log("l1-tx-sent", { signature: tx.signature, fromBatch, toBatch, attempt: this.attempt });
      this.session.call(this.sessionCtx, { kind: "send-transaction", tx: tx.bytes, skipPreflight: false }, (r) => {
        if (r === undefined || (r.kind === "rpc-error" && r.code === "already-processed") || r.kind === "send-transaction-result") {
          // Sent (or maybe sent): the status polls tell whether it lands.
          this.busy = false;
          return;
        }
        this.inFlight = undefined;
        if (r.kind === "rpc-error") {
          if (r.code === "blockhash-not-found") this.session.dropBlockhash();
          return this.fail(ctx, "tx", r.code === "preflight-failure" && r.customCode !== undefined ? rollupErrorName(r.customCode) : r.code);
        }
        this.fail(ctx, "tx", "unexpected-response");
      });
    });
  }

  private pollInFlight(ctx: NodeContext<PosterMessage>): void {
    const tx = this.inFlight!;
    this.busy = true;
    this.session.call(this.sessionCtx, { kind: "get-signature-statuses", signatures: [tx.signature] }, (r) => {
      if (this.inFlight !== tx) return void (this.busy = false);
      if (r === undefined) return void (this.busy = false); // try again next poll
      if (r.kind === "rpc-error") return void (this.busy = false);
      if (r.kind !== "signature-statuses") return void (this.busy = false);
      const status = r.statuses[0];
      if (status === null || status === undefined) {
        this.busy = false;
        if (r.slot > tx.lastValidSlot) {
          this.inFlight = undefined;
          this.fail(ctx, "tx", "expired");
        } else if (this.session.rebroadcastIfDue(this.sessionCtx, tx, this.config.resendIntervalUs)) {
          // Not landed yet: dropped, or still queued.
          ctx.log("l1-tx-resent", { signature: tx.signature, fromBatch: tx.fromBatch, toBatch: tx.toBatch });
        }
        return;
      }
      this.inFlight = undefined;
      if (status.err !== null) return this.fail(ctx, "tx", status.customCode !== null ? rollupErrorName(status.customCode) : status.err);
      ctx.log("l1-tx-landed", { signature: tx.signature, fromBatch: tx.fromBatch, toBatch: tx.toBatch, slot: status.slot });
      this.setLanded(ctx, Math.max(this.lastLanded, tx.toBatch));
      this.attempt = 0;
      this.retryAtUs = 0;
      this.busy = false;
      this.cycle(ctx); // the next batches right away
    });
  }

  private setLanded(ctx: NodeContext<PosterMessage>, batch: number): void {
    this.lastLanded = batch;
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(batch), true);
    ctx.storage.put(LAST_POSTED_KEY, bytes);
    ctx.storage.sync();
    const below = (batch - 1) * this.config.batchEveryBlocks - 4 * 64;
    for (const h of this.agreed.keys()) if (h < below) this.agreed.delete(h);
    for (const h of this.reports.keys()) if (h < below) this.reports.delete(h);
  }

  /** Ends a cycle with nothing sent; logs a new waiting reason once. */
  private idle(ctx: NodeContext<PosterMessage>, reason: string | undefined): void {
    this.busy = false;
    if (reason !== this.waitingFor && reason !== undefined) ctx.log("poster-waiting", { reason });
    this.waitingFor = reason;
  }

  /** Ends a cycle with a failure of an L1 read or of a posting transaction: backs off before the next attempt. */
  private fail(ctx: NodeContext<PosterMessage>, what: "read" | "tx", reason: string): void {
    this.busy = false;
    this.attempt++;
    const ceiling = Math.min(this.config.retryMaxUs, this.config.retryBaseUs * 2 ** Math.min(30, this.attempt - 1));
    const delay = Math.floor(ceiling / 2 + ctx.rng.next() * (ceiling / 2));
    this.retryAtUs = ctx.now() + delay;
    ctx.log(what === "tx" ? "l1-tx-failed" : "l1-read-failed", { reason, attempt: this.attempt, retryInUs: delay });
  }
}

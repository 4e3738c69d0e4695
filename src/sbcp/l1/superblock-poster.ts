/**
 * The shared publisher's L1 path (issue 17, item 4; SBCP v1 "Shared
 * Publisher": Sealing -> StartingSlot "after superblock validity is known";
 * `settlement_layer.md`): publishes each superblock the SP built to the
 * AssetRollup program's superblock registry (`publish_superblock`, see
 * `l1/superblock-program.ts`), in number order, watches each post land and
 * reach finality, resubmits after an L1 reorg or a dropped transaction, and
 * tells the SP when a superblock is invalid so it rolls back.
 *
 * Sans-IO, owned by {@link L1SharedPublisher} (which calls {@link poll} from
 * a timer and hands it the L1's replies). The loop, every `pollIntervalUs`,
 * follows the batch poster's (`sequencer/batch-poster.ts`): with no
 * transaction in flight, read the `SuperblockConfig` (processed commitment)
 * to learn the chain's last number and hash, so a dropped post, an expired
 * one or one a reorg undid is posted again from exactly the next number
 * (the program refuses anything but last + 1 on the last hash); then read
 * the finalized config and log each newly finalized number. A transaction
 * in flight is polled until it lands, fails or its blockhash expires, and
 * rebroadcast unchanged every `resendIntervalUs`.
 *
 * Validity (the rule the SP follows): a superblock is invalid when
 * - the L1 refuses it for its contents (`SuperblockHashMismatch`,
 *   `SuperblockBlocksInvalid`: settlement_layer.md's rules on the batch), or
 * - it has not landed on the L1 within `publishWindowUs` of being built (the
 *   settlement deadline; SBCP v2's proof window, `ProofTimeout` rolls back to
 *   the settled state, applied here to v1's publication),
 * and then the SP rolls back to the last superblock on the L1 (SBCP
 * "Rollback": "fetch last valid superblock from settlement layer, send
 * RollBackAndStartSlot"). The decision is taken only with no transaction in
 * flight, so no older post can land after it and leave the L1 ahead of the SP.
 *
 * Logged events (`systems/sbcp/events.ts`): `sbcp-l1-publish-sent {number,
 * signature, attempt, resubmission}`, `sbcp-l1-published {number, slot}`,
 * `sbcp-l1-finalized {number}`, `sbcp-l1-rewound {from, to}` (the chain lost
 * posts: a reorg), `sbcp-l1-failed {what, reason, attempt, retryInUs}`,
 * `sbcp-l1-invalid {number, reason, lastValid}`, `sbcp-l1-initialized`,
 * `sbcp-l1-waiting {reason}`.
 */
import type { Keypair, PublicKey } from "@solana/web3.js";
import { bytesEqual } from "../../crypto/hash.js";
import { L1Session, type L1SessionContext } from "../../l1/l1-session.js";
import { RollupAccountError } from "../../l1/rollup-accounts.js";
import { rollupErrorName, signTransaction } from "../../l1/rollup-program.js";
import { decodeSuperblockConfig, superblockConfigAddress, superblockInstructions, type SuperblockConfig } from "../../l1/superblock-program.js";
import { assert } from "../../sim/assert.js";
import type { NodeId } from "../../sim/node.js";
import type { Superblock } from "../superblock.js";

/** The settings of the SP's L1 path. Times are microseconds. */
export interface SuperblockPosterConfig {
  /** The L1 RPC node. */
  readonly l1: NodeId;
  /** The program holding the superblock registry. */
  readonly programId: PublicKey;
  /** The registry's configured publisher key (signs and pays). */
  readonly publisher: Keypair;
  /** The program's upgrade authority, which initializes the registry when it does not exist yet (the deployer's first step); none: wait for it. */
  readonly initializer?: Keypair;
  readonly pollIntervalUs: number;
  /** An L1 request with no answer after this long counts as failed. */
  readonly requestTimeoutUs: number;
  /** A sent transaction not seen on chain after this long is sent again (same bytes). */
  readonly resendIntervalUs: number;
  /** A superblock not landed on the L1 this long after it was built is invalid (see the file comment). */
  readonly publishWindowUs: number;
  /** First retry delay after a failure; doubles up to 8x. */
  readonly retryBaseUs: number;
}

/** What the poster needs from its node: the SP's superblocks, when each was built, and the rollback. */
export interface SuperblockPosterHost {
  /** The SP's superblocks, numbers 1, 2, ... */
  superblocks(): readonly Superblock[];
  /** When superblock `number` (as the SP holds it now) was built, us. */
  builtAt(number: number): number;
  /** Superblocks after `lastValid` are invalid: the SP rolls back to it. */
  rollBack(lastValid: number): void;
  log(event: string, fields: Readonly<Record<string, unknown>>): void;
  /** A number in [0, 1) from the node's random stream (retry jitter). */
  random(): number;
}

interface InFlight {
  readonly kind: "publish" | "initialize";
  readonly number: number;
  readonly signature: string;
  readonly bytes: Uint8Array;
  sentAtUs: number;
  readonly lastValidSlot: number;
}

/** Refusals that say the superblock itself is invalid (not a race with the chain's state). */
const INVALID_SUPERBLOCK_ERRORS = new Set(["SuperblockHashMismatch", "SuperblockBlocksInvalid"]);

/** The SP's L1 publisher of superblocks (see the file comment). */
export class SuperblockPoster {
  private readonly session: L1Session;
  private inFlight: InFlight | undefined;
  private busy = false;
  private attempt = 0;
  private retryAtUs = 0;
  /** Highest number seen landed in this boot. */
  private landed = 0;
  /** Highest number seen finalized in this boot. */
  private finalized = 0;
  private waitingFor: string | undefined;

  constructor(
    private readonly config: SuperblockPosterConfig,
    private readonly ctx: L1SessionContext,
    private readonly host: SuperblockPosterHost,
  ) {
    assert(config.pollIntervalUs > 0 && config.publishWindowUs > 0 && config.retryBaseUs > 0, "positive poster periods");
    this.session = new L1Session(config.l1, config.requestTimeoutUs);
  }

  /** The highest superblock number seen finalized on the L1 in this boot. */
  get finalizedNumber(): number {
    return this.finalized;
  }

  /** Hands bytes from the L1 node to the session; false when they are not an L1 response. */
  onData(data: Uint8Array): boolean {
    return this.session.onData(data);
  }

  /** One loop step (call every `pollIntervalUs`). */
  poll(): void {
    this.session.expire(this.ctx.now());
    if (this.busy) return;
    if (this.inFlight !== undefined) return this.pollInFlight();
    if (this.ctx.now() >= this.retryAtUs) this.cycle();
  }

  private readConfig(commitment: "processed" | "finalized", use: (config: SuperblockConfig | null) => void): void {
    this.session.call(this.ctx, { kind: "get-account-info", address: superblockConfigAddress(this.config.programId).toBase58(), commitment }, (r) => {
      if (r === undefined) return this.fail("read", "timeout");
      if (r.kind === "rpc-error") return this.fail("read", r.code);
      if (r.kind !== "account-info") return this.fail("read", "unexpected-response");
      if (r.account === null || r.account.owner !== this.config.programId.toBase58()) return use(null);
      try {
        use(decodeSuperblockConfig(r.account.data));
      } catch (error) {
        if (error instanceof RollupAccountError) return this.idle("bad-config-account");
        throw error;
      }
    });
  }

  private cycle(): void {
    this.busy = true;
    this.readConfig("processed", (config) => {
      if (config === null) {
        if (this.config.initializer === undefined) return this.idle("not-initialized");
        const authority = this.config.initializer;
        return this.send("initialize", 0, superblockInstructions.initialize(authority.publicKey, this.config.publisher.publicKey, this.config.programId), authority);
      }
      if (config.publisher !== this.config.publisher.publicKey.toBase58()) return this.idle("not-the-publisher");
      this.readConfig("finalized", (final) => {
        this.noteFinalized(final?.lastNumber ?? 0);
        this.publishFrom(config);
      });
    });
  }

  private noteFinalized(number: number): void {
    for (let n = this.finalized + 1; n <= number; n++) this.host.log("sbcp-l1-finalized", { number: n });
    this.finalized = Math.max(this.finalized, number);
  }

  private publishFrom(config: SuperblockConfig): void {
    const chainLast = config.lastNumber;
    if (chainLast < this.landed) {
      this.host.log("sbcp-l1-rewound", { from: this.landed, to: chainLast });
      this.landed = chainLast;
    } else this.landed = chainLast;
    const superblocks = this.host.superblocks();
    if (chainLast > superblocks.length) return this.idle("the L1 is ahead of the SP");
    const onChain = superblocks[chainLast - 1];
    if (onChain !== undefined && !bytesEqual(onChain.Hash, config.lastHash)) return this.idle("the L1's last superblock is not the SP's");
    const next = superblocks[chainLast];
    if (next === undefined) return this.idle(undefined);
    if (this.ctx.now() - this.host.builtAt(next.Number) > this.config.publishWindowUs) {
      this.busy = false;
      this.attempt = 0;
      this.host.log("sbcp-l1-invalid", { number: next.Number, reason: "not published within the window", lastValid: chainLast });
      this.host.rollBack(chainLast);
      return;
    }
    const post = { number: next.Number, slot: next.Slot, parentHash: next.ParentHash, hash: next.Hash, blocks: next.L2Blocks.map((b) => ({ chainId: b.ChainID, blockNumber: b.BlockNumber, blockHash: b.BlockHash })) };
    this.send("publish", next.Number, superblockInstructions.publish(this.config.publisher.publicKey, post, this.config.programId), this.config.publisher);
  }

  private send(kind: InFlight["kind"], number: number, instruction: Parameters<typeof signTransaction>[0][number], signer: Keypair): void {
    this.session.withBlockhash(this.ctx, (blockhash, failure) => {
      if (blockhash === undefined) return this.fail("read", failure ?? "blockhash");
      const tx = signTransaction([instruction], [signer], blockhash.value);
      this.inFlight = { kind, number, signature: tx.signature, bytes: tx.bytes, sentAtUs: this.ctx.now(), lastValidSlot: blockhash.lastValidSlot };
      if (kind === "publish") this.host.log("sbcp-l1-publish-sent", { number, signature: tx.signature, attempt: this.attempt, resubmission: number <= this.highestEverLanded });
      this.session.call(this.ctx, { kind: "send-transaction", tx: tx.bytes, skipPreflight: false }, (r) => {
        if (r === undefined || (r.kind === "rpc-error" && r.code === "already-processed") || r.kind === "send-transaction-result") {
          this.busy = false;
          return;
        }
        this.inFlight = undefined;
        if (r.kind === "rpc-error") {
          if (r.code === "blockhash-not-found") this.session.dropBlockhash();
          const reason = r.code === "preflight-failure" && r.customCode !== undefined ? rollupErrorName(r.customCode) : r.code;
          return this.refused(kind, number, reason);
        }
        this.fail("tx", "unexpected-response");
      });
    });
  }

  /** Highest number ever seen landed (a post of a number at or below it is a resubmission). */
  private highestEverLanded = 0;

  private pollInFlight(): void {
    const tx = this.inFlight!;
    this.busy = true;
    this.session.call(this.ctx, { kind: "get-signature-statuses", signatures: [tx.signature] }, (r) => {
      if (this.inFlight !== tx) return void (this.busy = false);
      if (r === undefined || r.kind !== "signature-statuses") return void (this.busy = false);
      const status = r.statuses[0];
      if (status === null || status === undefined) {
        this.busy = false;
        if (r.slot > tx.lastValidSlot) {
          this.inFlight = undefined;
          this.fail("tx", "expired");
        } else this.session.rebroadcastIfDue(this.ctx, tx, this.config.resendIntervalUs);
        return;
      }
      this.inFlight = undefined;
      if (status.err !== null) return this.refused(tx.kind, tx.number, status.customCode !== null ? rollupErrorName(status.customCode) : status.err);
      if (tx.kind === "initialize") this.host.log("sbcp-l1-initialized", { slot: status.slot });
      else {
        this.host.log("sbcp-l1-published", { number: tx.number, slot: status.slot });
        this.landed = Math.max(this.landed, tx.number);
        this.highestEverLanded = Math.max(this.highestEverLanded, tx.number);
      }
      this.attempt = 0;
      this.retryAtUs = 0;
      this.busy = false;
      this.cycle();
    });
  }

  /** The L1 refused a transaction: an invalid superblock rolls the SP back; anything else is retried from the chain's state. */
  private refused(kind: InFlight["kind"], number: number, reason: string): void {
    if (kind === "publish" && INVALID_SUPERBLOCK_ERRORS.has(reason) && number - 1 < this.host.superblocks().length) {
      this.busy = false;
      this.attempt = 0;
      this.host.log("sbcp-l1-invalid", { number, reason, lastValid: number - 1 });
      this.host.rollBack(number - 1);
      return;
    }
    this.fail("tx", reason);
  }

  private idle(reason: string | undefined): void {
    this.busy = false;
    if (reason !== this.waitingFor && reason !== undefined) this.host.log("sbcp-l1-waiting", { reason });
    this.waitingFor = reason;
  }

  private fail(what: "read" | "tx", reason: string): void {
    this.busy = false;
    this.attempt++;
    const ceiling = this.config.retryBaseUs * 2 ** Math.min(3, this.attempt - 1);
    const delay = Math.floor(ceiling / 2 + this.host.random() * (ceiling / 2));
    this.retryAtUs = this.ctx.now() + delay;
    this.host.log("sbcp-l1-failed", { what, reason, attempt: this.attempt, retryInUs: delay });
  }
}

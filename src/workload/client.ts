/**
 * A simulated client: submits opaque transactions to validators as a Poisson
 * process at a configured rate. Each transaction is unique: the client index,
 * a sequence number and random filler. The client logs `submit` with the
 * transaction id, which is what the validity checker compares commits against.
 */
import type { ValidatorMessage } from "../consensus/types.js";
import { transactionId } from "../mempool/opaque-pool.js";
import { encodeTxMessage } from "../sequencer/opaque-payload.js";
import type { Node, NodeContext, NodeId } from "../sim/node.js";

/** Configuration of one client. Times are microseconds. */
export interface ClientConfig {
  readonly index: number;
  /** Validators the client may submit to; each transaction goes to one, chosen at random. */
  readonly validators: readonly NodeId[];
  /** Mean transactions per second of this client (> 0), or 0 for an idle client. */
  readonly txPerSecond: number;
  /** Size of each transaction, bytes (>= 12). */
  readonly txBytes: number;
  /** No submissions at or after this time. */
  readonly stopAtUs: number;
}

const TIMER_SUBMIT = "submit";

/** A client node. */
export class WorkloadClient implements Node<ValidatorMessage> {
  private readonly config: ClientConfig;
  private sequence = 0;

  /** @throws RangeError on a transaction size below 12 bytes or an empty validator list */
  constructor(config: ClientConfig) {
    if (config.txBytes < 12) throw new RangeError(`txBytes must be >= 12, got ${config.txBytes}`);
    if (config.validators.length === 0) throw new RangeError("a client needs at least one validator");
    this.config = config;
  }

  start(ctx: NodeContext<ValidatorMessage>): void {
    this.scheduleNext(ctx);
  }

  onMessage(): void {
    // Clients ignore replies.
  }

  onTimer(ctx: NodeContext<ValidatorMessage>): void {
    const { validators, txBytes } = this.config;
    const tx = new Uint8Array(txBytes);
    const view = new DataView(tx.buffer);
    view.setUint32(0, this.config.index);
    view.setBigUint64(4, BigInt(this.sequence++));
    tx.set(ctx.rng.bytes(txBytes - 12), 12);
    const to = validators[ctx.rng.int(validators.length)]!;
    ctx.log("submit", { txId: transactionId(tx), to });
    ctx.send(to, { type: "app", data: encodeTxMessage({ kind: "submit", txs: [tx] }) });
    this.scheduleNext(ctx);
  }

  private scheduleNext(ctx: NodeContext<ValidatorMessage>): void {
    if (this.config.txPerSecond <= 0) return;
    const afterUs = Math.max(1, Math.round(ctx.rng.exponential(1_000_000 / this.config.txPerSecond)));
    if (ctx.now() + afterUs >= this.config.stopAtUs) return;
    ctx.setTimer(afterUs, TIMER_SUBMIT);
  }
}

/**
 * A validator node that also reads the bridge's deposits from the L1 itself
 * (issue 13, item 2): it hosts the validator's replica (any
 * `Node<ValidatorMessage>`: honest, byzantine or twin) and a
 * {@link DepositReader} that feeds the replica's application. `l1-rpc`
 * messages from the L1 node go to the reader, timers tagged
 * {@link DEPOSIT_POLL_TAG} poll it, everything else goes to the replica
 * unchanged, so consensus knows nothing of the L1.
 */
import type { Application } from "../consensus/application.js";
import { replicaOf, type ReplicaWrapper } from "../consensus/byzantine/wrapper.js";
import type { HotStuffReplica } from "../consensus/replica.js";
import type { ValidatorMessage } from "../consensus/types.js";
import { assert } from "../sim/assert.js";
import type { L1RpcMessage } from "../l1/l1-wire.js";
import type { AssetApp } from "../sequencer/asset-app.js";
import type { Node, NodeContext, NodeId, TimerId } from "../sim/node.js";
import { DepositReader, type DepositReaderConfig, type DepositReaderHost } from "./deposit-reader.js";

/** What a validator with a deposit reader sends and receives. */
export type L1ReadingValidatorMessage = ValidatorMessage | L1RpcMessage;

/** The timer tag of the reader's poll (the replica's tags are its own). */
export const DEPOSIT_POLL_TAG = "deposit-reader/poll";

/** The node: a replica plus its deposit reader (a fresh instance per boot); inspected as a {@link ReplicaWrapper}. */
export class L1ReadingValidator implements Node<L1ReadingValidatorMessage>, ReplicaWrapper {
  private readonly reader: DepositReader;
  private host!: DepositReaderHost;

  /**
   * @param inner the validator's replica node (honest, byzantine wrapper or twin), built over `app`
   * @param app the replica's application, which the reader feeds (`learnL1Deposits`)
   */
  constructor(
    private readonly inner: Node<ValidatorMessage>,
    private readonly app: AssetApp,
    private readonly config: DepositReaderConfig,
  ) {
    this.reader = new DepositReader(config);
  }

  /** The honest replica inside (inside a byzantine wrapper or twin, when the validator runs one). */
  get replica(): HotStuffReplica {
    const replica = replicaOf(this.inner);
    assert(replica !== undefined, "an L1-reading validator hosts a replica");
    return replica;
  }

  get application(): Application {
    return this.app;
  }

  start(ctx: NodeContext<L1ReadingValidatorMessage>): void {
    this.inner.start(ctx as NodeContext<ValidatorMessage>);
    this.host = {
      now: () => ctx.now(),
      send: (to, data) => ctx.send(to, { type: "l1-rpc", data }),
      log: (event, fields) => ctx.log(event, fields),
      neededFrom: () => this.app.ledger.committed.depositNext(),
      deliver: (deposits) => this.app.learnL1Deposits(deposits),
    };
    ctx.setTimer(this.config.pollIntervalUs, DEPOSIT_POLL_TAG);
  }

  onMessage(ctx: NodeContext<L1ReadingValidatorMessage>, from: NodeId, msg: L1ReadingValidatorMessage): void {
    if (msg.type === "l1-rpc") {
      if (from !== this.config.l1) return;
      if (!this.reader.onData(msg.data)) ctx.log("malformed", { from, reason: "not an L1 response" });
      return;
    }
    this.inner.onMessage(ctx as NodeContext<ValidatorMessage>, from, msg);
  }

  onTimer(ctx: NodeContext<L1ReadingValidatorMessage>, timer: TimerId, tag: string): void {
    if (tag !== DEPOSIT_POLL_TAG) return this.inner.onTimer(ctx as NodeContext<ValidatorMessage>, timer, tag);
    ctx.setTimer(this.config.pollIntervalUs, DEPOSIT_POLL_TAG);
    this.reader.poll(this.host);
  }
}

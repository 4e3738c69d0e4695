/**
 * A twin: the second instance of a validator in the Twins method (Bano,
 * Sonnino, Chursin, Perelman, Malkhi, "Twins: BFT Systems Made Robust",
 * OPODIS 2021). It runs the honest replica, unchanged, with the same
 * validator index and key pair as the original; it only has its own host,
 * disk and network links (the simulator names it `v3t` for `v3`), so a
 * partition can put the two instances on different sides. The two honest
 * instances together equivocate: each proposes and votes in its own view of
 * the network, under one key.
 *
 * The only thing this wrapper changes is the name the replica sees as its
 * own: the logical validator id (`v3`), which the replica needs to recognise
 * its own messages and which its peers see as the sender. The simulated
 * network delivers messages addressed to `v3` to both instances and labels
 * messages from `v3t` as from `v3` (see `scenario/cluster.ts`).
 */
import type { Node, NodeContext, NodeId, TimerId } from "../../sim/node.js";
import type { Application } from "../application.js";
import { HotStuffReplica, type ReplicaConfig } from "../replica.js";
import type { ValidatorMessage } from "../types.js";
import { innerContext, type ReplicaWrapper } from "./wrapper.js";

/** The second instance of a validator, under the same identity and key. */
export class TwinReplica implements Node<ValidatorMessage>, ReplicaWrapper {
  readonly replica: HotStuffReplica;
  readonly application: Application;
  private readonly logicalId: NodeId;
  private innerCtx!: NodeContext<ValidatorMessage>;

  /**
   * @param config the original validator's replica configuration (same index, same key pair)
   * @param app a fresh application of its own
   * @throws RangeError if `config.index` is not a validator index
   */
  constructor(config: ReplicaConfig, app: Application) {
    this.replica = new HotStuffReplica(config, app);
    this.application = app;
    this.logicalId = config.validators.idOf(config.index);
  }

  start(ctx: NodeContext<ValidatorMessage>): void {
    this.innerCtx = innerContext(ctx, this.logicalId, (to, msg) => ctx.send(to, msg));
    this.replica.start(this.innerCtx);
  }

  onMessage(_ctx: NodeContext<ValidatorMessage>, from: NodeId, msg: ValidatorMessage): void {
    this.replica.onMessage(this.innerCtx, from, msg);
  }

  onTimer(_ctx: NodeContext<ValidatorMessage>, timer: TimerId, tag: string): void {
    this.replica.onTimer(this.innerCtx, timer, tag);
  }
}

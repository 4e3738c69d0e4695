/**
 * What the byzantine wrappers have in common: an honest {@link HotStuffReplica}
 * inside, which the simulator may inspect (views, the application) exactly as
 * it inspects an honest validator.
 */
import type { Node, NodeContext, NodeId } from "../../sim/node.js";
import type { Application } from "../application.js";
import { HotStuffReplica } from "../replica.js";
import type { ValidatorMessage } from "../types.js";

/** A node that runs an honest replica inside (a byzantine wrapper or a twin). */
export interface ReplicaWrapper {
  /** The honest replica inside. */
  readonly replica: HotStuffReplica;
  /** The application the replica drives (the real one, not a proxy). */
  readonly application: Application;
}

function asWrapper(node: Node<ValidatorMessage> | undefined): ReplicaWrapper | undefined {
  const candidate = node as Partial<ReplicaWrapper> | undefined;
  return candidate !== undefined && candidate.replica instanceof HotStuffReplica && candidate.application !== undefined ? (candidate as ReplicaWrapper) : undefined;
}

/** The replica a validator node runs: the node itself, or the one inside a wrapper; undefined for other nodes. */
export function replicaOf(node: Node<ValidatorMessage> | undefined): HotStuffReplica | undefined {
  if (node instanceof HotStuffReplica) return node;
  return asWrapper(node)?.replica;
}

/** The application a validator node drives (unwrapping byzantine wrappers and twins); undefined for other nodes. */
export function applicationOf(node: Node<ValidatorMessage> | undefined): Application | undefined {
  if (node instanceof HotStuffReplica) return node.application;
  return asWrapper(node)?.application;
}

/**
 * The context a wrapper hands its inner replica: the host's own, with the
 * node's name and its sending replaced (a twin answers as its validator; a
 * byzantine wrapper intercepts what the replica sends).
 */
export function innerContext(ctx: NodeContext<ValidatorMessage>, id: NodeId, send: (to: NodeId, msg: ValidatorMessage) => void): NodeContext<ValidatorMessage> {
  return {
    id,
    now: () => ctx.now(),
    send,
    setTimer: (afterUs, tag) => ctx.setTimer(afterUs, tag),
    cancelTimer: (timer) => ctx.cancelTimer(timer),
    rng: ctx.rng,
    storage: ctx.storage,
    log: (event, fields) => ctx.log(event, fields),
  };
}

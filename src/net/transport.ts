/**
 * The `Transport` contract: how a host moves encoded messages between nodes.
 *
 * The simulated network ({@link SimNetwork}) and the real TCP transport
 * (`src/runtime/`, later) both implement it. Messages cross as bytes, encoded
 * by the wire codec, so no object is ever shared between two nodes
 * (DESIGN.md, determinism rule 3).
 */
import type { NodeId } from "../sim/node.js";

/** Called for each message that reaches `to`. */
export type DeliverHandler = (from: NodeId, to: NodeId, bytes: Uint8Array) => void;

/** Best-effort, unordered, unreliable datagram delivery between named nodes. */
export interface Transport {
  /** Queues `bytes` from `from` to `to`. Never throws for an unreachable peer: it drops. */
  send(from: NodeId, to: NodeId, bytes: Uint8Array): void;
  /** Installs the handler that receives delivered messages (one per transport). */
  onDeliver(handler: DeliverHandler): void;
}

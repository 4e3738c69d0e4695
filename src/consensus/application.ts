/**
 * The application interface (in the manner of ABCI): consensus orders opaque
 * payloads and asks the application to build, check and apply them. The
 * sequencer implements it with the mempool and the VM; consensus knows nothing
 * of transactions.
 */
import type { NodeId } from "../sim/node.js";
import type { Block } from "./types.js";

/** What the application may do from inside a validator. */
export interface AppContext {
  readonly id: NodeId;
  /** The other validators (not including this one). */
  readonly peers: readonly NodeId[];
  /** Microseconds. */
  now(): number;
  /** Sends opaque application data to another node (it arrives as an `app` message). */
  sendApp(to: NodeId, data: Uint8Array): void;
  log(event: string, fields: Readonly<Record<string, unknown>>): void;
}

/** The state machine consensus replicates. All calls are synchronous and must not throw on bad input. */
export interface Application {
  /** Handles application data from a client or a peer (transactions, gossip). */
  onAppMessage(ctx: AppContext, from: NodeId, data: Uint8Array): void;
  /**
   * Builds the payload of a new block, child of `parent` (so at height `parent.height + 1`).
   * @param branch the uncommitted blocks from just above the last committed block
   *   up to `parent`, oldest first (empty when the parent is committed)
   */
  buildPayload(ctx: AppContext, parent: Block, branch: readonly Block[]): Uint8Array;
  /** True iff `block.payload` is acceptable on top of `branch` (same meaning as above). */
  verifyPayload(ctx: AppContext, block: Block, branch: readonly Block[]): boolean;
  /** Applies a committed block; called once per block per boot, in height order. */
  commit(ctx: AppContext, block: Block): void;
  /** Re-applies a block committed before a restart (loaded from storage), in height order. */
  restoreCommitted(block: Block): void;
  /**
   * A snapshot of the committed state, taken right after committing `block`
   * (for a checkpoint); undefined when the committed state is not at `block`.
   * Optional: without it the replica keeps no checkpoints.
   */
  snapshot?(block: Block): Uint8Array | undefined;
  /**
   * Replaces the committed state by `state`, a snapshot taken at the committed
   * block `block`, after checking it against the state root `block` carries.
   * Returns false (and changes nothing) when it does not decode or verify.
   * Called on a fresh instance at boot, or to install a peer's checkpoint.
   */
  restoreSnapshot?(block: Block, state: Uint8Array): boolean;
}

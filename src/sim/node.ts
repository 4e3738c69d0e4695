/**
 * The node contract (DESIGN.md, "The node contract: sans-IO").
 *
 * Every participant (validator, client, later the L1 and the batch poster) is a
 * state machine that reacts to three inputs (start, a message, a timer) and acts
 * only through its {@link NodeContext}. The simulator and the real runtime each
 * provide a context; the node cannot tell which one it got.
 */
import type { Rng } from "./rng.js";

/** A node's name, e.g. `"v0"` for a validator or `"c0"` for a client. */
export type NodeId = string;

/** Handle of a pending timer, unique per context. */
export type TimerId = number;

/**
 * Durable key-value storage as seen by a node.
 *
 * Writes become durable only after {@link Storage.sync}: a crash may lose any
 * write made since the last sync (the simulated disk always loses them). Reads
 * see the node's own unsynced writes.
 */
export interface Storage {
  /** Returns the value stored under `key`, or `undefined`. */
  get(key: string): Uint8Array | undefined;
  /** Stores `value` under `key` (not durable until {@link sync}). */
  put(key: string, value: Uint8Array): void;
  /** Removes `key` (not durable until {@link sync}). */
  delete(key: string): void;
  /** Keys starting with `prefix` (unsynced writes included), in ascending order. */
  keys(prefix: string): string[];
  /** Makes every write so far durable. */
  sync(): void;
  /**
   * What the store's recovery cut from its log when it was last opened (after a
   * crash or a lost disk), for stores that keep a log (the shipped file store,
   * in both worlds); undefined for stores that keep none. `droppedBytes` > 0
   * means records were lost, acknowledged ones included when the disk lied or
   * `corruptMiddle` is set: a node that cannot rebuild such records from peers
   * must not trust what remains as complete.
   */
  readonly recovery?: StorageRecoveryReport;
}

/** What a store's recovery cut at its last open (see {@link Storage.recovery}). */
export interface StorageRecoveryReport {
  /** Bytes cut off the end of the log (a torn or corrupt record and everything after it). */
  readonly droppedBytes: number;
  /** True when an intact record followed the cut one: corruption in the middle, not a torn tail. */
  readonly corruptMiddle: boolean;
}

/** Everything a node may do to the outside world. Times are microseconds. */
export interface NodeContext<M> {
  /** This node's name. */
  readonly id: NodeId;
  /** Current time in microseconds (virtual in the simulator, real in real mode). */
  now(): number;
  /** Sends `msg` to `to`; delivery is not guaranteed (drops, partitions, crashes). */
  send(to: NodeId, msg: M): void;
  /** Arms a timer that fires `onTimer(tag)` after `afterUs` microseconds (>= 0). */
  setTimer(afterUs: number, tag: string): TimerId;
  /** Disarms a timer; a no-op if it already fired or was cancelled. */
  cancelTimer(id: TimerId): void;
  /** This node's own seeded random stream. */
  readonly rng: Rng;
  /** Storage that survives a crash (except unsynced writes). */
  readonly storage: Storage;
  /**
   * Emits a structured log event. In the simulator, checkers observe these
   * events (for example `commit`); in real mode they become log lines.
   */
  log(event: string, fields: Readonly<Record<string, unknown>>): void;
}

/** A sans-IO participant. Handlers must not throw on bad input from the network. */
export interface Node<M> {
  /** Called once when the node boots (first start or restart after a crash). */
  start(ctx: NodeContext<M>): void;
  /** Called for each message delivered to this node. */
  onMessage(ctx: NodeContext<M>, from: NodeId, msg: M): void;
  /** Called when a timer armed with `setTimer` fires; `tag` is the one given. */
  onTimer(ctx: NodeContext<M>, timer: TimerId, tag: string): void;
}

/**
 * The shared publisher's xT queue (SBCP v1, SP state `xTQueue`: "priority
 * queue, persistent across slots, entries may expire"). The spec leaves the
 * priority open; here an entry's priority is the number of times it was
 * attempted and re-queued (a superblock that was not built re-queues its
 * slot's xTs, which then go first), ties broken by arrival order. Duplicates
 * (the same xTid queued, or already included in a built superblock) are
 * refused; an entry expires `expiryUs` after it arrived.
 */
import { assert } from "../sim/assert.js";
import type { XTRequest } from "./messages.js";

/** One queued xT. */
export interface QueuedXt {
  readonly xTid: Uint8Array;
  readonly key: string;
  readonly request: XTRequest;
  /** When it arrived (us). */
  readonly arrivedAtUs: number;
  /** When it expires (us). */
  readonly expiresAtUs: number;
  /** Attempts so far (0 for a new entry). */
  readonly attempts: number;
  /** Arrival order, unique. */
  readonly arrival: number;
}

/** Why an xT was not queued. */
export type EnqueueRefusal = "duplicate" | "already-included" | "queue-full";

/** Default expiry of a queued xT: 60 s (five 12 s slots). */
export const DEFAULT_XT_EXPIRY_US = 60_000_000;
/** Default most queued xTs. */
export const DEFAULT_MAX_QUEUED_XTS = 10_000;

/** The priority queue of xTs waiting for an SCP instance. */
export class XtQueue {
  private entries: QueuedXt[] = [];
  private readonly queuedKeys = new Set<string>();
  private readonly includedKeys = new Set<string>();
  private nextArrival = 0;

  /**
   * @param expiryUs how long an entry may wait (> 0)
   * @param maxQueued most entries (> 0)
   */
  constructor(
    readonly expiryUs: number = DEFAULT_XT_EXPIRY_US,
    readonly maxQueued: number = DEFAULT_MAX_QUEUED_XTS,
  ) {
    assert(expiryUs > 0, "xT expiry is positive");
    assert(maxQueued > 0, "queue limit is positive");
  }

  /** Queued entries. */
  get size(): number {
    return this.entries.length;
  }

  /** Queues a new xT; returns why not when refused. */
  push(xTid: Uint8Array, key: string, request: XTRequest, nowUs: number): EnqueueRefusal | undefined {
    if (this.includedKeys.has(key)) return "already-included";
    if (this.queuedKeys.has(key)) return "duplicate";
    if (this.entries.length >= this.maxQueued) return "queue-full";
    this.insert({ xTid, key, request, arrivedAtUs: nowUs, expiresAtUs: nowUs + this.expiryUs, attempts: 0, arrival: this.nextArrival++ });
    return undefined;
  }

  /** Puts back an attempted entry (its superblock was not built) with one more attempt; refused only if it was included meanwhile. */
  requeue(entry: QueuedXt): void {
    if (this.includedKeys.has(entry.key) || this.queuedKeys.has(entry.key)) return;
    this.insert({ ...entry, attempts: entry.attempts + 1 });
  }

  /** Removes and returns every entry expired at `nowUs`. */
  expire(nowUs: number): QueuedXt[] {
    const expired = this.entries.filter((e) => e.expiresAtUs <= nowUs);
    if (expired.length === 0) return [];
    this.entries = this.entries.filter((e) => e.expiresAtUs > nowUs);
    for (const e of expired) this.queuedKeys.delete(e.key);
    return expired;
  }

  /** Removes and returns the highest-priority entry, or undefined when empty. Call {@link expire} first. */
  pop(): QueuedXt | undefined {
    const top = this.entries.shift();
    if (top !== undefined) this.queuedKeys.delete(top.key);
    return top;
  }

  /** Records that `key` was included in a built superblock: later submissions of it are refused. */
  markIncluded(key: string): void {
    this.includedKeys.add(key);
  }

  /** The queued entry of `key`, if it is queued. */
  get(key: string): QueuedXt | undefined {
    return this.queuedKeys.has(key) ? this.entries.find((e) => e.key === key) : undefined;
  }

  /**
   * Queues an entry read back from the write-ahead log after a restart, as it was (arrival, expiry, attempts);
   * later arrivals are numbered after it. Refused (false) when it is queued or included already.
   */
  restore(entry: QueuedXt): boolean {
    assert(Number.isSafeInteger(entry.arrival) && entry.arrival >= 0, "an arrival number");
    if (this.includedKeys.has(entry.key) || this.queuedKeys.has(entry.key) || this.entries.length >= this.maxQueued) return false;
    this.insert(entry);
    this.nextArrival = Math.max(this.nextArrival, entry.arrival + 1);
    return true;
  }

  /** Whether `key` is queued. */
  has(key: string): boolean {
    return this.queuedKeys.has(key);
  }

  private insert(entry: QueuedXt): void {
    // Higher attempts first, then arrival order: a stable insertion into the sorted array.
    let i = this.entries.length;
    while (i > 0 && (this.entries[i - 1]!.attempts < entry.attempts || (this.entries[i - 1]!.attempts === entry.attempts && this.entries[i - 1]!.arrival > entry.arrival))) i--;
    this.entries.splice(i, 0, entry);
    this.queuedKeys.add(entry.key);
  }
}

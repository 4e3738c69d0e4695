/**
 * The pending-transaction pool for opaque transactions: a validator keeps
 * every transaction it learns of until it is committed. Transactions are
 * identified by the sha256 of their bytes; order is first-seen (FIFO).
 *
 * The fee-priority mempool of the AssetVM replaces this in the execution layer.
 */
import { sha256, toHex } from "../crypto/hash.js";

/** Why a transaction was not added. */
export type PoolRejection = "duplicate" | "already-committed" | "too-large" | "pool-full";

/** Limits of the pool. */
export interface OpaquePoolLimits {
  /** Most transactions held. */
  readonly transactionsMax: number;
  /** Largest transaction, bytes. */
  readonly transactionBytesMax: number;
}

/** Id of an opaque transaction: lowercase hex sha256 of its bytes. */
export function transactionId(tx: Uint8Array): string {
  return toHex(sha256(tx));
}

/** Pending opaque transactions plus the ids already committed. */
export class OpaquePool {
  private readonly pending = new Map<string, Uint8Array>();
  private readonly committed = new Set<string>();
  private readonly limits: OpaquePoolLimits;

  constructor(limits: OpaquePoolLimits) {
    this.limits = limits;
  }

  /** Transactions waiting to be committed. */
  get size(): number {
    return this.pending.size;
  }

  /** Adds a transaction; returns its id, or the reason it was refused. */
  add(tx: Uint8Array): { id: string } | { rejected: PoolRejection } {
    if (tx.length > this.limits.transactionBytesMax) return { rejected: "too-large" };
    const id = transactionId(tx);
    if (this.committed.has(id)) return { rejected: "already-committed" };
    if (this.pending.has(id)) return { rejected: "duplicate" };
    if (this.pending.size >= this.limits.transactionsMax) return { rejected: "pool-full" };
    this.pending.set(id, tx);
    return { id };
  }

  /** True iff the id was committed (in this boot or restored from storage). */
  isCommitted(id: string): boolean {
    return this.committed.has(id);
  }

  /** Up to `max` pending transactions in first-seen order, skipping the ids in `exclude`. */
  take(max: number, exclude: ReadonlySet<string>): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (const [id, tx] of this.pending) {
      if (out.length >= max) break;
      if (!exclude.has(id)) out.push(tx);
    }
    return out;
  }

  /** Marks the ids committed and drops them from the pending set. */
  markCommitted(ids: Iterable<string>): void {
    for (const id of ids) {
      this.pending.delete(id);
      this.committed.add(id);
    }
  }
}

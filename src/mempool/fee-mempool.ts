/**
 * The fee-priority pending-transaction pool of a rollup validator.
 *
 * The design follows go-ethereum's legacy transaction pool
 * (`core/txpool/legacypool/legacypool.go`): each sender's transactions are
 * kept sorted by nonce, and those whose nonces run without a gap from the
 * sender's account nonce are "pending" (executable now) while the rest are
 * "queued" behind a gap until the missing nonce arrives. Unlike geth, the two
 * sets are not kept in separate maps: one sorted list per sender plus a count
 * of its contiguous prefix is enough, and {@link FeeMempool.readyCount} reports
 * the pending size. Block building follows geth's price-and-nonce ordering
 * (`miner/ordering.go`, `transactionsByPriceAndNonce`): a heap holds each
 * sender's next executable transaction, the highest fee is taken, and that
 * sender's next nonce takes its place. Replace-by-fee mirrors geth's
 * `PriceBump` rule.
 *
 * Sans-IO and deterministic: the pool reads no clock and draws no random
 * numbers; time comes in as microseconds (`nowUs`). Every ordering tie is
 * broken by the pool's own arrival sequence counter, so the result of any
 * sequence of calls depends only on that sequence.
 *
 * Costs, with n transactions held, s senders and k transactions of one sender:
 * `add` O(log s + log k) plus an O(k) array splice for the sender's sorted
 * list (a memmove bounded by `perSenderMax`); `select` O((max + s) log s);
 * `expire` O(expired · k); `removeCommitted` O(dropped + Σ k of the senders named).
 *
 * The eviction heap is only consulted when the pool is full, so it is only kept
 * while the pool is near capacity: it is built (O(s)) the first time an add finds
 * the pool full, kept up to date from then on, and dropped once the pool holds at
 * most half its capacity. A pool far below capacity (the usual case) pays nothing
 * for it. The heap's order is a strict total order, so the candidate it yields is
 * the same however and whenever it was built.
 */
import { assert, AssertionError } from "../sim/assert.js";
import { IndexedHeap, type HeapSlot } from "./indexed-heap.js";
import type { MempoolRejection } from "./rejections.js";

export { MEMPOOL_REJECTIONS, type MempoolRejection } from "./rejections.js";

/** Up to this many transactions held, `checkInvariantsAfterEachChange` checks after every change; above, amortised. */
export const FULL_CHECK_POOL_MAX = 64;

/** What the pool needs to know of a transaction. */
export interface PoolTx {
  /** Lowercase hex transaction id, unique per transaction bytes. Compared as a string. */
  readonly id: string;
  /** Lowercase hex account that signed the transaction. Compared as a string. */
  readonly sender: string;
  /** The sender's sequence number this transaction consumes; non-negative. */
  readonly nonce: bigint;
  /** Priority: a higher fee is selected first and evicted last. */
  readonly fee: bigint;
  /** Encoded size in bytes; the pool only checks it, block budgets are the caller's (`tryInclude`). */
  readonly bytes: number;
}

/** Limits and prices of a {@link FeeMempool}. Checked by the constructor. */
export interface MempoolConfig {
  /** Most transactions held; a positive integer. */
  readonly capacity: number;
  /** Lowest accepted fee; below it an add is refused with `fee-too-low`. */
  readonly minFee: bigint;
  /**
   * Replace-by-fee bump in percent, a non-negative integer: a transaction at the
   * same sender and nonce replaces the held one only if
   * `newFee >= ceil(oldFee * (100 + bump) / 100)` and `newFee > oldFee`.
   */
  readonly replaceBumpPercent: number;
  /** Lifetime in microseconds, non-negative: {@link FeeMempool.expire} drops a transaction that arrived more than this before `nowUs`. */
  readonly ttlUs: number;
  /** Largest accepted distance above the account nonce, a non-negative integer: `nonce > accountNonce + maxNonceGap` is `nonce-too-far`. */
  readonly maxNonceGap: number;
  /** Most transactions held for one sender, a positive integer; beyond it `sender-full`. */
  readonly perSenderMax: number;
  /**
   * Run {@link FeeMempool.checkInvariants} after every call of a mutating method
   * (`add`, accepted or not, `removeCommitted`, `expire`) while the pool holds at most
   * {@link FULL_CHECK_POOL_MAX} transactions, and above that after every
   * ceil(n / {@link FULL_CHECK_POOL_MAX})-th such call. Default false. Each check is O(n)
   * in the n transactions held, so checking after every change made a pool that grows
   * (thousands held while a partition stops commits) quadratic; amortised, a change costs
   * O(FULL_CHECK_POOL_MAX). A broken structure stays broken, so it is still caught, at
   * most that many changes later. For simulation and tests, not production.
   */
  readonly checkInvariantsAfterEachChange?: boolean;
}

/**
 * Outcome of {@link FeeMempool.add}. When accepted, `replaced` is the
 * transaction at the same sender and nonce that the newcomer outbid, and
 * `evicted` holds the transaction dropped to make room (at most one).
 */
export type AddResult<T> =
  | { readonly accepted: true; readonly replaced?: T; readonly evicted: readonly T[] }
  | { readonly accepted: false; readonly reason: MempoolRejection };

/** One held transaction. */
interface Entry<T extends PoolTx> {
  readonly tx: T;
  /** Arrival sequence number: the pool-wide tie-breaker, strictly increasing per accepted add. */
  readonly seq: number;
  /** `nowUs` of the add that brought it in. */
  readonly arrivalUs: number;
  /** The fee of the transaction this one replaced at the same sender and nonce (replace-by-fee), if any. */
  readonly replacedFee: bigint | undefined;
  readonly sender: SenderState<T>;
  /** Neighbours in the arrival-ordered list (older towards the head). */
  older: Entry<T> | undefined;
  newer: Entry<T> | undefined;
}

/** One sender that holds at least one transaction. Sits in the eviction heap, keyed by its highest-nonce entry. */
interface SenderState<T extends PoolTx> extends HeapSlot {
  readonly address: string;
  /** The account nonce as last told by an accepted `add` or by `removeCommitted`. */
  accountNonce: bigint;
  /** The sender's entries, strictly ascending by nonce; never empty while the state exists. */
  readonly entries: Entry<T>[];
  /** How many entries have nonces accountNonce, accountNonce+1, ... without a gap: the sender's "pending" count. */
  ready: number;
}

/** A sender's place in one `select` run. */
interface SelectCursor<T extends PoolTx> extends HeapSlot {
  readonly state: SenderState<T>;
  /** Index into `state.entries` of the sender's next executable transaction. */
  index: number;
}

/**
 * The pending-transaction pool: fee-priority selection, nonce-gap aware,
 * bounded in total and per sender, with replace-by-fee, capacity eviction and
 * time-to-live expiry.
 *
 * Rules of {@link FeeMempool.add}, checked in this order:
 * 1. the id is held already: `duplicate`;
 * 2. `nonce < accountNonce`: `nonce-too-low`;
 * 3. `nonce > accountNonce + maxNonceGap`: `nonce-too-far`;
 * 4. the sender holds a transaction at this nonce: replace it if the fee clears the
 *    bump (see {@link MempoolConfig.replaceBumpPercent}), else `replacement-underpriced`;
 *    an accepted replacement skips the rules below and does not count against capacity;
 * 5. `fee < minFee`: `fee-too-low`;
 * 6. the sender holds `perSenderMax` transactions: `sender-full`;
 * 7. the pool holds `capacity` transactions: the eviction candidate is the lowest-fee
 *    transaction among each sender's highest-nonce transaction, taken over the pool as it
 *    would be with the newcomer in it (ties: the later arrival goes first, and the newcomer
 *    is the latest). Only a sender's highest nonce is ever evicted, so eviction never opens
 *    a gap. If the newcomer's fee is not strictly greater than the candidate's (in
 *    particular if the newcomer is the candidate), `pool-full`; otherwise the candidate is
 *    evicted and the newcomer accepted.
 *
 * A refused add changes nothing. Callbacks passed to `select` must not call back
 * into the pool's mutating methods (it throws if they do).
 */
export class FeeMempool<T extends PoolTx> {
  private readonly config: MempoolConfig;
  /** `maxNonceGap` and `100 + replaceBumpPercent` as bigints, converted once. */
  private readonly maxNonceGap: bigint;
  private readonly bumpFactorPercent: bigint;
  private readonly byId = new Map<string, Entry<T>>();
  /** Senders holding at least one transaction, in the order they (last) became non-empty. */
  private readonly senders = new Map<string, SenderState<T>>();
  /**
   * Senders keyed by their highest-nonce entry, the cheapest (then latest) first: eviction
   * candidates. Kept only while the pool is near capacity (see the file's docstring):
   * undefined otherwise, and then the senders' `heapIndex` is stale.
   */
  private evictionHeap: IndexedHeap<SenderState<T>> | undefined = undefined;
  /** Arrival-ordered list of all entries, oldest at the head: what `expire` walks. */
  private oldest: Entry<T> | undefined = undefined;
  private newest: Entry<T> | undefined = undefined;
  private nextSeq = 0;
  private readyTotal = 0;
  private selecting = false;
  private readonly checkAfterChange: boolean;
  /** Mutating calls since the last check (with `checkInvariantsAfterEachChange`). */
  private changesSinceCheck = 0;

  /**
   * @param config - limits and prices; see {@link MempoolConfig}.
   * @throws RangeError if a limit is not an integer of the documented range, or `ttlUs` is negative or not finite.
   */
  constructor(config: MempoolConfig) {
    requireInteger("capacity", config.capacity, 1);
    requireInteger("replaceBumpPercent", config.replaceBumpPercent, 0);
    requireInteger("maxNonceGap", config.maxNonceGap, 0);
    requireInteger("perSenderMax", config.perSenderMax, 1);
    if (!Number.isFinite(config.ttlUs) || config.ttlUs < 0) throw new RangeError(`mempool config: ttlUs must be finite and >= 0, got ${config.ttlUs}`);
    if (typeof config.minFee !== "bigint") throw new RangeError("mempool config: minFee must be a bigint");
    this.config = { ...config };
    this.maxNonceGap = BigInt(config.maxNonceGap);
    this.bumpFactorPercent = BigInt(100 + config.replaceBumpPercent);
    this.checkAfterChange = config.checkInvariantsAfterEachChange === true;
  }

  /**
   * Offers a transaction to the pool; see the class docstring for the rules and their order.
   * @param tx - the transaction; kept by reference.
   * @param nowUs - the current time in microseconds, recorded as the arrival time for `expire`.
   *   Pass non-decreasing values across calls (see {@link FeeMempool.expire}).
   * @param accountNonce - the sender's nonce in the state the pool is judged against (the committed
   *   state). An accepted add records it as the sender's account nonce for {@link FeeMempool.readyCount}.
   * @returns whether it was accepted, with what it replaced or evicted, or why not.
   * @throws Error if called from inside a `select` callback.
   * @throws RangeError if `tx` is malformed (negative nonce, non-integer bytes, empty id or sender),
   *   `nowUs` is not finite or `accountNonce` is negative.
   */
  add(tx: T, nowUs: number, accountNonce: bigint): AddResult<T> {
    const result = this.addUnchecked(tx, nowUs, accountNonce);
    if (this.checkAfterChange) this.checkAfterChangeAmortised();
    return result;
  }

  private addUnchecked(tx: T, nowUs: number, accountNonce: bigint): AddResult<T> {
    this.assertNotSelecting("add");
    requireTx(tx);
    if (!Number.isFinite(nowUs)) throw new RangeError(`mempool add: nowUs must be finite, got ${nowUs}`);
    if (typeof accountNonce !== "bigint" || accountNonce < 0n) throw new RangeError(`mempool add: accountNonce must be a non-negative bigint`);

    if (this.byId.has(tx.id)) return reject("duplicate");
    if (tx.nonce < accountNonce) return reject("nonce-too-low");
    if (tx.nonce > accountNonce + this.maxNonceGap) return reject("nonce-too-far");

    const held = this.senders.get(tx.sender);
    if (held !== undefined) {
      const index = lowerBound(held.entries, tx.nonce);
      const old = held.entries[index];
      if (old !== undefined && old.tx.nonce === tx.nonce) {
        if (!clearsBump(old.tx.fee, tx.fee, this.bumpFactorPercent)) return reject("replacement-underpriced");
        const sizeBefore = this.byId.size;
        this.replace(held, index, tx, nowUs, accountNonce);
        assert(this.byId.size === sizeBefore, "a replacement keeps the pool's size");
        assert(this.byId.has(tx.id), "a replacement is held");
        assert(!this.byId.has(old.tx.id), "a replaced transaction is dropped");
        return { accepted: true, replaced: old.tx, evicted: [] };
      }
    }

    if (tx.fee < this.config.minFee) return reject("fee-too-low");
    if (held !== undefined && held.entries.length >= this.config.perSenderMax) return reject("sender-full");

    const evicted: T[] = [];
    if (this.byId.size >= this.config.capacity) {
      assert(this.byId.size === this.config.capacity, "the pool never holds more than its capacity");
      const victim = this.evictionCandidate(held, tx);
      if (victim === undefined) return reject("pool-full");
      assert(victim.tx.fee < tx.fee, "an eviction victim pays less than the newcomer");
      assert(victim === lastEntry(victim.sender), "only a sender's highest nonce is evicted");
      this.drop(victim);
      evicted.push(victim.tx);
    }
    this.insert(tx, nowUs, accountNonce);
    assert(this.byId.size <= this.config.capacity, "the pool never holds more than its capacity");
    assert(this.byId.has(tx.id), "an accepted transaction is held");
    return { accepted: true, evicted };
  }

  /** True iff a transaction with this id is held. */
  has(id: string): boolean {
    return this.byId.has(id);
  }

  /** Number of transactions held, pending and queued together. */
  get size(): number {
    return this.byId.size;
  }

  /**
   * Count of txs whose nonces are contiguous from their sender's account nonce as
   * last told (by an accepted add or by removeCommitted): the "pending" set. The rest
   * are "queued" behind a gap (or stale, below a newer account nonce, until
   * removeCommitted drops them). O(1).
   */
  readyCount(): number {
    return this.readyTotal;
  }

  /**
   * Picks up to `max` txs for a block: repeatedly the highest-fee tx among each
   * sender's next executable tx (ties: earlier arrival, then id), where a sender's
   * first executable tx has nonce === nonceOf(sender) and then nonce+1, +2... (gaps
   * held back: a sender's chain stops at the first missing nonce). For each candidate
   * `tryInclude(tx)` is called; if it returns false, that sender is skipped for the
   * rest of this selection (its later nonces cannot execute). Does not remove
   * anything from the pool. Complexity O((max + senders) log senders).
   *
   * @param max - most transactions returned; 0 or less returns none without calling anything.
   * @param nonceOf - the sender's nonce in the state the block builds on; called once for
   *   every sender holding transactions (in an unspecified but deterministic order that
   *   does not affect the result).
   * @param tryInclude - called once per candidate in selection order; true takes it into the
   *   block. It must not mutate the pool.
   * @returns the chosen transactions in selection order.
   * @throws Error if called from inside another `select` callback, or if a callback mutates the pool.
   */
  select(max: number, nonceOf: (sender: string) => bigint, tryInclude: (tx: T) => boolean): T[] {
    this.assertNotSelecting("select");
    const chosen: T[] = [];
    if (!(max > 0)) return chosen;
    this.selecting = true;
    try {
      const cursors: SelectCursor<T>[] = [];
      for (const state of this.senders.values()) {
        const nonce = nonceOf(state.address);
        const index = lowerBound(state.entries, nonce);
        if (state.entries[index]?.tx.nonce === nonce) cursors.push({ state, index, heapIndex: -1 });
      }
      const heads = new IndexedHeap<SelectCursor<T>>(selectsBefore, cursors);
      while (chosen.length < max) {
        const cursor = heads.peek();
        if (cursor === undefined) break;
        const entry = cursor.state.entries[cursor.index]!;
        if (!tryInclude(entry.tx)) {
          heads.pop();
          continue;
        }
        chosen.push(entry.tx);
        const next = cursor.state.entries[cursor.index + 1];
        if (next !== undefined && next.tx.nonce === entry.tx.nonce + 1n) {
          cursor.index += 1;
          heads.update(cursor);
        } else {
          heads.pop();
        }
      }
    } finally {
      this.selecting = false;
    }
    assert(chosen.length <= max, "select returns at most max transactions");
    return chosen;
  }

  /**
   * After a commit: for each sender, drops its txs with nonce < the new account nonce
   * and records that nonce as the sender's account nonce (for senders that still hold
   * transactions). Senders the pool does not hold are ignored.
   * @param accountNonces - sender to its account nonce after the commit.
   * @returns the dropped transactions, in the map's order and then by ascending nonce.
   * @throws Error if called from inside a `select` callback.
   */
  removeCommitted(accountNonces: ReadonlyMap<string, bigint>): T[] {
    const dropped = this.removeCommittedUnchecked(accountNonces);
    if (this.checkAfterChange) this.checkAfterChangeAmortised();
    return dropped;
  }

  private removeCommittedUnchecked(accountNonces: ReadonlyMap<string, bigint>): T[] {
    this.assertNotSelecting("removeCommitted");
    const dropped: T[] = [];
    for (const [address, accountNonce] of accountNonces) {
      const state = this.senders.get(address);
      if (state === undefined) continue;
      const count = lowerBound(state.entries, accountNonce);
      for (let i = 0; i < count; i++) {
        const entry = state.entries[i]!;
        this.unlinkArrival(entry);
        this.byId.delete(entry.tx.id);
        dropped.push(entry.tx);
      }
      state.entries.splice(0, count);
      if (state.entries.length === 0) {
        this.forgetSender(state);
        continue;
      }
      // The highest nonce is untouched (only a prefix went), so the eviction key is unchanged.
      assert(state.entries[0]!.tx.nonce >= accountNonce, "no transaction below the account nonce is left");
      state.accountNonce = accountNonce;
      this.recountReady(state);
    }
    this.releaseEvictionHeap();
    return dropped;
  }

  /**
   * Drops txs that arrived more than `ttlUs` before `nowUs` (`nowUs - arrivalUs > ttlUs`);
   * returns them, oldest first. Walks the arrival order from the oldest and stops at the
   * first transaction that has not expired, so it costs O(expired) list steps. This is
   * exact as long as callers pass non-decreasing `nowUs` to `add` (arrival order is then
   * time order); a transaction added with an earlier `nowUs` than one before it is only
   * dropped once everything that arrived before it has been. Expiring a transaction in
   * the middle of a sender's nonces opens a gap: the later nonces become queued.
   * @param nowUs - the current time in microseconds.
   * @throws Error if called from inside a `select` callback.
   * @throws RangeError if `nowUs` is not finite.
   */
  expire(nowUs: number): T[] {
    const expired = this.expireUnchecked(nowUs);
    if (this.checkAfterChange) this.checkAfterChangeAmortised();
    return expired;
  }

  private expireUnchecked(nowUs: number): T[] {
    this.assertNotSelecting("expire");
    if (!Number.isFinite(nowUs)) throw new RangeError(`mempool expire: nowUs must be finite, got ${nowUs}`);
    const expired: T[] = [];
    for (let entry = this.oldest; entry !== undefined && nowUs - entry.arrivalUs > this.config.ttlUs; entry = this.oldest) {
      this.drop(entry);
      expired.push(entry.tx);
    }
    assert(this.oldest === undefined || nowUs - this.oldest.arrivalUs <= this.config.ttlUs, "the oldest transaction left has not expired");
    this.releaseEvictionHeap();
    return expired;
  }

  /**
   * Checks every internal invariant: the id index, each sender's nonces strictly
   * ascending and within `perSenderMax`, every fee at or above `minFee`, every
   * replacement clearing the replace-by-fee bump over the fee it replaced, the pending
   * counts, the eviction heap, the arrival list, the capacity.
   *
   * Costs O(n + s) with n transactions and s senders held (it walks every entry and
   * the heap): cheap for the pools of a simulation, too slow to run after every change
   * in production. {@link MempoolConfig.checkInvariantsAfterEachChange} runs it after
   * every mutating call.
   * @throws AssertionError (an `Error`) naming the first broken invariant.
   */
  checkInvariants(): void {
    const fail = (what: string): never => {
      throw new AssertionError(`mempool invariant: ${what}`);
    };
    if (this.byId.size > this.config.capacity) fail(`size ${this.byId.size} > capacity ${this.config.capacity}`);
    let entryCount = 0;
    let readyTotal = 0;
    for (const [address, state] of this.senders) {
      if (state.address !== address) fail(`sender ${address} filed under another address`);
      if (state.entries.length === 0) fail(`sender ${address} held with no entries`);
      if (state.entries.length > this.config.perSenderMax) fail(`sender ${address} holds ${state.entries.length} > perSenderMax`);
      if (this.evictionHeap !== undefined && !this.evictionHeap.contains(state)) fail(`sender ${address} missing from the eviction heap`);
      for (let i = 0; i < state.entries.length; i++) {
        const entry = state.entries[i]!;
        if (entry.sender !== state || entry.tx.sender !== address) fail(`entry ${entry.tx.id} under the wrong sender`);
        if (this.byId.get(entry.tx.id) !== entry) fail(`entry ${entry.tx.id} not indexed by id`);
        if (i > 0 && !(state.entries[i - 1]!.tx.nonce < entry.tx.nonce)) fail(`sender ${address} nonces not strictly ascending`);
        if (entry.tx.nonce < 0n) fail(`entry ${entry.tx.id} has a negative nonce`);
        if (entry.tx.fee < this.config.minFee) fail(`entry ${entry.tx.id} pays less than minFee`);
        if (entry.replacedFee !== undefined && !clearsBump(entry.replacedFee, entry.tx.fee, this.bumpFactorPercent)) {
          fail(`entry ${entry.tx.id} replaced a fee of ${entry.replacedFee} without clearing the bump`);
        }
      }
      if (state.ready > state.entries.length) fail(`sender ${address} ready ${state.ready} > entries ${state.entries.length}`);
      const recount = countReady(state);
      if (state.ready !== recount) fail(`sender ${address} ready ${state.ready}, recount ${recount}`);
      entryCount += state.entries.length;
      readyTotal += state.ready;
    }
    if (entryCount !== this.byId.size) fail(`${entryCount} entries under senders, ${this.byId.size} by id`);
    if (readyTotal !== this.readyTotal) fail(`ready total ${this.readyTotal}, sum ${readyTotal}`);
    if (this.evictionHeap !== undefined) {
      if (this.evictionHeap.size !== this.senders.size) fail(`eviction heap ${this.evictionHeap.size}, senders ${this.senders.size}`);
      this.evictionHeap.checkInvariants();
      if (this.byId.size <= this.config.capacity / 2) fail(`eviction heap kept at ${this.byId.size} of capacity ${this.config.capacity}`);
    }
    let listed = 0;
    let previous: Entry<T> | undefined = undefined;
    for (let entry = this.oldest; entry !== undefined; entry = entry.newer) {
      if (entry.older !== previous) fail(`arrival list back link broken at ${entry.tx.id}`);
      if (previous !== undefined && !(previous.seq < entry.seq)) fail(`arrival list out of order at ${entry.tx.id}`);
      if (this.byId.get(entry.tx.id) !== entry) fail(`arrival list holds dropped ${entry.tx.id}`);
      previous = entry;
      listed += 1;
    }
    if (previous !== this.newest) fail("arrival list tail mismatch");
    if (listed !== this.byId.size) fail(`arrival list holds ${listed}, pool ${this.byId.size}`);
  }

  /**
   * The transaction to evict so that `tx` fits, or undefined when `tx` does not outbid it.
   * The candidate set is each sender's highest-nonce entry in the pool as it would be with
   * `tx` in it; `held` is `tx`'s sender, if it holds anything.
   */
  private evictionCandidate(held: SenderState<T> | undefined, tx: T): Entry<T> | undefined {
    // When tx would become its sender's highest nonce, that sender's current top stops
    // being a candidate (evicting it would open a gap below tx) and tx itself competes.
    const becomesTop = held !== undefined && tx.nonce > lastEntry(held).tx.nonce;
    const heap = this.keepEvictionHeap();
    const state = becomesTop ? heap.peekExcluding(held) : heap.peek();
    if (state === undefined) return undefined;
    const candidate = lastEntry(state);
    // Equal fees: the later arrival goes first, and tx is the latest, so tx loses.
    return tx.fee > candidate.tx.fee ? candidate : undefined;
  }

  private insert(tx: T, nowUs: number, accountNonce: bigint): void {
    let state = this.senders.get(tx.sender);
    const isNewSender = state === undefined;
    if (state === undefined) {
      state = { address: tx.sender, accountNonce, entries: [], ready: 0, heapIndex: -1 };
      this.senders.set(tx.sender, state);
    }
    const entry = this.newEntry(tx, nowUs, state, undefined);
    const index = lowerBound(state.entries, tx.nonce);
    assert(state.entries[index] === undefined || state.entries[index]!.tx.nonce > tx.nonce, "one transaction per sender and nonce");
    assert(state.entries.length < this.config.perSenderMax, "a sender holds at most perSenderMax transactions");
    state.entries.splice(index, 0, entry);
    this.byId.set(tx.id, entry);
    if (this.evictionHeap !== undefined) {
      if (isNewSender) this.evictionHeap.push(state);
      else if (index === state.entries.length - 1) this.evictionHeap.update(state);
    }

    if (state.accountNonce !== accountNonce) {
      state.accountNonce = accountNonce;
      this.recountReady(state);
    } else if (tx.nonce === accountNonce + BigInt(state.ready)) {
      // tx extends the contiguous run, and may join it to entries queued behind the gap it filled.
      let ready = state.ready + 1;
      for (let i = index + 1; i < state.entries.length && state.entries[i]!.tx.nonce === accountNonce + BigInt(ready); i++) ready += 1;
      this.setReady(state, ready);
    }
  }

  private replace(state: SenderState<T>, index: number, tx: T, nowUs: number, accountNonce: bigint): void {
    const old = state.entries[index]!;
    assert(old.tx.nonce === tx.nonce, "a replacement has the nonce of the transaction it replaces");
    assert(clearsBump(old.tx.fee, tx.fee, this.bumpFactorPercent), "a replacement clears the replace-by-fee bump");
    this.unlinkArrival(old);
    this.byId.delete(old.tx.id);
    const entry = this.newEntry(tx, nowUs, state, old.tx.fee);
    state.entries[index] = entry;
    this.byId.set(tx.id, entry);
    if (index === state.entries.length - 1) this.evictionHeap?.update(state);
    // Same nonce, so the contiguous run is unchanged unless the account nonce moved.
    if (state.accountNonce !== accountNonce) {
      state.accountNonce = accountNonce;
      this.recountReady(state);
    }
  }

  /** Removes one entry from every structure. */
  private drop(entry: Entry<T>): void {
    const state = entry.sender;
    const index = lowerBound(state.entries, entry.tx.nonce);
    assert(state.entries[index] === entry, "a dropped entry is in its sender's list");
    this.unlinkArrival(entry);
    this.byId.delete(entry.tx.id);
    state.entries.splice(index, 1);
    if (state.entries.length === 0) {
      this.forgetSender(state);
      return;
    }
    if (index === state.entries.length) this.evictionHeap?.update(state);
    // The run is [accountNonce, accountNonce + ready); losing a member cuts it there.
    const offset = entry.tx.nonce - state.accountNonce;
    if (offset >= 0n && offset < BigInt(state.ready)) this.setReady(state, Number(offset));
  }

  /** The eviction heap, built over every sender now if the pool keeps none. O(s) when it builds, else O(1). */
  private keepEvictionHeap(): IndexedHeap<SenderState<T>> {
    if (this.evictionHeap !== undefined) return this.evictionHeap;
    const states: SenderState<T>[] = [];
    for (const state of this.senders.values()) {
      state.heapIndex = -1;
      states.push(state);
    }
    this.evictionHeap = new IndexedHeap<SenderState<T>>(evictsBefore, states);
    return this.evictionHeap;
  }

  /** Stops keeping the eviction heap once the pool holds at most half its capacity (it is rebuilt when the pool is full again). */
  private releaseEvictionHeap(): void {
    if (this.evictionHeap !== undefined && this.byId.size <= this.config.capacity / 2) this.evictionHeap = undefined;
  }

  /** Removes a sender whose last entry is gone (the entries are already unindexed). */
  private forgetSender(state: SenderState<T>): void {
    this.setReady(state, 0);
    this.evictionHeap?.remove(state);
    this.senders.delete(state.address);
  }

  private newEntry(tx: T, nowUs: number, sender: SenderState<T>, replacedFee: bigint | undefined): Entry<T> {
    const entry: Entry<T> = { tx, seq: this.nextSeq++, arrivalUs: nowUs, replacedFee, sender, older: this.newest, newer: undefined };
    if (this.newest === undefined) this.oldest = entry;
    else this.newest.newer = entry;
    this.newest = entry;
    return entry;
  }

  private unlinkArrival(entry: Entry<T>): void {
    if (entry.older === undefined) this.oldest = entry.newer;
    else entry.older.newer = entry.newer;
    if (entry.newer === undefined) this.newest = entry.older;
    else entry.newer.older = entry.older;
    entry.older = undefined;
    entry.newer = undefined;
  }

  /** Recounts a sender's contiguous run from scratch: O(log k + run). */
  private recountReady(state: SenderState<T>): void {
    this.setReady(state, countReady(state));
  }

  private setReady(state: SenderState<T>, ready: number): void {
    assert(ready >= 0, "a sender's ready count is not negative");
    assert(ready <= state.entries.length, "a sender's ready count is at most its entries");
    this.readyTotal += ready - state.ready;
    state.ready = ready;
  }

  private assertNotSelecting(method: string): void {
    if (this.selecting) throw new Error(`mempool ${method}: called from inside a select callback`);
  }
  /** After a mutating call: {@link checkInvariants} now, or later when the pool is large (see {@link MempoolConfig.checkInvariantsAfterEachChange}). */
  private checkAfterChangeAmortised(): void {
    this.changesSinceCheck++;
    if (this.byId.size > FULL_CHECK_POOL_MAX && this.changesSinceCheck * FULL_CHECK_POOL_MAX < this.byId.size) return;
    this.changesSinceCheck = 0;
    this.checkInvariants();
  }
}

function reject<T>(reason: MempoolRejection): AddResult<T> {
  return { accepted: false, reason };
}

/**
 * Replace-by-fee: `newFee > oldFee` and `newFee >= ceil(oldFee * (100 + bump) / 100)`. Compared as
 * `newFee * 100 >= oldFee * (100 + bump)`, which is the same for integers and needs no rounding.
 */
function clearsBump(oldFee: bigint, newFee: bigint, bumpFactorPercent: bigint): boolean {
  return newFee > oldFee && newFee * 100n >= oldFee * bumpFactorPercent;
}

/** Index of the first entry with nonce >= `nonce` (entries ascending by nonce). */
function lowerBound<T extends PoolTx>(entries: readonly Entry<T>[], nonce: bigint): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (entries[middle]!.tx.nonce < nonce) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Length of a sender's run of nonces accountNonce, accountNonce+1, ... : O(log k + run). */
function countReady<T extends PoolTx>(state: SenderState<T>): number {
  const entries = state.entries;
  let ready = 0;
  for (let i = lowerBound(entries, state.accountNonce); i < entries.length && entries[i]!.tx.nonce === state.accountNonce + BigInt(ready); i++) ready += 1;
  return ready;
}

function lastEntry<T extends PoolTx>(state: SenderState<T>): Entry<T> {
  return state.entries[state.entries.length - 1]!;
}

/** Eviction order of senders by their highest-nonce entry: lower fee first, then later arrival first. */
function evictsBefore<T extends PoolTx>(a: SenderState<T>, b: SenderState<T>): boolean {
  const x = lastEntry(a);
  const y = lastEntry(b);
  return x.tx.fee < y.tx.fee || (x.tx.fee === y.tx.fee && x.seq > y.seq);
}

/** Selection order of heads: higher fee first, then earlier arrival, then smaller id. */
function selectsBefore<T extends PoolTx>(a: SelectCursor<T>, b: SelectCursor<T>): boolean {
  const x = a.state.entries[a.index]!;
  const y = b.state.entries[b.index]!;
  if (x.tx.fee !== y.tx.fee) return x.tx.fee > y.tx.fee;
  if (x.seq !== y.seq) return x.seq < y.seq;
  return x.tx.id < y.tx.id;
}

function requireInteger(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`mempool config: ${name} must be an integer >= ${min}, got ${value}`);
}

function requireTx(tx: PoolTx): void {
  if (typeof tx.id !== "string" || tx.id.length === 0) throw new RangeError("mempool add: tx.id must be a non-empty string");
  if (typeof tx.sender !== "string" || tx.sender.length === 0) throw new RangeError(`mempool add: tx ${tx.id}: sender must be a non-empty string`);
  if (typeof tx.nonce !== "bigint" || tx.nonce < 0n) throw new RangeError(`mempool add: tx ${tx.id}: nonce must be a non-negative bigint`);
  if (typeof tx.fee !== "bigint") throw new RangeError(`mempool add: tx ${tx.id}: fee must be a bigint`);
  if (!Number.isSafeInteger(tx.bytes) || tx.bytes < 0) throw new RangeError(`mempool add: tx ${tx.id}: bytes must be a non-negative integer`);
}

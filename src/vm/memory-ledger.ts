/**
 * A plain Map-backed {@link LedgerWriter} with an undo journal: the reference
 * implementation of the ledger interface, for tests, benchmarks and tools.
 * It keeps no Merkle tree and no versions (see `ledger-state.ts` for those).
 * Entries live under the keys of `state-keys.ts` (`n:<account>`,
 * `b:<account>:<asset>`, `a:<asset>`, `p:<poolId>`, `s:<poolId>:<account>`),
 * and a zero nonce, balance or share count is stored as no entry at all.
 */
import type { LedgerWriter } from "./ledger.js";
import { stateKey, type StateValue } from "./state-keys.js";
import type { AccountId, AssetInfo, AssetSymbol, InboxMessage, MailboxMessage, PoolState, WithdrawalRecord } from "./types.js";

/**
 * The ledger. Every write adds a journal record until {@link MemoryLedger.discardJournal}:
 * long runs should discard it between transactions (or blocks) to bound memory.
 */
export class MemoryLedger implements LedgerWriter {
  private readonly values = new Map<string, StateValue>();
  /** Per write: the key and the value it replaced (undefined when absent). */
  private readonly journal: [key: string, previous: StateValue | undefined][] = [];

  nonce(account: AccountId): bigint {
    return (this.values.get(stateKey.nonce(account)) as bigint | undefined) ?? 0n;
  }
  balance(account: AccountId, asset: AssetSymbol): bigint {
    return (this.values.get(stateKey.balance(account, asset)) as bigint | undefined) ?? 0n;
  }
  asset(symbol: AssetSymbol): AssetInfo | undefined {
    return this.values.get(stateKey.asset(symbol)) as AssetInfo | undefined;
  }
  pool(id: string): PoolState | undefined {
    return this.values.get(stateKey.pool(id)) as PoolState | undefined;
  }
  shares(pool: string, account: AccountId): bigint {
    return (this.values.get(stateKey.shares(pool, account)) as bigint | undefined) ?? 0n;
  }
  depositNext(): bigint {
    return (this.values.get(stateKey.depositNext()) as bigint | undefined) ?? 0n;
  }
  withdrawalNext(): bigint {
    return (this.values.get(stateKey.withdrawalNext()) as bigint | undefined) ?? 0n;
  }
  withdrawal(sequence: bigint): WithdrawalRecord | undefined {
    return this.values.get(stateKey.withdrawal(sequence)) as WithdrawalRecord | undefined;
  }
  outbox(destination: number, session: bigint): MailboxMessage | undefined {
    return this.values.get(stateKey.outbox(destination, session)) as MailboxMessage | undefined;
  }
  inbox(source: number, session: bigint): InboxMessage | undefined {
    return this.values.get(stateKey.inbox(source, session)) as InboxMessage | undefined;
  }

  setNonce(account: AccountId, nonce: bigint): void {
    this.put(stateKey.nonce(account), nonce === 0n ? undefined : nonce);
  }
  setBalance(account: AccountId, asset: AssetSymbol, amount: bigint): void {
    this.put(stateKey.balance(account, asset), amount === 0n ? undefined : amount);
  }
  setAsset(info: AssetInfo): void {
    this.put(stateKey.asset(info.symbol), info);
  }
  setPool(id: string, pool: PoolState): void {
    this.put(stateKey.pool(id), pool);
  }
  setShares(pool: string, account: AccountId, shares: bigint): void {
    this.put(stateKey.shares(pool, account), shares === 0n ? undefined : shares);
  }
  setDepositNext(sequence: bigint): void {
    this.put(stateKey.depositNext(), sequence === 0n ? undefined : sequence);
  }
  setWithdrawalNext(sequence: bigint): void {
    this.put(stateKey.withdrawalNext(), sequence === 0n ? undefined : sequence);
  }
  setWithdrawal(sequence: bigint, record: WithdrawalRecord): void {
    this.put(stateKey.withdrawal(sequence), record);
  }
  setOutbox(destination: number, session: bigint, message: MailboxMessage): void {
    this.put(stateKey.outbox(destination, session), message);
  }
  setInbox(source: number, session: bigint, message: InboxMessage): void {
    this.put(stateKey.inbox(source, session), message);
  }

  /** Marks the journal; `revertTo(mark)` undoes every write made after it. */
  mark(): number {
    return this.journal.length;
  }

  /**
   * Undoes every write since `mark`, newest first.
   * @throws RangeError when `mark` is not a mark still in the journal
   */
  revertTo(mark: number): void {
    if (!Number.isInteger(mark) || mark < 0 || mark > this.journal.length) throw new RangeError(`MemoryLedger: no mark ${mark} (journal length ${this.journal.length})`);
    while (this.journal.length > mark) {
      const [key, previous] = this.journal.pop()!;
      if (previous === undefined) this.values.delete(key);
      else this.values.set(key, previous);
    }
  }

  /** Forgets the journal: the current state can no longer be reverted, and earlier marks are void. */
  discardJournal(): void {
    this.journal.length = 0;
  }

  /** Number of journal records (writes since the last {@link discardJournal}). */
  get journalLength(): number {
    return this.journal.length;
  }

  /** Every entry as `[key, value]`, sorted by key: a snapshot to compare states with (values are immutable). */
  entries(): [key: string, value: StateValue][] {
    return [...this.values].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Every asset record, by symbol. */
  assets(): AssetInfo[] {
    const out: AssetInfo[] = [];
    for (const [key, value] of this.entries()) if (key.startsWith("a:")) out.push(value as AssetInfo);
    return out;
  }

  /** Every pool as `[poolId, state]`, by identifier. */
  pools(): [id: string, pool: PoolState][] {
    const out: [string, PoolState][] = [];
    for (const [key, value] of this.entries()) if (key.startsWith("p:")) out.push([key.slice(2), value as PoolState]);
    return out;
  }

  /**
   * What the ledger holds of `asset`: the sum of every account's balance and
   * every pool's reserve of it. Conservation means this equals the asset's
   * recorded supply. O(entries): for tests and checkers.
   */
  held(asset: AssetSymbol): bigint {
    let total = 0n;
    const suffix = `:${asset}`;
    for (const [key, value] of this.values) {
      if (key.startsWith("b:") && key.endsWith(suffix) && key.lastIndexOf(":") === key.length - suffix.length) total += value as bigint;
      else if (key.startsWith("p:")) {
        const pool = value as PoolState;
        if (pool.assetA === asset) total += pool.reserveA;
        if (pool.assetB === asset) total += pool.reserveB;
      }
    }
    return total;
  }

  /** The sum of every holder's shares of `pool`; equals the pool's `totalShares` in a consistent ledger. O(entries). */
  sharesHeld(pool: string): bigint {
    let total = 0n;
    const prefix = `s:${pool}:`;
    for (const [key, value] of this.values) if (key.startsWith(prefix)) total += value as bigint;
    return total;
  }

  private put(key: string, value: StateValue | undefined): void {
    this.journal.push([key, this.values.get(key)]);
    if (value === undefined) this.values.delete(key);
    else this.values.set(key, value);
  }
}

/**
 * The typed view of ledger state that execution reads and writes, with a
 * journal so a failed transaction's instructions can be undone. Implemented by
 * the layered, Merkle-committed state in `ledger-state.ts`.
 */
import type { AccountId, AssetInfo, AssetSymbol, InboxMessage, MailboxMessage, PoolState, WithdrawalRecord } from "./types.js";

/** Read access to the ledger. Absent entries read as zero / undefined. */
export interface LedgerReader {
  /** The account's nonce: how many of its transactions were executed. */
  nonce(account: AccountId): bigint;
  /** Balance of `asset` held by `account`, base units. */
  balance(account: AccountId, asset: AssetSymbol): bigint;
  asset(symbol: AssetSymbol): AssetInfo | undefined;
  /** The pool with identifier `id` (see `poolId`). */
  pool(id: string): PoolState | undefined;
  /** Pool shares of `pool` held by `account`. */
  shares(pool: string, account: AccountId): bigint;
  /** The next L1 deposit sequence number to credit (0 before the first credit). */
  depositNext(): bigint;
  /** The sequence number the next withdrawal gets (0 before the first). */
  withdrawalNext(): bigint;
  /** The withdrawal recorded under `sequence`, if any. */
  withdrawal(sequence: bigint): WithdrawalRecord | undefined;
  /** The outgoing CIRC message to chain `destination` with session `session` (outbox key `o:`), if written. */
  outbox(destination: number, session: bigint): MailboxMessage | undefined;
  /** The incoming CIRC message of chain `source` with session `session` (inbox key `i:`), if populated. */
  inbox(source: number, session: bigint): InboxMessage | undefined;
}

/** Write access with a journal. Setting zero removes the entry. */
export interface LedgerWriter extends LedgerReader {
  setNonce(account: AccountId, nonce: bigint): void;
  setBalance(account: AccountId, asset: AssetSymbol, amount: bigint): void;
  setAsset(info: AssetInfo): void;
  setPool(id: string, pool: PoolState): void;
  setShares(pool: string, account: AccountId, shares: bigint): void;
  setDepositNext(sequence: bigint): void;
  setWithdrawalNext(sequence: bigint): void;
  setWithdrawal(sequence: bigint, record: WithdrawalRecord): void;
  setOutbox(destination: number, session: bigint, message: MailboxMessage): void;
  setInbox(source: number, session: bigint, message: InboxMessage): void;
  /** Marks the journal; `revertTo(mark)` undoes every write made after it. */
  mark(): number;
  /** Undoes every write since `mark` (a value returned by `mark()`). */
  revertTo(mark: number): void;
}

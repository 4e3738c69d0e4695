/**
 * AssetVM domain types: accounts, assets, pools, instructions, transactions
 * and receipts. Amounts are bigint base units bounded by {@link U64_MAX}
 * (as SPL token amounts are); accounts are public keys of the run's signature
 * scheme (ed25519 in real mode), written as lowercase hex.
 */

/** Lowercase hex of a 32-byte public key. */
export type AccountId = string;

/** An asset's symbol, its identifier: 1 to 12 characters of A-Z and 0-9, starting with a letter (e.g. "USDC"). */
export type AssetSymbol = string;

/** Largest amount, balance, supply, nonce or fee: 2^64 - 1. */
export const U64_MAX = (1n << 64n) - 1n;

/** Symbol of the native asset: fees are paid in it and burned. Created at genesis, no mint authority. */
export const NATIVE_ASSET: AssetSymbol = "ASSET";

/** Most decimals an asset may declare. */
export const DECIMALS_MAX = 18;

/** Largest pool fee, basis points (10% ). */
export const POOL_FEE_BPS_MAX = 1000;

/** Most instructions in one transaction. */
export const INSTRUCTIONS_PER_TX_MAX = 16;

/**
 * The bridged asset: lamports locked in the L1 program's vault, one base unit per lamport
 * (decimals 9, as SOL). Created by the first deposit credit, with no mint authority: only
 * deposit credits mint it and only withdrawals burn it.
 */
export const BRIDGED_ASSET: AssetSymbol = "SOL";

/** Decimals of {@link BRIDGED_ASSET} (a lamport is 10^-9 SOL). */
export const BRIDGED_ASSET_DECIMALS = 9;

/**
 * The sender of system transactions (deposit credits): 32 zero bytes. No key signs for it: a
 * system transaction carries an empty signature and enters a block only from the leader, never
 * through the mempool; validators check its credits against the L1's finalized deposits.
 */
export const BRIDGE_ACCOUNT: AccountId = "0".repeat(64);

/** A withdrawal recorded in the state by the `withdraw` instruction (key `w:<sequence>`). */
export interface WithdrawalRecord {
  /** The L1 public key to pay, lowercase hex of 32 bytes. */
  readonly recipient: AccountId;
  /** Lamports to pay (the amount of {@link BRIDGED_ASSET} burned). */
  readonly amount: bigint;
}

/**
 * A CIRC message of a cross-rollup transfer as the mailbox keeps it: in the source chain's outbox
 * (key `o:<destination>:<session>`, written by `mailbox-write`) and, with `consumed`, in the
 * destination chain's inbox (key `i:<source>:<session>`, see {@link InboxMessage}).
 */
export interface MailboxMessage {
  /** The account whose asset was burned on the source chain. */
  readonly sender: AccountId;
  /** The account the destination chain mints to. */
  readonly receiver: AccountId;
  readonly asset: AssetSymbol;
  /** Base units, 1..2^64-1. */
  readonly amount: bigint;
}

/** An incoming CIRC message in the destination chain's inbox; `consumed` once a `mailbox-read` minted it. */
export interface InboxMessage extends MailboxMessage {
  readonly consumed: boolean;
}

/** Largest chain id a mailbox key names (u32, as SBCP's ChainID). */
export const CHAIN_ID_MAX = 0xffff_ffff;

/** Pattern every asset symbol matches. */
export const ASSET_SYMBOL_PATTERN = /^[A-Z][A-Z0-9]{0,11}$/;

/** One VM instruction. A transaction's instructions run in order and atomically. */
export type Instruction =
  /** Creates `asset` with zero supply; `mintAuthority` null makes it unmintable. */
  | { readonly kind: "create-asset"; readonly asset: AssetSymbol; readonly decimals: number; readonly mintAuthority: AccountId | null }
  /** Mints `amount` of `asset` to `to`; the sender must be the mint authority. */
  | { readonly kind: "mint"; readonly asset: AssetSymbol; readonly to: AccountId; readonly amount: bigint }
  /** Moves `amount` of `asset` from the sender to `to`. */
  | { readonly kind: "transfer"; readonly asset: AssetSymbol; readonly to: AccountId; readonly amount: bigint }
  /** Destroys `amount` of `asset` held by the sender. */
  | { readonly kind: "burn"; readonly asset: AssetSymbol; readonly amount: bigint }
  /** Sets (hands over) or, with null, removes the mint authority; the sender must be the current authority. */
  | { readonly kind: "set-mint-authority"; readonly asset: AssetSymbol; readonly authority: AccountId | null }
  /** Creates the constant-product pool of two distinct assets, empty, with a swap fee in basis points. */
  | { readonly kind: "create-pool"; readonly assetA: AssetSymbol; readonly assetB: AssetSymbol; readonly feeBps: number }
  /** Deposits up to `amountA`/`amountB` in proportion to the reserves; refuses fewer than `minShares` pool shares. */
  | { readonly kind: "add-liquidity"; readonly assetA: AssetSymbol; readonly assetB: AssetSymbol; readonly amountA: bigint; readonly amountB: bigint; readonly minShares: bigint }
  /** Burns `shares` pool shares for their part of both reserves; refuses less than `minA`/`minB`. */
  | { readonly kind: "remove-liquidity"; readonly assetA: AssetSymbol; readonly assetB: AssetSymbol; readonly shares: bigint; readonly minA: bigint; readonly minB: bigint }
  /** Sells exactly `amountIn` of `assetIn` for at least `minOut` of `assetOut` (the slippage limit). */
  | { readonly kind: "swap"; readonly assetIn: AssetSymbol; readonly assetOut: AssetSymbol; readonly amountIn: bigint; readonly minOut: bigint }
  /**
   * Burns `amount` of {@link BRIDGED_ASSET} held by the sender and records the withdrawal
   * `{ recipient, amount }` under the next withdrawal sequence number (state key `w:<sequence>`),
   * which the L1 program pays out of its vault once a root holding it is final (`finalize_withdrawal`).
   * `recipient` is the L1 (Solana) public key to pay, as 64 lowercase hex characters.
   */
  | { readonly kind: "withdraw"; readonly recipient: AccountId; readonly amount: bigint }
  /**
   * Credits the L1 deposit number `sequence` (`amount` lamports locked in the vault) as `amount` base
   * units of {@link BRIDGED_ASSET} to `to` (creating the asset, with no mint authority, at the first
   * credit). Only in a system transaction (sender {@link BRIDGE_ACCOUNT}, see `admissionError`), whose
   * credits must carry the next deposit sequence numbers in order: a replayed or skipped deposit makes
   * the transaction inadmissible ("bad-deposit-sequence"). From any other sender: "unauthorized".
   */
  | { readonly kind: "credit-deposit"; readonly sequence: bigint; readonly to: AccountId; readonly amount: bigint }
  /**
   * The mailbox write of a cross-rollup transfer (xT), on its source chain (SCP v1, the Mailbox's `write`):
   * burns `amount` of `asset` held by the sender and records the outgoing CIRC message
   * `{ sender, receiver: to, asset, amount }` in the outbox, under the mailbox key
   * `o:<destination>:<session>` ({@link MailboxMessage}). `destination` is the destination chain's id
   * (u32), `session` the xT's session id (u64); a key written once cannot be written again
   * ("mailbox-exists").
   */
  | { readonly kind: "mailbox-write"; readonly destination: number; readonly session: bigint; readonly to: AccountId; readonly asset: AssetSymbol; readonly amount: bigint }
  /**
   * The mailbox read of an xT, on its destination chain (the Mailbox's `read`): consumes the incoming CIRC
   * message of chain `source` and session `session` (inbox key `i:<source>:<session>`, put there by the
   * sequencer's mailbox-populating step, `mailbox.ts`) once, and mints its amount of its asset to its
   * receiver. A read that misses is "mailbox-miss", a second read of the same message "mailbox-replayed".
   */
  | { readonly kind: "mailbox-read"; readonly source: number; readonly session: bigint };

/** The instruction kinds, in wire (enum index) order. */
export const INSTRUCTION_KINDS = [
  "create-asset",
  "mint",
  "transfer",
  "burn",
  "set-mint-authority",
  "create-pool",
  "add-liquidity",
  "remove-liquidity",
  "swap",
  "withdraw",
  "credit-deposit",
  "mailbox-write",
  "mailbox-read",
] as const satisfies readonly Instruction["kind"][];

/** What the sender signs. */
export interface TransactionBody {
  readonly sender: AccountId;
  /** Must equal the sender's account nonce (0 for a new account); it then increments by one. */
  readonly nonce: bigint;
  /** Native-asset base units the sender pays (and the chain burns) whether the instructions succeed or fail. */
  readonly fee: bigint;
  readonly instructions: readonly Instruction[];
}

/** A signed transaction. */
export interface Transaction extends TransactionBody {
  /** Signature over `transactionSigningBytes(body)` by `sender`'s key. */
  readonly signature: Uint8Array;
}

/** An asset's record in the ledger. */
export interface AssetInfo {
  readonly symbol: AssetSymbol;
  readonly decimals: number;
  readonly mintAuthority: AccountId | null;
  /** Sum of all balances and pool reserves of this asset: minted minus burned. */
  readonly supply: bigint;
}

/** A constant-product pool; `assetA < assetB` (string order). */
export interface PoolState {
  readonly assetA: AssetSymbol;
  readonly assetB: AssetSymbol;
  readonly reserveA: bigint;
  readonly reserveB: bigint;
  /** Pool shares outstanding. */
  readonly totalShares: bigint;
  readonly feeBps: number;
}

/** The identifier of the pool of two assets: `"A/B"` with A < B. */
export function poolId(assetX: AssetSymbol, assetY: AssetSymbol): string {
  return assetX < assetY ? `${assetX}/${assetY}` : `${assetY}/${assetX}`;
}

/**
 * Why a transaction failed. `bad-signature`, `bad-nonce` and `insufficient-fee`
 * (and `invalid-instruction` when `admissionError` finds the transaction's
 * shape wrong: no instructions, fee or nonce out of range) make a transaction
 * inadmissible: it never enters a block and changes nothing (a fee
 * charged for them would let anyone drain another account by replaying or
 * forging its transactions). `bad-deposit-sequence` (a system transaction whose deposit credits
 * are not the next deposit sequence numbers, or which is not made of credits only) is inadmissible too.
 * Every other code is an execution failure: the fee
 * is burned, the nonce advances, and nothing else changes.
 */
export type VmErrorCode =
  | "bad-signature"
  | "bad-nonce"
  | "insufficient-fee"
  | "insufficient-balance"
  | "unknown-asset"
  | "asset-exists"
  | "unauthorized"
  | "overflow"
  | "slippage"
  | "unknown-pool"
  | "pool-exists"
  | "insufficient-liquidity"
  | "invalid-instruction"
  | "bad-deposit-sequence"
  /** `mailbox-write` to an outbox key already written (the same destination and session). */
  | "mailbox-exists"
  /** `mailbox-read` of a message the inbox does not hold (the read misses: SCP waits for the CIRC message). */
  | "mailbox-miss"
  /** `mailbox-read` of a message already consumed (a replayed read). */
  | "mailbox-replayed";

/** A swap's effect on its pool's invariant k = reserveA * reserveB. */
export interface SwapRecord {
  readonly pool: string;
  readonly kBefore: bigint;
  readonly kAfter: bigint;
}

/** The outcome of one executed (admissible) transaction. */
export interface TxReceipt {
  /** Lowercase hex transaction id. */
  readonly id: string;
  readonly sender: AccountId;
  readonly nonce: bigint;
  readonly fee: bigint;
  /** "ok", or the execution failure that rolled the instructions back. */
  readonly status: "ok" | VmErrorCode;
  /** Index of the failing instruction, when status is not "ok". */
  readonly failedInstruction?: number;
  /** Human-readable detail of the failure. */
  readonly message?: string;
  /** Supply changes of this transaction (fee burn included), per asset; empty entries omitted. */
  readonly supplyDelta: ReadonlyMap<AssetSymbol, bigint>;
  /** Swaps performed (only when status is "ok"). */
  readonly swaps: readonly SwapRecord[];
}

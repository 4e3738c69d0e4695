/**
 * Why the fee mempool refused a transaction. These are operating outcomes
 * (a peer or client sent something the pool will not hold), not programmer
 * errors; the pool throws only on the latter.
 *
 * - `duplicate`: a transaction with the same id is already held.
 * - `nonce-too-low`: the nonce is below the sender's account nonce; it can never execute.
 * - `nonce-too-far`: the nonce is more than `maxNonceGap` above the account nonce.
 * - `replacement-underpriced`: the sender already has a transaction at this nonce and the
 *   newcomer's fee does not clear the replace-by-fee bump.
 * - `fee-too-low`: the fee is below `minFee`.
 * - `pool-full`: the pool holds `capacity` transactions and the newcomer does not outbid the
 *   eviction candidate.
 * - `sender-full`: the sender already holds `perSenderMax` transactions.
 */
export type MempoolRejection =
  | "duplicate"
  | "nonce-too-low"
  | "nonce-too-far"
  | "fee-too-low"
  | "replacement-underpriced"
  | "pool-full"
  | "sender-full";

/** Every {@link MempoolRejection}, once each, for metrics tables and exhaustive tests. */
export const MEMPOOL_REJECTIONS: readonly MempoolRejection[] = Object.freeze([
  "duplicate",
  "nonce-too-low",
  "nonce-too-far",
  "fee-too-low",
  "replacement-underpriced",
  "pool-full",
  "sender-full",
] as const satisfies readonly MempoolRejection[]);

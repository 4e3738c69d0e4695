/**
 * The defaults of `asset-sim testnet` (`testnet.ts`), in a module of their own
 * so the CLI can print them in its help without loading the testnet's
 * process, logging and metrics code.
 */

/** Defaults of a testnet's options (`TestnetOptions` in `testnet.ts`). Times in the names' units. */
export const TESTNET_DEFAULTS = {
  validators: 4,
  clients: 1,
  durationMs: 30_000,
  txPerSecond: 500,
  blockTimeUs: 250_000,
  viewTimeoutUs: 1_000_000,
  stopTimeoutMs: 5_000,
  progressIntervalMs: 1_000,
  seed: 1,
} as const;

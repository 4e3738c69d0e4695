/**
 * The bridge system's rollup-level section (`bridge`, optional: absent, the
 * bridge is off and nothing of it runs). The relayer acts for `users` bridge
 * users (each with an L1 key and an L2 account funded with the native asset at
 * genesis): it sends their scheduled deposits to the L1 program, hands the
 * finalized deposits to the validators, sends their scheduled L2 withdrawals,
 * and calls `finalize_withdrawal` once a root holding one is final.
 */
import { z } from "zod";
import { duration, positiveDuration } from "../../config/fields.js";

/** Defaults of the `bridge` section. */
export const BRIDGE_DEFAULTS = { users: 2, creditsPerBlock: 8, pollInterval: 200_000, requestTimeout: 2_000_000, resendInterval: 1_600_000, userLamports: 100_000_000_000 };

const transfer = z.strictObject({
  /** When the user asks, microseconds (or a duration string) from the start. */
  at: duration,
  /** The user (0-based, below `users`). */
  user: z.number().int().min(0).max(63),
  /** Lamports (= base units of the bridged asset SOL). */
  amount: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
});

/**
 * A user's attack on the L1 program, carried out by the relayer at `at`: `replay-withdrawal` sends
 * `finalize_withdrawal` again for a withdrawal already paid; `forged-proof` sends one for `sequence`
 * with the amount raised by one lamport (the proof no longer holds). The program must refuse both.
 */
const attack = z.strictObject({
  at: duration,
  kind: z.enum(["replay-withdrawal", "forged-proof"]),
  /** The withdrawal attacked (its sequence number on the L2). */
  sequence: z.number().int().min(0).max(1_000_000),
});

/** The `bridge` section. */
export const bridgeSection = z.strictObject({
  /** Bridge users the relayer acts for. */
  users: z.number().int().min(1).max(64).default(BRIDGE_DEFAULTS.users),
  /** Lamports each user's L1 key holds at genesis. */
  userLamports: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).default(BRIDGE_DEFAULTS.userLamports),
  /** Deposits on the L1, each credited on the L2 once final. */
  deposits: z.array(transfer).max(1000).default([]),
  /** Withdrawals on the L2, each paid on the L1 once a root holding it is final. */
  withdrawals: z.array(transfer).max(1000).default([]),
  /** Attacks a user makes on the L1 program (refused on chain). */
  attacks: z.array(attack).max(100).default([]),
  /** Most deposits one block credits (one system transaction; at most 16). */
  creditsPerBlock: z.number().int().min(1).max(16).default(BRIDGE_DEFAULTS.creditsPerBlock),
  /** How often the relayer reads the L1 and the L2. */
  pollInterval: positiveDuration.default(BRIDGE_DEFAULTS.pollInterval),
  requestTimeout: positiveDuration.default(BRIDGE_DEFAULTS.requestTimeout),
  /** Rebroadcast an L1 transaction not seen after this long. */
  resendInterval: positiveDuration.default(BRIDGE_DEFAULTS.resendInterval),
  /**
   * Withdrawals must be paid within this long after the last fault heals (the liveness bound of
   * withdrawals; posting mode has no challenge period).
   */
  withdrawalLivenessBound: positiveDuration.default(30_000_000),
});

/** The rollup-level sections of the bridge system (zod shape). */
export const BRIDGE_SECTIONS = { bridge: bridgeSection.optional() };

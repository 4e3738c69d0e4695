/**
 * Background faults of the simulated L1 (DESIGN.md, "Faults": dropped or
 * delayed transactions, RPC errors; reorgs are an action, `L1Node.reorg`).
 * Every draw comes from the node's own random stream, so a seed replays them.
 */

/** Fault rates of the L1 node. Probabilities are in [0, 1]; all default to 0 (no faults). */
export interface L1Faults {
  /** Probability that an accepted transaction is silently dropped: the sender gets its signature, the transaction never lands. */
  readonly dropRate: number;
  /** Probability that an accepted transaction waits 1..`delaySlotsMax` extra slots before it may execute. */
  readonly delayRate: number;
  /** Largest extra delay, in slots (an integer >= 1 when `delayRate` > 0). */
  readonly delaySlotsMax: number;
  /** Probability that a request of any kind is answered `rpc-error` `rpc-unavailable` without being served. */
  readonly rpcErrorRate: number;
}

/** No faults. */
export const NO_L1_FAULTS: L1Faults = { dropRate: 0, delayRate: 0, delaySlotsMax: 1, rpcErrorRate: 0 };

/** Largest accepted `delaySlotsMax`, a limit on how long a transaction can sit in the queue. */
export const DELAY_SLOTS_MAX_LIMIT = 10_000;

/**
 * Merges `change` into `base` and checks the result.
 * @throws RangeError on a probability outside [0, 1] or a `delaySlotsMax` that is not an integer in [1, {@link DELAY_SLOTS_MAX_LIMIT}].
 */
export function mergeL1Faults(base: L1Faults, change: Partial<L1Faults>): L1Faults {
  const merged: L1Faults = {
    dropRate: change.dropRate ?? base.dropRate,
    delayRate: change.delayRate ?? base.delayRate,
    delaySlotsMax: change.delaySlotsMax ?? base.delaySlotsMax,
    rpcErrorRate: change.rpcErrorRate ?? base.rpcErrorRate,
  };
  for (const name of ["dropRate", "delayRate", "rpcErrorRate"] as const) {
    const p = merged[name];
    if (!(p >= 0 && p <= 1)) throw new RangeError(`L1 faults: ${name} must be in [0, 1], got ${p}`);
  }
  if (!Number.isSafeInteger(merged.delaySlotsMax) || merged.delaySlotsMax < 1 || merged.delaySlotsMax > DELAY_SLOTS_MAX_LIMIT) {
    throw new RangeError(`L1 faults: delaySlotsMax must be an integer in [1, ${DELAY_SLOTS_MAX_LIMIT}], got ${merged.delaySlotsMax}`);
  }
  return merged;
}

/**
 * The view timeout, as a small named object in the manner of TigerBeetle's
 * `Timeout` (src/vsr.zig): a base duration, exponential backoff on consecutive
 * expiries, a cap, and a reset on progress.
 */

/** Durations of the view timer, microseconds. */
export class ViewTimer {
  private consecutiveExpiries = 0;

  /**
   * @param baseUs timeout of a view after progress (the scenario's `viewTimeout`)
   * @param maxUs cap of the backed-off timeout
   * @throws RangeError unless 0 < baseUs <= maxUs
   */
  constructor(
    readonly baseUs: number,
    readonly maxUs: number,
  ) {
    if (!(baseUs > 0 && maxUs >= baseUs)) throw new RangeError(`view timer needs 0 < base (${baseUs}) <= max (${maxUs})`);
  }

  /** How long to wait in a newly entered view: base * 2^(consecutive expiries), capped. */
  get durationUs(): number {
    return Math.min(this.maxUs, this.baseUs * 2 ** Math.min(this.consecutiveExpiries, 30));
  }

  /** Expiries since the last progress. */
  get expiries(): number {
    return this.consecutiveExpiries;
  }

  /** A view ended by a QC: back to the base duration. */
  onProgress(): void {
    this.consecutiveExpiries = 0;
  }

  /** A view expired: the next one waits twice as long (up to the cap). */
  onExpired(): void {
    this.consecutiveExpiries++;
  }
}

/**
 * Times a validator's application in real mode: wraps an {@link Application}
 * (the asset sequencer) so that building a batch (`buildPayload`) and checking
 * a proposed one (`verifyPayload`) are measured on the real clock, and
 * reports each as an event of the runtime (not of the node):
 *
 * - `batch-built { height, buildUs, payload }`: the leader built
 *   the payload of block `height` in `buildUs` microseconds;
 * - `batch-verified { height, view, hash, ok, verifyUs }`: the validator
 *   executed the proposed block `hash` and found it acceptable (`ok`) or not,
 *   in `verifyUs` microseconds (a block the application already executed
 *   answers from its cache: a short time).
 *
 * The event's time is the end of the call. Node code stays sans-IO: it never
 * sees the clock this wrapper reads; the simulator does not wrap its
 * applications (its clock stands still within a step, so the times would be 0).
 */
import type { AppContext, Application } from "../consensus/application.js";
import type { Block } from "../consensus/types.js";
import { toHex } from "../crypto/hash.js";

/** Receives the wrapper's events: the time (microseconds, the host's clock) and the fields above. */
export type ApplicationTimingObserver = (timeUs: number, event: "batch-built" | "batch-verified", fields: Readonly<Record<string, unknown>>) => void;

/** A monotonic clock in microseconds with sub-millisecond resolution. */
export type MicrosecondClock = () => number;

/**
 * Wraps `app`; every other method (and the optional ones only when `app` has them) is passed through unchanged.
 * @param clockUs the clock the durations and event times are read from (the real host's)
 */
export function timedApplication(app: Application, clockUs: MicrosecondClock, report: ApplicationTimingObserver): Application {
  const timed: Application = {
    onAppMessage: (ctx: AppContext, from, data) => app.onAppMessage(ctx, from, data),
    buildPayload(ctx: AppContext, parent: Block, branch: readonly Block[]): Uint8Array {
      const startUs = clockUs();
      const payload = app.buildPayload(ctx, parent, branch);
      const endUs = clockUs();
      report(endUs, "batch-built", { height: parent.height + 1, buildUs: endUs - startUs, payload });
      return payload;
    },
    verifyPayload(ctx: AppContext, block: Block, branch: readonly Block[]): boolean {
      const startUs = clockUs();
      const ok = app.verifyPayload(ctx, block, branch);
      const endUs = clockUs();
      report(endUs, "batch-verified", { height: block.height, view: block.view, hash: toHex(block.hash), ok, verifyUs: endUs - startUs });
      return ok;
    },
    commit: (ctx: AppContext, block: Block) => app.commit(ctx, block),
    restoreCommitted: (block: Block) => app.restoreCommitted(block),
  };
  if (app.snapshot !== undefined) timed.snapshot = (block) => app.snapshot!(block);
  if (app.restoreSnapshot !== undefined) timed.restoreSnapshot = (block, state) => app.restoreSnapshot!(block, state);
  return timed;
}

/**
 * The simulation kernel: a virtual clock in integer microseconds, the event
 * queue, named random streams and the trace. The run loop is bounded by virtual
 * time and by an event budget (TigerBeetle's simulator, `src/vopr.zig`, has the
 * same shape: one seed drives everything, and every loop has a limit).
 */
import { EventQueue, type ScheduledEvent } from "./event-queue.js";
import { createRng, type Rng } from "./rng.js";
import { TraceChain } from "./trace.js";

/** Why {@link Simulation.run} returned. */
export type StopReason = "duration" | "eventBudget" | "stopped" | "idle";

/** The kernel. One instance per run; not reusable after `run` returns. */
export class Simulation {
  /** Master seed of the run. */
  readonly seed: number;
  /** The trace hash chain; every delivered event must be recorded here. */
  readonly trace = new TraceChain();
  private readonly queue = new EventQueue();
  private clockUs = 0;
  private fired = 0;
  private stopRequested = false;

  /** @param seed master seed (an integer; streams derive from it by name) */
  constructor(seed: number) {
    this.seed = seed;
  }

  /** Current virtual time in microseconds. Never decreases. */
  get nowUs(): number {
    return this.clockUs;
  }

  /** Number of events fired so far (cancelled events not counted). */
  get eventsFired(): number {
    return this.fired;
  }

  /** The random stream `name` of this run (a new generator each call: ask once, keep it). */
  rng(name: string): Rng {
    return createRng(this.seed, name);
  }

  /**
   * Schedules `fire` at `timeUs`.
   * @throws RangeError if `timeUs` is in the past or not a finite integer (time never travels back).
   */
  at(timeUs: number, fire: () => void): ScheduledEvent {
    if (!Number.isSafeInteger(timeUs)) throw new RangeError(`event time must be an integer of microseconds, got ${timeUs}`);
    if (timeUs < this.clockUs) throw new RangeError(`event time ${timeUs}us is before now (${this.clockUs}us)`);
    return this.queue.push(timeUs, fire);
  }

  /** Schedules `fire` after `afterUs` microseconds (rounded down to an integer, at least 0). */
  after(afterUs: number, fire: () => void): ScheduledEvent {
    return this.at(this.clockUs + Math.max(0, Math.floor(afterUs)), fire);
  }

  /** Makes the current `run` return after the event being fired. */
  stop(): void {
    this.stopRequested = true;
  }

  /**
   * Fires events in (time, sequence) order until virtual time would pass
   * `untilUs`, `maxEvents` events have fired, `stop()` is called, or the queue
   * is empty. On "duration" the clock is left at `untilUs`.
   */
  run(untilUs: number, maxEvents: number): StopReason {
    for (;;) {
      if (this.stopRequested) return "stopped";
      const next = this.queue.peek();
      if (next === undefined) {
        this.clockUs = Math.max(this.clockUs, untilUs);
        return "idle";
      }
      if (next.timeUs > untilUs) {
        this.clockUs = Math.max(this.clockUs, untilUs);
        return "duration";
      }
      if (this.fired >= maxEvents) return "eventBudget";
      this.queue.pop();
      if (next.cancelled) continue;
      this.clockUs = next.timeUs;
      this.fired++;
      next.fire();
    }
  }
}

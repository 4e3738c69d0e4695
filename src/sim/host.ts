/**
 * Hosts one sans-IO {@link Node} inside the simulation: builds its
 * {@link NodeContext}, owns its timers, and models crash and restart.
 *
 * A crash drops the node instance (all volatile state), cancels its timers and
 * makes its storage lose unsynced writes; a restart builds a fresh instance
 * from the factory and calls `start`, so the node recovers only from storage.
 *
 * Clock faults (issue 5), which the node cannot tell from a real clock:
 * - skew and drift ({@link SimHost.setClock}): the node's `ctx.now()` is
 *   `local = base + skewUs`, where `base` advances by `(1 + drift)` per virtual
 *   microsecond (from 0 at time 0, so a setting made at time 0 gives
 *   `now = virtual * (1 + drift) + skew`); a timer of `afterUs` fires after
 *   `ceil(afterUs / (1 + drift))` virtual microseconds, i.e. after `afterUs`
 *   on the node's own clock. A new setting applies from its time on, without
 *   a jump in `base` (a new skew is a step); timers already armed keep their time;
 * - pause ({@link SimHost.pause}, {@link SimHost.resume}): the node stops
 *   processing, as in a long GC pause or a suspended VM. Messages that arrive
 *   and timers that fire meanwhile are queued and handed to it, in order, on
 *   resume; its clock keeps running. A crash ends a pause (the queue is lost).
 */
import { SharingMismatchError } from "./run-memo.js";
import { digestText } from "./trace.js";
import type { Node, NodeContext, NodeId, Storage, TimerId } from "./node.js";
import type { ScheduledEvent } from "./event-queue.js";
import type { Simulation } from "./simulation.js";

/**
 * Thrown by a node's context when the node was crashed in the middle of its
 * own step (a crash point: a fault triggered by an event the node logged).
 * It unwinds the handler at once, so nothing the step would have done after
 * that point happens; the host swallows it (it is not a node error).
 */
export class CrashedInStep extends Error {
  override readonly name = "CrashedInStep";
}

/** An effect of a node's step a crash point can sit next to: a storage write (`put` or `delete`), a `sync`, a `send`. */
export type StepEffect = "write" | "sync" | "send";

/**
 * Where an armed crash point stops the node: just before or just after its
 * next effect of one kind, or its `nth` one counted from arming (1, the next,
 * when absent; 3 stops a node right after the third send of a broadcast to
 * three peers).
 */
export interface CrashPoint {
  readonly effect: StepEffect;
  readonly position: "before" | "after";
  readonly nth?: number;
}

/** What the node was doing when its crash point fired: the storage key written, or the peer sent to. */
export interface CrashPointHit {
  readonly point: CrashPoint;
  readonly key?: string;
  readonly to?: NodeId;
}

/** Storage the simulator can crash: unsynced writes are lost. */
export interface CrashableStorage extends Storage {
  /** Drops every write made since the last sync. */
  crash(): void;
}

/** Receives the structured log events of hosted nodes (checkers, metrics). */
export type LogObserver = (timeUs: number, node: NodeId, event: string, fields: Readonly<Record<string, unknown>>) => void;

/** Wiring of a {@link SimHost}. */
export interface SimHostOptions<M> {
  id: NodeId;
  sim: Simulation;
  /** Builds a fresh node instance (first boot and every restart). */
  createNode: () => Node<M>;
  storage: CrashableStorage;
  /** Puts a message on the simulated network. */
  transmit: (from: NodeId, to: NodeId, msg: M) => void;
  observe: LogObserver;
  /** Called when a handler throws: a bug in node code, which ends the run. */
  onNodeError: (node: NodeId, error: unknown) => void;
}

/** A node's clock relative to virtual time (see the file comment). */
export interface ClockSetting {
  /** Offset added to the node's clock, microseconds (may be negative). */
  readonly skewUs: number;
  /** Rate error: the node's clock advances by 1 + drift per virtual microsecond; -0.5 < drift < 0.5. */
  readonly drift: number;
}

/** One simulated machine. */
export class SimHost<M> {
  readonly id: NodeId;
  private readonly options: SimHostOptions<M>;
  private node: Node<M> | undefined;
  private ctx: NodeContext<M> | undefined;
  private readonly timers = new Map<TimerId, ScheduledEvent>();
  private nextTimerId = 1;
  private incarnation = 0;
  /** Undefined while the clock is perfect (`now` is virtual time). */
  private clock: { anchorVirtualUs: number; anchorBaseUs: number; skewUs: number; drift: number } | undefined;
  /** Inputs held while paused, in arrival order; undefined when not paused. */
  private held: (() => void)[] | undefined;
  /** The armed crash point, if any, and what to tell once it fired (after the crash). */
  private crashPoint: { readonly point: CrashPoint; readonly fired: (hit: CrashPointHit) => void; passed: number } | undefined;

  constructor(options: SimHostOptions<M>) {
    this.id = options.id;
    this.options = options;
  }

  /** True while the node is up (started and not crashed). */
  get running(): boolean {
    return this.node !== undefined;
  }

  /** True while the node is paused. */
  get paused(): boolean {
    return this.held !== undefined;
  }

  /** The node's clock reading now, microseconds (virtual time unless skewed or drifting). */
  localNowUs(): number {
    const nowUs = this.options.sim.nowUs;
    const clock = this.clock;
    if (clock === undefined) return nowUs;
    return Math.floor(clock.anchorBaseUs + (nowUs - clock.anchorVirtualUs) * (1 + clock.drift)) + clock.skewUs;
  }

  /** The clock setting in force (`{ skewUs: 0, drift: 0 }` for a perfect clock). */
  get clockSetting(): ClockSetting {
    return this.clock === undefined ? { skewUs: 0, drift: 0 } : { skewUs: this.clock.skewUs, drift: this.clock.drift };
  }

  /**
   * Sets the node's clock from now on (see the file comment); `{ skewUs: 0, drift: 0 }` set at time 0 is a perfect clock.
   * @throws RangeError when drift is not in (-0.5, 0.5) or skew is not an integer
   */
  setClock(setting: ClockSetting): void {
    if (!(setting.drift > -0.5 && setting.drift < 0.5)) throw new RangeError(`clock drift must be in (-0.5, 0.5), got ${setting.drift}`);
    if (!Number.isSafeInteger(setting.skewUs)) throw new RangeError(`clock skew must be an integer of microseconds, got ${setting.skewUs}`);
    const nowUs = this.options.sim.nowUs;
    const clock = this.clock;
    const baseUs = clock === undefined ? nowUs : clock.anchorBaseUs + (nowUs - clock.anchorVirtualUs) * (1 + clock.drift);
    this.clock = { anchorVirtualUs: nowUs, anchorBaseUs: baseUs, skewUs: setting.skewUs, drift: setting.drift };
  }

  /** Sets the clock right: `now` is virtual time again (a step back or forward for a skewed or drifting clock). */
  resetClock(): void {
    this.clock = undefined;
  }

  /** Pauses the node: its inputs are held until {@link resume}. A no-op when down or already paused. */
  pause(): void {
    if (this.node === undefined || this.held !== undefined) return;
    this.held = [];
  }

  /** Resumes a paused node: hands it every held input, in order. A no-op when not paused. */
  resume(): void {
    const held = this.held;
    if (held === undefined) return;
    this.held = undefined;
    for (const input of held) input();
  }

  /**
   * Arms a crash point: the node crashes just before or just after its next
   * effect of `point.effect`, inside the step that makes it; the rest of that
   * step does not happen (see {@link CrashedInStep}). Every effect reaches the
   * disk or the network synchronously, in the order the node makes it, so
   * "after the sync, before the send" means exactly that. Disarmed by any crash.
   * With `point.nth` it lets the first `nth - 1` such effects pass.
   * @param fired called once the node is down (the world records it)
   * @throws Error when the node is down
   * @throws RangeError when `point.nth` is not a positive integer
   */
  armCrashPoint(point: CrashPoint, fired: (hit: CrashPointHit) => void): void {
    if (this.node === undefined) throw new Error(`armCrashPoint: ${this.id} is down`);
    if (point.nth !== undefined && !(Number.isSafeInteger(point.nth) && point.nth >= 1)) throw new RangeError(`crash point nth must be a positive integer, got ${point.nth}`);
    this.crashPoint = { point, fired, passed: 0 };
  }

  /** Whether a crash point is armed and has not fired. */
  get crashPointArmed(): boolean {
    return this.crashPoint !== undefined;
  }

  /** Disarms the crash point, if any (the liveness phase: every fault stops). */
  disarmCrashPoint(): void {
    this.crashPoint = undefined;
  }

  /** Crashes the node if its armed crash point is at this effect, and ends its step. */
  private reachCrashPoint(effect: StepEffect, position: "before" | "after", detail: { key?: string; to?: NodeId }): void {
    const armed = this.crashPoint;
    if (armed === undefined || armed.point.effect !== effect || armed.point.position !== position) return;
    armed.passed += 1;
    if (armed.passed < (armed.point.nth ?? 1)) return;
    this.crash();
    armed.fired({ point: armed.point, ...detail });
    throw new CrashedInStep(`${this.id} crashed ${position} its ${effect}`);
  }

  /** The live node instance, for sim-only introspection (fault targeting, tests). */
  get instance(): Node<M> | undefined {
    return this.node;
  }

  /** Boots the node (first start or restart). A no-op when already running. */
  start(): void {
    if (this.node !== undefined) return;
    const { sim, id } = this.options;
    const node = this.options.createNode();
    const rng = sim.rng(`node/${id}/${this.incarnation}`);
    this.incarnation++;
    // Every effect first checks that this boot is still the live one: a node crashed inside its own
    // step (a crash point) stops right there, and nothing after that point reaches the network or disk.
    const live = (): void => {
      if (this.ctx !== ctx) throw new CrashedInStep(`${id} crashed inside its step`);
    };
    // Each effect is applied at once, in the order the node makes it; an armed crash point sits right before or after one.
    const effect = (kind: StepEffect, detail: { key?: string; to?: NodeId }, apply: () => void): void => {
      live();
      this.reachCrashPoint(kind, "before", detail);
      apply();
      this.reachCrashPoint(kind, "after", detail);
    };
    const storage = this.options.storage;
    const guardedStorage: Storage = {
      get: (key) => storage.get(key),
      keys: (prefix) => storage.keys(prefix),
      put: (key, value) => effect("write", { key }, () => storage.put(key, value)),
      delete: (key) => effect("write", { key }, () => storage.delete(key)),
      sync: () => effect("sync", {}, () => storage.sync()),
      get recovery() {
        return storage.recovery;
      },
    };
    const ctx: NodeContext<M> = {
      id,
      now: () => this.localNowUs(),
      send: (to, msg) => effect("send", { to }, () => this.options.transmit(id, to, msg)),
      setTimer: (afterUs, tag) => {
        live();
        return this.setTimer(afterUs, tag);
      },
      cancelTimer: (timer) => this.cancelTimer(timer),
      rng,
      storage: guardedStorage,
      log: (event, fields) => {
        live();
        this.options.observe(sim.nowUs, id, event, fields);
        // A fault triggered by this very event may have crashed the node: its step ends here.
        live();
      },
    };
    this.node = node;
    this.ctx = ctx;
    this.guard(() => node.start(ctx));
  }

  /** Crashes the node: volatile state and timers are gone, unsynced writes lost. */
  crash(): void {
    if (this.node === undefined) return;
    for (const event of this.timers.values()) event.cancelled = true;
    this.timers.clear();
    this.node = undefined;
    this.ctx = undefined;
    this.held = undefined;
    this.crashPoint = undefined;
    this.options.storage.crash();
  }

  /** Delivers a decoded message; dropped when the node is down. Returns false if dropped. */
  deliver(from: NodeId, msg: M): boolean {
    const node = this.node;
    const ctx = this.ctx;
    if (node === undefined || ctx === undefined) return false;
    if (this.held !== undefined) {
      this.held.push(() => {
        if (this.node === node) this.guard(() => node.onMessage(ctx, from, msg));
      });
      return true;
    }
    // The guard written out: no closure per delivered message.
    try {
      node.onMessage(ctx, from, msg);
    } catch (error) {
      this.caught(error);
    }
    return true;
  }

  private setTimer(afterUs: number, tag: string): TimerId {
    if (!(afterUs >= 0)) throw new RangeError(`setTimer: afterUs must be >= 0, got ${afterUs}`);
    const timerId = this.nextTimerId++;
    const node = this.node;
    const ctx = this.ctx;
    const clock = this.clock;
    const virtualAfterUs = clock === undefined || clock.drift === 0 ? afterUs : Math.ceil(afterUs / (1 + clock.drift));
    const fire = (): void => {
      if (node === undefined || ctx === undefined || this.node !== node) return;
      this.options.sim.trace.record(this.options.sim.nowUs, this.id, "timer", digestText(tag));
      this.guard(() => node.onTimer(ctx, timerId, tag));
    };
    const event = this.options.sim.after(virtualAfterUs, () => {
      // While paused the timer stays cancellable until the node actually gets it.
      if (this.held !== undefined) {
        this.held.push(() => {
          if (this.timers.delete(timerId)) fire();
        });
        return;
      }
      this.timers.delete(timerId);
      fire();
    });
    this.timers.set(timerId, event);
    return timerId;
  }

  private cancelTimer(timerId: TimerId): void {
    const event = this.timers.get(timerId);
    if (event === undefined) return;
    event.cancelled = true;
    this.timers.delete(timerId);
  }

  private guard(action: () => void): void {
    try {
      action();
    } catch (error) {
      this.caught(error);
    }
  }

  /** What a node's step threw: a crash inside the step ends it quietly, a memo's mismatch stops the run, the rest is a node error. */
  private caught(error: unknown): void {
    if (error instanceof CrashedInStep) return;
    // A memo of the simulator answered wrong: the simulator's fault, not the node's; the run stops.
    if (error instanceof SharingMismatchError) throw error;
    this.options.onNodeError(this.id, error);
  }
}

/**
 * Hosts one sans-IO {@link Node} inside the simulation: builds its
 * {@link NodeContext}, owns its timers, and models crash and restart.
 *
 * A crash drops the node instance (all volatile state), cancels its timers and
 * makes its storage lose unsynced writes; a restart builds a fresh instance
 * from the factory and calls `start`, so the node recovers only from storage.
 */
import { digestText } from "./trace.js";
import type { Node, NodeContext, NodeId, Storage, TimerId } from "./node.js";
import type { ScheduledEvent } from "./event-queue.js";
import type { Simulation } from "./simulation.js";

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

/** One simulated machine. */
export class SimHost<M> {
  readonly id: NodeId;
  private readonly options: SimHostOptions<M>;
  private node: Node<M> | undefined;
  private ctx: NodeContext<M> | undefined;
  private readonly timers = new Map<TimerId, ScheduledEvent>();
  private nextTimerId = 1;
  private incarnation = 0;

  constructor(options: SimHostOptions<M>) {
    this.id = options.id;
    this.options = options;
  }

  /** True while the node is up (started and not crashed). */
  get running(): boolean {
    return this.node !== undefined;
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
    const ctx: NodeContext<M> = {
      id,
      now: () => sim.nowUs,
      send: (to, msg) => this.options.transmit(id, to, msg),
      setTimer: (afterUs, tag) => this.setTimer(afterUs, tag),
      cancelTimer: (timer) => this.cancelTimer(timer),
      rng,
      storage: this.options.storage,
      log: (event, fields) => this.options.observe(sim.nowUs, id, event, fields),
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
    this.options.storage.crash();
  }

  /** Delivers a decoded message; dropped when the node is down. Returns false if dropped. */
  deliver(from: NodeId, msg: M): boolean {
    const node = this.node;
    const ctx = this.ctx;
    if (node === undefined || ctx === undefined) return false;
    this.guard(() => node.onMessage(ctx, from, msg));
    return true;
  }

  private setTimer(afterUs: number, tag: string): TimerId {
    if (!(afterUs >= 0)) throw new RangeError(`setTimer: afterUs must be >= 0, got ${afterUs}`);
    const timerId = this.nextTimerId++;
    const node = this.node;
    const ctx = this.ctx;
    const event = this.options.sim.after(afterUs, () => {
      this.timers.delete(timerId);
      if (node === undefined || ctx === undefined || this.node !== node) return;
      this.options.sim.trace.record(this.options.sim.nowUs, this.id, "timer", digestText(tag));
      this.guard(() => node.onTimer(ctx, timerId, tag));
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
      this.options.onNodeError(this.id, error);
    }
  }
}

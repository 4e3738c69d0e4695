/**
 * Hosts one sans-IO {@link Node} on the real clock, real timers, a real
 * {@link Transport} and real storage: the real-mode counterpart of
 * `sim/host.ts` (same shape: `start`, `stop`, `deliver`, `instance`).
 *
 * - `ctx.now()`: microseconds since the Unix epoch, from a monotonic clock
 *   (`performance.timeOrigin + performance.now()`): it never goes back within
 *   a process; across processes and restarts it is as good as the machines'
 *   clocks (block timestamps compare them);
 * - `ctx.setTimer`: `setTimeout` (delays rounded up to whole milliseconds,
 *   capped at 2^31 - 1 ms);
 * - `ctx.rng`: the stream `node/<id>/<incarnation>` of the network seed (the
 *   caller counts boots, so a restarted node gets a fresh stream, as a
 *   restarted simulated node does);
 * - `ctx.send`: encoded with the codec (the simulator's: `validatorCodec`) and
 *   handed to the transport; a message to itself is delivered locally on the
 *   next turn of the event loop;
 * - `ctx.log`: handed to `observe` (logs and metrics, see `telemetry.ts`).
 *
 * Messages from the transport are decoded with the same codec; one that does
 * not decode is reported as a `malformed` event and dropped. A handler that
 * throws is a bug in node code: the host stops (timers cancelled, no further
 * input) and calls `onNodeError`; the node command then exits with code 4
 * rather than run on in a state nobody can vouch for.
 */
import type { MessageCodec } from "../net/codec.js";
import type { Transport } from "../net/transport.js";
import type { LogObserver } from "../sim/host.js";
import type { Node, NodeContext, NodeId, Storage, TimerId } from "../sim/node.js";
import { createRng } from "../sim/rng.js";

/** The longest delay `setTimeout` takes, milliseconds. */
const TIMEOUT_MS_MAX = 2 ** 31 - 1;

/** Wiring of a {@link RealHost}. */
export interface RealHostOptions<M> {
  readonly id: NodeId;
  /** Builds the node instance (once per {@link RealHost.start}). */
  readonly createNode: () => Node<M>;
  readonly storage: Storage;
  readonly transport: Transport;
  /** The wire codec (the simulator's: `validatorCodec`). */
  readonly codec: MessageCodec<M>;
  /** The network seed: `ctx.rng` is its stream `node/<id>/<incarnation>`. */
  readonly seed: number;
  /** Boot count of this node (0 on the first boot; the node command keeps it in the data directory). */
  readonly incarnation: number;
  /** Receives every `ctx.log` event, and the host's own `malformed` events. */
  readonly observe: LogObserver;
  /** Called once when a handler throws; the host has already stopped. */
  readonly onNodeError: (node: NodeId, error: unknown) => void;
  /** The clock, microseconds (default: the monotonic epoch clock of the file comment); a test hook. */
  readonly clockUs?: () => number;
}

/** Microseconds since the Unix epoch, monotonic within this process. */
export function monotonicEpochUs(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

/** One node on real IO. */
export class RealHost<M> {
  readonly id: NodeId;
  private readonly options: RealHostOptions<M>;
  private node: Node<M> | undefined;
  private ctx: NodeContext<M> | undefined;
  private readonly timers = new Map<TimerId, NodeJS.Timeout>();
  private readonly immediates = new Set<NodeJS.Immediate>();
  private nextTimerId = 1;
  private failed = false;
  private lastEncoded: { msg: M; bytes: Uint8Array } | undefined;
  private readonly clockUs: () => number;
  /** Counters for tests and metrics. */
  readonly stats = { delivered: 0, malformed: 0, sent: 0, timersFired: 0 };

  constructor(options: RealHostOptions<M>) {
    this.id = options.id;
    this.options = options;
    this.clockUs = options.clockUs ?? monotonicEpochUs;
    options.transport.onDeliver((from, to, bytes) => {
      if (to === this.id) this.deliver(from, bytes);
    });
  }

  /** True while the node is up (started, not stopped, no handler error). */
  get running(): boolean {
    return this.node !== undefined;
  }

  /** The live node instance (introspection for tests and the node command). */
  get instance(): Node<M> | undefined {
    return this.node;
  }

  /**
   * Boots the node: builds it and calls `start`. A no-op when running.
   * @throws Error when the host stopped on a handler error (it cannot be restarted in this process)
   */
  start(): void {
    if (this.node !== undefined) return;
    if (this.failed) throw new Error(`${this.id}: a handler threw; restart the process`);
    const { id } = this.options;
    const node = this.options.createNode();
    const ctx: NodeContext<M> = {
      id,
      now: () => this.clockUs(),
      send: (to, msg) => this.send(to, msg),
      setTimer: (afterUs, tag) => this.setTimer(afterUs, tag),
      cancelTimer: (timer) => this.cancelTimer(timer),
      rng: createRng(this.options.seed, `node/${id}/${this.options.incarnation}`),
      storage: this.options.storage,
      log: (event, fields) => this.options.observe(this.clockUs(), id, event, fields),
    };
    this.node = node;
    this.ctx = ctx;
    this.guard(() => node.start(ctx));
  }

  /** Stops the node: timers cancelled, later messages dropped. Storage and transport stay open (the caller owns them). */
  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const immediate of this.immediates) clearImmediate(immediate);
    this.immediates.clear();
    this.node = undefined;
    this.ctx = undefined;
  }

  /** Decodes and hands one message to the node; false when dropped (down or malformed). */
  deliver(from: NodeId, bytes: Uint8Array): boolean {
    const node = this.node;
    const ctx = this.ctx;
    if (node === undefined || ctx === undefined) return false;
    let msg: M;
    try {
      msg = this.options.codec.decode(bytes);
    } catch (error) {
      // Anything the network sends is untrusted: a message that does not decode is dropped, never fatal.
      this.stats.malformed++;
      // `error`: the error's class (`WireDecodeError` for a frame the codec refuses), so logs can be filtered by type.
      this.options.observe(this.clockUs(), this.id, "malformed", { from, error: error instanceof Error ? error.name : typeof error, reason: error instanceof Error ? error.message : String(error), bytes: bytes.length });
      return false;
    }
    this.stats.delivered++;
    this.guard(() => node.onMessage(ctx, from, msg));
    return true;
  }

  private send(to: NodeId, msg: M): void {
    // Encode once per message object: a broadcast sends one object to every peer.
    if (this.lastEncoded?.msg !== msg) this.lastEncoded = { msg, bytes: this.options.codec.encode(msg) };
    const bytes = this.lastEncoded.bytes;
    this.stats.sent++;
    if (to === this.id) {
      const immediate = setImmediate(() => {
        this.immediates.delete(immediate);
        this.deliver(this.id, bytes);
      });
      this.immediates.add(immediate);
      return;
    }
    this.options.transport.send(this.id, to, bytes);
  }

  private setTimer(afterUs: number, tag: string): TimerId {
    if (!(afterUs >= 0)) throw new RangeError(`setTimer: afterUs must be >= 0, got ${afterUs}`);
    const timerId = this.nextTimerId++;
    const node = this.node;
    const ctx = this.ctx;
    const delayMs = Math.min(TIMEOUT_MS_MAX, Math.ceil(afterUs / 1000));
    const handle = setTimeout(() => {
      this.timers.delete(timerId);
      if (node === undefined || ctx === undefined || this.node !== node) return;
      this.stats.timersFired++;
      this.guard(() => node.onTimer(ctx, timerId, tag));
    }, delayMs);
    this.timers.set(timerId, handle);
    return timerId;
  }

  private cancelTimer(timerId: TimerId): void {
    const handle = this.timers.get(timerId);
    if (handle === undefined) return;
    clearTimeout(handle);
    this.timers.delete(timerId);
  }

  private guard(action: () => void): void {
    try {
      action();
    } catch (error) {
      if (this.failed) return;
      this.failed = true;
      this.stop();
      this.options.onNodeError(this.id, error);
    }
  }
}

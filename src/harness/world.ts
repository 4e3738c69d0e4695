/**
 * The world: everything of a simulated run that is not a protocol (DESIGN.md,
 * "The framework: systems plug into a world"). It owns the kernel, the hosts,
 * the network, the disks and the clocks, the observation bus, the liveness
 * phase, and the verbs faults are made of (`crash`, `restart`, `pause`,
 * `partition`, `isolate`, `heal`, `clog`...). Each verb asserts its
 * preconditions, as the verbs of TigerBeetle's `testing/cluster.zig` and
 * turmoil's `Sim` handle do: a fault plan that asks for the impossible is a
 * bug in the plan checker or the generator, and stops the run loudly.
 *
 * The world knows nodes only through their {@link NodeSpec}: an id, a role,
 * a codec and a factory. It moves bytes: a message is encoded with the
 * sender's codec, crosses the simulated network as bytes, and is decoded with
 * the receiver's codec (determinism rule 3: no object is shared by two nodes).
 */
import type { Checker, Observation, Violation } from "../check/checker.js";
import { sha256 } from "../crypto/hash.js";
import { WireDecodeError } from "../net/codec.js";
import type { CutFilter, MessageInfo } from "../net/cuts.js";
import { SharedDecoder } from "../net/shared-decode.js";
import { SimNetwork, type CutHandle, type IsolationDirection, type NetworkMessageEvent, type SimNetworkConfig } from "../net/sim-network.js";
import { assert } from "../sim/assert.js";
import { SimHost, type ClockSetting, type CrashPoint } from "../sim/host.js";
import type { Node, NodeId } from "../sim/node.js";
import type { Rng } from "../sim/rng.js";
import type { SharingOptions } from "../sim/run-memo.js";
import { Simulation, type StopReason } from "../sim/simulation.js";
import { digestText } from "../sim/trace.js";
import { toHex } from "../crypto/hash.js";
import { SimDisk, type SimDiskFaults } from "../storage/sim-disk.js";
import type { NodeSpec } from "./node-spec.js";
import type { ViewSignal } from "./triggers.js";

/** The node name of the world itself in observations (faults, phases, operations, violations). */
export const WORLD_NODE = "sim";

/** The invariant name of a node that threw. */
export const NODE_ERROR = "node-error";

/** The outcome of {@link World.run}. */
export interface WorldOutcome {
  readonly stoppedBy: StopReason | "violation";
  /** Virtual time simulated, microseconds. */
  readonly virtualDurationUs: number;
  readonly events: number;
  readonly traceDigest: string;
  /**
   * The first safety violation or node error, if the run stopped on one (or,
   * with `continueAfterViolation`, if one was recorded and the run went on).
   */
  readonly violation?: Violation;
  /** With `continueAfterViolation` and a violation: events fired when it was recorded (the rest came after it). */
  readonly eventsAtViolation?: number;
}

/** Settings of a world. */
export interface WorldConfig {
  /** The master seed: every random stream of the run derives from it by name. */
  readonly seed: number;
  readonly network: SimNetworkConfig;
  /** A test hook: replaces each node instance built (see `RunEnvironment.wrapNode`). */
  readonly wrapNode?: (id: NodeId, node: Node<unknown>) => Node<unknown>;
  /**
   * A safety violation is recorded (the first one is the run's, with its
   * time) but the run goes on to its end; a node error still stops it.
   * Default false: the first violation stops the run.
   */
  readonly continueAfterViolation?: boolean;
  /**
   * How the run shares pure work between its nodes (`sim/run-memo.ts`): here, one decoding of each
   * delivered byte array for all its receivers (`net/shared-decode.ts`); `off` decodes per receiver,
   * `check` recomputes a sample. Default: shared, unchecked.
   */
  readonly sharing?: SharingOptions;
}

/** When an observation reaches a listener: measure (metrics), watch (event logs, tests), judge (checkers). */
export type ListenerTier = "measure" | "watch";

/** A checker with the observations it sees. */
interface ScopedChecker {
  readonly checker: Checker;
  readonly sees: (o: Observation) => boolean;
}

/** The simulated world. Build it, add nodes and listeners, then {@link World.run} once. */
export class World {
  readonly sim: Simulation;
  readonly network: SimNetwork;
  private readonly hostsById = new Map<NodeId, SimHost<unknown>>();
  private readonly disksById = new Map<NodeId, SimDisk>();
  private readonly specsById = new Map<NodeId, NodeSpec>();
  /** Fault actions and operations applied so far (the report's `faultsApplied`). */
  faultsApplied = 0;
  /** True once the liveness phase began (background faults off). */
  inLivenessPhase = false;
  private violationFound: Violation | undefined;
  private readonly continueAfterViolation: boolean;
  /** With `continueAfterViolation`: the invariants whose (first) violation was announced. */
  private readonly announced = new Set<string>();
  private eventsAtViolation: number | undefined;
  private lastEncoded: { msg: unknown; bytes: Uint8Array } | undefined;
  /** Digest of each message's bytes: a broadcast delivers one byte array to every peer. */
  private readonly payloadDigests = new WeakMap<Uint8Array, Uint8Array>();
  /** Decodes each delivered byte array once for all its receivers (see `net/shared-decode.ts`). */
  readonly decoder: SharedDecoder;
  /** Every instance of each identity that has several (`v3` -> [`v3`, `v3t`]). */
  private readonly instancesOf = new Map<NodeId, NodeId[]>();
  private readonly listeners: Record<ListenerTier, ((o: Observation) => void)[]> = { measure: [], watch: [] };
  private readonly checkers: ScopedChecker[] = [];
  /** Observations derived from another (the posted-root watch of the L1), emitted after it. */
  private readonly derivers: ((o: Observation) => readonly Observation[])[] = [];
  /** Run after every observation was judged: event triggers of faults. */
  private readonly afterObserve: ((o: Observation) => void)[] = [];
  private readonly healHooks: { readonly name: string; readonly heal: () => void }[] = [];
  /** The stream redelivery draws from (which old messages, in which order, when), made on first use. */
  private redeliverRng: Rng | undefined;
  /** The latest crash point armed per node (its window's end checks it is still that one). */
  private readonly crashPointArmings = new Map<NodeId, number>();
  private crashPointArmingCount = 0;

  private readonly wrapNode: ((id: NodeId, node: Node<unknown>) => Node<unknown>) | undefined;
  /** How nodes announce the views they enter (from the systems), for {@link currentView} and message views. */
  private viewSignals: readonly ViewSignal[] = [];
  /** The view each node last announced. */
  private readonly viewOfNode = new Map<NodeId, number>();
  /** The highest view any node announced; undefined before the first. */
  private highestView: number | undefined;
  /** The highest view an honest node announced (0 before the first). */
  private honestView = 0;
  /** True once a filtered cut may be armed: each message sent is described for it ({@link describeMessages}). */
  private describing = false;
  /** True once message events are on ({@link watchMessages}): each message sent is described for them. */
  private watchingMessages = false;
  /** Told of every heal: `undefined` for a heal of everything, else the name of the cut healed. */
  private readonly healListeners: ((id: string | undefined) => void)[] = [];

  constructor(config: WorldConfig) {
    this.wrapNode = config.wrapNode;
    this.sim = new Simulation(config.seed);
    this.continueAfterViolation = config.continueAfterViolation === true;
    const sharing = config.sharing;
    this.decoder = new SharedDecoder({ ...(sharing?.off === true ? { off: true } : {}), ...(sharing?.check !== undefined ? { check: sharing.check } : {}) });
    this.network = new SimNetwork(this.sim, config.network, this.sim.rng("network"));
    this.network.onDeliver((from, to, bytes, id, info) => this.deliver(from, to, bytes, id, info));
  }

  // ------------------------------------------------------------ nodes

  /**
   * Adds a node: a host, a disk (seeded from `disk/<id>`, no background faults until a system sets them) and links.
   * @throws AssertionError when the id is taken, or the identity of an instance is unknown
   */
  addNode<M>(spec: NodeSpec<M>): void {
    assert(!this.specsById.has(spec.id), `node ${spec.id} is added twice`);
    assert(spec.id !== WORLD_NODE, `${WORLD_NODE} is the world's own name`);
    if (spec.instanceOf !== undefined) {
      assert(this.specsById.has(spec.instanceOf), `${spec.id} is an instance of ${spec.instanceOf}, which must be added first`);
      const instances = this.instancesOf.get(spec.instanceOf) ?? [spec.instanceOf];
      instances.push(spec.id);
      this.instancesOf.set(spec.instanceOf, instances);
    }
    const disk = new SimDisk(this.sim.rng(`disk/${spec.id}`));
    this.disksById.set(spec.id, disk);
    // What the shipped store's recovery did with the disk after a crash or a loss (a torn or corrupt log cut, a lost safety file).
    disk.onOpen = (_store, recovery) => {
      if (recovery.droppedBytes === 0 && !recovery.safetyLost) return;
      const { droppedBytes, corruptMiddle, safetyLost } = recovery;
      this.observe({ timeUs: this.sim.nowUs, node: WORLD_NODE, event: "disk-recovered", fields: { node: spec.id, droppedBytes, corruptMiddle, safetyLost } });
    };
    this.specsById.set(spec.id, spec as NodeSpec);
    this.network.addNode(spec.id);
    this.hostsById.set(
      spec.id,
      new SimHost<unknown>({
        id: spec.id,
        sim: this.sim,
        createNode: this.wrapNode === undefined ? (spec.create as () => Node<unknown>) : () => this.wrapNode!(spec.id, spec.create() as Node<unknown>),
        storage: disk,
        transmit: (from, to, msg) => this.transmit(from, to, msg),
        observe: (timeUs, node, event, fields) => this.observe({ timeUs, node, event, fields }),
        onNodeError: (node, error) => {
          const message = error instanceof Error ? error.message : String(error);
          const detail = error instanceof Error ? error.stack : undefined;
          this.fail({ invariant: NODE_ERROR, atUs: this.sim.nowUs, message: `${node} threw: ${message}`, ...(detail ? { detail } : {}) });
        },
      }),
    );
  }

  /** Every node id, in the order nodes were added. */
  nodeIds(): NodeId[] {
    return [...this.specsById.keys()];
  }

  /** The spec of `id`. @throws AssertionError when there is no such node */
  spec(id: NodeId): NodeSpec {
    const spec = this.specsById.get(id);
    assert(spec !== undefined, `no node ${id}`);
    return spec;
  }

  /** Whether `id` is a node of this world. */
  has(id: NodeId): boolean {
    return this.specsById.has(id);
  }

  /** Node ids with `role` (optionally of one system instance), in the order they were added. */
  nodesWithRole(role: string, instance?: string): NodeId[] {
    const out: NodeId[] = [];
    for (const spec of this.specsById.values()) if (spec.role === role && (instance === undefined || spec.instance === instance)) out.push(spec.id);
    return out;
  }

  /** The host of `id` (sim-only introspection). @throws AssertionError when there is no such node */
  host(id: NodeId): SimHost<unknown> {
    const host = this.hostsById.get(id);
    assert(host !== undefined, `no node ${id}`);
    return host;
  }

  /** The disk of `id`. @throws AssertionError when there is no such node */
  disk(id: NodeId): SimDisk {
    const disk = this.disksById.get(id);
    assert(disk !== undefined, `no node ${id}`);
    return disk;
  }

  /** Every disk, in node order. */
  disks(): SimDisk[] {
    return [...this.disksById.values()];
  }

  /** The live node instance of `id` while it runs, else undefined (sim-only introspection). */
  instance(id: NodeId): Node<unknown> | undefined {
    return this.hostsById.get(id)?.instance;
  }

  /** Whether `id` is up (booted and not crashed). */
  isUp(id: NodeId): boolean {
    return this.host(id).running;
  }

  // ------------------------------------------------------------ observation bus

  /** Hands every observation to `listener` (metrics: `measure`, before everyone; event logs and tests: `watch`). */
  addListener(listener: (o: Observation) => void, tier: ListenerTier): void {
    this.listeners[tier].push(listener);
  }

  /** Judges observations with `checker`: a safety violation stops the run. `sees` limits what it is shown (default everything). */
  addChecker(checker: Checker, sees: (o: Observation) => boolean = () => true): void {
    this.checkers.push({ checker, sees });
  }

  /** Every checker, in the order added. */
  checkerList(): Checker[] {
    return this.checkers.map((c) => c.checker);
  }

  /** Observations derived from each observation (emitted right after it, in order). */
  addDeriver(derive: (o: Observation) => readonly Observation[]): void {
    this.derivers.push(derive);
  }

  /** Runs `react` after each observation has been measured, watched and judged (event triggers). */
  addReaction(react: (o: Observation) => void): void {
    this.afterObserve.push(react);
  }

  /** Publishes an observation: measure, watch, judge, then derived observations, then reactions. */
  observe(o: Observation): void {
    this.trackView(o);
    this.dispatch(o);
    const derived = this.derivers.flatMap((derive) => derive(o));
    for (const d of derived) this.dispatch(d);
    for (const react of this.afterObserve) react(o);
    for (const d of derived) for (const react of this.afterObserve) react(d);
  }

  private dispatch(o: Observation): void {
    for (const listener of this.listeners.measure) listener(o);
    for (const listener of this.listeners.watch) listener(o);
    for (const { checker, sees } of this.checkers) {
      if (!sees(o)) continue;
      const violation = checker.observe(o);
      if (violation !== undefined && checker.kind === "safety") this.fail(violation);
    }
  }

  /** The first violation the run stopped on, if any. */
  get violation(): Violation | undefined {
    return this.violationFound;
  }

  /**
   * Stops the run on `violation` (the first one wins) and writes a `violation`
   * observation. With `continueAfterViolation` the first violation is kept
   * just the same but the run goes on; each later invariant's first
   * violation is announced too (for the event log), and a node error still
   * stops the run (the node that threw is in no state to go on).
   */
  fail(violation: Violation): void {
    if (!this.continueAfterViolation) {
      if (this.violationFound !== undefined) return;
      this.violationFound = violation;
      this.sim.stop();
      this.announceViolation(violation);
      return;
    }
    if (this.violationFound === undefined) {
      this.violationFound = violation;
      this.eventsAtViolation = this.sim.eventsFired;
    }
    if (violation.invariant === NODE_ERROR) this.sim.stop();
    if (this.announced.has(violation.invariant)) return;
    this.announced.add(violation.invariant);
    this.announceViolation(violation);
  }

  /**
   * Turns message events on: from now on every message sent, delivered, dropped (with its reason),
   * duplicated or held is an observation of node `sim` (`message-send`, `message-deliver`, `message-drop`,
   * `message-duplicate`, `message-hold`; fields in `check/events.ts`), handed to the `watch` listeners only:
   * metrics, checkers, derivers and event triggers never see them, and nothing is drawn at random, so the
   * run (its trace digest, its report) is the same with them or without. Off by default, at no cost.
   * Call before the run. Each message is described by its sender's spec (as for filtered cuts,
   * {@link messageInfo}).
   */
  watchMessages(): void {
    if (this.watchingMessages) return;
    this.watchingMessages = true;
    this.network.watchMessages((e) => this.announceMessage(e));
  }

  private announceMessage(e: NetworkMessageEvent): void {
    const fields: Record<string, unknown> = { id: e.id, from: e.from, to: e.to, sizeBytes: e.bytes.length };
    if (e.info?.type !== undefined) fields.type = e.info.type;
    if (e.info?.view !== undefined) fields.view = e.info.view;
    if (e.reason !== undefined) fields.reason = e.reason;
    if (e.redelivery === true) fields.redelivery = true;
    const o: Observation = { timeUs: this.sim.nowUs, node: WORLD_NODE, event: `message-${e.kind}`, fields };
    for (const listener of this.listeners.watch) listener(o);
  }

  /** Writes a `violation` observation (for the event log) without stopping anything: a liveness verdict at the end. */
  announceViolation(violation: Violation): void {
    const o: Observation = { timeUs: this.sim.nowUs, node: WORLD_NODE, event: "violation", fields: { invariant: violation.invariant, atUs: violation.atUs, message: violation.message } };
    for (const listener of this.listeners.watch) listener(o);
  }

  /**
   * Records a fault in the trace (digest) and for every listener.
   * @param triggered true for an action fired by a view or an event (the liveness checker moves its heal time to it)
   */
  recordFault(description: string, triggered = false): void {
    this.sim.trace.record(this.sim.nowUs, WORLD_NODE, "fault", digestText(description));
    this.faultsApplied++;
    this.observe({ timeUs: this.sim.nowUs, node: WORLD_NODE, event: "fault", fields: triggered ? { description, triggered } : { description } });
  }

  /** Records an operation of the scenario's own hand (not counted as a fault). */
  recordOperation(description: string): void {
    this.sim.trace.record(this.sim.nowUs, WORLD_NODE, "operation", digestText(description));
    this.observe({ timeUs: this.sim.nowUs, node: WORLD_NODE, event: "operation", fields: { description } });
  }

  // ------------------------------------------------------------ views

  /** Sets how nodes announce the views they enter (every system's view signal); call before the run. */
  setViewSignals(signals: readonly ViewSignal[]): void {
    this.viewSignals = signals;
  }

  /**
   * The system's current view: the highest view an honest node announced so far (0 before the first), as
   * `"at": { "view": N }` triggers and view-keyed node actions read it.
   */
  get currentView(): number {
    return this.honestView;
  }

  /** The view `id` last announced, or undefined (a node without views, or none announced yet). */
  viewOf(id: NodeId): number | undefined {
    return this.viewOfNode.get(id);
  }

  private trackView(o: Observation): void {
    for (const signal of this.viewSignals) {
      if (o.event !== signal.event) continue;
      const view = o.fields[signal.field];
      const spec = this.specsById.get(o.node);
      if (typeof view !== "number" || spec === undefined || spec.role !== signal.role) continue;
      this.viewOfNode.set(o.node, view);
      if (this.highestView === undefined || view > this.highestView) this.highestView = view;
      if (spec.honest && view > this.honestView) this.honestView = view;
    }
  }

  /**
   * From now on every message sent is described for filtered cuts (its class and view; see
   * {@link messageInfo}). Called before the run by a fault kind that arms a filtered cut (its `prepare`),
   * so runs without one pay nothing and draw nothing differently.
   */
  describeMessages(): void {
    this.describing = true;
  }

  /**
   * What a filtered cut sees of `msg` sent by `from`: the class and view its sender's spec describes; a
   * message that carries no view belongs to its sender's current view (the view it last announced), and a
   * sender that announces no views (a client, the L1) takes the highest view any node announced.
   */
  messageInfo(from: NodeId, msg: unknown): MessageInfo {
    const described = this.specsById.get(from)?.describeMessage?.(msg);
    const view = described?.view ?? this.viewOfNode.get(from) ?? this.highestView;
    return { ...(described?.type !== undefined ? { type: described.type } : {}), ...(view !== undefined ? { view } : {}) };
  }

  // ------------------------------------------------------------ verbs

  /** Crashes `id`: volatile state, timers and unsynced writes are lost. @throws AssertionError unless it is crashable and up */
  crash(id: NodeId): void {
    const host = this.host(id);
    assert(this.spec(id).crashable, `${id} (${this.spec(id).role}) cannot crash`);
    assert(host.running, `${id} is already down`);
    host.crash();
  }

  /** Boots a crashed `id` from its storage. @throws AssertionError unless it is crashable and down */
  restart(id: NodeId): void {
    const host = this.host(id);
    assert(this.spec(id).crashable, `${id} (${this.spec(id).role}) cannot restart`);
    assert(!host.running, `${id} is not down`);
    host.start();
  }

  /** Pauses `id` for `durationUs` (a long GC pause): its inputs wait, its clock runs. A no-op when it is down or already paused. */
  pause(id: NodeId, durationUs: number): void {
    assert(Number.isSafeInteger(durationUs) && durationUs > 0, `pause duration must be a positive integer of microseconds, got ${durationUs}`);
    const host = this.host(id);
    host.pause();
    this.sim.after(durationUs, () => host.resume());
  }

  /**
   * Cuts the network into `groups` with Twins group semantics (see `net/cuts.ts`: delivered when some group
   * holds both ends; nodes in no group keep their links); with `filter`, only the messages of those views and
   * types are dropped (call {@link describeMessages} before the run).
   * @param cutId the scenario's name of the cut, for {@link healPartition}
   * @throws AssertionError on an unknown node or fewer than two groups
   */
  partition(groups: readonly (readonly NodeId[])[], filter?: CutFilter, cutId?: string): CutHandle {
    assert(groups.length >= 2, "a partition needs at least two groups");
    for (const group of groups) for (const id of group) assert(this.has(id), `no node ${id}`);
    this.assertDescribing(filter);
    return this.network.partition(groups, filter, cutId);
  }

  /** Cuts the links from every node of `from` to every node of `to` (one way); `filter` and `cutId` as for {@link partition}. */
  partitionOneWay(from: readonly NodeId[], to: readonly NodeId[], filter?: CutFilter, cutId?: string): CutHandle {
    for (const id of [...from, ...to]) assert(this.has(id), `no node ${id}`);
    this.assertDescribing(filter);
    return this.network.partitionOneWay(from, to, filter, cutId);
  }

  /** Cuts `id` off from every other node, both ways or one way. */
  isolate(id: NodeId, direction: IsolationDirection, cutId?: string): CutHandle {
    assert(this.has(id), `no node ${id}`);
    return this.network.isolate(id, direction, cutId);
  }

  /** Undoes one cut (a view-keyed isolation moving on); false when a heal already undid it. */
  removeCut(handle: CutHandle): boolean {
    return this.network.removeCut(handle);
  }

  /** Ends every partition, one-way cut and isolation (and every view-keyed isolation: see {@link addHealListener}). */
  heal(): void {
    this.network.heal();
    for (const listener of this.healListeners) listener(undefined);
  }

  /** Ends the partitions, one-way cuts and isolations named `cutId` only. @returns how many were in force */
  healPartition(cutId: string): number {
    const healed = this.network.healCut(cutId);
    for (const listener of this.healListeners) listener(cutId);
    return healed;
  }

  /** Tells `listener` of every heal (`undefined`: everything; else the cut's name). */
  addHealListener(listener: (cutId: string | undefined) => void): void {
    this.healListeners.push(listener);
  }

  private assertDescribing(filter: CutFilter | undefined): void {
    if (filter?.views !== undefined || filter?.types !== undefined) assert(this.describing, "a filtered cut needs describeMessages() before the run");
  }

  /** Holds every message to and from `id` until {@link unclog}. */
  clog(id: NodeId): void {
    assert(this.has(id), `no node ${id}`);
    this.network.clog(id);
  }

  /** Releases the messages held for `id`. */
  unclog(id: NodeId): void {
    assert(this.has(id), `no node ${id}`);
    this.network.unclog(id);
  }

  /** Sets the clock of `id` from now on (see `sim/host.ts`). */
  setClock(id: NodeId, setting: ClockSetting): void {
    this.host(id).setClock(setting);
  }

  /**
   * Flips `bits` bits of one durable value of `id`'s disk whose key starts with `keyPrefix`.
   * @returns the key corrupted, or undefined when the disk holds no such key
   */
  corrupt(id: NodeId, keyPrefix: string, bits: number): string | undefined {
    return this.disk(id).corrupt(keyPrefix, bits);
  }

  /** Crashes `id` leaving its last fsynced write half done. @returns a key of the torn write, or undefined when there was none */
  tearAndCrash(id: NodeId): string | undefined {
    const disk = this.disk(id);
    disk.tearOnNextCrash();
    disk.lastTornKey = undefined;
    this.crash(id);
    return disk.lastTornKey;
  }

  /** Crashes `id` and loses its whole disk. */
  wipe(id: NodeId): void {
    this.crash(id);
    this.disk(id).wipe();
  }

  /**
   * Arms a crash point of `id` (see `SimHost.armCrashPoint`): it crashes just
   * before or after its next write, sync or send (its `point.nth`th when given), inside that step, and stays
   * down until a restart. If it makes no such effect within `withinUs`, it
   * crashes then anyway (a plain crash), so a restart planned after that time
   * always finds it down. Each crash is logged as a `crash-point` event.
   * @throws AssertionError unless `id` is crashable and up
   */
  crashAt(id: NodeId, point: CrashPoint, withinUs: number): void {
    const host = this.host(id);
    assert(this.spec(id).crashable, `${id} (${this.spec(id).role}) cannot crash`);
    assert(host.running, `${id} is already down`);
    assert(Number.isSafeInteger(withinUs) && withinUs > 0, `crash point window must be a positive integer of microseconds, got ${withinUs}`);
    const where = `${point.position} ${point.effect}`;
    const arming = ++this.crashPointArmingCount;
    this.crashPointArmings.set(id, arming);
    host.armCrashPoint(point, (hit) => {
      const detail = hit.key !== undefined ? ` ${hit.key}` : hit.to !== undefined ? ` to ${hit.to}` : "";
      this.sim.trace.record(this.sim.nowUs, WORLD_NODE, "crash-point", digestText(`${id} ${where}${detail}`));
      this.observe({ timeUs: this.sim.nowUs, node: WORLD_NODE, event: "crash-point", fields: { node: id, point: where, ...(hit.key !== undefined ? { key: hit.key } : {}), ...(hit.to !== undefined ? { to: hit.to } : {}) } });
    });
    this.sim.after(withinUs, () => {
      if (this.crashPointArmings.get(id) !== arming || !host.running || !host.crashPointArmed) return;
      host.disarmCrashPoint();
      host.crash();
      this.sim.trace.record(this.sim.nowUs, WORLD_NODE, "crash-point", digestText(`${id} ${where} not reached: crashed at the end of the window`));
      this.observe({ timeUs: this.sim.nowUs, node: WORLD_NODE, event: "crash-point", fields: { node: id, point: "window end" } });
    });
  }

  /**
   * Starts recording delivered messages (the last `perLinkMax` of each link) for {@link redeliver}.
   * Call before the run: only messages delivered from then on can be delivered again.
   */
  recordDeliveries(perLinkMax: number): void {
    this.network.recordDeliveries(perLinkMax);
  }

  /**
   * Delivers old messages to `to` again (DESIGN.md, "Faults": redelivery of
   * old messages long after): among the recorded deliveries to `to` (from the
   * nodes of `from`, every node when undefined) that arrived at least
   * `olderThanUs` ago, at most `count`, chosen and ordered at random from the
   * world's `redeliver` stream, each arriving within 10 ms (also drawn from it).
   * The bytes are the recorded ones, decoded by the receiver's codec as every
   * message. Each is logged as a `redeliver` event with its bytes (hex).
   * @returns how many were sent again
   */
  redeliver(to: NodeId, options: { readonly from?: readonly NodeId[]; readonly olderThanUs: number; readonly count: number }): number {
    assert(this.has(to), `no node ${to}`);
    assert(Number.isSafeInteger(options.count) && options.count > 0, `redeliver count must be a positive integer, got ${options.count}`);
    const rng = (this.redeliverRng ??= this.sim.rng("redeliver"));
    const from = options.from === undefined ? undefined : new Set(options.from);
    const candidates = this.network.recordedTo(to).filter((d) => (from === undefined || from.has(d.from)) && d.atUs <= this.sim.nowUs - options.olderThanUs);
    // A partial Fisher-Yates shuffle: the first `count` are a uniform sample in a uniform order.
    const chosen = Math.min(options.count, candidates.length);
    for (let i = 0; i < chosen; i++) {
      const j = i + rng.int(candidates.length - i);
      [candidates[i], candidates[j]] = [candidates[j]!, candidates[i]!];
    }
    for (const message of candidates.slice(0, chosen)) {
      const delayUs = rng.intBetween(1, 10_000);
      this.observe({ timeUs: this.sim.nowUs, node: WORLD_NODE, event: "redeliver", fields: { from: message.from, to, recordedAtUs: message.atUs, delayUs, bytes: toHex(message.bytes) } });
      this.network.redeliver(message, delayUs, this.describing || this.watchingMessages ? this.recordedInfo(message.from, message.bytes) : undefined);
    }
    return chosen;
  }

  /** Changes the background fault rates of the disks of `ids` (rates not given stay). */
  setStorageFaults(ids: readonly NodeId[], rates: Partial<SimDiskFaults>): void {
    for (const id of ids) {
      const disk = this.disk(id);
      disk.setFaults({ ...disk.currentFaults, ...rates });
    }
  }

  /**
   * Background pauses of `id`: Poisson arrivals at `ratePerS` per second,
   * each lasting a uniform time in (0, durationUsMax], until the liveness phase.
   */
  scheduleBackgroundPauses(id: NodeId, ratePerS: number, durationUsMax: number, rng: Rng): void {
    assert(ratePerS > 0, "pause rate must be positive");
    const afterUs = Math.max(1, Math.round(rng.exponential(1_000_000 / ratePerS)));
    this.sim.after(afterUs, () => {
      if (this.inLivenessPhase) return;
      const host = this.host(id);
      const durationUs = rng.intBetween(1, durationUsMax);
      if (host.running && !host.paused) {
        this.recordFault(`pause ${id} ${durationUs}us (background)`);
        host.pause();
        this.sim.after(durationUs, () => host.resume());
      }
      this.scheduleBackgroundPauses(id, ratePerS, durationUsMax, rng);
    });
  }

  // ------------------------------------------------------------ liveness phase

  /** Adds a step to the liveness phase (a system's own heal: L1 fault rates off...), run in the order added. */
  addHealHook(name: string, heal: () => void): void {
    this.healHooks.push({ name, heal });
  }

  /**
   * The liveness phase (TigerBeetle's VOPR, "liveness mode"): every fault
   * stops, in this order: background storage faults end, partitions heal,
   * clogs are released, the systems' heal hooks run (in the order added), and
   * then, node by node, every crashable node that is down restarts, clocks
   * are set right and paused nodes resume. The network's configured latency,
   * drop and duplicate rates stay: they are the environment the liveness bound
   * is set for.
   */
  beginLivenessPhase(): void {
    this.inLivenessPhase = true;
    this.recordFault("liveness phase: every fault stops");
    this.observe({ timeUs: this.sim.nowUs, node: WORLD_NODE, event: "phase", fields: { phase: "liveness" } });
    for (const disk of this.disksById.values()) disk.setFaults({ corruptRate: 0, tornWriteRate: 0 });
    this.heal();
    for (const node of [...this.network.cloggedNodes]) this.network.unclog(node);
    for (const hook of this.healHooks) hook.heal();
    for (const [id, host] of this.hostsById) {
      host.disarmCrashPoint();
      if (!host.running && this.specsById.get(id)!.crashable) host.start();
      host.resetClock();
      host.resume();
    }
  }

  // ------------------------------------------------------------ running

  /**
   * Runs until `durationUs`, `maxEvents` events, or the first safety
   * violation or node error (with `continueAfterViolation`: a node error
   * only; `stoppedBy` then says what ended the run, and `violation` is the
   * first one recorded).
   */
  run(durationUs: number, maxEvents: number): WorldOutcome {
    const late: NodeSpec[] = [];
    for (const [id, host] of this.hostsById) {
      const spec = this.specsById.get(id)!;
      if ((spec.bootAtUs ?? 0) > 0) late.push(spec);
      else host.start();
    }
    for (const spec of late) this.sim.at(spec.bootAtUs!, () => this.hostsById.get(spec.id)!.start());
    const reason = this.violationFound && !this.continueAfterViolation ? "stopped" : this.sim.run(durationUs, maxEvents);
    const stoppedOnViolation = this.violationFound !== undefined && (!this.continueAfterViolation || reason === "stopped");
    return {
      stoppedBy: stoppedOnViolation ? "violation" : reason,
      virtualDurationUs: this.sim.nowUs,
      events: this.sim.eventsFired,
      traceDigest: this.sim.trace.digestHex(),
      ...(this.violationFound ? { violation: this.violationFound } : {}),
      ...(this.eventsAtViolation !== undefined ? { eventsAtViolation: this.eventsAtViolation } : {}),
    };
  }

  /** Puts a message on the network; a message to an identity with several instances goes to each (never back to the sender). */
  private transmit(from: NodeId, to: NodeId, msg: unknown): void {
    const instances = this.instancesOf.get(to);
    const info = this.describing || this.watchingMessages ? this.messageInfo(from, msg) : undefined;
    if (instances === undefined) return this.network.send(from, to, this.encode(from, msg), info);
    for (const instance of instances) if (instance !== from) this.network.send(from, instance, this.encode(from, msg), info);
  }

  /** The info of a recorded message (redelivered now): decoded with its sender's codec; nothing when it does not decode. */
  private recordedInfo(from: NodeId, bytes: Uint8Array): MessageInfo | undefined {
    try {
      return this.messageInfo(from, this.spec(from).codec.decode(bytes));
    } catch (error) {
      if (error instanceof WireDecodeError) return undefined;
      throw error;
    }
  }

  /** Encodes once per message object with the sender's codec: a broadcast sends one object to every peer. */
  private encode(from: NodeId, msg: unknown): Uint8Array {
    let encoded = this.lastEncoded;
    if (encoded === undefined || encoded.msg !== msg) {
      encoded = { msg, bytes: this.specsById.get(from)!.codec.encode(msg) };
      this.lastEncoded = encoded;
    }
    return encoded.bytes;
  }

  private deliver(from: NodeId, to: NodeId, bytes: Uint8Array, id: number, info: MessageInfo | undefined): void {
    const host = this.hostsById.get(to);
    if (host === undefined || !host.running) {
      this.network.reportLostAtReceiver(id, from, to, bytes, info);
      return;
    }
    let digest = this.payloadDigests.get(bytes);
    if (digest === undefined) {
      digest = sha256(bytes);
      this.payloadDigests.set(bytes, digest);
    }
    this.sim.trace.recordLink(this.sim.nowUs, from, to, "msg", digest);
    let msg: unknown;
    try {
      msg = this.decoder.decode(this.specsById.get(to)!.codec, bytes);
    } catch (error) {
      if (!(error instanceof WireDecodeError)) throw error;
      this.observe({ timeUs: this.sim.nowUs, node: to, event: "malformed", fields: { from, reason: error.message } });
      return;
    }
    // An instance's messages arrive as from the identity it is an instance of (same identity, same key).
    host.deliver(this.specsById.get(from)?.instanceOf ?? from, msg);
  }
}

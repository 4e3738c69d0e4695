/**
 * The simulated network: per-link latency, drops, duplicates, partitions
 * (two-way and one-way) and clogged nodes, all drawn from one seeded stream.
 *
 * Link states follow turmoil's `top.rs`: a link is healthy, explicitly
 * partitioned (messages dropped), or held because an endpoint is clogged
 * (messages kept and released on unclog). A partition is checked both when a
 * message is sent and when it would arrive, so a message in flight when the
 * partition starts is lost like it would be on a cut cable.
 *
 * Each partition, one-way cut or isolation is one cut (`cuts.ts`), kept apart
 * so that one can be undone alone (a selective heal, or the end of a
 * view-keyed isolation). An unfiltered cut is a set of blocked links; a
 * filtered one (views, message types) looks at each message's
 * {@link MessageInfo}, which the sender hands over with the bytes.
 */
import { assert } from "../sim/assert.js";
import type { NodeId } from "../sim/node.js";
import { makeCut, separatedLinks, type Cut, type CutFilter, type CutShape, type MessageInfo } from "./cuts.js";
import type { Rng } from "../sim/rng.js";
import type { Simulation } from "../sim/simulation.js";
import { sampleLatencyUs, type LatencyModel } from "./latency.js";
import type { Transport } from "./transport.js";

/**
 * What the simulated network hands a delivered message to: {@link Transport}'s handler, plus the message's
 * id for message events (0 when they are off) and the sender's description of it.
 */
export type SimDeliverHandler = (from: NodeId, to: NodeId, bytes: Uint8Array, id: number, info: MessageInfo | undefined) => void;

/** Behaviour of one directed link. Rates are probabilities in [0, 1] per message. */
export interface LinkConfig {
  latency: LatencyModel;
  dropRate: number;
  duplicateRate: number;
}

/** A one-way override for the link `from -> to`. */
export interface LinkOverride extends Partial<LinkConfig> {
  from: NodeId;
  to: NodeId;
}

/** Network configuration. */
export interface SimNetworkConfig {
  /** Applies to every link without an override. */
  defaultLink: LinkConfig;
  /** Per-link overrides (one-way). */
  links: readonly LinkOverride[];
  /** Most messages held for all clogged nodes together; the oldest are dropped beyond it. Default 100 000. */
  heldMessagesMax?: number;
}

/** Counters of what the network did. */
export interface NetworkStats {
  /** Messages handed to the network. */
  sent: number;
  /** Messages delivered to a node. */
  delivered: number;
  /** Messages lost: drop rate, a cut link (partition, isolation), or pushed out of a full hold. */
  dropped: number;
  /** Extra copies sent on their way (duplicate rate). */
  duplicated: number;
  /** Messages held for a clogged node (counted when held; released ones cross their link later). */
  held: number;
}

/** Which of a node's directions an isolation cuts. */
export type IsolationDirection = "both" | "inbound" | "outbound";

interface HeldMessage {
  /** The message's number for message events (0 when they are off). */
  id: number;
  from: NodeId;
  to: NodeId;
  bytes: Uint8Array;
  info: MessageInfo | undefined;
}

/**
 * Why the network (or the world, for a receiver that is down) lost a message:
 * `partition` a cut in force when it was sent or when it arrived, `loss` the
 * link's random drop rate, `held-overflow` the oldest held message dropped when
 * more than `heldMessagesMax` were held, `crashed` its receiver was down when
 * it arrived (reported by the world).
 */
export type DropReason = "partition" | "loss" | "held-overflow" | "crashed";

/**
 * One thing that happened to a message on the network, for message events
 * ({@link SimNetwork.watchMessages}). `id` is the message's number (from 1, in
 * the order sent), the same for its every event: a duplicate is delivered
 * twice under its id, a held message is sent on under its id when released.
 * - `send`: a node sent it (`redelivery`: the world sent an old message again);
 * - `deliver`: it reached its receiver's host (which decodes it, or logs `malformed`);
 * - `drop`: it is lost, with the {@link DropReason};
 * - `duplicate`: the link will deliver it twice;
 * - `hold`: a clogged end holds it until the clog ends.
 */
export interface NetworkMessageEvent {
  readonly kind: "send" | "deliver" | "drop" | "duplicate" | "hold";
  readonly id: number;
  readonly from: NodeId;
  readonly to: NodeId;
  readonly bytes: Uint8Array;
  /** The sender's description of the message, as handed to {@link SimNetwork.send}. */
  readonly info: MessageInfo | undefined;
  /** Only for `drop`. */
  readonly reason?: DropReason;
  /** Only for a `send` of an old message sent again ({@link SimNetwork.redeliver}). */
  readonly redelivery?: true;
}

/** A handle to one cut, to undo it alone ({@link SimNetwork.removeCut}). */
export type CutHandle = number;

/** What the network keeps of one cut: the cut, and for an unfiltered one its blocked links. */
interface CutEntry {
  readonly cut: Cut;
  readonly links: readonly string[] | undefined;
}

/** A message the network delivered and recorded for a later redelivery (see {@link SimNetwork.recordDeliveries}). */
export interface RecordedDelivery {
  readonly from: NodeId;
  readonly to: NodeId;
  /** The bytes as they crossed the link (the sender's encoding). */
  readonly bytes: Uint8Array;
  /** When it was delivered, microseconds of virtual time. */
  readonly atUs: number;
  /** Order of recording, across every link (ties of `atUs` keep it). */
  readonly seq: number;
}

/** The simulated network; implements {@link Transport}. */
export class SimNetwork implements Transport {
  readonly stats: NetworkStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, held: 0 };
  private readonly sim: Simulation;
  private readonly rng: Rng;
  private readonly defaultLink: LinkConfig;
  private readonly overrides = new Map<string, LinkConfig>();
  /** Every cut in force, by handle, in the order made. */
  private readonly cuts = new Map<CutHandle, CutEntry>();
  private nextCut: CutHandle = 1;
  /** How many unfiltered cuts block each link. */
  private readonly blocked = new Map<string, number>();
  /** The filtered cuts in force (each message on a link they separate is looked at). */
  private filteredCuts: Cut[] = [];
  private readonly clogged = new Set<NodeId>();
  private held: HeldMessage[] = [];
  private readonly heldMessagesMax: number;
  private readonly nodes: NodeId[] = [];
  /** Delivered messages per link, oldest first, at most `recordedPerLinkMax` each; empty until {@link recordDeliveries}. */
  private readonly recorded = new Map<string, RecordedDelivery[]>();
  private recordedPerLinkMax = 0;
  private recordedSeq = 0;
  /** Old messages delivered again ({@link redeliver}) so far; not part of {@link stats}, so reports of runs without redelivery are unchanged. */
  redeliveredCount = 0;
  private deliverHandler: SimDeliverHandler = () => {};
  /** Told of every message event while message events are on ({@link watchMessages}); undefined (the default) costs nothing. */
  private messageWatcher: ((event: NetworkMessageEvent) => void) | undefined;
  private lastMessageId = 0;

  /**
   * @param sim the kernel that schedules deliveries
   * @param config link behaviour
   * @param rng the network's own random stream
   */
  constructor(sim: Simulation, config: SimNetworkConfig, rng: Rng) {
    this.sim = sim;
    this.rng = rng;
    this.defaultLink = config.defaultLink;
    this.heldMessagesMax = config.heldMessagesMax ?? 100_000;
    for (const link of config.links) {
      this.overrides.set(linkKey(link.from, link.to), { ...this.defaultLink, ...definedOnly(link) });
    }
  }

  /** Registers a node name so that partitions and isolation can reach it. */
  addNode(id: NodeId): void {
    if (!this.nodes.includes(id)) this.nodes.push(id);
  }

  onDeliver(handler: SimDeliverHandler): void {
    this.deliverHandler = handler;
  }

  /**
   * Tells `watcher` of every message sent from now on and of what becomes of it
   * ({@link NetworkMessageEvent}). Watching draws nothing at random and changes
   * no delivery, so a run's trace digest is the same with it or without.
   * @throws AssertionError when a watcher is already set
   */
  watchMessages(watcher: (event: NetworkMessageEvent) => void): void {
    assert(this.messageWatcher === undefined, "the network's messages are watched once");
    this.messageWatcher = watcher;
  }

  /**
   * Reports that a message the network handed over was lost at its receiver (a host that is down): the
   * world calls this from its deliver handler, with the message's id (0 when message events are off).
   */
  reportLostAtReceiver(id: number, from: NodeId, to: NodeId, bytes: Uint8Array, info: MessageInfo | undefined): void {
    this.stats.dropped++;
    this.messageWatcher?.({ kind: "drop", id, from, to, bytes, info, reason: "crashed" });
  }

  private emit(kind: NetworkMessageEvent["kind"], id: number, from: NodeId, to: NodeId, bytes: Uint8Array, info: MessageInfo | undefined, reason?: DropReason): void {
    this.messageWatcher!({ kind, id, from, to, bytes, info, ...(reason !== undefined ? { reason } : {}) });
  }

  private drop(id: number, from: NodeId, to: NodeId, bytes: Uint8Array, info: MessageInfo | undefined, reason: DropReason): void {
    this.stats.dropped++;
    if (this.messageWatcher !== undefined) this.emit("drop", id, from, to, bytes, info, reason);
  }

  /**
   * Sends `bytes`; `info` describes the message for filtered cuts (views, types): without it, a filtered cut
   * that asks for a view or a type never drops the message.
   */
  send(from: NodeId, to: NodeId, bytes: Uint8Array, info?: MessageInfo): void {
    this.stats.sent++;
    let id = 0;
    if (this.messageWatcher !== undefined) {
      id = ++this.lastMessageId;
      this.emit("send", id, from, to, bytes, info);
    }
    this.transmit(id, from, to, bytes, info);
  }

  /**
   * A partition into `groups` with Twins group semantics (`cuts.ts`): a message between two nodes that both
   * appear in some group is delivered when some group holds both ends (groups may overlap); nodes in no group
   * are untouched. With `filter`, only the messages it matches are dropped.
   * @param id the scenario's name of the cut, for {@link healCut}
   */
  partition(groups: readonly (readonly NodeId[])[], filter: CutFilter = {}, id?: string): CutHandle {
    return this.addCut({ kind: "groups", groups }, filter, id, [...new Set(groups.flat())]);
  }

  /** Cuts the links from each node of `from` to each node of `to`, in that direction only (with `filter`: the messages it matches). */
  partitionOneWay(from: readonly NodeId[], to: readonly NodeId[], filter: CutFilter = {}, id?: string): CutHandle {
    return this.addCut({ kind: "one-way", from, to }, filter, id, [...new Set([...from, ...to])]);
  }

  /** Cuts `node` off from every other registered node, in the given direction(s). */
  isolate(node: NodeId, direction: IsolationDirection, id?: string): CutHandle {
    return this.addCut({ kind: "isolate", node, direction }, {}, id, this.nodes);
  }

  /** Undoes one cut; false when it is not in force any more (healed). */
  removeCut(handle: CutHandle): boolean {
    const entry = this.cuts.get(handle);
    if (entry === undefined) return false;
    this.cuts.delete(handle);
    if (entry.links === undefined) this.filteredCuts = this.filteredCuts.filter((c) => c !== entry.cut);
    else {
      for (const key of entry.links) {
        const count = this.blocked.get(key)! - 1;
        if (count === 0) this.blocked.delete(key);
        else this.blocked.set(key, count);
      }
    }
    return true;
  }

  /** Undoes every cut named `id` (a selective heal). @returns how many were in force */
  healCut(id: string): number {
    let removed = 0;
    for (const [handle, entry] of [...this.cuts]) if (entry.cut.id === id && this.removeCut(handle)) removed++;
    return removed;
  }

  /** Removes every partition and isolation (clogs stay until `unclog`). */
  heal(): void {
    this.cuts.clear();
    this.blocked.clear();
    this.filteredCuts = [];
  }

  private addCut(shape: CutShape, filter: CutFilter, id: string | undefined, members: readonly NodeId[]): CutHandle {
    const cut = makeCut(shape, filter, id);
    return this.keep({ cut, links: cut.filtered ? undefined : separatedLinks(cut, members).map(([a, b]) => linkKey(a, b)) });
  }

  private keep(entry: CutEntry): CutHandle {
    const handle = this.nextCut++;
    this.cuts.set(handle, entry);
    if (entry.links === undefined) this.filteredCuts.push(entry.cut);
    else for (const key of entry.links) this.blocked.set(key, (this.blocked.get(key) ?? 0) + 1);
    return handle;
  }

  /** Holds every message from or to `node` until `unclog`. */
  clog(node: NodeId): void {
    this.clogged.add(node);
  }

  /** Releases `node`'s held messages; each then crosses its link as if sent now. */
  unclog(node: NodeId): void {
    this.clogged.delete(node);
    const keep: HeldMessage[] = [];
    const release: HeldMessage[] = [];
    for (const message of this.held) {
      if (this.clogged.has(message.from) || this.clogged.has(message.to)) keep.push(message);
      else release.push(message);
    }
    this.held = keep;
    for (const message of release) this.transmit(message.id, message.from, message.to, message.bytes, message.info);
  }

  /**
   * Records, from now on, the last `perLinkMax` messages delivered on each link (a larger limit than one
   * already asked for wins). Recording draws nothing at random, so it changes no run.
   */
  recordDeliveries(perLinkMax: number): void {
    if (!(Number.isSafeInteger(perLinkMax) && perLinkMax > 0)) throw new RangeError(`recordDeliveries: perLinkMax must be a positive integer, got ${perLinkMax}`);
    this.recordedPerLinkMax = Math.max(this.recordedPerLinkMax, perLinkMax);
  }

  /** The recorded deliveries to `to`, in the order they were delivered. */
  recordedTo(to: NodeId): RecordedDelivery[] {
    const out: RecordedDelivery[] = [];
    for (const list of this.recorded.values()) for (const d of list) if (d.to === to) out.push(d);
    return out.sort((a, b) => a.seq - b.seq);
  }

  /**
   * Delivers an old message again after `delayUs`, bypassing drops and duplicates (it is the fault), but not
   * partitions (a cut link loses it) nor clogs (held like any message). It is not recorded again.
   */
  redeliver(message: RecordedDelivery, delayUs: number, info?: MessageInfo): void {
    const { from, to, bytes } = message;
    let id = 0;
    if (this.messageWatcher !== undefined) {
      id = ++this.lastMessageId;
      this.messageWatcher({ kind: "send", id, from, to, bytes, info, redelivery: true });
    }
    this.sim.after(delayUs, () => {
      if (!this.arrives(id, from, to, bytes, info)) return;
      this.redeliveredCount++;
      if (this.messageWatcher !== undefined) this.emit("deliver", id, from, to, bytes, info);
      this.deliverHandler(from, to, bytes, id, info);
    });
  }

  /**
   * A message at the end of its link: lost across a cut, or held for a clog. True when neither happened and
   * the caller hands it to the receiver.
   */
  private arrives(id: number, from: NodeId, to: NodeId, bytes: Uint8Array, info: MessageInfo | undefined): boolean {
    if (this.isBlocked(from, to, info)) {
      this.drop(id, from, to, bytes, info, "partition");
      return false;
    }
    if (this.clogged.has(from) || this.clogged.has(to)) {
      this.hold({ id, from, to, bytes, info });
      return false;
    }
    return true;
  }

  /** True when a message (described by `info`, if a filtered cut needs it) from `from` to `to` would be dropped by a cut right now. */
  isBlocked(from: NodeId, to: NodeId, info?: MessageInfo): boolean {
    // No link key is built while nothing is cut (the common case: twice per message).
    if (this.blocked.size > 0 && this.blocked.has(linkKey(from, to))) return true;
    for (const cut of this.filteredCuts) if (cut.drops(from, to, () => info)) return true;
    return false;
  }

  /** Nodes clogged right now. */
  get cloggedNodes(): ReadonlySet<NodeId> {
    return this.clogged;
  }

  /** True while any partition or isolation is in force. */
  get partitioned(): boolean {
    return this.cuts.size > 0;
  }

  private transmit(id: number, from: NodeId, to: NodeId, bytes: Uint8Array, info: MessageInfo | undefined): void {
    if (this.clogged.has(from) || this.clogged.has(to)) {
      this.hold({ id, from, to, bytes, info });
      return;
    }
    if (this.isBlocked(from, to, info)) {
      this.drop(id, from, to, bytes, info, "partition");
      return;
    }
    const link = this.overrides.size === 0 ? this.defaultLink : (this.overrides.get(linkKey(from, to)) ?? this.defaultLink);
    if (this.rng.chance(link.dropRate)) {
      this.drop(id, from, to, bytes, info, "loss");
      return;
    }
    this.schedule(id, from, to, bytes, info, link);
    if (this.rng.chance(link.duplicateRate)) {
      this.stats.duplicated++;
      if (this.messageWatcher !== undefined) this.emit("duplicate", id, from, to, bytes, info);
      this.schedule(id, from, to, bytes, info, link);
    }
  }

  private schedule(id: number, from: NodeId, to: NodeId, bytes: Uint8Array, info: MessageInfo | undefined, link: LinkConfig): void {
    const latencyUs = sampleLatencyUs(link.latency, this.rng);
    this.sim.after(latencyUs, () => this.arriveScheduled(id, from, to, bytes, info));
  }

  /** A message sent by {@link schedule} at the end of its link: {@link arrives}, then handed to the receiver (one closure per message, not two). */
  private arriveScheduled(id: number, from: NodeId, to: NodeId, bytes: Uint8Array, info: MessageInfo | undefined): void {
    if (!this.arrives(id, from, to, bytes, info)) return;
    this.stats.delivered++;
    if (this.recordedPerLinkMax > 0) this.record(from, to, bytes);
    if (this.messageWatcher !== undefined) this.emit("deliver", id, from, to, bytes, info);
    this.deliverHandler(from, to, bytes, id, info);
  }

  private record(from: NodeId, to: NodeId, bytes: Uint8Array): void {
    const key = linkKey(from, to);
    let list = this.recorded.get(key);
    if (list === undefined) {
      list = [];
      this.recorded.set(key, list);
    }
    list.push({ from, to, bytes, atUs: this.sim.nowUs, seq: this.recordedSeq++ });
    if (list.length > this.recordedPerLinkMax) list.shift();
  }

  private hold(message: HeldMessage): void {
    this.stats.held++;
    this.held.push(message);
    if (this.messageWatcher !== undefined) this.emit("hold", message.id, message.from, message.to, message.bytes, message.info);
    if (this.held.length > this.heldMessagesMax) {
      const oldest = this.held.shift()!;
      this.drop(oldest.id, oldest.from, oldest.to, oldest.bytes, oldest.info, "held-overflow");
    }
  }
}

function linkKey(from: NodeId, to: NodeId): string {
  return `${from}\u0000${to}`;
}

function definedOnly(link: LinkOverride): Partial<LinkConfig> {
  const out: Partial<LinkConfig> = {};
  if (link.latency !== undefined) out.latency = link.latency;
  if (link.dropRate !== undefined) out.dropRate = link.dropRate;
  if (link.duplicateRate !== undefined) out.duplicateRate = link.duplicateRate;
  return out;
}

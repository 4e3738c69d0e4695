/**
 * The simulated network: per-link latency, drops, duplicates, partitions
 * (two-way and one-way) and clogged nodes, all drawn from one seeded stream.
 *
 * Link states follow turmoil's `top.rs`: a link is healthy, explicitly
 * partitioned (messages dropped), or held because an endpoint is clogged
 * (messages kept and released on unclog). A partition is checked both when a
 * message is sent and when it would arrive, so a message in flight when the
 * partition starts is lost like it would be on a cut cable.
 */
import type { NodeId } from "../sim/node.js";
import type { Rng } from "../sim/rng.js";
import type { Simulation } from "../sim/simulation.js";
import { sampleLatencyUs, type LatencyModel } from "./latency.js";
import type { DeliverHandler, Transport } from "./transport.js";

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
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  held: number;
}

/** Which of a node's directions an isolation cuts. */
export type IsolationDirection = "both" | "inbound" | "outbound";

interface HeldMessage {
  from: NodeId;
  to: NodeId;
  bytes: Uint8Array;
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
  private readonly blocked = new Set<string>();
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
  private deliverHandler: DeliverHandler = () => {};

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

  onDeliver(handler: DeliverHandler): void {
    this.deliverHandler = handler;
  }

  send(from: NodeId, to: NodeId, bytes: Uint8Array): void {
    this.stats.sent++;
    this.transmit(from, to, bytes);
  }

  /** Cuts every link between nodes of different groups, both ways. Nodes in no group are untouched. */
  partition(groups: readonly (readonly NodeId[])[]): void {
    for (let i = 0; i < groups.length; i++) {
      for (let j = 0; j < groups.length; j++) {
        if (i === j) continue;
        for (const a of groups[i]!) for (const b of groups[j]!) this.blocked.add(linkKey(a, b));
      }
    }
  }

  /** Cuts the links from each node of `from` to each node of `to`, in that direction only. */
  partitionOneWay(from: readonly NodeId[], to: readonly NodeId[]): void {
    for (const a of from) for (const b of to) if (a !== b) this.blocked.add(linkKey(a, b));
  }

  /** Cuts `node` off from every other registered node, in the given direction(s). */
  isolate(node: NodeId, direction: IsolationDirection): void {
    const others = this.nodes.filter((other) => other !== node);
    if (direction !== "inbound") this.partitionOneWay([node], others);
    if (direction !== "outbound") this.partitionOneWay(others, [node]);
  }

  /** Removes every partition and isolation (clogs stay until `unclog`). */
  heal(): void {
    this.blocked.clear();
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
    for (const message of release) this.transmit(message.from, message.to, message.bytes);
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
  redeliver(message: RecordedDelivery, delayUs: number): void {
    const { from, to, bytes } = message;
    this.sim.after(delayUs, () =>
      this.arrive(from, to, bytes, () => {
        this.redeliveredCount++;
        this.deliverHandler(from, to, bytes);
      }),
    );
  }

  /** A message at the end of its link: lost across a cut, held for a clog, else `handOver` runs. */
  private arrive(from: NodeId, to: NodeId, bytes: Uint8Array, handOver: () => void): void {
    if (this.blocked.has(linkKey(from, to))) {
      this.stats.dropped++;
      return;
    }
    if (this.clogged.has(from) || this.clogged.has(to)) {
      this.hold({ from, to, bytes });
      return;
    }
    handOver();
  }

  /** True when a message from `from` to `to` would be dropped by a partition right now. */
  isBlocked(from: NodeId, to: NodeId): boolean {
    return this.blocked.has(linkKey(from, to));
  }

  /** Nodes clogged right now. */
  get cloggedNodes(): ReadonlySet<NodeId> {
    return this.clogged;
  }

  /** True while any partition or isolation is in force. */
  get partitioned(): boolean {
    return this.blocked.size > 0;
  }

  private transmit(from: NodeId, to: NodeId, bytes: Uint8Array): void {
    if (this.clogged.has(from) || this.clogged.has(to)) {
      this.hold({ from, to, bytes });
      return;
    }
    if (this.blocked.has(linkKey(from, to))) {
      this.stats.dropped++;
      return;
    }
    const link = this.overrides.get(linkKey(from, to)) ?? this.defaultLink;
    if (this.rng.chance(link.dropRate)) {
      this.stats.dropped++;
      return;
    }
    this.schedule(from, to, bytes, link);
    if (this.rng.chance(link.duplicateRate)) {
      this.stats.duplicated++;
      this.schedule(from, to, bytes, link);
    }
  }

  private schedule(from: NodeId, to: NodeId, bytes: Uint8Array, link: LinkConfig): void {
    const latencyUs = sampleLatencyUs(link.latency, this.rng);
    this.sim.after(latencyUs, () =>
      this.arrive(from, to, bytes, () => {
        this.stats.delivered++;
        if (this.recordedPerLinkMax > 0) this.record(from, to, bytes);
        this.deliverHandler(from, to, bytes);
      }),
    );
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
    if (this.held.length > this.heldMessagesMax) {
      this.held.shift();
      this.stats.dropped++;
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

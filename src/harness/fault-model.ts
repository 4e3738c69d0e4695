/**
 * The one model of which nodes are down, cut off or clogged while a fault
 * plan runs, and when the plan heals. The plan check (is a crash of a crashed
 * node asked for?), the liveness expectation (does a quorum stay up and
 * connected?), swarm testing (at most f validators down at once) and the
 * fast-check arbitraries (at most `maxFaultyValidators` faulty at once) all
 * replay a plan's actions through the kinds' `model` parts into this one
 * object, so they cannot disagree.
 *
 * Faulty, for a quorum: a member that is down (crashed, torn, wiped, until
 * its restart), clogged (until unclogged), or on the far side of a network cut
 * (the smaller groups of a partition, the smaller side of a one-way cut, an
 * isolated node; a cut of a symbolic target such as the current leader counts
 * as one unnamed member) until the next `heal` (or the selective heal of that
 * cut), or held by a node action keyed by views (one member at a time, to the
 * end of the plan). Paused nodes are not faulty: a pause is a slow node, and
 * it ends by itself (it moves the heal time).
 */
import type { NodeId } from "../sim/node.js";
import type { Quorum } from "./fault-kind.js";

/** What one cut (a partition, one-way cut or isolation, until healed) takes out of the quorums. */
interface CutEffect {
  /** Named members on its far side. */
  readonly named: Set<NodeId>;
  /** Symbolic targets it cuts (the current leader), per quorum instance. */
  readonly unnamed: Map<string, number>;
}

/** The state of the nodes at one instant of a plan. */
export class FaultModel {
  /** Crashed nodes (crash, torn write, wipe) not restarted yet. */
  readonly down = new Set<NodeId>();
  readonly clogged = new Set<NodeId>();
  /**
   * The cuts in force, by name: the scenario's `id` of a named cut, `#k` for the k-th unnamed one. A heal
   * ends them all, a selective heal (`"partition": "p1"`) the one named.
   */
  private readonly cuts = new Map<string, CutEffect>();
  private unnamedCuts = 0;
  /**
   * Node actions keyed by views (`"views": [a, b]`: the target of each view, re-resolved as views pass) per
   * quorum instance: each holds one member at a time, and since the view its window ends at has no time in a
   * plan, it counts as one faulty member from when it is armed to the end of the plan.
   */
  readonly viewKeyed = new Map<string, number>();
  /** The time the last fault ends, microseconds (a pause ends after its duration). */
  healAtUs = 0;
  /** Down nodes whose crash may come as late as this (a crash point's window end): a restart must come after it. */
  readonly restartAfterUs = new Map<NodeId, number>();

  /** A copy to try a change on. */
  clone(): FaultModel {
    const copy = new FaultModel();
    for (const id of this.down) copy.down.add(id);
    for (const id of this.clogged) copy.clogged.add(id);
    for (const [name, effect] of this.cuts) copy.cuts.set(name, { named: new Set(effect.named), unnamed: new Map(effect.unnamed) });
    copy.unnamedCuts = this.unnamedCuts;
    for (const [k, v] of this.viewKeyed) copy.viewKeyed.set(k, v);
    copy.healAtUs = this.healAtUs;
    for (const [k, v] of this.restartAfterUs) copy.restartAfterUs.set(k, v);
    return copy;
  }

  /** True while some cut is in force (a partition, one-way cut or isolation not healed yet). */
  get partitioned(): boolean {
    return this.cuts.size > 0;
  }

  /** Nodes on the far side of some cut, until it heals. */
  get cutOff(): ReadonlySet<NodeId> {
    const out = new Set<NodeId>();
    for (const effect of this.cuts.values()) for (const id of effect.named) out.add(id);
    return out;
  }

  /** Cuts of symbolic targets (the leader) per quorum instance, until healed. */
  get unnamedCutOff(): ReadonlyMap<string, number> {
    const out = new Map<string, number>();
    for (const effect of this.cuts.values()) for (const [k, v] of effect.unnamed) out.set(k, (out.get(k) ?? 0) + v);
    return out;
  }

  /** Moves the heal time to at least `atUs`. */
  extendHeal(atUs: number): void {
    this.healAtUs = Math.max(this.healAtUs, atUs);
  }

  /** Ends every cut. */
  healCuts(): void {
    this.cuts.clear();
  }

  /** Ends the cut named `name` (nothing when none is in force). */
  healCut(name: string): void {
    this.cuts.delete(name);
  }

  /** Whether a cut named `name` is in force. */
  hasCut(name: string): boolean {
    return this.cuts.has(name);
  }

  /**
   * A two-way partition into `groups`: for each quorum, the members in some
   * group but not in the group that holds most of them are cut off (members
   * in no group keep their links; with overlapping groups, a member of the
   * largest group is never cut off).
   * @param name the cut's `id`, if the scenario names it
   */
  partition(groups: readonly (readonly NodeId[])[], quorums: readonly Quorum[], name?: string): void {
    const effect = this.newCut(name);
    for (const quorum of quorums) {
      const counts = groups.map((g) => g.filter((id) => quorum.members.includes(id)).length);
      const largest = groups[counts.indexOf(Math.max(...counts))]!;
      for (const group of groups) for (const id of group) if (quorum.members.includes(id) && !largest.includes(id)) effect.named.add(id);
    }
  }

  /** A one-way cut `from -> to`: for each quorum, the side holding fewer of its members is cut off (`from` on a tie). */
  partitionOneWay(from: readonly NodeId[], to: readonly NodeId[], quorums: readonly Quorum[], name?: string): void {
    const effect = this.newCut(name);
    for (const quorum of quorums) {
      const a = from.filter((id) => quorum.members.includes(id));
      const b = to.filter((id) => quorum.members.includes(id));
      for (const id of a.length <= b.length ? a : b) effect.named.add(id);
    }
  }

  /** Isolates one named node. */
  isolate(id: NodeId, name?: string): void {
    this.newCut(name).named.add(id);
  }

  /** Isolates a symbolic target of `quorum` (resolved only when it fires). */
  isolateUnnamed(quorum: Quorum, name?: string): void {
    const effect = this.newCut(name);
    effect.unnamed.set(quorum.instance, (effect.unnamed.get(quorum.instance) ?? 0) + 1);
  }

  /** A node action keyed by views holding one member of `quorum` at a time (see {@link viewKeyed}). */
  holdByViews(quorum: Quorum): void {
    this.viewKeyed.set(quorum.instance, (this.viewKeyed.get(quorum.instance) ?? 0) + 1);
  }

  private newCut(name: string | undefined): CutEffect {
    const effect: CutEffect = { named: new Set(), unnamed: new Map() };
    this.cuts.set(name ?? `#${++this.unnamedCuts}`, effect);
    return effect;
  }

  /** Members of `quorum` that are down. */
  downIn(quorum: Quorum): NodeId[] {
    return quorum.members.filter((id) => this.down.has(id));
  }

  /** Members of `quorum` down or clogged (what the liveness expectation counts once every cut has healed). */
  unavailableIn(quorum: Quorum): NodeId[] {
    return quorum.members.filter((id) => this.down.has(id) || this.clogged.has(id));
  }

  /** Named faulty members of `quorum` (down, clogged or cut off). */
  faultyIn(quorum: Quorum): NodeId[] {
    const cutOff = this.cutOff;
    return quorum.members.filter((id) => this.down.has(id) || this.clogged.has(id) || cutOff.has(id));
  }

  /** How many members of `quorum` are faulty, counting unnamed cut-off targets and view-keyed node actions. */
  faultyCount(quorum: Quorum): number {
    return this.faultyIn(quorum).length + (this.unnamedCutOff.get(quorum.instance) ?? 0) + (this.viewKeyed.get(quorum.instance) ?? 0);
  }
}

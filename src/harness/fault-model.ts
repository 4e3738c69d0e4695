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
 * as one unnamed member) until the next `heal`. Paused nodes are not faulty:
 * a pause is a slow node, and it ends by itself (it moves the heal time).
 */
import type { NodeId } from "../sim/node.js";
import type { Quorum } from "./fault-kind.js";

/** The state of the nodes at one instant of a plan. */
export class FaultModel {
  /** Crashed nodes (crash, torn write, wipe) not restarted yet. */
  readonly down = new Set<NodeId>();
  readonly clogged = new Set<NodeId>();
  /** Nodes on the far side of a cut, until the next heal. */
  readonly cutOff = new Set<NodeId>();
  /** Cuts of symbolic targets (the leader) per quorum instance, until the next heal. */
  readonly unnamedCutOff = new Map<string, number>();
  /** True while some cut is in force (a partition, one-way cut or isolation not healed yet). */
  partitioned = false;
  /** The time the last fault ends, microseconds (a pause ends after its duration). */
  healAtUs = 0;
  /** Down nodes whose crash may come as late as this (a crash point's window end): a restart must come after it. */
  readonly restartAfterUs = new Map<NodeId, number>();

  /** A copy to try a change on. */
  clone(): FaultModel {
    const copy = new FaultModel();
    for (const id of this.down) copy.down.add(id);
    for (const id of this.clogged) copy.clogged.add(id);
    for (const id of this.cutOff) copy.cutOff.add(id);
    for (const [k, v] of this.unnamedCutOff) copy.unnamedCutOff.set(k, v);
    copy.partitioned = this.partitioned;
    copy.healAtUs = this.healAtUs;
    for (const [k, v] of this.restartAfterUs) copy.restartAfterUs.set(k, v);
    return copy;
  }

  /** Moves the heal time to at least `atUs`. */
  extendHeal(atUs: number): void {
    this.healAtUs = Math.max(this.healAtUs, atUs);
  }

  /** Ends every cut. */
  healCuts(): void {
    this.cutOff.clear();
    this.unnamedCutOff.clear();
    this.partitioned = false;
  }

  /**
   * A two-way partition into `groups`: for each quorum, the members outside
   * the group that holds most of them are cut off (members in no group keep
   * their links).
   */
  partition(groups: readonly (readonly NodeId[])[], quorums: readonly Quorum[]): void {
    this.partitioned = true;
    for (const quorum of quorums) {
      const counts = groups.map((g) => g.filter((id) => quorum.members.includes(id)).length);
      const largest = counts.indexOf(Math.max(...counts));
      groups.forEach((group, i) => {
        if (i !== largest) for (const id of group) if (quorum.members.includes(id)) this.cutOff.add(id);
      });
    }
  }

  /** A one-way cut `from -> to`: for each quorum, the side holding fewer of its members is cut off (`from` on a tie). */
  partitionOneWay(from: readonly NodeId[], to: readonly NodeId[], quorums: readonly Quorum[]): void {
    this.partitioned = true;
    for (const quorum of quorums) {
      const a = from.filter((id) => quorum.members.includes(id));
      const b = to.filter((id) => quorum.members.includes(id));
      for (const id of a.length <= b.length ? a : b) this.cutOff.add(id);
    }
  }

  /** Isolates one named node. */
  isolate(id: NodeId): void {
    this.partitioned = true;
    this.cutOff.add(id);
  }

  /** Isolates a symbolic target of `quorum` (resolved only when it fires). */
  isolateUnnamed(quorum: Quorum): void {
    this.partitioned = true;
    this.unnamedCutOff.set(quorum.instance, (this.unnamedCutOff.get(quorum.instance) ?? 0) + 1);
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
    return quorum.members.filter((id) => this.down.has(id) || this.clogged.has(id) || this.cutOff.has(id));
  }

  /** How many members of `quorum` are faulty, counting unnamed cut-off targets. */
  faultyCount(quorum: Quorum): number {
    return this.faultyIn(quorum).length + (this.unnamedCutOff.get(quorum.instance) ?? 0);
  }
}

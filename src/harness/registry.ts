/**
 * The registry of systems a run has, one line each (madsim's
 * `Runtime::add_simulator`, FoundationDB's `WorkloadFactory`): it assembles
 * the fault catalog (the world's kinds, then each system's), the swarm-only
 * kinds, and the plan context (every node, quorum and symbolic target) from
 * the systems' plans. `with` adds a system without touching any other file.
 */
import { assert } from "../sim/assert.js";
import type { NodeId } from "../sim/node.js";
import { FaultCatalog } from "./catalog.js";
import type { ActionBase, BackgroundKind, FaultKind, NodePlan, PlanContext, Quorum } from "./fault-kind.js";
import type { System } from "./system.js";
import type { ViewSignal } from "./triggers.js";

/** The systems of a run, their fault catalog and swarm-only kinds. `S` is the parsed scenario. */
export class SystemRegistry<S> {
  readonly catalog: FaultCatalog;
  readonly backgroundKinds: readonly BackgroundKind[];

  /**
   * @param worldKinds the world's own fault kinds (network, node, storage, clock)
   * @param worldBackground the world's swarm-only kinds (drop, duplicate, latency tail)
   * @param systems the systems, in build order (their checkers report in this order)
   * @throws AssertionError when two systems share a name or two kinds an action
   */
  constructor(
    private readonly worldKinds: readonly FaultKind<ActionBase>[],
    private readonly worldBackground: readonly BackgroundKind[],
    readonly systems: readonly System<S>[],
  ) {
    const names = new Set<string>();
    for (const system of systems) {
      assert(!names.has(system.name), `system ${system.name} is registered twice`);
      names.add(system.name);
    }
    this.catalog = new FaultCatalog([...worldKinds, ...systems.flatMap((s) => s.faultKinds)]);
    this.backgroundKinds = [...worldBackground, ...systems.flatMap((s) => s.backgroundKinds)];
  }

  /** A registry with `system` added last (its section, nodes, checkers and fault kinds join the run). */
  with(system: System<S>): SystemRegistry<S> {
    return new SystemRegistry(this.worldKinds, this.worldBackground, [...this.systems, system]);
  }

  /** The sections added systems bring (`key` to schema; `standalone`: the scenario then needs no validators), in registry order. */
  addedSections(): { readonly key: string; readonly schema: import("zod").ZodType; readonly standalone?: boolean }[] {
    return this.systems.flatMap((s) => (s.section === undefined ? [] : [s.section]));
  }

  /** How nodes of every system announce views (for view triggers). */
  viewSignals(): ViewSignal[] {
    return this.systems.flatMap((s) => (s.viewSignal === undefined ? [] : [s.viewSignal]));
  }

  /**
   * The plan context of a parsed scenario: every system's nodes, quorums and targets.
   * @throws AssertionError when two systems plan one node id
   */
  planContext(scenario: S, timing: { readonly durationUs: number; readonly livenessAtUs: number | undefined }): PlanContext {
    const plans = this.systems.map((s) => s.plan(scenario));
    const nodes: NodePlan[] = plans.flatMap((p) => p.nodes);
    const byId = new Map<NodeId, NodePlan>();
    for (const node of nodes) {
      assert(!byId.has(node.id), `node ${node.id} is planned twice`);
      byId.set(node.id, node);
    }
    const quorums: Quorum[] = plans.flatMap((p) => p.quorums);
    const targets = new Map<string, Quorum>(plans.flatMap((p) => p.targets));
    return {
      durationUs: timing.durationUs,
      livenessAtUs: timing.livenessAtUs,
      nodes,
      node: (id) => byId.get(id),
      withRole: (role) => nodes.filter((n) => n.role === role).map((n) => n.id),
      quorums,
      targets,
      unknownNode: (name) => `unknown node ${JSON.stringify(name)} (nodes are ${describeIds(nodes.map((n) => n.id))}${targets.size > 0 ? `; targets ${[...targets.keys()].join(", ")}` : ""})`,
    };
  }
}

/** Node ids for a message, runs of numbered ids shortened (`v0..v3, c0..c1, l1, poster`). */
export function describeIds(ids: readonly NodeId[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < ids.length) {
    const match = /^(.*?)(\d+)$/.exec(ids[i]!);
    if (match === null) {
      out.push(ids[i]!);
      i++;
      continue;
    }
    const [, stem, digits] = match;
    let j = i + 1;
    while (j < ids.length && ids[j] === `${stem}${Number(digits) + (j - i)}`) j++;
    out.push(j - i > 2 ? `${ids[i]}..${ids[j - 1]}` : ids.slice(i, j).join(", "));
    i = j;
  }
  return out.join(", ");
}

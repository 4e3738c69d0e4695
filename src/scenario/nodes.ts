/** Node names of a scenario and the error text for a name that is not one. */
import type { Scenario } from "./schema.js";

/** The L1 node, the batch poster and the operator (when `l1.enabled`). */
export const L1_NODES = { l1: "l1", poster: "poster", operator: "operator" } as const;

/**
 * The node name of the second instance of validator `node` in a Twins
 * scenario (`v3` -> `v3t`): same validator identity and key, its own host,
 * disk and links, so partitions can name each instance.
 */
export function twinName(node: string): string {
  return `${node}t`;
}

/**
 * Node names of a scenario: validators `v0..v{n-1}`, clients `c0..c{m-1}`, `l1`, `poster`, `operator` when the L1 runs,
 * and the twin instances (`v3t` for a `twin` of `v3`) of the `byzantine` section.
 */
export function nodeNames(scenario: Scenario): { validators: string[]; clients: string[]; l1Nodes: string[]; twins: string[] } {
  return {
    validators: Array.from({ length: scenario.validators.count }, (_, i) => `v${i}`),
    clients: Array.from({ length: scenario.workload.clients }, (_, i) => `c${i}`),
    l1Nodes: scenario.l1.enabled ? [L1_NODES.l1, L1_NODES.poster, L1_NODES.operator] : [],
    twins: [...new Set((scenario.byzantine ?? []).filter((b) => b.behavior === "twin").map((b) => twinName(b.node)))],
  };
}

/** The message for a node name that is not in the scenario. */
export function unknownNode(name: string, scenario: Scenario): string {
  const n = scenario.validators.count;
  const m = scenario.workload.clients;
  const l1 = scenario.l1.enabled ? ", and l1, poster, operator" : "";
  const twins = nodeNames(scenario).twins;
  const twinText = twins.length > 0 ? `, twins ${twins.join(", ")}` : "";
  return `unknown node ${JSON.stringify(name)} (validators are v0..v${n - 1}, clients c0..c${m - 1}${l1}${twinText})`;
}


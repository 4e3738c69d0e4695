/**
 * The byzantine plan: semantic checks of a scenario's `byzantine` section, and
 * the set of node names the honest-node invariants must not judge.
 *
 * A validator named in the section is byzantine for the whole run (even if it
 * misbehaves only inside a `from`/`until` window): a node that ever
 * misbehaved proves nothing by behaving later. A `twin` entry makes both
 * instances (`v3` and `v3t`) byzantine.
 */
import type { ByzantineBehaviorConfig } from "../../consensus/byzantine/byzantine-replica.js";
import { InputError } from "../../config/errors.js";
import { nodeNames, twinName, unknownNode } from "../../scenario/nodes.js";
import type { ByzantineBehavior, ByzantineEntry, Scenario } from "../../scenario/schema.js";

/** One behaviour as the cluster applies it: rate (default 1) and window (default the whole run) resolved, times in microseconds. */
export type ResolvedBehavior = ByzantineBehaviorConfig & { readonly behavior: Exclude<ByzantineBehavior, "twin"> };

/**
 * Checks the `byzantine` section: every node is a validator, no behaviour is
 * listed twice for one node, a twin is not combined with another behaviour,
 * windows lie inside the run, and at most f distinct validators are byzantine
 * unless `allowMoreThanF` is true.
 * @throws InputError naming the first bad field
 */
export function checkByzantine(scenario: Scenario): void {
  const entries = scenario.byzantine ?? [];
  const { validators } = nodeNames(scenario);
  const known = new Set(validators);
  const seen = new Set<string>();
  const twins = new Set(entries.filter((b) => b.behavior === "twin").map((b) => b.node));
  entries.forEach((entry, index) => {
    const field = `byzantine[${index}]`;
    if (!known.has(entry.node)) throw new InputError(`${field}.node`, `a byzantine node must be a validator: ${unknownNode(entry.node, scenario)}`);
    const key = `${entry.node}/${entry.behavior}`;
    if (seen.has(key)) throw new InputError(`${field}.behavior`, `${entry.node} already has the behaviour ${entry.behavior}`);
    seen.add(key);
    if (entry.behavior !== "twin" && twins.has(entry.node)) {
      throw new InputError(`${field}.behavior`, `${entry.node} is a twin: both instances run the honest replica, so it cannot also be ${entry.behavior}`);
    }
    for (const bound of ["from", "until"] as const) {
      const us = entry[bound];
      if (us !== undefined && us > scenario.duration) throw new InputError(`${field}.${bound}`, `${us}us is after the end of the run (duration ${scenario.duration}us)`);
    }
  });
  const nodes = [...new Set(entries.map((b) => b.node))];
  const f = Math.floor((scenario.validators.count - 1) / 3);
  if (nodes.length > f && !scenario.allowMoreThanF) {
    throw new InputError(
      "byzantine",
      `${nodes.length} byzantine validators (${nodes.join(", ")}) but ${scenario.validators.count} validators tolerate only f = ${f}; set "allowMoreThanF": true for a scenario meant to break safety`,
    );
  }
}

/** Every node name the honest-node invariants must not judge: byzantine validators and both instances of each twin. */
export function byzantineNodes(scenario: Scenario): Set<string> {
  const out = new Set<string>();
  for (const entry of scenario.byzantine ?? []) {
    out.add(entry.node);
    if (entry.behavior === "twin") out.add(twinName(entry.node));
  }
  return out;
}

/** The non-twin behaviours of `node`, resolved (empty when the node is honest or only a twin). */
export function behaviorsOf(scenario: Scenario, node: string): ResolvedBehavior[] {
  return (scenario.byzantine ?? [])
    .filter((b): b is ByzantineEntry & { behavior: ResolvedBehavior["behavior"] } => b.node === node && b.behavior !== "twin")
    .map((b) => ({ behavior: b.behavior, rate: b.rate ?? 1, fromUs: b.from ?? 0, untilUs: b.until ?? Number.POSITIVE_INFINITY }));
}

/** The twins of the scenario: the validator, its twin instance's name and the time the twin boots (microseconds). */
export function twinsOf(scenario: Scenario): { node: string; twin: string; bootAtUs: number }[] {
  return (scenario.byzantine ?? []).filter((b) => b.behavior === "twin").map((b) => ({ node: b.node, twin: twinName(b.node), bootAtUs: b.from ?? 0 }));
}

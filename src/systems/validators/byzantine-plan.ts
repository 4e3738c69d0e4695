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
import type { RollupScenario } from "../scenario-shape.js";
import { twinName, validatorIds } from "./names.js";
import type { ByzantineBehavior } from "./section.js";

type ByzantineEntry = RollupScenario["byzantine"][number];

/** One behaviour as the cluster applies it: rate (default 1) and window (default the whole run) resolved, times in microseconds. */
export type ResolvedBehavior = ByzantineBehaviorConfig & { readonly behavior: Exclude<ByzantineBehavior, "twin"> };

/**
 * Checks one rollup's `byzantine` section: every node is one of its
 * validators (named without the rollup's namespace), no behaviour is listed
 * twice for one node, a twin is not combined with another behaviour, windows
 * lie inside the run, and at most f distinct validators are byzantine unless
 * `allowMoreThanF` is true.
 * @param field the section's path (`byzantine`, `rollups[1].byzantine`)
 * @param durationUs the run's length
 * @throws InputError naming the first bad field
 */
export function checkByzantine(rollup: RollupScenario, field: string, durationUs: number): void {
  const entries = rollup.byzantine;
  const known = new Set(validatorIds("", rollup.validators.count));
  const seen = new Set<string>();
  const twins = new Set(entries.filter((b) => b.behavior === "twin").map((b) => b.node));
  entries.forEach((entry, index) => {
    const at = `${field}[${index}]`;
    if (!known.has(entry.node)) throw new InputError(`${at}.node`, `a byzantine node must be a validator: unknown node ${JSON.stringify(entry.node)} (validators are v0..v${rollup.validators.count - 1})`);
    const key = `${entry.node}/${entry.behavior}`;
    if (seen.has(key)) throw new InputError(`${at}.behavior`, `${entry.node} already has the behaviour ${entry.behavior}`);
    seen.add(key);
    if (entry.behavior !== "twin" && twins.has(entry.node)) {
      throw new InputError(`${at}.behavior`, `${entry.node} is a twin: both instances run the honest replica, so it cannot also be ${entry.behavior}`);
    }
    for (const bound of ["from", "until"] as const) {
      const us = entry[bound];
      if (us !== undefined && us > durationUs) throw new InputError(`${at}.${bound}`, `${us}us is after the end of the run (duration ${durationUs}us)`);
    }
  });
  const nodes = [...new Set(entries.map((b) => b.node))];
  const f = Math.floor((rollup.validators.count - 1) / 3);
  if (nodes.length > f && !rollup.allowMoreThanF) {
    throw new InputError(
      field,
      `${nodes.length} byzantine validators (${nodes.join(", ")}) but ${rollup.validators.count} validators tolerate only f = ${f}; set "allowMoreThanF": true for a scenario meant to break safety`,
    );
  }
}

/**
 * Checks one rollup's `validators.leaders`: every view names one of its validators (without the rollup's
 * namespace).
 * @param field the section's path (`validators.leaders`, `rollups[1].validators.leaders`)
 * @throws InputError naming the first bad view
 */
export function checkLeaders(rollup: RollupScenario, field: string): void {
  const known = new Set(validatorIds("", rollup.validators.count));
  for (const [view, id] of Object.entries(rollup.validators.leaders ?? {})) {
    if (!known.has(id)) throw new InputError(`${field}.${view}`, `the leader must be a validator: unknown validator ${JSON.stringify(id)} (validators are v0..v${rollup.validators.count - 1})`);
  }
}

/** Every node id the honest-node invariants must not judge: byzantine validators and both instances of each twin (with the rollup's prefix). */
export function byzantineNodes(rollup: RollupScenario): Set<string> {
  const out = new Set<string>();
  for (const entry of rollup.byzantine) {
    out.add(rollup.prefix + entry.node);
    if (entry.behavior === "twin") out.add(twinName(rollup.prefix + entry.node));
  }
  return out;
}

/** The non-twin behaviours of `node` (named without the prefix), resolved (empty when the node is honest or only a twin). */
export function behaviorsOf(rollup: RollupScenario, node: string): ResolvedBehavior[] {
  return rollup.byzantine
    .filter((b): b is ByzantineEntry & { behavior: ResolvedBehavior["behavior"] } => b.node === node && b.behavior !== "twin")
    .map((b) => ({ behavior: b.behavior, rate: b.rate ?? 1, fromUs: b.from ?? 0, untilUs: b.until ?? Number.POSITIVE_INFINITY }));
}

/** The twins of a rollup: the validator, its twin instance's id and the time the twin boots (microseconds), ids with the prefix. */
export function twinsOf(rollup: RollupScenario): { node: string; twin: string; bootAtUs: number }[] {
  // One twin per validator even when the section lists it twice: `plan` runs before `checkByzantine`, which refuses that.
  const twins = new Map<string, { node: string; twin: string; bootAtUs: number }>();
  for (const b of rollup.byzantine) {
    if (b.behavior !== "twin" || twins.has(b.node)) continue;
    twins.set(b.node, { node: rollup.prefix + b.node, twin: twinName(rollup.prefix + b.node), bootAtUs: b.from ?? 0 });
  }
  return [...twins.values()];
}

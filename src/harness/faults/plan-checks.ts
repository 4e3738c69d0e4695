/** Checks and random helpers the fault kinds share. */
import { InputError } from "../../config/errors.js";
import type { NodeId } from "../../sim/node.js";
import type { Rng } from "../../sim/rng.js";
import type { NodePlan, PlanContext } from "../fault-kind.js";

/**
 * The node `name` of the plan, if `accept` takes it.
 * @param expected what an accepted node is, for the message (`a validator`, `a node that can crash`)
 * @throws InputError naming `field`: an unknown node, or one `accept` refuses
 */
export function requireNode(plan: PlanContext, name: string, field: string, what: string, accept: (node: NodePlan) => boolean, expected: string): NodePlan {
  const node = plan.node(name);
  if (node === undefined) throw new InputError(field, plan.unknownNode(name));
  if (!accept(node)) throw new InputError(field, `${what} must be ${expected}, got ${JSON.stringify(name)} (a ${node.role})`);
  return node;
}

/** Any node of the plan. */
export const anyNode = (): boolean => true;
/** A validator (either instance of a twin included). */
export const isValidatorRole = (node: NodePlan): boolean => node.role === "validator";
/** A node storage faults may target: a validator, or a node whose system says it checks its storage (`NodePlan.checkedStorage`). */
export const hasCheckedStorage = (node: NodePlan): boolean => isValidatorRole(node) || node.checkedStorage === true;

/** Rounds microseconds to whole milliseconds. */
export function roundMs(us: number): number {
  return Math.round(us / 1000) * 1000;
}

/** Rounds to 4 decimals (rates written into scenarios). */
export function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

/** A shuffled copy (Fisher-Yates with `rng`). */
export function shuffle<T>(items: readonly T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** A uniformly drawn element. */
export function pick<T>(items: readonly T[], rng: Rng): T {
  return items[rng.int(items.length)]!;
}

/** Node ids of the plan with a role among `roles`. */
export function withRoles(plan: PlanContext, roles: readonly string[]): NodeId[] {
  return plan.nodes.filter((n) => roles.includes(n.role)).map((n) => n.id);
}

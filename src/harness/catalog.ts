/**
 * The fault catalog at work: the schema of a list of actions built from the
 * kinds, the plan check and model replay, and applying an action to the
 * world. The kinds themselves come from the world (`faults/`) and from the
 * systems (L1 faults...); `systems/index.ts` lists them all once.
 */
import { z } from "zod";
import { InputError } from "../config/errors.js";
import { AssertionError, assert } from "../sim/assert.js";
import type { NodeId } from "../sim/node.js";
import { WORLD_NODE } from "./world.js";
import type { ActionBase, ApplyContext, FaultKind, PlanContext, Quorum } from "./fault-kind.js";
import { FaultModel } from "./fault-model.js";
import { checkTrigger, desugarTrigger, describeTrigger, isTimed, triggerShape } from "./triggers.js";

/** A list of kinds, looked up by action name. */
export class FaultCatalog<A extends ActionBase = ActionBase> {
  private readonly byAction = new Map<string, FaultKind<ActionBase>>();

  /**
   * @param kinds every kind, in catalog order (swarm and the arbitraries draw in this order)
   * @throws AssertionError when two kinds share an action name
   */
  constructor(readonly kinds: readonly FaultKind<ActionBase>[]) {
    for (const kind of kinds) {
      assert(!this.byAction.has(kind.action), `fault kind ${kind.action} is registered twice`);
      this.byAction.set(kind.action, kind);
    }
  }

  /** The kind of `action`. @throws AssertionError for an action no kind handles (the schema refuses it first) */
  kindOf(action: { readonly action: string }): FaultKind<ActionBase> {
    const kind = this.byAction.get(action.action);
    assert(kind !== undefined, `no fault kind ${action.action}`);
    return kind;
  }

  /** Every action name, in catalog order. */
  actionNames(): string[] {
    return this.kinds.map((k) => k.action);
  }

  /**
   * The zod schema of one action: the union of the kinds' schemas, each with
   * the trigger fields (`at`, `view`, `when`, `every`); `"at": { "view": N }`
   * is accepted as `"view": N`. The parsed action always has `at` (0 when only
   * a view or an event triggers it).
   */
  actionSchema(): z.ZodType<A> {
    const members = this.kinds.map((k) => k.schema.extend(triggerShape).superRefine(checkTrigger));
    assert(members.length > 0, "an empty fault catalog");
    const union = z.discriminatedUnion("action", members as unknown as [z.ZodObject, ...z.ZodObject[]]);
    return z.preprocess(desugarTrigger, union).transform((a) => ({ ...(a as Record<string, unknown>), at: (a as { at?: number }).at ?? 0 })) as unknown as z.ZodType<A>;
  }

  /**
   * Checks a plan and replays it through the model: timed actions in firing
   * order (time, then file order), each after the time checks and its kind's
   * `check`; then the actions fired by a view or an event (their moment is
   * unknown: their names are checked, and their effect is taken as coming
   * after every timed action, the worst case for the end state).
   * @param field the plan's field name in messages (`faults`, `rollups[1].operations`)
   * @returns the model at the end of the plan
   * @throws InputError naming the first bad field
   */
  checkPlan(actions: readonly A[], plan: PlanContext, field: string): FaultModel {
    this.checkCutIds(actions, field);
    const model = new FaultModel();
    for (const { action, index } of firingOrder(actions)) {
      const at = `${field}[${index}]`;
      if (action.at > plan.durationUs) throw new InputError(`${at}.at`, `${action.at}us is after the end of the run (duration ${plan.durationUs}us)`);
      const kind = this.kindOf(action);
      if (!isTimed(action)) continue;
      if (plan.livenessAtUs !== undefined && action.at > plan.livenessAtUs) throw new InputError(`${at}.at`, `${action.at}us is after phases.livenessAt (${plan.livenessAtUs}us): the liveness phase has no faults`);
      kind.check(action, plan, model, at);
      kind.model(action, model, plan);
      model.extendHeal(action.at);
    }
    actions.forEach((action, index) => {
      if (isTimed(action)) return;
      const kind = this.kindOf(action);
      kind.check(action, plan, undefined, `${field}[${index}]`);
      kind.model(action, model, plan);
    });
    return model;
  }

  /**
   * The names of cuts (`"id": "p1"` on a partition, one-way cut or isolation): each names one action, and a
   * selective heal (`{ "action": "heal", "partition": "p1" }`) names one of them. A heal of a cut not in
   * force when it fires does nothing.
   * @throws InputError naming the second use of an id, or a heal of an id no action has
   */
  private checkCutIds(actions: readonly A[], field: string): void {
    const ids = new Map<string, number>();
    actions.forEach((action, index) => {
      const id = (action as { id?: unknown }).id;
      if (typeof id !== "string" || this.kindOf(action).heal !== "network") return;
      const first = ids.get(id);
      if (first !== undefined) throw new InputError(`${field}[${index}].id`, `id ${JSON.stringify(id)} is already used by ${field}[${first}]: each id names one partition`);
      ids.set(id, index);
    });
    actions.forEach((action, index) => {
      const named = (action as { partition?: unknown }).partition;
      if (action.action !== "heal" || typeof named !== "string" || ids.has(named)) return;
      const known = ids.size === 0 ? "no action has an id" : `ids: ${[...ids.keys()].join(", ")}`;
      throw new InputError(`${field}[${index}].partition`, `unknown partition id ${JSON.stringify(named)} (${known})`);
    });
  }

  /**
   * Applies `action` to the world now: resolves its symbolic targets,
   * records its description (trace digest, `fault` event), then applies it
   * (a triggered action is applied first and recorded after).
   * An action fired by a view or an event whose precondition does not hold
   * now (its verb's assertion fails before any change) is skipped and logged
   * as `fault-skipped`.
   */
  apply(action: A, ctx: ApplyContext): void {
    const kind = this.kindOf(action);
    const resolved = new Map<string, NodeId>();
    for (const name of kind.symbolicTargets(action)) if (!ctx.world.has(name)) resolved.set(name, ctx.resolve(name));
    const description = kind.describe(action, resolved) + describeTrigger(action);
    if (isTimed(action)) {
      ctx.world.recordFault(description);
      kind.apply(action, ctx);
      return;
    }
    try {
      kind.apply(action, ctx);
    } catch (error) {
      if (!(error instanceof AssertionError)) throw error;
      ctx.world.observe({ timeUs: ctx.world.sim.nowUs, node: WORLD_NODE, event: "fault-skipped", fields: { description, reason: error.message } });
      return;
    }
    ctx.world.recordFault(description, true);
  }
}

/** Actions in firing order: time, then file order (with each one's index in the file). */
export function firingOrder<T extends { readonly at: number }>(actions: readonly T[]): { action: T; index: number }[] {
  return actions.map((action, index) => ({ action, index })).sort((a, b) => a.action.at - b.action.at || a.index - b.index);
}

/**
 * Why liveness cannot be expected for `quorum` at the end of a plan
 * (undefined: it can). It can while at most f members are faulty at the end
 * (`FaultModel.faultyCount`: down, clogged, or cut off by a cut never
 * healed): the other 2f + 1 stay up and connected, a quorum, so a plan that
 * ends with one validator isolated at n = 4 is still judged.
 */
export function noLivenessReason(model: FaultModel, quorum: Quorum): string | undefined {
  const unavailable = model.unavailableIn(quorum);
  if (unavailable.length > quorum.f) return `${unavailable.length} validators stay crashed or clogged, more than f = ${quorum.f}: no quorum`;
  const faulty = model.faultyCount(quorum);
  if (model.partitioned && faulty > quorum.f) {
    return `a partition is never healed: ${faulty} validators stay cut off, crashed or clogged, more than f = ${quorum.f}: no connected quorum`;
  }
  return undefined;
}

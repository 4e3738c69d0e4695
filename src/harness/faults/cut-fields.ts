/**
 * The fields network cuts share: `id` (a name for a selective heal), `views`
 * (an inclusive range of views: Twins' rounds) and `types` (message classes),
 * with their schemas, their reading as a network filter, their description,
 * and how a node action keyed by views counts in the fault model.
 */
import { z } from "zod";
import { MESSAGE_CLASSES, type CutFilter, type MessageClass } from "../../net/cuts.js";
import type { NodeId } from "../../sim/node.js";
import type { PlanContext, Quorum } from "../fault-kind.js";
import type { FaultModel } from "../fault-model.js";

/** The name of a cut (`"id": "p1"`), for `{ "action": "heal", "partition": "p1" }`. */
export const cutId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "must be 1-64 characters A-Z, a-z, 0-9, _ . - starting with a letter or digit");

const view = z.number().int("must be an integer view").min(0, "views start at 0").max(Number.MAX_SAFE_INTEGER);

/** `"views": [from, to]`, inclusive, `from <= to`. */
export const viewsField = z.tuple([view, view]).superRefine(([from, to], ctx) => {
  if (from > to) ctx.addIssue({ code: "custom", message: `view range inverted: [${from}, ${to}] (the first view must be at most the last)` });
});

/** `"types": [...]`: message classes, at least one, none twice. */
export const typesField = z
  .array(z.enum(MESSAGE_CLASSES, { message: `must be one of ${MESSAGE_CLASSES.join(", ")}` }))
  .min(1, `needs at least one type (${MESSAGE_CLASSES.join(", ")})`)
  .superRefine((types, ctx) => {
    const seen = new Set<string>();
    types.forEach((t, i) => {
      if (seen.has(t)) ctx.addIssue({ code: "custom", message: `${t} is listed twice`, path: [i] });
      seen.add(t);
    });
  });

/** The zod shape of the shared fields (each optional). */
export const cutFields = { id: cutId.optional(), views: viewsField.optional(), types: typesField.optional() };

/** The shared fields, parsed. */
export interface CutFields {
  readonly id?: string;
  readonly views?: [number, number];
  readonly types?: MessageClass[];
}

/** True when the cut drops only some messages (it needs each message described). */
export function isFiltered(a: CutFields): boolean {
  return a.views !== undefined || a.types !== undefined;
}

/** The network filter of an action (undefined: every message). */
export function filterOf(a: CutFields): CutFilter | undefined {
  if (!isFiltered(a)) return undefined;
  return { ...(a.views !== undefined ? { views: a.views } : {}), ...(a.types !== undefined ? { types: a.types } : {}) };
}

/** The description's tail for the shared fields (`""` when none is set, so older descriptions and trace digests stay). */
export function describeCut(a: CutFields): string {
  return `${a.views !== undefined ? ` views ${a.views[0]}..${a.views[1]}` : ""}${a.types !== undefined ? ` types ${a.types.join(",")}` : ""}${a.id !== undefined ? ` id ${a.id}` : ""}`;
}

/**
 * The quorum a node or symbolic target belongs to (a twin instance: its identity's), or undefined (a node
 * outside every quorum: a client, the L1).
 */
export function quorumOfTarget(name: NodeId, plan: PlanContext): Quorum | undefined {
  const target = plan.targets.get(name);
  if (target !== undefined) return target;
  const identity = plan.node(name)?.instanceOf ?? name;
  return plan.quorums.find((q) => q.members.includes(identity));
}

/** A node action keyed by views holds one member of its target's quorum at a time: counted once (see `FaultModel.holdByViews`). */
export function holdsByViews(name: NodeId, model: FaultModel, plan: PlanContext): void {
  const quorum = quorumOfTarget(name, plan);
  if (quorum !== undefined) model.holdByViews(quorum);
}

/**
 * When a fault action or an operation fires (DESIGN.md, "Faults"):
 *
 * - at a time: `"at": "5s"`;
 * - at a view: `"at": { "view": 12 }`, when the first honest validator enters
 *   view 12 or a later one (a validator may skip a view);
 * - on an event: `"when": { "node": "v2", "event": "vote", "view": 5 }`,
 *   when a node logs an event whose name and listed fields all match (`node`
 *   may be left out: any node), once, or at every match with `"every": true`.
 *
 * With `view` or `when`, `at` is the time the trigger is armed from (default
 * 0). A triggered action is applied inside the step of the node that logged
 * the event, right after the event is judged: "crash v2 when it logs its vote
 * for view 5" crashes v2 after that vote was sent and before the rest of its
 * step, which is how crash points are written. An action whose precondition
 * does not hold when it fires (a restart of a node that is up) is skipped and
 * logged as `fault-skipped`.
 */
import { z } from "zod";
import { duration, nodeName } from "../config/fields.js";
import type { Observation } from "../check/checker.js";
import type { NodeId } from "../sim/node.js";
import type { World } from "./world.js";

/** The fields an event trigger matches: the event name, optionally the node, and any logged fields by equality. */
export interface EventMatch {
  readonly node?: NodeId;
  readonly event: string;
  readonly [field: string]: string | number | boolean | undefined;
}

/** How a system says that a node entered a view: its role, the event it logs and the field holding the view. */
export interface ViewSignal {
  readonly role: string;
  readonly event: string;
  readonly field: string;
}

const primitive = z.union([z.string(), z.number(), z.boolean()]);

/** The schema of `when`. */
export const eventMatchSchema = z
  .object({ node: nodeName.optional(), event: z.string().min(1, "must name an event such as vote") })
  .catchall(primitive);

/** Trigger fields every action schema gets (raw form: `at` is optional here; see {@link normalizeTrigger}). */
export const triggerShape = {
  at: duration.optional(),
  view: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  when: eventMatchSchema.optional(),
  every: z.boolean().optional(),
};

/** `"at": { "view": 12 }` becomes `"view": 12` (armed from time 0); anything else is left to the schema. */
export function desugarTrigger(raw: unknown): unknown {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return raw;
  const action = raw as Record<string, unknown>;
  const at = action.at;
  if (typeof at !== "object" || at === null || Array.isArray(at)) return raw;
  const keys = Object.keys(at);
  if (keys.length !== 1 || keys[0] !== "view") return raw;
  const { at: _at, ...rest } = action;
  return { ...rest, view: (at as Record<string, unknown>).view };
}

/** The trigger-level problems of a parsed raw action (exactly one way to fire), as zod issues. */
export function checkTrigger(action: { at?: number | undefined; view?: number | undefined; when?: unknown; every?: boolean | undefined; views?: unknown }, ctx: z.RefinementCtx): void {
  if (action.view !== undefined && action.when !== undefined) ctx.addIssue({ code: "custom", message: "an action fires at a view or on an event, not both", path: ["when"] });
  // An action keyed by views (`"views": [a, b]`) needs no trigger: it is armed from time 0 unless told otherwise.
  const keyedByViews = action.views !== undefined;
  if (action.at === undefined && action.view === undefined && action.when === undefined && !keyedByViews) ctx.addIssue({ code: "custom", message: 'required: a time ("at": "5s"), a view ("at": { "view": 12 }) or an event ("when": {...})', path: ["at"] });
  if (action.every !== undefined && action.when === undefined) ctx.addIssue({ code: "custom", message: "every applies to event triggers (when) only", path: ["every"] });
}

/** True when the action fires at a time (no view and no event trigger). */
export function isTimed(action: { readonly view?: number; readonly when?: EventMatch }): boolean {
  return action.view === undefined && action.when === undefined;
}

/** Whether observation `o` matches `match`. */
export function matches(match: EventMatch, o: Observation): boolean {
  if (o.event !== match.event) return false;
  for (const [field, value] of Object.entries(match)) {
    if (field === "event" || value === undefined) continue;
    if (field === "node") {
      if (o.node !== value) return false;
      continue;
    }
    if (o.fields[field] !== value) return false;
  }
  return true;
}

/**
 * Arms the trigger of `action` in `world`: `fire` runs at the time, at the
 * first matching view, or at the (first or every) matching event.
 * @param viewSignals how nodes announce views (from the systems), for view triggers
 */
export function armTrigger(
  world: World,
  action: { readonly at: number; readonly view?: number; readonly when?: EventMatch; readonly every?: boolean },
  viewSignals: readonly ViewSignal[],
  fire: () => void,
): void {
  if (isTimed(action)) {
    world.sim.at(action.at, fire);
    return;
  }
  let fired = false;
  const view = action.view;
  if (view !== undefined) {
    world.addReaction((o) => {
      if (fired || o.timeUs < action.at) return;
      for (const signal of viewSignals) {
        if (o.event !== signal.event || !world.has(o.node)) continue;
        const spec = world.spec(o.node);
        const entered = o.fields[signal.field];
        if (spec.role === signal.role && spec.honest && typeof entered === "number" && entered >= view) {
          fired = true;
          fire();
          return;
        }
      }
    });
    return;
  }
  const match = action.when!;
  world.addReaction((o) => {
    if ((fired && action.every !== true) || o.timeUs < action.at || !matches(match, o)) return;
    fired = true;
    fire();
  });
}

/** A one-line description of a trigger that is not a plain time (`at view 12`, `when v2 logs vote {view: 5}`). */
export function describeTrigger(action: { readonly at: number; readonly view?: number; readonly when?: EventMatch; readonly every?: boolean }): string {
  if (action.view !== undefined) return ` (at view ${action.view})`;
  if (action.when === undefined) return "";
  const { node, event, ...fields } = action.when;
  const shown = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : "";
  return ` (${action.every === true ? "every time" : "when"} ${node ?? "a node"} logs ${event}${shown})`;
}

/**
 * Node fault kinds: `crash` (volatile state lost, unsynced writes lost),
 * `restart` (a fresh instance recovers from its storage) and `pause` (a long
 * GC pause: inputs wait, the clock runs). See `sim/host.ts`.
 */
import { z } from "zod";
import { InputError } from "../../config/errors.js";
import { nodeName, positiveDuration } from "../../config/fields.js";
import { defineFaultKind, type DrawnBy, type EpisodeContext, type FaultKind, type PlanContext } from "../fault-kind.js";
import type { FaultModel } from "../fault-model.js";
import type { CrashPoint, StepEffect } from "../../sim/host.js";
import { armViewWindow } from "../view-window.js";
import { holdsByViews, viewsField } from "./cut-fields.js";
import { windowArb } from "./network.js";
import { hasCheckedStorage, isValidatorRole, pick, requireNode, roundMs } from "./plan-checks.js";

/** Checks that `node` can crash and is up in the model; marks it down. Shared by crash, torn-write and wipe. */
export function checkTakeDown(plan: PlanContext, model: FaultModel | undefined, node: string, field: string, what: string, validatorsOnly: boolean, atText: string): void {
  requireNode(plan, node, field, what, (n) => n.crashable && (!validatorsOnly || hasCheckedStorage(n)), validatorsOnly ? "a validator (or a node with checked storage)" : "a node that can crash and restart");
  if (model?.down.has(node) === true) throw new InputError(field, `${node} is already crashed ${atText}`);
}

/** When an action fires, for messages (`at 3000000us`, `at view 12`, `on an event`). */
export function firingText(a: { at: number; view?: number; when?: unknown }): string {
  if (a.view !== undefined) return `at view ${a.view}`;
  if (a.when !== undefined) return "on its event";
  return `at ${a.at}us`;
}

/** The model part of every kind that takes its node down until a `restart` (crash, torn-write, wipe). */
export function markDown(a: { node: string }, model: FaultModel): void {
  model.down.add(a.node);
}

/** The swarm draw of a kind that takes one validator down until its restart, within f (torn-write, wipe). */
export function downSwarm(action: string): NonNullable<Exclude<FaultKind["swarm"], DrawnBy>> {
  return (ctx, rng) => {
    if (ctx.f < 1) return undefined;
    const node = pick(ctx.validators, rng);
    const { startUs, endUs } = ctx.window(rng, 4_000_000);
    const pair = [{ at: startUs, action, node }, { at: endUs, action: "restart", node }];
    return endUs > startUs && ctx.fits(pair) ? { actions: pair, note: `${action} ${node}` } : undefined;
  };
}

/** The episode of a kind that takes one node of `targets` down until its restart (it holds the node's crash lock). */
export function downEpisode(action: string, targets: (ctx: EpisodeContext) => string[]): Exclude<FaultKind["arbitrary"], DrawnBy> {
  return {
    applies: (ctx) => targets(ctx).length > 0,
    episode: (fc, ctx) =>
      fc.record({ window: windowArb(fc, ctx), node: fc.constantFrom(...targets(ctx)) }).map(({ window, node }) => ({
        ...window,
        locks: [`crash:${node}`],
        begin: [{ at: window.startUs, action, node }],
        end: [{ at: window.endUs, action: "restart", node }],
      })),
  };
}

/** Validators an episode may take down (none when the budget is 0). */
export function downValidators(ctx: EpisodeContext): string[] {
  return ctx.maxFaultyValidators > 0 ? [...ctx.validators] : [];
}

/** Crashable nodes an episode may hit: validators when the budget allows, plus the others (the poster). */
function crashTargets(ctx: EpisodeContext): string[] {
  return [...(ctx.maxFaultyValidators > 0 ? ctx.validators : []), ...ctx.otherCrashable];
}

/**
 * Crashes a node: its volatile state and unsynced writes are lost until its `restart`. With `views`, the
 * target of each view of the range (`leader`, `next-leader`, or a node) is crashed while the system is in
 * that view and restarted when the view moves on (see `harness/view-window.ts`); no `restart` is written.
 */
export const crashKind = defineFaultKind<{ at: number; action: "crash"; node: string; views?: [number, number] }>({
  action: "crash",
  summary: "crash a node (volatile state and unsynced writes lost) until its restart (with views: the leader of each view, restarted as views pass)",
  schema: z.strictObject({ action: z.literal("crash"), node: nodeName, views: viewsField.optional() }),
  check: (a, plan, model, field) => {
    if (a.views !== undefined && plan.targets.has(a.node)) return;
    checkTakeDown(plan, model, a.node, `${field}.node`, "the crashed node", false, firingText(a));
  },
  model: (a, model, plan) => {
    if (a.views !== undefined) holdsByViews(a.node, model, plan);
    else markDown(a, model);
  },
  apply: (a, ctx) => {
    if (a.views === undefined) return ctx.world.crash(a.node);
    armViewWindow(ctx, { target: a.node, views: a.views, verb: "crash", releaseVerb: "restart", endsOnHeal: false }, (node) => {
      ctx.world.crash(node);
      return () => {
        if (!ctx.world.isUp(node)) ctx.world.restart(node);
      };
    });
  },
  describe: (a) => `crash ${a.node}${a.views !== undefined ? ` views ${a.views[0]}..${a.views[1]}` : ""}`,
  heal: "restart",
  swarm: (ctx, rng) => {
    if (ctx.f < 1) return undefined;
    const actions: Record<string, unknown>[] = [];
    const count = rng.intBetween(1, ctx.f);
    for (let i = 0; i < count; i++) {
      const node = pick(ctx.validators, rng);
      const { startUs, endUs } = ctx.window(rng, 4_000_000);
      const pair = [{ at: startUs, action: "crash", node }, { at: endUs, action: "restart", node }];
      // A crash that would clash with another (the node already down) or put more than f validators down at once is skipped.
      if (ctx.fits([...actions, ...pair])) actions.push(...pair);
    }
    return actions.length === 0 ? undefined : { actions, note: `crash x${actions.length / 2}` };
  },
  arbitrary: downEpisode("crash", crashTargets),
  real: (a) => (a.views !== undefined ? { unsupported: "crashes keyed by views" } : [{ op: "crash", node: a.node }]),
  symbolicTargets: () => [],
});

/** Restarts a crashed node: a fresh instance recovers from its storage. */
export const restartKind = defineFaultKind<{ at: number; action: "restart"; node: string }>({
  action: "restart",
  summary: "restart a crashed node from its storage",
  schema: z.strictObject({ action: z.literal("restart"), node: nodeName }),
  check: (a, plan, model, field) => {
    requireNode(plan, a.node, `${field}.node`, "the restarted node", (n) => n.crashable, "a node that can crash and restart");
    if (model !== undefined && !model.down.has(a.node)) throw new InputError(`${field}.node`, `${a.node} is not crashed ${firingText(a)}, so it cannot restart`);
    const after = model?.restartAfterUs.get(a.node);
    if (after !== undefined && a.at <= after) throw new InputError(`${field}.at`, `${a.node}'s crash point may fire until ${after}us (its window), so it can restart only after that`);
  },
  model: (a, model) => {
    model.down.delete(a.node);
    model.restartAfterUs.delete(a.node);
  },
  apply: (a, { world }) => world.restart(a.node),
  describe: (a) => `restart ${a.node}`,
  heal: "nothing",
  swarm: { drawnBy: "crash" },
  arbitrary: { drawnBy: "crash" },
  real: (a) => [{ op: "restart", node: a.node }],
  symbolicTargets: () => [],
});

/** Pauses a validator for a while: its inputs are held and handed over in order when it resumes. */
export const pauseKind = defineFaultKind<{ at: number; action: "pause"; node: string; duration: number }>({
  action: "pause",
  summary: "pause a validator for a duration (inputs held, clock running)",
  schema: z.strictObject({ action: z.literal("pause"), node: nodeName, duration: positiveDuration }),
  check: (a, plan, _model, field) => {
    requireNode(plan, a.node, `${field}.node`, "pause", isValidatorRole, "a validator");
  },
  model: (a, model) => model.extendHeal(a.at + a.duration),
  apply: (a, { world }) => world.pause(a.node, a.duration),
  describe: (a) => `pause ${a.node} ${a.duration}us`,
  heal: "pauses",
  swarm: (ctx, rng) => {
    if (ctx.f < 1) return undefined;
    const node = pick(ctx.validators, rng);
    const { startUs } = ctx.window(rng, 0);
    // Up to 1 s, and over by the time every swarm fault has healed.
    const durationUs = Math.min(roundMs(100_000 + rng.next() * 900_000), Math.floor((ctx.healedByUs - startUs) / 1000) * 1000);
    return durationUs > 0 ? { actions: [{ at: startUs, action: "pause", node, duration: durationUs }], note: `pause ${node} ${durationUs}us` } : undefined;
  },
  arbitrary: {
    applies: (ctx) => ctx.maxFaultyValidators > 0,
    episode: (fc, ctx) =>
      fc.record({ window: windowArb(fc, ctx), node: fc.constantFrom(...ctx.validators) }).map(({ window, node }) => ({
        startUs: window.startUs,
        endUs: window.endUs,
        locks: [`pause:${node}`],
        begin: [{ at: window.startUs, action: "pause", node, duration: Math.max(1000, window.endUs - window.startUs) }],
        end: [],
      })),
  },
  real: (a) => [{ op: "pause", node: a.node, durationUs: a.duration }],
  symbolicTargets: () => [],
});

const stepEffect = z.enum(["write", "sync", "send"]);
const POINTS = [
  { after: "write" },
  { after: "sync" },
  { before: "send" },
  { after: "send" },
] as const;

/** The crash point of an action: exactly one of `after` and `before`, and `nth` when given. */
function pointOf(a: { after?: StepEffect; before?: StepEffect; nth?: number }): CrashPoint {
  const point: CrashPoint = a.after !== undefined ? { effect: a.after, position: "after" } : { effect: a.before!, position: "before" };
  return a.nth === undefined ? point : { ...point, nth: a.nth };
}

/** A crash point's window for an episode or a draw lasting `lengthUs`: half of it (whole ms when it can), so the restart comes after. */
function crashPointWindowUs(lengthUs: number): number {
  const half = Math.floor(lengthUs / 2);
  return half >= 2000 ? Math.floor(half / 1000) * 1000 : Math.max(1, half);
}

/**
 * A crash point inside a step (DESIGN.md, "Faults": between any two effects
 * of one step): armed when the action fires, it crashes the node just after
 * its next storage write or sync, or just before or after its next send, in
 * the step that makes it; the rest of the step does not happen. With `nth`
 * (a positive integer, 1 when absent) it is the nth such effect from arming
 * instead of the next (`"after": "send", "nth": 3`: right after a broadcast
 * to three peers, which an event logged just before it arms). If the node
 * makes no such effect within `within`, it crashes then (a plain crash). It
 * stays down until its `restart`, which must come after the window.
 */
export const crashPointKind = defineFaultKind<{ at: number; action: "crash-point"; node: string; after?: StepEffect; before?: StepEffect; nth?: number; within: number }>({
  action: "crash-point",
  summary: "crash a node inside its step, after its next write or sync or before/after its next send, until its restart",
  schema: z.strictObject({ action: z.literal("crash-point"), node: nodeName, after: stepEffect.optional(), before: stepEffect.optional(), nth: z.number().int().min(1).max(1_000).optional(), within: positiveDuration.default(1_000_000) }),
  check: (a, plan, model, field) => {
    if ((a.after === undefined) === (a.before === undefined)) throw new InputError(`${field}.after`, 'give exactly one of "after" and "before" (write, sync or send)');
    checkTakeDown(plan, model, a.node, `${field}.node`, "the crash point's node", false, firingText(a));
  },
  model: (a, model) => {
    markDown(a, model);
    model.restartAfterUs.set(a.node, a.at + a.within);
  },
  apply: (a, { world }) => world.crashAt(a.node, pointOf(a), a.within),
  describe: (a) => {
    const point = pointOf(a);
    return `crash-point ${a.node} ${point.position} ${point.nth === undefined ? "" : `#${point.nth} `}${point.effect} within ${a.within}us`;
  },
  heal: "restart",
  swarm: (ctx, rng) => {
    if (ctx.f < 1) return undefined;
    const node = pick(ctx.validators, rng);
    const point = POINTS[rng.int(POINTS.length)]!;
    const { startUs, endUs } = ctx.window(rng, 4_000_000);
    if (endUs - startUs < 2) return undefined;
    const pair = [{ at: startUs, action: "crash-point", node, ...point, within: crashPointWindowUs(endUs - startUs) }, { at: endUs, action: "restart", node }];
    const where = "after" in point ? `after ${point.after}` : `before ${point.before}`;
    return ctx.fits(pair) ? { actions: pair, note: `crash-point ${node} ${where}` } : undefined;
  },
  arbitrary: {
    applies: (ctx) => ctx.maxFaultyValidators > 0,
    episode: (fc, ctx) =>
      fc
        .record({ window: windowArb(fc, ctx), node: fc.constantFrom(...ctx.validators), point: fc.constantFrom(...POINTS) })
        .map(({ window, node, point }) => ({
          ...window,
          locks: [`crash:${node}`],
          begin: [{ at: window.startUs, action: "crash-point", node, ...point, within: crashPointWindowUs(window.endUs - window.startUs) }],
          end: [{ at: window.endUs, action: "restart", node }],
        })),
  },
  real: () => ({ unsupported: "a crash between two effects of one step needs the simulated host" }),
  symbolicTargets: () => [],
});

/** Every node kind, in catalog order. */
export const NODE_FAULT_KINDS = [crashKind, restartKind, pauseKind, crashPointKind] as const;

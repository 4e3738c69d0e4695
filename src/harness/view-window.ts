/**
 * Node actions keyed by views (`"views": [a, b]` on `isolate`, `crash`,
 * `clog`): the action holds the target of each view from `a` to `b`, the
 * target re-resolved every time the view changes, as Twins schedules name
 * "the leader of every view" (Bano et al., "Twins: BFT Systems Made Robust",
 * OPODIS 2021, where a round's leader is part of the scenario).
 *
 * The view is the system's current view (`World.currentView`: the highest
 * view an honest validator entered, as `"at": { "view": N }` triggers read
 * it). When it changes to v, in this order:
 *
 * 1. if v is inside `[a, b]` and its target (`leader`: the leader of v;
 *    `next-leader`: the leader of v + 1; a node name: that node) is the node
 *    already held, nothing happens: it stays held;
 * 2. otherwise the node held for the previous view, if any, is released
 *    (isolation removed, crashed node restarted, clog released) and logged as
 *    a fault;
 * 3. if v is inside `[a, b]`, its target is taken (isolated, crashed,
 *    clogged) and logged as a fault; a target whose precondition does not
 *    hold (crashing a node that is down) is skipped and logged as
 *    `fault-skipped`; if v is past `b`, the window ends. Views the system
 *    skipped are never held.
 *
 * A heal (of everything, or of the window's `id`) ends an isolation window;
 * the liveness phase ends every window. At most one node is held at a time,
 * which is how the fault model counts it (`FaultModel.holdByViews`).
 */
import { AssertionError } from "../sim/assert.js";
import type { NodeId } from "../sim/node.js";
import type { ApplyContext } from "./fault-kind.js";
import { WORLD_NODE } from "./world.js";

/** One view-keyed node action as {@link armViewWindow} runs it. */
export interface ViewWindow {
  /** The target as the scenario names it (`leader`, `next-leader`, `v2`). */
  readonly target: string;
  /** Inclusive range of views. */
  readonly views: readonly [number, number];
  /** Verbs for the fault log (`isolate`, `crash`) and the release (`heal`, `restart`). */
  readonly verb: string;
  readonly releaseVerb: string;
  /** For an isolation: its `id`, so a selective heal of that id ends it; any heal ends a window with `network`. */
  readonly cutId?: string;
  readonly endsOnHeal: boolean;
}

/**
 * Arms `window` now: from the current view on, each view's target is taken with `take`, which returns how to
 * release it (see the file comment for the order).
 * @param take applies the action to `node`; may throw an AssertionError when its precondition does not hold
 */
export function armViewWindow(ctx: ApplyContext, window: ViewWindow, take: (node: NodeId) => () => void): void {
  const { world } = ctx;
  const [first, last] = window.views;
  let held: { readonly node: NodeId; readonly release: () => void } | undefined;
  let seen = -1;
  let done = false;
  const range = `${window.target} views ${first}..${last}`;
  const stop = (): void => {
    done = true;
    held = undefined;
  };
  const step = (): void => {
    if (done) return;
    if (world.inLivenessPhase) return stop();
    const view = world.currentView;
    if (view === seen) return;
    seen = view;
    const target = view >= first && view <= last ? ctx.resolve(window.target, view) : undefined;
    if (held !== undefined && held.node === target) return;
    if (held !== undefined) {
      const { node, release } = held;
      held = undefined;
      release();
      world.recordFault(`${window.releaseVerb} ${node} (${range}: view ${view})`, true);
    }
    if (view > last) return stop();
    if (target === undefined) return;
    const description = `${window.verb} ${target} (${range}: view ${view})`;
    try {
      held = { node: target, release: take(target) };
    } catch (error) {
      if (!(error instanceof AssertionError)) throw error;
      world.observe({ timeUs: world.sim.nowUs, node: WORLD_NODE, event: "fault-skipped", fields: { description, reason: error.message } });
      return;
    }
    world.recordFault(description, true);
  };
  if (window.endsOnHeal) {
    world.addHealListener((cutId) => {
      if (cutId === undefined || cutId === window.cutId) stop();
    });
  }
  step();
  world.addReaction(() => step());
}

/** The clock fault kind: skew and drift of one validator's clock (see `sim/host.ts`). */
import { z } from "zod";
import { drift, nodeName, signedDuration } from "../../config/fields.js";
import { defineFaultKind } from "../fault-kind.js";
import { windowArb } from "./network.js";
import { isValidatorRole, requireNode, round4, roundMs, shuffle } from "./plan-checks.js";

/** Sets a validator's clock skew and/or drift from now on. */
export const clockKind = defineFaultKind<{ at: number; action: "clock"; node: string; skew?: number; drift?: number }>({
  action: "clock",
  summary: "set a validator's clock skew and/or drift from now on",
  schema: z.strictObject({ action: z.literal("clock"), node: nodeName, skew: signedDuration.optional(), drift: drift.optional() }),
  check: (a, plan, _model, field) => {
    requireNode(plan, a.node, `${field}.node`, "clock", isValidatorRole, "a validator");
  },
  model: () => {},
  apply: (a, { world }) => {
    const current = world.host(a.node).clockSetting;
    world.setClock(a.node, { skewUs: a.skew ?? current.skewUs, drift: a.drift ?? current.drift });
  },
  describe: (a) => `clock ${a.node} skew ${a.skew ?? "unchanged"} drift ${a.drift ?? "unchanged"}`,
  heal: "clocks",
  swarm: (ctx, rng) => {
    if (ctx.f < 1) return undefined;
    // Validators the scenario's own clock actions set are left alone: setting them back would undo those.
    const baseFaults = (ctx.base.faults ?? []) as { action?: string; node?: string }[];
    const ownClocks = new Set(baseFaults.flatMap((a) => (a.action === "clock" && a.node !== undefined ? [a.node] : [])));
    const free = shuffle(ctx.validators.filter((v) => !ownClocks.has(v)), rng);
    const chosen = free.slice(0, Math.min(free.length, rng.intBetween(1, 2)));
    const nodes = ((ctx.base.clocks as { nodes?: Record<string, { skew?: number; drift?: number }> } | undefined)?.nodes ?? {}) as Record<string, { skew?: number; drift?: number }>;
    const actions: Record<string, unknown>[] = [];
    for (const node of chosen) {
      const { startUs, endUs } = ctx.window(rng, 3_000_000);
      const skew = (rng.chance(0.5) ? -1 : 1) * roundMs(10_000 + rng.next() * 80_000);
      const rate = round4((rng.next() * 2 - 1) * 0.05);
      const own = nodes[node];
      actions.push({ at: startUs, action: "clock", node, skew, drift: rate }, { at: endUs, action: "clock", node, skew: own?.skew ?? 0, drift: own?.drift ?? 0 });
    }
    return chosen.length === 0 ? undefined : { actions, note: `clock skew ${chosen.join(" ")}` };
  },
  arbitrary: {
    applies: (ctx) => ctx.maxFaultyValidators > 0,
    episode: (fc, ctx) =>
      fc
        .record({ window: windowArb(fc, ctx), node: fc.constantFrom(...ctx.validators), skewMs: fc.integer({ min: -90, max: 90 }), driftPercent: fc.integer({ min: -5, max: 5 }) })
        .map(({ window, node, skewMs, driftPercent }) => ({
          ...window,
          locks: [`clock:${node}`],
          begin: [{ at: window.startUs, action: "clock", node, skew: skewMs * 1000, drift: driftPercent / 100 }],
          end: [{ at: window.endUs, action: "clock", node, skew: 0, drift: 0 }],
        })),
  },
  real: () => ({ unsupported: "clock skew and drift are simulated-clock only" }),
  symbolicTargets: () => [],
});

/** The clock kinds, in catalog order. */
export const CLOCK_FAULT_KINDS = [clockKind] as const;

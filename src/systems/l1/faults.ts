/**
 * The L1 system's fault kinds: `l1-faults` (background rates of dropped and
 * delayed transactions and RPC errors, see `l1/l1-node.ts`) and `l1-reorg`
 * (the last `depth` unfinalized slots rolled back).
 */
import { z } from "zod";
import { InputError } from "../../config/errors.js";
import { probability } from "../../config/fields.js";
import { defineFaultKind, type PlanContext, type ServiceKey } from "../../harness/fault-kind.js";
import { windowArb } from "../../harness/faults/network.js";
import { round4 } from "../../harness/faults/plan-checks.js";
import type { L1Node } from "../../l1/l1-node.js";

/** The L1 node of a run while it runs (the L1 system provides it). */
export const L1_SERVICE: ServiceKey<{ node(): L1Node | undefined }> = { name: "l1" };

/** The role of the L1 node. */
export const L1_ROLE = "l1";

function requireL1(plan: PlanContext, action: string, field: string): void {
  if (plan.withRole(L1_ROLE).length === 0) throw new InputError(`${field}.action`, `${action} needs the L1 (l1.enabled is false)`);
}

type L1Rates = { dropRate?: number; delayRate?: number; delaySlotsMax?: number; rpcErrorRate?: number };

/** The rates an `l1-faults` action sets, in file order (trigger fields left out). */
export function l1RatesOf(a: L1Rates): L1Rates {
  return {
    ...(a.dropRate !== undefined ? { dropRate: a.dropRate } : {}),
    ...(a.delayRate !== undefined ? { delayRate: a.delayRate } : {}),
    ...(a.delaySlotsMax !== undefined ? { delaySlotsMax: a.delaySlotsMax } : {}),
    ...(a.rpcErrorRate !== undefined ? { rpcErrorRate: a.rpcErrorRate } : {}),
  };
}

/** Sets the L1's background fault rates (rates not given stay). */
export const l1FaultsKind = defineFaultKind<{ at: number; action: "l1-faults" } & L1Rates>({
  action: "l1-faults",
  summary: "set the L1's rates of dropped and delayed transactions and RPC errors",
  schema: z.strictObject({
    action: z.literal("l1-faults"),
    dropRate: probability.optional(),
    delayRate: probability.optional(),
    delaySlotsMax: z.number().int().min(1).max(64).optional(),
    rpcErrorRate: probability.optional(),
  }),
  check: (a, plan, _model, field) => requireL1(plan, a.action, field),
  model: () => {},
  apply: (a, ctx) => ctx.service(L1_SERVICE).node()?.setFaults(l1RatesOf(a)),
  describe: (a) => `l1-faults ${JSON.stringify(l1RatesOf(a))}`,
  heal: "system",
  swarm: (ctx, rng) => {
    if (ctx.plan.withRole(L1_ROLE).length === 0) return undefined;
    const { startUs, endUs } = ctx.window(rng, 5_000_000);
    const own = ((ctx.base.l1 as { faults?: L1Rates } | undefined)?.faults ?? {}) as L1Rates;
    return {
      actions: [
        { at: startUs, action: "l1-faults", dropRate: round4(rng.next() * 0.3), delayRate: round4(rng.next() * 0.3), rpcErrorRate: round4(rng.next() * 0.2) },
        { at: endUs, action: "l1-faults", dropRate: own.dropRate ?? 0, delayRate: own.delayRate ?? 0, rpcErrorRate: own.rpcErrorRate ?? 0 },
      ],
      note: "l1-faults",
    };
  },
  arbitrary: {
    applies: (ctx) => ctx.l1,
    episode: (fc, ctx) =>
      fc
        .record({
          window: windowArb(fc, ctx),
          dropRate: fc.constantFrom(0, 0.1, 0.3),
          delayRate: fc.constantFrom(0, 0.1, 0.3),
          delaySlotsMax: fc.integer({ min: 1, max: 6 }),
          rpcErrorRate: fc.constantFrom(0, 0.05, 0.2),
        })
        .map(({ window, ...rates }) => ({
          ...window,
          locks: ["l1-faults"],
          begin: [{ at: window.startUs, action: "l1-faults", ...rates }],
          end: [{ at: window.endUs, action: "l1-faults", dropRate: 0, delayRate: 0, rpcErrorRate: 0 }],
        })),
  },
  real: () => ({ unsupported: "there is no L1 in a local testnet" }),
  symbolicTargets: () => [],
});

/** Rolls the last `depth` unfinalized L1 slots back. */
export const l1ReorgKind = defineFaultKind<{ at: number; action: "l1-reorg"; depth: number }>({
  action: "l1-reorg",
  summary: "roll back the last depth unfinalized L1 slots",
  schema: z.strictObject({ action: z.literal("l1-reorg"), depth: z.number().int().min(1).max(511) }),
  check: (a, plan, _model, field) => requireL1(plan, a.action, field),
  model: () => {},
  apply: (a, ctx) => ctx.service(L1_SERVICE).node()?.reorg(a.depth),
  describe: (a) => `l1-reorg depth ${a.depth}`,
  heal: "nothing",
  swarm: (ctx, rng) => {
    if (ctx.plan.withRole(L1_ROLE).length === 0) return undefined;
    const count = rng.intBetween(1, 2);
    const finalization = ((ctx.base.l1 as { finalizationDepthSlots?: number } | undefined)?.finalizationDepthSlots ?? 32) as number;
    const depthMax = Math.min(6, finalization - 1);
    const actions = Array.from({ length: count }, () => ({ at: ctx.window(rng, 0).startUs, action: "l1-reorg", depth: rng.intBetween(1, depthMax) }));
    return { actions, note: `l1-reorg x${count}` };
  },
  arbitrary: {
    applies: (ctx) => ctx.l1,
    episode: (fc, ctx) =>
      fc.record({ window: windowArb(fc, ctx), depth: fc.integer({ min: 1, max: 8 }) }).map(({ window, depth }) => ({
        startUs: window.startUs,
        endUs: window.startUs,
        locks: [],
        begin: [{ at: window.startUs, action: "l1-reorg", depth }],
        end: [],
      })),
  },
  real: () => ({ unsupported: "there is no L1 in a local testnet" }),
  symbolicTargets: () => [],
});

/** The L1 system's kinds, in catalog order. */
export const L1_FAULT_KINDS = [l1FaultsKind, l1ReorgKind] as const;

/**
 * The validators system's swarm-only kinds: one more byzantine validator
 * (never more than f in all, counting the scenario's own and the one drawn
 * before, and never a validator a fault action names) misbehaving at a drawn
 * rate inside a window (`byzantine`; its `twin` behaviour, which runs to the
 * end of the run, only when the scenario already sets `allowMoreThanF`; the
 * rule adversaries `stale-qc`, `forged-qc`... are drawn by one more draw after
 * all the others, half the time replacing the behaviour drawn first, so the
 * stream's earlier draws stay what they were); and a twin within f (`twin`,
 * whenever n >= 4): a second instance of one validator (the Twins method),
 * with partitions that put the two instances on different sides.
 */
import type { BackgroundKind } from "../../harness/fault-kind.js";
import { round4, shuffle } from "../../harness/faults/plan-checks.js";
import { twinName } from "./names.js";
import { RULE_ADVERSARY_BEHAVIORS, SWARM_FIRST_BYZANTINE_BEHAVIORS } from "./section.js";

/** The distinct validators the raw scenario already makes byzantine, and every validator its fault actions name. */
function taken(ctx: Parameters<BackgroundKind["swarm"]>[0]): { byzantine: Set<string>; named: Set<string> } {
  const base = ctx.base as { byzantine?: { node: string }[] };
  const named = new Set(ctx.drawn.flatMap((a) => [a.node, a.to].filter((x): x is string => typeof x === "string")));
  return { byzantine: new Set((base.byzantine ?? []).map((b) => b.node)), named };
}

/** One more byzantine validator of the first rollup. */
export const byzantineKind: BackgroundKind = {
  name: "byzantine",
  summary: "make one more validator byzantine (within f) for a window",
  swarm: (ctx, rng) => {
    if (ctx.f < 1) return undefined;
    const base = ctx.base as { byzantine?: { node: string }[]; allowMoreThanF?: boolean };
    const own = new Set((base.byzantine ?? []).map((b) => b.node));
    const named = new Set(ctx.drawn.flatMap((a) => (typeof a.node === "string" ? [a.node] : [])));
    const free = ctx.validators.filter((v) => !own.has(v) && !named.has(v));
    const behaviors = SWARM_FIRST_BYZANTINE_BEHAVIORS.filter((b) => b !== "twin" || base.allowMoreThanF === true);
    const node = free.length === 0 ? undefined : free[rng.int(free.length)]!;
    const first = behaviors[rng.int(behaviors.length)]!;
    const { startUs, endUs } = ctx.window(rng, 4_000_000);
    const rate = round4(0.2 + rng.next() * 0.8);
    const adversary = rng.next() < 0.5 ? RULE_ADVERSARY_BEHAVIORS[rng.int(RULE_ADVERSARY_BEHAVIORS.length)]! : undefined;
    const behavior = adversary ?? first;
    if (node === undefined || own.size + 1 > ctx.f || endUs <= startUs) return undefined;
    const entry = behavior === "twin" ? { node, behavior, from: startUs } : { node, behavior, rate, from: startUs, until: endUs };
    return {
      patch: (raw) => {
        raw.byzantine = [...((raw.byzantine as unknown[] | undefined) ?? []), entry];
      },
      note: `byzantine ${node} ${behavior}${behavior === "twin" ? "" : ` ${rate}`}`,
    };
  },
};

/**
 * A twin within f (Bano et al., "Twins: BFT Systems Made Robust", OPODIS
 * 2021): one validator (not byzantine yet, named by no fault action, with at
 * most f byzantine in all) gets a second instance under its key, booting at a
 * time in the fault window; one or two partitions, each healed within the
 * window, split the validators into a side with the original and a side with
 * the twin, so each instance can be heard by a different part of the network.
 * Swarm draws over the first rollup of a one-rollup scenario (node names
 * without a namespace).
 */
export const twinKind: BackgroundKind = {
  name: "twin",
  summary: "run a second instance of one validator under its key (within f), split from its original by partitions",
  swarm: (ctx, rng) => {
    const n = ctx.validators.length;
    if (n < 4 || ctx.f < 1 || ctx.plan.quorums[0]?.instance !== "") return undefined;
    const { byzantine, named } = taken(ctx);
    const free = ctx.validators.filter((v) => !byzantine.has(v) && !named.has(v));
    if (free.length === 0 || byzantine.size + 1 > ctx.f) return undefined;
    const node = free[rng.int(free.length)]!;
    const twin = twinName(node);
    const fromUs = ctx.window(rng, 0).startUs;
    const others = ctx.validators.filter((v) => v !== node);
    const partitions: Record<string, unknown>[] = [];
    const count = rng.intBetween(1, 2);
    for (let i = 0; i < count; i++) {
      // Within the twin's lifetime, at least 200 ms long, healed by the time every swarm fault has.
      const window = ctx.window(rng, 3_000_000);
      const startUs = Math.max(window.startUs, fromUs);
      const endUs = Math.max(window.endUs, Math.min(ctx.healedByUs, startUs + 200_000));
      if (endUs <= startUs) continue;
      const shuffled = shuffle(others, rng);
      const split = rng.intBetween(0, others.length);
      partitions.push({ at: startUs, action: "partition", groups: [[node, ...shuffled.slice(0, split)], [twin, ...shuffled.slice(split)]] }, { at: endUs, action: "heal" });
    }
    return {
      patch: (raw) => {
        raw.byzantine = [...((raw.byzantine as unknown[] | undefined) ?? []), { node, behavior: "twin", from: fromUs }];
        raw.faults = [...((raw.faults as unknown[] | undefined) ?? []), ...partitions];
      },
      note: `twin ${node} from ${fromUs}us, split x${partitions.length / 2}`,
    };
  },
};

/** The validators system's background kinds, in drawing order. */
export const BYZANTINE_BACKGROUND_KINDS: readonly BackgroundKind[] = [byzantineKind, twinKind];

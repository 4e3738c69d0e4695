/**
 * The validators system's swarm-only kind: one more byzantine validator
 * (never more than f in all, counting the scenario's own, and never a
 * validator a fault action names) misbehaving at a drawn rate inside a
 * window. A `twin` (which runs to the end of the run) is drawn only when the
 * scenario already sets `allowMoreThanF`. The rule adversaries (`stale-qc`,
 * `forged-qc`...) are drawn by one more draw after all the others (half the
 * time, one of them replaces the behaviour drawn first), so the stream's
 * earlier draws (node, window, rate) stay what they were.
 */
import type { BackgroundKind } from "../../harness/fault-kind.js";
import { round4 } from "../../harness/faults/plan-checks.js";
import { RULE_ADVERSARY_BEHAVIORS, SWARM_FIRST_BYZANTINE_BEHAVIORS } from "./section.js";

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

/** The validators system's background kinds. */
export const BYZANTINE_BACKGROUND_KINDS: readonly BackgroundKind[] = [byzantineKind];

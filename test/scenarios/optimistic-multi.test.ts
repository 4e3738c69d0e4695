/**
 * Optimistic settlement beyond one rollup with K = 1 (issue 13, items 1-3):
 * several rollups on one L1 each with its own game (mixed with a posting
 * rollup), and the section's refusals of what optimistic mode cannot take.
 */
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/scenario/load.js";
import { settlementMetrics } from "../../src/settlement/metrics.js";
import { moveBound } from "../../src/settlement/dispute-strategy.js";
import { gameConfigAddress } from "../../src/l1/game-program.js";
import { programIdOf } from "../../src/systems/posting/index.js";
import { InputError } from "../../src/config/errors.js";
import { invariant, runRecorded, scenario } from "../helpers/scenario.js";

const rollup = (name: string, settlement: Record<string, unknown>) => ({
  name,
  validators: { count: 4, blockTime: "1s", viewTimeout: "3s" },
  workload: { txPerSecond: 8, stopAt: "12s" },
  settlement,
});

function threeRollups(rc: Record<string, unknown>): Record<string, unknown> {
  return { name: "multi", seed: 7, duration: "55s", rollups: [rollup("ra", { mode: "optimistic", wrongRootAt: [3] }), rollup("rb", { mode: "posting" }), rollup("rc", rc)] };
}

describe("several rollups in optimistic mode", () => {
  it("ra (optimistic, a wrong root defeated), rb (posting) and rc (optimistic, honest) share one L1, each with its own game, checkers and figures", { timeout: 400_000 }, () => {
    const s = parseScenario(threeRollups({ mode: "optimistic" }));
    const { report, events } = runRecorded(s);
    expect(report.violation).toBeUndefined();
    for (const r of report.invariants) expect(r, r.name).toMatchObject({ ok: true });
    const names = report.invariants.map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(["ra/settlement-final-root", "ra/settlement-bonds", "rc/settlement-final-root", "rb/l1-consistency", "rb/posting-liveness"]));
    expect(names).not.toContain("ra/l1-consistency");
    expect(names).not.toContain("rb/settlement-final-root");
    // Each rollup's program has its own GameConfig PDA (the program id differs).
    const configs = s.rollups.map((r, i) => gameConfigAddress(programIdOf(r, i)).toBase58());
    expect(new Set(configs).size).toBe(3);
    const of = (name: string) => settlementMetrics(events.filter((e) => e.fields.rollup === name));
    expect(of("ra")).toMatchObject({ gamesPlayed: 1, gamesWonByChallenger: 1 });
    expect(of("ra").finalBatches).toBeGreaterThanOrEqual(5);
    expect(of("rc")).toMatchObject({ gamesPlayed: 0 });
    expect(of("rc").finalBatches).toBeGreaterThanOrEqual(5);
    expect(of("rb").finalBatches).toBe(0);
    // The report's per-rollup figures are the same, and only ra's challenger moved.
    const metrics = report.metrics as unknown as { rollups: Record<string, { settlement?: unknown }> };
    expect(metrics.rollups.ra!.settlement).toEqual(of("ra"));
    expect(metrics.rollups.rc!.settlement).toEqual(of("rc"));
    expect(metrics.rollups.rb!.settlement).toBeUndefined();
    expect(new Set(events.filter((e) => e.event === "challenger-move").map((e) => e.node))).toEqual(new Set(["ra/challenger-0"]));
    expect(invariant(report, "rb/l1-consistency").ok).toBe(true);
  });

  it("a lazy challenger on rc lets its wrong root become final: rc/settlement-final-root names it, ra's checkers (its game won) stay green", { timeout: 400_000 }, () => {
    const { report } = runRecorded(parseScenario(threeRollups({ mode: "optimistic", wrongRootAt: [2], challengers: [{ behaviour: "lazy" }] })));
    expect(report.violation?.invariant).toBe("rc/settlement-final-root");
    expect(report.violation?.message).toMatch(/^wrong root final: batch 2 \(L2 height 2\)/);
    for (const name of ["ra/settlement-final-root", "ra/settlement-bonds", "ra/settlement-honest-challenger", "rb/l1-consistency"]) expect(invariant(report, name), name).toMatchObject({ ok: true });
  });
});

describe("batches of several L2 blocks (batchEveryBlocks > 1)", () => {
  it("K = 3: batch 2 (blocks 4-6) posted with a wrong trace from its middle block on is bisected over all its transactions and defeated by the step of a middle-block transaction", { timeout: 400_000 }, () => {
    const { report, events } = runRecorded(scenario("fraud-proof", { duration: "70s", batchPoster: { batchEveryBlocks: 3 }, settlement: { mode: "optimistic", challengePeriod: "20s", clock: "8s", wrongRootAt: [2] } }));
    expect(report.violation).toBeUndefined();
    for (const r of report.invariants) expect(r, r.name).toMatchObject({ ok: true });
    const txsAt = new Map<number, number>();
    const rootAt = new Map<number, string>();
    for (const e of events) if (e.event === "state-root" && e.node === "v0") txsAt.set(e.fields.height as number, e.fields.txs as number), rootAt.set(e.fields.height as number, e.fields.root as string);
    const [c4, c5, c6] = [4, 5, 6].map((h) => txsAt.get(h)!);
    expect(c4! * c5! * c6!).toBeGreaterThan(0);
    const game = events.filter((e) => e.event === "settlement-game" && e.fields.height === 2).at(-1)!.fields;
    expect(game).toMatchObject({ winner: "challenger", txCount: c4! + c5! + c6! });
    // The step proved transaction lo of the batch: one of the middle block's (block 5).
    expect(game.hi).toBe((game.lo as number) + 1);
    expect(game.lo as number).toBeGreaterThanOrEqual(c4!);
    expect(game.lo as number).toBeLessThan(c4! + c5!);
    expect(game.moves as number).toBeLessThanOrEqual(moveBound(game.txCount as number));
    expect(events.some((e) => e.node === "challenger-0" && e.event === "challenger-move" && e.fields.move === "step" && e.fields.height === 2)).toBe(true);
    // Batch b carries the root of L2 height 3b; the repost of batch 2 is final with the root of height 6.
    const batches = new Map<number, Readonly<Record<string, unknown>>>();
    for (const e of events) if (e.event === "settlement-batch") batches.set(e.fields.height as number, e.fields);
    expect(batches.get(2)).toMatchObject({ status: "final", generation: 1, postRoot: rootAt.get(6), txCount: c4! + c5! + c6! });
    expect(batches.get(1)).toMatchObject({ status: "final", postRoot: rootAt.get(3) });
    expect(invariant(report, "settlement-final-root").figures.finalBatches).toBeGreaterThanOrEqual(3);
  });
});

describe("operations in optimistic mode", () => {
  it("pause-posting holds the poster back (post_batch_optimistic fails while paused), resume-posting lets it go on; settlement stays safe", { timeout: 400_000 }, () => {
    const operations = [
      { at: "6s", action: "pause-posting" },
      { at: "7s", action: "unauthorized-pause" },
      { at: "8s", action: "set-version", version: 2 },
      { at: "16s", action: "resume-posting" },
    ];
    const { report, events } = runRecorded(scenario("optimistic-honest", { duration: "50s", operations }));
    expect(report.violation).toBeUndefined();
    for (const r of report.invariants) expect(r, r.name).toMatchObject({ ok: true });
    // The operator's pause landed, the intruder's was refused; every post tried while paused fails (in preflight or on chain) with PostingPaused.
    const actions = events.filter((e) => e.node === "operator" && e.event === "operator-action").map((e) => [e.fields.action, e.fields.ok]);
    expect(actions).toEqual(expect.arrayContaining([["pause", true], ["unauthorized-pause", false], ["set-version", true], ["resume", true]]));
    const failed = events
      .filter((e) => e.node === "poster" && (e.event === "optimistic-move-landed" || e.event === "optimistic-move-refused") && e.fields.move === "post" && e.fields.reason === "PostingPaused")
      .map((e) => e.timeUs);
    expect(failed.filter((t) => t > 7_000_000 && t < 16_000_000).length).toBeGreaterThan(3);
    const posts = events.filter((e) => e.node === "poster" && e.event === "optimistic-move-landed" && e.fields.move === "post" && e.fields.ok === true).map((e) => e.timeUs);
    // Nothing lands while paused (a margin of 2 s on both ends for moves in flight), posting goes on after.
    expect(posts.filter((t) => t > 8_000_000 && t < 16_000_000)).toEqual([]);
    expect(posts.some((t) => t > 17_000_000)).toBe(true);
    expect(settlementMetrics(events).finalBatches).toBeGreaterThanOrEqual(3);
  });

  it("rotate-poster is refused with a typed error naming the operation", () => {
    let error: unknown;
    try {
      parseScenario({ name: "x", seed: 1, duration: "10s", validators: { count: 4 }, settlement: { mode: "optimistic" }, operations: [{ at: "1s", action: "rotate-poster", keyIndex: 1 }] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/operations\[0\]\.action.*rotate-poster is not supported with optimistic settlement/);
  });
});

/**
 * The optimistic-settlement scenarios (issue 13, items 1 and 5): the
 * `settlement` section builds the optimistic poster and the challengers in the
 * simulator's world, the operator initializes the game with the program, and
 * the settlement checkers judge what the L1's FINALIZED state shows. Each
 * shipped scenario's outcome, determinism, and the section's input errors.
 */
import { describe, expect, it } from "vitest";
import type { Observation } from "../../src/check/checker.js";
import { InputError } from "../../src/config/errors.js";
import { parseScenario } from "../../src/scenario/load.js";
import { settlementMetrics } from "../../src/settlement/metrics.js";
import { moveBound } from "../../src/settlement/dispute-strategy.js";
import type { PublicKey } from "@solana/web3.js";
import { SettlementFinalRootChecker } from "../../src/check/settlement/final-root.js";
import { rollupProgramId } from "../../src/l1/rollup-program.js";
import { loadProgramElf } from "../../src/runtime/program-files.js";
import { runAndJudge } from "../../src/scenario/run.js";
import { ScenarioRun } from "../../src/scenario/scenario-run.js";
import { readSettlement } from "../../src/settlement/settlement-watch.js";
import { challengerKeys } from "../../src/systems/posting/optimistic.js";
import { formatPostingSummary } from "../../src/systems/posting/summary.js";
import { invariant, rawScenario, runRecorded, scenario } from "../helpers/scenario.js";

const S = 1_000_000;
const CONSENSUS = ["agreement", "root-agreement", "conservation", "validity", "reference-ledger", "equivocation"];

/** The last settlement-batch observation of each height. */
function lastBatches(events: readonly Observation[]): Map<number, Readonly<Record<string, unknown>>> {
  const last = new Map<number, Readonly<Record<string, unknown>>>();
  for (const e of events) if (e.event === "settlement-batch") last.set(e.fields.height as number, e.fields);
  return last;
}

/** The root honest validator v0 committed at each height. */
function committedRoots(events: readonly Observation[]): Map<number, string> {
  const roots = new Map<number, string>();
  for (const e of events) if (e.event === "state-root" && e.node === "v0") roots.set(e.fields.height as number, e.fields.root as string);
  return roots;
}

function names(report: { invariants: readonly { name: string }[] }): string[] {
  return report.invariants.map((r) => r.name);
}

describe("optimistic settlement scenarios", () => {
  it("optimistic-honest: batches become final one challenge period after posting, no game, the settlement checkers replace the registry's", () => {
    const { report, events } = runRecorded(scenario("optimistic-honest"));
    expect(report.violation).toBeUndefined();
    expect(report.exitCode).toBe(0);
    for (const r of report.invariants) expect(r, r.name).toMatchObject({ ok: true });
    expect(names(report)).toEqual(expect.arrayContaining(["settlement-final-root", "settlement-bonds", "settlement-honest-challenger"]));
    expect(names(report)).not.toContain("l1-consistency");
    expect(names(report)).not.toContain("posting-liveness");
    const metrics = settlementMetrics(events);
    expect(metrics.finalBatches).toBeGreaterThanOrEqual(10);
    expect(metrics.gamesPlayed).toBe(0);
    expect(metrics.timeToFinalitySeconds!.min).toBeGreaterThanOrEqual(20);
    expect(events.filter((e) => e.event === "challenger-move")).toEqual([]);
    // Every final batch carries the committed root; finality is a prefix of the heights.
    const roots = committedRoots(events);
    const batches = [...lastBatches(events).entries()].sort((a, b) => a[0] - b[0]);
    const finals = batches.filter(([, b]) => b.status === "final");
    expect(finals.map(([h]) => h)).toEqual(finals.map((_, i) => i + 1));
    for (const [h, b] of finals) expect(b.postRoot, `height ${h}`).toBe(roots.get(h));
    expect(invariant(report, "settlement-bonds").figures.ledgersChecked).toBeGreaterThan(10);
    console.log("optimistic-honest:", JSON.stringify(metrics));
  });

  it("fraud-proof: the wrong root at height 3 is challenged, bisected, defeated by one step; the honest repost becomes final", () => {
    const { report, events } = runRecorded(scenario("fraud-proof"));
    expect(report.violation).toBeUndefined();
    expect(report.exitCode).toBe(0);
    for (const r of report.invariants) expect(r, r.name).toMatchObject({ ok: true });
    const metrics = settlementMetrics(events);
    expect(metrics).toMatchObject({ gamesPlayed: 1, gamesWonByChallenger: 1, gamesWonByPoster: 0 });
    expect(invariant(report, "settlement-honest-challenger").figures.honestGamesWon).toBe(1);
    const moves = events.filter((e) => e.node === "challenger-0" && e.event === "challenger-move").map((e) => e.fields.move);
    expect(moves[0]).toBe("challenge");
    expect(moves.filter((m) => m === "choose").length).toBeGreaterThanOrEqual(2);
    expect(moves).toContain("step");
    expect(events.some((e) => e.event === "settlement-batch" && e.fields.height === 3 && e.fields.status === "rejected")).toBe(true);
    expect(events.filter((e) => e.node === "poster" && e.event === "optimistic-move" && e.fields.move === "repost").map((e) => e.fields.height)).toEqual([3]);
    const game = events.filter((e) => e.event === "settlement-game").at(-1)!.fields;
    expect(game.moves as number).toBeLessThanOrEqual(moveBound(game.txCount as number));
    const batch3 = lastBatches(events).get(3)!;
    expect(batch3).toMatchObject({ status: "final", generation: 1 });
    expect(batch3.postRoot).toBe(committedRoots(events).get(3));
    expect(metrics.finalBatches).toBeGreaterThanOrEqual(5);
    // The run's report carries the same figures (the posting system's `settlement` metrics).
    expect((report.metrics as unknown as Record<string, unknown>).settlement).toEqual(metrics);
    expect(formatPostingSummary(report.metrics as unknown as Record<string, unknown>)[0]).toMatch(/^Settlement \(optimistic, finalized L1\): batches final \d+, .*games 1 \(won by challenger 1, by poster 0\), moves per game \[\d+\]; bonds posted /);
    console.log("fraud-proof:", JSON.stringify(metrics));
  });

  it("lazy-challenger (MUST FAIL): the wrong root at height 3 becomes final and settlement-final-root says so, as the description states", () => {
    const description = String(rawScenario("lazy-challenger").description);
    const stated = /MUST FAIL \(expected outcome: a (\S+) violation, exit code (\d)\)/.exec(description)!;
    expect(stated).not.toBeNull();
    const { report, events } = runRecorded(scenario("lazy-challenger"));
    expect(report.violation?.invariant).toBe(stated[1]);
    expect(report.violation?.message).toMatch(/^wrong root final: batch 3 \(L2 height 3\)/);
    expect(report.exitCode).toBe(Number(stated[2]));
    expect(report.violation!.atUs).toBeGreaterThan(20 * S);
    for (const name of [...CONSENSUS, "settlement-bonds"]) expect(invariant(report, name), name).toMatchObject({ ok: true });
    expect(events.filter((e) => e.event === "challenger-move")).toEqual([]);
    expect(lastBatches(events).get(3)!.postRoot).not.toBe(committedRoots(events).get(3));
  });

  it("fraud-proof-under-faults: under L1 drops and reorgs, the challenger gone silent loses on time, the honest one wins by the step, the repost is final", () => {
    const { report, events } = runRecorded(scenario("fraud-proof-under-faults"));
    expect(report.violation).toBeUndefined();
    expect(report.exitCode).toBe(0);
    for (const r of report.invariants) expect(r, r.name).toMatchObject({ ok: true });
    expect(events.filter((e) => e.event === "l1-reorg").length).toBe(4);
    const [silent, honest] = challengerKeys("", 34, 2).map((k) => k.publicKey.toBase58());
    const games = events.filter((e) => e.event === "settlement-game" && e.fields.height === 3);
    const lastOf = (who: string) => games.filter((e) => e.fields.challenger === who).at(-1)!.fields;
    expect(lastOf(honest!)).toMatchObject({ winner: "challenger" });
    expect(lastOf(silent!)).toMatchObject({ winner: "poster" });
    // challenger-0 made exactly its 2 moves (challenge, one choose), then went silent; the poster timed it out.
    const moves0 = events.filter((e) => e.node === "challenger-0" && e.event === "challenger-move" && e.fields.height === 3).map((e) => e.fields.move);
    expect(moves0.filter((m) => m === "challenge" || m === "choose" || m === "step")).toEqual(["challenge", "choose"]);
    expect(events.some((e) => e.node === "poster" && e.event === "optimistic-move" && e.fields.move === "timeout" && e.fields.height === 3)).toBe(true);
    expect(events.some((e) => e.node === "challenger-1" && e.event === "challenger-move" && e.fields.move === "step")).toBe(true);
    expect(lastOf(honest!).moves as number).toBeLessThanOrEqual(moveBound(lastOf(honest!).txCount as number));
    expect(invariant(report, "settlement-honest-challenger").figures.honestGamesWon).toBe(1);
    const batch3 = lastBatches(events).get(3)!;
    expect(batch3).toMatchObject({ status: "final", generation: 1 });
    expect(batch3.postRoot).toBe(committedRoots(events).get(3));
    expect(settlementMetrics(events)).toMatchObject({ gamesPlayed: 2, gamesWonByChallenger: 1, gamesWonByPoster: 1 });
  });

  it("determinism: fraud-proof with the same seed gives the same digest and settlement observations twice", () => {
    const cut = () => scenario("fraud-proof", {}, 30 * S);
    const a = runRecorded(cut());
    const b = runRecorded(cut());
    expect(a.report.traceDigest).toBe(b.report.traceDigest);
    const settlement = (events: readonly Observation[]) => events.filter((e) => e.event.startsWith("settlement-"));
    expect(settlement(a.events).length).toBeGreaterThan(10);
    expect(settlement(a.events)).toEqual(settlement(b.events));
    expect(a.events.some((e) => e.event === "challenger-move" && e.fields.move === "step")).toBe(true);
  });
});

describe("the settlement watch reads the FINALIZED L1 state", () => {
  it("under L1 reorgs while batches are finalized, a watch of the processed state (built here) sees finality undone; the run's watch does not", () => {
    // optimistic-honest with reorgs of the last 6 slots every 3 s from 30 s on, when finalize_root moves land.
    const faults = [30, 33, 36, 39, 42, 45].map((t) => ({ at: `${t}s`, action: "l1-reorg", depth: 6 }));
    const s = scenario("optimistic-honest", { faults });
    const run = new ScenarioRun(s, { programElf: loadProgramElf() });
    const challengers = challengerKeys("", s.seed, 1).map((k) => k.publicKey);
    // The broken variant: the same checker over the PROCESSED state, read after every L1 slot and reorg.
    const broken = new SettlementFinalRootChecker(1, new Set(["v0", "v1", "v2", "v3"]));
    let caught: string | undefined;
    let reorgs = 0;
    run.addObserver((o) => {
      if (o.event === "state-root") broken.observe(o);
      if (o.event === "l1-reorg") reorgs++;
      const node = run.l1Node;
      if ((o.event !== "l1-slot" && o.event !== "l1-reorg") || node === undefined) return;
      const read = (address: PublicKey) => {
        const account = node.accountAt(address.toBase58(), "processed");
        return account === null ? null : { lamports: account.lamports, data: account.data };
      };
      for (const { event, fields } of readSettlement(read, { programId: rollupProgramId(), challengers, vaultRent: 0n })) {
        if (event !== "settlement-batch") continue;
        caught ??= broken.observe({ timeUs: o.timeUs, node: "l1", event, fields })?.message;
      }
    });
    const report = runAndJudge(run);
    expect(reorgs).toBe(6);
    expect(caught).toMatch(/finality undone/);
    expect(report.violation).toBeUndefined();
    expect(invariant(report, "settlement-final-root")).toMatchObject({ ok: true });
    expect(invariant(report, "settlement-final-root").figures.finalBatches).toBeGreaterThan(0);
  });
});

describe("the settlement section", () => {
  const base = { name: "x", seed: 1, duration: "10s", validators: { count: 4 } };
  const refused = (settlement: Record<string, unknown>, extra: Record<string, unknown> = {}): InputError => {
    try {
      parseScenario({ ...base, ...extra, settlement });
    } catch (error) {
      if (error instanceof InputError) return error;
      throw error;
    }
    throw new Error("accepted");
  };

  it("defaults to posting mode with today's poster and checkers", () => {
    const s = parseScenario(base);
    expect(s.rollups[0]!.settlement).toMatchObject({ mode: "posting", challengePeriod: 20 * S, clock: 8 * S, wrongRootAt: [] });
  });

  it("refuses bad input with the field named", () => {
    expect(refused({ mode: "optimistic", challengers: [{ behaviour: "silent-after" }] }).message).toMatch(/settlement\.challengers\.0\.moves|silent-after needs moves/);
    expect(refused({ mode: "optimistic", challengePeriod: "1500ms" }).message).toMatch(/whole number of seconds/);
    expect(refused({ mode: "optimistic" }, { l1: { enabled: false } }).message).toMatch(/needs the L1/);
    expect(refused({ mode: "posting", wrongRootAt: [2] }).message).toMatch(/optimistic settlement only/);
    expect(refused({ mode: "optimistic", challengers: [{ behaviour: "honest", moves: 3 }] }).message).toMatch(/only silent-after takes moves/);
    expect(refused({ mode: "optimistic" }, { validators: { count: 4, signatureScheme: "sim" } }).message).toMatch(/signatureScheme "sim" cannot be proven/);
  });
});

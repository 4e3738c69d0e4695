/**
 * A byzantine challenger that challenges a correct root (issue 13, item 3):
 * the `dishonest` behaviour challenges the correct batch at each height of
 * `at` and plays a fabricated trace. The poster must defend and win, take
 * the challenger's bond, and the correct root must still become final; the
 * settlement checkers stay green and the dishonest challenger is not judged
 * as an honest one. Also the section's typed errors for `at`.
 */
import { describe, expect, it } from "vitest";
import { HonestChallengerChecker } from "../../src/check/settlement/honest-challenger.js";
import { InputError } from "../../src/config/errors.js";
import { parseScenario } from "../../src/scenario/load.js";
import { fabricatedTrace } from "../../src/settlement/challenger-node.js";
import { settlementMetrics } from "../../src/settlement/metrics.js";
import { challengerKeys } from "../../src/systems/posting/optimistic.js";
import { invariant, runRecorded, scenario } from "../helpers/scenario.js";

const HEIGHT = 5;
const CHALLENGER_BOND = 1_000_000_000;
const POSTER_BOND = 3_000_000_000;

describe("dishonest-challenger", () => {
  it("the correct batch at height 5 is challenged, the poster wins the game and the bond, the committed root becomes final", () => {
    const { report, events } = runRecorded(scenario("dishonest-challenger"));
    expect(report.violation).toBeUndefined();
    expect(report.exitCode).toBe(0);
    for (const r of report.invariants) expect(r, r.name).toMatchObject({ ok: true });
    const [honest, dishonest] = challengerKeys("", 31, 2).map((k) => k.publicKey.toBase58());
    // A game was played at height 5, by the dishonest challenger only, and the poster won it.
    const games = events.filter((e) => e.event === "settlement-game");
    expect(new Set(games.map((e) => `${e.fields.height}/${e.fields.challenger}`))).toEqual(new Set([`${HEIGHT}/${dishonest}`]));
    const last = games.at(-1)!.fields;
    expect(last).toMatchObject({ height: HEIGHT, winner: "poster" });
    expect(last.moves as number).toBeGreaterThanOrEqual(3);
    const moves = events.filter((e) => e.node === "challenger-1" && e.event === "challenger-move" && e.fields.height === HEIGHT).map((e) => e.fields.move);
    expect(moves[0]).toBe("challenge");
    expect(moves.filter((m) => m === "challenge")).toHaveLength(1);
    // The bisection ended on one transaction, whose one-step proof (the true execution) showed the poster right.
    expect(last.hi as number).toBe((last.lo as number) + 1);
    expect(moves).toContain("step");
    expect(events.filter((e) => e.node === "challenger-0" && e.event === "challenger-move")).toEqual([]);
    expect(settlementMetrics(events)).toMatchObject({ gamesPlayed: 1, gamesWonByPoster: 1, gamesWonByChallenger: 0 });
    // The dishonest challenger is not counted as honest (its lost game is no violation).
    expect(invariant(report, "settlement-honest-challenger").figures.honestGamesWon).toBe(0);
    expect(honest).not.toBe(dishonest);
    // Bonds: the ledger held at every observation and the challenger's bond was posted and paid out (to the winner, the poster).
    const bonds = events.filter((e) => e.event === "settlement-bonds").at(-1)!.fields;
    expect(invariant(report, "settlement-bonds").ok).toBe(true);
    expect(bonds.lockedInGames).toBe(0);
    // Poster bonds are whole multiples of POSTER_BOND: exactly one challenger bond was posted, and it was paid out.
    expect(((bonds.posted as number) - CHALLENGER_BOND) % POSTER_BOND).toBe(0);
    expect(((bonds.paid as number) - CHALLENGER_BOND) % POSTER_BOND).toBe(0);
    const posterBonds = (report.metrics as unknown as { settlement: { finalBatches: number } }).settlement;
    expect(posterBonds.finalBatches).toBeGreaterThanOrEqual(HEIGHT);
    // The root at height 5 is final and equals the root the validators committed.
    const batches = new Map<number, Readonly<Record<string, unknown>>>();
    for (const e of events) if (e.event === "settlement-batch") batches.set(e.fields.height as number, e.fields);
    const committed = events.find((e) => e.event === "state-root" && e.node === "v0" && e.fields.height === HEIGHT)!.fields.root;
    expect(batches.get(HEIGHT)).toMatchObject({ status: "final", generation: 0, postRoot: committed });
    // It became final after the game: later than the unchallenged batch 4.
    expect(batches.get(HEIGHT)!.finalizedAt as number).toBeGreaterThan(batches.get(HEIGHT - 1)!.finalizedAt as number);
    // A checker that wrongly counted the dishonest challenger as honest would call its lost game a violation.
    const miscounting = new HonestChallengerChecker(new Set([honest!, dishonest!]));
    const caught = events.map((e) => miscounting.observe(e)).find((v) => v !== undefined);
    expect(caught?.message).toMatch(new RegExp(`honest challenger ${dishonest} lost its game on batch ${HEIGHT}`));
    console.log("dishonest-challenger:", JSON.stringify(settlementMetrics(events)), JSON.stringify(last), JSON.stringify(bonds));
  });

  it("fabricatedTrace keeps S_0..S_{k-1}, k = max(1, ceil(n/2)), and changes every root from S_k on", () => {
    const roots = (n: number) => Array.from({ length: n + 1 }, (_, i) => new Uint8Array(32).fill(i + 1));
    for (const n of [1, 2, 5, 8]) {
      const trace = roots(n);
      const fake = fabricatedTrace(trace);
      const k = Math.max(1, Math.ceil(n / 2));
      expect(fake).toHaveLength(n + 1);
      fake.forEach((root, i) => expect(Buffer.from(root).equals(Buffer.from(trace[i]!)), `n=${n} i=${i}`).toBe(i < k));
    }
    expect(() => fabricatedTrace([])).toThrow(RangeError);
  });

  it("the section refuses `at` without dishonest and dishonest without `at`, naming the field", () => {
    const base = { name: "x", seed: 1, duration: "10s", validators: { count: 4 } };
    const refused = (challengers: unknown[]): InputError => {
      try {
        parseScenario({ ...base, settlement: { mode: "optimistic", challengers } });
      } catch (error) {
        if (error instanceof InputError) return error;
        throw error;
      }
      throw new Error("accepted");
    };
    expect(refused([{ behaviour: "dishonest" }]).message).toMatch(/settlement\.challengers\[0\]\.at[\s\S]*dishonest needs at/);
    expect(refused([{ behaviour: "honest", at: [3] }]).message).toMatch(/only dishonest takes at \(behaviour is honest\)/);
    expect(refused([{ behaviour: "dishonest", at: [0] }]).message).toMatch(/settlement\.challengers\[0\]\.at/);
    expect(refused([{ behaviour: "dishonest", at: [] }]).message).toMatch(/settlement\.challengers\[0\]\.at/);
    const ok = parseScenario({ ...base, settlement: { mode: "optimistic", challengers: [{ behaviour: "dishonest", at: [2, 4] }] } });
    expect(ok.rollups[0]!.settlement.challengers[0]).toMatchObject({ behaviour: "dishonest", at: [2, 4] });
  });
});

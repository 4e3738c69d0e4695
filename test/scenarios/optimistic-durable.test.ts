/**
 * Durable traces (issue 13): the optimistic poster stores every trace on its
 * simulated disk before posting it, so a poster crash and restart mid-game
 * still answers the game on its batch. The broken variant built here (a
 * poster that stores nothing) cannot answer after its restart and loses the
 * game on time.
 */
import { describe, expect, it } from "vitest";
import type { Observation } from "../../src/check/checker.js";
import { OptimisticPoster } from "../../src/settlement/optimistic-poster.js";
import { runRecorded, scenario } from "../helpers/scenario.js";

const CRASH_US = 7_500_000;
const RESTART_US = 8_500_000;

/** fraud-proof with the poster crashed after the first round of the game at height 3 and restarted 1 s later. */
function crashedMidGame() {
  return scenario("fraud-proof", {
    duration: "70s",
    faults: [
      { at: CRASH_US, action: "crash", node: "poster" },
      { at: RESTART_US, action: "restart", node: "poster" },
    ],
  });
}

const movesAt3 = (events: readonly Observation[], node: string) => events.filter((e) => e.node === node && (e.event === "optimistic-move" || e.event === "challenger-move") && e.fields.height === 3);

describe("durable traces of the optimistic poster", () => {
  it("a poster crashed mid-game reloads its stored traces on restart and goes on revealing; the game ends by the one-step proof, not a timeout", { timeout: 600_000 }, () => {
    const { report, events } = runRecorded(crashedMidGame());
    expect(report.violation).toBeUndefined();
    for (const r of report.invariants) expect(r, r.name).toMatchObject({ ok: true });
    const poster = movesAt3(events, "poster");
    expect(poster.some((e) => e.fields.move === "reveal" && e.timeUs < CRASH_US)).toBe(true);
    expect(poster.some((e) => e.fields.move === "reveal" && e.timeUs > RESTART_US)).toBe(true);
    expect(events.some((e) => e.node === "poster" && e.event === "optimistic-traces-loaded" && e.timeUs >= RESTART_US)).toBe(true);
    const challenger = movesAt3(events, "challenger-0").map((e) => e.fields.move);
    expect(challenger).toContain("step");
    expect(challenger).not.toContain("timeout");
    const batch3 = events.filter((e) => e.event === "settlement-batch" && e.fields.height === 3).at(-1)!.fields;
    expect(batch3).toMatchObject({ status: "final", generation: 1 });
  });

  it("the broken variant (a poster that stores no trace) cannot answer after the restart: it never reveals again and the challenger wins by timeout", { timeout: 600_000 }, () => {
    const proto = OptimisticPoster.prototype as unknown as { persistTrace: (...args: unknown[]) => void };
    const original = proto.persistTrace;
    proto.persistTrace = () => {};
    let run;
    try {
      run = runRecorded(crashedMidGame());
    } finally {
      proto.persistTrace = original;
    }
    const { events } = run;
    expect(movesAt3(events, "poster").some((e) => e.fields.move === "reveal" && e.timeUs > RESTART_US)).toBe(false);
    expect(movesAt3(events, "challenger-0").map((e) => e.fields.move)).toContain("timeout");
    expect(events.some((e) => e.node === "poster" && e.event === "optimistic-traces-loaded")).toBe(false);
  });
});

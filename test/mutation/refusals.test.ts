/**
 * The second part of the mutation run's sweep (docs/mutation.md), and a
 * normal test too: the replica's message checks are layered (a proposal
 * from the wrong leader also fails its signature check; a forged QC also
 * fails as a parent link), so a mutant that drops one check is caught by
 * the next, and the safety invariants of test/mutation/sweep.test.ts hold.
 * What tells such a mutant apart is which check refused the message: each
 * run here (ten simulated seconds, n = 4, v3 byzantine, no L1) asserts that
 * the honest validators refused v3's messages for each reason its behaviour
 * provokes, as `test/scenarios/adversaries.test.ts` does on longer runs, and
 * that the `propose`, `qc` and `vote-refused` events carry their fields
 * (the `qc` and `propose` events are the record of what a leader certified
 * and proposed).
 */
import { describe, expect, it } from "vitest";
import type { Observation } from "../../src/check/checker.js";
import { runWatched } from "../helpers/scenario.js";

/** v2 down from 1 s to 2.5 s, so later views are entered through TCs. */
const CRASH_V2 = [
  { at: "1s", action: "crash", node: "v2" },
  { at: "2.5s", action: "restart", node: "v2" },
];

function run(behavior: string, fields: Record<string, unknown> = {}): Observation[] {
  const { report, events } = runWatched({
    name: "mutation-refusals",
    seed: 7,
    duration: "10s",
    // Round-robin leaders: the byzantine validator leads every fourth view, which the refusals below need.
    validators: { count: 4, signatureScheme: "sim", viewTimeout: "500ms", leaderElection: "round-robin" },
    workload: { txPerSecond: 40 },
    l1: { enabled: false },
    byzantine: [{ node: "v3", behavior }],
    ...fields,
  });
  expect(report.violation).toBeUndefined();
  expect(report.exitCode).toBe(0);
  expectEventFields(events);
  return events;
}

/** How many times honest validators refused (`reject` or `vote-refused`) for each reason. */
function refusals(events: readonly Observation[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of events) {
    if (e.node === "v3" || (e.event !== "reject" && e.event !== "vote-refused")) continue;
    const key = `${e.event}: ${String(e.fields.reason)}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

function expectRefused(events: readonly Observation[], reasons: readonly string[]): void {
  const counts = refusals(events);
  for (const reason of reasons) expect(counts[reason] ?? 0, `${reason} in ${JSON.stringify(counts)}`).toBeGreaterThan(0);
}

/** Honest `propose` events name a view, height and hash; each honest `qc` certifies a proposed block at its view and height; `vote-refused` names its view. */
function expectEventFields(events: readonly Observation[]): void {
  const proposed = new Map<string, { view: number; height: number }>();
  for (const e of events.filter((x) => x.event === "propose")) {
    expect(e.fields.hash, "propose hash").toMatch(/^[0-9a-f]{64}$/);
    expect(e.fields.view, "propose view").toBeTypeOf("number");
    expect(e.fields.height, "propose height").toBeTypeOf("number");
    proposed.set(String(e.fields.hash), { view: Number(e.fields.view), height: Number(e.fields.height) });
  }
  const qcs = events.filter((x) => x.event === "qc" && x.node !== "v3");
  expect(qcs.length).toBeGreaterThan(5);
  for (const e of qcs) expect(proposed.get(String(e.fields.hash)), `qc ${JSON.stringify(e.fields)}`).toEqual({ view: e.fields.view, height: e.fields.height });
  for (const e of events.filter((x) => x.event === "vote-refused")) expect(e.fields.view, "vote-refused view").toBeTypeOf("number");
}

describe("mutation sweep: which check refused the byzantine validator's messages", () => {
  it("forged certificates: each refused by the check for its forgery", () => {
    expectRefused(run("forged-qc", { seed: 3, faults: CRASH_V2 }), [
      "reject: invalid justify QC",
      "reject: justify QC does not certify the parent",
      "reject: justify QC not below the block's view",
      "reject: invalid high QC in timeout",
      "reject: invalid last TC in timeout",
    ]);
  });

  it("small-scope mutations: wrong leader, broken parent link, vote to the wrong leader, an old payload", () => {
    expectRefused(run("mutate"), [
      "reject: proposal not from the view's leader",
      "reject: justify QC does not certify the parent",
      "reject: vote sent to a replica that is not the next leader",
      "vote-refused: payload rejected by the application",
    ]);
  });

  it("bad signatures and replayed messages: refused by the signature and sender checks", () => {
    expectRefused(run("bad-signatures"), ["reject: bad proposal signature", "reject: bad vote signature", "reject: bad timeout signature"]);
    expectRefused(run("replay"), [
      "reject: proposal not from the view's leader",
      "reject: vote signer is not the sender",
      "reject: timeout signer is not the sender",
      "reject: vote sent to a replica that is not the next leader",
    ]);
  });

  it("lying TC: a proposal on it is refused as unsafe", () => {
    expectRefused(run("lying-tc", { seed: 3, faults: CRASH_V2 }), ["vote-refused: unsafe: QC neither from the previous view nor justified by a TC", "reject: invalid high QC in timeout"]);
  });
});

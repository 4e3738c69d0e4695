/**
 * The bridge scenarios (posting mode): `bridge-round-trip` (deposits and
 * withdrawals under two L1 reorgs and a relayer crash and restart) completes
 * every transfer with every checker green; `withdrawal-replay` has the program
 * refuse a replayed finalize_withdrawal (the nullifier exists) and a forged
 * proof, pays once, and keeps every checker green. Plus the section's input errors.
 */
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/config/errors.js";
import { inputError } from "../helpers/errors.js";
import { rawScenario, runRecorded, runScenario, scenario } from "../helpers/scenario.js";
import { parseScenario } from "../../src/scenario/load.js";
import { BRIDGE_EVENTS } from "../../src/systems/bridge/events.js";
import { VALIDATOR_EVENTS } from "../../src/systems/validators/events.js";

const BRIDGE_INVARIANTS = ["bridge-conservation", "deposits-credited-once", "withdrawals-paid-once", "bridge-liveness"];

describe("bridge scenarios", () => {
  it("bridge-round-trip: every deposit credited once and every withdrawal paid once, under L1 reorgs and a relayer crash", () => {
    const { report, events } = runRecorded(scenario("bridge-round-trip"));
    for (const result of report.invariants) expect(result.ok, `${result.name}: ${result.violation?.message}`).toBe(true);
    const judged = report.invariants.filter((r) => BRIDGE_INVARIANTS.includes(r.name));
    expect(judged.map((r) => [r.name, r.skipped])).toEqual(BRIDGE_INVARIANTS.map((name) => [name, undefined]));
    const bridge = (report.metrics as unknown as { bridge: Record<string, number> }).bridge;
    expect(bridge).toMatchObject({ deposits: 4, finalizedDeposits: 4, credited: 4, withdrawals: 4, recorded: 4, paid: 4 });
    expect(bridge.depositLatencyUsP50).toBeGreaterThan(0);
    expect(bridge.withdrawalLatencyUsP50).toBeGreaterThan(0);
    // The faults happened: the relayer restarted, and a reorg made it send a deposit again.
    expect(events.filter((e) => e.node === "relayer" && e.event === "relayer-start")).toHaveLength(2);
    expect(events.some((e) => e.event === "l1-reorg")).toBe(true);
    expect(events.filter((e) => e.event === "deposit-sent").length).toBeGreaterThan(4);
    // At the end the vault owes nothing: everything deposited was withdrawn and paid.
    const last = events.filter((e) => e.event === "bridge-l1-finalized").at(-1)!;
    expect(last.fields).toMatchObject({ vaultExcess: "0", totalDeposited: "11000000", totalWithdrawn: "11000000" });
  }, 240_000);

  it("withdrawal-replay: the program refuses the replay and the forged proof, pays once, checkers green", () => {
    const { report, events } = runRecorded(scenario("withdrawal-replay"));
    for (const result of report.invariants) expect(result.ok, `${result.name}: ${result.violation?.message}`).toBe(true);
    const outcomes = events.filter((e) => e.event === "attack-outcome").map((e) => [e.fields.kind, e.fields.outcome]);
    expect(outcomes).toEqual([
      ["replay-withdrawal", "WithdrawalAlreadyFinalized"],
      ["forged-proof", "InvalidWithdrawalProof"],
    ]);
    const payments = events.filter((e) => e.event === "bridge-l1-finalized").flatMap((e) => e.fields.payments as unknown[]);
    expect(payments).toHaveLength(1);
    expect((report.metrics as unknown as { bridge: Record<string, number> }).bridge).toMatchObject({ credited: 1, recorded: 1, paid: 1 });
    // Every bridge event carries the fields its catalogue declares (the relayer's `submit` is a validators' event).
    const problems = events
      .filter((e) => e.node === "relayer" || BRIDGE_EVENTS.is(e) || e.event === "bridge-committed")
      .map((e) => (BRIDGE_EVENTS.is(e) ? BRIDGE_EVENTS.validate(e) : VALIDATOR_EVENTS.validate(e)))
      .filter((p) => p !== undefined);
    expect(problems.slice(0, 3)).toEqual([]);
  }, 240_000);
});

describe("bridge determinism", () => {
  it("the bridge scenario gives the same digest and report twice (its first 30 s: deposits credited, withdrawals recorded)", () => {
    const a = runScenario(scenario("bridge-round-trip", {}, 30_000_000));
    const b = runScenario(scenario("bridge-round-trip", {}, 30_000_000));
    expect(b.traceDigest).toBe(a.traceDigest);
    expect(b).toEqual(a);
    expect((a.metrics as unknown as { bridge: Record<string, number> }).bridge).toMatchObject({ credited: 4 });
  }, 240_000);
});

describe("bridge section", () => {
  it("is off by default: no relayer, no bridge checkers", () => {
    const s = parseScenario({ ...rawScenario("quickstart") });
    expect(s.rollups[0]!.bridge).toBeUndefined();
  });

  it("refuses a user out of range and the bridge without the L1, naming the field (a transfer after the end just never happens, so --duration can cut a run)", () => {
    const base = rawScenario("withdrawal-replay") as Record<string, unknown> & { bridge: Record<string, unknown> };
    const withBridge = (bridge: Record<string, unknown>, extra: Record<string, unknown> = {}) => () => parseScenario({ ...base, ...extra, bridge: { ...base.bridge, ...bridge } });
    expect(inputError(withBridge({ deposits: [{ at: "1s", user: 1, amount: 5 }] })).field).toBe("bridge.deposits[0].user");
    expect(inputError(withBridge({ withdrawals: [{ at: "9s", user: 3, amount: 5 }] })).field).toBe("bridge.withdrawals[0].user");
    expect(() => withBridge({ withdrawals: [{ at: "99s", user: 0, amount: 5 }] })()).not.toThrow();
    expect(inputError(withBridge({}, { l1: { enabled: false } })).field).toBe("bridge");
    expect(() => parseScenario({ ...base, bridge: { ...base.bridge, creditsPerBlock: 17 } })).toThrow(InputError);
  });
});

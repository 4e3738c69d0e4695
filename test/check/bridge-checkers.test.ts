/**
 * The four bridge checkers (src/check/bridge/), each proven against a broken
 * bridge built here: the observation stream a correct bridge produces passes,
 * and the same stream with one fault of a broken component (validators that
 * credit a deposit the L1 never finalized or credit one twice, a vault that
 * pays without counting, a program that pays twice or before the root is
 * final, a relayer that never pays) is caught, with a message naming it.
 */
import { describe, expect, it } from "vitest";
import type { Checker, Observation } from "../../src/check/checker.js";
import { BridgeConservationChecker } from "../../src/check/bridge/conservation.js";
import { DepositsCreditedChecker } from "../../src/check/bridge/deposits-credited.js";
import { BridgeLivenessChecker } from "../../src/check/bridge/liveness.js";
import { WithdrawalsPaidOnceChecker } from "../../src/check/bridge/withdrawals-paid-once.js";

const HONEST = new Set(["v0", "v1"]);
const ALICE_L2 = "aa".repeat(32);
const ALICE_L1 = "11".repeat(32);
const ROOT_10 = "0a".repeat(32);

type Fields = Record<string, unknown>;
const at = (timeUs: number, node: string, event: string, fields: Fields): Observation => ({ timeUs, node, event, fields });

/** A vault/finalization observation. */
function l1(timeUs: number, slot: number, figures: { deposited: bigint; withdrawn: bigint; excess?: bigint }, deposits: Fields[] = [], payments: Fields[] = []): Observation {
  const excess = figures.excess ?? figures.deposited - figures.withdrawn;
  return at(timeUs, "l1", "bridge-l1-finalized", { slot, vaultExcess: excess.toString(), totalDeposited: figures.deposited.toString(), totalWithdrawn: figures.withdrawn.toString(), deposits, payments });
}

const deposit0 = { sequence: "0", to: ALICE_L2, amount: "500", slot: 3 };
const credit0 = { sequence: "0", to: ALICE_L2, amount: "500" };
const withdrawal0 = { sequence: "0", recipient: ALICE_L1, amount: "200" };
const payment0 = { sequence: "0", recipient: ALICE_L1, amount: "200", batch: 10, slot: 40 };

/**
 * A correct round trip: deposit 0 finalized, credited at height 5; withdrawal 0 recorded at height 8;
 * root of height 10 registered in slot 30 and finalized; payment in slot 40, finalized.
 */
function honestRun(): Observation[] {
  return [
    l1(1_000_000, 3, { deposited: 500n, withdrawn: 0n }, [deposit0]),
    at(2_000_000, "v0", "bridge-committed", { height: 5, root: "05".repeat(32), credits: [credit0], withdrawals: [] }),
    at(2_000_100, "v1", "bridge-committed", { height: 5, root: "05".repeat(32), credits: [credit0], withdrawals: [] }),
    l1(2_500_000, 8, { deposited: 500n, withdrawn: 0n }),
    at(3_000_000, "v0", "bridge-committed", { height: 8, root: "08".repeat(32), credits: [], withdrawals: [withdrawal0] }),
    at(3_500_000, "v0", "state-root", { height: 10, root: ROOT_10, txs: 1 }),
    at(4_000_000, "l1", "l1-root-finalized", { batch: 10, l2Height: 10, root: ROOT_10, slot: 30 }),
    l1(4_000_000, 31, { deposited: 500n, withdrawn: 0n }),
    l1(6_000_000, 41, { deposited: 500n, withdrawn: 200n }, [], [payment0]),
  ];
}

function run(checker: Checker, observations: readonly Observation[], endUs = 10_000_000) {
  let first;
  for (const o of observations) first ??= checker.observe(o);
  return { first, result: checker.finish(endUs) };
}

describe("bridge-conservation", () => {
  it("holds on a correct round trip", () => {
    const { first, result } = run(new BridgeConservationChecker(HONEST), honestRun());
    expect(first).toBeUndefined();
    expect(result.ok).toBe(true);
    expect(result.figures.slotsChecked).toBe(4);
  });

  it("catches validators that credit a deposit the L1 never finalized (read before finality, then reorged away)", () => {
    const broken = honestRun();
    // The broken validators credit deposit 1 (seen at the confirmed commitment); the L1 finalizes no deposit 1.
    broken.splice(3, 0, at(2_200_000, "v0", "bridge-committed", { height: 6, root: "06".repeat(32), credits: [{ sequence: "1", to: ALICE_L2, amount: "300" }], withdrawals: [] }));
    const { first } = run(new BridgeConservationChecker(HONEST), broken);
    expect(first?.message).toMatch(/L1 slot 8: the vault owes 500 lamports, but the L2 supply 800/);
  });

  it("catches a vault that pays out without counting it", () => {
    const broken = honestRun();
    broken[broken.length - 1] = l1(6_000_000, 41, { deposited: 500n, withdrawn: 0n, excess: 300n }, [], [payment0]);
    const { first } = run(new BridgeConservationChecker(HONEST), broken);
    expect(first?.message).toMatch(/holds 300 lamports above its reserve, the program counts 500 owed/);
  });
});

describe("deposits-credited-once", () => {
  it("holds on a correct round trip", () => {
    const { first, result } = run(new DepositsCreditedChecker(HONEST), honestRun());
    expect(first).toBeUndefined();
    expect(result.figures.creditsChecked).toBe(1);
  });

  it("catches a deposit credited twice (validators without the next-deposit check)", () => {
    const broken = honestRun();
    broken.splice(4, 0, at(2_600_000, "v0", "bridge-committed", { height: 7, root: "07".repeat(32), credits: [credit0], withdrawals: [] }));
    expect(run(new DepositsCreditedChecker(HONEST), broken).first?.message).toBe("L2 height 7: deposit 0 credited a second time");
  });

  it("catches a credit before the L1 finalized the deposit, and one with another amount", () => {
    const early = honestRun();
    [early[0], early[1]] = [early[1]!, { ...early[0]!, timeUs: 2_100_000 }];
    expect(run(new DepositsCreditedChecker(HONEST), early).first?.message).toBe("L2 height 5: credits deposit 0, which the L1 has not finalized");
    const wrong = honestRun();
    wrong[1] = at(2_000_000, "v0", "bridge-committed", { height: 5, root: "05".repeat(32), credits: [{ ...credit0, amount: "501" }], withdrawals: [] });
    expect(run(new DepositsCreditedChecker(HONEST), wrong).first?.message).toMatch(/credits deposit 0 as 501 to aaaa.*the L1 finalized 500/);
  });

  it("ignores what a byzantine validator logs", () => {
    const stream = [...honestRun(), at(7_000_000, "v9", "bridge-committed", { height: 11, root: "0b".repeat(32), credits: [credit0], withdrawals: [] })];
    expect(run(new DepositsCreditedChecker(HONEST), stream).first).toBeUndefined();
  });
});

describe("withdrawals-paid-once", () => {
  it("holds on a correct round trip", () => {
    const { first, result } = run(new WithdrawalsPaidOnceChecker(1, HONEST), honestRun());
    expect(first).toBeUndefined();
    expect(result.figures.paid).toBe(1);
  });

  it("catches a program that pays a withdrawal twice (no nullifier)", () => {
    const broken = [...honestRun(), l1(7_000_000, 50, { deposited: 500n, withdrawn: 400n }, [], [{ ...payment0, slot: 49 }])];
    expect(run(new WithdrawalsPaidOnceChecker(1, HONEST), broken).first?.message).toBe("withdrawal 0, paid in L1 slot 49: paid a second time");
  });

  it("catches a payment before its root is final, against a root the L2 never committed, or of a forged withdrawal", () => {
    const early = honestRun();
    early[early.length - 1] = l1(6_000_000, 41, { deposited: 500n, withdrawn: 200n }, [], [{ ...payment0, slot: 30 }]);
    expect(run(new WithdrawalsPaidOnceChecker(1, HONEST), early).first?.message).toMatch(/registered in slot 30: not final before the payment/);
    const unregistered = honestRun().filter((o) => o.event !== "l1-root-finalized");
    expect(run(new WithdrawalsPaidOnceChecker(1, HONEST), unregistered).first?.message).toMatch(/against batch 10, whose root is not finalized on the L1/);
    const foreignRoot = honestRun().map((o) => (o.event === "state-root" ? { ...o, fields: { ...o.fields, root: "ff".repeat(32) } } : o));
    expect(run(new WithdrawalsPaidOnceChecker(1, HONEST), foreignRoot).first?.message).toMatch(/not the committed root of L2 height 10/);
    const forged = honestRun();
    forged[forged.length - 1] = l1(6_000_000, 41, { deposited: 500n, withdrawn: 201n }, [], [{ ...payment0, amount: "201" }]);
    expect(run(new WithdrawalsPaidOnceChecker(1, HONEST), forged).first?.message).toMatch(/paid 201 to 1111.*the L2 recorded 200/);
  });
});

describe("bridge-liveness", () => {
  it("holds when everything completes within the bound, and is skipped when not expected", () => {
    expect(new BridgeLivenessChecker(5_000_000, { healAtUs: 0 }, HONEST).finish(10_000_000).ok).toBe(true);
    const { result } = run(new BridgeLivenessChecker(5_000_000, { healAtUs: 0 }, HONEST), honestRun());
    expect(result.ok).toBe(true);
    const skipped = run(new BridgeLivenessChecker(1, { healAtUs: 0, notExpectedBecause: "the relayer stays crashed" }, HONEST), honestRun().slice(0, 5));
    expect(skipped.result).toMatchObject({ ok: true, skipped: "the relayer stays crashed" });
  });

  it("catches a relayer that never pays, and validators that never credit", () => {
    const unpaid = honestRun().slice(0, -1);
    const result = run(new BridgeLivenessChecker(5_000_000, { healAtUs: 0 }, HONEST), unpaid).result;
    expect(result.ok).toBe(false);
    expect(result.violation?.message).toBe("withdrawal 0, recorded at 3000000us, not paid within 5000000us");
    // Not yet due: the deadline (recorded + bound) is after the end of the run.
    expect(run(new BridgeLivenessChecker(5_000_000, { healAtUs: 0 }, HONEST), unpaid, 7_000_000).result.ok).toBe(true);
    const uncredited = [honestRun()[0]!];
    expect(run(new BridgeLivenessChecker(5_000_000, { healAtUs: 2_000_000 }, HONEST), uncredited).result.violation?.message).toBe("deposit 0, finalized at 1000000us, not credited within 5000000us");
  });
});

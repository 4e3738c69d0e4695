/**
 * Goal: the SP's side of an SCP instance decides as SCP v1 states (Validity,
 * Agreement, one decision). Each test mirrors a v2 Go test of
 * compose-network/specs `compose/scp/publisher_test.go`, named after it.
 */
import { describe, expect, it } from "vitest";
import { PublisherInstance } from "../../src/sbcp/scp/publisher-instance.js";
import { xTidOf } from "../../src/sbcp/xt-id.js";
import { crossTransfer } from "../helpers/sbcp-hand.js";

function instance(): PublisherInstance {
  const request = crossTransfer(1, 2, 1, 7, 100);
  return new PublisherInstance(xTidOf(request), 1, 0, request);
}

describe("SCP publisher instance (compose/scp/publisher_test.go)", () => {
  it("AllTrueVotesDecidesTrue", () => {
    const i = instance();
    expect(i.participants).toEqual([1, 2]);
    expect(i.onVote(1, true)).toEqual({ kind: "pending" });
    expect(i.decision).toBeUndefined();
    expect(i.onVote(2, true)).toEqual({ kind: "decided", decision: true });
    expect(i.decision).toBe(true);
  });

  it("NonParticipantVoteErrors", () => {
    const i = instance();
    expect(i.onVote(3, true)).toEqual({ kind: "refused", reason: "not-a-participant" });
    expect(i.votesByChain.size).toBe(0);
  });

  it("AnyFalseDecidesFalseEarly", () => {
    const i = instance();
    expect(i.onVote(2, false)).toEqual({ kind: "decided", decision: false });
    // The other participant's later true vote changes nothing.
    expect(i.onVote(1, true)).toEqual({ kind: "refused", reason: "already-decided" });
    expect(i.decision).toBe(false);
  });

  it("TimeoutDecidesFalse", () => {
    const i = instance();
    expect(i.onTimeout()).toEqual({ kind: "decided", decision: false });
  });

  it("TimeoutAfterTrueDecisionIgnored", () => {
    const i = instance();
    i.onVote(1, true);
    i.onVote(2, true);
    expect(i.onTimeout()).toBeUndefined();
    expect(i.decision).toBe(true);
  });

  it("OneVoteThenTimeout_DecidesFalse", () => {
    const i = instance();
    expect(i.onVote(1, true)).toEqual({ kind: "pending" });
    expect(i.onTimeout()).toEqual({ kind: "decided", decision: false });
  });

  it("a duplicate vote is refused and does not count twice (participant dedup)", () => {
    const request = { Transactions: [...crossTransfer(1, 2, 1, 7, 100).Transactions, crossTransfer(1, 2, 1, 8, 5, 2).Transactions[0]!] };
    const i = new PublisherInstance(xTidOf(request), 1, 0, request);
    expect(i.participants).toEqual([1, 2]);
    i.onVote(1, true);
    expect(i.onVote(1, true)).toEqual({ kind: "refused", reason: "duplicate-vote" });
    expect(i.decision).toBeUndefined();
  });
});

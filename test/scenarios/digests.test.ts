/**
 * Goal: the framework rewrite changed nothing a run computes. Every
 * scenario without the L1 keeps the exact trace digest it had before the
 * world and systems existed (recorded from the last commit before them,
 * a96f3e9); with the L1, the L1's messages travel in their own codec now, so
 * the digests below are the new ones, recorded with every other figure of
 * the report equal to before (see the closing note of the framework issue).
 * Each run: the shipped scenario cut to 10 s, with its liveness phase left out,
 * and (without the L1) its operations, poster and L1 faults left out.
 *
 * Leader reputation changes who leads a view only once a validator has
 * failed turns: with reputation (the default) each run keeps its digest from
 * before, as long as no validator failed a turn; f-down-for-good shows a
 * digest that reputation changes, and its digest with
 * `validators.leaderElection: "round-robin"` pinned. The same runs with
 * round-robin pinned (the same digests) are in the long tier:
 * digests.long.test.ts. The cases: test/helpers/digest-cases.ts.
 */
import { describe, expect, it } from "vitest";
import { cut, REPUTATION_AT_WORK, WITH_L1, WITHOUT_L1 } from "../helpers/digest-cases.js";
import { runScenario } from "../helpers/scenario.js";

describe("trace digests with leader reputation (the default)", () => {
  // With no failed turn in the chain, every validator is in reputation's top tier, which takes its turns in
  // round-robin order: these runs (no validator fails a turn in their first 10 s) keep their digests.
  it.each(WITHOUT_L1)("%s without the L1: the same digest as with round-robin", (name, digest, where) => {
    expect(runScenario(cut(name, false, where)).traceDigest).toBe(digest);
  });

  it.each(WITH_L1)("%s with the L1: the same digest as with round-robin", (name, digest) => {
    expect(runScenario(cut(name, true)).traceDigest).toBe(digest);
  });

  it(`${REPUTATION_AT_WORK.name} without the L1: reputation stops giving views to the crashed validators, another digest`, () => {
    expect(runScenario(cut(REPUTATION_AT_WORK.name, false, "sim-scenarios", "round-robin")).traceDigest).toBe(REPUTATION_AT_WORK.roundRobin);
    expect(runScenario(cut(REPUTATION_AT_WORK.name, false)).traceDigest).toBe(REPUTATION_AT_WORK.reputation);
  });
});

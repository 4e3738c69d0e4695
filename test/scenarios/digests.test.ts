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
 * failed turns: with `validators.leaderElection: "round-robin"` pinned each
 * run keeps its digest from before, and with reputation (the default) too,
 * as long as no validator failed a turn; f-down-for-good shows a digest that
 * reputation changes.
 */
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../src/scenario/load.js";
import { applyOverrides } from "../../src/scenario/overrides.js";
import { rawScenario, runScenario } from "../helpers/scenario.js";

function cut(name: string, l1: boolean, where: "sim-scenarios" | "fixtures" = "sim-scenarios", leaderElection?: "round-robin") {
  const s = structuredClone(rawScenario(name, where)) as Record<string, unknown> & {
    faults?: { action: string; node?: string }[];
    phases?: { livenessAt?: unknown };
    l1?: Record<string, unknown>;
    validators: Record<string, unknown>;
  };
  if (leaderElection !== undefined) s.validators = { ...s.validators, leaderElection };
  if (!l1) {
    s.l1 = { ...(s.l1 ?? {}), enabled: false };
    delete s.operations;
    delete s.batchPoster;
    s.faults = (s.faults ?? []).filter((a) => !a.action.startsWith("l1-") && a.node !== "poster");
  }
  const raw = applyOverrides(s, { durationUs: 10_000_000 }).raw as typeof s;
  if (raw.phases?.livenessAt !== undefined) delete raw.phases;
  return parseScenario(raw);
}

/** Recorded with round-robin leaders (view mod n), the only election before leader reputation. */
const WITHOUT_L1: [string, string, "sim-scenarios" | "fixtures"][] = [
  ["quickstart", "def18501df26a7c0453d2cfe872740cf3ce3b6116f1df4ccf90ddda67647e8bf", "sim-scenarios"],
  ["crash-restart", "3ea7853a5c88fd233bc0c11b3985d10a19c7b36de4035fdc9b850d16ec8770b3", "sim-scenarios"],
  ["partition-heal", "a560ff100a749036717bf823b3655d9c357b7490bf976bd03e484b8942f71ebe", "sim-scenarios"],
  ["twins-must-fail", "e441a8bbfcab6e67814f39e57c58f7f0cfebb42b0ea1b7639b948eff80957fd7", "sim-scenarios"],
  ["all-holders-restart", "9e0587f283e7f2dd2f7309598eb2c35f4d787940060eefd83d25dc0c3a377149", "fixtures"],
];

/** Re-recorded when `initialize` took the ProgramData account (issue 16 defect 7): its transaction's bytes changed. */
const WITH_L1: [string, string][] = [
  ["quickstart", "6c6c246912fd8efabc0dc92377368d68c6a7b1ca0a7250aeac9bb7edb83f958e"],
  ["l1-reorg", "c8378165f60d8f8b093ac0cbb0e0d4ad4ef9e3bb66991603b9dbbad441aa0f80"],
];

/**
 * A shipped scenario in which reputation changes the leaders (two validators
 * crash for good at 2 s and are charged with their failed turns), cut like
 * the others: its digest with each election.
 */
const REPUTATION_AT_WORK: { name: string; roundRobin: string; reputation: string } = {
  name: "f-down-for-good",
  roundRobin: "4a552ac7ab1082648d17bc454ab296c37daf05083d7da713dda96f14687337ae",
  reputation: "7e05b4c079516da52dbed1107f8e9a30dad489c0a39ed46e9b51571a7c131383",
};

describe("trace digests across the framework rewrite, with round-robin leaders pinned", () => {
  it.each(WITHOUT_L1)("%s without the L1 keeps its digest from before the rewrite", (name, digest, where) => {
    expect(runScenario(cut(name, false, where, "round-robin")).traceDigest).toBe(digest);
  });

  it.each(WITH_L1)("%s with the L1 has its recorded digest (L1 RPC in its own codec)", (name, digest) => {
    expect(runScenario(cut(name, true, "sim-scenarios", "round-robin")).traceDigest).toBe(digest);
  });
});

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

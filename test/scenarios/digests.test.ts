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
 * Leader reputation changed who leads each view, and so every digest; with
 * `validators.leaderElection: "round-robin"` pinned, each run gets its
 * digest from before back, which shows that the leader sequence is all that
 * changed.
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

const WITH_L1: [string, string][] = [
  ["quickstart", "7f6df39a493fedda4f2247baf1499bfb2497563b1d0513b8cc3894b4802d7d8c"],
  ["l1-reorg", "6ca8d40c8777f79d5cc59dd4d8eae3c58f26c6682d24de5418d0e9aa5cc148fd"],
];

/**
 * The same runs with leader reputation (the default since it came): only the
 * leader sequence differs from the round-robin digests above, which these
 * tests get back by pinning `validators.leaderElection: "round-robin"`.
 */
const WITHOUT_L1_REPUTATION: [string, string, "sim-scenarios" | "fixtures"][] = [
  ["quickstart", "d5b87e30a822cf155bdc8ba0e777a72a307af7ec5ddd99c2b910ab24ca2c6a84", "sim-scenarios"],
  ["crash-restart", "e705b7da7e4cd6fc88422218bb86c46eb83d31dd47ce3cc3b680f8ea628ee6f2", "sim-scenarios"],
  ["partition-heal", "f711963c4798e9972673397abb38ab5ed746c942e953d59b3bbb1880edf0eb25", "sim-scenarios"],
  ["twins-must-fail", "e441a8bbfcab6e67814f39e57c58f7f0cfebb42b0ea1b7639b948eff80957fd7", "sim-scenarios"],
  // all-holders-restart pins round-robin in its file (the election it was found with): its digest is the one above.
];

const WITH_L1_REPUTATION: [string, string][] = [
  ["quickstart", "d6b2c810794bafb2e58a3bcaf8dc5efd74600e3ed10a89484c6df7dbb35b08c1"],
  ["l1-reorg", "619c53cb314c16bab9e6c601fd6c5b8f1641b76662d42da2b27c8ceb40b18b04"],
];

describe("trace digests across the framework rewrite, with round-robin leaders pinned", () => {
  it.each(WITHOUT_L1)("%s without the L1 keeps its digest from before the rewrite", (name, digest, where) => {
    expect(runScenario(cut(name, false, where, "round-robin")).traceDigest).toBe(digest);
  });

  it.each(WITH_L1)("%s with the L1 has its recorded digest (L1 RPC in its own codec)", (name, digest) => {
    expect(runScenario(cut(name, true, "sim-scenarios", "round-robin")).traceDigest).toBe(digest);
  });
});

describe("trace digests with leader reputation (the default)", () => {
  it.each(WITHOUT_L1_REPUTATION)("%s without the L1", (name, digest, where) => {
    expect(runScenario(cut(name, false, where)).traceDigest).toBe(digest);
  });

  it.each(WITH_L1_REPUTATION)("%s with the L1", (name, digest) => {
    expect(runScenario(cut(name, true)).traceDigest).toBe(digest);
  });
});

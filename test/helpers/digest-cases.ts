/**
 * The digest cases shared by test/scenarios/digests.test.ts (default suite)
 * and digests.long.test.ts (long tier): shipped scenarios cut to 10 s, and the
 * trace digests recorded for them.
 */
import { parseScenario } from "../../src/scenario/load.js";
import type { Scenario } from "../../src/scenario/schema.js";
import { applyOverrides } from "../../src/scenario/overrides.js";
import { rawScenario } from "./scenario.js";

/**
 * The shipped scenario (or fixture) `name` cut to 10 s with its liveness phase
 * left out; without the L1 also its operations, poster and L1 faults; with
 * `leaderElection` pinned when given.
 */
export function cut(name: string, l1: boolean, where: "sim-scenarios" | "fixtures" = "sim-scenarios", leaderElection?: "round-robin"): Scenario {
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
export const WITHOUT_L1: [string, string, "sim-scenarios" | "fixtures"][] = [
  ["quickstart", "def18501df26a7c0453d2cfe872740cf3ce3b6116f1df4ccf90ddda67647e8bf", "sim-scenarios"],
  ["crash-restart", "3ea7853a5c88fd233bc0c11b3985d10a19c7b36de4035fdc9b850d16ec8770b3", "sim-scenarios"],
  ["partition-heal", "a560ff100a749036717bf823b3655d9c357b7490bf976bd03e484b8942f71ebe", "sim-scenarios"],
  ["twins-must-fail", "e441a8bbfcab6e67814f39e57c58f7f0cfebb42b0ea1b7639b948eff80957fd7", "sim-scenarios"],
  ["all-holders-restart", "9e0587f283e7f2dd2f7309598eb2c35f4d787940060eefd83d25dc0c3a377149", "fixtures"],
];

/** Re-recorded when `initialize` took the ProgramData account (issue 16 defect 7): its transaction's bytes changed. */
export const WITH_L1: [string, string][] = [
  ["quickstart", "6c6c246912fd8efabc0dc92377368d68c6a7b1ca0a7250aeac9bb7edb83f958e"],
  ["l1-reorg", "c8378165f60d8f8b093ac0cbb0e0d4ad4ef9e3bb66991603b9dbbad441aa0f80"],
];

/**
 * A shipped scenario in which reputation changes the leaders (two validators
 * crash for good at 2 s and are charged with their failed turns), cut like
 * the others: its digest with each election.
 */
export const REPUTATION_AT_WORK: { name: string; roundRobin: string; reputation: string } = {
  name: "f-down-for-good",
  roundRobin: "4a552ac7ab1082648d17bc454ab296c37daf05083d7da713dda96f14687337ae",
  reputation: "7e05b4c079516da52dbed1107f8e9a30dad489c0a39ed46e9b51571a7c131383",
};


/**
 * The leader elections a validator can run, by the name a scenario or a node
 * config gives them (`validators.leaderElection`), and the factory each
 * replica boot calls.
 */
import type { LeaderElectionFactory } from "./leader-election.js";
import { leaderReputation, reputationDefaults, type ReputationOptions } from "./reputation.js";
import { roundRobin } from "./round-robin.js";

/** Names of the leader elections: `reputation` (DiemBFT v4 / Aptos leader reputation, the default of scenarios) or `round-robin` (view mod n). */
export const LEADER_ELECTIONS = ["reputation", "round-robin"] as const;
/** A leader election's name. */
export type LeaderElectionName = (typeof LEADER_ELECTIONS)[number];

/** The reputation parameters a scenario may set; the others take {@link reputationDefaults}. */
export type ReputationSettings = { readonly [K in Exclude<keyof ReputationOptions, "validatorCount">]?: ReputationOptions[K] | undefined };

/**
 * The factory of the named election for `validatorCount` validators: each
 * call builds a fresh election (one per replica boot).
 * @throws RangeError when a reputation parameter is out of range (see `LeaderReputation`), or the count is not positive
 */
export function leaderElectionFactory(name: LeaderElectionName, validatorCount: number, reputation: ReputationSettings = {}): LeaderElectionFactory {
  if (name === "round-robin") {
    roundRobin(validatorCount);
    return () => roundRobin(validatorCount);
  }
  const options: ReputationOptions = { ...reputationDefaults(validatorCount), ...definedOnly(reputation) };
  leaderReputation(options); // checks the options once, where a bad one is reported
  return () => leaderReputation(options);
}

function definedOnly(settings: ReputationSettings): Partial<ReputationOptions> {
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined)) as Partial<ReputationOptions>;
}

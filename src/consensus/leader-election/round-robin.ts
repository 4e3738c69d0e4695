/** The default leader election: validator v mod n leads view v (HotStuff, Yin et al. PODC 2019, section 4.4). */
import type { LeaderElection } from "./leader-election.js";

/**
 * Round-robin leaders over `size` validators.
 * @throws RangeError when `size` is not a positive integer
 */
export function roundRobin(size: number): LeaderElection {
  if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`round-robin needs a positive validator count, got ${size}`);
  return { leaderOf: (view) => view % size };
}

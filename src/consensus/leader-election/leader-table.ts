/**
 * An explicit leader per view over another election: the round-by-round
 * leader schedule of a Twins scenario (Bano et al., "Twins: BFT Systems Made
 * Robust", OPODIS 2021: each round of a scenario names its leader; the
 * twins-simulator's `TwinsLE`, Aptos's `RoundProposer`). Views the table
 * names are led by the validator it names; every other view by the election
 * underneath (round-robin by default), which is also told of every commit.
 * A twin runs its original's validator index, so both instances follow the
 * same table.
 */
import type { Block } from "../types.js";
import type { LeaderElection } from "./leader-election.js";

/**
 * A table of leaders over `fallback`.
 * @param table view -> validator index, for the views it names
 * @param size the validator count (every index in the table must be below it)
 * @throws RangeError when a view is not a non-negative integer or an index is out of range
 */
export function leaderTable(table: ReadonlyMap<number, number>, size: number, fallback: LeaderElection): LeaderElection {
  for (const [view, index] of table) {
    if (!Number.isSafeInteger(view) || view < 0) throw new RangeError(`leader table: view ${view} is not a non-negative integer`);
    if (!Number.isSafeInteger(index) || index < 0 || index >= size) throw new RangeError(`leader table: view ${view} names validator index ${index}, not below ${size}`);
  }
  return {
    leaderOf: (view) => table.get(view) ?? fallback.leaderOf(view),
    onCommit: (block: Block) => fallback.onCommit?.(block),
    ...(fallback.historyBlocks === undefined ? {} : { historyBlocks: fallback.historyBlocks }),
  };
}

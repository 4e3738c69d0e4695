/**
 * The figures of optimistic settlement (issue 13, item 6) from the
 * settlement observations of a run (src/settlement/events.ts): time to
 * finality, games played and won by whom, moves per game, bonds. Compute
 * units per move and per one-step proof are not in the accounts; they are
 * measured by test/program/dispute-game.test.ts (docs/fraud-proofs.md).
 */
import type { Observation } from "../check/checker.js";
import { SETTLEMENT_EVENTS } from "./events.js";

/** Settlement figures; times in seconds of L1 unix time, bonds in lamports. */
export interface SettlementMetrics {
  /** Batches seen final. */
  readonly finalBatches: number;
  /** Seconds from posting (the final generation) to finality: min, median, max; null without a final batch. */
  readonly timeToFinalitySeconds: { readonly min: number; readonly median: number; readonly max: number } | null;
  /** Games seen (height and challenger; a game is followed until `resolve` closes it). */
  readonly gamesPlayed: number;
  readonly gamesWonByChallenger: number;
  readonly gamesWonByPoster: number;
  /** Moves of each decided game (the challenge included), in order of height. */
  readonly movesPerGame: readonly number[];
  /** The last bond ledger seen. */
  readonly bonds: { readonly posted: number; readonly paid: number; readonly locked: number } | null;
}

/** Computes {@link SettlementMetrics} from observations in time order. */
export function settlementMetrics(observations: readonly Observation[]): SettlementMetrics {
  const finality = new Map<number, number>();
  const games = new Map<string, { winner: string; moves: number }>();
  let bonds: SettlementMetrics["bonds"] = null;
  for (const o of observations) {
    if (SETTLEMENT_EVENTS.is(o, "settlement-batch")) {
      const { height, status, postedAt, finalizedAt } = o.fields;
      if (status === "final" && !finality.has(height)) finality.set(height, finalizedAt - postedAt);
    } else if (SETTLEMENT_EVENTS.is(o, "settlement-game")) {
      const { height, challenger, winner, moves } = o.fields;
      games.set(`${height}/${challenger}`, { winner, moves });
    } else if (SETTLEMENT_EVENTS.is(o, "settlement-bonds")) {
      bonds = { posted: o.fields.posted, paid: o.fields.paid, locked: o.fields.vaultLocked };
    }
  }
  const times = [...finality.values()].sort((a, b) => a - b);
  const decided = [...games.entries()].filter(([, g]) => g.winner !== "none");
  return {
    finalBatches: finality.size,
    timeToFinalitySeconds: times.length === 0 ? null : { min: times[0]!, median: times[Math.floor((times.length - 1) / 2)]!, max: times[times.length - 1]! },
    gamesPlayed: games.size,
    gamesWonByChallenger: decided.filter(([, g]) => g.winner === "challenger").length,
    gamesWonByPoster: decided.filter(([, g]) => g.winner === "poster").length,
    movesPerGame: decided.map(([, g]) => g.moves),
    bonds,
  };
}

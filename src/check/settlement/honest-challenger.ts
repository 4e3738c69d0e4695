/**
 * An honest challenger wins every game it enters, within the move bound
 * (issue 13, item 4). Over the `settlement-game` observations
 * (src/settlement/events.ts) of the challengers declared honest: no such game
 * is ever decided for the poster, and none takes more moves than
 * `moveBound(n)` = 1 + 2 ceil(log2 n) + 1 for a batch of n transactions
 * (src/settlement/dispute-strategy.ts). A game still undecided at the end is
 * not a violation (the run may end inside the chess clocks).
 */
import { moveBound } from "../../settlement/dispute-strategy.js";
import { SETTLEMENT_EVENTS } from "../../settlement/events.js";
import { safetyVerdict, type Checker, type InvariantResult, type Observation, type Violation } from "../checker.js";

/** Checks the games of the honest challengers (base58 keys). */
export class HonestChallengerChecker implements Checker {
  readonly name = "settlement-honest-challenger";
  readonly kind = "safety" as const;
  private violation: Violation | undefined;
  /** "height/challenger" of every honest game seen won. */
  private readonly won = new Set<string>();
  private mostMoves = 0;

  constructor(private readonly honestChallengers: ReadonlySet<string>) {}

  observe(o: Observation): Violation | undefined {
    if (!SETTLEMENT_EVENTS.is(o, "settlement-game") || this.violation !== undefined) return undefined;
    const { height, challenger, winner, moves, txCount } = o.fields;
    if (!this.honestChallengers.has(challenger)) return undefined;
    this.mostMoves = Math.max(this.mostMoves, moves);
    const fail = (message: string): Violation => (this.violation = { invariant: this.name, atUs: o.timeUs, message });
    if (winner === "poster") return fail(`honest challenger ${challenger} lost its game on batch ${height} after ${moves} moves`);
    const bound = moveBound(Math.max(1, txCount));
    if (moves > bound) return fail(`honest challenger ${challenger}'s game on batch ${height} took ${moves} moves, over the bound ${bound} for ${txCount} transactions`);
    if (winner === "challenger") this.won.add(`${height}/${challenger}`);
    return undefined;
  }

  finish(): InvariantResult {
    return safetyVerdict(this.name, { honestGamesWon: this.won.size, mostMoves: this.mostMoves }, this.violation);
  }
}

/**
 * How each party plays the dispute game (docs/fraud-proofs.md "Dispute
 * game"), as pure decisions over the on-chain game account and the party's
 * own trace S_0..S_n of the batch. A node turns a decision into an L1
 * transaction (src/l1/game-program.ts) and sends it.
 *
 * The honest challenger keeps the invariant of a binary bisection
 * (ethereum-optimism/specs fault-proof/stage-one/fault-dispute-game.md for
 * the game over a trace; classic Arbitrum's ChallengeManager for the 1-vs-1
 * shape): it agrees with S_lo and disagrees with S_hi. It agrees with a
 * revealed S_mid exactly when S_mid equals its own root at mid, so after
 * ceil(log2 n) rounds hi = lo + 1 with S_lo right and S_hi wrong, and the
 * one-step proof of transaction lo (0-based) from S_lo shows S_hi is wrong.
 */
import { bytesEqual } from "../crypto/hash.js";
import { GAME_TURN, type DisputeGameAccount, type OptimisticBatchAccount } from "../l1/game-program.js";
import type { TraceTree } from "./trace-commitment.js";

/** The index a reveal must open: lo + floor((hi - lo) / 2), as the program computes it. */
export function gameMidpoint(game: Pick<DisputeGameAccount, "lo" | "hi">): number {
  return game.lo + Math.floor((game.hi - game.lo) / 2);
}

/**
 * The most moves an honest challenger's game takes over a batch of n >= 1
 * transactions: the challenge, ceil(log2 n) rounds of reveal + choose, the step.
 */
export function moveBound(txCount: number): number {
  if (!Number.isSafeInteger(txCount) || txCount < 1) throw new RangeError(`a disputed batch has at least one transaction, got ${txCount}`);
  return 1 + 2 * Math.ceil(Math.log2(txCount)) + 1;
}

/**
 * True when an honest watcher with trace `mine` (its S_0..S_n of the batch's
 * height, re-executed from the posted data) must challenge `batch`: pending,
 * with transactions, the same S_0, and another claimed root. A batch whose
 * pre root is not the watcher's S_0 is not challenged here: it cannot become
 * final unless its parent does (finalize_root checks the pre root).
 */
export function shouldChallenge(batch: OptimisticBatchAccount, mine: readonly Uint8Array[]): boolean {
  if (batch.status !== 1 || batch.txCount === 0 || mine.length !== batch.txCount + 1) return false;
  return bytesEqual(batch.preRoot, mine[0]!) && !bytesEqual(batch.postRoot, mine[mine.length - 1]!);
}

/** The challenger's next move, or `wait` when it is not its turn. */
export type ChallengerMove = { readonly kind: "choose"; readonly mid: number; readonly agree: boolean } | { readonly kind: "step"; readonly txIndex: number } | { readonly kind: "wait" };

/**
 * The honest challenger's move in `game`, given its own trace `mine` (n + 1 roots).
 * At the step, `txIndex` = lo is the 0-based transaction to prove.
 * @throws RangeError when `mine` does not cover the game's range
 */
export function challengerMove(game: DisputeGameAccount, mine: readonly Uint8Array[]): ChallengerMove {
  if (game.hi >= mine.length) throw new RangeError(`the game's range reaches S_${game.hi}, the trace has ${mine.length} roots`);
  if (game.turn === GAME_TURN.challengerChooses) {
    const mid = gameMidpoint(game);
    return { kind: "choose", mid, agree: bytesEqual(game.midRoot, mine[mid]!) };
  }
  if (game.turn === GAME_TURN.challengerSteps) return { kind: "step", txIndex: game.lo };
  return { kind: "wait" };
}

/** The poster's next move, or `wait`. */
export type PosterMove = { readonly kind: "reveal"; readonly index: number; readonly root: Uint8Array; readonly proof: Uint8Array[] } | { readonly kind: "wait" };

/** The poster's move in `game` over the trace it committed to (`trace`, the tree it posted the root of). */
export function posterMove(game: DisputeGameAccount, trace: TraceTree): PosterMove {
  if (game.turn !== GAME_TURN.posterReveals) return { kind: "wait" };
  const index = gameMidpoint(game);
  return { kind: "reveal", index, root: trace.leaves[index]!, proof: trace.proof(index) };
}

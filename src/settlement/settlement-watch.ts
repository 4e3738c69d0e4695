/**
 * Derives the settlement observations (`events.ts`) from the L1's accounts
 * of one AssetRollup program: every OptimisticBatch from height 1 to the
 * GameConfig's last height, the DisputeGame of every known challenger at
 * each of those heights, and the bond ledger. Pure: it reads through the
 * `read` function it is given (the L1 node's state at some commitment, or a
 * litesvm in tests).
 */
import type { PublicKey } from "@solana/web3.js";
import { toHex } from "../crypto/hash.js";
import {
  batchAddress,
  bondVaultAddress,
  decodeDisputeGame,
  decodeGameConfig,
  decodeOptimisticBatch,
  gameAddress,
  gameConfigAddress,
} from "../l1/game-program.js";
import { rollupProgramId } from "../l1/rollup-program.js";
import { BATCH_STATUS_NAMES, GAME_WINNER_NAMES } from "./events.js";

/** An account as the watch needs it; null when it does not exist. */
export type ReadAccount = (address: PublicKey) => { readonly lamports: bigint; readonly data: Uint8Array } | null;

/** One derived observation: an event of `settlement/events.ts` and its fields. */
export interface SettlementEvent {
  readonly event: "settlement-batch" | "settlement-game" | "settlement-bonds";
  readonly fields: Record<string, unknown>;
}

/** What to watch. */
export interface SettlementWatchConfig {
  readonly programId?: PublicKey;
  /** The challengers whose games are read (a PDA per height and challenger). */
  readonly challengers: readonly PublicKey[];
  /** The bond vault's rent-exempt minimum, lamports (its balance when no bond is locked). */
  readonly vaultRent: bigint;
}

function lamports(value: bigint): number {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`lamports out of range: ${value}`);
  return Number(value);
}

/**
 * The settlement observations of the program's current state, in order:
 * batches by height (each followed by its games), then the bond ledger.
 * Nothing when the game is not initialized.
 * @throws RollupAccountError when an account at a game PDA does not decode
 */
export function readSettlement(read: ReadAccount, config: SettlementWatchConfig): SettlementEvent[] {
  const programId = config.programId ?? rollupProgramId();
  const gameConfigAccount = read(gameConfigAddress(programId));
  if (gameConfigAccount === null) return [];
  const gameConfig = decodeGameConfig(gameConfigAccount.data);
  const out: SettlementEvent[] = [];
  let lockedInBatches = 0n;
  let lockedInGames = 0n;
  for (let height = 1; height <= Number(gameConfig.lastHeight); height++) {
    const account = read(batchAddress(height, programId));
    if (account === null) continue;
    const batch = decodeOptimisticBatch(account.data);
    lockedInBatches += batch.bond;
    out.push({
      event: "settlement-batch",
      fields: {
        height,
        status: BATCH_STATUS_NAMES[batch.status - 1] ?? "pending",
        postRoot: toHex(batch.postRoot),
        generation: batch.generation,
        bond: lamports(batch.bond),
        txCount: batch.txCount,
        gamesPlayed: batch.gamesPlayed,
        postedAt: Number(batch.postedAt),
        finalizedAt: Number(batch.finalizedAt),
      },
    });
    for (const challenger of config.challengers) {
      const gameAccount = read(gameAddress(height, challenger, programId));
      if (gameAccount === null || gameAccount.lamports === 0n) continue;
      const game = decodeDisputeGame(gameAccount.data);
      lockedInGames += game.bond;
      out.push({
        event: "settlement-game",
        fields: { height, challenger: game.challenger, winner: GAME_WINNER_NAMES[game.winner] ?? "none", moves: game.moves, txCount: batch.txCount, lo: game.lo, hi: game.hi },
      });
    }
  }
  const vault = read(bondVaultAddress(programId));
  const vaultLocked = (vault?.lamports ?? 0n) - config.vaultRent;
  out.push({
    event: "settlement-bonds",
    fields: {
      vaultLocked: lamports(vaultLocked < 0n ? 0n : vaultLocked),
      posted: lamports(gameConfig.bondsPosted),
      paid: lamports(gameConfig.bondsPaid),
      lockedInBatches: lamports(lockedInBatches),
      lockedInGames: lamports(lockedInGames),
    },
  });
  return out;
}

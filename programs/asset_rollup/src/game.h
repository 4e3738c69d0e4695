/*
 * Optimistic settlement and the dispute game (issue 13, item 1): account
 * layouts, error codes and the predicate other instructions use.
 *
 * Accounts (all program-derived, Borsh, fixed size, no padding):
 *   GameConfig     ["game-config"]                 parameters, last height, bond totals
 *   BondVault      ["bond-vault"]                  holds every locked bond (lamports)
 *   OptimisticBatch ["batch", height u64 LE]       one posted batch and its status
 *   DisputeGame    ["game", height u64 LE, challenger]  one 1-vs-1 bisection game
 *
 * Time: every period and clock is in seconds of the Clock sysvar's
 * unix_timestamp (see docs/fraud-proofs.md "Dispute game": the simulated L1
 * derives it from virtual time, and production values are given in seconds).
 *
 * The game: binary bisection over the per-transaction state roots
 * S_0..S_n of a batch (the execution-trace half of OP's FaultDisputeGame,
 * ethereum-optimism/specs fault-proof/stage-one/fault-dispute-game.md),
 * 1-vs-1 with one chess clock per party as in classic Arbitrum's
 * ChallengeManager (asserterTimeLeft / challengerTimeLeft).
 *
 * Included by program.c after instructions.c (unity build).
 */
#ifndef ASSET_ROLLUP_GAME_H
#define ASSET_ROLLUP_GAME_H

#include "borsh.h"
#include "solana_abi.h"

/* Error codes 6100.. (a block of their own, apart from 6000-6016 and
 * whatever other branches add after 6016). */
#define ERROR_CHALLENGE_PERIOD_OVER 6100u
#define ERROR_CHALLENGE_PERIOD_NOT_OVER 6101u
#define ERROR_BATCH_NOT_PENDING 6102u
#define ERROR_OPEN_GAMES 6103u
#define ERROR_NOT_YOUR_TURN 6104u
#define ERROR_CLOCK_EXPIRED 6105u
#define ERROR_CLOCK_NOT_EXPIRED 6106u
#define ERROR_INVALID_MERKLE_PROOF 6107u
#define ERROR_GAME_OVER 6108u
#define ERROR_GAME_NOT_OVER 6109u
#define ERROR_PARENT_NOT_FINAL 6110u
#define ERROR_EMPTY_BATCH_CHANGES_ROOT 6111u
#define ERROR_BATCH_EXISTS 6112u
#define ERROR_INVALID_GAME_PARAMS 6113u
#define ERROR_WRONG_ACCOUNT 6114u
#define ERROR_NOTHING_TO_DISPUTE 6115u
#define ERROR_STALE_MOVE 6116u
#define GAME_ERROR_FIRST 6100u
#define GAME_ERROR_LAST 6116u

/* sha256("account:<Name>")[..8] as little-endian u64. */
#define GAME_CONFIG_DISCRIMINATOR 0x856045aa2192922dull
#define BOND_VAULT_DISCRIMINATOR 0x194cffd60b4fe6c8ull
#define OPTIMISTIC_BATCH_DISCRIMINATOR 0x9c53e346bd8fc1e8ull
#define DISPUTE_GAME_DISCRIMINATOR 0x16371cf714d8861dull

/* GameConfig. */
#define GCFG_OFFSET_CHALLENGE_PERIOD 8u /* i64 seconds */
#define GCFG_OFFSET_CLOCK 16u           /* i64 seconds per party */
#define GCFG_OFFSET_POSTER_BOND 24u     /* u64 lamports */
#define GCFG_OFFSET_CHALLENGER_BOND 32u /* u64 lamports */
#define GCFG_OFFSET_GENESIS_ROOT 40u    /* [u8; 32]: S_0 of height 1 */
#define GCFG_OFFSET_LAST_HEIGHT 72u     /* u64 */
#define GCFG_OFFSET_BONDS_POSTED 80u    /* u64 lamports, cumulative */
#define GCFG_OFFSET_BONDS_PAID 88u      /* u64 lamports, cumulative */
#define GCFG_OFFSET_BUMP 96u
#define GCFG_OFFSET_VAULT_BUMP 97u
#define GAME_CONFIG_SIZE 98u

#define BOND_VAULT_SIZE 8u /* the discriminator only */

/* OptimisticBatch. */
#define BATCH_STATUS_PENDING 1u
#define BATCH_STATUS_FINAL 2u
#define BATCH_STATUS_REJECTED 3u
#define BATCH_OFFSET_HEIGHT 8u            /* u64 */
#define BATCH_OFFSET_STATUS 16u           /* u8 */
#define BATCH_OFFSET_BUMP 17u             /* u8 */
#define BATCH_OFFSET_GENERATION 18u       /* u32: posts at this height so far - 1 */
#define BATCH_OFFSET_POSTER 22u           /* pubkey */
#define BATCH_OFFSET_PRE_ROOT 54u         /* S_0 */
#define BATCH_OFFSET_POST_ROOT 86u        /* S_n, the claimed root */
#define BATCH_OFFSET_DATA_COMMITMENT 118u /* Merkle root of the transactions */
#define BATCH_OFFSET_TRACE_COMMITMENT 150u /* Merkle root of S_0..S_n */
#define BATCH_OFFSET_TX_COUNT 182u        /* u32 n */
#define BATCH_OFFSET_POSTED_AT 186u       /* i64 unix seconds */
#define BATCH_OFFSET_POSTED_SLOT 194u     /* u64 */
#define BATCH_OFFSET_BOND 202u            /* u64 lamports still locked for the poster */
#define BATCH_OFFSET_OPEN_GAMES 210u      /* u32 */
#define BATCH_OFFSET_GAMES_PLAYED 214u    /* u32 */
#define BATCH_OFFSET_FINALIZED_AT 218u    /* i64 unix seconds, 0 until final */
#define OPTIMISTIC_BATCH_SIZE 226u

/* DisputeGame. */
#define TURN_POSTER_REVEALS 0u    /* the poster reveals S_mid with a proof against the trace */
#define TURN_CHALLENGER_CHOOSES 1u /* the challenger agrees or disagrees with S_mid */
#define TURN_CHALLENGER_STEPS 2u  /* hi = lo + 1: the challenger runs the one-step proof */
#define TURN_OVER 3u
#define WINNER_NONE 0u
#define WINNER_POSTER 1u
#define WINNER_CHALLENGER 2u
#define GAME_OFFSET_HEIGHT 8u          /* u64 */
#define GAME_OFFSET_GENERATION 16u     /* u32: the batch generation challenged */
#define GAME_OFFSET_BUMP 20u           /* u8 */
#define GAME_OFFSET_CHALLENGER 21u     /* pubkey */
#define GAME_OFFSET_BOND 53u           /* u64 lamports */
#define GAME_OFFSET_LO 61u             /* u32: S_lo agreed */
#define GAME_OFFSET_HI 65u             /* u32: S_hi disputed */
#define GAME_OFFSET_AGREED_ROOT 69u    /* S_lo */
#define GAME_OFFSET_DISPUTED_ROOT 101u /* S_hi */
#define GAME_OFFSET_MID_ROOT 133u      /* S_mid once revealed */
#define GAME_OFFSET_TURN 165u          /* u8 */
#define GAME_OFFSET_WINNER 166u        /* u8 */
#define GAME_OFFSET_POSTER_TIME_LEFT 167u     /* i64 seconds */
#define GAME_OFFSET_CHALLENGER_TIME_LEFT 175u /* i64 seconds */
#define GAME_OFFSET_LAST_MOVE_AT 183u  /* i64 unix seconds */
#define GAME_OFFSET_MOVES 191u         /* u32: moves played (challenge included) */
#define DISPUTE_GAME_SIZE 195u

/* Trace proofs: at most 32 levels (merkle_verify's limit), so n + 1 <= 2^32 leaves. */
#define TRACE_MAX_DEPTH 32u

#endif

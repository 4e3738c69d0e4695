/*
 * The bridge between the L1 and the Asset L2 (issue 13, item 2): account
 * layouts, error codes and instruction argument sizes of `deposit` and
 * `finalize_withdrawal` (bridge.c).
 *
 * Accounts (all program-derived, Borsh, fixed size, no padding):
 *   BridgeVault          ["bridge-vault"]                 holds every deposited lamport not yet paid out
 *   DepositRecord        ["deposit", sequence u64 LE]     one deposit, numbered from 0 in order
 *   WithdrawalNullifier  ["withdrawal", sequence u64 LE]  created once when withdrawal `sequence` is paid
 *
 * The vault holds its rent-exempt minimum plus exactly
 * total_deposited - total_withdrawn lamports (what the L2 owes).
 *
 * Replay protection is a create-once PDA, as Wormhole's Claim account
 * (solana/bridge/program/src/accounts/claim.rs) and Jito's merkle-distributor
 * ClaimStatus: a second finalize_withdrawal of one sequence finds the
 * nullifier and fails with WithdrawalAlreadyFinalized.
 *
 * Included by program.c (unity build).
 */
#ifndef ASSET_ROLLUP_BRIDGE_H
#define ASSET_ROLLUP_BRIDGE_H

/* Error codes 6200.. (a block of their own: 6000-6016 are the registry's,
 * 6100.. the dispute game's). */
#define ERROR_INVALID_AMOUNT 6200u
#define ERROR_ROOT_NOT_FINAL 6201u
#define ERROR_INVALID_WITHDRAWAL_PROOF 6202u
#define ERROR_WITHDRAWAL_ALREADY_FINALIZED 6203u
#define ERROR_VAULT_INSUFFICIENT 6204u
#define ERROR_ROOT_NOT_REGISTERED 6205u

/* sha256("account:<Name>")[..8] as little-endian u64. */
#define BRIDGE_VAULT_DISCRIMINATOR 0x91852f111934a0c7ull
#define DEPOSIT_RECORD_DISCRIMINATOR 0xa7bd31fb1f0ae853ull
#define WITHDRAWAL_NULLIFIER_DISCRIMINATOR 0x64ca1d9ba30ca626ull

/* BridgeVault. */
#define VAULT_OFFSET_NEXT_DEPOSIT 8u      /* u64: the sequence number the next deposit gets */
#define VAULT_OFFSET_TOTAL_DEPOSITED 16u  /* u64 lamports, cumulative */
#define VAULT_OFFSET_TOTAL_WITHDRAWN 24u  /* u64 lamports paid out, cumulative */
#define VAULT_OFFSET_BUMP 32u
#define BRIDGE_VAULT_SIZE 33u

/* DepositRecord. */
#define DEPOSIT_OFFSET_SEQUENCE 8u   /* u64 */
#define DEPOSIT_OFFSET_DEPOSITOR 16u /* pubkey: who paid */
#define DEPOSIT_OFFSET_RECIPIENT 48u /* [u8; 32]: the L2 account credited */
#define DEPOSIT_OFFSET_AMOUNT 80u    /* u64 lamports */
#define DEPOSIT_OFFSET_SLOT 88u      /* u64: the slot of the deposit */
#define DEPOSIT_OFFSET_BUMP 96u
#define DEPOSIT_RECORD_SIZE 97u

/* WithdrawalNullifier. */
#define NULLIFIER_OFFSET_SEQUENCE 8u   /* u64 */
#define NULLIFIER_OFFSET_RECIPIENT 16u /* pubkey paid */
#define NULLIFIER_OFFSET_AMOUNT 48u    /* u64 lamports */
#define NULLIFIER_OFFSET_HEIGHT 56u    /* u64: the L2 height whose root proved it */
#define NULLIFIER_OFFSET_SLOT 64u      /* u64: the slot of the payment */
#define NULLIFIER_OFFSET_BUMP 72u
#define WITHDRAWAL_NULLIFIER_SIZE 73u

/* deposit(recipient [u8; 32], amount u64) */
#define DEPOSIT_ARGS_SIZE 40u
/* finalize_withdrawal(sequence u64, amount u64, height u64, siblings Vec<[u8; 32]>):
 * the fixed part; the siblings follow (u32 count, then 32 bytes each). */
#define FINALIZE_WITHDRAWAL_FIXED_ARGS_SIZE 28u
/* Most siblings a proof may carry (a transaction holds at most 1232 bytes anyway). */
#define WITHDRAWAL_PROOF_SIBLINGS_MAX 64u

/* The L2 state key of withdrawal `sequence`: "w:" then 16 lowercase hex digits
 * (src/vm/state-keys.ts); its value: recipient [u8; 32] | amount u64 LE. */
#define WITHDRAWAL_KEY_SIZE 18u
#define WITHDRAWAL_VALUE_SIZE 40u

#endif

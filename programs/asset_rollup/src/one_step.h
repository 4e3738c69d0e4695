/*
 * The one-step proof of the AssetVM: execute one transaction against a
 * pre-state root and a witness, and return the post-state root (issue 13,
 * item 1). The executor follows src/vm/execute.ts, instructions.ts and
 * pool-math.ts line by line (same checks in the same order, same reads, same
 * writes, same error codes); test/program/one-step-differential.test.ts runs
 * both on random states and transactions.
 *
 * Inputs:
 * - `pre_root`: the agreed state root (32 bytes);
 * - `tx`: the transaction in the VM's wire encoding (src/vm/tx-codec.ts);
 * - `witness` (docs/fraud-proofs.md, "Witness"), little endian:
 *
 *     Witness = count u16 | Entry * count | proof_len u32 | multiproof[proof_len]
 *     Entry   = key_len u8 | key[key_len] | present u8 (0/1) | (value_len u8 | value[value_len]) if present
 *
 *   One entry per state key the transaction reads or writes (key and value as
 *   src/vm/state-keys.ts), in any order, and a multiproof (smt.h) covering all
 *   of them against `pre_root`, opened where the writes need it
 *   (src/settlement/one-step-witness.ts builds it).
 *
 * What is checked: the multiproof against `pre_root`; every entry's presence
 * and value hash against it; every value's encoding; that the transaction
 * touches exactly the witness keys (a read of a key not in the witness, or an
 * entry never read, refuses the witness).
 *
 * Outcome of a transaction (docs/fraud-proofs.md, "What one step computes"):
 * - malformed (tx-codec's decodeTransaction would throw): a no-op, status
 *   OSP_STATUS_MALFORMED;
 * - inadmissible (execute.ts admissionError: no instructions, nonce 2^64-1,
 *   a system transaction (sender 32 zero bytes) with a fee or with anything
 *   but the next deposit credits, wrong nonce, fee not payable): a no-op,
 *   status of that error;
 * - otherwise the fee is burned and the nonce incremented, and the
 *   instructions run atomically: status OSP_STATUS_OK, or the first failing
 *   instruction's code and index with every instruction's writes reverted.
 * The transaction's signature is NOT checked here: execution in the VM does
 * not check it either (VerifiedTransactions does, before admission); see
 * docs/fraud-proofs.md, "Signatures", for what a step assumes.
 *
 * Instruction kinds: all of src/vm/types.ts INSTRUCTION_KINDS (create-asset,
 * mint, transfer, burn, set-mint-authority, create-pool, add-liquidity,
 * remove-liquidity, swap, withdraw, credit-deposit, and the xT's
 * mailbox-write and mailbox-read in one_step_mailbox.c).
 *
 * Use from another instruction (the dispute game's step):
 *
 *   #include "one_step.c"            (guarded; brings smt.c)
 *   SmtArena arena; smt_arena_init(&arena);
 *   OspInput input = {pre_root, tx, tx_len, witness, witness_len};
 *   OspResult result;
 *   uint64_t code = osp_execute(&input, &arena, &result);
 *   code != OSP_OK: the witness is refused (the caller's move fails);
 *   else compare result.post_root with the disputed root.
 *
 * Check the transaction's inclusion in the batch data first (smt.h merkle_verify).
 *
 * Resources: heap through an SmtArena (32 KiB by default); at most
 * OSP_KEYS_MAX witness entries; stack frames under 4 KiB.
 */
#ifndef ASSET_ROLLUP_ONE_STEP_H
#define ASSET_ROLLUP_ONE_STEP_H

#include "smt.h"

/* Status of the transaction (receipt status): 0 ok, then src/vm/types.ts VmErrorCode in order. */
#define OSP_STATUS_OK 0u
#define OSP_STATUS_BAD_SIGNATURE 1u /* never produced here: signatures are not checked */
#define OSP_STATUS_BAD_NONCE 2u
#define OSP_STATUS_INSUFFICIENT_FEE 3u
#define OSP_STATUS_INSUFFICIENT_BALANCE 4u
#define OSP_STATUS_UNKNOWN_ASSET 5u
#define OSP_STATUS_ASSET_EXISTS 6u
#define OSP_STATUS_UNAUTHORIZED 7u
#define OSP_STATUS_OVERFLOW 8u
#define OSP_STATUS_SLIPPAGE 9u
#define OSP_STATUS_UNKNOWN_POOL 10u
#define OSP_STATUS_POOL_EXISTS 11u
#define OSP_STATUS_INSUFFICIENT_LIQUIDITY 12u
#define OSP_STATUS_INVALID_INSTRUCTION 13u
#define OSP_STATUS_BAD_DEPOSIT_SEQUENCE 14u
#define OSP_STATUS_MAILBOX_EXISTS 15u
#define OSP_STATUS_MAILBOX_MISS 16u
#define OSP_STATUS_MAILBOX_REPLAYED 17u
/* The bytes are not a transaction (decodeTransaction throws WireDecodeError); apart from the
 * VmErrorCode numbers so that codes the VM adds later keep their order. */
#define OSP_STATUS_MALFORMED 255u

/* Most witness entries (state keys one transaction may touch). */
#define OSP_KEYS_MAX 48u

/* Return codes of osp_execute: 0, an SMT_ERR_* (1..6, smt.h) for the multiproof, or: */
#define OSP_OK 0u
/* The witness bytes do not parse (or more than OSP_KEYS_MAX entries, a key twice). */
#define OSP_ERR_WITNESS_MALFORMED 16u
/* An entry's presence or value hash differs from what the multiproof shows. */
#define OSP_ERR_WITNESS_VALUE 17u
/* An entry's value does not decode as its key's kind. */
#define OSP_ERR_WITNESS_ENCODING 18u
/* The transaction reads a key the witness lacks. */
#define OSP_ERR_WITNESS_MISSING_KEY 19u
/* The witness holds a key the transaction never touches. */
#define OSP_ERR_WITNESS_EXTRA_KEY 20u
/* The state breaks a ledger invariant (where the TypeScript VM throws). */
#define OSP_ERR_INVARIANT 21u

/* What one step computed. */
typedef struct {
  uint8_t post_root[32];
  /* OSP_STATUS_* */
  uint8_t status;
  /* Index of the failing instruction when the status is an execution failure; 0 otherwise. */
  uint8_t failed_instruction;
  /* 1 when the transaction was admitted (fee burned, nonce incremented), 0 for a no-op. */
  uint8_t admitted;
  uint8_t padding[5];
} OspResult;

/* The step's inputs (a struct: the target allows five arguments). */
typedef struct {
  const uint8_t *pre_root;
  const uint8_t *tx;
  uint64_t tx_len;
  const uint8_t *witness;
  uint64_t witness_len;
} OspInput;

/*
 * Executes `input->tx` on the state `input->witness` shows under
 * `input->pre_root`, filling `out` on OSP_OK. Errors (witness refused, `out`
 * unspecified): SMT_ERR_* and OSP_ERR_* above.
 */
static uint64_t osp_execute(const OspInput *input, SmtArena *arena, OspResult *out);

#endif

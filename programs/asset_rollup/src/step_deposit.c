/*
 * The deposit half of the one-step proof (issue 13, items 1 and 2;
 * docs/fraud-proofs.md, "Deposit credits"): a step over a system transaction
 * (sender 32 zero bytes) checks each of its credit-deposit instructions
 * (sequence, to, amount) against the L1's own record of that deposit, the
 * bridge's DepositRecord PDA ["deposit", sequence u64 LE] (bridge.c), which
 * the caller passes among the step's accounts (any position).
 *
 * - The account at the PDA address (found with sol_try_find_program_address)
 *   must be among the accounts, else the move is refused
 *   (StepDepositRecordMissing): the challenger must show the record, or show
 *   that there is none by passing the empty address.
 * - The record matches when the account is owned by this program, is
 *   DEPOSIT_RECORD_SIZE bytes with the DepositRecord discriminator, and holds
 *   the same sequence, recipient and amount.
 * - Any credit without a matching record (a deposit that never happened, or
 *   with another recipient or amount) makes the whole transaction the no-op:
 *   post root = pre root, status OSP_STATUS_DEPOSIT_NOT_ON_L1, as validators
 *   refuse a block crediting a deposit they did not read from the L1
 *   (src/sequencer/asset-app.ts unknownCredit).
 *
 * Records are never closed, so a record the step sees is the deposit itself;
 * a deposit an L1 reorg removes takes any step that saw it along.
 *
 * Included by step_signature.c (unity build; bridge.c comes first in program.c).
 */
#ifndef ASSET_ROLLUP_STEP_DEPOSIT_C
#define ASSET_ROLLUP_STEP_DEPOSIT_C

#include "one_step.c"

/* Error 6356: a credited deposit's record address is not among the step's accounts. */
#define STEP_DEPOSIT_RECORD_MISSING 6356u

/* Step status of a system transaction crediting a deposit the L1 does not hold (beside 255 malformed). */
#define OSP_STATUS_DEPOSIT_NOT_ON_L1 254u

/*
 * Sets *matches to whether every credit-deposit of `tx` (tx_len bytes) has its
 * DepositRecord among the accounts with the same sequence, recipient and
 * amount; true as well for a transaction that is not a system transaction, has
 * no credit, or does not decode (osp_execute judges those). Errors:
 * STEP_DEPOSIT_RECORD_MISSING, ERROR_INVALID_PDA (no address for the seeds),
 * 6300 + SMT_ERR_OUT_OF_MEMORY.
 */
static uint64_t step_check_deposits(const SolParameters *params, const uint8_t *tx, uint64_t tx_len, SmtArena *arena,
                                    bool *matches) {
  *matches = true;
  OspTransaction *decoded = (OspTransaction *)smt_alloc(arena, sizeof(OspTransaction));
  if (decoded == NULL) {
    return STEP_ERROR_BASE + SMT_ERR_OUT_OF_MEMORY;
  }
  static const uint8_t ZERO[32] = {0};
  if (!decode_transaction(tx, tx_len, decoded) || !bytes_equal(decoded->sender, ZERO, 32)) {
    return SUCCESS;
  }
  for (uint64_t index = 0; index < decoded->count; index++) {
    const OspInstruction *ins = &decoded->instructions[index];
    if (ins->kind != KIND_CREDIT_DEPOSIT) {
      continue;
    }
    uint8_t sequence_le[8];
    borsh_write_u64(sequence_le, ins->a);
    SolSignerSeed seeds[2] = {{DEPOSIT_SEED, DEPOSIT_SEED_LENGTH}, {sequence_le, 8}};
    SolPubkey expected;
    uint8_t bump = 0;
    if (sol_try_find_program_address(seeds, 2, params->program_id, &expected, &bump) != 0) {
      return ERROR_INVALID_PDA;
    }
    const SolAccountInfo *record = NULL;
    for (uint64_t at = 0; at < params->accounts_len; at++) {
      if (pubkey_equal(params->accounts[at].key->bytes, expected.bytes)) {
        record = &params->accounts[at];
      }
    }
    if (record == NULL) {
      return STEP_DEPOSIT_RECORD_MISSING;
    }
    bool held = pubkey_equal(record->owner->bytes, params->program_id->bytes) && record->data_len == DEPOSIT_RECORD_SIZE &&
                borsh_read_u64(record->data) == DEPOSIT_RECORD_DISCRIMINATOR &&
                borsh_read_u64(record->data + DEPOSIT_OFFSET_SEQUENCE) == ins->a &&
                bytes_equal(record->data + DEPOSIT_OFFSET_RECIPIENT, ins->account, 32) &&
                borsh_read_u64(record->data + DEPOSIT_OFFSET_AMOUNT) == ins->b;
    if (!held) {
      *matches = false;
    }
  }
  return SUCCESS;
}

/* The Anchor-style log line of the deposit check's error (nothing for others). */
static void log_step_deposit_error(uint64_t code) {
  if (code == STEP_DEPOSIT_RECORD_MISSING) {
    LOG_LITERAL("AnchorError occurred. Error Code: StepDepositRecordMissing. Error Number: 6356. Error Message: "
                "A credited deposit's DepositRecord address is not among the step's accounts.");
  }
}

#endif

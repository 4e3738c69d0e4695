/*
 * verify_step: the one-step proof as a standalone instruction (one_step.h),
 * for tests and off-chain callers; the dispute game calls osp_execute from
 * its own step instruction.
 *
 * verify_step(pre_root [u8; 32], claimed_post_root [u8; 32], tx Vec<u8>, witness Vec<u8>)
 * accounts: witness_buffer (optional, read only, any owner)
 *
 * The transaction and witness come from the instruction data or, when both
 * are empty there and an account is given, from that account's data:
 * `tx_len u32 | tx | witness_len u32 | witness` (bytes after are ignored),
 * from offset 0, or from offset 37 when the account is a buffer of the
 * upgradeable BPF loader (its `Buffer { authority }` header is 37 bytes):
 * anyone can stage bytes there in chunks with the loader's InitializeBuffer
 * and Write instructions, no program of ours needed. The buffer needs no
 * trust: the witness is checked against pre_root. A transaction is 1232
 * bytes, so witnesses past about 1000 bytes go through a buffer account
 * (docs/fraud-proofs.md, "Sizes and compute").
 *
 * Success: the post root equals claimed_post_root; the return data is
 * `post_root [u8; 32] | status u8 | failed_instruction u8 | admitted u8`
 * (OspResult). Errors: STEP_POST_ROOT_MISMATCH; STEP_ERROR_BASE + the
 * osp_execute code when the witness is refused; invalid instruction data.
 *
 * Included by program.c (unity build).
 */
#ifndef ASSET_ROLLUP_STEP_INSTRUCTION_C
#define ASSET_ROLLUP_STEP_INSTRUCTION_C

#include "one_step.c"

extern void sol_set_return_data(const uint8_t *data, uint64_t len);

/* sha256("global:verify_step")[..8] as a little-endian u64 (idl.json). */
#define DISCRIMINATOR_VERIFY_STEP 0x966e152e520aa297ull

/* The largest heap frame a transaction can request, bytes. */
#define STEP_HEAP_BYTES (256u * 1024u)

/* Custom error codes: 6300 + the osp_execute code (1..21), and the mismatch. */
#define STEP_ERROR_BASE 6300u
#define STEP_POST_ROOT_MISMATCH 6350u
#define STEP_INVALID_DATA 6351u

#include "step_signature.c"

/* Size of the upgradeable loader's buffer header (UpgradeableLoaderState::size_of_buffer_metadata). */
#define STEP_LOADER_BUFFER_HEADER 37u

/* BPFLoaderUpgradeab1e11111111111111111111111 */
static bool step_is_upgradeable_loader(const SolPubkey *key) {
  const uint8_t loader[32] = {2,   168, 246, 145, 78,  136, 161, 176, 226, 16, 21,
                              62,  247, 99,  174, 43,  0,   194, 185, 61,  22, 193,
                              36,  210, 192, 83,  122, 16,  4,   128, 0,   0};
  return pubkey_equal(key->bytes, loader);
}

/* Reads `len u32 | bytes` at *offset of data[0..size); false when it does not fit. */
static bool step_read_vec(const uint8_t *data, uint64_t size, uint64_t *offset, const uint8_t **bytes,
                          uint64_t *len) {
  if (size - *offset < 4) {
    return false;
  }
  uint64_t length = borsh_read_u32(data + *offset);
  if (size - *offset - 4 < length) {
    return false;
  }
  *bytes = data + *offset + 4;
  *len = length;
  *offset += 4 + length;
  return true;
}

/* `arguments` is the instruction data after the discriminator, `size` bytes. */
static uint64_t process_verify_step(SolParameters *params, const uint8_t *arguments, uint64_t size) {
  if (size < 64) {
    return STEP_INVALID_DATA;
  }
  OspInput input;
  input.pre_root = arguments;
  const uint8_t *claimed = arguments + 32;
  uint64_t offset = 64;
  if (!step_read_vec(arguments, size, &offset, &input.tx, &input.tx_len) ||
      !step_read_vec(arguments, size, &offset, &input.witness, &input.witness_len) || offset != size) {
    return STEP_INVALID_DATA;
  }
  if (input.tx_len == 0 && input.witness_len == 0 && params->accounts_len >= 1) {
    const SolAccountInfo *buffer = &params->accounts[0];
    uint64_t at = step_is_upgradeable_loader(buffer->owner) ? STEP_LOADER_BUFFER_HEADER : 0;
    if (at > buffer->data_len) {
      return STEP_INVALID_DATA;
    }
    if (!step_read_vec(buffer->data, buffer->data_len, &at, &input.tx, &input.tx_len) ||
        !step_read_vec(buffer->data, buffer->data_len, &at, &input.witness, &input.witness_len)) {
      return STEP_INVALID_DATA;
    }
  }
  /*
   * The whole heap a transaction may request (ComputeBudget RequestHeapFrame,
   * up to 256 KiB). The default frame is 32 KiB: a step that needs more must
   * request the frame; without it, it stops at an access violation past
   * 32 KiB (the transaction fails; never a wrong root).
   */
  SmtArena arena;
  smt_arena_init(&arena);
  arena.end = (uint8_t *)(SMT_HEAP_START + STEP_HEAP_BYTES);
  OspResult result;
  uint64_t code = osp_execute(&input, &arena, &result);
  if (code != OSP_OK) {
    sol_log_64_(code, 0, 0, 0, 0);
    return STEP_ERROR_BASE + code;
  }
  sol_log_64_(result.status, result.failed_instruction, result.admitted, 0, 0);
  if (!smt_equal32(result.post_root, claimed)) {
    return STEP_POST_ROOT_MISMATCH;
  }
  sol_set_return_data(result.post_root, 35);
  return SUCCESS;
}

#define STEP_ANCHOR_PREFIX "AnchorError occurred. Error Code: "

/* The Anchor-style log line of the step's error codes (nothing for others). */
static void log_step_error(uint64_t code) {
  switch (code) {
    case STEP_ERROR_BASE + SMT_ERR_MALFORMED:
      LOG_LITERAL(STEP_ANCHOR_PREFIX "StepProofMalformed. Error Number: 6301. Error Message: "
                                     "The witness multiproof does not parse.");
      break;
    case STEP_ERROR_BASE + SMT_ERR_ROOT_MISMATCH:
      LOG_LITERAL(STEP_ANCHOR_PREFIX "StepProofRootMismatch. Error Number: 6302. Error Message: "
                                     "The witness multiproof does not hash to the pre-state root.");
      break;
    case STEP_ERROR_BASE + SMT_ERR_NOT_COVERED:
      LOG_LITERAL(STEP_ANCHOR_PREFIX "StepKeyNotCovered. Error Number: 6303. Error Message: "
                                     "A witness key is not covered by the multiproof.");
      break;
    case STEP_ERROR_BASE + SMT_ERR_NEEDS_OPENING:
      LOG_LITERAL(STEP_ANCHOR_PREFIX "StepProofNeedsOpening. Error Number: 6304. Error Message: "
                                     "The writes need a subtree the multiproof leaves opaque.");
      break;
    case STEP_ERROR_BASE + SMT_ERR_OUT_OF_MEMORY:
      LOG_LITERAL(STEP_ANCHOR_PREFIX "StepOutOfMemory. Error Number: 6305. Error Message: "
                                     "The witness needs more heap than the program has.");
      break;
    case STEP_ERROR_BASE + SMT_ERR_ORDER:
      LOG_LITERAL(STEP_ANCHOR_PREFIX "StepProofOrder. Error Number: 6306. Error Message: "
                                     "Multiproof items out of order or overlapping.");
      break;
    case STEP_ERROR_BASE + OSP_ERR_WITNESS_MALFORMED:
      LOG_LITERAL(STEP_ANCHOR_PREFIX "StepWitnessMalformed. Error Number: 6316. Error Message: "
                                     "The witness does not parse.");
      break;
    case STEP_ERROR_BASE + OSP_ERR_WITNESS_VALUE:
      LOG_LITERAL(STEP_ANCHOR_PREFIX "StepWitnessValue. Error Number: 6317. Error Message: "
                                     "A witness value differs from the pre-state.");
      break;
    case STEP_ERROR_BASE + OSP_ERR_WITNESS_ENCODING:
      LOG_LITERAL(STEP_ANCHOR_PREFIX "StepWitnessEncoding. Error Number: 6318. Error Message: "
                                     "A witness value does not decode.");
      break;
    case STEP_ERROR_BASE + OSP_ERR_WITNESS_MISSING_KEY:
      LOG_LITERAL(STEP_ANCHOR_PREFIX "StepWitnessMissingKey. Error Number: 6319. Error Message: "
                                     "The transaction touches a key the witness lacks.");
      break;
    case STEP_ERROR_BASE + OSP_ERR_WITNESS_EXTRA_KEY:
      LOG_LITERAL(STEP_ANCHOR_PREFIX "StepWitnessExtraKey. Error Number: 6320. Error Message: "
                                     "The witness holds a key the transaction does not touch.");
      break;
    case STEP_ERROR_BASE + OSP_ERR_INVARIANT:
      LOG_LITERAL(STEP_ANCHOR_PREFIX "StepInvariantBroken. Error Number: 6321. Error Message: "
                                     "The pre-state breaks a ledger invariant.");
      break;
    case STEP_POST_ROOT_MISMATCH:
      LOG_LITERAL(STEP_ANCHOR_PREFIX "StepPostRootMismatch. Error Number: 6350. Error Message: "
                                     "The computed post-state root differs from the claimed one.");
      break;
    case STEP_INVALID_DATA:
      LOG_LITERAL(STEP_ANCHOR_PREFIX "StepInvalidData. Error Number: 6351. Error Message: "
                                     "verify_step data or witness buffer does not parse.");
      break;
    default:
      log_step_signature_error(code);
      break;
  }
}

#endif

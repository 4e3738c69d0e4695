/*
 * The bridge's instructions: `deposit` locks lamports in the vault and
 * records a numbered deposit the rollup's validators credit on the L2;
 * `finalize_withdrawal` pays a withdrawal recorded in the L2 state out of the
 * vault, once, against a final registered root and a sparse Merkle inclusion
 * proof (smt.h). Layouts and error codes: bridge.h.
 *
 * Design after the bridges the notes cite (docs/bridge.md): deposits
 * ordered by a sequence number the program assigns (a deposit queue of
 * PDAs, one per deposit); withdrawals proven against the state root of a
 * final batch, with a nullifier PDA seeded by the withdrawal's sequence
 * number (Wormhole's Claim, Jito's ClaimStatus).
 *
 * Included by program.c after instructions.c (unity build); everything here
 * is static.
 */
#include "bridge.h"
#include "smt.c"

#define VAULT_SEED_LENGTH 12u
static const uint8_t VAULT_SEED[VAULT_SEED_LENGTH] = {'b', 'r', 'i', 'd', 'g', 'e',
                                                      '-', 'v', 'a', 'u', 'l', 't'};
#define DEPOSIT_SEED_LENGTH 7u
static const uint8_t DEPOSIT_SEED[DEPOSIT_SEED_LENGTH] = {'d', 'e', 'p', 'o', 's', 'i', 't'};
#define WITHDRAWAL_SEED_LENGTH 10u
static const uint8_t WITHDRAWAL_SEED[WITHDRAWAL_SEED_LENGTH] = {'w', 'i', 't', 'h', 'd',
                                                                'r', 'a', 'w', 'a', 'l'};
static const uint8_t HEX_DIGITS[16] = {'0', '1', '2', '3', '4', '5', '6', '7',
                                       '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};

/*
 * The existing BridgeVault: writable, owned by the program, BRIDGE_VAULT_SIZE
 * bytes, its discriminator, and the address ["bridge-vault", stored bump].
 */
static uint64_t check_bridge_vault(const SolAccountInfo *vault, const SolPubkey *program_id) {
  uint64_t result = check_writable(vault);
  if (result != SUCCESS) {
    return result;
  }
  result = check_program_account(vault, program_id, BRIDGE_VAULT_SIZE, BRIDGE_VAULT_DISCRIMINATOR);
  if (result != SUCCESS) {
    return result;
  }
  uint8_t bump = vault->data[VAULT_OFFSET_BUMP];
  SolSignerSeed seeds[2] = {{VAULT_SEED, VAULT_SEED_LENGTH}, {&bump, 1}};
  return check_derived_address(vault, seeds, 2, program_id);
}



/*
 * deposit(recipient: [u8; 32], amount: u64)
 * accounts: bridge_vault (w), deposit_record ["deposit", next sequence LE] (w),
 *           depositor (w, s), system_program
 *
 * Moves `amount` lamports (> 0) from the depositor to the vault and creates
 * DepositRecord { sequence, depositor, recipient, amount, slot } under the
 * vault's next deposit sequence number, which then advances. The first
 * deposit creates the vault (paid by its depositor).
 */
static uint64_t process_deposit(SolParameters *params, const uint8_t *data) {
  if (params->accounts_len < 4) {
    return ERROR_NOT_ENOUGH_ACCOUNTS;
  }
  SolAccountInfo *vault = &params->accounts[0];
  SolAccountInfo *record = &params->accounts[1];
  SolAccountInfo *depositor = &params->accounts[2];
  SolAccountInfo *system_program = &params->accounts[3];
  const SolPubkey *program_id = params->program_id;

  uint64_t amount = borsh_read_u64(data + 32);
  if (amount == 0) {
    return ERROR_INVALID_AMOUNT;
  }
  bool create_vault = is_system_program_id(vault->owner);
  uint8_t vault_bump = 0;
  uint64_t sequence = 0;
  uint64_t deposited = 0;
  uint64_t result = SUCCESS;
  if (create_vault) {
    result = check_uncreated(vault);
    if (result != SUCCESS) {
      return result;
    }
    SolSignerSeed seeds[1] = {{VAULT_SEED, VAULT_SEED_LENGTH}};
    result = find_derived_address(vault, seeds, 1, program_id, &vault_bump);
  } else {
    result = check_bridge_vault(vault, program_id);
    sequence = borsh_read_u64(vault->data + VAULT_OFFSET_NEXT_DEPOSIT);
    deposited = borsh_read_u64(vault->data + VAULT_OFFSET_TOTAL_DEPOSITED);
  }
  if (result != SUCCESS) {
    return result;
  }
  if (sequence == UINT64_MAX || deposited > UINT64_MAX - amount) {
    return ERROR_ARITHMETIC_OVERFLOW;
  }
  result = check_uncreated(record);
  if (result != SUCCESS) {
    return result;
  }
  uint8_t sequence_le[8];
  borsh_write_u64(sequence_le, sequence);
  uint8_t record_bump = 0;
  SolSignerSeed record_seeds[3] = {{DEPOSIT_SEED, DEPOSIT_SEED_LENGTH}, {sequence_le, 8}, {&record_bump, 1}};
  result = find_derived_address(record, record_seeds, 2, program_id, &record_bump);
  if (result != SUCCESS) {
    return result;
  }
  result = check_writable_signer(depositor);
  if (result != SUCCESS) {
    return result;
  }
  result = check_system_program(system_program);
  if (result != SUCCESS) {
    return result;
  }
  SolClock clock;
  sol_memset_(&clock, 0, sizeof(clock));
  sol_get_clock_sysvar(&clock);

  /* Every check passed: create what is missing, then move the lamports. */
  PdaCreation creation;
  creation.payer = depositor;
  creation.system_program = system_program;
  creation.program_id = program_id;
  if (create_vault) {
    SolSignerSeed vault_seeds[2] = {{VAULT_SEED, VAULT_SEED_LENGTH}, {&vault_bump, 1}};
    SolSignerSeeds vault_signer = {vault_seeds, 2};
    creation.target = vault;
    creation.target_signer = &vault_signer;
    result = create_pda_account(&creation, BRIDGE_VAULT_SIZE);
    if (result != SUCCESS) {
      return result;
    }
    sol_memset_(vault->data, 0, BRIDGE_VAULT_SIZE);
    borsh_write_u64(vault->data, BRIDGE_VAULT_DISCRIMINATOR);
    vault->data[VAULT_OFFSET_BUMP] = vault_bump;
  }
  SolSignerSeeds record_signer = {record_seeds, 3};
  creation.target = record;
  creation.target_signer = &record_signer;
  result = create_pda_account(&creation, DEPOSIT_RECORD_SIZE);
  if (result != SUCCESS) {
    return result;
  }
  result = transfer_lamports(depositor, vault, system_program, amount);
  if (result != SUCCESS) {
    return result;
  }
  uint8_t *entry = record->data;
  borsh_write_u64(entry, DEPOSIT_RECORD_DISCRIMINATOR);
  borsh_write_u64(entry + DEPOSIT_OFFSET_SEQUENCE, sequence);
  sol_memcpy_(entry + DEPOSIT_OFFSET_DEPOSITOR, depositor->key->bytes, 32);
  sol_memcpy_(entry + DEPOSIT_OFFSET_RECIPIENT, data, 32);
  borsh_write_u64(entry + DEPOSIT_OFFSET_AMOUNT, amount);
  borsh_write_u64(entry + DEPOSIT_OFFSET_SLOT, clock.slot);
  entry[DEPOSIT_OFFSET_BUMP] = record_bump;
  borsh_write_u64(vault->data + VAULT_OFFSET_NEXT_DEPOSIT, sequence + 1);
  borsh_write_u64(vault->data + VAULT_OFFSET_TOTAL_DEPOSITED, deposited + amount);
  return SUCCESS;
}

/*
 * The state root of L2 height `height` if it is final, in *root (32 bytes
 * inside `source`'s data).
 *
 * Posting mode (today's settlement): `source` is the RootRegistry page of
 * `height`, and a registered root is final once the slot that registered it
 * is behind the current one. The L1's own finality does the rest: a
 * transaction reading a root comes in a later slot than the root, so a reorg
 * that drops the root drops the transaction as well; relayers send only once
 * the root's slot is finalized. Optimistic mode (the dispute game, game.c)
 * plugs in here: when `source` is an OptimisticBatch, its root is final once
 * game.c's root_is_final says so.
 *
 * Errors: ROOT_NOT_REGISTERED (height 0, not that height's page, or a height
 * the page does not hold yet), ROOT_NOT_FINAL.
 */
static uint64_t bridge_final_root(const SolAccountInfo *source, const SolPubkey *program_id,
                                  uint64_t height, uint64_t current_slot, const uint8_t **root) {
  if (height == 0) {
    return ERROR_ROOT_NOT_REGISTERED;
  }
  uint64_t page = (height - 1) / ROOTS_PER_PAGE;
  uint64_t index = (height - 1) % ROOTS_PER_PAGE;
  uint64_t result = check_registry_page(source, program_id, page);
  if (result != SUCCESS) {
    return result;
  }
  if (borsh_read_u32(source->data + REGISTRY_OFFSET_COUNT) <= index) {
    return ERROR_ROOT_NOT_REGISTERED;
  }
  const uint8_t *entry = source->data + REGISTRY_OFFSET_ENTRIES + index * ROOT_ENTRY_SIZE;
  if (borsh_read_u64(entry + ROOT_ENTRY_OFFSET_HEIGHT) != height) {
    return ERROR_ROOT_NOT_REGISTERED;
  }
  if (borsh_read_u64(entry + ROOT_ENTRY_OFFSET_SLOT) >= current_slot) {
    return ERROR_ROOT_NOT_FINAL;
  }
  *root = entry + ROOT_ENTRY_OFFSET_ROOT;
  return SUCCESS;
}

/*
 * SMT_OK when `siblings` (count hashes) prove that the L2 state maps the key
 * of withdrawal `sequence` ("w:" and 16 lowercase hex digits) to the value
 * `recipient [32] | amount u64 LE` under `root` (sparse-merkle.ts's rules).
 */
static uint64_t verify_withdrawal(const uint8_t *root, uint64_t sequence, const uint8_t *recipient,
                                  uint64_t amount, const uint8_t *siblings_and_count) {
  uint8_t key[WITHDRAWAL_KEY_SIZE];
  key[0] = 'w';
  key[1] = ':';
  for (uint64_t digit = 0; digit < 16; digit++) {
    key[2 + digit] = HEX_DIGITS[(sequence >> (60 - 4 * digit)) & 0xfu];
  }
  uint8_t path[32];
  smt_sha256(key, WITHDRAWAL_KEY_SIZE, path);
  uint8_t value[WITHDRAWAL_VALUE_SIZE];
  sol_memcpy_(value, recipient, 32);
  borsh_write_u64(value + 32, amount);
  uint8_t value_hash[32];
  smt_sha256(value, WITHDRAWAL_VALUE_SIZE, value_hash);
  SmtProof proof;
  proof.sibling_count = borsh_read_u32(siblings_and_count);
  proof.siblings = siblings_and_count + 4;
  proof.leaf_path = path;
  proof.leaf_value_hash = value_hash;
  return smt_verify(root, path, value_hash, &proof);
}

/* bridge_optimistic.c (after game.c): the final root of `height` in the rollup's settlement mode. */
static uint64_t withdrawal_final_root(const SolAccountInfo *source, const SolAccountInfo *game_config,
                                      const SolPubkey *program_id, uint64_t height, const uint8_t **root);

/*
 * finalize_withdrawal(sequence: u64, amount: u64, height: u64, siblings: Vec<[u8; 32]>)
 * accounts: bridge_vault (w), root source: the root_registry page (height - 1) / 64
 *           (posting mode) or the OptimisticBatch of `height` (optimistic mode),
 *           withdrawal_nullifier ["withdrawal", sequence LE] (w), recipient (w),
 *           payer (w, s), system_program, game_config ["game-config"] (whether
 *           initialized or not: it says the mode, see bridge_optimistic.c)
 *
 * Pays `amount` lamports from the vault to `recipient` when `siblings` prove
 * that the final root of `height` holds withdrawal `sequence` as
 * { recipient's key, amount }, and creates the nullifier (paid by `payer`):
 * a second call for the same sequence fails with WithdrawalAlreadyFinalized.
 * Anyone may call it (the proof binds the recipient and the amount).
 */
static uint64_t process_finalize_withdrawal(SolParameters *params, const uint8_t *data) {
  if (params->accounts_len < 7) {
    return ERROR_NOT_ENOUGH_ACCOUNTS;
  }
  SolAccountInfo *vault = &params->accounts[0];
  SolAccountInfo *registry = &params->accounts[1];
  SolAccountInfo *nullifier = &params->accounts[2];
  SolAccountInfo *recipient = &params->accounts[3];
  SolAccountInfo *payer = &params->accounts[4];
  SolAccountInfo *system_program = &params->accounts[5];
  const SolPubkey *program_id = params->program_id;
  uint64_t sequence = borsh_read_u64(data);
  uint64_t amount = borsh_read_u64(data + 8);
  uint64_t height = borsh_read_u64(data + 16);

  uint64_t result = check_bridge_vault(vault, program_id);
  if (result != SUCCESS) {
    return result;
  }
  if (amount == 0) {
    return ERROR_INVALID_AMOUNT;
  }
  SolClock clock;
  sol_memset_(&clock, 0, sizeof(clock));
  sol_get_clock_sysvar(&clock);
  const uint8_t *root = NULL;
  result = withdrawal_final_root(registry, &params->accounts[6], program_id, height, &root);
  if (result != SUCCESS) {
    return result;
  }
  if (verify_withdrawal(root, sequence, recipient->key->bytes, amount, data + 24) != SMT_OK) {
    return ERROR_INVALID_WITHDRAWAL_PROOF;
  }
  result = check_writable(nullifier);
  if (result != SUCCESS) {
    return result;
  }
  uint8_t sequence_le[8];
  borsh_write_u64(sequence_le, sequence);
  uint8_t nullifier_bump = 0;
  SolSignerSeed nullifier_seeds[3] = {{WITHDRAWAL_SEED, WITHDRAWAL_SEED_LENGTH}, {sequence_le, 8}, {&nullifier_bump, 1}};
  result = find_derived_address(nullifier, nullifier_seeds, 2, program_id, &nullifier_bump);
  if (result != SUCCESS) {
    return result;
  }
  if (pubkey_equal(nullifier->owner->bytes, program_id->bytes)) {
    return ERROR_WITHDRAWAL_ALREADY_FINALIZED;
  }
  result = check_uncreated(nullifier);
  if (result != SUCCESS) {
    return result;
  }
  result = check_writable(recipient);
  if (result != SUCCESS) {
    return result;
  }
  result = check_writable_signer(payer);
  if (result != SUCCESS) {
    return result;
  }
  result = check_system_program(system_program);
  if (result != SUCCESS) {
    return result;
  }
  uint64_t reserve = rent_minimum_balance(BRIDGE_VAULT_SIZE);
  uint64_t held = *vault->lamports;
  if (held < reserve || held - reserve < amount) {
    return ERROR_VAULT_INSUFFICIENT;
  }
  uint64_t withdrawn = borsh_read_u64(vault->data + VAULT_OFFSET_TOTAL_WITHDRAWN);
  if (withdrawn > UINT64_MAX - amount) {
    return ERROR_ARITHMETIC_OVERFLOW;
  }

  /* Every check passed: the nullifier first, then the payment. */
  PdaCreation creation;
  SolSignerSeeds nullifier_signer = {nullifier_seeds, 3};
  creation.payer = payer;
  creation.target = nullifier;
  creation.system_program = system_program;
  creation.program_id = program_id;
  creation.target_signer = &nullifier_signer;
  result = create_pda_account(&creation, WITHDRAWAL_NULLIFIER_SIZE);
  if (result != SUCCESS) {
    return result;
  }
  uint8_t *entry = nullifier->data;
  borsh_write_u64(entry, WITHDRAWAL_NULLIFIER_DISCRIMINATOR);
  borsh_write_u64(entry + NULLIFIER_OFFSET_SEQUENCE, sequence);
  sol_memcpy_(entry + NULLIFIER_OFFSET_RECIPIENT, recipient->key->bytes, 32);
  borsh_write_u64(entry + NULLIFIER_OFFSET_AMOUNT, amount);
  borsh_write_u64(entry + NULLIFIER_OFFSET_HEIGHT, height);
  borsh_write_u64(entry + NULLIFIER_OFFSET_SLOT, clock.slot);
  entry[NULLIFIER_OFFSET_BUMP] = nullifier_bump;
  *vault->lamports -= amount;
  *recipient->lamports += amount;
  borsh_write_u64(vault->data + VAULT_OFFSET_TOTAL_WITHDRAWN, withdrawn + amount);
  return SUCCESS;
}

/* Logs the Anchor-style line of a bridge error code (nothing for others). */
static void log_bridge_error(uint64_t code) {
  switch (code) {
    case ERROR_INVALID_AMOUNT:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "InvalidAmount. Error Number: 6200. Error Message: "
                                      "The amount must be at least one lamport.");
      break;
    case ERROR_ROOT_NOT_FINAL:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "RootNotFinal. Error Number: 6201. Error Message: "
                                      "The root of that height is not final yet.");
      break;
    case ERROR_INVALID_WITHDRAWAL_PROOF:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "InvalidWithdrawalProof. Error Number: 6202. Error Message: "
                                      "The proof does not show this withdrawal under the root.");
      break;
    case ERROR_WITHDRAWAL_ALREADY_FINALIZED:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX
                  "WithdrawalAlreadyFinalized. Error Number: 6203. Error Message: "
                  "This withdrawal was already paid (its nullifier exists).");
      break;
    case ERROR_VAULT_INSUFFICIENT:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "VaultInsufficient. Error Number: 6204. Error Message: "
                                      "The vault holds fewer lamports than the withdrawal.");
      break;
    case ERROR_ROOT_NOT_REGISTERED:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "RootNotRegistered. Error Number: 6205. Error Message: "
                                      "No root is registered for that height.");
      break;
    default:
      break;
  }
}

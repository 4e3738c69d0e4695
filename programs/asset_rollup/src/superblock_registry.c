/*
 * The superblock registry's instructions (layouts, errors and the rules'
 * sources: superblock_registry.h):
 *
 *   initialize_superblock_registry(publisher)  creates SuperblockConfig and page 0;
 *                                              only the program's upgrade authority may
 *   publish_superblock(number, slot, parent_hash, hash, blocks)
 *                                              registers superblock `number`: signed by the
 *                                              configured publisher, number = last + 1,
 *                                              parent_hash = last hash, 1..8 blocks in strictly
 *                                              ascending chain order, hash = the hash of its
 *                                              contents (recomputed with keccak256)
 *
 * Included by program.c after instructions.c (unity build); everything here
 * is static.
 */
#include "superblock_registry.h"
#include "smt.c"

extern uint64_t sol_keccak256(const SmtSlice *slices, uint64_t count, uint8_t *result);

#define SB_CONFIG_SEED_LENGTH 17u
static const uint8_t SB_CONFIG_SEED[SB_CONFIG_SEED_LENGTH] = {'s', 'u', 'p', 'e', 'r', 'b', 'l', 'o', 'c',
                                                              'k', '-', 'c', 'o', 'n', 'f', 'i', 'g'};
#define SB_PAGE_SEED_LENGTH 11u
static const uint8_t SB_PAGE_SEED[SB_PAGE_SEED_LENGTH] = {'s', 'u', 'p', 'e', 'r', 'b', 'l', 'o', 'c', 'k', 's'};

/* Writes `value` as 8 bytes big endian (the superblock hash's encoding). */
static void write_u64_be(uint8_t *at, uint64_t value) {
  for (uint64_t index = 0; index < 8; index++) {
    at[index] = (uint8_t)(value >> (56 - 8 * index));
  }
}

/*
 * The existing SuperblockConfig: writable, owned by the program, its size and
 * discriminator, and the address ["superblock-config", stored bump].
 */
static uint64_t check_superblock_config(const SolAccountInfo *config, const SolPubkey *program_id) {
  uint64_t result = check_writable(config);
  if (result != SUCCESS) {
    return result;
  }
  result = check_program_account(config, program_id, SUPERBLOCK_CONFIG_SIZE, SUPERBLOCK_CONFIG_DISCRIMINATOR);
  if (result != SUCCESS) {
    return result;
  }
  uint8_t bump = config->data[SB_CONFIG_OFFSET_BUMP];
  SolSignerSeed seeds[2] = {{SB_CONFIG_SEED, SB_CONFIG_SEED_LENGTH}, {&bump, 1}};
  return check_derived_address(config, seeds, 2, program_id);
}

/* An existing SuperblockPage `page`: owner, size, discriminator, page field, address. */
static uint64_t check_superblock_page(const SolAccountInfo *page_account, const SolPubkey *program_id,
                                      uint64_t page) {
  uint64_t result = check_writable(page_account);
  if (result != SUCCESS) {
    return result;
  }
  result = check_program_account(page_account, program_id, SUPERBLOCK_PAGE_SIZE, SUPERBLOCK_PAGE_DISCRIMINATOR);
  if (result != SUCCESS) {
    return result;
  }
  if (borsh_read_u64(page_account->data + SB_PAGE_OFFSET_PAGE) != page) {
    return ERROR_INVALID_PDA;
  }
  uint8_t page_le[8];
  borsh_write_u64(page_le, page);
  uint8_t bump = page_account->data[SB_PAGE_OFFSET_BUMP];
  SolSignerSeed seeds[3] = {{SB_PAGE_SEED, SB_PAGE_SEED_LENGTH}, {page_le, 8}, {&bump, 1}};
  return check_derived_address(page_account, seeds, 3, program_id);
}

/* Creates SuperblockPage `page` at `creation->target` and writes its header. */
static uint64_t create_superblock_page(PdaCreation *creation, uint64_t page, uint8_t bump) {
  uint8_t page_le[8];
  borsh_write_u64(page_le, page);
  uint8_t bump_seed = bump;
  SolSignerSeed seeds[3] = {{SB_PAGE_SEED, SB_PAGE_SEED_LENGTH}, {page_le, 8}, {&bump_seed, 1}};
  SolSignerSeeds signer = {seeds, 3};
  creation->target_signer = &signer;
  uint64_t result = create_pda_account(creation, SUPERBLOCK_PAGE_SIZE);
  creation->target_signer = NULL;
  if (result != SUCCESS) {
    return result;
  }
  uint8_t *data = creation->target->data;
  borsh_write_u64(data, SUPERBLOCK_PAGE_DISCRIMINATOR);
  borsh_write_u64(data + SB_PAGE_OFFSET_PAGE, page);
  borsh_write_u32(data + SB_PAGE_OFFSET_COUNT, 0);
  data[SB_PAGE_OFFSET_BUMP] = bump;
  return SUCCESS;
}

/*
 * initialize_superblock_registry(publisher: Pubkey)
 * accounts: superblock_config (w), superblock page 0 (w), upgrade_authority (w, s), system_program,
 *           program_data (the program's ProgramData account; its upgrade authority must sign)
 */
static uint64_t process_initialize_superblock_registry(SolParameters *params, const uint8_t *data) {
  if (params->accounts_len < 5) {
    return ERROR_NOT_ENOUGH_ACCOUNTS;
  }
  SolAccountInfo *config = &params->accounts[0];
  SolAccountInfo *page = &params->accounts[1];
  SolAccountInfo *authority = &params->accounts[2];
  SolAccountInfo *system_program = &params->accounts[3];
  SolAccountInfo *program_data = &params->accounts[4];
  const SolPubkey *program_id = params->program_id;

  uint64_t result = check_uncreated(config);
  if (result != SUCCESS) {
    return result;
  }
  uint8_t config_bump = 0;
  SolSignerSeed config_seeds[2] = {{SB_CONFIG_SEED, SB_CONFIG_SEED_LENGTH}, {&config_bump, 1}};
  result = find_derived_address(config, config_seeds, 1, program_id, &config_bump);
  if (result != SUCCESS) {
    return result;
  }
  result = check_uncreated(page);
  if (result != SUCCESS) {
    return result;
  }
  uint8_t page_zero[8];
  borsh_write_u64(page_zero, 0);
  uint8_t page_bump = 0;
  SolSignerSeed page_seeds[2] = {{SB_PAGE_SEED, SB_PAGE_SEED_LENGTH}, {page_zero, 8}};
  result = find_derived_address(page, page_seeds, 2, program_id, &page_bump);
  if (result != SUCCESS) {
    return result;
  }
  result = check_writable_signer(authority);
  if (result != SUCCESS) {
    return result;
  }
  result = check_system_program(system_program);
  if (result != SUCCESS) {
    return result;
  }
  result = check_program_data(program_data, program_id, authority);
  if (result != SUCCESS) {
    return result;
  }

  /* Every check passed: create the config, then page 0. */
  SolSignerSeeds config_signer = {config_seeds, 2};
  PdaCreation creation;
  creation.payer = authority;
  creation.target = config;
  creation.system_program = system_program;
  creation.program_id = program_id;
  creation.target_signer = &config_signer;
  result = create_pda_account(&creation, SUPERBLOCK_CONFIG_SIZE);
  if (result != SUCCESS) {
    return result;
  }
  creation.target = page;
  result = create_superblock_page(&creation, 0, page_bump);
  if (result != SUCCESS) {
    return result;
  }
  uint8_t *state = config->data;
  sol_memset_(state, 0, SUPERBLOCK_CONFIG_SIZE);
  borsh_write_u64(state, SUPERBLOCK_CONFIG_DISCRIMINATOR);
  sol_memcpy_(state + SB_CONFIG_OFFSET_PUBLISHER, data, 32);
  state[SB_CONFIG_OFFSET_BUMP] = config_bump;
  return SUCCESS;
}

/*
 * The Merkle root of `count` (1..8) L2 block roots at `blocks`, already in
 * strictly ascending chain order (the caller checked): leaves
 * keccak256(chain_id BE4 || block_hash || block_number BE8), pairs
 * keccak256(left || right), an odd level duplicating its last node.
 */
static void superblock_merkle_root(const uint8_t *blocks, uint64_t count, uint8_t *out) {
  uint8_t level[SUPERBLOCK_BLOCKS_MAX * 32];
  for (uint64_t index = 0; index < count; index++) {
    const uint8_t *block = blocks + index * L2_BLOCK_ROOT_SIZE;
    uint8_t leaf[44];
    uint32_t chain = borsh_read_u32(block);
    leaf[0] = (uint8_t)(chain >> 24);
    leaf[1] = (uint8_t)(chain >> 16);
    leaf[2] = (uint8_t)(chain >> 8);
    leaf[3] = (uint8_t)chain;
    sol_memcpy_(leaf + 4, block + 12, 32);
    write_u64_be(leaf + 36, borsh_read_u64(block + 4));
    SmtSlice slice = {leaf, 44};
    sol_keccak256(&slice, 1, level + index * 32);
  }
  uint64_t width = count;
  while (width > 1) {
    uint64_t next = 0;
    for (uint64_t index = 0; index < width; index += 2) {
      uint64_t right = index + 1 < width ? index + 1 : index;
      SmtSlice slices[2] = {{level + index * 32, 32}, {level + right * 32, 32}};
      uint8_t parent[32];
      sol_keccak256(slices, 2, parent);
      sol_memcpy_(level + next * 32, parent, 32);
      next++;
    }
    width = next;
  }
  sol_memcpy_(out, level, 32);
}

/*
 * publish_superblock(number u64, slot u64, parent_hash [u8; 32], hash [u8; 32], blocks Vec<L2BlockRoot>)
 * accounts: superblock_config (w), superblock page (number - 1) / 16 (w), publisher (w, s), system_program
 */
static uint64_t process_publish_superblock(SolParameters *params, const uint8_t *data, uint64_t count) {
  if (params->accounts_len < 4) {
    return ERROR_NOT_ENOUGH_ACCOUNTS;
  }
  SolAccountInfo *config = &params->accounts[0];
  SolAccountInfo *page_account = &params->accounts[1];
  SolAccountInfo *publisher = &params->accounts[2];
  SolAccountInfo *system_program = &params->accounts[3];
  const SolPubkey *program_id = params->program_id;

  uint64_t result = check_superblock_config(config, program_id);
  if (result != SUCCESS) {
    return result;
  }
  result = check_writable_signer(publisher);
  if (result != SUCCESS) {
    return result;
  }
  result = check_system_program(system_program);
  if (result != SUCCESS) {
    return result;
  }
  uint8_t *state = config->data;
  if (!pubkey_equal(publisher->key->bytes, state + SB_CONFIG_OFFSET_PUBLISHER)) {
    return ERROR_NOT_SUPERBLOCK_PUBLISHER;
  }
  uint64_t number = borsh_read_u64(data);
  uint64_t slot = borsh_read_u64(data + 8);
  const uint8_t *parent_hash = data + 16;
  const uint8_t *hash = data + 48;
  const uint8_t *blocks = data + PUBLISH_SUPERBLOCK_FIXED_ARGS_SIZE;
  uint64_t last_number = borsh_read_u64(state + SB_CONFIG_OFFSET_LAST_NUMBER);
  if (last_number == UINT64_MAX) {
    return ERROR_ARITHMETIC_OVERFLOW;
  }
  if (number != last_number + 1) {
    return ERROR_SUPERBLOCK_NUMBER_NOT_NEXT;
  }
  if (!pubkey_equal(parent_hash, state + SB_CONFIG_OFFSET_LAST_HASH)) {
    return ERROR_SUPERBLOCK_PARENT_MISMATCH;
  }
  if (count == 0 || count > SUPERBLOCK_BLOCKS_MAX) {
    return ERROR_SUPERBLOCK_BLOCKS_INVALID;
  }
  for (uint64_t index = 1; index < count; index++) {
    if (borsh_read_u32(blocks + index * L2_BLOCK_ROOT_SIZE) <= borsh_read_u32(blocks + (index - 1) * L2_BLOCK_ROOT_SIZE)) {
      return ERROR_SUPERBLOCK_BLOCKS_INVALID;
    }
  }
  uint8_t merkle_root[32];
  superblock_merkle_root(blocks, count, merkle_root);
  uint8_t header[16];
  write_u64_be(header, number);
  write_u64_be(header + 8, slot);
  SmtSlice slices[3] = {{header, 16}, {parent_hash, 32}, {merkle_root, 32}};
  uint8_t expected[32];
  sol_keccak256(slices, 3, expected);
  if (!pubkey_equal(expected, hash)) {
    return ERROR_SUPERBLOCK_HASH_MISMATCH;
  }

  /* number >= 1 here, so number - 1 cannot wrap. */
  uint64_t page = (number - 1) / SUPERBLOCKS_PER_PAGE;
  uint64_t index = (number - 1) % SUPERBLOCKS_PER_PAGE;
  bool create_page = index == 0 && page > 0 && !pubkey_equal(page_account->owner->bytes, program_id->bytes);
  uint8_t page_bump = 0;
  if (create_page) {
    result = check_uncreated(page_account);
    if (result != SUCCESS) {
      return result;
    }
    uint8_t page_le[8];
    borsh_write_u64(page_le, page);
    SolSignerSeed seeds[2] = {{SB_PAGE_SEED, SB_PAGE_SEED_LENGTH}, {page_le, 8}};
    result = find_derived_address(page_account, seeds, 2, program_id, &page_bump);
  } else {
    result = check_superblock_page(page_account, program_id, page);
  }
  if (result != SUCCESS) {
    return result;
  }

  SolClock clock;
  sol_memset_(&clock, 0, sizeof(clock));
  sol_get_clock_sysvar(&clock);

  /* Every check passed. */
  if (create_page) {
    PdaCreation creation;
    creation.payer = publisher;
    creation.target = page_account;
    creation.system_program = system_program;
    creation.program_id = program_id;
    creation.target_signer = NULL;
    result = create_superblock_page(&creation, page, page_bump);
    if (result != SUCCESS) {
      return result;
    }
  }
  uint8_t *entry = page_account->data + SB_PAGE_OFFSET_ENTRIES + index * SB_ENTRY_SIZE;
  sol_memset_(entry, 0, SB_ENTRY_SIZE);
  borsh_write_u64(entry + SB_ENTRY_OFFSET_NUMBER, number);
  borsh_write_u64(entry + SB_ENTRY_OFFSET_SLOT, slot);
  sol_memcpy_(entry + SB_ENTRY_OFFSET_PARENT_HASH, parent_hash, 32);
  sol_memcpy_(entry + SB_ENTRY_OFFSET_HASH, hash, 32);
  sol_memcpy_(entry + SB_ENTRY_OFFSET_MERKLE_ROOT, merkle_root, 32);
  borsh_write_u64(entry + SB_ENTRY_OFFSET_L1_SLOT, clock.slot);
  entry[SB_ENTRY_OFFSET_BLOCK_COUNT] = (uint8_t)count;
  sol_memcpy_(entry + SB_ENTRY_OFFSET_BLOCKS, blocks, count * L2_BLOCK_ROOT_SIZE);
  borsh_write_u32(page_account->data + SB_PAGE_OFFSET_COUNT, (uint32_t)(index + 1));
  borsh_write_u64(state + SB_CONFIG_OFFSET_LAST_NUMBER, number);
  sol_memcpy_(state + SB_CONFIG_OFFSET_LAST_HASH, hash, 32);
  return SUCCESS;
}

/* Logs the Anchor-style line for the registry's error codes (nothing for others). */
static void log_superblock_error(uint64_t code) {
  switch (code) {
    case ERROR_SUPERBLOCK_NUMBER_NOT_NEXT:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "SuperblockNumberNotNext. Error Number: 6400. Error Message: "
                                      "Superblock number must be last_superblock_number + 1.");
      break;
    case ERROR_SUPERBLOCK_PARENT_MISMATCH:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "SuperblockParentMismatch. Error Number: 6401. Error Message: "
                                      "Superblock parent hash is not the hash of the last superblock.");
      break;
    case ERROR_SUPERBLOCK_HASH_MISMATCH:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "SuperblockHashMismatch. Error Number: 6402. Error Message: "
                                      "Superblock hash is not keccak256 of its number, slot, parent hash and Merkle root.");
      break;
    case ERROR_SUPERBLOCK_BLOCKS_INVALID:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "SuperblockBlocksInvalid. Error Number: 6403. Error Message: "
                                      "A superblock carries 1 to 8 L2 blocks in strictly ascending chain order.");
      break;
    case ERROR_NOT_SUPERBLOCK_PUBLISHER:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "NotSuperblockPublisher. Error Number: 6404. Error Message: "
                                      "The signer is not the configured superblock publisher.");
      break;
    default:
      break;
  }
}

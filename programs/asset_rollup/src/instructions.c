/*
 * The instruction handlers. Each one checks every account and every rule
 * first and writes state only after all checks passed, so a failing
 * instruction leaves every account as it was (the runtime would roll back
 * anyway; this keeps the program honest when read on its own).
 *
 * `data` is the instruction data after the 8-byte discriminator; the
 * dispatcher in program.c has already checked its exact length.
 *
 * Included by program.c (unity build); everything here is static.
 */
#include "accounts.c"

/* Arguments after the discriminator (idl.json "instructions" args). */
#define INITIALIZE_ARGS_SIZE 36u        /* InitializeConfig { batch_poster_authority, version u32 } */
#define SUBMIT_BATCH_ROOT_ARGS_SIZE 40u /* height u64, root [u8; 32] */
#define PUBKEY_ARGS_SIZE 32u            /* rotate_authority, transfer_upgrade_authority */
#define SET_VERSION_ARGS_SIZE 4u        /* version u32 */
#define NO_ARGS_SIZE 0u

/* BPFLoaderUpgradeab1e11111111111111111111111, the upgradeable loader. */
static const uint8_t UPGRADEABLE_LOADER_ID[32] = {
    0x02, 0xa8, 0xf6, 0x91, 0x4e, 0x88, 0xa1, 0xb0, 0xe2, 0x10, 0x15, 0x3e, 0xf7, 0x63, 0xae, 0x2b,
    0x00, 0xc2, 0xb9, 0x3d, 0x16, 0xc1, 0x24, 0xd2, 0xc0, 0x53, 0x7a, 0x10, 0x04, 0x80, 0x00, 0x00};

/* UpgradeableLoaderState::ProgramData { slot: u64, upgrade_authority_address: Option<Pubkey> }
 * (bincode: u32 tag 3, u64, u8 option tag, 32 bytes), then the ELF. */
#define PROGRAM_DATA_TAG 3u
#define PROGRAM_DATA_OFFSET_AUTHORITY_TAG 12u
#define PROGRAM_DATA_OFFSET_AUTHORITY 13u
#define PROGRAM_DATA_HEADER_SIZE 45u

/*
 * The program's ProgramData account names `authority` as its upgrade
 * authority: the address is find_program_address([program_id], upgradeable
 * loader) (InvalidPda), the loader owns it (InvalidOwner), it holds a
 * ProgramData header (InvalidAccountSize, InvalidDiscriminator), and its
 * upgrade authority is set and equals `authority` (Unauthorized). As
 * Anchor's `program.programdata_address()? == Some(program_data.key())` and
 * `program_data.upgrade_authority_address == Some(signer.key())` constraints:
 * only whoever deployed (or may upgrade) the program can initialize it, so
 * nobody can front-run initialize and take the config's authorities.
 */
static uint64_t check_program_data(const SolAccountInfo *program_data, const SolPubkey *program_id,
                                   const SolAccountInfo *authority) {
  SolPubkey loader;
  sol_memcpy_(loader.bytes, UPGRADEABLE_LOADER_ID, 32);
  uint8_t bump = 0;
  SolSignerSeed seeds[1] = {{program_id->bytes, 32}};
  uint64_t result = find_derived_address(program_data, seeds, 1, &loader, &bump);
  if (result != SUCCESS) {
    return result;
  }
  if (!pubkey_equal(program_data->owner->bytes, loader.bytes)) {
    return ERROR_INVALID_OWNER;
  }
  if (program_data->data_len < PROGRAM_DATA_HEADER_SIZE) {
    return ERROR_INVALID_ACCOUNT_SIZE;
  }
  if (borsh_read_u32(program_data->data) != PROGRAM_DATA_TAG) {
    return ERROR_INVALID_DISCRIMINATOR;
  }
  /* No upgrade authority (an immutable program): nobody may initialize. */
  if (program_data->data[PROGRAM_DATA_OFFSET_AUTHORITY_TAG] != 1 ||
      !pubkey_equal(program_data->data + PROGRAM_DATA_OFFSET_AUTHORITY, authority->key->bytes)) {
    return ERROR_UNAUTHORIZED;
  }
  return SUCCESS;
}

/*
 * initialize(config: InitializeConfig)
 * accounts: rollup_config (w), root_registry page 0 (w), upgrade_authority (w, s), system_program,
 *           program_data (the program's ProgramData account; its upgrade authority must sign)
 */
static uint64_t process_initialize(SolParameters *params, const uint8_t *data) {
  if (params->accounts_len < 5) {
    return ERROR_NOT_ENOUGH_ACCOUNTS;
  }
  SolAccountInfo *config = &params->accounts[0];
  SolAccountInfo *registry = &params->accounts[1];
  SolAccountInfo *authority = &params->accounts[2];
  SolAccountInfo *system_program = &params->accounts[3];
  SolAccountInfo *program_data = &params->accounts[4];
  const SolPubkey *program_id = params->program_id;

  uint64_t result = check_writable(config);
  if (result != SUCCESS) {
    return result;
  }
  uint8_t config_bump = 0;
  SolSignerSeed config_seeds[2] = {{CONFIG_SEED, SEED_LENGTH}, {&config_bump, 1}};
  result = find_derived_address(config, config_seeds, 1, program_id, &config_bump);
  if (result != SUCCESS) {
    return result;
  }
  /*
   * Lamports alone are fine: anyone can send lamports to the config address,
   * and refusing it then would block initialize forever (issue 16: 890,880
   * lamports did); create_pda_account tops it up, as for the registry pages.
   */
  if (config->data_len != 0 || !is_system_program_id(config->owner)) {
    return ERROR_ALREADY_INITIALIZED;
  }

  result = check_writable(registry);
  if (result != SUCCESS) {
    return result;
  }
  uint8_t page_zero[8];
  borsh_write_u64(page_zero, 0);
  uint8_t registry_bump = 0;
  SolSignerSeed registry_seeds[2] = {{REGISTRY_SEED, SEED_LENGTH}, {page_zero, 8}};
  result = find_derived_address(registry, registry_seeds, 2, program_id, &registry_bump);
  if (result != SUCCESS) {
    return result;
  }
  /* Lamports alone (someone paid the address) are fine: see create_pda_account. */
  if (registry->data_len != 0 || !is_system_program_id(registry->owner)) {
    return ERROR_ALREADY_INITIALIZED;
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
  result = create_pda_account(&creation, CONFIG_SIZE);
  if (result != SUCCESS) {
    return result;
  }
  creation.target = registry;
  result = create_registry_page(&creation, 0, registry_bump);
  if (result != SUCCESS) {
    return result;
  }

  uint8_t *state = config->data;
  uint32_t version = borsh_read_u32(data + 32);
  borsh_write_u64(state, ROLLUP_CONFIG_DISCRIMINATOR);
  sol_memcpy_(state + CONFIG_OFFSET_UPGRADE_AUTHORITY, authority->key->bytes, 32);
  sol_memset_(state + CONFIG_OFFSET_PENDING_UPGRADE_AUTHORITY, 0, 32);
  sol_memcpy_(state + CONFIG_OFFSET_BATCH_POSTER_AUTHORITY, data, 32);
  borsh_write_u32(state + CONFIG_OFFSET_VERSION, version);
  borsh_write_u32(state + CONFIG_OFFSET_LAST_GOOD_VERSION, version);
  state[CONFIG_OFFSET_PAUSED] = 0;
  borsh_write_u64(state + CONFIG_OFFSET_LAST_BATCH_HEIGHT, 0);
  state[CONFIG_OFFSET_BUMP] = config_bump;
  return SUCCESS;
}

/*
 * submit_batch_root(height: u64, root: [u8; 32])
 * accounts: rollup_config (w), root_registry page (height - 1) / 64 (w),
 *           batch_poster (w, s), system_program
 */
static uint64_t process_submit_batch_root(SolParameters *params, const uint8_t *data) {
  if (params->accounts_len < 4) {
    return ERROR_NOT_ENOUGH_ACCOUNTS;
  }
  SolAccountInfo *config = &params->accounts[0];
  SolAccountInfo *registry = &params->accounts[1];
  SolAccountInfo *poster = &params->accounts[2];
  SolAccountInfo *system_program = &params->accounts[3];
  const SolPubkey *program_id = params->program_id;

  uint64_t result = check_config_account(config, program_id);
  if (result != SUCCESS) {
    return result;
  }
  result = check_writable(registry);
  if (result != SUCCESS) {
    return result;
  }
  result = check_writable_signer(poster);
  if (result != SUCCESS) {
    return result;
  }
  result = check_system_program(system_program);
  if (result != SUCCESS) {
    return result;
  }

  uint8_t *state = config->data;
  if (state[CONFIG_OFFSET_PAUSED] != 0) {
    return ERROR_POSTING_PAUSED;
  }
  if (!pubkey_equal(poster->key->bytes, state + CONFIG_OFFSET_BATCH_POSTER_AUTHORITY)) {
    return ERROR_UNAUTHORIZED;
  }
  uint64_t height = borsh_read_u64(data);
  uint64_t last_height = borsh_read_u64(state + CONFIG_OFFSET_LAST_BATCH_HEIGHT);
  if (last_height == UINT64_MAX) {
    return ERROR_ARITHMETIC_OVERFLOW;
  }
  if (height != last_height + 1) {
    return ERROR_HEIGHT_NOT_NEXT;
  }
  /* height >= 1 here, so height - 1 cannot wrap. */
  uint64_t page = (height - 1) / ROOTS_PER_PAGE;
  uint64_t index = (height - 1) % ROOTS_PER_PAGE;

  bool create_page = index == 0 && page > 0 && !pubkey_equal(registry->owner->bytes, program_id->bytes);
  uint8_t page_bump = 0;
  if (create_page) {
    /* The first height of a new page: the page must be its (not yet
     * created) PDA. If it already exists it is checked like any page below. */
    if (!is_system_program_id(registry->owner)) {
      return ERROR_INVALID_OWNER;
    }
    if (registry->data_len != 0) {
      return ERROR_INVALID_ACCOUNT_SIZE;
    }
    uint8_t page_le[8];
    borsh_write_u64(page_le, page);
    SolSignerSeed seeds[2] = {{REGISTRY_SEED, SEED_LENGTH}, {page_le, 8}};
    result = find_derived_address(registry, seeds, 2, program_id, &page_bump);
    if (result != SUCCESS) {
      return result;
    }
  } else {
    result = check_registry_page(registry, program_id, page);
    if (result != SUCCESS) {
      return result;
    }
    /* Pages fill in height order, so the count is the index; a page out of
     * step with the config could only come from a bug. */
    if (borsh_read_u32(registry->data + REGISTRY_OFFSET_COUNT) != index) {
      return ERROR_HEIGHT_NOT_NEXT;
    }
  }

  SolClock clock;
  sol_memset_(&clock, 0, sizeof(clock));
  sol_get_clock_sysvar(&clock);

  /* Every check passed. */
  if (create_page) {
    PdaCreation creation;
    creation.payer = poster;
    creation.target = registry;
    creation.system_program = system_program;
    creation.program_id = program_id;
    creation.target_signer = NULL;
    result = create_registry_page(&creation, page, page_bump);
    if (result != SUCCESS) {
      return result;
    }
  }
  uint8_t *entry = registry->data + REGISTRY_OFFSET_ENTRIES + index * ROOT_ENTRY_SIZE;
  borsh_write_u64(entry + ROOT_ENTRY_OFFSET_HEIGHT, height);
  sol_memcpy_(entry + ROOT_ENTRY_OFFSET_ROOT, data + 8, 32);
  borsh_write_u64(entry + ROOT_ENTRY_OFFSET_SLOT, clock.slot);
  borsh_write_u64(entry + ROOT_ENTRY_OFFSET_TIMESTAMP, (uint64_t)clock.unix_timestamp);
  borsh_write_u32(registry->data + REGISTRY_OFFSET_COUNT, (uint32_t)(index + 1));
  borsh_write_u64(state + CONFIG_OFFSET_LAST_BATCH_HEIGHT, height);
  return SUCCESS;
}

/*
 * The accounts of the config-only instructions: rollup_config (w) and a
 * signer. Checks both; the caller decides whom the signer must be.
 */
static uint64_t check_config_and_signer(SolParameters *params) {
  if (params->accounts_len < 2) {
    return ERROR_NOT_ENOUGH_ACCOUNTS;
  }
  uint64_t result = check_config_account(&params->accounts[0], params->program_id);
  if (result != SUCCESS) {
    return result;
  }
  return check_signer(&params->accounts[1]);
}

/* The config-only instructions of the upgrade authority. */
static uint64_t check_upgrade_authority(SolParameters *params) {
  uint64_t result = check_config_and_signer(params);
  if (result != SUCCESS) {
    return result;
  }
  const uint8_t *state = params->accounts[0].data;
  if (!pubkey_equal(params->accounts[1].key->bytes, state + CONFIG_OFFSET_UPGRADE_AUTHORITY)) {
    return ERROR_UNAUTHORIZED;
  }
  return SUCCESS;
}

/* rotate_authority(new_authority): batch_poster_authority = new_authority. */
static uint64_t process_rotate_authority(SolParameters *params, const uint8_t *data) {
  uint64_t result = check_upgrade_authority(params);
  if (result != SUCCESS) {
    return result;
  }
  sol_memcpy_(params->accounts[0].data + CONFIG_OFFSET_BATCH_POSTER_AUTHORITY, data, 32);
  return SUCCESS;
}

/* transfer_upgrade_authority(new_authority): pending = new_authority
 * (all zero withdraws a pending transfer). */
static uint64_t process_transfer_upgrade_authority(SolParameters *params, const uint8_t *data) {
  uint64_t result = check_upgrade_authority(params);
  if (result != SUCCESS) {
    return result;
  }
  sol_memcpy_(params->accounts[0].data + CONFIG_OFFSET_PENDING_UPGRADE_AUTHORITY, data, 32);
  return SUCCESS;
}

/* accept_upgrade_authority(): the pending authority signs and takes over. */
static uint64_t process_accept_upgrade_authority(SolParameters *params) {
  uint64_t result = check_config_and_signer(params);
  if (result != SUCCESS) {
    return result;
  }
  uint8_t *state = params->accounts[0].data;
  if (pubkey_is_zero(state + CONFIG_OFFSET_PENDING_UPGRADE_AUTHORITY)) {
    return ERROR_NO_PENDING_AUTHORITY;
  }
  if (!pubkey_equal(params->accounts[1].key->bytes, state + CONFIG_OFFSET_PENDING_UPGRADE_AUTHORITY)) {
    return ERROR_UNAUTHORIZED;
  }
  sol_memcpy_(state + CONFIG_OFFSET_UPGRADE_AUTHORITY, state + CONFIG_OFFSET_PENDING_UPGRADE_AUTHORITY, 32);
  sol_memset_(state + CONFIG_OFFSET_PENDING_UPGRADE_AUTHORITY, 0, 32);
  return SUCCESS;
}

/* pause_posting() / resume_posting(): paused = pause. */
static uint64_t process_set_paused(SolParameters *params, bool pause) {
  uint64_t result = check_upgrade_authority(params);
  if (result != SUCCESS) {
    return result;
  }
  uint8_t *state = params->accounts[0].data;
  bool paused = state[CONFIG_OFFSET_PAUSED] != 0;
  if (pause && paused) {
    return ERROR_ALREADY_PAUSED;
  }
  if (!pause && !paused) {
    return ERROR_NOT_PAUSED;
  }
  state[CONFIG_OFFSET_PAUSED] = pause ? 1 : 0;
  return SUCCESS;
}

/* set_version(version): last_good_version = the version before; version = version. */
static uint64_t process_set_version(SolParameters *params, const uint8_t *data) {
  uint64_t result = check_upgrade_authority(params);
  if (result != SUCCESS) {
    return result;
  }
  uint8_t *state = params->accounts[0].data;
  uint32_t previous = borsh_read_u32(state + CONFIG_OFFSET_VERSION);
  borsh_write_u32(state + CONFIG_OFFSET_LAST_GOOD_VERSION, previous);
  borsh_write_u32(state + CONFIG_OFFSET_VERSION, borsh_read_u32(data));
  return SUCCESS;
}

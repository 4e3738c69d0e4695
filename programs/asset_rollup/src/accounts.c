/*
 * The program's accounts: their byte layouts (idl.json "types", Borsh, fixed
 * size, no padding), the checks every instruction runs on them, and the
 * creation of program-derived accounts through the system program.
 *
 * Included by program.c (unity build); everything here is static.
 */
#include "borsh.h"
#include "errors.h"
#include "rent.h"
#include "solana_abi.h"

/* sha256("account:RollupConfig")[..8] and sha256("account:RootRegistry")[..8],
 * read as little-endian u64. */
#define ROLLUP_CONFIG_DISCRIMINATOR 0xa27aa8e8c48effb1ull
#define ROOT_REGISTRY_DISCRIMINATOR 0x6390a13b3c7932f4ull

/* RollupConfig: discriminator, then the struct's fields in IDL order. */
#define CONFIG_OFFSET_UPGRADE_AUTHORITY 8u
#define CONFIG_OFFSET_PENDING_UPGRADE_AUTHORITY 40u
#define CONFIG_OFFSET_BATCH_POSTER_AUTHORITY 72u
#define CONFIG_OFFSET_VERSION 104u
#define CONFIG_OFFSET_LAST_GOOD_VERSION 108u
#define CONFIG_OFFSET_PAUSED 112u
#define CONFIG_OFFSET_LAST_BATCH_HEIGHT 113u
#define CONFIG_OFFSET_BUMP 121u
#define CONFIG_SIZE 122u

/* RootRegistry: discriminator, page u64, count u32, bump u8, then
 * ROOTS_PER_PAGE RootEntry { height u64, root [u8; 32], slot u64, timestamp i64 }. */
#define ROOTS_PER_PAGE 64u
#define REGISTRY_OFFSET_PAGE 8u
#define REGISTRY_OFFSET_COUNT 16u
#define REGISTRY_OFFSET_BUMP 20u
#define REGISTRY_OFFSET_ENTRIES 21u
#define ROOT_ENTRY_OFFSET_HEIGHT 0u
#define ROOT_ENTRY_OFFSET_ROOT 8u
#define ROOT_ENTRY_OFFSET_SLOT 40u
#define ROOT_ENTRY_OFFSET_TIMESTAMP 48u
#define ROOT_ENTRY_SIZE 56u
#define REGISTRY_SIZE (REGISTRY_OFFSET_ENTRIES + ROOTS_PER_PAGE * ROOT_ENTRY_SIZE) /* 3605 */

#define SEED_LENGTH 13u
static const uint8_t CONFIG_SEED[SEED_LENGTH] = {'r', 'o', 'l', 'l', 'u', 'p', '-',
                                                 'c', 'o', 'n', 'f', 'i', 'g'};
static const uint8_t REGISTRY_SEED[SEED_LENGTH] = {'r', 'o', 'o', 't', '-', 'r', 'e',
                                                   'g', 'i', 's', 't', 'r', 'y'};

/* System program instruction tags (its bincode enum, u32 little endian). */
#define SYSTEM_CREATE_ACCOUNT 0u
#define SYSTEM_ASSIGN 1u
#define SYSTEM_TRANSFER 2u
#define SYSTEM_ALLOCATE 8u

static bool is_system_program_id(const SolPubkey *key) {
  return pubkey_is_zero(key->bytes);
}

static uint64_t check_writable(const SolAccountInfo *account) {
  return account->is_writable ? SUCCESS : ERROR_ACCOUNT_NOT_WRITABLE;
}

static uint64_t check_signer(const SolAccountInfo *account) {
  return account->is_signer ? SUCCESS : ERROR_MISSING_SIGNER;
}

/* A signer that also pays (initialize's authority, submit's batch poster). */
static uint64_t check_writable_signer(const SolAccountInfo *account) {
  uint64_t result = check_signer(account);
  if (result != SUCCESS) {
    return result;
  }
  return check_writable(account);
}

static uint64_t check_system_program(const SolAccountInfo *account) {
  return is_system_program_id(account->key) ? SUCCESS : ERROR_INVALID_SYSTEM_PROGRAM;
}

/* Owner, exact size and discriminator of an account this program owns. */
static uint64_t check_program_account(const SolAccountInfo *account, const SolPubkey *program_id,
                                      uint64_t size, uint64_t discriminator) {
  if (!pubkey_equal(account->owner->bytes, program_id->bytes)) {
    return ERROR_INVALID_OWNER;
  }
  if (account->data_len != size) {
    return ERROR_INVALID_ACCOUNT_SIZE;
  }
  if (borsh_read_u64(account->data) != discriminator) {
    return ERROR_INVALID_DISCRIMINATOR;
  }
  return SUCCESS;
}

/* address == create_program_address(seeds, program_id); the seeds end with
 * the bump. An invalid (on-curve) derivation is InvalidPda as well. */
static uint64_t check_derived_address(const SolAccountInfo *account, const SolSignerSeed *seeds,
                                      uint64_t seeds_len, const SolPubkey *program_id) {
  SolPubkey expected;
  if (sol_create_program_address(seeds, seeds_len, program_id, &expected) != 0) {
    return ERROR_INVALID_PDA;
  }
  return pubkey_equal(expected.bytes, account->key->bytes) ? SUCCESS : ERROR_INVALID_PDA;
}

/* address == find_program_address(seeds, program_id); writes the canonical bump. */
static uint64_t find_derived_address(const SolAccountInfo *account, const SolSignerSeed *seeds,
                                     uint64_t seeds_len, const SolPubkey *program_id,
                                     uint8_t *bump) {
  SolPubkey expected;
  if (sol_try_find_program_address(seeds, seeds_len, program_id, &expected, bump) != 0) {
    return ERROR_INVALID_PDA;
  }
  return pubkey_equal(expected.bytes, account->key->bytes) ? SUCCESS : ERROR_INVALID_PDA;
}

/*
 * The RollupConfig account of every instruction but initialize: writable
 * (every instruction writes it), owned by the program, exactly CONFIG_SIZE
 * bytes, the RollupConfig discriminator, and the address
 * ["rollup-config", stored bump].
 */
static uint64_t check_config_account(const SolAccountInfo *config, const SolPubkey *program_id) {
  uint64_t result = check_writable(config);
  if (result != SUCCESS) {
    return result;
  }
  result = check_program_account(config, program_id, CONFIG_SIZE, ROLLUP_CONFIG_DISCRIMINATOR);
  if (result != SUCCESS) {
    return result;
  }
  uint8_t bump = config->data[CONFIG_OFFSET_BUMP];
  SolSignerSeed seeds[2] = {{CONFIG_SEED, SEED_LENGTH}, {&bump, 1}};
  return check_derived_address(config, seeds, 2, program_id);
}

/*
 * An existing RootRegistry page: owned by the program, exactly
 * REGISTRY_SIZE bytes, the RootRegistry discriminator, its page field equal
 * to `page`, and the address ["root-registry", page LE, stored bump].
 */
static uint64_t check_registry_page(const SolAccountInfo *registry, const SolPubkey *program_id,
                                    uint64_t page) {
  uint64_t result =
      check_program_account(registry, program_id, REGISTRY_SIZE, ROOT_REGISTRY_DISCRIMINATOR);
  if (result != SUCCESS) {
    return result;
  }
  if (borsh_read_u64(registry->data + REGISTRY_OFFSET_PAGE) != page) {
    return ERROR_INVALID_PDA;
  }
  uint8_t page_le[8];
  borsh_write_u64(page_le, page);
  uint8_t bump = registry->data[REGISTRY_OFFSET_BUMP];
  SolSignerSeed seeds[3] = {{REGISTRY_SEED, SEED_LENGTH}, {page_le, 8}, {&bump, 1}};
  return check_derived_address(registry, seeds, 3, program_id);
}

/* The accounts and signature a program-derived account is created with. */
typedef struct {
  SolAccountInfo *payer;
  SolAccountInfo *target;
  SolAccountInfo *system_program;
  const SolPubkey *program_id;
  const SolSignerSeeds *target_signer; /* seeds with bump: target's signature */
} PdaCreation;

/* One system program instruction over [payer, target, system program]. */
static uint64_t invoke_system_program(const PdaCreation *creation, SolAccountMeta *metas,
                                      uint64_t metas_len, uint8_t *data, uint64_t data_len) {
  SolInstruction instruction;
  instruction.program_id = creation->system_program->key;
  instruction.accounts = metas;
  instruction.account_len = metas_len;
  instruction.data = data;
  instruction.data_len = data_len;
  SolAccountInfo infos[3];
  infos[0] = *creation->payer;
  infos[1] = *creation->target;
  infos[2] = *creation->system_program;
  uint64_t result = sol_invoke_signed_c(&instruction, infos, 3, creation->target_signer, 1);
  /* The runtime writes the callee's new data length back into the infos it
   * was given (and the serialized input); keep this program's view in step. */
  creation->payer->data_len = infos[0].data_len;
  creation->target->data_len = infos[1].data_len;
  return result;
}

/*
 * Makes `target` (a system-owned PDA with no data) a rent-exempt account of
 * `space` zero bytes owned by this program, paid by `payer`.
 *
 * An address with no lamports gets the system program's create_account. An
 * address someone already sent lamports to would make create_account fail
 * forever (and with it posting), so, as Anchor's `init` does, it is topped up
 * to the rent-exempt minimum, allocated and assigned instead.
 */
static uint64_t create_pda_account(const PdaCreation *creation, uint64_t space) {
  uint64_t required = rent_minimum_balance(space);
  uint64_t current = *creation->target->lamports;
  SolAccountMeta metas[2];
  uint8_t data[52];
  uint64_t result = SUCCESS;
  if (current == 0) {
    metas[0].pubkey = creation->payer->key;
    metas[0].is_writable = true;
    metas[0].is_signer = true;
    metas[1].pubkey = creation->target->key;
    metas[1].is_writable = true;
    metas[1].is_signer = true;
    borsh_write_u32(data, SYSTEM_CREATE_ACCOUNT);
    borsh_write_u64(data + 4, required);
    borsh_write_u64(data + 12, space);
    sol_memcpy_(data + 20, creation->program_id->bytes, 32);
    result = invoke_system_program(creation, metas, 2, data, 52);
  } else {
    if (current < required) {
      metas[0].pubkey = creation->payer->key;
      metas[0].is_writable = true;
      metas[0].is_signer = true;
      metas[1].pubkey = creation->target->key;
      metas[1].is_writable = true;
      metas[1].is_signer = false;
      borsh_write_u32(data, SYSTEM_TRANSFER);
      borsh_write_u64(data + 4, required - current);
      result = invoke_system_program(creation, metas, 2, data, 12);
      if (result != SUCCESS) {
        return result;
      }
    }
    metas[0].pubkey = creation->target->key;
    metas[0].is_writable = true;
    metas[0].is_signer = true;
    borsh_write_u32(data, SYSTEM_ALLOCATE);
    borsh_write_u64(data + 4, space);
    result = invoke_system_program(creation, metas, 1, data, 12);
    if (result != SUCCESS) {
      return result;
    }
    borsh_write_u32(data, SYSTEM_ASSIGN);
    sol_memcpy_(data + 4, creation->program_id->bytes, 32);
    result = invoke_system_program(creation, metas, 1, data, 36);
  }
  if (result != SUCCESS) {
    return result;
  }
  if (creation->target->data_len != space ||
      !pubkey_equal(creation->target->owner->bytes, creation->program_id->bytes)) {
    return ERROR_INVALID_ACCOUNT_SIZE; /* the system program did not do what was asked */
  }
  return SUCCESS;
}

/*
 * Creates RootRegistry page `page` at `creation->target` and writes its
 * header (discriminator, page, count 0, bump); the entries stay zero.
 */
static uint64_t create_registry_page(PdaCreation *creation, uint64_t page, uint8_t bump) {
  uint8_t page_le[8];
  borsh_write_u64(page_le, page);
  uint8_t bump_seed = bump;
  SolSignerSeed seeds[3] = {{REGISTRY_SEED, SEED_LENGTH}, {page_le, 8}, {&bump_seed, 1}};
  SolSignerSeeds signer = {seeds, 3};
  creation->target_signer = &signer;
  uint64_t result = create_pda_account(creation, REGISTRY_SIZE);
  creation->target_signer = NULL;
  if (result != SUCCESS) {
    return result;
  }
  uint8_t *data = creation->target->data;
  borsh_write_u64(data, ROOT_REGISTRY_DISCRIMINATOR);
  borsh_write_u64(data + REGISTRY_OFFSET_PAGE, page);
  borsh_write_u32(data + REGISTRY_OFFSET_COUNT, 0);
  data[REGISTRY_OFFSET_BUMP] = bump;
  return SUCCESS;
}

/* A not yet created PDA (a bridge record or nullifier, a game account): system-owned, no data (lamports alone are fine, see create_pda_account). */
static uint64_t check_uncreated(const SolAccountInfo *account) {
  if (account->data_len != 0 || !is_system_program_id(account->owner)) {
    return ERROR_ALREADY_INITIALIZED;
  }
  return check_writable(account);
}

/* `amount` lamports from the signer `from` to `to` by the system program's transfer. */
static uint64_t transfer_lamports(SolAccountInfo *from, SolAccountInfo *to,
                                  SolAccountInfo *system_program, uint64_t amount) {
  SolAccountMeta metas[2];
  metas[0].pubkey = from->key;
  metas[0].is_writable = true;
  metas[0].is_signer = true;
  metas[1].pubkey = to->key;
  metas[1].is_writable = true;
  metas[1].is_signer = false;
  uint8_t data[12];
  borsh_write_u32(data, SYSTEM_TRANSFER);
  borsh_write_u64(data + 4, amount);
  SolInstruction instruction;
  instruction.program_id = system_program->key;
  instruction.accounts = metas;
  instruction.account_len = 2;
  instruction.data = data;
  instruction.data_len = 12;
  SolAccountInfo infos[3];
  infos[0] = *from;
  infos[1] = *to;
  infos[2] = *system_program;
  return sol_invoke_signed_c(&instruction, infos, 3, NULL, 0);
}

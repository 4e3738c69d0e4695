/*
 * The Solana program ABI as this program uses it: fixed-width types, the
 * serialized input the loader hands to `entrypoint`, the structs the C form of
 * cross-program invocation (`sol_invoke_signed_c`) reads, and the syscalls.
 *
 * Written for this program from the runtime's documented layout (the aligned
 * serialization of BPFLoader2 and the upgradeable loader, SBPFv0); it is not a
 * copy of the Solana C SDK. Every syscall is an undefined external symbol: the
 * compiler emits `call -1` with a relocation, and the linker turns it into a
 * dynamic relocation the loader resolves by name.
 */
#ifndef ASSET_ROLLUP_SOLANA_ABI_H
#define ASSET_ROLLUP_SOLANA_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes of slack the loader leaves after each account's data so that a
 * cross-program invocation (here: the system program's create_account) can
 * grow the account in place. */
#define MAX_PERMITTED_DATA_INCREASE 10240u

/* Marks a non-duplicate account in the serialized input. */
#define ACCOUNT_NOT_DUPLICATE 0xffu

/* How many accounts the entrypoint keeps a view of; further accounts are
 * walked over and ignored. No instruction of this program takes more than 4. */
#define ACCOUNTS_VIEW_MAX 8u

typedef struct {
  uint8_t bytes[32];
} SolPubkey;

/*
 * One account as the C CPI ABI expects it (the runtime reads this exact
 * layout, 56 bytes, when an array of them is passed to sol_invoke_signed_c).
 * All pointers point into the serialized input, so writes through them are
 * the program's writes to the account.
 */
typedef struct {
  SolPubkey *key;
  uint64_t *lamports;
  uint64_t data_len;
  uint8_t *data;
  SolPubkey *owner;
  uint64_t rent_epoch;
  bool is_signer;
  bool is_writable;
  bool executable;
} SolAccountInfo;

/* The deserialized entrypoint input. */
typedef struct {
  SolAccountInfo accounts[ACCOUNTS_VIEW_MAX];
  uint64_t accounts_len; /* accounts in the instruction, possibly > ACCOUNTS_VIEW_MAX */
  const uint8_t *data;
  uint64_t data_len;
  const SolPubkey *program_id;
} SolParameters;

typedef struct {
  const uint8_t *addr;
  uint64_t len;
} SolSignerSeed;

typedef struct {
  const SolSignerSeed *addr;
  uint64_t len;
} SolSignerSeeds;

typedef struct {
  SolPubkey *pubkey;
  bool is_writable;
  bool is_signer;
} SolAccountMeta;

typedef struct {
  SolPubkey *program_id;
  SolAccountMeta *accounts;
  uint64_t account_len;
  uint8_t *data;
  uint64_t data_len;
} SolInstruction;

/* The Clock sysvar as sol_get_clock_sysvar writes it (40 bytes). */
typedef struct {
  uint64_t slot;
  int64_t epoch_start_timestamp;
  uint64_t epoch;
  uint64_t leader_schedule_epoch;
  int64_t unix_timestamp;
} SolClock;

/* The Rent sysvar as sol_get_rent_sysvar writes it (24 bytes with padding).
 * exemption_threshold is an IEEE-754 double kept as its bits: SBPFv0 has no
 * floating point, see rent.h. */
typedef struct {
  uint64_t lamports_per_byte_year;
  uint64_t exemption_threshold_bits;
  uint8_t burn_percent;
  uint8_t padding[7];
} SolRent;

/* Syscalls. Return 0 on success where they return anything. */
extern void sol_log_(const char *message, uint64_t len);
extern void sol_log_64_(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e);
extern void sol_log_compute_units_(void);
extern void *sol_memcpy_(void *dst, const void *src, uint64_t n);
extern void *sol_memset_(void *dst, int c, uint64_t n);
extern uint64_t sol_create_program_address(const SolSignerSeed *seeds, uint64_t seeds_len,
                                           const SolPubkey *program_id, SolPubkey *address);
extern uint64_t sol_try_find_program_address(const SolSignerSeed *seeds, uint64_t seeds_len,
                                             const SolPubkey *program_id, SolPubkey *address,
                                             uint8_t *bump);
extern uint64_t sol_invoke_signed_c(const SolInstruction *instruction,
                                    const SolAccountInfo *account_infos, uint64_t account_infos_len,
                                    const SolSignerSeeds *signers_seeds, uint64_t signers_seeds_len);
extern uint64_t sol_get_clock_sysvar(void *clock);
extern uint64_t sol_get_rent_sysvar(void *rent);

/* Logs a string literal without counting it at run time. */
#define LOG_LITERAL(text) sol_log_((text), sizeof(text) - 1)

/*
 * Reads the loader's serialized input (aligned layout):
 *   u64 account count; per account either
 *     u8 0xff, u8 is_signer, u8 is_writable, u8 executable, 4 bytes padding,
 *     32 key, 32 owner, u64 lamports, u64 data_len, data, 10 KiB slack,
 *     padding to 8, u64 rent_epoch
 *   or u8 index of the earlier account it duplicates, 7 bytes padding;
 *   u64 instruction data length, the data, 32 bytes program id.
 * The input starts 8-byte aligned and every u64 read here stays aligned.
 */
static void deserialize_input(uint8_t *input, SolParameters *params) {
  uint64_t accounts_len = *(uint64_t *)input;
  input += sizeof(uint64_t);
  params->accounts_len = accounts_len;
  for (uint64_t index = 0; index < accounts_len; index++) {
    uint8_t duplicate_of = *input;
    input += 1;
    if (duplicate_of == ACCOUNT_NOT_DUPLICATE) {
      bool is_signer = *input != 0;
      bool is_writable = *(input + 1) != 0;
      bool executable = *(input + 2) != 0;
      input += 3 + 4;
      SolPubkey *key = (SolPubkey *)input;
      input += sizeof(SolPubkey);
      SolPubkey *owner = (SolPubkey *)input;
      input += sizeof(SolPubkey);
      uint64_t *lamports = (uint64_t *)input;
      input += sizeof(uint64_t);
      uint64_t data_len = *(uint64_t *)input;
      input += sizeof(uint64_t);
      uint8_t *data = input;
      input += data_len + MAX_PERMITTED_DATA_INCREASE;
      input = (uint8_t *)(((uint64_t)input + 7u) & ~(uint64_t)7u);
      uint64_t rent_epoch = *(uint64_t *)input;
      input += sizeof(uint64_t);
      if (index < ACCOUNTS_VIEW_MAX) {
        SolAccountInfo *account = &params->accounts[index];
        account->key = key;
        account->lamports = lamports;
        account->data_len = data_len;
        account->data = data;
        account->owner = owner;
        account->rent_epoch = rent_epoch;
        account->is_signer = is_signer;
        account->is_writable = is_writable;
        account->executable = executable;
      }
    } else {
      input += 7;
      /* The runtime only ever points a duplicate at an earlier account. */
      if (index < ACCOUNTS_VIEW_MAX && duplicate_of < index) {
        params->accounts[index] = params->accounts[duplicate_of];
      }
    }
  }
  params->data_len = *(uint64_t *)input;
  input += sizeof(uint64_t);
  params->data = input;
  input += params->data_len;
  params->program_id = (const SolPubkey *)input;
}

#endif

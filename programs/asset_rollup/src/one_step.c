/*
 * The AssetVM one-step executor: see one_step.h for the contract and
 * docs/fraud-proofs.md for the witness and the outcome rules. Every function
 * below names the TypeScript function it follows; the checks run in the same
 * order and read the same state keys, so the set of keys touched (which the
 * witness must equal) is the same.
 *
 * Unity build: included by program.c; guarded.
 */
#ifndef ASSET_ROLLUP_ONE_STEP_C
#define ASSET_ROLLUP_ONE_STEP_C

#include "borsh.h"
#include "one_step.h"
#include "smt.c"

/* ---------------------------------------------------------------- 256-bit arithmetic */

/* An unsigned 256-bit number, w[0] least significant (the pool math's bigint intermediates fit). */
typedef struct {
  uint64_t w[4];
} U256;

static void u256_set(U256 *out, uint64_t value) {
  out->w[0] = value;
  out->w[1] = 0;
  out->w[2] = 0;
  out->w[3] = 0;
}

/* Adds `value` at limb `at` and carries up (bits past 256 are dropped). */
static void u256_add_at(U256 *out, uint64_t at, uint64_t value) {
  for (uint64_t index = at; index < 4 && value != 0; index++) {
    uint64_t sum = out->w[index] + value;
    value = sum < value ? 1u : 0u;
    out->w[index] = sum;
  }
}

static void u256_add(U256 *out, const U256 *a, const U256 *b) {
  U256 sum = *a;
  for (uint64_t index = 0; index < 4; index++) {
    u256_add_at(&sum, index, b->w[index]);
  }
  *out = sum;
}

/* out = a - b; requires a >= b. */
static void u256_sub(U256 *out, const U256 *a, const U256 *b) {
  uint64_t borrow = 0;
  for (uint64_t index = 0; index < 4; index++) {
    uint64_t left = a->w[index];
    uint64_t right = b->w[index];
    uint64_t difference = left - right - borrow;
    borrow = (left < right || (left == right && borrow != 0)) ? 1u : 0u;
    out->w[index] = difference;
  }
}

/* The 128-bit product of two 64-bit numbers, from 32-bit halves. */
static void mul64(uint64_t a, uint64_t b, uint64_t *high, uint64_t *low) {
  uint64_t a_low = a & 0xffffffffu;
  uint64_t a_high = a >> 32;
  uint64_t b_low = b & 0xffffffffu;
  uint64_t b_high = b >> 32;
  uint64_t p0 = a_low * b_low;
  uint64_t p1 = a_low * b_high;
  uint64_t p2 = a_high * b_low;
  uint64_t p3 = a_high * b_high;
  uint64_t middle = (p0 >> 32) + (p1 & 0xffffffffu) + (p2 & 0xffffffffu);
  *low = (p0 & 0xffffffffu) | (middle << 32);
  *high = p3 + (p1 >> 32) + (p2 >> 32) + (middle >> 32);
}

/* out = a * b mod 2^256 (the callers' products stay below 2^200). */
static void u256_mul(U256 *out, const U256 *a, const U256 *b) {
  U256 product;
  u256_set(&product, 0);
  for (uint64_t i = 0; i < 4; i++) {
    for (uint64_t j = 0; i + j < 4; j++) {
      uint64_t high = 0;
      uint64_t low = 0;
      mul64(a->w[i], b->w[j], &high, &low);
      u256_add_at(&product, i + j, low);
      if (i + j + 1 < 4) {
        u256_add_at(&product, i + j + 1, high);
      }
    }
  }
  *out = product;
}

static int u256_cmp(const U256 *a, const U256 *b) {
  for (uint64_t index = 4; index > 0; index--) {
    if (a->w[index - 1] != b->w[index - 1]) {
      return a->w[index - 1] < b->w[index - 1] ? -1 : 1;
    }
  }
  return 0;
}

static bool u256_is_zero(const U256 *a) {
  return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}

static bool u256_fits64(const U256 *a) {
  return (a->w[1] | a->w[2] | a->w[3]) == 0;
}

static uint64_t u256_bit(const U256 *a, uint64_t index) {
  return (a->w[index >> 6] >> (index & 63u)) & 1u;
}

static void u256_set_bit(U256 *a, uint64_t index) {
  a->w[index >> 6] |= (uint64_t)1 << (index & 63u);
}

/* Number of significant bits (0 for zero). */
static uint64_t u256_bits(const U256 *a) {
  for (uint64_t index = 4; index > 0; index--) {
    uint64_t limb = a->w[index - 1];
    if (limb != 0) {
      uint64_t bits = (index - 1) * 64u;
      while (limb != 0) {
        limb >>= 1;
        bits++;
      }
      return bits;
    }
  }
  return 0;
}

static void u256_shl1(U256 *a) {
  a->w[3] = (a->w[3] << 1) | (a->w[2] >> 63);
  a->w[2] = (a->w[2] << 1) | (a->w[1] >> 63);
  a->w[1] = (a->w[1] << 1) | (a->w[0] >> 63);
  a->w[0] <<= 1;
}

static void u256_shr(U256 *a, uint64_t bits) {
  for (uint64_t step = 0; step < bits; step++) {
    a->w[0] = (a->w[0] >> 1) | (a->w[1] << 63);
    a->w[1] = (a->w[1] >> 1) | (a->w[2] << 63);
    a->w[2] = (a->w[2] >> 1) | (a->w[3] << 63);
    a->w[3] >>= 1;
  }
}

/* quotient = floor(n / d), by binary long division; d must not be zero. */
static void u256_div(const U256 *n, const U256 *d, U256 *quotient) {
  U256 q;
  U256 r;
  u256_set(&q, 0);
  u256_set(&r, 0);
  for (uint64_t index = u256_bits(n); index > 0; index--) {
    u256_shl1(&r);
    r.w[0] |= u256_bit(n, index - 1);
    if (u256_cmp(&r, d) >= 0) {
      u256_sub(&r, &r, d);
      u256_set_bit(&q, index - 1);
    }
  }
  *quotient = q;
}

/* pool-math.ts isqrt: the largest r with r * r <= n (digit by digit; same result as Newton's). */
static void u256_isqrt(const U256 *n, U256 *root) {
  U256 rest = *n;
  U256 result;
  U256 one;
  u256_set(&result, 0);
  u256_set(&one, 0);
  uint64_t bits = u256_bits(n);
  if (bits == 0) {
    *root = result;
    return;
  }
  u256_set_bit(&one, (bits - 1u) & ~(uint64_t)1u);
  while (!u256_is_zero(&one)) {
    U256 trial;
    u256_add(&trial, &result, &one);
    if (u256_cmp(&rest, &trial) >= 0) {
      u256_sub(&rest, &rest, &trial);
      u256_shr(&result, 1);
      u256_add(&result, &result, &one);
    } else {
      u256_shr(&result, 1);
    }
    u256_shr(&one, 2);
  }
  *root = result;
}

/* ---------------------------------------------------------------- strings */

/* A symbol as the VM sees it: the decoded string's UTF-8 bytes (a leading BOM stripped, as TextDecoder does). */
typedef struct {
  const uint8_t *bytes;
  uint64_t len;
} OspString;

/* True for strict UTF-8 (what TextDecoder with fatal: true accepts): no overlongs, surrogates or code points past U+10FFFF. */
static bool utf8_valid(const uint8_t *s, uint64_t len) {
  uint64_t index = 0;
  while (index < len) {
    uint8_t c = s[index];
    uint64_t continuation = 0;
    uint8_t low = 0x80;
    uint8_t high = 0xbf;
    if (c < 0x80u) {
      index++;
      continue;
    } else if (c >= 0xc2u && c <= 0xdfu) {
      continuation = 1;
    } else if (c == 0xe0u) {
      continuation = 2;
      low = 0xa0;
    } else if ((c >= 0xe1u && c <= 0xecu) || c == 0xeeu || c == 0xefu) {
      continuation = 2;
    } else if (c == 0xedu) {
      continuation = 2;
      high = 0x9f;
    } else if (c == 0xf0u) {
      continuation = 3;
      low = 0x90;
    } else if (c >= 0xf1u && c <= 0xf3u) {
      continuation = 3;
    } else if (c == 0xf4u) {
      continuation = 3;
      high = 0x8f;
    } else {
      return false;
    }
    if (len - index - 1 < continuation) {
      return false;
    }
    for (uint64_t k = 1; k <= continuation; k++) {
      uint8_t next = s[index + k];
      uint8_t min = k == 1 ? low : 0x80;
      uint8_t max = k == 1 ? high : 0xbf;
      if (next < min || next > max) {
        return false;
      }
    }
    index += continuation + 1;
  }
  return true;
}

static bool bytes_equal(const uint8_t *a, const uint8_t *b, uint64_t len) {
  return len == 0 || smt_memcmp(a, b, len) == 0;
}

static bool string_equal(const OspString *a, const OspString *b) {
  return a->len == b->len && bytes_equal(a->bytes, b->bytes, a->len);
}

/* Reads the UTF-16 code units of a valid UTF-8 string into units[0..64); returns their count. */
static uint64_t utf16_units(const OspString *s, uint16_t *units) {
  uint64_t count = 0;
  uint64_t index = 0;
  while (index < s->len) {
    uint8_t c = s->bytes[index];
    uint32_t point = 0;
    uint64_t extra = 0;
    if (c < 0x80u) {
      point = c;
    } else if (c < 0xe0u) {
      point = c & 0x1fu;
      extra = 1;
    } else if (c < 0xf0u) {
      point = c & 0x0fu;
      extra = 2;
    } else {
      point = c & 0x07u;
      extra = 3;
    }
    for (uint64_t k = 1; k <= extra; k++) {
      point = (point << 6) | (s->bytes[index + k] & 0x3fu);
    }
    index += extra + 1;
    if (point >= 0x10000u) {
      point -= 0x10000u;
      units[count++] = (uint16_t)(0xd800u + (point >> 10));
      units[count++] = (uint16_t)(0xdc00u + (point & 0x3ffu));
    } else {
      units[count++] = (uint16_t)point;
    }
  }
  return count;
}

/* JavaScript's `a < b` on strings: code-unit (UTF-16) order, a prefix first. */
static bool string_less(const OspString *a, const OspString *b) {
  uint16_t left[64];
  uint16_t right[64];
  uint64_t left_count = utf16_units(a, left);
  uint64_t right_count = utf16_units(b, right);
  for (uint64_t index = 0; index < left_count && index < right_count; index++) {
    if (left[index] != right[index]) {
      return left[index] < right[index];
    }
  }
  return left_count < right_count;
}

/* types.ts ASSET_SYMBOL_PATTERN: ^[A-Z][A-Z0-9]{0,11}$ */
static bool symbol_valid(const OspString *s) {
  if (s->len < 1 || s->len > 12 || s->bytes[0] < 'A' || s->bytes[0] > 'Z') {
    return false;
  }
  for (uint64_t index = 1; index < s->len; index++) {
    uint8_t c = s->bytes[index];
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
      return false;
    }
  }
  return true;
}

/* ---------------------------------------------------------------- the transaction (tx-codec.ts) */

#define OSP_TX_BYTES_MAX 4096u
#define OSP_INSTRUCTIONS_MAX 16u
#define OSP_SYMBOL_BYTES_MAX 32u
#define OSP_SIGNATURE_BYTES_MAX 64u

#define KIND_CREATE_ASSET 0u
#define KIND_MINT 1u
#define KIND_TRANSFER 2u
#define KIND_BURN 3u
#define KIND_SET_MINT_AUTHORITY 4u
#define KIND_CREATE_POOL 5u
#define KIND_ADD_LIQUIDITY 6u
#define KIND_REMOVE_LIQUIDITY 7u
#define KIND_SWAP 8u
#define KIND_WITHDRAW 9u
#define KIND_CREDIT_DEPOSIT 10u
#define KIND_MAILBOX_WRITE 11u
#define KIND_MAILBOX_READ 12u

/*
 * One decoded instruction (pointers into the transaction bytes):
 * create-asset: first = asset, small = decimals, account = mint authority or NULL;
 * mint, transfer: first = asset, account = to, a = amount; burn: first, a = amount;
 * set-mint-authority: first, account = authority or NULL;
 * create-pool: first = assetA, second = assetB, small = feeBps;
 * add-liquidity: first, second, a = amountA, b = amountB, c = minShares;
 * remove-liquidity: first, second, a = shares, b = minA, c = minB;
 * swap: first = assetIn, second = assetOut, a = amountIn, b = minOut;
 * withdraw: account = recipient, a = amount;
 * credit-deposit: a = sequence, account = to, b = amount;
 * mailbox-write: small = destination chain, a = session, account = to, first = asset, b = amount;
 * mailbox-read: small = source chain, a = session.
 */
typedef struct {
  OspString first;
  OspString second;
  const uint8_t *account;
  uint64_t a;
  uint64_t b;
  uint64_t c;
  uint64_t small;
  uint64_t kind;
} OspInstruction;

typedef struct {
  const uint8_t *sender;
  uint64_t nonce;
  uint64_t fee;
  uint64_t count;
  OspInstruction instructions[OSP_INSTRUCTIONS_MAX];
} OspTransaction;

/* A strict Borsh reader over the transaction (BorshReader in borsh-bytes.ts). */
typedef struct {
  const uint8_t *bytes;
  uint64_t len;
  uint64_t offset;
  bool failed;
} OspReader;

static const uint8_t *reader_take(OspReader *r, uint64_t n) {
  if (r->failed || r->len - r->offset < n) {
    r->failed = true;
    return NULL;
  }
  const uint8_t *at = r->bytes + r->offset;
  r->offset += n;
  return at;
}

static uint64_t reader_u8(OspReader *r) {
  const uint8_t *at = reader_take(r, 1);
  return at == NULL ? 0 : at[0];
}

static uint64_t reader_u16(OspReader *r) {
  const uint8_t *at = reader_take(r, 2);
  return at == NULL ? 0 : (uint64_t)at[0] | ((uint64_t)at[1] << 8);
}

static uint64_t reader_u32(OspReader *r) {
  const uint8_t *at = reader_take(r, 4);
  return at == NULL ? 0 : borsh_read_u32(at);
}

static uint64_t reader_u64(OspReader *r) {
  const uint8_t *at = reader_take(r, 8);
  return at == NULL ? 0 : borsh_read_u64(at);
}

/* A String of at most 32 bytes, valid UTF-8; a leading BOM is dropped as TextDecoder drops it. */
static void reader_symbol(OspReader *r, OspString *out) {
  uint64_t length = reader_u32(r);
  if (length > OSP_SYMBOL_BYTES_MAX) {
    r->failed = true;
  }
  const uint8_t *bytes = reader_take(r, length);
  out->bytes = bytes;
  out->len = 0;
  if (bytes == NULL) {
    return;
  }
  if (!utf8_valid(bytes, length)) {
    r->failed = true;
    return;
  }
  if (length >= 3 && bytes[0] == 0xefu && bytes[1] == 0xbbu && bytes[2] == 0xbfu) {
    bytes += 3;
    length -= 3;
  }
  out->bytes = bytes;
  out->len = length;
}

/* An Option<[u8; 32]>: NULL for None; tags other than 0/1 fail. */
static const uint8_t *reader_option_account(OspReader *r) {
  uint64_t tag = reader_u8(r);
  if (tag > 1) {
    r->failed = true;
    return NULL;
  }
  return tag == 1 ? reader_take(r, 32) : NULL;
}

static void decode_instruction(OspReader *r, OspInstruction *ins) {
  ins->kind = reader_u8(r);
  switch (ins->kind) {
    case KIND_CREATE_ASSET:
      reader_symbol(r, &ins->first);
      ins->small = reader_u8(r);
      ins->account = reader_option_account(r);
      return;
    case KIND_MINT:
    case KIND_TRANSFER:
      reader_symbol(r, &ins->first);
      ins->account = reader_take(r, 32);
      ins->a = reader_u64(r);
      return;
    case KIND_BURN:
      reader_symbol(r, &ins->first);
      ins->a = reader_u64(r);
      return;
    case KIND_SET_MINT_AUTHORITY:
      reader_symbol(r, &ins->first);
      ins->account = reader_option_account(r);
      return;
    case KIND_CREATE_POOL:
      reader_symbol(r, &ins->first);
      reader_symbol(r, &ins->second);
      ins->small = reader_u16(r);
      return;
    case KIND_ADD_LIQUIDITY:
    case KIND_REMOVE_LIQUIDITY:
      reader_symbol(r, &ins->first);
      reader_symbol(r, &ins->second);
      ins->a = reader_u64(r);
      ins->b = reader_u64(r);
      ins->c = reader_u64(r);
      return;
    case KIND_SWAP:
      reader_symbol(r, &ins->first);
      reader_symbol(r, &ins->second);
      ins->a = reader_u64(r);
      ins->b = reader_u64(r);
      return;
    case KIND_WITHDRAW:
      ins->account = reader_take(r, 32);
      ins->a = reader_u64(r);
      return;
    case KIND_CREDIT_DEPOSIT:
      ins->a = reader_u64(r);
      ins->account = reader_take(r, 32);
      ins->b = reader_u64(r);
      return;
    case KIND_MAILBOX_WRITE:
      ins->small = reader_u32(r);
      ins->a = reader_u64(r);
      ins->account = reader_take(r, 32);
      reader_symbol(r, &ins->first);
      ins->b = reader_u64(r);
      return;
    case KIND_MAILBOX_READ:
      ins->small = reader_u32(r);
      ins->a = reader_u64(r);
      return;
    default:
      r->failed = true;
      return;
  }
}

/* tx-codec.ts decodeTransaction; false when it would throw WireDecodeError. */
static bool decode_transaction(const uint8_t *bytes, uint64_t len, OspTransaction *tx) {
  if (len > OSP_TX_BYTES_MAX) {
    return false;
  }
  OspReader r = {bytes, len, 0, false};
  tx->sender = reader_take(&r, 32);
  tx->nonce = reader_u64(&r);
  tx->fee = reader_u64(&r);
  tx->count = reader_u32(&r);
  if (r.failed || tx->count > OSP_INSTRUCTIONS_MAX) {
    return false;
  }
  for (uint64_t index = 0; index < tx->count && !r.failed; index++) {
    decode_instruction(&r, &tx->instructions[index]);
  }
  uint64_t signature_length = reader_u32(&r);
  if (signature_length > OSP_SIGNATURE_BYTES_MAX) {
    return false;
  }
  reader_take(&r, signature_length);
  return !r.failed && r.offset == len;
}

/* ---------------------------------------------------------------- state keys (state-keys.ts) */

#define OSP_KEY_BYTES_MAX 160u
#define OSP_VALUE_BYTES_MAX 100u

typedef struct {
  uint8_t bytes[OSP_KEY_BYTES_MAX];
  uint64_t len;
} OspKey;

static void key_byte(OspKey *key, uint8_t byte) {
  key->bytes[key->len++] = byte;
}

static void key_string(OspKey *key, const OspString *s) {
  for (uint64_t index = 0; index < s->len; index++) {
    key->bytes[key->len++] = s->bytes[index];
  }
}

/* Lowercase hex of a 32-byte account (an AccountId). */
static void key_account(OspKey *key, const uint8_t *account) {
  for (uint64_t index = 0; index < 32; index++) {
    uint8_t high = (uint8_t)(account[index] >> 4);
    uint8_t low = (uint8_t)(account[index] & 0x0fu);
    key->bytes[key->len++] = (uint8_t)(high < 10 ? '0' + high : 'a' + high - 10);
    key->bytes[key->len++] = (uint8_t)(low < 10 ? '0' + low : 'a' + low - 10);
  }
}

static void key_start(OspKey *key, uint8_t kind) {
  key->len = 0;
  key_byte(key, kind);
  key_byte(key, ':');
}

/* types.ts poolId: "A/B" with A < B in JavaScript string order. */
static void key_pool_id(OspKey *key, const OspString *x, const OspString *y) {
  bool in_order = string_less(x, y);
  key_string(key, in_order ? x : y);
  key_byte(key, '/');
  key_string(key, in_order ? y : x);
}

static void key_nonce(OspKey *key, const uint8_t *account) {
  key_start(key, 'n');
  key_account(key, account);
}

static void key_balance(OspKey *key, const uint8_t *account, const OspString *asset) {
  key_start(key, 'b');
  key_account(key, account);
  key_byte(key, ':');
  key_string(key, asset);
}

static void key_asset(OspKey *key, const OspString *asset) {
  key_start(key, 'a');
  key_string(key, asset);
}

static void key_pool(OspKey *key, const OspString *x, const OspString *y) {
  key_start(key, 'p');
  key_pool_id(key, x, y);
}

static void key_shares(OspKey *key, const OspString *x, const OspString *y, const uint8_t *account) {
  key_start(key, 's');
  key_pool_id(key, x, y);
  key_byte(key, ':');
  key_account(key, account);
}

/* w:<sequence as 16 lowercase hex digits> */
static void key_withdrawal(OspKey *key, uint64_t sequence) {
  key_start(key, 'w');
  for (uint64_t shift = 64; shift > 0; shift -= 4) {
    uint8_t digit = (uint8_t)((sequence >> (shift - 4)) & 0x0fu);
    key_byte(key, (uint8_t)(digit < 10 ? '0' + digit : 'a' + digit - 10));
  }
}

/* x:deposit-next or x:withdrawal-next */
static void key_counter(OspKey *key, bool deposit) {
  key_start(key, 'x');
  const char *name = deposit ? "deposit-next" : "withdrawal-next";
  for (uint64_t index = 0; name[index] != 0; index++) {
    key_byte(key, (uint8_t)name[index]);
  }
}

/* ---------------------------------------------------------------- the state overlay */

/* One witness entry: its key, its value before the transaction, now, and at the revert mark. */
typedef struct {
  const uint8_t *key;
  uint64_t key_len;
  const uint8_t *pre;
  uint64_t pre_len;
  uint8_t path[32];
  uint8_t current[OSP_VALUE_BYTES_MAX];
  uint8_t saved[OSP_VALUE_BYTES_MAX];
  uint8_t current_len;
  uint8_t saved_len;
  bool pre_present;
  bool current_present;
  bool saved_present;
  bool touched;
  uint8_t padding[2];
} OspEntry;

/* The witness entries and the first error met while executing (sticky: later reads return defaults). */
typedef struct {
  OspEntry *entries;
  uint64_t count;
  uint64_t error;
  /* The opened multiproof of the pre-state. */
  SmtMultiproof *proof;
} OspState;

static OspEntry *state_entry(OspState *state, const OspKey *key) {
  for (uint64_t index = 0; index < state->count; index++) {
    OspEntry *entry = &state->entries[index];
    if (entry->key_len == key->len) {
      bool same = bytes_equal(entry->key, key->bytes, key->len);
      if (same) {
        entry->touched = true;
        return entry;
      }
    }
  }
  if (state->error == OSP_OK) {
    state->error = OSP_ERR_WITNESS_MISSING_KEY;
  }
  return NULL;
}

/* A number entry (nonce, balance, shares): 0 when absent (LedgerReader's default). */
static uint64_t state_get_u64(OspState *state, const OspKey *key) {
  OspEntry *entry = state_entry(state, key);
  if (entry == NULL || !entry->current_present) {
    return 0;
  }
  return borsh_read_u64(entry->current);
}

/* Writes a number entry; 0 deletes it (BlockWriter.setNonce/setBalance/setShares). */
static void state_set_u64(OspState *state, const OspKey *key, uint64_t value) {
  OspEntry *entry = state_entry(state, key);
  if (entry == NULL) {
    return;
  }
  entry->current_present = value != 0;
  entry->current_len = value != 0 ? 8 : 0;
  borsh_write_u64(entry->current, value);
}

/* AssetInfo (the Borsh layout of state-keys.ts). */
typedef struct {
  uint8_t symbol[32];
  uint64_t symbol_len;
  uint64_t decimals;
  bool has_authority;
  uint8_t authority[32];
  uint64_t supply;
} OspAsset;

/* PoolState. */
typedef struct {
  uint8_t asset_a[32];
  uint64_t asset_a_len;
  uint8_t asset_b[32];
  uint64_t asset_b_len;
  uint64_t reserve_a;
  uint64_t reserve_b;
  uint64_t total_shares;
  uint64_t fee_bps;
} OspPool;

/* Reads a Borsh String of at most 32 bytes, valid UTF-8, into out[32]; its length. */
static uint64_t reader_string_copy(OspReader *r, uint8_t *out) {
  OspString s;
  uint64_t start = r->offset;
  reader_symbol(r, &s);
  if (r->failed) {
    return 0;
  }
  /* Values keep the bytes as written: a value never starts with a BOM the VM wrote (symbols are checked). */
  const uint8_t *raw = r->bytes + start + 4;
  uint64_t length = r->offset - start - 4;
  for (uint64_t index = 0; index < length; index++) {
    out[index] = raw[index];
  }
  return length;
}

static bool decode_asset(const uint8_t *bytes, uint64_t len, OspAsset *out) {
  OspReader r = {bytes, len, 0, false};
  out->symbol_len = reader_string_copy(&r, out->symbol);
  out->decimals = reader_u8(&r);
  const uint8_t *authority = reader_option_account(&r);
  out->has_authority = authority != NULL;
  if (authority != NULL) {
    for (uint64_t index = 0; index < 32; index++) {
      out->authority[index] = authority[index];
    }
  }
  out->supply = reader_u64(&r);
  return !r.failed && r.offset == len;
}

static bool decode_pool(const uint8_t *bytes, uint64_t len, OspPool *out) {
  OspReader r = {bytes, len, 0, false};
  out->asset_a_len = reader_string_copy(&r, out->asset_a);
  out->asset_b_len = reader_string_copy(&r, out->asset_b);
  out->reserve_a = reader_u64(&r);
  out->reserve_b = reader_u64(&r);
  out->total_shares = reader_u64(&r);
  out->fee_bps = reader_u16(&r);
  return !r.failed && r.offset == len;
}

/* Appends a Borsh String (u32 length, bytes) at `at`; returns the new offset. */
static uint64_t write_string(uint8_t *target, uint64_t at, const uint8_t *bytes, uint64_t len) {
  borsh_write_u32(target + at, (uint32_t)len);
  for (uint64_t index = 0; index < len; index++) {
    target[at + 4 + index] = bytes[index];
  }
  return at + 4 + len;
}

/* The asset under `key`; false when absent. */
static bool state_get_asset(OspState *state, const OspKey *key, OspAsset *out) {
  OspEntry *entry = state_entry(state, key);
  if (entry == NULL || !entry->current_present) {
    return false;
  }
  return decode_asset(entry->current, entry->current_len, out);
}

static void state_set_asset(OspState *state, const OspKey *key, const OspAsset *asset) {
  OspEntry *entry = state_entry(state, key);
  if (entry == NULL) {
    return;
  }
  uint64_t at = write_string(entry->current, 0, asset->symbol, asset->symbol_len);
  entry->current[at++] = (uint8_t)asset->decimals;
  entry->current[at++] = asset->has_authority ? 1 : 0;
  if (asset->has_authority) {
    for (uint64_t index = 0; index < 32; index++) {
      entry->current[at++] = asset->authority[index];
    }
  }
  borsh_write_u64(entry->current + at, asset->supply);
  entry->current_len = (uint8_t)(at + 8);
  entry->current_present = true;
}

static bool state_get_pool(OspState *state, const OspKey *key, OspPool *out) {
  OspEntry *entry = state_entry(state, key);
  if (entry == NULL || !entry->current_present) {
    return false;
  }
  return decode_pool(entry->current, entry->current_len, out);
}

static void state_set_pool(OspState *state, const OspKey *key, const OspPool *pool) {
  OspEntry *entry = state_entry(state, key);
  if (entry == NULL) {
    return;
  }
  uint64_t at = write_string(entry->current, 0, pool->asset_a, pool->asset_a_len);
  at = write_string(entry->current, at, pool->asset_b, pool->asset_b_len);
  borsh_write_u64(entry->current + at, pool->reserve_a);
  borsh_write_u64(entry->current + at + 8, pool->reserve_b);
  borsh_write_u64(entry->current + at + 16, pool->total_shares);
  entry->current[at + 24] = (uint8_t)pool->fee_bps;
  entry->current[at + 25] = (uint8_t)(pool->fee_bps >> 8);
  entry->current_len = (uint8_t)(at + 26);
  entry->current_present = true;
}

/* A withdrawal record: recipient [u8; 32] | amount u64. */
static void state_set_withdrawal(OspState *state, const OspKey *key, const uint8_t *recipient,
                                 uint64_t amount) {
  OspEntry *entry = state_entry(state, key);
  if (entry == NULL) {
    return;
  }
  sol_memcpy_(entry->current, recipient, 32);
  borsh_write_u64(entry->current + 32, amount);
  entry->current_len = 40;
  entry->current_present = true;
}

static void state_invariant_broken(OspState *state) {
  if (state->error == OSP_OK) {
    state->error = OSP_ERR_INVARIANT;
  }
}

/* mark(): remembers every entry's current value. */
static void state_mark(OspState *state) {
  for (uint64_t index = 0; index < state->count; index++) {
    OspEntry *entry = &state->entries[index];
    sol_memcpy_(entry->saved, entry->current, OSP_VALUE_BYTES_MAX);
    entry->saved_len = entry->current_len;
    entry->saved_present = entry->current_present;
  }
}

/* revertTo(mark): restores every entry's value at the mark. */
static void state_revert(OspState *state) {
  for (uint64_t index = 0; index < state->count; index++) {
    OspEntry *entry = &state->entries[index];
    sol_memcpy_(entry->current, entry->saved, OSP_VALUE_BYTES_MAX);
    entry->current_len = entry->saved_len;
    entry->current_present = entry->saved_present;
  }
}

/* ---------------------------------------------------------------- the instructions (instructions.ts) */

#define OSP_U64_MAX 0xffffffffffffffffull
#define OSP_DECIMALS_MAX 18u
#define OSP_POOL_FEE_BPS_MAX 1000u
#define OSP_BPS_DENOMINATOR 10000u

static bool account_equal(const uint8_t *a, const uint8_t *b) {
  return pubkey_equal(a, b);
}

static void string_of(OspString *out, const uint8_t *bytes, uint64_t len) {
  out->bytes = bytes;
  out->len = len;
}

/* createAsset */
static uint64_t op_create_asset(OspState *state, const OspInstruction *ins) {
  if (!symbol_valid(&ins->first) || ins->small > OSP_DECIMALS_MAX) {
    return OSP_STATUS_INVALID_INSTRUCTION;
  }
  OspKey key;
  OspAsset asset;
  key_asset(&key, &ins->first);
  if (state_get_asset(state, &key, &asset)) {
    return OSP_STATUS_ASSET_EXISTS;
  }
  sol_memset_(&asset, 0, sizeof(asset));
  sol_memcpy_(asset.symbol, ins->first.bytes, ins->first.len);
  asset.symbol_len = ins->first.len;
  asset.decimals = ins->small;
  asset.has_authority = ins->account != NULL;
  if (ins->account != NULL) {
    sol_memcpy_(asset.authority, ins->account, 32);
  }
  asset.supply = 0;
  state_set_asset(state, &key, &asset);
  return OSP_STATUS_OK;
}

/* mint */
static uint64_t op_mint(OspState *state, const uint8_t *sender, const OspInstruction *ins) {
  if (ins->a == 0) {
    return OSP_STATUS_INVALID_INSTRUCTION;
  }
  OspKey asset_key;
  OspAsset asset;
  key_asset(&asset_key, &ins->first);
  if (!state_get_asset(state, &asset_key, &asset)) {
    return OSP_STATUS_UNKNOWN_ASSET;
  }
  if (!asset.has_authority || !account_equal(asset.authority, sender)) {
    return OSP_STATUS_UNAUTHORIZED;
  }
  if (asset.supply > OSP_U64_MAX - ins->a) {
    return OSP_STATUS_OVERFLOW;
  }
  OspKey balance_key;
  key_balance(&balance_key, ins->account, &ins->first);
  uint64_t balance = state_get_u64(state, &balance_key);
  if (balance > OSP_U64_MAX - ins->a) {
    return OSP_STATUS_OVERFLOW;
  }
  asset.supply += ins->a;
  state_set_asset(state, &asset_key, &asset);
  state_set_u64(state, &balance_key, balance + ins->a);
  return OSP_STATUS_OK;
}

/* transfer */
static uint64_t op_transfer(OspState *state, const uint8_t *sender, const OspInstruction *ins) {
  if (ins->a == 0) {
    return OSP_STATUS_INVALID_INSTRUCTION;
  }
  OspKey key;
  OspAsset asset;
  key_asset(&key, &ins->first);
  if (!state_get_asset(state, &key, &asset)) {
    return OSP_STATUS_UNKNOWN_ASSET;
  }
  OspKey from_key;
  key_balance(&from_key, sender, &ins->first);
  uint64_t from = state_get_u64(state, &from_key);
  if (from < ins->a) {
    return OSP_STATUS_INSUFFICIENT_BALANCE;
  }
  if (account_equal(ins->account, sender)) {
    return OSP_STATUS_OK;
  }
  OspKey to_key;
  key_balance(&to_key, ins->account, &ins->first);
  uint64_t to = state_get_u64(state, &to_key);
  if (to > OSP_U64_MAX - ins->a) {
    return OSP_STATUS_OVERFLOW;
  }
  state_set_u64(state, &from_key, from - ins->a);
  state_set_u64(state, &to_key, to + ins->a);
  return OSP_STATUS_OK;
}

/* burn */
static uint64_t op_burn(OspState *state, const uint8_t *sender, const OspInstruction *ins) {
  if (ins->a == 0) {
    return OSP_STATUS_INVALID_INSTRUCTION;
  }
  OspKey asset_key;
  OspAsset asset;
  key_asset(&asset_key, &ins->first);
  if (!state_get_asset(state, &asset_key, &asset)) {
    return OSP_STATUS_UNKNOWN_ASSET;
  }
  OspKey balance_key;
  key_balance(&balance_key, sender, &ins->first);
  uint64_t balance = state_get_u64(state, &balance_key);
  if (balance < ins->a) {
    return OSP_STATUS_INSUFFICIENT_BALANCE;
  }
  if (asset.supply < ins->a) {
    state_invariant_broken(state);
    return OSP_STATUS_OK;
  }
  asset.supply -= ins->a;
  state_set_asset(state, &asset_key, &asset);
  state_set_u64(state, &balance_key, balance - ins->a);
  return OSP_STATUS_OK;
}

/* setMintAuthority */
static uint64_t op_set_mint_authority(OspState *state, const uint8_t *sender,
                                      const OspInstruction *ins) {
  OspKey key;
  OspAsset asset;
  key_asset(&key, &ins->first);
  if (!state_get_asset(state, &key, &asset)) {
    return OSP_STATUS_UNKNOWN_ASSET;
  }
  if (!asset.has_authority || !account_equal(asset.authority, sender)) {
    return OSP_STATUS_UNAUTHORIZED;
  }
  asset.has_authority = ins->account != NULL;
  if (ins->account != NULL) {
    sol_memcpy_(asset.authority, ins->account, 32);
  }
  state_set_asset(state, &key, &asset);
  return OSP_STATUS_OK;
}

/* createPool */
static uint64_t op_create_pool(OspState *state, const OspInstruction *ins) {
  if (string_equal(&ins->first, &ins->second) || ins->small > OSP_POOL_FEE_BPS_MAX) {
    return OSP_STATUS_INVALID_INSTRUCTION;
  }
  OspKey key;
  OspAsset asset;
  key_asset(&key, &ins->first);
  if (!state_get_asset(state, &key, &asset)) {
    return OSP_STATUS_UNKNOWN_ASSET;
  }
  key_asset(&key, &ins->second);
  if (!state_get_asset(state, &key, &asset)) {
    return OSP_STATUS_UNKNOWN_ASSET;
  }
  OspPool pool;
  key_pool(&key, &ins->first, &ins->second);
  if (state_get_pool(state, &key, &pool)) {
    return OSP_STATUS_POOL_EXISTS;
  }
  bool in_order = string_less(&ins->first, &ins->second);
  const OspString *a = in_order ? &ins->first : &ins->second;
  const OspString *b = in_order ? &ins->second : &ins->first;
  sol_memset_(&pool, 0, sizeof(pool));
  sol_memcpy_(pool.asset_a, a->bytes, a->len);
  pool.asset_a_len = a->len;
  sol_memcpy_(pool.asset_b, b->bytes, b->len);
  pool.asset_b_len = b->len;
  pool.fee_bps = ins->small;
  state_set_pool(state, &key, &pool);
  return OSP_STATUS_OK;
}

/* pool-math.ts depositQuote, in the pool's asset order; false when it would throw. */
static bool deposit_quote(const OspPool *pool, uint64_t amount_a, uint64_t amount_b, U256 *quote) {
  /* quote[0] = shares, quote[1] = takenA, quote[2] = takenB */
  U256 a;
  U256 b;
  u256_set(&a, amount_a);
  u256_set(&b, amount_b);
  if (pool->total_shares == 0) {
    U256 product;
    u256_mul(&product, &a, &b);
    u256_isqrt(&product, &quote[0]);
    quote[1] = a;
    quote[2] = b;
    return true;
  }
  if (pool->reserve_a == 0 || pool->reserve_b == 0) {
    return false;
  }
  U256 total;
  U256 reserve_a;
  U256 reserve_b;
  u256_set(&total, pool->total_shares);
  u256_set(&reserve_a, pool->reserve_a);
  u256_set(&reserve_b, pool->reserve_b);
  U256 by_a;
  U256 by_b;
  U256 product;
  u256_mul(&product, &a, &total);
  u256_div(&product, &reserve_a, &by_a);
  u256_mul(&product, &b, &total);
  u256_div(&product, &reserve_b, &by_b);
  quote[0] = u256_cmp(&by_a, &by_b) < 0 ? by_a : by_b;
  /* ceilDiv(shares * reserve, total) = (shares * reserve + total - 1) / total */
  U256 minus_one;
  u256_set(&minus_one, pool->total_shares - 1);
  u256_mul(&product, &quote[0], &reserve_a);
  u256_add(&product, &product, &minus_one);
  u256_div(&product, &total, &quote[1]);
  u256_mul(&product, &quote[0], &reserve_b);
  u256_add(&product, &product, &minus_one);
  u256_div(&product, &total, &quote[2]);
  return u256_cmp(&quote[1], &a) <= 0 && u256_cmp(&quote[2], &b) <= 0;
}

/* addLiquidity */
static uint64_t op_add_liquidity(OspState *state, const uint8_t *sender, const OspInstruction *ins) {
  if (string_equal(&ins->first, &ins->second)) {
    return OSP_STATUS_INVALID_INSTRUCTION;
  }
  OspKey pool_key;
  OspPool pool;
  key_pool(&pool_key, &ins->first, &ins->second);
  if (!state_get_pool(state, &pool_key, &pool)) {
    return OSP_STATUS_UNKNOWN_POOL;
  }
  OspString asset_a;
  OspString asset_b;
  string_of(&asset_a, pool.asset_a, pool.asset_a_len);
  string_of(&asset_b, pool.asset_b, pool.asset_b_len);
  bool in_order = string_equal(&ins->first, &asset_a);
  uint64_t offered_a = in_order ? ins->a : ins->b;
  uint64_t offered_b = in_order ? ins->b : ins->a;
  if (pool.total_shares > 0 && (pool.reserve_a == 0 || pool.reserve_b == 0)) {
    return OSP_STATUS_INSUFFICIENT_LIQUIDITY;
  }
  U256 quote[3];
  if (!deposit_quote(&pool, offered_a, offered_b, quote)) {
    state_invariant_broken(state);
    return OSP_STATUS_OK;
  }
  U256 min_shares;
  u256_set(&min_shares, ins->c);
  if (u256_is_zero(&quote[0]) || u256_cmp(&quote[0], &min_shares) < 0) {
    return OSP_STATUS_SLIPPAGE;
  }
  /* taken <= offered, so both fit in 64 bits */
  uint64_t taken_a = quote[1].w[0];
  uint64_t taken_b = quote[2].w[0];
  OspKey balance_a_key;
  key_balance(&balance_a_key, sender, &asset_a);
  uint64_t balance_a = state_get_u64(state, &balance_a_key);
  if (balance_a < taken_a) {
    return OSP_STATUS_INSUFFICIENT_BALANCE;
  }
  OspKey balance_b_key;
  key_balance(&balance_b_key, sender, &asset_b);
  uint64_t balance_b = state_get_u64(state, &balance_b_key);
  if (balance_b < taken_b) {
    return OSP_STATUS_INSUFFICIENT_BALANCE;
  }
  OspKey shares_key;
  key_shares(&shares_key, &ins->first, &ins->second, sender);
  uint64_t held_before = state_get_u64(state, &shares_key);
  if (pool.reserve_a > OSP_U64_MAX - taken_a || pool.reserve_b > OSP_U64_MAX - taken_b) {
    return OSP_STATUS_OVERFLOW;
  }
  if (!u256_fits64(&quote[0])) {
    return OSP_STATUS_OVERFLOW;
  }
  uint64_t shares = quote[0].w[0];
  if (pool.total_shares > OSP_U64_MAX - shares || held_before > OSP_U64_MAX - shares) {
    return OSP_STATUS_OVERFLOW;
  }
  state_set_u64(state, &balance_a_key, balance_a - taken_a);
  state_set_u64(state, &balance_b_key, balance_b - taken_b);
  pool.reserve_a += taken_a;
  pool.reserve_b += taken_b;
  pool.total_shares += shares;
  state_set_pool(state, &pool_key, &pool);
  state_set_u64(state, &shares_key, held_before + shares);
  return OSP_STATUS_OK;
}

/* removeLiquidity */
static uint64_t op_remove_liquidity(OspState *state, const uint8_t *sender,
                                    const OspInstruction *ins) {
  if (string_equal(&ins->first, &ins->second) || ins->a == 0) {
    return OSP_STATUS_INVALID_INSTRUCTION;
  }
  OspKey pool_key;
  OspPool pool;
  key_pool(&pool_key, &ins->first, &ins->second);
  if (!state_get_pool(state, &pool_key, &pool)) {
    return OSP_STATUS_UNKNOWN_POOL;
  }
  OspKey shares_key;
  key_shares(&shares_key, &ins->first, &ins->second, sender);
  uint64_t held = state_get_u64(state, &shares_key);
  if (held < ins->a) {
    return OSP_STATUS_INSUFFICIENT_BALANCE;
  }
  if (held > pool.total_shares) {
    state_invariant_broken(state);
    return OSP_STATUS_OK;
  }
  /* withdrawQuote: shares * reserve / total, rounded down (total >= held >= shares > 0) */
  U256 shares;
  U256 total;
  U256 reserve;
  U256 product;
  U256 out;
  u256_set(&shares, ins->a);
  u256_set(&total, pool.total_shares);
  u256_set(&reserve, pool.reserve_a);
  u256_mul(&product, &shares, &reserve);
  u256_div(&product, &total, &out);
  uint64_t out_a = out.w[0];
  u256_set(&reserve, pool.reserve_b);
  u256_mul(&product, &shares, &reserve);
  u256_div(&product, &total, &out);
  uint64_t out_b = out.w[0];
  OspString asset_a;
  OspString asset_b;
  string_of(&asset_a, pool.asset_a, pool.asset_a_len);
  string_of(&asset_b, pool.asset_b, pool.asset_b_len);
  bool in_order = string_equal(&ins->first, &asset_a);
  uint64_t min_a = in_order ? ins->b : ins->c;
  uint64_t min_b = in_order ? ins->c : ins->b;
  if (out_a < min_a || out_b < min_b) {
    return OSP_STATUS_SLIPPAGE;
  }
  OspKey balance_a_key;
  OspKey balance_b_key;
  key_balance(&balance_a_key, sender, &asset_a);
  key_balance(&balance_b_key, sender, &asset_b);
  uint64_t balance_a = state_get_u64(state, &balance_a_key);
  uint64_t balance_b = state_get_u64(state, &balance_b_key);
  if (balance_a > OSP_U64_MAX - out_a || balance_b > OSP_U64_MAX - out_b) {
    return OSP_STATUS_OVERFLOW;
  }
  state_set_u64(state, &balance_a_key, balance_a + out_a);
  state_set_u64(state, &balance_b_key, balance_b + out_b);
  pool.reserve_a -= out_a;
  pool.reserve_b -= out_b;
  pool.total_shares -= ins->a;
  state_set_pool(state, &pool_key, &pool);
  state_set_u64(state, &shares_key, held - ins->a);
  return OSP_STATUS_OK;
}

/* swap */
static uint64_t op_swap(OspState *state, const uint8_t *sender, const OspInstruction *ins) {
  if (string_equal(&ins->first, &ins->second) || ins->a == 0) {
    return OSP_STATUS_INVALID_INSTRUCTION;
  }
  OspKey pool_key;
  OspPool pool;
  key_pool(&pool_key, &ins->first, &ins->second);
  if (!state_get_pool(state, &pool_key, &pool)) {
    return OSP_STATUS_UNKNOWN_POOL;
  }
  OspString asset_a;
  string_of(&asset_a, pool.asset_a, pool.asset_a_len);
  bool in_is_a = string_equal(&ins->first, &asset_a);
  uint64_t reserve_in = in_is_a ? pool.reserve_a : pool.reserve_b;
  uint64_t reserve_out = in_is_a ? pool.reserve_b : pool.reserve_a;
  if (reserve_in == 0 || reserve_out == 0) {
    return OSP_STATUS_INSUFFICIENT_LIQUIDITY;
  }
  /* swapOutput: inWithFee * reserveOut / (reserveIn * 10000 + inWithFee), inWithFee = amountIn * (10000 - feeBps) */
  U256 amount_in;
  U256 factor;
  U256 in_with_fee;
  U256 numerator;
  U256 denominator;
  U256 out_value;
  u256_set(&amount_in, ins->a);
  u256_set(&factor, OSP_BPS_DENOMINATOR - pool.fee_bps);
  u256_mul(&in_with_fee, &amount_in, &factor);
  u256_set(&factor, reserve_out);
  u256_mul(&numerator, &in_with_fee, &factor);
  u256_set(&denominator, reserve_in);
  u256_set(&factor, OSP_BPS_DENOMINATOR);
  u256_mul(&denominator, &denominator, &factor);
  u256_add(&denominator, &denominator, &in_with_fee);
  u256_div(&numerator, &denominator, &out_value);
  uint64_t out = out_value.w[0]; /* below reserveOut */
  if (out == 0 || out < ins->b) {
    return OSP_STATUS_SLIPPAGE;
  }
  OspKey in_key;
  key_balance(&in_key, sender, &ins->first);
  uint64_t balance_in = state_get_u64(state, &in_key);
  if (balance_in < ins->a) {
    return OSP_STATUS_INSUFFICIENT_BALANCE;
  }
  if (reserve_in > OSP_U64_MAX - ins->a) {
    return OSP_STATUS_OVERFLOW;
  }
  uint64_t new_reserve_in = reserve_in + ins->a;
  uint64_t new_reserve_out = reserve_out - out;
  OspKey out_key;
  key_balance(&out_key, sender, &ins->second);
  uint64_t balance_out = state_get_u64(state, &out_key);
  if (balance_out > OSP_U64_MAX - out) {
    return OSP_STATUS_OVERFLOW;
  }
  /* k never decreases (the VM throws otherwise) */
  U256 k_before;
  U256 k_after;
  U256 left;
  U256 right;
  u256_set(&left, pool.reserve_a);
  u256_set(&right, pool.reserve_b);
  u256_mul(&k_before, &left, &right);
  u256_set(&left, new_reserve_in);
  u256_set(&right, new_reserve_out);
  u256_mul(&k_after, &left, &right);
  if (u256_cmp(&k_after, &k_before) < 0) {
    state_invariant_broken(state);
    return OSP_STATUS_OK;
  }
  state_set_u64(state, &in_key, balance_in - ins->a);
  state_set_u64(state, &out_key, balance_out + out);
  if (in_is_a) {
    pool.reserve_a = new_reserve_in;
    pool.reserve_b = new_reserve_out;
  } else {
    pool.reserve_a = new_reserve_out;
    pool.reserve_b = new_reserve_in;
  }
  state_set_pool(state, &pool_key, &pool);
  return OSP_STATUS_OK;
}

/* The bridged asset (types.ts BRIDGED_ASSET, BRIDGED_ASSET_DECIMALS). */
#define OSP_BRIDGED_DECIMALS 9u

static void bridged_asset(OspString *out, uint8_t *bytes) {
  bytes[0] = 'S';
  bytes[1] = 'O';
  bytes[2] = 'L';
  string_of(out, bytes, 3);
}

/* withdraw */
static uint64_t op_withdraw(OspState *state, const uint8_t *sender, const OspInstruction *ins) {
  if (ins->a == 0) {
    return OSP_STATUS_INVALID_INSTRUCTION;
  }
  uint8_t sol_bytes[3];
  OspString sol;
  bridged_asset(&sol, sol_bytes);
  OspKey asset_key;
  OspAsset asset;
  key_asset(&asset_key, &sol);
  if (!state_get_asset(state, &asset_key, &asset)) {
    return OSP_STATUS_UNKNOWN_ASSET;
  }
  OspKey balance_key;
  key_balance(&balance_key, sender, &sol);
  uint64_t balance = state_get_u64(state, &balance_key);
  if (balance < ins->a) {
    return OSP_STATUS_INSUFFICIENT_BALANCE;
  }
  OspKey next_key;
  key_counter(&next_key, false);
  uint64_t sequence = state_get_u64(state, &next_key);
  if (sequence == OSP_U64_MAX) {
    return OSP_STATUS_OVERFLOW;
  }
  if (asset.supply < ins->a) {
    state_invariant_broken(state);
    return OSP_STATUS_OK;
  }
  asset.supply -= ins->a;
  state_set_asset(state, &asset_key, &asset);
  state_set_u64(state, &balance_key, balance - ins->a);
  OspKey record_key;
  key_withdrawal(&record_key, sequence);
  state_set_withdrawal(state, &record_key, ins->account, ins->a);
  state_set_u64(state, &next_key, sequence + 1);
  return OSP_STATUS_OK;
}

/* creditDeposit */
static uint64_t op_credit_deposit(OspState *state, const uint8_t *sender, const OspInstruction *ins) {
  if (ins->b == 0) {
    return OSP_STATUS_INVALID_INSTRUCTION;
  }
  if (!pubkey_is_zero(sender)) {
    return OSP_STATUS_UNAUTHORIZED;
  }
  OspKey next_key;
  key_counter(&next_key, true);
  uint64_t next = state_get_u64(state, &next_key);
  if (ins->a != next) {
    return OSP_STATUS_BAD_DEPOSIT_SEQUENCE;
  }
  if (next == OSP_U64_MAX) {
    return OSP_STATUS_OVERFLOW;
  }
  uint8_t sol_bytes[3];
  OspString sol;
  bridged_asset(&sol, sol_bytes);
  OspKey asset_key;
  OspAsset asset;
  key_asset(&asset_key, &sol);
  if (!state_get_asset(state, &asset_key, &asset)) {
    sol_memset_(&asset, 0, sizeof(asset));
    sol_memcpy_(asset.symbol, sol_bytes, 3);
    asset.symbol_len = 3;
    asset.decimals = OSP_BRIDGED_DECIMALS;
    asset.has_authority = false;
    asset.supply = 0;
  }
  if (asset.supply > OSP_U64_MAX - ins->b) {
    return OSP_STATUS_OVERFLOW;
  }
  OspKey balance_key;
  key_balance(&balance_key, ins->account, &sol);
  uint64_t balance = state_get_u64(state, &balance_key);
  if (balance > OSP_U64_MAX - ins->b) {
    return OSP_STATUS_OVERFLOW;
  }
  asset.supply += ins->b;
  state_set_asset(state, &asset_key, &asset);
  state_set_u64(state, &balance_key, balance + ins->b);
  state_set_u64(state, &next_key, next + 1);
  return OSP_STATUS_OK;
}

#include "one_step_mailbox.c"

/* executeInstruction */
static uint64_t op_execute(OspState *state, const uint8_t *sender, const OspInstruction *ins) {
  switch (ins->kind) {
    case KIND_CREATE_ASSET:
      return op_create_asset(state, ins);
    case KIND_MINT:
      return op_mint(state, sender, ins);
    case KIND_TRANSFER:
      return op_transfer(state, sender, ins);
    case KIND_BURN:
      return op_burn(state, sender, ins);
    case KIND_SET_MINT_AUTHORITY:
      return op_set_mint_authority(state, sender, ins);
    case KIND_CREATE_POOL:
      return op_create_pool(state, ins);
    case KIND_ADD_LIQUIDITY:
      return op_add_liquidity(state, sender, ins);
    case KIND_REMOVE_LIQUIDITY:
      return op_remove_liquidity(state, sender, ins);
    case KIND_SWAP:
      return op_swap(state, sender, ins);
    case KIND_WITHDRAW:
      return op_withdraw(state, sender, ins);
    case KIND_CREDIT_DEPOSIT:
      return op_credit_deposit(state, sender, ins);
    case KIND_MAILBOX_WRITE:
      return op_mailbox_write(state, sender, ins);
    case KIND_MAILBOX_READ:
      return op_mailbox_read(state, ins);
    default:
      return OSP_STATUS_INVALID_INSTRUCTION;
  }
}

/* ---------------------------------------------------------------- the transaction (execute.ts) */

/*
 * admissionError then executeTransaction. Fills status, failed_instruction
 * and admitted of `out`; errors go to state->error.
 */
static void run_transaction(OspState *state, const OspTransaction *tx, OspResult *out) {
  uint8_t native_bytes[5] = {'A', 'S', 'S', 'E', 'T'};
  OspString native;
  string_of(&native, native_bytes, 5);
  out->admitted = 0;
  out->failed_instruction = 0;
  if (tx->count == 0 || tx->count > OSP_INSTRUCTIONS_MAX || tx->nonce == OSP_U64_MAX) {
    out->status = OSP_STATUS_INVALID_INSTRUCTION;
    return;
  }
  if (pubkey_is_zero(tx->sender)) {
    /* A system transaction (sender BRIDGE_ACCOUNT): no fee, only the next deposit credits. */
    if (tx->fee != 0) {
      out->status = OSP_STATUS_INVALID_INSTRUCTION;
      return;
    }
    OspKey next_key;
    key_counter(&next_key, true);
    uint64_t next = state_get_u64(state, &next_key);
    bool past_end = false; /* next went past 2^64 - 1: no u64 sequence can match */
    for (uint64_t index = 0; index < tx->count; index++) {
      const OspInstruction *ins = &tx->instructions[index];
      if (ins->kind != KIND_CREDIT_DEPOSIT || past_end || ins->a != next) {
        out->status = OSP_STATUS_BAD_DEPOSIT_SEQUENCE;
        return;
      }
      past_end = next == OSP_U64_MAX;
      next++;
    }
  }
  OspKey nonce_key;
  key_nonce(&nonce_key, tx->sender);
  if (state_get_u64(state, &nonce_key) != tx->nonce) {
    out->status = OSP_STATUS_BAD_NONCE;
    return;
  }
  OspKey fee_key;
  key_balance(&fee_key, tx->sender, &native);
  uint64_t balance = state_get_u64(state, &fee_key);
  if (balance < tx->fee) {
    out->status = OSP_STATUS_INSUFFICIENT_FEE;
    return;
  }
  out->admitted = 1;
  if (tx->fee > 0) {
    OspKey native_key;
    OspAsset asset;
    key_asset(&native_key, &native);
    if (!state_get_asset(state, &native_key, &asset) || asset.supply < tx->fee) {
      state_invariant_broken(state);
      return;
    }
    state_set_u64(state, &fee_key, state_get_u64(state, &fee_key) - tx->fee);
    asset.supply -= tx->fee;
    state_set_asset(state, &native_key, &asset);
  }
  state_set_u64(state, &nonce_key, tx->nonce + 1);
  state_mark(state);
  for (uint64_t index = 0; index < tx->count; index++) {
    uint64_t status = op_execute(state, tx->sender, &tx->instructions[index]);
    if (state->error != OSP_OK) {
      return;
    }
    if (status != OSP_STATUS_OK) {
      state_revert(state);
      out->status = (uint8_t)status;
      out->failed_instruction = (uint8_t)index;
      return;
    }
  }
  out->status = OSP_STATUS_OK;
}

/* ---------------------------------------------------------------- the witness */

/* True when `value` decodes as the kind its key's first byte names (state-keys.ts decodeStateValue). */
static bool value_well_formed(const uint8_t *key, uint64_t key_len, const uint8_t *value,
                              uint64_t len) {
  if (key_len < 2 || key[1] != ':') {
    return false;
  }
  if (key[0] == 'n' || key[0] == 'b' || key[0] == 's' || key[0] == 'x') {
    return len == 8;
  }
  if (key[0] == 'w') {
    return len == 40;
  }
  if (key[0] == 'a') {
    OspAsset asset;
    return decode_asset(value, len, &asset);
  }
  if (key[0] == 'p') {
    OspPool pool;
    return decode_pool(value, len, &pool);
  }
  if (key[0] == 'o' || key[0] == 'i') {
    OspMailboxMessage message;
    return decode_mailbox(value, len, key[0] == 'i', &message);
  }
  return false;
}

/* Parses the witness entries (one_step.h) and checks each against the opened multiproof. */
static uint64_t load_witness(const OspInput *input, SmtArena *arena, OspState *state) {
  OspReader r = {input->witness, input->witness_len, 0, false};
  uint64_t count = reader_u16(&r);
  if (r.failed || count > OSP_KEYS_MAX) {
    return OSP_ERR_WITNESS_MALFORMED;
  }
  OspEntry *entries = (OspEntry *)smt_alloc(arena, (count == 0 ? 1 : count) * sizeof(OspEntry));
  if (entries == NULL) {
    return SMT_ERR_OUT_OF_MEMORY;
  }
  for (uint64_t index = 0; index < count; index++) {
    OspEntry *entry = &entries[index];
    entry->key_len = reader_u8(&r);
    entry->key = reader_take(&r, entry->key_len);
    uint64_t present = reader_u8(&r);
    if (present > 1) {
      return OSP_ERR_WITNESS_MALFORMED;
    }
    entry->pre_present = present == 1;
    if (entry->pre_present) {
      entry->pre_len = reader_u8(&r);
      entry->pre = reader_take(&r, entry->pre_len);
    }
    if (r.failed || entry->key_len > OSP_KEY_BYTES_MAX || entry->pre_len > OSP_VALUE_BYTES_MAX) {
      return OSP_ERR_WITNESS_MALFORMED;
    }
    for (uint64_t other = 0; other < index; other++) {
      if (entries[other].key_len == entry->key_len &&
          bytes_equal(entries[other].key, entry->key, entry->key_len)) {
        return OSP_ERR_WITNESS_MALFORMED;
      }
    }
    if (entry->pre_present && !value_well_formed(entry->key, entry->key_len, entry->pre, entry->pre_len)) {
      return OSP_ERR_WITNESS_ENCODING;
    }
    smt_sha256(entry->key, entry->key_len, entry->path);
    entry->current_present = entry->pre_present;
    entry->current_len = (uint8_t)entry->pre_len;
    if (entry->pre_present) {
      sol_memcpy_(entry->current, entry->pre, entry->pre_len);
    }
  }
  uint64_t proof_len = reader_u32(&r);
  const uint8_t *proof_bytes = reader_take(&r, proof_len);
  if (r.failed || r.offset != input->witness_len) {
    return OSP_ERR_WITNESS_MALFORMED;
  }
  SmtMultiproof *proof = (SmtMultiproof *)smt_alloc(arena, sizeof(SmtMultiproof));
  if (proof == NULL) {
    return SMT_ERR_OUT_OF_MEMORY;
  }
  uint64_t result = smt_multiproof_open(arena, input->pre_root, proof_bytes, proof_len, proof);
  if (result != SMT_OK) {
    return result;
  }
  for (uint64_t index = 0; index < count; index++) {
    OspEntry *entry = &entries[index];
    bool present = false;
    uint8_t shown[32];
    result = smt_multiproof_get(proof, entry->path, &present, shown);
    if (result != SMT_OK) {
      return result;
    }
    if (present != entry->pre_present) {
      return OSP_ERR_WITNESS_VALUE;
    }
    if (present) {
      uint8_t value_hash[32];
      smt_sha256(entry->pre, entry->pre_len, value_hash);
      if (!smt_equal32(value_hash, shown)) {
        return OSP_ERR_WITNESS_VALUE;
      }
    }
  }
  state->entries = entries;
  state->count = count;
  state->error = OSP_OK;
  state->proof = proof;
  return OSP_OK;
}

/* True when the entry's value now differs from its value before the transaction. */
static bool entry_changed(const OspEntry *entry) {
  if (entry->current_present != entry->pre_present) {
    return true;
  }
  return entry->current_present &&
         (entry->current_len != entry->pre_len || !bytes_equal(entry->current, entry->pre, entry->pre_len));
}

static uint64_t osp_execute(const OspInput *input, SmtArena *arena, OspResult *out) {
  sol_memset_(out, 0, sizeof(OspResult));
  OspState state;
  sol_memset_(&state, 0, sizeof(state));
  uint64_t result = load_witness(input, arena, &state);
  if (result != OSP_OK) {
    return result;
  }
  OspTransaction *tx = (OspTransaction *)smt_alloc(arena, sizeof(OspTransaction));
  if (tx == NULL) {
    return SMT_ERR_OUT_OF_MEMORY;
  }
  if (decode_transaction(input->tx, input->tx_len, tx)) {
    run_transaction(&state, tx, out);
  } else {
    out->status = OSP_STATUS_MALFORMED;
  }
  if (state.error != OSP_OK) {
    return state.error;
  }
  SmtWrite *writes = (SmtWrite *)smt_alloc(arena, (state.count == 0 ? 1 : state.count) * sizeof(SmtWrite));
  if (writes == NULL) {
    return SMT_ERR_OUT_OF_MEMORY;
  }
  uint64_t write_count = 0;
  for (uint64_t index = 0; index < state.count; index++) {
    OspEntry *entry = &state.entries[index];
    if (!entry->touched) {
      return OSP_ERR_WITNESS_EXTRA_KEY;
    }
    if (entry_changed(entry)) {
      SmtWrite *write = &writes[write_count++];
      smt_copy32(write->path, entry->path);
      write->present = entry->current_present ? 1 : 0;
      if (entry->current_present) {
        smt_sha256(entry->current, entry->current_len, write->value_hash);
      }
    }
  }
  return smt_multiproof_root_after(state.proof, arena, writes, write_count, out->post_root);
}

#endif

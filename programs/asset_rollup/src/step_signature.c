/*
 * The signature half of the one-step proof (issue 13, item 1;
 * docs/fraud-proofs.md, "Signatures"): before the dispute game's `step`
 * executes transaction lo, it decides whether that transaction carries a
 * valid signature, as the validators do before admission
 * (src/sequencer/block-execution.ts VerifiedTransactions):
 *
 * - a system transaction (sender 32 zero bytes, the bridge's credits) is
 *   validly signed iff its signature is empty;
 * - any other transaction iff its signature is a valid ed25519 signature by
 *   the sender (the 32-byte account is the public key) of
 *   `TX_SIGNING_DOMAIN || body` (src/vm/tx-codec.ts: "asset-l2/tx/v1" then
 *   the encoding up to the signature vector).
 *
 * A validly signed non-system transaction must be shown so by the Ed25519
 * signature-verify precompile in the same Solana transaction: the step reads
 * the instructions sysvar (passed as any account of the step) and looks for
 * an instruction of Ed25519SigVerify111111111111111111111111111 with an entry
 * whose public key, message and signature all lie in that instruction's own
 * data (instruction indices u16::MAX, the layout web3.js
 * `Ed25519Program.createInstructionWithPublicKey` builds) and equal the
 * sender, the signing bytes and the signature. The runtime ran the precompile
 * before the program, so such an entry proves the signature valid.
 *
 * The precompile cannot show a signature INVALID (it fails the whole Solana
 * transaction), so a step over a badly signed transaction carries no
 * precompile instruction and the program verifies the signature itself,
 * RFC 8032 section 5.1.7 with the curve25519 syscalls: S < L,
 * k = SHA-512(R || A || M) mod L, valid iff [S]B + [k](-A) encodes to R
 * (the cofactorless check of ed25519-dalek `verify` and OpenSSL, which
 * node:crypto uses). Found valid there, the step is refused
 * (StepSignatureNotProven): a valid signature is shown by the precompile, so
 * the costly in-program path only ever runs to prove a forgery.
 *
 * What a badly signed transaction means for the game: validators refuse a
 * block that holds one, so in a posted batch it is the defined no-op: state
 * unchanged, no fee (nobody signed for it), status 1 `bad-signature`
 * (OSP_STATUS_BAD_SIGNATURE), not admitted. A malformed transaction is left
 * to osp_execute (its own no-op, status 255).
 *
 * Costs (measured, docs/fraud-proofs.md): the precompile path reads the
 * sysvar and compares bytes; the in-program path is one SHA-512 in C over
 * about 250 bytes, a bitwise 512-bit reduction mod L and one two-point
 * multiscalar multiplication syscall.
 *
 * Included by step_instruction.c (unity build).
 */
#ifndef ASSET_ROLLUP_STEP_SIGNATURE_C
#define ASSET_ROLLUP_STEP_SIGNATURE_C

#include "one_step.c"
#include "step_deposit.c"

/* Errors 6352-6359 of the signature check. */
#define STEP_SIGNATURE_MISSING_SYSVAR 6352u
#define STEP_SIGNATURE_NOT_PROVEN 6353u
#define STEP_SIGNATURE_MISMATCH 6354u
#define STEP_SIGNATURE_SYSVAR_MALFORMED 6355u

/* What the check found. */
#define STEP_SIGNATURE_VALID 0u
#define STEP_SIGNATURE_INVALID 1u
/* The bytes are not a transaction: osp_execute decides (status malformed). */
#define STEP_SIGNATURE_MALFORMED 2u

/* curve25519 syscalls (agave syscalls/curve25519): curve id 0 is Edwards; 0 = success. */
#define STEP_CURVE25519_EDWARDS 0u
extern uint64_t sol_curve_multiscalar_mul(uint64_t curve_id, const uint8_t *scalars, const uint8_t *points,
                                          uint64_t points_len, uint8_t *result);

/* "asset-l2/tx/v1", src/vm/tx-codec.ts TX_SIGNING_DOMAIN. */
#define STEP_TX_DOMAIN_LENGTH 14u
static const uint8_t STEP_TX_DOMAIN[STEP_TX_DOMAIN_LENGTH] = {'a', 's', 's', 'e', 't', '-', 'l',
                                                              '2', '/', 't', 'x', '/', 'v', '1'};

/* Sysvar1nstructions1111111111111111111111111 */
static const uint8_t STEP_INSTRUCTIONS_SYSVAR[32] = {6,   167, 213, 23,  24,  123, 209, 102, 53, 218, 212,
                                                     4,   85,  253, 194, 192, 193, 36,  198, 143, 33, 86,
                                                     117, 165, 219, 186, 203, 95,  8,   0,   0,   0};
/* Ed25519SigVerify111111111111111111111111111 */
static const uint8_t STEP_ED25519_PROGRAM[32] = {3,   125, 70,  214, 124, 147, 251, 190, 18,  249, 66,
                                                 143, 131, 141, 64,  255, 5,   112, 116, 73,  39,  244,
                                                 138, 100, 252, 202, 112, 68,  128, 0,   0,   0};

/* ---------------------------------------------------------------- SHA-512 (FIPS 180-4) */

static const uint64_t SHA512_K[80] = {
    0x428a2f98d728ae22ull, 0x7137449123ef65cdull, 0xb5c0fbcfec4d3b2full, 0xe9b5dba58189dbbcull,
    0x3956c25bf348b538ull, 0x59f111f1b605d019ull, 0x923f82a4af194f9bull, 0xab1c5ed5da6d8118ull,
    0xd807aa98a3030242ull, 0x12835b0145706fbeull, 0x243185be4ee4b28cull, 0x550c7dc3d5ffb4e2ull,
    0x72be5d74f27b896full, 0x80deb1fe3b1696b1ull, 0x9bdc06a725c71235ull, 0xc19bf174cf692694ull,
    0xe49b69c19ef14ad2ull, 0xefbe4786384f25e3ull, 0x0fc19dc68b8cd5b5ull, 0x240ca1cc77ac9c65ull,
    0x2de92c6f592b0275ull, 0x4a7484aa6ea6e483ull, 0x5cb0a9dcbd41fbd4ull, 0x76f988da831153b5ull,
    0x983e5152ee66dfabull, 0xa831c66d2db43210ull, 0xb00327c898fb213full, 0xbf597fc7beef0ee4ull,
    0xc6e00bf33da88fc2ull, 0xd5a79147930aa725ull, 0x06ca6351e003826full, 0x142929670a0e6e70ull,
    0x27b70a8546d22ffcull, 0x2e1b21385c26c926ull, 0x4d2c6dfc5ac42aedull, 0x53380d139d95b3dfull,
    0x650a73548baf63deull, 0x766a0abb3c77b2a8ull, 0x81c2c92e47edaee6ull, 0x92722c851482353bull,
    0xa2bfe8a14cf10364ull, 0xa81a664bbc423001ull, 0xc24b8b70d0f89791ull, 0xc76c51a30654be30ull,
    0xd192e819d6ef5218ull, 0xd69906245565a910ull, 0xf40e35855771202aull, 0x106aa07032bbd1b8ull,
    0x19a4c116b8d2d0c8ull, 0x1e376c085141ab53ull, 0x2748774cdf8eeb99ull, 0x34b0bcb5e19b48a8ull,
    0x391c0cb3c5c95a63ull, 0x4ed8aa4ae3418acbull, 0x5b9cca4f7763e373ull, 0x682e6ff3d6b2b8a3ull,
    0x748f82ee5defb2fcull, 0x78a5636f43172f60ull, 0x84c87814a1f0ab72ull, 0x8cc702081a6439ecull,
    0x90befffa23631e28ull, 0xa4506cebde82bde9ull, 0xbef9a3f7b2c67915ull, 0xc67178f2e372532bull,
    0xca273eceea26619cull, 0xd186b8c721c0c207ull, 0xeada7dd6cde0eb1eull, 0xf57d4f7fee6ed178ull,
    0x06f067aa72176fbaull, 0x0a637dc5a2c898a6ull, 0x113f9804bef90daeull, 0x1b710b35131c471bull,
    0x28db77f523047d84ull, 0x32caab7b40c72493ull, 0x3c9ebe0a15c9bebcull, 0x431d67c49c100d4cull,
    0x4cc5d4becb3e42b6ull, 0x597f299cfc657e2aull, 0x5fcb6fab3ad6faecull, 0x6c44198c4a475817ull};

typedef struct {
  uint64_t state[8];
  uint8_t block[128];
  uint64_t filled;
  uint64_t total;
} Sha512;

static uint64_t sha512_rotr(uint64_t x, uint64_t n) {
  return (x >> n) | (x << (64 - n));
}

static void sha512_compress(Sha512 *h) {
  uint64_t w[80];
  for (uint64_t t = 0; t < 16; t++) {
    uint64_t v = 0;
    for (uint64_t b = 0; b < 8; b++) {
      v = (v << 8) | h->block[8 * t + b];
    }
    w[t] = v;
  }
  for (uint64_t t = 16; t < 80; t++) {
    uint64_t s0 = sha512_rotr(w[t - 15], 1) ^ sha512_rotr(w[t - 15], 8) ^ (w[t - 15] >> 7);
    uint64_t s1 = sha512_rotr(w[t - 2], 19) ^ sha512_rotr(w[t - 2], 61) ^ (w[t - 2] >> 6);
    w[t] = w[t - 16] + s0 + w[t - 7] + s1;
  }
  uint64_t a = h->state[0], b = h->state[1], c = h->state[2], d = h->state[3];
  uint64_t e = h->state[4], f = h->state[5], g = h->state[6], k = h->state[7];
  for (uint64_t t = 0; t < 80; t++) {
    uint64_t t1 = k + (sha512_rotr(e, 14) ^ sha512_rotr(e, 18) ^ sha512_rotr(e, 41)) + ((e & f) ^ (~e & g)) +
                  SHA512_K[t] + w[t];
    uint64_t t2 = (sha512_rotr(a, 28) ^ sha512_rotr(a, 34) ^ sha512_rotr(a, 39)) + ((a & b) ^ (a & c) ^ (b & c));
    k = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h->state[0] += a;
  h->state[1] += b;
  h->state[2] += c;
  h->state[3] += d;
  h->state[4] += e;
  h->state[5] += f;
  h->state[6] += g;
  h->state[7] += k;
}

static void sha512_init(Sha512 *h) {
  static const uint64_t IV[8] = {0x6a09e667f3bcc908ull, 0xbb67ae8584caa73bull, 0x3c6ef372fe94f82bull,
                                 0xa54ff53a5f1d36f1ull, 0x510e527fade682d1ull, 0x9b05688c2b3e6c1full,
                                 0x1f83d9abfb41bd6bull, 0x5be0cd19137e2179ull};
  for (uint64_t i = 0; i < 8; i++) {
    h->state[i] = IV[i];
  }
  h->filled = 0;
  h->total = 0;
}

static void sha512_update(Sha512 *h, const uint8_t *data, uint64_t len) {
  h->total += len;
  for (uint64_t i = 0; i < len; i++) {
    h->block[h->filled++] = data[i];
    if (h->filled == 128) {
      sha512_compress(h);
      h->filled = 0;
    }
  }
}

static void sha512_final(Sha512 *h, uint8_t out[64]) {
  uint64_t bits = h->total * 8;
  uint8_t one = 0x80;
  uint8_t zero = 0;
  uint64_t total = h->total;
  sha512_update(h, &one, 1);
  while (h->filled != 112) {
    sha512_update(h, &zero, 1);
  }
  /* A 128-bit big-endian length; messages here are far below 2^61 bytes. */
  uint8_t length[16];
  for (uint64_t i = 0; i < 8; i++) {
    length[i] = 0;
    length[8 + i] = (uint8_t)(bits >> (56 - 8 * i));
  }
  sha512_update(h, length, 16);
  h->total = total;
  for (uint64_t i = 0; i < 8; i++) {
    for (uint64_t b = 0; b < 8; b++) {
      out[8 * i + b] = (uint8_t)(h->state[i] >> (56 - 8 * b));
    }
  }
}

/* ---------------------------------------------------------------- scalars mod L */

/* L = 2^252 + 27742317777372353535851937790883648493, little-endian limbs. */
static const uint64_t ED25519_L[4] = {0x5812631a5cf5d3edull, 0x14def9dea2f79cd6ull, 0, 0x1000000000000000ull};

static bool scalar_below_l(const uint64_t s[4]) {
  for (int64_t i = 3; i >= 0; i--) {
    if (s[i] != ED25519_L[i]) {
      return s[i] < ED25519_L[i];
    }
  }
  return false;
}

static void scalar_load(const uint8_t bytes[32], uint64_t out[4]) {
  for (uint64_t i = 0; i < 4; i++) {
    uint64_t v = 0;
    for (uint64_t b = 0; b < 8; b++) {
      v |= (uint64_t)bytes[8 * i + b] << (8 * b);
    }
    out[i] = v;
  }
}

static void scalar_store(const uint64_t s[4], uint8_t bytes[32]) {
  for (uint64_t i = 0; i < 4; i++) {
    for (uint64_t b = 0; b < 8; b++) {
      bytes[8 * i + b] = (uint8_t)(s[i] >> (8 * b));
    }
  }
}

/* A 64-byte little-endian number mod L, bit by bit from the top (r < L < 2^253 throughout). */
static void scalar_reduce512(const uint8_t wide[64], uint8_t out[32]) {
  uint64_t r[4] = {0, 0, 0, 0};
  for (int64_t bit = 511; bit >= 0; bit--) {
    r[3] = (r[3] << 1) | (r[2] >> 63);
    r[2] = (r[2] << 1) | (r[1] >> 63);
    r[1] = (r[1] << 1) | (r[0] >> 63);
    r[0] = (r[0] << 1) | ((wide[bit >> 3] >> (bit & 7)) & 1u);
    if (!scalar_below_l(r)) {
      uint64_t borrow = 0;
      for (uint64_t i = 0; i < 4; i++) {
        uint64_t left = r[i];
        uint64_t right = ED25519_L[i];
        r[i] = left - right - borrow;
        borrow = (left < right || (left == right && borrow != 0)) ? 1u : 0u;
      }
    }
  }
  scalar_store(r, out);
}

/* The Edwards base point B, compressed. */
static const uint8_t ED25519_BASE[32] = {0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                         0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                         0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66};

/*
 * RFC 8032 5.1.7 verification of `signature` (64 bytes) by `public_key` over
 * the message `prefix || body`, cofactorless: [S]B + [k](-A) == R bytewise.
 * A public key that does not decompress fails the syscall: invalid.
 */
static bool ed25519_verify(const uint8_t *public_key, const uint8_t *prefix, uint64_t prefix_len, const uint8_t *body,
                           uint64_t body_len, const uint8_t *signature) {
  uint64_t s[4];
  scalar_load(signature + 32, s);
  if (!scalar_below_l(s)) {
    return false;
  }
  Sha512 h;
  sha512_init(&h);
  sha512_update(&h, signature, 32);
  sha512_update(&h, public_key, 32);
  sha512_update(&h, prefix, prefix_len);
  sha512_update(&h, body, body_len);
  uint8_t digest[64];
  sha512_final(&h, digest);
  uint8_t scalars[64];
  sol_memcpy_(scalars, signature + 32, 32);
  scalar_reduce512(digest, scalars + 32);
  uint8_t points[64];
  sol_memcpy_(points, ED25519_BASE, 32);
  sol_memcpy_(points + 32, public_key, 32);
  /* -A: the compressed encoding's sign bit (x's parity) flipped. */
  points[63] ^= 0x80u;
  uint8_t result[32];
  if (sol_curve_multiscalar_mul(STEP_CURVE25519_EDWARDS, scalars, points, 2, result) != 0) {
    return false;
  }
  return bytes_equal(result, signature, 32);
}

/* ---------------------------------------------------------------- the instructions sysvar */

/* Reads a little-endian u16 at `at` of data[0..len); false when it does not fit. */
static bool sysvar_u16(const uint8_t *data, uint64_t len, uint64_t at, uint64_t *out) {
  if (at > len || len - at < 2) {
    return false;
  }
  *out = (uint64_t)data[at] | ((uint64_t)data[at + 1] << 8);
  return true;
}

/*
 * Whether one Ed25519 precompile instruction's data holds an entry, all in
 * its own data, naming exactly (public_key, TX domain || body, signature).
 */
static bool precompile_names(const uint8_t *data, uint64_t len, const uint8_t *public_key, const uint8_t *body,
                             uint64_t body_len, const uint8_t *signature) {
  if (len < 2) {
    return false;
  }
  uint64_t count = data[0];
  for (uint64_t entry = 0; entry < count; entry++) {
    uint64_t at = 2 + 14 * entry;
    uint64_t f[7];
    for (uint64_t i = 0; i < 7; i++) {
      if (!sysvar_u16(data, len, at + 2 * i, &f[i])) {
        return false;
      }
    }
    /* signature_offset, signature_ix, public_key_offset, public_key_ix, message_offset, message_size, message_ix */
    if (f[1] != 0xffffu || f[3] != 0xffffu || f[6] != 0xffffu) {
      continue;
    }
    if (f[0] + 64 > len || f[2] + 32 > len || f[4] + f[5] > len) {
      continue;
    }
    if (f[5] != STEP_TX_DOMAIN_LENGTH + body_len) {
      continue;
    }
    if (bytes_equal(data + f[0], signature, 64) && bytes_equal(data + f[2], public_key, 32) &&
        bytes_equal(data + f[4], STEP_TX_DOMAIN, STEP_TX_DOMAIN_LENGTH) &&
        bytes_equal(data + f[4] + STEP_TX_DOMAIN_LENGTH, body, body_len)) {
      return true;
    }
  }
  return false;
}

/*
 * Looks through the instructions sysvar's serialized instructions
 * (`count u16 | offsets u16 * count | instructions | current u16`, each
 * `accounts u16 | (flags u8 | key[32]) * accounts | program_id[32] | data_len u16 | data`).
 * Sets *present when an Ed25519 precompile instruction is there and *named
 * when one of them names the signature. False when the sysvar does not parse.
 */
static bool sysvar_find_precompile(const SolAccountInfo *sysvar, const uint8_t *public_key, const uint8_t *body,
                                   uint64_t body_len, const uint8_t *signature, bool *present, bool *named) {
  const uint8_t *data = sysvar->data;
  uint64_t len = sysvar->data_len;
  uint64_t count = 0;
  *present = false;
  *named = false;
  if (!sysvar_u16(data, len, 0, &count)) {
    return false;
  }
  for (uint64_t index = 0; index < count; index++) {
    uint64_t at = 0;
    uint64_t accounts = 0;
    uint64_t data_len = 0;
    if (!sysvar_u16(data, len, 2 + 2 * index, &at) || !sysvar_u16(data, len, at, &accounts)) {
      return false;
    }
    uint64_t program_at = at + 2 + 33 * accounts;
    if (program_at > len || len - program_at < 34 || !sysvar_u16(data, len, program_at + 32, &data_len) ||
        len - program_at - 34 < data_len) {
      return false;
    }
    if (!bytes_equal(data + program_at, STEP_ED25519_PROGRAM, 32)) {
      continue;
    }
    *present = true;
    if (precompile_names(data + program_at + 34, data_len, public_key, body, body_len, signature)) {
      *named = true;
    }
  }
  return true;
}

/*
 * The signature check of a step over `tx` (tx_len bytes): sets *verdict to
 * STEP_SIGNATURE_VALID, _INVALID or _MALFORMED. `arena` lends the decoder
 * its scratch. Errors: STEP_SIGNATURE_MISSING_SYSVAR (a non-system
 * transaction and no instructions sysvar among the accounts),
 * STEP_SIGNATURE_SYSVAR_MALFORMED, STEP_SIGNATURE_MISMATCH (Ed25519
 * precompile instructions present, none naming this signature),
 * STEP_SIGNATURE_NOT_PROVEN (no precompile instruction, and the signature
 * is valid: it must be shown by the precompile), SMT_ERR_OUT_OF_MEMORY + 6300.
 */
static uint64_t step_check_signature(const SolParameters *params, const uint8_t *tx, uint64_t tx_len,
                                     SmtArena *arena, uint64_t *verdict) {
  OspTransaction *decoded = (OspTransaction *)smt_alloc(arena, sizeof(OspTransaction));
  if (decoded == NULL) {
    return STEP_ERROR_BASE + SMT_ERR_OUT_OF_MEMORY;
  }
  if (!decode_transaction(tx, tx_len, decoded)) {
    *verdict = STEP_SIGNATURE_MALFORMED;
    return SUCCESS;
  }
  /* The body ends where decode_transaction read the signature vector (its reader, again). */
  OspReader reader = {tx, tx_len, 0, false};
  reader_take(&reader, 48);
  reader_u32(&reader);
  OspInstruction scratch;
  for (uint64_t index = 0; index < decoded->count; index++) {
    decode_instruction(&reader, &scratch);
  }
  uint64_t body_len = reader.offset;
  uint64_t sig_len = borsh_read_u32(tx + body_len);
  const uint8_t *signature = tx + tx_len - sig_len;
  static const uint8_t ZERO[32] = {0};
  if (bytes_equal(decoded->sender, ZERO, 32)) {
    *verdict = sig_len == 0 ? STEP_SIGNATURE_VALID : STEP_SIGNATURE_INVALID;
    return SUCCESS;
  }
  if (sig_len != 64) {
    *verdict = STEP_SIGNATURE_INVALID;
    return SUCCESS;
  }
  const SolAccountInfo *sysvar = NULL;
  for (uint64_t index = 0; index < params->accounts_len; index++) {
    if (bytes_equal(params->accounts[index].key->bytes, STEP_INSTRUCTIONS_SYSVAR, 32)) {
      sysvar = &params->accounts[index];
    }
  }
  if (sysvar == NULL) {
    return STEP_SIGNATURE_MISSING_SYSVAR;
  }
  bool present = false;
  bool named = false;
  if (!sysvar_find_precompile(sysvar, decoded->sender, tx, body_len, signature, &present, &named)) {
    return STEP_SIGNATURE_SYSVAR_MALFORMED;
  }
  if (named) {
    *verdict = STEP_SIGNATURE_VALID;
    return SUCCESS;
  }
  if (present) {
    return STEP_SIGNATURE_MISMATCH;
  }
  if (ed25519_verify(decoded->sender, STEP_TX_DOMAIN, STEP_TX_DOMAIN_LENGTH, tx, body_len, signature)) {
    return STEP_SIGNATURE_NOT_PROVEN;
  }
  *verdict = STEP_SIGNATURE_INVALID;
  return SUCCESS;
}

/*
 * The dispute game's execution of one step: the signature check above, the
 * deposit check of a system transaction (step_deposit.c), then osp_execute
 * unless the transaction is badly signed or credits a deposit the L1 does not
 * hold (then the no-op: post root = pre root, status OSP_STATUS_BAD_SIGNATURE
 * or OSP_STATUS_DEPOSIT_NOT_ON_L1, not admitted; the witness is not read). Returns SUCCESS with `out` filled, a signature error,
 * or STEP_ERROR_BASE + the osp_execute code.
 */
static uint64_t step_execute_signed(const SolParameters *params, const OspInput *input, SmtArena *arena,
                                    OspResult *out) {
  uint64_t verdict = STEP_SIGNATURE_VALID;
  uint64_t result = step_check_signature(params, input->tx, input->tx_len, arena, &verdict);
  if (result != SUCCESS) {
    return result;
  }
  bool deposits_held = true;
  if (verdict == STEP_SIGNATURE_VALID) {
    result = step_check_deposits(params, input->tx, input->tx_len, arena, &deposits_held);
    if (result != SUCCESS) {
      return result;
    }
  }
  if (verdict == STEP_SIGNATURE_INVALID || !deposits_held) {
    sol_memset_(out, 0, sizeof(OspResult));
    smt_copy32(out->post_root, input->pre_root);
    out->status = verdict == STEP_SIGNATURE_INVALID ? OSP_STATUS_BAD_SIGNATURE : OSP_STATUS_DEPOSIT_NOT_ON_L1;
    return SUCCESS;
  }
  uint64_t code = osp_execute(input, arena, out);
  return code == OSP_OK ? SUCCESS : STEP_ERROR_BASE + code;
}

/* The Anchor-style log line of a signature error (nothing for others). */
static void log_step_signature_error(uint64_t code) {
  switch (code) {
    case STEP_SIGNATURE_MISSING_SYSVAR:
      LOG_LITERAL("AnchorError occurred. Error Code: StepSignatureMissingSysvar. Error Number: 6352. Error "
                  "Message: The step needs the instructions sysvar to check the transaction's signature.");
      break;
    case STEP_SIGNATURE_NOT_PROVEN:
      LOG_LITERAL("AnchorError occurred. Error Code: StepSignatureNotProven. Error Number: 6353. Error "
                  "Message: A valid signature must be shown by an Ed25519 precompile instruction.");
      break;
    case STEP_SIGNATURE_MISMATCH:
      LOG_LITERAL("AnchorError occurred. Error Code: StepSignatureMismatch. Error Number: 6354. Error "
                  "Message: The Ed25519 precompile instruction does not name this transaction's signature.");
      break;
    case STEP_SIGNATURE_SYSVAR_MALFORMED:
      LOG_LITERAL("AnchorError occurred. Error Code: StepSignatureSysvarMalformed. Error Number: 6355. "
                  "Error Message: The instructions sysvar does not parse.");
      break;
    default:
      log_step_deposit_error(code);
      break;
  }
}

#endif

/*
 * The rent-exempt minimum balance, computed exactly as the runtime does,
 *   ((ACCOUNT_STORAGE_OVERHEAD + data_len) * lamports_per_byte_year) as f64
 *     * exemption_threshold, truncated to u64,
 * but in integers: SBPFv0 has no floating point and this build links no
 * soft-float library. The threshold's IEEE-754 bits are taken apart, the
 * product is formed exactly in 128 bits, rounded to 53 significant bits
 * (round half to even, as a double multiplication does) and scaled by the
 * exponent with truncation toward zero (Rust's saturating `as u64`).
 */
#ifndef ASSET_ROLLUP_RENT_H
#define ASSET_ROLLUP_RENT_H

#include "solana_abi.h"

#define ACCOUNT_STORAGE_OVERHEAD 128u
#define DOUBLE_MANTISSA_BITS 52u
#define DOUBLE_EXPONENT_BIAS 1075 /* 1023 + 52: value = mantissa * 2^(exponent - 1075) */

/*
 * hi:lo = left * right, exactly, for left, right < 2^54. Both are split into
 * 27-bit limbs so every partial product fits in 64 bits. (A split into 32-bit
 * halves is the textbook form, but LLVM recognises it as a 128-bit multiply
 * and emits a call to __multi3, which the BPF target does not have.)
 */
static void rent_multiply_wide(uint64_t left, uint64_t right, uint64_t *high, uint64_t *low) {
  const uint64_t limb_mask = (1ull << 27) - 1u;
  uint64_t left_low = left & limb_mask;
  uint64_t left_high = left >> 27;
  uint64_t right_low = right & limb_mask;
  uint64_t right_high = right >> 27;
  /* left * right = top * 2^54 + middle * 2^27 + bottom, each term < 2^55. */
  uint64_t bottom = left_low * right_low;
  uint64_t middle = left_low * right_high + left_high * right_low;
  uint64_t top = left_high * right_high;
  /* Sum bottom + (middle << 27) + (top << 54) into high:low with carries. */
  uint64_t middle_low = middle << 27;
  uint64_t middle_high = middle >> 37;
  uint64_t top_low = top << 54;
  uint64_t top_high = top >> 10;
  uint64_t sum = bottom + middle_low;
  uint64_t carry = sum < bottom ? 1u : 0u;
  uint64_t total = sum + top_low;
  carry += total < sum ? 1u : 0u;
  *low = total;
  *high = middle_high + top_high + carry;
}

static uint64_t rent_bit_length(uint64_t value) {
  uint64_t length = 0;
  while (value != 0) {
    value >>= 1;
    length++;
  }
  return length;
}

/* (value as f64 * double_from_bits(threshold_bits)) as u64 for value < 2^53
 * (below 2^53 the cast of value to f64 is exact). */
static uint64_t rent_scale_by_double(uint64_t value, uint64_t threshold_bits) {
  uint64_t exponent_field = (threshold_bits >> DOUBLE_MANTISSA_BITS) & 0x7ffu;
  uint64_t fraction = threshold_bits & ((1ull << DOUBLE_MANTISSA_BITS) - 1u);
  if ((threshold_bits >> 63) != 0 || exponent_field == 0 || value == 0) {
    return 0; /* negative, zero or subnormal (< 2^-1022): truncates to 0 */
  }
  if (exponent_field == 0x7ffu) {
    return fraction == 0 ? UINT64_MAX : 0; /* infinity saturates, NaN is 0 */
  }
  uint64_t mantissa = fraction | (1ull << DOUBLE_MANTISSA_BITS);
  uint64_t high = 0;
  uint64_t low = 0;
  rent_multiply_wide(value, mantissa, &high, &low);
  int64_t scale = (int64_t)exponent_field - DOUBLE_EXPONENT_BIAS;
  uint64_t length = high != 0 ? 64u + rent_bit_length(high) : rent_bit_length(low);
  uint64_t rounded = 0;
  if (length <= 53u) {
    rounded = low;
  } else {
    /* Keep the top 53 bits; 1 <= dropped <= 64 since length <= 117. */
    uint64_t dropped = length - 53u;
    uint64_t kept = 0;
    uint64_t remainder_high_bit = 0; /* the first dropped bit */
    bool remainder_rest_nonzero = false;
    if (dropped < 64u) {
      kept = (low >> dropped) | (high << (64u - dropped));
      remainder_high_bit = (low >> (dropped - 1u)) & 1u;
      uint64_t rest_mask = (dropped - 1u) == 0 ? 0 : ((1ull << (dropped - 1u)) - 1u);
      remainder_rest_nonzero = (low & rest_mask) != 0;
    } else {
      kept = high;
      remainder_high_bit = low >> 63;
      remainder_rest_nonzero = (low & ((1ull << 63) - 1u)) != 0;
    }
    if (remainder_high_bit != 0 && (remainder_rest_nonzero || (kept & 1u) != 0)) {
      kept += 1; /* may reach 2^53: still exact */
    }
    rounded = kept;
    scale += (int64_t)dropped;
  }
  if (scale >= 0) {
    if (scale >= 64 || rent_bit_length(rounded) + (uint64_t)scale > 64u) {
      return UINT64_MAX;
    }
    return rounded << scale;
  }
  if (scale <= -64) {
    return 0;
  }
  return rounded >> (uint64_t)(-scale);
}

/* The rent-exempt minimum for an account of data_len bytes, or UINT64_MAX
 * when the rent sysvar cannot be read (the create then fails for funds). */
static uint64_t rent_minimum_balance(uint64_t data_len) {
  SolRent rent;
  sol_memset_(&rent, 0, sizeof(rent));
  if (sol_get_rent_sysvar(&rent) != 0) {
    return UINT64_MAX;
  }
  /* Bounds instead of a division-based overflow check: LLVM turns
   * `a > UINT64_MAX / b` into a 128-bit multiply (__multi3), which BPF lacks.
   * With data_len < 2^14 and a price below 2^39 the product stays below
   * 2^53, where it converts to f64 exactly; real rent is 3480 per byte-year. */
  if (data_len >= (1ull << 14) - ACCOUNT_STORAGE_OVERHEAD || rent.lamports_per_byte_year >= (1ull << 39)) {
    return UINT64_MAX;
  }
  uint64_t base = (ACCOUNT_STORAGE_OVERHEAD + data_len) * rent.lamports_per_byte_year;
  return rent_scale_by_double(base, rent.exemption_threshold_bits);
}

#endif

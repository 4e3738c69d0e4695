/*
 * Borsh fields at arbitrary byte offsets. Account structs are packed (Borsh,
 * no padding), so most multi-byte fields are unaligned: every read and write
 * here goes byte by byte, little endian, which is also what Borsh specifies.
 */
#ifndef ASSET_ROLLUP_BORSH_H
#define ASSET_ROLLUP_BORSH_H

#include "solana_abi.h"

static uint64_t borsh_read_u64(const uint8_t *at) {
  uint64_t value = 0;
  for (uint64_t index = 8; index > 0; index--) {
    value = (value << 8) | (uint64_t)at[index - 1];
  }
  return value;
}

static uint32_t borsh_read_u32(const uint8_t *at) {
  return (uint32_t)at[0] | ((uint32_t)at[1] << 8) | ((uint32_t)at[2] << 16) |
         ((uint32_t)at[3] << 24);
}

static void borsh_write_u64(uint8_t *at, uint64_t value) {
  for (uint64_t index = 0; index < 8; index++) {
    at[index] = (uint8_t)(value >> (8 * index));
  }
}

static void borsh_write_u32(uint8_t *at, uint32_t value) {
  at[0] = (uint8_t)value;
  at[1] = (uint8_t)(value >> 8);
  at[2] = (uint8_t)(value >> 16);
  at[3] = (uint8_t)(value >> 24);
}

static bool pubkey_equal(const uint8_t *left, const uint8_t *right) {
  uint8_t difference = 0;
  for (uint64_t index = 0; index < 32; index++) {
    difference |= (uint8_t)(left[index] ^ right[index]);
  }
  return difference == 0;
}

static bool pubkey_is_zero(const uint8_t *key) {
  uint8_t any = 0;
  for (uint64_t index = 0; index < 32; index++) {
    any |= key[index];
  }
  return any == 0;
}

#endif

/*
 * The one-step executor's mailbox instructions of a cross-rollup transfer
 * (xT): mailbox-write (src/vm/instructions.ts mailboxWrite) and mailbox-read
 * (mailboxRead), with the same checks in the same order, the same state keys
 * read and written, and the same status codes. The keys and values are those
 * of src/vm/state-keys.ts:
 *
 *   o:<chain 8 hex>:<session 16 hex>  sender [u8;32] | receiver [u8;32] | asset String (<= 12 bytes) | amount u64
 *   i:<chain 8 hex>:<session 16 hex>  the same | consumed u8 (0/1)
 *
 * Unity build: included by one_step.c after the other instructions; guarded.
 */
#ifndef ASSET_ROLLUP_ONE_STEP_MAILBOX_C
#define ASSET_ROLLUP_ONE_STEP_MAILBOX_C

/* state-keys.ts MAILBOX_SYMBOL_BYTES_MAX */
#define OSP_MAILBOX_SYMBOL_BYTES_MAX 12u

/* A mailbox message as the state holds it (the asset copied out of the value). */
typedef struct {
  uint8_t sender[32];
  uint8_t receiver[32];
  uint8_t asset[OSP_MAILBOX_SYMBOL_BYTES_MAX];
  uint64_t asset_len;
  uint64_t amount;
  bool consumed;
  uint8_t padding[7];
} OspMailboxMessage;

static void key_hex_digits(OspKey *key, uint64_t value, uint64_t digits) {
  for (uint64_t shift = digits * 4; shift > 0; shift -= 4) {
    uint8_t digit = (uint8_t)((value >> (shift - 4)) & 0x0fu);
    key_byte(key, (uint8_t)(digit < 10 ? '0' + digit : 'a' + digit - 10));
  }
}

/* stateKey.outbox ('o') and stateKey.inbox ('i'): <kind>:<chain as 8 hex>:<session as 16 hex>. */
static void key_mailbox(OspKey *key, uint8_t kind, uint64_t chain, uint64_t session) {
  key_start(key, kind);
  key_hex_digits(key, chain, 8);
  key_byte(key, ':');
  key_hex_digits(key, session, 16);
}

/* decodeStateValue for 'o' (with_consumed false) and 'i' (true): false when malformed. */
static bool decode_mailbox(const uint8_t *bytes, uint64_t len, bool with_consumed, OspMailboxMessage *out) {
  OspReader r = {bytes, len, 0, false};
  const uint8_t *sender = reader_take(&r, 32);
  const uint8_t *receiver = reader_take(&r, 32);
  OspString asset;
  uint64_t start = r.offset;
  reader_symbol(&r, &asset);
  if (r.failed || r.offset - start - 4 > OSP_MAILBOX_SYMBOL_BYTES_MAX) {
    return false;
  }
  out->amount = reader_u64(&r);
  out->consumed = false;
  if (with_consumed) {
    uint64_t consumed = reader_u8(&r);
    if (consumed > 1) {
      return false;
    }
    out->consumed = consumed == 1;
  }
  if (r.failed || r.offset != len) {
    return false;
  }
  sol_memcpy_(out->sender, sender, 32);
  sol_memcpy_(out->receiver, receiver, 32);
  /* The decoded string (a leading BOM dropped, as TextDecoder drops it): what the VM re-encodes. */
  sol_memcpy_(out->asset, asset.bytes, asset.len);
  out->asset_len = asset.len;
  return true;
}

/* The mailbox message under `key`; false when absent (or undecodable, which the witness check refuses first). */
static bool state_get_mailbox(OspState *state, const OspKey *key, bool with_consumed, OspMailboxMessage *out) {
  OspEntry *entry = state_entry(state, key);
  if (entry == NULL || !entry->current_present) {
    return false;
  }
  return decode_mailbox(entry->current, entry->current_len, with_consumed, out);
}

static void state_set_mailbox(OspState *state, const OspKey *key, const OspMailboxMessage *message, bool with_consumed) {
  OspEntry *entry = state_entry(state, key);
  if (entry == NULL) {
    return;
  }
  sol_memcpy_(entry->current, message->sender, 32);
  sol_memcpy_(entry->current + 32, message->receiver, 32);
  uint64_t at = write_string(entry->current, 64, message->asset, message->asset_len);
  borsh_write_u64(entry->current + at, message->amount);
  at += 8;
  if (with_consumed) {
    entry->current[at++] = message->consumed ? 1 : 0;
  }
  entry->current_len = (uint8_t)at;
  entry->current_present = true;
}

/* mailboxWrite: small = destination, a = session, account = to, first = asset, b = amount. */
static uint64_t op_mailbox_write(OspState *state, const uint8_t *sender, const OspInstruction *ins) {
  if (ins->b == 0) {
    return OSP_STATUS_INVALID_INSTRUCTION;
  }
  OspKey asset_key;
  OspAsset asset;
  key_asset(&asset_key, &ins->first);
  if (!state_get_asset(state, &asset_key, &asset)) {
    return OSP_STATUS_UNKNOWN_ASSET;
  }
  OspKey outbox_key;
  OspMailboxMessage message;
  key_mailbox(&outbox_key, 'o', ins->small, ins->a);
  if (state_get_mailbox(state, &outbox_key, false, &message)) {
    return OSP_STATUS_MAILBOX_EXISTS;
  }
  OspKey balance_key;
  key_balance(&balance_key, sender, &ins->first);
  uint64_t balance = state_get_u64(state, &balance_key);
  if (balance < ins->b) {
    return OSP_STATUS_INSUFFICIENT_BALANCE;
  }
  if (asset.supply < ins->b) {
    state_invariant_broken(state);
    return OSP_STATUS_OK;
  }
  asset.supply -= ins->b;
  state_set_asset(state, &asset_key, &asset);
  state_set_u64(state, &balance_key, balance - ins->b);
  sol_memset_(&message, 0, sizeof(message));
  sol_memcpy_(message.sender, sender, 32);
  sol_memcpy_(message.receiver, ins->account, 32);
  /* The asset exists, so its symbol is valid: at most 12 bytes. */
  sol_memcpy_(message.asset, ins->first.bytes, ins->first.len);
  message.asset_len = ins->first.len;
  message.amount = ins->b;
  state_set_mailbox(state, &outbox_key, &message, false);
  return OSP_STATUS_OK;
}

/* mailboxRead: small = source, a = session. */
static uint64_t op_mailbox_read(OspState *state, const OspInstruction *ins) {
  OspKey inbox_key;
  OspMailboxMessage message;
  key_mailbox(&inbox_key, 'i', ins->small, ins->a);
  if (!state_get_mailbox(state, &inbox_key, true, &message)) {
    return OSP_STATUS_MAILBOX_MISS;
  }
  if (message.consumed) {
    return OSP_STATUS_MAILBOX_REPLAYED;
  }
  OspString symbol;
  string_of(&symbol, message.asset, message.asset_len);
  OspKey asset_key;
  OspAsset asset;
  key_asset(&asset_key, &symbol);
  if (!state_get_asset(state, &asset_key, &asset)) {
    return OSP_STATUS_UNKNOWN_ASSET;
  }
  if (asset.supply > OSP_U64_MAX - message.amount) {
    return OSP_STATUS_OVERFLOW;
  }
  OspKey balance_key;
  key_balance(&balance_key, message.receiver, &symbol);
  uint64_t balance = state_get_u64(state, &balance_key);
  if (balance > OSP_U64_MAX - message.amount) {
    return OSP_STATUS_OVERFLOW;
  }
  asset.supply += message.amount;
  state_set_asset(state, &asset_key, &asset);
  state_set_u64(state, &balance_key, balance + message.amount);
  message.consumed = true;
  state_set_mailbox(state, &inbox_key, &message, true);
  return OSP_STATUS_OK;
}

#endif

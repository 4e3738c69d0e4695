/*
 * Optimistic settlement and the dispute game: the instruction handlers
 * (layouts and error codes in game.h, the protocol in docs/fraud-proofs.md
 * "Dispute game").
 *
 *   initialize_game        GameConfig + BondVault, signed by the upgrade authority
 *   post_batch_optimistic  a batch with bond, data and trace commitments, claimed root
 *   challenge              opens a 1-vs-1 game against a pending batch, with a bond
 *   bisect_reveal          the poster reveals S_mid with a proof against the trace
 *   bisect_choose          the challenger agrees (lo = mid) or not (hi = mid)
 *   timeout                the party to move ran out of its chess clock: it loses
 *   resolve                pays the bonds of a decided game and closes it
 *   finalize_root          past the period, no open game: the root is final
 *
 * As in instructions.c, every check runs before any write. Included by
 * program.c after instructions.c (unity build); everything here is static.
 */
#include "game.h"
#include "smt.c"
#include "step_instruction.c"

#define GAME_SEED_LENGTH 4u
#define GAME_CONFIG_SEED_LENGTH 11u
#define BOND_VAULT_SEED_LENGTH 10u
#define BATCH_SEED_LENGTH 5u
static const uint8_t GAME_CONFIG_SEED[GAME_CONFIG_SEED_LENGTH] = {'g', 'a', 'm', 'e', '-', 'c',
                                                                  'o', 'n', 'f', 'i', 'g'};
static const uint8_t BOND_VAULT_SEED[BOND_VAULT_SEED_LENGTH] = {'b', 'o', 'n', 'd', '-',
                                                                'v', 'a', 'u', 'l', 't'};
static const uint8_t BATCH_SEED[BATCH_SEED_LENGTH] = {'b', 'a', 't', 'c', 'h'};
static const uint8_t GAME_SEED[GAME_SEED_LENGTH] = {'g', 'a', 'm', 'e'};

/* Arguments after the discriminator (idl.json). */
#define INITIALIZE_GAME_ARGS_SIZE 64u /* GameParams: period i64, clock i64, poster_bond u64, challenger_bond u64, genesis_root */
#define POST_BATCH_OPTIMISTIC_ARGS_SIZE 140u /* height u64, pre, post, data, trace [u8;32], tx_count u32 */
#define HEIGHT_ARGS_SIZE 8u                 /* challenge, timeout, resolve, finalize_root */
#define BISECT_CHOOSE_ARGS_SIZE 13u         /* height u64, mid u32, agree bool */
#define BISECT_REVEAL_FIXED_SIZE 44u        /* height u64, mid_root, proof length u32, then 32 * length */

/* The depth of a tree over `leaves` leaves: the least d with 2^d >= leaves. */
static uint64_t trace_depth(uint64_t leaves) {
  uint64_t depth = 0;
  while (depth < 64 && (1ull << depth) < leaves) {
    depth++;
  }
  return depth;
}

/* What a trace proof is checked against: the commitment and its leaf count. */
typedef struct {
  const uint8_t *commitment;
  uint64_t leaves;
} TraceTree;

/*
 * True when `leaf` (a 32-byte state root) is leaf `index` of the trace tree
 * `tree`: the binary Merkle tree of smt.h's merkle_verify (leaf
 * sha256(0x00 || leaf), node sha256(0x01 || L || R), padded with zero leaf
 * hashes to 2^depth leaves), with exactly depth = ceil(log2(leaves)) siblings
 * from the leaf level up, so a proof also fixes the tree's size. The TS side
 * is src/settlement/trace-commitment.ts.
 */
static bool trace_verify(const TraceTree *tree, const uint8_t *leaf, uint64_t index,
                         const uint8_t *siblings, uint64_t siblings_len) {
  uint64_t depth = trace_depth(tree->leaves);
  if (index >= tree->leaves || siblings_len != depth || depth > TRACE_MAX_DEPTH) {
    return false;
  }
  uint8_t leaf_hash[32];
  merkle_leaf_hash(leaf, 32, leaf_hash);
  return merkle_verify(tree->commitment, leaf_hash, index, siblings, depth);
}

static int64_t read_i64(const uint8_t *at) {
  return (int64_t)borsh_read_u64(at);
}

static void write_i64(uint8_t *at, int64_t value) {
  borsh_write_u64(at, (uint64_t)value);
}

/* The Clock sysvar's unix_timestamp, in seconds. */
static int64_t game_now(void) {
  SolClock clock;
  sol_memset_(&clock, 0, sizeof(clock));
  sol_get_clock_sysvar(&clock);
  return clock.unix_timestamp;
}

static uint64_t game_slot(void) {
  SolClock clock;
  sol_memset_(&clock, 0, sizeof(clock));
  sol_get_clock_sysvar(&clock);
  return clock.slot;
}

/* The RollupConfig, read only: owner, size, discriminator, address. */
static uint64_t check_rollup_config_read(const SolAccountInfo *config, const SolPubkey *program_id) {
  uint64_t result = check_program_account(config, program_id, CONFIG_SIZE, ROLLUP_CONFIG_DISCRIMINATOR);
  if (result != SUCCESS) {
    return result;
  }
  uint8_t bump = config->data[CONFIG_OFFSET_BUMP];
  SolSignerSeed seeds[2] = {{CONFIG_SEED, SEED_LENGTH}, {&bump, 1}};
  return check_derived_address(config, seeds, 2, program_id);
}

/* The GameConfig: owner, size, discriminator, address ["game-config", bump]. */
static uint64_t check_game_config(const SolAccountInfo *game_config, const SolPubkey *program_id) {
  uint64_t result =
      check_program_account(game_config, program_id, GAME_CONFIG_SIZE, GAME_CONFIG_DISCRIMINATOR);
  if (result != SUCCESS) {
    return result;
  }
  uint8_t bump = game_config->data[GCFG_OFFSET_BUMP];
  SolSignerSeed seeds[2] = {{GAME_CONFIG_SEED, GAME_CONFIG_SEED_LENGTH}, {&bump, 1}};
  return check_derived_address(game_config, seeds, 2, program_id);
}

/* The BondVault, writable, at ["bond-vault", the bump GameConfig stored]. */
static uint64_t check_bond_vault(const SolAccountInfo *vault, const SolAccountInfo *game_config,
                                 const SolPubkey *program_id) {
  uint64_t result = check_writable(vault);
  if (result != SUCCESS) {
    return result;
  }
  result = check_program_account(vault, program_id, BOND_VAULT_SIZE, BOND_VAULT_DISCRIMINATOR);
  if (result != SUCCESS) {
    return result;
  }
  uint8_t bump = game_config->data[GCFG_OFFSET_VAULT_BUMP];
  SolSignerSeed seeds[2] = {{BOND_VAULT_SEED, BOND_VAULT_SEED_LENGTH}, {&bump, 1}};
  return check_derived_address(vault, seeds, 2, program_id);
}

/* An existing OptimisticBatch of `height` at ["batch", height LE, bump]. */
static uint64_t check_batch(const SolAccountInfo *batch, const SolPubkey *program_id, uint64_t height) {
  uint64_t result =
      check_program_account(batch, program_id, OPTIMISTIC_BATCH_SIZE, OPTIMISTIC_BATCH_DISCRIMINATOR);
  if (result != SUCCESS) {
    return result;
  }
  if (borsh_read_u64(batch->data + BATCH_OFFSET_HEIGHT) != height) {
    return ERROR_WRONG_ACCOUNT;
  }
  uint8_t height_le[8];
  borsh_write_u64(height_le, height);
  uint8_t bump = batch->data[BATCH_OFFSET_BUMP];
  SolSignerSeed seeds[3] = {{BATCH_SEED, BATCH_SEED_LENGTH}, {height_le, 8}, {&bump, 1}};
  return check_derived_address(batch, seeds, 3, program_id);
}

/* An existing, writable DisputeGame of `height` at ["game", height LE, challenger, bump]. */
static uint64_t check_game(const SolAccountInfo *game, const SolPubkey *program_id, uint64_t height) {
  uint64_t result = check_writable(game);
  if (result != SUCCESS) {
    return result;
  }
  result = check_program_account(game, program_id, DISPUTE_GAME_SIZE, DISPUTE_GAME_DISCRIMINATOR);
  if (result != SUCCESS) {
    return result;
  }
  if (borsh_read_u64(game->data + GAME_OFFSET_HEIGHT) != height) {
    return ERROR_WRONG_ACCOUNT;
  }
  uint8_t height_le[8];
  borsh_write_u64(height_le, height);
  uint8_t bump = game->data[GAME_OFFSET_BUMP];
  SolSignerSeed seeds[4] = {{GAME_SEED, GAME_SEED_LENGTH},
                            {height_le, 8},
                            {game->data + GAME_OFFSET_CHALLENGER, 32},
                            {&bump, 1}};
  return check_derived_address(game, seeds, 4, program_id);
}



/* Pays `amount` from the vault (this program owns it, so it may debit it) to `to`. */
static uint64_t pay_from_vault(SolAccountInfo *vault, SolAccountInfo *to, uint8_t *game_config,
                               uint64_t amount) {
  if (*vault->lamports < amount || *to->lamports + amount < *to->lamports) {
    return ERROR_ARITHMETIC_OVERFLOW;
  }
  *vault->lamports -= amount;
  *to->lamports += amount;
  uint64_t paid = borsh_read_u64(game_config + GCFG_OFFSET_BONDS_PAID);
  borsh_write_u64(game_config + GCFG_OFFSET_BONDS_PAID, paid + amount);
  return SUCCESS;
}

/* Adds `amount` to GameConfig's cumulative bonds posted. */
static void count_bond_posted(uint8_t *game_config, uint64_t amount) {
  uint64_t posted = borsh_read_u64(game_config + GCFG_OFFSET_BONDS_POSTED);
  borsh_write_u64(game_config + GCFG_OFFSET_BONDS_POSTED, posted + amount);
}

/*
 * root_is_final(batch, program_id, height, root): true when `batch` is the
 * program's OptimisticBatch account of `height` (owner, size, discriminator,
 * address), its status is Final (finalize_root ran: the challenge period
 * passed, every game on it was resolved in the poster's favour and its parent
 * was final), and its post root equals `root` (32 bytes). For the bridge's
 * finalize_withdrawal.
 */
static bool root_is_final(const SolAccountInfo *batch, const SolPubkey *program_id, uint64_t height,
                          const uint8_t *root) {
  if (check_batch(batch, program_id, height) != SUCCESS) {
    return false;
  }
  if (batch->data[BATCH_OFFSET_STATUS] != BATCH_STATUS_FINAL) {
    return false;
  }
  return pubkey_equal(batch->data + BATCH_OFFSET_POST_ROOT, root);
}

/*
 * initialize_game(params: GameParams)
 * accounts: rollup_config, game_config (w), bond_vault (w), upgrade_authority (w, s), system_program
 * GameParams: challenge_period_seconds i64 > 0, clock_seconds i64 > 0,
 * poster_bond u64 > 0, challenger_bond u64 > 0, genesis_root [u8; 32].
 */
static uint64_t process_initialize_game(SolParameters *params, const uint8_t *data) {
  if (params->accounts_len < 5) {
    return ERROR_NOT_ENOUGH_ACCOUNTS;
  }
  SolAccountInfo *config = &params->accounts[0];
  SolAccountInfo *game_config = &params->accounts[1];
  SolAccountInfo *vault = &params->accounts[2];
  SolAccountInfo *authority = &params->accounts[3];
  SolAccountInfo *system_program = &params->accounts[4];
  const SolPubkey *program_id = params->program_id;

  uint64_t result = check_rollup_config_read(config, program_id);
  if (result != SUCCESS) {
    return result;
  }
  result = check_writable_signer(authority);
  if (result != SUCCESS) {
    return result;
  }
  if (!pubkey_equal(authority->key->bytes, config->data + CONFIG_OFFSET_UPGRADE_AUTHORITY)) {
    return ERROR_UNAUTHORIZED;
  }
  result = check_system_program(system_program);
  if (result != SUCCESS) {
    return result;
  }
  result = check_uncreated(game_config);
  if (result != SUCCESS) {
    return result;
  }
  result = check_uncreated(vault);
  if (result != SUCCESS) {
    return result;
  }
  uint8_t config_bump = 0;
  SolSignerSeed config_seeds[2] = {{GAME_CONFIG_SEED, GAME_CONFIG_SEED_LENGTH}, {&config_bump, 1}};
  result = find_derived_address(game_config, config_seeds, 1, program_id, &config_bump);
  if (result != SUCCESS) {
    return result;
  }
  uint8_t vault_bump = 0;
  SolSignerSeed vault_seeds[2] = {{BOND_VAULT_SEED, BOND_VAULT_SEED_LENGTH}, {&vault_bump, 1}};
  result = find_derived_address(vault, vault_seeds, 1, program_id, &vault_bump);
  if (result != SUCCESS) {
    return result;
  }
  int64_t period = read_i64(data);
  int64_t clock_seconds = read_i64(data + 8);
  uint64_t poster_bond = borsh_read_u64(data + 16);
  uint64_t challenger_bond = borsh_read_u64(data + 24);
  if (period <= 0 || clock_seconds <= 0 || poster_bond == 0 || challenger_bond == 0) {
    return ERROR_INVALID_GAME_PARAMS;
  }

  SolSignerSeeds config_signer = {config_seeds, 2};
  PdaCreation creation;
  creation.payer = authority;
  creation.target = game_config;
  creation.system_program = system_program;
  creation.program_id = program_id;
  creation.target_signer = &config_signer;
  result = create_pda_account(&creation, GAME_CONFIG_SIZE);
  if (result != SUCCESS) {
    return result;
  }
  SolSignerSeeds vault_signer = {vault_seeds, 2};
  creation.target = vault;
  creation.target_signer = &vault_signer;
  result = create_pda_account(&creation, BOND_VAULT_SIZE);
  if (result != SUCCESS) {
    return result;
  }
  borsh_write_u64(vault->data, BOND_VAULT_DISCRIMINATOR);
  uint8_t *state = game_config->data;
  borsh_write_u64(state, GAME_CONFIG_DISCRIMINATOR);
  write_i64(state + GCFG_OFFSET_CHALLENGE_PERIOD, period);
  write_i64(state + GCFG_OFFSET_CLOCK, clock_seconds);
  borsh_write_u64(state + GCFG_OFFSET_POSTER_BOND, poster_bond);
  borsh_write_u64(state + GCFG_OFFSET_CHALLENGER_BOND, challenger_bond);
  sol_memcpy_(state + GCFG_OFFSET_GENESIS_ROOT, data + 32, 32);
  borsh_write_u64(state + GCFG_OFFSET_LAST_HEIGHT, 0);
  borsh_write_u64(state + GCFG_OFFSET_BONDS_POSTED, 0);
  borsh_write_u64(state + GCFG_OFFSET_BONDS_PAID, 0);
  state[GCFG_OFFSET_BUMP] = config_bump;
  state[GCFG_OFFSET_VAULT_BUMP] = vault_bump;
  return SUCCESS;
}

/*
 * post_batch_optimistic(post: BatchPost)
 * accounts: rollup_config, game_config (w), batch (w), bond_vault (w), batch_poster (w, s), system_program
 * BatchPost: height u64, pre_root, post_root, data_commitment, trace_commitment ([u8; 32] each), tx_count u32.
 * height is last_height + 1 (a new batch account), or a height whose batch
 * was rejected and has no open game (a repost: generation + 1). The poster's
 * bond moves to the vault.
 */
static uint64_t process_post_batch_optimistic(SolParameters *params, const uint8_t *data) {
  if (params->accounts_len < 6) {
    return ERROR_NOT_ENOUGH_ACCOUNTS;
  }
  SolAccountInfo *config = &params->accounts[0];
  SolAccountInfo *game_config = &params->accounts[1];
  SolAccountInfo *batch = &params->accounts[2];
  SolAccountInfo *vault = &params->accounts[3];
  SolAccountInfo *poster = &params->accounts[4];
  SolAccountInfo *system_program = &params->accounts[5];
  const SolPubkey *program_id = params->program_id;

  uint64_t result = check_rollup_config_read(config, program_id);
  if (result != SUCCESS) {
    return result;
  }
  result = check_writable(game_config);
  if (result != SUCCESS) {
    return result;
  }
  result = check_game_config(game_config, program_id);
  if (result != SUCCESS) {
    return result;
  }
  result = check_bond_vault(vault, game_config, program_id);
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
  result = check_writable(batch);
  if (result != SUCCESS) {
    return result;
  }
  if (config->data[CONFIG_OFFSET_PAUSED] != 0) {
    return ERROR_POSTING_PAUSED;
  }
  if (!pubkey_equal(poster->key->bytes, config->data + CONFIG_OFFSET_BATCH_POSTER_AUTHORITY)) {
    return ERROR_UNAUTHORIZED;
  }
  uint64_t height = borsh_read_u64(data);
  const uint8_t *pre_root = data + 8;
  const uint8_t *post_root = data + 40;
  uint32_t tx_count = borsh_read_u32(data + 136);
  if (tx_count == 0 && !pubkey_equal(pre_root, post_root)) {
    return ERROR_EMPTY_BATCH_CHANGES_ROOT;
  }
  uint8_t *state = game_config->data;
  uint64_t last_height = borsh_read_u64(state + GCFG_OFFSET_LAST_HEIGHT);
  bool repost = false;
  uint8_t bump = 0;
  uint8_t height_le[8];
  borsh_write_u64(height_le, height);
  if (last_height == UINT64_MAX) {
    return ERROR_ARITHMETIC_OVERFLOW;
  }
  if (height == last_height + 1) {
    result = check_uncreated(batch);
    if (result != SUCCESS) {
      return result;
    }
    SolSignerSeed seeds[2] = {{BATCH_SEED, BATCH_SEED_LENGTH}, {height_le, 8}};
    result = find_derived_address(batch, seeds, 2, program_id, &bump);
    if (result != SUCCESS) {
      return result;
    }
  } else if (height >= 1 && height <= last_height) {
    result = check_batch(batch, program_id, height);
    if (result != SUCCESS) {
      return result;
    }
    if (batch->data[BATCH_OFFSET_STATUS] != BATCH_STATUS_REJECTED) {
      return ERROR_BATCH_EXISTS;
    }
    if (borsh_read_u32(batch->data + BATCH_OFFSET_OPEN_GAMES) != 0) {
      return ERROR_OPEN_GAMES;
    }
    repost = true;
  } else {
    return ERROR_HEIGHT_NOT_NEXT;
  }

  /* Every check passed. */
  uint64_t bond = borsh_read_u64(state + GCFG_OFFSET_POSTER_BOND);
  uint32_t generation = 0;
  uint32_t games_played = 0;
  if (repost) {
    generation = borsh_read_u32(batch->data + BATCH_OFFSET_GENERATION) + 1;
    games_played = borsh_read_u32(batch->data + BATCH_OFFSET_GAMES_PLAYED);
  } else {
    SolSignerSeed seeds[3] = {{BATCH_SEED, BATCH_SEED_LENGTH}, {height_le, 8}, {&bump, 1}};
    SolSignerSeeds signer = {seeds, 3};
    PdaCreation creation;
    creation.payer = poster;
    creation.target = batch;
    creation.system_program = system_program;
    creation.program_id = program_id;
    creation.target_signer = &signer;
    result = create_pda_account(&creation, OPTIMISTIC_BATCH_SIZE);
    if (result != SUCCESS) {
      return result;
    }
  }
  result = transfer_lamports(poster, vault, system_program, bond);
  if (result != SUCCESS) {
    return result;
  }
  count_bond_posted(state, bond);
  uint8_t *entry = batch->data;
  borsh_write_u64(entry, OPTIMISTIC_BATCH_DISCRIMINATOR);
  borsh_write_u64(entry + BATCH_OFFSET_HEIGHT, height);
  entry[BATCH_OFFSET_STATUS] = BATCH_STATUS_PENDING;
  if (!repost) {
    entry[BATCH_OFFSET_BUMP] = bump;
  }
  borsh_write_u32(entry + BATCH_OFFSET_GENERATION, generation);
  sol_memcpy_(entry + BATCH_OFFSET_POSTER, poster->key->bytes, 32);
  sol_memcpy_(entry + BATCH_OFFSET_PRE_ROOT, pre_root, 32);
  sol_memcpy_(entry + BATCH_OFFSET_POST_ROOT, post_root, 32);
  sol_memcpy_(entry + BATCH_OFFSET_DATA_COMMITMENT, data + 72, 32);
  sol_memcpy_(entry + BATCH_OFFSET_TRACE_COMMITMENT, data + 104, 32);
  borsh_write_u32(entry + BATCH_OFFSET_TX_COUNT, tx_count);
  write_i64(entry + BATCH_OFFSET_POSTED_AT, game_now());
  borsh_write_u64(entry + BATCH_OFFSET_POSTED_SLOT, game_slot());
  borsh_write_u64(entry + BATCH_OFFSET_BOND, bond);
  borsh_write_u32(entry + BATCH_OFFSET_OPEN_GAMES, 0);
  borsh_write_u32(entry + BATCH_OFFSET_GAMES_PLAYED, games_played);
  write_i64(entry + BATCH_OFFSET_FINALIZED_AT, 0);
  if (!repost) {
    borsh_write_u64(state + GCFG_OFFSET_LAST_HEIGHT, height);
  }
  return SUCCESS;
}

/*
 * The accounts every move on a batch starts with, checked in this order: the
 * game config (writable, ours), the bond vault (its PDA, named by the config)
 * and the batch at `height` (writable, ours).
 */
static uint64_t check_config_vault_batch(SolAccountInfo *game_config, SolAccountInfo *vault, SolAccountInfo *batch,
                                         const SolPubkey *program_id, uint64_t height) {
  uint64_t result = check_writable(game_config);
  if (result != SUCCESS) {
    return result;
  }
  result = check_game_config(game_config, program_id);
  if (result != SUCCESS) {
    return result;
  }
  result = check_bond_vault(vault, game_config, program_id);
  if (result != SUCCESS) {
    return result;
  }
  result = check_writable(batch);
  if (result != SUCCESS) {
    return result;
  }
  result = check_batch(batch, program_id, height);
  if (result != SUCCESS) {
    return result;
  }
  return SUCCESS;
}

/*
 * challenge(height: u64)
 * accounts: game_config (w), batch (w), game (w), bond_vault (w), challenger (w, s), system_program
 * Opens the game ["game", height LE, challenger] against a pending batch
 * inside its challenge period: lo = 0 (S_0 = pre_root, agreed), hi = n
 * (S_n = post_root, disputed), both clocks full, the poster to move (or the
 * challenger to step when n = 1). The challenger's bond moves to the vault.
 */
static uint64_t process_challenge(SolParameters *params, const uint8_t *data) {
  if (params->accounts_len < 6) {
    return ERROR_NOT_ENOUGH_ACCOUNTS;
  }
  SolAccountInfo *game_config = &params->accounts[0];
  SolAccountInfo *batch = &params->accounts[1];
  SolAccountInfo *game = &params->accounts[2];
  SolAccountInfo *vault = &params->accounts[3];
  SolAccountInfo *challenger = &params->accounts[4];
  SolAccountInfo *system_program = &params->accounts[5];
  const SolPubkey *program_id = params->program_id;
  uint64_t height = borsh_read_u64(data);

  uint64_t result = check_config_vault_batch(game_config, vault, batch, program_id, height);
  if (result != SUCCESS) {
    return result;
  }
  result = check_writable_signer(challenger);
  if (result != SUCCESS) {
    return result;
  }
  result = check_system_program(system_program);
  if (result != SUCCESS) {
    return result;
  }
  result = check_uncreated(game);
  if (result != SUCCESS) {
    return result;
  }
  uint8_t height_le[8];
  borsh_write_u64(height_le, height);
  uint8_t bump = 0;
  SolSignerSeed seeds[4] = {{GAME_SEED, GAME_SEED_LENGTH},
                            {height_le, 8},
                            {challenger->key->bytes, 32},
                            {&bump, 1}};
  result = find_derived_address(game, seeds, 3, program_id, &bump);
  if (result != SUCCESS) {
    return result;
  }
  uint8_t *entry = batch->data;
  if (entry[BATCH_OFFSET_STATUS] != BATCH_STATUS_PENDING) {
    return ERROR_BATCH_NOT_PENDING;
  }
  uint32_t tx_count = borsh_read_u32(entry + BATCH_OFFSET_TX_COUNT);
  if (tx_count == 0) {
    return ERROR_NOTHING_TO_DISPUTE;
  }
  uint8_t *state = game_config->data;
  int64_t now = game_now();
  int64_t period = read_i64(state + GCFG_OFFSET_CHALLENGE_PERIOD);
  if (now >= read_i64(entry + BATCH_OFFSET_POSTED_AT) + period) {
    return ERROR_CHALLENGE_PERIOD_OVER;
  }
  uint32_t open_games = borsh_read_u32(entry + BATCH_OFFSET_OPEN_GAMES);
  uint32_t games_played = borsh_read_u32(entry + BATCH_OFFSET_GAMES_PLAYED);
  if (open_games == UINT32_MAX || games_played == UINT32_MAX) {
    return ERROR_ARITHMETIC_OVERFLOW;
  }

  /* Every check passed. */
  SolSignerSeeds signer = {seeds, 4};
  PdaCreation creation;
  creation.payer = challenger;
  creation.target = game;
  creation.system_program = system_program;
  creation.program_id = program_id;
  creation.target_signer = &signer;
  result = create_pda_account(&creation, DISPUTE_GAME_SIZE);
  if (result != SUCCESS) {
    return result;
  }
  uint64_t bond = borsh_read_u64(state + GCFG_OFFSET_CHALLENGER_BOND);
  result = transfer_lamports(challenger, vault, system_program, bond);
  if (result != SUCCESS) {
    return result;
  }
  count_bond_posted(state, bond);
  int64_t clock_seconds = read_i64(state + GCFG_OFFSET_CLOCK);
  uint8_t *record = game->data;
  borsh_write_u64(record, DISPUTE_GAME_DISCRIMINATOR);
  borsh_write_u64(record + GAME_OFFSET_HEIGHT, height);
  borsh_write_u32(record + GAME_OFFSET_GENERATION, borsh_read_u32(entry + BATCH_OFFSET_GENERATION));
  record[GAME_OFFSET_BUMP] = bump;
  sol_memcpy_(record + GAME_OFFSET_CHALLENGER, challenger->key->bytes, 32);
  borsh_write_u64(record + GAME_OFFSET_BOND, bond);
  borsh_write_u32(record + GAME_OFFSET_LO, 0);
  borsh_write_u32(record + GAME_OFFSET_HI, tx_count);
  sol_memcpy_(record + GAME_OFFSET_AGREED_ROOT, entry + BATCH_OFFSET_PRE_ROOT, 32);
  sol_memcpy_(record + GAME_OFFSET_DISPUTED_ROOT, entry + BATCH_OFFSET_POST_ROOT, 32);
  sol_memset_(record + GAME_OFFSET_MID_ROOT, 0, 32);
  record[GAME_OFFSET_TURN] = tx_count == 1 ? TURN_CHALLENGER_STEPS : TURN_POSTER_REVEALS;
  record[GAME_OFFSET_WINNER] = WINNER_NONE;
  write_i64(record + GAME_OFFSET_POSTER_TIME_LEFT, clock_seconds);
  write_i64(record + GAME_OFFSET_CHALLENGER_TIME_LEFT, clock_seconds);
  write_i64(record + GAME_OFFSET_LAST_MOVE_AT, now);
  borsh_write_u32(record + GAME_OFFSET_MOVES, 1);
  borsh_write_u32(entry + BATCH_OFFSET_OPEN_GAMES, open_games + 1);
  borsh_write_u32(entry + BATCH_OFFSET_GAMES_PLAYED, games_played + 1);
  return SUCCESS;
}

/*
 * The chess clock of a move by the party whose turn it is: the seconds since
 * the last move, or ERROR_CLOCK_EXPIRED when they exceed that party's time
 * left (it can only lose by timeout now). `time_left_offset` is the mover's.
 */
static uint64_t clock_elapsed(const uint8_t *record, uint64_t time_left_offset, int64_t now,
                              int64_t *elapsed) {
  int64_t spent = now - read_i64(record + GAME_OFFSET_LAST_MOVE_AT);
  if (spent < 0) {
    spent = 0; /* the clock never runs backwards for a party */
  }
  if (spent > read_i64(record + time_left_offset)) {
    return ERROR_CLOCK_EXPIRED;
  }
  *elapsed = spent;
  return SUCCESS;
}

/* Charges the mover's clock and counts the move. */
static void clock_charge(uint8_t *record, uint64_t time_left_offset, int64_t now, int64_t elapsed) {
  write_i64(record + time_left_offset, read_i64(record + time_left_offset) - elapsed);
  write_i64(record + GAME_OFFSET_LAST_MOVE_AT, now);
  borsh_write_u32(record + GAME_OFFSET_MOVES, borsh_read_u32(record + GAME_OFFSET_MOVES) + 1);
}

/* The midpoint of the disputed range [lo, hi] (hi - lo >= 2 when revealing). */
static uint32_t game_midpoint(const uint8_t *record) {
  uint32_t lo = borsh_read_u32(record + GAME_OFFSET_LO);
  uint32_t hi = borsh_read_u32(record + GAME_OFFSET_HI);
  return lo + (hi - lo) / 2u;
}

/* NotYourTurn, or GameOver when the game has a winner. */
static uint64_t wrong_turn(const uint8_t *record) {
  return record[GAME_OFFSET_TURN] == TURN_OVER ? ERROR_GAME_OVER : ERROR_NOT_YOUR_TURN;
}

/*
 * bisect_reveal(height: u64, mid_root: [u8; 32], proof: Vec<[u8; 32]>)
 * accounts: game_config, batch, game (w), batch_poster (s)
 * The poster reveals S_mid, mid = lo + (hi - lo) / 2, with its Merkle proof
 * against the batch's trace commitment (n + 1 leaves, see trace_verify).
 */
static uint64_t process_bisect_reveal(SolParameters *params, const uint8_t *data, uint64_t data_len) {
  if (params->accounts_len < 4) {
    return ERROR_NOT_ENOUGH_ACCOUNTS;
  }
  SolAccountInfo *game_config = &params->accounts[0];
  SolAccountInfo *batch = &params->accounts[1];
  SolAccountInfo *game = &params->accounts[2];
  SolAccountInfo *poster = &params->accounts[3];
  const SolPubkey *program_id = params->program_id;
  if (data_len < BISECT_REVEAL_FIXED_SIZE) {
    return ERROR_INVALID_INSTRUCTION_DATA;
  }
  uint64_t height = borsh_read_u64(data);
  const uint8_t *mid_root = data + 8;
  uint64_t proof_len = borsh_read_u32(data + 40);
  if (proof_len > TRACE_MAX_DEPTH || data_len != BISECT_REVEAL_FIXED_SIZE + 32u * proof_len) {
    return ERROR_INVALID_INSTRUCTION_DATA;
  }
  uint64_t result = check_game_config(game_config, program_id);
  if (result != SUCCESS) {
    return result;
  }
  result = check_batch(batch, program_id, height);
  if (result != SUCCESS) {
    return result;
  }
  result = check_game(game, program_id, height);
  if (result != SUCCESS) {
    return result;
  }
  result = check_signer(poster);
  if (result != SUCCESS) {
    return result;
  }
  if (!pubkey_equal(poster->key->bytes, batch->data + BATCH_OFFSET_POSTER)) {
    return ERROR_UNAUTHORIZED;
  }
  uint8_t *record = game->data;
  if (record[GAME_OFFSET_TURN] != TURN_POSTER_REVEALS) {
    return wrong_turn(record);
  }
  int64_t now = game_now();
  int64_t elapsed = 0;
  result = clock_elapsed(record, GAME_OFFSET_POSTER_TIME_LEFT, now, &elapsed);
  if (result != SUCCESS) {
    return result;
  }
  TraceTree tree;
  tree.commitment = batch->data + BATCH_OFFSET_TRACE_COMMITMENT;
  tree.leaves = (uint64_t)borsh_read_u32(batch->data + BATCH_OFFSET_TX_COUNT) + 1u;
  if (!trace_verify(&tree, mid_root, game_midpoint(record), data + BISECT_REVEAL_FIXED_SIZE, proof_len)) {
    return ERROR_INVALID_MERKLE_PROOF;
  }
  sol_memcpy_(record + GAME_OFFSET_MID_ROOT, mid_root, 32);
  record[GAME_OFFSET_TURN] = TURN_CHALLENGER_CHOOSES;
  clock_charge(record, GAME_OFFSET_POSTER_TIME_LEFT, now, elapsed);
  return SUCCESS;
}

/*
 * bisect_choose(height: u64, mid: u32, agree: bool)
 * accounts: game_config, game (w), challenger (s)
 * The challenger agrees with the revealed S_mid (lo = mid) or disputes it
 * (hi = mid); at hi = lo + 1 its next move is the step, else the poster reveals.
 * `mid` names the position answered: a choose meant for another round (a
 * late or replayed transaction) is StaleMove, and two rounds' chooses are
 * never the same transaction bytes.
 */
static uint64_t process_bisect_choose(SolParameters *params, const uint8_t *data) {
  if (params->accounts_len < 3) {
    return ERROR_NOT_ENOUGH_ACCOUNTS;
  }
  SolAccountInfo *game_config = &params->accounts[0];
  SolAccountInfo *game = &params->accounts[1];
  SolAccountInfo *challenger = &params->accounts[2];
  const SolPubkey *program_id = params->program_id;
  uint64_t height = borsh_read_u64(data);
  uint32_t answered = borsh_read_u32(data + 8);
  uint8_t agree = data[12];
  if (agree > 1) {
    return ERROR_INVALID_INSTRUCTION_DATA;
  }
  uint64_t result = check_game_config(game_config, program_id);
  if (result != SUCCESS) {
    return result;
  }
  result = check_game(game, program_id, height);
  if (result != SUCCESS) {
    return result;
  }
  result = check_signer(challenger);
  if (result != SUCCESS) {
    return result;
  }
  uint8_t *record = game->data;
  if (!pubkey_equal(challenger->key->bytes, record + GAME_OFFSET_CHALLENGER)) {
    return ERROR_UNAUTHORIZED;
  }
  if (record[GAME_OFFSET_TURN] != TURN_CHALLENGER_CHOOSES) {
    return wrong_turn(record);
  }
  int64_t now = game_now();
  int64_t elapsed = 0;
  result = clock_elapsed(record, GAME_OFFSET_CHALLENGER_TIME_LEFT, now, &elapsed);
  if (result != SUCCESS) {
    return result;
  }
  uint32_t mid = game_midpoint(record);
  if (answered != mid) {
    return ERROR_STALE_MOVE;
  }
  if (agree != 0) {
    borsh_write_u32(record + GAME_OFFSET_LO, mid);
    sol_memcpy_(record + GAME_OFFSET_AGREED_ROOT, record + GAME_OFFSET_MID_ROOT, 32);
  } else {
    borsh_write_u32(record + GAME_OFFSET_HI, mid);
    sol_memcpy_(record + GAME_OFFSET_DISPUTED_ROOT, record + GAME_OFFSET_MID_ROOT, 32);
  }
  uint32_t lo = borsh_read_u32(record + GAME_OFFSET_LO);
  uint32_t hi = borsh_read_u32(record + GAME_OFFSET_HI);
  record[GAME_OFFSET_TURN] = hi - lo == 1u ? TURN_CHALLENGER_STEPS : TURN_POSTER_REVEALS;
  clock_charge(record, GAME_OFFSET_CHALLENGER_TIME_LEFT, now, elapsed);
  return SUCCESS;
}

/* Ends the game with `winner`; a challenger's win rejects the batch. */
static void game_decide(uint8_t *record, uint8_t *entry, uint8_t winner) {
  record[GAME_OFFSET_TURN] = TURN_OVER;
  record[GAME_OFFSET_WINNER] = winner;
  if (winner == WINNER_CHALLENGER) {
    entry[BATCH_OFFSET_STATUS] = BATCH_STATUS_REJECTED;
  }
}

/*
 * timeout(height: u64)
 * accounts: game_config, batch (w), game (w); anyone may send it.
 * The party to move (the poster when it must reveal, else the challenger)
 * has spent more than its time left since the last move: the other wins.
 */
static uint64_t process_timeout(SolParameters *params, const uint8_t *data) {
  if (params->accounts_len < 3) {
    return ERROR_NOT_ENOUGH_ACCOUNTS;
  }
  SolAccountInfo *game_config = &params->accounts[0];
  SolAccountInfo *batch = &params->accounts[1];
  SolAccountInfo *game = &params->accounts[2];
  const SolPubkey *program_id = params->program_id;
  uint64_t height = borsh_read_u64(data);
  uint64_t result = check_game_config(game_config, program_id);
  if (result != SUCCESS) {
    return result;
  }
  result = check_writable(batch);
  if (result != SUCCESS) {
    return result;
  }
  result = check_batch(batch, program_id, height);
  if (result != SUCCESS) {
    return result;
  }
  result = check_game(game, program_id, height);
  if (result != SUCCESS) {
    return result;
  }
  uint8_t *record = game->data;
  uint8_t turn = record[GAME_OFFSET_TURN];
  if (turn == TURN_OVER) {
    return ERROR_GAME_OVER;
  }
  bool poster_to_move = turn == TURN_POSTER_REVEALS;
  uint64_t offset = poster_to_move ? GAME_OFFSET_POSTER_TIME_LEFT : GAME_OFFSET_CHALLENGER_TIME_LEFT;
  int64_t elapsed = 0;
  if (clock_elapsed(record, offset, game_now(), &elapsed) == SUCCESS) {
    return ERROR_CLOCK_NOT_EXPIRED;
  }
  game_decide(record, batch->data, poster_to_move ? WINNER_CHALLENGER : WINNER_POSTER);
  return SUCCESS;
}

/*
 * resolve(height: u64)
 * accounts: game_config (w), batch (w), game (w), bond_vault (w), poster (w), challenger (w)
 * A decided game pays out and closes: the challenger, when it won, gets its
 * bond back plus the poster's bond still locked in the batch (the first win
 * takes it; later wins against the same rejected batch get their own bond
 * back); the poster, when it won, gets the challenger's bond. The game
 * account's rent goes back to the challenger who paid it.
 */
static uint64_t process_resolve(SolParameters *params, const uint8_t *data) {
  if (params->accounts_len < 6) {
    return ERROR_NOT_ENOUGH_ACCOUNTS;
  }
  SolAccountInfo *game_config = &params->accounts[0];
  SolAccountInfo *batch = &params->accounts[1];
  SolAccountInfo *game = &params->accounts[2];
  SolAccountInfo *vault = &params->accounts[3];
  SolAccountInfo *poster = &params->accounts[4];
  SolAccountInfo *challenger = &params->accounts[5];
  const SolPubkey *program_id = params->program_id;
  uint64_t height = borsh_read_u64(data);
  uint64_t result = check_config_vault_batch(game_config, vault, batch, program_id, height);
  if (result != SUCCESS) {
    return result;
  }
  result = check_game(game, program_id, height);
  if (result != SUCCESS) {
    return result;
  }
  result = check_writable(poster);
  if (result != SUCCESS) {
    return result;
  }
  result = check_writable(challenger);
  if (result != SUCCESS) {
    return result;
  }
  uint8_t *record = game->data;
  uint8_t *entry = batch->data;
  if (!pubkey_equal(poster->key->bytes, entry + BATCH_OFFSET_POSTER) ||
      !pubkey_equal(challenger->key->bytes, record + GAME_OFFSET_CHALLENGER)) {
    return ERROR_WRONG_ACCOUNT;
  }
  uint8_t winner = record[GAME_OFFSET_WINNER];
  if (record[GAME_OFFSET_TURN] != TURN_OVER || winner == WINNER_NONE) {
    return ERROR_GAME_NOT_OVER;
  }
  uint32_t open_games = borsh_read_u32(entry + BATCH_OFFSET_OPEN_GAMES);
  if (open_games == 0) {
    return ERROR_ARITHMETIC_OVERFLOW; /* an open game always counts itself */
  }

  /* Every check passed. */
  uint64_t game_bond = borsh_read_u64(record + GAME_OFFSET_BOND);
  if (winner == WINNER_CHALLENGER) {
    uint64_t poster_bond = borsh_read_u64(entry + BATCH_OFFSET_BOND);
    result = pay_from_vault(vault, challenger, game_config->data, game_bond + poster_bond);
    if (result != SUCCESS) {
      return result;
    }
    borsh_write_u64(entry + BATCH_OFFSET_BOND, 0);
  } else {
    result = pay_from_vault(vault, poster, game_config->data, game_bond);
    if (result != SUCCESS) {
      return result;
    }
  }
  borsh_write_u32(entry + BATCH_OFFSET_OPEN_GAMES, open_games - 1);
  /* Close the game: its rent to the challenger, its data zeroed; the runtime
   * removes an account left with no lamports at the end of the transaction. */
  uint64_t rent = *game->lamports;
  *game->lamports = 0;
  *challenger->lamports += rent;
  sol_memset_(record, 0, DISPUTE_GAME_SIZE);
  return SUCCESS;
}

/*
 * finalize_root(height: u64)
 * accounts: game_config (w), batch (w), parent_batch, bond_vault (w), poster (w); anyone may send it.
 * The batch becomes Final when it is pending, its challenge period has
 * passed, no game on it is open (every game ended in the poster's favour,
 * else it would be rejected), and its pre root is final: the genesis root at
 * height 1 (parent_batch is then not read), else the post root of the Final
 * batch height - 1. The poster's bond goes back to the poster.
 */
static uint64_t process_finalize_root(SolParameters *params, const uint8_t *data) {
  if (params->accounts_len < 5) {
    return ERROR_NOT_ENOUGH_ACCOUNTS;
  }
  SolAccountInfo *game_config = &params->accounts[0];
  SolAccountInfo *batch = &params->accounts[1];
  SolAccountInfo *parent = &params->accounts[2];
  SolAccountInfo *vault = &params->accounts[3];
  SolAccountInfo *poster = &params->accounts[4];
  const SolPubkey *program_id = params->program_id;
  uint64_t height = borsh_read_u64(data);
  uint64_t result = check_config_vault_batch(game_config, vault, batch, program_id, height);
  if (result != SUCCESS) {
    return result;
  }
  result = check_writable(poster);
  if (result != SUCCESS) {
    return result;
  }
  uint8_t *entry = batch->data;
  if (!pubkey_equal(poster->key->bytes, entry + BATCH_OFFSET_POSTER)) {
    return ERROR_WRONG_ACCOUNT;
  }
  if (entry[BATCH_OFFSET_STATUS] != BATCH_STATUS_PENDING) {
    return ERROR_BATCH_NOT_PENDING;
  }
  uint8_t *state = game_config->data;
  int64_t now = game_now();
  if (now < read_i64(entry + BATCH_OFFSET_POSTED_AT) + read_i64(state + GCFG_OFFSET_CHALLENGE_PERIOD)) {
    return ERROR_CHALLENGE_PERIOD_NOT_OVER;
  }
  if (borsh_read_u32(entry + BATCH_OFFSET_OPEN_GAMES) != 0) {
    return ERROR_OPEN_GAMES;
  }
  if (height <= 1) {
    if (!pubkey_equal(entry + BATCH_OFFSET_PRE_ROOT, state + GCFG_OFFSET_GENESIS_ROOT)) {
      return ERROR_PARENT_NOT_FINAL;
    }
  } else {
    if (!root_is_final(parent, program_id, height - 1, entry + BATCH_OFFSET_PRE_ROOT)) {
      return ERROR_PARENT_NOT_FINAL;
    }
  }

  /* Every check passed. */
  uint64_t bond = borsh_read_u64(entry + BATCH_OFFSET_BOND);
  result = pay_from_vault(vault, poster, state, bond);
  if (result != SUCCESS) {
    return result;
  }
  borsh_write_u64(entry + BATCH_OFFSET_BOND, 0);
  entry[BATCH_OFFSET_STATUS] = BATCH_STATUS_FINAL;
  write_i64(entry + BATCH_OFFSET_FINALIZED_AT, now);
  return SUCCESS;
}

/*
 * step(height: u64, tx_proof: Vec<[u8; 32]>, tx: Vec<u8>, witness: Vec<u8>)
 * accounts: game_config, batch (w), game (w), challenger (s), witness_buffer (optional),
 *           instructions sysvar (anywhere after the first four; step_signature.c)
 * The challenger's last move, at hi = lo + 1: transaction lo (0-based) of the
 * batch, its Merkle proof against the data commitment (exactly
 * ceil(log2 n) siblings), and the witness of osp_execute (one_step.h). When
 * tx and witness are both empty they are read from witness_buffer, as
 * verify_step reads them (step_instruction.c: `tx_len u32 | tx |
 * witness_len u32 | witness`, after the upgradeable loader's 37-byte header
 * when the account is such a buffer). The program runs osp_execute(S_lo, tx,
 * witness): a post root other than S_hi proves S_hi wrong and the challenger
 * wins (the batch is rejected); S_hi itself means the poster was right and
 * wins. Before executing, the transaction's signature is checked
 * (step_signature.c): a valid one must be shown by an Ed25519 precompile
 * instruction in the same Solana transaction (else 6352-6355), a forged one
 * makes the transaction the no-op (status bad-signature).
 * A refused witness (6300 + osp code) or transaction proof
 * (InvalidMerkleProof) refuses the move; the challenger may send another
 * inside its clock.
 */
static uint64_t process_step(SolParameters *params, const uint8_t *data, uint64_t data_len) {
  if (params->accounts_len < 4) {
    return ERROR_NOT_ENOUGH_ACCOUNTS;
  }
  SolAccountInfo *game_config = &params->accounts[0];
  SolAccountInfo *batch = &params->accounts[1];
  SolAccountInfo *game = &params->accounts[2];
  SolAccountInfo *challenger = &params->accounts[3];
  const SolPubkey *program_id = params->program_id;
  if (data_len < 12) {
    return ERROR_INVALID_INSTRUCTION_DATA;
  }
  uint64_t height = borsh_read_u64(data);
  uint64_t proof_len = borsh_read_u32(data + 8);
  if (proof_len > TRACE_MAX_DEPTH || data_len - 12 < 32u * proof_len) {
    return ERROR_INVALID_INSTRUCTION_DATA;
  }
  const uint8_t *proof = data + 12;
  uint64_t offset = 12 + 32u * proof_len;
  OspInput input;
  if (!step_read_vec(data, data_len, &offset, &input.tx, &input.tx_len) ||
      !step_read_vec(data, data_len, &offset, &input.witness, &input.witness_len) || offset != data_len) {
    return ERROR_INVALID_INSTRUCTION_DATA;
  }
  if (input.tx_len == 0 && input.witness_len == 0 && params->accounts_len >= 5) {
    const SolAccountInfo *buffer = &params->accounts[4];
    uint64_t at = step_is_upgradeable_loader(buffer->owner) ? STEP_LOADER_BUFFER_HEADER : 0;
    if (at > buffer->data_len ||
        !step_read_vec(buffer->data, buffer->data_len, &at, &input.tx, &input.tx_len) ||
        !step_read_vec(buffer->data, buffer->data_len, &at, &input.witness, &input.witness_len)) {
      return ERROR_INVALID_INSTRUCTION_DATA;
    }
  }
  uint64_t result = check_game_config(game_config, program_id);
  if (result != SUCCESS) {
    return result;
  }
  result = check_writable(batch);
  if (result != SUCCESS) {
    return result;
  }
  result = check_batch(batch, program_id, height);
  if (result != SUCCESS) {
    return result;
  }
  result = check_game(game, program_id, height);
  if (result != SUCCESS) {
    return result;
  }
  result = check_signer(challenger);
  if (result != SUCCESS) {
    return result;
  }
  uint8_t *record = game->data;
  if (!pubkey_equal(challenger->key->bytes, record + GAME_OFFSET_CHALLENGER)) {
    return ERROR_UNAUTHORIZED;
  }
  if (record[GAME_OFFSET_TURN] != TURN_CHALLENGER_STEPS) {
    return wrong_turn(record);
  }
  int64_t now = game_now();
  int64_t elapsed = 0;
  result = clock_elapsed(record, GAME_OFFSET_CHALLENGER_TIME_LEFT, now, &elapsed);
  if (result != SUCCESS) {
    return result;
  }
  uint8_t *entry = batch->data;
  uint64_t tx_index = borsh_read_u32(record + GAME_OFFSET_LO);
  uint64_t depth = trace_depth((uint64_t)borsh_read_u32(entry + BATCH_OFFSET_TX_COUNT));
  uint8_t leaf[32];
  merkle_leaf_hash(input.tx, input.tx_len, leaf);
  if (proof_len != depth ||
      !merkle_verify(entry + BATCH_OFFSET_DATA_COMMITMENT, leaf, tx_index, proof, depth)) {
    return ERROR_INVALID_MERKLE_PROOF;
  }
  input.pre_root = record + GAME_OFFSET_AGREED_ROOT;
  SmtArena arena;
  smt_arena_init(&arena);
  OspResult step;
  /* The signature first (step_signature.c): a badly signed transaction is the no-op. */
  result = step_execute_signed(params, &input, &arena, &step);
  if (result != SUCCESS) {
    return result;
  }
  bool poster_right = smt_equal32(step.post_root, record + GAME_OFFSET_DISPUTED_ROOT);
  clock_charge(record, GAME_OFFSET_CHALLENGER_TIME_LEFT, now, elapsed);
  game_decide(record, entry, poster_right ? WINNER_POSTER : WINNER_CHALLENGER);
  return SUCCESS;
}

/* Logs the Anchor-style line of a game error code (nothing for others). */
static void log_game_error(uint64_t code) {
  switch (code) {
    case ERROR_CHALLENGE_PERIOD_OVER:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "ChallengePeriodOver. Error Number: 6100. Error Message: "
                                      "The batch's challenge period has passed.");
      break;
    case ERROR_CHALLENGE_PERIOD_NOT_OVER:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "ChallengePeriodNotOver. Error Number: 6101. Error Message: "
                                      "The batch's challenge period has not passed yet.");
      break;
    case ERROR_BATCH_NOT_PENDING:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "BatchNotPending. Error Number: 6102. Error Message: "
                                      "The batch is already final or rejected.");
      break;
    case ERROR_OPEN_GAMES:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "OpenGames. Error Number: 6103. Error Message: "
                                      "A dispute game on the batch is still open.");
      break;
    case ERROR_NOT_YOUR_TURN:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "NotYourTurn. Error Number: 6104. Error Message: "
                                      "This move is not the one the game expects now.");
      break;
    case ERROR_CLOCK_EXPIRED:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "ClockExpired. Error Number: 6105. Error Message: "
                                      "The mover's chess clock has run out.");
      break;
    case ERROR_CLOCK_NOT_EXPIRED:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "ClockNotExpired. Error Number: 6106. Error Message: "
                                      "The party to move still has time left.");
      break;
    case ERROR_INVALID_MERKLE_PROOF:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "InvalidMerkleProof. Error Number: 6107. Error Message: "
                                      "The Merkle proof does not match the commitment.");
      break;
    case ERROR_GAME_OVER:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "GameOver. Error Number: 6108. Error Message: "
                                      "The game already has a winner.");
      break;
    case ERROR_GAME_NOT_OVER:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "GameNotOver. Error Number: 6109. Error Message: "
                                      "The game has no winner yet.");
      break;
    case ERROR_PARENT_NOT_FINAL:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "ParentNotFinal. Error Number: 6110. Error Message: "
                                      "The batch's pre root is not a final root.");
      break;
    case ERROR_EMPTY_BATCH_CHANGES_ROOT:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "EmptyBatchChangesRoot. Error Number: 6111. Error Message: "
                                      "A batch without transactions must keep its pre root.");
      break;
    case ERROR_BATCH_EXISTS:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "BatchExists. Error Number: 6112. Error Message: "
                                      "Only a rejected batch can be posted again.");
      break;
    case ERROR_INVALID_GAME_PARAMS:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "InvalidGameParams. Error Number: 6113. Error Message: "
                                      "Periods, clocks and bonds must be positive.");
      break;
    case ERROR_WRONG_ACCOUNT:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "WrongAccount. Error Number: 6114. Error Message: "
                                      "An account is not the one the batch or game names.");
      break;
    case ERROR_NOTHING_TO_DISPUTE:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "NothingToDispute. Error Number: 6115. Error Message: "
                                      "A batch without transactions cannot be challenged.");
      break;
    case ERROR_STALE_MOVE:
      LOG_LITERAL(ANCHOR_ERROR_PREFIX "StaleMove. Error Number: 6116. Error Message: "
                                      "The move answers another position of the game.");
      break;
    default:
      break;
  }
}

/*
 * The bridge's final root in either settlement mode (issue 13, item 2: the
 * bridge "in both modes"). Included after game.c (it needs the dispute
 * game's accounts); bridge.c's finalize_withdrawal calls it.
 *
 * A rollup is in optimistic mode exactly when its GameConfig PDA
 * ["game-config"] exists (initialize_game ran). finalize_withdrawal names
 * that address as its last account whatever the mode, so the program, not
 * the caller, picks the rule:
 * - no GameConfig (posting mode): `source` is the RootRegistry page and
 *   bridge_final_root's rule holds (registered in an earlier slot);
 * - GameConfig (optimistic mode): `source` must be the OptimisticBatch of
 *   `height`, and its root is final only when the batch is Final
 *   (finalize_root ran: its challenge period passed with every game on it
 *   resolved in the poster's favour, its parent final). A registry root is
 *   refused then (RootNotRegistered): in optimistic mode nothing the poster
 *   registers without a challenge period can pay a withdrawal. A batch a
 *   challenger defeated is Rejected, never Final, so a withdrawal proven
 *   against its root is never paid.
 *
 * Errors: InvalidPda (the last account is not the GameConfig address),
 * RootNotRegistered (not the batch of `height`, or a registry page in
 * optimistic mode), RootNotFinal (the batch is pending or rejected), and
 * bridge_final_root's in posting mode.
 */

static uint64_t withdrawal_final_root(const SolAccountInfo *source, const SolAccountInfo *game_config,
                                      const SolPubkey *program_id, uint64_t height, const uint8_t **root) {
  uint8_t bump = 0;
  SolSignerSeed seeds[1] = {{GAME_CONFIG_SEED, GAME_CONFIG_SEED_LENGTH}};
  uint64_t result = find_derived_address(game_config, seeds, 1, program_id, &bump);
  if (result != SUCCESS) {
    return result;
  }
  if (!pubkey_equal(game_config->owner->bytes, program_id->bytes) || game_config->data_len == 0) {
    SolClock clock;
    sol_memset_(&clock, 0, sizeof(clock));
    sol_get_clock_sysvar(&clock);
    return bridge_final_root(source, program_id, height, clock.slot, root);
  }
  if (check_batch(source, program_id, height) != SUCCESS) {
    return ERROR_ROOT_NOT_REGISTERED;
  }
  if (source->data[BATCH_OFFSET_STATUS] != BATCH_STATUS_FINAL) {
    return ERROR_ROOT_NOT_FINAL;
  }
  *root = source->data + BATCH_OFFSET_POST_ROOT;
  return SUCCESS;
}

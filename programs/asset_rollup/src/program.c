/*
 * AssetRollup: the L1 root registry of the Asset L2, a Solana program in C
 * with Anchor's wire interface (programs/asset_rollup/idl.json).
 *
 * Unity build: this is the only file the build compiles; it includes the rest.
 *   solana_abi.h     input deserialization, CPI structs, syscalls
 *   borsh.h          little-endian fields at unaligned offsets
 *   errors.h         error codes 6000-6016 and their Anchor-style log lines
 *   rent.h           the rent-exempt minimum without floating point
 *   accounts.c       account layouts, checks, PDA creation
 *   instructions.c   the instruction handlers
 *   bridge.h/.c      the bridge: deposit, finalize_withdrawal (smt.c's proofs)
 *   smt.h / smt.c    sparse Merkle multiproofs, batch data proofs
 *   one_step.h / .c  the AssetVM one-step executor (fraud proofs)
 *   step_instruction.c  verify_step
 *   game.h/.c        the dispute game of optimistic settlement
 *   bridge_optimistic.c finalize_withdrawal's final root in either settlement mode
 *   superblock_registry.h/.c  the SBCP superblock registry (errors 6400-6404)
 *
 * Constraints of the target (clang-19, -target bpf -mcpu=v2, SBPFv0): no
 * mutable globals, no function pointers, at most 5 arguments per function,
 * no variable-length __builtin_memcpy (sol_memcpy_ instead), unaligned
 * account fields read byte by byte.
 */
#include "instructions.c"
#include "bridge.c"
#include "step_instruction.c"
#include "game.c"
#include "bridge_optimistic.c"
#include "superblock_registry.c"

/* sha256("global:<name>")[..8] read as little-endian u64 (idl.json "discriminator"). */
#define DISCRIMINATOR_INITIALIZE 0xed9b980d1f6dafafull
#define DISCRIMINATOR_SUBMIT_BATCH_ROOT 0xfd860b3dc23ca918ull
#define DISCRIMINATOR_ROTATE_AUTHORITY 0x0c550f1c2397e1f8ull
#define DISCRIMINATOR_TRANSFER_UPGRADE_AUTHORITY 0xdbfdc43835753452ull
#define DISCRIMINATOR_ACCEPT_UPGRADE_AUTHORITY 0xd21925d8decb3528ull
#define DISCRIMINATOR_PAUSE_POSTING 0x26dbe8d9bfd7eb6cull
#define DISCRIMINATOR_RESUME_POSTING 0xf66587b8c380e5c4ull
#define DISCRIMINATOR_SET_VERSION 0x3537a67ebc1fd737ull

#define DISCRIMINATOR_DEPOSIT 0xb6f2e15289c623f2ull
#define DISCRIMINATOR_FINALIZE_WITHDRAWAL 0xe8a4bac944ce57b2ull
#define DISCRIMINATOR_INITIALIZE_GAME 0xd782d07ef7663e2cull
#define DISCRIMINATOR_POST_BATCH_OPTIMISTIC 0xb0a6dc39dd90e095ull
#define DISCRIMINATOR_CHALLENGE 0xbb5196f4270e6b10ull
#define DISCRIMINATOR_BISECT_REVEAL 0x39599b95e897024aull
#define DISCRIMINATOR_BISECT_CHOOSE 0xe9fd4b2c651c6b00ull
#define DISCRIMINATOR_TIMEOUT 0xf750bd9ca92e3609ull
#define DISCRIMINATOR_RESOLVE 0x0a3a3f6cceec96f6ull
#define DISCRIMINATOR_FINALIZE_ROOT 0x2014f104e4b3d1daull
#define DISCRIMINATOR_STEP 0x25bf204d1dfe3816ull
#define DISCRIMINATOR_INITIALIZE_SUPERBLOCK_REGISTRY 0x009087ec02a5d9dfull
#define DISCRIMINATOR_PUBLISH_SUPERBLOCK 0xa8b7a8484cc23e85ull

#define DISCRIMINATOR_SIZE 8u

/* True when the arguments after the discriminator are exactly `size` bytes. */
static bool arguments_have_size(const SolParameters *params, uint64_t size) {
  return params->data_len == DISCRIMINATOR_SIZE + size;
}

/* The optimistic-settlement instructions (game.c); unknown discriminators end here. */
static uint64_t process_game_instruction(SolParameters *params, uint64_t discriminator,
                                         const uint8_t *arguments) {
  uint64_t size = params->data_len - DISCRIMINATOR_SIZE;
  if (discriminator == DISCRIMINATOR_POST_BATCH_OPTIMISTIC) {
    LOG_LITERAL("Instruction: PostBatchOptimistic");
    if (size != POST_BATCH_OPTIMISTIC_ARGS_SIZE) {
      return ERROR_INVALID_INSTRUCTION_DATA;
    }
    return process_post_batch_optimistic(params, arguments);
  }
  if (discriminator == DISCRIMINATOR_BISECT_REVEAL) {
    LOG_LITERAL("Instruction: BisectReveal");
    return process_bisect_reveal(params, arguments, size);
  }
  if (discriminator == DISCRIMINATOR_STEP) {
    LOG_LITERAL("Instruction: Step");
    return process_step(params, arguments, size);
  }
  if (discriminator == DISCRIMINATOR_BISECT_CHOOSE) {
    LOG_LITERAL("Instruction: BisectChoose");
    if (size != BISECT_CHOOSE_ARGS_SIZE) {
      return ERROR_INVALID_INSTRUCTION_DATA;
    }
    return process_bisect_choose(params, arguments);
  }
  if (discriminator == DISCRIMINATOR_CHALLENGE) {
    LOG_LITERAL("Instruction: Challenge");
    if (size != HEIGHT_ARGS_SIZE) {
      return ERROR_INVALID_INSTRUCTION_DATA;
    }
    return process_challenge(params, arguments);
  }
  if (discriminator == DISCRIMINATOR_TIMEOUT) {
    LOG_LITERAL("Instruction: Timeout");
    if (size != HEIGHT_ARGS_SIZE) {
      return ERROR_INVALID_INSTRUCTION_DATA;
    }
    return process_timeout(params, arguments);
  }
  if (discriminator == DISCRIMINATOR_RESOLVE) {
    LOG_LITERAL("Instruction: Resolve");
    if (size != HEIGHT_ARGS_SIZE) {
      return ERROR_INVALID_INSTRUCTION_DATA;
    }
    return process_resolve(params, arguments);
  }
  if (discriminator == DISCRIMINATOR_FINALIZE_ROOT) {
    LOG_LITERAL("Instruction: FinalizeRoot");
    if (size != HEIGHT_ARGS_SIZE) {
      return ERROR_INVALID_INSTRUCTION_DATA;
    }
    return process_finalize_root(params, arguments);
  }
  if (discriminator == DISCRIMINATOR_INITIALIZE_SUPERBLOCK_REGISTRY) {
    LOG_LITERAL("Instruction: InitializeSuperblockRegistry");
    if (size != INITIALIZE_SUPERBLOCK_REGISTRY_ARGS_SIZE) {
      return ERROR_INVALID_INSTRUCTION_DATA;
    }
    return process_initialize_superblock_registry(params, arguments);
  }
  if (discriminator == DISCRIMINATOR_PUBLISH_SUPERBLOCK) {
    LOG_LITERAL("Instruction: PublishSuperblock");
    /* The fixed arguments, then the blocks: a u32 count and 44 bytes each. */
    if (size < PUBLISH_SUPERBLOCK_FIXED_ARGS_SIZE) {
      return ERROR_INVALID_INSTRUCTION_DATA;
    }
    uint64_t blocks = borsh_read_u32(arguments + PUBLISH_SUPERBLOCK_FIXED_ARGS_SIZE - 4);
    if (size != PUBLISH_SUPERBLOCK_FIXED_ARGS_SIZE + L2_BLOCK_ROOT_SIZE * blocks) {
      return ERROR_INVALID_INSTRUCTION_DATA;
    }
    return process_publish_superblock(params, arguments, blocks);
  }
  if (discriminator == DISCRIMINATOR_INITIALIZE_GAME) {
    LOG_LITERAL("Instruction: InitializeGame");
    if (size != INITIALIZE_GAME_ARGS_SIZE) {
      return ERROR_INVALID_INSTRUCTION_DATA;
    }
    return process_initialize_game(params, arguments);
  }
  return ERROR_INVALID_INSTRUCTION_DATA;
}

static uint64_t process_instruction(SolParameters *params) {
  if (params->data_len < DISCRIMINATOR_SIZE) {
    return ERROR_INVALID_INSTRUCTION_DATA;
  }
  uint64_t discriminator = borsh_read_u64(params->data);
  const uint8_t *arguments = params->data + DISCRIMINATOR_SIZE;
  if (discriminator == DISCRIMINATOR_SUBMIT_BATCH_ROOT) {
    LOG_LITERAL("Instruction: SubmitBatchRoot");
    if (!arguments_have_size(params, SUBMIT_BATCH_ROOT_ARGS_SIZE)) {
      return ERROR_INVALID_INSTRUCTION_DATA;
    }
    return process_submit_batch_root(params, arguments);
  }
  if (discriminator == DISCRIMINATOR_INITIALIZE) {
    LOG_LITERAL("Instruction: Initialize");
    if (!arguments_have_size(params, INITIALIZE_ARGS_SIZE)) {
      return ERROR_INVALID_INSTRUCTION_DATA;
    }
    return process_initialize(params, arguments);
  }
  if (discriminator == DISCRIMINATOR_ROTATE_AUTHORITY) {
    LOG_LITERAL("Instruction: RotateAuthority");
    if (!arguments_have_size(params, PUBKEY_ARGS_SIZE)) {
      return ERROR_INVALID_INSTRUCTION_DATA;
    }
    return process_rotate_authority(params, arguments);
  }
  if (discriminator == DISCRIMINATOR_TRANSFER_UPGRADE_AUTHORITY) {
    LOG_LITERAL("Instruction: TransferUpgradeAuthority");
    if (!arguments_have_size(params, PUBKEY_ARGS_SIZE)) {
      return ERROR_INVALID_INSTRUCTION_DATA;
    }
    return process_transfer_upgrade_authority(params, arguments);
  }
  if (discriminator == DISCRIMINATOR_ACCEPT_UPGRADE_AUTHORITY) {
    LOG_LITERAL("Instruction: AcceptUpgradeAuthority");
    if (!arguments_have_size(params, NO_ARGS_SIZE)) {
      return ERROR_INVALID_INSTRUCTION_DATA;
    }
    return process_accept_upgrade_authority(params);
  }
  if (discriminator == DISCRIMINATOR_PAUSE_POSTING) {
    LOG_LITERAL("Instruction: PausePosting");
    if (!arguments_have_size(params, NO_ARGS_SIZE)) {
      return ERROR_INVALID_INSTRUCTION_DATA;
    }
    return process_set_paused(params, true);
  }
  if (discriminator == DISCRIMINATOR_RESUME_POSTING) {
    LOG_LITERAL("Instruction: ResumePosting");
    if (!arguments_have_size(params, NO_ARGS_SIZE)) {
      return ERROR_INVALID_INSTRUCTION_DATA;
    }
    return process_set_paused(params, false);
  }
  if (discriminator == DISCRIMINATOR_SET_VERSION) {
    LOG_LITERAL("Instruction: SetVersion");
    if (!arguments_have_size(params, SET_VERSION_ARGS_SIZE)) {
      return ERROR_INVALID_INSTRUCTION_DATA;
    }
    return process_set_version(params, arguments);
  }
  if (discriminator == DISCRIMINATOR_DEPOSIT) {
    LOG_LITERAL("Instruction: Deposit");
    if (!arguments_have_size(params, DEPOSIT_ARGS_SIZE)) {
      return ERROR_INVALID_INSTRUCTION_DATA;
    }
    return process_deposit(params, arguments);
  }
  if (discriminator == DISCRIMINATOR_FINALIZE_WITHDRAWAL) {
    LOG_LITERAL("Instruction: FinalizeWithdrawal");
    /* The fixed arguments, then the siblings: a u32 count and 32 bytes each. */
    uint64_t size = params->data_len - DISCRIMINATOR_SIZE;
    if (size < FINALIZE_WITHDRAWAL_FIXED_ARGS_SIZE) {
      return ERROR_INVALID_INSTRUCTION_DATA;
    }
    uint64_t siblings = borsh_read_u32(arguments + FINALIZE_WITHDRAWAL_FIXED_ARGS_SIZE - 4);
    if (siblings > WITHDRAWAL_PROOF_SIBLINGS_MAX || size != FINALIZE_WITHDRAWAL_FIXED_ARGS_SIZE + 32 * siblings) {
      return ERROR_INVALID_INSTRUCTION_DATA;
    }
    return process_finalize_withdrawal(params, arguments);
  }
  if (discriminator == DISCRIMINATOR_VERIFY_STEP) {
    LOG_LITERAL("Instruction: VerifyStep");
    return process_verify_step(params, arguments, params->data_len - DISCRIMINATOR_SIZE);
  }
  return process_game_instruction(params, discriminator, arguments);
}

/* The loader calls this with the serialized input; 0 is success, anything
 * else an error (custom codes 6000-6016 here). */
uint64_t entrypoint(const uint8_t *input) {
  SolParameters params;
  sol_memset_(&params, 0, sizeof(params));
  deserialize_input((uint8_t *)input, &params);
  uint64_t result = process_instruction(&params);
  if (result != SUCCESS) {
    log_error(result);
    log_bridge_error(result);
    log_step_error(result);
    log_game_error(result);
    log_superblock_error(result);
  }
  return result;
}

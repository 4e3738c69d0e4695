/**
 * The syscall names the Solana runtime registers for SBPFv0 programs. A call
 * to one of them is linked as `call -1` plus a dynamic R_BPF_64_32 relocation
 * against an undefined `.dynsym` symbol of that name; the loader hashes the
 * name (murmur3, `ebpf::hash_symbol_name` in anza-xyz/sbpf) and, with
 * `reject_broken_elfs`, refuses the program when the hash is not a registered
 * syscall (`ElfError::UnresolvedSymbol` in sbpf `src/elf.rs`). Source of the
 * names: agave `programs/bpf_loader/src/syscalls/mod.rs`,
 * `create_program_runtime_environment_v1`; some are feature-gated, so a name
 * being listed here does not promise that every runtime version has it.
 */
export const KNOWN_SYSCALLS: readonly string[] = [
  "abort",
  "sol_panic_",
  "sol_log_",
  "sol_log_64_",
  "sol_log_compute_units_",
  "sol_log_pubkey",
  "sol_log_data",
  "sol_create_program_address",
  "sol_try_find_program_address",
  "sol_sha256",
  "sol_keccak256",
  "sol_blake3",
  "sol_secp256k1_recover",
  "sol_poseidon",
  "sol_big_mod_exp",
  "sol_alt_bn128_group_op",
  "sol_alt_bn128_compression",
  "sol_curve_validate_point",
  "sol_curve_group_op",
  "sol_curve_multiscalar_mul",
  "sol_get_clock_sysvar",
  "sol_get_epoch_schedule_sysvar",
  "sol_get_fees_sysvar",
  "sol_get_rent_sysvar",
  "sol_get_last_restart_slot",
  "sol_get_epoch_rewards_sysvar",
  "sol_get_sysvar",
  "sol_get_epoch_stake",
  "sol_memcpy_",
  "sol_memmove_",
  "sol_memset_",
  "sol_memcmp_",
  "sol_invoke_signed_c",
  "sol_invoke_signed_rust",
  "sol_set_return_data",
  "sol_get_return_data",
  "sol_get_processed_sibling_instruction",
  "sol_get_stack_height",
  "sol_remaining_compute_units",
  "sol_alloc_free_",
];

/**
 * The SBF linker: turns one relocatable BPF object from clang into the legacy
 * Solana shared object (SBPFv0) that litesvm and solana-bankrun load.
 * See {@link linkSbf}.
 */
export { linkSbf, type LinkSbfOptions } from "./link.js";
export { SbfLinkError, type SbfLinkErrorCode } from "./errors.js";
export { KNOWN_SYSCALLS } from "./syscalls.js";

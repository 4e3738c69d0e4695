/**
 * The one error type of the SBF linker. Every rejection of an input object
 * names what is wrong through {@link SbfLinkError.code} and a message that
 * says where (section, symbol, offset), so a build log is enough to fix it.
 */

/** What the linker refused. */
export type SbfLinkErrorCode =
  /** The input does not start with the ELF magic bytes or is too short for a header. */
  | "not-elf"
  /** The input is not ELF64 (`EI_CLASS` is not `ELFCLASS64`). */
  | "wrong-class"
  /** The input is not little endian (`EI_DATA` is not `ELFDATA2LSB`). */
  | "wrong-endianness"
  /** `e_machine` is not EM_BPF (247). */
  | "wrong-machine"
  /** `e_type` is not ET_REL: the linker takes one relocatable object, not an executable or shared object. */
  | "wrong-type"
  /** A header, table or section points outside the file or has an impossible size. */
  | "malformed"
  /** A `.data`/`.bss`-like section (allocated and writable, or NOBITS) with content, or a COMMON symbol: Solana programs have no mutable globals. */
  | "writable-section"
  /** A section kind the linker does not know how to place (e.g. RELA relocations, TLS). */
  | "unsupported-section"
  /** A symbol used by a relocation is undefined and is not a known syscall (or is used as data). */
  | "undefined-symbol"
  /** A relocation type that has no meaning in a Solana program, or one at a place that cannot take it. */
  | "unsupported-relocation"
  /** No defined function symbol named `entrypoint` in executable code. */
  | "missing-entrypoint"
  /** A call target lies outside `.text`, or an address does not fit its field. */
  | "out-of-range";

/** Raised by {@link linkSbf} for every input it refuses; `code` says which rule was broken. */
export class SbfLinkError extends Error {
  /** Which rule the input broke. */
  readonly code: SbfLinkErrorCode;

  constructor(code: SbfLinkErrorCode, message: string) {
    super(`sbf-linker: ${message}`);
    this.name = "SbfLinkError";
    this.code = code;
  }
}

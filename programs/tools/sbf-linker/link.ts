/**
 * `linkSbf`: one relocatable BPF object in, one Solana SBPFv0 shared object
 * out. The steps, one file each: read the object (`elf-reader.ts`), place its
 * sections (`layout.ts`), resolve its relocations (`relocations.ts`), write
 * the shared object (`elf-writer.ts`).
 */
import { SHN_COMMON, SHN_UNDEF, STT_FILE, STT_SECTION } from "./elf-constants.js";
import { readRelocatableObject, type InputSymbol, type RelocatableObject } from "./elf-reader.js";
import { TEXT_OFFSET, writeSharedObject } from "./elf-writer.js";
import { SbfLinkError } from "./errors.js";
import { layOut, type Layout } from "./layout.js";
import { applyRelocations } from "./relocations.js";
import { KNOWN_SYSCALLS } from "./syscalls.js";

/** Options of {@link linkSbf}; the defaults fit a C program built as `programs/tools/build-program.ts` does. */
export interface LinkSbfOptions {
  /** The symbol the program starts at. Default `"entrypoint"`, the name the Solana C SDK uses. */
  readonly entrypoint?: string;
  /** Syscall names to accept besides {@link KNOWN_SYSCALLS} (e.g. one a newer runtime added). */
  readonly extraSyscalls?: readonly string[];
}

/**
 * Links one relocatable ELF64 BPF object, as written by
 * `clang-19 -target bpf -mcpu=v2 -O2 -c`, into the legacy Solana shared
 * object (SBPFv0) that litesvm and solana-bankrun load.
 *
 * Rules (anza-xyz/sbpf `src/elf.rs` and `src/elf_parser/mod.rs`; gABI):
 * ET_DYN, EM_BPF, `e_flags` 0; one `.text` holding every executable section;
 * one `.rodata` holding every read-only data section; `sh_addr` equal to the
 * file offset; no writable data; internal calls as pc-relative `call imm`;
 * syscalls as `call -1` plus a dynamic R_BPF_64_32 against an undefined
 * `.dynsym` symbol; data addresses resolved to `0x1_0000_0000 + file offset`;
 * `e_entry` at the entrypoint symbol.
 *
 * The output depends only on the input bytes and the options: linking twice
 * gives the same bytes.
 *
 * @param object - the bytes of the `.o` file.
 * @param options - see {@link LinkSbfOptions}.
 * @returns the bytes of the `.so` file.
 * @throws SbfLinkError naming the problem, for any input it cannot link.
 */
export function linkSbf(object: Uint8Array, options: LinkSbfOptions = {}): Uint8Array {
  const entrypoint = options.entrypoint ?? "entrypoint";
  const syscalls = new Set([...KNOWN_SYSCALLS, ...(options.extraSyscalls ?? [])]);
  const parsed = readRelocatableObject(object);
  checkSymbols(parsed, syscalls);
  const layout = layOut(parsed, TEXT_OFFSET);
  const entryOffset = findEntrypoint(parsed, layout, entrypoint);
  const syscallSites = applyRelocations(parsed, layout, syscalls);
  return writeSharedObject({ layout, entryOffset, syscallSites });
}

/**
 * Refuses COMMON symbols (uninitialized mutable globals) and undefined
 * symbols that are not syscalls, naming all of them at once.
 */
function checkSymbols(object: RelocatableObject, syscalls: ReadonlySet<string>): void {
  const common = object.symbols.filter((symbol) => symbol.sectionIndex === SHN_COMMON).map((symbol) => symbol.name);
  if (common.length > 0) {
    throw new SbfLinkError(
      "writable-section",
      `COMMON symbol(s) ${common.join(", ")}: uninitialized mutable globals; Solana programs cannot have writable globals`,
    );
  }
  const undefinedNames = object.symbols
    .filter((symbol) => isNamedUndefined(symbol) && !syscalls.has(symbol.name))
    .map((symbol) => symbol.name)
    .sort();
  if (undefinedNames.length > 0) {
    throw new SbfLinkError(
      "undefined-symbol",
      `undefined symbol(s) ${undefinedNames.join(", ")}: neither defined in the object nor a known syscall`,
    );
  }
}

function isNamedUndefined(symbol: InputSymbol): boolean {
  return symbol.index !== 0 && symbol.sectionIndex === SHN_UNDEF && symbol.name !== "" && symbol.type !== STT_FILE && symbol.type !== STT_SECTION;
}

/** The file offset of the entrypoint: a symbol of that name defined in executable code, global ones first. */
function findEntrypoint(object: RelocatableObject, layout: Layout, name: string): number {
  const candidates = object.symbols
    .filter((symbol) => symbol.name === name && layout.executable.has(symbol.sectionIndex))
    .sort((a, b) => b.binding - a.binding || a.index - b.index);
  const symbol = candidates[0];
  if (symbol === undefined) {
    throw new SbfLinkError("missing-entrypoint", `no function named ${name} in executable code: define \`uint64_t ${name}(const uint8_t *input)\``);
  }
  const offset = layout.placement.get(symbol.sectionIndex)! + symbol.value;
  if ((offset - layout.textOffset) % 8 !== 0 || offset >= layout.textOffset + layout.textSize) {
    throw new SbfLinkError("out-of-range", `${name} (file offset 0x${offset.toString(16)}) is not an instruction of .text`);
  }
  return offset;
}

/**
 * Decides where each loaded input section goes in the output file: all
 * executable sections, concatenated, form the one `.text`; all read-only data
 * sections, concatenated, form the one `.rodata` right after it. Everything
 * else is either dropped (not loaded: symbols, strings, relocations, debug
 * info) or refused (mutable data). The rules come from the SBPFv0 loader,
 * anza-xyz/sbpf `src/elf.rs`: `Executable::validate` requires exactly one
 * section named `.text` and refuses `.bss*` and writable `.data*` sections;
 * `parse_ro_sections` maps only `.text`, `.rodata`, `.data.rel.ro` and
 * `.eh_frame`, each at its `sh_addr`, which must equal its `sh_offset`.
 */
import { INSN_SIZE, SHF_ALLOC, SHF_EXECINSTR, SHF_TLS, SHF_WRITE, SHT_NOBITS, SHT_PROGBITS } from "./elf-constants.js";
import type { InputSection, RelocatableObject } from "./elf-reader.js";
import { SbfLinkError } from "./errors.js";

/** What becomes of an input section. */
export type SectionRole = "text" | "rodata" | "drop";

/** Where the loaded sections of the input ended up. */
export interface Layout {
  /** File offset (= `sh_addr`) of the merged `.text`. */
  readonly textOffset: number;
  readonly textSize: number;
  /** File offset (= `sh_addr`) of the merged `.rodata`; equal to the end of `.text` when there is none. */
  readonly rodataOffset: number;
  /** 0 when the program has no read-only data. */
  readonly rodataSize: number;
  /**
   * The output file's first `rodataOffset + rodataSize` bytes: the merged
   * sections at their offsets, zeros elsewhere (the headers are written later).
   * Relocation patches this buffer in place.
   */
  readonly image: Uint8Array;
  /** File offset of every placed input section, by input section index. */
  readonly placement: ReadonlyMap<number, number>;
  /** The indices of the input sections that went into `.text`. */
  readonly executable: ReadonlySet<number>;
}

/**
 * Says what becomes of one input section.
 *
 * @throws SbfLinkError `writable-section` for mutable data with content
 *   (a `.data`/`.bss` section: the SBPFv0 loader has no writable program
 *   memory, `WritableSectionNotSupported` in sbpf), `unsupported-section` for
 *   thread-local or other loaded sections the linker cannot place.
 */
export function classifySection(section: InputSection): SectionRole {
  if ((section.flags & SHF_ALLOC) === 0) return "drop";
  if ((section.flags & SHF_TLS) !== 0) {
    throw new SbfLinkError("unsupported-section", `section ${section.name} is thread-local storage`);
  }
  if ((section.flags & SHF_EXECINSTR) !== 0) {
    if (section.type !== SHT_PROGBITS) {
      throw new SbfLinkError("unsupported-section", `executable section ${section.name} has type ${section.type}, expected PROGBITS`);
    }
    return "text";
  }
  // Pointer tables of position-independent code: writable only until relocated,
  // and the linker relocates them itself, so they are read-only data here.
  const relocatedReadOnly = section.name === ".data.rel.ro" || section.name.startsWith(".data.rel.ro.");
  if (section.type === SHT_NOBITS || ((section.flags & SHF_WRITE) !== 0 && !relocatedReadOnly)) {
    if (section.size === 0) return "drop";
    throw new SbfLinkError(
      "writable-section",
      `section ${section.name} (${section.size} bytes) is mutable data; Solana programs cannot have writable globals ` +
        "(make the data const, or keep it on the stack or in an account)",
    );
  }
  if (section.type !== SHT_PROGBITS) {
    throw new SbfLinkError("unsupported-section", `loaded section ${section.name} has type ${section.type}, which the linker cannot place`);
  }
  return "rodata";
}

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

/**
 * Places the loaded sections of `object`, `.text` first at `textOffset`.
 *
 * @param object - the parsed input.
 * @param textOffset - where `.text` starts in the output (right after the headers), a multiple of 8.
 */
export function layOut(object: RelocatableObject, textOffset: number): Layout {
  const textSections: InputSection[] = [];
  const rodataSections: InputSection[] = [];
  for (const section of object.sections) {
    if (section.index === 0) continue;
    const role = classifySection(section);
    if (role === "text") textSections.push(section);
    if (role === "rodata") rodataSections.push(section);
  }

  const placement = new Map<number, number>();
  let cursor = textOffset;
  for (const section of textSections) {
    if (section.size % INSN_SIZE !== 0) {
      throw new SbfLinkError("malformed", `executable section ${section.name} is ${section.size} bytes, not a whole number of instructions`);
    }
    cursor = alignUp(cursor, Math.max(INSN_SIZE, section.alignment));
    placement.set(section.index, cursor);
    cursor += section.size;
  }
  const textSize = cursor - textOffset;
  const rodataOffset = alignUp(cursor, 8);
  cursor = rodataOffset;
  for (const section of rodataSections) {
    cursor = alignUp(cursor, section.alignment);
    placement.set(section.index, cursor);
    cursor += section.size;
  }
  const rodataSize = cursor - rodataOffset;

  const image = new Uint8Array(cursor);
  for (const section of [...textSections, ...rodataSections]) {
    image.set(section.data, placement.get(section.index)!);
  }
  return {
    textOffset,
    textSize,
    rodataOffset,
    rodataSize,
    image,
    placement,
    executable: new Set(textSections.map((section) => section.index)),
  };
}

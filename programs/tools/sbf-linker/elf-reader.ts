/**
 * Reads one relocatable ELF64 little-endian BPF object (what
 * `clang -target bpf -c` writes): its sections, symbols and REL relocations.
 * It checks the structure (every header, table and string inside the file)
 * and the identity of the file (class, byte order, machine, type); what may
 * be linked is decided by the layout and relocation steps. Field layouts are
 * those of the gABI ("ELF-64 Object File Format").
 */
import {
  EHDR_SIZE,
  ELFCLASS64,
  ELFDATA2LSB,
  ELF_MAGIC,
  EM_BPF,
  ET_REL,
  REL_SIZE,
  SHDR_SIZE,
  SHF_ALLOC,
  SHN_LORESERVE,
  SHN_UNDEF,
  SHN_XINDEX,
  SHT_NOBITS,
  SHT_REL,
  SHT_RELA,
  SHT_STRTAB,
  SHT_SYMTAB,
  SYM_SIZE,
} from "./elf-constants.js";
import { SbfLinkError } from "./errors.js";

/** One section header of the input, with its bytes (empty for NOBITS). */
export interface InputSection {
  readonly index: number;
  readonly name: string;
  readonly type: number;
  /** The low 32 bits of `sh_flags` (every flag the linker looks at lives there). */
  readonly flags: number;
  readonly offset: number;
  readonly size: number;
  /** `sh_addralign`, at least 1. */
  readonly alignment: number;
  readonly link: number;
  readonly info: number;
  readonly entrySize: number;
  readonly data: Uint8Array;
}

/** One `.symtab` entry of the input. */
export interface InputSymbol {
  readonly index: number;
  readonly name: string;
  /** `st_value`: for a defined symbol of a relocatable object, its offset in its section. */
  readonly value: number;
  readonly size: number;
  /** `st_info >> 4`. */
  readonly binding: number;
  /** `st_info & 0xf`. */
  readonly type: number;
  /** `st_shndx`: the section it is defined in, or SHN_UNDEF / SHN_ABS / SHN_COMMON. */
  readonly sectionIndex: number;
}

/** One REL entry (no explicit addend: BPF objects keep the addend in the patched bytes). */
export interface InputRelocation {
  /** Offset of the patched place inside the target section. */
  readonly offset: number;
  readonly type: number;
  readonly symbolIndex: number;
}

/** The parts of a relocatable object the linker uses. */
export interface RelocatableObject {
  readonly sections: readonly InputSection[];
  readonly symbols: readonly InputSymbol[];
  /** The REL entries that patch each section, by the patched section's index, in file order. */
  readonly relocations: ReadonlyMap<number, readonly InputRelocation[]>;
}

const decoder = new TextDecoder("utf-8", { fatal: false });

function malformed(message: string): SbfLinkError {
  return new SbfLinkError("malformed", message);
}

/** Reads a u64 that must be usable as a JavaScript number (offsets, sizes). */
function readSize(view: DataView, at: number, what: string): number {
  const value = view.getBigUint64(at, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw malformed(`${what} is too large (${value})`);
  }
  return Number(value);
}

function checkRange(fileSize: number, offset: number, size: number, what: string): void {
  if (offset < 0 || size < 0 || offset + size > fileSize) {
    throw malformed(`${what} (offset ${offset}, size ${size}) lies outside the ${fileSize}-byte file`);
  }
}

function readString(table: Uint8Array, offset: number, what: string): string {
  if (offset >= table.length) {
    if (offset === 0 && table.length === 0) return "";
    throw malformed(`${what}: name offset ${offset} is outside its string table (${table.length} bytes)`);
  }
  const end = table.indexOf(0, offset);
  if (end < 0) throw malformed(`${what}: name at offset ${offset} is not NUL-terminated`);
  return decoder.decode(table.subarray(offset, end));
}

/**
 * Checks the identity of the input and parses it.
 *
 * @param bytes - the whole object file.
 * @returns its sections, symbols and relocations.
 * @throws SbfLinkError `not-elf`, `wrong-class`, `wrong-endianness`,
 *   `wrong-machine`, `wrong-type`, `malformed` or `unsupported-section`.
 */
export function readRelocatableObject(bytes: Uint8Array): RelocatableObject {
  if (bytes.length < 16 || ELF_MAGIC.some((byte, i) => bytes[i] !== byte)) {
    throw new SbfLinkError("not-elf", "the input is not an ELF file (no \\x7fELF magic)");
  }
  if (bytes[4] !== ELFCLASS64) {
    throw new SbfLinkError("wrong-class", `the input is not ELF64 (EI_CLASS = ${bytes[4]}, expected ${ELFCLASS64})`);
  }
  if (bytes[5] !== ELFDATA2LSB) {
    throw new SbfLinkError(
      "wrong-endianness",
      `the input is not little endian (EI_DATA = ${bytes[5]}, expected ${ELFDATA2LSB}); compile with -target bpf (or bpfel), not bpfeb`,
    );
  }
  if (bytes.length < EHDR_SIZE) throw malformed(`the file is ${bytes.length} bytes, shorter than an ELF64 header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const machine = view.getUint16(18, true);
  if (machine !== EM_BPF) {
    throw new SbfLinkError("wrong-machine", `e_machine is ${machine}, expected EM_BPF (${EM_BPF}); compile with -target bpf`);
  }
  const type = view.getUint16(16, true);
  if (type !== ET_REL) {
    throw new SbfLinkError("wrong-type", `e_type is ${type}, expected ET_REL (${ET_REL}): give the linker the object from clang -c`);
  }

  const sectionHeaderOffset = readSize(view, 40, "e_shoff");
  const sectionHeaderSize = view.getUint16(58, true);
  const sectionCount = view.getUint16(60, true);
  const namesIndex = view.getUint16(62, true);
  if (sectionCount === 0 || sectionHeaderOffset === 0) throw malformed("the object has no section header table");
  if (sectionHeaderSize !== SHDR_SIZE) throw malformed(`e_shentsize is ${sectionHeaderSize}, expected ${SHDR_SIZE}`);
  if (namesIndex === SHN_XINDEX || namesIndex >= sectionCount) {
    throw malformed(`e_shstrndx ${namesIndex} is not a section of the ${sectionCount}`);
  }
  checkRange(bytes.length, sectionHeaderOffset, sectionCount * SHDR_SIZE, "the section header table");

  interface RawSection {
    nameOffset: number;
    type: number;
    flags: number;
    offset: number;
    size: number;
    alignment: number;
    link: number;
    info: number;
    entrySize: number;
  }
  const raw: RawSection[] = [];
  for (let index = 0; index < sectionCount; index += 1) {
    const at = sectionHeaderOffset + index * SHDR_SIZE;
    const section: RawSection = {
      nameOffset: view.getUint32(at, true),
      type: view.getUint32(at + 4, true),
      flags: Number(view.getBigUint64(at + 8, true) & 0xffff_ffffn),
      offset: readSize(view, at + 24, `section ${index} sh_offset`),
      size: readSize(view, at + 32, `section ${index} sh_size`),
      alignment: Math.max(1, readSize(view, at + 48, `section ${index} sh_addralign`)),
      link: view.getUint32(at + 40, true),
      info: view.getUint32(at + 44, true),
      entrySize: readSize(view, at + 56, `section ${index} sh_entsize`),
    };
    if (index > 0 && section.type !== SHT_NOBITS) {
      checkRange(bytes.length, section.offset, section.size, `section ${index}`);
    }
    raw.push(section);
  }
  const dataOf = (section: RawSection): Uint8Array =>
    section.type === SHT_NOBITS ? new Uint8Array(0) : bytes.subarray(section.offset, section.offset + section.size);

  const namesSection = raw[namesIndex]!;
  if (namesSection.type !== SHT_STRTAB) throw malformed(`the section name table (section ${namesIndex}) is not SHT_STRTAB`);
  const names = dataOf(namesSection);
  const sections: InputSection[] = raw.map((section, index) => ({
    index,
    name: index === 0 ? "" : readString(names, section.nameOffset, `section ${index}`),
    type: section.type,
    flags: section.flags,
    offset: section.offset,
    size: section.size,
    alignment: section.alignment,
    link: section.link,
    info: section.info,
    entrySize: section.entrySize,
    data: index === 0 ? new Uint8Array(0) : dataOf(section),
  }));

  const symbolTables = sections.filter((section) => section.type === SHT_SYMTAB);
  if (symbolTables.length > 1) throw malformed(`the object has ${symbolTables.length} symbol tables, expected one`);
  const symbolTable = symbolTables[0];
  const symbols = symbolTable === undefined ? [] : readSymbols(sections, symbolTable);

  const relocations = new Map<number, InputRelocation[]>();
  for (const section of sections) {
    if (section.type !== SHT_REL && section.type !== SHT_RELA) continue;
    const target = sections[section.info];
    if (target === undefined || section.info === 0) {
      throw malformed(`relocation section ${section.name} patches section ${section.info}, which does not exist`);
    }
    // Relocations of sections that are not loaded (debug info, BTF) are not linked.
    if ((target.flags & SHF_ALLOC) === 0) continue;
    if (section.type === SHT_RELA) {
      throw new SbfLinkError(
        "unsupported-section",
        `${section.name} holds RELA relocations for ${target.name}; BPF objects use REL (implicit addends)`,
      );
    }
    if (symbolTable === undefined || section.link !== symbolTable.index) {
      throw malformed(`relocation section ${section.name} does not refer to the symbol table`);
    }
    if (section.size % REL_SIZE !== 0) throw malformed(`${section.name} is not a whole number of ${REL_SIZE}-byte entries`);
    const entries = relocations.get(target.index) ?? [];
    const relocationView = new DataView(section.data.buffer, section.data.byteOffset, section.data.byteLength);
    for (let at = 0; at < section.size; at += REL_SIZE) {
      const info = relocationView.getBigUint64(at + 8, true);
      const symbolIndex = Number(info >> 32n);
      if (symbolIndex >= symbols.length) {
        throw malformed(`${section.name} entry ${at / REL_SIZE} refers to symbol ${symbolIndex} of ${symbols.length}`);
      }
      entries.push({
        offset: readSize(relocationView, at, `${section.name} r_offset`),
        type: Number(info & 0xffff_ffffn),
        symbolIndex,
      });
    }
    relocations.set(target.index, entries);
  }

  return { sections, symbols, relocations };
}

function readSymbols(sections: readonly InputSection[], table: InputSection): InputSymbol[] {
  if (table.size % SYM_SIZE !== 0) throw malformed(`${table.name} is not a whole number of ${SYM_SIZE}-byte symbols`);
  const strings = sections[table.link];
  if (strings === undefined || strings.type !== SHT_STRTAB) {
    throw malformed(`${table.name} links to section ${table.link}, which is not a string table`);
  }
  const view = new DataView(table.data.buffer, table.data.byteOffset, table.data.byteLength);
  const symbols: InputSymbol[] = [];
  for (let at = 0; at < table.size; at += SYM_SIZE) {
    const index = at / SYM_SIZE;
    const info = view.getUint8(at + 4);
    const sectionIndex = view.getUint16(at + 6, true);
    const name = readString(strings.data, view.getUint32(at, true), `symbol ${index}`);
    if (sectionIndex === SHN_XINDEX) {
      throw new SbfLinkError("unsupported-section", `symbol ${name || index} uses extended section indices (SHN_XINDEX)`);
    }
    if (sectionIndex !== SHN_UNDEF && sectionIndex < SHN_LORESERVE && sectionIndex >= sections.length) {
      throw malformed(`symbol ${name || index} is defined in section ${sectionIndex}, which does not exist`);
    }
    symbols.push({
      index,
      name,
      value: readSize(view, at + 8, `symbol ${name || index} st_value`),
      size: readSize(view, at + 16, `symbol ${name || index} st_size`),
      binding: info >> 4,
      type: info & 0xf,
      sectionIndex,
    });
  }
  return symbols;
}

/**
 * Writes the legacy Solana shared object (SBPFv0) around the relocated text
 * and read-only data. The file, in order:
 *
 * | part | why |
 * | --- | --- |
 * | ELF header | ELF64, little endian, OSABI 0, ET_DYN, EM_BPF, `e_flags` 0 (= SBPFv0), `e_entry` in `.text` |
 * | PT_LOAD, PT_DYNAMIC | one read+execute segment over every loaded section; the dynamic table |
 * | `.text`, `.rodata` | at `sh_addr == sh_offset`, as `parse_ro_sections` requires |
 * | `.dynamic` | DT_SYMTAB, DT_SYMENT, DT_STRTAB, DT_STRSZ, and DT_REL, DT_RELSZ, DT_RELENT when there are syscalls |
 * | `.dynsym`, `.dynstr` | the null symbol, then one undefined global per syscall, by name |
 * | `.rel.dyn` | one R_BPF_64_32 per syscall call site, by offset |
 * | `.shstrtab`, section headers | section names and the section header table |
 *
 * Sources: anza-xyz/sbpf `src/elf.rs` (`Executable::load`, `validate`,
 * `relocate`, `parse_ro_sections`) and `src/elf_parser/mod.rs` (`Elf64::parse`:
 * sections in ascending, non-overlapping file order; tables 8-byte aligned;
 * DT_REL found through a program header, DT_SYMTAB through the section whose
 * `sh_addr` equals it; DT_RELSZ non-zero and DT_RELENT = 16 when DT_REL is
 * present; section names under 16 bytes); the gABI for every structure.
 * Nothing depends on time, paths or the host: the same input gives the same bytes.
 */
import {
  DT_NULL,
  DT_REL,
  DT_RELENT,
  DT_RELSZ,
  DT_STRSZ,
  DT_STRTAB,
  DT_SYMENT,
  DT_SYMTAB,
  DYN_SIZE,
  EHDR_SIZE,
  ELFCLASS64,
  ELFDATA2LSB,
  ELFOSABI_NONE,
  ELF_MAGIC,
  EM_BPF,
  ET_DYN,
  EV_CURRENT,
  PF_R,
  PF_X,
  PHDR_SIZE,
  PT_DYNAMIC,
  PT_LOAD,
  REL_SIZE,
  R_BPF_64_32,
  SHDR_SIZE,
  SHF_ALLOC,
  SHF_EXECINSTR,
  SHT_DYNAMIC,
  SHT_DYNSYM,
  SHT_PROGBITS,
  SHT_REL,
  SHT_STRTAB,
  STB_GLOBAL,
  STT_NOTYPE,
  SYM_SIZE,
} from "./elf-constants.js";
import type { Layout } from "./layout.js";
import type { SyscallSite } from "./relocations.js";

/** The number of program headers the output has: PT_LOAD and PT_DYNAMIC. */
const PROGRAM_HEADER_COUNT = 2;

/** Where `.text` starts: right after the ELF header and the program headers (176, a multiple of 8). */
export const TEXT_OFFSET = EHDR_SIZE + PROGRAM_HEADER_COUNT * PHDR_SIZE;

/** What the writer needs besides the layout. */
export interface SharedObjectInput {
  readonly layout: Layout;
  /** File offset of the entrypoint's first instruction (becomes `e_entry`). */
  readonly entryOffset: number;
  /** Syscall call sites, in file order. */
  readonly syscallSites: readonly SyscallSite[];
}

interface OutputSection {
  readonly name: string;
  readonly type: number;
  readonly flags: number;
  /** Non-zero only for loaded sections, and then equal to `offset`. */
  readonly address: number;
  readonly offset: number;
  readonly size: number;
  readonly link: number;
  readonly info: number;
  readonly alignment: number;
  readonly entrySize: number;
}

function alignUp(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

/**
 * Assembles the output file.
 *
 * @returns the bytes of the shared object.
 */
export function writeSharedObject(input: SharedObjectInput): Uint8Array {
  const { layout } = input;
  const encoder = new TextEncoder();

  // Dynamic symbols: the null symbol, then one per distinct syscall name, sorted.
  const syscallNames = [...new Set(input.syscallSites.map((site) => site.name))].sort();
  const dynamicStrings: number[] = [0];
  const nameOffsets = new Map<string, number>();
  for (const name of syscallNames) {
    nameOffsets.set(name, dynamicStrings.length);
    dynamicStrings.push(...encoder.encode(name), 0);
  }
  const symbolIndex = new Map(syscallNames.map((name, i) => [name, i + 1]));
  const hasRelocations = input.syscallSites.length > 0;

  // Offsets of the parts after the merged text and rodata.
  const dynamicEntryCount = 4 + (hasRelocations ? 3 : 0) + 1;
  const dynamicOffset = alignUp(layout.rodataOffset + layout.rodataSize, 8);
  const dynamicSize = dynamicEntryCount * DYN_SIZE;
  const dynsymOffset = dynamicOffset + dynamicSize;
  const dynsymSize = (syscallNames.length + 1) * SYM_SIZE;
  const dynstrOffset = dynsymOffset + dynsymSize;
  const dynstrSize = dynamicStrings.length;
  const relOffset = alignUp(dynstrOffset + dynstrSize, 8);
  const relSize = input.syscallSites.length * REL_SIZE;
  const loadEnd = hasRelocations ? relOffset + relSize : dynstrOffset + dynstrSize;

  // Section indices are fixed by which optional sections exist.
  const textIndex = 1;
  const rodataIndex = layout.rodataSize > 0 ? textIndex + 1 : textIndex;
  const dynamicIndex = rodataIndex + 1;
  const dynsymIndex = dynamicIndex + 1;
  const dynstrIndex = dynsymIndex + 1;
  const relIndex = hasRelocations ? dynstrIndex + 1 : dynstrIndex;
  const shstrtabIndex = relIndex + 1;

  // The non-loaded .shstrtab has address 0; every loaded section has address == offset.
  const header = (name: string, type: number, flags: number, offset: number, size: number, alignment: number, extra: Partial<OutputSection> = {}): OutputSection =>
    ({ name, type, flags, address: (flags & SHF_ALLOC) !== 0 ? offset : 0, offset, size, link: 0, info: 0, alignment, entrySize: 0, ...extra });
  const sectionNamesList = ["", ".text", ".rodata", ".dynamic", ".dynsym", ".dynstr", ".rel.dyn", ".shstrtab"];
  const sectionNames: number[] = [0];
  const sectionNameOffsets = new Map<string, number>([["", 0]]);
  for (const name of sectionNamesList.slice(1)) {
    if (name === ".rodata" && layout.rodataSize === 0) continue;
    if (name === ".rel.dyn" && !hasRelocations) continue;
    sectionNameOffsets.set(name, sectionNames.length);
    sectionNames.push(...encoder.encode(name), 0);
  }
  const shstrtabOffset = loadEnd;
  const sections: OutputSection[] = [
    header("", 0, 0, 0, 0, 0),
    header(".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, layout.textOffset, layout.textSize, 8),
    ...(layout.rodataSize > 0 ? [header(".rodata", SHT_PROGBITS, SHF_ALLOC, layout.rodataOffset, layout.rodataSize, 8)] : []),
    header(".dynamic", SHT_DYNAMIC, SHF_ALLOC, dynamicOffset, dynamicSize, 8, { link: dynstrIndex, entrySize: DYN_SIZE }),
    // sh_info of a symbol table: one past the last local symbol (only the null symbol is local).
    header(".dynsym", SHT_DYNSYM, SHF_ALLOC, dynsymOffset, dynsymSize, 8, { link: dynstrIndex, info: 1, entrySize: SYM_SIZE }),
    header(".dynstr", SHT_STRTAB, SHF_ALLOC, dynstrOffset, dynstrSize, 1),
    ...(hasRelocations ? [header(".rel.dyn", SHT_REL, SHF_ALLOC, relOffset, relSize, 8, { link: dynsymIndex, entrySize: REL_SIZE })] : []),
    header(".shstrtab", SHT_STRTAB, 0, shstrtabOffset, sectionNames.length, 1),
  ];
  if (sections.length !== shstrtabIndex + 1) throw new Error("elf-writer: section index bookkeeping is inconsistent");
  const sectionHeaderOffset = alignUp(shstrtabOffset + sectionNames.length, 8);
  const fileSize = sectionHeaderOffset + sections.length * SHDR_SIZE;

  const bytes = new Uint8Array(fileSize);
  const view = new DataView(bytes.buffer);
  bytes.set(layout.image.subarray(layout.textOffset), layout.textOffset);
  const u16 = (at: number, value: number) => view.setUint16(at, value, true);
  const u32 = (at: number, value: number) => view.setUint32(at, value, true);
  const u64 = (at: number, value: number | bigint) => view.setBigUint64(at, BigInt(value), true);

  // ELF header.
  bytes.set(ELF_MAGIC, 0);
  bytes[4] = ELFCLASS64;
  bytes[5] = ELFDATA2LSB;
  bytes[6] = EV_CURRENT;
  bytes[7] = ELFOSABI_NONE;
  u16(16, ET_DYN);
  u16(18, EM_BPF);
  u32(20, EV_CURRENT);
  u64(24, input.entryOffset);
  u64(32, EHDR_SIZE);
  u64(40, sectionHeaderOffset);
  u32(48, 0); // e_flags 0: SBPFv0
  u16(52, EHDR_SIZE);
  u16(54, PHDR_SIZE);
  u16(56, PROGRAM_HEADER_COUNT);
  u16(58, SHDR_SIZE);
  u16(60, sections.length);
  u16(62, shstrtabIndex);

  // Program headers.
  const programHeader = (at: number, type: number, flags: number, offset: number, size: number) => {
    u32(at, type);
    u32(at + 4, flags);
    u64(at + 8, offset);
    u64(at + 16, offset); // p_vaddr
    u64(at + 24, offset); // p_paddr
    u64(at + 32, size); // p_filesz
    u64(at + 40, size); // p_memsz
    u64(at + 48, 8); // p_align
  };
  programHeader(EHDR_SIZE, PT_LOAD, PF_R | PF_X, layout.textOffset, loadEnd - layout.textOffset);
  programHeader(EHDR_SIZE + PHDR_SIZE, PT_DYNAMIC, PF_R, dynamicOffset, dynamicSize);

  // .dynamic
  const dynamicEntries: Array<[number, number]> = [
    [DT_SYMTAB, dynsymOffset],
    [DT_SYMENT, SYM_SIZE],
    [DT_STRTAB, dynstrOffset],
    [DT_STRSZ, dynstrSize],
  ];
  if (hasRelocations) dynamicEntries.push([DT_REL, relOffset], [DT_RELSZ, relSize], [DT_RELENT, REL_SIZE]);
  dynamicEntries.push([DT_NULL, 0]);
  dynamicEntries.forEach(([tag, value], i) => {
    u64(dynamicOffset + i * DYN_SIZE, tag);
    u64(dynamicOffset + i * DYN_SIZE + 8, value);
  });

  // .dynsym (entry 0 stays zero) and .dynstr
  syscallNames.forEach((name, i) => {
    const at = dynsymOffset + (i + 1) * SYM_SIZE;
    u32(at, nameOffsets.get(name)!);
    bytes[at + 4] = (STB_GLOBAL << 4) | STT_NOTYPE;
  });
  bytes.set(dynamicStrings, dynstrOffset);

  // .rel.dyn
  input.syscallSites.forEach((site, i) => {
    const at = relOffset + i * REL_SIZE;
    u64(at, site.offset);
    u64(at + 8, (BigInt(symbolIndex.get(site.name)!) << 32n) | BigInt(R_BPF_64_32));
  });

  // .shstrtab and the section header table.
  bytes.set(sectionNames, shstrtabOffset);
  sections.forEach((section, i) => {
    const at = sectionHeaderOffset + i * SHDR_SIZE;
    u32(at, sectionNameOffsets.get(section.name)!);
    u32(at + 4, section.type);
    u64(at + 8, section.flags);
    u64(at + 16, section.address);
    u64(at + 24, section.offset);
    u64(at + 32, section.size);
    u32(at + 40, section.link);
    u32(at + 44, section.info);
    u64(at + 48, section.alignment);
    u64(at + 56, section.entrySize);
  });
  return bytes;
}

/**
 * ELF64 numbers the linker reads and writes. Sources: the System V ABI
 * ("ELF-64 Object File Format", gABI chapters 4 and 5), the Linux kernel's
 * Documentation/bpf/llvm_reloc.rst for the BPF relocation numbers, and
 * anza-xyz/sbpf `src/elf_parser/consts.rs` for what the Solana loader expects.
 */

/** `\x7fELF`. */
export const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46] as const;
export const ELFCLASS64 = 2;
export const ELFDATA2LSB = 1;
export const EV_CURRENT = 1;
export const ELFOSABI_NONE = 0;

export const ET_REL = 1;
export const ET_DYN = 3;
/** Linux BPF; the machine the Solana loader takes for SBPFv0 (`EM_BPF` in sbpf `elf_parser/consts.rs`). */
export const EM_BPF = 247;

/** Sizes of the ELF64 structures (gABI). */
export const EHDR_SIZE = 64;
export const PHDR_SIZE = 56;
export const SHDR_SIZE = 64;
export const SYM_SIZE = 24;
export const REL_SIZE = 16;
export const RELA_SIZE = 24;
export const DYN_SIZE = 16;

/** Section types. */
export const SHT_NULL = 0;
export const SHT_PROGBITS = 1;
export const SHT_SYMTAB = 2;
export const SHT_STRTAB = 3;
export const SHT_RELA = 4;
export const SHT_DYNAMIC = 6;
export const SHT_NOBITS = 8;
export const SHT_REL = 9;
export const SHT_DYNSYM = 11;

/** Section flags. */
export const SHF_WRITE = 0x1;
export const SHF_ALLOC = 0x2;
export const SHF_EXECINSTR = 0x4;
export const SHF_TLS = 0x400;

/** Special section indices. */
export const SHN_UNDEF = 0;
export const SHN_LORESERVE = 0xff00;
export const SHN_ABS = 0xfff1;
export const SHN_COMMON = 0xfff2;
export const SHN_XINDEX = 0xffff;

/** Symbol binding and type (`st_info = bind << 4 | type`). */
export const STB_LOCAL = 0;
export const STB_GLOBAL = 1;
export const STT_NOTYPE = 0;
export const STT_OBJECT = 1;
export const STT_FUNC = 2;
export const STT_SECTION = 3;
export const STT_FILE = 4;

/** Program header types and flags. */
export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PF_X = 0x1;
export const PF_W = 0x2;
export const PF_R = 0x4;

/** Dynamic table tags (gABI "Dynamic Section"). */
export const DT_NULL = 0;
export const DT_STRTAB = 5;
export const DT_SYMTAB = 6;
export const DT_STRSZ = 10;
export const DT_SYMENT = 11;
export const DT_REL = 17;
export const DT_RELSZ = 18;
export const DT_RELENT = 19;
export const DT_TEXTREL = 22;

/**
 * BPF relocation types (llvm_reloc.rst). The Solana loader reads dynamic
 * relocations under their x86-64 numbers, which coincide for the ones used
 * here: 1 (R_X86_64_64 = R_BPF_64_64), 8 (RELATIVE) and 10 (R_X86_64_32 =
 * R_BPF_64_32); see `BpfRelocationType` in sbpf `src/elf.rs`.
 */
export const R_BPF_NONE = 0;
export const R_BPF_64_64 = 1;
export const R_BPF_64_ABS64 = 2;
export const R_BPF_64_ABS32 = 3;
export const R_BPF_64_NODYLD32 = 4;
export const R_BPF_64_32 = 10;

/** The names of the BPF relocation types, for messages. */
export const RELOCATION_NAMES: Readonly<Record<number, string>> = {
  [R_BPF_NONE]: "R_BPF_NONE",
  [R_BPF_64_64]: "R_BPF_64_64",
  [R_BPF_64_ABS64]: "R_BPF_64_ABS64",
  [R_BPF_64_ABS32]: "R_BPF_64_ABS32",
  [R_BPF_64_NODYLD32]: "R_BPF_64_NODYLD32",
  [R_BPF_64_32]: "R_BPF_64_32",
};

/** Instruction encoding (sbpf `src/ebpf.rs`). */
export const INSN_SIZE = 8;
/** `lddw dst, imm64`: two slots, the second with opcode 0. */
export const OPCODE_LDDW = 0x18;
/** `call imm`. */
export const OPCODE_CALL_IMM = 0x85;

/**
 * Where the VM maps the program's read-only region (text and rodata), and so
 * the base of every data address resolved at link time: `MM_RODATA_START`
 * (formerly `MM_PROGRAM_START`) = 1 << 32 in sbpf `src/ebpf.rs`. In SBPFv0
 * the region holds the file's bytes at their `sh_addr`, so address =
 * 0x1_0000_0000 + file offset when `sh_addr == sh_offset`.
 */
export const MM_PROGRAM_START = 0x1_0000_0000n;

/**
 * Resolves the input's relocations into the laid-out image. Everything is
 * resolved at link time except syscalls, which stay as `call -1` and become
 * dynamic relocations for the loader:
 *
 * - `R_BPF_64_64` (an `lddw` of a data address) and `R_BPF_64_ABS64` (a
 *   pointer stored in read-only data) get `0x1_0000_0000 + file offset` of
 *   the target, the address where the SBPFv0 VM maps the file's bytes
 *   (`MM_PROGRAM_START`, sbpf `src/ebpf.rs`; `parse_ro_sections` in
 *   sbpf `src/elf.rs`). The addend is implicit, stored at the patched place
 *   (Linux Documentation/bpf/llvm_reloc.rst).
 * - `R_BPF_64_32` on a `call` to a function of the program becomes a
 *   pc-relative immediate (target instruction - call instruction - 1): the
 *   loader turns every `call imm` with `imm != -1` into an internal call
 *   (`Executable::relocate` in sbpf `src/elf.rs`). In the object the target
 *   is `S + (imm + 1) * 8` bytes into the symbol's section (llvm_reloc.rst:
 *   imm = (S + A) / 8 - 1). Calls between functions of one section carry no
 *   relocation at all: they are pc-relative already, and stay so because a
 *   section is copied whole.
 * - `R_BPF_64_32` on a `call` to an undefined symbol that names a syscall
 *   keeps `imm = -1` and yields a {@link SyscallSite}.
 */
import {
  INSN_SIZE,
  MM_PROGRAM_START,
  OPCODE_CALL_IMM,
  OPCODE_LDDW,
  RELOCATION_NAMES,
  R_BPF_64_32,
  R_BPF_64_64,
  R_BPF_64_ABS64,
  R_BPF_NONE,
  SHN_UNDEF,
} from "./elf-constants.js";
import type { InputSymbol, RelocatableObject } from "./elf-reader.js";
import { SbfLinkError } from "./errors.js";
import type { Layout } from "./layout.js";

/** A call to a syscall left for the loader: the call instruction's file offset and the syscall's name. */
export interface SyscallSite {
  readonly offset: number;
  readonly name: string;
}

/**
 * Patches `layout.image` for every relocation of a loaded section.
 *
 * @param object - the parsed input.
 * @param layout - where its sections went; `layout.image` is modified.
 * @param syscalls - the names that may be called as syscalls.
 * @returns the syscall call sites, in file order.
 * @throws SbfLinkError `undefined-symbol`, `unsupported-relocation` or `out-of-range`.
 */
export function applyRelocations(object: RelocatableObject, layout: Layout, syscalls: ReadonlySet<string>): SyscallSite[] {
  const view = new DataView(layout.image.buffer, layout.image.byteOffset, layout.image.byteLength);
  const sites: SyscallSite[] = [];
  const sectionIndices = [...layout.placement.keys()].sort((a, b) => a - b);
  for (const sectionIndex of sectionIndices) {
    const section = object.sections[sectionIndex]!;
    const base = layout.placement.get(sectionIndex)!;
    const executable = layout.executable.has(sectionIndex);
    for (const relocation of object.relocations.get(sectionIndex) ?? []) {
      const symbol = object.symbols[relocation.symbolIndex]!;
      const where = `${RELOCATION_NAMES[relocation.type] ?? `relocation type ${relocation.type}`} at ${section.name}+0x${relocation.offset.toString(16)} (against ${describe(object, symbol)})`;
      const place = base + relocation.offset;
      switch (relocation.type) {
        case R_BPF_NONE:
          break;
        case R_BPF_64_64: {
          if (!executable || relocation.offset + 2 * INSN_SIZE > section.size || view.getUint8(place) !== OPCODE_LDDW) {
            throw new SbfLinkError("unsupported-relocation", `${where}: expected an lddw instruction in executable code`);
          }
          if (view.getUint8(place + INSN_SIZE) !== 0 || view.getUint32(place + INSN_SIZE + 4, true) !== 0) {
            throw new SbfLinkError("unsupported-relocation", `${where}: the lddw's second slot is not empty`);
          }
          const address = MM_PROGRAM_START + BigInt(dataTarget(object, layout, symbol, where)) + BigInt(view.getUint32(place + 4, true));
          view.setUint32(place + 4, Number(address & 0xffff_ffffn), true);
          view.setUint32(place + INSN_SIZE + 4, Number(address >> 32n), true);
          break;
        }
        case R_BPF_64_ABS64: {
          if (executable || relocation.offset + 8 > section.size) {
            throw new SbfLinkError("unsupported-relocation", `${where}: expected an 8-byte pointer in read-only data`);
          }
          const address = MM_PROGRAM_START + BigInt(dataTarget(object, layout, symbol, where)) + view.getBigUint64(place, true);
          view.setBigUint64(place, BigInt.asUintN(64, address), true);
          break;
        }
        case R_BPF_64_32: {
          if (!executable || relocation.offset + INSN_SIZE > section.size || view.getUint8(place) !== OPCODE_CALL_IMM) {
            throw new SbfLinkError("unsupported-relocation", `${where}: expected a call instruction in executable code`);
          }
          const site = resolveCall(layout, view, place, symbol, syscalls, where);
          if (site !== undefined) sites.push(site);
          break;
        }
        default:
          throw new SbfLinkError(
            "unsupported-relocation",
            `${where}: a Solana program can only use R_BPF_64_64 (lddw), R_BPF_64_ABS64 (pointers in read-only data) and R_BPF_64_32 (calls)`,
          );
      }
    }
  }
  return sites.sort((a, b) => a.offset - b.offset);
}

function describe(object: RelocatableObject, symbol: InputSymbol): string {
  if (symbol.name !== "") return `symbol ${symbol.name}`;
  const section = object.sections[symbol.sectionIndex];
  return section === undefined ? `symbol ${symbol.index}` : `section ${section.name}`;
}

/** The file offset a data reference points to, before its addend. */
function dataTarget(object: RelocatableObject, layout: Layout, symbol: InputSymbol, where: string): number {
  if (symbol.sectionIndex === SHN_UNDEF) {
    throw new SbfLinkError("undefined-symbol", `${where}: ${symbol.name || "the symbol"} is used as data but defined nowhere`);
  }
  const base = layout.placement.get(symbol.sectionIndex);
  if (base === undefined) {
    const section = object.sections[symbol.sectionIndex];
    throw new SbfLinkError(
      "unsupported-relocation",
      `${where}: the target is in ${section === undefined ? `special section ${symbol.sectionIndex}` : `section ${section.name}, which is not loaded`}`,
    );
  }
  return base + symbol.value;
}

function resolveCall(
  layout: Layout,
  view: DataView,
  place: number,
  symbol: InputSymbol,
  syscalls: ReadonlySet<string>,
  where: string,
): SyscallSite | undefined {
  if (symbol.sectionIndex === SHN_UNDEF) {
    if (!syscalls.has(symbol.name)) {
      throw new SbfLinkError("undefined-symbol", `${where}: ${symbol.name || "the callee"} is defined nowhere and is not a known syscall`);
    }
    view.setInt32(place + 4, -1, true);
    return { offset: place, name: symbol.name };
  }
  if (!layout.executable.has(symbol.sectionIndex)) {
    throw new SbfLinkError("unsupported-relocation", `${where}: the callee is not in executable code`);
  }
  const immediate = view.getInt32(place + 4, true);
  const target = layout.placement.get(symbol.sectionIndex)! + symbol.value + (immediate + 1) * INSN_SIZE;
  const textEnd = layout.textOffset + layout.textSize;
  if (target < layout.textOffset || target >= textEnd || (target - layout.textOffset) % INSN_SIZE !== 0) {
    throw new SbfLinkError("out-of-range", `${where}: the call target (file offset 0x${target.toString(16)}) is not an instruction of .text`);
  }
  const relative = (target - place) / INSN_SIZE - 1;
  if (relative === -1) {
    // `call -1` is how the loader recognizes a syscall; a function cannot jump onto its own call.
    throw new SbfLinkError("out-of-range", `${where}: the call targets itself`);
  }
  view.setInt32(place + 4, relative, true);
  return undefined;
}

/**
 * The SBF linker: the fixture program (test/fixtures/sbf/fixture.c, compiled
 * to fixture.o) linked and run in litesvm and solana-bankrun; the output's
 * shape and determinism; every SbfLinkError the linker raises.
 *
 * Most tests use the committed fixture.o and need no compiler; the ones that
 * compile C (fixture.o is up to date, mutable globals, undefined functions)
 * run only with clang-19 (see clang-gate.ts).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { LiteSVM, FailedTransactionMetadata } from "litesvm";
import {
  address,
  appendTransactionMessageInstruction,
  createTransactionMessage,
  generateKeyPairSigner,
  lamports,
  pipe,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
  type KeyPairSigner,
} from "@solana/kit";
import { PublicKey, Transaction, TransactionInstruction } from "@solana/web3.js";
import { start } from "solana-bankrun";
import { beforeAll, describe, expect, it } from "vitest";
import { compileProgram } from "../../programs/tools/build-program.js";
import { readRelocatableObject } from "../../programs/tools/sbf-linker/elf-reader.js";
import { SbfLinkError, linkSbf, type SbfLinkErrorCode } from "../../programs/tools/sbf-linker/index.js";
import { describeWithClang } from "./clang-gate.js";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "sbf");
const FIXTURE_SOURCE = join(FIXTURES, "fixture.c");
const FIXTURE_OBJECT = new Uint8Array(readFileSync(join(FIXTURES, "fixture.o")));
const PROGRAM_ID = "Fixture111111111111111111111111111111111111";
const BPF_LOADER_2 = new PublicKey("BPFLoader2111111111111111111111111111111111");

/** What one instruction of the fixture gave, in either runtime. */
interface Outcome {
  readonly programLogs: readonly string[];
  /** The custom error code, or null on success. */
  readonly customError: number | null;
}

/** The fixture's cases: instruction data and the expected outcome. */
const CASES: ReadonlyArray<{ name: string; data: number[]; logs: string[]; customError: number | null }> = [
  { name: "a string through the rodata pointer table (index 0)", data: [0, 0], logs: ["fixture: hello from rodata"], customError: null },
  { name: "a string through the rodata pointer table (index 2)", data: [0, 5], logs: ["fixture: third greeting"], customError: null },
  {
    name: "sol_memcpy_ and sol_sha256, hex digits from rodata",
    data: [1, 1, 2, 3],
    logs: [`sha256: ${createHash("sha256").update(Uint8Array.from([1, 2, 3])).digest("hex")}`],
    customError: null,
  },
  { name: "an internal call with five arguments, sol_log_64_", data: [2, 1, 2, 3, 4, 5], logs: ["0x1, 0x2, 0x3, 0x37, 0x0"], customError: null },
  { name: "custom error 6001 after logging", data: [2, 200, 200, 0, 0, 0], logs: ["0xc8, 0xc8, 0x0, 0x258, 0x0"], customError: 6001 },
  { name: "custom error 6000 (unknown command)", data: [9], logs: [], customError: 6000 },
];

/** The `Program log: ` lines, without the prefix. */
function programLogs(logs: readonly string[]): string[] {
  return logs.filter((line) => line.startsWith("Program log: ")).map((line) => line.slice("Program log: ".length));
}

/** Sends one instruction (no accounts) to the program at PROGRAM_ID in litesvm. */
async function runInLiteSvm(svm: LiteSVM, payer: KeyPairSigner, data: readonly number[]): Promise<Outcome> {
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayerSigner(payer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: svm.latestBlockhash(), lastValidBlockHeight: 1_000n }, m),
    (m) => appendTransactionMessageInstruction({ programAddress: address(PROGRAM_ID), accounts: [], data: Uint8Array.from(data) }, m),
  );
  const result = svm.sendTransaction(await signTransactionMessageWithSigners(message));
  svm.expireBlockhash();
  if (!(result instanceof FailedTransactionMetadata)) {
    return { programLogs: programLogs(result.logs()), customError: null };
  }
  const error = result.err();
  const instructionError = typeof error === "object" && "err" in error ? error.err() : undefined;
  if (typeof instructionError !== "object" || !("code" in instructionError)) {
    throw new Error(`unexpected failure: ${result.toString()}`);
  }
  return { programLogs: programLogs(result.meta().logs()), customError: instructionError.code };
}

/**
 * Starts solana-bankrun with `program` as an executable account of the
 * BPF loader v2 at PROGRAM_ID and sends one transaction per instruction data.
 */
async function runInBankrun(program: Uint8Array, instructions: ReadonlyArray<readonly number[]>): Promise<Outcome[]> {
  process.env.RUST_LOG = process.env.RUST_LOG ?? "error";
  const programId = new PublicKey(PROGRAM_ID);
  const context = await start([], [{ address: programId, info: { lamports: 1_000_000_000, data: program, owner: BPF_LOADER_2, executable: true } }]);
  const outcomes: Outcome[] = [];
  for (const data of instructions) {
    const transaction = new Transaction();
    transaction.add(new TransactionInstruction({ programId, keys: [], data: Buffer.from(data) }));
    transaction.recentBlockhash = (await context.banksClient.getLatestBlockhash())![0];
    transaction.feePayer = context.payer.publicKey;
    transaction.sign(context.payer);
    const result = await context.banksClient.tryProcessTransaction(transaction);
    // e.g. "Error processing Instruction 0: custom program error: 0x1770"
    let customError: number | null = null;
    if (result.result !== null) {
      const custom = /custom program error: 0x([0-9a-f]+)/.exec(result.result);
      if (custom === null) throw new Error(`unexpected failure: ${result.result}`);
      customError = Number.parseInt(custom[1]!, 16);
    }
    outcomes.push({ programLogs: programLogs(result.meta?.logMessages ?? []), customError });
  }
  return outcomes;
}

/** The names of the sections of an output file, without the null section. */
function sectionNames(bytes: Uint8Array): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sectionHeaders = Number(view.getBigUint64(40, true));
  const namesAt = Number(view.getBigUint64(sectionHeaders + view.getUint16(62, true) * 64 + 24, true));
  const names: string[] = [];
  for (let i = 1; i < view.getUint16(60, true); i += 1) {
    const nameStart = namesAt + view.getUint32(sectionHeaders + i * 64, true);
    names.push(new TextDecoder().decode(bytes.subarray(nameStart, bytes.indexOf(0, nameStart))));
  }
  return names;
}

describe("linkSbf: the fixture in litesvm", () => {
  const svm = new LiteSVM();
  let payer: KeyPairSigner;

  beforeAll(async () => {
    svm.addProgram(address(PROGRAM_ID), linkSbf(FIXTURE_OBJECT));
    payer = await generateKeyPairSigner();
    svm.airdrop(payer.address, lamports(1_000_000_000n));
  });

  for (const testCase of CASES) {
    it(testCase.name, async () => {
      expect(await runInLiteSvm(svm, payer, testCase.data)).toEqual({ programLogs: testCase.logs, customError: testCase.customError });
    });
  }
});

describe("linkSbf: the fixture in solana-bankrun", () => {
  it("gives the same logs and errors as in litesvm", async () => {
    const outcomes = await runInBankrun(linkSbf(FIXTURE_OBJECT), CASES.map((testCase) => testCase.data));
    expect(outcomes).toEqual(CASES.map((testCase) => ({ programLogs: testCase.logs, customError: testCase.customError })));
  });
});

describe("linkSbf: output", () => {
  it("is byte-for-byte deterministic, wherever the input buffer lives", () => {
    const first = linkSbf(FIXTURE_OBJECT);
    const padded = new Uint8Array(FIXTURE_OBJECT.length + 13);
    padded.set(FIXTURE_OBJECT, 13);
    expect(linkSbf(FIXTURE_OBJECT)).toEqual(first);
    expect(linkSbf(padded.subarray(13))).toEqual(first);
  });

  it("is an SBPFv0 shared object: ET_DYN, EM_BPF, e_flags 0, loaded sections at sh_addr == sh_offset", () => {
    const bytes = linkSbf(FIXTURE_OBJECT);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect(view.getUint16(16, true)).toBe(3);
    expect(view.getUint16(18, true)).toBe(247);
    expect(view.getUint32(48, true)).toBe(0);
    expect(sectionNames(bytes)).toEqual([".text", ".rodata", ".dynamic", ".dynsym", ".dynstr", ".rel.dyn", ".shstrtab"]);
    const sectionHeaders = Number(view.getBigUint64(40, true));
    let textRange: [number, number] = [0, 0];
    for (let i = 1; i < view.getUint16(60, true); i += 1) {
      const at = sectionHeaders + i * 64;
      const flags = Number(view.getBigUint64(at + 8, true));
      const address = Number(view.getBigUint64(at + 16, true));
      const offset = Number(view.getBigUint64(at + 24, true));
      if ((flags & 2) !== 0) expect(address, `section ${i}`).toBe(offset);
      if ((flags & 4) !== 0) textRange = [offset, offset + Number(view.getBigUint64(at + 32, true))];
    }
    const entry = Number(view.getBigUint64(24, true));
    expect(entry).toBeGreaterThanOrEqual(textRange[0]);
    expect(entry).toBeLessThan(textRange[1]);
  });

  it("accepts an extra syscall name through options", () => {
    const object = renameSymbol(FIXTURE_OBJECT, "sol_sha256", "sol_sha257");
    expect(() => linkSbf(object)).toThrow(/sol_sha257/);
    expect(linkSbf(object, { extraSyscalls: ["sol_sha257"] }).length).toBeGreaterThan(0);
  });
});

/** A copy of `object` with one section header field (by section name) changed. */
function patchSection(object: Uint8Array, name: string, fieldOffset: number, write: (view: DataView, at: number) => void): Uint8Array {
  const copy = object.slice();
  const view = new DataView(copy.buffer);
  const section = readRelocatableObject(object).sections.find((s) => s.name === name);
  if (section === undefined) throw new Error(`no section ${name}`);
  write(view, Number(view.getBigUint64(40, true)) + section.index * 64 + fieldOffset);
  return copy;
}

/** A copy of `object` with a symbol name replaced by one of the same length in `.strtab`. */
function renameSymbol(object: Uint8Array, from: string, to: string): Uint8Array {
  expect(to.length).toBe(from.length);
  const copy = object.slice();
  const strtab = readRelocatableObject(object).sections.find((s) => s.name === ".strtab")!;
  const haystack = Buffer.from(copy.buffer, strtab.offset, strtab.size);
  const at = haystack.indexOf(Buffer.from(`\0${from}\0`));
  expect(at).toBeGreaterThanOrEqual(0);
  copy.set(new TextEncoder().encode(to), strtab.offset + at + 1);
  return copy;
}

function expectLinkError(object: Uint8Array, code: SbfLinkErrorCode, message: RegExp): void {
  let caught: unknown;
  try {
    linkSbf(object);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(SbfLinkError);
  expect((caught as SbfLinkError).code).toBe(code);
  expect((caught as SbfLinkError).message).toMatch(message);
}

describe("linkSbf: refused inputs (SbfLinkError)", () => {
  it("not an ELF file", () => {
    expectLinkError(new TextEncoder().encode("int main(void) { return 0; }\n"), "not-elf", /not an ELF file/);
    expectLinkError(new Uint8Array(0), "not-elf", /not an ELF file/);
  });

  it("ELF32", () => {
    const object = FIXTURE_OBJECT.slice();
    object[4] = 1;
    expectLinkError(object, "wrong-class", /not ELF64/);
  });

  it("big endian", () => {
    const object = FIXTURE_OBJECT.slice();
    object[5] = 2;
    expectLinkError(object, "wrong-endianness", /not little endian/);
  });

  it("another machine (x86-64)", () => {
    const object = FIXTURE_OBJECT.slice();
    new DataView(object.buffer).setUint16(18, 62, true);
    expectLinkError(object, "wrong-machine", /e_machine is 62, expected EM_BPF \(247\)/);
  });

  it("a shared object instead of a relocatable object", () => {
    expectLinkError(linkSbf(FIXTURE_OBJECT), "wrong-type", /e_type is 3, expected ET_REL/);
  });

  it("a truncated file", () => {
    expectLinkError(FIXTURE_OBJECT.subarray(0, 1_000), "malformed", /outside the 1000-byte file/);
  });

  it("a writable data section", () => {
    const object = patchSection(FIXTURE_OBJECT, ".rodata", 8, (view, at) => view.setBigUint64(at, 0x3n, true));
    expectLinkError(object, "writable-section", /section \.rodata \(24 bytes\) is mutable data/);
  });

  it("an undefined symbol that is not a syscall", () => {
    expectLinkError(renameSymbol(FIXTURE_OBJECT, "sol_sha256", "sol_sha999"), "undefined-symbol", /undefined symbol\(s\) sol_sha999/);
  });

  it("an unsupported relocation type (R_BPF_64_ABS32 in .text)", () => {
    const object = FIXTURE_OBJECT.slice();
    const view = new DataView(object.buffer);
    const relText = readRelocatableObject(FIXTURE_OBJECT).sections.find((s) => s.name === ".rel.text")!;
    view.setUint32(relText.offset + 8, 3, true);
    expectLinkError(object, "unsupported-relocation", /R_BPF_64_ABS32 at \.text\+0x/);
  });

  it("no entrypoint", () => {
    expectLinkError(renameSymbol(FIXTURE_OBJECT, "entrypoint", "entrypoinx"), "missing-entrypoint", /no function named entrypoint/);
  });
});

describeWithClang("linkSbf: inputs compiled from C", () => {
  it("fixture.o is fixture.c compiled by build-program's compiler flags (reproducible compile)", () => {
    expect(compileProgram(FIXTURE_SOURCE)).toEqual(FIXTURE_OBJECT);
  });

  it("a program without read-only data or syscalls runs in litesvm and bankrun", async () => {
    const program = linkSbf(compileProgram(join(FIXTURES, "minimal.c")));
    expect(sectionNames(program)).toEqual([".text", ".dynamic", ".dynsym", ".dynstr", ".shstrtab"]);
    const svm = new LiteSVM();
    svm.addProgram(address(PROGRAM_ID), program);
    const payer = await generateKeyPairSigner();
    svm.airdrop(payer.address, lamports(1_000_000_000n));
    const litesvmOutcome = await runInLiteSvm(svm, payer, [1]);
    expect(litesvmOutcome.customError).toBe(42);
    const bankrunOutcome = (await runInBankrun(program, [[1]]))[0]!;
    expect(bankrunOutcome).toEqual(litesvmOutcome);
  });

  const cases: ReadonlyArray<{ name: string; file: string; code: SbfLinkErrorCode; message: RegExp }> = [
    { name: "a mutable global (.data)", file: "bad-data.c", code: "writable-section", message: /section \.data .* is mutable data/ },
    { name: "a zero-initialized mutable global (.bss)", file: "bad-bss.c", code: "writable-section", message: /section \.bss .* is mutable data/ },
    { name: "a call to an undefined function", file: "bad-undefined.c", code: "undefined-symbol", message: /undefined symbol\(s\) helper_defined_elsewhere/ },
    { name: "no entrypoint function", file: "bad-no-entrypoint.c", code: "missing-entrypoint", message: /no function named entrypoint/ },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      expectLinkError(compileProgram(join(FIXTURES, testCase.file)), testCase.code, testCase.message);
    });
  }
});

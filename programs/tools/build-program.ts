/**
 * Builds the AssetRollup on-chain program: compiles
 * `programs/asset_rollup/src/program.c` (a unity build: it may `#include`
 * other files of its folder) with clang-19 for BPF, links the object with
 * {@link linkSbf} into the legacy Solana shared object (SBPFv0), and writes
 * `programs/asset_rollup/asset_rollup.so`.
 *
 * Usage: `npm run build:program -- [--source FILE] [--out FILE] [--check]`.
 * `--check` builds to a temporary file and compares it byte for byte with the
 * shipped `.so` (exit 1 when they differ). Exit 2 on bad arguments, 1 on any
 * build failure.
 *
 * The build is reproducible: clang runs in the source's folder on the file's
 * base name, with the folder mapped to `.` (`-ffile-prefix-map`), no debug
 * info and no `.comment` (`-g0 -fno-ident`), `__DATE__`/`__TIME__` refused
 * (`-Werror=date-time`), and the linker's output depends only on the object
 * (see `programs/tools/sbf-linker/`). The same source gives the same bytes in
 * any checkout folder.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { SbfLinkError, linkSbf } from "./sbf-linker/index.js";

/** The compiler the build uses; Debian bookworm's package of the same name. */
export const CLANG = "clang-19";

/**
 * The fixed compiler flags. `-mcpu=v2`: v3/v4 emit 32-bit jumps the Solana
 * verifier refuses. `-bpf-stack-size=4096`: Solana's stack frame is 4 KiB,
 * upstream BPF's 512 bytes. `-g0 -fno-ident`: nothing in the object depends on
 * the compiler build or the machine; `-Werror=date-time`: nor on the clock
 * (`__DATE__`/`__TIME__` are refused).
 */
export const CLANG_FLAGS: readonly string[] = [
  "-target",
  "bpf",
  "-mcpu=v2",
  "-O2",
  "-ffreestanding",
  "-fno-builtin",
  "-fno-stack-protector",
  "-mllvm",
  "-bpf-stack-size=4096",
  "-g0",
  "-fno-ident",
  "-Werror=date-time",
  "-c",
];

/** A build step failed (compiler missing, compile error, link error); the message says which and why. */
export class BuildProgramError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BuildProgramError";
  }
}

/** What {@link buildProgram} builds. */
export interface BuildProgramOptions {
  /** The C file to compile. */
  readonly source: string;
  /** Where to write the `.so`; nothing is written when absent. */
  readonly out?: string;
  /** The compiler command, {@link CLANG} by default. */
  readonly clang?: string;
}

/** The built program. */
export interface BuiltProgram {
  readonly bytes: Uint8Array;
  /** Lowercase hex sha256 of `bytes`. */
  readonly sha256: string;
}

/** Lowercase hex sha256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Whether the compiler can be run at all (`clang-19 --version` succeeds). */
export function isClangAvailable(clang: string = CLANG): boolean {
  const result = spawnSync(clang, ["--version"], { encoding: "utf8" });
  return result.error === undefined && result.status === 0;
}

/**
 * Compiles one C file to a relocatable BPF object with {@link CLANG_FLAGS}.
 *
 * @returns the object's bytes.
 * @throws BuildProgramError when the compiler is missing or the compilation fails.
 */
export function compileProgram(source: string, clang: string = CLANG): Uint8Array {
  const sourcePath = resolve(source);
  if (!existsSync(sourcePath)) throw new BuildProgramError(`source file not found: ${sourcePath}`);
  const sourceFolder = dirname(sourcePath);
  const workFolder = mkdtempSync(join(tmpdir(), "asset-sim-sbf-"));
  try {
    const objectPath = join(workFolder, "program.o");
    const args = [...CLANG_FLAGS, `-ffile-prefix-map=${sourceFolder}=.`, basename(sourcePath), "-o", objectPath];
    const result = spawnSync(clang, args, { cwd: sourceFolder, encoding: "utf8" });
    if (result.error !== undefined) {
      const missing = (result.error as NodeJS.ErrnoException).code === "ENOENT";
      throw new BuildProgramError(
        missing
          ? `${clang} was not found on PATH; install it with: apt-get install -y clang-19`
          : `could not run ${clang}: ${result.error.message}`,
      );
    }
    if (result.status !== 0) {
      throw new BuildProgramError(`${clang} failed to compile ${sourcePath} (exit ${result.status}):\n${result.stderr.trimEnd()}`);
    }
    return new Uint8Array(readFileSync(objectPath));
  } finally {
    rmSync(workFolder, { recursive: true, force: true });
  }
}

/**
 * Compiles and links one program, and writes it to `out` when given.
 *
 * @throws BuildProgramError when compiling or linking fails.
 */
export function buildProgram(options: BuildProgramOptions): BuiltProgram {
  const object = compileProgram(options.source, options.clang);
  let bytes: Uint8Array;
  try {
    bytes = linkSbf(object);
  } catch (error) {
    if (error instanceof SbfLinkError) throw new BuildProgramError(`linking ${options.source} failed: ${error.message}`);
    throw error;
  }
  if (options.out !== undefined) {
    mkdirSync(dirname(resolve(options.out)), { recursive: true });
    writeFileSync(options.out, bytes);
  }
  return { bytes, sha256: sha256Hex(bytes) };
}

/** The repository root: the nearest folder above this file with the asset-sim package.json. */
export function repositoryRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(folder, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "asset-sim") {
      return folder;
    }
    const parent = dirname(folder);
    if (parent === folder) throw new BuildProgramError("cannot find the asset-sim repository root above build-program");
    folder = parent;
  }
}

/** The default source and output of the AssetRollup build. */
export function defaultProgramPaths(root: string = repositoryRoot()): { source: string; out: string } {
  return {
    source: join(root, "programs", "asset_rollup", "src", "program.c"),
    out: join(root, "programs", "asset_rollup", "asset_rollup.so"),
  };
}

/** The command line; returns the exit code. */
export function main(argv: readonly string[]): number {
  let values: { source?: string; out?: string; check?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        source: { type: "string" },
        out: { type: "string" },
        check: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    process.stderr.write(`build-program: ${(error as Error).message}\n`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(
      "usage: build-program [--source FILE] [--out FILE] [--check]\n" +
        "  compiles the C program with clang-19, links it with the SBF linker, writes the .so\n" +
        "  --check  build to a temporary file and compare byte for byte with --out (exit 1 if different)\n",
    );
    return 0;
  }
  const defaults = defaultProgramPaths();
  const source = resolve(values.source ?? defaults.source);
  const out = resolve(values.out ?? defaults.out);
  const shown = (path: string) => relative(process.cwd(), path) || path;
  try {
    if (values.check !== true) {
      const built = buildProgram({ source, out });
      process.stdout.write(`built ${shown(out)} (${built.bytes.length} bytes, sha256 ${built.sha256}) from ${shown(source)}\n`);
      return 0;
    }
    const built = buildProgram({ source });
    if (!existsSync(out)) {
      process.stderr.write(`check failed: ${shown(out)} does not exist (fresh build sha256 ${built.sha256}); run npm run build:program\n`);
      return 1;
    }
    const shipped = new Uint8Array(readFileSync(out));
    const shippedSha = sha256Hex(shipped);
    process.stdout.write(`fresh build  sha256 ${built.sha256} (${built.bytes.length} bytes)\n`);
    process.stdout.write(`${shown(out)} sha256 ${shippedSha} (${shipped.length} bytes)\n`);
    if (shippedSha !== built.sha256) {
      process.stderr.write(`check failed: ${shown(out)} differs from a fresh build of ${shown(source)}; run npm run build:program and commit the result\n`);
      return 1;
    }
    process.stdout.write("check passed: the shipped program is a fresh build of its source\n");
    return 0;
  } catch (error) {
    if (error instanceof BuildProgramError) {
      process.stderr.write(`build-program: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}

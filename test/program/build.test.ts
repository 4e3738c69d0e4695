/**
 * The program build (programs/tools/build-program.ts): the shipped
 * programs/asset_rollup/asset_rollup.so is a fresh build of its source, byte
 * for byte; the build is reproducible; the command line's --check says when
 * a shipped file is stale; a missing compiler or a compile error is reported
 * plainly. Compiling needs clang-19 (see clang-gate.ts).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";
import { BuildProgramError, buildProgram, defaultProgramPaths, main, sha256Hex } from "../../programs/tools/build-program.js";
import { describeWithClang } from "./clang-gate.js";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "sbf");
const FIXTURE_SOURCE = join(FIXTURES, "fixture.c");
const PROGRAM = defaultProgramPaths();
const work = mkdtempSync(join(tmpdir(), "asset-sim-build-test-"));

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs the command line with its output captured. */
function runMain(argv: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = "";
  let stderr = "";
  const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    return { code: main(argv), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe("build-program without a compiler", () => {
  it("says how to install clang-19 when it is missing", () => {
    expect(() => buildProgram({ source: FIXTURE_SOURCE, clang: "clang-19-not-installed-here" })).toThrow(
      /clang-19-not-installed-here was not found on PATH; install it with: apt-get install -y clang-19/,
    );
  });

  it("refuses unknown flags with exit code 2", () => {
    expect(runMain(["--no-such-flag"]).code).toBe(2);
  });
});

describeWithClang("build-program", () => {
  it.runIf(existsSync(PROGRAM.source))("the shipped asset_rollup.so is a fresh build of programs/asset_rollup/src/program.c", () => {
    expect(existsSync(PROGRAM.out), `${PROGRAM.out} is missing: run npm run build:program`).toBe(true);
    const built = buildProgram({ source: PROGRAM.source });
    const shipped = new Uint8Array(readFileSync(PROGRAM.out));
    expect(built.sha256, "asset_rollup.so is stale: run npm run build:program and commit it").toBe(sha256Hex(shipped));
    expect(built.bytes).toEqual(shipped);
  });

  it("builds the same bytes twice, and writes them to --out", () => {
    const out = join(work, "twice", "fixture.so");
    const first = buildProgram({ source: FIXTURE_SOURCE, out });
    const second = buildProgram({ source: FIXTURE_SOURCE });
    expect(second.bytes).toEqual(first.bytes);
    expect(new Uint8Array(readFileSync(out))).toEqual(first.bytes);
  });

  it("--check: exit 1 when the shipped file is missing or different, 0 when it is a fresh build", () => {
    const out = join(work, "check", "fixture.so");
    const args = ["--source", FIXTURE_SOURCE, "--out", out];
    const missing = runMain([...args, "--check"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/does not exist/);

    expect(runMain(args).code).toBe(0);
    const fresh = runMain([...args, "--check"]);
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toMatch(/check passed/);

    const stale = new Uint8Array(readFileSync(out));
    stale[stale.length - 1] ^= 0xff;
    writeFileSync(out, stale);
    const different = runMain([...args, "--check"]);
    expect(different.code).toBe(1);
    expect(different.stdout).toContain(`sha256 ${sha256Hex(stale)}`);
    expect(different.stderr).toMatch(/differs from a fresh build/);
  });

  it("reports a compile error with the compiler's message", () => {
    const source = join(work, "broken.c");
    writeFileSync(source, "unsigned long long entrypoint(const unsigned char *input) { return undeclared_name; }\n");
    let caught: unknown;
    try {
      buildProgram({ source });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BuildProgramError);
    expect((caught as Error).message).toMatch(/failed to compile[\s\S]*undeclared_name/);
  });

  it("reports a link error as a build error", () => {
    expect(() => buildProgram({ source: join(FIXTURES, "bad-data.c") })).toThrow(/linking .*bad-data\.c failed: sbf-linker: section \.data/);
  });
});

/**
 * The default suite's two projects (vitest.config.ts): files in "shared" run
 * one after another on one module cache per worker, so a file that replaces
 * modules (`vi.mock`, `vi.doMock`) or stubs globals or the environment through
 * vitest must be in ISOLATED, where each file gets a fresh module graph.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ISOLATED } from "../vitest.config.js";
import { ROOT } from "./helpers/scenario.js";

const MODULE_STATE = /\bvi\s*\.\s*(mock|doMock|stubGlobal|stubEnv|resetModules)\s*\(/;

/** Whether `source` (a test file, comments ignored) replaces modules or stubs globals through vitest. */
export function leavesModuleState(source: string): boolean {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
  return MODULE_STATE.test(code);
}

/**
 * The default suite's test files (paths relative to the repository, `/`-separated) that
 * need a fresh module graph but are not in `isolated`.
 */
export function missingFromIsolated(files: ReadonlyMap<string, string>, isolated: readonly string[]): string[] {
  return [...files].filter(([path, source]) => leavesModuleState(source) && !isolated.includes(path)).map(([path]) => path);
}

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return path.endsWith(".test.ts") && !path.endsWith(".long.test.ts") ? [path] : [];
  });
}

const files = new Map(testFiles(join(ROOT, "test")).map((p) => [relative(ROOT, p).split("\\").join("/"), readFileSync(p, "utf8")]));

describe("the default suite's projects (vitest.config.ts)", () => {
  it("every test file that mocks modules or stubs globals is in the isolated project", () => {
    expect(files.size).toBeGreaterThan(150);
    expect(missingFromIsolated(files, ISOLATED)).toEqual([]);
  });

  it("the isolated project holds only existing files that need it (the rest share a module cache)", () => {
    for (const path of ISOLATED) {
      expect(files.has(path), path).toBe(true);
      expect(leavesModuleState(files.get(path)!), path).toBe(true);
    }
  });

  it("a list without a mocking file is caught, and a mock in a comment is not counted", () => {
    // The broken variant: the isolated list as it would be if reference-ledger.test.ts were forgotten.
    const broken = ISOLATED.filter((p) => p !== "test/check/reference-ledger.test.ts");
    expect(missingFromIsolated(files, broken)).toEqual(["test/check/reference-ledger.test.ts"]);
    const made = new Map([
      ["test/x.test.ts", 'import { vi } from "vitest";\nvi.' + 'doMock("../src/vm/execute.js", () => ({}));'],
      ["test/y.test.ts", "// vi.mock(\"node:crypto\") would break the shared project\n/* vi.stubGlobal(\"fetch\", f) */"],
    ]);
    expect(missingFromIsolated(made, ISOLATED)).toEqual(["test/x.test.ts"]);
  });
});

/**
 * The package as a user installs it: `npm pack` of this repository, unpacked
 * into a fresh project's `node_modules/asset-sim`, runs the vitest example of
 * `examples/vitest/` (a shipped scenario with the L1, a fast-check property,
 * a replayed failure), and the example typechecks against the packed
 * declarations. That proves `files` in package.json ships what the API
 * needs at run time: the built entries, `sim-scenarios/` and the program
 * binary. No network: the project's other dependencies (vitest, fast-check,
 * and asset-sim's own) are symlinks to this repository's `node_modules`.
 * The same project with `sim-scenarios/` taken out of the unpacked package
 * fails, so a package missing it would be caught.
 * Needs the build (`npm test` builds first; built here if missing).
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/scenario.js";

const VITEST = join(ROOT, "node_modules", "vitest", "vitest.mjs");
const EXAMPLE = join(ROOT, "examples", "vitest");
/** Each vitest run of the example: a few simulated seconds of runs, plus vitest's start. */
const RUN_TIMEOUT_MS = 120_000;

let work: string;
let project: string;
let tarballFiles: string[];

/** Runs vitest on the example project in a child process; its exit code and output. */
function runExample(extraArgs: string[] = []): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, [VITEST, "run", "--reporter=verbose", ...extraArgs], { cwd: project, encoding: "utf8", timeout: RUN_TIMEOUT_MS, env: { ...process.env, CI: "1", NO_COLOR: "1" } });
  return { status: run.status, output: `${run.stdout}\n${run.stderr}` };
}

beforeAll(() => {
  if (!existsSync(join(ROOT, "dist", "src", "index.js"))) execFileSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"], { cwd: ROOT });
  work = mkdtempSync(join(tmpdir(), "asset-sim-packed-"));
  // --ignore-scripts: `prepare` would build again; the build is done.
  const packed = JSON.parse(execFileSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], { cwd: ROOT, encoding: "utf8" })) as { filename: string; files: { path: string }[] }[];
  tarballFiles = packed[0]!.files.map((f) => f.path);
  project = join(work, "project");
  const installed = join(project, "node_modules", "asset-sim");
  mkdirSync(installed, { recursive: true });
  execFileSync("tar", ["-xzf", join(work, packed[0]!.filename), "-C", installed, "--strip-components=1"]);
  const repoModules = realpathSync(join(ROOT, "node_modules"));
  for (const name of readdirSync(repoModules)) {
    if (name.startsWith(".") || name === "asset-sim") continue;
    symlinkSync(join(repoModules, name), join(project, "node_modules", name));
  }
  cpSync(EXAMPLE, project, { recursive: true });
}, RUN_TIMEOUT_MS);

afterAll(() => {
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe("the packed package in a user's project", () => {
  it("the tarball holds the built entries, the shipped scenarios and the program binary, and no sources or tests", () => {
    for (const path of ["package.json", "dist/src/index.js", "dist/src/index.d.ts", "dist/src/arbitraries.js", "dist/src/arbitraries.d.ts", "sim-scenarios/quickstart.json", "programs/asset_rollup/asset_rollup.so", "bin/asset-sim.js"]) {
      expect(tarballFiles, path).toContain(path);
    }
    expect(tarballFiles.filter((p) => p.startsWith("src/") || p.startsWith("test/") || p.startsWith("examples/"))).toEqual([]);
    expect(lstatSync(join(project, "node_modules", "asset-sim")).isSymbolicLink()).toBe(false);
  });

  it("the vitest example passes against it", () => {
    const { status, output } = runExample();
    expect(output).toMatch(/Tests\s+4 passed \(4\)/);
    expect(status, output).toBe(0);
  }, RUN_TIMEOUT_MS);

  it("the example typechecks against the packed declarations", () => {
    const tsc = spawnSync(process.execPath, [join(project, "node_modules", "typescript", "bin", "tsc"), "-p", "."], { cwd: project, encoding: "utf8", timeout: RUN_TIMEOUT_MS });
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
  }, RUN_TIMEOUT_MS);

  it("without sim-scenarios/ in the package, the example fails", () => {
    rmSync(join(project, "node_modules", "asset-sim", "sim-scenarios"), { recursive: true });
    const { status, output } = runExample(["-t", "a shipped scenario"]);
    expect(status).not.toBe(0);
    expect(output).toMatch(/UnknownScenarioError|no such file "token-mint-and-transfer"/);
  }, RUN_TIMEOUT_MS);
});

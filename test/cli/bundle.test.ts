/**
 * The CLI bundle (`dist/bundle/`, esbuild over `dist/src` by
 * `scripts/bundle.mjs`, part of `npm run build`): `bin/asset-sim.js` runs it
 * when it is not older than `dist/src/cli/main.js` (`bin/cli-entry.js`), it
 * gives the same output as `dist/src` (the run's summary and trace digest
 * byte for byte), and it holds everything of the project's own code it needs,
 * the explore worker included: a copy of it in a package folder without
 * `dist/src` runs `run` and `explore --jobs 2`. Needs the build (skipped
 * when `dist/bundle` is missing or older than `dist/src`: `npm run build`).
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error bin/ is plain JavaScript without declarations
import { cliEntry } from "../../bin/cli-entry.js";
import { ROOT } from "../helpers/scenario.js";

type Entry = { url: string; bundle: boolean };
const entryOf = cliEntry as (root: URL) => Entry;

const BUNDLE_MAIN = join(ROOT, "dist/bundle/main.js");
const DIST_MAIN = join(ROOT, "dist/src/cli/main.js");

describe("bin/cli-entry.js picks the bundle only when it is up to date", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "asset-sim-entry-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A package folder with dist/src/cli/main.js at `compiledS` and, unless undefined, dist/bundle/main.js at `bundleS` (seconds since the epoch). */
  function packageWith(name: string, compiledS: number, bundleS: number | undefined): URL {
    const root = join(dir, name);
    mkdirSync(join(root, "dist/src/cli"), { recursive: true });
    writeFileSync(join(root, "dist/src/cli/main.js"), "");
    utimesSync(join(root, "dist/src/cli/main.js"), compiledS, compiledS);
    if (bundleS !== undefined) {
      mkdirSync(join(root, "dist/bundle"), { recursive: true });
      writeFileSync(join(root, "dist/bundle/main.js"), "");
      utimesSync(join(root, "dist/bundle/main.js"), bundleS, bundleS);
    }
    return pathToFileURL(`${root}/`);
  }

  it("newer or same time: the bundle; older (tsc ran after it) or missing: dist/src", () => {
    const newer = entryOf(packageWith("newer", 1000, 2000));
    expect(newer.bundle).toBe(true);
    expect(newer.url.endsWith("/newer/dist/bundle/main.js")).toBe(true);
    // An installed package: npm pack gives every file the same time.
    expect(entryOf(packageWith("same", 1000, 1000)).bundle).toBe(true);
    const stale = entryOf(packageWith("stale", 2000, 1000));
    expect(stale.bundle).toBe(false);
    expect(stale.url.endsWith("/stale/dist/src/cli/main.js")).toBe(true);
    const none = entryOf(packageWith("none", 1000, undefined));
    expect(none).toEqual({ url: pathToFileURL(join(dir, "none/dist/src/cli/main.js")).href, bundle: false });
  });
});

/** A script that imports `main` from the file URL in argv[2] and runs it with the JSON argument list in argv[3] (a file: worker threads inherit `--input-type`, which only `-e` allows). */
let runner: string | undefined;

/** Runs `main(argv)` of the module at `mainPath` in a fresh node, in `cwd`. */
function runMain(mainPath: string, args: readonly string[], env: Record<string, string> = {}, cwd = ROOT): { status: number | null; stdout: string; stderr: string } {
  if (runner === undefined) {
    runner = join(mkdtempSync(join(tmpdir(), "asset-sim-runner-")), "run-main.mjs");
    writeFileSync(runner, 'const { main } = await import(process.argv[2]);\nprocess.exitCode = await main(["node", "asset-sim", ...JSON.parse(process.argv[3])]);\n');
  }
  const child = spawnSync(process.execPath, [runner, pathToFileURL(mainPath).href, JSON.stringify(args)], { cwd, encoding: "utf8", env: { ...process.env, ...env } });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

afterAll(() => {
  if (runner !== undefined) rmSync(join(runner, ".."), { recursive: true, force: true });
});

/** stderr without the speed line (wall time). */
function withoutSpeed(stderr: string): string {
  return stderr
    .split("\n")
    .filter((l) => !l.startsWith("speed:"))
    .join("\n");
}

/** Built, and not older than dist/src (a bare `tsc` after `npm run build` leaves a stale bundle, which bin does not run and these tests skip). */
const built = existsSync(DIST_MAIN) && entryOf(pathToFileURL(`${ROOT}/`)).bundle;

describe.skipIf(!built)("the bundle (npm run build first)", () => {
  it("is what bin/asset-sim.js runs after npm run build, and prints what dist/src prints", () => {
    const args = ["run", "quickstart", "--duration", "2s"];
    const viaBin = spawnSync(process.execPath, [join(ROOT, "bin/asset-sim.js"), ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ASSET_SIM_STARTUP_TRACE: "1" } });
    expect(viaBin.status).toBe(0);
    expect(viaBin.stderr).toContain("startup: entry dist/bundle/main.js");
    const bundle = runMain(BUNDLE_MAIN, args);
    const dist = runMain(DIST_MAIN, args);
    expect(bundle.status).toBe(0);
    expect(dist.status).toBe(0);
    expect(dist.stdout).toMatch(/trace digest [0-9a-f]{64}/);
    expect(bundle.stdout).toBe(dist.stdout);
    expect(viaBin.stdout).toBe(dist.stdout);
    expect(withoutSpeed(bundle.stderr)).toBe(withoutSpeed(dist.stderr));
  });

  it("a no-L1 run with --check-determinism: the same JSON report through the bundle", () => {
    const out = mkdtempSync(join(tmpdir(), "asset-sim-bundle-"));
    try {
      const args = (where: string) => ["run", "twins-search", "--duration", "2s", "--check-determinism", "--json", "--out", join(out, where)];
      const bundle = runMain(BUNDLE_MAIN, args("bundle"));
      const dist = runMain(DIST_MAIN, args("dist"));
      expect(bundle.status).toBe(dist.status);
      const strip = (text: string) => JSON.stringify({ ...(JSON.parse(text) as Record<string, unknown>), seedFile: undefined });
      expect(strip(bundle.stdout)).toBe(strip(dist.stdout));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  describe("holds all of the project's code: a package folder with dist/bundle and no dist/src", () => {
    let root: string;
    beforeAll(() => {
      root = mkdtempSync(join(tmpdir(), "asset-sim-bundle-only-"));
      writeFileSync(join(root, "package.json"), JSON.stringify({ name: "asset-sim", version: "0.1.0", type: "module" }));
      cpSync(join(ROOT, "dist/bundle"), join(root, "dist/bundle"), { recursive: true });
      symlinkSync(join(ROOT, "node_modules"), join(root, "node_modules"));
      symlinkSync(join(ROOT, "sim-scenarios"), join(root, "sim-scenarios"));
      mkdirSync(join(root, "programs/asset_rollup"), { recursive: true });
      symlinkSync(join(ROOT, "programs/asset_rollup/asset_rollup.so"), join(root, "programs/asset_rollup/asset_rollup.so"));
    });
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    it("run quickstart (with the L1) gives the same digest as dist/src", () => {
      const args = ["run", "quickstart", "--duration", "1s"];
      const alone = runMain(join(root, "dist/bundle/main.js"), args, {}, root);
      expect(alone.status).toBe(0);
      expect(alone.stdout).toBe(runMain(DIST_MAIN, args).stdout);
    });

    it("explore --jobs 2 runs seeds on the bundled worker; without it, explore fails (the check can fail)", () => {
      const args = ["explore", "quickstart", "--seeds", "2", "--duration", "500ms", "--jobs", "2", "--json", "--out", join(root, "out")];
      const alone = runMain(join(root, "dist/bundle/main.js"), args, {}, root);
      expect(alone.status).toBe(0);
      const result = JSON.parse(alone.stdout) as { seedsRun: number; verdicts: Record<string, number> };
      expect(result.seedsRun).toBe(2);
      expect(result.verdicts.ok).toBe(2);
      // A bundle without its worker entry: the worker thread cannot start (no dist/src to fall back to).
      rmSync(join(root, "dist/bundle/explore-worker.js"));
      const broken = runMain(join(root, "dist/bundle/main.js"), args, {}, root);
      expect(broken.status).not.toBe(0);
      expect(broken.stderr).toContain("explore worker");
    });
  });
});

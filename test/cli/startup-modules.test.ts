/**
 * Startup: a process that does not run the L1 does not load the Solana
 * libraries (@solana/web3.js, @coral-xyz/anchor, litesvm, @solana/kit) nor
 * the real-mode runtime's (pino, prom-client), nor the explore command's
 * (workerpool), nor protobufjs (the SBCP wire codec's, loaded when an SBCP
 * node encodes or decodes); one that runs the L1 of quickstart loads
 * web3.js and litesvm's native binding, but not anchor (its instructions are
 * laid out without the coder) nor @solana/kit, and
 * web3.js only after the run's first node event (building the run names the
 * L1 accounts by base58 address). Checked
 * on the built CLI (`dist/src`, and the bundle `dist/bundle` that
 * `bin/asset-sim.js` runs after `npm run build`) in a fresh
 * process, from Node's module cache after the command: the CommonJS packages
 * are all in it whichever way they were loaded. The startup trace
 * (`ASSET_SIM_STARTUP_TRACE=1`) is checked to print its three lines (the
 * entry `bin/asset-sim.js` ran, modules loaded, first event); its
 * figures are wall time and are not asserted.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { pathToFileURL } from "node:url";
// @ts-expect-error bin/ is plain JavaScript without declarations
import { cliEntry } from "../../bin/cli-entry.js";
import { ROOT } from "../helpers/scenario.js";

const MAIN = join(ROOT, "dist/src/cli/main.js");
/** The esbuild bundle of the CLI (`scripts/bundle.mjs`), what `bin/asset-sim.js` runs after `npm run build`. */
const BUNDLE_MAIN = join(ROOT, "dist/bundle/main.js");

/** Runs `asset-sim ARGS` in a fresh node with the built CLI (`main`: dist/src's or the bundle's); returns the packages in the module cache after it. */
function packagesLoaded(args: readonly string[], preamble = "", main = MAIN): { exitCode: number; packages: string[] } {
  const script = `
    ${preamble}
    import { createRequire } from "node:module";
    const { main } = await import(${JSON.stringify(main)});
    const exitCode = await main(["node", "asset-sim", ...JSON.parse(process.argv[1])], { out: () => {}, err: () => {} });
    const cache = Object.keys(createRequire(import.meta.url).cache);
    const packages = new Set(cache.map((k) => /node_modules[\\\\/]((@[^\\\\/]+[\\\\/])?[^\\\\/]+)/.exec(k)?.[1]?.replace("\\\\", "/")).filter(Boolean));
    console.log(JSON.stringify({ exitCode, packages: [...packages].sort() }));
  `;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script, JSON.stringify(args)], { cwd: ROOT, encoding: "utf8" });
  return JSON.parse(out.trim().split("\n").at(-1)!) as { exitCode: number; packages: string[] };
}

const SOLANA = ["@solana/web3.js", "@coral-xyz/anchor", "litesvm", "@solana/kit"];
const REAL_MODE = ["pino", "prom-client"];

/** The bundle is built and not older than dist/src (what bin runs; a bare `tsc` after the build leaves it stale). */
const bundleFresh = existsSync(BUNDLE_MAIN) && (cliEntry as (root: URL) => { bundle: boolean })(pathToFileURL(`${ROOT}/`)).bundle;

describe.skipIf(!bundleFresh)("startup through the bundle (dist/bundle; npm run build first)", () => {
  it("a run without the L1 loads no Solana library, no real-mode runtime and not the explore command's worker pool", () => {
    const run = packagesLoaded(["run", "twins-search", "--duration", "1s"], "", BUNDLE_MAIN);
    expect(run.exitCode).toBe(0);
    expect(run.packages).toContain("commander"); // the check sees CommonJS packages (external to the bundle)
    expect(run.packages.filter((p) => SOLANA.includes(p) || REAL_MODE.includes(p) || p === "workerpool" || p === "protobufjs")).toEqual([]);
  });

  it("an SBCP run loads protobufjs (the check sees it when it is used)", () => {
    const run = packagesLoaded(["run", "sbcp-quickstart", "--duration", "1s"], "", BUNDLE_MAIN);
    expect(run.exitCode).toBe(0);
    expect(run.packages).toContain("protobufjs");
  });

  it("a run with the L1 loads web3.js and litesvm's binding, not anchor nor @solana/kit", () => {
    const run = packagesLoaded(["run", "quickstart", "--duration", "1s"], "", BUNDLE_MAIN);
    expect(run.exitCode).toBe(0);
    expect(run.packages.filter((p) => SOLANA.includes(p))).toEqual(["@solana/web3.js", "litesvm"]);
  });
});

describe.skipIf(!existsSync(MAIN))("startup (built CLI; npm run build first)", () => {
  it("a run without the L1, and list, load no Solana library and no real-mode runtime", () => {
    const run = packagesLoaded(["run", "twins-search", "--duration", "1s"]);
    expect(run.exitCode).toBe(0);
    expect(run.packages).toContain("commander"); // the check sees CommonJS packages
    expect(run.packages.filter((p) => SOLANA.includes(p) || REAL_MODE.includes(p))).toEqual([]);
    // The explore command's module (and its worker pool) loads only for explore, swarm and shrink.
    expect(run.packages).not.toContain("workerpool");
    const explore = packagesLoaded(["explore", "twins-search", "--seeds", "1", "--duration", "1s", "--jobs", "1", "--out", "/tmp/asset-sim-startup-none"]);
    expect(explore.packages).toContain("workerpool");
    const list = packagesLoaded(["list"]);
    expect(list.packages.filter((p) => SOLANA.includes(p) || REAL_MODE.includes(p))).toEqual([]);
    // The SBCP system is registered for every command, but protobufjs loads only when an SBCP node speaks.
    expect([...run.packages, ...list.packages]).not.toContain("protobufjs");
  });

  it("the check sees a Solana library imported statically (a CLI that imports web3.js at the top, built here)", () => {
    const run = packagesLoaded(["run", "twins-search", "--duration", "1s"], 'import "@solana/web3.js";');
    expect(run.packages).toContain("@solana/web3.js");
  });

  it("a run with the L1 loads web3.js and litesvm's binding, not anchor nor @solana/kit", () => {
    const run = packagesLoaded(["run", "quickstart", "--duration", "1s"]);
    expect(run.exitCode).toBe(0);
    expect(run.packages.filter((p) => SOLANA.includes(p))).toEqual(["@solana/web3.js", "litesvm"]);
  });

  it("a run with the L1 loads web3.js after its first node event: building the run does not need it", () => {
    const firstEvent = (preamble: string) => {
      const script = `
        ${preamble}
        import { createRequire } from "node:module";
        const cache = createRequire(import.meta.url).cache;
        const web3Loaded = () => Object.keys(cache).some((k) => k.includes("@solana/web3.js"));
        const { runScenario } = await import(${JSON.stringify(join(ROOT, "dist/src/scenario/run.js"))});
        const { loadShippedScenario } = await import(${JSON.stringify(join(ROOT, "dist/src/runtime/shipped-scenarios.js"))});
        const { loadProgramElf } = await import(${JSON.stringify(join(ROOT, "dist/src/runtime/program-files.js"))});
        let atFirstEvent;
        const report = runScenario(loadShippedScenario("quickstart", { duration: "1s" }), { programElf: loadProgramElf(), observer: () => { atFirstEvent ??= web3Loaded(); } });
        console.log(JSON.stringify({ exitCode: report.exitCode, atFirstEvent, atEnd: web3Loaded() }));
      `;
      const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, encoding: "utf8" });
      return JSON.parse(out.trim().split("\n").at(-1)!) as { exitCode: number; atFirstEvent: boolean; atEnd: boolean };
    };
    expect(firstEvent("")).toEqual({ exitCode: 0, atFirstEvent: false, atEnd: true });
    // The check sees web3.js loaded before the first event (here by the script itself).
    expect(firstEvent('import "@solana/web3.js";').atFirstEvent).toBe(true);
  });

  it("ASSET_SIM_STARTUP_TRACE=1 prints when the modules were loaded and when the first node event came", () => {
    const child = spawnSync(process.execPath, [join(ROOT, "bin/asset-sim.js"), "run", "twins-search", "--duration", "1s"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, ASSET_SIM_STARTUP_TRACE: "1" },
    });
    expect(child.status).toBe(0);
    const lines = child.stderr.split("\n").filter((l) => l.startsWith("startup:"));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^startup: entry dist\/(bundle\/main\.js|src\/cli\/main\.js)$/);
    expect(lines[1]).toMatch(/^startup: modules loaded at \d+ ms wall, \d+ ms CPU$/);
    expect(lines[2]).toMatch(/^startup: first event at \d+ ms wall, \d+ ms CPU \(process start to the first node event\)$/);
    // Without the variable, nothing.
    const quiet = spawnSync(process.execPath, [join(ROOT, "bin/asset-sim.js"), "run", "twins-search", "--duration", "1s"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, ASSET_SIM_STARTUP_TRACE: "" } });
    expect(quiet.stderr).not.toContain("startup:");
  });
});

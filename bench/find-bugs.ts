/**
 * The bug-finding benchmark (`npm run bench:find-bugs`; on demand, never in
 * CI): for each must-fail case and each explore mode, how many seeds (runs)
 * and how many wall seconds `asset-sim explore --max-failures 1` needs to
 * find the first failure, or "not found in N seeds (T s)".
 *
 * Cases:
 * - the shipped must-fail ones, on the code as built: `twins-must-fail`
 *   , `liveness-too-tight` and `reorg-depth-zero` (sim-scenarios);
 * - the mutants of `bench/mutants.ts`: each one a copy of the package
 *   (`dist/`, `bin/`, `package.json`, `sim-scenarios/`, the program binary,
 *   a `node_modules` symlink) in a temporary folder with textual patches
 *   applied to the copy's `dist/` (each must match exactly once), run as a
 *   subprocess `node <copy>/bin/asset-sim.js explore ...`;
 * - a control: the unpatched copy on the mutants' base scenario, which must
 *   find nothing (a finding there would be a bug of the real code).
 *
 * Modes are explore flags, so a new mode plugs in with one line of
 * {@link MODES}: `swarm` (`--swarm`), `guided` (`--guided`), `twins`
 * (`--twins`, from the `rounds` branch; detected in the copy's
 * `explore --help`, else the column says "not built on this branch").
 *
 * Each case and mode runs `--trials T` times from different first seeds
 * (the case's own seed, then + 1000, + 2000...), since one search finding a
 * bug at its 38th seed says little; a cell reports how many trials found it,
 * the median seeds (runs) and wall seconds to the first failure over those,
 * and the budget of those that did not.
 *
 * Options: `--seeds N` (budget per case, mode and trial, default 60),
 * `--trials T` (default 3), `--jobs J` (default 1), `--only LIST` (case
 * names), `--modes LIST` (default swarm,guided,twins), `--generation G`
 * (guided generation size), `--keep` (keep the temporary copies).
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../src/runtime/program-files.js";
import { applyMutant, MUTANTS, type Mutant } from "./mutants.js";

/** An explore mode: its name, the flags that select it and the flag that sets its budget. */
export interface ExploreMode {
  readonly name: string;
  readonly flags: readonly string[];
  /** `--seeds` (seed ranges, guided runs) or `--budget` (a Twins search: cases). */
  readonly budgetFlag: "--seeds" | "--budget";
  /** What the budget counts, for the table. */
  readonly unit: "seed" | "run" | "case";
}

/** The modes compared, in column order. */
export const MODES: readonly ExploreMode[] = [
  { name: "swarm", flags: ["--swarm"], budgetFlag: "--seeds", unit: "seed" },
  { name: "guided", flags: ["--guided"], budgetFlag: "--seeds", unit: "run" },
  { name: "twins", flags: ["--twins"], budgetFlag: "--budget", unit: "case" },
];

/** A must-fail case: a scenario and, for a mutant, the patches of the copy it runs on. */
interface Case {
  readonly name: string;
  readonly what: string;
  /** Scenario path: relative to the package copy, or absolute. */
  readonly scenario: string;
  readonly mutant?: Mutant;
  /** False for the control, which must find nothing. */
  readonly mustFail: boolean;
  /** A smaller seed budget for a slow case (each run of `reorg-depth-zero` is 40 s virtual with 7 validators). */
  readonly seedsMax?: number;
  /** The scenario's own seed: trial k starts at it + 1000 k. */
  readonly seed: number;
}

/** What one explore invocation found. */
export interface FindResult {
  readonly found: boolean;
  /** Seeds (or runs) up to and including the first failure, or all run when none failed. */
  readonly count: number;
  /** Wall seconds to the first failure (as explore measured it), or of the whole exploration. */
  readonly seconds: number;
  readonly invariant?: string;
  /** Set when explore refused this case in this mode (exit 2; e.g. a Twins search on a base that has twins already): the reason. */
  readonly refused?: string;
}

/**
 * Reads explore's stdout: the `first failure after K seeds (...), T s wall`
 * line, else the seeds run and the wall time of the table.
 * @throws Error when the output has neither (explore failed to start)
 */
export function parseExploreOutput(stdout: string): FindResult {
  const first = /^first failure after (\d+) (?:seeds?|runs?) \(.*\), ([\d.]+) s wall$/m.exec(stdout);
  const invariant = /^FAIL (?:seed \d+|run \d+ \(seed \d+\)) \S+ (\S+):/m.exec(stdout)?.[1];
  if (first !== null) return { found: true, count: Number(first[1]), seconds: Number(first[2]), ...(invariant !== undefined ? { invariant } : {}) };
  const ran = /^(?:seeds run|runs)\s+(\d+)$/m.exec(stdout);
  const wall = /\(wall, ([\d.]+) s;/.exec(stdout);
  if (ran === null || wall === null) throw new Error(`explore printed no table:\n${stdout}`);
  return { found: false, count: Number(ran[1]), seconds: Number(wall[1]) };
}

/** The median of a non-empty list. */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * One cell of the table, over the trials of a case and mode: `3/3: 12 seeds, 4.1 s (agreement)` (medians over the
 * trials that found it), `1/3: 38 seeds, 35.5 s; 2 not in 60`, or `0/3 in 60 seeds (21 s each)`.
 */
export function formatCell(results: readonly FindResult[], unit: string): string {
  const refused = results.find((r) => r.refused !== undefined);
  if (refused !== undefined) return `n/a (${refused.refused})`;
  const found = results.filter((r) => r.found);
  const missed = results.filter((r) => !r.found);
  const plural = (n: number): string => `${n} ${unit}${n === 1 ? "" : "s"}`;
  if (found.length === 0) return `0/${results.length} in ${plural(Math.max(...results.map((r) => r.count)))} (${median(results.map((r) => r.seconds)).toFixed(1)} s each)`;
  const invariants = [...new Set(found.flatMap((r) => (r.invariant === undefined ? [] : [r.invariant])))].join(", ");
  const head = `${found.length}/${results.length}: ${plural(median(found.map((r) => r.count)))}, ${median(found.map((r) => r.seconds)).toFixed(1)} s${invariants === "" ? "" : ` (${invariants})`}`;
  return missed.length === 0 ? head : `${head}; ${missed.length} not in ${plural(Math.max(...missed.map((r) => r.count)))}`;
}

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** A copy of the built package under `dir`, with `node_modules` linked to the real one. */
export function copyPackage(root: string, dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const part of ["dist", "bin", "package.json", "sim-scenarios"]) cpSync(join(root, part), join(dir, part), { recursive: true });
  const elf = join("programs", "asset_rollup", "asset_rollup.so");
  if (existsSync(join(root, elf))) {
    mkdirSync(join(dir, "programs", "asset_rollup"), { recursive: true });
    cpSync(join(root, elf), join(dir, elf));
  }
  symlinkSync(realpathSync(join(root, "node_modules")), join(dir, "node_modules"), "dir");
}

function runExplore(copy: string, scenario: string, mode: ExploreMode, seeds: number, from: number, jobs: number, generation: string | undefined, out: string): FindResult {
  const args = [join(copy, "bin", "asset-sim.js"), "explore", scenario, mode.budgetFlag, String(seeds), "--from", String(from), "--max-failures", "1", "--jobs", String(jobs), "--out", out, ...mode.flags];
  if (generation !== undefined && mode.name === "guided") args.push("--generation", generation);
  const result = spawnSync(process.execPath, args, { cwd: copy, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status === 2) {
    // A mode may not apply to a case (a Twins search on a scenario with twins of its own); any other refusal is a bench bug.
    if (mode.budgetFlag === "--budget") return { found: false, count: 0, seconds: 0, refused: result.stderr.trim().split("\n")[0] ?? "refused" };
    throw new Error(`explore refused its input (exit 2): ${result.stderr}`);
  }
  try {
    return parseExploreOutput(result.stdout);
  } catch (error) {
    throw new Error(`explore ${args.slice(1).join(" ")} ended without its table (status ${result.status}, signal ${result.signal}):\n${result.stderr}`, { cause: error });
  }
}

function modeAvailable(copy: string, mode: ExploreMode): boolean {
  const help = spawnSync(process.execPath, [join(copy, "bin", "asset-sim.js"), "explore", "--help"], { cwd: copy, encoding: "utf8" });
  return mode.flags.every((flag) => `${help.stdout}${help.stderr}`.includes(flag));
}

async function main(): Promise<void> {
  const root = packageRoot();
  const seeds = Number(option("--seeds") ?? "60");
  const trials = Number(option("--trials") ?? "3");
  const jobs = Number(option("--jobs") ?? "1");
  const generation = option("--generation");
  const only = option("--only")?.split(",");
  const modeNames = (option("--modes") ?? MODES.map((m) => m.name).join(",")).split(",");
  const modes = modeNames.map((name) => {
    const mode = MODES.find((m) => m.name === name);
    if (mode === undefined) throw new Error(`--modes: unknown mode ${name} (modes: ${MODES.map((m) => m.name).join(", ")})`);
    return mode;
  });
  if (!Number.isSafeInteger(seeds) || seeds < 1) throw new Error(`--seeds: a positive integer, got ${option("--seeds")}`);
  if (!Number.isSafeInteger(trials) || trials < 1) throw new Error(`--trials: a positive integer, got ${option("--trials")}`);
  if (!existsSync(join(root, "dist", "src", "cli", "main.js"))) throw new Error("dist/ is missing: run npm run build first");

  const seedOf = (path: string): number => (JSON.parse(readFileSync(path, "utf8")) as { seed: number }).seed;
  const shipped = (name: string): string => join(root, "sim-scenarios", `${name}.json`);
  const bft4 = join(root, "bench", "scenarios", "bft-4.json");
  const cases: Case[] = [
    { name: "twins-must-fail", what: "two twins beyond f, split from time 0 (shipped)", scenario: "sim-scenarios/twins-must-fail.json", mustFail: true, seed: seedOf(join(root, "sim-scenarios", "twins-must-fail.json")) },
    { name: "liveness-too-tight", what: "livenessBound below a view timeout (shipped)", scenario: shipped("liveness-too-tight"), mustFail: true, seed: seedOf(shipped("liveness-too-tight")) },
    { name: "reorg-depth-zero", what: "maxReorgDepth 0 under an isolated leader (shipped)", scenario: shipped("reorg-depth-zero"), mustFail: true, seedsMax: 4, seed: seedOf(shipped("reorg-depth-zero")) },
    ...MUTANTS.map((mutant): Case => ({ name: mutant.name, what: mutant.bug, scenario: join(root, mutant.scenario), mutant, mustFail: true, seed: seedOf(join(root, mutant.scenario)) })),
    { name: "control", what: "no mutant, the mutants' base scenario: must find nothing", scenario: bft4, mustFail: false, seed: seedOf(bft4) },
  ].filter((c) => only === undefined || only.includes(c.name));

  const work = mkdtempSync(join(tmpdir(), "asset-sim-find-bugs-"));
  const command = `npm run bench:find-bugs -- --seeds ${seeds} --trials ${trials} --jobs ${jobs}${generation === undefined ? "" : ` --generation ${generation}`}${only === undefined ? "" : ` --only ${only.join(",")}`}`;
  console.log(`find-bugs: ${command}`);
  console.log(`node ${process.version}, ${cpus().length} cores; explore --max-failures 1 --jobs ${jobs}, budget ${seeds} seeds (runs) per case, mode and trial, ${trials} trial(s) from the case's seed + 1000 k`);
  const plain = join(work, "plain");
  copyPackage(root, plain);
  const available = new Map(modes.map((m) => [m.name, modeAvailable(plain, m)]));
  const rows: string[][] = [];
  try {
    for (const c of cases) {
      let copy = plain;
      if (c.mutant !== undefined) {
        copy = join(work, c.name);
        copyPackage(root, copy);
        applyMutant(copy, c.mutant);
      }
      const cells: string[] = [];
      for (const mode of modes) {
        if (available.get(mode.name) !== true) {
          cells.push("not built on this branch");
          continue;
        }
        const results: FindResult[] = [];
        for (let trial = 0; trial < trials; trial++) {
          const from = c.seed + 1000 * trial;
          const result = runExplore(copy, c.scenario, mode, Math.min(seeds, c.seedsMax ?? seeds), from, jobs, generation, join(work, "failures", c.name, mode.name));
          if (!c.mustFail && result.found) console.log(`WARNING: the control found a failure in ${mode.name} mode (from ${from}): a bug of the real code (see ${join(work, "failures", c.name)})`);
          console.log(`${c.name} ${mode.name} from ${from}: ${result.found ? `found after ${result.count}, ${result.seconds.toFixed(1)} s (${result.invariant ?? "?"})` : `not found in ${result.count} (${result.seconds.toFixed(1)} s)`}`);
          results.push(result);
        }
        cells.push(formatCell(results, mode.unit));
      }
      rows.push([c.name, cells.join(" | ")]);
    }
  } finally {
    if (process.argv.includes("--keep")) console.log(`kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
  console.log("");
  console.log(`| case | ${modes.map((m) => m.name).join(" | ")} |`);
  console.log(`| --- | ${modes.map(() => "---").join(" | ")} |`);
  for (const [name, cells] of rows) console.log(`| ${name} | ${cells} |`);
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === realpathSync(new URL(import.meta.url).pathname)) await main();

/**
 * Memory over a long run (issue 15, item 2; `npm run bench -- --only memory`):
 * quickstart for 10 simulated minutes with `sim` signatures and no L1, then
 * as shipped (ed25519-native, the L1 on). Per simulated minute: the heap after
 * a full garbage collection, the array buffers outside it, the resident set,
 * and the wall time of that minute (from the run's observer). Then the heap's
 * growth in MB per simulated minute (first to last minute), the speed of the
 * first and the tenth minute (sim s/wall s), and the process's peak RSS so far.
 * Memory is not reset between rows: compare each row's heap growth, not its level.
 * The rows run under the heap settings the CLI uses for a 10-minute run (`--heap-growth 30`,
 * `--optimize-for-size auto`, which is on for it), put back afterwards.
 * Last, the command a user runs, `asset-sim run quickstart --duration 600s`, as a
 * fresh process with the defaults, with `--optimize-for-size never`, and with
 * `--heap-growth 0 --optimize-for-size never` (V8's own settings): its peak RSS,
 * CPU and speed (issue 15's 300 MB goal).
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { parseScenario } from "../src/scenario/load.js";
import { runScenario } from "../src/scenario/run.js";
import { loadProgramElf, packageRoot } from "../src/runtime/program-files.js";
import { applyHeapGrowth, HEAP_GROWTH_PERCENT_DEFAULT } from "../src/cli/heap-growth.js";

/** Simulated minutes per row. */
const MINUTES = 10;

/** A full garbage collection (exposed at run time, so `node dist/bench/run.js` needs no flag). */
function collector(): () => void {
  setFlagsFromString("--expose-gc");
  return runInNewContext("gc") as () => void;
}

/** One minute's figures. */
interface Minute {
  readonly heapMB: number;
  readonly arrayBuffersMB: number;
  readonly rssMB: number;
  readonly wallS: number;
}

function runMinutes(raw: Record<string, unknown>, l1: boolean, gc: () => void): Minute[] {
  const minutes: Minute[] = [];
  let next = 60e6;
  let start = performance.now();
  // One second more, so the observer sees the end of the last minute.
  runScenario(parseScenario({ ...raw, duration: `${MINUTES * 60 + 1}s` }), {
    ...(l1 ? { programElf: loadProgramElf() } : {}),
    observer: (o) => {
      if (o.timeUs < next) return;
      next += 60e6;
      const wallS = (performance.now() - start) / 1000;
      gc();
      const m = process.memoryUsage();
      minutes.push({ heapMB: m.heapUsed / 1e6, arrayBuffersMB: m.arrayBuffers / 1e6, rssMB: m.rss / 1e6, wallS });
      start = performance.now();
    },
  });
  return minutes;
}

/** Prints the memory rows with `log`. */
export function benchMemory(log: (line: string) => void): void {
  const gc = collector();
  const quickstart = JSON.parse(readFileSync(join(packageRoot(), "sim-scenarios", "quickstart.json"), "utf8")) as Record<string, unknown>;
  const rows: [string, Record<string, unknown>, boolean][] = [
    ["quickstart, sim signatures, no L1", { ...quickstart, validators: { count: 7, blockTime: "250ms", viewTimeout: "1s", signatureScheme: "sim" }, l1: { enabled: false } }, false],
    ["quickstart as shipped (ed25519-native, L1)", quickstart, true],
  ];
  log(`\nmemory: ${MINUTES} simulated minutes (heap after gc, MB; speed in sim s/wall s; --heap-growth ${HEAP_GROWTH_PERCENT_DEFAULT}, V8's optimize-for-size on, as the CLI runs it)`);
  applyHeapGrowth(HEAP_GROWTH_PERCENT_DEFAULT);
  setFlagsFromString("--optimize-for-size");
  try {
    memoryRows(rows, gc, log);
  } finally {
    setFlagsFromString("--no-optimize-for-size");
    applyHeapGrowth(0);
  }
}

function memoryRows(rows: readonly [string, Record<string, unknown>, boolean][], gc: () => void, log: (line: string) => void): void {
  for (const [label, raw, l1] of rows) {
    const minutes = runMinutes(raw, l1, gc);
    log(`${label}`);
    log("minute   heap MB   arrayBuffers MB   rss MB   sim s/wall s");
    minutes.forEach((m, i) => log(`${String(i + 1).padStart(6)} ${m.heapMB.toFixed(1).padStart(9)} ${m.arrayBuffersMB.toFixed(1).padStart(17)} ${m.rssMB.toFixed(0).padStart(8)} ${(60 / m.wallS).toFixed(1).padStart(14)}`));
    const first = minutes[0]!;
    const last = minutes[minutes.length - 1]!;
    const growth = minutes.length > 1 ? (last.heapMB - first.heapMB) / (minutes.length - 1) : 0;
    log(
      `heap growth ${growth.toFixed(2)} MB per simulated minute; first minute ${(60 / first.wallS).toFixed(1)} sim s/wall s, minute ${minutes.length} ${(60 / last.wallS).toFixed(1)}; peak RSS so far ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
    );
  }
}

/** Peak RSS (MB), CPU (s) and the speed line of `asset-sim run quickstart --duration DURATION ARGS` in a fresh process. */
export function cliRun(duration: string, args: readonly string[]): { readonly peakMB: number; readonly cpuS: number; readonly speed: string } {
  // The child prints its own rusage at exit: peak RSS is the process's, whatever ran it.
  const script = `const { main } = await import(${JSON.stringify(join(packageRoot(), "dist", "src", "cli", "main.js"))});
    const code = await main(["node", "asset-sim", ...JSON.parse(process.argv[1])], { out: () => {}, err: (t) => { if (t.startsWith("speed:")) process.stdout.write(t + "\\n"); } });
    const u = process.resourceUsage();
    process.stdout.write(JSON.stringify({ code, maxRSS: u.maxRSS, cpuUs: u.userCPUTime + u.systemCPUTime }) + "\\n");`;
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script, JSON.stringify(["run", "quickstart", "--duration", duration, ...args])], { encoding: "utf8" });
  const lines = child.stdout.trim().split("\n");
  const usage = JSON.parse(lines[lines.length - 1]!) as { code: number; maxRSS: number; cpuUs: number };
  if (usage.code !== 0) throw new Error(`run quickstart ${args.join(" ")} exited ${usage.code}`);
  return { peakMB: usage.maxRSS / 1024, cpuS: usage.cpuUs / 1e6, speed: lines.find((l) => l.startsWith("speed:")) ?? "" };
}

/** Prints the peak RSS of the CLI over 10 simulated minutes of quickstart with the default heap settings, without optimize-for-size, and with V8's own. */
export function benchCliMemory(log: (line: string) => void): void {
  log("\nmemory: `asset-sim run quickstart --duration 600s`, a fresh process each (issue 15 goal: peak RSS under 300 MB)");
  const variants = [
    ["defaults (optimize-for-size on: auto)", []],
    ["--optimize-for-size never", ["--optimize-for-size", "never"]],
    ["--heap-growth 0 --optimize-for-size never", ["--heap-growth", "0", "--optimize-for-size", "never"]],
  ] as const;
  for (const [label, args] of variants) {
    const r = cliRun(`${MINUTES * 60}s`, args);
    log(`${label.padEnd(42)} peak RSS ${r.peakMB.toFixed(0)} MB, CPU ${r.cpuS.toFixed(1)} s, ${r.speed}`);
  }
}

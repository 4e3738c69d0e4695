/**
 * Where a quickstart's time goes, and the fastest any change to the
 * transaction path alone could make it (issue 15, item 4: "say what the
 * remaining floor is"; `npm run bench -- --only floor`).
 *
 * For each signature scheme, in this process, best of `repeat`:
 * - the run as shipped (7 validators, 200 tx/s, the L1 on);
 * - the same run with no workload: consensus, the checkers, the L1 and the
 *   batch poster, with no transaction to carry;
 * - the same with no workload and no L1: consensus alone;
 * - the clients' signatures alone: as many signatures of a transaction-sized
 *   message as the run submitted transactions, with 64 keys.
 * The floor is the run with no workload plus the clients' signatures: what is
 * left if everything else a transaction costs (its messages, each
 * validator's admission, mempool, execution, commit, disk writes and the
 * checkers) cost nothing. The last column is the time per submitted
 * transaction that a target would leave to that transaction path, against
 * what it takes now.
 *
 * Then the same for high-load (4 validators, 4,000 tx/s, `sim` signatures, 10 s).
 *
 * Last, the whole process, as issue 15 states its targets ("whole process,
 * `npx asset-sim run`"): `node bin/asset-sim.js run` on 30 s of quickstart as
 * shipped and with no workload, each in a fresh process timed from outside,
 * beside `--version` (node's own start-up and the CLI's modules). A target
 * whose wall time is below the no-workload process cannot be met by any
 * change to the transaction path: the run it times carries no transaction.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSignatureScheme } from "../src/crypto/schemes.js";
import { packageRoot } from "../src/runtime/program-files.js";
import type { SignatureSchemeName } from "../src/crypto/signature.js";
import { measure, rawShipped, SIM_SIGNATURES } from "./sharing.js";

/** Wall seconds of `count` signatures of 150-byte messages with `scheme`, 64 keys, best of `repeat`. */
function signingSeconds(scheme: SignatureSchemeName, count: number, repeat: number): number {
  const s = createSignatureScheme(scheme);
  const keys = Array.from({ length: 64 }, (_, i) => s.keyPairFromSeed(new Uint8Array(32).fill(i + 1)));
  const message = new Uint8Array(150);
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < repeat; r++) {
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      message[0] = i & 0xff;
      message[1] = (i >> 8) & 0xff;
      s.sign(keys[i % keys.length]!.secretKey, message);
    }
    best = Math.min(best, (performance.now() - start) / 1000);
  }
  return best;
}

/** One scenario's decomposition, judged against `target` sim s/wall s. */
function decompose(log: (line: string) => void, label: string, raw: Record<string, unknown>, scheme: SignatureSchemeName, target: number, repeat: number): void {
  const full = measure(raw, {}, repeat);
  const noWorkload = measure({ ...raw, workload: { txPerSecond: 0 } }, {}, repeat);
  const consensusOnly = measure({ ...raw, workload: { txPerSecond: 0 }, l1: { enabled: false } }, {}, repeat);
  const simS = full.report.virtualDurationUs / 1e6;
  const submitted = full.report.metrics.transactionsSubmitted;
  const signing = signingSeconds(scheme, submitted, repeat);
  const floor = noWorkload.wall + signing;
  const txPathNowUs = ((full.wall - floor) / submitted) * 1e6;
  const targetWall = simS / target;
  const txPathAllowedUs = ((targetWall - floor) / submitted) * 1e6;
  const speed = (wall: number): string => `${(simS / wall).toFixed(1)} sim s/wall s (${wall.toFixed(2)} s)`;
  log(`${label}: ${simS} simulated s, ${submitted} transactions submitted`);
  const line = (what: string, figure: string): void => log(`  ${what.padEnd(42)} ${figure}`);
  line("as shipped", speed(full.wall));
  line("no workload (consensus, checkers, L1)", speed(noWorkload.wall));
  line("no workload, no L1 (consensus, checkers)", speed(consensusOnly.wall));
  line(`the clients' ${scheme} signatures alone`, `${signing.toFixed(2)} s (${((signing / submitted) * 1e6).toFixed(1)} us each)`);
  line("floor: no workload + the signatures", speed(floor));
  log(
    `  target ${target} sim s/wall s = ${targetWall.toFixed(2)} s: leaves ${txPathAllowedUs > 0 ? `${txPathAllowedUs.toFixed(0)} us` : "nothing (below the floor)"} per transaction for its path, which takes ${txPathNowUs.toFixed(0)} us now`,
  );
}

/**
 * Wall seconds of `node bin/asset-sim.js ARGS` in a fresh process, timed from this one, best of `repeat`.
 * @throws Error when the command exits with a code other than 0
 */
function processSeconds(args: readonly string[], repeat: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < repeat; r++) {
    const start = performance.now();
    const child = spawnSync(process.execPath, [join(packageRoot(), "bin", "asset-sim.js"), ...args], { encoding: "utf8" });
    const wall = (performance.now() - start) / 1000;
    if (child.status !== 0) throw new Error(`asset-sim ${args.join(" ")} exited ${child.status}: ${child.stderr}`);
    best = Math.min(best, wall);
  }
  return best;
}

/** The whole-process rows (see the module docstring): quickstart as shipped and with no workload, against each target. */
function wholeProcess(log: (line: string) => void, repeat: number): void {
  const durationS = 30;
  log(`\nthe whole process: \`node bin/asset-sim.js run SCENARIO --duration ${durationS}s\`, a fresh process each, timed from outside (best of ${repeat})`);
  const dir = mkdtempSync(join(tmpdir(), "asset-sim-floor-"));
  try {
    const startUp = processSeconds(["--version"], repeat);
    log(`  ${"--version (node and the CLI's modules)".padEnd(42)} ${startUp.toFixed(2)} s`);
    const quickstart = rawShipped("quickstart");
    const rows = [
      { label: "quickstart, ed25519-native", raw: quickstart, target: 40 },
      { label: "quickstart, sim signatures", raw: { ...quickstart, validators: SIM_SIGNATURES }, target: 80 },
    ];
    for (const row of rows) {
      const shipped = join(dir, "shipped.json");
      const idle = join(dir, "no-workload.json");
      writeFileSync(shipped, JSON.stringify(row.raw));
      writeFileSync(idle, JSON.stringify({ ...row.raw, workload: { txPerSecond: 0 } }));
      const full = processSeconds(["run", shipped, "--duration", `${durationS}s`], repeat);
      const noWorkload = processSeconds(["run", idle, "--duration", `${durationS}s`], repeat);
      const targetWall = durationS / row.target;
      const speed = (wall: number): string => `${(durationS / wall).toFixed(1)} sim s/wall s (${wall.toFixed(2)} s)`;
      log(`${row.label}:`);
      log(`  ${"as shipped".padEnd(42)} ${speed(full)}`);
      log(`  ${"no workload (not one transaction)".padEnd(42)} ${speed(noWorkload)}`);
      log(
        `  target ${row.target} sim s/wall s = ${targetWall.toFixed(2)} s: ${noWorkload > targetWall ? `below the run with no workload by ${(noWorkload - targetWall).toFixed(2)} s` : `leaves ${(targetWall - noWorkload).toFixed(2)} s for the transactions`}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Prints the decompositions and the whole-process rows (see the module docstring). */
export function benchFloor(log: (line: string) => void, repeat: number): void {
  log(`\nwhere the time goes: each run beside the same run without its transactions (in-process, best of ${repeat})`);
  const quickstart = rawShipped("quickstart");
  decompose(log, "quickstart, ed25519-native", quickstart, "ed25519-native", 40, repeat);
  decompose(log, "quickstart, sim signatures", { ...quickstart, validators: SIM_SIGNATURES }, "sim", 80, repeat);
  decompose(log, "high-load (10 s)", { ...rawShipped("high-load"), duration: "10s" }, "sim", 2, repeat);
  wholeProcess(log, repeat);
}

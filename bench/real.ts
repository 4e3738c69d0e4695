/**
 * Real mode against the simulator (on demand: `npm run bench -- --only real`):
 * a 4-validator testnet of real processes on loopback (libp2p: TCP, Noise, Yamux; files, real
 * clock, ed25519-native signatures, four client processes) at a fixed
 * offered load, and the same scenario simulated (same validators, block time, view
 * timeout, workload; loopback-like 0.1-0.5 ms links; no L1). Prints committed
 * TPS and submit-to-commit latency p50/p95/p99 side by side.
 *
 * Four clients rather than one: a client draws a timer per submission, and
 * real timers have millisecond granularity (rounded up), so one client offered
 * 500 tx/s (2 ms mean gaps) really submits about 320 tx/s.
 *
 * Real TPS is counted from the first commit (the processes take a second or
 * two to start); the simulated run commits from its first block time.
 */
import { pathToFileURL } from "node:url";
import { configGenGenerator } from "../src/cli/testnet-command.js";
import { runTestnet } from "../src/runtime/testnet.js";
import { parseScenario } from "../src/scenario/load.js";
import { runScenario } from "../src/scenario/run.js";

/** Runs both for `durationS` seconds at `offeredTps` and prints the comparison. */
export async function benchReal(print: (line: string) => void, durationS = 20, offeredTps = 500, clients = 4): Promise<void> {
  const blockTime = "250ms";
  const viewTimeout = "1s";
  const { summary, exitCode } = await runTestnet(
    { validators: 4, clients, txPerSecond: offeredTps, seed: 1, blockTimeUs: 250_000, viewTimeoutUs: 1_000_000, durationMs: durationS * 1000 },
    configGenGenerator,
  );
  const scenario = parseScenario({
    name: "bench-real-vs-sim",
    seed: 1,
    duration: `${durationS}s`,
    validators: { count: 4, blockTime, viewTimeout, signatureScheme: "ed25519-native" },
    network: { latency: { min: "100us", max: "500us" } },
    workload: { txPerSecond: offeredTps, clients, accountsPerClient: 8 },
    l1: { enabled: false },
  });
  const report = runScenario(scenario);
  const x = report.metrics.execution;
  const ms = (value: number | null): string => (value === null ? "-" : `${Math.round(value)}`);
  const us = (value: number | null): string => (value === null ? "-" : `${Math.round(value / 1000)}`);
  print(`\nreal mode vs simulation: 4 validators, ${blockTime} blocks, ${viewTimeout} view timeout, ${offeredTps} tx/s offered by ${clients} client processes (8 accounts each), ${durationS} s, ed25519-native, no L1`);
  print("mode        committed tx   tx/s   latency p50   p95    p99 (ms)   commits   agreement");
  print(
    `real        ${String(summary.transactionsCommitted).padStart(12)} ${summary.committedTpsSinceFirstCommit.toFixed(1).padStart(6)} ${ms(summary.latencyMs.p50).padStart(13)} ${ms(summary.latencyMs.p95).padStart(5)} ${ms(summary.latencyMs.p99).padStart(6)} ${String(summary.commits).padStart(12)}   ${summary.agreed ? "ok" : "VIOLATED"} (exit ${exitCode})`,
  );
  print(
    `simulated   ${String(report.metrics.transactionsCommitted).padStart(12)} ${x.committedTps.toFixed(1).padStart(6)} ${us(x.latencyUs.p50).padStart(13)} ${us(x.latencyUs.p95).padStart(5)} ${us(x.latencyUs.p99).padStart(6)} ${String(report.metrics.commits).padStart(12)}   ${report.exitCode === 0 ? "ok" : `exit ${report.exitCode}`}`,
  );
  print(`real: first commit ${summary.firstCommitS ?? "-"} s after start; ${summary.transactionsSubmitted} submissions logged; tx/s counted from the first commit (${summary.committedTps} over the whole run)`);
}

// `node dist/bench/real.js [durationS] [offeredTps]`: a longer run counts more blocks on a loaded machine.
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [durationS, offeredTps] = [process.argv[2], process.argv[3]].map((a) => (a === undefined ? undefined : Number(a)));
  await benchReal(console.log, durationS, offeredTps);
}

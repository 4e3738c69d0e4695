/**
 * Whole-pipeline throughput in simulation (on demand: `npm run bench`, or
 * `node dist/bench/pipeline.js`): four validators, 250 ms blocks of at most
 * 5,000 transactions (a capacity of 20,000 tx/s), wallet clients offering
 * 12,000 signed transactions per second (the project's 10,000 TPS target
 * plus headroom), the sim signature scheme. Prints the committed TPS and
 * latency in simulated time, and how fast the simulation ran.
 */
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { parseScenario } from "../src/scenario/load.js";
import { runScenario } from "../src/scenario/run.js";
import { loadProgramElf } from "../src/runtime/program-files.js";

/** Runs the pipeline scenario for `durationS` virtual seconds at `offeredTps` and prints its figures. */
export function benchPipeline(print: (line: string) => void, durationS = 10, offeredTps = 12_000): void {
  const scenario = parseScenario({
    name: "bench-pipeline",
    seed: 11,
    duration: `${durationS}s`,
    validators: { count: 4, blockTime: "250ms", viewTimeout: "1s", signatureScheme: "sim", maxBlockTransactions: 5000 },
    network: { latency: { min: "5ms", max: "30ms" } },
    workload: { txPerSecond: offeredTps, clients: 32, accountsPerClient: 32, mix: { transfer: 0.95, script: 0.05 } },
    l1: { enabled: false },
  });
  const start = performance.now();
  const report = runScenario(scenario, { programElf: loadProgramElf() });
  const wallS = (performance.now() - start) / 1000;
  const x = report.metrics.execution;
  const ms = (us: number | null): string => (us === null ? "-" : `${Math.round(us / 1000)} ms`);
  print(`\npipeline: 4 validators, 250 ms blocks (max 5000 tx), ${offeredTps} tx/s offered for ${durationS} s virtual, sim signatures`);
  print(`committed ${report.metrics.transactionsCommitted} tx = ${x.committedTps} tx/s (simulated time); latency p50 ${ms(x.latencyUs.p50)} p95 ${ms(x.latencyUs.p95)} p99 ${ms(x.latencyUs.p99)}; block interval p50 ${ms(x.blockIntervalUs.p50)} p95 ${ms(x.blockIntervalUs.p95)}; mempool depth max ${x.mempoolDepthMax}`);
  print(`wall ${wallS.toFixed(1)} s = ${(durationS / wallS).toFixed(2)} sim s/wall s; ${Math.round(report.metrics.transactionsCommitted / wallS)} committed tx per wall second (each executed by all 4 validators); exit ${report.exitCode}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) benchPipeline(console.log);

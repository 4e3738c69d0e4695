/**
 * Benchmarks (on demand, never in CI): `npm run bench`.
 *
 * 1. Signature schemes: sign and verify operations per second.
 * 2. Simulation speed: a 7-validator, 250 ms block time, 60 s scenario (200 tx/s,
 *    5-40 ms latency, 1% drops) with each signature scheme: simulated seconds per
 *    wall second and events per second.
 *
 * 3. Sparse Merkle tree: build, block updates, proofs (`bench/merkle.ts`).
 * 4. AssetVM: transfers per second with state-root updates at 10^4 and 10^6
 *    accounts; block verification time per signature scheme (`bench/vm.ts`).
 * 5. Whole pipeline: committed TPS in simulated time at 12,000 tx/s offered (`bench/pipeline.ts`).
 * 6. L1: AssetRollup transactions per second in litesvm inside the simulation, and the
 *    simulator's speed with and without the L1 (`bench/l1.ts`).
 *
 * 7. Exploration: seeds per minute of `explore` on quickstart, 1 and 2 jobs (`bench/explore.ts`;
 *    8 seeds of 10 s virtual each, not affected by `--duration`).
 * 8. Real mode: committed TPS and latency of a 4-validator testnet of real processes on loopback
 *    (20 s at 500 tx/s offered) beside the same scenario simulated (`bench/real.ts`), and the libp2p
 *    transport's own cost per message (`bench/transport.ts`).
 * 9. Twins search: cases and seconds to the first failure of `explore --twins` on a scenario that
 *    must fail (two twins among four validators), and cases per second within f (`bench/twins.ts`).
 * 10. Shared work between simulated validators: quickstart (ed25519-native, `sim` signatures, no L1,
 *    no workload) and high-load with sharing off and on, beside issue 15's figures before (`bench/sharing.ts`;
 *    best of min(--repeat, 2)).
 * 11. Memory: quickstart for 10 simulated minutes (`sim` signatures and no L1, then as shipped; then the CLI as a fresh process, peak RSS with and without the default `--heap-growth`): heap
 *    after gc per simulated minute, MB per simulated minute, first and tenth minute's speed (`bench/memory.ts`;
 *    not affected by `--duration`).
 *
 * 12. SBCP: simulated seconds and xTs decided per wall second of `sbcp-quickstart` (`bench/sbcp.ts`;
 *    its own 60 s unless `--duration`).
 *
 * 13. Floor: each of quickstart (ed25519-native, `sim` signatures) and high-load beside the same run with no
 *    workload and with no workload and no L1, and the clients' signatures alone: the fastest a change to the
 *    transaction path alone could make the run, and what each issue-15 target leaves per transaction; then the
 *    whole process (`bin/asset-sim.js run`, fresh, timed from outside) on quickstart as shipped and with no
 *    workload, against the quickstart targets (`bench/floor.ts`).
 *
 * Options: `--repeat N` (default 3, the best run is reported), `--duration D` (default 60s),
 * `--only LIST` (comma-separated sections: signatures, simulation, sharing, merkle, vm, pipeline, l1, explore, real, twins, memory, sbcp, floor).
 */
import { createSignatureScheme } from "../src/crypto/schemes.js";
import { SIGNATURE_SCHEMES } from "../src/crypto/signature.js";
import { parseDurationUs } from "../src/config/duration.js";
import { parseScenario } from "../src/scenario/load.js";
import { runScenario } from "../src/scenario/run.js";
import { loadProgramElf } from "../src/runtime/program-files.js";
import { benchMerkle } from "./merkle.js";
import { benchPipeline } from "./pipeline.js";
import { benchVm } from "./vm.js";
import { benchL1 } from "./l1.js";
import { benchExplore } from "./explore.js";
import { benchReal } from "./real.js";
import { benchTransport } from "./transport.js";
import { benchTwins } from "./twins.js";
import { benchSharing } from "./sharing.js";
import { benchCliMemory, benchMemory } from "./memory.js";
import { benchSbcp } from "./sbcp.js";
import { benchFloor } from "./floor.js";

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const repeat = Math.max(1, Number(option("--repeat", "3")));
const parsedDuration = parseDurationUs(option("--duration", "60s"));
if (typeof parsedDuration === "string") throw new Error(`--duration: ${parsedDuration}`);
const durationUs: number = parsedDuration;

function opsPerSecond(run: () => void, minMs = 300): number {
  let ops = 0;
  const start = performance.now();
  while (performance.now() - start < minMs) {
    for (let i = 0; i < 50; i++) run();
    ops += 50;
  }
  return ops / ((performance.now() - start) / 1000);
}

const SECTIONS = ["signatures", "simulation", "sharing", "merkle", "vm", "pipeline", "l1", "explore", "real", "twins", "memory", "sbcp", "floor"] as const;
const only = option("--only", SECTIONS.join(",")).split(",");
for (const name of only) if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`--only: unknown section ${name} (sections: ${SECTIONS.join(", ")})`);
const wanted = (name: (typeof SECTIONS)[number]): boolean => only.includes(name);

console.log(`node ${process.version}, ${process.arch}`);
if (wanted("signatures")) benchSignatures();
if (wanted("simulation")) benchSimulation();
if (wanted("sharing")) benchSharing(console.log, Math.min(repeat, 2));
if (wanted("merkle")) await benchMerkle(console.log);
if (wanted("vm")) benchVm(console.log);
if (wanted("pipeline")) benchPipeline(console.log);
if (wanted("l1")) benchL1(console.log, durationUs / 1e6, repeat);
if (wanted("explore")) await benchExplore(console.log);
if (wanted("real")) {
  await benchReal(console.log);
  await benchTransport(console.log);
}
if (wanted("twins")) benchTwins(console.log);
if (wanted("memory")) {
  benchMemory(console.log);
  benchCliMemory(console.log);
}
if (wanted("floor")) benchFloor(console.log, Math.min(repeat, 2));
if (wanted("sbcp")) benchSbcp(console.log, process.argv.includes("--duration") ? durationUs : undefined, repeat);

function benchSignatures(): void {
  console.log("\nsignature schemes (64-byte messages)");
  console.log("scheme          sign/s      verify/s");
  for (const name of SIGNATURE_SCHEMES) {
    const scheme = createSignatureScheme(name);
    const keys = scheme.keyPairFromSeed(new Uint8Array(32).fill(7));
    const message = new Uint8Array(64).fill(3);
    const signature = scheme.sign(keys.secretKey, message);
    const sign = opsPerSecond(() => scheme.sign(keys.secretKey, message));
    const verify = opsPerSecond(() => scheme.verify(keys.publicKey, message, signature));
    console.log(`${name.padEnd(15)} ${Math.round(sign).toString().padStart(9)} ${Math.round(verify).toString().padStart(12)}`);
  }
}

function benchSimulation(): void {
  console.log(`\nsimulation: 7 validators, 250 ms blocks, ${durationUs / 1e6} s virtual, 200 tx/s, 1% drops, no L1 (best of ${repeat})`);
  console.log("scheme          sim s/wall s   events/s   events   commits   digest");
  for (const signatureScheme of SIGNATURE_SCHEMES) {
    const scenario = parseScenario({
      name: "bench-7x250ms",
      seed: 1,
      duration: durationUs,
      validators: { count: 7, blockTime: "250ms", viewTimeout: "1s", signatureScheme },
      network: { latency: { min: "5ms", max: "40ms" }, dropRate: 0.01 },
      workload: { txPerSecond: 200 },
      l1: { enabled: false },
    });
    let bestMs = Infinity;
    let report = runScenario(scenario, { programElf: loadProgramElf() });
    for (let i = 0; i < repeat; i++) {
      const start = performance.now();
      report = runScenario(scenario, { programElf: loadProgramElf() });
      bestMs = Math.min(bestMs, performance.now() - start);
    }
    const wallSeconds = bestMs / 1000;
    console.log(
      `${signatureScheme.padEnd(15)} ${(report.virtualDurationUs / 1e6 / wallSeconds).toFixed(1).padStart(12)} ${Math.round(report.events / wallSeconds).toString().padStart(10)} ${report.events.toString().padStart(8)} ${report.metrics.commits.toString().padStart(9)}   ${report.traceDigest.slice(0, 12)}`,
    );
  }
}

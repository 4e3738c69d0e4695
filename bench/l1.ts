/**
 * L1 benchmarks (`npm run bench -- --only l1`):
 *
 * 1. The AssetRollup program in litesvm inside the simulation: `submit_batch_root`
 *    transactions (signed beforehand: signing is the client's cost) sent to a
 *    simulated L1 node as RPC messages and executed at slot boundaries on
 *    virtual time; L1 transactions executed per wall second, without and with
 *    preflight (a simulation of each transaction at send time, as an RPC node does).
 * 2. The simulator's speed on the same cluster with and without the L1 (the
 *    L1 node, the batch poster and the operator), so the cost of the real
 *    runtime in the loop is known.
 */
import type { L1RpcMessage } from "../src/l1/l1-wire.js";
import { L1Node } from "../src/l1/l1-node.js";
import { decodeRollupConfig } from "../src/l1/rollup-accounts.js";
import { configAddress, deriveSolanaKeypair, rollupInstructions, rollupProgramId, signTransaction } from "../src/l1/rollup-program.js";
import { decodeL1Response, encodeL1Request, type L1Request, type L1Response } from "../src/l1/rpc-messages.js";
import { loadProgramElf } from "../src/runtime/program-files.js";
import { parseScenario } from "../src/scenario/load.js";
import { runScenario } from "../src/scenario/run.js";
import { SimHost } from "../src/sim/host.js";
import { Simulation } from "../src/sim/simulation.js";
import { SimDisk } from "../src/storage/sim-disk.js";

const SLOT_US = 400_000;

/** One L1 node in a simulation, fed requests directly (no network), its responses collected. */
function l1Rig(elf: Uint8Array, funded: string[]): { sim: Simulation; node: () => L1Node; request: (r: L1Request) => void; responses: L1Response[] } {
  const sim = new Simulation(1);
  const responses: L1Response[] = [];
  let node: L1Node | undefined;
  const host = new SimHost<L1RpcMessage>({
    id: "l1",
    sim,
    createNode: () =>
      (node = new L1Node({
        programs: [{ programId: rollupProgramId().toBase58(), elf }],
        accounts: funded.map((address) => ({ address, lamports: 1_000_000_000_000n })),
        maxTransactionsPerSlot: 100_000,
        maxQueuedTransactions: 100_000,
      })),
    storage: new SimDisk(),
    transmit: (_from, _to, msg) => {
      if (msg.type === "l1-rpc") responses.push(decodeL1Response(msg.data));
    },
    observe: () => {},
    onNodeError: (_node, error) => {
      throw error;
    },
  });
  host.start();
  return { sim, node: () => node!, request: (r) => host.deliver("bench", { type: "l1-rpc", data: encodeL1Request(r) }), responses };
}

function benchL1Execution(print: (line: string) => void, elf: Uint8Array, transactions: number, skipPreflight: boolean): void {
  const authority = deriveSolanaKeypair("bench/operator", 1);
  const poster = deriveSolanaKeypair("bench/poster", 1);
  const rig = l1Rig(elf, [authority.publicKey.toBase58(), poster.publicKey.toBase58()]);
  rig.sim.run(SLOT_US + 1, Number.MAX_SAFE_INTEGER);
  rig.request({ kind: "get-latest-blockhash", id: 1, commitment: "processed" });
  const blockhash = rig.responses.find((r) => r.kind === "latest-blockhash");
  if (blockhash?.kind !== "latest-blockhash") throw new Error("no blockhash from the L1 node");
  const init = signTransaction([rollupInstructions.initialize(authority.publicKey, poster.publicKey, 1)], [authority], blockhash.blockhash);
  rig.request({ kind: "send-transaction", id: 2, tx: init.bytes, skipPreflight: false });
  rig.sim.run(rig.sim.nowUs + 2 * SLOT_US, Number.MAX_SAFE_INTEGER);

  // Preflight simulates against the processed state only, so queued submits of consecutive heights would fail it
  // (HeightNotNext); with preflight the bench sends set_version transactions, each valid on its own.
  const root = new Uint8Array(32).fill(7);
  const signed = Array.from({ length: transactions }, (_, i) =>
    skipPreflight
      ? signTransaction([rollupInstructions.submitBatchRoot(poster.publicKey, i + 1, root)], [poster], blockhash.blockhash).bytes
      : signTransaction([rollupInstructions.setVersion(authority.publicKey, i + 2)], [authority], blockhash.blockhash).bytes,
  );
  const executedBefore = rig.node().stats.transactionsExecuted;
  const start = performance.now();
  signed.forEach((tx, i) => rig.request({ kind: "send-transaction", id: 10 + i, tx, skipPreflight }));
  rig.sim.run(rig.sim.nowUs + 2 * SLOT_US, Number.MAX_SAFE_INTEGER);
  const wallS = (performance.now() - start) / 1000;
  const executed = rig.node().stats.transactionsExecuted - executedBefore;
  const config = decodeRollupConfig(rig.node().accountAt(configAddress().toBase58(), "processed")!.data);
  const expected = skipPreflight ? config.lastBatchHeight === BigInt(transactions) : config.version === transactions + 1;
  if (executed !== transactions || !expected) throw new Error(`expected ${transactions} executed transactions, got ${executed} (config ${JSON.stringify(config, (_k, v) => (typeof v === "bigint" ? String(v) : v))})`);
  print(
    `${skipPreflight ? "without preflight" : "with preflight   "}  ${transactions} ${skipPreflight ? "submit_batch_root" : "set_version      "} txs in ${(wallS * 1000).toFixed(0)} ms = ${Math.round(transactions / wallS)} L1 tx/s (${((wallS / transactions) * 1e6).toFixed(0)} us each: decode, dedup, ${skipPreflight ? "" : "simulate, "}execute, pre-images, status)`,
  );
}

function benchWithAndWithoutL1(print: (line: string) => void, durationS: number, repeat: number, elf: Uint8Array): void {
  print(`\nsimulator speed with and without the L1: 4 validators, 250 ms blocks, 100 tx/s, ${durationS} s virtual, ed25519-native (best of ${repeat})`);
  print("L1     sim s/wall s   events/s    events   L1 txs landed   batches finalized   digest");
  for (const enabled of [false, true]) {
    const scenario = parseScenario({
      name: "bench-l1",
      seed: 5,
      duration: `${durationS}s`,
      validators: { count: 4, blockTime: "250ms", viewTimeout: "1s" },
      workload: { txPerSecond: 100 },
      l1: { enabled },
    });
    let best = Infinity;
    let report = runScenario(scenario, { programElf: elf });
    for (let i = 0; i < repeat; i++) {
      const start = performance.now();
      report = runScenario(scenario, { programElf: elf });
      best = Math.min(best, performance.now() - start);
    }
    const wallS = best / 1000;
    print(
      `${(enabled ? "on" : "off").padEnd(5)} ${(report.virtualDurationUs / 1e6 / wallS).toFixed(1).padStart(12)} ${Math.round(report.events / wallS).toString().padStart(10)} ${report.events.toString().padStart(9)} ${report.metrics.l1.landed.toString().padStart(15)} ${report.metrics.l1.batchesFinalized.toString().padStart(19)}   ${report.traceDigest.slice(0, 12)}`,
    );
  }
}

/** Prints both L1 benchmarks. */
export function benchL1(print: (line: string) => void, durationS = 60, repeat = 3): void {
  const elf = loadProgramElf();
  print("\nL1: AssetRollup in litesvm inside the simulation (one node, requests delivered directly, 2,000 transactions)");
  benchL1Execution(print, elf, 2000, true);
  benchL1Execution(print, elf, 2000, false);
  benchWithAndWithoutL1(print, durationS, repeat, elf);
}

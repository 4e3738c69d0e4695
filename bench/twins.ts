/**
 * Twins search (`npm run bench -- --only twins`): how soon `explore --twins`
 * finds a scenario that must fail, and how fast it runs cases that must not.
 *
 * - Must fail: two twins among four validators (t = 2 > f = 1), the class of
 *   `twins-must-fail`, on the shipped base `twins-search` without its
 *   workload (a fork then breaks agreement itself); R = 3 rounds, two groups,
 *   leaders among the twins or any validator; for each sampling seed (`--from`),
 *   the cases (seeds) run and the wall seconds until the first failure, at most
 *   `budget` cases. The same as
 *   `asset-sim explore twins-search --twins --twin-count 2 --rounds 3 --twin-leaders L --from S --jobs 1`.
 * - Must pass: one twin (within f), every distinct case of two rounds: cases per
 *   second and failures (0 expected).
 *
 * Cases run in this thread (`--jobs 1`), one after the other, through the
 * explore loop's own `runSeedInThisThread`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runSeedInThisThread } from "../src/runtime/explore-pool.js";
import { packageRoot } from "../src/runtime/program-files.js";
import { twinsCaseList, type TwinsPlan } from "../src/explore/explore.js";

/** Prints the table (see the file comment). */
export function benchTwins(log: (line: string) => void, budget = 300, sampleSeeds: readonly number[] = [1, 2, 3, 4, 5]): void {
  const shipped = JSON.parse(readFileSync(join(packageRoot(), "sim-scenarios", "twins-search.json"), "utf8")) as Record<string, unknown>;
  const idle = { ...shipped, workload: { txPerSecond: 0 } };
  const plan = (twins: number, rounds: number, leaders: "any" | "twins", from: number, cases: number): TwinsPlan => ({
    space: { validators: 4, twins, rounds, partitionsMax: 2, leaders, allPartitions: false },
    budget: cases,
    mode: "auto",
    firstSeed: from,
    healAtUs: 2_500_000,
  });
  log(`\ntwins: must fail (t = 2 > f at n = 4, R = 3, k = 2, twins-search without workload), first failure within ${budget} cases`);
  log("leaders   from   cases to first failure   wall s   invariant");
  for (const leaders of ["twins", "any"] as const) {
    for (const from of sampleSeeds) {
      const p = plan(2, 3, leaders, from, budget);
      const count = twinsCaseList(p).cases.length;
      const start = performance.now();
      let found: { cases: number; invariant: string } | undefined;
      for (let i = 0; i < count && found === undefined; i++) {
        const outcome = runSeedInThisThread(idle, from + i, { swarm: false, checkDeterminism: false, twins: p });
        if (outcome.verdict !== "ok") found = { cases: i + 1, invariant: outcome.invariant ?? outcome.verdict };
      }
      const wall = (performance.now() - start) / 1000;
      log(`${leaders.padEnd(9)} ${String(from).padStart(4)}   ${(found === undefined ? `none in ${count}` : String(found.cases)).padStart(22)}   ${wall.toFixed(1).padStart(6)}   ${found?.invariant ?? "-"}`);
    }
  }
  const within = plan(1, 2, "any", 1, 1000);
  const list = twinsCaseList(within);
  const start = performance.now();
  let failures = 0;
  for (let i = 0; i < list.cases.length; i++) if (runSeedInThisThread(shipped, 1 + i, { swarm: false, checkDeterminism: false, twins: within }).verdict !== "ok") failures++;
  const wall = (performance.now() - start) / 1000;
  log(`twins: must pass (t = 1 at n = 4, R = 2, every distinct case: ${list.cases.length} of ${list.rawCases} raw): ${failures} failures, ${(list.cases.length / wall).toFixed(2)} cases/s (${wall.toFixed(1)} s)`);
}

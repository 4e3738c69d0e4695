/**
 * Property (CI): under any fault plan with at most f faulty validators at a
 * time (crashes and restarts, two-way and one-way partitions, isolation of a
 * node or of the current leader, clogs; 0 to 5% drops; then a full heal),
 * every invariant holds: validators agree on every committed block and root,
 * no head rolls back more than 2 blocks (reorg-bound, maxReorgDepth 2), no
 * transaction is committed twice or unsubmitted, nobody votes twice in a view,
 * and commits resume within the liveness bound after the heal.
 *
 * Bounded runs of short scenarios (4 to 7 validators, 15 to 20 s simulated).
 * A failure prints fast-check's seed, path and shrunk scenario, the command
 * that replays it, and writes the scenario as a seed file
 * (`sim-failures/safety-property-counterexample.json`, replay it with
 * `npx asset-sim replay`). Explore longer with
 * `ASSET_SIM_PROPERTY_RUNS=500 npx vitest run test/scenarios/safety-property.test.ts`.
 * Each run yields to the event loop first (`assertYieldingProperty`), so a
 * long exploration never blocks the worker past vitest's 60 s RPC timeout.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { DEFAULT_FAULT_KINDS, DISK_LOSS_KINDS, scenarioArb, type GeneratedScenario } from "../../src/explore/arbitraries.js";
import { parseScenario } from "../../src/scenario/load.js";
import { buildSeedFile } from "../../src/scenario/seed-file.js";
import { scenarioToJson } from "../../src/scenario/to-json.js";
import { assertYieldingProperty, propertyParameters } from "../helpers/property.js";
import { ROOT, runScenario } from "../helpers/scenario.js";

const TEST_FILE = "test/scenarios/safety-property.test.ts";
/** Runs in CI; each is one simulated scenario of 15 to 20 s. */
const DEFAULT_RUNS = 15;
/** Runs of the beyond-f property in CI. */
const BEYOND_F_RUNS = 6;
/**
 * About 0.3 s per run in CI; exploration with many runs gets a proportional test timeout. The runs yield to the
 * event loop, so vitest's timeout really interrupts the property (a synchronous one could not be interrupted):
 * 20 s a run, at least 10 minutes, leaves room for a machine loaded many times over (a run took 9 s at load 30).
 */
const TIMEOUT_MS = Math.max(600_000, propertyParameters(DEFAULT_RUNS).numRuns! * 20_000);
/** Where the last failing (after shrinking: the smallest) scenario is written as a seed file. */
export const COUNTEREXAMPLE_FILE = join(ROOT, "sim-failures", "safety-property-counterexample.json");

/** Runs one generated scenario; on failure writes it as a seed file and throws with the failed invariants and the scenario. */
function checkScenario(raw: GeneratedScenario): void {
  const scenario = parseScenario(raw);
  const report = runScenario(scenario);
  if (report.exitCode === 0) return;
  const failed = report.invariants.filter((r) => !r.ok).map((r) => `${r.name}: ${r.violation?.message ?? "?"}`);
  mkdirSync(join(ROOT, "sim-failures"), { recursive: true });
  writeFileSync(COUNTEREXAMPLE_FILE, JSON.stringify(buildSeedFile(scenarioToJson(scenario), report), null, 2) + "\n");
  throw new Error(
    `exit code ${report.exitCode}; failed: ${failed.join("; ") || report.violation?.message}\n` +
      `seed file: ${COUNTEREXAMPLE_FILE} (npx asset-sim replay ${COUNTEREXAMPLE_FILE})\nscenario: ${JSON.stringify(raw)}`,
  );
}

describe("safety property over random fault plans", () => {
  it("at most f faulty: agreement, root agreement, reorg depth <= 2, validity, no equivocation, liveness after the heal", async () => {
    await assertYieldingProperty(scenarioArb({ name: "safety-property", maxReorgDepth: 2 }), checkScenario, { defaultRuns: DEFAULT_RUNS, testFile: TEST_FILE });
  }, TIMEOUT_MS);

  it("beyond f (quorum lost for a while, then everything healed): the same invariants", async () => {
    // Up to 4 validators faulty at once (all of them when n = 4): partitions with no quorum side, more than f
    // crashes, as the earlier fault-plan property explored. Commits stop, nothing unsafe happens, and commits
    // resume after the heal.
    // Disk loss beyond f is left out: more than f validators that lost their safety state is outside the model.
    const kinds = DEFAULT_FAULT_KINDS.filter((k) => !DISK_LOSS_KINDS.has(k.name));
    await assertYieldingProperty(scenarioArb({ name: "beyond-f-property", maxReorgDepth: 2, faults: { maxFaultyValidators: 4, kinds } }), checkScenario, {
      defaultRuns: BEYOND_F_RUNS,
      testFile: TEST_FILE,
    });
  }, TIMEOUT_MS);
});

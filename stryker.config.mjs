// @ts-check
/**
 * The default set (`npm run mutate`): the files where the voting, commit and
 * certificate rules, the quorum arithmetic, the ledger's admission and fee
 * rule and the mempool's admission and replace-by-fee policy live. All four
 * thousand and more mutants of the three folders take about ten hours on two
 * shared cores, so the rest is `npm run mutate:all` (docs/mutation.md).
 */
const SAFETY_RULES = [
  "src/consensus/hotstuff/commit.ts",
  "src/consensus/hotstuff/proposals.ts",
  "src/consensus/validator-set.ts",
  "src/vm/execute.ts",
  // FeeMempool.add and addUnchecked (admission, replace-by-fee, eviction), reject and clearsBump.
  "src/mempool/fee-mempool.ts:208-257",
  "src/mempool/fee-mempool.ts:612-624",
];

/** Every file of `src/consensus/`, `src/vm/` and `src/mempool/` with code (`npm run mutate:all`). */
const ALL = [
  "src/consensus/**/*.ts",
  "src/vm/**/*.ts",
  "src/mempool/**/*.ts",
  // Test tooling, not the protocol: the byzantine adversaries wrap the honest replica.
  "!src/consensus/byzantine/**",
  // Declarations only (interfaces, types, re-exports): no code to mutate.
  "!src/consensus/types.ts",
  "!src/consensus/application.ts",
  "!src/consensus/replica.ts",
  "!src/consensus/leader-election/leader-election.ts",
  "!src/vm/ledger.ts",
];

/**
 * StrykerJS configuration of the mutation run: `npm run mutate` (on demand,
 * never in CI). What is mutated, what is not and why, the score and the
 * surviving mutants' classes: docs/mutation.md.
 *
 * Narrow a run to some files: `npm run mutate -- --mutate src/consensus/hotstuff/commit.ts`
 * (comma-separated globs; the other files' results stay in the incremental file).
 *
 * @type {import("@stryker-mutator/api/core").PartialStrykerOptions}
 */
export default {
  packageManager: "npm",
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner", "./test/mutation/diagnostic-text-ignorer.mjs"],
  // The fast simulator sweep and the unit tests of the mutated folders (not the whole suite).
  vitest: { configFile: "vitest.mutate.config.ts" },
  // Each mutant runs only the tests that executed it in the initial run.
  coverageAnalysis: "perTest",
  // No TypeScript checker: vitest strips types without checking them, so a mutant
  // that does not type-check still runs. The checker would type-check every
  // mutant (tsc over the project, minutes of CPU per batch on 2 shared cores)
  // to drop a few mutants; those that survive are classified by hand instead.
  checkers: [],
  mutate: process.env.STRYKER_MUTATE === "all" ? ALL : SAFETY_RULES,
  // Module-level constants run once at import, so each such mutant would need every test.
  ignoreStatic: true,
  // Diagnostic text (assertion and error messages, rejection reasons): test/mutation/diagnostic-text-ignorer.mjs.
  ignorers: ["diagnostic-text"],
  // Two shared cores: the npm scripts run `nice -n 15`, so two test runners only take idle time.
  concurrency: 2,
  // A mutant's run is a simulation: a mutant that loops forever in virtual time ends by Stryker's timeout.
  timeoutMS: 10_000,
  timeoutFactor: 2,
  // Results of the last run are reused for unchanged code and tests; the file is committed
  // so the next run on the lead's checkout starts from it (docs/mutation.md).
  incremental: true,
  incrementalFile: "test/mutation/stryker-incremental.json",
  reporters: ["clear-text", "progress-append-only", "html", "json"],
  htmlReporter: { fileName: "reports/mutation/mutation.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  clearTextReporter: { allowColor: false, logTests: false, maxTestsToLog: 0, reportScoreTable: true, reportMutants: false },
  // The built CLI is not needed by the tests.
  ignorePatterns: ["dist", "sim-failures"],
  tempDirName: ".stryker-tmp",
  cleanTempDir: true,
};

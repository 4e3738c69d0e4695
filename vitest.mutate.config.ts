/**
 * The vitest configuration of the mutation run (`npm run mutate`, stryker.config.mjs;
 * see docs/mutation.md): the fast simulator sweep and the unit tests of
 * `src/consensus/`, `src/vm/` and `src/mempool/`. Only files that run in a few
 * seconds: the scenario tests, the L1 and the CLI stay out (StrykerJS runs the
 * tests covering a mutant once per mutant), and so does
 * test/check/reference-ledger.test.ts (its runs with a wrong VM built in the
 * test cost about 2 s per mutant; the sweep judges the reference-ledger
 * invariant in every run, and test/check/ledger-model.test.ts compares the VM
 * with the model on random transactions). It also runs by itself:
 * `npx vitest run -c vitest.mutate.config.ts`.
 */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "test/mutation/*.test.ts",
      "test/consensus/*.test.ts",
      "test/unit/block-tree.test.ts",
      "test/unit/validator-set.test.ts",
      "test/unit/verification-cache.test.ts",
      "test/unit/view-timer.test.ts",
      "test/unit/wire.test.ts",
      "test/unit/fee-mempool.test.ts",
      "test/unit/mempool-model.test.ts",
      "test/unit/vm-execute.test.ts",
      "test/unit/pool-math.test.ts",
      "test/unit/script.test.ts",
      "test/vm/*.test.ts",
      "test/sequencer/asset-app.test.ts",
      "test/check/checkers.test.ts",
      "test/check/ledger-model.test.ts",
    ],
    setupFiles: ["test/helpers/yield-between-tests.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

/**
 * The default test suite (`npm test`): every `test/**\/*.test.ts` but the long
 * tier's `*.long.test.ts` (vitest.long.config.ts).
 *
 * Two projects share one pool of worker processes (forks):
 *  - "shared" (all files but those below): `isolate: false`, a worker process
 *    runs file after file on one module cache, so the simulator's modules and
 *    the Solana libraries are loaded and transformed once per worker rather
 *    than once per file (vitest's collect time, about a quarter of the suite's
 *    CPU when every file had a fresh process). A file that patches a class's
 *    prototype or the environment restores it in `finally`/`afterEach`.
 *  - "isolated": the files that replace modules with `vi.mock` (a mock must
 *    not stay in the module cache for the files after it). Each of these runs
 *    on a fresh module graph (vitest resets the module cache and the mocks
 *    before each file), and the pool replaces its worker processes between the
 *    two projects.
 * A new test file that calls `vi.mock`/`vi.doMock` or leaves module state
 * behind goes into ISOLATED (test/suite-config.test.ts checks the first).
 */
import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

/** Test files that must not share a module cache with other files: they `vi.mock` modules. */
export const ISOLATED = ["test/check/reference-ledger.test.ts", "test/unit/sparse-merkle.test.ts"];

/** The long tier (`npm run test:long`, vitest.long.config.ts): whole-system runs that repeat what a test here proves. */
const LONG = "test/**/*.long.test.ts";

/** What both tiers share: the setup file, the timeouts and the workers. */
export const common = {
  setupFiles: ["test/helpers/yield-between-tests.ts"],
  testTimeout: 120_000,
  hookTimeout: 120_000,
  // vitest's default is one worker fewer than the CPUs (1 on CI's 2 cores); the main process is idle while
  // the workers run, so use every core (measured on this 2-core machine: see the README's Development section).
  maxWorkers: Math.max(2, availableParallelism()),
  minWorkers: 1,
};

export default defineConfig({
  test: {
    ...common,
    pool: "forks",
    // The pool keeps its worker processes from file to file; each project says whether a file gets a fresh module graph.
    poolOptions: { forks: { isolate: false } },
    projects: [
      {
        extends: true,
        test: {
          name: "shared",
          include: ["test/**/*.test.ts"],
          exclude: [LONG, ...ISOLATED, "**/node_modules/**"],
          poolOptions: { forks: { isolate: false } },
        },
      },
      {
        extends: true,
        test: {
          name: "isolated",
          include: ISOLATED,
          poolOptions: { forks: { isolate: true } },
        },
      },
    ],
  },
});

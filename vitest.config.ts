import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The long tier (`npm run test:long`, vitest.long.config.ts): whole-system runs that repeat what a test here proves.
    exclude: ["test/**/*.long.test.ts", "**/node_modules/**"],
    setupFiles: ["test/helpers/yield-between-tests.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // vitest's default is one worker fewer than the CPUs (1 on CI's 2 cores); the main process is idle while
    // the workers run, so use every core (measured on this 2-core machine: see the README's Development section).
    maxWorkers: Math.max(2, availableParallelism()),
    minWorkers: 1,
  },
});

/**
 * The on-demand long tier (`npm run test:long`): the `*.long.test.ts` files,
 * whole-system runs that repeat, at full length or with another setting, what
 * a default-suite test already proves (each file's header names that test).
 * The default suite (`vitest.config.ts`, `npm test`) leaves them out so that
 * it stays under 10 minutes on CI's 2 cores. Same workers and setup as the
 * default suite; a test may take 15 minutes (whole runs at full length, on
 * a machine loaded by other work).
 */
import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

export default defineConfig({
  test: {
    ...base.test,
    include: ["test/**/*.long.test.ts"],
    testTimeout: 900_000,
    exclude: ["**/node_modules/**"],
  },
});

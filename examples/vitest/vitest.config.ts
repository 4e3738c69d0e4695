import { defineConfig } from "vitest/config";

// A simulated run takes a few wall seconds on a busy machine: more than vitest's default 5 s timeout.
export default defineConfig({ test: { testTimeout: 60_000 } });

/**
 * Setup file (vitest.config.ts): after each test, yield to the event loop's
 * poll phase. Most simulation tests are synchronous for seconds; a file of
 * them never lets its worker read the runner's replies, and on a loaded
 * machine a file past 60 s ends a green run with vitest's fixed worker RPC
 * timeout (`[vitest-worker]: Timeout calling "onTaskUpdate"`,
 * vitest-dev/vitest#6479). One `setImmediate` between tests reads the replies.
 */
import { afterEach } from "vitest";

afterEach(async () => {
  await new Promise<void>((resolve) => setImmediate(resolve));
});

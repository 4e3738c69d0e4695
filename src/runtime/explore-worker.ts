/**
 * The worker-thread entry of `asset-sim explore` (loaded by workerpool from
 * `dist/src/runtime/explore-worker.js`): runs one seed per task and returns
 * its {@link SeedOutcome} by structured clone. Worker threads are IO, so this
 * lives in `runtime/`; the seed logic itself is `explore/explore.ts`.
 */
import workerpool from "workerpool";
import { runSeedInThisThread } from "./explore-pool.js";

workerpool.worker({ runSeed: runSeedInThisThread });

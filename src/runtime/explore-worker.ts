/**
 * The worker-thread entry of `asset-sim explore` (loaded by workerpool from
 * `dist/src/runtime/explore-worker.js`): started by `runSeeds` with
 * `workerData` of kind "seeds", it claims seeds from the shared counter and
 * posts each outcome; started by workerpool (guided candidates), it runs one
 * candidate (`runCandidate`) or seed (`runSeed`) per task and returns its
 * outcome by structured clone. Worker threads are IO, so this
 * lives in `runtime/`; the seed logic itself is `explore/explore.ts`.
 */
import { parentPort, workerData } from "node:worker_threads";
import workerpool from "workerpool";
import { runCandidateInThisThread, runClaimedSeeds, runSeedInThisThread, type SeedWorkerData } from "./explore-pool.js";

const seedWork = workerData as SeedWorkerData | undefined;
if (seedWork?.kind === "seeds") {
  // A seed lane of runSeeds: claims seeds from the shared counter until none is left, then exits.
  runClaimedSeeds(seedWork, (message) => parentPort!.postMessage(message));
} else {
  workerpool.worker({ runSeed: runSeedInThisThread, runCandidate: runCandidateInThisThread });
}

/**
 * The worker-thread entry of `asset-sim explore` (loaded by workerpool from
 * `dist/src/runtime/explore-worker.js`): runs one seed (`runSeed`) or one
 * guided candidate (`runCandidate`) per task and returns its outcome by
 * structured clone. Worker threads are IO, so this
 * lives in `runtime/`; the seed logic itself is `explore/explore.ts`.
 */
import workerpool from "workerpool";
import { runCandidateInThisThread, runSeedInThisThread } from "./explore-pool.js";

workerpool.worker({ runSeed: runSeedInThisThread, runCandidate: runCandidateInThisThread });

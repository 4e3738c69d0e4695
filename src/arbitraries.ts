/**
 * The package's property-testing entry (`import { scenarioArb } from "asset-sim/arbitraries"`):
 * fast-check arbitraries of fault plans and whole scenarios
 * (`explore/arbitraries.ts`), and the helpers that replay a failure fast-check
 * reported as `{ seed, path }` (`explore/replay-failure.ts`). It imports
 * fast-check, a peer dependency (the user's own copy, version 4); the main
 * entry `asset-sim` does not. `docs/api.md` documents every name.
 */
export * from "./explore/arbitraries.js";
export { counterexampleAt, replayPropertyFailure, type PropertyFailure, type ReplayedFailure, type ReplayFailureOptions } from "./explore/replay-failure.js";

/**
 * The package's main entry (`import { parseScenario, runScenario } from "asset-sim"`):
 * load and validate scenarios, run them, and read or write seed files.
 * Property-testing arbitraries are a separate entry, `asset-sim/arbitraries`
 * (it needs fast-check, a peer dependency), so this one does not.
 */
export { parseScenario, parseScenarioText } from "./scenario/load.js";
export { scenarioSchema, type Scenario, type FaultAction, type Operation } from "./scenario/schema.js";
export { runScenario, EXIT, type RunReport, type RunOptions, type RunMetrics } from "./scenario/run.js";
export { scenarioToJson } from "./scenario/to-json.js";
export { buildSeedFile, parseSeedFile, compareReplay, seedFileName, type SeedFile, type ReplayVerdict } from "./scenario/seed-file.js";
export { InputError } from "./config/errors.js";
export { loadProgramElf } from "./runtime/program-files.js";
export type { InvariantResult, Violation } from "./check/checker.js";
export { PACKAGE_VERSION } from "./version.js";

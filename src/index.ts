/**
 * The package's main entry (`import { parseScenario, runScenario } from "asset-sim"`):
 * load and validate scenarios (files or the shipped ones), run them, watch
 * their events as they happen, and read or write seed files.
 * Property-testing arbitraries are a separate entry, `asset-sim/arbitraries`
 * (it needs fast-check, a peer dependency), so this one does not.
 * `docs/api.md` documents every name exported here.
 */
export { parseScenario, parseScenarioText, type ParseOptions } from "./scenario/load.js";
export { scenarioSchema, type Scenario, type FaultAction, type Operation } from "./scenario/schema.js";
export { runScenario, EXIT, type RunReport, type RunOptions, type RunMetrics } from "./scenario/run.js";
export { scenarioToJson } from "./scenario/to-json.js";
export { buildSeedFile, parseSeedFile, compareReplay, seedFileName, type SeedFile, type ReplayVerdict } from "./scenario/seed-file.js";
export { loadShippedScenario, readShippedScenario, readScenarioFile, shippedScenarioNames, UnknownScenarioError, type ShippedScenarioOverrides } from "./runtime/shipped-scenarios.js";
export { InputError } from "./config/errors.js";
export { loadProgramElf } from "./runtime/program-files.js";
export type { InvariantKind, InvariantResult, Figures, Observation, Violation } from "./check/checker.js";
export { EventCatalogue, SIMULATOR_EVENTS, type EventMap, type EventSchemas, type ObservationOf, type SimulatorEvent, type SimulatorEventMap, type TypedObservation } from "./check/events.js";
export { VALIDATOR_EVENTS, type ValidatorEvent, type ValidatorEventMap } from "./systems/validators/events.js";
export { POSTING_EVENTS, type PostingEvent, type PostingEventMap } from "./systems/posting/events.js";
export { PACKAGE_VERSION } from "./version.js";

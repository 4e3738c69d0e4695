/**
 * The scenario file format, version 1: composed in `systems/scenario-shape.ts`
 * from the world's and the built-in systems' sections, with the fault plan
 * built from the fault catalog (`systems/index.ts`). This module is the
 * format's public face: the schema of the built-in registry and its types.
 */
import { BUILTIN_SYSTEMS } from "../systems/index.js";
import { makeScenarioSchema, type RollupScenario } from "../systems/scenario-shape.js";

/** The schema of a scenario of the built-in systems (`parseScenario` adds the semantic checks). */
export const scenarioSchema = makeScenarioSchema(BUILTIN_SYSTEMS.catalog, BUILTIN_SYSTEMS.addedSections());

export type { Scenario, RollupScenario, ScenarioWithSections } from "../systems/scenario-shape.js";
export type { FaultAction } from "../systems/catalog.js";
export type { ByzantineBehavior } from "../systems/validators/section.js";
export { BYZANTINE_BEHAVIORS } from "../systems/validators/section.js";

/** One byzantine behaviour entry of a rollup. */
export type ByzantineEntry = RollupScenario["byzantine"][number];
/** One operator operation of a parsed scenario. */
export type Operation = RollupScenario["operations"][number];

/**
 * Loading a scenario: JSON text to a validated {@link Scenario}, or an
 * {@link InputError} naming the first bad field.
 */
import { InputError } from "../config/errors.js";
import { toInputError } from "../config/zod-issues.js";
import type { PlanContext } from "../harness/fault-kind.js";
import type { SystemRegistry } from "../harness/registry.js";
import type { LivenessExpectation } from "../check/validators/liveness.js";
import { BUILTIN_SYSTEMS } from "../systems/index.js";
import { consensusLivenessExpectation } from "../systems/validators/index.js";
import { makeScenarioSchema } from "../systems/scenario-shape.js";
import { scenarioSchema, type Scenario } from "./schema.js";

/**
 * Parses scenario JSON text.
 * @param text the file's contents
 * @param source how to name the file in errors
 * @throws InputError on invalid JSON or an invalid scenario
 */
export function parseScenarioText(text: string, source = "scenario", options: ParseOptions = {}): Scenario {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InputError("", `${source} is not valid JSON: ${(error as Error).message}`);
  }
  return parseScenario(raw, options);
}

/** What a scenario is parsed with: the registry of systems (default the built-in ones). */
export interface ParseOptions {
  readonly registry?: SystemRegistry<Scenario>;
}

/**
 * Validates a scenario object (the JSON value of a scenario file): the
 * schema of the registry's sections and fault catalog, then the world's
 * checks (link and clock node names, the phases), the fault plan against
 * the model of who is down, and each system's own checks.
 * @throws InputError naming the first bad field
 */
export function parseScenario(raw: unknown, options: ParseOptions = {}): Scenario {
  const registry = options.registry ?? BUILTIN_SYSTEMS;
  const schema = registry === BUILTIN_SYSTEMS ? scenarioSchema : makeScenarioSchema(registry.catalog, registry.addedSections());
  const result = schema.safeParse(raw);
  if (!result.success) throw toInputError(result.error, raw);
  const scenario = result.data;
  const plan = planOf(scenario, registry);
  checkNetworkLinks(scenario, plan);
  const livenessAt = scenario.phases.livenessAt;
  if (livenessAt !== undefined && livenessAt > scenario.duration) throw new InputError("phases.livenessAt", `${livenessAt}us is after the end of the run (duration ${scenario.duration}us)`);
  for (const name of Object.keys(scenario.clocks.nodes)) {
    const node = plan.node(name);
    if (node === undefined || node.role !== "validator") throw new InputError(`clocks.nodes.${name}`, node !== undefined ? `clock settings are for validators, got ${JSON.stringify(name)}` : plan.unknownNode(name));
  }
  registry.catalog.checkPlan(scenario.faults, plan, "faults");
  for (const system of registry.systems) system.check(scenario, plan);
  return scenario;
}

/** The plan context of a parsed scenario (its nodes, quorums and symbolic targets, from the registry's systems). */
export function planOf(scenario: Scenario, registry: SystemRegistry<Scenario> = BUILTIN_SYSTEMS): PlanContext {
  return registry.planContext(scenario, { durationUs: scenario.duration, livenessAtUs: scenario.phases.livenessAt });
}

/**
 * What the liveness checker of rollup `index` may expect from a parsed
 * scenario's plan (see `consensusLivenessExpectation`): the heal time, and
 * why progress cannot be expected when the plan ends without a quorum up and
 * connected.
 */
export function livenessExpectation(scenario: Scenario, index = 0, registry: SystemRegistry<Scenario> = BUILTIN_SYSTEMS): LivenessExpectation {
  const plan = planOf(scenario, registry);
  const endOfPlan = registry.catalog.checkPlan(scenario.faults, plan, "faults");
  return consensusLivenessExpectation(scenario, plan.quorums[index]!, endOfPlan);
}

function checkNetworkLinks(scenario: Scenario, plan: PlanContext): void {
  scenario.network.links.forEach((link, i) => {
    for (const end of ["from", "to"] as const) {
      if (plan.node(link[end]) === undefined) throw new InputError(`network.links[${i}].${end}`, plan.unknownNode(link[end]));
    }
  });
}

/** The schema errors' formatter (see `config/zod-issues.ts`), kept here for the callers that import it from the loader. */
export { toInputError } from "../config/zod-issues.js";

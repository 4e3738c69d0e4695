/**
 * Loading a scenario: JSON text to a validated {@link Scenario}, or an
 * {@link InputError} naming the first bad field.
 */
import type { z } from "zod";
import { InputError } from "../config/errors.js";
import { checkByzantine } from "../systems/validators/byzantine-plan.js";
import { checkFaultPlan } from "./fault-plan.js";
import { nodeNames, unknownNode } from "./nodes.js";
import { scenarioSchema, type Scenario } from "./schema.js";

/**
 * Parses scenario JSON text.
 * @param text the file's contents
 * @param source how to name the file in errors
 * @throws InputError on invalid JSON or an invalid scenario
 */
export function parseScenarioText(text: string, source = "scenario"): Scenario {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InputError("", `${source} is not valid JSON: ${(error as Error).message}`);
  }
  return parseScenario(raw);
}

/**
 * Validates a scenario object (the JSON value of a scenario file).
 * @throws InputError naming the first bad field
 */
export function parseScenario(raw: unknown): Scenario {
  const result = scenarioSchema.safeParse(raw);
  if (!result.success) throw toInputError(result.error);
  checkNetworkLinks(result.data);
  checkFaultPlan(result.data);
  checkByzantine(result.data);
  return result.data;
}

function checkNetworkLinks(scenario: Scenario): void {
  const { validators, clients, l1Nodes, twins } = nodeNames(scenario);
  const known = new Set([...validators, ...clients, ...l1Nodes, ...twins]);
  scenario.network.links.forEach((link, i) => {
    for (const end of ["from", "to"] as const) {
      if (!known.has(link[end])) throw new InputError(`network.links[${i}].${end}`, unknownNode(link[end], scenario));
    }
  });
}

/** The first issue of a zod error as an {@link InputError} naming its field. */
export function toInputError(error: z.ZodError): InputError {
  const issue = error.issues[0]!;
  const path = formatPath(issue.path);
  if (issue.code === "unrecognized_keys") {
    const keys = issue.keys.map((k) => JSON.stringify(k)).join(", ");
    const where = path === "" ? "" : path;
    return new InputError(where === "" ? issue.keys[0]! : `${where}.${issue.keys[0]!}`, `unknown field${issue.keys.length > 1 ? "s" : ""} ${keys}${where === "" ? " at the top level" : ` in ${where}`}`);
  }
  if (issue.code === "invalid_type") {
    if (/received undefined$/.test(issue.message)) return new InputError(path, "required field is missing");
    if (/^Invalid input/.test(issue.message)) return new InputError(path, `expected ${issue.expected}, ${issue.message.replace(/^.*received /, "got ")}`);
  }
  return new InputError(path, issue.message);
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

/**
 * The scenarios shipped with the package (`sim-scenarios/*.json`), by name:
 * `quickstart`, `crash-restart`, `l1-reorg`... (`asset-sim list` prints them).
 * A library user loads one with {@link loadShippedScenario}; the CLI falls
 * back to these names when its argument is not a file. Reading files is IO,
 * so this lives in the runtime layer; parsing is `scenario/load.ts`.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseDurationUs } from "../config/duration.js";
import { InputError } from "../config/errors.js";
import { parseScenario } from "../scenario/load.js";
import { applyOverrides } from "../scenario/overrides.js";
import type { Scenario } from "../scenario/schema.js";
import { packageRoot } from "./program-files.js";

/** Path of the shipped scenarios' folder: `<package root>/sim-scenarios`. */
export function shippedScenarioDir(): string {
  return join(packageRoot(), "sim-scenarios");
}

/**
 * The names of the shipped scenarios (file names without `.json`), sorted;
 * empty when the folder is missing.
 */
export function shippedScenarioNames(): string[] {
  const dir = shippedScenarioDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => f.slice(0, -".json".length))
    .sort();
}

/**
 * A name that is not a shipped scenario. An {@link InputError} (the CLI exits
 * 2) on the field `scenario`, whose message lists the shipped names.
 */
export class UnknownScenarioError extends InputError {
  /**
   * @param requested the name asked for
   * @param shippedNames every shipped scenario name, sorted
   */
  constructor(
    readonly requested: string,
    readonly shippedNames: readonly string[],
  ) {
    super("scenario", `no such file ${JSON.stringify(requested)} (shipped scenarios: ${shippedNames.join(", ")})`);
  }
}

/**
 * The raw JSON of a shipped scenario, as in its file (durations may be
 * strings such as `"250ms"`, defaults not written out): a plain object to
 * change before {@link parseScenario}. `name` may end in `.json`.
 * @throws UnknownScenarioError when no shipped scenario has that name
 * @throws InputError when the file is not a JSON object
 */
export function readShippedScenario(name: string): Record<string, unknown> {
  const bare = name.endsWith(".json") ? name.slice(0, -".json".length) : name;
  const names = shippedScenarioNames();
  if (!names.includes(bare)) throw new UnknownScenarioError(name, names);
  return readScenarioFile(join(shippedScenarioDir(), `${bare}.json`));
}

/**
 * Reads a scenario file's JSON object (not validated: see {@link parseScenario}).
 * @throws InputError (field `scenario`) when the file cannot be read, is not JSON, or is not an object
 */
export function readScenarioFile(path: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new InputError("scenario", `${path} is not readable JSON: ${(error as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new InputError("scenario", `${path} must hold a JSON object`);
  return raw as Record<string, unknown>;
}

/** Changes to a shipped scenario made before it is parsed (the CLI's `--seed`, `--duration`, `--safety-only`). */
export interface ShippedScenarioOverrides {
  /** The master seed, a non-negative integer. */
  readonly seed?: number;
  /**
   * How long the run lasts: integer microseconds, or a duration string such
   * as `"10s"`. Fault actions after the new end are dropped, so any scenario
   * can be cut short.
   */
  readonly duration?: number | string;
  /** Judge safety only (`phases.safetyOnly`): the liveness checkers are skipped. */
  readonly safetyOnly?: boolean;
}

/**
 * A shipped scenario, parsed and validated, ready for `runScenario`.
 *
 * @param name a name from {@link shippedScenarioNames}, e.g. `"quickstart"`
 * @param overrides seed, duration, safety only (see {@link ShippedScenarioOverrides})
 * @returns the parsed scenario (every default filled in, durations in microseconds)
 * @throws UnknownScenarioError when no shipped scenario has that name (its message lists them)
 * @throws InputError when an override is invalid (field `seed` or `duration`)
 *
 * @example
 * ```ts
 * const scenario = loadShippedScenario("crash-restart", { seed: 7, duration: "10s" });
 * const report = runScenario(scenario, { programElf: loadProgramElf() });
 * ```
 */
export function loadShippedScenario(name: string, overrides: ShippedScenarioOverrides = {}): Scenario {
  const raw = readShippedScenario(name);
  if (overrides.seed !== undefined && (!Number.isSafeInteger(overrides.seed) || overrides.seed < 0)) throw new InputError("seed", `expected a non-negative integer, got ${overrides.seed}`);
  let durationUs: number | undefined;
  if (overrides.duration !== undefined) {
    const parsed = parseDurationUs(overrides.duration);
    if (typeof parsed === "string") throw new InputError("duration", parsed);
    if (parsed === 0) throw new InputError("duration", "must be greater than zero");
    durationUs = parsed;
  }
  const changed = applyOverrides(raw, {
    ...(overrides.seed !== undefined ? { seed: overrides.seed } : {}),
    ...(durationUs !== undefined ? { durationUs } : {}),
    ...(overrides.safetyOnly === true ? { safetyOnly: true } : {}),
  });
  return parseScenario(changed.raw);
}

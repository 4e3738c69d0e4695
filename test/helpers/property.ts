/**
 * Running a fast-check property in CI with a replayable failure: the number
 * of runs, the seed and the shrink path come from environment variables, and
 * a failure's message ends with the command that replays it.
 *
 * - `ASSET_SIM_PROPERTY_RUNS`: number of runs (default: the test's own)
 * - `ASSET_SIM_PROPERTY_SEED`, `ASSET_SIM_PROPERTY_PATH`: replay a failure
 *   printed by an earlier run (fast-check's `{ seed, path }` parameters,
 *   https://fast-check.dev/docs/tutorials/quick-start/read-test-reports/)
 *
 * A property whose runs are whole simulations goes through
 * {@link assertYieldingProperty}: it yields to the event loop before every
 * run (shrinking included), so the worker answers the vitest runner between
 * runs; one synchronous task longer than 60 s under load ends a green run
 * with vitest's worker RPC timeout (vitest-dev/vitest#6479).
 */
import fc from "fast-check";

/** The environment variables read by {@link propertyParameters}. */
export const PROPERTY_ENV = { runs: "ASSET_SIM_PROPERTY_RUNS", seed: "ASSET_SIM_PROPERTY_SEED", path: "ASSET_SIM_PROPERTY_PATH" } as const;

/**
 * fast-check parameters from the environment: `numRuns` (default `defaultRuns`),
 * and `seed` with `path` when both replay variables are set.
 * @throws Error when a variable is not a number, or the path is given without the seed
 */
export function propertyParameters(defaultRuns: number, env: Readonly<Record<string, string | undefined>> = process.env): fc.Parameters<unknown> {
  const runsText = env[PROPERTY_ENV.runs];
  const seedText = env[PROPERTY_ENV.seed];
  const path = env[PROPERTY_ENV.path];
  const numRuns = runsText === undefined || runsText === "" ? defaultRuns : Number(runsText);
  if (!Number.isInteger(numRuns) || numRuns < 1) throw new Error(`${PROPERTY_ENV.runs} must be a positive integer, got ${JSON.stringify(runsText)}`);
  if (seedText === undefined || seedText === "") {
    if (path !== undefined && path !== "") throw new Error(`${PROPERTY_ENV.path} needs ${PROPERTY_ENV.seed} too`);
    return { numRuns };
  }
  const seed = Number(seedText);
  if (!Number.isInteger(seed)) throw new Error(`${PROPERTY_ENV.seed} must be an integer, got ${JSON.stringify(seedText)}`);
  return path !== undefined && path !== "" ? { numRuns, seed, path } : { numRuns, seed };
}

/** The shell command that replays a failed run of the property in `testFile`. */
export function replayCommand(details: { seed: number; counterexamplePath: string | null }, testFile: string): string {
  const path = details.counterexamplePath === null ? "" : ` ${PROPERTY_ENV.path}=${details.counterexamplePath}`;
  return `${PROPERTY_ENV.seed}=${details.seed}${path} npx vitest run ${testFile}`;
}

/**
 * `fc.assert` with the parameters of {@link propertyParameters}: on failure it
 * throws fast-check's report (seed, path, shrunk counterexample, error) plus
 * the command that replays it.
 */
export function assertProperty<Ts extends [unknown, ...unknown[]]>(property: fc.IProperty<Ts>, options: { defaultRuns: number; testFile: string; env?: Readonly<Record<string, string | undefined>> }): void {
  const details = fc.check(property, propertyParameters(options.defaultRuns, options.env) as fc.Parameters<Ts>);
  if (!details.failed) return;
  throw new Error(`${fc.defaultReportMessage(details)}\n\nReplay this failure (the shrunk counterexample first):\n  ${replayCommand(details, options.testFile)}`);
}

/** Resolves in the event loop's check phase, after the poll phase has read pending I/O (the vitest runner's replies). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * {@link assertProperty} for a property whose runs are long and synchronous
 * (whole simulated scenarios): fast-check's async property over `arbitrary`,
 * which awaits {@link yieldToEventLoop} before each call of `predicate`, in
 * the runs and in shrinking alike. The runs, the generated values, the seed
 * and path handling and the failure message are those of `assertProperty`
 * (the same `numRuns` and seed give the same values, asynchronous or not).
 * `predicate` fails by throwing or returning false, as in `fc.property`.
 * @throws Error with fast-check's report and the replay command when a run fails
 */
export async function assertYieldingProperty<T>(
  arbitrary: fc.Arbitrary<T>,
  predicate: (value: T) => boolean | void,
  options: { defaultRuns: number; testFile: string; env?: Readonly<Record<string, string | undefined>> },
): Promise<void> {
  const property = fc.asyncProperty(arbitrary, async (value) => {
    await yieldToEventLoop();
    return predicate(value);
  });
  const details = await fc.check(property, propertyParameters(options.defaultRuns, options.env) as fc.Parameters<[T]>);
  if (!details.failed) return;
  throw new Error(`${fc.defaultReportMessage(details)}\n\nReplay this failure (the shrunk counterexample first):\n  ${replayCommand(details, options.testFile)}`);
}

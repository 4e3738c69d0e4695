/**
 * Replaying a fast-check failure of a user's property. When a property fails,
 * fast-check prints the parameters that replay it,
 * `{ seed: -1402113893, path: "3:0:1", endOnFailure: true }`: `seed` starts
 * the random stream, `path` walks to the shrunk counterexample (the index of
 * the failing run, then the index taken at each shrink step). These helpers
 * hand those parameters back to fast-check's own runner (`fc.check` with
 * `seed`, `path` and `endOnFailure`, as in
 * https://fast-check.dev/docs/tutorials/quick-start/read-test-reports/) with a
 * predicate that records the value and stops, so the value is exactly the one
 * fast-check reported, with no generation logic of ours.
 *
 * Pure: the run is simulated; writing the seed file is left to the caller.
 */
import fc from "fast-check";
import { parseScenario } from "../scenario/load.js";
import { runScenario, type RunOptions, type RunReport } from "../scenario/run.js";
import type { Scenario } from "../scenario/schema.js";
import { buildSeedFile, seedFileName, type SeedFile } from "../scenario/seed-file.js";
import { scenarioToJson } from "../scenario/to-json.js";

/**
 * The parameters fast-check prints for a failure (`{ seed, path, endOnFailure }`),
 * pasted as they are. `randomType` and `unbiased` must be given when the
 * failing run set them; `endOnFailure` is accepted and ignored (a replay never shrinks).
 */
export type PropertyFailure = { readonly seed: number } & Readonly<Pick<fc.Parameters<unknown>, "path" | "endOnFailure" | "randomType" | "unbiased">>;

/**
 * The counterexample of a failed property, rebuilt from fast-check's
 * `{ seed, path }` and the property's arbitraries, in the order the property
 * took them (`fc.property(arbA, arbB, predicate)`: pass `arbA, arbB`). Without
 * `path`, the first value drawn from `seed`.
 *
 * @param failure the printed parameters (see {@link PropertyFailure})
 * @param arbitraries the property's arbitraries, built with the same options as in the failing run
 * @returns the values the predicate received, as a tuple
 * @throws RangeError when `path` leads to no value (it does not belong to these arbitraries)
 *
 * @example
 * ```ts
 * const [raw] = counterexampleAt({ seed: -1402113893, path: "3:0:1" }, scenarioArb());
 * ```
 */
export function counterexampleAt<Ts extends [unknown, ...unknown[]]>(failure: PropertyFailure, ...arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> }): Ts {
  let found: Ts | undefined;
  const record = (...values: Ts): boolean => {
    found = values;
    return false;
  };
  const property = fc.property(...([...arbitraries, record] as unknown as [fc.Arbitrary<unknown>, (...values: unknown[]) => boolean]));
  const { endOnFailure: _ignored, ...replay } = failure;
  fc.check(property, { ...replay, numRuns: 1, endOnFailure: true });
  if (found === undefined) throw new RangeError(`fast-check found no value at seed ${failure.seed}, path ${JSON.stringify(failure.path ?? "")} of these arbitraries`);
  return found;
}

/** Options of {@link replayPropertyFailure}: those of `runScenario` (the program binary when the scenario runs the L1, an observer...). */
export type ReplayFailureOptions = RunOptions;

/** A property failure replayed: the scenario fast-check reported, and what running it gives. */
export interface ReplayedFailure<T> {
  /** The generated value, in scenario-file form (durations in integer microseconds for `scenarioArb`). */
  readonly raw: T;
  /** `raw` parsed and validated. */
  readonly scenario: Scenario;
  /** The run's report (`exitCode`, `violation`, `traceDigest`...). */
  readonly report: RunReport;
  /**
   * The seed file of the run, when an invariant was violated: write it with
   * `JSON.stringify(seedFile, null, 2)` and `npx asset-sim replay FILE` reruns
   * it. Absent when the run passed (a property of the user's own may fail
   * where every invariant holds; a seed file records a violation).
   */
  readonly seedFile?: SeedFile;
  /** The file name for `seedFile`: `<scenario>-seed<seed>-<digest prefix>.json`. */
  readonly seedFileName?: string;
}

/**
 * Reruns the scenario of a failed property over scenarios: rebuilds the
 * counterexample from `{ seed, path }` with {@link counterexampleAt}, parses
 * it, runs it once, and builds its seed file when an invariant failed.
 * Deterministic: the same failure and arbitrary give the same report and trace digest.
 *
 * @param failure the parameters fast-check printed (see {@link PropertyFailure})
 * @param arbitrary the property's one arbitrary, as in the failing run (e.g. `scenarioArb({ validators: { min: 4, max: 4 } })`); its values must be scenarios in file form
 * @param options `runScenario` options; `programElf` is required when the scenarios run the L1
 * @returns the scenario, its report, and its seed file when it violated an invariant
 * @throws RangeError when `path` leads to no value of `arbitrary`
 * @throws InputError when the value is not a valid scenario
 *
 * @example
 * ```ts
 * const arb = scenarioArb({ validators: { min: 4, max: 4 } });
 * // fast-check printed { seed: -1402113893, path: "3:0:1", endOnFailure: true }
 * const { raw, report, seedFile, seedFileName } = replayPropertyFailure({ seed: -1402113893, path: "3:0:1" }, arb);
 * if (seedFile) writeFileSync(seedFileName!, JSON.stringify(seedFile, null, 2));
 * ```
 */
export function replayPropertyFailure<T>(failure: PropertyFailure, arbitrary: fc.Arbitrary<T>, options: ReplayFailureOptions = {}): ReplayedFailure<T> {
  const [raw] = counterexampleAt<[T]>(failure, arbitrary);
  const scenario = parseScenario(raw, options.registry !== undefined ? { registry: options.registry } : {});
  const report = runScenario(scenario, options);
  if (report.violation === undefined) return { raw, scenario, report };
  return { raw, scenario, report, seedFile: buildSeedFile(scenarioToJson(scenario), report), seedFileName: seedFileName(report) };
}

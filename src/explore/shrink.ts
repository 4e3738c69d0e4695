/**
 * Shrinking a failing run: the smallest scenario found that still fails the
 * same invariant with the same seed. Sans-IO: each candidate is one call of
 * the `run` function handed in, and the number of calls is budgeted.
 *
 * Passes, repeated while one of them makes progress and the budget lasts:
 * 1. fault actions, by delta debugging (Zeller and Hildebrandt, "Simplifying
 *    and Isolating Failure-Inducing Input", TSE 2002): remove chunks of the
 *    list, halving the chunk size when no chunk can go;
 * 2. operator operations, the same way;
 * 3. the duration, by binary search (actions after the new end are dropped);
 * 4. validators: the count, down to one more than the highest-numbered
 *    validator a fault or link names (at least 1);
 * 5. the workload: `txPerSecond` (0, a quarter, a half) and `clients` (down
 *    to the highest-numbered client named, at least 1).
 * A candidate that does not validate (a restart left without its crash) is
 * skipped without a run.
 */
import { InputError } from "../config/errors.js";
import { parseScenario } from "../scenario/load.js";
import { applyOverrides } from "../scenario/overrides.js";
import type { RunReport } from "../scenario/run.js";
import type { Scenario } from "../scenario/schema.js";
import { scenarioToJson } from "../scenario/to-json.js";

/** Options of {@link shrinkScenario}. */
export interface ShrinkOptions {
  /** Most runs of candidates (the first run, which confirms the failure, included). Default 200. */
  maxRuns?: number;
  /** Smallest step of the duration search, microseconds. Default 100 ms. */
  durationStepUs?: number;
}

/** The result of {@link shrinkScenario}. */
export interface ShrinkResult {
  /** False when the original scenario did not fail with the invariant: nothing was shrunk. */
  reproduced: boolean;
  /** The smallest failing scenario found, in file format (every default written out). */
  raw: Record<string, unknown>;
  /** Its report (it violates `invariant`), or the original run's when not reproduced. */
  report: RunReport;
  /** Runs made. */
  runs: number;
  /** True when the run budget ended the search. */
  budgetExhausted: boolean;
  /** What was removed, one line each (e.g. `fault actions: 6 -> 1`). */
  removed: string[];
}

/**
 * Shrinks `raw` (a scenario in file format, the seed included) while
 * `run` still reports a violation of `invariant`.
 * @param run runs a validated scenario; must be deterministic
 * @throws InputError when `raw` itself does not validate
 */
export function shrinkScenario(raw: Record<string, unknown>, invariant: string, run: (scenario: Scenario) => RunReport, options: ShrinkOptions = {}): ShrinkResult {
  const maxRuns = options.maxRuns ?? 200;
  const stepUs = options.durationStepUs ?? 100_000;
  const original = scenarioToJson(parseScenario(raw));
  let runs = 0;
  let budgetExhausted = false;

  /** Runs a candidate; its report when it still fails with the invariant. */
  const fails = (candidate: Record<string, unknown>): RunReport | undefined => {
    if (runs >= maxRuns) {
      budgetExhausted = true;
      return undefined;
    }
    let scenario: Scenario;
    try {
      scenario = parseScenario(candidate);
    } catch (error) {
      if (error instanceof InputError) return undefined;
      throw error;
    }
    runs++;
    const report = run(scenario);
    return report.violation?.invariant === invariant ? report : undefined;
  };

  runs++;
  const first = run(parseScenario(original));
  if (first.violation?.invariant !== invariant) return { reproduced: false, raw: original, report: first, runs, budgetExhausted, removed: [] };
  let best = original;
  let bestReport = first;
  const accept = (candidate: Record<string, unknown>): boolean => {
    const report = fails(candidate);
    if (report === undefined) return false;
    best = candidate;
    bestReport = report;
    return true;
  };

  for (let progress = true; progress && !budgetExhausted; ) {
    progress = false;
    for (const field of ["faults", "operations"] as const) {
      const items = best[field] as unknown[];
      const kept = deltaDebug(items, (subset) => accept({ ...best, [field]: subset }));
      if (kept.length < items.length) progress = true;
    }
    const durationUs = best.duration as number;
    const shorter = shortestDuration(durationUs, stepUs, (us) => accept(withDuration(best, us)));
    if (shorter < durationUs) progress = true;
    const validators = best.validators as Record<string, unknown>;
    const count = validators.count as number;
    for (let n = Math.max(1, highestNamed(best, "v") + 1); n < count; n++) {
      if (accept({ ...best, validators: { ...validators, count: n } })) {
        progress = true;
        break;
      }
    }
    const workload = best.workload as Record<string, unknown>;
    const tps = workload.txPerSecond as number;
    for (const candidate of [0, Math.floor(tps / 4), Math.floor(tps / 2)]) {
      if (candidate < tps && accept({ ...best, workload: { ...workload, txPerSecond: candidate } })) {
        progress = true;
        break;
      }
    }
    const clients = (best.workload as Record<string, unknown>).clients as number;
    for (const candidate of [Math.max(1, highestNamed(best, "c") + 1), Math.floor(clients / 2)]) {
      if (candidate >= 1 && candidate < clients && accept({ ...best, workload: { ...(best.workload as Record<string, unknown>), clients: candidate } })) {
        progress = true;
        break;
      }
    }
  }

  return { reproduced: true, raw: best, report: bestReport, runs, budgetExhausted, removed: describeRemoved(original, best) };
}

/**
 * Delta debugging over a list: the smallest sublist found for which `test`
 * holds (`test` of the whole list is assumed true). Tries the empty list first.
 */
export function deltaDebug<T>(items: readonly T[], test: (subset: T[]) => boolean): T[] {
  let current = [...items];
  if (current.length === 0) return current;
  if (test([])) return [];
  let chunks = 2;
  while (current.length >= 2) {
    const size = Math.ceil(current.length / chunks);
    let reduced = false;
    for (let start = 0; start < current.length; start += size) {
      const complement = [...current.slice(0, start), ...current.slice(start + size)];
      if (test(complement)) {
        current = complement;
        chunks = Math.max(chunks - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (chunks >= current.length) break;
      chunks = Math.min(chunks * 2, current.length);
    }
  }
  return current;
}

/** Binary search for the shortest duration (a multiple of `stepUs`, below `durationUs`) for which `fails` holds. */
function shortestDuration(durationUs: number, stepUs: number, fails: (us: number) => boolean): number {
  let lo = 0;
  let hi = durationUs;
  while (hi - lo > stepUs) {
    const mid = Math.max(stepUs, Math.round((lo + hi) / 2 / stepUs) * stepUs);
    if (mid >= hi || mid <= lo) break;
    if (fails(mid)) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** `raw` cut to `us`: later faults and operations dropped, `workload.stopAt` clamped. */
function withDuration(raw: Record<string, unknown>, us: number): Record<string, unknown> {
  const cut = applyOverrides(raw, { durationUs: us }).raw;
  const operations = (raw.operations as { at: number }[]).filter((op) => op.at <= us);
  const workload = { ...(raw.workload as Record<string, unknown>) };
  if (typeof workload.stopAt === "number" && workload.stopAt > us) workload.stopAt = us;
  return { ...cut, operations, workload };
}

/** The highest index of a node named `<prefix><index>` in the faults and links of `raw`, or -1. */
function highestNamed(raw: Record<string, unknown>, prefix: "v" | "c"): number {
  const pattern = new RegExp(`^${prefix}(\\d+)$`);
  let highest = -1;
  const visit = (value: unknown): void => {
    if (typeof value === "string") {
      const match = pattern.exec(value);
      if (match !== null) highest = Math.max(highest, Number(match[1]));
    } else if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === "object" && value !== null) Object.values(value).forEach(visit);
  };
  visit(raw.faults);
  visit((raw.network as Record<string, unknown>).links);
  return highest;
}

function describeRemoved(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const out: string[] = [];
  const line = (what: string, a: unknown, b: unknown, unit = ""): void => {
    if (a !== b) out.push(`${what}: ${String(a)}${unit} -> ${String(b)}${unit}`);
  };
  line("fault actions", (before.faults as unknown[]).length, (after.faults as unknown[]).length);
  line("operations", (before.operations as unknown[]).length, (after.operations as unknown[]).length);
  line("duration", before.duration, after.duration, "us");
  line("validators", (before.validators as Record<string, unknown>).count, (after.validators as Record<string, unknown>).count);
  line("workload.txPerSecond", (before.workload as Record<string, unknown>).txPerSecond, (after.workload as Record<string, unknown>).txPerSecond);
  line("workload.clients", (before.workload as Record<string, unknown>).clients, (after.workload as Record<string, unknown>).clients);
  return out;
}

/**
 * Seed files: everything needed to reproduce a failed run. Format version 1:
 *
 * ```json
 * { "format": "asset-sim/seed-file", "formatVersion": 1, "packageVersion": "0.1.0",
 *   "seed": 42, "scenario": { ...the whole scenario as run, defaults written out, durations in us... },
 *   "violation": { "invariant": "liveness", "atUs": 1234, "message": "..." },
 *   "traceDigest": "<64 hex>", "exitCode": 3 }
 * ```
 */
import { z } from "zod";
import { InputError } from "../config/errors.js";
import type { RunReport } from "./run.js";

/** The `format` field of every seed file. */
export const SEED_FILE_FORMAT = "asset-sim/seed-file";
/** The `formatVersion` this version writes and reads. */
export const SEED_FILE_VERSION = 1;

const seedFileSchema = z.strictObject({
  format: z.literal(SEED_FILE_FORMAT),
  formatVersion: z.literal(SEED_FILE_VERSION),
  packageVersion: z.string(),
  seed: z.number().int().min(0),
  scenario: z.record(z.string(), z.unknown()),
  violation: z.strictObject({ invariant: z.string(), atUs: z.number().int().min(0), message: z.string() }),
  traceDigest: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex characters"),
  exitCode: z.number().int(),
});

/**
 * A parsed seed file: `format`, `formatVersion`, `packageVersion`, the `seed`,
 * the whole `scenario` as run (file form, every default written out,
 * durations in microseconds), the `violation` (`invariant`, `atUs` in
 * microseconds, `message`), the run's `traceDigest` (64 hex) and `exitCode`.
 */
export type SeedFile = z.output<typeof seedFileSchema>;

/**
 * Builds the seed file of a failed run.
 * @param rawScenario the scenario as run, in file format with every default written out (`scenarioToJson`)
 * @throws Error if the report has no violation
 */
export function buildSeedFile(rawScenario: Record<string, unknown>, report: RunReport): SeedFile {
  const v = report.violation;
  if (v === undefined) throw new Error("a seed file needs a violation");
  return {
    format: SEED_FILE_FORMAT,
    formatVersion: SEED_FILE_VERSION,
    packageVersion: report.packageVersion,
    seed: report.seed,
    scenario: rawScenario,
    violation: { invariant: v.invariant, atUs: v.atUs, message: v.message },
    traceDigest: report.traceDigest,
    exitCode: report.exitCode,
  };
}

/**
 * The file name for a seed file: `<scenario>-seed<seed>-<digest prefix>.json`,
 * or `<scenario>-seed<seed>-safety-only-<digest prefix>.json` for a run with
 * `phases.safetyOnly` (`--safety-only`): its seed file holds another scenario and
 * verdict, even when the trace, and so the digest, is the same.
 */
export function seedFileName(report: Pick<RunReport, "scenario" | "seed" | "traceDigest">, safetyOnly = false): string {
  const slug = report.scenario.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "scenario";
  return `${slug}-seed${report.seed}-${safetyOnly ? "safety-only-" : ""}${report.traceDigest.slice(0, 12)}.json`;
}

/**
 * Parses a seed file's text.
 * @throws InputError naming the bad field
 */
export function parseSeedFile(text: string): SeedFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InputError("", `seed file is not valid JSON: ${(error as Error).message}`);
  }
  const result = seedFileSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path.map(String).join(".");
    const problem = issue.code === "unrecognized_keys" ? `unknown field(s) ${issue.keys.join(", ")}` : issue.message;
    throw new InputError(path === "" ? "seed file" : `seed file ${path}`, problem);
  }
  return result.data;
}

/** Whether a rerun reproduced the recorded digest and violation. */
export interface ReplayVerdict {
  /** The rerun's trace digest equals the recorded one. */
  digestMatches: boolean;
  /** The rerun violated the same invariant at the same virtual time with the same message. */
  violationMatches: boolean;
  /** Both. */
  reproduced: boolean;
}

/** Compares a rerun with its seed file (invariant, time and message of the violation; the digest). */
export function compareReplay(seedFile: SeedFile, report: RunReport): ReplayVerdict {
  const digestMatches = seedFile.traceDigest === report.traceDigest;
  const v = report.violation;
  const violationMatches =
    v !== undefined && v.invariant === seedFile.violation.invariant && v.atUs === seedFile.violation.atUs && v.message === seedFile.violation.message;
  return { digestMatches, violationMatches, reproduced: digestMatches && violationMatches };
}

/**
 * The scenario file format, version 1, composed from the world's sections
 * and each built-in system's: the base fields, the world (`network`,
 * `storage`, `clocks`, `phases`), the L1, the fault plan (the union of the
 * fault catalog's kinds), and the rollup sections of the validators and
 * posting systems (`validators`, `workload`, `ledger`, `byzantine`,
 * `allowMoreThanF`, `checkpoints`, `invariants`, `batchPoster`, `operations`).
 *
 * Two layouts, one parsed shape:
 * - one rollup: its sections at the top level (every scenario before
 *   several rollups existed, and every seed file, keeps this form; node ids
 *   are `v0`, `c0`, `poster`...);
 * - several rollups: `"rollups": [ { "name": "r0", ...sections }, ... ]`
 *   sharing one L1, one network and one fault plan; node ids are namespaced
 *   by the rollup's name (`r0/v1`, `r1/poster`), and the sections inside a
 *   rollup name its own nodes without the namespace (`"byzantine": [{ "node": "v1" }]`).
 *
 * The parsed {@link Scenario} always has `rollups` (one entry per rollup,
 * with its namespace), and its top-level rollup sections are those of the
 * first rollup, so code about one rollup reads them where it always did.
 * Unknown fields are refused; durations are integers of microseconds or
 * strings with a unit; every default is written here or in the section files.
 */
import { z } from "zod";
import { positiveDuration } from "../config/fields.js";
import { WORLD_SECTIONS } from "../harness/sections.js";
import type { FaultCatalog } from "../harness/catalog.js";
import type { FaultAction } from "./catalog.js";
import { L1_SECTIONS } from "./l1/section.js";
import { BRIDGE_SECTIONS } from "./bridge/section.js";
import { POSTING_SECTIONS } from "./posting/section.js";
import { VALIDATOR_SECTIONS } from "./validators/section.js";

/** Most rollups one scenario holds. */
export const ROLLUPS_MAX = 16;

/** The sections one rollup has (validators and posting systems). */
export const ROLLUP_SECTIONS = { ...VALIDATOR_SECTIONS, ...POSTING_SECTIONS, ...BRIDGE_SECTIONS };

const base = {
  version: z.literal(1).default(1),
  name: z.string().min(1, "must not be empty").max(200),
  description: z.string().optional(),
  seed: z.number().int("must be an integer").min(0, "must be >= 0").max(Number.MAX_SAFE_INTEGER),
  duration: positiveDuration,
  /** Event budget: the run stops after this many events even before `duration`. */
  maxEvents: z.number().int().positive().default(50_000_000),
};

/** Stands for the fault plan in the static shapes; {@link makeScenarioSchema} puts the catalog's schema there. */
const faults = z.array(z.unknown()).default([]);

/** The one-rollup layout (its `faults` typed loosely: see {@link makeScenarioSchema}). */
export const singleRollupSchema = z.strictObject({ ...base, ...WORLD_SECTIONS, ...L1_SECTIONS, ...ROLLUP_SECTIONS, faults });

const rollupName = z.string().regex(/^[a-z][a-z0-9]{0,15}$/, "must be 1-16 characters a-z, 0-9, starting with a letter");
const rollupEntry = z.strictObject({ name: rollupName.optional(), ...ROLLUP_SECTIONS });

/** The several-rollups layout (its `faults` typed loosely: see {@link makeScenarioSchema}). */
export const rollupsSchema = z.strictObject({ ...base, ...WORLD_SECTIONS, ...L1_SECTIONS, faults, rollups: z.array(rollupEntry).min(1, "needs at least one rollup").max(ROLLUPS_MAX) });

type SingleOutput = Omit<z.output<typeof singleRollupSchema>, "faults">;

/** One rollup's sections, parsed. */
export type RollupSections = Pick<SingleOutput, keyof typeof ROLLUP_SECTIONS>;

/** One rollup of a parsed scenario: its sections, its name and the namespace of its node ids. */
export type RollupScenario = RollupSections & {
  /** `r0`, `r1`... unless the file names it. */
  readonly name: string;
  /** Prefix of its node ids: `""` in the one-rollup layout, else `<name>/`. */
  readonly prefix: string;
};

/** A parsed scenario: every duration in microseconds, every default filled in (see the file comment). */
export type Scenario = SingleOutput & {
  /** The validator rollups; empty in the `"none"` layout. */
  readonly rollups: readonly RollupScenario[];
  /**
   * Which layout the file used (seed files write the same one back): `"none"` is a
   * file without a `validators` section, run for a system that needs no
   * validators (`sbcp`); its top-level rollup sections are their defaults with
   * `validators.count` 0, and `rollups` is empty.
   */
  readonly layout: "single" | "rollups" | "none";
  readonly faults: FaultAction[];
};

/** A system added through the registry keeps its own section at the top level under its key. */
export type ScenarioWithSections = Scenario & Readonly<Record<string, unknown>>;

/**
 * A section added through the registry (`System.section`). `standalone`: a
 * scenario with this section may leave out `validators` (its system runs
 * without a validator cluster).
 */
export interface AddedSection {
  readonly key: string;
  readonly schema: z.ZodType;
  readonly standalone?: boolean;
}

/** True when a raw scenario has no `validators` section and no `rollups` (the `"none"` layout, if a standalone section allows it). */
export function lacksValidators(raw: unknown): boolean {
  return typeof raw === "object" && raw !== null && !Array.isArray(raw) && !("rollups" in raw) && !("validators" in raw);
}

/** True when a raw scenario uses the several-rollups layout. */
export function usesRollupsLayout(raw: unknown): boolean {
  return typeof raw === "object" && raw !== null && !Array.isArray(raw) && "rollups" in raw;
}

function pickRollup(sections: Record<string, unknown>): RollupSections {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(ROLLUP_SECTIONS)) out[key] = sections[key];
  return out as RollupSections;
}

/**
 * The scenario schema of a registry: dispatches on the layout, then
 * normalises to {@link Scenario}. `faults` is the union of the catalog's
 * kinds; each added section is optional (a scenario without it does not run
 * that system). Issues keep the path of the layout's own fields
 * (`rollups[1].validators.count`).
 * @param catalog the registry's fault catalog
 * @param added sections of systems added through the registry
 */
export function makeScenarioSchema(catalog: FaultCatalog, added: readonly AddedSection[]): z.ZodType<Scenario, unknown> {
  const extra = Object.fromEntries(added.map((s) => [s.key, s.schema.optional()]));
  const plan = { faults: z.array(catalog.actionSchema()).default([]), ...extra };
  const single = singleRollupSchema.extend(plan);
  const several = rollupsSchema.extend(plan);
  const standalone = added.filter((s) => s.standalone === true).map((s) => s.key);
  return z.unknown().transform((raw, ctx): Scenario => {
    const forward = (error: z.ZodError): never => {
      for (const issue of error.issues) ctx.issues.push({ ...issue, input: undefined } as (typeof ctx.issues)[number]);
      return z.NEVER;
    };
    if (lacksValidators(raw)) return withoutValidators(raw as Record<string, unknown>, single, standalone, ctx, forward);
    if (usesRollupsLayout(raw)) {
      const parsed = several.safeParse(raw);
      if (!parsed.success) return forward(parsed.error);
      const { rollups, ...world } = parsed.data as unknown as { rollups: (RollupSections & { name?: string })[] } & Record<string, unknown>;
      const many = rollups.length > 1;
      const named = rollups.map((r, i): RollupScenario => {
        const name = r.name ?? `r${i}`;
        return { ...pickRollup(r as unknown as Record<string, unknown>), name, prefix: many ? `${name}/` : "" };
      });
      const seen = new Set<string>();
      named.forEach((r, i) => {
        if (seen.has(r.name)) ctx.addIssue({ code: "custom", message: `rollup name ${JSON.stringify(r.name)} is used twice`, path: ["rollups", i, "name"] });
        seen.add(r.name);
      });
      const { name: _name, prefix: _prefix, ...first } = named[0]!;
      return { ...world, ...first, rollups: named, layout: "rollups" } as unknown as Scenario;
    }
    const parsed = single.safeParse(raw);
    if (!parsed.success) return forward(parsed.error);
    const data = parsed.data as unknown as Record<string, unknown>;
    return { ...data, rollups: [{ ...pickRollup(data), name: "r0", prefix: "" }], layout: "single" } as unknown as Scenario;
  });
}

/**
 * The `"none"` layout: a file without `validators`, valid only when it has a
 * standalone system's section (`sbcp`) and none of the rollup sections
 * (they configure a validator cluster). The top-level rollup sections get
 * their defaults, with `validators.count` 0 (no validator runs), and `rollups`
 * is empty.
 */
function withoutValidators(
  raw: Record<string, unknown>,
  single: z.ZodType,
  standalone: readonly string[],
  ctx: z.RefinementCtx,
  forward: (error: z.ZodError) => never,
): Scenario {
  if (!standalone.some((key) => raw[key] !== undefined)) {
    const others = standalone.length === 0 ? "" : ` or a section of a system that runs without validators (${standalone.join(", ")})`;
    ctx.addIssue({ code: "custom", message: `required: the scenario has nothing to run without validators; give a validators section${others}`, path: ["validators"] });
    return z.NEVER;
  }
  for (const key of Object.keys(ROLLUP_SECTIONS)) {
    if (raw[key] !== undefined) {
      ctx.addIssue({ code: "custom", message: `needs a validators section (${key} configures the validator cluster, and this scenario runs none)`, path: [key] });
      return z.NEVER;
    }
  }
  // Every default of the rollup sections, from a one-validator placeholder; the count is then 0: no validator runs.
  const parsed = single.safeParse({ ...raw, validators: { count: 1 } });
  if (!parsed.success) return forward(parsed.error);
  const data = parsed.data as Record<string, unknown> & { validators: Record<string, unknown> };
  return { ...data, validators: { ...data.validators, count: 0 }, rollups: [], layout: "none" } as unknown as Scenario;
}

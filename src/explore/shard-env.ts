/**
 * `explore --shard auto`: which shard this process is, read from the
 * variables a batch system sets. A pure function of the environment handed in
 * (the CLI passes `process.env`), so node code stays sans-IO.
 *
 * Sources, in order:
 * 1. `ASSET_SIM_SHARD_INDEX` (0-based) and `ASSET_SIM_SHARD_COUNT`: set by
 *    hand or by a workflow. In a GitHub Actions matrix job the workflow sets
 *    them from the `strategy` context, which GitHub does not export as
 *    variables: `ASSET_SIM_SHARD_INDEX: ${{ strategy.job-index }}` (0-based)
 *    and `ASSET_SIM_SHARD_COUNT: ${{ strategy.job-total }}`.
 * 2. `JOB_COMPLETION_INDEX` (0-based), which Kubernetes sets in every pod of
 *    an Indexed Job (`completionMode: Indexed`), with `ASSET_SIM_SHARD_COUNT`.
 *    Kubernetes exposes the index but not the Job's `spec.completions`: the
 *    manifest sets `ASSET_SIM_SHARD_COUNT` to the same number
 *    (`deploy/k8s/explore-job.yaml`).
 *
 * The index is 0-based in the environment, as both systems count; the shard
 * is 1-based as `--shard i/n` is: index k is shard k + 1 of n.
 */
import { InputError } from "../config/errors.js";
import type { Shard } from "./explore.js";

/** The variables `--shard auto` reads. */
export const SHARD_ENV = {
  /** 0-based shard index (generic; GitHub Actions: `${{ strategy.job-index }}`). */
  index: "ASSET_SIM_SHARD_INDEX",
  /** Number of shards (Kubernetes: the Job's `spec.completions`; GitHub Actions: `${{ strategy.job-total }}`). */
  count: "ASSET_SIM_SHARD_COUNT",
  /** 0-based index Kubernetes sets in the pods of an Indexed Job. */
  kubernetesIndex: "JOB_COMPLETION_INDEX",
} as const;

/** A shard read from the environment, and where it came from (for a note on stderr). */
export interface EnvironmentShard {
  readonly shard: Shard;
  /** `ASSET_SIM_SHARD_INDEX=1, ASSET_SIM_SHARD_COUNT=4`, the variables used. */
  readonly source: string;
}

/** Most shards: more would mean fewer than a seed each for any plan `explore` takes. */
export const SHARD_COUNT_MAX = 100_000;

/**
 * The shard of this process from `env` (see the file comment for the variables).
 * @param env the environment (`process.env` in the CLI)
 * @throws InputError (field `--shard`) when no index variable is set, the count is missing, a value is not a
 *   non-negative decimal integer, the index is not below the count, the count is 0 or above {@link SHARD_COUNT_MAX},
 *   or `ASSET_SIM_SHARD_INDEX` and `JOB_COMPLETION_INDEX` are both set and differ
 */
export function shardFromEnvironment(env: Readonly<Record<string, string | undefined>>): EnvironmentShard {
  const generic = env[SHARD_ENV.index];
  const kubernetes = env[SHARD_ENV.kubernetesIndex];
  const countText = env[SHARD_ENV.count];
  if (generic === undefined && kubernetes === undefined) {
    const github = env.GITHUB_ACTIONS === "true" ? " (in GitHub Actions set them in the job's env: ASSET_SIM_SHARD_INDEX: ${{ strategy.job-index }}, ASSET_SIM_SHARD_COUNT: ${{ strategy.job-total }})" : "";
    throw new InputError(
      "--shard",
      `auto needs ${SHARD_ENV.index} (0-based) or Kubernetes' ${SHARD_ENV.kubernetesIndex} (an Indexed Job), with ${SHARD_ENV.count}; neither index is set${github}`,
    );
  }
  if (generic !== undefined && kubernetes !== undefined && generic.trim() !== kubernetes.trim()) {
    throw new InputError("--shard", `auto: ${SHARD_ENV.index}=${JSON.stringify(generic)} and ${SHARD_ENV.kubernetesIndex}=${JSON.stringify(kubernetes)} disagree: set one`);
  }
  const indexName = generic !== undefined ? SHARD_ENV.index : SHARD_ENV.kubernetesIndex;
  const index = nonNegativeInteger(indexName, (generic ?? kubernetes)!);
  if (countText === undefined) {
    const hint = indexName === SHARD_ENV.kubernetesIndex ? " (Kubernetes does not expose the Job's spec.completions: set it in the pod template's env to the same number)" : "";
    throw new InputError("--shard", `auto: ${indexName} is set but ${SHARD_ENV.count} is not${hint}`);
  }
  const count = nonNegativeInteger(SHARD_ENV.count, countText);
  if (count < 1 || count > SHARD_COUNT_MAX) throw new InputError("--shard", `auto: ${SHARD_ENV.count} must be between 1 and ${SHARD_COUNT_MAX}, got ${count}`);
  if (index >= count) throw new InputError("--shard", `auto: ${indexName}=${index} must be below ${SHARD_ENV.count}=${count} (the index is 0-based)`);
  return { shard: { index: index + 1, count }, source: `${indexName}=${index}, ${SHARD_ENV.count}=${count}` };
}

function nonNegativeInteger(name: string, text: string): number {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed) || !Number.isSafeInteger(Number(trimmed))) throw new InputError("--shard", `auto: ${name} must be a non-negative decimal integer, got ${JSON.stringify(text)}`);
  return Number(trimmed);
}

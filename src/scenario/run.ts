/**
 * Running a scenario end to end: build the cluster, run it, judge the
 * invariants, and produce the report that the CLI prints and seed files keep.
 */
import type { InvariantResult, Observation, Violation } from "../check/checker.js";
import type { NetworkStats } from "../net/sim-network.js";
import type { StopReason } from "../sim/simulation.js";
import { PACKAGE_VERSION } from "../version.js";
import { Cluster, type ClusterEnvironment } from "./cluster.js";
import type { ConsensusMetrics } from "../systems/validators/metrics.js";
import type { Scenario } from "./schema.js";

/** Exit codes of `asset-sim run` and `replay` (see the README). */
export const EXIT = {
  ok: 0,
  safetyViolated: 1,
  badInput: 2,
  livenessMissed: 3,
  nodeThrew: 4,
  notReproduced: 5,
  /** `--check-determinism`: two runs of one seed gave different trace digests. */
  nondeterministic: 6,
} as const;

/** Metrics of a run. */
export interface RunMetrics extends ConsensusMetrics {
  messages: NetworkStats;
  faultsApplied: number;
}

/** The result of one run; `--json` prints exactly this. Wall-clock time never enters it. */
export interface RunReport {
  scenario: string;
  seed: number;
  packageVersion: string;
  validators: number;
  signatureScheme: string;
  traceDigest: string;
  /** Virtual time simulated, microseconds. */
  virtualDurationUs: number;
  events: number;
  stoppedBy: StopReason | "violation";
  invariants: InvariantResult[];
  metrics: RunMetrics;
  violation?: Violation;
  exitCode: number;
  /** Path of the seed file written for this run's violation, if any. */
  seedFile?: string;
}

/** Options of {@link runScenario}. */
export interface RunOptions {
  /** Receives every node event as it happens (an event log, a debugger); must not change anything. */
  observer?: (o: Observation) => void;
  /** The AssetRollup program's ELF; required when the scenario runs the L1 (see `ClusterEnvironment`). */
  programElf?: Uint8Array;
  /** Extra nodes hosted beside the scenario's (tests only; see `ClusterEnvironment.extraNodes`). */
  extraNodes?: ClusterEnvironment["extraNodes"];
}

/**
 * Runs a validated scenario once. Deterministic: same scenario (and program binary), same report.
 * @throws Error when the scenario runs the L1 and `options.programElf` is missing
 */
export function runScenario(scenario: Scenario, options: RunOptions = {}): RunReport {
  const cluster = new Cluster(scenario, {
    ...(options.programElf !== undefined ? { programElf: options.programElf } : {}),
    ...(options.extraNodes !== undefined ? { extraNodes: options.extraNodes } : {}),
  });
  if (options.observer !== undefined) cluster.addObserver(options.observer);
  return runCluster(cluster, scenario);
}

/** Runs a cluster built from `scenario` (observers already attached) and judges it. */
export function runCluster(cluster: Cluster, scenario: Scenario): RunReport {
  const outcome = cluster.run();
  const invariants = cluster.checkers.map((c) => c.finish(outcome.virtualDurationUs));
  const violation = outcome.violation ?? invariants.find((r) => !r.ok)?.violation;
  return {
    scenario: scenario.name,
    seed: scenario.seed,
    packageVersion: PACKAGE_VERSION,
    validators: scenario.validators.count,
    signatureScheme: scenario.validators.signatureScheme,
    traceDigest: outcome.traceDigest,
    virtualDurationUs: outcome.virtualDurationUs,
    events: outcome.events,
    stoppedBy: outcome.stoppedBy,
    invariants,
    metrics: { ...cluster.metrics.finish(outcome.virtualDurationUs), messages: { ...cluster.network.stats }, faultsApplied: cluster.faultsApplied },
    ...(violation ? { violation } : {}),
    exitCode: exitCodeOf(violation, invariants),
  };
}

function exitCodeOf(violation: Violation | undefined, invariants: InvariantResult[]): number {
  if (violation === undefined) return EXIT.ok;
  if (violation.invariant === "node-error") return EXIT.nodeThrew;
  const result = invariants.find((r) => r.name === violation.invariant);
  return result?.kind === "liveness" ? EXIT.livenessMissed : EXIT.safetyViolated;
}

/**
 * Running a scenario end to end: build the run, run it, judge the
 * invariants, and produce the report that the CLI prints and seed files keep.
 */
import type { InvariantResult, Observation, Violation } from "../check/checker.js";
import type { NetworkStats } from "../net/sim-network.js";
import type { StopReason } from "../sim/simulation.js";
import { PACKAGE_VERSION } from "../version.js";
import type { L1Metrics } from "../systems/posting/metrics.js";
import type { ConsensusMetrics } from "../systems/validators/metrics.js";
import { ScenarioRun, type RunEnvironment } from "./scenario-run.js";
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
  /** `--check-sharing`: an answer the simulated nodes shared differed from computing it (`sim/run-memo.ts`). */
  sharingMismatch: 7,
} as const;

/**
 * Metrics of a run: the systems' figures (with several rollups, those of the
 * first at the top level and each rollup's under `rollups`), the network's
 * counters and the number of faults applied.
 */
export interface RunMetrics extends ConsensusMetrics {
  /** The posting system's figures (zero without the L1). */
  l1: L1Metrics;
  /** The simulated network's message counters over the whole run. */
  messages: NetworkStats;
  /** Fault actions applied (skipped ones not counted). */
  faultsApplied: number;
  /** With several rollups: each rollup's figures, by name. */
  rollups?: Record<string, Record<string, unknown>>;
  /** Figures of systems added through the registry, by system name. */
  [system: string]: unknown;
}

/** The result of one run; `--json` prints exactly this. Wall-clock time never enters it. */
export interface RunReport {
  /** The scenario's `name`. */
  scenario: string;
  /** The master seed the run drew every random stream from. */
  seed: number;
  /** The asset-sim version that ran it (`PACKAGE_VERSION`). */
  packageVersion: string;
  /** Number of validators n (of the first rollup). */
  validators: number;
  /** The signature scheme of the run: `"ed25519"`, `"ed25519-native"` or `"sim"`. */
  signatureScheme: string;
  /** SHA-256 hash chain over every delivered event (time, node, kind, payload digest), 64 lowercase hex: same seed and scenario, same digest. */
  traceDigest: string;
  /** Virtual time simulated, microseconds. */
  virtualDurationUs: number;
  /** Events the kernel delivered (messages, timers, faults). */
  events: number;
  /** Why the run ended: `"duration"` (the normal end), `"violation"` (a safety checker failed), `"eventBudget"`, `"idle"` (nothing left to happen), `"stopped"`. */
  stoppedBy: StopReason | "violation";
  /** Every checker's verdict at the end (name, `"safety"` or `"liveness"`, ok, figures, violation), in the registry's order. */
  invariants: InvariantResult[];
  /** The systems' and the network's figures (see {@link RunMetrics}). */
  metrics: RunMetrics;
  /** The first violation (a safety violation stops the run; liveness is judged at the end); absent when every invariant held. */
  violation?: Violation;
  /**
   * With `phases.continueAfterViolation` and a safety violation: the run went
   * on after it; how many events and how much virtual time came after it.
   * The exit code is the same as if the run had stopped.
   */
  afterViolation?: { events: number; virtualDurationUs: number };
  /** The CLI's exit code for this run (see {@link EXIT}): 0 ok, 1 safety violated, 3 liveness missed, 4 a node threw. */
  exitCode: number;
  /** Path of the seed file written for this run's violation, if any. */
  seedFile?: string;
}

/** Options of {@link runScenario}. */
export interface RunOptions {
  /** Receives every node event as it happens (an event log, a debugger); must not change anything. */
  observer?: (o: Observation) => void;
  /** The observer also receives message events (`message-send`, `message-deliver`...; see `World.watchMessages`): the run is the same. */
  messageEvents?: boolean;
  /** The AssetRollup program's ELF; required when the scenario runs the L1 (see `RunEnvironment`). */
  programElf?: Uint8Array;
  /** Extra nodes hosted beside the scenario's (tests only; see `RunEnvironment.extraNodes`). */
  extraNodes?: RunEnvironment["extraNodes"];
  /** The systems of the run (default the built-in ones). */
  registry?: RunEnvironment["registry"];
  /** Nodes check their own invariants after every change (see `RunEnvironment.checkInvariants`). */
  checkInvariants?: boolean;
  /** How the run shares pure work between its simulated nodes (see `RunEnvironment.sharing`). */
  sharing?: RunEnvironment["sharing"];
}

/**
 * Runs a validated scenario once. Deterministic: same scenario (and program binary), same report.
 * @throws Error when the scenario runs the L1 and `options.programElf` is missing
 */
export function runScenario(scenario: Scenario, options: RunOptions = {}): RunReport {
  const run = new ScenarioRun(scenario, {
    ...(options.programElf !== undefined ? { programElf: options.programElf } : {}),
    ...(options.extraNodes !== undefined ? { extraNodes: options.extraNodes } : {}),
    ...(options.registry !== undefined ? { registry: options.registry } : {}),
    ...(options.checkInvariants === true ? { checkInvariants: true } : {}),
    ...(options.sharing !== undefined ? { sharing: options.sharing } : {}),
  });
  if (options.observer !== undefined) run.addObserver(options.observer);
  if (options.messageEvents === true) run.world.watchMessages();
  return runAndJudge(run);
}

/**
 * Runs a built run (observers already attached) and judges it: every
 * checker's verdict at the end, the first violation (a `violation` event is
 * written for one found only at the end, such as a liveness failure), the
 * metrics of every system instance, and the exit code. With
 * `phases.continueAfterViolation` the run went on past its first safety
 * violation to its end: the verdicts are those at the end, the violation and
 * the exit code those of the first violation, and `afterViolation` says how
 * much came after it.
 */
export function runAndJudge(run: ScenarioRun): RunReport {
  const scenario = run.scenario;
  const outcome = run.run();
  const invariants = run.checkers.map((c) => c.finish(outcome.virtualDurationUs));
  const violation = outcome.violation ?? invariants.find((r) => !r.ok)?.violation;
  if (outcome.violation === undefined && violation !== undefined) run.world.announceViolation(violation);
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
    metrics: collectMetrics(run, outcome.virtualDurationUs),
    ...(violation ? { violation } : {}),
    ...(outcome.violation !== undefined && outcome.eventsAtViolation !== undefined
      ? { afterViolation: { events: outcome.events - outcome.eventsAtViolation, virtualDurationUs: outcome.virtualDurationUs - outcome.violation.atUs } }
      : {}),
    exitCode: exitCodeOf(violation, invariants),
  };
}

/** The systems' figures merged per rollup (validators, then posting), then the world's counters. */
function collectMetrics(run: ScenarioRun, endUs: number): RunMetrics {
  const byRollup = new Map<string, Record<string, unknown>>();
  const added: Record<string, unknown> = {};
  for (const instance of run.instances) {
    const figures = instance.metrics(endUs);
    if (Object.keys(figures).length === 0) continue;
    if (instance.system === "validators" || instance.system === "posting") byRollup.set(instance.instance, { ...(byRollup.get(instance.instance) ?? {}), ...figures });
    else added[instance.instance === "" ? instance.system : `${instance.system}/${instance.instance}`] = figures;
  }
  const first = byRollup.values().next().value ?? {};
  const rollups = run.scenario.rollups.length > 1 ? { rollups: Object.fromEntries(run.scenario.rollups.map((r) => [r.name, byRollup.get(r.name) ?? {}])) } : {};
  return { ...(first as unknown as ConsensusMetrics), ...rollups, ...added, messages: { ...run.world.network.stats }, faultsApplied: run.world.faultsApplied } as RunMetrics;
}

function exitCodeOf(violation: Violation | undefined, invariants: InvariantResult[]): number {
  if (violation === undefined) return EXIT.ok;
  if (violation.invariant === "node-error") return EXIT.nodeThrew;
  const result = invariants.find((r) => r.name === violation.invariant);
  return result?.kind === "liveness" ? EXIT.livenessMissed : EXIT.safetyViolated;
}

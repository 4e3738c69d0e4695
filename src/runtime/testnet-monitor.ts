/**
 * What `asset-sim testnet` learns from its nodes' JSON log lines: the
 * simulator's own checkers (`check/validators/`) run over the real
 * processes' events, plus the figures a person watches (committed heights per
 * validator, committed transactions per second, submit-to-commit latency).
 *
 * A real node writes every `ctx.log(event, fields)` as one pino JSON line
 * (`telemetry.ts`, `logFields`); {@link logLineToObservation} turns such a
 * line back into the {@link Observation} the simulator would have handed the
 * checkers. Which checkers can be fed that way, and why the others cannot, is
 * in {@link REAL_MODE_CHECKERS} and {@link NOT_IN_REAL_MODE}.
 *
 * Pure bookkeeping, no IO: the testnet feeds it parsed lines with the wall
 * time they carry (or were read at) and the fault actions it applies, and
 * asks for a progress snapshot or the final summary. The unit tests feed it
 * fabricated lines.
 */
import type { Checker, InvariantResult, Observation, Violation } from "../check/checker.js";
import { AgreementChecker } from "../check/validators/agreement.js";
import { EquivocationChecker } from "../check/validators/equivocation.js";
import { LivenessChecker, type LivenessExpectation } from "../check/validators/liveness.js";
import { ReorgBoundChecker } from "../check/validators/reorg-bound.js";
import { RootAgreementChecker } from "../check/validators/root-agreement.js";
import { EXIT } from "../scenario/run.js";
import { checkL1Registry, type L1RegistryEntry } from "./l1-registry-check.js";
import { percentile, type Percentiles } from "../systems/validators/metrics.js";

/** One parsed log line: a JSON object with at least `event` (and `node`, or the node is known from the process). */
export type LogFields = Readonly<Record<string, unknown>>;

/** A progress snapshot (printed once a second). */
export interface ProgressSnapshot {
  /** Seconds since the monitor started. */
  readonly elapsedS: number;
  /** Highest committed height of each validator seen so far (0 before its first commit). */
  readonly heights: Readonly<Record<string, number>>;
  /** Transactions committed per second over the last window (the time since the previous snapshot). */
  readonly windowTps: number;
  /** Transactions committed per second since the start. */
  readonly overallTps: number;
  /** Submit-to-commit latency so far, milliseconds. */
  readonly latencyMs: Percentiles;
}

/** A checker of the simulator that real mode does not run, and why. */
export interface NotJudged {
  readonly name: string;
  readonly reason: string;
}

/** The final verdict of a testnet run. */
export interface TestnetSummary {
  /** Wall seconds the run lasted (monitor start to summary). */
  readonly durationS: number;
  /** Highest height committed by any validator. */
  readonly commits: number;
  /** Highest committed height of each validator. */
  readonly heights: Readonly<Record<string, number>>;
  /** Transactions in committed blocks (counted once per height, from the first `state-root` report). */
  readonly transactionsCommitted: number;
  /** Submissions logged by the clients. */
  readonly transactionsSubmitted: number;
  /** transactionsCommitted / durationS, one decimal (the start-up time before the first commit included). */
  readonly committedTps: number;
  /** Transactions per second from the first commit to the end (without the processes' start-up), one decimal; 0 before a commit. */
  readonly committedTpsSinceFirstCommit: number;
  /** Seconds from the start to the first commit of any validator (null when none). */
  readonly firstCommitS: number | null;
  /** Submit (client log line) to the first validator's commit of the block holding it, milliseconds; null without samples. */
  readonly latencyMs: Percentiles;
  /** How many submissions were matched to a commit (the latency sample size). */
  readonly latencySamples: number;
  /** True when at least one height was committed. */
  readonly progressed: boolean;
  /** True when every safety checker passed (agreement in the broad sense: `bench/real.ts` prints it). */
  readonly agreed: boolean;
  /** Boots of a validator after its first (a restart recovering from its data dir). */
  readonly restarts: number;
  /** The verdict of each checker run over the log lines, in {@link REAL_MODE_CHECKERS} order (times in microseconds since the monitor's start). */
  readonly invariants: readonly InvariantResult[];
  /** The simulator's checkers this run did not judge, with the reason. */
  readonly notJudged: readonly NotJudged[];
  /** The first violation seen (a safety one as it happened; else liveness's, judged at the end). */
  readonly violation?: Violation;
}

/**
 * The extra line a validator under a testnet writes after each commit: the
 * ids of the block's transactions, `{ event: "commit-txs", node, height,
 * txIds, time }` (see `control-channel.ts`); the latency figures need it,
 * since a `commit` log line carries only the payload's size.
 */
export const COMMIT_TXS_EVENT = "commit-txs";

/**
 * Exit code for a summary, as `asset-sim run`'s (`EXIT`): 1 when a safety
 * checker failed, else 3 when liveness failed or nothing was committed at
 * all (a run shorter than the liveness bound skips liveness, but a run with
 * no commit is still no progress), else 0.
 */
export function testnetExitCode(summary: TestnetSummary): number {
  if (!summary.agreed) return EXIT.safetyViolated;
  if (summary.invariants.some((r) => r.kind === "liveness" && !r.ok)) return EXIT.livenessMissed;
  if (!summary.progressed) return EXIT.livenessMissed;
  return EXIT.ok;
}

/** The checkers real mode runs, in report order (see {@link newChecker}). */
export const REAL_MODE_CHECKERS = ["agreement", "root-agreement", "reorg-bound", "equivocation", "liveness"] as const;
/** The name of a checker real mode runs. */
export type RealModeChecker = (typeof REAL_MODE_CHECKERS)[number];

/** The simulator's checkers real mode leaves out, and why (listed in every summary). */
export const NOT_IN_REAL_MODE: readonly NotJudged[] = [
  {
    name: "validity",
    reason: "it decodes each committed block's payload; a commit log line carries only its size (payload_bytes), and a payload (up to maxBlockTransactions transactions) is too large to log",
  },
  { name: "conservation", reason: "it audits every validator's in-memory ledger at the end, which a real process does not expose" },
  { name: "reference-ledger", reason: "it re-executes each committed block's payload, which a commit log line does not carry (see validity), and audits the in-memory ledgers (see conservation)" },
  { name: "l1-consistency", reason: "it follows the simulated L1's finalized slots; with --l1 the testnet judges l1-registry-agreement instead, from the registry read at the end" },
  { name: "posting-liveness", reason: "it needs the L1's finalization times of each root; with --l1 the registry is read once, at the end" },
];

/** What the checkers are given (see {@link newChecker}). */
export interface CheckerSettings {
  /** n, the validator count (validators are `v0` ... `v{n-1}`; a block's proposer index names one). */
  readonly validators: number;
  /** Deepest head rollback allowed, in blocks (a scenario's `invariants.maxReorgDepth`). */
  readonly maxReorgDepth: number;
  /** Longest wait for a new height after the heal, microseconds (a scenario's `invariants.livenessBound`). */
  readonly livenessBoundUs: number;
}

/** The scenario defaults of {@link CheckerSettings} (`scenario/schema.ts`, `invariants`). */
export const CHECKER_DEFAULTS = { maxReorgDepth: 2, livenessBoundUs: 5_000_000 } as const;

/**
 * The one place that builds the simulator's checkers for real mode (their
 * constructors are the simulator's business and may change). Every testnet
 * validator is honest (byzantine behaviours are simulator-only), so no
 * checker is given byzantine nodes.
 * @param expectation liveness only: the heal time and applicability
 */
function newChecker(name: RealModeChecker, settings: CheckerSettings, expectation: LivenessExpectation = { healAtUs: 0 }): Checker {
  const validators = Array.from({ length: settings.validators }, (_, i) => `v${i}`);
  const honest: ReadonlySet<string> = new Set(validators);
  switch (name) {
    case "agreement":
      return new AgreementChecker(honest);
    case "root-agreement":
      return new RootAgreementChecker(honest);
    case "reorg-bound":
      return new ReorgBoundChecker(settings.maxReorgDepth, honest);
    case "equivocation":
      return new EquivocationChecker({ validators, identities: new Map(), honest });
    case "liveness":
      return new LivenessChecker(settings.livenessBoundUs, expectation, honest);
  }
}

/** Log-line fields that are pino's or the line's envelope, not the event's fields. */
const ENVELOPE_FIELDS = new Set(["level", "time", "node", "event", "message", "msg", "pid", "hostname"]);
/** Events whose `hash` `logFields` writes as `block_hash` (as `telemetry.ts`). */
const BLOCK_HASH_EVENTS = new Set(["commit", "propose", "vote", "qc", "block", "head", "rollback"]);

/** Where the line was read and what came before it from the same node. */
export interface LineContext {
  /** The process's node name (a `node` field in the line wins). */
  readonly node: string;
  /** Wall time the monitor started, milliseconds since the epoch (time 0 of the observations). */
  readonly startMs: number;
  /** Wall time the line was read, milliseconds; used when the line has no numeric `time`. */
  readonly receivedMs: number;
  /** The node's previous observation time, microseconds: the result is never earlier (default 0). */
  readonly notBeforeUs?: number;
}

/**
 * Turns one log line back into the observation the simulator's checkers
 * would have seen for the same `ctx.log(event, fields)`:
 * - `timeUs`: the line's `time` (pino's wall time, ms since the epoch; else
 *   `receivedMs`) minus `startMs`, in microseconds, never before
 *   `notBeforeUs` (wall time may step back; monotonic per node is all a
 *   checker needs, as every process reads the same machine clock);
 * - `node`: the line's `node`, else the process's name;
 * - `event`: the line's `event` (no observation without one);
 * - `fields`: every other field, with `logFields`'s renaming undone:
 *   `round_id` -> `view`; `block_hash` -> `hash` (events of
 *   `BLOCK_HASH_EVENTS`); `root_hash` -> `root` (`state-root`); `batch_id`
 *   -> `toBatch` (`l1-tx-*`).
 *
 * Not restored, because the line does not hold them: byte arrays (a
 * `commit`'s `payload`) were written as their length only, `<name>_bytes`,
 * which is kept as is; bigints were written as decimal strings and stay
 * strings (no checker run in real mode reads one).
 * @returns the observation, or undefined for a line without an event
 */
export function logLineToObservation(line: LogFields, context: LineContext): Observation | undefined {
  const event = line.event;
  if (typeof event !== "string" || event === "") return undefined;
  const node = typeof line.node === "string" && line.node !== "" ? line.node : context.node;
  const wallMs = typeof line.time === "number" && Number.isFinite(line.time) ? line.time : context.receivedMs;
  const timeUs = Math.max(context.notBeforeUs ?? 0, Math.round((wallMs - context.startMs) * 1000));
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(line)) {
    if (ENVELOPE_FIELDS.has(name)) continue;
    fields[simulatorFieldName(event, name)] = value;
  }
  return { timeUs, node, event, fields };
}

/** The simulator's name of log-line field `name` of `event` (the inverse of `logFields`'s renaming). */
function simulatorFieldName(event: string, name: string): string {
  if (name === "round_id") return "view";
  if (name === "block_hash" && BLOCK_HASH_EVENTS.has(event)) return "hash";
  if (name === "root_hash" && event === "state-root") return "root";
  if (name === "batch_id" && event.startsWith("l1-tx-")) return "toBatch";
  return name;
}

/** A fault action the testnet applied (what liveness needs to know of it). */
export type AppliedFault =
  | { readonly action: "crash" | "restart" | "isolate"; readonly node: string }
  | { readonly action: "partition" | "heal" }
  | { readonly action: "pause"; readonly node: string; readonly durationUs: number };

/** Most submissions waiting for their commit (older ones are forgotten, never matched). */
const PENDING_SUBMITS_MAX = 1_000_000;

/**
 * Accumulates log lines of a testnet's validators (names as in `validators`)
 * and clients (any other node name), and runs the checkers over them.
 */
export class TestnetMonitor {
  private readonly validators: ReadonlySet<string>;
  private readonly settings: CheckerSettings;
  private readonly checkers: readonly Checker[];
  private readonly heights = new Map<string, number>();
  /** node -> time of its last observation, microseconds (observations are monotonic per node). */
  private readonly lastTimeUs = new Map<string, number>();
  /** Commit observations that raised the highest committed height (all liveness judges: when new heights appeared). */
  private readonly newHeightCommits: Observation[] = [];
  private highestHeight = 0;
  /** Heights whose transactions were counted. */
  private readonly countedHeights = new Set<number>();
  /** txId -> submit time (µs) of submissions not yet committed. */
  private readonly submittedAtUs = new Map<string, number>();
  private readonly latenciesMs: number[] = [];
  private readonly booted = new Set<string>();
  /** When the last validator booted for the first time, microseconds (undefined until all have). */
  private allBootedUs: number | undefined;
  private violation: Violation | undefined;
  private transactionsCommitted = 0;
  private transactionsSubmitted = 0;
  private restarts = 0;
  /** The first committed state root (hex) any validator logged at each height. */
  private readonly committedRoots = new Map<number, string>();
  /** The L1 registry's verdict, once judged (runs with the L1 only). */
  private l1Registry: InvariantResult | undefined;
  private firstCommitUs: number | undefined;
  private lastSnapshotMs: number;
  private lastSnapshotCommitted = 0;
  /** Fault bookkeeping for liveness: heal time, validators down, a partition in force. */
  private healAtUs = 0;
  private readonly crashed = new Set<string>();
  private partitioned = false;

  /**
   * @param validators the validator node names (`v0`...)
   * @param startMs wall time the run starts, milliseconds (time 0 of the observations; the TPS denominator starts here)
   * @param settings reorg depth and liveness bound (defaults: the scenario defaults, {@link CHECKER_DEFAULTS})
   */
  constructor(
    validators: readonly string[],
    private readonly startMs: number,
    settings: Partial<Omit<CheckerSettings, "validators">> = {},
  ) {
    this.validators = new Set(validators);
    for (const v of validators) this.heights.set(v, 0);
    this.lastSnapshotMs = startMs;
    this.settings = { ...CHECKER_DEFAULTS, ...settings, validators: validators.length };
    this.checkers = REAL_MODE_CHECKERS.filter((name) => name !== "liveness").map((name) => newChecker(name, this.settings));
  }

  /**
   * Takes one log line of node `node`.
   * @param node the process's node name (a `node` field in the line wins when present)
   * @param line the parsed JSON line
   * @param receivedMs wall time the line was read, milliseconds; used when the line has no `time` field (pino's epoch ms)
   * @returns the first violation a checker reports, once (later ones are kept by their checkers and appear in the summary)
   */
  observe(node: string, line: LogFields, receivedMs: number): Violation | undefined {
    const name = typeof line.node === "string" && line.node !== "" ? line.node : node;
    const o = logLineToObservation(line, { node, startMs: this.startMs, receivedMs, notBeforeUs: this.lastTimeUs.get(name) ?? 0 });
    if (o === undefined) return undefined;
    this.lastTimeUs.set(o.node, o.timeUs);
    this.account(o);
    let first: Violation | undefined;
    for (const checker of this.checkers) {
      const violation = checker.observe(o);
      if (violation !== undefined && this.violation === undefined) {
        this.violation = violation;
        first = violation;
      }
    }
    return first;
  }

  /** Records a fault action applied at wall time `atMs` (liveness is judged from the last one on). */
  faultApplied(fault: AppliedFault, atMs: number): void {
    const atUs = Math.max(0, Math.round((atMs - this.startMs) * 1000));
    this.healAtUs = Math.max(this.healAtUs, fault.action === "pause" ? atUs + fault.durationUs : atUs);
    switch (fault.action) {
      case "crash":
        if (this.validators.has(fault.node)) this.crashed.add(fault.node);
        return;
      case "restart":
        this.crashed.delete(fault.node);
        return;
      case "partition":
      case "isolate":
        this.partitioned = true;
        return;
      case "heal":
        this.partitioned = false;
        return;
      case "pause":
        return;
    }
  }

  /** The highest committed height of `validator` seen so far (0 before any). */
  heightOf(validator: string): number {
    return this.heights.get(validator) ?? 0;
  }

  /** Progress since the start and since the previous snapshot; `nowMs` is the wall time. */
  snapshot(nowMs: number): ProgressSnapshot {
    const windowS = Math.max(1e-3, (nowMs - this.lastSnapshotMs) / 1000);
    const windowTps = (this.transactionsCommitted - this.lastSnapshotCommitted) / windowS;
    this.lastSnapshotMs = nowMs;
    this.lastSnapshotCommitted = this.transactionsCommitted;
    const elapsedS = Math.max(1e-3, (nowMs - this.startMs) / 1000);
    return {
      elapsedS,
      heights: Object.fromEntries(this.heights),
      windowTps: round1(windowTps),
      overallTps: round1(this.transactionsCommitted / elapsedS),
      latencyMs: percentilesOf(this.latenciesMs),
    };
  }

  /**
   * Judges the L1's registry (read by the testnet at the end of a run with
   * the L1) against the roots the validators committed: the
   * `l1-registry-agreement` invariant of the summary (`l1-registry-check.ts`).
   * @param registry the finalized registry entries, or why it could not be read
   */
  judgeL1Registry(registry: readonly L1RegistryEntry[] | { readonly error: string }, endMs: number): InvariantResult {
    const atUs = Math.max(0, Math.round((endMs - this.startMs) * 1000));
    this.l1Registry = checkL1Registry(this.committedRoots, registry, atUs);
    return this.l1Registry;
  }

  /** The verdict so far; `endMs` is the wall time the run ended. */
  summary(endMs: number): TestnetSummary {
    const endUs = Math.max(0, Math.round((endMs - this.startMs) * 1000));
    const durationS = Math.max(1e-3, endUs / 1e6);
    const liveness = newChecker("liveness", this.settings, this.livenessExpectation());
    for (const o of this.newHeightCommits) liveness.observe(o);
    const invariants = [...[...this.checkers, liveness].map((c) => c.finish(endUs)), ...(this.l1Registry === undefined ? [] : [this.l1Registry])];
    const violation = this.violation ?? invariants.find((r) => !r.ok)?.violation;
    const commits = Math.max(0, ...this.heights.values());
    return {
      durationS: round1(durationS),
      commits,
      heights: Object.fromEntries(this.heights),
      transactionsCommitted: this.transactionsCommitted,
      transactionsSubmitted: this.transactionsSubmitted,
      committedTps: round1(this.transactionsCommitted / durationS),
      committedTpsSinceFirstCommit: this.firstCommitUs === undefined ? 0 : round1(this.transactionsCommitted / Math.max(1e-3, (endUs - this.firstCommitUs) / 1e6)),
      firstCommitS: this.firstCommitUs === undefined ? null : round1(this.firstCommitUs / 1e6),
      latencyMs: percentilesOf(this.latenciesMs),
      latencySamples: this.latenciesMs.length,
      progressed: commits > 0,
      agreed: invariants.every((r) => r.kind !== "safety" || r.ok),
      restarts: this.restarts,
      invariants,
      notJudged: NOT_IN_REAL_MODE,
      ...(violation !== undefined ? { violation } : {}),
    };
  }

  /**
   * When progress must resume, and whether it can: from the later of the last
   * fault (a pause's end) and the moment every validator had booted (spawning
   * the processes is not protocol time); not expected while a partition is in
   * force or more than f validators stay crashed.
   */
  private livenessExpectation(): LivenessExpectation {
    const healAtUs = Math.max(this.healAtUs, this.allBootedUs ?? 0);
    const f = Math.floor((this.validators.size - 1) / 3);
    if (this.crashed.size > f) return { healAtUs, notExpectedBecause: `${this.crashed.size} validators stay crashed, more than f = ${f}: no quorum` };
    if (this.partitioned) return { healAtUs, notExpectedBecause: "a partition is never healed" };
    return { healAtUs };
  }

  /** The figures beside the checkers: heights, restarts, transactions, latency. */
  private account(o: Observation): void {
    const isValidator = this.validators.has(o.node);
    switch (o.event) {
      case "boot":
        if (!isValidator) return;
        if (this.booted.has(o.node)) this.restarts++;
        this.booted.add(o.node);
        if (this.allBootedUs === undefined && this.booted.size === this.validators.size) this.allBootedUs = o.timeUs;
        return;
      case "submit": {
        this.transactionsSubmitted++;
        const txId = o.fields.txId;
        if (typeof txId === "string" && !this.submittedAtUs.has(txId) && this.submittedAtUs.size < PENDING_SUBMITS_MAX) this.submittedAtUs.set(txId, o.timeUs);
        return;
      }
      case "commit": {
        const height = o.fields.height;
        if (!isValidator || typeof height !== "number") return;
        if (height > (this.heights.get(o.node) ?? 0)) this.heights.set(o.node, height);
        if (height > this.highestHeight) {
          this.highestHeight = height;
          this.newHeightCommits.push(o);
        }
        this.firstCommitUs ??= o.timeUs;
        return;
      }
      case COMMIT_TXS_EVENT:
        if (isValidator) this.matchCommittedTransactions(o);
        return;
      case "state-root": {
        const height = o.fields.height;
        const txs = o.fields.txs;
        // The first validator's root at each height (root agreement checks the others against it).
        if (isValidator && typeof height === "number" && typeof o.fields.root === "string" && !this.committedRoots.has(height)) this.committedRoots.set(height, o.fields.root);
        if (!isValidator || typeof height !== "number" || typeof txs !== "number" || this.countedHeights.has(height)) return;
        this.countedHeights.add(height);
        this.transactionsCommitted += txs;
        return;
      }
      default:
        return;
    }
  }

  /** Matches the transaction ids of a `commit-txs` line to their submissions (latency samples). */
  private matchCommittedTransactions(o: Observation): void {
    const ids = o.fields.txIds;
    if (this.submittedAtUs.size === 0 || !Array.isArray(ids)) return;
    for (const id of ids) {
      if (typeof id !== "string") continue;
      const submittedUs = this.submittedAtUs.get(id);
      if (submittedUs === undefined) continue;
      this.submittedAtUs.delete(id);
      this.latenciesMs.push(Math.max(0, o.timeUs - submittedUs) / 1000);
    }
  }
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

function percentilesOf(sample: readonly number[]): Percentiles {
  const sorted = sample.slice().sort((a, b) => a - b);
  const p = (q: number): number | null => {
    const v = percentile(sorted, q);
    return v === null ? null : round1(v);
  };
  return { p50: p(50), p95: p(95), p99: p(99) };
}

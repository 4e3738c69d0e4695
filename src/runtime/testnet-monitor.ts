/**
 * What `asset-sim testnet` learns from its nodes' JSON log lines: committed
 * heights per validator, committed transactions per second, submit-to-commit
 * latency, and whether every validator committed the same block (hash) and
 * computed the same state root at every height two of them both reached.
 *
 * Pure bookkeeping, no IO: the testnet feeds it parsed lines with the wall
 * time they carry (or were read at), and asks for a progress snapshot or the
 * final summary. The unit test feeds it fabricated lines.
 */
import { sha256, toHex } from "../crypto/hash.js";
import { decodeBlockPayload } from "../sequencer/block-payload.js";
import { percentile, type Percentiles } from "../systems/validators/metrics.js";

/** One parsed log line: a JSON object with at least `event` (and `node`, or the node is known from the process). */
export type LogFields = Readonly<Record<string, unknown>>;

/** Two validators that reported different values for one height. */
export interface Disagreement {
  /** `commit` (block hash) or `state-root` (state root). */
  readonly kind: "commit" | "state-root";
  readonly height: number;
  /** Validator name to the value it reported (hex). */
  readonly values: Readonly<Record<string, string>>;
}

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
  /** Heights at which two or more validators both reported a commit, and a state root. */
  readonly heightsCompared: { readonly commit: number; readonly stateRoot: number };
  /** Every height where validators differ (empty when they agree). */
  readonly disagreements: readonly Disagreement[];
  /** True when no disagreement was seen. */
  readonly agreed: boolean;
  /** True when at least one height was committed. */
  readonly progressed: boolean;
  /** Boots of a validator after its first (a restart recovering from its data dir). */
  readonly restarts: number;
}

/**
 * The extra line a validator under a testnet writes after each commit: the
 * ids of the block's transactions, `{ event: "commit-txs", node, height,
 * txIds, time }` (see `control-channel.ts`); the latency figures need it,
 * since a `commit` log line carries only the payload's size.
 */
export const COMMIT_TXS_EVENT = "commit-txs";

/** Exit codes of `asset-sim testnet` (as `run`'s: 1 safety, 3 liveness). */
export const TESTNET_EXIT = { ok: 0, disagreement: 1, badInput: 2, noProgress: 3 } as const;

/** Exit code for a summary: 1 on any disagreement, else 3 when nothing was committed, else 0. */
export function testnetExitCode(summary: TestnetSummary): number {
  if (!summary.agreed) return TESTNET_EXIT.disagreement;
  if (!summary.progressed) return TESTNET_EXIT.noProgress;
  return TESTNET_EXIT.ok;
}

/** Most disagreements kept (the summary reports the first ones; one is enough to fail). */
const DISAGREEMENTS_MAX = 100;
/** Most submissions waiting for their commit (older ones are forgotten, never matched). */
const PENDING_SUBMITS_MAX = 1_000_000;

/**
 * Accumulates log lines of a testnet's validators (names as in `validators`)
 * and clients (any other node name).
 */
export class TestnetMonitor {
  private readonly validators: ReadonlySet<string>;
  private readonly heights = new Map<string, number>();
  /** height -> validator -> block hash */
  private readonly commitHashes = new Map<number, Map<string, string>>();
  /** height -> validator -> state root */
  private readonly stateRoots = new Map<number, Map<string, string>>();
  private readonly disagreementKeys = new Set<string>();
  private readonly disagreementList: Disagreement[] = [];
  /** Heights whose transactions were counted. */
  private readonly countedHeights = new Set<number>();
  /** txId -> submit time (ms) of submissions not yet committed. */
  private readonly submittedAtMs = new Map<string, number>();
  private readonly latenciesMs: number[] = [];
  private readonly booted = new Set<string>();
  private transactionsCommitted = 0;
  private transactionsSubmitted = 0;
  private restarts = 0;
  private firstCommitMs: number | undefined;
  private lastSnapshotMs: number;
  private lastSnapshotCommitted = 0;

  /**
   * @param validators the validator node names (`v0`...)
   * @param startMs wall time the run starts, milliseconds (the TPS denominator starts here)
   */
  constructor(
    validators: readonly string[],
    private readonly startMs: number,
  ) {
    this.validators = new Set(validators);
    for (const v of validators) this.heights.set(v, 0);
    this.lastSnapshotMs = startMs;
  }

  /**
   * Takes one log line of node `node`.
   * @param node the process's node name (a `node` field in the line wins when present)
   * @param fields the parsed JSON line
   * @param receivedMs wall time the line was read, milliseconds; used when the line has no `time` field (pino's epoch ms)
   */
  observe(node: string, fields: LogFields, receivedMs: number): void {
    const event = fields.event;
    if (typeof event !== "string") return;
    const name = typeof fields.node === "string" ? fields.node : node;
    const timeMs = typeof fields.time === "number" ? fields.time : receivedMs;
    const isValidator = this.validators.has(name);
    switch (event) {
      case "boot":
        if (this.booted.has(name)) this.restarts++;
        this.booted.add(name);
        return;
      case "submit": {
        this.transactionsSubmitted++;
        const txId = fields.txId;
        if (typeof txId === "string" && !this.submittedAtMs.has(txId) && this.submittedAtMs.size < PENDING_SUBMITS_MAX) this.submittedAtMs.set(txId, timeMs);
        return;
      }
      case "commit": {
        if (!isValidator) return;
        const height = numberField(fields, "height");
        if (height === undefined) return;
        if (height > (this.heights.get(name) ?? 0)) this.heights.set(name, height);
        if (this.firstCommitMs === undefined) this.firstCommitMs = timeMs;
        const hash = stringField(fields, "block_hash") ?? stringField(fields, "hash");
        if (hash !== undefined) this.record(this.commitHashes, "commit", height, name, hash);
        this.matchCommittedTransactions(fields, timeMs);
        return;
      }
      case COMMIT_TXS_EVENT:
        if (isValidator) this.matchCommittedTransactions(fields, timeMs);
        return;
      case "state-root": {
        if (!isValidator) return;
        const height = numberField(fields, "height");
        if (height === undefined) return;
        const root = stringField(fields, "root_hash") ?? stringField(fields, "root");
        if (root !== undefined && root !== "unexecutable") this.record(this.stateRoots, "state-root", height, name, root);
        const txs = numberField(fields, "txs");
        if (txs !== undefined && !this.countedHeights.has(height)) {
          this.countedHeights.add(height);
          this.transactionsCommitted += txs;
        }
        return;
      }
      default:
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

  /** The verdict so far; `endMs` is the wall time the run ended. */
  summary(endMs: number): TestnetSummary {
    const durationS = Math.max(1e-3, (endMs - this.startMs) / 1000);
    const compared = (table: Map<number, Map<string, string>>): number => [...table.values()].filter((byNode) => byNode.size >= 2).length;
    const commits = Math.max(0, ...this.heights.values());
    return {
      durationS: Math.round(durationS * 10) / 10,
      commits,
      heights: Object.fromEntries(this.heights),
      transactionsCommitted: this.transactionsCommitted,
      transactionsSubmitted: this.transactionsSubmitted,
      committedTps: round1(this.transactionsCommitted / durationS),
      committedTpsSinceFirstCommit: this.firstCommitMs === undefined ? 0 : round1(this.transactionsCommitted / Math.max(1e-3, (endMs - this.firstCommitMs) / 1000)),
      firstCommitS: this.firstCommitMs === undefined ? null : Math.round((this.firstCommitMs - this.startMs) / 100) / 10,
      latencyMs: percentilesOf(this.latenciesMs),
      latencySamples: this.latenciesMs.length,
      heightsCompared: { commit: compared(this.commitHashes), stateRoot: compared(this.stateRoots) },
      disagreements: this.disagreementList.slice(),
      agreed: this.disagreementList.length === 0,
      progressed: commits > 0,
      restarts: this.restarts,
    };
  }

  private record(table: Map<number, Map<string, string>>, kind: Disagreement["kind"], height: number, node: string, value: string): void {
    let byNode = table.get(height);
    if (byNode === undefined) {
      byNode = new Map();
      table.set(height, byNode);
    }
    byNode.set(node, value);
    const distinct = new Set(byNode.values());
    if (distinct.size < 2) return;
    const key = `${kind}/${height}`;
    const entry: Disagreement = { kind, height, values: Object.fromEntries(byNode) };
    if (this.disagreementKeys.has(key)) {
      const i = this.disagreementList.findIndex((d) => d.kind === kind && d.height === height);
      if (i >= 0) this.disagreementList[i] = entry;
      return;
    }
    if (this.disagreementList.length >= DISAGREEMENTS_MAX) return;
    this.disagreementKeys.add(key);
    this.disagreementList.push(entry);
  }

  /**
   * Matches the transactions of a committed block to their submissions. A
   * commit line may carry `txIds` (hex ids), or `payload` as a hex or base64
   * string (the encoded block payload, decoded here); otherwise there is
   * nothing to match and latency has no sample from this block.
   */
  private matchCommittedTransactions(fields: LogFields, timeMs: number): void {
    if (this.submittedAtMs.size === 0) return;
    for (const id of committedTransactionIds(fields)) {
      const submitted = this.submittedAtMs.get(id);
      if (submitted === undefined) continue;
      this.submittedAtMs.delete(id);
      this.latenciesMs.push(Math.max(0, timeMs - submitted));
    }
  }
}

/** The transaction ids a commit line names, from `txIds` or a `payload` string (hex or base64); empty when neither decodes. */
export function committedTransactionIds(fields: LogFields): string[] {
  const ids = fields.txIds;
  if (Array.isArray(ids)) return ids.filter((x): x is string => typeof x === "string");
  const payload = fields.payload;
  let bytes: Uint8Array | undefined;
  if (typeof payload === "string" && payload.length > 0) {
    bytes = /^[0-9a-f]+$/i.test(payload) && payload.length % 2 === 0 ? Buffer.from(payload, "hex") : Buffer.from(payload, "base64");
  } else if (payload instanceof Uint8Array) {
    bytes = payload;
  } else if (Array.isArray(payload) && payload.every((b) => typeof b === "number")) {
    bytes = Uint8Array.from(payload as number[]);
  } else if (typeof payload === "object" && payload !== null && (payload as { type?: unknown }).type === "Buffer" && Array.isArray((payload as { data?: unknown }).data)) {
    bytes = Uint8Array.from((payload as { data: number[] }).data);
  }
  if (bytes === undefined) return [];
  try {
    return decodeBlockPayload(bytes).txs.map((raw) => toHex(sha256(raw)));
  } catch {
    return [];
  }
}

function numberField(fields: LogFields, name: string): number | undefined {
  const value = fields[name];
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function stringField(fields: LogFields, name: string): string | undefined {
  const value = fields[name];
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

function percentilesOf(sample: readonly number[]): Percentiles {
  const sorted = sample.slice().sort((a, b) => a - b);
  const p = (q: number): number | null => {
    const v = percentile(sorted, q);
    return v === null ? null : Math.round(v * 10) / 10;
  };
  return { p50: p(50), p95: p(95), p99: p(99) };
}

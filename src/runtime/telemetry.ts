/**
 * Observability of a real-mode node: every `ctx.log` event (and the
 * runtime's own `batch-built` and `batch-verified`, `timed-application.ts`)
 * becomes one JSON log line (pino) and feeds the Prometheus metrics
 * (prom-client) served on `/metrics` (and the spans, `tracing.ts`). Both are derived from the same events the simulator's checkers
 * read, so nothing in node code knows it is observed.
 *
 * Log line: `{ level, time (ms since epoch), node, event, ...fields }`, with
 * these names mapped for dashboards:
 * - `view` -> `round_id` (a HotStuff view is a round);
 * - `height` stays `height`;
 * - `root` of `state-root` -> `root_hash` (hex);
 * - `hash` of `commit`/`propose`/`vote`/`qc`/`block`/`head` -> `block_hash`;
 * - `toBatch` of `l1-tx-*` -> `batch_id` (the last batch height the L1
 *   transaction posts; `fromBatch` stays);
 * - byte arrays become `<name>_bytes` (their length); bigints become strings.
 */
import { createServer, type Server } from "node:http";
import { pino, type Logger, type DestinationStream } from "pino";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { NodeId } from "../sim/node.js";
import { HeadReorgs } from "./head-reorgs.js";

/** pino level names, lowest first. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"] as const;
/** A pino level name. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Events of every step of the protocol, logged at debug (hundreds a second under load). */
const DEBUG_EVENTS = new Set(["vote", "qc", "block", "head", "submit", "resubmit", "tx-rejected", "throttled", "tx-expired", "batch-built", "batch-verified"]);
/** Events that mean something is wrong on the network or on the disk (but the node carries on). */
const WARN_EVENTS = new Set(["malformed", "reject", "vote-refused", "payload-rejected", "snapshot-refused", "checkpoint-refused", "recovering", "timeout", "build-failed", "l1-tx-failed", "l1-read-failed"]);
/** Events that mean data was lost or two validators disagree. */
const ERROR_EVENTS = new Set(["storage-corrupt", "root-divergence"]);

/** The level an event is logged at. */
export function levelOf(event: string): LogLevel {
  if (ERROR_EVENTS.has(event)) return "error";
  if (WARN_EVENTS.has(event)) return "warn";
  if (DEBUG_EVENTS.has(event)) return "debug";
  return "info";
}

const BLOCK_HASH_EVENTS = new Set(["commit", "propose", "vote", "qc", "block", "head", "rollback"]);

/** The fields of a log line for `event` (see the file comment for the renaming). */
export function logFields(event: string, fields: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    let key = name;
    if (name === "view") key = "round_id";
    else if (name === "root" && event === "state-root") key = "root_hash";
    else if (name === "hash" && BLOCK_HASH_EVENTS.has(event)) key = "block_hash";
    else if (name === "toBatch" && event.startsWith("l1-tx-")) key = "batch_id";
    if (value instanceof Uint8Array) out[`${key}_bytes`] = value.length;
    else out[key] = plain(value);
  }
  return out;
}

function plain(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array) return value.length;
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out;
  }
  return value;
}

/**
 * A pino logger writing one JSON line per event to `destination` (default:
 * stdout, synchronously, so nothing is lost when the process exits).
 */
export function createNodeLogger(node: NodeId, level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { node },
      messageKey: "message",
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

/** Options of {@link NodeMetrics}. */
export interface NodeMetricsOptions {
  /** Peers the transport is connected to now (scraped on every collection). */
  readonly connectedPeers?: () => number;
  /** Also collect the Node.js process metrics (heap, event loop lag...). Default true. */
  readonly processMetrics?: boolean;
}

/**
 * The Prometheus metrics of one node, in a registry of its own (several
 * nodes in one process, as in tests, do not clash). Names:
 * - `asset_block_interval_seconds` (histogram): real time between two commit events of this node;
 * - `asset_commits_total` (counter): blocks committed;
 * - `asset_committed_height` (gauge);
 * - `asset_committed_transactions_total` (counter): transactions in committed blocks; `rate()` is TPS;
 * - `asset_view_timeouts_total` (counter): local view timeouts;
 * - `asset_round` (gauge): the current view;
 * - `asset_mempool_depth` (gauge): pending transactions after the last commit;
 * - `asset_peers_connected` (gauge): from the transport;
 * - `asset_malformed_messages_total`, `asset_log_events_total{event}` (counters);
 * - `asset_head_reorg_depth_blocks` (histogram) and `asset_head_reorg_depth_max_blocks`
 *   (gauge): blocks the speculative head moved back, per move back, and the deepest
 *   since start (the reorg window; `head-reorgs.ts`);
 * - `asset_root_divergences_total` (counter): proposals whose state root this validator computed differently;
 * - `asset_batch_build_seconds` (histogram): the leader building a block's payload (`batch-built`);
 * - `asset_batch_verify_seconds` (histogram): executing a proposed block's payload (`batch-verified`);
 * - `asset_block_commit_latency_seconds` (histogram): from the node first having a block
 *   (its proposal, or the `block` event) to its commit (batch latency on the L2);
 * - `asset_l1_submission_seconds` (histogram): a posting transaction from sent to landed
 *   (batch latency to the L1; batch poster), `asset_l1_submissions_failed_total` (counter).
 */
export class NodeMetrics {
  readonly registry = new Registry();
  private readonly blockInterval: Histogram;
  private readonly commits: Counter;
  private readonly committedHeight: Gauge;
  private readonly committedTransactions: Counter;
  private readonly viewTimeouts: Counter;
  private readonly round: Gauge;
  private readonly mempoolDepth: Gauge;
  private readonly malformed: Counter;
  private readonly events: Counter;
  private readonly reorgDepth: Histogram;
  private readonly reorgDepthMax: Gauge;
  private readonly rootDivergences: Counter;
  private readonly batchBuild: Histogram;
  private readonly batchVerify: Histogram;
  private readonly commitLatency: Histogram;
  private readonly l1Submission: Histogram;
  private readonly l1Failed: Counter;
  private lastCommitUs: number | undefined;
  private deepestReorg = 0;
  private readonly heads = new HeadReorgs();
  /** When this node first had each uncommitted block (hash -> microseconds), oldest first, at most {@link FIRST_SEEN_MAX}. */
  private readonly firstSeenUs = new Map<string, number>();
  /** Posting transactions in flight (signature -> sent, microseconds), at most {@link FIRST_SEEN_MAX}. */
  private readonly sentUs = new Map<string, number>();

  constructor(node: NodeId, options: NodeMetricsOptions = {}) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ node });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.blockInterval = new Histogram({
      name: "asset_block_interval_seconds",
      help: "Real time between two blocks committed by this node, seconds",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers,
    });
    this.commits = new Counter({ name: "asset_commits_total", help: "Blocks committed", registers });
    this.committedHeight = new Gauge({ name: "asset_committed_height", help: "Height of the last committed block", registers });
    this.committedTransactions = new Counter({ name: "asset_committed_transactions_total", help: "Transactions in committed blocks (rate() is TPS)", registers });
    this.viewTimeouts = new Counter({ name: "asset_view_timeouts_total", help: "View timeouts of this node", registers });
    this.round = new Gauge({ name: "asset_round", help: "Current HotStuff view (round)", registers });
    this.mempoolDepth = new Gauge({ name: "asset_mempool_depth", help: "Pending transactions in the mempool after the last commit", registers });
    this.malformed = new Counter({ name: "asset_malformed_messages_total", help: "Messages from the network that did not decode", registers });
    this.events = new Counter({ name: "asset_log_events_total", help: "Log events by name", labelNames: ["event"], registers });
    const latencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    this.reorgDepth = new Histogram({ name: "asset_head_reorg_depth_blocks", help: "Blocks the speculative head moved back, per move back (the reorg window)", buckets: [1, 2, 3, 4, 6, 8, 16, 32], registers });
    this.reorgDepthMax = new Gauge({ name: "asset_head_reorg_depth_max_blocks", help: "Deepest move back of the speculative head since start, blocks", registers });
    this.rootDivergences = new Counter({ name: "asset_root_divergences_total", help: "Proposals whose state root this validator computed differently", registers });
    this.batchBuild = new Histogram({ name: "asset_batch_build_seconds", help: "Building a block's payload as leader (execution and state root), seconds", buckets: latencyBuckets, registers });
    this.batchVerify = new Histogram({ name: "asset_batch_verify_seconds", help: "Executing a proposed block's payload, seconds", buckets: latencyBuckets, registers });
    this.commitLatency = new Histogram({ name: "asset_block_commit_latency_seconds", help: "From this node first having a block to committing it, seconds", buckets: latencyBuckets, registers });
    this.l1Submission = new Histogram({ name: "asset_l1_submission_seconds", help: "A batch-posting transaction from sent to landed on the L1, seconds", buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120], registers });
    this.l1Failed = new Counter({ name: "asset_l1_submissions_failed_total", help: "Batch-posting transactions that failed (program error, RPC error, expired)", registers });
    const connectedPeers = options.connectedPeers;
    new Gauge({
      name: "asset_peers_connected",
      help: "Peers the transport is connected to",
      registers,
      collect() {
        if (connectedPeers !== undefined) this.set(connectedPeers());
      },
    });
  }

  /** Updates the metrics from one node event; `timeUs` is the node's clock (microseconds). */
  observe(timeUs: number, event: string, fields: Readonly<Record<string, unknown>>): void {
    this.events.inc({ event });
    switch (event) {
      case "commit": {
        this.commits.inc();
        if (typeof fields.height === "number") this.committedHeight.set(fields.height);
        if (this.lastCommitUs !== undefined) this.blockInterval.observe(Math.max(0, timeUs - this.lastCommitUs) / 1e6);
        this.lastCommitUs = timeUs;
        const seen = typeof fields.hash === "string" ? this.firstSeenUs.get(fields.hash) : undefined;
        if (seen !== undefined) {
          this.commitLatency.observe(Math.max(0, timeUs - seen) / 1e6);
          this.firstSeenUs.delete(fields.hash as string);
        }
        return;
      }
      case "propose":
      case "block":
        if (typeof fields.hash === "string") {
          if (event === "block" && typeof fields.parent === "string" && typeof fields.height === "number") this.heads.block(fields.hash, fields.parent, fields.height);
          remember(this.firstSeenUs, fields.hash, timeUs);
        }
        return;
      case "head":
        if (typeof fields.hash === "string" && typeof fields.height === "number") {
          const depth = this.heads.moveHead(fields.hash, fields.height);
          if (depth > 0) {
            this.reorgDepth.observe(depth);
            this.deepestReorg = Math.max(this.deepestReorg, depth);
            this.reorgDepthMax.set(this.deepestReorg);
          }
        }
        return;
      case "boot":
        this.heads.boot();
        return;
      case "root-divergence":
        this.rootDivergences.inc();
        return;
      case "batch-built":
        if (typeof fields.buildUs === "number") this.batchBuild.observe(fields.buildUs / 1e6);
        return;
      case "batch-verified":
        if (typeof fields.verifyUs === "number") this.batchVerify.observe(fields.verifyUs / 1e6);
        return;
      case "l1-tx-sent":
        if (typeof fields.signature === "string") remember(this.sentUs, fields.signature, timeUs);
        return;
      case "l1-tx-landed": {
        const sent = typeof fields.signature === "string" ? this.sentUs.get(fields.signature) : undefined;
        if (sent !== undefined) {
          this.l1Submission.observe(Math.max(0, timeUs - sent) / 1e6);
          this.sentUs.delete(fields.signature as string);
        }
        return;
      }
      case "l1-tx-failed":
        this.l1Failed.inc();
        this.sentUs.clear(); // the poster has one posting transaction in flight: it failed
        return;
      case "state-root":
        if (typeof fields.txs === "number") this.committedTransactions.inc(fields.txs);
        if (typeof fields.mempool === "number") this.mempoolDepth.set(fields.mempool);
        return;
      case "timeout":
        this.viewTimeouts.inc();
        return;
      case "view":
        if (typeof fields.view === "number") this.round.set(fields.view);
        return;
      case "malformed":
        this.malformed.inc();
        return;
      default:
        return;
    }
  }

  /** The text exposition (what `/metrics` serves). */
  async text(): Promise<string> {
    return this.registry.metrics();
  }
}

/** Entries kept in a node's maps of blocks and transactions in flight (a bound; far above what a healthy node holds). */
const FIRST_SEEN_MAX = 1024;

/** Sets `key` unless present, forgetting the oldest entry when the map is full. */
function remember(map: Map<string, number>, key: string, value: number): void {
  if (map.has(key)) return;
  if (map.size >= FIRST_SEEN_MAX) map.delete(map.keys().next().value!);
  map.set(key, value);
}

/** A running `/metrics` server. */
export interface MetricsServer {
  /** The port it listens on (the ephemeral one when 0 was asked). */
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (and `GET /healthz`) on `host:port` (port 0: ephemeral).
 * @throws Error (rejects) when the port cannot be bound
 */
export async function startMetricsServer(metrics: NodeMetrics, host: string, port: number): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (request.method === "GET" && path === "/metrics") {
      metrics.text().then(
        (text) => {
          response.writeHead(200, { "content-type": metrics.registry.contentType });
          response.end(text);
        },
        (error: unknown) => {
          response.writeHead(500, { "content-type": "text/plain" });
          response.end(String(error));
        },
      );
      return;
    }
    if (request.method === "GET" && path === "/healthz") {
      response.writeHead(200, { "content-type": "text/plain" });
      response.end("ok\n");
      return;
    }
    response.writeHead(404, { "content-type": "text/plain" });
    response.end("not found: try /metrics\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const bound = typeof address === "object" && address !== null ? address.port : port;
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

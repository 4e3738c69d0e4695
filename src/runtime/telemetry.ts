/**
 * Observability of a real-mode node: every `ctx.log` event becomes one JSON
 * log line (pino) and feeds the Prometheus metrics (prom-client) served on
 * `/metrics`. Both are derived from the same events the simulator's checkers
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

/** pino level names, lowest first. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal"] as const;
/** A pino level name. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Events of every step of the protocol, logged at debug (hundreds a second under load). */
const DEBUG_EVENTS = new Set(["vote", "qc", "block", "head", "submit", "resubmit", "tx-rejected", "throttled", "tx-expired"]);
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
 * - `asset_malformed_messages_total`, `asset_log_events_total{event}` (counters).
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
  private lastCommitUs: number | undefined;

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
        return;
      }
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

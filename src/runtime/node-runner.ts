/**
 * Runs one validator or client of a real network from its {@link LoadedNodeConfig}:
 * the node built exactly as the simulator builds it (`scenario/node-factories.ts`),
 * a {@link RealHost}, the {@link Libp2pTransport}, a {@link FileStorage} in the data
 * directory, JSON logs, a `/metrics` server, and OpenTelemetry spans when an
 * endpoint is configured (`tracing.ts`). A validator's application is wrapped
 * to time batch building and checking (`timed-application.ts`). Every node
 * event goes to the metrics, the log and the spans. `asset-sim node --config
 * FILE` and the in-process tests both start nodes here.
 *
 * Boot: open (and recover) the data directory; a new directory is formatted
 * first (as the simulator formats a disk before the first boot); the boot
 * counter in `DIR/boots` is incremented (it names the node's random stream);
 * the transport starts listening; then the node starts. A restarted validator
 * restores its committed chain from storage and catches up from its peers.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync, openSync, fsyncSync, closeSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Logger } from "pino";
import { pino } from "pino";
import { formatValidatorStorage } from "../consensus/safety-store.js";
import type { ValidatorMessage } from "../consensus/types.js";
import { ValidatorSet } from "../consensus/validator-set.js";
import { validatorCodec } from "../consensus/wire.js";
import { bytesEqual, fromHex, toHex } from "../crypto/hash.js";
import { createSignatureScheme } from "../crypto/schemes.js";
import type { KeyPair, SignatureScheme } from "../crypto/signature.js";
import { InputError } from "../config/errors.js";
import { createClient, createValidator, directoryGenesis, type ChainSettings } from "../systems/validators/node-factories.js";
import { withReputationDefaults } from "../systems/validators/section.js";
import type { Node, NodeId, Storage } from "../sim/node.js";
import { FileStorage } from "./file-storage.js";
import type { LoadedNodeConfig } from "./node-config.js";
import { RealHost, monotonicEpochUs } from "./real-host.js";
import { configuredTransport } from "./configured-transport.js";
import type { Libp2pTransport } from "./libp2p-transport.js";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { Application } from "../consensus/application.js";
import { timedApplication } from "./timed-application.js";
import { startTracing, type NodeTracing } from "./tracing.js";
import { NodeMetrics, createNodeLogger, levelOf, logFields, startMetricsServer, type MetricsServer } from "./telemetry.js";

/** Hooks for tests and the CLI. */
export interface StartNodeOptions {
  /**
   * What a validator does when its data directory holds no store (default `format`):
   * - `format`: a new node of a new network; its store is formatted (`config-gen` formats them already);
   * - `recover`: its store was lost; it boots unformatted, so the replica recovers its vote-safety state
   *   from a quorum of its peers' views before it votes again (as after a lost disk in the simulator);
   * - `refuse`: throw an InputError naming `dataDir` (`asset-sim node` without `--format` or `--recover`),
   *   so a lost directory is never silently taken for a new node that may vote again in views it voted in.
   */
  readonly emptyDataDir?: "format" | "recover" | "refuse";
  /** Where log lines go (default: `config.log.file`, else stdout). */
  readonly logDestination?: pino.DestinationStream;
  /** Also receives every node event (tests read commits here). */
  readonly observe?: (timeUs: number, node: NodeId, event: string, fields: Readonly<Record<string, unknown>>) => void;
  /** Called after a handler threw and the node stopped (default: log fatal and exit the process with code 4). */
  readonly onNodeError?: (node: NodeId, error: unknown) => void;
  /** Serve `/metrics` (default true). */
  readonly metricsServer?: boolean;
  /** Collect Node.js process metrics (default true; tests with several nodes in one process turn it off). */
  readonly processMetrics?: boolean;
  /** Send spans to this exporter (a test's in-memory one), whatever the config and environment say (see `tracing.ts`). */
  readonly spanExporter?: SpanExporter;
  /** The environment tracing reads (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The default end of a node whose handler threw: the reason goes to stderr (an
 * operator watching the terminal sees why the process ended, not only the log
 * file) and to the log as a fatal `node-error` line, then the process exits with 4.
 * @param writeErr where the stderr line goes (tests)
 * @param exit how the process ends (tests)
 */
export function reportFatalNodeError(
  logger: Logger,
  node: NodeId,
  error: unknown,
  writeErr: (text: string) => void = (text) => process.stderr.write(text),
  exit: (code: number) => void = (code) => process.exit(code),
): void {
  const reason = error instanceof Error ? error.message : String(error);
  writeErr(`${node}: fatal: a handler threw: ${reason}; stopping (exit 4)${error instanceof Error && error.stack !== undefined ? `\n${error.stack}` : ""}\n`);
  logger.fatal({ event: "node-error", error: reason, stack: error instanceof Error ? error.stack : undefined }, `${node}: a handler threw; stopping (exit 4)`);
  logger.flush();
  exit(4);
}

/** A started node. */
export interface RunningNode {
  readonly id: NodeId;
  readonly host: RealHost<ValidatorMessage>;
  readonly transport: Libp2pTransport;
  readonly metrics: NodeMetrics;
  /** The node's tracing, undefined when off (no endpoint configured: see `tracing.ts`). */
  readonly tracing: NodeTracing | undefined;
  readonly logger: Logger;
  /** The port the transport listens on (undefined for a client, which only dials). */
  readonly port: number | undefined;
  /** The `/metrics` port (undefined when not served). */
  readonly metricsPort: number | undefined;
  /** What the data directory held at boot. */
  readonly recovery: FileStorage["recovery"] | undefined;
  /**
   * Stops cleanly: the node, the transport, the metrics server; syncs and
   * closes the storage; flushes the logs. Idempotent.
   */
  stop(): Promise<void>;
}

/**
 * Starts the node a config describes.
 * @throws InputError when the config's key (or transport key) does not match its public key (or transport public key), the data directory is locked, or a port cannot be bound
 * @throws Error (from node:fs or node:net) on other IO failures
 */
export async function startNode(config: LoadedNodeConfig, options: StartNodeOptions = {}): Promise<RunningNode> {
  const scheme = createSignatureScheme(config.chain.signatureScheme);
  const keyPair = scheme.keyPairFromSeed(fromHex(config.secretKeyHex));
  if (config.role === "poster") throw new InputError("role", "a poster config runs with `asset-sim poster --config FILE --l1-url URL`, not `asset-sim node`");
  const self = config.role === "validator" ? config.validators.find((v) => v.id === config.id)! : config.clients.find((c) => c.id === config.id)!;
  if (!bytesEqual(keyPair.publicKey, fromHex(self.publicKey))) {
    throw new InputError(config.secretKeyFile !== undefined ? "secretKeyFile" : "secretKey", `does not match the public key of ${config.id} (${self.publicKey}): its public key is ${toHex(keyPair.publicKey)}`);
  }


  const logger = createNodeLogger(config.id, config.log.level, options.logDestination ?? (config.log.file !== undefined ? fileDestination(config.log.file) : undefined));
  const validatorIds = config.validators.map((v) => v.id);
  const clientIds = config.clients.map((c) => c.id);
  // Every client's accounts are public keys in the config (drawn at random by config-gen): nothing derives from the seed.
  const { directory, genesis } = directoryGenesis(
    config.clients.flatMap((c) => c.accounts.map((a) => a.toLowerCase())),
    config.ledger,
  );
  const accountKeys = clientAccountKeyPairs(config, scheme);
  const chain: ChainSettings = { ...config.chain, reputation: withReputationDefaults(config.chain.reputation, config.validators.length) };

  let storage: Storage & { sync(): void };
  let fileStorage: FileStorage | undefined;
  let incarnation = 0;
  if (config.dataDir !== undefined) {
    try {
      fileStorage = FileStorage.open(join(config.dataDir, "storage"));
    } catch (error) {
      throw new InputError("dataDir", (error as Error).message);
    }
    storage = fileStorage;
    if (fileStorage.recovery.created && config.role === "validator") {
      const onEmpty = options.emptyDataDir ?? "format";
      if (onEmpty === "refuse") {
        fileStorage.close();
        throw new InputError(
          "dataDir",
          `${config.dataDir} holds no store: either it was never formatted (\`asset-sim config-gen\` formats it; or start once with --format when the network is created) or it was lost (start with --recover: the validator recovers its vote-safety state from a quorum of its peers before it votes)`,
        );
      }
      if (onEmpty === "format") formatValidatorStorage(fileStorage);
    }
    // A damaged or missing safety file reads as a corrupt safety state: the replica recovers it from a quorum of its
    // peers' views before it votes again (consensus/hotstuff/recovery.ts), as in the simulator, which runs this store.
    // A log corrupted in the middle loses only what the log holds (blocks, which peers supply again): the vote-safety
    // state is in its own file (storage/file-store.ts), which no repair of the log rolls back.
    incarnation = nextBoot(config.dataDir);
  } else {
    storage = new MemoryStorage();
  }

  let createNode: () => Node<ValidatorMessage>;
  if (config.role === "validator") {
    const validators = new ValidatorSet(
      config.validators.map((v) => ({ id: v.id, publicKey: fromHex(v.publicKey) })),
      scheme,
    );
    const index = validatorIds.indexOf(config.id);
    const wrapApp = (app: Application): Application => timedApplication(app, monotonicEpochUs, (timeUs, event, fields) => observe(timeUs, config.id, event, fields));
    createNode = () => createValidator({ validators, index, keyPair, chain, checkpoints: config.chain.checkpoints, scheme, genesis, wrapApp });
  } else {
    const index = clientIds.indexOf(config.id);
    const w = config.workload;
    const stopAtUs = w.stopAfter === undefined ? Number.MAX_SAFE_INTEGER : monotonicEpochUs() + w.stopAfter;
    createNode = () =>
      createClient({
        index,
        validators: validatorIds,
        scheme,
        accounts: accountKeys,
        directory,
        workload: { txPerSecond: w.txPerSecond, clients: Math.max(1, clientIds.length), fee: w.fee, mix: w.mix, stopAtUs },
        chain,
        token: config.ledger.token,
      });
  }

  const transport = configuredTransport(config, self, (event, fields) => logger[transportLevel(event)]({ event: `transport-${event}`, ...fields }));
  const metrics = new NodeMetrics(config.id, { connectedPeers: () => transport.connectedPeers().length, processMetrics: options.processMetrics ?? true });
  const tracing = await startTracing({ node: config.id, role: config.role, settings: config.tracing, ...(options.spanExporter !== undefined ? { exporter: options.spanExporter } : {}), ...(options.env !== undefined ? { env: options.env } : {}) });
  // Every node event (and the runtime's timing events) goes to the metrics, the log, the tracing and the caller's observer.
  function observe(timeUs: number, node: NodeId, event: string, fields: Readonly<Record<string, unknown>>): void {
    metrics.observe(timeUs, event, fields);
    const level = levelOf(event);
    if (logger.isLevelEnabled(level)) logger[level]({ event, ...logFields(event, fields) });
    tracing?.observe(timeUs, event, fields);
    options.observe?.(timeUs, node, event, fields);
  }

  let stopped = false;
  const onNodeError = options.onNodeError ?? ((node: NodeId, error: unknown) => reportFatalNodeError(logger, node, error));
  const host = new RealHost<ValidatorMessage>({
    id: config.id,
    createNode,
    storage,
    transport,
    codec: validatorCodec,
    seed: config.seed,
    incarnation,
    observe,
    onNodeError: (node, error) => {
      if (!stopped) onNodeError(node, error);
    },
  });

  let metricsServer: MetricsServer | undefined;
  let port: number | undefined;
  let binding = "listen.port";
  try {
    ({ port } = await transport.start());
    binding = "metrics.port";
    if (options.metricsServer ?? true) metricsServer = await startMetricsServer(metrics, config.metrics.host, config.metrics.port);
  } catch (error) {
    await transport.close();
    await metricsServer?.close();
    await tracing?.shutdown(monotonicEpochUs());
    fileStorage?.close();
    // A port in use or an address not on this machine is a config problem: name the field (exit 2).
    const code = (error as NodeJS.ErrnoException).code;
    // libp2p reports a listen address it could not bind (in use, not on this machine) as UnsupportedListenAddressesError.
    const listenFailed = code === "EADDRINUSE" || code === "EADDRNOTAVAIL" || code === "EACCES" || (error as Error).name === "UnsupportedListenAddressesError";
    if (listenFailed) throw new InputError(binding, `cannot listen: ${(error as Error).message}`);
    throw error;
  }
  logger.info({
    event: "node-start",
    role: config.role,
    incarnation,
    listen: config.listen !== undefined ? `${config.listen.host}:${port}` : null,
    metrics: metricsServer !== undefined ? `http://${config.metrics.host}:${metricsServer.port}/metrics` : null,
    tracing: tracing?.destination ?? null,
    dataDir: config.dataDir ?? null,
    recoveredRecords: fileStorage?.recovery.records ?? 0,
    droppedBytes: fileStorage?.recovery.droppedBytes ?? 0,
    storageCorruptMiddle: fileStorage?.recovery.corruptMiddle ?? false,
    storageSafetyLost: fileStorage?.recovery.safetyLost ?? false,
  });
  host.start();

  return {
    id: config.id,
    host,
    transport,
    metrics,
    tracing,
    logger,
    port: config.listen !== undefined ? port : undefined,
    metricsPort: metricsServer?.port,
    recovery: fileStorage?.recovery,
    async stop() {
      if (stopped) return;
      stopped = true;
      host.stop();
      await transport.close();
      await metricsServer?.close();
      await tracing?.shutdown(monotonicEpochUs());
      if (fileStorage !== undefined) {
        fileStorage.sync();
        fileStorage.close();
      }
      logger.info({ event: "node-stop" });
      logger.flush();
    },
  };
}

/**
 * A client's account key pairs from its `accountKeysFile`, checked against the
 * public keys its entry in `clients` lists (the genesis funds those).
 * @throws InputError naming `accountKeysFile` when a key does not match
 */
function clientAccountKeyPairs(config: LoadedNodeConfig, scheme: SignatureScheme): KeyPair[] {
  if (config.role !== "client") return [];
  const listed = config.clients.find((c) => c.id === config.id)!.accounts;
  return config.accountSecretKeysHex.map((secret, k) => {
    const pair = scheme.keyPairFromSeed(fromHex(secret));
    if (toHex(pair.publicKey) !== listed[k]!.toLowerCase()) {
      throw new InputError("accountKeysFile", `key ${k} does not match account ${k} of ${config.id} (${listed[k]}): its public key is ${toHex(pair.publicKey)}`);
    }
    return pair;
  });
}

/** Increments and returns the boot counter in `DIR/boots` (0 on the first boot), durably. */
export function nextBoot(dataDir: string): number {
  const path = join(dataDir, "boots");
  const previous = existsSync(path) ? Number.parseInt(readFileSync(path, "utf8").trim(), 10) : -1;
  const boot = Number.isSafeInteger(previous) && previous >= 0 ? previous + 1 : 0;
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `${boot}\n`, { mode: 0o600 });
  const fd = openSync(temporary, "r");
  fsyncSync(fd);
  closeSync(fd);
  renameSync(temporary, path);
  return boot;
}

/** A log file of the node's own (folder 0700, file 0600), appended synchronously. */
export function fileDestination(path: string): pino.DestinationStream {
  // The node's own: logs name peers, views and keys' public halves, and are nobody else's to read.
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  return pino.destination({ dest: path, sync: true, append: true, mode: 0o600 });
}

function transportLevel(event: string): "debug" | "info" | "warn" {
  if (event === "peer-rejected" || event === "handshake-evicted" || event === "malformed-frame" || event === "send-queue-full" || event === "deliver-handler-threw") return "warn";
  if (event === "socket-error" || event === "dial-failed") return "debug";
  return "info";
}

/** Volatile storage for a node without a data directory (a client, the L1 server's chain). */
export class MemoryStorage implements Storage {
  private readonly values = new Map<string, Uint8Array>();
  get(key: string): Uint8Array | undefined {
    return this.values.get(key)?.slice();
  }
  put(key: string, value: Uint8Array): void {
    this.values.set(key, value.slice());
  }
  delete(key: string): void {
    this.values.delete(key);
  }
  keys(prefix: string): string[] {
    return [...this.values.keys()].filter((k) => k.startsWith(prefix)).sort();
  }
  sync(): void {}
}

/**
 * Runs one validator or client of a real network from its {@link LoadedNodeConfig}:
 * the node built exactly as the simulator builds it (`scenario/node-factories.ts`),
 * a {@link RealHost}, the {@link Libp2pTransport}, a {@link FileStorage} in the data
 * directory, JSON logs and a `/metrics` server. `asset-sim node --config FILE`
 * and the in-process tests both start nodes here.
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
import { formatValidatorStorage, markRecovering } from "../consensus/safety-store.js";
import type { ValidatorMessage } from "../consensus/types.js";
import { ValidatorSet } from "../consensus/validator-set.js";
import { validatorCodec } from "../consensus/wire.js";
import { bytesEqual, fromHex, toHex } from "../crypto/hash.js";
import { createSignatureScheme } from "../crypto/schemes.js";
import { InputError } from "../config/errors.js";
import { clientAccountKeys, createClient, createValidator, networkGenesis, type ChainSettings } from "../systems/validators/node-factories.js";
import { withReputationDefaults } from "../systems/validators/section.js";
import type { Node, NodeId, Storage } from "../sim/node.js";
import { FileStorage } from "./file-storage.js";
import type { LoadedNodeConfig } from "./node-config.js";
import { RealHost, monotonicEpochUs } from "./real-host.js";
import { Libp2pTransport, transportPublicKey } from "./libp2p-transport.js";
import { limitsForSender, wireSizeLimits } from "./wire-size-limits.js";
import { NodeMetrics, createNodeLogger, levelOf, logFields, startMetricsServer, type MetricsServer } from "./telemetry.js";

/** Hooks for tests and the CLI. */
export interface StartNodeOptions {
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
  const self = config.role === "validator" ? config.validators.find((v) => v.id === config.id)! : config.clients.find((c) => c.id === config.id)!;
  if (!bytesEqual(keyPair.publicKey, fromHex(self.publicKey))) {
    throw new InputError(config.secretKeyFile !== undefined ? "secretKeyFile" : "secretKey", `does not match the public key of ${config.id} (${self.publicKey}): its public key is ${toHex(keyPair.publicKey)}`);
  }

  const transportKey = fromHex(config.transportKeyHex);
  const ownTransportKey = self.transportPublicKey ?? self.publicKey;
  if (!bytesEqual(transportPublicKey(transportKey), fromHex(ownTransportKey))) {
    const field = config.transportKeyFile !== undefined ? "transportKeyFile" : config.transportKey !== undefined ? "transportKey" : "transportPublicKey";
    throw new InputError(field, `the transport key does not match the transport public key of ${config.id} (${ownTransportKey}): its public key is ${toHex(transportPublicKey(transportKey))}`);
  }

  const logger = createNodeLogger(config.id, config.log.level, options.logDestination ?? (config.log.file !== undefined ? fileDestination(config.log.file) : undefined));
  const validatorIds = config.validators.map((v) => v.id);
  const clientIds = config.clients.map((c) => c.id);
  const clientKeys = clientAccountKeys(scheme, config.seed, clientIds, config.workload.accountsPerClient);
  const { directory, genesis } = networkGenesis(clientKeys, config.ledger);
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
    if (fileStorage.recovery.created && config.role === "validator") formatValidatorStorage(fileStorage);
    // A log corrupted in the middle lost acknowledged writes: the vote-safety state may be older than what this validator
    // signed, so it must not be trusted. The durable recovery mark makes the replica recover it from a quorum of its
    // peers' views before it votes again (consensus/hotstuff/recovery.ts).
    if (fileStorage.recovery.corruptMiddle && config.role === "validator") markRecovering(fileStorage);
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
    createNode = () => createValidator({ validators, index, keyPair, chain, checkpoints: config.chain.checkpoints, scheme, genesis });
  } else {
    const index = clientIds.indexOf(config.id);
    const w = config.workload;
    const stopAtUs = w.stopAfter === undefined ? Number.MAX_SAFE_INTEGER : monotonicEpochUs() + w.stopAfter;
    createNode = () =>
      createClient({
        index,
        validators: validatorIds,
        scheme,
        accounts: clientKeys[index]!,
        directory,
        workload: { txPerSecond: w.txPerSecond, clients: Math.max(1, clientIds.length), fee: w.fee, mix: w.mix, stopAtUs },
        chain,
        token: config.ledger.token,
      });
  }

  const sizeLimits = wireSizeLimits({
    maxBlockTransactions: config.chain.maxBlockTransactions,
    validators: config.validators.length,
    appBytesMax: config.transport.appBytesMax,
    syncBytesMax: config.transport.syncBytesMax,
  });
  const selfIsClient = config.role === "client";
  const transport = new Libp2pTransport({
    self: config.id,
    transportSecretKey: transportKey,
    ...(config.listen !== undefined ? { listen: { host: config.listen.host, port: config.listen.port } } : {}),
    peers: [
      ...config.validators
        .filter((v) => v.id !== config.id)
        .map((v) => ({ id: v.id, address: { host: v.host, port: v.port }, transportPublicKey: fromHex(v.transportPublicKey ?? v.publicKey), messageLimits: limitsForSender(sizeLimits, false, selfIsClient) })),
      // A validator accepts its clients; a client talks to validators only.
      ...(selfIsClient ? [] : config.clients.map((c) => ({ id: c.id, transportPublicKey: fromHex(c.transportPublicKey ?? c.publicKey), messageLimits: limitsForSender(sizeLimits, true, false) }))),
    ],
    pendingHandshakesMax: config.transport.pendingHandshakesMax,
    pendingHandshakesPerAddressMax: config.transport.pendingHandshakesPerAddressMax,
    connectionsPerPeerMax: config.transport.connectionsPerPeerMax,
    handshakeTimeoutMs: Math.ceil(config.transport.handshakeTimeout / 1000),
    sendQueueMaxBytes: config.transport.sendQueueMaxBytes,
    log: (event, fields) => logger[transportLevel(event)]({ event: `transport-${event}`, ...fields }),
  });
  const metrics = new NodeMetrics(config.id, { connectedPeers: () => transport.connectedPeers().length, processMetrics: options.processMetrics ?? true });

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
    observe: (timeUs, node, event, fields) => {
      metrics.observe(timeUs, event, fields);
      const level = levelOf(event);
      if (logger.isLevelEnabled(level)) logger[level]({ event, ...logFields(event, fields) });
      options.observe?.(timeUs, node, event, fields);
    },
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
    dataDir: config.dataDir ?? null,
    recoveredRecords: fileStorage?.recovery.records ?? 0,
    droppedBytes: fileStorage?.recovery.droppedBytes ?? 0,
    storageCorruptMiddle: fileStorage?.recovery.corruptMiddle ?? false,
  });
  host.start();

  return {
    id: config.id,
    host,
    transport,
    metrics,
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
      if (fileStorage !== undefined) {
        fileStorage.sync();
        fileStorage.close();
      }
      logger.info({ event: "node-stop" });
      logger.flush();
    },
  };
}

/** Increments and returns the boot counter in `DIR/boots` (0 on the first boot), durably. */
function nextBoot(dataDir: string): number {
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

function fileDestination(path: string): pino.DestinationStream {
  // The node's own: logs name peers, views and keys' public halves, and are nobody else's to read.
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  return pino.destination({ dest: path, sync: true, append: true, mode: 0o600 });
}

function transportLevel(event: string): "debug" | "info" | "warn" {
  if (event === "peer-rejected" || event === "handshake-evicted" || event === "malformed-frame" || event === "send-queue-full" || event === "deliver-handler-threw") return "warn";
  if (event === "socket-error" || event === "dial-failed") return "debug";
  return "info";
}

/** Volatile storage for a node without a data directory (a client). */
class MemoryStorage implements Storage {
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

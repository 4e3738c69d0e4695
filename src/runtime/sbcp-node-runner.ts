/**
 * Runs one SBCP node in real mode: the shared publisher, a rollup's sequencer
 * or a client, the same sans-IO classes the simulator runs (`sbcp/`,
 * `systems/sbcp/client.ts`), hosted on the real clock (`RealHost`), over the
 * libp2p transport with the SBCP per-class limits (`sbcp-wire-limits.ts`),
 * speaking `SBCP_CODEC` (protobuf), with the write-ahead log on the shipped
 * file store (`FileStorage`: `storage/file-store.ts` over node:fs).
 *
 * - The slot clock counts from the config's `network.genesisTime` (epoch
 *   microseconds) in slots of `slotDuration`; `ctx.now()` is the real clock in
 *   epoch microseconds, so slot numbers are the same in every process.
 * - The SP's store is formatted by `config-gen --sbcp` (`formatPublisherLog`),
 *   so an empty store at a restart is a lost one and halts the SP
 *   (`sbcp-publisher-halted`), as in the simulator; `emptyDataDir: "format"`
 *   formats an empty one (a new network started by hand). A sequencer whose
 *   store is empty starts from genesis and fetches the blocks it lacks from
 *   the SP (L2BlockRequest).
 * - A restart (after `kill -9`) reads the log back exactly as a restarted
 *   simulated node does: the SP resumes from its stored superblocks with the
 *   deterministic next slot, a sequencer replays its blocks and waits for the
 *   next StartSlot.
 *
 * Log lines (pino JSON, one per event): `{ level, time (ms), node, event,
 * timeUs, ...fields }`, where `fields` are exactly the event's fields
 * (`systems/sbcp/events.ts`), so the SBCP checkers can run over the collected
 * logs (`sbcp-testnet.ts`); a frame the codec refuses is `malformed {from,
 * error: "WireDecodeError", reason, bytes}`; the transport's refusals are
 * `transport-malformed-frame {peer, kind, reason}` (warn).
 */
import { join } from "node:path";
import type { Logger } from "pino";
import type pino from "pino";
import { InputError } from "../config/errors.js";
import { bytesEqual, fromHex, toHex } from "../crypto/hash.js";
import { AssetVmExecutor } from "../sbcp/assetvm/assetvm-executor.js";
import { createSignatureScheme } from "../crypto/schemes.js";
import type { ChainId, SbcpMessage } from "../sbcp/messages.js";
import { Sequencer } from "../sbcp/sequencer.js";
import { SharedPublisher, type ChainInfo } from "../sbcp/shared-publisher.js";
import { SlotClock } from "../sbcp/slot-clock.js";
import { formatPublisherLog } from "../sbcp/wal/publisher-log.js";
import { SBCP_CODEC } from "../sbcp/wire/codec.js";
import type { Node, NodeId, Storage } from "../sim/node.js";
import { assetVmGenesis, chainGenesisHash } from "../systems/sbcp/accounts.js";
import { SbcpClient } from "../systems/sbcp/client.js";
import { attachControlChannel, underTestnet } from "./control-channel.js";
import { FileStorage } from "./file-storage.js";
import { Libp2pTransport, transportPublicKey, type Libp2pPeer } from "./libp2p-transport.js";
import { fileDestination, MemoryStorage, nextBoot } from "./node-runner.js";
import { monotonicEpochUs, RealHost } from "./real-host.js";
import type { LoadedSbcpNodeConfig } from "./sbcp-node-config.js";
import { SBCP_FRAME_INSPECTOR, sbcpLimitsForSender, sbcpWireSizeLimits, type SbcpRole } from "./sbcp-wire-limits.js";
import { createNodeLogger, levelOf } from "./telemetry.js";

/** Hooks for tests and the CLI. */
export interface StartSbcpNodeOptions {
  /**
   * What the SP does when its data directory holds no store (default `halt`):
   * - `format`: format it (a new network started by hand; `config-gen --sbcp` formats it already);
   * - `halt`: boot on it unformatted: the SP takes it for a lost disk and halts (`sbcp-publisher-halted`), as in the simulator.
   * Sequencers ignore it (an empty store is a sequencer that fetches its blocks from the SP).
   */
  readonly emptyDataDir?: "format" | "halt";
  /** Where log lines go (default: `config.log.file`, else stdout). */
  readonly logDestination?: pino.DestinationStream;
  /** Also receives every node event. */
  readonly observe?: (timeUs: number, node: NodeId, event: string, fields: Readonly<Record<string, unknown>>) => void;
  /** Called after a handler threw and the node stopped (default: log fatal and exit the process with code 4). */
  readonly onNodeError?: (node: NodeId, error: unknown) => void;
  /** Attach the testnet control channel (default: when run under a testnet, `control-channel.ts`). */
  readonly controlChannel?: boolean;
}

/** A started SBCP node. */
export interface RunningSbcpNode {
  readonly id: NodeId;
  readonly role: SbcpRole;
  readonly host: RealHost<SbcpMessage>;
  readonly transport: Libp2pTransport;
  readonly logger: Logger;
  /** The port the transport listens on (undefined for a client). */
  readonly port: number | undefined;
  /** Boot count of this node's data directory (0 on the first boot; always 0 for a client). */
  readonly incarnation: number;
  /** Stops cleanly: the node, the transport; syncs and closes the store; flushes the log. Idempotent. */
  stop(): Promise<void>;
}

/** The slot clock of a network config. */
export function sbcpSlotClock(config: LoadedSbcpNodeConfig): SlotClock {
  return new SlotClock(config.network.genesisTime, config.network.slotDuration, config.network.sealCutover);
}

/**
 * The transport of an SBCP node: its identity is its transport key (checked
 * against the `transportPublicKey` its entry lists); it dials the SP and the
 * sequencers (the bootstrap list) and accepts the clients; each peer gets the
 * per-class limits of its role toward this node's role.
 * @throws InputError naming `transportKeyFile` (or `transportKey`) when the key does not match
 */
export function sbcpTransport(config: LoadedSbcpNodeConfig, log: (event: string, fields: Record<string, unknown>) => void): Libp2pTransport {
  const key = fromHex(config.transportKeyHex);
  const self = [{ ...config.publisher, role: "shared-publisher" as const }, ...config.rollups.map((r) => ({ ...r, role: "sbcp-sequencer" as const })), ...config.clients.map((c) => ({ ...c, role: "sbcp-client" as const }))].find(
    (n) => n.id === config.id,
  )!;
  if (!bytesEqual(transportPublicKey(key), fromHex(self.transportPublicKey))) {
    throw new InputError(config.transportKeyFile !== undefined ? "transportKeyFile" : "transportKey", `the transport key does not match the transport public key of ${config.id} (${self.transportPublicKey}): its public key is ${toHex(transportPublicKey(key))}`);
  }
  const limits = sbcpWireSizeLimits({ rollups: config.rollups.length, blockBytesMax: config.network.blockBytesMax, xtBytesMax: config.network.xtBytesMax });
  const peer = (id: NodeId, role: SbcpRole, transportKey: string, address?: { host: string; port: number }): Libp2pPeer => ({
    id,
    transportPublicKey: fromHex(transportKey),
    messageLimits: sbcpLimitsForSender(limits, role, config.role),
    ...(address !== undefined ? { address } : {}),
  });
  const peers: Libp2pPeer[] = [];
  if (config.role !== "shared-publisher") peers.push(peer(config.publisher.id, "shared-publisher", config.publisher.transportPublicKey, config.publisher));
  // The SP needs no sequencer's address (they dial it), but dialling both ways reconnects faster after a restart.
  for (const r of config.rollups) if (r.id !== config.id) peers.push(peer(r.id, "sbcp-sequencer", r.transportPublicKey, r));
  // Clients only dial; the SP and the sequencers accept them. A client accepts no one.
  if (config.role !== "sbcp-client") for (const c of config.clients) peers.push(peer(c.id, "sbcp-client", c.transportPublicKey));
  return new Libp2pTransport({
    self: config.id,
    transportSecretKey: key,
    ...(config.listen !== undefined ? { listen: { host: config.listen.host, port: config.listen.port } } : {}),
    peers,
    pendingHandshakesMax: config.transport.pendingHandshakesMax,
    pendingHandshakesPerAddressMax: config.transport.pendingHandshakesPerAddressMax,
    connectionsPerPeerMax: config.transport.connectionsPerPeerMax,
    handshakeTimeoutMs: Math.ceil(config.transport.handshakeTimeout / 1000),
    sendQueueMaxBytes: config.transport.sendQueueMaxBytes,
    frameInspector: SBCP_FRAME_INSPECTOR,
    log,
  });
}

/** The sans-IO node of `config`'s role (built again at each start of its host). */
function sbcpNodeFactory(config: LoadedSbcpNodeConfig, nowUs: number): () => Node<SbcpMessage> {
  const clock = sbcpSlotClock(config);
  const { network } = config;
  const asRollup = (r: LoadedSbcpNodeConfig["rollups"][number]) => ({ name: r.id, chainId: r.chainId, genesis: r.genesis });
  // Real ed25519 signatures (the sim scheme's key registry is per process, so a key a client derives would not
  // verify in a sequencer's process). The rollups' genesis accounts are the simulator's test accounts
  // (`systems/sbcp/accounts.ts`), whose keys derive from public seeds: a local testnet's, not a secret.
  const scheme = createSignatureScheme("ed25519-native");
  if (config.role === "shared-publisher") {
    const chains: ChainInfo[] = config.rollups.map((r) => ({ chainId: r.chainId, sequencer: r.id, genesisHash: chainGenesisHash(r.chainId) }));
    return () => new SharedPublisher({ chains, clock, scpTimeoutUs: network.scpTimeout, xtExpiryUs: network.xtExpiry, formattedStorage: true });
  }
  if (config.role === "sbcp-sequencer") {
    const rollup = config.rollups.find((r) => r.id === config.id)!;
    const sequencers = new Map<ChainId, NodeId>(config.rollups.map((r) => [r.chainId, r.id]));
    return () =>
      new Sequencer({
        chainId: rollup.chainId,
        publisher: config.publisher.id,
        sequencers,
        genesisHash: chainGenesisHash(rollup.chainId),
        executor: new AssetVmExecutor({ chainId: rollup.chainId, genesis: assetVmGenesis(scheme, asRollup(rollup), config.rollups.map(asRollup)), scheme }),
        scpTimeoutUs: network.scpTimeout,
      });
  }
  const w = config.workload;
  const index = config.clients.findIndex((c) => c.id === config.id);
  const impossibleAmount = config.rollups.reduce((sum, r) => sum + r.genesis.accounts * r.genesis.balance, 0) + 1;
  const rollups = config.rollups.map((r) => ({ chainId: r.chainId, sequencer: r.id, asset: r.genesis.asset, accounts: r.genesis.accounts }));
  const stopAtUs = w.stopAfter === undefined ? Number.MAX_SAFE_INTEGER : nowUs + w.stopAfter;
  return () =>
    new SbcpClient({
      index,
      publisher: config.publisher.id,
      rollups,
      intervalUs: Math.max(1, Math.round(1_000_000 / w.txPerSecond)),
      xtShare: w.xtShare,
      failingXtShare: w.failingXtShare,
      amountMax: w.amountMax,
      impossibleAmount,
      stopAtUs,
      scheme,
      clients: config.clients.length,
    });
}

/**
 * Starts the SBCP node a config describes.
 * @throws InputError when the transport key does not match, the data directory is locked, or the port cannot be bound
 * @throws Error (from node:fs or libp2p) on other IO failures
 */
export async function startSbcpNode(config: LoadedSbcpNodeConfig, options: StartSbcpNodeOptions = {}): Promise<RunningSbcpNode> {
  const logger = createNodeLogger(config.id, config.log.level, options.logDestination ?? (config.log.file !== undefined ? fileDestination(config.log.file) : undefined));
  const transport = sbcpTransport(config, (event, fields) => {
    const level = event === "malformed-frame" || event === "peer-rejected" || event === "handshake-evicted" || event === "send-queue-full" || event === "deliver-handler-threw" ? "warn" : event === "socket-error" || event === "dial-failed" ? "debug" : "info";
    logger[level]({ event: `transport-${event}`, ...fields });
  });

  let storage: Storage & { sync(): void } = new MemoryStorage();
  let fileStorage: FileStorage | undefined;
  let incarnation = 0;
  if (config.role !== "sbcp-client") {
    const dataDir = config.dataDir!;
    try {
      fileStorage = FileStorage.open(join(dataDir, "storage"));
    } catch (error) {
      throw new InputError("dataDir", (error as Error).message);
    }
    if (fileStorage.recovery.created && config.role === "shared-publisher" && options.emptyDataDir === "format") formatPublisherLog(fileStorage);
    storage = fileStorage;
    incarnation = nextBoot(dataDir);
  }

  function observe(timeUs: number, node: NodeId, event: string, fields: Readonly<Record<string, unknown>>): void {
    const level = levelOf(event);
    if (logger.isLevelEnabled(level)) logger[level]({ event, timeUs, ...fields });
    options.observe?.(timeUs, node, event, fields);
  }

  let stopped = false;
  const onNodeError =
    options.onNodeError ??
    ((node: NodeId, error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      process.stderr.write(`${node}: fatal: a handler threw: ${reason}; stopping (exit 4)\n`);
      logger.fatal({ event: "node-error", error: reason, stack: error instanceof Error ? error.stack : undefined });
      logger.flush();
      process.exit(4);
    });
  const host = new RealHost<SbcpMessage>({
    id: config.id,
    createNode: sbcpNodeFactory(config, monotonicEpochUs()),
    storage,
    transport,
    codec: SBCP_CODEC,
    seed: config.seed,
    incarnation,
    observe,
    onNodeError: (node, error) => {
      if (!stopped) onNodeError(node, error);
    },
  });

  let port: number | undefined;
  try {
    ({ port } = await transport.start());
  } catch (error) {
    await transport.close();
    fileStorage?.close();
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE" || code === "EADDRNOTAVAIL" || code === "EACCES" || (error as Error).name === "UnsupportedListenAddressesError") throw new InputError("listen.port", `cannot listen: ${(error as Error).message}`);
    throw error;
  }
  logger.info({
    event: "node-start",
    role: config.role,
    incarnation,
    listen: config.listen !== undefined ? `${config.listen.host}:${port}` : null,
    dataDir: config.dataDir ?? null,
    genesisTime: new Date(config.network.genesisTime / 1000).toISOString(),
    slotDurationUs: config.network.slotDuration,
    recoveredRecords: fileStorage?.recovery.records ?? 0,
    droppedBytes: fileStorage?.recovery.droppedBytes ?? 0,
  });
  host.start();
  const detach = (options.controlChannel ?? underTestnet())
    ? attachControlChannel(transport, { log: (event, fields) => logger.info({ event, ...fields }), onParentGone: () => process.kill(process.pid, "SIGTERM") })
    : () => {};

  return {
    id: config.id,
    role: config.role,
    host,
    transport,
    logger,
    port: config.listen !== undefined ? port : undefined,
    incarnation,
    async stop() {
      if (stopped) return;
      stopped = true;
      detach();
      host.stop();
      await transport.close();
      if (fileStorage !== undefined) {
        fileStorage.sync();
        fileStorage.close();
      }
      logger.info({ event: "node-stop" });
      logger.flush();
    },
  };
}

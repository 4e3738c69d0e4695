/**
 * `asset-sim poster --config FILE --l1-url URL`: one process running the
 * rollup's batch poster and operator ({@link startPostingHosts}) against a
 * Solana JSON-RPC endpoint, the poster connected to the validators over the
 * TCP transport with the identity of its config (role `poster`, listed in
 * every config's `posters`, so the validators accept it and answer its root
 * queries). JSON log lines as a node's (`telemetry.ts`), each with
 * `node: poster` or `node: operator`.
 */
import { pino } from "pino";
import { createSignatureScheme } from "../../crypto/schemes.js";
import { bytesEqual, fromHex, toHex } from "../../crypto/hash.js";
import { InputError } from "../../config/errors.js";
import type { NodeId } from "../../sim/node.js";
import type { LoadedNodeConfig } from "../node-config.js";
import { configuredTransport } from "../configured-transport.js";
import { createNodeLogger, levelOf, logFields } from "../telemetry.js";
import { startPostingHosts, type PostingHosts } from "./posting-hosts.js";

/** A running poster process. */
export interface RunningPoster {
  readonly hosts: PostingHosts;
  /** Stops both nodes, the transport, and flushes the log. */
  stop(): Promise<void>;
}

/**
 * Starts the poster and operator of a `poster` config.
 * @param onNodeError called when a handler threw (default: log it and exit 4)
 * @throws InputError when the config is not a poster's or its key does not match
 */
export async function startPosterProcess(config: LoadedNodeConfig, l1Url: string, onNodeError?: (node: NodeId, error: unknown) => void): Promise<RunningPoster> {
  if (config.role !== "poster") throw new InputError("role", `must be "poster" for \`asset-sim poster\`, got ${JSON.stringify(config.role)}`);
  const scheme = createSignatureScheme(config.chain.signatureScheme);
  const keyPair = scheme.keyPairFromSeed(fromHex(config.secretKeyHex));
  const self = config.posters.find((p) => p.id === config.id)!;
  if (!bytesEqual(keyPair.publicKey, fromHex(self.publicKey))) throw new InputError("secretKey", `does not match the public key of ${config.id}: its public key is ${toHex(keyPair.publicKey)}`);
  const destination = config.log.file !== undefined ? pino.destination({ dest: config.log.file, sync: true, append: true, mkdir: true }) : undefined;
  const loggers = new Map<NodeId, ReturnType<typeof createNodeLogger>>();
  const loggerOf = (node: NodeId) => {
    let logger = loggers.get(node);
    if (logger === undefined) {
      logger = createNodeLogger(node, config.log.level, destination);
      loggers.set(node, logger);
    }
    return logger;
  };
  const transport = configuredTransport(config, self, (event, fields) => loggerOf(config.id).debug({ event: `transport-${event}`, ...fields }));
  await transport.start();
  const f = Math.floor((config.validators.length - 1) / 3);
  const fail =
    onNodeError ??
    ((node: NodeId, error: unknown) => {
      loggerOf(node).fatal({ event: "node-error", error: error instanceof Error ? error.message : String(error) });
      process.stderr.write(`${node}: fatal: a handler threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)} (exit 4)\n`);
      process.exit(4);
    });
  const hosts = startPostingHosts({
    l1Url,
    seed: config.seed,
    validators: config.validators.map((v) => v.id),
    rootQuorum: f + 1,
    posterId: config.id,
    validatorTransport: transport,
    observe: (_timeUs, node, event, fields) => {
      const logger = loggerOf(node);
      const level = levelOf(event);
      if (logger.isLevelEnabled(level)) logger[level]({ event, ...logFields(event, fields) });
    },
    onNodeError: fail,
  });
  return {
    hosts,
    stop: async () => {
      hosts.stop();
      await transport.close();
      for (const logger of loggers.values()) logger.flush();
    },
  };
}

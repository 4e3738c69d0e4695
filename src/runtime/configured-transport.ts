/**
 * The libp2p transport of a real node, built from its {@link LoadedNodeConfig}
 * (validators, clients and batch posters alike): its identity is the
 * configured transport key, checked against the transport public key the
 * config lists for it; its peers are the configured validators (dialled, the
 * bootstrap list) and, for a validator, the configured clients and batch
 * posters (accepted); every peer gets the per-type message size limits of its
 * role (`wire-size-limits.ts`).
 */
import { InputError } from "../config/errors.js";
import { bytesEqual, fromHex, toHex } from "../crypto/hash.js";
import { Libp2pTransport, transportPublicKey } from "./libp2p-transport.js";
import type { LoadedNodeConfig } from "./node-config.js";
import { limitsForSender, wireSizeLimits } from "./wire-size-limits.js";

/** Where the transport's own events go (`event` without the `transport-` prefix). */
export type TransportLog = (event: string, fields: Record<string, unknown>) => void;

/**
 * Builds (does not start) the node's transport.
 * @param ownPublicKey the node's entry in the config: its consensus public key and optional transport public key (64 hex each)
 * @throws InputError naming the key field when the transport key does not match the transport public key listed for the node
 */
export function configuredTransport(config: LoadedNodeConfig, ownPublicKey: { readonly publicKey: string; readonly transportPublicKey?: string | undefined }, log: TransportLog): Libp2pTransport {
  const transportKey = fromHex(config.transportKeyHex);
  const ownTransportKey = ownPublicKey.transportPublicKey ?? ownPublicKey.publicKey;
  if (!bytesEqual(transportPublicKey(transportKey), fromHex(ownTransportKey))) {
    const field = config.transportKeyFile !== undefined ? "transportKeyFile" : config.transportKey !== undefined ? "transportKey" : "transportPublicKey";
    throw new InputError(field, `the transport key does not match the transport public key of ${config.id} (${ownTransportKey}): its public key is ${toHex(transportPublicKey(transportKey))}`);
  }
  const sizeLimits = wireSizeLimits({
    maxBlockTransactions: config.chain.maxBlockTransactions,
    validators: config.validators.length,
    appBytesMax: config.transport.appBytesMax,
    syncBytesMax: config.transport.syncBytesMax,
  });
  // Clients and batch posters talk to validators only, and only in app messages.
  const selfIsClient = config.role !== "validator";
  return new Libp2pTransport({
    self: config.id,
    transportSecretKey: transportKey,
    ...(config.listen !== undefined ? { listen: { host: config.listen.host, port: config.listen.port } } : {}),
    peers: [
      ...config.validators
        .filter((v) => v.id !== config.id)
        .map((v) => ({ id: v.id, address: { host: v.host, port: v.port }, transportPublicKey: fromHex(v.transportPublicKey ?? v.publicKey), messageLimits: limitsForSender(sizeLimits, false, selfIsClient) })),
      // A validator accepts its clients and batch posters.
      ...(selfIsClient
        ? []
        : [...config.clients, ...config.posters].map((c) => ({ id: c.id, transportPublicKey: fromHex(c.transportPublicKey ?? c.publicKey), messageLimits: limitsForSender(sizeLimits, true, false) }))),
    ],
    pendingHandshakesMax: config.transport.pendingHandshakesMax,
    pendingHandshakesPerAddressMax: config.transport.pendingHandshakesPerAddressMax,
    connectionsPerPeerMax: config.transport.connectionsPerPeerMax,
    handshakeTimeoutMs: Math.ceil(config.transport.handshakeTimeout / 1000),
    sendQueueMaxBytes: config.transport.sendQueueMaxBytes,
    log,
  });
}

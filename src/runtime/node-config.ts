/**
 * The real-mode node config file, version 1 (zod schema), and its loading.
 *
 * One file per process (`asset-sim config-gen` writes a set; `asset-sim node
 * --config FILE` runs one):
 *
 * ```json
 * {
 *   "version": 1,
 *   "id": "v0",                          // this node; in validators (role validator) or clients (role client)
 *   "role": "validator",                 // or "client"
 *   "seed": 1,                           // names the nodes' random streams (ctx.rng: workload choices, jitter); no key derives from it
 *   "validators": [{ "id": "v0", "host": "127.0.0.1", "port": 7100, "publicKey": "<64 hex>",
 *                    "transportPublicKey": "<64 hex>" }, ...],           // transport key: default = publicKey
 *   "clients": [{ "id": "c0", "publicKey": "<64 hex>", "transportPublicKey": "<64 hex>", "accounts": ["<64 hex>", ...] }],   // default []
 *   "posters": [{ "id": "poster", "publicKey": "<64 hex>", "transportPublicKey": "<64 hex>" }], // default []; role "poster": `asset-sim poster`
 *   "secretKeyFile": "keys/v0.key",      // or "secretKey": "<64 hex>" (an ed25519 seed); exactly one
 *   "transportKeyFile": "keys/v0.transport.key", // or "transportKey"; at most one; default: the secret key
 *   "accountKeysFile": "keys/c0.accounts", // clients only (required): the secret keys of its accounts, one 64-hex seed a line, mode 0600
 *   "transport": { "appBytesMax": 1048576, "syncBytesMax": 67108864, "pendingHandshakesMax": 64,
 *                  "pendingHandshakesPerAddressMax": 16, "connectionsPerPeerMax": 2,
 *                  "handshakeTimeout": "5s", "sendQueueMaxBytes": 67108864 },   // all optional
 *   "listen": { "host": "127.0.0.1", "port": 7100 },        // required for validators; port 0: ephemeral
 *   "metrics": { "host": "127.0.0.1", "port": 0 },          // default; port 0: ephemeral (printed at start)
 *   "dataDir": "data/v0",                // required for validators
 *   "log": { "level": "info", "file": "logs/v0.jsonl" },    // default level info, stdout
 *   "chain": { "blockTime": "250ms", "viewTimeout": "1s", "viewTimeoutMax": "8s", "syncRetry": "200ms",
 *              "signatureScheme": "ed25519-native", "maxBlockTransactions": 5000,
 *              "mempool": { ... }, "checkpoints": { "every": 100, "snapshotBehind": 64 },
 *              "leaderElection": "reputation", "reputation": { "exclude": 10, ... } },
 *   "ledger": { ... },                   // as a scenario's ledger section, same defaults
 *   "workload": { "txPerSecond": 0, "fee": 10, "mix": { ... }, "stopAfter": "60s" },
 *   "tracing": { "endpoint": "http://127.0.0.1:4318/v1/traces", "serviceName": "asset-sim" }   // optional (see tracing.ts)
 * }
 * ```
 *
 * The transport key is the node's libp2p identity (its Noise static key and
 * PeerId); the secret key signs consensus messages. They may differ
 * (`config-gen` writes a distinct random transport key per node), so a leaked
 * transport key cannot sign votes.
 *
 * Relative paths (`dataDir`, `secretKeyFile`, `transportKeyFile`, `log.file`) are resolved against
 * the config file's directory. Durations take the scenario format (integer
 * microseconds or a string with a unit). Every default equals the scenario
 * schema's. `ledger`, `chain` (but `listen`, `metrics`, `log`) and the
 * `clients` list must be the same in every file of a network: they define the
 * genesis, which funds every client account (`clients[].accounts`, public
 * keys, in client then account order; the first account is the token's mint
 * authority).
 *
 * Keys: the simulator derives its keys from the seed; real mode never does.
 * Every key (a node's transport key, a client's account keys) is drawn from
 * the operating system's randomness by `config-gen` or `keygen` and kept in a
 * file only its owner can read (a file others can read or write is refused).
 */
import { readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { InputError } from "../config/errors.js";
import { toInputError } from "../config/zod-issues.js";
import {
  CHECKPOINTS_DEFAULTS,
  LEDGER_DEFAULTS,
  MEMPOOL_DEFAULTS,
  MIX_DEFAULTS,
  checkpointsSchema,
  ledgerSchema,
  mempoolSchema,
  mixSchema,
  positiveDurationSchema,
  REPUTATION_SECTION_DEFAULTS,
  reputationSchema,
} from "../systems/validators/section.js";
import { LEADER_ELECTIONS } from "../consensus/leader-election/elections.js";
import { LOG_LEVELS } from "./telemetry.js";
import { LIBP2P_TRANSPORT_DEFAULTS } from "./libp2p-transport.js";
import { APP_BYTES_MAX_DEFAULT, SYNC_BYTES_MAX_DEFAULT } from "./wire-size-limits.js";

const hex32 = z.string().regex(/^[0-9a-fA-F]{64}$/, "must be 64 hex characters (32 bytes)");
const port = z.number().int("must be an integer").min(0, "must be 0..65535").max(65535, "must be 0..65535");
const host = z.string().min(1, "must be a host name or address");
/** The most accounts one client holds. */
const CLIENT_ACCOUNTS_MAX = 1000;
const nodeId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 characters A-Z, a-z, 0-9, _ or -");

/**
 * Checkpoints in real mode: on by default (issue 16: with none, a restart
 * replayed the whole chain, 338 blocks in 3.6 s), every 100 heights, so a
 * restart re-executes at most 100 blocks. The simulator keeps them off unless
 * a scenario sets them.
 */
export const REAL_MODE_CHECKPOINTS_DEFAULTS = { ...CHECKPOINTS_DEFAULTS, every: 100 };

/** Chain defaults: the scenario's `validators` defaults, but for checkpoints (see {@link REAL_MODE_CHECKPOINTS_DEFAULTS}). */
export const CHAIN_DEFAULTS = {
  blockTime: 250_000,
  viewTimeout: 1_000_000,
  syncRetry: 200_000,
  signatureScheme: "ed25519-native" as const,
  maxBlockTransactions: 5_000,
  mempool: MEMPOOL_DEFAULTS,
  checkpoints: REAL_MODE_CHECKPOINTS_DEFAULTS,
  leaderElection: "reputation" as const,
  reputation: REPUTATION_SECTION_DEFAULTS,
};

const chain = z
  .strictObject({
    blockTime: positiveDurationSchema.default(CHAIN_DEFAULTS.blockTime),
    viewTimeout: positiveDurationSchema.default(CHAIN_DEFAULTS.viewTimeout),
    /** Default 8 x viewTimeout. */
    viewTimeoutMax: positiveDurationSchema.optional(),
    syncRetry: positiveDurationSchema.default(CHAIN_DEFAULTS.syncRetry),
    /** Real mode signs with real ed25519 only (the sim scheme is not a signature). */
    signatureScheme: z.enum(["ed25519-native", "ed25519"]).default(CHAIN_DEFAULTS.signatureScheme),
    maxBlockTransactions: z.number().int().positive().default(CHAIN_DEFAULTS.maxBlockTransactions),
    mempool: mempoolSchema.default(MEMPOOL_DEFAULTS),
    checkpoints: checkpointsSchema.default(REAL_MODE_CHECKPOINTS_DEFAULTS),
    /** Who leads each view (as a scenario's `validators.leaderElection`); the same in every file of a network. */
    leaderElection: z.enum(LEADER_ELECTIONS).default(CHAIN_DEFAULTS.leaderElection),
    /** Leader reputation's parameters (as a scenario's `validators.reputation`; the window defaults to 30 x the validator count). */
    reputation: reputationSchema.default(REPUTATION_SECTION_DEFAULTS),
  })
  .transform((c, ctx) => {
    const viewTimeoutMax = c.viewTimeoutMax ?? 8 * c.viewTimeout;
    if (viewTimeoutMax < c.viewTimeout) ctx.addIssue({ code: "custom", message: "must be at least viewTimeout", path: ["viewTimeoutMax"] });
    return { ...c, viewTimeoutMax };
  });

/** Defaults of the `transport` section (limits of the libp2p transport; see `libp2p-transport.ts`). */
export const TRANSPORT_DEFAULTS = {
  appBytesMax: APP_BYTES_MAX_DEFAULT,
  syncBytesMax: SYNC_BYTES_MAX_DEFAULT,
  pendingHandshakesMax: LIBP2P_TRANSPORT_DEFAULTS.pendingHandshakesMax,
  pendingHandshakesPerAddressMax: LIBP2P_TRANSPORT_DEFAULTS.pendingHandshakesPerAddressMax,
  connectionsPerPeerMax: LIBP2P_TRANSPORT_DEFAULTS.connectionsPerPeerMax,
  handshakeTimeout: LIBP2P_TRANSPORT_DEFAULTS.handshakeTimeoutMs * 1000,
  sendQueueMaxBytes: LIBP2P_TRANSPORT_DEFAULTS.sendQueueMaxBytes,
};

/** The `transport` section (libp2p limits), the same for every role, SBCP nodes included (`sbcp-node-config.ts`). */
export const transportSectionSchema = z.strictObject({
  /** Largest `app` message accepted (client submissions, mempool gossip, queries), bytes. */
  appBytesMax: z.number().int().min(1024).max(256 * 1024 * 1024).default(TRANSPORT_DEFAULTS.appBytesMax),
  /** Largest `block-response` or `snapshot` accepted (catch-up), bytes. */
  syncBytesMax: z.number().int().min(64 * 1024).max(1024 * 1024 * 1024).default(TRANSPORT_DEFAULTS.syncBytesMax),
  /** Inbound connections still in their handshake at once; a new one over the limit evicts the oldest. */
  pendingHandshakesMax: z.number().int().min(1).max(100_000).default(TRANSPORT_DEFAULTS.pendingHandshakesMax),
  /** Inbound connections in their handshake at once from one IP address. */
  pendingHandshakesPerAddressMax: z.number().int().min(1).max(100_000).default(TRANSPORT_DEFAULTS.pendingHandshakesPerAddressMax),
  /** Authenticated connections kept per peer (the newest win). */
  connectionsPerPeerMax: z.number().int().min(1).max(64).default(TRANSPORT_DEFAULTS.connectionsPerPeerMax),
  /** Time an inbound connection has to finish its handshake (TCP, Noise, Yamux); also the dial timeout. */
  handshakeTimeout: positiveDurationSchema.default(TRANSPORT_DEFAULTS.handshakeTimeout),
  /** Per-peer send queue, bytes. */
  sendQueueMaxBytes: z.number().int().min(1024 * 1024).max(4 * 1024 * 1024 * 1024).default(TRANSPORT_DEFAULTS.sendQueueMaxBytes),
});

const WORKLOAD_DEFAULTS = { txPerSecond: 0, fee: 10, mix: MIX_DEFAULTS };
const workload = z.strictObject({
  /** Submissions per second of the whole network, split evenly over the clients. */
  txPerSecond: z.number().min(0, "must be >= 0").max(1_000_000).default(WORKLOAD_DEFAULTS.txPerSecond),
  fee: z.number().int().min(0).max(1_000_000_000).default(WORKLOAD_DEFAULTS.fee),
  mix: mixSchema.default(MIX_DEFAULTS),
  /** A client stops submitting this long after it starts (default: never). */
  stopAfter: positiveDurationSchema.optional(),
});

/** The node config file, version 1 (see the file comment). */
export const nodeConfigSchema = z
  .strictObject({
    version: z.literal(1),
    id: nodeId,
    /** `poster`: the batch poster and operator process (`asset-sim poster`), which validators accept as a peer. */
    role: z.enum(["validator", "client", "poster"]),
    seed: z.number().int("must be an integer").min(0, "must be >= 0").max(Number.MAX_SAFE_INTEGER),
    validators: z
      .array(z.strictObject({ id: nodeId, host, port: port.min(1, "must be 1..65535"), publicKey: hex32, transportPublicKey: hex32.optional() }))
      .min(1, "needs at least one validator")
      .max(1024),
    clients: z
      .array(
        z.strictObject({
          id: nodeId,
          publicKey: hex32,
          transportPublicKey: hex32.optional(),
          accounts: z.array(hex32).min(1, "needs at least one account").max(CLIENT_ACCOUNTS_MAX),
        }),
      )
      .max(1000)
      .default([]),
    /** Batch poster processes the validators accept connections from (they ask for committed roots); default []. */
    posters: z.array(z.strictObject({ id: nodeId, publicKey: hex32, transportPublicKey: hex32.optional() })).max(16).default([]),
    secretKey: hex32.optional(),
    secretKeyFile: z.string().min(1).optional(),
    /** This node's transport (libp2p identity) key, an ed25519 seed; default: `secretKey`. */
    transportKey: hex32.optional(),
    transportKeyFile: z.string().min(1).optional(),
    transport: transportSectionSchema.default(TRANSPORT_DEFAULTS),
    accountKeysFile: z.string().min(1).optional(),
    listen: z.strictObject({ host: host.default("127.0.0.1"), port }).optional(),
    metrics: z.strictObject({ host: host.default("127.0.0.1"), port: port.default(0) }).default({ host: "127.0.0.1", port: 0 }),
    dataDir: z.string().min(1).optional(),
    log: z.strictObject({ level: z.enum(LOG_LEVELS).default("info"), file: z.string().min(1).optional() }).default({ level: "info" }),
    chain: chain.default({ ...CHAIN_DEFAULTS, viewTimeoutMax: 8 * CHAIN_DEFAULTS.viewTimeout }),
    ledger: ledgerSchema.default(LEDGER_DEFAULTS),
    workload: workload.default(WORKLOAD_DEFAULTS),
    /** OpenTelemetry tracing (`tracing.ts`): off unless an endpoint is set here or in the environment. */
    tracing: z
      .strictObject({
        endpoint: z.url({ protocol: /^https?$/, error: "must be an http(s) URL, e.g. http://127.0.0.1:4318/v1/traces" }).optional(),
        serviceName: z.string().min(1).max(128).optional(),
      })
      .optional(),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    const all = [
      ...c.validators.map((v, i) => ({ id: v.id, path: ["validators", i, "id"] })),
      ...c.clients.map((v, i) => ({ id: v.id, path: ["clients", i, "id"] })),
      ...c.posters.map((v, i) => ({ id: v.id, path: ["posters", i, "id"] })),
    ];
    for (const { id, path } of all) {
      if (seen.has(id)) ctx.addIssue({ code: "custom", message: `duplicate node id ${JSON.stringify(id)}`, path });
      seen.add(id);
    }
    const list = c.role === "validator" ? c.validators : c.role === "client" ? c.clients : c.posters;
    if (!list.some((n) => n.id === c.id)) ctx.addIssue({ code: "custom", message: `${JSON.stringify(c.id)} is not in ${c.role === "validator" ? "validators" : c.role === "client" ? "clients" : "posters"}`, path: ["id"] });
    if ((c.secretKey === undefined) === (c.secretKeyFile === undefined)) ctx.addIssue({ code: "custom", message: "give exactly one of secretKey and secretKeyFile", path: ["secretKey"] });
    if (c.role === "client" && c.accountKeysFile === undefined) ctx.addIssue({ code: "custom", message: "required field is missing (the secret keys of the client's accounts)", path: ["accountKeysFile"] });
    if (c.role !== "client" && c.accountKeysFile !== undefined) ctx.addIssue({ code: "custom", message: `a ${c.role} holds no account keys (clients only)`, path: ["accountKeysFile"] });
    const accounts = new Set<string>();
    c.clients.forEach((client, i) =>
      client.accounts.forEach((account, k) => {
        if (accounts.has(account.toLowerCase())) ctx.addIssue({ code: "custom", message: `duplicate account ${account.slice(0, 16)}...: every account is funded once at genesis`, path: ["clients", i, "accounts", k] });
        accounts.add(account.toLowerCase());
      }),
    );
    if (c.transportKey !== undefined && c.transportKeyFile !== undefined) ctx.addIssue({ code: "custom", message: "give at most one of transportKey and transportKeyFile", path: ["transportKey"] });
    if (c.role === "validator" && c.listen === undefined) ctx.addIssue({ code: "custom", message: "required field is missing (a validator listens for peers)", path: ["listen"] });
    if (c.role === "validator" && c.dataDir === undefined) ctx.addIssue({ code: "custom", message: "required field is missing (a validator keeps its blocks there)", path: ["dataDir"] });
  });

/** A parsed node config: durations in microseconds, defaults filled in, paths as written. */
export type NodeConfig = z.output<typeof nodeConfigSchema>;

/** A loaded node config: paths resolved, the secret key read. */
export interface LoadedNodeConfig extends NodeConfig {
  /** The ed25519 seed of this node's key, 32 bytes as 64 hex characters. */
  readonly secretKeyHex: string;
  /** A client's account keys (ed25519 seeds, 64 hex each, in the order of its `accounts`), read from `accountKeysFile`; empty for a validator. */
  readonly accountSecretKeysHex: readonly string[];
  /** The ed25519 seed of this node's transport key (64 hex); the secret key when none is configured. */
  readonly transportKeyHex: string;
  /** The config file's path (absolute), or undefined for an object. */
  readonly source?: string;
}

/**
 * Validates a config object; relative paths are resolved against `baseDir`
 * and the secret key file is read.
 * @throws InputError naming the first bad field (the CLI exits 2)
 */
export function parseNodeConfig(raw: unknown, baseDir: string = process.cwd()): LoadedNodeConfig {
  const result = nodeConfigSchema.safeParse(raw);
  if (!result.success) throw toInputError(result.error, raw);
  const c = result.data;
  const at = (path: string): string => (isAbsolute(path) ? path : resolve(baseDir, path));
  const secretKeyHex = c.secretKey ?? readKeyFile(at(c.secretKeyFile!), "secretKeyFile");
  const transportKeyHex = c.transportKey ?? (c.transportKeyFile !== undefined ? readKeyFile(at(c.transportKeyFile), "transportKeyFile") : secretKeyHex);
  let accountSecretKeysHex: string[] = [];
  if (c.accountKeysFile !== undefined) {
    const file = at(c.accountKeysFile);
    accountSecretKeysHex = readSecretFile("accountKeysFile", file)
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line.length > 0);
    const expected = c.clients.find((client) => client.id === c.id)?.accounts.length ?? 0;
    if (!accountSecretKeysHex.every((line) => /^[0-9a-fA-F]{64}$/.test(line))) throw new InputError("accountKeysFile", `${file} must hold one 64-hex ed25519 seed a line`);
    if (accountSecretKeysHex.length !== expected) throw new InputError("accountKeysFile", `${file} holds ${accountSecretKeysHex.length} keys, but ${c.id} has ${expected} accounts in \`clients\``);
  }
  return {
    ...c,
    ...(c.secretKeyFile !== undefined ? { secretKeyFile: at(c.secretKeyFile) } : {}),
    ...(c.transportKeyFile !== undefined ? { transportKeyFile: at(c.transportKeyFile) } : {}),
    ...(c.accountKeysFile !== undefined ? { accountKeysFile: at(c.accountKeysFile) } : {}),
    ...(c.dataDir !== undefined ? { dataDir: at(c.dataDir) } : {}),
    log: { ...c.log, ...(c.log.file !== undefined ? { file: at(c.log.file) } : {}) },
    secretKeyHex: secretKeyHex.toLowerCase(),
    transportKeyHex: transportKeyHex.toLowerCase(),
    accountSecretKeysHex: accountSecretKeysHex.map((k) => k.toLowerCase()),
  };
}

/**
 * Reads a key file: 64 hex characters (a 32-byte ed25519 seed), readable by its owner only.
 * @throws InputError naming `field` when the file is readable or writable by others, cannot be read, or holds something else
 */
export function readKeyFile(file: string, field: string): string {
  const text = readSecretFile(field, file).trim();
  if (!/^[0-9a-fA-F]{64}$/.test(text)) throw new InputError(field, `${file} must hold 64 hex characters (a 32-byte ed25519 seed)`);
  return text;
}

/**
 * Reads a file of secrets, refusing one others can read or write (a key is its owner's alone).
 * @throws InputError naming `field` when the file's mode lets others in, or it cannot be read
 */
function readSecretFile(field: string, file: string): string {
  try {
    const mode = statSync(file).mode;
    if ((mode & 0o077) !== 0) {
      throw new InputError(field, `${file} is readable or writable by others (mode ${(mode & 0o777).toString(8).padStart(4, "0")}): run \`chmod 600 ${file}\``);
    }
    return readFileSync(file, "utf8");
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(field, `cannot read ${file}: ${(error as Error).message}`);
  }
}

/**
 * Reads and validates a config file.
 * @throws InputError when the file cannot be read, is not JSON, or is invalid (naming the field)
 */
export function loadNodeConfig(path: string): LoadedNodeConfig {
  const { raw, file } = readNodeConfigJson(path);
  return { ...parseNodeConfig(raw, dirname(file)), source: file };
}

/**
 * Reads a config file's JSON (any role: the node command picks the schema by `role`).
 * @returns the parsed JSON and the file's absolute path
 * @throws InputError when the file cannot be read or is not JSON
 */
export function readNodeConfigJson(path: string): { raw: unknown; file: string } {
  const file = resolve(path);
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new InputError("--config", `cannot read ${file}: ${(error as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InputError("", `${file} is not valid JSON: ${(error as Error).message}`);
  }
  return { raw, file };
}

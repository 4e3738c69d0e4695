/**
 * The real-mode config of an SBCP node (the shared publisher, a rollup's
 * sequencer, or a client submitting xTs and local transactions), version 1
 * (zod schema), and its loading. `asset-sim config-gen --sbcp` writes a set;
 * `asset-sim node --config FILE` runs one by its `role`:
 *
 * ```json
 * {
 *   "version": 1,
 *   "id": "sp",                               // the SP, a sequencer (its rollup's `id`) or a client
 *   "role": "shared-publisher",               // or "sbcp-sequencer", "sbcp-client"
 *   "seed": 1,                                // names the node's random stream (the client's choices); no key derives from it
 *   "network": {
 *     "genesisTime": "2026-12-06T22:00:00.000Z",  // start of slot 0 (ISO 8601, UTC); slot 1 is the first built
 *     "slotDuration": "2s", "sealCutover": 0.6667, "scpTimeout": "1s", "xtExpiry": "60s",   // as a scenario's `sbcp` section
 *     "blockBytesMax": 1048576, "xtBytesMax": 65536                                          // wire limits (sbcp-wire-limits.ts)
 *   },
 *   "publisher": { "id": "sp", "host": "127.0.0.1", "port": 7300, "transportPublicKey": "<64 hex>" },
 *   "rollups": [{ "id": "seq1", "chainId": 1, "host": "127.0.0.1", "port": 7301, "transportPublicKey": "<64 hex>",
 *                 "genesis": { "asset": "USD", "accounts": 8, "balance": 1000000 } }, ...],
 *   "clients": [{ "id": "sc0", "transportPublicKey": "<64 hex>" }],        // default []
 *   "transportKeyFile": "keys/sp.transport.key",   // or "transportKey": "<64 hex>"; exactly one
 *   "transport": { ... },                     // the validators' transport section (node-config.ts), all optional
 *   "listen": { "host": "127.0.0.1", "port": 7300 },   // required for the SP and sequencers; port 0: ephemeral
 *   "dataDir": "data/sp",                     // required for the SP and sequencers: the write-ahead log's store
 *   "log": { "level": "info", "file": "logs/sp.jsonl" },   // default level info, stdout
 *   "workload": { "txPerSecond": 2, "xtShare": 0.5, "failingXtShare": 0.2, "amountMax": 100, "stopAfter": "60s" }  // clients
 * }
 * ```
 *
 * The SBCP messages carry no signatures (SBCP v1), so an SBCP node has only
 * its transport key (its libp2p identity: who sent a message is the key that
 * authenticated the connection); it is drawn from the operating system's
 * randomness by `config-gen --sbcp` and kept in a file only its owner can
 * read. The simple ledger's accounts are numbered (`systems/sbcp/accounts.ts`)
 * and its transactions are unsigned, as in the simulator. `network`,
 * `publisher`, `rollups` and `clients` must be the same in every file of a
 * network. Relative paths resolve against the config file's directory.
 */
import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { InputError } from "../config/errors.js";
import { positiveDuration, probability } from "../config/fields.js";
import { toInputError } from "../config/zod-issues.js";
import { DEFAULT_SEAL_CUTOVER } from "../sbcp/slot-clock.js";
import { DEFAULT_SCP_TIMEOUT_US } from "../sbcp/shared-publisher.js";
import { SBCP_GENESIS_DEFAULTS } from "../systems/sbcp/section.js";
import { LOG_LEVELS } from "./telemetry.js";
import { readKeyFile, TRANSPORT_DEFAULTS, transportSectionSchema } from "./node-config.js";
import { SBCP_BLOCK_BYTES_MAX_DEFAULT, SBCP_XT_BYTES_MAX_DEFAULT, type SbcpRole } from "./sbcp-wire-limits.js";
import { MAX_FRAME_BYTES } from "../sbcp/wire/codec.js";

/** The roles an SBCP config may name. */
export const SBCP_CONFIG_ROLES = ["shared-publisher", "sbcp-sequencer", "sbcp-client"] as const satisfies readonly SbcpRole[];

/** Default slot length in real mode: 12 s, one Ethereum slot, as in the simulator. */
export const SBCP_REAL_SLOT_DURATION_DEFAULT_US = 12_000_000;

const hex32 = z.string().regex(/^[0-9a-fA-F]{64}$/, "must be 64 hex characters (32 bytes)");
const port = z.number().int("must be an integer").min(0, "must be 0..65535").max(65535, "must be 0..65535");
const host = z.string().min(1, "must be a host name or address");
const nodeId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 characters A-Z, a-z, 0-9, _ or -");

/** An ISO 8601 UTC time, parsed to microseconds since the Unix epoch. */
const isoTimeUs = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/, "must be an ISO 8601 UTC time such as 2026-12-06T22:00:00.000Z")
  .transform((text, ctx) => {
    const ms = Date.parse(text);
    if (!Number.isFinite(ms) || ms < 0) {
      ctx.addIssue({ code: "custom", message: "is not a valid time after 1970" });
      return z.NEVER;
    }
    return ms * 1000;
  });

const network = z
  .strictObject({
    /** Start of slot 0, microseconds since the Unix epoch after parsing. */
    genesisTime: isoTimeUs,
    slotDuration: positiveDuration.default(SBCP_REAL_SLOT_DURATION_DEFAULT_US),
    sealCutover: z.number().gt(0, "must be greater than 0").lt(1, "must be less than 1").default(DEFAULT_SEAL_CUTOVER),
    scpTimeout: positiveDuration.default(DEFAULT_SCP_TIMEOUT_US),
    xtExpiry: positiveDuration.default(60_000_000),
    /** Largest block of one L2Block, bytes (wire limit). */
    blockBytesMax: z.number().int().min(1024).max(MAX_FRAME_BYTES / 2).default(SBCP_BLOCK_BYTES_MAX_DEFAULT),
    /** Largest xT request, bytes (wire limit; also StartSC and CIRC data). */
    xtBytesMax: z.number().int().min(1024).max(MAX_FRAME_BYTES / 2).default(SBCP_XT_BYTES_MAX_DEFAULT),
  })
  .superRefine((n, ctx) => {
    if (Math.floor(n.slotDuration * n.sealCutover) < 1) ctx.addIssue({ code: "custom", message: "the seal cut-over falls at the slot's start (slotDuration x sealCutover < 1 us)", path: ["sealCutover"] });
  });

const genesis = z.strictObject({
  asset: z.string().regex(/^[A-Z][A-Z0-9]{0,11}$/, "must be 1-12 characters A-Z, 0-9, starting with a letter").default(SBCP_GENESIS_DEFAULTS.asset),
  accounts: z.number().int().min(1).max(10_000).default(SBCP_GENESIS_DEFAULTS.accounts),
  balance: z.number().int().min(1).max(1_000_000_000_000).default(SBCP_GENESIS_DEFAULTS.balance),
});

const WORKLOAD_DEFAULTS = { txPerSecond: 2, xtShare: 0.5, failingXtShare: 0.2, amountMax: 100 };

/** The SBCP node config file, version 1 (see the file comment). */
export const sbcpNodeConfigSchema = z
  .strictObject({
    version: z.literal(1),
    id: nodeId,
    role: z.enum(SBCP_CONFIG_ROLES),
    seed: z.number().int("must be an integer").min(0, "must be >= 0").max(Number.MAX_SAFE_INTEGER),
    network,
    publisher: z.strictObject({ id: nodeId, host, port: port.min(1, "must be 1..65535"), transportPublicKey: hex32 }),
    rollups: z
      .array(z.strictObject({ id: nodeId, chainId: z.number().int().min(1).max(0xffff_ffff), host, port: port.min(1, "must be 1..65535"), transportPublicKey: hex32, genesis: genesis.default(SBCP_GENESIS_DEFAULTS) }))
      .min(1, "needs at least one rollup")
      .max(32),
    clients: z.array(z.strictObject({ id: nodeId, transportPublicKey: hex32 })).max(1000).default([]),
    transportKey: hex32.optional(),
    transportKeyFile: z.string().min(1).optional(),
    transport: transportSectionSchema.default(TRANSPORT_DEFAULTS),
    listen: z.strictObject({ host: host.default("127.0.0.1"), port }).optional(),
    dataDir: z.string().min(1).optional(),
    log: z.strictObject({ level: z.enum(LOG_LEVELS).default("info"), file: z.string().min(1).optional() }).default({ level: "info" }),
    workload: z
      .strictObject({
        /** Submissions per second of this client (xTs and local transfers). */
        txPerSecond: z.number().gt(0, "must be > 0").max(10_000).default(WORKLOAD_DEFAULTS.txPerSecond),
        xtShare: probability.default(WORKLOAD_DEFAULTS.xtShare),
        failingXtShare: probability.default(WORKLOAD_DEFAULTS.failingXtShare),
        amountMax: z.number().int().min(1).max(1_000_000_000_000).default(WORKLOAD_DEFAULTS.amountMax),
        /** The client stops submitting this long after it starts (default: never). */
        stopAfter: positiveDuration.optional(),
      })
      .default(WORKLOAD_DEFAULTS),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    const all = [{ id: c.publisher.id, path: ["publisher", "id"] }, ...c.rollups.map((r, i) => ({ id: r.id, path: ["rollups", i, "id"] })), ...c.clients.map((cl, i) => ({ id: cl.id, path: ["clients", i, "id"] }))];
    for (const { id, path } of all) {
      if (seen.has(id)) ctx.addIssue({ code: "custom", message: `duplicate node id ${JSON.stringify(id)}`, path });
      seen.add(id);
    }
    const chains = new Set<number>();
    c.rollups.forEach((r, i) => {
      if (chains.has(r.chainId)) ctx.addIssue({ code: "custom", message: `chain id ${r.chainId} is used twice`, path: ["rollups", i, "chainId"] });
      chains.add(r.chainId);
    });
    const listed = c.role === "shared-publisher" ? c.publisher.id === c.id : c.role === "sbcp-sequencer" ? c.rollups.some((r) => r.id === c.id) : c.clients.some((cl) => cl.id === c.id);
    if (!listed) ctx.addIssue({ code: "custom", message: `${JSON.stringify(c.id)} is not the ${c.role === "shared-publisher" ? "publisher" : c.role === "sbcp-sequencer" ? "id of a rollup's sequencer" : "id of a client"}`, path: ["id"] });
    if ((c.transportKey === undefined) === (c.transportKeyFile === undefined)) ctx.addIssue({ code: "custom", message: "give exactly one of transportKey and transportKeyFile", path: ["transportKey"] });
    if (c.role !== "sbcp-client" && c.listen === undefined) ctx.addIssue({ code: "custom", message: "required field is missing (the SP and the sequencers listen for peers)", path: ["listen"] });
    if (c.role !== "sbcp-client" && c.dataDir === undefined) ctx.addIssue({ code: "custom", message: "required field is missing (the write-ahead log is kept there)", path: ["dataDir"] });
  });

/** A parsed SBCP config: durations and the genesis time in microseconds, defaults filled in. */
export type SbcpNodeConfig = z.output<typeof sbcpNodeConfigSchema>;

/** A loaded SBCP config: paths resolved, the transport key read. */
export interface LoadedSbcpNodeConfig extends SbcpNodeConfig {
  /** The ed25519 seed of this node's transport key (64 lowercase hex). */
  readonly transportKeyHex: string;
  /** The config file's path (absolute), or undefined for an object. */
  readonly source?: string;
}

/** True when `raw` names an SBCP role (so it is parsed by {@link parseSbcpNodeConfig}, not the validators' schema). */
export function isSbcpConfig(raw: unknown): boolean {
  return typeof raw === "object" && raw !== null && (SBCP_CONFIG_ROLES as readonly string[]).includes(String((raw as { role?: unknown }).role));
}

/**
 * Validates an SBCP config object; relative paths resolve against `baseDir`, and the transport key file is read.
 * @throws InputError naming the first bad field (the CLI exits 2), or the key file when others can read it
 */
export function parseSbcpNodeConfig(raw: unknown, baseDir: string = process.cwd()): LoadedSbcpNodeConfig {
  const result = sbcpNodeConfigSchema.safeParse(raw);
  if (!result.success) throw toInputError(result.error, raw);
  const c = result.data;
  const at = (path: string): string => (isAbsolute(path) ? path : resolve(baseDir, path));
  const transportKeyHex = c.transportKey ?? readKeyFile(at(c.transportKeyFile!), "transportKeyFile");
  if (transportKeyHex === undefined) throw new InputError("transportKey", "missing");
  return {
    ...c,
    ...(c.transportKeyFile !== undefined ? { transportKeyFile: at(c.transportKeyFile) } : {}),
    ...(c.dataDir !== undefined ? { dataDir: at(c.dataDir) } : {}),
    log: { ...c.log, ...(c.log.file !== undefined ? { file: at(c.log.file) } : {}) },
    transportKeyHex: transportKeyHex.toLowerCase(),
  };
}

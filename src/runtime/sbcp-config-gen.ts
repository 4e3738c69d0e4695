/**
 * Writes the configs of a local SBCP network (`asset-sim config-gen --sbcp`,
 * and `asset-sim testnet --sbcp`): one shared publisher (`sp`), one sequencer
 * per rollup (`seq1`, `seq2`, ..., chain ids 1, 2, ...) and `clients` clients
 * (`sc0`, ...) that submit xTs and local transfers.
 *
 * Layout of `out`: `<id>.json` per node (`sbcp-node-config.ts`),
 * `keys/<id>.transport.key` (each a 32-byte ed25519 seed drawn from the
 * operating system's randomness, mode 0600, in `keys/` of mode 0700; SBCP v1
 * messages are not signed, so the transport key is a node's only key),
 * `data/<id>/storage` for the SP and each sequencer, created here (0700): the
 * SP's store is formatted (`formatPublisherLog`), so from then on an empty
 * one is a lost disk and halts it, as in the simulator; `logs/<id>.jsonl`
 * once the nodes run. The SP listens on `basePort`, sequencer i (1-based) on
 * `basePort + i`, or on free ports picked now (`basePort: "ephemeral"`).
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { InputError } from "../config/errors.js";
import { toHex } from "../crypto/hash.js";
import { formatPublisherLog } from "../sbcp/wal/publisher-log.js";
import { FileStorage } from "./file-storage.js";
import { freePorts } from "./free-ports.js";
import { transportPublicKey } from "./libp2p-transport.js";
import { parseSbcpNodeConfig } from "./sbcp-node-config.js";

/** The SP's node id in generated configs (the simulator's, `systems/sbcp`). */
export const SBCP_PUBLISHER_ID = "sp";

/** What to generate. Durations are microseconds. */
export interface SbcpConfigGenRequest {
  /** Output folder (created; refused when not empty unless `force`). */
  readonly out: string;
  /** Rollups (1..32), each with its sequencer. */
  readonly rollups: number;
  /** Client processes (0..1000). */
  readonly clients: number;
  readonly host: string;
  /** The SP's port; sequencer i listens on basePort + i. `ephemeral`: free ports picked now. */
  readonly basePort: number | "ephemeral";
  readonly seed: number;
  /** Start of slot 0, microseconds since the Unix epoch (whole milliseconds are written). */
  readonly genesisTimeUs: number;
  readonly slotDurationUs: number;
  readonly sealCutover?: number;
  readonly scpTimeoutUs?: number;
  /** Submissions per second of all clients together (> 0 when there are clients). */
  readonly txPerSecond: number;
  readonly xtShare?: number;
  readonly failingXtShare?: number;
  /** Log level of every node (default info). */
  readonly logLevel?: "debug" | "info";
  /** Logs on stdout instead of `logs/<id>.jsonl` (the testnet reads them there). */
  readonly logToStdout?: boolean;
  /** Write into a folder that is not empty (configs, keys and data directories of the same names are replaced). */
  readonly force?: boolean;
}

/** One written config. */
export interface SbcpWrittenConfig {
  readonly id: string;
  readonly role: "shared-publisher" | "sbcp-sequencer" | "sbcp-client";
  readonly path: string;
  /** Where it listens (the SP and the sequencers). */
  readonly port?: number;
}

/**
 * Writes the configs (see the file comment).
 * @returns the configs written, the SP first, then the sequencers, then the clients
 * @throws InputError on a bad request or an output folder that is not empty (without `force`)
 */
export async function writeSbcpConfigs(request: SbcpConfigGenRequest): Promise<SbcpWrittenConfig[]> {
  const { rollups, clients, host } = request;
  if (!Number.isInteger(rollups) || rollups < 1 || rollups > 32) throw new InputError("--rollups", `must be an integer in 1..32, got ${rollups}`);
  if (!Number.isInteger(clients) || clients < 0 || clients > 1000) throw new InputError("--clients", `must be an integer in 0..1000, got ${clients}`);
  if (clients > 0 && !(request.txPerSecond > 0)) throw new InputError("--tx-per-second", `must be > 0 with clients, got ${request.txPerSecond}`);
  const out = resolve(request.out);
  if (existsSync(out)) {
    if (!statSync(out).isDirectory()) throw new InputError("--out", `${out} is a file, not a folder`);
    const entries = readdirSync(out);
    if (entries.length > 0 && request.force !== true) throw new InputError("--out", `${out} is not empty (${entries.slice(0, 3).join(", ")}${entries.length > 3 ? ", ..." : ""}): choose an empty or new folder, or add --force to write into it`);
  }
  mkdirSync(join(out, "keys"), { recursive: true, mode: 0o700 });
  chmodSync(join(out, "keys"), 0o700);

  const ports = request.basePort === "ephemeral" ? await freePorts(host, rollups + 1) : Array.from({ length: rollups + 1 }, (_, i) => (request.basePort as number) + i);
  if (ports.some((p) => p < 1 || p > 65535)) throw new InputError("--base-port", `ports ${ports[0]}..${ports[ports.length - 1]} are not all in 1..65535`);
  const keys = new Map<string, Uint8Array>();
  const keyOf = (id: string): string => {
    const secret = randomBytes(32); // the operating system's randomness: never derived from the seed
    keys.set(id, secret);
    return toHex(transportPublicKey(secret));
  };
  const publisher = { id: SBCP_PUBLISHER_ID, host, port: ports[0]!, transportPublicKey: keyOf(SBCP_PUBLISHER_ID) };
  const rollupList = Array.from({ length: rollups }, (_, i) => ({ id: `seq${i + 1}`, chainId: i + 1, host, port: ports[i + 1]!, transportPublicKey: keyOf(`seq${i + 1}`) }));
  const clientList = Array.from({ length: clients }, (_, i) => ({ id: `sc${i}`, transportPublicKey: keyOf(`sc${i}`) }));
  const network = {
    genesisTime: new Date(Math.floor(request.genesisTimeUs / 1000)).toISOString(),
    slotDuration: request.slotDurationUs,
    ...(request.sealCutover !== undefined ? { sealCutover: request.sealCutover } : {}),
    ...(request.scpTimeoutUs !== undefined ? { scpTimeout: request.scpTimeoutUs } : {}),
  };
  const nodes: { id: string; role: SbcpWrittenConfig["role"]; port?: number }[] = [
    { id: publisher.id, role: "shared-publisher", port: publisher.port },
    ...rollupList.map((r) => ({ id: r.id, role: "sbcp-sequencer" as const, port: r.port })),
    ...clientList.map((c) => ({ id: c.id, role: "sbcp-client" as const })),
  ];
  const written: SbcpWrittenConfig[] = [];
  for (const node of nodes) {
    const transportKeyFile = join("keys", `${node.id}.transport.key`);
    const keyPath = join(out, transportKeyFile);
    writeFileSync(keyPath, `${toHex(keys.get(node.id)!)}\n`, { mode: 0o600 });
    chmodSync(keyPath, 0o600);
    const serves = node.role !== "sbcp-client";
    const config = {
      version: 1,
      id: node.id,
      role: node.role,
      seed: request.seed,
      network,
      publisher,
      rollups: rollupList,
      clients: clientList,
      transportKeyFile,
      ...(serves ? { listen: { host, port: node.port! }, dataDir: join("data", node.id) } : {}),
      log: { level: request.logLevel ?? "info", ...(request.logToStdout === true ? {} : { file: join("logs", `${node.id}.jsonl`) }) },
      ...(node.role === "sbcp-client"
        ? { workload: { txPerSecond: request.txPerSecond / clients, ...(request.xtShare !== undefined ? { xtShare: request.xtShare } : {}), ...(request.failingXtShare !== undefined ? { failingXtShare: request.failingXtShare } : {}) } }
        : {}),
    };
    const path = join(out, `${node.id}.json`);
    writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`);
    parseSbcpNodeConfig(config, out); // what we write must load
    if (serves) formatStore(join(out, "data", node.id), node.role === "shared-publisher", request.force === true);
    written.push({ id: node.id, role: node.role, path, ...(node.port !== undefined ? { port: node.port } : {}) });
  }
  return written;
}

/**
 * Creates a node's store (`DIR/storage`, 0700); the SP's is formatted.
 * @param replace delete an old store first (`--force`: a new network)
 * @throws InputError naming `--out` when the directory already holds a store and `replace` is not set
 */
function formatStore(dataDir: string, publisher: boolean, replace: boolean): void {
  const storageDir = join(dataDir, "storage");
  if (replace) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const storage = FileStorage.open(storageDir);
  try {
    if (!storage.recovery.created) throw new InputError("--out", `${storageDir} already holds a store (add --force to replace the old network)`);
    if (publisher) formatPublisherLog(storage);
    else storage.sync();
  } finally {
    storage.close();
  }
}

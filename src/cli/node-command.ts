/**
 * Real-mode commands:
 *
 *   asset-sim keygen --out FILE
 *     writes a new random key (mode 0600) and prints its public key; a node uses
 *     one as its `secretKeyFile` (consensus signatures) and may use another as
 *     its `transportKeyFile` (its libp2p identity; default: the same key).
 *
 *   asset-sim node --config FILE
 *     runs one validator or client until SIGINT or SIGTERM, then stops cleanly
 *     (transport closed, storage synced and closed, logs flushed) and exits 0.
 *     Exit 2: bad config (one error naming the field); 4: a handler threw or
 *     the node could not start (the reason on stderr, and in the log).
 *
 *   asset-sim config-gen --sbcp [--rollups N] [--clients M] [--out DIR] [--host H] [--base-port P|ephemeral]
 *                        [--seed S] [--slot-duration D] [--scp-timeout D] [--genesis-time ISO] [--tx-per-second R] [--force]
 *     the configs of an SBCP network (`runtime/sbcp-config-gen.ts`): one shared publisher, N sequencers, M clients;
 *     `node --config` runs each by its role.
 *
 *   asset-sim config-gen --validators N [--clients M] [--out DIR] [--host H]
 *                        [--base-port P | --base-port ephemeral] [--metrics-base-port P]
 *                        [--seed S] [--block-time D] [--view-timeout D] [--tx-per-second R]
 *                        [--accounts-per-client K] [--force]
 *     refuses an output folder that is not empty unless --force; writes `DIR/<id>.json` per node, `DIR/keys/<id>.key` and a distinct
 *     `DIR/keys/<id>.transport.key` (mode 0600, in `keys/` of mode 0700) and for each client `DIR/keys/<id>.accounts` (its K account
 *     keys, one a line, mode 0600), each key drawn from the operating system's randomness (the simulator derives its keys from the
 *     seed; real mode never does: `--seed` only names the nodes' random streams). The configs list public keys only. Validator i listens
 *     on P + i (`ephemeral`: free ports picked now); metrics on the metrics
 *     base port + i (default 0: each process picks one and logs it).
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { freePorts } from "../runtime/free-ports.js";
import { dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import { toHex } from "../crypto/hash.js";
import { createSignatureScheme } from "../crypto/schemes.js";
import { InputError } from "../config/errors.js";
import { EXIT } from "../scenario/run.js";
import { durationOptionUs } from "./options.js";

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Options of `config-gen` as commander gives them. */
export interface ConfigGenOptions {
  validators?: string;
  /** Default 0 (1 with --sbcp). */
  clients?: string;
  /** An SBCP network: one shared publisher, --rollups sequencers, --clients clients. */
  sbcp?: boolean;
  /** With --sbcp: rollups, each with its sequencer (default 2). */
  rollups?: string;
  /** With --sbcp: slot length with a unit (default 12s). */
  slotDuration?: string;
  /** With --sbcp: the SCP timer (default 3s). */
  scpTimeout?: string;
  /** With --sbcp: the start of slot 0, ISO 8601 (default: two seconds from now, on a whole second). */
  genesisTime?: string;
  out: string;
  host: string;
  /** Default 7100 (7300 with --sbcp). */
  basePort?: string;
  metricsBasePort: string;
  seed: string;
  blockTime?: string;
  viewTimeout?: string;
  /** Default 0 (2 with --sbcp). */
  txPerSecond?: string;
  accountsPerClient: string;
  /** Write into a folder that already holds files (overwriting configs and keys of the same names). */
  force?: boolean;
}

/** Registers `node` and `config-gen` on the program; `setExit` receives each command's exit code. */
export function registerNodeCommands(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command("node")
    .description("run one node of a real network (TCP, files, real clock) until SIGINT/SIGTERM: a validator or client, or by its role an SBCP shared publisher, sequencer or client")
    .requiredOption("--config <file>", "node config file (see `asset-sim config-gen`)")
    .option("--format", "a validator whose data directory is empty formats it (a new node of a new network; config-gen formats them already)")
    .option("--recover", "a validator whose data directory was lost boots without it and recovers its vote-safety state from a quorum of its peers before it votes")
    .action(async (options: { config: string; format?: boolean; recover?: boolean }) => {
      if (options.format === true && options.recover === true) throw new InputError("--format", "give at most one of --format and --recover");
      setExit(await commandNode(options.config, io, options.format === true ? "format" : options.recover === true ? "recover" : "refuse"));
    });

  program
    .command("keygen")
    .description("write a new ed25519 key (a 32-byte seed from the OS's randomness, as hex) to FILE with mode 0600, and print its public key; the key serves as a node's secretKeyFile (consensus) or transportKeyFile (libp2p identity)")
    .requiredOption("--out <file>", "the key file to write (refused if it exists)")
    .action((options: { out: string }) => {
      setExit(commandKeygen(options.out, io));
    });

  program
    .command("config-gen")
    .description("write one node config file per validator and client of a local network (or, with --sbcp, per shared publisher, sequencer and client)")
    .option("--validators <n>", "number of validators (required without --sbcp)")
    .option("--clients <m>", "number of workload clients (default 0; 1 with --sbcp)")
    .option("--out <dir>", "directory for the config files, keys, data and logs", "./testnet")
    .option("--host <host>", "address every node listens on and is dialled at", "127.0.0.1")
    .option("--base-port <p>", "validator i listens on P + i (default 7100; with --sbcp the SP on P, default 7300, sequencer i on P + i); `ephemeral` picks free ports now")
    .option("--metrics-base-port <p>", "metrics of node k (validators, then clients) on P + k; 0: each process picks one", "0")
    .option("--seed <s>", "names the nodes' random streams (workload choices); every key, client accounts included, is drawn at random", "1")
    .option("--block-time <d>", "minimum time between blocks, with a unit (e.g. 250ms)")
    .option("--view-timeout <d>", "view timeout, with a unit (e.g. 1s)")
    .option("--tx-per-second <r>", "workload of all clients together (default 0; 2 with --sbcp)")
    .option("--sbcp", "an SBCP network instead: one shared publisher (sp, on the base port, default 7300), --rollups sequencers (seq1.. on the next ports) and --clients clients submitting xTs and local transfers")
    .option("--rollups <n>", "with --sbcp: rollups, each with its sequencer (default 2)")
    .option("--slot-duration <d>", "with --sbcp: slot length, with a unit (default 12s)")
    .option("--scp-timeout <d>", "with --sbcp: the SCP timer, with a unit (default 3s)")
    .option("--genesis-time <iso>", "with --sbcp: start of slot 0, ISO 8601 (default: two seconds from now)")
    .option("--accounts-per-client <k>", "accounts per client (each key drawn at random, in DIR/keys/<client>.accounts)", "8")
    .option("--force", "write into an output folder that is not empty (configs, keys and the validators' data directories of the same names are replaced: a new network)")
    .action(async (options: ConfigGenOptions) => {
      setExit(await commandConfigGen(options, io));
    });
}

/**
 * Runs the node of `configPath` until SIGINT or SIGTERM.
 * @returns the exit code (0 after a clean stop)
 * @throws InputError on a bad config (the CLI prints it and exits 2)
 */
export async function commandNode(configPath: string, io: Io, emptyDataDir: "format" | "recover" | "refuse" = "refuse"): Promise<number> {
  // Loaded here, not at the top: the real-mode runtime (sockets, pino, prom-client) costs every other command its load time.
  const { parseNodeConfig, readNodeConfigJson } = await import("../runtime/node-config.js");
  const { isSbcpConfig } = await import("../runtime/sbcp-node-config.js");
  const { startControlledNode } = await import("../runtime/control-channel.js");
  const { raw, file } = readNodeConfigJson(configPath);
  // The SBCP roles (shared publisher, sequencer, client) have their own config schema.
  if (isSbcpConfig(raw)) return commandSbcpNode(raw, file, io, emptyDataDir === "format" ? "format" : "halt");
  const config = { ...parseNodeConfig(raw, dirname(file)), source: file };
  let node: Awaited<ReturnType<typeof startControlledNode>>;
  try {
    node = await startControlledNode(config, { emptyDataDir }); // startNode, plus the testnet control channel when run under `asset-sim testnet`
  } catch (error) {
    if (error instanceof InputError) throw error;
    // Not a safety verdict (exit 1, which an uncaught error would give): the node could not start.
    io.err(`${config.id}: fatal: cannot start: ${error instanceof Error ? error.message : String(error)} (exit 4)`);
    return EXIT.nodeThrew;
  }
  io.err(`${config.id}: ${config.role} running${node.port !== undefined ? ` on ${config.listen!.host}:${node.port}` : ""}${node.metricsPort !== undefined ? `, metrics http://${config.metrics.host}:${node.metricsPort}/metrics` : ""}${node.tracing !== undefined ? `, traces to ${node.tracing.destination}` : ""}`);
  const signal = await new Promise<NodeJS.Signals>((resolveSignal) => {
    const onSignal = (s: NodeJS.Signals): void => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      resolveSignal(s);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
  io.err(`${config.id}: ${signal}, stopping`);
  await node.stop();
  return EXIT.ok;
}

/**
 * Runs the SBCP node (shared publisher, sequencer or client) of a config until SIGINT or SIGTERM.
 * @param emptyDataDir what an SP whose store is missing does: `format` it (`--format`), or `halt` (taken for a lost disk)
 * @returns the exit code (0 after a clean stop, 4 when it could not start)
 * @throws InputError on a bad config (the CLI prints it and exits 2)
 */
async function commandSbcpNode(raw: unknown, file: string, io: Io, emptyDataDir: "format" | "halt"): Promise<number> {
  const { parseSbcpNodeConfig } = await import("../runtime/sbcp-node-config.js");
  const { startSbcpNode } = await import("../runtime/sbcp-node-runner.js");
  const config = { ...parseSbcpNodeConfig(raw, dirname(file)), source: file };
  let node: Awaited<ReturnType<typeof startSbcpNode>>;
  try {
    node = await startSbcpNode(config, { emptyDataDir });
  } catch (error) {
    if (error instanceof InputError) throw error;
    io.err(`${config.id}: fatal: cannot start: ${error instanceof Error ? error.message : String(error)} (exit 4)`);
    return EXIT.nodeThrew;
  }
  io.err(`${config.id}: ${config.role} running${node.port !== undefined ? ` on ${config.listen!.host}:${node.port}` : ""}`);
  const signal = await new Promise<NodeJS.Signals>((resolveSignal) => {
    const onSignal = (s: NodeJS.Signals): void => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      resolveSignal(s);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
  io.err(`${config.id}: ${signal}, stopping`);
  await node.stop();
  return EXIT.ok;
}

/**
 * `config-gen --sbcp`: the configs of one shared publisher, `--rollups` sequencers and `--clients` clients
 * (`runtime/sbcp-config-gen.ts`).
 * @returns the exit code (0)
 * @throws InputError on a bad option
 */
async function commandSbcpConfigGen(options: ConfigGenOptions, io: Io): Promise<number> {
  const { writeSbcpConfigs } = await import("../runtime/sbcp-config-gen.js");
  const rollups = intOption(options.rollups ?? "2", "--rollups", 1, 32);
  const clients = intOption(options.clients ?? "1", "--clients", 0, 1000);
  const seed = intOption(options.seed, "--seed", 0, Number.MAX_SAFE_INTEGER);
  const txPerSecond = Number(options.txPerSecond ?? "2");
  if (!(txPerSecond >= 0)) throw new InputError("--tx-per-second", `must be a number >= 0, got ${JSON.stringify(options.txPerSecond)}`);
  const slotDurationUs = durationOption(options.slotDuration, "--slot-duration") ?? 12_000_000;
  const scpTimeoutUs = durationOption(options.scpTimeout, "--scp-timeout");
  let genesisTimeUs = (Math.ceil(Date.now() / 1000) + 1) * 1_000_000; // the next whole second but one
  if (options.genesisTime !== undefined) {
    const ms = Date.parse(options.genesisTime);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(options.genesisTime) || !Number.isFinite(ms) || ms < 0) throw new InputError("--genesis-time", `must be an ISO 8601 time such as 2026-12-06T22:00:00Z, got ${JSON.stringify(options.genesisTime)}`);
    genesisTimeUs = ms * 1000;
  }
  const written = await writeSbcpConfigs({
    out: options.out,
    rollups,
    clients,
    host: options.host,
    basePort: options.basePort === "ephemeral" ? "ephemeral" : intOption(options.basePort ?? "7300", "--base-port", 1, 65535 - rollups),
    seed,
    genesisTimeUs,
    slotDurationUs,
    ...(scpTimeoutUs !== undefined ? { scpTimeoutUs } : {}),
    txPerSecond,
    force: options.force === true,
  });
  for (const w of written) io.out(w.path);
  return EXIT.ok;
}

/**
 * `keygen --out FILE`: a new key for a node's `secretKeyFile`, drawn from the
 * operating system's randomness, written with mode 0600 (its folder made with
 * 0700 when missing); prints the public key (hex) on stdout for the other
 * nodes' configs.
 * @returns the exit code (0)
 * @throws InputError when FILE exists (a key is never overwritten) or cannot be written
 */
export function commandKeygen(file: string, io: Io): number {
  const path = resolve(file);
  if (existsSync(path)) throw new InputError("--out", `${path} exists: keygen never overwrites a key`);
  const secret = randomBytes(32);
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, `${toHex(secret)}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    throw new InputError("--out", `cannot write ${path}: ${(error as Error).message}`);
  }
  io.out(toHex(createSignatureScheme("ed25519-native").keyPairFromSeed(secret).publicKey));
  return EXIT.ok;
}

/** Parses a positive integer option. */
function intOption(value: string | undefined, name: string, min: number, max: number): number {
  if (value === undefined) throw new InputError(name, "required option is missing");
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new InputError(name, `must be an integer in ${min}..${max}, got ${JSON.stringify(value)}`);
  return n;
}

function durationOption(value: string | undefined, name: string): number | undefined {
  return value === undefined ? undefined : durationOptionUs(name, value);
}

/**
 * Refuses an output folder that already holds anything unless `force`: keys of
 * an earlier network, its data and logs would mix with the new configs.
 * @throws InputError when the folder is not empty (or `out` is a file) and `force` is not set
 */
function checkConfigOutDir(out: string, force: boolean): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new InputError("--out", `${out} is a file, not a folder`);
  const entries = readdirSync(out);
  if (entries.length > 0 && !force) {
    throw new InputError("--out", `${out} is not empty (${entries.slice(0, 3).join(", ")}${entries.length > 3 ? ", ..." : ""}): choose an empty or new folder, or add --force to write into it`);
  }
}

/** Writes a file of secrets with mode 0600 (also over an old file of another mode: `mode` applies only when a file is created). */
/**
 * Creates and formats a validator's store (`FileStorage` with the format record), as TigerBeetle's `format`:
 * `asset-sim node` then tells a lost directory (empty) from a new one.
 * @param replace delete an old store first (`--force`: a new network with new keys, whose old stores mean nothing)
 * @throws InputError naming `--out` when the directory already holds a store and `replace` is not set
 */
async function formatDataDirectory(storageDir: string, replace: boolean): Promise<void> {
  if (replace) rmSync(storageDir, { recursive: true, force: true });
  // Loaded on use, as the rest of the real-mode runtime: every other command would pay its load time.
  const { FileStorage } = await import("../runtime/file-storage.js");
  const { formatValidatorStorage } = await import("../consensus/safety-store.js");
  const storage = FileStorage.open(storageDir);
  try {
    if (!storage.recovery.created) throw new InputError("--out", `${storageDir} already holds a store (add --force to replace the old network)`);
    formatValidatorStorage(storage);
  } finally {
    storage.close();
  }
}

function writeSecretFile(path: string, text: string): void {
  writeFileSync(path, text, { mode: 0o600 });
  chmodSync(path, 0o600);
}


/**
 * Writes the config files of a local network (see the file comment).
 * @returns the exit code
 * @throws InputError on a bad option
 */
export async function commandConfigGen(options: ConfigGenOptions, io: Io): Promise<number> {
  if (options.sbcp === true) {
    if (options.validators !== undefined) throw new InputError("--validators", "an SBCP network (--sbcp) has no validators: give --rollups");
    return commandSbcpConfigGen(options, io);
  }
  const { parseNodeConfig } = await import("../runtime/node-config.js"); // loaded on use, as in commandNode
  const n = intOption(options.validators, "--validators", 1, 1024);
  const m = intOption(options.clients ?? "0", "--clients", 0, 1000);
  const seed = intOption(options.seed, "--seed", 0, Number.MAX_SAFE_INTEGER);
  const txPerSecond = Number(options.txPerSecond ?? "0");
  if (!(txPerSecond >= 0)) throw new InputError("--tx-per-second", `must be a number >= 0, got ${JSON.stringify(options.txPerSecond)}`);
  const accountsPerClient = intOption(options.accountsPerClient, "--accounts-per-client", 1, 1000);
  const blockTime = durationOption(options.blockTime, "--block-time");
  const viewTimeout = durationOption(options.viewTimeout, "--view-timeout");
  const host = options.host;
  const ports = options.basePort === "ephemeral" ? await freePorts(host, n) : ((base) => Array.from({ length: n }, (_, i) => base + i))(intOption(options.basePort ?? "7100", "--base-port", 1, 65535 - n + 1));
  const metricsBase = intOption(options.metricsBasePort, "--metrics-base-port", 0, 65535 - n - m);
  const out = resolve(options.out);
  checkConfigOutDir(out, options.force === true);
  mkdirSync(join(out, "keys"), { recursive: true, mode: 0o700 });
  chmodSync(join(out, "keys"), 0o700); // an existing folder keeps its mode otherwise

  const scheme = createSignatureScheme("ed25519-native");
  const validatorIds = Array.from({ length: n }, (_, i) => `v${i}`);
  const clientIds = Array.from({ length: m }, (_, i) => `c${i}`);
  const secrets = new Map<string, Uint8Array>();
  // Each node gets a distinct transport key (its libp2p identity) beside its consensus key: a leaked transport key cannot sign votes.
  const transportSecrets = new Map<string, Uint8Array>();
  const keysOf = (id: string): { publicKey: string; transportPublicKey: string } => {
    const secret = randomBytes(32); // the operating system's randomness: never derived from the seed, which every config names
    const transportSecret = randomBytes(32);
    secrets.set(id, secret);
    transportSecrets.set(id, transportSecret);
    return { publicKey: toHex(scheme.keyPairFromSeed(secret).publicKey), transportPublicKey: toHex(scheme.keyPairFromSeed(transportSecret).publicKey) };
  };
  const validators = validatorIds.map((id, i) => ({ id, host, port: ports[i]!, ...keysOf(id) }));
  // A client's wallet: its accounts' keys, drawn at random too (the simulator derives them from the seed; real mode never does).
  const accountSecrets = new Map<string, Uint8Array[]>();
  const clients = clientIds.map((id) => {
    const accounts = Array.from({ length: accountsPerClient }, () => randomBytes(32));
    accountSecrets.set(id, accounts);
    return { id, ...keysOf(id), accounts: accounts.map((a) => toHex(scheme.keyPairFromSeed(a).publicKey)) };
  });
  const chain = {
    ...(blockTime !== undefined ? { blockTime } : {}),
    ...(viewTimeout !== undefined ? { viewTimeout } : {}),
    signatureScheme: "ed25519-native",
  };
  const files: string[] = [];
  for (const [k, id] of [...validatorIds, ...clientIds].entries()) {
    const role = k < n ? "validator" : "client";
    const keyFile = join("keys", `${id}.key`);
    const transportKeyFile = join("keys", `${id}.transport.key`);
    writeSecretFile(join(out, keyFile), `${toHex(secrets.get(id)!)}\n`);
    writeSecretFile(join(out, transportKeyFile), `${toHex(transportSecrets.get(id)!)}\n`);
    const accountKeysFile = join("keys", `${id}.accounts`);
    if (role === "client") writeSecretFile(join(out, accountKeysFile), accountSecrets.get(id)!.map((a) => `${toHex(a)}\n`).join(""));
    const config = {
      version: 1,
      id,
      role,
      seed,
      validators,
      clients,
      secretKeyFile: keyFile,
      transportKeyFile,
      ...(role === "client" ? { accountKeysFile } : {}),
      ...(role === "validator" ? { listen: { host, port: ports[k]! } } : {}),
      metrics: { host, port: metricsBase === 0 ? 0 : metricsBase + k },
      dataDir: join("data", id),
      log: { level: "info", file: join("logs", `${id}.jsonl`) },
      chain,
      workload: { txPerSecond },
    };
    const path = join(out, `${id}.json`);
    writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`);
    parseNodeConfig(config, out); // what we write must load
    // A validator's store is formatted here, when the network is created: later, an empty data directory is a lost one.
    if (role === "validator") await formatDataDirectory(join(out, "data", id, "storage"), options.force === true);
    files.push(path);
  }
  for (const file of files) io.out(file);
  return EXIT.ok;
}

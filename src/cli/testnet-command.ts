/**
 * `asset-sim testnet`: a local network of real processes on 127.0.0.1.
 *
 *   asset-sim testnet [--validators N] [--clients M] [--duration D] [--tps R]
 *                     [--seed S] [--scenario FILE] [--keep-dir]
 *   asset-sim testnet --sbcp [--rollups N] [--clients M] [--duration D] [--tps R] [--slot-duration D] [--seed S] [--keep-dir]
 *     (an SBCP network: `sbcp-testnet-command.ts`)
 *
 * Writes the configs with `config-gen` into a temp dir (free ports), starts
 * N validator and M client processes (`asset-sim node --config ...`), prints
 * progress on stderr once a second (committed height per validator, TPS,
 * latency percentiles) and a summary on stdout at the end, then stops every
 * process (SIGTERM, SIGKILL after 5 s; also on Ctrl-C and on errors).
 *
 * `--scenario FILE` (or a shipped scenario's name) takes its validator count,
 * block time, view timeout, workload (tps, clients) and duration, and applies
 * its fault actions that make sense for processes (`runtime/testnet.ts`);
 * the others are listed and skipped. Explicit options win over the scenario.
 *
 * The nodes' log lines are judged by the simulator's checkers (agreement,
 * root agreement, reorg bound, equivocation, liveness; `--scenario` gives
 * their bounds, `invariants.maxReorgDepth` and `invariants.livenessBound`);
 * the summary lists each verdict as `asset-sim run` does, and the checkers
 * real mode cannot feed, with the reason.
 *
 * Exit codes (as `run`'s): 0 every checker passed and commits progressed;
 * 1 a safety checker failed (two validators committed different blocks or
 * computed different state roots at one height, a head rolled back too far,
 * a validator equivocated); 2 bad input; 3 liveness failed (no new height
 * within the bound after the last fault) or nothing was committed.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { InputError } from "../config/errors.js";
import { parseScenarioText } from "../scenario/load.js";
import type { FaultAction, Scenario } from "../scenario/schema.js";
import type { ConfigGenerator, WrittenConfig } from "../runtime/testnet.js";
import { TESTNET_DEFAULTS } from "../runtime/testnet-defaults.js";
import type { ProgressSnapshot, TestnetSummary } from "../runtime/testnet-monitor.js";
import { formatInvariant } from "./summary.js";
import { commandConfigGen } from "./node-command.js";
import { durationOptionUs } from "./options.js";

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Options of `testnet` as commander gives them (all strings; defaults applied here, so a scenario can supply them). */
export interface TestnetCommandOptions {
  validators?: string;
  clients?: string;
  duration?: string;
  tps?: string;
  seed?: string;
  scenario?: string;
  keepDir?: boolean;
  /** Run the L1 and the batch poster too. */
  l1?: boolean;
  /** With the L1: the poster's JSON-RPC endpoint (no `l1` process is started). */
  l1Url?: string;
  /** An SBCP network instead (`sbcp-testnet-command.ts`). */
  sbcp?: boolean;
  /** With --sbcp: rollups (default 2). */
  rollups?: string;
  /** With --sbcp: slot length (default 2s). */
  slotDuration?: string;
}

/** Registers `testnet` on the program; `setExit` receives its exit code. */
export function registerTestnetCommand(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command("testnet")
    .description("run a local network of real validator and client processes on 127.0.0.1, check they agree, then stop them")
    .option("--validators <n>", `validator processes (default ${TESTNET_DEFAULTS.validators})`)
    .option("--clients <m>", `client processes (default ${TESTNET_DEFAULTS.clients})`)
    .option("--duration <d>", "how long to run (e.g. 30s; default 30s)")
    .option("--tps <r>", `transactions per second offered by all clients together (default ${TESTNET_DEFAULTS.txPerSecond})`)
    .option("--seed <s>", "names the nodes' random streams (workload choices); every key is drawn at random")
    .option("--scenario <file>", "take topology, timing, workload and fault actions from a scenario (file or shipped name)")
    .option("--keep-dir", "keep the configs, data dirs and logs (the directory is printed)")
    .option("--l1", "also run the L1 (`asset-sim l1`) and the batch poster with the operator (`asset-sim poster`); the summary checks the L1 registry against the committed roots")
    .option("--l1-url <url>", "with --l1: point the poster at this Solana JSON-RPC endpoint instead of starting `asset-sim l1`")
    .option("--sbcp", "an SBCP network instead: one shared publisher, --rollups sequencers and --clients clients (default 1) submitting xTs; prints superblocks as they are published, until Ctrl-C or --duration, then the SBCP checkers' verdicts")
    .option("--rollups <n>", "with --sbcp: rollups, each with its sequencer process (default 2)")
    .option("--slot-duration <d>", "with --sbcp: slot length (default 2s)")
    .action(async (options: TestnetCommandOptions) => {
      if (options.sbcp === true) {
        for (const flag of ["validators", "scenario", "l1", "l1Url"] as const) if (options[flag] !== undefined) throw new InputError(`--${flag === "l1Url" ? "l1-url" : flag}`, "does not apply to an SBCP testnet (--sbcp)");
        const { commandSbcpTestnet } = await import("./sbcp-testnet-command.js");
        setExit(await commandSbcpTestnet(options, io));
        return;
      }
      if (options.rollups !== undefined || options.slotDuration !== undefined) throw new InputError(options.rollups !== undefined ? "--rollups" : "--slot-duration", "needs --sbcp");
      setExit(await commandTestnet(options, io));
    });
}

/** Where the shipped scenarios live (found upwards from this file, built or not). */
function shippedScenarioDir(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "sim-scenarios"))) return join(dir, "sim-scenarios");
    dir = dirname(dir);
  }
  return undefined;
}

/**
 * Reads a scenario file, or a shipped scenario by name.
 * @throws InputError when it cannot be read or is invalid
 */
export function readScenario(pathOrName: string): Scenario {
  let path = pathOrName;
  if (!existsSync(path)) {
    const shipped = shippedScenarioDir();
    const candidate = shipped === undefined ? undefined : join(shipped, pathOrName.endsWith(".json") ? pathOrName : `${pathOrName}.json`);
    if (candidate === undefined || !existsSync(candidate)) throw new InputError("--scenario", `no such file ${JSON.stringify(pathOrName)}`);
    path = candidate;
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new InputError("--scenario", `cannot read ${path}: ${(error as Error).message}`);
  }
  return parseScenarioText(text, path);
}

/**
 * The config generator of a testnet: `config-gen` with free ports, then each
 * file adjusted for a run under the testnet: logs on stdout (the testnet
 * reads them; it keeps a copy in `DIR/logs/`), at level debug: the clients'
 * `submit` lines give the latency's start, the validators' `block`, `head`
 * and `vote` lines feed the reorg-bound and equivocation checkers.
 */
export const configGenGenerator: ConfigGenerator = async (request) => {
  const written: string[] = [];
  const code = await commandConfigGen(
    {
      validators: String(request.validators),
      clients: String(request.clients),
      out: request.dir,
      host: "127.0.0.1",
      basePort: "ephemeral",
      metricsBasePort: "0",
      seed: String(request.seed),
      blockTime: `${request.blockTimeUs}us`,
      viewTimeout: `${request.viewTimeoutUs}us`,
      txPerSecond: String(request.txPerSecond),
      accountsPerClient: "8",
      force: true, // the testnet's own folder
    },
    { out: (line) => written.push(line.trim()), err: () => {} },
  );
  if (code !== 0) throw new Error(`config-gen exited ${code}`);
  const { editJsonFile } = await import("../runtime/testnet.js");
  const configs: WrittenConfig[] = [];
  for (const configPath of written.filter((line) => line.endsWith(".json"))) {
    let name = "";
    let role: WrittenConfig["role"] = "validator";
    editJsonFile(configPath, (config) => {
      name = String(config.id);
      role = config.role === "client" ? "client" : "validator";
      config.log = { level: "debug" };
    });
    configs.push({ name, role, configPath });
  }
  return configs;
};

function positiveInt(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new InputError(name, `must be an integer in ${min}..${max}, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * Runs `asset-sim testnet`.
 * @returns the exit code (0, 1 or 3)
 * @throws InputError on a bad option or scenario (the CLI exits 2)
 */
export async function commandTestnet(options: TestnetCommandOptions, io: Io): Promise<number> {
  // Loaded here, not at the top: the testnet's processes, logging and metrics cost every other command its load time.
  const { describeFault, runTestnet, unsupportedActions } = await import("../runtime/testnet.js");
  const scenario = options.scenario === undefined ? undefined : readScenario(options.scenario);
  const validators = positiveInt(options.validators, "--validators", scenario?.validators.count ?? TESTNET_DEFAULTS.validators, 1, 64);
  const clients = positiveInt(options.clients, "--clients", scenario?.workload.clients ?? TESTNET_DEFAULTS.clients, 0, 64);
  const seed = positiveInt(options.seed, "--seed", scenario?.seed ?? TESTNET_DEFAULTS.seed, 0, Number.MAX_SAFE_INTEGER);
  let txPerSecond = scenario?.workload.txPerSecond ?? TESTNET_DEFAULTS.txPerSecond;
  if (options.tps !== undefined) {
    txPerSecond = Number(options.tps);
    if (!(txPerSecond >= 0 && txPerSecond <= 1_000_000)) throw new InputError("--tps", `must be a number in 0..1000000, got ${JSON.stringify(options.tps)}`);
  }
  let durationUs = scenario?.duration ?? TESTNET_DEFAULTS.durationMs * 1000;
  if (options.duration !== undefined) {
    durationUs = durationOptionUs("--duration", options.duration, 1_000_000);
  }

  if (options.l1Url !== undefined && options.l1 !== true) throw new InputError("--l1-url", "needs --l1");
  let l1Url: string | undefined;
  if (options.l1Url !== undefined) {
    try {
      const url = new URL(options.l1Url);
      if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("not http");
      l1Url = url.toString().replace(/\/$/, "");
    } catch {
      throw new InputError("--l1-url", `${JSON.stringify(options.l1Url)} is not an http(s) URL`);
    }
  }

  const faults: FaultAction[] = [];
  if (scenario !== undefined) {
    // With --l1 the poster is a process too (crash and restart it: it resumes from the chain); the L1 keeps its chain in memory and is not one to crash.
    const names = new Set([...Array.from({ length: validators }, (_, i) => `v${i}`), ...Array.from({ length: clients }, (_, i) => `c${i}`), ...(options.l1 === true ? ["poster"] : [])]);
    const unsupported = new Map(unsupportedActions(scenario.faults).map((u) => [u.index, u.reason]));
    scenario.faults.forEach((fault, index) => {
      const reason = unsupported.get(index) ?? unknownNodeReason(fault, names) ?? (fault.at >= durationUs ? "after the end of the run" : undefined);
      if (reason !== undefined) io.err(`warning: skipping faults[${index}] at ${fault.at / 1e6}s (${describeFault(fault)}): ${reason}`);
      else faults.push(fault);
    });
    if (scenario.l1.enabled && options.l1 !== true) io.err("note: the scenario's l1 section and operations are ignored (add --l1 to run the L1 and the batch poster)");
    else if (scenario.l1.enabled) io.err("note: the scenario's l1 faults and operations are simulator-only; the testnet's L1 runs without them");
    if (scenario.byzantine.length > 0) io.err("warning: byzantine behaviours are simulator-only; every testnet validator is honest");
    if (scenario.validators.signatureScheme === "sim") io.err("note: the sim signature scheme is simulator-only; the testnet signs with ed25519-native");
  }

  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    io.err(`${signal}: stopping the testnet`);
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  io.err(
    `testnet: ${validators} validators, ${clients} client${clients === 1 ? "" : "s"}, ${txPerSecond} tx/s offered, ${durationUs / 1e6} s${scenario !== undefined ? `, scenario ${scenario.name} (${faults.length} fault action${faults.length === 1 ? "" : "s"})` : ""}`,
  );
  try {
    const outcome = await runTestnet(
      {
        validators,
        clients,
        txPerSecond,
        seed,
        ...(scenario !== undefined
          ? {
              blockTimeUs: scenario.validators.blockTime,
              viewTimeoutUs: scenario.validators.viewTimeout,
              invariants: { maxReorgDepth: scenario.invariants.maxReorgDepth, livenessBoundUs: scenario.invariants.livenessBound },
            }
          : {}),
        durationMs: durationUs / 1000,
        faults,
        ...(options.l1 === true ? { l1: true } : {}),
        ...(l1Url !== undefined ? { l1Url } : {}),
        keepDir: options.keepDir === true,
        note: (text) => io.err(text),
        onProgress: (snapshot) => io.err(formatProgress(snapshot)),
        signal: controller.signal,
      },
      configGenGenerator,
    );
    io.out(formatTestnetSummary(outcome.summary, validators));
    if (options.keepDir === true) io.err(`kept ${outcome.dir} (configs, data/, logs/<node>.jsonl)`);
    return outcome.exitCode;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

function unknownNodeReason(fault: FaultAction, names: ReadonlySet<string>): string | undefined {
  const named: string[] = [];
  if ("node" in fault) named.push(fault.node);
  if (fault.action === "partition") named.push(...fault.groups.flat());
  const unknown = named.filter((n) => !names.has(n));
  return unknown.length > 0 ? `names ${unknown.join(", ")}, not a process of this testnet` : undefined;
}

function ms(value: number | null): string {
  return value === null ? "-" : `${Math.round(value)}ms`;
}

/** One progress line: elapsed time, heights, TPS (last second and overall), latency percentiles. */
export function formatProgress(s: ProgressSnapshot): string {
  const heights = Object.entries(s.heights)
    .map(([node, h]) => `${node}=${h}`)
    .join(" ");
  return `[${s.elapsedS.toFixed(0).padStart(4)}s] heights ${heights} | ${s.windowTps.toFixed(1)} tx/s (avg ${s.overallTps.toFixed(1)}) | latency p50 ${ms(s.latencyMs.p50)} p95 ${ms(s.latencyMs.p95)} p99 ${ms(s.latencyMs.p99)}`;
}

/** The end-of-run summary (stdout): the figures, each checker's verdict (as `run`'s summary), the checkers not run, the verdict. */
export function formatTestnetSummary(s: TestnetSummary, validators: number): string {
  const heights = Object.entries(s.heights)
    .map(([node, h]) => `${node}=${h}`)
    .join(" ");
  const lines = [
    `testnet: ${validators} validators, ran ${s.durationS.toFixed(1)} s`,
    `commits ${s.commits} (${heights}), restarts ${s.restarts}`,
    `transactions submitted ${s.transactionsSubmitted}, committed ${s.transactionsCommitted} (${s.committedTps} tx/s over the run; ${s.committedTpsSinceFirstCommit} tx/s from the first commit at ${s.firstCommitS ?? "-"} s)`,
    `latency p50 ${ms(s.latencyMs.p50)} p95 ${ms(s.latencyMs.p95)} p99 ${ms(s.latencyMs.p99)} (${s.latencySamples} transactions, client submit to first commit)`,
    "invariants (times since the testnet started):",
    ...s.invariants.map(formatInvariant),
    ...s.notJudged.map((n) => `  ${"-".padEnd(4)} ${n.name.padEnd(16)} not run on real processes: ${n.reason}`),
  ];
  if (s.violation !== undefined) lines.push(`VIOLATION ${s.violation.invariant} at ${seconds(s.violation.atUs)}: ${s.violation.message}`);
  const safetyFailed = s.invariants.some((r) => r.kind === "safety" && !r.ok);
  const livenessFailed = s.invariants.some((r) => r.kind === "liveness" && !r.ok);
  lines.push(safetyFailed ? "verdict: SAFETY VIOLATION" : livenessFailed ? "verdict: LIVENESS MISSED" : s.progressed ? "verdict: ok" : "verdict: NO PROGRESS (nothing committed)");
  return lines.join("\n");
}

function seconds(us: number): string {
  return `${(us / 1e6).toFixed(3)}s`;
}

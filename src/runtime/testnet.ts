/**
 * A local testnet of real processes: N validator processes and M client
 * processes (`asset-sim node --config FILE` each) on 127.0.0.1, their JSON
 * log lines read and judged by a {@link TestnetMonitor} (the simulator's
 * checkers, fed the lines as observations), and scenario fault actions
 * applied to the processes on the real clock (each one also told to the
 * monitor: liveness is judged from the last).
 *
 * Process hygiene (no orphans): every child is spawned with a piped stdin and
 * `ASSET_SIM_CONTROL=stdin`, so a child whose parent dies (even by SIGKILL)
 * sees its stdin end and shuts down (`control-channel.ts`); {@link Testnet.stop}
 * sends SIGTERM, then SIGKILL after `stopTimeoutMs`; and an `exit` hook of
 * this process SIGKILLs any child still alive when it exits for any reason.
 *
 * Fault actions that make sense for processes (each kind's `real` part in the fault catalog):
 * - `crash`: SIGKILL (no clean shutdown: unsynced writes may be lost, as a
 *   simulated crash loses them);
 * - `restart`: the same command on the same config and data dir (the node
 *   recovers from its files and catches up from its peers); partitions in
 *   force are re-applied to the new process;
 * - `partition`, `isolate` (direction `both`), `heal`: control commands on
 *   the processes' stdin that make their transports drop the named peers'
 *   frames, both ways;
 * - `pause`: SIGSTOP, then SIGCONT after `duration`.
 * Every other action (one-way cuts, clogs, storage, clock and L1 faults) is
 * listed by {@link unsupportedActions} and skipped.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, type WriteStream } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { RealStep } from "../harness/fault-kind.js";
import { isTimed } from "../harness/triggers.js";
import type { FaultAction } from "../scenario/schema.js";
import { BUILTIN_SYSTEMS } from "../systems/index.js";
import { CONTROL_ENV, encodeControlCommand, type ControlCommand } from "./control-channel.js";
import { toHex } from "../crypto/hash.js";
import { createSignatureScheme } from "../crypto/schemes.js";
import type { L1RegistryEntry } from "./l1-registry-check.js";
import { TestnetMonitor, testnetExitCode, type CheckerSettings, type ProgressSnapshot, type TestnetSummary } from "./testnet-monitor.js";

import { TESTNET_DEFAULTS } from "./testnet-defaults.js";

/** Defaults of {@link TestnetOptions} (kept in `testnet-defaults.ts`, which the CLI reads without loading this module). */
export { TESTNET_DEFAULTS };

/** Options of a testnet. Times in the names' units. */
export interface TestnetOptions {
  /** Validator processes (v0..v{n-1}); default 4. */
  readonly validators?: number;
  /** Client processes (c0..c{m-1}); default 1. */
  readonly clients?: number;
  /** Submissions per second of the whole network (split over the clients); default 500. */
  readonly txPerSecond?: number;
  /** Names the nodes' random streams (workload choices; every key is drawn at random by config-gen); default 1. */
  readonly seed?: number;
  /** Block time and view timeout of the chain, microseconds; defaults 250 ms and 1 s. */
  readonly blockTimeUs?: number;
  readonly viewTimeoutUs?: number;
  /** Grace period between SIGTERM and SIGKILL at stop, milliseconds; default 5000. */
  readonly stopTimeoutMs?: number;
  /** Where to write configs, data and logs; default a fresh temp dir (removed by `stop` unless `keepDir`). */
  readonly dir?: string;
  /** Keep the directory after `stop`. */
  readonly keepDir?: boolean;
  /** The CLI entry script to spawn (default: this package's `bin/asset-sim.js`). */
  readonly entry?: string;
  /** Receives warnings and process events (exits, restarts, faults, the first safety violation), one line each. */
  readonly note?: (text: string) => void;
  /** The checkers' bounds (a scenario's `invariants`); defaults: maxReorgDepth 2, livenessBoundUs 5 s. */
  readonly invariants?: Partial<Omit<CheckerSettings, "validators">>;
  /**
   * Also run the L1 (`asset-sim l1`, a process named `l1`) and the batch
   * poster with the operator (`asset-sim poster`, a process named `poster`,
   * a peer the validators accept); the summary then judges the L1 registry
   * against the committed roots (`l1-registry-agreement`). Default false.
   */
  readonly l1?: boolean;
  /** With `l1`: the poster's JSON-RPC endpoint; given, no `l1` process is started (any Solana RPC where the program is deployed). */
  readonly l1Url?: string;
  /** With `l1` and no `l1Url`: the L1's slot length, microseconds (default 100 ms). */
  readonly l1SlotUs?: number;
}

/** One node process of the testnet. */
interface NodeProcess {
  readonly name: string;
  readonly role: "validator" | "client" | "l1" | "poster";
  /** The CLI arguments after the entry script (`node --config FILE`, `l1 ...`, `poster ...`). */
  readonly args: readonly string[];
  readonly configPath: string;
  child: ChildProcess | undefined;
  /** Resolves when the current child has exited. */
  exited: Promise<void>;
  /** True when we killed it on purpose (crash or stop); an exit otherwise is reported. */
  expectingExit: boolean;
  boots: number;
  log: WriteStream;
  stderrTail: string[];
  metricsPort: number | undefined;
  /** The `l1` process's JSON-RPC URL, from its start line. */
  rpcUrl?: string;
}

/** Every live testnet's children, killed by the `exit` hook. */
const LIVE_CHILDREN = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of LIVE_CHILDREN) {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
    }
  });
}

/** The package root (holds package.json and bin/), found upwards from this file, built or not. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "bin"))) return dir;
    dir = dirname(dir);
  }
  return resolve(".");
}

/** The default CLI entry: `bin/asset-sim.js` of this package (it runs the built `dist/`). */
export function defaultEntry(): string {
  return join(packageRoot(), "bin", "asset-sim.js");
}

/**
 * Fault actions of `scenario` a testnet cannot apply to processes, with the
 * reason: each kind's `real` part in the fault catalog says it (an action
 * fired by a view or an event is also left out: the testnet schedules by time).
 */
export function unsupportedActions(faults: readonly FaultAction[]): { index: number; action: string; reason: string }[] {
  const out: { index: number; action: string; reason: string }[] = [];
  faults.forEach((f, index) => {
    if (!isTimed(f)) return void out.push({ index, action: f.action, reason: "a testnet fires faults at times only, not at views or events" });
    const steps = BUILTIN_SYSTEMS.catalog.kindOf(f).real(f);
    if ("unsupported" in steps) out.push({ index, action: f.action, reason: steps.unsupported });
  });
  return out;
}

/**
 * A running testnet. Build it with {@link Testnet.start}; always call
 * {@link Testnet.stop} (in a `finally`), which never throws.
 */
export class Testnet {
  readonly dir: string;
  readonly monitor: TestnetMonitor;
  readonly validatorNames: readonly string[];
  readonly clientNames: readonly string[];
  /** Wall time (ms) of the start. */
  readonly startMs: number;
  private readonly nodes = new Map<string, NodeProcess>();
  /** Blocked pairs in force, `a|b` with a < b (partitions are symmetric). */
  private readonly blockedPairs = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private readonly ownsDir: boolean;
  /** The poster's L1 endpoint (runs with the L1 only). */
  private l1UrlInUse: string | undefined;

  private constructor(
    private readonly options: TestnetOptions & { readonly entry: string; readonly stopTimeoutMs: number },
    dir: string,
    ownsDir: boolean,
    validatorNames: string[],
    clientNames: string[],
  ) {
    this.dir = dir;
    this.ownsDir = ownsDir;
    this.validatorNames = validatorNames;
    this.clientNames = clientNames;
    this.startMs = Date.now();
    this.monitor = new TestnetMonitor(validatorNames, this.startMs, options.invariants);
  }

  /**
   * Writes the configs (`generate` produces one JSON config per node; see
   * `configs` below), spawns every node, and returns once all are spawned.
   * @param generate writes the network's config files into `dir` and returns their paths by node name
   * @throws Error when a process cannot be spawned (every started child is stopped first)
   */
  static async start(options: TestnetOptions, generate: ConfigGenerator): Promise<Testnet> {
    installExitHook();
    const validators = options.validators ?? TESTNET_DEFAULTS.validators;
    const clients = options.clients ?? TESTNET_DEFAULTS.clients;
    if (!Number.isInteger(validators) || validators < 1) throw new RangeError(`validators must be a positive integer, got ${validators}`);
    if (!Number.isInteger(clients) || clients < 0) throw new RangeError(`clients must be a non-negative integer, got ${clients}`);
    const ownsDir = options.dir === undefined;
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), "asset-sim-testnet-"));
    mkdirSync(join(dir, "logs"), { recursive: true });
    const configs = await generate({
      dir,
      validators,
      clients,
      seed: options.seed ?? TESTNET_DEFAULTS.seed,
      txPerSecond: options.txPerSecond ?? TESTNET_DEFAULTS.txPerSecond,
      blockTimeUs: options.blockTimeUs ?? TESTNET_DEFAULTS.blockTimeUs,
      viewTimeoutUs: options.viewTimeoutUs ?? TESTNET_DEFAULTS.viewTimeoutUs,
    });
    const validatorNames = configs.filter((c) => c.role === "validator").map((c) => c.name);
    const clientNames = configs.filter((c) => c.role === "client").map((c) => c.name);
    const testnet = new Testnet(
      { ...options, entry: options.entry ?? defaultEntry(), stopTimeoutMs: options.stopTimeoutMs ?? TESTNET_DEFAULTS.stopTimeoutMs },
      dir,
      ownsDir,
      validatorNames,
      clientNames,
    );
    try {
      const withL1 = options.l1 === true;
      const seed = options.seed ?? TESTNET_DEFAULTS.seed;
      const posterConfigPath = withL1 ? writePosterConfig(dir, configs) : undefined;
      if (withL1 && options.l1Url === undefined) {
        const slotMs = Math.max(1, Math.round((options.l1SlotUs ?? 100_000) / 1000));
        testnet.addProcess("l1", "l1", ["l1", "--port", "0", "--seed", String(seed), "--slot-time", `${slotMs}ms`, "--finalization-depth", "8"], "");
        const l1 = testnet.need("l1");
        const up = await testnet.waitFor(() => l1.rpcUrl !== undefined || l1.child === undefined, 30_000);
        if (!up || l1.rpcUrl === undefined) throw new Error(`the L1 did not start: ${l1.stderrTail.slice(-5).join(" | ")}`);
        testnet.l1UrlInUse = l1.rpcUrl;
      } else if (withL1) {
        testnet.l1UrlInUse = options.l1Url;
      }
      // Validators first, so the clients find someone listening.
      for (const config of [...configs.filter((c) => c.role === "validator"), ...configs.filter((c) => c.role === "client")]) {
        testnet.nodes.set(config.name, {
          name: config.name,
          role: config.role,
          args: ["node", "--config", config.configPath],
          configPath: config.configPath,
          child: undefined,
          exited: Promise.resolve(),
          expectingExit: false,
          boots: 0,
          log: createWriteStream(join(dir, "logs", `${config.name}.jsonl`), { flags: "a" }),
          stderrTail: [],
          metricsPort: undefined,
        });
        testnet.spawnNode(config.name);
      }
      if (posterConfigPath !== undefined) testnet.addProcess("poster", "poster", ["poster", "--config", posterConfigPath, "--l1-url", testnet.l1UrlInUse!], posterConfigPath);
    } catch (error) {
      await testnet.stop();
      throw error;
    }
    return testnet;
  }

  /** The L1 endpoint the poster uses (undefined without the L1). */
  get l1Url(): string | undefined {
    return this.l1UrlInUse;
  }

  /**
   * The L1 registry as finalized now, read over JSON-RPC: every entry up to
   * the config's `last_batch_height`, in height order; `{ error }` when it
   * cannot be read. An uninitialized program reads as no entry.
   */
  async readL1Registry(): Promise<L1RegistryEntry[] | { error: string }> {
    const url = this.l1UrlInUse;
    if (url === undefined) return { error: "this testnet runs no L1" };
    try {
      const { web3 } = await import("../l1/solana-modules.js");
      const { configAddress, registryPageAddress, ROOTS_PER_PAGE } = await import("../l1/rollup-program.js");
      const { decodeRollupConfig, decodeRootRegistry } = await import("../l1/rollup-accounts.js");
      const { toHex } = await import("../crypto/hash.js");
      const connection = new (web3().Connection)(url, { commitment: "finalized", disableRetryOnRateLimit: true });
      const config = await connection.getAccountInfo(configAddress(), "finalized");
      if (config === null) return [];
      const last = Number(decodeRollupConfig(new Uint8Array(config.data)).lastBatchHeight);
      const pages = Math.ceil(last / ROOTS_PER_PAGE);
      const accounts = pages === 0 ? [] : await connection.getMultipleAccountsInfo(Array.from({ length: pages }, (_, p) => registryPageAddress(p)), "finalized");
      const entries: L1RegistryEntry[] = [];
      for (const account of accounts) {
        if (account === null) break;
        for (const e of decodeRootRegistry(new Uint8Array(account.data)).entries) {
          if (Number(e.height) <= last) entries.push({ height: Number(e.height), rootHex: toHex(e.root) });
        }
      }
      return entries;
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Node names that are running now. */
  running(): string[] {
    return [...this.nodes.values()].filter((n) => n.child !== undefined).map((n) => n.name);
  }

  /** The metrics port a node printed at start (undefined until it did). */
  metricsPortOf(node: string): number | undefined {
    return this.nodes.get(node)?.metricsPort;
  }

  /** Last stderr lines of a node (for error reports). */
  stderrOf(node: string): readonly string[] {
    return this.nodes.get(node)?.stderrTail ?? [];
  }

  /**
   * Kills `node` with SIGKILL and waits for it to exit (a crash: no clean
   * shutdown). A no-op when it is not running.
   */
  async crash(node: string): Promise<void> {
    const n = this.need(node);
    if (n.child === undefined) return;
    n.expectingExit = true;
    this.monitor.faultApplied({ action: "crash", node }, Date.now());
    n.child.kill("SIGKILL");
    await n.exited;
  }

  /**
   * Starts `node` again on its config and data dir (it must not be running:
   * crash it first), and re-applies the partitions in force to it.
   */
  restart(node: string): void {
    const n = this.need(node);
    if (n.child !== undefined) throw new Error(`restart ${node}: it is running (crash it first)`);
    this.monitor.faultApplied({ action: "restart", node }, Date.now());
    this.spawnNode(node);
    const peers = this.blockedPeersOf(node);
    if (peers.length > 0) this.control(node, { cmd: "block", peers });
  }

  /** Cuts every link between nodes of different groups (both ways); nodes in no group are untouched. */
  partition(groups: readonly (readonly string[])[]): void {
    for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) {
        for (const a of groups[i]!) for (const b of groups[j]!) this.blockPair(a, b);
      }
    }
    this.monitor.faultApplied({ action: "partition" }, Date.now());
    this.pushBlocks();
  }

  /** Cuts `node` off from every other node (both ways). */
  isolate(node: string): void {
    for (const other of this.nodes.keys()) if (other !== node) this.blockPair(node, other);
    this.monitor.faultApplied({ action: "isolate", node }, Date.now());
    this.pushBlocks();
  }

  /** Removes every partition. */
  heal(): void {
    this.blockedPairs.clear();
    this.monitor.faultApplied({ action: "heal" }, Date.now());
    for (const name of this.running()) this.control(name, { cmd: "unblock-all" });
  }

  /** Stops `node` with SIGSTOP for `durationMs`, then SIGCONT (a pause: the process keeps its state). */
  pause(node: string, durationMs: number): void {
    const n = this.need(node);
    const child = n.child;
    if (child === undefined) return;
    this.monitor.faultApplied({ action: "pause", node, durationUs: durationMs * 1000 }, Date.now());
    child.kill("SIGSTOP");
    this.later(durationMs, () => {
      if (n.child === child) child.kill("SIGCONT");
    });
  }

  /**
   * Schedules the scenario's supported fault actions at their `at` times
   * (microseconds after the start) on the real clock; unsupported ones are
   * skipped (the caller lists them with {@link unsupportedActions}).
   */
  schedule(faults: readonly FaultAction[]): void {
    const skipped = new Set(unsupportedActions(faults).map((u) => u.index));
    faults.forEach((fault, index) => {
      if (skipped.has(index)) return;
      const delayMs = Math.max(0, this.startMs + fault.at / 1000 - Date.now());
      this.later(delayMs, () => {
        this.note(`fault at ${(fault.at / 1e6).toFixed(1)}s: ${describeFault(fault)}`);
        this.apply(fault).catch((error: unknown) => this.note(`fault ${fault.action} failed: ${(error as Error).message}`));
      });
    });
  }

  /** Applies one fault action now: the control steps its kind's `real` part gives (see the fault catalog). */
  async apply(fault: FaultAction): Promise<void> {
    const steps = BUILTIN_SYSTEMS.catalog.kindOf(fault).real(fault);
    if ("unsupported" in steps) return void this.note(`skipped ${fault.action}: ${steps.unsupported}`);
    for (const step of steps) await this.applyStep(step);
  }

  /** Applies one control step of real mode. */
  private async applyStep(step: RealStep): Promise<void> {
    switch (step.op) {
      case "crash":
        return this.crash(step.node);
      case "restart":
        return this.restart(step.node);
      case "partition":
        return this.partition(step.groups);
      case "isolate":
        return this.isolate(step.node);
      case "heal":
        return this.heal();
      case "pause":
        return this.pause(step.node, step.durationUs / 1000);
    }
  }

  /** A progress snapshot now. */
  snapshot(): ProgressSnapshot {
    return this.monitor.snapshot(Date.now());
  }

  /** The summary now. */
  summary(): TestnetSummary {
    return this.monitor.summary(Date.now());
  }

  /**
   * Waits until `predicate` holds (checked every 100 ms) or `timeoutMs` passes.
   * @returns whether it held
   */
  async waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (predicate()) return true;
      await sleep(100);
    }
    return predicate();
  }

  /**
   * Stops every process: SIGTERM, then SIGKILL after `stopTimeoutMs`; cancels
   * scheduled faults; closes the log files; removes the directory unless
   * `keepDir` (or the caller gave it). Never throws; safe to call twice.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all(
      [...this.nodes.values()].map(async (n) => {
        const child = n.child;
        if (child === undefined) return;
        n.expectingExit = true;
        try {
          child.kill("SIGCONT"); // a paused process cannot handle SIGTERM
          child.kill("SIGTERM");
        } catch {
          // already gone
        }
        const killTimer = setTimeout(() => {
          this.note(`${n.name} did not stop within ${this.options.stopTimeoutMs}ms of SIGTERM: SIGKILL`);
          try {
            child.kill("SIGKILL");
          } catch {
            // already gone
          }
        }, this.options.stopTimeoutMs);
        await n.exited;
        clearTimeout(killTimer);
      }),
    );
    await Promise.all([...this.nodes.values()].map((n) => new Promise<void>((r) => n.log.end(() => r()))));
    if (this.ownsDir && this.options.keepDir !== true) {
      try {
        rmSync(this.dir, { recursive: true, force: true });
      } catch (error) {
        this.note(`could not remove ${this.dir}: ${(error as Error).message}`);
      }
    }
  }

  /** Registers and spawns a process that is not a validator or client (the L1, the poster). */
  private addProcess(name: string, role: "l1" | "poster", args: readonly string[], configPath: string): void {
    this.nodes.set(name, {
      name,
      role,
      args,
      configPath,
      child: undefined,
      exited: Promise.resolve(),
      expectingExit: false,
      boots: 0,
      log: createWriteStream(join(this.dir, "logs", `${name}.jsonl`), { flags: "a" }),
      stderrTail: [],
      metricsPort: undefined,
    });
    this.spawnNode(name);
  }

  private spawnNode(name: string): void {
    const n = this.need(name);
    const child = spawn(process.execPath, [this.options.entry, ...n.args], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, [CONTROL_ENV.name]: CONTROL_ENV.value },
    });
    n.child = child;
    n.expectingExit = false;
    n.boots++;
    LIVE_CHILDREN.add(child);
    n.exited = new Promise<void>((resolveExit) => {
      child.once("exit", (code, signal) => {
        LIVE_CHILDREN.delete(child);
        if (n.child === child) n.child = undefined;
        if (!n.expectingExit && !this.stopped) {
          const tail = n.stderrTail.slice(-5).join("\n  ");
          this.note(`${name} exited unexpectedly (${signal ?? `code ${code}`})${tail === "" ? "" : `:\n  ${tail}`}`);
        }
        resolveExit();
      });
      child.once("error", (error) => {
        this.note(`${name}: ${error.message}`);
        LIVE_CHILDREN.delete(child);
        if (n.child === child) n.child = undefined;
        resolveExit();
      });
    });
    // A write to a process that just died must not crash the testnet.
    child.stdin?.on("error", () => {});
    const lines = createInterface({ input: child.stdout!, crlfDelay: Infinity });
    lines.on("line", (line) => {
      n.log.write(`${line}\n`);
      this.onLine(n, line);
    });
    const errLines = createInterface({ input: child.stderr!, crlfDelay: Infinity });
    errLines.on("line", (line) => {
      n.stderrTail.push(line);
      if (n.stderrTail.length > 50) n.stderrTail.shift();
      const rpc = n.role === "l1" && n.rpcUrl === undefined ? /JSON-RPC on (http:\/\/[^\s]+)/.exec(line) : null;
      if (rpc !== null) n.rpcUrl = rpc[1];
      this.parseMetricsPort(n, line);
    });
  }

  private onLine(n: NodeProcess, line: string): void {
    if (!line.startsWith("{")) {
      this.parseMetricsPort(n, line);
      return;
    }
    let fields: unknown;
    try {
      fields = JSON.parse(line);
    } catch {
      return;
    }
    if (typeof fields !== "object" || fields === null) return;
    const record = fields as Record<string, unknown>;
    if (n.metricsPort === undefined && typeof record.metricsPort === "number") n.metricsPort = record.metricsPort;
    if (n.metricsPort === undefined && typeof record.port === "number" && typeof record.event === "string" && /metrics/.test(record.event)) n.metricsPort = record.port;
    const violation = this.monitor.observe(n.name, record, Date.now());
    if (violation !== undefined) this.note(`VIOLATION ${violation.invariant} at ${(violation.atUs / 1e6).toFixed(3)}s: ${violation.message}`);
  }

  private parseMetricsPort(n: NodeProcess, line: string): void {
    if (n.metricsPort !== undefined) return;
    const match = /metrics[^0-9]*(?:127\.0\.0\.1:|port\s*)(\d{2,5})/i.exec(line);
    if (match !== null) n.metricsPort = Number(match[1]);
  }

  private control(node: string, command: ControlCommand): void {
    const child = this.nodes.get(node)?.child;
    if (child?.stdin === null || child?.stdin === undefined || child.stdin.destroyed) return;
    child.stdin.write(encodeControlCommand(command));
  }

  private blockPair(a: string, b: string): void {
    if (a === b) return;
    this.need(a);
    this.need(b);
    this.blockedPairs.add(a < b ? `${a}|${b}` : `${b}|${a}`);
  }

  private blockedPeersOf(node: string): string[] {
    const peers: string[] = [];
    for (const pair of this.blockedPairs) {
      const [a, b] = pair.split("|") as [string, string];
      if (a === node) peers.push(b);
      else if (b === node) peers.push(a);
    }
    return peers;
  }

  private pushBlocks(): void {
    for (const name of this.running()) {
      const peers = this.blockedPeersOf(name);
      if (peers.length > 0) this.control(name, { cmd: "block", peers });
    }
  }

  private later(delayMs: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopped) action();
    }, delayMs);
    this.timers.add(timer);
  }

  private need(node: string): NodeProcess {
    const n = this.nodes.get(node);
    if (n === undefined) throw new Error(`unknown node ${JSON.stringify(node)} (nodes: ${[...this.nodes.keys()].join(", ")})`);
    return n;
  }

  private note(text: string): void {
    this.options.note?.(text);
  }
}

/** What a {@link ConfigGenerator} is asked to write (validators listen on free ports of 127.0.0.1). Times in microseconds. */
export interface ConfigRequest {
  readonly dir: string;
  readonly validators: number;
  readonly clients: number;
  readonly seed: number;
  readonly txPerSecond: number;
  readonly blockTimeUs: number;
  readonly viewTimeoutUs: number;
}

/** A written config: the node's name, role and file. */
export interface WrittenConfig {
  readonly name: string;
  readonly role: "validator" | "client";
  readonly configPath: string;
}

/** Writes the config files of a network (the testnet's adapter to `config-gen`). */
export type ConfigGenerator = (request: ConfigRequest) => Promise<WrittenConfig[]> | WrittenConfig[];

/**
 * Rewrites one JSON config file in place with `edit` (used to set the
 * testnet's ports, chain timing, workload and log level on generated configs).
 */
export function editJsonFile(path: string, edit: (config: Record<string, unknown>) => void): void {
  const config = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
  edit(config);
  writeFileSync(path, `${JSON.stringify(config, null, 2)}\n`);
}

/** A one-line description of a fault action (the catalog's, as the simulator writes it). */
export function describeFault(fault: FaultAction): string {
  return BUILTIN_SYSTEMS.catalog.kindOf(fault).describe(fault, new Map());
}

/** The overall outcome of {@link runTestnet}. */
export interface TestnetOutcome {
  readonly summary: TestnetSummary;
  /** As `asset-sim run`'s: 0 ok, 1 a safety checker failed, 3 liveness failed or nothing was committed (`testnetExitCode`). */
  readonly exitCode: number;
  readonly dir: string;
}

/** Options of {@link runTestnet}. */
export interface RunTestnetOptions extends TestnetOptions {
  /** How long the network runs, milliseconds (default 30 s). */
  readonly durationMs?: number;
  /** Fault actions to apply (a scenario's `faults`). */
  readonly faults?: readonly FaultAction[];
  /** Called with a snapshot every `progressIntervalMs` (default 1 s). */
  readonly onProgress?: (snapshot: ProgressSnapshot) => void;
  readonly progressIntervalMs?: number;
  /** Aborting it ends the run early (Ctrl-C); the summary is still produced. */
  readonly signal?: AbortSignal;
}

/**
 * Starts a testnet, runs it for `durationMs` (or until `signal` aborts),
 * applies `faults`, stops every process and returns the summary and exit code.
 * The processes are stopped on every path, errors included.
 */
export async function runTestnet(options: RunTestnetOptions, generate: ConfigGenerator): Promise<TestnetOutcome> {
  const testnet = await Testnet.start(options, generate);
  let progressTimer: NodeJS.Timeout | undefined;
  try {
    if (options.faults !== undefined) testnet.schedule(options.faults);
    if (options.onProgress !== undefined) {
      const onProgress = options.onProgress;
      progressTimer = setInterval(() => onProgress(testnet.snapshot()), options.progressIntervalMs ?? TESTNET_DEFAULTS.progressIntervalMs);
    }
    await sleep(options.durationMs ?? TESTNET_DEFAULTS.durationMs, options.signal);
    if (testnet.l1Url !== undefined) testnet.monitor.judgeL1Registry(await testnet.readL1Registry(), Date.now());
    const summary = testnet.summary();
    return { summary, exitCode: testnetExitCode(summary), dir: testnet.dir };
  } finally {
    if (progressTimer !== undefined) clearInterval(progressTimer);
    await testnet.stop();
  }
}

/** Resolves after `ms`, or early when `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolveSleep) => {
    if (signal?.aborted === true) return resolveSleep();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolveSleep();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** The poster's name in a testnet with the L1. */
export const POSTER_NAME = "poster";

/**
 * Writes the poster's node config (role `poster`, a fresh key in
 * `keys/poster.key`) next to the generated ones, and lists the poster in
 * every config's `posters` so the validators accept its connection.
 * @returns the poster config's path
 */
export function writePosterConfig(dir: string, configs: readonly WrittenConfig[]): string {
  const first = configs.find((c) => c.role === "validator");
  if (first === undefined) throw new Error("a testnet with the L1 needs a validator config");
  const secret = randomBytes(32);
  const publicKey = toHex(createSignatureScheme("ed25519-native").keyPairFromSeed(secret).publicKey);
  mkdirSync(join(dir, "keys"), { recursive: true, mode: 0o700 });
  const keyFile = join("keys", `${POSTER_NAME}.key`);
  writeFileSync(join(dir, keyFile), `${toHex(secret)}\n`, { mode: 0o600 });
  const posters = [{ id: POSTER_NAME, publicKey }];
  for (const config of configs) editJsonFile(config.configPath, (c) => void (c.posters = posters));
  const base = JSON.parse(readFileSync(first.configPath, "utf8")) as Record<string, unknown>;
  const poster = { version: 1, id: POSTER_NAME, role: "poster", seed: base.seed, validators: base.validators, clients: base.clients, posters, secretKeyFile: keyFile, log: { level: "info" }, chain: base.chain };
  const path = join(dir, `${POSTER_NAME}.json`);
  writeFileSync(path, `${JSON.stringify(poster, null, 2)}\n`);
  return path;
}

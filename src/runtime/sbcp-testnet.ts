/**
 * A local SBCP network of real processes (`asset-sim testnet --sbcp`): one
 * shared publisher, `rollups` sequencers and `clients` clients, each an
 * `asset-sim node --config FILE` process on 127.0.0.1 with free ports
 * (configs from `sbcp-config-gen.ts` in a temp folder), reading every
 * process's JSON log lines from its stdout (a copy in `DIR/logs/<id>.jsonl`).
 *
 * - Each `sbcp-superblock` of the SP is handed to `onSuperblock` as it is
 *   published (the CLI prints number, slot, xTs and hash).
 * - {@link SbcpTestnet.kill} sends SIGKILL (no clean shutdown), and
 *   {@link SbcpTestnet.restart} runs the same command on the same config and
 *   data directory: the node recovers from its write-ahead log.
 * - {@link SbcpTestnet.check} runs the simulator's SBCP checkers
 *   (`createSbcpCheckers`: 2PC, xT atomicity, superblock chain, conservation,
 *   mailbox, no local transaction while Building-Locked, liveness) over every
 *   node's SBCP events, ordered by their `timeUs` (each process's real clock,
 *   epoch microseconds, on one machine). The start of the network and each
 *   kill and restart are given to them as `fault` observations of node
 *   `sim`, so the liveness bounds count from the last of them, as after the
 *   last fault in the simulator.
 *
 * Processes are stopped with SIGTERM, then SIGKILL after 5 s; each also stops
 * by itself when its stdin (a pipe from this process) closes, so a killed
 * testnet leaves no orphans (`control-channel.ts`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, type WriteStream } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { InvariantResult, Observation } from "../check/checker.js";
import { SBCP_EVENTS } from "../systems/sbcp/events.js";
import { createSbcpCheckers } from "../systems/sbcp/index.js";
import { CONTROL_ENV } from "./control-channel.js";
import { writeSbcpConfigs, SBCP_PUBLISHER_ID, type SbcpWrittenConfig } from "./sbcp-config-gen.js";
import { defaultEntry } from "./testnet.js";

/** Options of {@link SbcpTestnet.start}. Durations are microseconds. */
export interface SbcpTestnetOptions {
  /** Rollups, each with its sequencer process (default 2). */
  readonly rollups?: number;
  /** Client processes (default 1). */
  readonly clients?: number;
  /** Slot length (default 2 s: a testnet shows superblocks quickly; the protocol's default is 12 s). */
  readonly slotDurationUs?: number;
  /** SCP timer (default 1 s, half a default testnet slot). */
  readonly scpTimeoutUs?: number;
  /** Submissions per second of all clients (default 4). */
  readonly txPerSecond?: number;
  /** Share of submissions that are xTs (default 0.5). */
  readonly xtShare?: number;
  readonly seed?: number;
  /** The CLI entry the processes run (default `bin/asset-sim.js` of this package). */
  readonly entry?: string;
  /** Keep the folder (configs, data, logs) at the end. */
  readonly keepDir?: boolean;
  /** Longest wait for a superblock after the last fault and between superblocks (default 5 slots). */
  readonly superblockWithinUs?: number;
  /** Called on each superblock the SP publishes. */
  readonly onSuperblock?: (superblock: PublishedSuperblock) => void;
  /** How long every process may take to log `node-start` (default 60 s). */
  readonly startTimeoutMs?: number;
  /** Called with notes for people (a process that exited unexpectedly...). */
  readonly onNote?: (text: string) => void;
}

/** A superblock as the SP logged it (`sbcp-superblock`). */
export interface PublishedSuperblock {
  readonly number: number;
  readonly slot: number;
  readonly partial: boolean;
  readonly hash: string;
  readonly parentHash: string;
  readonly blocks: readonly { readonly chain: number; readonly number: number; readonly hash: string }[];
  readonly xTids: readonly string[];
  /** When the SP logged it, epoch microseconds. */
  readonly timeUs: number;
}

interface Proc {
  readonly config: SbcpWrittenConfig;
  child: ChildProcess | undefined;
  exited: Promise<void>;
  expectingExit: boolean;
  boots: number;
  readonly log: WriteStream;
  readonly stderrTail: string[];
}

/** Fields of a log line that are not the event's own. */
const LINE_FIELDS = new Set(["level", "time", "node", "event", "timeUs", "message", "msg", "pid", "hostname"]);

/** A running SBCP testnet: build with {@link SbcpTestnet.start}; always {@link SbcpTestnet.stop} it (in a `finally`). */
export class SbcpTestnet {
  /** Every SBCP event of every process, and the testnet's own `fault` marks, in arrival order. */
  readonly observations: Observation[] = [];
  /** Every JSON log line of every process (parsed), in arrival order: transport refusals, `malformed`, starts. */
  readonly lines: Record<string, unknown>[] = [];
  readonly superblocks: PublishedSuperblock[] = [];
  /** The folder of configs, data and logs. */
  readonly dir: string;
  readonly configs: readonly SbcpWrittenConfig[];
  private readonly procs = new Map<string, Proc>();
  private stopped = false;
  private readonly options: SbcpTestnetOptions;
  readonly slotDurationUs: number;

  private constructor(dir: string, configs: readonly SbcpWrittenConfig[], options: SbcpTestnetOptions, slotDurationUs: number) {
    this.dir = dir;
    this.configs = configs;
    this.options = options;
    this.slotDurationUs = slotDurationUs;
  }

  /**
   * Writes the configs, starts every process (the SP, the sequencers, the clients) and waits until each logged
   * `node-start`.
   * @throws InputError on bad options
   * @throws Error when a process did not start within `startTimeoutMs` (every process is stopped then)
   */
  static async start(options: SbcpTestnetOptions = {}): Promise<SbcpTestnet> {
    const dir = mkdtempSync(join(tmpdir(), "asset-sim-sbcp-"));
    const slotDurationUs = options.slotDurationUs ?? 2_000_000;
    const configs = await writeSbcpConfigs({
      out: dir,
      rollups: options.rollups ?? 2,
      clients: options.clients ?? 1,
      host: "127.0.0.1",
      basePort: "ephemeral",
      seed: options.seed ?? 1,
      // Slot 0 starts now; the SP starts the slot it boots in (or the next one, past its seal time).
      genesisTimeUs: Date.now() * 1000,
      slotDurationUs,
      scpTimeoutUs: options.scpTimeoutUs ?? 1_000_000,
      txPerSecond: options.txPerSecond ?? 4,
      xtShare: options.xtShare ?? 0.5,
      logToStdout: true,
    });
    mkdirSync(join(dir, "logs"), { recursive: true, mode: 0o700 });
    const net = new SbcpTestnet(dir, configs, options, slotDurationUs);
    for (const config of configs) net.spawn(config);
    // Processes take seconds to start on a loaded machine: the run (and the liveness clock) begins once all are up.
    try {
      await net.waitFor("every process to start", () => configs.every((c) => net.started.has(c.id)), options.startTimeoutMs ?? 60_000);
    } catch (error) {
      await net.stop();
      throw error;
    }
    net.mark("network started");
    return net;
  }

  /** Nodes that logged `node-start` at least once. */
  private readonly started = new Set<string>();

  /** The node ids: `sp`, `seq1`..., `sc0`... */
  get nodes(): string[] {
    return this.configs.map((c) => c.id);
  }

  /** Whether `name`'s process is running. */
  running(name: string): boolean {
    return this.need(name).child !== undefined;
  }

  /**
   * SIGKILL of `name` (no clean shutdown: what it did not sync is lost); resolves once it exited.
   * @throws Error on an unknown node
   */
  async kill(name: string): Promise<void> {
    const p = this.need(name);
    if (p.child === undefined) return;
    p.expectingExit = true;
    p.child.kill("SIGKILL");
    await p.exited;
    this.mark(`kill -9 ${name}`);
  }

  /**
   * Starts `name` again on the same config and data directory (after {@link kill}).
   * @throws Error when it is running or unknown
   */
  restart(name: string): void {
    const p = this.need(name);
    if (p.child !== undefined) throw new Error(`${name} is running`);
    this.mark(`restart ${name}`);
    this.spawn(p.config);
  }

  /**
   * Resolves once `predicate` holds (checked on each new log line and every 200 ms), or rejects after `timeoutMs`.
   * @throws Error naming `what` on timeout
   */
  async waitFor(what: string, predicate: () => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /**
   * Runs the SBCP checkers over the collected events (see the file comment).
   * @param events the observations to judge (default: every one collected; tests pass altered copies)
   * @returns each checker's verdict
   */
  check(events: readonly Observation[] = this.observations): InvariantResult[] {
    const rollups = this.configs.filter((c) => c.role === "sbcp-sequencer").map((c, i) => ({ name: c.id, chainId: i + 1 }));
    const superblockWithinUs = this.options.superblockWithinUs ?? 5 * this.slotDurationUs;
    const checkers = createSbcpCheckers(SBCP_PUBLISHER_ID, rollups, { superblockWithinUs, xtDecidedWithinUs: 60_000_000 + 2 * this.slotDurationUs, spHalts: false });
    const ordered = events.map((o, i) => ({ o, i })).sort((a, b) => a.o.timeUs - b.o.timeUs || a.i - b.i);
    let endUs = 0;
    for (const { o } of ordered) {
      endUs = Math.max(endUs, o.timeUs);
      for (const checker of checkers) checker.observe(o);
    }
    return checkers.map((c) => c.finish(endUs));
  }

  /** Stops every process (SIGTERM, SIGKILL after 5 s) and removes the folder unless `keepDir`. Never throws. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(
      [...this.procs.values()].map(async (p) => {
        if (p.child === undefined) return;
        p.expectingExit = true;
        p.child.kill("SIGTERM");
        const timer = setTimeout(() => p.child?.kill("SIGKILL"), 5000);
        await p.exited;
        clearTimeout(timer);
      }),
    );
    await Promise.all([...this.procs.values()].map((p) => new Promise<void>((r) => p.log.end(() => r()))));
    if (this.options.keepDir !== true) {
      try {
        rmSync(this.dir, { recursive: true, force: true });
      } catch (error) {
        this.note(`could not remove ${this.dir}: ${(error as Error).message}`);
      }
    }
  }

  /** Records a `fault` observation (node `sim`) now: the start, a kill, a restart. */
  private mark(description: string): void {
    this.observations.push({ timeUs: Date.now() * 1000, node: "sim", event: "fault", fields: { description } });
  }

  private need(name: string): Proc {
    const p = this.procs.get(name);
    if (p === undefined) throw new Error(`no node ${JSON.stringify(name)} in this testnet (${this.nodes.join(", ")})`);
    return p;
  }

  private note(text: string): void {
    this.options.onNote?.(text);
  }

  private spawn(config: SbcpWrittenConfig): void {
    let p = this.procs.get(config.id);
    if (p === undefined) {
      p = { config, child: undefined, exited: Promise.resolve(), expectingExit: false, boots: 0, log: createWriteStream(join(this.dir, "logs", `${config.id}.jsonl`), { flags: "a" }), stderrTail: [] };
      this.procs.set(config.id, p);
    }
    const proc = p;
    const child = spawn(process.execPath, [this.options.entry ?? defaultEntry(), "node", "--config", config.path], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, [CONTROL_ENV.name]: CONTROL_ENV.value } });
    proc.child = child;
    proc.expectingExit = false;
    proc.boots++;
    proc.exited = new Promise<void>((resolveExit) => {
      child.once("exit", (code, signal) => {
        if (proc.child === child) proc.child = undefined;
        if (!proc.expectingExit && !this.stopped) this.note(`${config.id} exited unexpectedly (${signal ?? `code ${code}`}): ${proc.stderrTail.slice(-3).join(" | ")}`);
        resolveExit();
      });
      child.once("error", (error) => {
        this.note(`${config.id}: ${error.message}`);
        if (proc.child === child) proc.child = undefined;
        resolveExit();
      });
    });
    child.stdin?.on("error", () => {});
    createInterface({ input: child.stdout!, crlfDelay: Infinity }).on("line", (line) => {
      proc.log.write(`${line}\n`);
      this.onLine(config.id, line);
    });
    createInterface({ input: child.stderr!, crlfDelay: Infinity }).on("line", (line) => {
      proc.stderrTail.push(line);
      if (proc.stderrTail.length > 50) proc.stderrTail.shift();
    });
  }

  private onLine(node: string, line: string): void {
    if (!line.startsWith("{")) return;
    let record: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(line);
      if (typeof parsed !== "object" || parsed === null) return;
      record = parsed as Record<string, unknown>;
    } catch {
      return;
    }
    this.lines.push(record);
    const event = record.event;
    if (event === "node-start") this.started.add(node);
    if (typeof event !== "string" || typeof record.timeUs !== "number" || !(event in SBCP_EVENTS.schemas)) return;
    const fields: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(record)) if (!LINE_FIELDS.has(k)) fields[k] = v;
    const o: Observation = { timeUs: record.timeUs, node, event, fields };
    this.observations.push(o);
    if (node === SBCP_PUBLISHER_ID && SBCP_EVENTS.is(o, "sbcp-superblock")) {
      const sb: PublishedSuperblock = { ...o.fields, timeUs: o.timeUs };
      this.superblocks.push(sb);
      this.options.onSuperblock?.(sb);
    }
  }
}

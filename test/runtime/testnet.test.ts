/**
 * `asset-sim testnet` on real processes: four validator processes and a
 * client on loopback commit the same blocks; a validator killed with SIGKILL
 * and restarted on its data dir catches up; a 2/2 partition made through the
 * stdin control channel stops commits and the heal resumes them; every
 * process is stopped on every path. And the agreement logic, fed fabricated log lines, flags a
 * disagreement (exit 1) and no progress (exit 3).
 */
import { existsSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { configGenGenerator } from "../../src/cli/testnet-command.js";
import { parseControlCommand } from "../../src/runtime/control-channel.js";
import { Testnet, defaultEntry, unsupportedActions } from "../../src/runtime/testnet.js";
import { TestnetMonitor, testnetExitCode } from "../../src/runtime/testnet-monitor.js";
import { parseScenario } from "../../src/scenario/load.js";

const VALIDATORS = ["v0", "v1", "v2", "v3"];

describe("testnet agreement logic (fabricated log lines)", () => {
  it("validators that report the same hashes and roots agree, and commits count as progress", () => {
    const monitor = new TestnetMonitor(VALIDATORS, 0);
    for (const v of VALIDATORS) {
      for (let h = 1; h <= 3; h++) {
        monitor.observe(v, { event: "commit", height: h, block_hash: `b${h}` }, 100 * h);
        monitor.observe(v, { event: "state-root", height: h, root_hash: `r${h}`, txs: 2 }, 100 * h);
      }
    }
    const s = monitor.summary(1000);
    expect(s.agreed).toBe(true);
    expect(s.progressed).toBe(true);
    expect(s.commits).toBe(3);
    expect(s.heightsCompared).toEqual({ commit: 3, stateRoot: 3 });
    expect(s.transactionsCommitted).toBe(6); // counted once per height, not per validator
    expect(testnetExitCode(s)).toBe(0);
  });

  it("two validators with different block hashes at one height are a disagreement (exit 1)", () => {
    const monitor = new TestnetMonitor(VALIDATORS, 0);
    monitor.observe("v0", { event: "commit", height: 1, block_hash: "aa" }, 10);
    monitor.observe("v1", { event: "commit", height: 1, block_hash: "aa" }, 11);
    monitor.observe("v2", { event: "commit", height: 1, block_hash: "bb" }, 12);
    monitor.observe("v3", { event: "commit", height: 2, block_hash: "cc" }, 13); // no common height: not compared
    const s = monitor.summary(1000);
    expect(s.agreed).toBe(false);
    expect(s.disagreements).toEqual([{ kind: "commit", height: 1, values: { v0: "aa", v1: "aa", v2: "bb" } }]);
    expect(testnetExitCode(s)).toBe(1);
  });

  it("different state roots at one height are a disagreement, whatever the block hashes", () => {
    const monitor = new TestnetMonitor(VALIDATORS, 0);
    for (const v of VALIDATORS) monitor.observe(v, { event: "commit", height: 5, block_hash: "same" }, 10);
    monitor.observe("v0", { event: "state-root", height: 5, root_hash: "r1", txs: 0 }, 10);
    monitor.observe("v3", { event: "state-root", height: 5, root_hash: "r2", txs: 0 }, 10);
    const s = monitor.summary(1000);
    expect(s.disagreements.map((d) => [d.kind, d.height])).toEqual([["state-root", 5]]);
    expect(testnetExitCode(s)).toBe(1);
  });

  it("a client's line, or a line without an event, never counts as a validator commit; nothing committed is exit 3", () => {
    const monitor = new TestnetMonitor(VALIDATORS, 0);
    monitor.observe("c0", { event: "commit", height: 9, block_hash: "x" }, 10);
    monitor.observe("v0", { height: 9, block_hash: "x" }, 10);
    const s = monitor.summary(1000);
    expect(s.progressed).toBe(false);
    expect(testnetExitCode(s)).toBe(3);
  });

  it("latency runs from the client's submit line to the first validator's commit-txs line", () => {
    const monitor = new TestnetMonitor(VALIDATORS, 0);
    monitor.observe("c0", { event: "submit", txId: "t1", time: 1000 }, 1001);
    monitor.observe("c0", { event: "submit", txId: "t2", time: 1100 }, 1101);
    monitor.observe("v1", { event: "commit-txs", height: 1, txIds: ["t1", "t2"], time: 1400 }, 1401);
    monitor.observe("v2", { event: "commit-txs", height: 1, txIds: ["t1", "t2"], time: 1500 }, 1501);
    const s = monitor.summary(2000);
    expect(s.latencySamples).toBe(2);
    expect(s.latencyMs.p50).toBe(300);
    expect(s.latencyMs.p99).toBe(400);
  });

  it("control commands parse, and bad ones say why", () => {
    expect(parseControlCommand('{"cmd":"block","peers":["v1"]}')).toEqual({ cmd: "block", peers: ["v1"] });
    expect(parseControlCommand('{"cmd":"unblock-all"}')).toEqual({ cmd: "unblock-all" });
    expect(parseControlCommand("nope")).toBe("not JSON");
    expect(parseControlCommand('{"cmd":"block","peers":[1]}')).toMatch(/peers/);
    expect(parseControlCommand('{"cmd":"explode"}')).toMatch(/unknown cmd/);
  });

  it("fault actions without a meaning for processes are listed as unsupported", () => {
    const scenario = parseScenario({
      name: "faults",
      seed: 1,
      duration: "10s",
      validators: { count: 4 },
      l1: { enabled: false },
      faults: [
        { at: "1s", action: "crash", node: "v1" },
        { at: "2s", action: "clog", node: "v2" },
        { at: "3s", action: "isolate", node: "v3", direction: "outbound" },
        { at: "4s", action: "heal" },
      ],
    });
    expect(unsupportedActions(scenario.faults).map((u) => [u.index, u.action])).toEqual([
      [1, "clog"],
      [2, "isolate"],
    ]);
  });
});

// The real-process test needs the built CLI (`npm test` builds first).
const built = existsSync(defaultEntry()) && existsSync(new URL("../../dist/src/cli/main.js", import.meta.url));

describe.skipIf(!built)("testnet of real processes (4 validators on loopback)", () => {
  let testnet: Testnet | undefined;
  const notes: string[] = [];

  afterAll(async () => {
    await testnet?.stop();
    expect(testnet?.running() ?? []).toEqual([]);
  }, 20_000);

  it("commits the same blocks everywhere; a validator killed with SIGKILL restarts from its data dir and catches up; a partition stops commits until healed", async () => {
    // Goal: real processes agree, and crash recovery from files works, within about 30 s.
    testnet = await Testnet.start({ validators: 4, clients: 1, txPerSecond: 40, seed: 7, stopTimeoutMs: 3_000, note: (t) => notes.push(t) }, configGenGenerator);
    const t = testnet;
    try {
      const heightAll = (): number => Math.min(...VALIDATORS.map((v) => t.monitor.heightOf(v)));
      expect(await t.waitFor(() => heightAll() >= 4, 15_000), `no commits: ${notes.join("\n")}`).toBe(true);

      await t.crash("v3");
      expect(t.running()).not.toContain("v3");
      const crashedAt = t.monitor.heightOf("v3");
      // The other three (a quorum of 2f + 1 = 3) keep committing.
      const othersAt = Math.max(...["v0", "v1", "v2"].map((v) => t.monitor.heightOf(v)));
      expect(await t.waitFor(() => Math.min(t.monitor.heightOf("v0"), t.monitor.heightOf("v1"), t.monitor.heightOf("v2")) >= othersAt + 3, 10_000)).toBe(true);
      expect(t.monitor.heightOf("v3")).toBe(crashedAt);

      t.restart("v3");
      const target = Math.max(...["v0", "v1", "v2"].map((v) => t.monitor.heightOf(v)));
      expect(await t.waitFor(() => t.monitor.heightOf("v3") >= target, 15_000), `v3 stuck at ${t.monitor.heightOf("v3")} < ${target}: ${t.stderrOf("v3").join("\n")}`).toBe(true);

      // A 2/2 partition through the control channel: no side has a quorum of 3, so commits stop; after the heal they resume.
      t.partition([
        ["v0", "v1"],
        ["v2", "v3"],
      ]);
      await new Promise((r) => setTimeout(r, 1_500)); // blocks in flight when it started may still commit
      const splitAt = Math.max(...VALIDATORS.map((v) => t.monitor.heightOf(v)));
      await new Promise((r) => setTimeout(r, 2_000));
      expect(Math.max(...VALIDATORS.map((v) => t.monitor.heightOf(v)))).toBe(splitAt);
      t.heal();
      expect(await t.waitFor(() => heightAll() >= splitAt + 2, 15_000), `no progress after the heal: ${notes.join("\n")}`).toBe(true);

      const summary = t.summary();
      expect(summary.disagreements).toEqual([]);
      expect(summary.agreed).toBe(true);
      expect(summary.restarts).toBe(1);
      expect(summary.heightsCompared.commit).toBeGreaterThanOrEqual(4);
      expect(summary.transactionsCommitted).toBeGreaterThan(0);
      expect(summary.latencySamples).toBeGreaterThan(0);
    } finally {
      await t.stop();
    }
    expect(t.running()).toEqual([]);
    expect(existsSync(t.dir)).toBe(false);
  }, 60_000);
});

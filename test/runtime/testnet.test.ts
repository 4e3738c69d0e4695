/**
 * `asset-sim testnet` on real processes: four validator processes and a
 * client on loopback commit the same blocks; a validator killed with SIGKILL
 * and restarted on its data dir catches up; a 2/2 partition made through the
 * stdin control channel stops commits and the heal resumes them; every
 * process is stopped on every path; the simulator's checkers, fed the
 * processes' log lines, find nothing wrong (the monitor on fabricated lines:
 * `testnet-monitor.test.ts`).
 */
import { existsSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { configGenGenerator } from "../../src/cli/testnet-command.js";
import { parseControlCommand } from "../../src/runtime/control-channel.js";
import { Testnet, defaultEntry, unsupportedActions } from "../../src/runtime/testnet.js";
import { parseScenario } from "../../src/scenario/load.js";

const VALIDATORS = ["v0", "v1", "v2", "v3"];

describe("testnet helpers", () => {
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
      const safety = summary.invariants.filter((r) => r.kind === "safety");
      expect(safety.map((r) => [r.name, r.ok, r.violation?.message])).toEqual([
        ["agreement", true, undefined],
        ["root-agreement", true, undefined],
        ["reorg-bound", true, undefined],
        ["equivocation", true, undefined],
      ]);
      expect(summary.agreed).toBe(true);
      const figures = (name: string) => summary.invariants.find((r) => r.name === name)?.figures ?? {};
      expect(figures("agreement").committedHeight).toBeGreaterThanOrEqual(4);
      expect(figures("root-agreement").heightsChecked).toBeGreaterThanOrEqual(4);
      // The validators log at debug under a testnet: votes and proposals reach the equivocation checker.
      expect(figures("equivocation").votesObserved).toBeGreaterThan(0);
      expect(summary.restarts).toBe(1);
      expect(summary.transactionsCommitted).toBeGreaterThan(0);
      expect(summary.latencySamples).toBeGreaterThan(0);
    } finally {
      await t.stop();
    }
    expect(t.running()).toEqual([]);
    expect(existsSync(t.dir)).toBe(false);
  }, 60_000);
});

/**
 * Issue 16: "a kill -9 loop test (bounded) shows no committed block lost and no
 * double vote". Four validator processes and a client on loopback; four times
 * a validator (a different one each time) is killed with SIGKILL mid-run,
 * restarted on its data directory, and must boot at or above every height it
 * had logged as committed (a commit is synced before it is logged: defect 9)
 * and catch up. The simulator's checkers, fed every process's log lines, find
 * no equivocation (no double vote, no double proposal) and no disagreement.
 * Bounded: about 40 s of wall time.
 */
import { existsSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { configGenGenerator } from "../../src/cli/testnet-command.js";
import { Testnet, defaultEntry } from "../../src/runtime/testnet.js";

const VALIDATORS = ["v0", "v1", "v2", "v3"];
const CYCLES = ["v1", "v2", "v3", "v0"];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// The real-process test needs the built CLI (`npm test` builds first).
const built = existsSync(defaultEntry()) && existsSync(new URL("../../dist/src/cli/main.js", import.meta.url));

describe.skipIf(!built)("kill -9 loop on real processes (issue 16)", () => {
  let testnet: Testnet | undefined;
  const notes: string[] = [];

  afterAll(async () => {
    await testnet?.stop();
    expect(testnet?.running() ?? []).toEqual([]);
  }, 20_000);

  it("no committed block lost and no double vote across four SIGKILL cycles", async () => {
    testnet = await Testnet.start({ validators: 4, clients: 1, txPerSecond: 40, seed: 16, stopTimeoutMs: 3_000, note: (t) => notes.push(t) }, configGenGenerator);
    const t = testnet;
    // Every line a process logs, as the monitor sees it: the boot lines say at which height a restarted node resumed.
    const boots: { node: string; committedHeight: number }[] = [];
    const observe = t.monitor.observe.bind(t.monitor);
    t.monitor.observe = (node, line, receivedMs) => {
      if (line.event === "boot") boots.push({ node, committedHeight: Number(line.committedHeight) });
      return observe(node, line, receivedMs);
    };
    try {
      const heightAll = (): number => Math.min(...VALIDATORS.map((v) => t.monitor.heightOf(v)));
      expect(await t.waitFor(() => heightAll() >= 3, 15_000), `no commits: ${notes.join("\n")}`).toBe(true);
      for (const [cycle, victim] of CYCLES.entries()) {
        // Kill at a different moment of the block cycle each time.
        await sleep(150 + 170 * cycle);
        const loggedCommitted = t.monitor.heightOf(victim);
        const bootsBefore = boots.filter((b) => b.node === victim).length;
        await t.crash(victim);
        await sleep(400);
        t.restart(victim);
        expect(await t.waitFor(() => boots.filter((b) => b.node === victim).length > bootsBefore, 10_000), `${victim} did not boot again: ${t.stderrOf(victim).join("\n")}`).toBe(true);
        const boot = boots.filter((b) => b.node === victim).at(-1)!;
        // No committed block lost: the restarted node resumes at or above every commit it logged before SIGKILL.
        expect(boot.committedHeight, `${victim} booted below a commit it had logged`).toBeGreaterThanOrEqual(loggedCommitted);
        const target = Math.max(...VALIDATORS.filter((v) => v !== victim).map((v) => t.monitor.heightOf(v)));
        expect(await t.waitFor(() => t.monitor.heightOf(victim) >= target, 15_000), `${victim} stuck at ${t.monitor.heightOf(victim)} < ${target}`).toBe(true);
      }
      const summary = t.summary();
      const safety = summary.invariants.filter((r) => r.kind === "safety");
      expect(safety.map((r) => [r.name, r.ok, r.violation?.message])).toEqual([
        ["agreement", true, undefined],
        ["root-agreement", true, undefined],
        ["reorg-bound", true, undefined],
        ["equivocation", true, undefined],
      ]);
      expect(summary.invariants.find((r) => r.name === "equivocation")?.figures.votesObserved).toBeGreaterThan(0);
      expect(summary.restarts).toBe(CYCLES.length);
    } finally {
      await t.stop();
    }
    expect(t.running()).toEqual([]);
  }, 90_000);
});

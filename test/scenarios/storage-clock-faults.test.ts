/**
 * Issue 5: storage faults (corruption, torn writes, a lost disk), clock faults
 * (skew, drift, pauses), catch-up by checkpoint snapshot, and the safety and
 * liveness phases. Short runs of 4 validators without the L1.
 */
import { describe, expect, it } from "vitest";
import type { Observation } from "../../src/check/checker.js";
import { parseScenario } from "../../src/scenario/load.js";
import type { RunReport } from "../../src/scenario/run.js";
import { invariant, runRecorded } from "../helpers/scenario.js";

const S = 1_000_000;

function base(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    name: "issue5",
    seed: 5,
    duration: "12s",
    validators: { count: 4, blockTime: "250ms", viewTimeout: "1s", signatureScheme: "sim" },
    workload: { txPerSecond: 40, clients: 2, accountsPerClient: 4 },
    l1: { enabled: false },
    ...fields,
  };
}

function expectSafetyHeld(report: RunReport): void {
  for (const name of ["agreement", "root-agreement", "conservation", "validity", "reorg-bound", "equivocation"]) {
    expect(invariant(report, name), name).toMatchObject({ ok: true });
  }
  expect(report.violation).toBeUndefined();
}

const of = (events: Observation[], node: string, event: string) => events.filter((e) => e.node === node && e.event === event);

describe("storage faults", () => {
  it("corrupt safety state: the node logs storage-corrupt, votes nothing until its peers told it their views, then only above them", () => {
    // Goal: a flipped bit in the last voted view is caught by the checksum; the recovery rule keeps the node from voting twice.
    const { report, events, cluster } = runRecorded(
      parseScenario(
        base({
          faults: [
            { at: "3s", action: "corrupt", node: "v1", key: "consensus/safety" },
            { at: "3s", action: "crash", node: "v1" },
            { at: "4s", action: "restart", node: "v1" },
          ],
        }),
      ),
    );
    expectSafetyHeld(report);
    expect(report.exitCode).toBe(0);
    expect(of(events, "v1", "storage-corrupt").map((e) => e.fields.key)).toEqual(["consensus/safety"]);
    const recovering = of(events, "v1", "recovering")[0]!;
    const recovered = of(events, "v1", "recovered")[0]!;
    expect(recovering.timeUs).toBe(4 * S);
    expect(recovered.timeUs).toBeGreaterThan(4 * S);
    const floorView = recovered.fields.floorView as number;
    const votesAfterRestart = of(events, "v1", "vote").filter((e) => e.timeUs >= 4 * S);
    expect(votesAfterRestart.length).toBeGreaterThan(5);
    for (const vote of votesAfterRestart) {
      expect(vote.timeUs).toBeGreaterThanOrEqual(recovered.timeUs);
      expect(vote.fields.view as number).toBeGreaterThan(floorView);
    }
    const heights = ["v0", "v1", "v2", "v3"].map((id) => cluster.replica(id)!.committedTip.height);
    expect(Math.min(...heights)).toBeGreaterThanOrEqual(Math.max(...heights) - 2);
  });

  it("torn write on crash: the torn record fails its checksum at restart, is cut and refetched", () => {
    // Goal: a write half done when the node crashed is never acted on.
    const { report, events, cluster } = runRecorded(
      parseScenario(
        base({
          faults: [
            { at: "3.1s", action: "torn-write", node: "v2" },
            { at: "4s", action: "restart", node: "v2" },
          ],
        }),
      ),
    );
    expectSafetyHeld(report);
    expect(report.exitCode).toBe(0);
    // The last fsynced write of v2's disk (a log record) is left half done; the shipped store's recovery cuts it
    // by the record's checksum (a torn tail, not corruption in the middle) and the node refetches what it held.
    const torn = events.find((e) => e.event === "disk-torn")!;
    expect(torn.fields.key).toEqual(expect.stringMatching(/^consensus\//));
    const recovered = events.filter((e) => e.event === "disk-recovered" && e.fields.node === "v2");
    expect(recovered).toHaveLength(1);
    expect(recovered[0]!.fields).toMatchObject({ corruptMiddle: false, safetyLost: false });
    expect(recovered[0]!.fields.droppedBytes as number).toBeGreaterThan(0);
    expect(cluster.replica("v2")!.committedTip.height).toBeGreaterThanOrEqual(cluster.replica("v0")!.committedTip.height - 2);
  });

  it("background corruption and torn writes with crashes: every corrupt value is caught, safety holds", () => {
    // Goal: rates as background faults; restarts read what the faults left and nothing corrupt is used.
    const { report, events } = runRecorded(
      parseScenario(
        base({
          duration: "14s",
          storage: { corruptRate: 0.05, tornWriteRate: 1 },
          faults: [
            { at: "3s", action: "crash", node: "v0" },
            { at: "4s", action: "restart", node: "v0" },
            { at: "6s", action: "crash", node: "v3" },
            { at: "7s", action: "restart", node: "v3" },
            { at: "9s", action: "storage-faults", corruptRate: 0, tornWriteRate: 0 },
          ],
        }),
      ),
    );
    expectSafetyHeld(report);
    // Caught by a value's checksum when read, or by a record's checksum when the store reopens (cut there).
    const caught = events.filter((e) => e.event === "storage-corrupt" || (e.event === "disk-recovered" && (e.fields.droppedBytes as number) > 0));
    expect(caught.length).toBeGreaterThan(0);
    expect(invariant(report, "liveness")).toMatchObject({ ok: true });
  });
});

describe("catch-up", () => {
  it("wipe: a validator that lost its whole disk recovers its view, then installs a peer's checkpoint instead of replaying the chain", () => {
    // Goal: far behind after disk loss, it fetches a verified snapshot and does not vote twice in a view.
    const { report, events, cluster } = runRecorded(
      parseScenario(
        base({
          duration: "16s",
          checkpoints: { every: 4, snapshotBehind: 8 },
          faults: [
            { at: "3s", action: "wipe", node: "v3" },
            { at: "10s", action: "restart", node: "v3" },
          ],
        }),
      ),
    );
    expectSafetyHeld(report);
    expect(report.exitCode).toBe(0);
    expect(of(events, "v3", "recovering")[0]!.fields.reason).toMatch(/lost disk/);
    expect(of(events, "v3", "recovered")).toHaveLength(1);
    const installed = of(events, "v3", "snapshot-installed");
    expect(installed).toHaveLength(1);
    expect(installed[0]!.fields.height as number).toBeGreaterThan(8);
    // It executed only the blocks above the snapshot: no commit events at or below its height.
    const v3Commits = of(events, "v3", "commit").filter((e) => e.timeUs >= 10 * S);
    expect(Math.min(...v3Commits.map((e) => e.fields.height as number))).toBeGreaterThan(installed[0]!.fields.height as number);
    expect(cluster.replica("v3")!.committedTip.height).toBeGreaterThanOrEqual(cluster.replica("v0")!.committedTip.height - 2);
    expect(cluster.app("v3")!.ledger.committed.root).toBeDefined();
  });

  it("restart with checkpoints: the node restores its newest checkpoint and re-executes only the blocks above it", () => {
    // Goal: checkpoints every K blocks bound what a restart replays.
    const { report, events } = runRecorded(
      parseScenario(
        base({
          checkpoints: { every: 10 },
          faults: [
            { at: "8s", action: "crash", node: "v0" },
            { at: "9s", action: "restart", node: "v0" },
          ],
        }),
      ),
    );
    expectSafetyHeld(report);
    const restored = of(events, "v0", "checkpoint-restored");
    expect(restored).toHaveLength(1);
    expect(restored[0]!.fields.height as number).toBeGreaterThanOrEqual(10);
    expect(restored[0]!.fields.replay as number).toBeLessThan(10);
  });
});

describe("clock faults", () => {
  it("skew and drift: a drifting, skewed validator keeps the cluster safe and live", () => {
    // Goal: clock faults within the timeouts do not break consensus.
    const { report, events } = runRecorded(
      parseScenario(
        base({
          clocks: { nodes: { v1: { skew: "-40ms", drift: 0.2 }, v2: { skew: "30ms", drift: -0.1 } } },
          faults: [{ at: "5s", action: "clock", node: "v3", drift: 0.05 }],
        }),
      ),
    );
    expectSafetyHeld(report);
    expect(report.exitCode).toBe(0);
    expect(of(events, "v1", "vote").length).toBeGreaterThan(10);
  });

  it("pause: a paused validator gets its queued messages and timers on resume and catches up", () => {
    // Goal: a node frozen for 3 s processes nothing meanwhile, then everything in order.
    const { report, events, cluster } = runRecorded(
      parseScenario(base({ faults: [{ at: "3s", action: "pause", node: "v2", duration: "3s" }] })),
    );
    expectSafetyHeld(report);
    expect(report.exitCode).toBe(0);
    const duringPause = events.filter((e) => e.node === "v2" && e.timeUs > 3 * S && e.timeUs < 6 * S);
    expect(duringPause).toHaveLength(0);
    expect(events.filter((e) => e.node === "v2" && e.timeUs === 6 * S).length).toBeGreaterThan(10);
    expect(cluster.replica("v2")!.committedTip.height).toBeGreaterThanOrEqual(cluster.replica("v0")!.committedTip.height - 2);
  });

  it("background pauses with a rate: safety holds", () => {
    const { report, events } = runRecorded(parseScenario(base({ clocks: { pauseRate: 0.5, pauseDurationMax: "800ms" } })));
    expectSafetyHeld(report);
    expect(events.filter((e) => e.event === "fault" && /background/.test(e.fields.description as string)).length).toBeGreaterThan(3);
  });
});

describe("phases", () => {
  const noQuorum = {
    duration: "14s",
    faults: [
      { at: "2s", action: "partition", groups: [["v0", "v1"], ["v2", "v3"]] },
      { at: "3s", action: "crash", node: "v1" },
      { at: "4s", action: "wipe", node: "v2" },
      { at: "5s", action: "clog", node: "v3" },
    ],
  };

  it("liveness phase: faults that never heal by themselves stop at livenessAt, and commits resume within the bound", () => {
    // Goal: the phase heals partitions, releases clogs and restarts crashed and wiped nodes.
    const { report } = runRecorded(parseScenario(base({ ...noQuorum, phases: { livenessAt: "7s" } })));
    expectSafetyHeld(report);
    expect(report.exitCode).toBe(0);
    expect(invariant(report, "liveness")).toMatchObject({ ok: true, figures: { healAtUs: 7 * S } });
    expect(invariant(report, "liveness").skipped).toBeUndefined();
  });

  it("liveness phase that cannot heal (links cut by the network configuration): exit 3", () => {
    const cut = [
      { from: "v0", to: "v2", dropRate: 1, symmetric: true },
      { from: "v0", to: "v3", dropRate: 1, symmetric: true },
      { from: "v1", to: "v2", dropRate: 1, symmetric: true },
      { from: "v1", to: "v3", dropRate: 1, symmetric: true },
    ];
    const { report } = runRecorded(parseScenario(base({ ...noQuorum, network: { links: cut }, phases: { livenessAt: "7s" } })));
    for (const name of ["agreement", "root-agreement", "conservation", "validity", "reorg-bound", "equivocation"]) expect(invariant(report, name).ok, name).toBe(true);
    expect(invariant(report, "liveness").ok).toBe(false);
    expect(report.violation?.invariant).toBe("liveness");
    expect(report.exitCode).toBe(3);
  });

  it("safety-only: any fault load, liveness reported as skipped with the reason", () => {
    const { report } = runRecorded(parseScenario(base({ ...noQuorum, phases: { safetyOnly: true } })));
    expectSafetyHeld(report);
    expect(report.exitCode).toBe(0);
    expect(invariant(report, "liveness")).toMatchObject({ ok: true, skipped: expect.stringMatching(/safety-only/) });
  });

  it("faults after livenessAt are refused", () => {
    expect(() => parseScenario(base({ ...noQuorum, phases: { livenessAt: "2.5s" } }))).toThrow(/phases.livenessAt/);
  });
});

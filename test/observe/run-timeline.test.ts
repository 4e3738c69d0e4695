/**
 * The run-timeline model (`src/observe/`) says what happened: on the
 * shipped partition-heal scenario (a 3/4 partition from 10 s to 20 s, v3
 * crashed from 25 s to 30 s) the fault windows, the leader of each view and
 * where it stood at known times match the scenario's schedule, every honest
 * commit lands in exactly one view, and a view in the partition ends without
 * a QC. On f-down-for-good (leader reputation moves turns away from the
 * crashed validators) the model's leaders are those whose blocks a quorum certified,
 * and a deliberately wrong model built here (leader = view mod n, what
 * round-robin would say) disagrees with them.
 */
import { describe, expect, it } from "vitest";
import type { Observation } from "../../src/check/checker.js";
import { buildRunTimeline, type RunTimeline, type ViewRow } from "../../src/observe/run-timeline.js";
import { runRecorded, scenario } from "../helpers/scenario.js";

const S = 1_000_000;

/**
 * The leader of each view whose block was certified: the proposer the block names (its voters checked it
 * was the view's leader as their elections named it), per view of a QC. Ground truth the model never reads.
 */
function certifiedLeaders(events: readonly Observation[]): Map<number, string> {
  const proposerOf = new Map<string, number>();
  for (const e of events) if (e.event === "block") proposerOf.set(e.fields.hash as string, e.fields.proposer as number);
  const out = new Map<number, string>();
  for (const e of events) {
    if (e.event !== "qc" || (e.fields.view as number) === 0) continue;
    const proposer = proposerOf.get(e.fields.hash as string);
    if (proposer !== undefined) out.set(e.fields.view as number, `v${proposer}`);
  }
  return out;
}

describe("run timeline on partition-heal (a partition, then a crash)", () => {
  // Cut at 31 s: the partition (10-20 s) and v3's crash (25-30 s) are in, the clog at 35 s is not.
  const s = scenario("partition-heal", {}, 31 * S);
  const { report, events } = runRecorded(s);
  const timeline = buildRunTimeline(s, events, { endUs: report.virtualDurationUs });
  const rowAt = (t: number): ViewRow => timeline.views.filter((v) => v.startUs <= t).at(-1)!;

  it("derives the fault windows from the fault events and matches them to the schedule", () => {
    expect(report.violation).toBeUndefined();
    expect(timeline.faults.map((w) => ({ kind: w.kind, fromUs: w.fromUs, toUs: w.toUs, nodes: w.nodes, scheduleIndex: w.scheduleIndex, endedBy: w.endedBy }))).toEqual([
      { kind: "partition", fromUs: 10 * S, toUs: 20 * S, nodes: ["v0", "v1", "v2", "v3", "v4", "v5", "v6"], scheduleIndex: 0, endedBy: "heal" },
      { kind: "crash", fromUs: 25 * S, toUs: 30 * S, nodes: ["v3"], scheduleIndex: 2, endedBy: "restart v3" },
    ]);
    expect(timeline.faults[0]!.groups).toEqual([["v0", "v1", "v2"], ["v3", "v4", "v5", "v6"]]);
    const v3 = timeline.nodes.find((t) => t.node === "v3")!;
    expect(v3.down).toEqual([{ fromUs: 25 * S, toUs: 30 * S }]);
  });

  it("rows follow the global view: increasing views, each ending where the next begins", () => {
    expect(timeline.views.length).toBeGreaterThan(50);
    timeline.views.forEach((row, i) => {
      const next = timeline.views[i + 1];
      if (next === undefined) return expect(row.endUs).toBeNull();
      expect(next.view).toBeGreaterThan(row.view);
      expect(row.endUs).toBe(next.startUs);
      expect(row.leader).toMatch(/^v[0-6]$/);
      expect(row.otherLeaders.length, `view ${row.view}: honest validators disagree about its leader`).toBe(0);
    });
    // Every honest commit is in exactly one row.
    const commitEvents = events.filter((e) => e.event === "commit").length;
    expect(timeline.views.reduce((n, v) => n + v.commits.length, 0)).toBe(commitEvents);
  });

  it("places each leader where the schedule put it: on its side of the partition, crashed, or up", () => {
    let partitioned = 0;
    let crashed = 0;
    for (const row of timeline.views) {
      const start = row.leaderPlaces[0]!;
      expect(start.atUs).toBe(row.startUs);
      const t = row.startUs;
      if (t >= 10 * S && t < 20 * S) {
        partitioned++;
        expect(start.status).toBe("partitioned");
        expect(start.side!.members).toContain(row.leader);
        expect(start.side!.members).toEqual(["v0", "v1", "v2"].includes(row.leader!) ? ["v0", "v1", "v2"] : ["v3", "v4", "v5", "v6"]);
      } else if (row.leader === "v3" && t >= 25 * S && t < 30 * S) {
        crashed++;
        expect(start.status).toBe("crashed");
        expect(start.faults).toEqual([1]);
      } else {
        expect(start.status, `view ${row.view} at ${t}us`).toBe("up");
      }
    }
    // The view in force when the partition began changes place inside the view.
    const at10 = rowAt(10 * S);
    expect(at10.startUs).toBeLessThan(10 * S);
    expect(at10.leaderPlaces.map((p) => [p.atUs, p.status])).toContainEqual([10 * S, "partitioned"]);
    expect(at10.faults).toContain(0);
    expect(crashed + partitioned).toBeGreaterThan(0);
    expect(crashed).toBeGreaterThan(0);
  });

  it("a view in force across the partition ends without a QC (no side holds a quorum of 5)", () => {
    const row = rowAt(15 * S);
    expect(row.startUs).toBeLessThan(15 * S);
    expect(row.endUs!).toBeGreaterThan(15 * S);
    expect(["tc", "timeout", "left"]).toContain(row.outcome);
    expect(row.commits.filter((c) => c.timeUs > 10.5 * S && c.timeUs < 20 * S)).toEqual([]);
    expect(rowAt(22 * S).outcome).toBe("qc");
  });

  it("each node's own view at a leader place is the view it had announced then", () => {
    for (const row of timeline.views.slice(0, 40)) {
      const place = row.leaderPlaces[0]!;
      const track = timeline.nodes.find((t) => t.node === row.leader)!;
      const announced = track.views.filter((v) => v.timeUs <= place.atUs).at(-1)?.view;
      expect(place.ownView).toBe(announced);
    }
  });
});

describe("run timeline under leader reputation (f-down-for-good)", () => {
  it("the leaders are those whose blocks were certified; a model computing view mod n is caught", () => {
    // v2 and v5 crash at 2 s for good; reputation stops giving them turns once their failures are committed.
    const s = scenario("f-down-for-good", {}, 14 * S);
    const { report, events } = runRecorded(s);
    const timeline = buildRunTimeline(s, events, { endUs: report.virtualDurationUs });
    const proposed = certifiedLeaders(events);

    /** A deliberately wrong model: the leader as round-robin would name it, whatever the election. */
    const roundRobinModel = (t: RunTimeline): RunTimeline => ({ ...t, views: t.views.map((v) => ({ ...v, leader: t.validators[v.view % t.validators.length]! })) });
    const wrong = roundRobinModel(timeline);

    const disagreements = (t: RunTimeline): number[] => t.views.filter((v) => proposed.has(v.view) && proposed.get(v.view) !== v.leader).map((v) => v.view);
    const checked = timeline.views.filter((v) => proposed.has(v.view)).length;
    expect(checked).toBeGreaterThan(10);
    expect(disagreements(timeline)).toEqual([]);
    expect(disagreements(wrong).length).toBeGreaterThan(0);
    // The model reads the leader from the nodes: each view's leader is the one the honest validators' view events named.
    for (const row of timeline.views) {
      const named = events.filter((e) => e.event === "view" && e.fields.view === row.view && e.node !== "v2" && e.node !== "v5").map((e) => e.fields.leader);
      expect(named).toContain(row.leader);
    }
  });
});

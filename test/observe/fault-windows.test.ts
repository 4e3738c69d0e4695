/**
 * Fault windows from a real run's `fault` events (the descriptions the fault
 * kinds write): an isolation ended by a selective heal, a clog and its
 * unclog, a pause of a fixed length, a partition ended by a heal, a crash
 * keyed by views (armed, then one crash and restart per view), a crash left
 * to the liveness phase; each matched to its scenario action. The liveness
 * message and the leader places read the same windows.
 */
import { describe, expect, it } from "vitest";
import { placeOf } from "../../src/observe/leader-place.js";
import { buildRunTimeline } from "../../src/observe/run-timeline.js";
import { parseScenario } from "../../src/scenario/load.js";
import { runRecorded } from "../helpers/scenario.js";

const S = 1_000_000;

describe("fault windows", () => {
  const s = parseScenario({
    name: "fault-windows",
    seed: 4,
    duration: "7s",
    validators: { count: 4, signatureScheme: "sim", viewTimeout: "500ms" },
    workload: { txPerSecond: 0 },
    l1: { enabled: false },
    faults: [
      { at: "1s", action: "isolate", node: "v2", direction: "both", id: "cut-v2" },
      { at: "1.5s", action: "heal", partition: "cut-v2" },
      { at: "1.6s", action: "clog", node: "v3" },
      { at: "2s", action: "unclog", node: "v3" },
      { at: "2.1s", action: "pause", node: "v0", duration: "300ms" },
      { at: "2.5s", action: "partition", groups: [["v0", "v1"], ["v2", "v3"]] },
      { at: "3s", action: "heal" },
      { at: "3.2s", action: "crash", node: "leader", views: [12, 13] },
      { at: "5s", action: "crash", node: "v1" },
    ],
    phases: { livenessAt: "6s" },
  });
  const { report, events } = runRecorded(s);
  const timeline = buildRunTimeline(s, events, { endUs: report.virtualDurationUs });
  const described = timeline.faults.map((w) => `${w.kind} ${w.description} ${w.fromUs} ${w.toUs} ${w.endedBy ?? ""} #${w.scheduleIndex ?? "-"}`);

  it("opens and closes each window with the event that undoes it", () => {
    expect(timeline.livenessPhaseUs).toBe(6 * S);
    expect(described.slice(0, 5)).toEqual([
      `isolate isolate v2 both id cut-v2 ${1 * S} ${1.5 * S} heal cut-v2 #0`,
      `clog clog v3 ${1.6 * S} ${2 * S} unclog v3 #2`,
      `pause pause v0 300000us ${2.1 * S} ${2.4 * S} duration #4`,
      `partition partition [v0,v1] | [v2,v3] ${2.5 * S} ${3 * S} heal #5`,
      `instant crash leader views 12..13 ${3.2 * S} ${3.2 * S}  #7`,
    ]);
    expect(timeline.faults[3]!.groups).toEqual([["v0", "v1"], ["v2", "v3"]]);
    // The crash of v1 at 5 s lasts until the liveness phase restarts it.
    expect(described.at(-1)).toBe(`crash crash v1 ${5 * S} ${6 * S} liveness phase #8`);
  });

  it("a crash keyed by views crashes each view's leader and restarts it when the view moves on", () => {
    const perView = timeline.faults.filter((w) => w.kind === "crash" && w.description.includes("(leader views 12..13: view"));
    expect(perView.length).toBeGreaterThanOrEqual(1);
    for (const w of perView) {
      expect(w.triggered).toBe(true);
      expect(w.toUs).not.toBeNull();
      // Restarted when the view moved on, or by the liveness phase if the view was still in force then.
      expect(w.endedBy).toMatch(new RegExp(`^(restart ${w.nodes[0]} \\(leader views 12\\.\\.13: view \\d+\\)|liveness phase)$`));
      // That view's leader was crashed by it: the row of view 12 or 13 says so.
      const row = timeline.views.find((v) => w.description.endsWith(`view ${v.view})`))!;
      expect(row.leader).toBe(w.nodes[0]);
      expect(row.leaderPlaces.some((p) => p.status === "crashed" && p.faults.includes(w.id))).toBe(true);
    }
  });

  it("places a node in each window at a moment inside it (placeOf, which every leader place comes from)", () => {
    const at = (node: string, t: number) => placeOf(node, timeline.nodes.find((n) => n.node === node), timeline.faults, t);
    expect(at("v2", 1.2 * S)).toMatchObject({ status: "isolated", faults: [0] });
    expect(at("v2", 1.5 * S)).toMatchObject({ status: "up", faults: [] });
    expect(at("v3", 1.8 * S)).toMatchObject({ status: "clogged", faults: [1] });
    expect(at("v0", 2.2 * S)).toMatchObject({ status: "paused", faults: [2] });
    expect(at("v0", 2.7 * S)).toMatchObject({ status: "partitioned", side: { windowId: 3, group: 0, members: ["v0", "v1"] } });
    expect(at("v3", 2.7 * S)).toMatchObject({ status: "partitioned", side: { windowId: 3, group: 1, members: ["v2", "v3"] } });
    expect(at("v1", 5.5 * S).status).toBe("crashed");
    expect(at("v1", 6.5 * S).status).toBe("up");
    // Every leader place of every row agrees with placeOf at its moment.
    for (const row of timeline.views) for (const p of row.leaderPlaces) expect(at(row.leader!, p.atUs)).toEqual(p);
    // v2's track: never down; v1's: down from 5 s to its restart in the liveness phase.
    expect(timeline.nodes.find((t) => t.node === "v2")!.down).toEqual([]);
    expect(timeline.nodes.find((t) => t.node === "v1")!.down).toContainEqual({ fromUs: 5 * S, toUs: 6 * S });
  });

  it("refuses observations out of time order", () => {
    expect(() => buildRunTimeline(s, [...events].reverse())).toThrow(/observations must be in time order/);
  });
});

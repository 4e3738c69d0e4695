/**
 * Goal: the pieces of round-based (Twins) schedules each do what they say in
 * a real run of four validators: a partition keyed by views and message
 * types drops exactly the messages of those views and types between its
 * groups and nothing else; a selective heal undoes one partition and leaves
 * another; overlapping groups deliver to the node they share; an isolation
 * of `leader` keyed by views follows the leader of every view, one at a time;
 * `next-leader` names the leader of the view after; the leader table is
 * followed by both instances of a twin; and safety holds within f under all
 * of it. Bad inputs get clear errors.
 */
import { describe, expect, it } from "vitest";
import type { Observation } from "../../src/check/checker.js";
import { applicationOf, replicaOf } from "../../src/consensus/byzantine/wrapper.js";
import type { ValidatorMessage } from "../../src/consensus/types.js";
import { InputError } from "../../src/config/errors.js";
import type { MessageInfo } from "../../src/net/cuts.js";
import { parseScenario } from "../../src/scenario/load.js";
import { runAndJudge, type RunReport } from "../../src/scenario/run.js";
import { ScenarioRun } from "../../src/scenario/scenario-run.js";
import type { Node, NodeContext, NodeId, TimerId } from "../../src/sim/node.js";
import { describeValidatorMessage } from "../../src/systems/validators/message-info.js";

const SAFETY = ["agreement", "root-agreement", "conservation", "validity", "reorg-bound", "equivocation"];

/** Four validators with sim signatures, no L1, a light workload, no random drops (so every message not cut arrives). */
function scenario(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    name: "round-schedules",
    seed: 5,
    duration: "5s",
    validators: { count: 4, signatureScheme: "sim", viewTimeout: "400ms" },
    workload: { txPerSecond: 20, clients: 1 },
    l1: { enabled: false },
    ...fields,
  };
}

interface Sent {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly atUs: number;
  readonly info: MessageInfo | undefined;
}

interface Received {
  readonly node: NodeId;
  readonly from: NodeId;
  readonly atUs: number;
  readonly info: MessageInfo;
}

/**
 * Runs a raw scenario recording every message put on the network (with the info the world handed over) and
 * every validator message a node received (described again at the receiver).
 */
function recordedRun(raw: Record<string, unknown>): { report: RunReport; events: Observation[]; sent: Sent[]; received: Received[]; run: ScenarioRun } {
  const received: Received[] = [];
  let now = (): number => 0;
  const wrapNode = (id: NodeId, node: Node<unknown>): Node<unknown> => {
    const inner = node as Node<ValidatorMessage>;
    return {
      replica: replicaOf(inner),
      application: applicationOf(inner),
      start: (ctx: NodeContext<unknown>) => inner.start(ctx as NodeContext<ValidatorMessage>),
      onMessage: (ctx: NodeContext<unknown>, from: NodeId, msg: unknown) => {
        received.push({ node: id, from, atUs: now(), info: describeValidatorMessage(msg as ValidatorMessage) });
        inner.onMessage(ctx as NodeContext<ValidatorMessage>, from, msg as ValidatorMessage);
      },
      onTimer: (ctx: NodeContext<unknown>, timer: TimerId, tag: string) => inner.onTimer(ctx as NodeContext<ValidatorMessage>, timer, tag),
    } as Node<unknown>;
  };
  const run = new ScenarioRun(parseScenario(raw), { wrapNode });
  now = () => run.world.sim.nowUs;
  const sent: Sent[] = [];
  const network = run.world.network;
  const send = network.send.bind(network);
  network.send = (from, to, bytes, info) => {
    sent.push({ from, to, atUs: run.world.sim.nowUs, info });
    send(from, to, bytes, info);
  };
  const events: Observation[] = [];
  run.addObserver((o) => events.push(o));
  return { report: runAndJudge(run), events, sent, received, run };
}

function expectSafetyHeld(report: RunReport): void {
  for (const name of SAFETY) expect(report.invariants.find((r) => r.name === name), name).toMatchObject({ ok: true });
  expect(report.violation).toBeUndefined();
}

/**
 * Messages between validators by (from, to, type, view), counted; the view only of the messages that carry
 * one (the sender's side also gives the others their sender's view, which the receiver cannot see).
 */
function tally<T extends { from: NodeId; info: MessageInfo | undefined }>(items: readonly T[], to: (item: T) => NodeId): Map<string, number> {
  const out = new Map<string, number>();
  for (const item of items) {
    if (!/^v\d+t?$/.test(item.from) || !/^v\d+t?$/.test(to(item))) continue;
    const type = item.info?.type ?? "-";
    const view = type === "proposal" || type === "vote" || type === "timeout" ? item.info?.view : "-";
    const key = `${item.from}>${to(item)} ${type} ${view}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

const faultDescriptions = (events: readonly Observation[]): string[] => events.filter((e) => e.event === "fault").map((e) => String(e.fields.description));

describe("a partition keyed by views and types", () => {
  it("drops exactly the votes of views 3 to 6 between its groups, and delivers every other message", () => {
    const raw = scenario({
      faults: [{ action: "partition", id: "votes", views: [3, 6], types: ["vote"], groups: [["v0", "v1"], ["v2", "v3"]] }],
    });
    const { report, sent, received } = recordedRun(raw);
    // Messages sent in the last 100 ms may still be in flight at the end (latency at most 40 ms).
    const cutoffUs = 5_000_000 - 100_000;
    const sides = new Map([
      ["v0", 0],
      ["v1", 0],
      ["v2", 1],
      ["v3", 1],
    ]);
    const dropped = (s: Sent): boolean => sides.get(s.from) !== sides.get(s.to) && s.info?.type === "vote" && s.info.view !== undefined && s.info.view >= 3 && s.info.view <= 6;
    const early = sent.filter((s) => s.atUs < cutoffUs);
    const expected = tally(early.filter((s) => !dropped(s)), (s) => s.to);
    const got = tally(received, (r) => r.node);
    // Every message the cut must drop was sent and never arrived.
    const mustDrop = early.filter(dropped);
    expect(mustDrop.length).toBeGreaterThan(0);
    for (const s of mustDrop) expect(got.has(`${s.from}>${s.to} vote ${s.info!.view}`), `${s.from}>${s.to} vote ${s.info!.view}`).toBe(false);
    // Everything else between validators arrived, once each (no random drops or duplicates in this network).
    for (const [key, count] of expected) expect(got.get(key) ?? 0, key).toBeGreaterThanOrEqual(count);
    // Votes of other views crossed between the groups, and messages of those views of other types too.
    expect([...got.keys()].some((k) => /^v[01]>v[23] vote (1|2|7|8)$/.test(k))).toBe(true);
    expect([...got.keys()].some((k) => /^v[01]>v[23] (proposal|timeout) [3-6]$/.test(k))).toBe(true);
    expectSafetyHeld(report);
  });

  it("a message that carries no view is judged by its sender's current view (app and sync requests)", () => {
    const raw = scenario({ faults: [{ action: "partition", views: [1, 1000], types: ["app"], groups: [["v0"], ["v1", "v2", "v3"]] }] });
    const { sent, received, report } = recordedRun(raw);
    const appOut = sent.filter((s) => s.from === "v0" && /^v[123]$/.test(s.to) && s.info?.type === "app");
    expect(appOut.length).toBeGreaterThan(0);
    for (const s of appOut) expect(s.info?.view, "an app message takes its sender's view").toBeGreaterThanOrEqual(1);
    expect(received.filter((r) => r.from === "v0" && /^v[123]$/.test(r.node) && r.info.type === "app")).toEqual([]);
    // Clients are in no group: their links to v0 are untouched.
    expect(received.some((r) => r.from === "v0" && r.node === "c0" && r.info.type === "app")).toBe(true);
    // v0's consensus messages still arrive: only the app class is cut.
    expect(received.some((r) => r.from === "v0" && r.node === "v1" && r.info.type === "proposal")).toBe(true);
    expectSafetyHeld(report);
  });
});

describe("a selective heal", () => {
  it("undoes the partition it names and leaves the other in force", () => {
    const raw = scenario({
      faults: [
        { at: "500ms", action: "partition", id: "p1", groups: [["v0"], ["v1", "v2", "v3"]] },
        { at: "500ms", action: "partition-oneway", id: "p2", from: ["v1"], to: ["v2"] },
        { at: "2s", action: "heal", partition: "p1" },
      ],
    });
    const { received, events, report } = recordedRun(raw);
    expect(faultDescriptions(events)).toEqual(["partition [v0] | [v1,v2,v3] id p1", "partition-oneway [v1] -> [v2] id p2", "heal p1"]);
    const between = (from: string, to: string, fromUs: number, toUs: number): Received[] => received.filter((r) => r.from === from && r.node === to && r.atUs > fromUs && r.atUs < toUs);
    // p1 in force: v0 hears nobody; after the heal of p1 it hears v1 again.
    expect(between("v1", "v0", 550_000, 2_000_000)).toEqual([]);
    expect(between("v1", "v0", 2_050_000, 5_000_000).length).toBeGreaterThan(0);
    // p2 stays: v1 never reaches v2 after 500 ms, while v2 reaches v1.
    expect(between("v1", "v2", 550_000, 5_000_000)).toEqual([]);
    expect(between("v2", "v1", 2_050_000, 5_000_000).length).toBeGreaterThan(0);
    expectSafetyHeld(report);
  });
});

describe("overlapping groups (Twins group semantics)", () => {
  it("a node in two groups hears both; nodes that share no group are cut", () => {
    const raw = scenario({ faults: [{ at: "0s", action: "partition", groups: [["v0", "v1", "v2"], ["v2", "v3"]] }] });
    const { received, report } = recordedRun(raw);
    const heard = (from: string, to: string): number => received.filter((r) => r.from === from && r.node === to).length;
    for (const other of ["v0", "v1", "v3"]) {
      expect(heard(other, "v2"), `${other} -> v2`).toBeGreaterThan(0);
      expect(heard("v2", other), `v2 -> ${other}`).toBeGreaterThan(0);
    }
    expect(heard("v0", "v1")).toBeGreaterThan(0);
    for (const [a, b] of [["v0", "v3"], ["v3", "v0"], ["v1", "v3"], ["v3", "v1"]] as const) expect(heard(a, b), `${a} -> ${b}`).toBe(0);
    // v0, v1, v2 hold a quorum: the chain goes on.
    expect(report.metrics.commits as number).toBeGreaterThan(3);
    expectSafetyHeld(report);
  });
});

describe("view-keyed targets", () => {
  it("isolate leader with views re-resolves the leader at every view and releases the previous one", () => {
    const raw = scenario({ duration: "8s", faults: [{ action: "isolate", node: "leader", views: [2, 4] }] });
    const { events, report } = recordedRun(raw);
    const holds = events.filter((e) => e.event === "fault" && String(e.fields.description).startsWith("isolate both v"));
    const releases = events.filter((e) => e.event === "fault" && String(e.fields.description).startsWith("end isolation of"));
    // One isolation per view 2..4 (views are not skipped here), each of that view's leader (v mod 4).
    expect(holds.map((e) => e.fields.description)).toEqual([2, 3, 4].map((v) => `isolate both v${v % 4} (leader views 2..4: view ${v})`));
    // Each one ends when the view moves on (the last one at view 5), before the next begins: one node at a time.
    expect(releases.map((e) => e.fields.description)).toEqual([3, 4, 5].map((v) => `end isolation of v${(v - 1) % 4} (leader views 2..4: view ${v})`));
    const order = events.filter((e) => holds.includes(e) || releases.includes(e)).map((e) => (holds.includes(e) ? "hold" : "release"));
    expect(order).toEqual(["hold", "release", "hold", "release", "hold", "release"]);
    // Each isolation starts when the first honest validator enters its view.
    for (const [i, hold] of holds.entries()) {
      const entered = events.find((e) => e.event === "view" && e.fields.view === i + 2)!;
      expect(hold.timeUs).toBe(entered.timeUs);
    }
    // An isolated leader's view fails: views 2..4 end by timeout, and the chain resumes afterwards.
    for (const view of [2, 3, 4]) expect(events.some((e) => e.event === "tc" && e.fields.view === view), `TC of view ${view}`).toBe(true);
    const release = releases.at(-1)!.timeUs;
    expect(events.some((e) => e.event === "commit" && e.timeUs > release)).toBe(true);
    expectSafetyHeld(report);
    expect(report.exitCode).toBe(0);
  });

  it("crash next-leader with views crashes the leader of the view after, restarting it as the view moves on", () => {
    const raw = scenario({ faults: [{ action: "crash", node: "next-leader", views: [3, 3] }] });
    const { events, report } = recordedRun(raw);
    const faults = faultDescriptions(events);
    // At view 3 the next leader is the leader of view 4: v0. It is down for the whole of view 3 and restarted when view 4 begins.
    expect(faults).toEqual(["crash next-leader views 3..3", "crash v0 (next-leader views 3..3: view 3)", "restart v0 (next-leader views 3..3: view 4)"]);
    const crash = events.find((e) => e.event === "fault" && String(e.fields.description).startsWith("crash v0"))!;
    const restart = events.find((e) => e.event === "fault" && String(e.fields.description).startsWith("restart v0"))!;
    expect(crash.timeUs).toBe(events.find((e) => e.event === "view" && e.fields.view === 3)!.timeUs);
    expect(restart.timeUs).toBe(events.find((e) => e.event === "view" && e.fields.view === 4)!.timeUs);
    expect(events.filter((e) => e.node === "v0" && e.timeUs > crash.timeUs && e.timeUs < restart.timeUs)).toEqual([]);
    // The votes of view 3 went to the crashed next leader: view 3 ended by a TC.
    expect(events.some((e) => e.event === "tc" && e.fields.view === 3)).toBe(true);
    expectSafetyHeld(report);
    expect(report.exitCode).toBe(0);
  });
});

describe("the leader table", () => {
  it("both instances of a twin lead the views the table gives their validator; the others follow round-robin", () => {
    // Table: v1 leads views 2 and 3, v3 leads view 6; round-robin gives view 1 and 5 to v1, 4 to v0, 7 to v3.
    const raw = scenario({
      validators: { count: 4, signatureScheme: "sim", viewTimeout: "400ms", leaderElection: "round-robin", leaders: { "2": "v1", "3": "v1", "6": "v3" } },
      byzantine: [{ node: "v1", behavior: "twin" }],
    });
    const { events, report } = recordedRun(raw);
    const proposers = (view: number): string[] => [...new Set(events.filter((e) => e.event === "propose" && e.fields.view === view).map((e) => e.node))].sort();
    for (const view of [2, 3]) {
      expect(proposers(view).length, `view ${view}`).toBeGreaterThan(0);
      expect(["v1", "v1t"], `view ${view}`).toEqual(expect.arrayContaining(proposers(view)));
    }
    expect(proposers(4)).toEqual(["v0"]);
    expect(proposers(6)).toEqual(["v3"]);
    expect(proposers(7)).toEqual(["v3"]);
    // The twin instance proposes in the table's views (it follows the table, not v2's round-robin turn of view 2).
    expect(events.some((e) => e.node === "v1t" && e.event === "propose" && (e.fields.view === 2 || e.fields.view === 3))).toBe(true);
    const twinViews = new Set(events.filter((e) => e.node === "v1t" && e.event === "propose").map((e) => e.fields.view as number));
    for (const view of twinViews) expect([1, 2, 3, 5, 9, 13, 17, 21, 25], `v1t proposed in view ${view}`).toContain(view);
    // Honest validators take the table's leader: no proposal refused as not from the view's leader, votes in views 2 and 3.
    expect(events.filter((e) => e.event === "reject" && e.fields.reason === "proposal not from the view's leader")).toEqual([]);
    expect(events.some((e) => e.node === "v2" && e.event === "vote" && e.fields.view === 2)).toBe(true);
    // The twin equivocates within f; the honest validators stay safe (the equivocation checker knows the table's leaders).
    expectSafetyHeld(report);
  });
});

describe("the documented example (docs/scenario-format.md)", () => {
  it("parses, runs, and keeps the honest validators safe with one twin", () => {
    const raw = scenario({
      duration: "8s",
      validators: { count: 4, signatureScheme: "sim", viewTimeout: "400ms", leaders: { "1": "v2", "2": "v2", "3": "v2" } },
      byzantine: [{ node: "v2", behavior: "twin" }],
      faults: [
        { action: "partition", id: "r1-3", views: [1, 3], groups: [["v0", "v1", "v2"], ["v2t", "v3"]] },
        { action: "partition-oneway", id: "no-votes", views: [4, 4], types: ["vote"], from: ["v1"], to: ["v0", "v2", "v2t", "v3"] },
        { action: "isolate", node: "leader", views: [5, 7] },
        { at: { view: 8 }, action: "heal", partition: "r1-3" },
        { at: "6s", action: "heal" },
      ],
    });
    const { report, events } = recordedRun(raw);
    expect(faultDescriptions(events).filter((d) => d.startsWith("isolate both"))).toHaveLength(3);
    expectSafetyHeld(report);
  });
});

describe("round schedules: bad input", () => {
  const bad = (faults: unknown[], extra: Record<string, unknown> = {}): string => {
    try {
      const s = parseScenario(scenario({ faults, ...extra }));
      new ScenarioRun(s);
    } catch (error) {
      if (error instanceof InputError) return `${error.field}: ${error.message}`;
      throw error;
    }
    throw new Error("no error");
  };

  it("refuses an inverted view range, an unknown type, an unknown heal id and an id used twice", () => {
    expect(bad([{ action: "partition", views: [5, 3], groups: [["v0"], ["v1"]] }])).toMatch(/faults\[0\]\.views.*view range inverted: \[5, 3\]/);
    expect(bad([{ action: "partition", views: [1, 2], types: ["votes"], groups: [["v0"], ["v1"]] }])).toMatch(/faults\[0\]\.types\[0\].*expected one of "proposal", "vote", "timeout", "sync", "app", .*got "votes"/);
    expect(bad([{ action: "partition", id: "p1", views: [1, 2], groups: [["v0"], ["v1"]] }, { at: "1s", action: "heal", partition: "p9" }])).toMatch(/faults\[1\]\.partition.*unknown partition id "p9" \(ids: p1\)/);
    expect(bad([{ at: "1s", action: "partition", id: "p1", groups: [["v0"], ["v1"]] }, { at: "2s", action: "partition-oneway", id: "p1", from: ["v2"], to: ["v3"] }])).toMatch(/faults\[1\]\.id.*"p1" is already used by faults\[0\]/);
    expect(bad([{ action: "partition", views: [1, 2], types: ["vote", "vote"], groups: [["v0"], ["v1"]] }])).toMatch(/vote is listed twice/);
  });

  it("refuses a leader table naming a stranger or view 0, and a view-keyed crash of an unknown target", () => {
    const validators = (leaders: unknown): Record<string, unknown> => ({ validators: { count: 4, signatureScheme: "sim", leaders } });
    expect(bad([], validators({ "3": "v7" }))).toMatch(/validators\.leaders\.3.*unknown validator "v7" \(validators are v0\.\.v3\)/);
    expect(bad([], validators({ "0": "v1" }))).toMatch(/validators\.leaders.*view 0 is the genesis/);
    expect(bad([{ action: "crash", node: "leaderr", views: [1, 2] }])).toMatch(/faults\[0\]\.node.*unknown node "leaderr"/);
  });
});

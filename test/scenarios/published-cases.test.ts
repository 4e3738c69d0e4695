/**
 * Published BFT test cases shipped as scenarios (`sim-scenarios/published-*.json`,
 * docs/published-cases.md): each run checks the case's expected outcome (safety
 * holds and the attack's or the fault's shape happened, or the must-fail
 * violation is found at the scenario's seed). Where the case targets another
 * protocol's rule, the test replays the run's events through that rule, built
 * here and never in src/, and shows the agreement checker catches it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Observation, Violation } from "../../src/check/checker.js";
import { AgreementChecker } from "../../src/check/validators/agreement.js";
import { parseScenario } from "../../src/scenario/load.js";
import type { RunReport } from "../../src/scenario/run.js";
import { invariant, ROOT, rawScenario, runRecorded, runScenario, scenario } from "../helpers/scenario.js";

const S = 1_000_000;
const SAFETY = ["agreement", "root-agreement", "conservation", "validity", "reference-ledger", "reorg-bound", "equivocation"];

function expectSafe(report: RunReport): void {
  for (const name of SAFETY) expect(invariant(report, name), name).toMatchObject({ ok: true });
  expect(report.violation).toBeUndefined();
  expect(report.exitCode).toBe(0);
}

/** Every event of `name` (optionally of one node). */
function eventsOf(events: readonly Observation[], name: string, node?: string): Observation[] {
  return events.filter((e) => e.event === name && (node === undefined || e.node === node));
}

/** The nodes that formed a QC of `view` (the `qc` event is logged by the collector only). */
function qcFormers(events: readonly Observation[], view: number): string[] {
  return [...new Set(eventsOf(events, "qc").filter((e) => e.fields.view === view).map((e) => e.node))].sort();
}

/** Committed height of `node` at time `atUs` (the highest `commit` it logged by then). */
function heightAt(events: readonly Observation[], node: string, atUs: number): number {
  let height = 0;
  for (const e of events) {
    if (e.timeUs > atUs) break;
    if (e.event === "commit" && e.node === node) height = e.fields.height as number;
  }
  return height;
}

/** Every block any node inserted: hash -> parent, height, view (the block store all nodes share in the twins-simulator). */
function blockStore(events: readonly Observation[]): Map<string, { parent: string; height: number; view: number }> {
  const blocks = new Map<string, { parent: string; height: number; view: number }>();
  for (const e of eventsOf(events, "block")) {
    blocks.set(e.fields.hash as string, { parent: e.fields.parent as string, height: e.fields.height as number, view: e.fields.view as number });
  }
  return blocks;
}

/** The block the leader of `view` proposed (its `propose` event; one per view in these runs). */
function proposalOf(events: readonly Observation[], view: number): string {
  const proposals = [...new Set(eventsOf(events, "propose").filter((e) => e.fields.view === view).map((e) => e.fields.hash as string))];
  expect(proposals, `proposals of view ${view}`).toHaveLength(1);
  return proposals[0]!;
}

/**
 * The Fast-HotStuff model's commit rule (twins-simulator fhs/node.py, `_process_qc`), a
 * deliberately broken rule built here: whenever a node learns a QC for block b1 (it formed
 * it, or it inserted a block whose justify QC certifies b1, its parent), it commits b1's
 * parent, without checking that the two views are consecutive. Returns the `commit`
 * observations that rule would have produced in this run.
 */
function modelCommits(events: readonly Observation[]): Observation[] {
  const blocks = blockStore(events);
  const out: Observation[] = [];
  const seen = new Set<string>();
  const commitParentOf = (e: Observation, certified: string): void => {
    const b1 = blocks.get(certified);
    const b0 = b1 === undefined ? undefined : blocks.get(b1.parent);
    if (b1 === undefined || b0 === undefined || seen.has(`${e.node}:${b1.parent}`)) return;
    seen.add(`${e.node}:${b1.parent}`);
    out.push({ timeUs: e.timeUs, node: e.node, event: "commit", fields: { height: b0.height, view: b0.view, hash: b1.parent } });
  };
  for (const e of events) {
    if (e.event === "qc") commitParentOf(e, e.fields.hash as string);
    if (e.event === "block") commitParentOf(e, e.fields.parent as string);
  }
  return out;
}

function firstViolation(checker: AgreementChecker, observations: readonly Observation[]): Violation | undefined {
  for (const o of observations) {
    const violation = checker.observe(o);
    if (violation !== undefined) return violation;
  }
  return undefined;
}

describe("every shipped scenario loads", () => {
  const shipped = readdirSync(join(ROOT, "sim-scenarios")).filter((f) => f.endsWith(".json"));

  it.each(shipped)("%s parses", (file) => {
    const parsed = parseScenario(rawScenario(file.replace(/\.json$/, "")));
    expect(`${parsed.name}.json`).toBe(file);
  });

  it("each published case states its source, what the original does, the mapping, the expected outcome and the fidelity", () => {
    const published = shipped.filter((f) => f.startsWith("published-"));
    expect(published).toHaveLength(14);
    for (const file of published) {
      const raw = JSON.parse(readFileSync(join(ROOT, "sim-scenarios", file), "utf8")) as { name: string; description: string };
      for (const part of ["SOURCE:", "WHAT THE ORIGINAL DOES:", "MAPPING HERE:", "EXPECTED OUTCOME HERE:", "FIDELITY:"]) expect(raw.description, `${file} ${part}`).toContain(part);
      expect(raw.description, file).not.toMatch(/DRAFT|drafts\//);
    }
  });

  it("each round-based case (explicit leaders, view-keyed partitions) has its approximation shipped, and each names the other", () => {
    const rounds = shipped.filter((f) => f.startsWith("published-") && f.endsWith("-rounds.json"));
    expect(rounds).toHaveLength(4);
    for (const file of rounds) {
      const approximation = file.replace(/-rounds\.json$/, ".json");
      expect(shipped).toContain(approximation);
      const [own, other] = [file, approximation].map((f) => JSON.parse(readFileSync(join(ROOT, "sim-scenarios", f), "utf8")) as { description: string; validators: { leaders?: unknown } });
      expect(own!.description).toContain(`sim-scenarios/${approximation}`);
      expect(other!.description).toContain(file.replace(/\.json$/, ""));
      expect(own!.validators.leaders, file).toBeDefined();
    }
  });
});

describe("twins-simulator: the Fast-HotStuff attack", () => {
  it("the fork shape happens, the two-chain rule stays safe, and the model's own commit rule would break agreement in this very run", () => {
    const { report, events } = runRecorded(scenario("published-twins-fhs-attack"));
    expectSafe(report);
    expect(invariant(report, "min-commits").ok).toBe(true);
    expect(invariant(report, "reorg-bound").figures.deepestReorg).toBeLessThanOrEqual(2);

    // Each silenced leader alone holds the QC it formed.
    expect(qcFormers(events, 4)).toEqual(["v1"]);
    expect(qcFormers(events, 6)).toEqual(["v3"]);
    expect(qcFormers(events, 8)).toEqual(["v1"]);
    // Their proposals of views 5, 7 and 9 reached nobody else.
    for (const [view, leader] of [[5, "v1"], [7, "v3"], [9, "v1"]] as const) {
      const hash = proposalOf(events, view);
      expect(eventsOf(events, "block").filter((e) => e.fields.hash === hash).map((e) => e.node), `view ${view}`).toEqual([leader]);
    }
    // The fork: the blocks of views 4 and 6 are siblings on the view-3 block; 8 extends 4 and 10 extends 6.
    const blocks = blockStore(events);
    const [b3, b4, b6, b8, b10] = [3, 4, 6, 8, 10].map((view) => proposalOf(events, view));
    expect(blocks.get(b4!)!.parent).toBe(b3);
    expect(blocks.get(b6!)!.parent).toBe(b3);
    expect(blocks.get(b8!)!.parent).toBe(b4);
    expect(blocks.get(b10!)!.parent).toBe(b6);
    // Honest validators voted on both forks.
    for (const node of ["v0", "v2"]) {
      const voted = new Set(eventsOf(events, "vote", node).map((e) => e.fields.hash));
      expect(voted.has(b6) && voted.has(b8), node).toBe(true);
    }
    // Here: everyone commits the view-6 block at height 4; the view-4 fork is never committed.
    for (const node of ["v0", "v1", "v2", "v3"]) {
      const commits = eventsOf(events, "commit", node);
      expect(commits.find((e) => e.fields.height === 4)?.fields.hash, node).toBe(b6);
      expect(commits.some((e) => e.fields.hash === b4 || e.fields.hash === b8), node).toBe(false);
    }
    // The model's rule, fed the same run: v1 commits the view-4 block when it forms the QC of view 8.
    const violation = firstViolation(new AgreementChecker(new Set(["v0", "v1", "v2", "v3"])), modelCommits(events));
    expect(violation?.message).toMatch(/^height 4: /);
    expect(violation?.message).toContain(b4!.slice(0, 16));
    expect(violation?.message).toContain(b6!.slice(0, 16));
  });
});

describe("Aptos basic Twins tests", () => {
  it("basic_start_test: the first proposal's parent (and so the block its QC certifies) is the genesis block", () => {
    const { report, events } = runRecorded(scenario("published-aptos-twins-basic-start"));
    expectSafe(report);
    expect(invariant(report, "min-commits").ok).toBe(true);
    const genesis = new Set(eventsOf(events, "head").filter((e) => e.fields.height === 0).map((e) => e.fields.hash));
    expect(genesis.size).toBe(1);
    const first = proposalOf(events, 1);
    const inserted = eventsOf(events, "block").filter((e) => e.fields.hash === first);
    expect(inserted).toHaveLength(4);
    for (const e of inserted) expect(e.fields).toMatchObject({ height: 1, parent: [...genesis][0] });
  });

  it("drop_config_test: the side with a quorum commits, the validator cut off commits nothing", () => {
    const { report, events } = runRecorded(scenario("published-aptos-twins-drop-config"));
    expectSafe(report);
    expect(invariant(report, "min-commits").ok).toBe(true);
    expect(eventsOf(events, "commit", "v2")).toHaveLength(0);
    for (const node of ["v0", "v1", "v3"]) expect(heightAt(events, node, 20 * S), node).toBeGreaterThanOrEqual(5);
    expect(report.metrics.messages.dropped).toBeGreaterThan(0);
  });

  it("twins_vote_dedup_test: three votes from two identities form no QC, so nothing commits; three identities would", () => {
    const { report, events } = runRecorded(scenario("published-aptos-twins-vote-dedup"));
    expectSafe(report);
    expect(invariant(report, "no-honest-commit")).toMatchObject({ ok: true, figures: { honestCommits: 0 } });
    // v1, its twin v1t and v2 all voted for view 1, whose collector v2 is on their side.
    expect(eventsOf(events, "vote").filter((e) => e.fields.view === 1).map((e) => e.node).sort()).toEqual(["v1", "v1t", "v2"]);
    expect(eventsOf(events, "qc")).toHaveLength(0);
    expect(eventsOf(events, "tc")).toHaveLength(0);
    // Control: the same side with a third distinct validator instead of the twin commits.
    const control = runScenario(scenario("published-aptos-twins-vote-dedup", { byzantine: [], faults: [{ at: "0s", action: "partition", groups: [["v0"], ["v1", "v2", "v3"]] }] }, 5 * S));
    expect(invariant(control, "no-honest-commit").ok).toBe(false);
  });

  it("twins_proposer_test (must fail): two twins make both sides commit their own blocks, found at the scenario's seed", () => {
    // Run on past the violation (the first one stays the run's verdict) to see the twins' own commits too.
    const { report, events } = runRecorded(scenario("published-aptos-twins-proposer", { phases: { continueAfterViolation: true } }));
    expect(report.exitCode).toBe(1);
    expect(report.violation?.invariant).toBe("agreement");
    expect(report.violation?.message).toMatch(/^height 1: v[23] committed [0-9a-f]{16} but v[23] committed [0-9a-f]{16}$/);
    // As Aptos asserts: n0 and its twin commit different blocks.
    const first = (node: string) => eventsOf(events, "commit", node)[0]?.fields.hash;
    expect(first("v0")).toBeDefined();
    expect(first("v0t")).toBeDefined();
    expect(first("v0")).not.toBe(first("v0t"));
  });

  it("twins_commit_test: a node and its twin race their proposals, and both commit the same blocks", () => {
    const { report, events } = runRecorded(scenario("published-aptos-twins-commit"));
    expectSafe(report);
    expect(invariant(report, "min-commits").ok).toBe(true);
    expect(invariant(report, "equivocation").figures.conflictingProposalsObserved).toBeGreaterThan(0);
    const byHeight = (node: string) => new Map(eventsOf(events, "commit", node).map((e) => [e.fields.height as number, e.fields.hash]));
    const [original, twin] = [byHeight("v0"), byHeight("v0t")];
    const common = [...original.keys()].filter((h) => twin.has(h));
    expect(common.length).toBeGreaterThan(20);
    for (const h of common) expect(twin.get(h), `height ${h}`).toBe(original.get(h));
  });
});

describe("HotShot", () => {
  it("test_with_failures_2: two leaders down at view 5, the view right after the view change succeeds", () => {
    const { report, events } = runRecorded(scenario("published-hotshot-failures-2"));
    expectSafe(report);
    expect(invariant(report, "min-commits")).toMatchObject({ ok: true });
    expect(invariant(report, "max-failed-views")).toMatchObject({ ok: true, figures: { failedViews: 3 } });
    expect(eventsOf(events, "fault").map((e) => e.fields.description)).toEqual(["crash v10 (at view 5)", "crash v11 (at view 5)"]);
    expect([...new Set(eventsOf(events, "tc").map((e) => e.fields.view))].sort((a, b) => (a as number) - (b as number))).toEqual([9, 10, 11]);
    expect(eventsOf(events, "propose").filter((e) => e.fields.view === 10 || e.fields.view === 11)).toHaveLength(0);
    // View 12, led by v0 right after the TC of view 11, is certified and committed by every running validator.
    const b12 = proposalOf(events, 12);
    expect(eventsOf(events, "propose", "v0").some((e) => e.fields.hash === b12)).toBe(true);
    expect(qcFormers(events, 12)).toEqual(["v1"]);
    const committers = new Set(eventsOf(events, "commit").filter((e) => e.fields.hash === b12).map((e) => e.node));
    expect(committers.size).toBe(10);
    // HotShot's own bound of 2 failed views does not hold here: this project also counts view 9, whose QC the dead v10 would have formed.
    const strict = runScenario(scenario("published-hotshot-failures-2", { invariants: { livenessBound: "8s", maxFailedViews: 2 } }));
    expect(strict.violation?.invariant).toBe("max-failed-views");
    expect(strict.exitCode).toBe(3);
  });

  it("broken_3_chain: with every third leader cut off no three consecutive views are certified, yet the two-chain rule commits", () => {
    const { report, events } = runRecorded(scenario("published-hotshot-broken-3-chain"));
    expectSafe(report);
    expect(invariant(report, "min-commits")).toMatchObject({ ok: true });
    expect(invariant(report, "max-failed-views").ok).toBe(true);
    expect(eventsOf(events, "fault")).toHaveLength(3);
    const certified = new Set(eventsOf(events, "qc").map((e) => e.fields.view as number));
    const lastView = Math.max(...certified);
    expect(lastView).toBeGreaterThan(60);
    for (let view = 3; view <= lastView; view++) {
      // Only views whose leader and next leader are both up get a QC: 0, 1, 4, 7 modulo 10.
      expect(certified.has(view), `view ${view}`).toBe([0, 1, 4, 7].includes(view % 10));
      // So a 3-chain never completes after the failure.
      expect(certified.has(view) && certified.has(view + 1) && certified.has(view + 2), `3-chain at ${view}`).toBe(false);
    }
    // The two-chain rule commits through the pairs (10k, 10k + 1): every commit after the failure is at such a pair.
    const failedAt = eventsOf(events, "fault")[0]!.timeUs;
    const newHeights = eventsOf(events, "commit", "v0").filter((e) => e.timeUs > failedAt);
    expect(newHeights.length).toBeGreaterThanOrEqual(10);
    expect(report.metrics.messages.dropped).toBeGreaterThan(1000);
  });
});

describe("TigerBeetle: asymmetric partitions", () => {
  it("one-way cuts of a backup and of the leader, then a two-sided asymmetric split: safe, committing where a quorum hears itself, converging after the heal", () => {
    const { report, events } = runRecorded(scenario("published-tigerbeetle-asymmetric-partitions"));
    expectSafe(report);
    expect(invariant(report, "liveness")).toMatchObject({ ok: true });
    expect(invariant(report, "min-commits").ok).toBe(true);
    expect(report.metrics.messages.dropped).toBeGreaterThan(100);
    const all = ["v0", "v1", "v2", "v3"];
    const progress = (node: string, fromS: number, toS: number) => heightAt(events, node, toS * S) - heightAt(events, node, fromS * S + 0.1 * S);
    const faults = eventsOf(events, "fault").map((e) => String(e.fields.description));
    const isolatedLeader = (direction: string) => new RegExp(`^isolate (v\\d) \\(leader\\) ${direction}$`).exec(faults.find((d) => d.endsWith(`(leader) ${direction}`))!)![1]!;

    // Backup send-only (v3 hears nothing): v3 stands still, the others commit.
    expect(progress("v3", 4, 9)).toBe(0);
    for (const node of ["v0", "v1", "v2"]) expect(progress(node, 4, 9), node).toBeGreaterThan(0);
    // Backup receive-only: v3 keeps committing with the others.
    for (const node of all) expect(progress(node, 11, 16), node).toBeGreaterThan(0);
    // Leader send-only: the cut-off validator stands still, the others commit.
    const sendOnly = isolatedLeader("inbound");
    expect(progress(sendOnly, 18, 23)).toBe(0);
    for (const node of all.filter((n) => n !== sendOnly)) expect(progress(node, 18, 23), node).toBeGreaterThan(0);
    // Leader receive-only: the others commit.
    const receiveOnly = isolatedLeader("outbound");
    for (const node of all.filter((n) => n !== receiveOnly)) expect(progress(node, 25, 30), node).toBeGreaterThan(0);
    // 2 | 2 with only one direction open: no quorum hears itself, nobody commits.
    for (const node of all) expect(progress(node, 32, 37), node).toBe(0);
    // Liveness phase: everyone commits again.
    for (const node of all) expect(progress(node, 39, 50), node).toBeGreaterThan(20);
  });
});

describe("Aptos: changing working quorum", () => {
  it("first cycles (cut to 36 s, 40 tx/s): active validators advance together, the recently down one catches up, the down ones stand still", () => {
    const { report, events } = runRecorded(scenario("published-aptos-changing-working-quorum", { workload: { txPerSecond: 40 }, invariants: { livenessBound: "30s" } }, 36 * S));
    expectSafe(report);
    const down0 = ["v1", "v2", "v3", "v4", "v5", "v6"];
    const down1 = ["v2", "v3", "v4", "v5", "v6", "v7"];
    expect(eventsOf(events, "fault").map((e) => String(e.fields.description)).filter((d) => d.startsWith("isolate")).map((d) => d.split(" ")[1])).toEqual([...down0, ...down1]);
    const validators = [...Array(20).keys()].map((i) => `v${i}`);
    const check = (fromUs: number, toUs: number, down: string[], lagging: string[]) => {
      const active = validators.filter((v) => !down.includes(v) && !lagging.includes(v));
      const startMax = Math.max(...active.map((v) => heightAt(events, v, fromUs)));
      const endMin = Math.min(...active.map((v) => heightAt(events, v, toUs)));
      expect(endMin - startMax).toBeGreaterThanOrEqual(Math.floor((toUs - fromUs) / S / 2)); // Aptos: check_period_s / 2 rounds
      for (const v of lagging) expect(heightAt(events, v, toUs), v).toBeGreaterThan(heightAt(events, v, fromUs));
      for (const v of down) expect(heightAt(events, v, toUs) - heightAt(events, v, fromUs + 0.1 * S), v).toBeLessThanOrEqual(3);
      const txs = eventsOf(events, "state-root", active[0]).filter((e) => e.timeUs > fromUs && e.timeUs <= toUs).reduce((n, e) => n + (e.fields.txs as number), 0);
      expect(txs).toBeGreaterThanOrEqual(15 * ((toUs - fromUs) / S)); // Aptos: min_tps 15
    };
    check(0, 27 * S, down0, []);
    check(27 * S, 36 * S, down1, ["v1"]);
  });
});

describe("round-based cases: the originals' leader schedules and per-round partitions", () => {
  /** The views some validator formed a TC of, ascending. */
  const tcViews = (events: readonly Observation[]) => [...new Set(eventsOf(events, "tc").map((e) => e.fields.view as number))].sort((a, b) => a - b);
  /** The nodes that inserted block `hash`. */
  const holders = (events: readonly Observation[], hash: string) => [...new Set(eventsOf(events, "block").filter((e) => e.fields.hash === hash).map((e) => e.node))].sort();
  /** `node`'s committed block per height. */
  const commitsByHeight = (events: readonly Observation[], node: string) => new Map(eventsOf(events, "commit", node).map((e) => [e.fields.height as number, e.fields.hash as string]));

  it("twins-simulator FHS attack: the original's leaders and cuts per view give its fork shape; the two-chain rule commits one side, the model's rule would commit both", () => {
    const { report, events } = runRecorded(scenario("published-twins-fhs-attack-rounds"));
    expectSafe(report);
    expect(invariant(report, "min-commits").ok).toBe(true);
    // The heal at view 10 (all cuts end there) lets liveness be judged rather than skipped.
    const liveness = invariant(report, "liveness");
    expect(liveness.ok).toBe(true);
    expect(liveness.skipped).toBeUndefined();
    expect(eventsOf(events, "fault").at(-1)?.fields.description).toBe("heal (at view 10)");
    expect(invariant(report, "max-failed-views")).toMatchObject({ ok: true, figures: { failedViews: 6 } });
    expect(tcViews(events)).toEqual([2, 3, 4, 5, 6, 7]);

    const [b1, b2, b3, b4, b5, b6, b7, b8, b9] = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((view) => proposalOf(events, view)) as string[];
    // The leaders are the original's (twins rounds 3..11 are views 1..9).
    const leaders = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((view) => eventsOf(events, "propose").find((e) => e.fields.view === view)!.node);
    expect(leaders).toEqual(["v0", "v0", "v1", "v0", "v2", "v1", "v1", "v2", "v2"]);
    // Each firewalled leader alone holds the QC of the view before its own, and its proposal reaches nobody.
    expect(qcFormers(events, 2)).toEqual(["v1"]);
    expect(qcFormers(events, 4)).toEqual(["v2"]);
    expect(qcFormers(events, 6)).toEqual(["v1"]);
    expect(holders(events, b3!)).toEqual(["v1"]);
    expect(holders(events, b5!)).toEqual(["v2"]);
    expect(holders(events, b7!)).toEqual(["v1"]);
    // The fork: the view-2 and view-4 blocks are siblings on the view-1 block; 6 extends 2, 8 extends 4, 9 extends 8.
    const blocks = blockStore(events);
    expect(blocks.get(b2!)!.parent).toBe(b1);
    expect(blocks.get(b4!)!.parent).toBe(b1);
    expect(blocks.get(b6!)!.parent).toBe(b2);
    expect(blocks.get(b8!)!.parent).toBe(b4);
    expect(blocks.get(b9!)!.parent).toBe(b8);
    // The hidden QCs come out through the timeouts: v1's of view 4 carries its QC of view 2, v2's of view 6 its QC of view 4.
    expect(eventsOf(events, "timeout", "v1").find((e) => e.fields.view === 4)?.fields.highQCView).toBe(2);
    expect(eventsOf(events, "timeout", "v2").find((e) => e.fields.view === 6)?.fields.highQCView).toBe(4);
    // Honest validators voted on both forks: v0 and v3 for the view-4 and the view-6 block.
    for (const node of ["v0", "v3"]) {
      const voted = new Set(eventsOf(events, "vote", node).map((e) => e.fields.hash));
      expect(voted.has(b4) && voted.has(b6), node).toBe(true);
    }
    // Here: the QCs of views 8 and 9 (v2) commit the view-4 fork everywhere; the view-2 fork is never committed.
    expect(qcFormers(events, 8)).toEqual(["v2"]);
    expect(qcFormers(events, 9)).toEqual(["v2"]);
    for (const node of ["v0", "v1", "v2", "v3"]) {
      const commits = commitsByHeight(events, node);
      expect([commits.get(1), commits.get(2), commits.get(3)], node).toEqual([b1, b4, b8]);
      expect(eventsOf(events, "commit", node).some((e) => e.fields.hash === b2 || e.fields.hash === b6), node).toBe(false);
    }
    // The model's rule on the same run: v1 commits the view-2 block (QC of view 6), v2 the view-4 block (QC of view 8): the original's B4 and B6.
    const violation = firstViolation(new AgreementChecker(new Set(["v0", "v1", "v2", "v3"])), modelCommits(events));
    expect(violation?.message).toBe(`height 2: v2 committed ${b4!.slice(0, 16)} but v1 committed ${b2!.slice(0, 16)}`);
    // As the original's executor reports: node 1 commits B4 (view 2 here), nodes 0, 2, 3 commit B6 (view 4 here).
    const modelFirstAt2 = (node: string) => modelCommits(events).find((e) => e.node === node && e.fields.height === 2)?.fields.hash;
    expect(["v0", "v1", "v2", "v3"].map(modelFirstAt2)).toEqual([b4, b2, b4, b4]);
  });

  it("Aptos drop_config_test with its fixed proposer: v0 leads every view, no view fails, v2 commits nothing", () => {
    const { report, events } = runRecorded(scenario("published-aptos-twins-drop-config-rounds"));
    expectSafe(report);
    expect(invariant(report, "min-commits").ok).toBe(true);
    expect(invariant(report, "max-failed-views")).toMatchObject({ ok: true, figures: { failedViews: 0 } });
    const proposed = eventsOf(events, "propose");
    expect(new Set(proposed.map((e) => e.node))).toEqual(new Set(["v0"]));
    expect(proposed.map((e) => e.fields.view)).toEqual([...Array(proposed.length).keys()].map((i) => i + 1));
    expect(proposed.length).toBeLessThan(40); // every view of the run is pinned
    expect(new Set(eventsOf(events, "qc").map((e) => e.node))).toEqual(new Set(["v0"]));
    expect(eventsOf(events, "tc")).toHaveLength(0);
    expect(eventsOf(events, "commit", "v2")).toHaveLength(0);
    for (const node of ["v0", "v1", "v3"]) expect(heightAt(events, node, 8 * S), node).toBeGreaterThanOrEqual(20);
    expect(report.metrics.messages.dropped).toBeGreaterThan(0);
  });

  it("Aptos twins_proposer_test with n0 leading every round (must fail): each side commits its own block at height 1 within views 1..9", () => {
    const { report, events } = runRecorded(scenario("published-aptos-twins-proposer-rounds"));
    expect(report.exitCode).toBe(1);
    expect(report.violation?.invariant).toBe("root-agreement");
    expect(report.violation?.message).toMatch(/^height 1: v[23] computed root [0-9a-f]{16}, v[23] computed [0-9a-f]{16}$/);
    expect(invariant(report, "agreement").ok).toBe(false);
    expect(Math.max(...eventsOf(events, "view").map((e) => e.fields.view as number))).toBeLessThanOrEqual(9);
    // Both instances of v0 lead views 1 and 2 and certify their own, different, blocks.
    for (const view of [1, 2]) {
      const proposals = eventsOf(events, "propose").filter((e) => e.fields.view === view);
      expect(proposals.map((e) => e.node).sort(), `view ${view}`).toEqual(["v0", "v0t"]);
      expect(new Set(proposals.map((e) => e.fields.hash)).size, `view ${view}`).toBe(2);
      expect(qcFormers(events, view)).toEqual(["v0", "v0t"]);
    }
    // As Aptos asserts, n0 and its twin commit different blocks; the honest v2 and v3 follow their sides.
    const first = (node: string) => eventsOf(events, "commit", node)[0]?.fields.hash;
    expect(first("v0")).toBeDefined();
    expect(first("v0t")).toBeDefined();
    expect(first("v0")).not.toBe(first("v0t"));
    expect(first("v2")).toBe(first("v0"));
    expect(first("v3")).toBe(first("v0t"));
    // Without transactions the two instances build the same empty blocks, so nothing forks: the reason for the workload.
    const empty = runRecorded(scenario("published-aptos-twins-proposer-rounds", { workload: { txPerSecond: 0 } }, 2 * S));
    expectSafe(empty.report);
    for (const view of [1, 2, 3]) expect(new Set(eventsOf(empty.events, "propose").filter((e) => e.fields.view === view).map((e) => e.fields.hash)).size, `view ${view}`).toBe(1);
    const emptyFirst = (node: string) => eventsOf(empty.events, "commit", node)[0]?.fields.hash;
    expect(emptyFirst("v0")).toBeDefined();
    expect(emptyFirst("v0t")).toBe(emptyFirst("v0"));
  });

  it("Aptos twins_commit_test with n0 leading every round: v0 and its twin race in every view, one block per view is certified, both commit the same", () => {
    const { report, events } = runRecorded(scenario("published-aptos-twins-commit-rounds"));
    expectSafe(report);
    expect(invariant(report, "min-commits").ok).toBe(true);
    expect(invariant(report, "equivocation").figures.conflictingProposalsObserved).toBeGreaterThan(0);
    expect(new Set(eventsOf(events, "propose").map((e) => e.node))).toEqual(new Set(["v0", "v0t"]));
    const views = [...new Set(eventsOf(events, "propose").map((e) => e.fields.view as number))];
    expect(Math.max(...views)).toBeLessThan(40); // every view of the run is pinned
    let racedWithDifferentBlocks = 0;
    for (const view of views) {
      const proposed = new Set(eventsOf(events, "propose").filter((e) => e.fields.view === view).map((e) => e.fields.hash));
      if (proposed.size === 2) racedWithDifferentBlocks++;
      expect(proposed.size, `view ${view}`).toBeLessThanOrEqual(2);
      // At most one of the racing blocks is certified.
      expect(new Set(eventsOf(events, "qc").filter((e) => e.fields.view === view).map((e) => e.fields.hash)).size, `view ${view}`).toBeLessThanOrEqual(1);
    }
    expect(racedWithDifferentBlocks).toBeGreaterThan(0);
    const [original, twin] = [commitsByHeight(events, "v0"), commitsByHeight(events, "v0t")];
    expect(twin.get(1)).toBe(original.get(1)); // Aptos: n0's first commit equals twin0's
    const common = [...original.keys()].filter((h) => twin.has(h));
    expect(common.length).toBeGreaterThanOrEqual(20);
    for (const h of common) expect(twin.get(h), `height ${h}`).toBe(original.get(h));
  });
});

/**
 * The typed event catalogues say what the nodes really log: in real runs,
 * every event a node logs is declared in the catalogue of its system (the
 * simulator's for node `sim`, the posting system's for the L1 node, the batch
 * poster and the operator, the validators' for validators, twins and clients),
 * and its fields pass the declared zod schema (types, hex encodings, no
 * undeclared field). Goal: a checker or a metric that reads typed fields
 * (`EventCatalogue.is`) reads what is there.
 */
import { describe, expect, it } from "vitest";
import { SIMULATOR_EVENTS } from "../../src/check/events.js";
import type { Observation } from "../../src/check/checker.js";
import { ScenarioRun } from "../../src/scenario/scenario-run.js";
import { parseScenario } from "../../src/scenario/load.js";
import { runAndJudge } from "../../src/scenario/run.js";
import type { Scenario } from "../../src/scenario/schema.js";
import { loadProgramElf } from "../../src/runtime/program-files.js";
import { POSTING_EVENTS } from "../../src/systems/posting/events.js";
import { VALIDATOR_EVENTS } from "../../src/systems/validators/events.js";
import { applyOverrides } from "../../src/scenario/overrides.js";
import { rawScenario } from "../helpers/scenario.js";

/** What this test needs of a catalogue, whatever its events. */
type AnyCatalogue = Pick<typeof SIMULATOR_EVENTS, "system" | "validate">;

/** Runs `s` and validates every observation against the catalogue of its node's system; returns the problems and the events seen per catalogue. */
function runAndValidate(s: Scenario, environment: { programElf?: Uint8Array } = {}): { problems: string[]; seen: Map<AnyCatalogue, Set<string>> } {
  const cluster = new ScenarioRun(s, environment);
  // The catalogue of each node comes from the system that added it (roles, never names).
  const catalogueOf = new Map<string, AnyCatalogue>([["sim", SIMULATOR_EVENTS]]);
  for (const id of cluster.world.nodeIds()) catalogueOf.set(id, cluster.world.spec(id).system === "validators" ? VALIDATOR_EVENTS : POSTING_EVENTS);
  const problems = new Set<string>();
  const seen = new Map<AnyCatalogue, Set<string>>();
  cluster.addObserver((o: Observation) => {
    const catalogue = catalogueOf.get(o.node);
    if (catalogue === undefined) return void problems.add(`${o.node}: a node of no system logged ${o.event}`);
    if (!seen.has(catalogue)) seen.set(catalogue, new Set());
    seen.get(catalogue)!.add(o.event);
    const problem = catalogue.validate(o);
    // One line per event name and problem kind is enough to read.
    if (problem !== undefined && problems.size < 50) problems.add(problem);
  });
  runAndJudge(cluster);
  if (process.env.EVENTS_DEBUG) for (const [c, names] of seen) console.log(c.system, [...names].sort().join(" "));
  return { problems: [...problems], seen };
}

describe("event catalogues", () => {
  it("validators, byzantine replicas, twins, clients and the simulator log only declared events with declared fields (no L1)", () => {
    // Seven validators (f = 2): v5 equivocates and double-votes, v6 withholds, breaks signatures and replays;
    // a twin of v4 would exceed f, so the twin runs in its own scenario below. Crash, corruption, a torn write,
    // a wiped disk with checkpoints to catch up from, a leader isolated (timeouts, TCs), and every workload kind.
    const s = parseScenario({
      name: "events-validators",
      seed: 3,
      duration: "9s",
      validators: { count: 7, signatureScheme: "sim", viewTimeout: "500ms" },
      workload: { txPerSecond: 60, mix: { transfer: 4, script: 2, badNonce: 1, badSignature: 1, overspend: 1 } },
      l1: { enabled: false },
      checkpoints: { every: 4, snapshotBehind: 4 },
      byzantine: [
        { node: "v5", behavior: "equivocate", rate: 0.5 },
        { node: "v5", behavior: "double-vote", rate: 0.5 },
        { node: "v6", behavior: "withhold-votes", rate: 0.3 },
        { node: "v6", behavior: "bad-signatures", rate: 0.3 },
        { node: "v6", behavior: "replay", rate: 0.3 },
      ],
      faults: [
        { at: "1s", action: "crash", node: "v1" },
        { at: "2s", action: "restart", node: "v1" },
        { at: "2.5s", action: "corrupt", node: "v2", key: "consensus/safety" },
        { at: "2.6s", action: "crash", node: "v2" },
        { at: "2.8s", action: "restart", node: "v2" },
        { at: "3s", action: "torn-write", node: "v3" },
        { at: "3.5s", action: "restart", node: "v3" },
        { at: "4s", action: "wipe", node: "v4" },
        { at: "6s", action: "restart", node: "v4" },
        { at: "6.5s", action: "isolate", node: "leader", direction: "both" },
        { at: "7.5s", action: "heal" },
      ],
      invariants: { livenessBound: "5s" },
    });
    const { problems, seen } = runAndValidate(s);
    expect(problems).toEqual([]);
    const validatorEvents = seen.get(VALIDATOR_EVENTS)!;
    for (const event of ["boot", "commit", "state-root", "vote", "propose", "block", "head", "view", "submit", "tx-rejected", "byzantine-equivocate", "byzantine-double-vote", "byzantine-replay"]) {
      expect(validatorEvents.has(event), event).toBe(true);
    }
    expect([...seen.get(SIMULATOR_EVENTS)!].sort()).toEqual(["disk-corrupted", "disk-recovered", "disk-torn", "fault"]);
  });

  it("a twin and the liveness phase: the twin's events and `phase` are declared too (no L1)", () => {
    const s = parseScenario({
      name: "events-twin",
      seed: 5,
      duration: "5s",
      validators: { count: 4, signatureScheme: "sim" },
      workload: { txPerSecond: 20 },
      l1: { enabled: false },
      byzantine: [{ node: "v3", behavior: "twin", from: "1s" }],
      faults: [{ at: "0.5s", action: "partition", groups: [["v0", "v1", "v3"], ["v2", "v3t"]] }],
      phases: { livenessAt: "3s" },
    });
    const { problems, seen } = runAndValidate(s);
    expect(problems).toEqual([]);
    expect(seen.get(SIMULATOR_EVENTS)!.has("phase")).toBe(true);
  });

  it("the L1 node, the batch poster and the operator log only declared events with declared fields", () => {
    // The incident flow (pause, unauthorized pause, rotation, version, resume) with L1 drops, delays, RPC errors and a reorg.
    const raw = rawScenario("incident-flow");
    const s = parseScenario(
      applyOverrides(
        {
          ...raw,
          operations: [
            { at: "3s", action: "pause-posting" },
            { at: "4s", action: "unauthorized-pause" },
            { at: "5s", action: "rotate-poster", keyIndex: 1 },
            { at: "5.5s", action: "set-version", version: 2 },
            { at: "7s", action: "resume-posting" },
          ],
          faults: [
            { at: "8s", action: "l1-faults", dropRate: 0.3, delayRate: 0.3, delaySlotsMax: 3, rpcErrorRate: 0.2 },
            { at: "12s", action: "l1-faults", dropRate: 0, delayRate: 0, rpcErrorRate: 0 },
            { at: "13s", action: "l1-reorg", depth: 4 },
          ],
        },
        { durationUs: 22_000_000 },
      ).raw,
    );
    const { problems, seen } = runAndValidate(s, { programElf: loadProgramElf() });
    expect(problems).toEqual([]);
    const postingEvents = seen.get(POSTING_EVENTS)!;
    for (const event of ["l1-slot", "l1-tx", "l1-finalized", "l1-root-finalized", "l1-reorg", "poster-resume", "l1-tx-sent", "l1-tx-landed", "operator-action", "poster-waiting", "poster-key"]) {
      expect(postingEvents.has(event), event).toBe(true);
    }
    expect(seen.get(SIMULATOR_EVENTS)!.has("operation")).toBe(true);
  }, 120_000);
});

describe("the view event's leader", () => {
  it("is the leader the replica's election names for that view when it logs it, under leader reputation (f-down-for-good)", () => {
    // v2 and v5 crash at 2 s for good: reputation moves their turns to others, so round-robin would be wrong.
    const s = parseScenario(applyOverrides(rawScenario("f-down-for-good"), { durationUs: 12_000_000 }).raw);
    const run = new ScenarioRun(s, { programElf: loadProgramElf() });
    const ids = run.world.nodesWithRole("validator");
    let checked = 0;
    let notRoundRobin = 0;
    const wrong: string[] = [];
    run.addObserver((o) => {
      if (!VALIDATOR_EVENTS.is(o, "view")) return;
      // The observer runs inside the replica's step, right after it logged: its election answers as it did.
      const elected = ids[run.replica(o.node)!.leaderOf(o.fields.view)];
      if (o.fields.leader !== elected && wrong.length < 5) wrong.push(`${o.node} view ${o.fields.view}: logged ${o.fields.leader}, election ${elected}`);
      checked++;
      if (o.fields.leader !== ids[o.fields.view % ids.length]) notRoundRobin++;
    });
    runAndJudge(run);
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(50);
    expect(notRoundRobin).toBeGreaterThan(0);
  }, 120_000);
});

describe("EventCatalogue", () => {
  const o = (event: string, fields: Record<string, unknown>): Observation => ({ timeUs: 1, node: "v0", event, fields });

  it("narrows by event name, one, several or any of the catalogue", () => {
    expect(VALIDATOR_EVENTS.is(o("commit", {}), "commit")).toBe(true);
    expect(VALIDATOR_EVENTS.is(o("commit", {}), "vote", "propose")).toBe(false);
    expect(VALIDATOR_EVENTS.is(o("l1-slot", {}))).toBe(false);
    expect(POSTING_EVENTS.is(o("l1-slot", {}))).toBe(true);
    expect(VALIDATOR_EVENTS.is(o("toString", {}))).toBe(false); // own properties only
  });

  it("validation names an unknown event, a wrong type and an undeclared field", () => {
    expect(VALIDATOR_EVENTS.validate(o("comit", {}))).toMatch(/"comit" is not a declared validators event/);
    expect(VALIDATOR_EVENTS.validate(o("view", { view: "3" }))).toMatch(/view: /);
    expect(VALIDATOR_EVENTS.validate(o("view", { view: 3, leader: "v3", extra: 1 }))).toMatch(/extra/);
    expect(VALIDATOR_EVENTS.validate(o("view", { view: 3 }))).toMatch(/leader: /);
    expect(VALIDATOR_EVENTS.validate(o("view", { view: 3, leader: "v3" }))).toBeUndefined();
  });
});

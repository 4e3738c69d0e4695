/**
 * Goal: guided exploration finds a bug it was not told about. A replica
 * weakened in this file (never in src/) forgets, in memory, that it voted in
 * its current view (the classic missing `view > lastVotedView` check), so a
 * proposal delivered twice gets two votes. It runs under `explore --guided`'s
 * loop on a short budget: the base plan alone passes (every message arrives
 * once), and the search must find a plan (duplicates, redelivery, a late
 * proposal) that shows it; the equivocation checker reports the double vote.
 * The real replica passes the plan found.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Observation } from "../../src/check/checker.js";
import type { HotStuffReplica } from "../../src/consensus/replica.js";
import type { ReplicaState } from "../../src/consensus/hotstuff/state.js";
import type { ValidatorMessage } from "../../src/consensus/types.js";
import { GuidedExplorer, runCandidate, type CandidateOutcome } from "../../src/explore/guided.js";
import { planSpace } from "../../src/explore/guided-plan.js";
import { parseScenario } from "../../src/scenario/load.js";
import { runAndJudge, runScenario, type RunReport } from "../../src/scenario/run.js";
import { ScenarioRun } from "../../src/scenario/scenario-run.js";
import type { Scenario } from "../../src/scenario/schema.js";
import type { Node, NodeContext, NodeId, TimerId } from "../../src/sim/node.js";
import { ROOT } from "../helpers/scenario.js";

/** The weakened replica: after each step, its memory of a vote in its current view is lost (not its timeouts). */
class ForgetfulVoter implements Node<ValidatorMessage> {
  constructor(readonly replica: HotStuffReplica) {}
  get application() {
    return this.replica.application;
  }
  start(ctx: NodeContext<ValidatorMessage>): void {
    this.replica.start(ctx);
    this.forget();
  }
  onMessage(ctx: NodeContext<ValidatorMessage>, from: NodeId, msg: ValidatorMessage): void {
    this.replica.onMessage(ctx, from, msg);
    this.forget();
  }
  onTimer(ctx: NodeContext<ValidatorMessage>, timer: TimerId, tag: string): void {
    this.replica.onTimer(ctx, timer, tag);
    this.forget();
  }
  private forget(): void {
    const state = (this.replica as unknown as { state: ReplicaState }).state;
    if (state.safety.lastVotedView !== state.currentView || state.pacemaker.timedOutView === state.currentView) return;
    state.safety.lastVotedView = state.currentView - 1;
    // The replica's own check that the last voted view never goes down would stop it first; the bug includes not knowing.
    if (state.checked !== undefined) state.checked.lastVotedView = state.safety.lastVotedView;
  }
}

/** Runs a scenario with v1 weakened, an observer on the bus. */
function runWeakened(scenario: Scenario, observer: (o: Observation) => void = () => {}): RunReport {
  const run = new ScenarioRun(scenario, { wrapNode: (id, node) => (id === "v1" ? (new ForgetfulVoter(node as unknown as HotStuffReplica) as Node<unknown>) : node) });
  run.addObserver(observer);
  return runAndJudge(run);
}

/** Runs a guided exploration of `base` in this thread until the first failure or `runs` runs. */
function guided(base: Record<string, unknown>, runs: number): { outcomes: CandidateOutcome[]; raws: Map<number, Record<string, unknown>> } {
  const explorer = new GuidedExplorer(planSpace(parseScenario(base)), { from: 1, runs, generationSize: 8 });
  const outcomes: CandidateOutcome[] = [];
  const raws = new Map<number, Record<string, unknown>>();
  while (!explorer.done) {
    const candidates = explorer.nextGeneration();
    const generation: CandidateOutcome[] = [];
    for (const c of candidates) {
      raws.set(c.run, c.raw);
      const outcome = runCandidate(c.raw, c.run, { checkDeterminism: false }, runWeakened);
      generation.push(outcome);
      outcomes.push(outcome);
      if (outcome.verdict !== "ok") return { outcomes, raws };
    }
    explorer.absorb(generation);
  }
  return { outcomes, raws };
}

const BASE = JSON.parse(readFileSync(join(ROOT, "bench", "scenarios", "bft-4.json"), "utf8")) as Record<string, unknown>;

describe("guided exploration finds a weakened replica", () => {
  it("a replica that forgets its vote in the current view: found within 16 runs; the base plan passes, the real replica passes the plan found", () => {
    const alone = runWeakened(parseScenario(BASE));
    expect(alone.violation?.message).toBeUndefined();
    expect(alone.exitCode).toBe(0);
    const { outcomes, raws } = guided(BASE, 16);
    const failure = outcomes.find((o) => o.verdict !== "ok");
    expect(failure).toBeDefined();
    expect(failure!.invariant).toBe("equivocation");
    expect(failure!.message).toMatch(/v1 voted twice in view \d+/);
    const found = raws.get(failure!.run)!;
    expect(String(found.description)).toMatch(new RegExp(`guided run ${failure!.run}, generation \\d+, `));
    expect(runScenario(parseScenario(found)).exitCode).toBe(0);
  });
});

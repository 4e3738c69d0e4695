/**
 * The rule adversaries: byzantine behaviours that attack what the voting and
 * certificate rules guard (stale and forked proposals, conflicting
 * justifications, forged certificates, lying TCs, lying sync peers and
 * ByzzFuzz-style small-scope mutations). One scenario per behaviour, each
 * asserting that the misbehaviour reached the wire and what the honest
 * validators did about it, with every safety invariant holding within f; the
 * swarm-only `byzantine` kind drawing them without shifting its old draws;
 * and the point of it all: a deliberately weakened honest replica, built in
 * this file, that one of them breaks while the real replica survives the
 * same scenario.
 */
import { describe, expect, it } from "vitest";
import type { Observation } from "../../src/check/checker.js";
import { voteSigningBytes } from "../../src/consensus/block-hash.js";
import { LYING_TC_VIEWS_AHEAD } from "../../src/consensus/byzantine/byzantine-replica.js";
import { replicaOf } from "../../src/consensus/byzantine/wrapper.js";
import type { QuorumCertificate, ValidatorMessage } from "../../src/consensus/types.js";
import { ValidatorSet } from "../../src/consensus/validator-set.js";
import { swarmScenario } from "../../src/explore/swarm.js";
import { SystemRegistry } from "../../src/harness/registry.js";
import { parseScenario } from "../../src/scenario/load.js";
import type { RunReport } from "../../src/scenario/run.js";
import type { ScenarioRun } from "../../src/scenario/scenario-run.js";
import { createRng } from "../../src/sim/rng.js";
import type { Node } from "../../src/sim/node.js";
import { BUILTIN_SYSTEMS } from "../../src/systems/index.js";
import type { Scenario } from "../../src/systems/scenario-shape.js";
import { RULE_ADVERSARY_BEHAVIORS, SWARM_FIRST_BYZANTINE_BEHAVIORS } from "../../src/systems/validators/section.js";
import { invariant, runWatched } from "../helpers/scenario.js";
import { registryWithValidatorSet } from "../helpers/weakened-validators.js";

const SAFETY = ["agreement", "root-agreement", "conservation", "validity", "reorg-bound", "equivocation"];
/** v2 down from 1 s to 3 s: its views time out, so the byzantine leader v3 enters its own views through a TC. */
const CRASH_V2 = [
  { at: "1s", action: "crash", node: "v2" },
  { at: "3s", action: "restart", node: "v2" },
];

/**
 * A short n-validator run without the L1, with sim signatures, a light
 * workload and `byzantine` as given. Round-robin leaders: the adversary leads
 * every n-th view, as these tests need (leader reputation would soon stop
 * giving views to a leader whose views fail).
 */
function adversaryScenario(byzantine: unknown[], fields: Record<string, unknown> = {}, count = 4): Record<string, unknown> {
  return {
    name: "adversaries-test",
    seed: 7,
    duration: "6s",
    validators: { count, signatureScheme: "sim", viewTimeout: "500ms", leaderElection: "round-robin" },
    workload: { txPerSecond: 40 },
    l1: { enabled: false },
    byzantine,
    ...fields,
  };
}

function run(raw: Record<string, unknown>, registry: SystemRegistry<Scenario> = BUILTIN_SYSTEMS, watch?: (cluster: ScenarioRun, o: Observation) => void): { report: RunReport; events: Observation[] } {
  return runWatched(raw, registry, watch);
}

function expectSafetyHeld(report: RunReport): void {
  for (const name of SAFETY) expect(invariant(report, name), name).toMatchObject({ ok: true });
  expect(report.violation).toBeUndefined();
}

const of = (events: Observation[], event: string, node?: string): Observation[] => events.filter((e) => e.event === event && (node === undefined || e.node === node));
const isHonest = (node: string, byzantine: readonly string[] = ["v3"]): boolean => /^v\d+$/.test(node) && !byzantine.includes(node);
const honestRejects = (events: Observation[], reason: string): Observation[] => events.filter((e) => e.event === "reject" && isHonest(e.node) && e.fields.from === "v3" && e.fields.reason === reason);
const honestRefusals = (events: Observation[], reason: string): Observation[] => events.filter((e) => e.event === "vote-refused" && isHonest(e.node) && e.fields.reason === reason);
const honestVotesFor = (events: Observation[], hashes: ReadonlySet<string>): Observation[] => events.filter((e) => e.event === "vote" && isHonest(e.node) && hashes.has(String(e.fields.hash)));
const UNSAFE = "unsafe: QC neither from the previous view nor justified by a TC";

describe("rule adversaries, at most f (n = 4, f = 1; n = 7, f = 2)", () => {
  it("stale QC: leader v3 proposes on its parent's justify or the genesis QC; honest validators refuse to vote", () => {
    // Goal: a block on a lower QC than the leader's highest, properly signed, reaches the honest
    // validators, and the safe-to-vote rule keeps every one of them from voting for it.
    const { report, events } = run(adversaryScenario([{ node: "v3", behavior: "stale-qc" }], { faults: CRASH_V2 }));
    const stale = of(events, "byzantine-stale-qc", "v3");
    expect(stale.length).toBeGreaterThan(0);
    for (const e of stale) expect(Number(e.fields.justifyView)).toBeLessThan(Number(e.fields.highestView));
    const hashes = new Set(stale.map((e) => String(e.fields.hash)));
    // The stale blocks reached honest validators (they took them into their trees) ...
    expect(events.some((e) => e.event === "block" && isHonest(e.node) && hashes.has(String(e.fields.hash)))).toBe(true);
    // ... which never voted for one: where they were in its view (entered by a TC), they refused it as unsafe.
    expect(honestVotesFor(events, hashes)).toEqual([]);
    expect(honestRefusals(events, UNSAFE).length).toBeGreaterThan(0);
    expectSafetyHeld(report);
  });

  it("fork from an older block: leader v3 extends a certified block one to four heights below its highest; no honest vote", () => {
    // Goal: a fork of the certified chain, properly signed, is proposed and the honest validators refuse it.
    const { report, events } = run(adversaryScenario([{ node: "v3", behavior: "fork-older" }], { faults: CRASH_V2 }));
    const forks = of(events, "byzantine-fork-older", "v3");
    expect(forks.length).toBeGreaterThan(0);
    for (const e of forks) expect(Number(e.fields.depth)).toBeGreaterThanOrEqual(1);
    expect(honestVotesFor(events, new Set(forks.map((e) => String(e.fields.hash))))).toEqual([]);
    expect(honestRefusals(events, UNSAFE).length).toBeGreaterThan(0);
    expectSafetyHeld(report);
  });

  it("conflicting justifications (n = 7): leader v3 sends its proposal to half the validators and a staler one to the other half", () => {
    // Goal: two blocks of one view with different QCs reach the two halves; the stale one never gets an
    // honest vote, the equivocation checker counts the byzantine leader's two blocks without failing.
    const { report, events } = run(adversaryScenario([{ node: "v3", behavior: "conflicting-justify" }], {}, 7));
    const conflicts = of(events, "byzantine-conflicting-justify", "v3");
    expect(conflicts.length).toBeGreaterThan(0);
    for (const e of conflicts) {
      const [high, low] = e.fields.justifyViews as number[];
      expect(low!).toBeLessThan(high!);
      expect((e.fields.staleTo as string[]).length).toBe(3);
    }
    const staleHashes = new Set(conflicts.map((e) => (e.fields.hashes as string[])[1]!));
    const reached = events.filter((e) => e.event === "block" && isHonest(e.node) && staleHashes.has(String(e.fields.hash)));
    expect(reached.length).toBeGreaterThan(0);
    expect(honestVotesFor(events, staleHashes)).toEqual([]);
    expect(invariant(report, "equivocation").figures.conflictingProposalsObserved).toBeGreaterThan(0);
    expectSafetyHeld(report);
  });

  it("forged certificates: v3's proposals and timeouts carry QCs and TCs wrong in one drawn way each; honest validators refuse them", () => {
    // Goal: each way a certificate can be wrong reaches the wire, and the certificate checks refuse them.
    // After every step of an honest validator, its lock is a well-formed QC: a forged one never gets in,
    // not even one whose (view, height, hash) a replica verified before (the verification cache).
    const malformedLocks: string[] = [];
    const { report, events } = run(adversaryScenario([{ node: "v3", behavior: "forged-qc" }], { seed: 3, faults: CRASH_V2, duration: "10s" }), BUILTIN_SYSTEMS, (cluster, o) => {
      if (!isHonest(o.node)) return;
      const qc = replicaOf(cluster.world.instance(o.node) as Node<ValidatorMessage> | undefined)?.lockedQC;
      if (qc === undefined || qc.view === 0) return;
      const distinct = new Set(qc.signatures.map((s) => s.signer)).size;
      if (distinct < 3 || qc.signatures.length !== distinct || qc.signatures.some((s) => s.signature.length === 0)) malformedLocks.push(`${o.node} at ${o.timeUs}: view ${qc.view}`);
    });
    expect(malformedLocks).toEqual([]);
    const forgeries = new Set(of(events, "byzantine-forged-qc", "v3").map((e) => String(e.fields.forgery)));
    expect(forgeries.size).toBeGreaterThanOrEqual(4);
    expect(of(events, "byzantine-forged-tc", "v3").length).toBeGreaterThan(0);
    expect(honestRejects(events, "invalid high QC in timeout").length).toBeGreaterThan(0);
    expect(honestRejects(events, "invalid last TC in timeout").length).toBeGreaterThan(0);
    expect(honestRejects(events, "justify QC does not certify the parent").length).toBeGreaterThan(0);
    expect(honestRejects(events, "invalid justify QC").length).toBeGreaterThan(0);
    expectSafetyHeld(report);
  });

  it("lying TC: v3 claims a highest QC view far above any real one, in its TC entries and timeouts", () => {
    // Goal: a properly signed lie in a TC costs only liveness (honest validators refuse to vote on it),
    // and a timeout claiming a QC it does not hold is refused.
    const { report, events } = run(adversaryScenario([{ node: "v3", behavior: "lying-tc" }], { faults: CRASH_V2 }));
    const lies = of(events, "byzantine-lying-tc", "v3");
    expect(lies.length).toBeGreaterThan(0);
    for (const e of lies) expect(Number(e.fields.claimedView)).toBeGreaterThanOrEqual(LYING_TC_VIEWS_AHEAD);
    expect(lies.some((e) => e.fields.type === "proposal")).toBe(true);
    expect(honestRefusals(events, UNSAFE).length).toBeGreaterThan(0);
    expect(honestRejects(events, "invalid high QC in timeout").length).toBeGreaterThan(0);
    expectSafetyHeld(report);
  });

  it("lying sync peer: v3 answers block requests with unlinked ancestors or another fork's block; the isolated v0 still catches up", () => {
    // Goal: a validator catching up after a partition is answered with lies, keeps only the hash-linked
    // blocks it asked for, fetches the rest from honest peers and commits with everyone.
    const { report, events } = run(
      adversaryScenario([{ node: "v3", behavior: "lying-sync" }], {
        seed: 1,
        faults: [
          { at: "1s", action: "isolate", node: "v0" },
          { at: "3s", action: "heal" },
        ],
      }),
    );
    const lies = of(events, "byzantine-lying-sync", "v3");
    expect(lies.length).toBeGreaterThan(0);
    expect(lies.some((e) => e.fields.to === "v0")).toBe(true);
    const lastCommit = (node: string): number => Math.max(0, ...of(events, "commit", node).map((e) => Number(e.fields.height)));
    expect(lastCommit("v0")).toBeGreaterThan(0);
    expect(Math.abs(lastCommit("v0") - lastCommit("v1"))).toBeLessThanOrEqual(2);
    expectSafetyHeld(report);
  });

  it("small-scope mutations (ByzzFuzz): v3's messages with view or height off by one, sent to a subset, or an old payload", () => {
    // Goal: each mutation reaches the wire re-signed, and the honest validators refuse what breaks a rule.
    const { report, events } = run(adversaryScenario([{ node: "v3", behavior: "mutate" }], { duration: "10s" }));
    const mutations = new Set(of(events, "byzantine-mutate", "v3").map((e) => String(e.fields.mutation)));
    for (const m of ["view+1", "view-1", "height+1", "height-1", "subset"]) expect(mutations, m).toContain(m);
    expect(honestRejects(events, "proposal not from the view's leader").length).toBeGreaterThan(0);
    expect(honestRejects(events, "justify QC does not certify the parent").length).toBeGreaterThan(0);
    expectSafetyHeld(report);
  });

  it("two rule adversaries with rates and windows (n = 7, f = 2): v3 mutates 50% from 1 s to 4 s, v5 forges 50%", () => {
    // Goal: rate and window work as for the older behaviours: nothing outside the window, not every time inside.
    const { report, events } = run(
      adversaryScenario(
        [
          { node: "v3", behavior: "mutate", rate: 0.5, from: "1s", until: "4s" },
          { node: "v5", behavior: "forged-qc", rate: 0.5 },
        ],
        { duration: "8s" },
        7,
      ),
    );
    const mutated = of(events, "byzantine-mutate", "v3");
    expect(mutated.length).toBeGreaterThan(0);
    for (const e of mutated) {
      expect(e.timeUs).toBeGreaterThanOrEqual(1_000_000);
      expect(e.timeUs).toBeLessThan(4_000_000);
    }
    // v3 still sent votes untouched inside the window (its honest replica's, at rate 0.5 not mutated).
    const votesInWindow = events.filter((e) => e.event === "vote" && e.node === "v3" && e.timeUs >= 1_000_000 && e.timeUs < 4_000_000);
    expect(mutated.length).toBeLessThan(votesInWindow.length * 6);
    expect(of(events, "byzantine-forged-qc", "v5").length).toBeGreaterThan(0);
    expectSafetyHeld(report);
  });
});

describe("swarm draws the rule adversaries", () => {
  const base = parseScenario(adversaryScenario([], { duration: "20s" }));

  it("the byzantine kind draws node, window and rate as before, then sometimes a rule adversary (stream swarm/byzantine)", () => {
    // Goal: the old draws of the stream keep their values for every seed, and the new behaviours are drawn.
    const drawn = new Set<string>();
    for (let seed = 1; seed <= 300; seed++) {
      const { raw, scenario } = swarmScenario(base, seed);
      // The byzantine kind's entry (the swarm-only `twin` kind, drawn after it from its own stream, may add a twin).
      const entry = scenario.rollups[0]!.byzantine.find((b) => b.behavior !== "twin");
      // The draws the kind made before the rule adversaries joined, replayed.
      const rng = createRng(seed, "swarm/byzantine");
      if (!rng.chance(0.5)) {
        expect(entry).toBeUndefined();
        continue;
      }
      // Never a validator a fault action names.
      const named = new Set((raw.faults as { node?: unknown }[]).flatMap((a) => (typeof a.node === "string" ? [a.node] : [])));
      const free = ["v0", "v1", "v2", "v3"].filter((v) => !named.has(v));
      const node = free.length === 0 ? undefined : free[rng.int(free.length)];
      const old = SWARM_FIRST_BYZANTINE_BEHAVIORS.filter((b) => b !== "twin");
      const first = old[rng.int(old.length)];
      rng.next(); // the window's start
      rng.next(); // the window's length
      const rate = Math.round((0.2 + rng.next() * 0.8) * 10_000) / 10_000;
      if (entry === undefined) continue; // no free validator, or a window that did not fit
      expect(entry.node).toBe(node);
      expect(entry.rate).toBe(rate);
      expect([first, ...RULE_ADVERSARY_BEHAVIORS]).toContain(entry.behavior);
      drawn.add(entry.behavior);
    }
    for (const b of RULE_ADVERSARY_BEHAVIORS) expect(drawn, b).toContain(b);
  });
});

// ---- a deliberately weakened honest replica, built here and never in src/ ----------------------

/**
 * The bug under test: a QC check that counts valid signatures without
 * deduplicating signers, so one key repeated a quorum of times certifies
 * anything. Everything else is the real {@link ValidatorSet}.
 */
class CountingValidatorSet extends ValidatorSet {
  override verifyQC(qc: QuorumCertificate): boolean {
    if (qc.view === 0) return super.verifyQC(qc);
    const message = voteSigningBytes(qc.view, qc.height, qc.blockHash);
    const valid = qc.signatures.filter((s) => this.verifySignature(s.signer, message, s.signature)).length;
    return valid >= this.quorum;
  }
}

/** The built-in systems with the honest validators over a {@link CountingValidatorSet}; byzantine ones as usual. */
function weakenedRegistry(): SystemRegistry<Scenario> {
  return registryWithValidatorSet((validators, scheme) => new CountingValidatorSet(validators, scheme), { honestOnly: true });
}

describe("a weakened replica falls to a rule adversary; the real one does not", () => {
  it("QC check without signer dedup: forged-qc's repeated-signer timeout rolls honest heads back past the reorg bound", () => {
    // Goal: the adversary attacks exactly what signer deduplication guards. v3's timeout carries its own
    // vote repeated a quorum of times, certifying a block six heights back at a view above every real QC.
    // The real replica refuses it (`invalid high QC in timeout`) and every safety invariant holds; the
    // weakened one takes it as its lock, its head jumps back and the reorg-bound checker fails.
    const raw = adversaryScenario([{ node: "v3", behavior: "forged-qc" }], { duration: "10s" });
    const real = run(raw);
    expect(of(real.events, "byzantine-forged-qc", "v3").some((e) => e.fields.type === "timeout" && e.fields.forgery === "repeated-signer")).toBe(true);
    expect(honestRejects(real.events, "invalid high QC in timeout").length).toBeGreaterThan(0);
    expectSafetyHeld(real.report);

    const weak = run(raw, weakenedRegistry());
    const reorg = invariant(weak.report, "reorg-bound");
    expect(reorg.ok).toBe(false);
    expect(reorg.violation?.message).toMatch(/rolled back its head by \d+ blocks/);
    expect(weak.report.violation?.invariant).toBe("reorg-bound");
  });

  it("the weakened registry alone changes nothing without the adversary (same safety, same commits as the real replica)", () => {
    // Goal: the failure above is the adversary's doing, not the test's rewiring.
    const raw = adversaryScenario([{ node: "v3", behavior: "withhold-votes" }]);
    const real = run(raw);
    const weak = run(raw, weakenedRegistry());
    expectSafetyHeld(weak.report);
    const commits = (events: Observation[]): string[] => of(events, "commit", "v0").map((e) => String(e.fields.hash));
    expect(commits(weak.events)).toEqual(commits(real.events));
  });
});

/**
 * Guided exploration (`asset-sim explore --guided`): coverage-guided search
 * over fault plans, in the spirit of coverage-guided fuzzing (AFL: a corpus
 * of inputs that reached new coverage, each mutated to make the next ones;
 * Zalewski 2014, and its protocol-state variants such as AFLNet). Here an
 * input is a {@link GuidedPlan} over the base scenario (seed plus groups of
 * fault actions), coverage is the set of protocol features a run reached
 * (`coverage.ts`), and the mutations are `mutate.ts`'s.
 *
 * The search goes by generations, so that it is deterministic from `from`
 * whatever the number of worker threads: a generation's candidates are all
 * drawn from the corpus as it stood after the previous generation (with the
 * random stream `guided/generation/<g>` of `from`), run in any order on any
 * thread, and absorbed in candidate order. Generation 0 is the base
 * scenario's own plan at seed `from`, then fresh swarm draws of seeds `from`,
 * `from + 1`...; each later generation holds mutants of corpus entries, and
 * fresh swarm draws (continuing the seed sequence) so the search never stops
 * exploring. How many is a two-armed bandit's choice (as MOpt schedules its
 * mutation operators, Lyu et al., USENIX Security 2019): the share of fresh
 * draws follows the new features per run each source brought lately
 * (decayed by half each generation), kept between `freshShare` and
 * `1 - freshShare`, so the search leans on whichever finds new behaviour. A candidate enters the corpus when its run reached a
 * feature no earlier run had. Parents are picked with a weight that favours
 * rare behaviour, as libFuzzer's entropic power schedule and AFL++'s rare
 * edges do (Böhme et al., "Boosting fuzzer efficiency", ESEC/FSE 2020): the
 * sum over the entry's features of 1 / (runs that reached the feature so
 * far), divided by `1 + times picked`, so a plan that alone reached a fork,
 * a forged certificate or a commit under a partition is mutated far more
 * often than one that reached what every run reaches.
 *
 * This file is the sans-IO half: the runtime runs the candidates (threads)
 * and the CLI writes the seed files.
 */
import { assert } from "../sim/assert.js";
import { createRng, type Rng } from "../sim/rng.js";
import type { Observation } from "../check/checker.js";
import { planOf, parseScenario } from "../scenario/load.js";
import { EXIT, type RunReport } from "../scenario/run.js";
import type { Scenario } from "../scenario/schema.js";
import { CoverageCollector } from "./coverage.js";
import { seedOutcome, type SeedOutcome, type SeedRunOptions } from "./explore.js";
import { describePlan, repairPlan, scenarioPlan, type GuidedPlan, type PlanSpace } from "./guided-plan.js";
import { mutatePlan } from "./mutate.js";
import { drawSwarm } from "./swarm.js";

/** Settings of a guided exploration. */
export interface GuidedOptions {
  /** The first seed: the base plan runs at it, swarm draws start at it, and the search's own streams derive from it. */
  readonly from: number;
  /** Runs in all (the `--seeds` budget). */
  readonly runs: number;
  /** Candidates per generation (default {@link GENERATION_SIZE_DEFAULT}); the result does not depend on the thread count. */
  readonly generationSize?: number;
  /** Least share of fresh swarm draws (and of mutants) in generations after the first, 0 to 0.5 (default 0.25). */
  readonly freshShare?: number;
  /** Most corpus entries (default 512); past it, a new entry replaces the lightest one when it brought more features. */
  readonly corpusMax?: number;
}

/** Candidates per generation unless told otherwise. */
export const GENERATION_SIZE_DEFAULT = 8;

/** Attempts at a valid, new mutant before a slot falls back to a fresh swarm draw. */
const MUTATION_ATTEMPTS = 8;

/** Swarm seeds tried in a row for a fresh candidate before giving up (each draw is valid by construction). */
const FRESH_ATTEMPTS = 1000;

/** One plan to run, in file form, with where it came from. */
export interface Candidate {
  /** 0-based position in the exploration (runs are reported in this order). */
  readonly run: number;
  readonly generation: number;
  readonly plan: GuidedPlan;
  /** The scenario to run (file form, validated), its description naming the run and its origin. */
  readonly raw: Record<string, unknown>;
  /** `scenario`, `swarm seed 12`, or `run 5: shift crash 200ms, add pause`. */
  readonly origin: string;
}

/** A candidate's outcome: the seed outcome of its run, its run number and the coverage features it reached. */
export interface CandidateOutcome extends SeedOutcome {
  readonly run: number;
  readonly features: readonly string[];
}

/** A corpus entry: a plan whose run reached new coverage. */
export interface CorpusEntry {
  readonly run: number;
  readonly plan: GuidedPlan;
  /** Features no earlier run had reached. */
  readonly newFeatures: number;
  /** Every feature its run reached. */
  readonly features: readonly string[];
  /** Times picked as a parent. */
  picks: number;
}

/** What one generation did (printed as coverage growth). */
export interface GenerationReport {
  readonly generation: number;
  /** Runs in this generation. */
  readonly runs: number;
  /** Distinct features reached so far. */
  readonly features: number;
  /** Features this generation added. */
  readonly newFeatures: number;
  readonly corpus: number;
  /** Failed runs in this generation. */
  readonly failures: number;
  /** Of this generation's candidates: fresh swarm draws and mutants (the base plan counts as fresh). */
  readonly fresh: number;
  readonly mutants: number;
}

/**
 * The corpus loop as a state machine: {@link nextGeneration} gives the
 * candidates to run, {@link absorb} takes their outcomes (in candidate
 * order). Same base, options and outcomes: same candidates, corpus and
 * reports.
 */
export class GuidedExplorer {
  readonly coverage = new Set<string>();
  /** Runs that reached each feature. */
  private readonly hits = new Map<string, number>();
  readonly corpus: CorpusEntry[] = [];
  readonly history: GenerationReport[] = [];
  private generation = 0;
  private issued = 0;
  private nextSwarmSeed: number;
  private readonly tried = new Set<string>();
  private readonly generationSize: number;
  private readonly freshShare: number;
  private readonly corpusMax: number;
  private pending: Candidate[] | undefined;
  /** Decayed new features and runs of each source (fresh draws, mutants), for the share of fresh draws. */
  private readonly yields = { fresh: { features: 0, runs: 0 }, mutant: { features: 0, runs: 0 } };

  /**
   * @throws RangeError on a bad option (runs or generation size below 1, a share outside [0, 1])
   */
  constructor(
    readonly space: PlanSpace,
    readonly options: GuidedOptions,
  ) {
    this.generationSize = options.generationSize ?? GENERATION_SIZE_DEFAULT;
    this.freshShare = options.freshShare ?? 0.25;
    this.corpusMax = options.corpusMax ?? 512;
    if (!Number.isSafeInteger(options.runs) || options.runs < 1) throw new RangeError(`runs must be a positive integer, got ${options.runs}`);
    if (!Number.isSafeInteger(this.generationSize) || this.generationSize < 1) throw new RangeError(`generation size must be a positive integer, got ${this.generationSize}`);
    if (!(this.freshShare >= 0 && this.freshShare <= 0.5)) throw new RangeError(`freshShare must be in [0, 0.5], got ${this.freshShare}`);
    if (!Number.isSafeInteger(options.from) || options.from < 0) throw new RangeError(`from must be a non-negative integer, got ${options.from}`);
    this.nextSwarmSeed = options.from;
  }

  /** Whether runs remain in the budget. */
  get done(): boolean {
    return this.issued >= this.options.runs;
  }

  /**
   * The next generation's candidates (at most the generation size, fewer at
   * the end of the budget; empty when the budget is spent).
   * @throws AssertionError when called again before {@link absorb}
   */
  nextGeneration(): Candidate[] {
    assert(this.pending === undefined, "absorb the outcomes of a generation before drawing the next");
    const count = Math.min(this.generationSize, this.options.runs - this.issued);
    if (count <= 0) return [];
    const rng = createRng(this.options.from, `guided/generation/${this.generation}`);
    const candidates: Candidate[] = [];
    const share = this.currentFreshShare();
    for (let slot = 0; slot < count; slot++) {
      const run = this.issued + slot;
      const candidate = run === 0 ? this.scenarioCandidate() : this.corpus.length === 0 || rng.chance(share) ? undefined : this.mutantCandidate(run, rng);
      candidates.push(candidate ?? this.freshCandidate(run));
    }
    this.issued += candidates.length;
    this.pending = candidates;
    return candidates;
  }

  /**
   * Takes in the outcomes of the generation last drawn, in candidate order:
   * new features grow the coverage and admit their candidate to the corpus.
   * @throws AssertionError when the outcomes do not match the candidates
   */
  absorb(outcomes: readonly CandidateOutcome[]): GenerationReport {
    const candidates = this.pending;
    assert(candidates !== undefined, "absorb follows nextGeneration");
    assert(outcomes.length === candidates.length, "one outcome per candidate");
    let newFeatures = 0;
    let failures = 0;
    for (const source of [this.yields.fresh, this.yields.mutant]) {
      source.features /= 2;
      source.runs /= 2;
    }
    for (let i = 0; i < candidates.length; i++) {
      const candidate = candidates[i]!;
      const outcome = outcomes[i]!;
      assert(outcome.run === candidate.run, "outcomes come in candidate order");
      const fresh = outcome.features.filter((f) => !this.coverage.has(f));
      for (const f of fresh) this.coverage.add(f);
      for (const f of outcome.features) this.hits.set(f, (this.hits.get(f) ?? 0) + 1);
      newFeatures += fresh.length;
      const source = candidate.origin.startsWith("run ") ? this.yields.mutant : this.yields.fresh;
      source.features += fresh.length;
      source.runs += 1;
      if (outcome.verdict !== "ok") failures++;
      if (fresh.length > 0) this.admit({ run: candidate.run, plan: candidate.plan, newFeatures: fresh.length, features: outcome.features, picks: 0 });
    }
    const mutants = candidates.filter((c) => c.origin.startsWith("run ")).length;
    const report: GenerationReport = { generation: this.generation, runs: candidates.length, features: this.coverage.size, newFeatures, corpus: this.corpus.length, failures, fresh: candidates.length - mutants, mutants };
    this.history.push(report);
    this.generation++;
    this.pending = undefined;
    return report;
  }

  /**
   * The share of fresh swarm draws in the next generation: each source's new
   * features per run lately, fresh over both, within [freshShare, 1 - freshShare]
   * (one half until both sources have run).
   */
  currentFreshShare(): number {
    const { fresh, mutant } = this.yields;
    if (fresh.runs === 0 || mutant.runs === 0) return Math.max(this.freshShare, 0.5);
    const freshYield = fresh.features / fresh.runs;
    const mutantYield = mutant.features / mutant.runs;
    const share = freshYield + mutantYield === 0 ? 0.5 : freshYield / (freshYield + mutantYield);
    return Math.min(1 - this.freshShare, Math.max(this.freshShare, share));
  }

  private admit(entry: CorpusEntry): void {
    if (this.corpus.length < this.corpusMax) {
      this.corpus.push(entry);
      return;
    }
    let lightest = 0;
    for (let i = 1; i < this.corpus.length; i++) if (this.weight(this.corpus[i]!) < this.weight(this.corpus[lightest]!)) lightest = i;
    if (entry.newFeatures > this.corpus[lightest]!.newFeatures) this.corpus[lightest] = entry;
  }

  private candidate(run: number, plan: GuidedPlan, origin: string): Candidate | undefined {
    const key = JSON.stringify(plan);
    if (this.tried.has(key)) return undefined;
    const note = `guided run ${run}, generation ${this.generation}, ${origin}: ${describePlan(plan)}`;
    const repaired = repairPlan(this.space, plan, note);
    if (!repaired.ok || repaired.dropped > 0) return undefined;
    this.tried.add(key);
    return { run, generation: this.generation, plan, raw: repaired.raw, origin };
  }

  private scenarioCandidate(): Candidate {
    const candidate = this.candidate(0, scenarioPlan(this.space, this.options.from), "scenario");
    assert(candidate !== undefined, "the base scenario's own plan is valid");
    return candidate;
  }

  /** A fresh swarm draw: the base plan plus what swarm draws for the next seed of the sequence. */
  private freshCandidate(run: number): Candidate {
    for (let attempt = 0; attempt < FRESH_ATTEMPTS; attempt++) {
      const seed = this.nextSwarmSeed++;
      const base = scenarioPlan(this.space, seed);
      const plan: GuidedPlan = { seed, groups: [...base.groups, ...drawSwarm(this.space.base, seed, this.space.registry).groups] };
      const candidate = this.candidate(run, plan, `swarm seed ${seed}`);
      if (candidate !== undefined) return candidate;
    }
    throw new Error(`guided: ${FRESH_ATTEMPTS} swarm draws in a row were invalid or already run (a bug in a kind's draw or in the plan checks)`);
  }

  private mutantCandidate(run: number, rng: Rng): Candidate | undefined {
    for (let attempt = 0; attempt < MUTATION_ATTEMPTS; attempt++) {
      const parent = this.pickParent(rng);
      const other = this.corpus[rng.int(this.corpus.length)]!;
      const mutation = mutatePlan(this.space, parent.plan, rng, other.plan);
      if (mutation === undefined) continue;
      // Repair before the validity check: a mutant that only keeps the rules once a group is dropped runs as repaired.
      const repaired = repairPlan(this.space, mutation.plan);
      if (!repaired.ok) continue;
      const candidate = this.candidate(run, repaired.plan, `run ${parent.run}: ${mutation.steps.join(", ")}`);
      if (candidate === undefined) continue;
      parent.picks++;
      return candidate;
    }
    return undefined;
  }

  private pickParent(rng: Rng): CorpusEntry {
    const weights = this.corpus.map((e) => this.weight(e));
    let total = 0;
    for (const w of weights) total += w;
    let x = rng.next() * total;
    for (let i = 0; i < this.corpus.length; i++) {
      x -= weights[i]!;
      if (x < 0) return this.corpus[i]!;
    }
    return this.corpus[this.corpus.length - 1]!;
  }

  /** An entry's weight as a parent: the rarity of what its run reached, over the times it was picked. */
  private weight(e: CorpusEntry): number {
    let rarity = 0;
    for (const f of e.features) rarity += 1 / (this.hits.get(f) ?? 1);
    return rarity / (1 + e.picks);
  }
}

/** Options of {@link runCandidate}. */
export type CandidateRunOptions = Pick<SeedRunOptions, "checkDeterminism" | "sharing">;

/**
 * Runs one candidate scenario (file form) and collects its coverage
 * features on the observation bus; with `checkDeterminism`, runs it a second
 * time and fails with exit 6 when the digests differ (as `runSeed`).
 * @param run runs a validated scenario with an observer (`runScenario` with the program binary, or a test's own)
 * @throws InputError when `raw` does not validate (never for a candidate of {@link GuidedExplorer})
 */
export function runCandidate(raw: Record<string, unknown>, runNumber: number, options: CandidateRunOptions, run: (scenario: Scenario, observer: (o: Observation) => void) => RunReport): CandidateOutcome {
  const scenario = parseScenario(raw);
  const collector = coverageCollectorFor(scenario);
  const report = run(scenario, (o) => collector.observe(o));
  const outcome: SeedOutcome = seedOutcome(scenario.seed, report, raw);
  if (options.checkDeterminism) {
    const second = run(scenario, () => {});
    outcome.secondDigest = second.traceDigest;
    if (second.traceDigest !== report.traceDigest) {
      outcome.verdict = "nondeterministic";
      outcome.exitCode = EXIT.nondeterministic;
      outcome.invariant = "nondeterminism";
      outcome.message = `run ${runNumber} (seed ${scenario.seed}): the same scenario gave two trace digests: first ${report.traceDigest}, second ${second.traceDigest}`;
    }
  }
  return { ...outcome, run: runNumber, features: collector.features() };
}

/** A coverage collector for a parsed scenario: its honest validators' and byzantine validators' events count. */
export function coverageCollectorFor(scenario: Scenario): CoverageCollector {
  const nodes = planOf(scenario).nodes.filter((n) => n.role === "validator");
  return new CoverageCollector(new Set(nodes.filter((n) => n.honest).map((n) => n.id)), new Set(nodes.filter((n) => !n.honest).map((n) => n.id)));
}

/**
 * Work shared between simulated validators (block execution by parent root
 * and block hash, transaction decoding by bytes; `sequencer/shared-work.ts`):
 * the same trace digests and reports with sharing on and off, and
 * `--check-sharing` catching a deliberately broken memo built here.
 */
import { describe, expect, it } from "vitest";
import { SparseMerkleTree } from "../../src/crypto/sparse-merkle.js";
import { runAndJudge, runScenario, type RunReport } from "../../src/scenario/run.js";
import { ScenarioRun } from "../../src/scenario/scenario-run.js";
import type { Scenario } from "../../src/scenario/schema.js";
import type { SharedBlockOutcome, SharedTransaction } from "../../src/sequencer/shared-work.js";
import { RunMemo, SharingCheck, SharingMismatchError, type SharingOptions } from "../../src/sim/run-memo.js";
import { loadProgramElf } from "../../src/runtime/program-files.js";
import { scenario } from "../helpers/scenario.js";

const S = 1_000_000;

function run(s: Scenario, sharing: SharingOptions): { report: RunReport; hits: number } {
  const cluster = new ScenarioRun(s, { ...(s.l1.enabled ? { programElf: loadProgramElf() } : {}), sharing });
  const report = runAndJudge(cluster);
  const shared = cluster.rollup().shared;
  return { report, hits: (shared?.execution.stats.hits ?? 0) + (shared?.transactions.stats.hits ?? 0) };
}

const cases: { name: string; scenario: () => Scenario }[] = [
  { name: "quickstart (8 s, L1 on, ed25519)", scenario: () => scenario("quickstart", {}, 8 * S) },
  { name: "crash-restart, its first 25 s (sim signatures, no L1)", scenario: () => scenario("crash-restart", { validators: { count: 7, blockTime: "250ms", viewTimeout: "1s", signatureScheme: "sim" }, l1: { enabled: false } }, 25_000_000) },
  {
    name: "byzantine: an equivocating leader and a twin (quickstart, 10 s, sim signatures, no L1)",
    scenario: () =>
      scenario(
        "quickstart",
        {
          validators: { count: 7, blockTime: "250ms", viewTimeout: "1s", signatureScheme: "sim" },
          l1: { enabled: false },
          byzantine: [
            { node: "v1", behavior: "equivocate", rate: 0.5 },
            { node: "v4", behavior: "twin" },
          ],
        },
        10 * S,
      ),
  },
  {
    name: "storage corruption: a corrupted safety record, background corruption and torn writes, crashes",
    scenario: () =>
      scenario(
        "quickstart",
        {
          validators: { count: 4, blockTime: "250ms", viewTimeout: "1s", signatureScheme: "sim" },
          l1: { enabled: false },
          faults: [
            { at: "1s", action: "storage-faults", corruptRate: 0.02, tornWriteRate: 0.05 },
            { at: "3s", action: "corrupt", node: "v1", key: "consensus/safety" },
            { at: "3s", action: "crash", node: "v1" },
            { at: "4s", action: "restart", node: "v1" },
            { at: "5s", action: "crash", node: "v2" },
            { at: "6s", action: "restart", node: "v2" },
          ],
          phases: { safetyOnly: true },
        },
        12 * S,
      ),
  },
];

describe("shared work: the same results with sharing on and off", () => {
  for (const c of cases) {
    it(c.name, () => {
      // Goal: sharing is invisible: same digest, same report (verdicts, metrics), and it did share.
      const s = c.scenario();
      const on = run(s, {});
      const off = run(s, { off: true });
      expect(on.report.traceDigest).toBe(off.report.traceDigest);
      expect(on.report).toEqual(off.report);
      expect(on.hits).toBeGreaterThan(0);
      expect(off.hits).toBe(0);
    });
  }
});

/**
 * A memo whose `nth` hit (counted over the hits `lie` applies to) answers what
 * `lie` makes of the true answer instead (built here, never in src/).
 */
class LyingMemo extends RunMemo<unknown> {
  private lookups = 0;
  constructor(
    name: string,
    capacity: number,
    check: SharingCheck | undefined,
    private readonly nth: number,
    /** The wrong answer for a true one, or undefined when this hit is not one to lie about (not counted). */
    private readonly lie: (known: unknown) => unknown,
  ) {
    super(name, capacity, check);
  }
  protected override lookup(key: string): unknown {
    const known = super.lookup(key);
    if (known === undefined) return known;
    const wrong = this.lie(known);
    if (wrong === undefined) return known;
    this.lookups++;
    return this.lookups === this.nth ? wrong : known;
  }
}

/** The same writes and receipts of a block over another tree: a wrong post-state root (blocks found invalid are left alone). */
const wrongRoot = (known: unknown): unknown =>
  "reason" in (known as SharedBlockOutcome) ? undefined : { ...(known as SharedBlockOutcome), tree: SparseMerkleTree.empty().update([[new Uint8Array([1, 2, 3]), new Uint8Array([4])]]) };
/** A valid transaction called badly signed. */
const badSignature = (known: unknown): unknown => ({ raw: (known as SharedTransaction).raw, outcome: { rejected: "bad-signature" } });

describe("--check-sharing", () => {
  const short = (): Scenario =>
    scenario("quickstart", { validators: { count: 4, blockTime: "250ms", viewTimeout: "1s", signatureScheme: "sim" }, l1: { enabled: false }, faults: [] }, 5 * S);

  it("a broken execution memo (a wrong post-state root) is caught when every hit is recomputed", () => {
    // Goal: the check recomputes a reused execution and stops the run with the typed error naming the memo.
    const createMemo = (name: string, capacity: number, check: SharingCheck | undefined) => (name === "block-execution" ? new LyingMemo(name, capacity, check, 5, wrongRoot) : new RunMemo<unknown>(name, capacity, check));
    let error: unknown;
    try {
      runScenario(short(), { sharing: { checkEvery: 1, createMemo } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SharingMismatchError);
    expect((error as SharingMismatchError).memo).toBe("block-execution");
    expect((error as SharingMismatchError).difference).toMatch(/^post state root/);
  });

  it("the same broken memo without the check changes the run: validators disagree with the proposal's root", () => {
    // Goal: the broken memo is really wrong (so the check above had something to catch).
    const createMemo = (name: string, capacity: number, check: SharingCheck | undefined) => (name === "block-execution" ? new LyingMemo(name, capacity, check, 5, wrongRoot) : new RunMemo<unknown>(name, capacity, check));
    const broken = runScenario(short(), { sharing: { createMemo } });
    const honest = runScenario(short(), { sharing: { off: true } });
    expect(broken.traceDigest).not.toBe(honest.traceDigest);
  });

  it("a broken transaction memo (a valid signature called bad) is caught", () => {
    const createMemo = (name: string, capacity: number, check: SharingCheck | undefined) => (name === "transactions" ? new LyingMemo(name, capacity, check, 40, badSignature) : new RunMemo<unknown>(name, capacity, check));
    expect(() => runScenario(short(), { sharing: { checkEvery: 1, createMemo } })).toThrow(SharingMismatchError);
  });

  it("a correct memo passes a seeded one-in-3 sample of its hits, with the digest of a run without sharing", () => {
    // Goal: the sample is seeded (offset) and the checks really ran on the correct memo.
    const check = new SharingCheck(3, 1);
    const report = runScenario(short(), { sharing: { check } });
    expect(report.exitCode).toBe(0);
    expect(check.checked).toBeGreaterThan(10);
    expect(report.traceDigest).toBe(runScenario(short(), { sharing: { off: true } }).traceDigest);
  });
});

describe("RunMemo", () => {
  it("keeps at most its capacity, evicting the oldest answer first", () => {
    const memo = new RunMemo<number>("m", 2);
    let computed = 0;
    const through = (key: string) => memo.through(key, () => ++computed, { differ: (a, b) => (a === b ? undefined : `${a} != ${b}`) });
    expect([through("a"), through("b"), through("a")]).toEqual([1, 2, 1]);
    through("c"); // evicts a
    expect(memo.stats.size).toBe(2);
    expect(through("a")).toBe(4);
    expect(memo.stats).toMatchObject({ hits: 1, misses: 4 });
  });

  it("refuses a remembered answer its inputs do not match (byte-exact reuse)", () => {
    const memo = new RunMemo<{ raw: string; v: number }>("m", 10);
    const differ = () => undefined;
    memo.through("k", () => ({ raw: "x", v: 1 }), { differ });
    expect(memo.through("k", () => ({ raw: "y", v: 2 }), { differ, accepts: (known) => known.raw === "y" }).v).toBe(2);
    expect(memo.through("k", () => ({ raw: "y", v: 3 }), { differ, accepts: (known) => known.raw === "y" }).v).toBe(2);
  });

  it("the sharing check samples every k-th hit from its offset and rejects a bad k", () => {
    const check = new SharingCheck(4, 2);
    const taken = Array.from({ length: 12 }, () => check.sample());
    expect(taken.map((t, i) => (t ? i : -1)).filter((i) => i >= 0)).toEqual([2, 6, 10]);
    expect(() => new SharingCheck(0, 0)).toThrow(RangeError);
  });
});

/**
 * The coverage signal of `explore --guided` (`src/explore/coverage.ts`),
 * fed observations written by hand: each family of features says what it
 * should and nothing a run did not do.
 */
import { describe, expect, it } from "vitest";
import type { Observation } from "../../src/check/checker.js";
import { countBucket, CoverageCollector } from "../../src/explore/coverage.js";

const HASH = (n: number): string => n.toString(16).padStart(64, "0");
let time = 0;
const o = (node: string, event: string, fields: Record<string, unknown> = {}): Observation => ({ timeUs: (time += 1000), node, event, fields });

function collect(observations: readonly Observation[], honest = ["v0", "v1", "v2", "v3"], byzantine: string[] = []): string[] {
  const collector = new CoverageCollector(new Set(honest), new Set(byzantine));
  for (const x of observations) collector.observe(x);
  return collector.features();
}

describe("coverage features", () => {
  it("pairs each honest event with the replica's state before it: a vote after a timeout in the view is its own pair", () => {
    const features = collect([
      o("v0", "boot", { committedHeight: 0, lastVotedView: 0, lockedQCView: 0 }),
      o("v0", "view", { view: 1 }),
      o("v0", "vote", { view: 1, height: 1, hash: HASH(1) }),
      o("v0", "timeout", { view: 1, highQCView: 0, backoff: 1 }),
      o("v0", "vote", { view: 1, height: 1, hash: HASH(1) }),
      o("v0", "vote-refused", { view: 1, reason: "unsafe: QC neither from the previous view nor justified by a TC" }),
    ]);
    expect(features).toContain("ev|validator|vote|lag0");
    expect(features).toContain("ev|validator|timeout|lag0,voted");
    expect(features).toContain("ev|validator|vote|lag0,voted,timedout");
    expect(features).toContain("ev|validator|vote-refused:unsafe: QC neither from the previous view nor justified by a TC|lag0,voted,timedout");
    // A client's or an unknown node's events never count.
    expect(collect([o("c0", "submit", { txId: HASH(1) })])).toEqual([]);
  });

  it("tracks a replica's lag behind the highest view, its restarts and its recovery", () => {
    const features = collect([
      o("v0", "view", { view: 5 }),
      o("v1", "boot", {}),
      o("v1", "boot", {}),
      o("v1", "recovering", { reason: "safety state lost" }),
      o("v1", "view", { view: 1 }),
      o("v1", "reject", { from: "v2", type: "proposal", reason: "bad proposal signature" }),
    ]);
    expect(features).toContain("ev|validator|reject:proposal:bad proposal signature|lag3+,recovering,restarted");
    expect(features).toContain("ev|validator|recovering:safety state lost|lag3+,restarted");
  });

  it("view-change trigrams say how each replica entered its views, and 4-grams the outcome of consecutive views", () => {
    const features = collect([
      o("v1", "qc", { view: 1, height: 1, hash: HASH(1) }),
      o("v0", "view", { view: 2 }),
      o("v0", "tc", { view: 2 }),
      o("v0", "view", { view: 3 }),
      o("v0", "view", { view: 5 }),
      o("v2", "qc", { view: 2, height: 2, hash: HASH(2) }),
      o("v2", "commit", { height: 1, view: 1, hash: HASH(1), payload: new Uint8Array() }),
    ]);
    // v0 entered 2 after the QC of 1 (Q), 3 after the TC of 2 (T), 5 skipping 4 with neither for 4 (J+).
    expect(features).toContain("vc|Q,T,J+");
    // Views 1..5: 1 committed (K), 2 certified only (Q: a QC and a TC of 2, the QC counts), 3 and 4 skipped, 5 skipped.
    expect(features).toContain("vo|KQSS");
    expect(features).toContain("vo|QSSS");
  });

  it("fork shapes: an abandoned branch by depth and certification, a head moving back", () => {
    const chain = [
      o("v0", "block", { hash: HASH(1), parent: HASH(0), height: 1, view: 1 }),
      o("v0", "block", { hash: HASH(2), parent: HASH(1), height: 2, view: 2 }),
      o("v0", "block", { hash: HASH(3), parent: HASH(2), height: 3, view: 3 }),
      // A fork off block 1: two blocks, the first certified, both below the committed height.
      o("v1", "block", { hash: HASH(12), parent: HASH(1), height: 2, view: 4 }),
      o("v1", "block", { hash: HASH(13), parent: HASH(12), height: 3, view: 5 }),
      o("v1", "qc", { view: 4, height: 2, hash: HASH(12) }),
      o("v0", "commit", { height: 1, view: 1, hash: HASH(1), payload: new Uint8Array() }),
      o("v0", "commit", { height: 2, view: 2, hash: HASH(2), payload: new Uint8Array() }),
      o("v0", "commit", { height: 3, view: 3, hash: HASH(3), payload: new Uint8Array() }),
      o("v1", "head", { hash: HASH(13), height: 3, view: 5 }),
      o("v1", "head", { hash: HASH(1), height: 1, view: 1 }),
    ];
    const features = collect(chain);
    expect(features).toContain("fork|branch|2|certified");
    // While v1's head was block 13 (height 3, off block 1) and v0's... v0 had no head: no divergence yet.
    expect(features.filter((f) => f.startsWith("fork|heads-diverge"))).toEqual([]);
    // Heads on two branches of block 1: v0 on block 3, v1 on block 13, diverging two heights below the lower one.
    const diverged = collect([...chain.slice(0, 5), o("v0", "head", { hash: HASH(3), height: 3, view: 3 }), o("v1", "head", { hash: HASH(13), height: 3, view: 5 })]);
    expect(diverged).toContain("fork|heads-diverge|2");
    // One head extending the other is no divergence.
    const along = collect([...chain.slice(0, 3), o("v0", "head", { hash: HASH(3), height: 3, view: 3 }), o("v1", "head", { hash: HASH(1), height: 1, view: 1 })]);
    expect(along.filter((f) => f.startsWith("fork|heads-diverge"))).toEqual([]);
    expect(features).toContain("fork|branches|1");
    expect(features).toContain("fork|head-back|2");
    // The same blocks with nothing abandoned: no fork features.
    expect(collect(chain.slice(0, 3).concat(chain.slice(6, 9))).filter((f) => f.startsWith("fork|"))).toEqual([]);
  });

  it("hit-count buckets of the rarer events, byzantine misbehaviour and world faults", () => {
    const timeouts = Array.from({ length: 5 }, (_, i) => o("v0", "timeout", { view: i + 1, highQCView: 0, backoff: 1 }));
    const features = collect(
      [
        ...timeouts,
        o("v3", "byzantine-forged-qc", { type: "timeout", view: 3, forgery: "repeated-signer" }),
        o("v3", "vote", { view: 3, height: 1, hash: HASH(1) }),
        o("sim", "fault", { description: "crash v1" }),
        o("sim", "crash-point", { node: "v1", point: "after send", to: "v2" }),
      ],
      ["v0", "v1", "v2"],
      ["v3"],
    );
    expect(features).toContain("n|timeout|4-7");
    expect(features).toContain("byz|byzantine-forged-qc|repeated-signer");
    expect(features).toContain("sim|fault|crash");
    expect(features).toContain("sim|crash-point|after send");
    // A byzantine validator's ordinary events are not honest behaviour.
    expect(features.some((f) => f.startsWith("ev|") && f.includes("vote"))).toBe(false);
    expect([1, 3, 4, 7, 8, 16, 32, 128].map(countBucket)).toEqual(["1", "3", "4-7", "4-7", "8-15", "16-31", "32-127", "128+"]);
  });
});

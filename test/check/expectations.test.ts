/** The expectation checkers on hand-written histories: what counts, what counts once, what is ignored. */
import { describe, expect, it } from "vitest";
import type { Observation } from "../../src/check/checker.js";
import { MaxFailedViewsChecker, MinCommitsChecker, NoHonestCommitChecker } from "../../src/check/validators/expectations.js";

const obs = (timeUs: number, node: string, event: string, fields: Record<string, unknown>): Observation => ({ timeUs, node, event, fields });
const HONEST: ReadonlySet<string> = new Set(["v0", "v1", "v2"]);
const ROLES = { validators: ["v0", "v1", "v2", "v3"], identities: new Map([["v3t", "v3"]]), quorum: 3 };

describe("min-commits", () => {
  it("counts the highest honest height, not commits, and ignores a byzantine validator's", () => {
    const c = new MinCommitsChecker(2, HONEST);
    c.observe(obs(1, "v0", "commit", { height: 1 }));
    c.observe(obs(2, "v1", "commit", { height: 1 }));
    c.observe(obs(3, "v3", "commit", { height: 2 }));
    expect(c.finish(10)).toMatchObject({ ok: false, kind: "liveness", figures: { committedHeight: 1 }, violation: { invariant: "min-commits", atUs: 10 } });
    c.observe(obs(4, "v2", "commit", { height: 2 }));
    expect(c.finish(10)).toMatchObject({ ok: true, figures: { committedHeight: 2, reachedAtUs: 4 } });
  });
});

describe("max-failed-views", () => {
  it("counts a view once, by certificate or by a quorum of distinct identities", () => {
    const c = new MaxFailedViewsChecker(1, ROLES);
    // View 3: certificates from two validators, and timeouts: one failed view.
    c.observe(obs(1, "v0", "timeout", { view: 3 }));
    c.observe(obs(2, "v0", "tc", { view: 3 }));
    c.observe(obs(3, "v1", "tc", { view: 3 }));
    expect(c.finish()).toMatchObject({ ok: true, figures: { failedViews: 1, failedByCertificate: 1 } });
    // View 5: a twin and its original are one identity, so two identities so far; the third makes the quorum.
    c.observe(obs(4, "v3", "timeout", { view: 5 }));
    c.observe(obs(5, "v3t", "timeout", { view: 5 }));
    c.observe(obs(6, "v1", "timeout", { view: 5 }));
    expect(c.finish().figures.failedViews).toBe(1);
    c.observe(obs(7, "c0", "timeout", { view: 5 }));
    expect(c.finish().figures.failedViews).toBe(1);
    c.observe(obs(8, "v2", "timeout", { view: 5 }));
    const verdict = c.finish();
    expect(verdict).toMatchObject({ ok: false, figures: { failedViews: 2, failedByCertificate: 1, failedByQuorumOfTimeouts: 1 } });
    expect(verdict.violation).toMatchObject({ invariant: "max-failed-views", atUs: 8 });
    expect(verdict.violation!.message).toMatch(/2 views ended by timeout, more than maxFailedViews 1 \(views 3, 5\)/);
  });
});

describe("no-honest-commit", () => {
  it("a byzantine commit is no violation; the first honest one is, once", () => {
    const c = new NoHonestCommitChecker(HONEST);
    expect(c.observe(obs(1, "v3", "commit", { height: 1 }))).toBeUndefined();
    expect(c.observe(obs(2, "v1", "commit", { height: 1 }))).toMatchObject({ invariant: "no-honest-commit", atUs: 2 });
    expect(c.observe(obs(3, "v0", "commit", { height: 1 }))).toBeUndefined();
    expect(c.finish()).toMatchObject({ ok: false, kind: "safety", figures: { honestCommits: 2 } });
  });
});

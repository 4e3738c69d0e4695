/**
 * The equivocation checker keeps its votes, proposals and blocks per view in
 * compact records (`check/validators/view-records.ts`). Goal: the same
 * verdicts, messages and figures as the plain string-keyed maps it had
 * before, which this test rebuilds as the reference, on random histories
 * with honest, byzantine and twin validators, repeated votes and blocks of
 * out-of-range proposers. A broken record (one that forgets a view) is
 * caught by the same comparison.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Observation, Violation } from "../../src/check/checker.js";
import { EquivocationChecker, type ValidatorRoles } from "../../src/check/validators/equivocation.js";
import { ViewRecords } from "../../src/check/validators/view-records.js";

const VALIDATORS = ["v0", "v1", "v2", "v3"];
const ROLES: ValidatorRoles = {
  validators: VALIDATORS,
  identities: new Map([["v3t", "v3"]]),
  honest: new Set(["v0", "v1", "v2"]),
};

/** The checker as it was before the compact records: string keys, one entry per pair (the reference). */
class ReferenceEquivocation {
  private readonly votes = new Map<string, string>();
  private readonly proposals = new Map<string, string>();
  private readonly blocksByView = new Map<string, string>();
  private readonly conflictingViews = new Set<string>();
  votesObserved = 0;
  proposalsObserved = 0;
  byzantineEquivocations = 0;
  violation: Violation | undefined;

  observe(o: Observation): Violation | undefined {
    const identity = ROLES.identities.get(o.node) ?? o.node;
    if (!VALIDATORS.includes(identity)) return undefined;
    const f = o.fields as { view: number; hash: string; proposer: number };
    if (o.event === "vote" || o.event === "propose") {
      if (o.event === "vote") this.votesObserved++;
      else this.proposalsObserved++;
      const seen = o.event === "vote" ? this.votes : this.proposals;
      const key = `${identity}/${f.view}`;
      const earlier = seen.get(key);
      if (earlier === undefined) {
        seen.set(key, f.hash);
        return undefined;
      }
      if (!ROLES.honest.has(o.node)) {
        if (earlier !== f.hash) this.byzantineEquivocations++;
        return undefined;
      }
      const verb = o.event === "vote" ? "voted" : "proposed";
      this.violation ??= { invariant: "equivocation", atUs: o.timeUs, message: `${o.node} ${verb} twice in view ${f.view} (${earlier.slice(0, 16)}, then ${f.hash.slice(0, 16)})` };
      return this.violation;
    }
    if (o.event !== "block" || !ROLES.honest.has(o.node)) return undefined;
    const key = `${f.view}/${f.proposer}`;
    const first = this.blocksByView.get(key);
    if (first === undefined) {
      this.blocksByView.set(key, f.hash);
      return undefined;
    }
    if (first === f.hash || this.conflictingViews.has(key)) return undefined;
    this.conflictingViews.add(key);
    const leader = VALIDATORS[f.proposer];
    if (leader === undefined || !ROLES.honest.has(leader)) return undefined;
    this.violation ??= {
      invariant: "equivocation",
      atUs: o.timeUs,
      message: `two blocks of view ${f.view} reached honest validators (${first.slice(0, 16)}, ${f.hash.slice(0, 16)}): its leader ${leader} proposed twice`,
    };
    return this.violation;
  }

  figures(): Record<string, number> {
    return { votesObserved: this.votesObserved, proposalsObserved: this.proposalsObserved, byzantineEquivocations: this.byzantineEquivocations, conflictingProposalsObserved: this.conflictingViews.size };
  }
}

/** One random event of the history. */
interface RandomEvent {
  node: string;
  event: string;
  view: number;
  hash: string;
  proposer: number;
}

const hash = fc.constantFrom(...["a", "b", "c"].map((c) => c.repeat(64)));
const event: fc.Arbitrary<RandomEvent> = fc.record({
  node: fc.constantFrom("v0", "v1", "v2", "v3", "v3t", "c0"),
  event: fc.constantFrom("vote", "propose", "block", "commit"),
  view: fc.integer({ min: 0, max: 6 }),
  hash,
  proposer: fc.integer({ min: 0, max: 5 }),
});

/** Feeds `events` to both; returns each one's answers (violation messages) and final figures. */
function replay(checker: { observe(o: Observation): Violation | undefined }, events: RandomEvent[]): (string | undefined)[] {
  return events.map((e, i) => {
    const fields = e.event === "block" ? { view: e.view, hash: e.hash, parent: e.hash, height: 1, proposer: e.proposer } : { view: e.view, height: 1, hash: e.hash };
    return checker.observe({ timeUs: i, node: e.node, event: e.event, fields })?.message;
  });
}

describe("equivocation with compact records", () => {
  it("gives the same answers and figures as string-keyed maps on random histories", () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), (events) => {
        const checker = new EquivocationChecker(ROLES);
        const reference = new ReferenceEquivocation();
        expect(replay(checker, events)).toEqual(replay(reference, events));
        expect(checker.finish().figures).toEqual(reference.figures());
      }),
      { numRuns: 300, seed: 23 },
    );
  });

  it("a record that forgets old views (built here) is caught by the same comparison", () => {
    class Forgetful extends ViewRecords {
      override get(view: number, member: number): string | undefined {
        return view === 0 ? undefined : super.get(view, member);
      }
      override set(view: number, member: number, h: string): void {
        if (view !== 0) super.set(view, member, h);
      }
    }
    const checker = new EquivocationChecker(ROLES);
    (checker as unknown as { votes: ViewRecords }).votes = new Forgetful();
    const events = [
      { node: "v0", event: "vote", view: 0, hash: "a".repeat(64), proposer: 0 },
      { node: "v0", event: "vote", view: 0, hash: "b".repeat(64), proposer: 0 },
    ];
    expect(replay(new ReferenceEquivocation(), events)[1]).toMatch(/v0 voted twice in view 0/);
    expect(replay(checker, events)[1]).toBeUndefined();
  });
});

describe("view records", () => {
  it("keeps one hash per view and member, shares equal hashes, refuses a second one", () => {
    const r = new ViewRecords();
    r.set(5, 2, "x");
    r.set(5, 0, "x");
    r.set(5, 1, "y");
    expect([r.get(5, 0), r.get(5, 1), r.get(5, 2), r.get(5, 3), r.get(4, 0)]).toEqual(["x", "y", "x", undefined, undefined]);
    expect(r.size).toBe(3);
    expect(() => r.set(5, 2, "z")).toThrow(/has a hash in view 5 already/);
    expect(() => r.set(5, -1, "z")).toThrow(/not a non-negative integer/);
  });
});

describe("view records, the general form", () => {
  it("keeps every pair when a view gets a second hash or a member beyond the bit set", () => {
    const r = new ViewRecords();
    r.set(1, 0, "x");
    r.set(1, 30, "x");
    r.set(1, 31, "x");
    r.set(1, 2, "y");
    r.set(2, 40, "z");
    r.set(2, 3, "z");
    expect([r.get(1, 0), r.get(1, 30), r.get(1, 31), r.get(1, 2), r.get(1, 1), r.get(2, 40), r.get(2, 3), r.get(2, 0)]).toEqual(["x", "x", "x", "y", undefined, "z", "z", undefined]);
    expect(r.size).toBe(6);
    expect(() => r.set(1, 30, "x")).toThrow(/already/);
  });
});

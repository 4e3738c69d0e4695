import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TraceChain, digestText } from "../../src/sim/trace.js";

interface Rec {
  timeUs: number;
  node: string;
  kind: string;
  payload: Uint8Array;
}

const digestOf = (records: readonly Rec[]): string => {
  const t = new TraceChain();
  for (const r of records) t.record(r.timeUs, r.node, r.kind, r.payload);
  return t.digestHex();
};

const recArb: fc.Arbitrary<Rec> = fc.record({
  timeUs: fc.integer({ min: 0, max: 1e12 }),
  node: fc.constantFrom("v0", "v1", "v2", "c0", "sim"),
  kind: fc.constantFrom("msg", "timer", "fault"),
  payload: fc.uint8Array({ minLength: 32, maxLength: 32 }),
});

describe("TraceChain", () => {
  it("starts empty with the all-zero head", () => {
    const t = new TraceChain();
    expect(t.length).toBe(0);
    expect(t.digestHex()).toBe("0".repeat(64));
  });

  it("counts records and produces 64 lowercase hex characters", () => {
    const t = new TraceChain();
    t.record(1, "v0", "msg");
    t.record(2, "v1", "timer", digestText("tag"));
    expect(t.length).toBe(2);
    expect(t.digestHex()).toMatch(/^[0-9a-f]{64}$/);
  });

  it("same records give the same digest", () => {
    const recs: Rec[] = [
      { timeUs: 10, node: "v0", kind: "msg", payload: digestText("hello") },
      { timeUs: 20, node: "v1", kind: "timer", payload: digestText("view") },
    ];
    expect(digestOf(recs)).toBe(digestOf(recs.map((r) => ({ ...r, payload: r.payload.slice() }))));
  });

  it("the default payload is the zero digest", () => {
    const a = new TraceChain();
    a.record(5, "sim", "fault");
    const b = new TraceChain();
    b.record(5, "sim", "fault", new Uint8Array(32));
    expect(a.digestHex()).toBe(b.digestHex());
  });

  it("changing the time, node, kind or payload changes the digest", () => {
    const base: Rec = { timeUs: 1000, node: "v0", kind: "msg", payload: digestText("p") };
    const d = digestOf([base]);
    expect(digestOf([{ ...base, timeUs: 1001 }])).not.toBe(d);
    expect(digestOf([{ ...base, timeUs: 1000.5 }])).not.toBe(d);
    expect(digestOf([{ ...base, node: "v1" }])).not.toBe(d);
    expect(digestOf([{ ...base, kind: "timer" }])).not.toBe(d);
    expect(digestOf([{ ...base, payload: digestText("q") }])).not.toBe(d);
  });

  it("node and kind boundaries are unambiguous", () => {
    const p = digestText("x");
    expect(digestOf([{ timeUs: 1, node: "ab", kind: "c", payload: p }])).not.toBe(digestOf([{ timeUs: 1, node: "a", kind: "bc", payload: p }]));
  });

  it("order matters", () => {
    const a: Rec = { timeUs: 1, node: "v0", kind: "msg", payload: digestText("a") };
    const b: Rec = { timeUs: 1, node: "v0", kind: "msg", payload: digestText("b") };
    expect(digestOf([a, b])).not.toBe(digestOf([b, a]));
  });

  it("property: same records, same digest; any single-field change, different digest", () => {
    fc.assert(
      fc.property(
        fc.array(recArb, { minLength: 1, maxLength: 10 }),
        fc.nat(),
        fc.constantFrom("timeUs", "node", "kind", "payload"),
        (recs, at, field) => {
          const d = digestOf(recs);
          expect(digestOf(recs.map((r) => ({ ...r, payload: r.payload.slice() })))).toBe(d);
          const i = at % recs.length;
          const r = recs[i]!;
          const changed: Rec = { ...r };
          if (field === "timeUs") changed.timeUs = r.timeUs + 1;
          else if (field === "node") changed.node = `${r.node}'`;
          else if (field === "kind") changed.kind = `${r.kind}'`;
          else {
            const p = r.payload.slice();
            p[at % 32] = p[at % 32]! ^ 1;
            changed.payload = p;
          }
          const mutated = recs.slice();
          mutated[i] = changed;
          expect(digestOf(mutated)).not.toBe(d);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("property: swapping two different records changes the digest", () => {
    fc.assert(
      fc.property(fc.array(recArb, { minLength: 2, maxLength: 8 }), fc.nat(), fc.nat(), (recs, x, y) => {
        const i = x % recs.length;
        const j = y % recs.length;
        fc.pre(i !== j && digestOf([recs[i]!]) !== digestOf([recs[j]!]));
        const swapped = recs.slice();
        swapped[i] = recs[j]!;
        swapped[j] = recs[i]!;
        expect(digestOf(swapped)).not.toBe(digestOf(recs));
      }),
      { numRuns: 100 },
    );
  });
});

describe("digestText", () => {
  it("is sha256 of the UTF-8 text", () => {
    expect(Buffer.from(digestText("abc")).toString("hex")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(digestText("a")).not.toEqual(digestText("b"));
  });
});

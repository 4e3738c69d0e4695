import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EventQueue } from "../../src/sim/event-queue.js";

const noop = (): void => {};

describe("EventQueue", () => {
  it("is empty at first: size 0, peek and pop give undefined", () => {
    const q = new EventQueue();
    expect(q.size).toBe(0);
    expect(q.peek()).toBeUndefined();
    expect(q.pop()).toBeUndefined();
  });

  it("pops by time, earliest first", () => {
    const q = new EventQueue();
    for (const t of [50, 10, 40, 20, 30]) q.push(t, noop);
    expect(q.size).toBe(5);
    const times: number[] = [];
    for (let e = q.pop(); e !== undefined; e = q.pop()) times.push(e.timeUs);
    expect(times).toEqual([10, 20, 30, 40, 50]);
    expect(q.size).toBe(0);
  });

  it("breaks ties by insertion order", () => {
    const q = new EventQueue();
    const a = q.push(5, noop);
    const b = q.push(5, noop);
    const c = q.push(1, noop);
    const d = q.push(5, noop);
    expect([q.pop(), q.pop(), q.pop(), q.pop()]).toEqual([c, a, b, d]);
  });

  it("assigns increasing sequence numbers and returns the pushed event", () => {
    const q = new EventQueue();
    const fire = (): void => {};
    const e1 = q.push(7, fire);
    const e2 = q.push(3, noop);
    expect(e1.seq).toBeLessThan(e2.seq);
    expect(e1.timeUs).toBe(7);
    expect(e1.fire).toBe(fire);
    expect(e1.cancelled).toBe(false);
  });

  it("peek returns the earliest event without removing it", () => {
    const q = new EventQueue();
    q.push(9, noop);
    const early = q.push(2, noop);
    expect(q.peek()).toBe(early);
    expect(q.size).toBe(2);
    expect(q.pop()).toBe(early);
    expect(q.peek()?.timeUs).toBe(9);
  });

  it("treats cancelled as plain data: a cancelled event is still held and popped in order", () => {
    const q = new EventQueue();
    const a = q.push(1, noop);
    const b = q.push(2, noop);
    a.cancelled = true;
    expect(q.size).toBe(2);
    const first = q.pop();
    expect(first).toBe(a);
    expect(first?.cancelled).toBe(true);
    expect(q.pop()).toBe(b);
  });

  it("does not call fire itself", () => {
    const q = new EventQueue();
    let calls = 0;
    q.push(1, () => calls++);
    q.pop();
    expect(calls).toBe(0);
  });

  it("property: pop order equals a stable sort of the pushes by time", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 200 }), (times) => {
        const q = new EventQueue();
        const pushed = times.map((t) => q.push(t, noop));
        const expected = pushed.map((e, i) => ({ e, i })).sort((x, y) => x.e.timeUs - y.e.timeUs || x.i - y.i).map((x) => x.e);
        const popped = [];
        for (let e = q.pop(); e !== undefined; e = q.pop()) popped.push(e);
        expect(popped).toEqual(expected);
        for (let k = 0; k < popped.length; k++) expect(popped[k]).toBe(expected[k]);
      }),
      { numRuns: 100 },
    );
  });

  it("property: interleaved pushes and pops always pop the minimum of (time, seq)", () => {
    const op = fc.oneof(fc.record({ push: fc.integer({ min: 0, max: 10 }) }), fc.constant({ pop: true as const }));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const q = new EventQueue();
        const model: { timeUs: number; seq: number }[] = [];
        for (const o of ops) {
          if ("push" in o) {
            const e = q.push(o.push, noop);
            model.push({ timeUs: e.timeUs, seq: e.seq });
          } else {
            model.sort((x, y) => x.timeUs - y.timeUs || x.seq - y.seq);
            const want = model.shift();
            const got = q.pop();
            expect(got === undefined ? undefined : { timeUs: got.timeUs, seq: got.seq }).toEqual(want);
          }
          expect(q.size).toBe(model.length);
        }
      }),
      { numRuns: 100 },
    );
  });
});

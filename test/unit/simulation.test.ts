import { describe, expect, it } from "vitest";
import { Simulation } from "../../src/sim/simulation.js";

describe("Simulation", () => {
  it("starts at time 0 with nothing fired", () => {
    const sim = new Simulation(1);
    expect(sim.nowUs).toBe(0);
    expect(sim.eventsFired).toBe(0);
    expect(sim.seed).toBe(1);
  });

  it("fires events in time order and advances the clock to each event's time", () => {
    const sim = new Simulation(1);
    const log: [string, number][] = [];
    sim.at(300, () => log.push(["c", sim.nowUs]));
    sim.at(100, () => log.push(["a", sim.nowUs]));
    sim.at(200, () => log.push(["b", sim.nowUs]));
    expect(sim.run(1_000, 100)).toBe("idle");
    expect(log).toEqual([
      ["a", 100],
      ["b", 200],
      ["c", 300],
    ]);
    expect(sim.eventsFired).toBe(3);
  });

  it("fires ties in insertion order", () => {
    const sim = new Simulation(1);
    const log: number[] = [];
    for (let i = 0; i < 10; i++) sim.at(50, () => log.push(i));
    sim.run(100, 100);
    expect(log).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("an event scheduled for now from inside an event fires after the ones already queued for now", () => {
    const sim = new Simulation(1);
    const log: string[] = [];
    sim.at(10, () => {
      log.push("first");
      sim.after(0, () => log.push("nested"));
    });
    sim.at(10, () => log.push("second"));
    sim.run(100, 100);
    expect(log).toEqual(["first", "second", "nested"]);
  });

  it("stops at the duration, leaves the clock at untilUs and keeps later events", () => {
    const sim = new Simulation(1);
    const log: number[] = [];
    sim.at(100, () => log.push(100));
    sim.at(500, () => log.push(500));
    sim.at(501, () => log.push(501));
    expect(sim.run(500, 100)).toBe("duration");
    expect(log).toEqual([100, 500]);
    expect(sim.nowUs).toBe(500);
  });

  it("sets the clock to untilUs on 'duration' even when the last event was earlier", () => {
    const sim = new Simulation(1);
    sim.at(10, () => {});
    sim.at(10_000, () => {});
    expect(sim.run(700, 100)).toBe("duration");
    expect(sim.nowUs).toBe(700);
  });

  it("stops on the event budget", () => {
    const sim = new Simulation(1);
    let fired = 0;
    for (let i = 1; i <= 10; i++) sim.at(i, () => fired++);
    expect(sim.run(1_000, 4)).toBe("eventBudget");
    expect(fired).toBe(4);
    expect(sim.eventsFired).toBe(4);
    expect(sim.nowUs).toBe(4);
  });

  it("counts only fired events against the budget, not cancelled ones", () => {
    const sim = new Simulation(1);
    let fired = 0;
    const cancelled = [sim.at(1, () => fired++), sim.at(2, () => fired++)];
    for (const e of cancelled) e.cancelled = true;
    sim.at(3, () => fired++);
    sim.at(4, () => fired++);
    expect(sim.run(100, 2)).toBe("idle");
    expect(fired).toBe(2);
    expect(sim.eventsFired).toBe(2);
  });

  it("skips cancelled events", () => {
    const sim = new Simulation(1);
    const log: string[] = [];
    const e = sim.at(5, () => log.push("cancelled"));
    sim.at(6, () => log.push("kept"));
    e.cancelled = true;
    sim.run(100, 100);
    expect(log).toEqual(["kept"]);
  });

  it("stop() makes run return 'stopped' after the current event", () => {
    const sim = new Simulation(1);
    const log: number[] = [];
    sim.at(1, () => log.push(1));
    sim.at(2, () => {
      log.push(2);
      sim.stop();
    });
    sim.at(2, () => log.push(3));
    sim.at(3, () => log.push(4));
    expect(sim.run(100, 100)).toBe("stopped");
    expect(log).toEqual([1, 2]);
    expect(sim.nowUs).toBe(2);
  });

  it("returns 'idle' when the queue empties and moves the clock to untilUs", () => {
    const sim = new Simulation(1);
    sim.at(10, () => {});
    expect(sim.run(250, 100)).toBe("idle");
    expect(sim.nowUs).toBe(250);
    const empty = new Simulation(2);
    expect(empty.run(0, 0)).toBe("idle");
  });

  it("at() in the past throws RangeError", () => {
    const sim = new Simulation(1);
    sim.at(100, () => {
      expect(() => sim.at(99, () => {})).toThrow(RangeError);
    });
    sim.run(100, 10);
    expect(sim.nowUs).toBe(100);
    expect(() => sim.at(50, () => {})).toThrow(RangeError);
    expect(() => sim.at(100, () => {})).not.toThrow();
  });

  it("at() rejects non-integer or non-finite times", () => {
    const sim = new Simulation(1);
    expect(() => sim.at(1.5, () => {})).toThrow(RangeError);
    expect(() => sim.at(Number.NaN, () => {})).toThrow(RangeError);
    expect(() => sim.at(Number.POSITIVE_INFINITY, () => {})).toThrow(RangeError);
    expect(() => sim.at(-1, () => {})).toThrow(RangeError);
  });

  it("after() is relative to now, floors fractions and clamps negatives to now", () => {
    const sim = new Simulation(1);
    const times: number[] = [];
    sim.at(1_000, () => {
      sim.after(250.9, () => times.push(sim.nowUs));
      sim.after(-5, () => times.push(sim.nowUs));
    });
    sim.run(10_000, 100);
    expect(times).toEqual([1_000, 1_250]);
  });

  it("rng(name) streams derive from the seed", () => {
    const a = new Simulation(5).rng("x");
    const b = new Simulation(5).rng("x");
    const c = new Simulation(6).rng("x");
    const sa = [a.next(), a.next()];
    expect([b.next(), b.next()]).toEqual(sa);
    expect([c.next(), c.next()]).not.toEqual(sa);
  });
});

import { describe, expect, it } from "vitest";
import { assert, AssertionError } from "../../src/sim/assert.js";

describe("assert", () => {
  it("returns when the condition holds", () => {
    expect(() => assert(true, "never")).not.toThrow();
    expect(() => assert(1, "never")).not.toThrow();
    expect(() => assert({}, "never")).not.toThrow();
  });

  it("throws an AssertionError carrying the message when the condition fails", () => {
    for (const falsy of [false, 0, "", null, undefined, Number.NaN]) {
      let caught: unknown;
      try {
        assert(falsy, "view went down");
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(AssertionError);
      expect(caught).toBeInstanceOf(Error);
      expect((caught as Error).name).toBe("AssertionError");
      expect((caught as Error).message).toContain("view went down");
    }
  });

  it("narrows the type of the condition", () => {
    const value: number | undefined = [7][0];
    assert(value !== undefined, "value is defined");
    const doubled: number = value * 2;
    expect(doubled).toBe(14);
  });
});

/**
 * The testnet's L1 registry check (`l1-registry-agreement`): it holds when
 * every finalized root equals the committed one, and each broken registry
 * built here is caught: a wrong root, a gap, a height nobody committed, an
 * empty registry, an unreadable one.
 */
import { describe, expect, it } from "vitest";
import { checkL1Registry } from "../../src/runtime/l1-registry-check.js";

const committed = new Map([1, 2, 3].map((h) => [h, `${h}`.repeat(64)]));
const good = [1, 2, 3].map((h) => ({ height: h, rootHex: `${h}`.repeat(64) }));

describe("l1-registry-agreement", () => {
  it("holds for the committed roots in height order", () => {
    expect(checkL1Registry(committed, good, 5)).toMatchObject({ ok: true, figures: { entries: 3, highestHeight: 3 } });
    expect(checkL1Registry(committed, good.slice(0, 2), 5).ok).toBe(true);
  });

  it("catches a wrong root, a gap, an unknown height, nothing posted, an unreadable registry", () => {
    const cases: [Parameters<typeof checkL1Registry>[1], RegExp][] = [
      [[good[0]!, { height: 2, rootHex: "f".repeat(64) }], /height 2, the validators committed/],
      [[good[0]!, good[2]!], /entry 1 is height 3, expected 2/],
      [[...good, { height: 4, rootHex: "4".repeat(64) }], /height 4 that no validator reported/],
      [[], /nothing was posted/],
      [{ error: "connection refused" }, /could not be read: connection refused/],
    ];
    for (const [registry, message] of cases) {
      const result = checkL1Registry(committed, registry, 7);
      expect(result.ok).toBe(false);
      expect(result.kind).toBe("safety");
      expect(result.violation?.message).toMatch(message);
      expect(result.violation?.atUs).toBe(7);
    }
  });
});

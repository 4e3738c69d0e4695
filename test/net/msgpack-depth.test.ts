/**
 * `msgpackDepthWithin` (src/net/msgpack-depth.ts) against the decoder: for
 * random values of every MessagePack kind, it says "within d" exactly when
 * the decoded value nests at most d deep; every protocol message stays well
 * inside `WIRE_DEPTH_MAX`; and a 4 MiB frame of nested arrays is judged in one
 * linear pass (the decoder needs seconds for it).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeValidatorMessage } from "../../src/consensus/wire.js";
import { GENESIS_BLOCK, GENESIS_QC } from "../../src/consensus/genesis.js";
import { decodeWire, encodeWire } from "../../src/net/codec.js";
import { msgpackDepthWithin, WIRE_DEPTH_MAX } from "../../src/net/msgpack-depth.js";
import { block, proposal, qcFor, tcOf } from "../helpers/hand-fed-replica.js";
import { assertProperty } from "../helpers/property.js";

/** Depth of a decoded value: containers with at least one item count one level each. */
function depthOf(value: unknown): number {
  if (value instanceof Uint8Array || value === null || typeof value !== "object") return 0;
  const children = Array.isArray(value) ? value : [...Object.keys(value), ...Object.values(value as Record<string, unknown>)];
  return children.length === 0 ? 0 : 1 + Math.max(0, ...children.map(depthOf));
}

const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof({ depthSize: "small", withCrossShrink: true }, tie("leaf"), tie("array"), tie("map")),
  leaf: fc.oneof(
    fc.integer(),
    fc.maxSafeInteger(),
    fc.double({ noNaN: true }),
    fc.string({ maxLength: 300 }),
    fc.uint8Array({ maxLength: 300 }),
    fc.boolean(),
    fc.constant(null),
  ),
  array: fc.array(tie("tree"), { maxLength: 20 }),
  map: fc.dictionary(fc.string({ maxLength: 8 }), tie("tree"), { maxKeys: 20 }),
}));

describe("msgpackDepthWithin", () => {
  it("agrees with the decoded value's depth, for every limit", () => {
    assertProperty(
      fc.property(tree, (value) => {
        const bytes = encodeWire(value);
        const depth = depthOf(decodeWire(bytes));
        for (let limit = 1; limit <= 8; limit++) expect(msgpackDepthWithin(bytes, limit), `limit ${limit}, depth ${depth}`).toBe(depth <= limit);
      }),
      { defaultRuns: 300, testFile: "test/net/msgpack-depth.test.ts" },
    );
  });

  it("protocol messages nest well inside WIRE_DEPTH_MAX; a deeply nested frame is refused at once", () => {
    const b1 = block(1, GENESIS_BLOCK, GENESIS_QC);
    const b5 = block(5, b1, qcFor(b1));
    const deepest = encodeValidatorMessage(proposal(b5, tcOf(4, [1, 1, 1])));
    expect(depthOf(decodeWire(deepest))).toBeLessThanOrEqual(WIRE_DEPTH_MAX / 2);
    expect(msgpackDepthWithin(deepest, WIRE_DEPTH_MAX)).toBe(true);
    const nested = new Uint8Array(4 * 1024 * 1024).fill(0x91);
    nested[nested.length - 1] = 0xc0;
    expect(msgpackDepthWithin(nested, WIRE_DEPTH_MAX)).toBe(false);
  });
});

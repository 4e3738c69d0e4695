/**
 * The reference-ledger checker keeps each height's outcome as JSON and the
 * recent ones as objects too. Goal: a report of an old height (a validator
 * catching up long after the others) is judged as one of a recent height:
 * accepted when right, the same message when wrong.
 */
import { describe, expect, it } from "vitest";
import type { Observation } from "../../src/check/checker.js";
import { ReferenceLedgerChecker } from "../../src/check/validators/reference-ledger.js";
import { encodeBlockPayload } from "../../src/sequencer/block-payload.js";
import type { Genesis } from "../../src/vm/genesis.js";

const GENESIS: Genesis = { assets: [], pools: [] };
const HEIGHTS = 40;
const hashOf = (h: number): string => h.toString(16).padStart(64, "0");
const obs = (timeUs: number, node: string, event: string, fields: Record<string, unknown>): Observation => ({ timeUs, node, event, fields });
const report = (node: string, height: number, txs: number, swaps: unknown[] = []): Observation =>
  obs(height, node, "state-root", { height, root: "cd".repeat(32), txs, failed: {}, supplyDelta: {}, swaps });
const commit = (node: string, height: number): Observation =>
  obs(height, node, "commit", { height, view: height, hash: hashOf(height), payload: encodeBlockPayload({ height, parent: new Uint8Array(32), stateRoot: new Uint8Array(32), txs: [] }) });

/** v0 commits heights 1..HEIGHTS (empty blocks) with right reports; returns the checker. */
function ahead(): ReferenceLedgerChecker {
  const c = new ReferenceLedgerChecker(GENESIS, () => [], new Set(["v0", "v1"]));
  for (let h = 1; h <= HEIGHTS; h++) {
    expect(c.observe(report("v0", h, 0))).toBeUndefined();
    expect(c.observe(commit("v0", h))).toBeUndefined();
  }
  return c;
}

describe("reference-ledger: reports of old and recent heights", () => {
  it("accepts a late validator's right reports of every height", () => {
    const c = ahead();
    for (let h = 1; h <= HEIGHTS; h++) {
      expect(c.observe(report("v1", h, 0))).toBeUndefined();
      expect(c.observe(commit("v1", h))).toBeUndefined();
    }
    expect(c.finish(100)).toMatchObject({ ok: true, figures: { reportsCompared: 2 * HEIGHTS } });
  });

  it.each([1, HEIGHTS])("gives the same message for a wrong report of height %i", (height) => {
    const c = ahead();
    c.observe(report("v1", height, 3));
    expect(c.observe(commit("v1", height))?.message).toBe(`v1 at height ${height}: executed 3 transactions, the block has 0`);
    const d = ahead();
    d.observe(report("v1", height, 0, [{ pool: "P", kBefore: "1", kAfter: "2" }]));
    expect(d.observe(commit("v1", height))?.message).toBe(`v1 at height ${height}: swap 0 is {"pool":"P","kBefore":"1","kAfter":"2"}, the reference model's is null`);
  });
});

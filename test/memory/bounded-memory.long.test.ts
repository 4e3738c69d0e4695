/**
 * Long tier (`npm run test:long`): the block window without checkpoints, in
 * a 60 s run of 7 validators pruned and unpruned. In the default suite,
 * test/memory/bounded-memory.test.ts checks the window (at most 17 committed
 * blocks in memory, the whole chain with a window past the run, the same
 * digest) in its checkpointed 60 s run with the same crash of v2 at 10 s, and
 * the BlockTree window's reads from the disk in unit tests.
 */
import { describe, expect, it } from "vitest";
import { runRecorded, scenario } from "../helpers/scenario.js";

describe("bounded memory in a long-ish run", () => {
  const long = (blocksInMemory?: number) =>
    scenario("quickstart", {
      duration: "60s",
      validators: { count: 7, blockTime: "250ms", viewTimeout: "1s", signatureScheme: "sim" },
      l1: { enabled: false },
      ...(blocksInMemory === undefined ? {} : { checkpoints: { blocksInMemory } }),
    });

  it("each validator holds a window of committed blocks, not the chain, and the trace is the one without pruning", () => {
    const pruned = runRecorded(long(16));
    const unpruned = runRecorded(long(1_000_000));
    expect(pruned.report.traceDigest).toBe(unpruned.report.traceDigest);
    let highest = 0;
    for (const id of ["v0", "v1", "v2", "v3", "v4", "v5", "v6"]) {
      const replica = pruned.cluster.replica(id)!;
      highest = Math.max(highest, replica.committedTip.height);
      expect(replica.blocksInMemory.committed).toBeLessThanOrEqual(17);
      expect(unpruned.cluster.replica(id)!.blocksInMemory.committed).toBe(replica.committedTip.height + 1);
    }
    expect(highest).toBeGreaterThan(150);
    // v2 crashed at 10 s and came back at 15 s: it caught up (from peers that read old blocks from their disks).
    expect(pruned.cluster.replica("v2")!.committedTip.height).toBeGreaterThan(highest - 5);
  });
});

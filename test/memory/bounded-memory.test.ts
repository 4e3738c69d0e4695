/**
 * Bounded memory in simulation (issue 15): committed blocks below a window
 * leave the block tree (read back from the disk when a peer asks), the file
 * store keeps an index rather than the data, and neither changes what a run
 * computes. The whole-system run of the window without checkpoints is in the
 * long tier (bounded-memory.long.test.ts); the checkpointed run here checks
 * the window too.
 */
import { describe, expect, it } from "vitest";
import { blockHash } from "../../src/consensus/block-hash.js";
import { BlockTree } from "../../src/consensus/block-tree.js";
import { GENESIS_BLOCK, GENESIS_QC } from "../../src/consensus/genesis.js";
import type { Block } from "../../src/consensus/types.js";
import { toHex } from "../../src/crypto/hash.js";
import { RootLog } from "../../src/sequencer/root-log.js";
import { FileStore } from "../../src/storage/file-store.js";
import { SimFileSystem } from "../../src/storage/sim-file-system.js";
import { SimDisk } from "../../src/storage/sim-disk.js";
import { createRng } from "../../src/sim/rng.js";
import { runRecorded, scenario } from "../helpers/scenario.js";
import type { Observation } from "../../src/check/checker.js";
import { ValidityChecker } from "../../src/check/validators/validity.js";
import { createSignatureScheme } from "../../src/crypto/schemes.js";
import { encodeBlockPayload } from "../../src/sequencer/block-payload.js";
import { signTransaction, transactionId } from "../../src/vm/tx-codec.js";

function child(parent: Block, tag: string): Block {
  const fields = {
    view: parent.view + 1,
    height: parent.height + 1,
    parentHash: parent.hash,
    justify: { ...GENESIS_QC, view: parent.view, height: parent.height, blockHash: parent.hash },
    proposer: 0,
    timestampUs: 1_000 * (parent.height + 1),
    payload: new TextEncoder().encode(tag),
  };
  return { ...fields, hash: blockHash(fields) };
}

/** A chain of `n` blocks above genesis, and a disk (a map by height) holding them. */
function chainOnDisk(n: number): { blocks: Block[]; disk: Map<number, Block> } {
  const blocks: Block[] = [];
  let parent = GENESIS_BLOCK;
  for (let i = 1; i <= n; i++) blocks.push((parent = child(parent, `b${i}`)));
  return { blocks, disk: new Map(blocks.map((b) => [b.height, b])) };
}

/** Commits `blocks` one by one into `tree`. */
function commitAll(tree: BlockTree, blocks: readonly Block[]): void {
  for (const b of blocks) {
    expect(tree.add(b)).toBe(true);
    tree.commit(toHex(b.hash));
  }
}

describe("BlockTree window", () => {
  it("holds at most keepCommitted committed blocks (and genesis) however high the chain, and reads older ones back from the disk", () => {
    const { blocks, disk } = chainOnDisk(100);
    const tree = new BlockTree(GENESIS_BLOCK, { keepCommitted: 4, history: (h) => (h === 0 ? GENESIS_BLOCK : disk.get(h)) });
    commitAll(tree, blocks);
    expect(tree.committedTip.height).toBe(100);
    expect(tree.committedInMemory).toBe(5);
    // Below the window: known, and served from the disk, by hash and by height.
    const old = blocks[9]!;
    expect(tree.has(toHex(old.hash))).toBe(true);
    expect(tree.get(toHex(old.hash))).toBe(old);
    expect(tree.committedAt(10)).toBe(old);
    expect(tree.get(toHex(GENESIS_BLOCK.hash))).toBe(GENESIS_BLOCK);
    // A block at or below the tip is still refused, and a commit of an old block is a no-op.
    expect(tree.add(child(blocks[20]!, "late"))).toBe(false);
    expect(tree.commit(toHex(old.hash))).toEqual({ committed: [], pruned: [] });
  });

  it("refuses what a broken disk returns: another block at that height is not the committed one", () => {
    const { blocks, disk } = chainOnDisk(30);
    const forged = child(blocks[8]!, "forged"); // height 10, not the committed block 10
    const broken = new Map(disk);
    broken.set(10, forged);
    const tree = new BlockTree(GENESIS_BLOCK, { keepCommitted: 4, history: (h) => broken.get(h) });
    commitAll(tree, blocks);
    expect(tree.get(toHex(blocks[9]!.hash))).toBeUndefined();
    expect(tree.committedAt(10)).toBeUndefined();
    expect(tree.get(toHex(forged.hash))).toBeUndefined();
    expect(tree.committedAt(11)).toBe(blocks[10]);
  });

  it("without a disk to read from, keeps every committed block (as before)", () => {
    const { blocks } = chainOnDisk(50);
    const tree = new BlockTree(GENESIS_BLOCK, { keepCommitted: 4 });
    commitAll(tree, blocks);
    expect(tree.committedInMemory).toBe(51);
  });

  it("boot history below the window goes to the index, not to memory", () => {
    const { blocks, disk } = chainOnDisk(40);
    const tree = new BlockTree(blocks[39]!, { keepCommitted: 8, history: (h) => disk.get(h) });
    tree.addCommittedHistory(GENESIS_BLOCK);
    for (const b of blocks) tree.addCommittedHistory(b);
    expect(tree.committedInMemory).toBe(9);
    expect(tree.get(toHex(blocks[0]!.hash))).toBe(blocks[0]);
    const next = child(blocks[39]!, "b41");
    commitAll(tree, [next]);
    expect(tree.committedInMemory).toBe(9);
  });

  it("rejects a window below 1", () => {
    expect(() => new BlockTree(GENESIS_BLOCK, { keepCommitted: 0 })).toThrow(/positive integer/);
  });
});

describe("the file store's memory (issue 16, defect 8)", () => {
  it("holds an index, not the data: 8 MiB stored, well under 1% of it resident, values read back from the disk", () => {
    const fs = new SimFileSystem();
    const store = FileStore.openOn(fs, "/d", { compactMinBytes: 1024 * 1024 });
    const value = (i: number): Uint8Array => new Uint8Array(4096).fill(i & 0xff);
    for (let i = 0; i < 2048; i++) {
      store.put(`block/${i}`, value(i));
      if (i % 16 === 15) store.sync();
    }
    store.sync();
    expect(store.logSizeBytes).toBeGreaterThan(8 * 1024 * 1024);
    expect(store.residentBytes).toBeLessThan(64 * 1024);
    expect(store.get("block/1000")).toEqual(value(1000));
  });

  it("the simulated disk of a node stays bounded by compaction: rewriting the same keys keeps the log near the live data", () => {
    const disk = new SimDisk(createRng(1, "disk/a"), { compactMinBytes: 256 * 1024 });
    for (let round = 0; round < 200; round++) {
      for (let i = 0; i < 16; i++) disk.put(`k/${i}`, new Uint8Array(1024).fill(round & 0xff));
      disk.sync();
    }
    // Live data 16 KiB; the log is compacted whenever it passes 4x that and 256 KiB.
    expect(disk.fs.bytesStored).toBeLessThan(300 * 1024);
    expect(disk.get("k/3")).toEqual(new Uint8Array(1024).fill(199));
  });
});

describe("the stored chain is truncated below a checkpoint", () => {
  const checkpointed = (blocksInMemory: number) =>
    scenario("quickstart", {
      duration: "60s",
      validators: { count: 7, blockTime: "250ms", viewTimeout: "1s", signatureScheme: "sim", leaderElection: "round-robin" },
      l1: { enabled: false },
      checkpoints: { every: 20, blocksInMemory },
      faults: [
        { at: "10s", action: "crash", node: "v2" },
        { at: "15s", action: "restart", node: "v2" },
        { at: "50s", action: "crash", node: "v3" },
        { at: "53s", action: "restart", node: "v3" },
      ],
    });
  const storedBlocks = (run: ReturnType<typeof runRecorded>, id: string): number => run.cluster.world.disk(id).durableKeys().filter((k) => k.startsWith("consensus/block/")).length;

  it("keeps a bounded log on every disk and a window of committed blocks in memory; a validator restarted after the truncation restores its checkpoint and catches up; the trace is the untruncated, unpruned one", () => {
    const truncated = runRecorded(checkpointed(16));
    const whole = runRecorded(checkpointed(1_000_000));
    expect(truncated.report.traceDigest).toBe(whole.report.traceDigest);
    let highest = 0;
    for (const id of ["v0", "v1", "v2", "v3", "v4", "v5", "v6"]) highest = Math.max(highest, truncated.cluster.replica(id)!.committedTip.height);
    expect(highest).toBeGreaterThan(200);
    // Each validator holds a window of committed blocks (16 and the tip), not the chain; with a window past the run, the chain.
    for (const id of ["v0", "v1", "v2", "v3", "v4", "v5", "v6"]) {
      expect(truncated.cluster.replica(id)!.blocksInMemory.committed).toBeLessThanOrEqual(17);
      expect(whole.cluster.replica(id)!.blocksInMemory.committed).toBe(whole.cluster.replica(id)!.committedTip.height + 1);
    }
    for (const id of ["v0", "v1", "v2", "v3", "v4", "v5", "v6"]) {
      // At most 128 (snapshotBehind 64 + one 64-block request) rounded up to K = 20, plus K, plus the blocks above the last checkpoint.
      expect(storedBlocks(truncated, id)).toBeLessThanOrEqual(140 + 20 + 20 + 2);
      expect(storedBlocks(whole, id)).toBeGreaterThan(highest - 10);
      expect(truncated.cluster.replica(id)!.committedTip.height).toBeGreaterThan(highest - 5);
    }
    const restored = truncated.events.find((e) => e.node === "v3" && e.event === "checkpoint-restored");
    expect(restored?.fields.height).toBeGreaterThan(140);
    expect(truncated.report.exitCode).toBe(0);
  }, 180_000);
});

describe("RootLog", () => {
  it("packs 32-byte roots by height across chunks, with holes, and forgets them on clear", () => {
    const log = new RootLog();
    const root = (h: number): Uint8Array => new Uint8Array(32).fill(h % 251);
    for (const h of [0, 1, 2, 1023, 1024, 5000]) log.set(h, root(h));
    for (const h of [0, 1, 2, 1023, 1024, 5000]) expect(log.get(h)).toEqual(root(h));
    for (const h of [3, 1022, 1025, 4999, 9000, -1, 1.5]) expect(log.get(h)).toBeUndefined();
    const copy = log.get(1)!;
    copy[0] = 99; // a copy: the log keeps its own bytes
    expect(log.get(1)).toEqual(root(1));
    log.clear();
    expect(log.get(1)).toBeUndefined();
    expect(() => log.set(7, new Uint8Array(31))).toThrow();
  });
});

describe("validity keeps committed ids compactly", () => {
  const scheme = createSignatureScheme("sim");
  const alice = scheme.keyPairFromSeed(new Uint8Array(32).fill(1));
  const sender = toHex(alice.publicKey);
  const tx = (nonce: bigint, fee = 1n): Uint8Array =>
    signTransaction({ sender, nonce, fee, instructions: [{ kind: "burn", asset: "ASSET", amount: 1n }] }, alice.secretKey, scheme);
  const obs = (timeUs: number, node: string, event: string, fields: Record<string, unknown>): Observation => ({ timeUs, node, event, fields });
  const submit = (c: ValidityChecker, t: Uint8Array, nonce: number) => c.observe(obs(0, "c0", "submit", { txId: transactionId(t), account: sender, nonce, to: "v0", kind: "valid" }));
  const commit = (c: ValidityChecker, height: number, txs: Uint8Array[]) =>
    c.observe(obs(height, "v0", "commit", { height, hash: String(height), payload: encodeBlockPayload({ height, parent: new Uint8Array(32), stateRoot: new Uint8Array(32), txs }) }));

  it("tells a transaction committed twice from another one at a used nonce, and does not count a resubmission of a committed one", () => {
    const c = new ValidityChecker(scheme, new Set(["v0"]));
    submit(c, tx(0n), 0);
    submit(c, tx(1n), 1);
    expect(commit(c, 1, [tx(0n)])).toBeUndefined();
    submit(c, tx(0n), 0); // the client resubmits what was committed meanwhile
    expect(c.finish().figures).toMatchObject({ transactionsSubmitted: 2, transactionsCommitted: 1 });
    const other = tx(0n, 2n); // same sender and nonce, another transaction
    submit(c, other, 0);
    expect(c.finish().figures).toMatchObject({ transactionsSubmitted: 3 });
    const twin = new ValidityChecker(scheme, new Set(["v0"]));
    for (const t of [tx(0n), other]) submit(twin, t, 0);
    expect(commit(twin, 1, [tx(0n)])).toBeUndefined();
    expect(commit(twin, 2, [other])?.message).toMatch(/nonce 0, expected 1/);
    expect(commit(c, 2, [tx(0n)])?.message).toMatch(/committed twice/);
  });

  it("judges heights out of order once each (a height above the prefix, then the gap filled)", () => {
    const c = new ValidityChecker(scheme, new Set(["v0"]));
    submit(c, tx(0n), 0);
    submit(c, tx(1n), 1);
    expect(commit(c, 2, [tx(0n)])).toBeUndefined();
    expect(commit(c, 2, [tx(0n)])).toBeUndefined(); // height 2 again: not judged twice
    expect(commit(c, 1, [tx(1n)])).toBeUndefined();
    expect(commit(c, 1, [tx(1n)])).toBeUndefined();
    expect(c.finish().figures).toMatchObject({ transactionsCommitted: 2 });
  });
});

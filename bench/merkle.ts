/**
 * Sparse Merkle tree benchmark (on demand, never in CI).
 *
 * For trees of 10^4 and 10^6 keys (built in batches of 10^5 keys):
 * 1. build rate and heap after the build;
 * 2. block updates: batches of 5,000 keys, half rewrites of existing keys and
 *    half new keys, like the state changes of one block; keys updated per second;
 * 3. proof generation and verification per second (10^4 proofs of existing keys).
 *
 * Run alone: `npx tsc -p tsconfig.build.json && node dist/bench/merkle.js`
 * (add `--expose-gc` to also print the heap retained by the tree after a full
 * collection). `bench/run.ts` can call {@link benchMerkle}.
 */
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { u64 } from "../src/crypto/hash.js";
import { type MerkleProof, SparseMerkleTree, verifyProof } from "../src/crypto/sparse-merkle.js";
import { createRng, type Rng } from "../src/sim/rng.js";

/** Tree sizes measured, keys. */
const TREE_SIZES = [10_000, 1_000_000] as const;
/** Keys per batch while building. */
const BUILD_BATCH_KEYS = 100_000;
/** Keys per block update. */
const BLOCK_KEYS = 5_000;
/** Block updates timed per tree size. */
const BLOCKS = 20;
/** Proofs generated and verified per tree size. */
const PROOFS = 10_000;

const MB = 1024 * 1024;

/** Key `i` of the benchmark: its 8-byte big-endian index. */
const keyOf = (i: number): Uint8Array => u64(i);
/** A value for key `i` written in round `round` (8 + 8 bytes). */
function valueOf(i: number, round: number): Uint8Array {
  const out = new Uint8Array(16);
  out.set(u64(i), 0);
  out.set(u64(round), 8);
  return out;
}

function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return false;
  gc();
  return true;
}

function formatRate(count: number, ms: number): string {
  return Math.round(count / (ms / 1000)).toLocaleString("en-US");
}

/** Builds a tree of keys `0..size-1` in batches; returns it with the peak heap seen after each batch. */
function buildTree(size: number, print: (line: string) => void): { tree: SparseMerkleTree; heapUsedMax: number } {
  let tree = SparseMerkleTree.empty();
  let heapUsedMax = process.memoryUsage().heapUsed;
  const start = performance.now();
  for (let from = 0; from < size; from += BUILD_BATCH_KEYS) {
    const to = Math.min(size, from + BUILD_BATCH_KEYS);
    const batch: [Uint8Array, Uint8Array][] = [];
    for (let i = from; i < to; i++) batch.push([keyOf(i), valueOf(i, 0)]);
    tree = tree.update(batch);
    heapUsedMax = Math.max(heapUsedMax, process.memoryUsage().heapUsed);
  }
  const ms = performance.now() - start;
  if (tree.size !== size) throw new Error(`bench: built ${tree.size} keys, expected ${size}`);
  print(`n=${size}: build ${formatRate(size, ms)} keys/s (${(ms / 1000).toFixed(2)} s, batches of ${Math.min(size, BUILD_BATCH_KEYS)})`);
  return { tree, heapUsedMax };
}

/** Times `BLOCKS` block updates of `BLOCK_KEYS` keys, half existing and half new. */
function benchBlocks(tree: SparseMerkleTree, rng: Rng, print: (line: string) => void): void {
  let nextNewKey = tree.size;
  let ms = 0;
  let keys = 0;
  const blockMs: number[] = [];
  for (let round = 1; round <= BLOCKS; round++) {
    const batch: [Uint8Array, Uint8Array][] = [];
    for (let j = 0; j < BLOCK_KEYS; j++) {
      const i = j % 2 === 0 ? rng.int(tree.size) : nextNewKey++;
      batch.push([keyOf(i), valueOf(i, round)]);
    }
    const start = performance.now();
    tree = tree.update(batch);
    const elapsed = performance.now() - start;
    ms += elapsed;
    blockMs.push(elapsed);
    keys += batch.length;
  }
  // The median next to the mean: a block that pays for a collection can take twice as long as its neighbours.
  blockMs.sort((a, b) => a - b);
  const median = blockMs[blockMs.length >> 1]!;
  print(
    `n=${tree.size - keys / 2}: block updates ${formatRate(keys, ms)} keys/s (${BLOCKS} blocks of ${BLOCK_KEYS} keys, half new; ${(ms / BLOCKS).toFixed(1)} ms/block, median ${median.toFixed(1)})`,
  );
}

/** Times generating and then verifying `PROOFS` inclusion proofs of random existing keys. */
function benchProofs(tree: SparseMerkleTree, rng: Rng, print: (line: string) => void): void {
  const indexes = Array.from({ length: PROOFS }, () => rng.int(tree.size));
  const keys = indexes.map(keyOf);
  const values = indexes.map((i) => valueOf(i, 0));
  const root = tree.root;
  const proofs: MerkleProof[] = [];
  let start = performance.now();
  for (const key of keys) proofs.push(tree.prove(key));
  const proveMs = performance.now() - start;
  let siblings = 0;
  for (const proof of proofs) siblings += proof.siblings.length;
  start = performance.now();
  let valid = 0;
  for (let i = 0; i < PROOFS; i++) if (verifyProof(root, keys[i]!, values[i], proofs[i]!)) valid++;
  const verifyMs = performance.now() - start;
  if (valid !== PROOFS) throw new Error(`bench: ${PROOFS - valid} proofs failed to verify`);
  print(`n=${tree.size}: prove ${formatRate(PROOFS, proveMs)} proofs/s (mean depth ${(siblings / PROOFS).toFixed(1)})`);
  print(`n=${tree.size}: verify ${formatRate(PROOFS, verifyMs)} proofs/s`);
}

/**
 * Runs the sparse Merkle tree benchmark and prints one line per figure.
 * Takes about a minute (the 10^6-key build dominates) and about 1 GB of heap.
 */
export async function benchMerkle(print: (line: string) => void): Promise<void> {
  print(`sparse Merkle tree (sha256 via node:crypto; node ${process.version}, ${process.arch})`);
  for (const size of TREE_SIZES) {
    const rng = createRng(1, `bench/merkle/${size}`);
    collectGarbage();
    const heapBefore = process.memoryUsage().heapUsed;
    const { tree, heapUsedMax } = buildTree(size, print);
    const memory = process.memoryUsage();
    print(
      `n=${size}: heapUsed ${(memory.heapUsed / MB).toFixed(0)} MB after build (peak seen ${(heapUsedMax / MB).toFixed(0)} MB, rss ${(memory.rss / MB).toFixed(0)} MB)`,
    );
    if (collectGarbage()) {
      const retained = process.memoryUsage().heapUsed - heapBefore;
      print(`n=${size}: heap retained by the tree ${(retained / MB).toFixed(0)} MB (${Math.round(retained / size)} bytes/key)`);
    }
    benchBlocks(tree, rng, print);
    benchProofs(tree, rng, print);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await benchMerkle((line) => console.log(line));
}

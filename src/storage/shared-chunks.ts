/**
 * Bytes the simulated disks of a process hold once: content-defined chunks
 * interned by their content (`sim-file-system.ts`).
 *
 * Every validator of a simulated run writes the same blocks to its own disk,
 * each framed in its own log records (`file-store.ts`), so the files differ
 * while most of their bytes are the same. A file's appended bytes are cut
 * where their content says (a Gear rolling hash, as FastCDC: Xia et al.,
 * "FastCDC: a Fast and Efficient Content-Defined Chunking Approach for Data
 * Deduplication", USENIX ATC 2016), so the same block bytes give the same
 * chunks whatever framing comes before them, and a chunk identical to one
 * interned recently is that one, not a copy.
 *
 * The table holds the most recently interned or reused chunks, at most
 * {@link INTERN_TABLE_BYTES_MAX} bytes of them, least recently used out first:
 * the validators of a run write the same block within a network round trip of
 * each other, so a small table finds nearly every match. It holds its chunks
 * strongly on purpose. A `WeakRef` keeps its target alive until the current
 * job ends (ECMA-262 `AddToKeptObjects`, cleared only at a microtask
 * checkpoint), and a simulated run is one synchronous job: a weak table kept
 * every chunk ever written for the whole run (15 MB of 23 MB of buffers at
 * 3 simulated minutes of quickstart), and its finalizers never ran. A chunk
 * out of the table and out of every file is collected as any other bytes.
 *
 * Chunks are never written after they are made; a file that changes bytes in
 * place (a flipped bit) changes its own copy. Which chunk object a file gets
 * never changes what it reads, so none of this can change a run.
 */
import { hash } from "node:crypto";

/** Smallest chunk cut at a content boundary, bytes (a shorter append is one chunk). */
export const CHUNK_BYTES_MIN = 512;
/** Largest chunk, bytes. */
export const CHUNK_BYTES_MAX = 8_192;
/** Boundary where the rolling hash's low 11 bits are zero: chunks of about 2 KiB past the minimum. */
const BOUNDARY_MASK = 0x7ff;
/** Chunks shorter than this are copied, not interned (hashing them costs more than they hold). */
const INTERN_BYTES_MIN = 64;

/** The Gear table: 256 fixed pseudo-random 32-bit words (xorshift32 from a fixed seed). */
const GEAR = ((): Uint32Array => {
  const table = new Uint32Array(256);
  let x = 0x9e3779b9;
  for (let i = 0; i < 256; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    table[i] = x >>> 0;
  }
  return table;
})();

/** Most bytes of chunks the intern table holds (8 MiB); the least recently used go first. */
export const INTERN_TABLE_BYTES_MAX = 8 * 1024 * 1024;

/** Recently interned or reused chunks by content (sha256, hex), in order of last use (oldest first). */
const chunksByContent = new Map<string, Uint8Array>();
/** The bytes of the chunks in {@link chunksByContent}. */
let tableBytes = 0;

/** Counts since the process started (tests and notes). */
export const sharedChunkStats = { interned: 0, bytesInterned: 0, reused: 0, bytesReused: 0, copied: 0, bytesCopied: 0 };

/** How many chunks and bytes the intern table holds now (at most {@link INTERN_TABLE_BYTES_MAX} bytes). */
export function internTableSize(): { readonly chunks: number; readonly bytes: number } {
  return { chunks: chunksByContent.size, bytes: tableBytes };
}

/**
 * Where `data` is cut: the end offsets of its chunks, the last one `data.length`.
 * Each chunk is at least {@link CHUNK_BYTES_MIN} (but the last) and at most {@link CHUNK_BYTES_MAX} bytes,
 * and a cut depends only on the bytes before it within the chunk (content-defined).
 */
export function chunkEnds(data: Uint8Array): number[] {
  const ends: number[] = [];
  let start = 0;
  while (data.length - start > CHUNK_BYTES_MIN) {
    const limit = Math.min(data.length, start + CHUNK_BYTES_MAX);
    let h = 0;
    let end = limit;
    for (let i = start + CHUNK_BYTES_MIN; i < limit; i++) {
      h = ((h << 1) + GEAR[data[i]!]!) >>> 0;
      if ((h & BOUNDARY_MASK) === 0) {
        end = i + 1;
        break;
      }
    }
    ends.push(end);
    start = end;
  }
  if (start < data.length) ends.push(data.length);
  return ends;
}

/**
 * `data` as immutable chunks (see the module docstring): the chunks' concatenation equals `data`,
 * which is copied, never kept. The caller must never write into a chunk returned.
 */
export function internChunks(data: Uint8Array): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const end of chunkEnds(data)) {
    chunks.push(intern(data.subarray(start, end)));
    start = end;
  }
  return chunks;
}

/** The held chunk with the bytes of `view`, or a new copy of them (remembered). */
function intern(view: Uint8Array): Uint8Array {
  if (view.length < INTERN_BYTES_MIN) {
    sharedChunkStats.copied++;
    sharedChunkStats.bytesCopied += view.length;
    return view.slice();
  }
  const key = hash("sha256", view, "hex");
  const known = chunksByContent.get(key);
  if (known !== undefined && Buffer.from(known.buffer, known.byteOffset, known.byteLength).equals(view)) {
    sharedChunkStats.reused++;
    sharedChunkStats.bytesReused += view.length;
    // Most recently used last.
    chunksByContent.delete(key);
    chunksByContent.set(key, known);
    return known;
  }
  const chunk = view.slice();
  remember(key, chunk);
  sharedChunkStats.interned++;
  sharedChunkStats.bytesInterned += chunk.length;
  return chunk;
}

/** Puts `chunk` in the table under `key` (replacing a colliding entry), then drops the least recently used past the byte limit. */
function remember(key: string, chunk: Uint8Array): void {
  const replaced = chunksByContent.get(key);
  if (replaced !== undefined) {
    chunksByContent.delete(key);
    tableBytes -= replaced.length;
  }
  chunksByContent.set(key, chunk);
  tableBytes += chunk.length;
  for (const [oldest, held] of chunksByContent) {
    if (tableBytes <= INTERN_TABLE_BYTES_MAX) break;
    chunksByContent.delete(oldest);
    tableBytes -= held.length;
  }
}

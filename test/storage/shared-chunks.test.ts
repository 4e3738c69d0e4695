/** The simulated file system holds its bytes as shared content-defined chunks: reads, cuts, crashes and flipped bits behave as over flat bytes. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createRng } from "../../src/sim/rng.js";
import { CHUNK_BYTES_MAX, CHUNK_BYTES_MIN, chunkEnds, internChunks, internTableSize, INTERN_TABLE_BYTES_MAX, sharedChunkStats } from "../../src/storage/shared-chunks.js";
import { SimFileSystem } from "../../src/storage/sim-file-system.js";

/** Pseudo-random bytes from a seed (so a test's data is reproducible). */
function bytesOf(seed: number, length: number): Uint8Array {
  const rng = createRng(seed, "bytes");
  return Uint8Array.from({ length }, () => rng.int(256));
}

const concat = (parts: readonly Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) (out.set(p, o), (o += p.length));
  return out;
};

describe("content-defined chunks", () => {
  it("cut within bounds, put back together to the data, and cut the same bytes the same way after another prefix", () => {
    const block = bytesOf(1, 40_000);
    const ends = chunkEnds(block);
    let start = 0;
    for (const [i, end] of ends.entries()) {
      expect(end - start).toBeLessThanOrEqual(CHUNK_BYTES_MAX);
      if (i < ends.length - 1) expect(end - start).toBeGreaterThanOrEqual(CHUNK_BYTES_MIN);
      start = end;
    }
    expect(concat(internChunks(block))).toEqual(block);
    // Two records framing the same block differently share all but the chunks near the framing.
    const a = internChunks(concat([bytesOf(2, 37), block, bytesOf(3, 8)]));
    const b = internChunks(concat([bytesOf(4, 301), block, bytesOf(5, 8)]));
    const shared = a.filter((chunk) => b.includes(chunk)).reduce((n, c) => n + c.length, 0);
    expect(shared).toBeGreaterThan(block.length - 3 * CHUNK_BYTES_MAX);
  });

  it("two disks holding the same bytes read them back after a bit flipped on one (the other keeps its bytes)", () => {
    const data = bytesOf(6, 20_000);
    const disks = [new SimFileSystem(), new SimFileSystem()];
    for (const fs of disks) {
      const fd = fs.openAppend("d/log");
      fs.append(fd, data);
      fs.fsync(fd);
      fs.fsyncDirectory("d");
    }
    disks[0]!.flipBits("d/log", 5_000, 10_000, 3, createRng(7, "flip"));
    const flipped = disks[0]!.readFile("d/log");
    expect(flipped).not.toEqual(data);
    expect([...flipped].filter((byte, i) => byte !== data[i]).length).toBeGreaterThan(0);
    expect(disks[1]!.readFile("d/log")).toEqual(data);
    expect(new SimFileSystem().bytesStored).toBe(0);
  });

  it("appends, reads, truncations, crashes and durable copies agree with a flat model (property)", () => {
    type Op = { kind: "append"; seed: number; length: number } | { kind: "read"; at: number; length: number } | { kind: "truncate"; at: number } | { kind: "fsync" } | { kind: "crash" } | { kind: "copy" };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant("append" as const), seed: fc.nat(5), length: fc.integer({ min: 0, max: 12_000 }) }),
      fc.record({ kind: fc.constant("read" as const), at: fc.nat(60_000), length: fc.nat(20_000) }),
      fc.record({ kind: fc.constant("truncate" as const), at: fc.nat(60_000) }),
      fc.record({ kind: fc.constant("fsync" as const) }),
      fc.record({ kind: fc.constant("crash" as const) }),
      fc.record({ kind: fc.constant("copy" as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        let fs = new SimFileSystem();
        let fd = fs.openAppend("d/f");
        fs.fsyncDirectory("d");
        let model: Uint8Array = new Uint8Array(0);
        let synced = 0;
        for (const o of ops) {
          if (o.kind === "append") {
            const bytes = bytesOf(o.seed, o.length);
            fs.append(fd, bytes);
            model = concat([model, bytes]);
          } else if (o.kind === "read") {
            expect(fs.readAt(fd, o.at, o.length)).toEqual(model.slice(o.at, o.at + o.length));
          } else if (o.kind === "truncate") {
            fs.truncate(fd, o.at);
            model = model.slice(0, Math.min(o.at, model.length));
            synced = Math.min(synced, model.length);
          } else if (o.kind === "fsync") {
            fs.fsync(fd);
            synced = model.length;
          } else {
            if (o.kind === "crash") fs.crash();
            else fs = fs.durableCopy();
            model = model.slice(0, synced);
            fd = fs.openAppend("d/f");
          }
          expect(fs.readFile("d/f")).toEqual(model);
        }
      }),
      { numRuns: 60 },
    );
  });
});

/** Fast pseudo-random bytes (xorshift32) for tests that need megabytes. */
function manyBytesOf(seed: number, length: number): Uint8Array {
  const words = new Uint32Array(Math.ceil(length / 4));
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return new Uint8Array(words.buffer, 0, length);
}

describe("the intern table", () => {
  it("holds at most INTERN_TABLE_BYTES_MAX bytes, least recently used out first, and still shares a chunk in use", () => {
    const recent = manyBytesOf(1, 6_000);
    const first = internChunks(recent);
    const sameObjects = (chunks: readonly Uint8Array[]): boolean => chunks.length === first.length && chunks.every((chunk, i) => chunk === first[i]);
    // Distinct data, twice the table's limit, with the recent data written again now and then: it stays in.
    for (let i = 0; i * 20_000 < 2 * INTERN_TABLE_BYTES_MAX; i++) {
      internChunks(manyBytesOf(1_000 + i, 20_000));
      expect(internTableSize().bytes).toBeLessThanOrEqual(INTERN_TABLE_BYTES_MAX);
      if (i % 50 === 0) expect(sameObjects(internChunks(recent))).toBe(true);
    }
    expect(sameObjects(internChunks(recent))).toBe(true);
    expect(internTableSize().bytes).toBeGreaterThan(INTERN_TABLE_BYTES_MAX / 2);
    // The oldest distinct data left the table: writing it again makes new chunks, which are then shared.
    const interned = sharedChunkStats.interned;
    const again = internChunks(manyBytesOf(1_000, 20_000));
    expect(sharedChunkStats.interned).toBeGreaterThan(interned);
    expect(internChunks(manyBytesOf(1_000, 20_000)).every((chunk, i) => chunk === again[i])).toBe(true);
  });
});

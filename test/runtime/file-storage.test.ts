/** FileStorage: durable after sync, unsynced writes lost on reopen, a torn tail dropped by its checksum. */
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FileStorage, StorageLockedError } from "../../src/runtime/file-storage.js";

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (value: Uint8Array | undefined): string | undefined => (value === undefined ? undefined : new TextDecoder().decode(value));

describe("FileStorage", () => {
  const dirs: string[] = [];
  const open: FileStorage[] = [];
  const dir = (): string => {
    const d = mkdtempSync(join(tmpdir(), "file-storage-"));
    dirs.push(d);
    return d;
  };
  const openStore = (d: string, options = {}): FileStorage => {
    const s = FileStorage.open(d, options);
    open.push(s);
    return s;
  };
  afterEach(() => {
    for (const s of open.splice(0)) s.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("round trip: synced puts and deletes survive a reopen; keys are sorted and prefix-filtered", () => {
    const d = dir();
    const a = openStore(d);
    expect(a.recovery.created).toBe(true);
    a.put("block/2", bytes("two"));
    a.put("block/1", bytes("one"));
    a.put("safety", bytes("s"));
    a.delete("safety");
    a.put("empty", new Uint8Array());
    a.sync();
    a.put("block/3", bytes("three"));
    a.delete("block/1");
    a.sync();
    a.close();
    const b = openStore(d);
    expect(b.recovery).toEqual({ created: false, records: 2, droppedBytes: 0, corruptMiddle: false, safetyLost: false });
    expect(b.keys("block/")).toEqual(["block/2", "block/3"]);
    expect(text(b.get("block/2"))).toBe("two");
    expect(b.get("block/1")).toBeUndefined();
    expect(b.get("safety")).toBeUndefined();
    expect(b.get("empty")).toEqual(new Uint8Array());
  });

  it("reads see unsynced writes; a reopen without sync (a crash) loses them", () => {
    const d = dir();
    const a = openStore(d);
    a.put("kept", bytes("1"));
    a.sync();
    a.put("lost", bytes("2"));
    a.delete("kept");
    expect(a.get("lost")).toBeDefined();
    expect(a.get("kept")).toBeUndefined();
    expect(a.keys("")).toEqual(["lost"]);
    // No close, no sync: as after kill -9 (the same process takes over its own stale lock).
    const b = openStore(d);
    expect(text(b.get("kept"))).toBe("1");
    expect(b.get("lost")).toBeUndefined();
  });

  it("a torn last record is detected by its checksum and cut off; earlier records stay", () => {
    const d = dir();
    const a = openStore(d);
    a.put("a", bytes("first"));
    a.sync();
    const goodBytes = statSync(join(d, "storage.log")).size;
    a.put("b", bytes("second, torn"));
    a.sync();
    a.close();
    const full = statSync(join(d, "storage.log")).size;
    truncateSync(join(d, "storage.log"), full - 5);
    const b = openStore(d);
    expect(b.recovery.records).toBe(1);
    expect(b.recovery.droppedBytes).toBe(full - 5 - goodBytes);
    expect(text(b.get("a"))).toBe("first");
    expect(b.get("b")).toBeUndefined();
    expect(statSync(join(d, "storage.log")).size).toBe(goodBytes);
    // The store keeps working after the cut.
    b.put("c", bytes("third"));
    b.sync();
    b.close();
    const c = openStore(d);
    expect(c.keys("")).toEqual(["a", "c"]);
  });

  it("a last record with flipped bits or trailing garbage is dropped too", () => {
    const d = dir();
    const a = openStore(d);
    a.put("a", bytes("first"));
    a.sync();
    a.put("b", bytes("second"));
    a.sync();
    a.close();
    const path = join(d, "storage.log");
    const log = readFileSync(path);
    log[log.length - 12] = log[log.length - 12]! ^ 0x01;
    writeFileSync(path, log);
    appendFileSync(path, Buffer.from([1, 2, 3]));
    const b = openStore(d);
    expect(b.recovery.records).toBe(1);
    expect(b.get("b")).toBeUndefined();
    expect(text(b.get("a"))).toBe("first");
  });

  it("a bit flipped in a record followed by intact ones is corruption in the middle, not a torn tail: said so (issue 16)", () => {
    const d = dir();
    const a = openStore(d);
    a.put("safety", bytes("view 260"));
    a.sync();
    const firstEnd = statSync(join(d, "storage.log")).size;
    a.put("safety", bytes("view 300"));
    a.sync();
    a.put("safety", bytes("view 404"));
    a.sync();
    a.close();
    const path = join(d, "storage.log");
    const log = readFileSync(path);
    log[firstEnd + 6] = log[firstEnd + 6]! ^ 0x01; // inside the second record's body
    writeFileSync(path, log);
    const b = openStore(d);
    // What is left is the older value: the caller must know it may not be the newest (a validator then recovers).
    expect(b.recovery).toMatchObject({ records: 1, corruptMiddle: true });
    expect(text(b.get("safety"))).toBe("view 260");
    b.close();
    // A torn last record (the common crash) is not corruption in the middle.
    const e = dir();
    const c = openStore(e);
    c.put("k", bytes("one"));
    c.sync();
    c.put("k", bytes("two"));
    c.sync();
    c.close();
    truncateSync(join(e, "storage.log"), statSync(join(e, "storage.log")).size - 3);
    expect(openStore(e).recovery).toMatchObject({ records: 1, corruptMiddle: false });
  });

  it("compaction keeps the live data and shrinks the log", () => {
    const d = dir();
    const a = openStore(d, { compactFactor: 2, compactMinBytes: 1024 });
    for (let i = 0; i < 200; i++) {
      a.put("hot", bytes(`value ${i}`.padEnd(64, ".")));
      a.sync();
    }
    expect(a.logSizeBytes).toBeLessThan(1024 * 2 + 200);
    a.close();
    const b = openStore(d);
    expect(text(b.get("hot"))?.startsWith("value 199")).toBe(true);
  });

  it("refuses a directory held by another live process", () => {
    const d = dir();
    // pid 1 is always alive (and never this test).
    writeFileSync(join(d, "LOCK"), "1\n");
    expect(() => FileStorage.open(d)).toThrow(StorageLockedError);
  });
});

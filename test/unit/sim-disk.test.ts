import { describe, expect, it } from "vitest";
import { SimDisk } from "../../src/storage/sim-disk.js";

const b = (...xs: number[]): Uint8Array => Uint8Array.from(xs);

describe("SimDisk", () => {
  it("returns undefined for a missing key", () => {
    expect(new SimDisk().get("nope")).toBeUndefined();
  });

  it("reads its own writes before sync", () => {
    const disk = new SimDisk();
    disk.put("k", b(1, 2));
    expect(disk.get("k")).toEqual(b(1, 2));
    disk.put("k", b(3));
    expect(disk.get("k")).toEqual(b(3));
    expect(disk.durableKeys()).toEqual([]);
  });

  it("an unsynced delete hides a durable value", () => {
    const disk = new SimDisk();
    disk.put("k", b(1));
    disk.sync();
    disk.delete("k");
    expect(disk.get("k")).toBeUndefined();
    expect(disk.durableKeys()).toEqual(["k"]);
  });

  it("crash loses unsynced puts", () => {
    const disk = new SimDisk();
    disk.put("a", b(1));
    disk.put("b", b(2));
    disk.crash();
    expect(disk.get("a")).toBeUndefined();
    expect(disk.get("b")).toBeUndefined();
    expect(disk.stats.writesLost).toBe(2);
  });

  it("crash loses unsynced overwrites and deletes, keeping the synced values", () => {
    const disk = new SimDisk();
    disk.put("a", b(1));
    disk.put("b", b(2));
    disk.sync();
    disk.put("a", b(9));
    disk.delete("b");
    disk.crash();
    expect(disk.get("a")).toEqual(b(1));
    expect(disk.get("b")).toEqual(b(2));
  });

  it("synced data survives a crash; synced deletes stay deleted", () => {
    const disk = new SimDisk();
    disk.put("a", b(1));
    disk.put("b", b(2));
    disk.sync();
    disk.delete("b");
    disk.sync();
    disk.crash();
    expect(disk.get("a")).toEqual(b(1));
    expect(disk.get("b")).toBeUndefined();
    expect(disk.durableKeys()).toEqual(["a"]);
    expect(disk.stats.syncs).toBe(2);
    expect(disk.stats.writesLost).toBe(0);
  });

  it("get returns a copy: mutating it does not change stored data (pending or durable)", () => {
    const disk = new SimDisk();
    disk.put("k", b(1, 2, 3));
    const pending = disk.get("k")!;
    pending[0] = 99;
    expect(disk.get("k")).toEqual(b(1, 2, 3));
    disk.sync();
    const durable = disk.get("k")!;
    durable[1] = 99;
    expect(disk.get("k")).toEqual(b(1, 2, 3));
  });

  it("put stores a copy: mutating the caller's buffer afterwards does not change stored data", () => {
    const disk = new SimDisk();
    const value = b(5, 6);
    disk.put("k", value);
    value[0] = 0;
    expect(disk.get("k")).toEqual(b(5, 6));
    disk.sync();
    value[1] = 0;
    expect(disk.get("k")).toEqual(b(5, 6));
  });
});

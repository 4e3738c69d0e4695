/** Storage faults of the simulated disk, and the checksums that catch them. */
import { describe, expect, it } from "vitest";
import { getChecked, putChecked, StorageCorruptError } from "../../src/storage/checksum.js";
import { SimDisk } from "../../src/storage/sim-disk.js";
import { createRng } from "../../src/sim/rng.js";

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill);

describe("checksummed storage on a faulty disk", () => {
  it("a flipped bit is caught on read, naming the key", () => {
    const disk = new SimDisk(createRng(1, "disk"));
    putChecked(disk, "k", bytes(32, 7));
    disk.sync();
    expect(getChecked(disk, "k")).toEqual(bytes(32, 7));
    expect(disk.corrupt("k")).toBe("k");
    expect(() => getChecked(disk, "k")).toThrow(StorageCorruptError);
    expect(() => getChecked(disk, "k")).toThrow(/under k/);
  });

  it("a torn write leaves a prefix of the last record, which the log's checksum cuts: the store is its history's prefix; a value stored under another key fails its checksum", () => {
    const disk = new SimDisk(createRng(2, "disk"));
    putChecked(disk, "a", bytes(100, 1));
    disk.sync();
    putChecked(disk, "a", bytes(100, 2));
    disk.sync();
    disk.tearOnNextCrash();
    disk.crash();
    expect(disk.stats.torn).toBe(1);
    expect(disk.lastTornKey).toBe("a");
    expect(disk.recovery.droppedBytes).toBeGreaterThan(0);
    expect(disk.recovery.corruptMiddle).toBe(false);
    expect(getChecked(disk, "a")).toEqual(bytes(100, 1));
    putChecked(disk, "c", bytes(4, 3));
    disk.put("d", disk.get("c")!);
    expect(() => getChecked(disk, "d")).toThrow(StorageCorruptError);
  });

  it("corruptRate 1 corrupts every synced value; wipe loses everything", () => {
    const disk = new SimDisk(createRng(3, "disk"));
    disk.setFaults({ corruptRate: 1, tornWriteRate: 0 });
    putChecked(disk, "x", bytes(8, 9));
    disk.sync();
    expect(() => getChecked(disk, "x")).toThrow(StorageCorruptError);
    disk.wipe();
    expect(disk.durableKeys()).toEqual([]);
  });
});

/**
 * A validator whose `storage.log` was corrupted in the middle (issue 16,
 * defect 2: one flipped bit rolled its vote-safety state back from view 404 to
 * 260 silently, and it then signed a second, conflicting vote) does not trust
 * what is left: it boots recovering, and recovers its safety state from a
 * quorum of its peers' views before it votes again. A torn last record (the
 * ordinary crash) does not start a recovery.
 */
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatValidatorStorage, isRecovering } from "../../src/consensus/safety-store.js";
import { FileStorage } from "../../src/runtime/file-storage.js";
import { loadNodeConfig } from "../../src/runtime/node-config.js";
import { startNode } from "../../src/runtime/node-runner.js";
import { runCli } from "../helpers/cli.js";

/** A formatted validator store with three more records; returns the log's path and where the middle one of them starts. */
function preparedStore(storageDir: string): { log: string; middle: number } {
  const s = FileStorage.open(storageDir);
  formatValidatorStorage(s);
  const log = join(storageDir, "storage.log");
  const starts: number[] = [];
  for (const value of ["a", "b", "c"]) {
    starts.push(statSync(log).size);
    s.put("test/pad", new TextEncoder().encode(value.repeat(32)));
    s.sync();
  }
  s.close();
  return { log, middle: starts[1]! };
}

async function bootedRecovering(corrupt: (log: string, middle: number) => void): Promise<{ recovering: boolean; events: string[] }> {
  const out = mkdtempSync(join(tmpdir(), "corrupt-log-"));
  expect((await runCli(["config-gen", "--validators", "4", "--base-port", "ephemeral", "--out", out])).code).toBe(0);
  const config = loadNodeConfig(join(out, "v0.json"));
  const storageDir = join(config.dataDir!, "storage");
  const { log, middle } = preparedStore(storageDir);
  corrupt(log, middle);
  const events: string[] = [];
  const node = await startNode(config, { metricsServer: false, processMetrics: false, observe: (_t, _n, event) => events.push(event) });
  await node.stop();
  const s = FileStorage.open(storageDir);
  try {
    return { recovering: isRecovering(s), events };
  } finally {
    s.close();
  }
}

describe("real mode: a storage log corrupted in the middle", () => {
  it("makes the validator boot recovering (its safety state is not trusted); a torn tail does not", async () => {
    const flipped = await bootedRecovering((log, middle) => {
      const bytes = readFileSync(log);
      bytes[middle + 8] = bytes[middle + 8]! ^ 0x01;
      writeFileSync(log, bytes);
    });
    expect(flipped.recovering).toBe(true);
    expect(flipped.events).toContain("recovering");

    const torn = await bootedRecovering((log) => {
      const bytes = readFileSync(log);
      writeFileSync(log, bytes.subarray(0, bytes.length - 3));
    });
    expect(torn.recovering).toBe(false);
    expect(torn.events).not.toContain("recovering");
  }, 30_000);
});

/**
 * Issue 16, defect 2: one flipped bit in the middle of a validator's
 * `storage.log` rolled its vote-safety state back (lastVotedView 404 to 260)
 * silently, and it then signed a second, conflicting vote. The vote-safety
 * state now lives in its own atomically written file (`DIR/safety`), which no
 * repair of the log rolls back: a bit flipped in the middle of the log cuts
 * the log there (blocks, which peers supply again) and leaves lastVotedView
 * where it was; a damaged or missing safety file makes the validator boot
 * recovering, so it learns its safety state from a quorum of its peers' views
 * before it votes again. A torn last record (the ordinary crash) changes nothing.
 */
import { readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GENESIS_QC } from "../../src/consensus/genesis.js";
import { formatValidatorStorage, isRecovering, loadSafetyState, persistSafetyState } from "../../src/consensus/safety-store.js";
import { FileStorage } from "../../src/runtime/file-storage.js";
import { loadNodeConfig } from "../../src/runtime/node-config.js";
import { startNode } from "../../src/runtime/node-runner.js";
import { runCli } from "../helpers/cli.js";

const VOTED_VIEW = 404;

/** A formatted validator store that voted in view 404, with records before and after that; returns the log's path and where an early record starts. */
function preparedStore(storageDir: string): { log: string; safety: string; middle: number } {
  const s = FileStorage.open(storageDir);
  formatValidatorStorage(s);
  const log = join(storageDir, "storage.log");
  const starts: number[] = [];
  for (const value of ["a", "b"]) {
    starts.push(statSync(log).size);
    s.put(`test/pad/${value}`, new TextEncoder().encode(value.repeat(32)));
    s.sync();
  }
  persistSafetyState(s, { lastVotedView: VOTED_VIEW, lockedQC: GENESIS_QC, lastProposedView: 0 });
  for (const value of ["c", "d"]) {
    s.put(`test/pad/${value}`, new TextEncoder().encode(value.repeat(32)));
    s.sync();
  }
  s.close();
  return { log, safety: join(storageDir, "safety"), middle: starts[1]! };
}

interface Boot {
  recovering: boolean;
  reasons: unknown[];
  bootVotedView: unknown;
  storedVotedView: number | undefined;
  corruptMiddle: boolean | undefined;
}

async function boot(damage: (files: { log: string; safety: string; middle: number }) => void): Promise<Boot> {
  const out = mkdtempSync(join(tmpdir(), "corrupt-log-"));
  try {
    expect((await runCli(["config-gen", "--validators", "4", "--base-port", "ephemeral", "--out", out])).code).toBe(0);
    const config = loadNodeConfig(join(out, "v0.json"));
    const storageDir = join(config.dataDir!, "storage");
    damage(preparedStore(storageDir));
    const events: { event: string; fields: Readonly<Record<string, unknown>> }[] = [];
    const node = await startNode(config, { metricsServer: false, processMetrics: false, observe: (_t, _n, event, fields) => events.push({ event, fields }) });
    const corruptMiddle = node.recovery?.corruptMiddle;
    await node.stop();
    const s = FileStorage.open(storageDir);
    try {
      return {
        recovering: isRecovering(s),
        reasons: events.filter((e) => e.event === "recovering").map((e) => e.fields.reason),
        bootVotedView: events.find((e) => e.event === "boot")?.fields.lastVotedView,
        storedVotedView: loadSafetyState(s)?.lastVotedView,
        corruptMiddle,
      };
    } finally {
      s.close();
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

describe("real mode: the vote-safety state in its own file (issue 16, defect 2)", () => {
  it("a bit flipped in the middle of the log is told apart from a torn tail and never rolls lastVotedView back", async () => {
    const flipped = await boot(({ log, middle }) => {
      const bytes = readFileSync(log);
      bytes[middle + 8] = bytes[middle + 8]! ^ 0x01;
      writeFileSync(log, bytes);
    });
    expect(flipped.corruptMiddle).toBe(true);
    expect(flipped.bootVotedView).toBe(VOTED_VIEW);
    expect(flipped.storedVotedView).toBeGreaterThanOrEqual(VOTED_VIEW);
    expect(flipped.recovering).toBe(false);

    const torn = await boot(({ log }) => {
      const bytes = readFileSync(log);
      writeFileSync(log, bytes.subarray(0, bytes.length - 3));
    });
    expect(torn.corruptMiddle).toBe(false);
    expect(torn.bootVotedView).toBe(VOTED_VIEW);
    expect(torn.reasons).toEqual([]);
  }, 30_000);

  it("a damaged or missing safety file makes the validator recover its safety state from its peers, never trust an older one", async () => {
    const flipped = await boot(({ safety }) => {
      const bytes = readFileSync(safety);
      bytes[bytes.length - 12] = bytes[bytes.length - 12]! ^ 0x10;
      writeFileSync(safety, bytes);
    });
    expect(flipped.reasons).toEqual(["the safety state is corrupt"]);
    expect(flipped.recovering).toBe(true);

    const missing = await boot(({ safety }) => rmSync(safety));
    expect(missing.reasons).toEqual(["the safety state is corrupt"]);
    expect(missing.recovering).toBe(true);
  }, 30_000);
});

describe("real mode: a lost data directory is never taken for a new node (issue 16, item 3)", () => {
  it("config-gen formats each validator's store; `asset-sim node` refuses an empty data directory, and --recover boots it recovering its safety state", async () => {
    const out = mkdtempSync(join(tmpdir(), "lost-dir-"));
    try {
      expect((await runCli(["config-gen", "--validators", "4", "--base-port", "ephemeral", "--out", out])).code).toBe(0);
      const config = loadNodeConfig(join(out, "v0.json"));
      const storageDir = join(config.dataDir!, "storage");
      const formatted = FileStorage.open(storageDir);
      expect(formatted.recovery.created).toBe(false); // formatted by config-gen
      formatted.close();

      rmSync(config.dataDir!, { recursive: true, force: true }); // the disk is lost
      const refused = await runCli(["node", "--config", join(out, "v0.json")]);
      expect(refused.code).toBe(2);
      expect(refused.err).toMatch(/dataDir: .* holds no store: either it was never formatted .* or it was lost \(start with --recover/);

      // The old behaviour (format whatever is empty) would boot with a fresh safety state, free to vote again in views it voted in.
      const events: { event: string; fields: Readonly<Record<string, unknown>> }[] = [];
      const node = await startNode(config, { emptyDataDir: "recover", metricsServer: false, processMetrics: false, observe: (_t, _n, event, fields) => events.push({ event, fields }) });
      await node.stop();
      expect(events.some((e) => e.event === "recovering")).toBe(true);
      const s = FileStorage.open(storageDir);
      try {
        expect(isRecovering(s)).toBe(true);
      } finally {
        s.close();
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

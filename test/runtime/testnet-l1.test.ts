/**
 * The testnet with the L1 and the batch poster (issue 16, item 4): four
 * validator processes and a client on loopback, `asset-sim l1` (the
 * AssetRollup program in litesvm on the real clock, served as Solana
 * JSON-RPC) and `asset-sim poster` (the batch poster and the operator, their
 * L1 messages turned into web3.js `Connection` calls). The operator
 * initializes the program, the poster posts the committed roots, and the
 * roots on the L1, read back over JSON-RPC, equal the ones the validators
 * committed (`l1-registry-agreement`, judged in the summary). The check's
 * own failure paths (a wrong root, a gap, nothing posted) are in
 * `l1-registry-check.test.ts`.
 */
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configGenGenerator } from "../../src/cli/testnet-command.js";
import { defaultEntry, runTestnet } from "../../src/runtime/testnet.js";

// The real-process test needs the built CLI (`npm test` builds first).
const built = existsSync(defaultEntry()) && existsSync(new URL("../../dist/src/cli/l1-command.js", import.meta.url));

describe.skipIf(!built)("testnet with the L1 and the poster (real processes on loopback)", () => {
  it("roots on the L1 equal the committed ones", async () => {
    const notes: string[] = [];
    const outcome = await runTestnet(
      { validators: 4, clients: 1, txPerSecond: 50, durationMs: 20_000, l1: true, l1SlotUs: 100_000, note: (t) => notes.push(t) },
      configGenGenerator,
    );
    const { summary } = outcome;
    const l1 = summary.invariants.find((r) => r.name === "l1-registry-agreement");
    expect(l1, notes.join("\n")).toBeDefined();
    expect(l1!.ok, `${l1!.violation?.message}\n${notes.join("\n")}`).toBe(true);
    // Roots were posted and finalized (how many depends on the machine's load: the first commit alone took 9.6 s on the shared one).
    expect(l1!.figures.entries).toBeGreaterThanOrEqual(2);
    expect(summary.agreed).toBe(true);
    expect(outcome.exitCode).toBe(0);
    process.stderr.write(`testnet with the L1: ${summary.commits} heights committed, ${l1!.figures.entries} roots finalized on the L1\n`);
  }, 60_000);
});

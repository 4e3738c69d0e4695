/**
 * The L1 node running the real AssetRollup program (programs/asset_rollup,
 * an SBF ELF) in litesvm: program errors come back as custom codes through
 * preflight and through statuses, program-created accounts are read per
 * commitment, and a reorg removes an account the program created.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configAddress, registryPageAddress, rollupInstructions, rollupProgramId, signTransaction } from "../../src/l1/rollup-program.js";
import { ROOT } from "../helpers/scenario.js";
import { alice, bob, L1Harness } from "./l1-harness.js";

const ELF = readFileSync(join(ROOT, "programs/asset_rollup/asset_rollup.so"));
/** Deployed upgradeable, alice its upgrade authority (only she may initialize). */
const programs = [{ programId: rollupProgramId().toBase58(), elf: new Uint8Array(ELF), upgradeAuthority: alice.publicKey.toBase58() }];

function root(n: number): Uint8Array {
  return new Uint8Array(32).fill(n);
}

describe("L1 node with the AssetRollup program", () => {
  it("returns the program's custom error code in preflight and in statuses", () => {
    const l1 = new L1Harness({ programs, finalizationDepthSlots: 3 });
    const init = signTransaction([rollupInstructions.initialize(alice.publicKey, bob.publicKey, 1)], [alice], l1.blockhash());
    expect(l1.send(init.bytes)).toMatchObject({ kind: "send-transaction-result", signature: init.signature });
    l1.slots(1);
    expect(l1.node.statusOf(init.signature)).toMatchObject({ slot: 1, err: null });
    const first = signTransaction([rollupInstructions.submitBatchRoot(bob.publicKey, 1, root(1))], [bob], l1.blockhash());
    l1.send(first.bytes);
    l1.slots(1);
    expect(l1.node.statusOf(first.signature)).toMatchObject({ slot: 2, err: null });

    // Height 3 after 1: HeightNotNext (6002).
    const gap = signTransaction([rollupInstructions.submitBatchRoot(bob.publicKey, 3, root(3))], [bob], l1.blockhash());
    expect(l1.send(gap.bytes)).toMatchObject({ kind: "rpc-error", code: "preflight-failure", customCode: 6002 });
    expect(l1.send(gap.bytes, true).kind).toBe("send-transaction-result");
    // The wrong signer: Unauthorized (6000).
    const intruder = signTransaction([rollupInstructions.submitBatchRoot(alice.publicKey, 2, root(2))], [alice], l1.blockhash());
    expect(l1.send(intruder.bytes)).toMatchObject({ kind: "rpc-error", code: "preflight-failure", customCode: 6000 });
    l1.slots(1);
    expect(l1.node.statusOf(gap.signature)).toEqual({ slot: 3, err: "InstructionError(0, Custom(6002))", customCode: 6002, confirmationStatus: "processed" });
    expect(l1.events("l1-tx").at(-1)).toEqual({ signature: gap.signature, slot: 3, ok: false, customCode: 6002 });

    // The program's accounts, per commitment.
    expect(l1.node.accountAt(configAddress().toBase58(), "processed")?.owner).toBe(rollupProgramId().toBase58());
    expect(l1.node.accountAt(configAddress().toBase58(), "finalized")).toBeNull();
    l1.slots(3);
    expect(l1.node.finalizedSlot).toBe(3);
    expect(l1.node.accountAt(registryPageAddress(0).toBase58(), "finalized")?.data).toEqual(l1.node.accountAt(registryPageAddress(0).toBase58(), "processed")?.data);
  });

  it("initialize by anyone but the program's upgrade authority, or of an immutable program: Unauthorized (6000)", () => {
    const l1 = new L1Harness({ programs });
    const frontRun = signTransaction([rollupInstructions.initialize(bob.publicKey, bob.publicKey, 1)], [bob], l1.blockhash());
    expect(l1.send(frontRun.bytes)).toMatchObject({ kind: "rpc-error", code: "preflight-failure", customCode: 6000 });
    const immutable = new L1Harness({ programs: [{ programId: rollupProgramId().toBase58(), elf: new Uint8Array(ELF) }] });
    const init = signTransaction([rollupInstructions.initialize(alice.publicKey, bob.publicKey, 1)], [alice], immutable.blockhash());
    expect(immutable.send(init.bytes)).toMatchObject({ kind: "rpc-error", code: "preflight-failure", customCode: 6000 });
    // The upgrade authority initializes, and the front-runner's later try finds it initialized.
    const good = signTransaction([rollupInstructions.initialize(alice.publicKey, bob.publicKey, 1)], [alice], l1.blockhash());
    expect(l1.send(good.bytes).kind).toBe("send-transaction-result");
    l1.slots(1);
    expect(l1.node.statusOf(good.signature)).toMatchObject({ err: null });
    expect(l1.send(frontRun.bytes)).toMatchObject({ kind: "rpc-error", code: "preflight-failure", customCode: 6003 });
  });

  it("a reorg that undoes initialize removes the accounts the program created", () => {
    // Whether the undone initialize is re-applied depends on the seed's coin flip: both outcomes are checked.
    const l1 = new L1Harness({ programs }, 3);
    const init = signTransaction([rollupInstructions.initialize(alice.publicKey, bob.publicKey, 1)], [alice], l1.blockhash());
    l1.send(init.bytes);
    l1.slots(1);
    const config = l1.node.accountAt(configAddress().toBase58(), "processed");
    expect(config).not.toBeNull();
    const aliceAfter = l1.lamports(alice.publicKey);
    l1.node.reorg(1);
    expect(l1.node.accountAt(configAddress().toBase58(), "processed")).toBeNull();
    expect(l1.node.accountAt(registryPageAddress(0).toBase58(), "processed")).toBeNull();
    expect(l1.lamports(alice.publicKey)).toBeGreaterThan(aliceAfter);
    const reapplied = l1.events("l1-reorg")[0]!.reapplied === 1;
    l1.slots(1);
    expect(l1.node.accountAt(configAddress().toBase58(), "processed")).toEqual(reapplied ? config : null);
    expect(l1.lamports(alice.publicKey)).toBe(reapplied ? aliceAfter : l1.lamports(alice.publicKey, "finalized"));
  });
});

/**
 * Goal: a validator's DepositReader hands its application exactly the deposits the L1 has FINALIZED,
 * in order: nothing before finality, and never a deposit an L1 reorg removed before finality (the
 * deposit sent again in its place is the one read). Runs against a real L1 node (litesvm with the
 * shipped program). A reader built in the test that reads the processed commitment instead hands the
 * reorged-away deposit over: the finalized read is what keeps it out.
 */
import { readFileSync } from "node:fs";
import type { Keypair } from "@solana/web3.js";
import { describe, expect, it } from "vitest";
import { DepositReader, type DepositReaderHost } from "../../src/bridge/deposit-reader.js";
import { bridgeInstructions, depositRecordAddress } from "../../src/l1/bridge-program.js";
import { decodeL1Request, encodeL1Request, encodeL1Response } from "../../src/l1/rpc-messages.js";
import { deriveSolanaKeypair, rollupProgramId, signTransaction } from "../../src/l1/rollup-program.js";
import type { BridgeDeposit } from "../../src/sequencer/app-messages.js";
import { PROGRAM_SO_PATH } from "../helpers/asset-rollup-program.js";
import { L1Harness } from "../l1/l1-harness.js";

const FINALITY = 8;
const depositor = deriveSolanaKeypair("deposit-reader-test/depositor", 1);
const other = deriveSolanaKeypair("deposit-reader-test/other", 1);
const RECIPIENT = new Uint8Array(32).fill(7);

class Setup {
  readonly l1 = new L1Harness({
    programs: [{ programId: rollupProgramId().toBase58(), elf: readFileSync(PROGRAM_SO_PATH) }],
    accounts: [depositor, other].map((k) => ({ address: k.publicKey.toBase58(), lamports: 1_000_000_000_000n })),
    finalizationDepthSlots: FINALITY,
  });
  readonly delivered: BridgeDeposit[] = [];
  readonly logs: { event: string; fields: Readonly<Record<string, unknown>> }[] = [];
  readonly reader: DepositReader;
  private readonly host: DepositReaderHost;

  constructor(commitment?: "processed") {
    this.reader = new DepositReader({ l1: "l1", programId: rollupProgramId(), pollIntervalUs: 400_000, requestTimeoutUs: 2_000_000 });
    this.host = {
      now: () => this.l1.now,
      send: (_to, data) => {
        // The broken variant (built here, never in src/): its reads ask for the processed state.
        let bytes = data;
        if (commitment !== undefined) {
          const request = decodeL1Request(data);
          bytes = encodeL1Request(request.kind === "get-account-info" ? { ...request, commitment } : request);
        }
        for (const response of this.l1.deliver({ type: "l1-rpc", data: bytes }, "v0")) this.reader.onData(encodeL1Response(response));
      },
      log: (event, fields) => this.logs.push({ event, fields }),
      neededFrom: () => BigInt(this.delivered.length),
      deliver: (deposits) => this.delivered.push(...deposits),
    };
  }

  deposit(who: Keypair, amount: bigint, sequence: bigint): void {
    const reply = this.l1.send(signTransaction([bridgeInstructions.deposit(who.publicKey, RECIPIENT, amount, sequence)], [who], this.l1.blockhash()).bytes);
    expect(reply.kind).toBe("send-transaction-result");
  }

  /** One slot, then one poll of the reader. */
  step(count = 1): void {
    for (let i = 0; i < count; i++) {
      this.l1.slots(1);
      this.reader.poll(this.host);
    }
  }

  recordAt(sequence: bigint, commitment: "processed" | "finalized"): boolean {
    const account = this.l1.node.accountAt(depositRecordAddress(sequence).toBase58(), commitment);
    return account !== null && account.lamports > 0n;
  }
}

/** Deposits 1 lamport, reorgs it away before finality (again while a requeue lands it again), then deposits 2 in its place. */
function reorgedAway(setup: Setup): void {
  setup.deposit(depositor, 1n, 0n);
  setup.step(2);
  expect(setup.recordAt(0n, "processed")).toBe(true);
  for (let tries = 0; tries < 20 && setup.recordAt(0n, "processed"); tries++) {
    setup.l1.node.reorg(3);
    setup.l1.slots(1);
  }
  expect(setup.recordAt(0n, "processed")).toBe(false);
  setup.deposit(other, 2n, 0n);
  setup.step(FINALITY + 4);
}

describe("DepositReader against a real L1 node", () => {
  it("hands over each deposit only once finalized, in order", () => {
    const setup = new Setup();
    setup.deposit(depositor, 10n, 0n);
    setup.step(1);
    setup.deposit(depositor, 20n, 1n);
    setup.step(2);
    expect(setup.recordAt(1n, "processed")).toBe(true);
    expect(setup.delivered).toEqual([]);
    setup.step(FINALITY + 2);
    expect(setup.delivered.map((d) => [d.sequence, d.amount])).toEqual([
      [0n, 10n],
      [1n, 20n],
    ]);
    setup.step(3);
    expect(setup.delivered.length).toBe(2);
  });

  it("never hands over a deposit reorged away before finality; the one sent in its place is read", () => {
    const setup = new Setup();
    reorgedAway(setup);
    expect(setup.delivered.map((d) => [d.sequence, d.amount])).toEqual([[0n, 2n]]);
  });

  it("a reader of the processed state (built here) hands over the reorged-away deposit", () => {
    const setup = new Setup("processed");
    setup.deposit(depositor, 1n, 0n);
    setup.step(2);
    expect(setup.delivered.map((d) => [d.sequence, d.amount])).toEqual([[0n, 1n]]);
    reorgedAwayAfter(setup);
  });
});

/** The rest of {@link reorgedAway} for a reader that already read deposit 0: it keeps the reorged-away one. */
function reorgedAwayAfter(setup: Setup): void {
  for (let tries = 0; tries < 20 && setup.recordAt(0n, "processed"); tries++) {
    setup.l1.node.reorg(3);
    setup.l1.slots(1);
  }
  expect(setup.recordAt(0n, "processed")).toBe(false);
  setup.deposit(other, 2n, 0n);
  setup.step(FINALITY + 4);
  expect(setup.recordAt(0n, "finalized")).toBe(true);
  expect(setup.delivered.map((d) => [d.sequence, d.amount])).toEqual([[0n, 1n]]); // the L1 finalized 2
}

/**
 * The reference ledger model agrees with the AssetVM on random transactions:
 * every instruction kind, every error code, the u64 bounds. Goal: the model
 * the reference-ledger checker trusts is right where the workload never goes
 * (remove-liquidity, create-pool, set-mint-authority, and every failure but
 * insufficient-balance), so that a difference in a run is the VM's bug. The
 * test may import the VM; the model (src/check/models/) does not.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LedgerModel } from "../../src/check/models/ledger-model.js";
import { diffSnapshots } from "../../src/check/models/ledger-model.js";
import { committedSnapshot } from "../../src/systems/validators/index.js";
import { admissionError, executeTransaction } from "../../src/vm/execute.js";
import { applyGenesis, type Genesis } from "../../src/vm/genesis.js";
import { LedgerState } from "../../src/vm/ledger-state.js";
import { NATIVE_ASSET, U64_MAX, type Instruction, type TransactionBody } from "../../src/vm/types.js";
import { assertProperty } from "../helpers/property.js";

const ACCOUNTS = ["aa".repeat(32), "bb".repeat(32), "cc".repeat(32)] as const;
const GENESIS: Genesis = {
  assets: [
    { symbol: NATIVE_ASSET, decimals: 9, mintAuthority: null, balances: ACCOUNTS.map((a) => [a, 1_000_000n] as const) },
    { symbol: "USDC", decimals: 6, mintAuthority: ACCOUNTS[0], balances: ACCOUNTS.slice(0, 2).map((a) => [a, 500_000n] as const) },
  ],
  pools: [{ assetA: "USDC", assetB: NATIVE_ASSET, reserveA: 300_000n, reserveB: 200_000n, feeBps: 30, provider: ACCOUNTS[1] }],
};

const account = fc.oneof({ weight: 8, arbitrary: fc.constantFrom<string>(...ACCOUNTS) }, { weight: 1, arbitrary: fc.constant("not-an-account") });
/** Mostly the genesis assets and one the test creates (TOK), so that most instructions get past their existence checks. */
const symbol = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(NATIVE_ASSET, "USDC") },
  { weight: 3, arbitrary: fc.constant("TOK") },
  { weight: 1, arbitrary: fc.constantFrom("ZED", "bad symbol") },
);
const amount = fc.oneof(
  { weight: 8, arbitrary: fc.bigInt({ min: 1n, max: 50_000n }) },
  { weight: 2, arbitrary: fc.bigInt({ min: 50_000n, max: 800_000n }) },
  { weight: 1, arbitrary: fc.constantFrom(0n, U64_MAX, U64_MAX - 1_000_000n) },
);
const instruction: fc.Arbitrary<Instruction> = fc.oneof(
  fc.record({ kind: fc.constant("create-asset" as const), asset: fc.oneof(symbol, fc.constant("TOK")), decimals: fc.integer({ min: 0, max: 20 }), mintAuthority: fc.option(account, { nil: null }) }),
  fc.record({ kind: fc.constant("mint" as const), asset: symbol, to: account, amount }),
  fc.record({ kind: fc.constant("transfer" as const), asset: symbol, to: account, amount }),
  fc.record({ kind: fc.constant("burn" as const), asset: symbol, amount }),
  fc.record({ kind: fc.constant("set-mint-authority" as const), asset: symbol, authority: fc.option(account, { nil: null }) }),
  fc.record({ kind: fc.constant("create-pool" as const), assetA: symbol, assetB: symbol, feeBps: fc.integer({ min: 0, max: 1_200 }) }),
  fc.record({ kind: fc.constant("add-liquidity" as const), assetA: symbol, assetB: symbol, amountA: amount, amountB: amount, minShares: fc.oneof(fc.constant(0n), amount) }),
  fc.record({ kind: fc.constant("remove-liquidity" as const), assetA: symbol, assetB: symbol, shares: amount, minA: fc.oneof(fc.constant(0n), amount), minB: fc.oneof(fc.constant(0n), amount) }),
  fc.record({ kind: fc.constant("swap" as const), assetIn: symbol, assetOut: symbol, amountIn: amount, minOut: fc.oneof(fc.constant(0n), amount) }),
);
const transaction = fc.record({
  sender: fc.constantFrom<string>(...ACCOUNTS),
  nonceOffset: fc.oneof({ weight: 9, arbitrary: fc.constant(0n) }, { weight: 1, arbitrary: fc.constantFrom(-1n, 1n) }),
  fee: fc.oneof({ weight: 9, arbitrary: fc.bigInt({ min: 0n, max: 100n }) }, { weight: 1, arbitrary: fc.constant(2_000_000n) }),
  instructions: fc.oneof({ weight: 6, arbitrary: fc.array(instruction, { minLength: 1, maxLength: 1 }) }, { weight: 2, arbitrary: fc.array(instruction, { minLength: 0, maxLength: 4 }) }),
});

describe("reference ledger model against the AssetVM", () => {
  it("same admission, status, failing instruction, supply change, swaps and final ledger", () => {
    assertProperty(
      fc.property(fc.array(transaction, { minLength: 1, maxLength: 40 }), (txs) => {
        const ledger = new LedgerState();
        applyGenesis(ledger, GENESIS);
        const model = LedgerModel.fromGenesis(GENESIS);
        expect(diffSnapshots(model.snapshot(), committedSnapshot(ledger))).toEqual([]);
        let height = 0;
        for (const t of txs) {
          const writer = ledger.begin(ledger.committed);
          const nonce = writer.nonce(t.sender) + t.nonceOffset;
          if (nonce < 0n) continue;
          const tx: TransactionBody = { sender: t.sender, nonce, fee: t.fee, instructions: t.instructions };
          const refused = admissionError(writer, tx);
          expect(model.admission(tx)).toBe(refused);
          if (refused !== undefined) continue;
          const receipt = executeTransaction(writer, tx, "id");
          const outcome = model.apply(tx);
          expect({ status: outcome.status, failedInstruction: outcome.failedInstruction }).toEqual({ status: receipt.status, failedInstruction: receipt.failedInstruction });
          expect(outcome.supplyDelta).toEqual(receipt.supplyDelta);
          expect(outcome.swaps).toEqual(receipt.swaps);
          ledger.commit(writer.finish(++height));
          expect(diffSnapshots(model.snapshot(), committedSnapshot(ledger))).toEqual([]);
        }
      }),
      { defaultRuns: 200, testFile: "test/check/ledger-model.test.ts" },
    );
  });
});

/**
 * The reference-ledger checker catches a VM bug that every validator shares,
 * which conservation and root agreement (the VM compared with itself) let
 * through. Goal: the wrong VMs are built here, in the test, by wrapping the
 * real VM's modules (`vi.mock`), so that every validator of a run executes
 * the same wrong arithmetic; the reference model (`check/models/`) imports
 * none of them and is not affected.
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Observation } from "../../src/check/checker.js";
import { LedgerModel, referenceIsqrt } from "../../src/check/models/ledger-model.js";
import { ReferenceLedgerChecker } from "../../src/check/validators/reference-ledger.js";
import { createSignatureScheme } from "../../src/crypto/schemes.js";
import { encodeBlockPayload } from "../../src/sequencer/block-payload.js";
import type { Genesis } from "../../src/vm/genesis.js";
import { signTransaction } from "../../src/vm/tx-codec.js";
import { NATIVE_ASSET, type Instruction, type TransactionBody } from "../../src/vm/types.js";
import { invariant, runScenario, scenario } from "../helpers/scenario.js";

/** Which wrong VM the mocks below build (none: the honest VM). */
const wrong = vi.hoisted(() => ({ bug: "none" as "none" | "double-fee" | "transfer-short" | "swap-without-fee" }));

// A fee charged twice: the second charge is burned and reported, so balances still sum to the supply.
vi.mock("../../src/vm/execute.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/vm/execute.js")>();
  const { NATIVE_ASSET: NATIVE } = await import("../../src/vm/types.js");
  return {
    ...original,
    executeTransaction: (...args: Parameters<typeof original.executeTransaction>) => {
      const receipt = original.executeTransaction(...args);
      const [state, tx] = args;
      if (wrong.bug !== "double-fee" || tx.fee === 0n || state.balance(tx.sender, NATIVE) < tx.fee) return receipt;
      const native = state.asset(NATIVE)!;
      state.setBalance(tx.sender, NATIVE, state.balance(tx.sender, NATIVE) - tx.fee);
      state.setAsset({ ...native, supply: native.supply - tx.fee });
      const supplyDelta = new Map(receipt.supplyDelta);
      supplyDelta.set(NATIVE, (supplyDelta.get(NATIVE) ?? 0n) - tx.fee);
      return { ...receipt, supplyDelta };
    },
  };
});

// A transfer that credits one unit less: the unit is burned and reported (conservation holds).
vi.mock("../../src/vm/instructions.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/vm/instructions.js")>();
  return {
    ...original,
    executeInstruction: (...args: Parameters<typeof original.executeInstruction>) => {
      const failure = original.executeInstruction(...args);
      const [state, sender, ins, effects] = args;
      if (wrong.bug !== "transfer-short" || failure !== undefined || ins.kind !== "transfer" || ins.to === sender) return failure;
      const info = state.asset(ins.asset)!;
      state.setBalance(ins.to, ins.asset, state.balance(ins.to, ins.asset) - 1n);
      state.setAsset({ ...info, supply: info.supply - 1n });
      effects.supplyDelta.set(ins.asset, (effects.supplyDelta.get(ins.asset) ?? 0n) - 1n);
      return failure;
    },
  };
});

// A swap priced without the pool's fee: k still never decreases.
vi.mock("../../src/vm/pool-math.js", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../src/vm/pool-math.js")>();
  return {
    ...original,
    swapOutput: (amountIn: bigint, reserveIn: bigint, reserveOut: bigint, feeBps: number) => original.swapOutput(amountIn, reserveIn, reserveOut, wrong.bug === "swap-without-fee" ? 0 : feeBps),
  };
});

const S = 1_000_000;

beforeEach(() => {
  wrong.bug = "none";
});

describe("reference-ledger: a wrong VM shared by every validator", () => {
  // Six seconds of the quickstart: about 1,000 transactions, transfers, scripts with swaps, mints and burns.
  const short = (): ReturnType<typeof scenario> => scenario("quickstart", { faults: [] }, 6 * S);

  it("the honest VM agrees with the reference model", () => {
    const report = runScenario(short());
    expect(report.violation).toBeUndefined();
    const result = invariant(report, "reference-ledger");
    expect(result.ok).toBe(true);
    expect(result.figures.transactionsExecuted).toBeGreaterThan(500);
    expect(result.figures.validatorsAudited).toBe(7);
    expect(result.figures.reportsCompared).toBeGreaterThan(100);
  });

  // What the first difference the checker meets is, for each bug.
  const found = { "double-fee": /supply change per asset/, "transfer-short": /supply change per asset/, "swap-without-fee": /swap 0 is/ } as const;
  for (const bug of ["double-fee", "transfer-short", "swap-without-fee"] as const) {
    it(`${bug}: reference-ledger fails, conservation and root agreement pass`, () => {
      wrong.bug = bug;
      const report = runScenario(short());
      expect(report.violation?.invariant).toBe("reference-ledger");
      expect(report.violation?.message).toMatch(found[bug]);
      expect(invariant(report, "reference-ledger").ok).toBe(false);
      expect(invariant(report, "conservation").ok).toBe(true);
      expect(invariant(report, "conservation").figures.validatorsAudited).toBeGreaterThan(0);
      expect(invariant(report, "root-agreement").ok).toBe(true);
      expect(invariant(report, "root-agreement").figures.heightsChecked).toBeGreaterThan(0);
    });
  }
});

// ------------------------------------------------------------ the model and the checker on fabricated histories

const scheme = createSignatureScheme("sim");
const alice = scheme.keyPairFromSeed(new Uint8Array(32).fill(1));
const bob = scheme.keyPairFromSeed(new Uint8Array(32).fill(2));
const A = Buffer.from(alice.publicKey).toString("hex");
const B = Buffer.from(bob.publicKey).toString("hex");
const GENESIS: Genesis = {
  assets: [
    { symbol: NATIVE_ASSET, decimals: 9, mintAuthority: null, balances: [[A, 1_000_000n], [B, 1_000n]] },
    { symbol: "USDC", decimals: 6, mintAuthority: A, balances: [[A, 1_000_000n]] },
  ],
  pools: [{ assetA: NATIVE_ASSET, assetB: "USDC", reserveA: 100_000n, reserveB: 400_000n, feeBps: 30, provider: A }],
};
const body = (nonce: bigint, fee: bigint, instructions: Instruction[]): TransactionBody => ({ sender: A, nonce, fee, instructions });

describe("the reference model", () => {
  it("burns the fee, advances the nonce, and prices a swap with its fee", () => {
    const model = LedgerModel.fromGenesis(GENESIS);
    const outcome = model.apply(body(0n, 10n, [{ kind: "swap", assetIn: NATIVE_ASSET, assetOut: "USDC", amountIn: 1_000n, minOut: 0n }]));
    // 1000 * 9970 * 400000 / (100000 * 10000 + 1000 * 9970) = 3948.4... -> 3948
    expect(outcome).toMatchObject({ status: "ok", swaps: [{ pool: "ASSET/USDC", kBefore: 100_000n * 400_000n, kAfter: 101_000n * (400_000n - 3_948n) }] });
    expect(outcome.supplyDelta).toEqual(new Map([[NATIVE_ASSET, -10n]]));
    const s = model.snapshot();
    expect(s.nonces.get(A)).toBe(1n);
    expect(s.balances.get(`${A}:${NATIVE_ASSET}`)).toBe(1_000_000n - 10n - 1_000n);
    expect(s.balances.get(`${A}:USDC`)).toBe(1_000_000n + 3_948n);
    expect(s.shares.get(`ASSET/USDC:${A}`)).toBe(referenceIsqrt(100_000n * 400_000n));
  });

  it("undoes every instruction of a failed transaction but keeps the fee and the nonce", () => {
    const model = LedgerModel.fromGenesis(GENESIS);
    const outcome = model.apply(
      body(0n, 5n, [
        { kind: "transfer", asset: "USDC", to: B, amount: 10n },
        { kind: "mint", asset: "USDC", to: B, amount: 7n },
        { kind: "transfer", asset: "USDC", to: B, amount: 10_000_000n },
      ]),
    );
    expect(outcome).toMatchObject({ status: "insufficient-balance", failedInstruction: 2 });
    const s = model.snapshot();
    expect(s.balances.get(`${B}:USDC`)).toBeUndefined();
    expect(s.assets.get("USDC")!.supply).toBe(1_400_000n);
    expect(s.balances.get(`${A}:${NATIVE_ASSET}`)).toBe(999_995n);
    expect(model.admission(body(0n, 5n, [{ kind: "burn", asset: "USDC", amount: 1n }]))).toBe("bad-nonce");
    expect(model.admission({ sender: B, nonce: 0n, fee: 1_001n, instructions: [{ kind: "burn", asset: "USDC", amount: 1n }] })).toBe("insufficient-fee");
  });

  it("adds and removes liquidity in proportion, rounding for the pool", () => {
    const model = LedgerModel.fromGenesis(GENESIS);
    const total = referenceIsqrt(100_000n * 400_000n); // 200000
    expect(model.apply(body(0n, 0n, [{ kind: "add-liquidity", assetA: "USDC", assetB: NATIVE_ASSET, amountA: 4_001n, amountB: 1_000n, minShares: 0n }])).status).toBe("ok");
    let pool = model.snapshot().pools.get("ASSET/USDC")!;
    // shares = min(1000 * 200000 / 100000, 4001 * 200000 / 400000) = 2000; takes 1000 and 4000
    expect(pool).toMatchObject({ reserveA: 101_000n, reserveB: 404_000n, totalShares: total + 2_000n });
    expect(model.apply(body(1n, 0n, [{ kind: "remove-liquidity", assetA: NATIVE_ASSET, assetB: "USDC", shares: 3n, minA: 0n, minB: 0n }])).status).toBe("ok");
    pool = model.snapshot().pools.get("ASSET/USDC")!;
    // 3 * 101000 / 202000 = 1.5 -> 1; 3 * 404000 / 202000 = 6
    expect(pool).toMatchObject({ reserveA: 100_999n, reserveB: 403_994n, totalShares: total + 1_997n });
  });
});

describe("reference-ledger checker on fabricated observations", () => {
  const obs = (timeUs: number, node: string, event: string, fields: Record<string, unknown>): Observation => ({ timeUs, node, event, fields });
  const tx = signTransaction(body(0n, 10n, [{ kind: "transfer", asset: "USDC", to: B, amount: 5n }]), alice.secretKey, scheme);
  const commit = (node: string): Observation =>
    obs(1, node, "commit", { height: 1, view: 1, hash: "ab".repeat(32), payload: encodeBlockPayload({ height: 1, parent: new Uint8Array(32), stateRoot: new Uint8Array(32), txs: [tx] }) });
  const root = (node: string, supplyDelta: Record<string, string>): Observation => obs(2, node, "state-root", { height: 1, root: "cd".repeat(32), txs: 1, failed: {}, supplyDelta, swaps: [] });

  it("passes the right supply change and fails a fee burned twice, reported before or after the commit", () => {
    const honest = new Set(["v0", "v1"]);
    const c = new ReferenceLedgerChecker(GENESIS, () => [], honest);
    expect(c.observe(root("v0", { ASSET: "-10" }))).toBeUndefined(); // judged at its node's commit, right after
    expect(c.observe(commit("v0"))).toBeUndefined();
    expect(c.observe(root("v1", { ASSET: "-20" }))).toBeUndefined();
    const v = c.observe(commit("v1"));
    expect(v).toMatchObject({ invariant: "reference-ledger" });
    expect(v!.message).toContain("supply change");
  });

  it("leaves a node that committed another block at a height to agreement", () => {
    const c = new ReferenceLedgerChecker(GENESIS, () => [], new Set(["v0", "v1"]));
    c.observe(root("v0", { ASSET: "-10" }));
    c.observe(commit("v0"));
    c.observe(root("v1", { ASSET: "-20" }));
    expect(c.observe({ ...commit("v1"), fields: { ...commit("v1").fields, hash: "ef".repeat(32) } })).toBeUndefined();
    expect(c.finish(10)).toMatchObject({ ok: true, figures: { validatorsOnOtherBlocks: 1, reportsCompared: 1 } });
  });

  it("audits a validator's ledger at the end", () => {
    const model = LedgerModel.fromGenesis(GENESIS);
    model.apply(body(0n, 10n, [{ kind: "transfer", asset: "USDC", to: B, amount: 5n }]));
    const good = model.snapshot();
    const bad = { ...good, balances: new Map([...good.balances].map(([k, v]) => [k, k === `${B}:USDC` ? v - 1n : v])) };
    for (const [ledger, ok] of [[good, true], [bad, false]] as const) {
      const c = new ReferenceLedgerChecker(GENESIS, () => [{ node: "v0", height: 1, ledger }], new Set(["v0"]));
      c.observe(commit("v0"));
      const result = c.finish(10);
      expect(result.ok).toBe(ok);
      expect(result.figures.validatorsAudited).toBe(1);
    }
  });
});

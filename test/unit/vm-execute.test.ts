import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { admissionError, executeTransaction } from "../../src/vm/execute.js";
import { MemoryLedger } from "../../src/vm/memory-ledger.js";
import { isqrt } from "../../src/vm/pool-math.js";
import { stateKey, type StateValue } from "../../src/vm/state-keys.js";
import {
  INSTRUCTIONS_PER_TX_MAX,
  NATIVE_ASSET,
  poolId,
  U64_MAX,
  type AccountId,
  type AssetInfo,
  type AssetSymbol,
  type Instruction,
  type TransactionBody,
  type TxReceipt,
  type VmErrorCode,
} from "../../src/vm/types.js";

const ALICE = "a".repeat(64);
const BOB = "b".repeat(64);
const CAROL = "c".repeat(64);
const FEE = 10n;
const EUR_USD = poolId("EUR", "USD");

/** Declares an asset with zero supply. */
function defineAsset(ledger: MemoryLedger, symbol: AssetSymbol, mintAuthority: AccountId | null, decimals = 6): void {
  ledger.setAsset({ symbol, decimals, mintAuthority, supply: 0n });
}

/** Credits `account` with `amount`, raising the supply with it (the ledger stays consistent). */
function give(ledger: MemoryLedger, account: AccountId, asset: AssetSymbol, amount: bigint): void {
  const info = ledger.asset(asset)!;
  ledger.setBalance(account, asset, ledger.balance(account, asset) + amount);
  ledger.setAsset({ ...info, supply: info.supply + amount });
}

/** Seeds a pool as genesis does: the reserves join the supplies, `provider` gets isqrt(ra * rb) shares. */
function seedPool(ledger: MemoryLedger, a: AssetSymbol, b: AssetSymbol, reserveA: bigint, reserveB: bigint, provider: AccountId, feeBps = 30): string {
  const [assetA, assetB, ra, rb] = a < b ? [a, b, reserveA, reserveB] : [b, a, reserveB, reserveA];
  const id = poolId(a, b);
  const shares = isqrt(ra * rb);
  ledger.setPool(id, { assetA, assetB, reserveA: ra, reserveB: rb, totalShares: shares, feeBps });
  ledger.setShares(id, provider, shares);
  for (const [symbol, amount] of [[assetA, ra], [assetB, rb]] as const) {
    const info = ledger.asset(symbol)!;
    ledger.setAsset({ ...info, supply: info.supply + amount });
  }
  return id;
}

/**
 * The standard world: the native asset (no authority), USD (minted by Alice),
 * EUR (minted by Bob), everyone funded with the native asset, no pools.
 */
function world(): MemoryLedger {
  const ledger = new MemoryLedger();
  defineAsset(ledger, NATIVE_ASSET, null, 9);
  defineAsset(ledger, "USD", ALICE);
  defineAsset(ledger, "EUR", BOB);
  for (const account of [ALICE, BOB, CAROL]) give(ledger, account, NATIVE_ASSET, 1_000_000n);
  give(ledger, ALICE, "USD", 1_000_000n);
  give(ledger, ALICE, "EUR", 1_000_000n);
  give(ledger, BOB, "USD", 500_000n);
  give(ledger, BOB, "EUR", 500_000n);
  ledger.discardJournal();
  return ledger;
}

/** The standard world with the EUR/USD pool (1 000 000 EUR, 2 000 000 USD, 0.3 %) provided by Carol. */
function worldWithPool(): MemoryLedger {
  const ledger = world();
  seedPool(ledger, "EUR", "USD", 1_000_000n, 2_000_000n, CAROL);
  ledger.discardJournal();
  return ledger;
}

function tx(ledger: MemoryLedger, sender: AccountId, instructions: readonly Instruction[], fee = FEE): TransactionBody {
  return { sender, nonce: ledger.nonce(sender), fee, instructions };
}

/** Executes an admissible transaction with the sender's current nonce. */
function run(ledger: MemoryLedger, sender: AccountId, instructions: readonly Instruction[], fee = FEE): TxReceipt {
  const body = tx(ledger, sender, instructions, fee);
  expect(admissionError(ledger, body)).toBeUndefined();
  return executeTransaction(ledger, body, "00");
}

function runOk(ledger: MemoryLedger, sender: AccountId, instructions: readonly Instruction[], fee = FEE): TxReceipt {
  const receipt = run(ledger, sender, instructions, fee);
  expect(receipt.message).toBeUndefined();
  expect(receipt.status).toBe("ok");
  expect(receipt.failedInstruction).toBeUndefined();
  return receipt;
}

const byKey = ([a]: [string, StateValue], [b]: [string, StateValue]): number => (a < b ? -1 : a > b ? 1 : 0);

/** `before` with only the fee burned from `sender` and its nonce advanced. */
function withOnlyFeeAndNonce(before: [string, StateValue][], sender: AccountId, fee: bigint): [string, StateValue][] {
  const entries = new Map(before);
  const balanceKey = stateKey.balance(sender, NATIVE_ASSET);
  const balance = ((entries.get(balanceKey) as bigint | undefined) ?? 0n) - fee;
  if (balance === 0n) entries.delete(balanceKey);
  else entries.set(balanceKey, balance);
  entries.set(stateKey.nonce(sender), ((entries.get(stateKey.nonce(sender)) as bigint | undefined) ?? 0n) + 1n);
  const native = entries.get(stateKey.asset(NATIVE_ASSET)) as AssetInfo;
  entries.set(stateKey.asset(NATIVE_ASSET), { ...native, supply: native.supply - fee });
  return [...entries].sort(byKey);
}

/**
 * Runs a transaction that must fail with `code` at `failedInstruction` (the
 * last by default), and checks it changed nothing but the fee and the nonce.
 */
function expectFailure(ledger: MemoryLedger, sender: AccountId, instructions: readonly Instruction[], code: VmErrorCode, failedInstruction = instructions.length - 1): TxReceipt {
  const before = ledger.entries();
  const receipt = run(ledger, sender, instructions);
  expect({ status: receipt.status, failedInstruction: receipt.failedInstruction }).toEqual({ status: code, failedInstruction });
  expect(receipt.message).toMatch(/\S/);
  expect(receipt.supplyDelta).toEqual(new Map([[NATIVE_ASSET, -FEE]]));
  expect(receipt.swaps).toEqual([]);
  expect(ledger.entries()).toEqual(withOnlyFeeAndNonce(before, sender, FEE));
  return receipt;
}

describe("admission", () => {
  it("admits a well-formed transaction with the right nonce and a payable fee", () => {
    const ledger = world();
    expect(admissionError(ledger, tx(ledger, ALICE, [{ kind: "burn", asset: "USD", amount: 1n }]))).toBeUndefined();
  });

  it("bad-nonce: a nonce ahead of or behind the account's", () => {
    const ledger = world();
    const burn: Instruction = { kind: "burn", asset: "USD", amount: 1n };
    expect(admissionError(ledger, { sender: ALICE, nonce: 1n, fee: FEE, instructions: [burn] })).toBe("bad-nonce");
    runOk(ledger, ALICE, [burn]);
    expect(admissionError(ledger, { sender: ALICE, nonce: 0n, fee: FEE, instructions: [burn] })).toBe("bad-nonce");
    expect(admissionError(ledger, { sender: ALICE, nonce: 1n, fee: FEE, instructions: [burn] })).toBeUndefined();
  });

  it("insufficient-fee: native balance below the fee (the exact balance is enough)", () => {
    const ledger = world();
    const burn: Instruction = { kind: "burn", asset: "USD", amount: 1n };
    expect(admissionError(ledger, tx(ledger, ALICE, [burn], 1_000_001n))).toBe("insufficient-fee");
    expect(admissionError(ledger, tx(ledger, "d".repeat(64), [burn], 1n))).toBe("insufficient-fee");
    expect(admissionError(ledger, tx(ledger, "d".repeat(64), [burn], 0n))).toBeUndefined();
    const receipt = runOk(ledger, ALICE, [burn], 1_000_000n);
    expect(receipt.supplyDelta).toEqual(new Map([[NATIVE_ASSET, -1_000_000n], ["USD", -1n]]));
    expect(ledger.balance(ALICE, NATIVE_ASSET)).toBe(0n);
  });

  it("invalid-instruction: no instructions, too many, fee or nonce outside u64", () => {
    const ledger = world();
    const burn: Instruction = { kind: "burn", asset: "USD", amount: 1n };
    expect(admissionError(ledger, tx(ledger, ALICE, []))).toBe("invalid-instruction");
    expect(admissionError(ledger, tx(ledger, ALICE, Array(INSTRUCTIONS_PER_TX_MAX + 1).fill(burn)))).toBe("invalid-instruction");
    expect(admissionError(ledger, tx(ledger, ALICE, Array(INSTRUCTIONS_PER_TX_MAX).fill(burn)))).toBeUndefined();
    expect(admissionError(ledger, tx(ledger, ALICE, [burn], U64_MAX + 1n))).toBe("invalid-instruction");
    expect(admissionError(ledger, tx(ledger, ALICE, [burn], -1n))).toBe("invalid-instruction");
    expect(admissionError(ledger, { sender: ALICE, nonce: -1n, fee: FEE, instructions: [burn] })).toBe("invalid-instruction");
  });

  it("a nonce of 2^64 - 2 is the last usable: the account is frozen at 2^64 - 1", () => {
    const ledger = world();
    ledger.setNonce(ALICE, U64_MAX - 1n);
    const burn: Instruction = { kind: "burn", asset: "USD", amount: 1n };
    runOk(ledger, ALICE, [burn]);
    expect(ledger.nonce(ALICE)).toBe(U64_MAX);
    expect(admissionError(ledger, tx(ledger, ALICE, [burn]))).toBe("invalid-instruction");
  });

  it("a fee of 2^64 - 1 is payable by a balance of 2^64 - 1", () => {
    const ledger = new MemoryLedger();
    defineAsset(ledger, NATIVE_ASSET, null);
    give(ledger, ALICE, NATIVE_ASSET, U64_MAX);
    const receipt = runOk(ledger, ALICE, [{ kind: "create-asset", asset: "X", decimals: 0, mintAuthority: null }], U64_MAX);
    expect(receipt.supplyDelta).toEqual(new Map([[NATIVE_ASSET, -U64_MAX]]));
    expect(ledger.asset(NATIVE_ASSET)!.supply).toBe(0n);
    expect(ledger.balance(ALICE, NATIVE_ASSET)).toBe(0n);
  });

  it("executeTransaction throws on an inadmissible transaction and writes nothing", () => {
    const ledger = world();
    const before = ledger.entries();
    const burn: Instruction = { kind: "burn", asset: "USD", amount: 1n };
    expect(() => executeTransaction(ledger, { sender: ALICE, nonce: 5n, fee: FEE, instructions: [burn] }, "00")).toThrow(/not admissible \(bad-nonce\)/);
    expect(() => executeTransaction(ledger, tx(ledger, ALICE, [burn], 10_000_000n), "00")).toThrow(/insufficient-fee/);
    expect(() => executeTransaction(ledger, tx(ledger, ALICE, []), "00")).toThrow(/invalid-instruction/);
    expect(ledger.entries()).toEqual(before);
  });
});

describe("receipts", () => {
  it("carry the id, sender, nonce and fee; a zero fee leaves no supply entry", () => {
    const ledger = world();
    const body = tx(ledger, BOB, [{ kind: "transfer", asset: "USD", to: ALICE, amount: 5n }], 0n);
    const receipt = executeTransaction(ledger, body, "abcd");
    expect(receipt).toEqual({ id: "abcd", sender: BOB, nonce: 0n, fee: 0n, status: "ok", supplyDelta: new Map(), swaps: [] });
    expect(ledger.nonce(BOB)).toBe(1n);
    expect(ledger.balance(BOB, NATIVE_ASSET)).toBe(1_000_000n);
  });

  it("net the supply changes of one transaction per asset and omit zero nets", () => {
    const ledger = world();
    const receipt = runOk(ledger, ALICE, [
      { kind: "mint", asset: "USD", to: ALICE, amount: 50n },
      { kind: "burn", asset: "USD", amount: 50n },
      { kind: "mint", asset: "USD", to: BOB, amount: 7n },
      { kind: "burn", asset: "EUR", amount: 3n },
      { kind: "burn", asset: NATIVE_ASSET, amount: 5n },
    ]);
    expect(receipt.supplyDelta).toEqual(
      new Map([
        [NATIVE_ASSET, -15n],
        ["USD", 7n],
        ["EUR", -3n],
      ]),
    );
  });
});

describe("create-asset", () => {
  it("creates an asset with zero supply and the given authority (or none)", () => {
    const ledger = world();
    const receipt = runOk(ledger, ALICE, [
      { kind: "create-asset", asset: "GOLD", decimals: 8, mintAuthority: CAROL },
      { kind: "create-asset", asset: "Z9", decimals: 18, mintAuthority: null },
      { kind: "create-asset", asset: "ABCDEFGHIJKL", decimals: 0, mintAuthority: ALICE },
    ]);
    expect(receipt.supplyDelta).toEqual(new Map([[NATIVE_ASSET, -FEE]]));
    expect(ledger.asset("GOLD")).toEqual({ symbol: "GOLD", decimals: 8, mintAuthority: CAROL, supply: 0n });
    expect(ledger.asset("Z9")).toEqual({ symbol: "Z9", decimals: 18, mintAuthority: null, supply: 0n });
    expect(ledger.asset("ABCDEFGHIJKL")!.decimals).toBe(0);
    runOk(ledger, CAROL, [{ kind: "mint", asset: "GOLD", to: BOB, amount: 9n }]);
    expect(ledger.balance(BOB, "GOLD")).toBe(9n);
  });

  it.each([
    ["a lowercase symbol", { asset: "gold" }],
    ["an empty symbol", { asset: "" }],
    ["a 13-character symbol", { asset: "ABCDEFGHIJKLM" }],
    ["a symbol starting with a digit", { asset: "1GOLD" }],
    ["a symbol with punctuation", { asset: "GO-LD" }],
    ["negative decimals", { decimals: -1 }],
    ["19 decimals", { decimals: 19 }],
    ["fractional decimals", { decimals: 1.5 }],
    ["an uppercase-hex authority", { mintAuthority: "A".repeat(64) }],
    ["a short authority", { mintAuthority: "ab" }],
    ["a non-hex authority", { mintAuthority: "g".repeat(64) }],
  ])("invalid-instruction: %s", (_, change) => {
    expectFailure(world(), ALICE, [{ kind: "create-asset", asset: "GOLD", decimals: 6, mintAuthority: null, ...change }], "invalid-instruction");
  });

  it("asset-exists: the symbol is taken (the native asset included)", () => {
    const ledger = world();
    expectFailure(ledger, ALICE, [{ kind: "create-asset", asset: "USD", decimals: 6, mintAuthority: ALICE }], "asset-exists");
    expectFailure(ledger, ALICE, [{ kind: "create-asset", asset: NATIVE_ASSET, decimals: 6, mintAuthority: ALICE }], "asset-exists");
    expectFailure(
      ledger,
      ALICE,
      [
        { kind: "create-asset", asset: "NEW", decimals: 6, mintAuthority: null },
        { kind: "create-asset", asset: "NEW", decimals: 2, mintAuthority: null },
      ],
      "asset-exists",
    );
  });
});

describe("mint", () => {
  it("credits the recipient and raises the supply", () => {
    const ledger = world();
    const receipt = runOk(ledger, ALICE, [{ kind: "mint", asset: "USD", to: BOB, amount: 500n }]);
    expect(ledger.balance(BOB, "USD")).toBe(500_500n);
    expect(ledger.asset("USD")!.supply).toBe(1_500_500n);
    expect(receipt.supplyDelta).toEqual(new Map([[NATIVE_ASSET, -FEE], ["USD", 500n]]));
  });

  it("a mint and a burn of the same amount in one transaction leave no supply change for that asset in the receipt", () => {
    // The receipt lists only assets whose supply changed (found by the mutation run: a zero entry went unnoticed).
    const ledger = world();
    const receipt = runOk(ledger, ALICE, [
      { kind: "mint", asset: "USD", to: ALICE, amount: 7n },
      { kind: "burn", asset: "USD", amount: 7n },
    ]);
    const supplyBefore = world().asset("USD")!.supply;
    expect(ledger.asset("USD")!.supply).toBe(supplyBefore);
    expect(receipt.supplyDelta).toEqual(new Map([[NATIVE_ASSET, -FEE]]));
  });

  it("reaches a supply of exactly 2^64 - 1, and overflow one past it", () => {
    const ledger = world();
    defineAsset(ledger, "BIG", ALICE);
    give(ledger, BOB, "BIG", U64_MAX - 5n);
    expectFailure(ledger, ALICE, [{ kind: "mint", asset: "BIG", to: CAROL, amount: 6n }], "overflow");
    runOk(ledger, ALICE, [{ kind: "mint", asset: "BIG", to: CAROL, amount: 5n }]);
    expect(ledger.asset("BIG")!.supply).toBe(U64_MAX);
    expectFailure(ledger, ALICE, [{ kind: "mint", asset: "BIG", to: CAROL, amount: 1n }], "overflow");
  });

  it("overflow: the recipient's balance past 2^64 - 1 (a state only direct writes make)", () => {
    const ledger = world();
    ledger.setBalance(CAROL, "USD", U64_MAX);
    expectFailure(ledger, ALICE, [{ kind: "mint", asset: "USD", to: CAROL, amount: 1n }], "overflow");
  });

  it.each([
    ["a zero amount", { amount: 0n }],
    ["a negative amount", { amount: -1n }],
    ["an amount past u64", { amount: U64_MAX + 1n }],
    ["a bad recipient", { to: "x".repeat(64) }],
  ])("invalid-instruction: %s", (_, change) => {
    expectFailure(world(), ALICE, [{ kind: "mint", asset: "USD", to: BOB, amount: 1n, ...change }], "invalid-instruction");
  });

  it("unknown-asset", () => {
    expectFailure(world(), ALICE, [{ kind: "mint", asset: "GOLD", to: BOB, amount: 1n }], "unknown-asset");
  });

  it("unauthorized: the sender is not the authority, or there is none", () => {
    const ledger = world();
    expectFailure(ledger, BOB, [{ kind: "mint", asset: "USD", to: BOB, amount: 1n }], "unauthorized");
    expectFailure(ledger, ALICE, [{ kind: "mint", asset: NATIVE_ASSET, to: ALICE, amount: 1n }], "unauthorized");
  });
});

describe("transfer", () => {
  it("moves the amount; emptying a balance removes its entry", () => {
    const ledger = world();
    const receipt = runOk(ledger, ALICE, [{ kind: "transfer", asset: "USD", to: BOB, amount: 300n }]);
    expect(ledger.balance(ALICE, "USD")).toBe(999_700n);
    expect(ledger.balance(BOB, "USD")).toBe(500_300n);
    expect(ledger.asset("USD")!.supply).toBe(1_500_000n);
    expect(receipt.supplyDelta).toEqual(new Map([[NATIVE_ASSET, -FEE]]));
    runOk(ledger, BOB, [{ kind: "transfer", asset: "USD", to: CAROL, amount: 500_300n }]);
    expect(ledger.entries().some(([key]) => key === stateKey.balance(BOB, "USD"))).toBe(false);
    expect(ledger.balance(CAROL, "USD")).toBe(500_300n);
  });

  it("moves the native asset after the fee is paid", () => {
    const ledger = world();
    runOk(ledger, CAROL, [{ kind: "transfer", asset: NATIVE_ASSET, to: ALICE, amount: 999_990n }]);
    expect(ledger.balance(CAROL, NATIVE_ASSET)).toBe(0n);
    expect(ledger.balance(ALICE, NATIVE_ASSET)).toBe(1_999_990n);
    expectFailure(ledger, BOB, [{ kind: "transfer", asset: NATIVE_ASSET, to: ALICE, amount: 999_991n }], "insufficient-balance");
  });

  it("to oneself changes nothing but needs the balance", () => {
    const ledger = world();
    const before = ledger.entries();
    runOk(ledger, BOB, [{ kind: "transfer", asset: "USD", to: BOB, amount: 500_000n }]);
    expect(ledger.entries()).toEqual(withOnlyFeeAndNonce(before, BOB, FEE));
    expectFailure(ledger, BOB, [{ kind: "transfer", asset: "USD", to: BOB, amount: 500_001n }], "insufficient-balance");
  });

  it("moves 2^64 - 1 whole", () => {
    const ledger = world();
    defineAsset(ledger, "BIG", null);
    give(ledger, ALICE, "BIG", U64_MAX);
    runOk(ledger, ALICE, [{ kind: "transfer", asset: "BIG", to: BOB, amount: U64_MAX }]);
    expect(ledger.balance(BOB, "BIG")).toBe(U64_MAX);
    expect(ledger.balance(ALICE, "BIG")).toBe(0n);
  });

  it.each([
    ["a zero amount", { amount: 0n }],
    ["a negative amount", { amount: -5n }],
    ["an amount past u64", { amount: U64_MAX + 1n }],
    ["a bad recipient", { to: ALICE.slice(1) }],
  ])("invalid-instruction: %s", (_, change) => {
    expectFailure(world(), ALICE, [{ kind: "transfer", asset: "USD", to: BOB, amount: 1n, ...change }], "invalid-instruction");
  });

  it("unknown-asset", () => {
    expectFailure(world(), ALICE, [{ kind: "transfer", asset: "GOLD", to: BOB, amount: 1n }], "unknown-asset");
  });

  it("insufficient-balance", () => {
    expectFailure(world(), CAROL, [{ kind: "transfer", asset: "USD", to: BOB, amount: 1n }], "insufficient-balance");
    expectFailure(world(), BOB, [{ kind: "transfer", asset: "USD", to: ALICE, amount: 500_001n }], "insufficient-balance");
  });

  it("overflow: the recipient's balance past 2^64 - 1 (a state only direct writes make)", () => {
    const ledger = world();
    ledger.setBalance(CAROL, "USD", U64_MAX);
    expectFailure(ledger, ALICE, [{ kind: "transfer", asset: "USD", to: CAROL, amount: 1n }], "overflow");
  });
});

describe("burn", () => {
  it("destroys the amount and lowers the supply", () => {
    const ledger = world();
    const receipt = runOk(ledger, ALICE, [{ kind: "burn", asset: "EUR", amount: 200n }]);
    expect(ledger.balance(ALICE, "EUR")).toBe(999_800n);
    expect(ledger.asset("EUR")!.supply).toBe(1_499_800n);
    expect(receipt.supplyDelta).toEqual(new Map([[NATIVE_ASSET, -FEE], ["EUR", -200n]]));
  });

  it.each([
    ["a zero amount", 0n],
    ["a negative amount", -1n],
    ["an amount past u64", U64_MAX + 1n],
  ])("invalid-instruction: %s", (_, amount) => {
    expectFailure(world(), ALICE, [{ kind: "burn", asset: "USD", amount }], "invalid-instruction");
  });

  it("unknown-asset", () => {
    expectFailure(world(), ALICE, [{ kind: "burn", asset: "GOLD", amount: 1n }], "unknown-asset");
  });

  it("insufficient-balance", () => {
    expectFailure(world(), ALICE, [{ kind: "burn", asset: "USD", amount: 1_000_001n }], "insufficient-balance");
  });
});

describe("set-mint-authority", () => {
  it("hands the authority over, then removes it", () => {
    const ledger = world();
    runOk(ledger, ALICE, [{ kind: "set-mint-authority", asset: "USD", authority: BOB }]);
    expect(ledger.asset("USD")!.mintAuthority).toBe(BOB);
    expectFailure(ledger, ALICE, [{ kind: "mint", asset: "USD", to: ALICE, amount: 1n }], "unauthorized");
    runOk(ledger, BOB, [{ kind: "mint", asset: "USD", to: BOB, amount: 1n }]);
    runOk(ledger, BOB, [{ kind: "set-mint-authority", asset: "USD", authority: null }]);
    expect(ledger.asset("USD")).toEqual({ symbol: "USD", decimals: 6, mintAuthority: null, supply: 1_500_001n });
    expectFailure(ledger, BOB, [{ kind: "mint", asset: "USD", to: BOB, amount: 1n }], "unauthorized");
  });

  it("invalid-instruction: a malformed authority", () => {
    expectFailure(world(), ALICE, [{ kind: "set-mint-authority", asset: "USD", authority: "B".repeat(64) }], "invalid-instruction");
  });

  it("unknown-asset", () => {
    expectFailure(world(), ALICE, [{ kind: "set-mint-authority", asset: "GOLD", authority: BOB }], "unknown-asset");
  });

  it("unauthorized: not the authority, or none to hand over", () => {
    expectFailure(world(), BOB, [{ kind: "set-mint-authority", asset: "USD", authority: BOB }], "unauthorized");
    expectFailure(world(), ALICE, [{ kind: "set-mint-authority", asset: NATIVE_ASSET, authority: ALICE }], "unauthorized");
  });
});

describe("create-pool", () => {
  it("creates the empty pool in symbol order, whichever order the instruction names", () => {
    const ledger = world();
    runOk(ledger, BOB, [{ kind: "create-pool", assetA: "USD", assetB: "EUR", feeBps: 30 }]);
    expect(ledger.pool(EUR_USD)).toEqual({ assetA: "EUR", assetB: "USD", reserveA: 0n, reserveB: 0n, totalShares: 0n, feeBps: 30 });
    runOk(ledger, BOB, [{ kind: "create-pool", assetA: NATIVE_ASSET, assetB: "USD", feeBps: 1000 }]);
    expect(ledger.pool(poolId(NATIVE_ASSET, "USD"))!.feeBps).toBe(1000);
  });

  it.each([
    ["the same asset twice", { assetB: "USD" }],
    ["a negative fee", { feeBps: -1 }],
    ["a fee over the maximum", { feeBps: 1001 }],
    ["a fractional fee", { feeBps: 2.5 }],
  ])("invalid-instruction: %s", (_, change) => {
    expectFailure(world(), ALICE, [{ kind: "create-pool", assetA: "USD", assetB: "EUR", feeBps: 30, ...change }], "invalid-instruction");
  });

  it("unknown-asset: either side", () => {
    expectFailure(world(), ALICE, [{ kind: "create-pool", assetA: "GOLD", assetB: "EUR", feeBps: 30 }], "unknown-asset");
    expectFailure(world(), ALICE, [{ kind: "create-pool", assetA: "USD", assetB: "GOLD", feeBps: 30 }], "unknown-asset");
  });

  it("pool-exists: in either order", () => {
    const ledger = worldWithPool();
    expectFailure(ledger, ALICE, [{ kind: "create-pool", assetA: "EUR", assetB: "USD", feeBps: 5 }], "pool-exists");
    expectFailure(ledger, ALICE, [{ kind: "create-pool", assetA: "USD", assetB: "EUR", feeBps: 30 }], "pool-exists");
  });
});

describe("add-liquidity", () => {
  /** The world with an empty EUR/USD pool. */
  function withEmptyPool(): MemoryLedger {
    const ledger = world();
    runOk(ledger, CAROL, [{ kind: "create-pool", assetA: "EUR", assetB: "USD", feeBps: 30 }], 0n);
    return ledger;
  }

  it("first deposit: isqrt(a * b) shares, both amounts taken, amounts mapped to the pool's order", () => {
    const ledger = withEmptyPool();
    runOk(ledger, ALICE, [{ kind: "add-liquidity", assetA: "USD", assetB: "EUR", amountA: 4000n, amountB: 9000n, minShares: 6000n }]);
    expect(ledger.pool(EUR_USD)).toEqual({ assetA: "EUR", assetB: "USD", reserveA: 9000n, reserveB: 4000n, totalShares: 6000n, feeBps: 30 });
    expect(ledger.shares(EUR_USD, ALICE)).toBe(6000n);
    expect(ledger.balance(ALICE, "EUR")).toBe(991_000n);
    expect(ledger.balance(ALICE, "USD")).toBe(996_000n);
  });

  it("later deposit: proportional shares rounded down, amounts taken rounded up", () => {
    const ledger = withEmptyPool();
    runOk(ledger, ALICE, [{ kind: "add-liquidity", assetA: "USD", assetB: "EUR", amountA: 4000n, amountB: 9000n, minShares: 0n }]);
    // 1001 * 6000 / 9000 = 667.3 -> 667 shares (USD would allow 1500); takes ceil(1000.5) EUR and ceil(444.7) USD.
    runOk(ledger, BOB, [{ kind: "add-liquidity", assetA: "EUR", assetB: "USD", amountA: 1001n, amountB: 1000n, minShares: 667n }]);
    expect(ledger.pool(EUR_USD)).toEqual({ assetA: "EUR", assetB: "USD", reserveA: 10_001n, reserveB: 4445n, totalShares: 6667n, feeBps: 30 });
    expect(ledger.shares(EUR_USD, BOB)).toBe(667n);
    expect(ledger.balance(BOB, "EUR")).toBe(500_000n - 1001n);
    expect(ledger.balance(BOB, "USD")).toBe(500_000n - 445n);
    expect(ledger.sharesHeld(EUR_USD)).toBe(6667n);
  });

  it.each([
    ["the same asset twice", { assetB: "EUR" }],
    ["a negative amount", { amountA: -1n }],
    ["an amount past u64", { amountB: U64_MAX + 1n }],
    ["minShares past u64", { minShares: U64_MAX + 1n }],
  ])("invalid-instruction: %s", (_, change) => {
    const instruction: Instruction = { kind: "add-liquidity", assetA: "EUR", assetB: "USD", amountA: 10n, amountB: 10n, minShares: 0n, ...change };
    expectFailure(worldWithPool(), ALICE, [instruction], "invalid-instruction");
  });

  it("unknown-pool", () => {
    expectFailure(world(), ALICE, [{ kind: "add-liquidity", assetA: "EUR", assetB: "USD", amountA: 10n, amountB: 10n, minShares: 0n }], "unknown-pool");
  });

  it("slippage: no shares minted (first or later deposit), or fewer than minShares", () => {
    expectFailure(withEmptyPool(), ALICE, [{ kind: "add-liquidity", assetA: "EUR", assetB: "USD", amountA: 0n, amountB: 10n, minShares: 0n }], "slippage");
    expectFailure(withEmptyPool(), ALICE, [{ kind: "add-liquidity", assetA: "EUR", assetB: "USD", amountA: 4n, amountB: 9n, minShares: 7n }], "slippage");
    const ledger = worldWithPool();
    // 1 EUR against 1 000 000 EUR for 1 414 213 shares is 1 share; 1 USD against 2 000 000 USD is 0.
    expectFailure(ledger, ALICE, [{ kind: "add-liquidity", assetA: "EUR", assetB: "USD", amountA: 1n, amountB: 1n, minShares: 0n }], "slippage");
    expectFailure(ledger, ALICE, [{ kind: "add-liquidity", assetA: "EUR", assetB: "USD", amountA: 1000n, amountB: 2000n, minShares: 1415n }], "slippage");
    runOk(ledger, ALICE, [{ kind: "add-liquidity", assetA: "EUR", assetB: "USD", amountA: 1000n, amountB: 2000n, minShares: 1414n }]);
  });

  it("insufficient-balance: either asset", () => {
    expectFailure(worldWithPool(), CAROL, [{ kind: "add-liquidity", assetA: "EUR", assetB: "USD", amountA: 10n, amountB: 20n, minShares: 0n }], "insufficient-balance");
    expectFailure(worldWithPool(), BOB, [{ kind: "add-liquidity", assetA: "EUR", assetB: "USD", amountA: 600_000n, amountB: 1_200_000n, minShares: 0n }], "insufficient-balance");
    expectFailure(worldWithPool(), BOB, [{ kind: "add-liquidity", assetA: "USD", assetB: "EUR", amountA: 800_000n, amountB: 400_000n, minShares: 0n }], "insufficient-balance");
  });

  it("overflow: a reserve or the share count past 2^64 - 1 (states only direct writes make)", () => {
    let ledger = world();
    // No shares yet, but a reserve left (as a genesis pool with one empty side leaves).
    ledger.setPool(EUR_USD, { assetA: "EUR", assetB: "USD", reserveA: U64_MAX - 5n, reserveB: 0n, totalShares: 0n, feeBps: 30 });
    expectFailure(ledger, ALICE, [{ kind: "add-liquidity", assetA: "EUR", assetB: "USD", amountA: 10n, amountB: 10n, minShares: 0n }], "overflow");
    ledger = world();
    ledger.setPool(EUR_USD, { assetA: "EUR", assetB: "USD", reserveA: 100n, reserveB: 100n, totalShares: U64_MAX - 5n, feeBps: 30 });
    expectFailure(ledger, ALICE, [{ kind: "add-liquidity", assetA: "EUR", assetB: "USD", amountA: 1n, amountB: 1n, minShares: 0n }], "overflow");
  });

  it("insufficient-liquidity: shares outstanding over an empty reserve (a state only direct writes make)", () => {
    const ledger = world();
    ledger.setPool(EUR_USD, { assetA: "EUR", assetB: "USD", reserveA: 0n, reserveB: 100n, totalShares: 10n, feeBps: 30 });
    expectFailure(ledger, ALICE, [{ kind: "add-liquidity", assetA: "EUR", assetB: "USD", amountA: 1n, amountB: 1n, minShares: 0n }], "insufficient-liquidity");
  });
});

describe("remove-liquidity", () => {
  /** The world with an EUR/USD pool of 9000 EUR, 4000 USD and 6000 shares, all Alice's. */
  function withAlicePool(): MemoryLedger {
    const ledger = world();
    runOk(ledger, ALICE, [
      { kind: "create-pool", assetA: "EUR", assetB: "USD", feeBps: 30 },
      { kind: "add-liquidity", assetA: "USD", assetB: "EUR", amountA: 4000n, amountB: 9000n, minShares: 6000n },
    ]);
    return ledger;
  }

  it("pays each reserve's share rounded down, minimums mapped to the instruction's order", () => {
    const ledger = withAlicePool();
    // 1000 / 6000 of 9000 EUR is 1500; of 4000 USD is 666.7 -> 666.
    runOk(ledger, ALICE, [{ kind: "remove-liquidity", assetA: "USD", assetB: "EUR", shares: 1000n, minA: 666n, minB: 1500n }]);
    expect(ledger.pool(EUR_USD)).toEqual({ assetA: "EUR", assetB: "USD", reserveA: 7500n, reserveB: 3334n, totalShares: 5000n, feeBps: 30 });
    expect(ledger.shares(EUR_USD, ALICE)).toBe(5000n);
    expect(ledger.balance(ALICE, "EUR")).toBe(991_000n + 1500n);
    expect(ledger.balance(ALICE, "USD")).toBe(996_000n + 666n);
  });

  it("all shares empty the pool, which then takes a first deposit again", () => {
    const ledger = withAlicePool();
    runOk(ledger, ALICE, [{ kind: "remove-liquidity", assetA: "EUR", assetB: "USD", shares: 6000n, minA: 9000n, minB: 4000n }]);
    expect(ledger.pool(EUR_USD)).toEqual({ assetA: "EUR", assetB: "USD", reserveA: 0n, reserveB: 0n, totalShares: 0n, feeBps: 30 });
    expect(ledger.entries().some(([key]) => key === stateKey.shares(EUR_USD, ALICE))).toBe(false);
    expect(ledger.balance(ALICE, "EUR")).toBe(1_000_000n);
    runOk(ledger, BOB, [{ kind: "add-liquidity", assetA: "EUR", assetB: "USD", amountA: 1n, amountB: 100n, minShares: 10n }]);
    expect(ledger.shares(EUR_USD, BOB)).toBe(10n);
  });

  it.each([
    ["the same asset twice", { assetB: "EUR" }],
    ["zero shares", { shares: 0n }],
    ["shares past u64", { shares: U64_MAX + 1n }],
    ["a negative minimum", { minA: -1n }],
    ["a minimum past u64", { minB: U64_MAX + 1n }],
  ])("invalid-instruction: %s", (_, change) => {
    const instruction: Instruction = { kind: "remove-liquidity", assetA: "EUR", assetB: "USD", shares: 10n, minA: 0n, minB: 0n, ...change };
    expectFailure(withAlicePool(), ALICE, [instruction], "invalid-instruction");
  });

  it("unknown-pool", () => {
    expectFailure(world(), ALICE, [{ kind: "remove-liquidity", assetA: "EUR", assetB: "USD", shares: 1n, minA: 0n, minB: 0n }], "unknown-pool");
  });

  it("insufficient-balance: more shares than held", () => {
    expectFailure(withAlicePool(), BOB, [{ kind: "remove-liquidity", assetA: "EUR", assetB: "USD", shares: 1n, minA: 0n, minB: 0n }], "insufficient-balance");
    expectFailure(withAlicePool(), ALICE, [{ kind: "remove-liquidity", assetA: "EUR", assetB: "USD", shares: 6001n, minA: 0n, minB: 0n }], "insufficient-balance");
  });

  it("slippage: either minimum, in either order", () => {
    const ledger = withAlicePool();
    expectFailure(ledger, ALICE, [{ kind: "remove-liquidity", assetA: "USD", assetB: "EUR", shares: 1000n, minA: 667n, minB: 0n }], "slippage");
    expectFailure(ledger, ALICE, [{ kind: "remove-liquidity", assetA: "EUR", assetB: "USD", shares: 1000n, minA: 0n, minB: 667n }], "slippage");
    expectFailure(ledger, ALICE, [{ kind: "remove-liquidity", assetA: "EUR", assetB: "USD", shares: 1000n, minA: 1501n, minB: 0n }], "slippage");
    expectFailure(ledger, ALICE, [{ kind: "remove-liquidity", assetA: "USD", assetB: "EUR", shares: 1000n, minA: 0n, minB: 1501n }], "slippage");
  });

  it("overflow: a payout past 2^64 - 1 (a state only direct writes make)", () => {
    const ledger = withAlicePool();
    ledger.setBalance(ALICE, "USD", U64_MAX);
    expectFailure(ledger, ALICE, [{ kind: "remove-liquidity", assetA: "EUR", assetB: "USD", shares: 1000n, minA: 0n, minB: 0n }], "overflow");
  });
});

describe("swap", () => {
  it("pays the fee-adjusted constant-product output; the whole input enters the pool and k grows", () => {
    const ledger = worldWithPool();
    // floor(10 000 * 9970 * 1 000 000 / (2 000 000 * 10 000 + 10 000 * 9970)) = 4960.
    const receipt = runOk(ledger, BOB, [{ kind: "swap", assetIn: "USD", assetOut: "EUR", amountIn: 10_000n, minOut: 4960n }]);
    expect(ledger.pool(EUR_USD)).toEqual({ assetA: "EUR", assetB: "USD", reserveA: 995_040n, reserveB: 2_010_000n, totalShares: isqrt(2_000_000_000_000n), feeBps: 30 });
    expect(ledger.balance(BOB, "USD")).toBe(490_000n);
    expect(ledger.balance(BOB, "EUR")).toBe(504_960n);
    expect(receipt.swaps).toEqual([{ pool: EUR_USD, kBefore: 2_000_000_000_000n, kAfter: 995_040n * 2_010_000n }]);
    expect(receipt.swaps[0]!.kAfter).toBeGreaterThan(receipt.swaps[0]!.kBefore);
    expect(receipt.supplyDelta).toEqual(new Map([[NATIVE_ASSET, -FEE]]));
  });

  it("a round trip never gains, and k never decreases over many swaps", () => {
    const ledger = worldWithPool();
    const eurBefore = ledger.balance(BOB, "EUR");
    const first = runOk(ledger, BOB, [{ kind: "swap", assetIn: "EUR", assetOut: "USD", amountIn: 50_000n, minOut: 0n }]);
    const bought = ledger.balance(BOB, "USD") - 500_000n;
    runOk(ledger, BOB, [{ kind: "swap", assetIn: "USD", assetOut: "EUR", amountIn: bought, minOut: 0n }]);
    expect(ledger.balance(BOB, "EUR")).toBeLessThan(eurBefore);
    let k = first.swaps[0]!.kAfter;
    for (let i = 1; i <= 20; i++) {
      const [assetIn, assetOut] = i % 2 === 0 ? ["EUR", "USD"] : ["USD", "EUR"];
      const receipt = runOk(ledger, ALICE, [{ kind: "swap", assetIn, assetOut, amountIn: BigInt(i * 997), minOut: 0n }]);
      const { kBefore, kAfter } = receipt.swaps[0]!;
      expect(kBefore).toBeGreaterThanOrEqual(k);
      expect(kAfter).toBeGreaterThanOrEqual(kBefore);
      k = kAfter;
    }
  });

  it("records every swap of a transaction, in order", () => {
    const ledger = worldWithPool();
    const receipt = runOk(ledger, ALICE, [
      { kind: "swap", assetIn: "USD", assetOut: "EUR", amountIn: 1000n, minOut: 0n },
      { kind: "swap", assetIn: "EUR", assetOut: "USD", amountIn: 1000n, minOut: 0n },
    ]);
    expect(receipt.swaps).toHaveLength(2);
    expect(receipt.swaps[1]!.kBefore).toBe(receipt.swaps[0]!.kAfter);
  });

  it.each([
    ["the same asset in and out", { assetOut: "USD" }],
    ["a zero amount", { amountIn: 0n }],
    ["an amount past u64", { amountIn: U64_MAX + 1n }],
    ["a negative minOut", { minOut: -1n }],
    ["a minOut past u64", { minOut: U64_MAX + 1n }],
  ])("invalid-instruction: %s", (_, change) => {
    expectFailure(worldWithPool(), ALICE, [{ kind: "swap", assetIn: "USD", assetOut: "EUR", amountIn: 10n, minOut: 0n, ...change }], "invalid-instruction");
  });

  it("unknown-pool", () => {
    expectFailure(world(), ALICE, [{ kind: "swap", assetIn: "USD", assetOut: "EUR", amountIn: 10n, minOut: 0n }], "unknown-pool");
    expectFailure(worldWithPool(), ALICE, [{ kind: "swap", assetIn: "USD", assetOut: NATIVE_ASSET, amountIn: 10n, minOut: 0n }], "unknown-pool");
  });

  it("insufficient-liquidity: an empty pool", () => {
    const ledger = world();
    runOk(ledger, ALICE, [{ kind: "create-pool", assetA: "EUR", assetB: "USD", feeBps: 30 }]);
    expectFailure(ledger, ALICE, [{ kind: "swap", assetIn: "USD", assetOut: "EUR", amountIn: 10n, minOut: 0n }], "insufficient-liquidity");
  });

  it("slippage: an output under minOut, or none at all", () => {
    expectFailure(worldWithPool(), BOB, [{ kind: "swap", assetIn: "USD", assetOut: "EUR", amountIn: 10_000n, minOut: 4961n }], "slippage");
    expectFailure(worldWithPool(), BOB, [{ kind: "swap", assetIn: "USD", assetOut: "EUR", amountIn: 2n, minOut: 0n }], "slippage");
  });

  it("insufficient-balance", () => {
    expectFailure(worldWithPool(), CAROL, [{ kind: "swap", assetIn: "USD", assetOut: "EUR", amountIn: 10n, minOut: 0n }], "insufficient-balance");
    expectFailure(worldWithPool(), BOB, [{ kind: "swap", assetIn: "USD", assetOut: "EUR", amountIn: 500_001n, minOut: 0n }], "insufficient-balance");
  });

  it("overflow: the input reserve or the payout past 2^64 - 1 (states only direct writes make)", () => {
    let ledger = world();
    ledger.setPool(EUR_USD, { assetA: "EUR", assetB: "USD", reserveA: U64_MAX - 5n, reserveB: U64_MAX - 5n, totalShares: 1n, feeBps: 0 });
    expectFailure(ledger, ALICE, [{ kind: "swap", assetIn: "EUR", assetOut: "USD", amountIn: 10n, minOut: 0n }], "overflow");
    ledger = worldWithPool();
    ledger.setBalance(BOB, "EUR", U64_MAX);
    expectFailure(ledger, BOB, [{ kind: "swap", assetIn: "USD", assetOut: "EUR", amountIn: 10_000n, minOut: 0n }], "overflow");
  });
});

describe("atomicity", () => {
  it("a failing second instruction undoes the first; fee and nonce stay", () => {
    const ledger = world();
    const receipt = expectFailure(
      ledger,
      ALICE,
      [
        { kind: "transfer", asset: "USD", to: BOB, amount: 100n },
        { kind: "burn", asset: "USD", amount: 10_000_000n },
      ],
      "insufficient-balance",
      1,
    );
    expect(receipt.nonce).toBe(0n);
    expect(ledger.nonce(ALICE)).toBe(1n);
  });

  it("a failure after mints, pools and swaps keeps only the fee burn", () => {
    const ledger = worldWithPool();
    expectFailure(
      ledger,
      ALICE,
      [
        { kind: "mint", asset: "USD", to: ALICE, amount: 1000n },
        { kind: "create-asset", asset: "GOLD", decimals: 2, mintAuthority: ALICE },
        { kind: "mint", asset: "GOLD", to: ALICE, amount: 1000n },
        { kind: "create-pool", assetA: "GOLD", assetB: "USD", feeBps: 30 },
        { kind: "add-liquidity", assetA: "GOLD", assetB: "USD", amountA: 1000n, amountB: 1000n, minShares: 0n },
        { kind: "swap", assetIn: "USD", assetOut: "EUR", amountIn: 5000n, minOut: 0n },
        { kind: "set-mint-authority", asset: "USD", authority: CAROL },
        { kind: "mint", asset: "USD", to: ALICE, amount: 1n },
      ],
      "unauthorized",
      7,
    );
    expect(ledger.asset("GOLD")).toBeUndefined();
    expect(ledger.journalLength).toBe(3);
  });

  it("a successful transaction applies every instruction", () => {
    const ledger = world();
    const receipt = runOk(ledger, CAROL, [
      { kind: "create-asset", asset: "GOLD", decimals: 2, mintAuthority: CAROL },
      { kind: "mint", asset: "GOLD", to: CAROL, amount: 10_000n },
      { kind: "create-pool", assetA: "GOLD", assetB: NATIVE_ASSET, feeBps: 0 },
      { kind: "add-liquidity", assetA: "GOLD", assetB: NATIVE_ASSET, amountA: 10_000n, amountB: 1000n, minShares: 3162n },
      { kind: "swap", assetIn: NATIVE_ASSET, assetOut: "GOLD", amountIn: 100n, minOut: 909n },
    ]);
    expect(receipt.supplyDelta).toEqual(new Map([[NATIVE_ASSET, -FEE], ["GOLD", 10_000n]]));
    expect(ledger.pool(poolId("GOLD", NATIVE_ASSET))).toEqual({ assetA: NATIVE_ASSET, assetB: "GOLD", reserveA: 1100n, reserveB: 9091n, totalShares: 3162n, feeBps: 0 });
    expect(ledger.balance(CAROL, "GOLD")).toBe(909n);
    expect(ledger.balance(CAROL, NATIVE_ASSET)).toBe(1_000_000n - FEE - 1000n - 100n);
  });
});

describe("property: random transactions", () => {
  const ACCOUNTS = [ALICE, BOB, CAROL] as const;
  const SYMBOLS = [NATIVE_ASSET, "USD", "EUR", "GLD", "BIG", "NEW"] as const;

  /**
   * Native asset, USD (Alice mints), EUR (Bob), GLD (no authority), BIG (Carol,
   * supply 1000 below 2^64 - 1); pools EUR/USD, ASSET/USD, and an empty EUR/GLD.
   */
  function seeded(): MemoryLedger {
    const ledger = new MemoryLedger();
    defineAsset(ledger, NATIVE_ASSET, null, 9);
    defineAsset(ledger, "USD", ALICE);
    defineAsset(ledger, "EUR", BOB);
    defineAsset(ledger, "GLD", null);
    defineAsset(ledger, "BIG", CAROL);
    for (const account of ACCOUNTS) {
      give(ledger, account, NATIVE_ASSET, 100_000n);
      give(ledger, account, "USD", 1_000_000n);
      give(ledger, account, "EUR", 1_000_000n);
      give(ledger, account, "GLD", 5_000n);
    }
    give(ledger, CAROL, "BIG", U64_MAX - 1000n);
    seedPool(ledger, "EUR", "USD", 1_000_000n, 2_000_000n, CAROL, 30);
    seedPool(ledger, NATIVE_ASSET, "USD", 500_000n, 500_000n, ALICE, 0);
    ledger.setPool(poolId("EUR", "GLD"), { assetA: "EUR", assetB: "GLD", reserveA: 0n, reserveB: 0n, totalShares: 0n, feeBps: 100 });
    ledger.discardJournal();
    return ledger;
  }

  const account = fc.constantFrom<AccountId>(...ACCOUNTS);
  const recipient = fc.oneof({ weight: 9, arbitrary: account }, { weight: 1, arbitrary: fc.constant("not-an-account") });
  const symbol = fc.constantFrom<AssetSymbol>(...SYMBOLS);
  const amount = fc.oneof(
    { weight: 6, arbitrary: fc.bigInt({ min: 0n, max: 2000n }) },
    { weight: 3, arbitrary: fc.bigInt({ min: 0n, max: 2_000_000n }) },
    { weight: 1, arbitrary: fc.bigInt({ min: U64_MAX - 2000n, max: U64_MAX + 1n }) },
  );
  /** Two symbols, mostly those of a seeded pool (in either order). */
  const pair = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom<[AssetSymbol, AssetSymbol]>(["EUR", "USD"], ["USD", "EUR"], [NATIVE_ASSET, "USD"], ["USD", NATIVE_ASSET], ["EUR", "GLD"], ["GLD", "EUR"]) },
    { weight: 1, arbitrary: fc.tuple(symbol, symbol) },
  );
  const minimum = fc.oneof({ weight: 4, arbitrary: fc.constant(0n) }, { weight: 1, arbitrary: amount });
  const instruction: fc.Arbitrary<Instruction> = fc.oneof(
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("create-asset" as const), asset: symbol, decimals: fc.integer({ min: -1, max: 19 }), mintAuthority: fc.option(account, { nil: null }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("mint" as const), asset: symbol, to: recipient, amount }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("transfer" as const), asset: symbol, to: recipient, amount }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("burn" as const), asset: symbol, amount }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("set-mint-authority" as const), asset: symbol, authority: fc.option(account, { nil: null }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("create-pool" as const), assetA: symbol, assetB: symbol, feeBps: fc.integer({ min: -1, max: 1001 }) }) },
    { weight: 3, arbitrary: fc
        .tuple(pair, amount, amount, minimum)
        .map(([[assetA, assetB], amountA, amountB, minShares]): Instruction => ({ kind: "add-liquidity", assetA, assetB, amountA, amountB, minShares })) },
    { weight: 3, arbitrary: fc
        .tuple(pair, amount, minimum, minimum)
        .map(([[assetA, assetB], shares, minA, minB]): Instruction => ({ kind: "remove-liquidity", assetA, assetB, shares, minA, minB })) },
    { weight: 5, arbitrary: fc
        .tuple(pair, amount, minimum)
        .map(([[assetIn, assetOut], amountIn, minOut]): Instruction => ({ kind: "swap", assetIn, assetOut, amountIn, minOut })) },
  );
  const transaction = fc.record({
    sender: account,
    fee: fc.oneof(fc.bigInt({ min: 0n, max: 20n }), fc.constant(200_000n)),
    nonceSkew: fc.oneof({ weight: 9, arbitrary: fc.constant(0n) }, { weight: 1, arbitrary: fc.constantFrom(-1n, 1n) }),
    instructions: fc.array(instruction, { minLength: 1, maxLength: 4 }),
  });


  it("conserve every asset, never decrease k on swaps nor k per share squared, never go negative or past u64", () => {
    fc.assert(
      fc.property(fc.array(transaction, { minLength: 1, maxLength: 25 }), (txs) => {
        const ledger = seeded();
        const expectedSupply = new Map(ledger.assets().map((a) => [a.symbol, a.supply]));
        for (const { sender, fee, nonceSkew, instructions } of txs) {
          const body: TransactionBody = { sender, nonce: ledger.nonce(sender) + nonceSkew, fee, instructions };
          const before = ledger.entries();
          const poolsBefore = new Map(ledger.pools());
          const inadmissible = admissionError(ledger, body);
          if (inadmissible !== undefined) {
            expect(["bad-nonce", "insufficient-fee", "invalid-instruction"]).toContain(inadmissible);
            expect(() => executeTransaction(ledger, body, "00")).toThrow(Error);
            expect(ledger.entries()).toEqual(before);
            continue;
          }
          const receipt = executeTransaction(ledger, body, "00");
          for (const [asset, delta] of receipt.supplyDelta) {
            expect(delta).not.toBe(0n);
            expectedSupply.set(asset, (expectedSupply.get(asset) ?? 0n) + delta);
          }
          if (receipt.status !== "ok") expect(ledger.entries()).toEqual(withOnlyFeeAndNonce(before, sender, fee));
          for (const swap of receipt.swaps) expect(swap.kAfter).toBeGreaterThanOrEqual(swap.kBefore);

          const liquidityChanged = receipt.status === "ok" && instructions.some((i) => i.kind === "add-liquidity" || i.kind === "remove-liquidity");
          for (const [id, after] of ledger.pools()) {
            const prior = poolsBefore.get(id);
            if (prior === undefined) continue;
            // Swaps alone never decrease k; nothing ever lowers k per share squared (k / T^2), what a share is worth.
            const kAfter = after.reserveA * after.reserveB;
            const kPrior = prior.reserveA * prior.reserveB;
            if (!liquidityChanged) expect(kAfter).toBeGreaterThanOrEqual(kPrior);
            if (prior.totalShares > 0n && after.totalShares > 0n) {
              expect(kAfter * prior.totalShares * prior.totalShares).toBeGreaterThanOrEqual(kPrior * after.totalShares * after.totalShares);
            }
            expect(ledger.sharesHeld(id)).toBe(after.totalShares);
            for (const value of [after.reserveA, after.reserveB, after.totalShares]) expect(value >= 0n && value <= U64_MAX).toBe(true);
          }
          for (const [, value] of ledger.entries()) if (typeof value === "bigint") expect(value > 0n && value <= U64_MAX).toBe(true);
          for (const info of ledger.assets()) {
            expect(info.supply >= 0n && info.supply <= U64_MAX).toBe(true);
            expect(ledger.held(info.symbol)).toBe(info.supply);
            expect(info.supply).toBe(expectedSupply.get(info.symbol) ?? 0n);
          }
          ledger.discardJournal();
        }
      }),
      { numRuns: 200 },
    );
  });
});

/** The layered, Merkle-committed ledger state: versions, forks, commits, proofs. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toHex } from "../../src/crypto/hash.js";
import { verifyProof } from "../../src/crypto/sparse-merkle.js";
import { LedgerState } from "../../src/vm/ledger-state.js";
import { admissionError, executeTransaction } from "../../src/vm/execute.js";
import { MemoryLedger } from "../../src/vm/memory-ledger.js";
import { decodeStateValue, stateKey, stateKeyBytes } from "../../src/vm/state-keys.js";
import { NATIVE_ASSET, poolId, type AssetInfo, type Instruction, type PoolState } from "../../src/vm/types.js";

const acct = (n: number): string => n.toString(16).padStart(64, "0");

describe("ledger state", () => {
  it("the root depends on the entries only, not on how blocks layered them", () => {
    const layered = new LedgerState();
    let top = layered.committed;
    for (let b = 0; b < 3; b++) {
      const w = layered.begin(top);
      for (let i = 0; i < 5; i++) w.setBalance(acct(b * 5 + i), "ASSET", BigInt(100 + i));
      w.setBalance(acct(0), "ASSET", BigInt(b)); // overwritten in every block, deleted in the first (0n)
      top = w.finish(b + 1);
    }
    const flat = new LedgerState();
    const w = flat.begin(flat.committed);
    for (let i = 0; i < 15; i++) w.setBalance(acct(i), "ASSET", BigInt(100 + (i % 5)));
    w.setBalance(acct(0), "ASSET", 2n);
    const one = w.finish(1);
    expect(toHex(top.root)).toBe(toHex(one.root));
    expect(top.balance(acct(0), "ASSET")).toBe(2n);
    expect(top.balance(acct(7), "ASSET")).toBe(102n);
  });

  it("a speculative version leaves the committed state alone; reverting a mark undoes writes", () => {
    const ledger = new LedgerState();
    const emptyRoot = toHex(ledger.committed.root);
    const w = ledger.begin(ledger.committed);
    w.setNonce(acct(1), 1n);
    const mark = w.mark();
    w.setBalance(acct(1), "USDC", 5n);
    w.setNonce(acct(1), 9n);
    w.revertTo(mark);
    expect(w.balance(acct(1), "USDC")).toBe(0n);
    expect(w.nonce(acct(1))).toBe(1n);
    const layer = w.finish(1);
    expect(ledger.committed.nonce(acct(1))).toBe(0n);
    expect(toHex(ledger.committed.root)).toBe(emptyRoot);
    expect(layer.nonce(acct(1))).toBe(1n);
  });

  it("commits one fork, reads through the committed layer from its child, and refuses to commit the abandoned sibling", () => {
    const ledger = new LedgerState();
    const a = ledger.begin(ledger.committed);
    a.setBalance(acct(1), "ASSET", 10n);
    const left = a.finish(1);
    const b = ledger.begin(ledger.committed);
    b.setBalance(acct(1), "ASSET", 20n);
    const right = b.finish(1);
    const c = ledger.begin(left);
    c.setBalance(acct(2), "ASSET", 30n);
    const child = c.finish(2);

    ledger.commit(left);
    expect(ledger.committed.balance(acct(1), "ASSET")).toBe(10n);
    expect(toHex(ledger.committed.root)).toBe(toHex(left.root));
    expect(child.balance(acct(1), "ASSET")).toBe(10n);
    expect(() => ledger.commit(right)).toThrow(/does not extend the committed height 1/);
    ledger.commit(child);
    expect(ledger.committed.balance(acct(2), "ASSET")).toBe(30n);
    expect(ledger.committed.height).toBe(2);
  });

  it("proves committed entries and absent keys against the committed root", () => {
    const ledger = new LedgerState();
    const w = ledger.begin(ledger.committed);
    w.setBalance(acct(1), "ASSET", 42n);
    w.setAsset({ symbol: "ASSET", decimals: 9, mintAuthority: null, supply: 42n });
    ledger.commit(w.finish(1));
    const key = stateKey.balance(acct(1), "ASSET");
    const present = ledger.proveCommitted(key);
    expect(present.value).toBeDefined();
    expect(decodeStateValue(key, present.value!)).toBe(42n);
    expect(verifyProof(present.root, stateKeyBytes(key), present.value, present.proof)).toBe(true);
    const absentKey = stateKey.balance(acct(2), "ASSET");
    const absent = ledger.proveCommitted(absentKey);
    expect(absent.value).toBeUndefined();
    expect(verifyProof(absent.root, stateKeyBytes(absentKey), undefined, absent.proof)).toBe(true);
    expect(verifyProof(absent.root, stateKeyBytes(absentKey), present.value, absent.proof)).toBe(false);
    expect(decodeStateValue(stateKey.asset("ASSET"), ledger.proveCommitted(stateKey.asset("ASSET")).value!)).toEqual({ symbol: "ASSET", decimals: 9, mintAuthority: null, supply: 42n });
  });

  it("audits balances and pool reserves against each asset's supply", () => {
    const ledger = new LedgerState();
    const w = ledger.begin(ledger.committed);
    w.setBalance(acct(1), "ASSET", 40n);
    w.setBalance(acct(2), "USDC", 7n);
    w.setPool("ASSET/USDC", { assetA: "ASSET", assetB: "USDC", reserveA: 2n, reserveB: 3n, totalShares: 2n, feeBps: 30 });
    w.setAsset({ symbol: "ASSET", decimals: 9, mintAuthority: null, supply: 42n });
    w.setAsset({ symbol: "USDC", decimals: 6, mintAuthority: acct(1), supply: 11n });
    ledger.commit(w.finish(1));
    expect(ledger.auditSupply()).toEqual(
      new Map([
        ["ASSET", { held: 42n, supply: 42n }],
        ["USDC", { held: 10n, supply: 11n }],
      ]),
    );
  });
});

describe("ledger state against the reference ledger", () => {
  const accounts = [1, 2, 3].map(acct);
  const ins = fc.oneof(
    fc.record({ to: fc.constantFrom(...accounts), amount: fc.bigInt({ min: 0n, max: 3_000n }) }).map(({ to, amount }): Instruction => ({ kind: "transfer", asset: NATIVE_ASSET, to, amount })),
    fc.record({ to: fc.constantFrom(...accounts), amount: fc.bigInt({ min: 0n, max: 3_000n }) }).map(({ to, amount }): Instruction => ({ kind: "mint", asset: "USDC", to, amount })),
    fc.record({ to: fc.constantFrom(...accounts), amount: fc.bigInt({ min: 0n, max: 3_000n }) }).map(({ to, amount }): Instruction => ({ kind: "transfer", asset: "USDC", to, amount })),
    fc.bigInt({ min: 0n, max: 500n }).map((amount): Instruction => ({ kind: "burn", asset: "USDC", amount })),
    fc.constant<Instruction>({ kind: "create-pool", assetA: NATIVE_ASSET, assetB: "USDC", feeBps: 30 }),
    fc.record({ a: fc.bigInt({ min: 1n, max: 2_000n }), b: fc.bigInt({ min: 1n, max: 2_000n }) }).map(({ a, b }): Instruction => ({ kind: "add-liquidity", assetA: NATIVE_ASSET, assetB: "USDC", amountA: a, amountB: b, minShares: 0n })),
    fc.bigInt({ min: 1n, max: 500n }).map((amountIn): Instruction => ({ kind: "swap", assetIn: "USDC", assetOut: NATIVE_ASSET, amountIn, minOut: 0n })),
  );
  const tx = fc.record({ sender: fc.nat(2), instructions: fc.array(ins, { minLength: 1, maxLength: 3 }) });

  it("executing the same transactions, block by block, gives the reference ledger's balances, and roots that depend only on the result (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.array(tx, { maxLength: 6 }), { minLength: 1, maxLength: 5 }), (blocks) => {
        const reference = new MemoryLedger();
        const ledger = new LedgerState();
        const genesis = ledger.begin(ledger.committed);
        for (const w of [reference, genesis]) {
          for (const a of accounts) w.setBalance(a, NATIVE_ASSET, 10_000n);
          w.setAsset({ symbol: NATIVE_ASSET, decimals: 9, mintAuthority: null, supply: 30_000n });
          w.setAsset({ symbol: "USDC", decimals: 6, mintAuthority: accounts[0]!, supply: 0n });
        }
        ledger.commitGenesis(genesis.finish(0));
        let n = 0;
        for (const block of blocks) {
          const w = ledger.begin(ledger.committed);
          for (const t of block) {
            const sender = accounts[t.sender]!;
            const body = { sender, nonce: reference.nonce(sender), fee: 3n, instructions: t.instructions };
            expect(admissionError(w, body)).toBe(admissionError(reference, body));
            if (admissionError(reference, body) !== undefined) continue;
            const a = executeTransaction(reference, body, String(n));
            const b = executeTransaction(w, body, String(n++));
            expect(b.status).toBe(a.status);
          }
          ledger.commit(w.finish(ledger.committed.height + 1));
        }
        for (const a of accounts) {
          expect(ledger.committed.nonce(a)).toBe(reference.nonce(a));
          for (const asset of [NATIVE_ASSET, "USDC"]) expect(ledger.committed.balance(a, asset)).toBe(reference.balance(a, asset));
          expect(ledger.committed.shares(poolId(NATIVE_ASSET, "USDC"), a)).toBe(reference.shares(poolId(NATIVE_ASSET, "USDC"), a));
        }
        expect(ledger.committed.pool(poolId(NATIVE_ASSET, "USDC"))).toEqual(reference.pool(poolId(NATIVE_ASSET, "USDC")));
        for (const [asset, { held, supply }] of ledger.auditSupply()) {
          expect(held, asset).toBe(supply);
          expect(supply, asset).toBe(reference.asset(asset)!.supply);
        }
        // The same final entries written in one block from scratch give the same root.
        const flat = new LedgerState();
        const w = flat.begin(flat.committed);
        for (const [key, value] of reference.entries()) {
          if (key.startsWith("n:")) w.setNonce(key.slice(2), value as bigint);
          else if (key.startsWith("b:")) {
            const [, account, asset] = key.split(":");
            w.setBalance(account!, asset!, value as bigint);
          } else if (key.startsWith("a:")) w.setAsset(value as AssetInfo);
          else if (key.startsWith("p:")) w.setPool(key.slice(2), value as PoolState);
          else if (key.startsWith("s:")) {
            const parts = key.split(":");
            w.setShares(parts[1]!, parts[2]!, value as bigint);
          }
        }
        expect(toHex(w.finish(1).root)).toBe(toHex(ledger.committed.root));
      }),
      { numRuns: 100 },
    );
  });
});

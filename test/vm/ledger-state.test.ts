/** The layered, Merkle-committed ledger state: versions, forks, commits, proofs. */
import { describe, expect, it } from "vitest";
import { toHex } from "../../src/crypto/hash.js";
import { verifyProof } from "../../src/crypto/sparse-merkle.js";
import { LedgerState } from "../../src/vm/ledger-state.js";
import { decodeStateValue, stateKey, stateKeyBytes } from "../../src/vm/state-keys.js";

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

/**
 * The AssetVM rollup behind ChainExecutor (`src/sbcp/assetvm/`): an xT moves
 * an asset between two AssetVM chains through mailbox-write and mailbox-read
 * (a read that misses waits, then succeeds with the CIRC message), the block
 * replays to the same state root on a fresh chain, the fee mempool holds a
 * nonce gap until it fills, bad signatures and failing parts are refused; and
 * in the framework, `sbcp-mailbox` compares every read with the destination
 * state's inbox and catches a broken executor (built here) whose inbox entry
 * differs from the message read; conservation per asset holds.
 */
import { describe, expect, it } from "vitest";
import { toHex } from "../../src/crypto/hash.js";
import { createSignatureScheme } from "../../src/crypto/schemes.js";
import { AssetVmExecutor } from "../../src/sbcp/assetvm/assetvm-executor.js";
import type { CircRead } from "../../src/sbcp/execution.js";
import { signTransaction } from "../../src/vm/tx-codec.js";
import type { Instruction } from "../../src/vm/types.js";
import { assetVmGenesis, sbcpAccountKeys } from "../../src/systems/sbcp/accounts.js";
import { SBCP_EVENTS } from "../../src/systems/sbcp/events.js";
import { rawScenario, runScenario, scenario } from "../helpers/scenario.js";

const XT = new Uint8Array(32).fill(7);

function twoChains() {
  const scheme = createSignatureScheme("sim");
  const rollup = (chainId: number, asset: string) => ({ name: `seq${chainId}`, chainId, genesis: { asset, accounts: 3, balance: 1_000 } });
  const rollups = [rollup(1, "USD"), rollup(2, "EUR")];
  const chain = (i: 0 | 1) => new AssetVmExecutor({ chainId: rollups[i]!.chainId, genesis: assetVmGenesis(scheme, rollups[i]!, rollups), scheme });
  const keys = (i: number) => sbcpAccountKeys(scheme, i);
  const id = (i: number) => toHex(keys(i).publicKey);
  const sign = (account: number, nonce: bigint, instructions: Instruction[]) => signTransaction({ sender: id(account), nonce, fee: 0n, instructions }, keys(account).secretKey, scheme);
  return { scheme, chain, id, sign, keys };
}

describe("AssetVM executor", () => {
  it("an xT moves USD from chain 1 to chain 2: write burns and sends the CIRC message, the read waits for it, then mints; blocks replay to the same root", () => {
    const { chain, id, sign } = twoChains();
    const source = chain(0);
    const destination = chain(1);
    const write = sign(1, 0n, [{ kind: "mailbox-write", destination: 2, session: 9n, to: id(2), asset: "USD", amount: 300n }]);
    const read = sign(3, 0n, [{ kind: "mailbox-read", source: 1, session: 9n }]);
    const simulated = source.simulateXt([write], [], XT);
    expect(simulated.outcome).toBe("success");
    expect(simulated.writes).toHaveLength(1);
    expect(source.balance(id(1), "USD")).toBe(1_000n); // simulation leaves the draft alone
    expect(destination.simulateXt([read], [], XT)).toEqual({ outcome: "waiting", writes: [], missing: [{ SourceChainID: 1, SessionID: 9, Label: "transfer" }] });
    const circ: CircRead = { SourceChainID: 1, ...simulated.writes[0]! };
    expect(destination.simulateXt([read], [circ], XT).outcome).toBe("success");
    source.applyXt([write], [], XT);
    const applied = destination.applyXt([read], [circ], XT);
    expect(applied).toHaveLength(2); // the mailbox-populating entry, then the read
    expect(source.supply()).toEqual({ EUR: 0, USD: 2_700 });
    expect(destination.supply()).toEqual({ EUR: 3_000, USD: 300 });
    expect(destination.balance(id(2), "USD")).toBe(300n);
    expect(destination.inboxContent(1, 9)).toEqual({ Source: circ.Source, Receiver: circ.Receiver, Data: circ.Data });
    expect(source.outbox(2, 9n)?.amount).toBe(300n);
    // The read cannot be replayed: a second part reading session 9 fails (the populate finds the entry, the read is consumed).
    expect(destination.simulateXt([sign(3, 1n, [{ kind: "mailbox-read", source: 1, session: 9n }])], [], XT)).toMatchObject({ outcome: "failure", reason: expect.stringMatching(/mailbox-replayed/) });
    const sealed = destination.seal();
    const fresh = chain(1);
    expect(fresh.replayBlock(sealed.block)).toBeUndefined();
    expect(fresh.snapshot().stateRoot).toEqual(sealed.stateRoot);
    // A block whose root was tampered does not replay, and leaves the state as it was.
    const other = chain(1);
    const tampered = sealed.block.slice();
    tampered[tampered.length - 1]! ^= 1;
    expect(other.replayBlock(tampered)).toMatch(/state root differs/);
    expect(other.snapshot().stateRoot).toEqual(chain(1).snapshot().stateRoot);
  });

  it("failures vote false: insufficient balance, a bad nonce, a bad signature; a CIRC message of another shape", () => {
    const { chain, id, sign, scheme } = twoChains();
    const source = chain(0);
    expect(source.simulateXt([sign(1, 0n, [{ kind: "mailbox-write", destination: 2, session: 1n, to: id(2), asset: "USD", amount: 5_000n }])], [], XT)).toMatchObject({ outcome: "failure", reason: expect.stringMatching(/insufficient-balance/) });
    expect(source.simulateXt([sign(1, 4n, [{ kind: "mailbox-write", destination: 2, session: 1n, to: id(2), asset: "USD", amount: 5n }])], [], XT)).toMatchObject({ outcome: "failure", reason: "inadmissible: bad-nonce" });
    const forged = signTransaction({ sender: id(1), nonce: 0n, fee: 0n, instructions: [{ kind: "transfer", asset: "USD", to: id(2), amount: 1n }] }, sbcpAccountKeys(scheme, 2).secretKey, scheme);
    expect(source.applyLocal(forged)).toBe("bad-signature");
    const circ: CircRead = { SourceChainID: 2, Source: [new Uint8Array(20)], Receiver: [new Uint8Array(32)], SessionID: 1, Label: "transfer", Data: [] };
    expect(source.simulateXt([sign(3, 0n, [{ kind: "mailbox-read", source: 2, session: 1n }])], [circ], XT).outcome).toBe("failure");
  });

  it("the fee mempool holds a nonce gap until it fills, then includes both in nonce order", () => {
    const { chain, id, sign } = twoChains();
    const c = chain(0);
    const second = sign(1, 1n, [{ kind: "transfer", asset: "USD", to: id(2), amount: 10n }]);
    const first = sign(1, 0n, [{ kind: "transfer", asset: "USD", to: id(2), amount: 20n }]);
    expect(c.applyLocal(second)).toBeUndefined();
    expect(c.mempoolSize).toBe(1);
    expect(c.balance(id(2), "USD")).toBe(1_000n);
    expect(c.applyLocal(first)).toBeUndefined();
    expect(c.mempoolSize).toBe(0);
    expect(c.nonce(id(1))).toBe(2n);
    expect(c.balance(id(2), "USD")).toBe(1_030n);
    expect(c.applyLocal(first)).toBe("mempool: nonce-too-low");
    // Many sealed blocks: the versions are folded (reads stay short), the roots match a replay from genesis.
    const replica = chain(0);
    for (let n = 2n; n < 80n; n++) {
      expect(c.applyLocal(sign(1, n, [{ kind: "transfer", asset: "USD", to: id(3), amount: 1n }]))).toBeUndefined();
      const { block, stateRoot } = c.seal();
      expect(replica.replayBlock(block)).toBeUndefined();
      expect(replica.snapshot().stateRoot).toEqual(stateRoot);
    }
    expect(c.balance(id(3), "USD")).toBe(1_078n);
    expect(c.balance(id(1), "USD")).toBe(1_000n - 30n - 78n);
    // Restoring the genesis snapshot drops the draft.
    const genesis = chain(0).snapshot();
    c.restore(genesis);
    expect(c.balance(id(2), "USD")).toBe(1_000n);
    expect(c.balance(id(3), "USD")).toBe(1_000n);
  });
});

describe("AssetVM rollups in the sbcp system", () => {
  const quick = () => scenario("sbcp-quickstart", { duration: "40s" });

  it("sbcp-mailbox compares every read with the destination state's inbox; conservation per asset holds", () => {
    let stateReads = 0;
    const report = runScenario(quick(), {
      observer: (o) => {
        if (SBCP_EVENTS.is(o, "sbcp-circ-read") && typeof o.fields.state === "string") stateReads++;
      },
    });
    expect(report.exitCode).toBe(0);
    const mailbox = report.invariants.find((r) => r.name === "sbcp-mailbox")!;
    expect(mailbox.ok).toBe(true);
    expect(mailbox.figures.readsCheckedAgainstState).toBe(stateReads);
    expect(stateReads).toBeGreaterThan(5);
    expect(report.invariants.find((r) => r.name === "sbcp-conservation")?.ok).toBe(true);
    expect(rawScenario("sbcp-quickstart").sbcp).toBeDefined();
  });

  it("a broken executor built here (its inbox entry holds one unit more than the message read) is caught by sbcp-mailbox", () => {
    const proto = AssetVmExecutor.prototype as unknown as { applyXt(txs: readonly Uint8Array[], inbox: readonly CircRead[], xTid: Uint8Array): Uint8Array[] };
    const original = proto.applyXt;
    proto.applyXt = function (this: AssetVmExecutor, txs, inbox, xTid) {
      const appended = original.call(this, txs, inbox, xTid);
      const writer = (this as unknown as { writer: { inbox(s: number, n: bigint): { amount: bigint } | undefined; setInbox(s: number, n: bigint, m: object): void } }).writer;
      for (const read of inbox) {
        const entry = writer.inbox(read.SourceChainID, BigInt(read.SessionID))!;
        writer.setInbox(read.SourceChainID, BigInt(read.SessionID), { ...entry, amount: entry.amount + 1n });
      }
      return appended;
    };
    try {
      const report = runScenario(quick());
      expect(report.violation?.invariant).toBe("sbcp-mailbox");
      expect(report.violation?.message).toMatch(/state holds another inbox entry for the CIRC message of chain \d, session \d+ it read/);
    } finally {
      proto.applyXt = original;
    }
  });
});

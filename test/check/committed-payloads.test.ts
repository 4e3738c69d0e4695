/**
 * The checkers' shared decoding of committed payloads (`check/validators/committed-payloads.ts`):
 * decoded once for equal bytes, decoded again for other bytes at the same height, and a checker sharing
 * it still catches an honest (but broken) validator that commits a different payload at a height a
 * byzantine validator committed first. A cache keyed by height alone, built here, would miss it.
 */
import { describe, expect, it } from "vitest";
import type { Observation } from "../../src/check/checker.js";
import { CommittedPayloads, PAYLOADS_KEPT, type DecodedPayload } from "../../src/check/validators/committed-payloads.js";
import { ReferenceLedgerChecker } from "../../src/check/validators/reference-ledger.js";
import { ValidityChecker } from "../../src/check/validators/validity.js";
import { toHex } from "../../src/crypto/hash.js";
import { createSignatureScheme } from "../../src/crypto/schemes.js";
import { encodeBlockPayload } from "../../src/sequencer/block-payload.js";
import { MetricsCollector } from "../../src/systems/validators/metrics.js";
import type { Genesis } from "../../src/vm/genesis.js";
import { signTransaction, transactionId } from "../../src/vm/tx-codec.js";

const scheme = createSignatureScheme("sim");
const alice = scheme.keyPairFromSeed(new Uint8Array(32).fill(1));
const sender = toHex(alice.publicKey);
const tx = (nonce: bigint, amount = 1n): Uint8Array =>
  signTransaction({ sender, nonce, fee: 1n, instructions: [{ kind: "burn", asset: "ASSET", amount }] }, alice.secretKey, scheme);
const payload = (height: number, txs: Uint8Array[]): Uint8Array => encodeBlockPayload({ height, parent: new Uint8Array(32), stateRoot: new Uint8Array(32), txs });
const obs = (timeUs: number, node: string, event: string, fields: Record<string, unknown>): Observation => ({ timeUs, node, event, fields });
const forge = (bytes: Uint8Array): Uint8Array => {
  const out = bytes.slice();
  out[out.length - 1]! ^= 1;
  return out;
};

/** A broken cache (built only here): it answers by the payload's height, not by its bytes. */
class HeightKeyedPayloads extends CommittedPayloads {
  private readonly byHeight = new Map<number, DecodedPayload>();
  override decode(bytes: Uint8Array): DecodedPayload {
    const fresh = super.decode(bytes);
    const height = fresh.ok ? fresh.height : -1;
    const kept = this.byHeight.get(height);
    if (kept !== undefined) return kept;
    this.byHeight.set(height, fresh);
    return fresh;
  }
}

describe("committed payloads, decoded once", () => {
  it("decodes equal bytes once (another copy of them included) and other bytes again", () => {
    const payloads = new CommittedPayloads();
    const p = payload(1, [tx(0n), tx(1n)]);
    const first = payloads.decode(p);
    expect(payloads.decode(p.slice())).toBe(first);
    expect(payloads.decodings).toBe(1);
    expect(first).toMatchObject({ ok: true, height: 1 });
    if (!first.ok) throw new Error("unreachable");
    expect(first.txs.map((t) => t.id)).toEqual([transactionId(tx(0n)), transactionId(tx(1n))]);
    expect(first.txs[1]!.tx?.nonce).toBe(1n);

    const other = payloads.decode(payload(1, [tx(0n), tx(1n, 2n)]));
    expect(payloads.decodings).toBe(2);
    expect(other).not.toBe(first);
  });

  it("does not hand out a decoding for bytes changed in place after it was made", () => {
    const payloads = new CommittedPayloads();
    const p = payload(1, [tx(0n)]);
    const first = payloads.decode(p);
    p[p.length - 1]! ^= 1;
    const again = payloads.decode(p);
    expect(again).not.toBe(first);
    expect(again.ok && again.txs[0]!.raw).toEqual(forge(tx(0n)));
  });

  it("keeps the last few decodings only", () => {
    const payloads = new CommittedPayloads();
    const ps = Array.from({ length: PAYLOADS_KEPT + 1 }, (_, i) => payload(i + 1, [tx(BigInt(i))]));
    for (const p of ps) payloads.decode(p);
    payloads.decode(ps[PAYLOADS_KEPT]!);
    expect(payloads.decodings).toBe(PAYLOADS_KEPT + 1);
    payloads.decode(ps[0]!);
    expect(payloads.decodings).toBe(PAYLOADS_KEPT + 2);
  });

  it("reports a payload or a transaction that does not decode with the codec's message", () => {
    const payloads = new CommittedPayloads();
    expect(payloads.decode(new Uint8Array([1, 2, 3]))).toMatchObject({ ok: false });
    const bad = payloads.decode(payload(1, [new Uint8Array([9])]));
    expect(bad.ok && bad.txs[0]).toMatchObject({ tx: undefined, error: expect.any(String) });
  });
});

describe("a broken validator committing a different payload at a height is still caught", () => {
  // v9 is byzantine: the metrics time its commit (every validator instance counts there), the checkers do not
  // judge it. It commits height 1 first; honest v0 then commits another payload at height 1 (a forged signature).
  const good = payload(1, [tx(0n)]);
  const broken = payload(1, [forge(tx(0n))]);
  const run = (payloads: CommittedPayloads) => {
    const metrics = new MetricsCollector(false, new Set(["v0", "v9"]), payloads);
    const validity = new ValidityChecker(scheme, new Set(["v0"]), payloads);
    for (const t of [tx(0n), forge(tx(0n))]) {
      const submit = obs(0, "c0", "submit", { txId: transactionId(t), to: "v0", kind: "transfer", account: sender, nonce: 0 });
      metrics.observe(submit);
      validity.observe(submit);
    }
    for (const [node, bytes] of [["v9", good] as const, ["v0", broken] as const]) {
      const o = obs(10, node, "commit", { height: 1, view: 1, hash: "ab".repeat(32), payload: bytes });
      metrics.observe(o);
      const violation = validity.observe(o);
      if (violation !== undefined) return violation;
    }
    return undefined;
  };

  it("validity, sharing the cache with the metrics, reports v0's forged signature", () => {
    expect(run(new CommittedPayloads())?.message).toMatch(/height 1: transaction [0-9a-f]{16} has an invalid signature/);
  });

  it("with a cache keyed by height (the broken variant) it would have passed", () => {
    expect(run(new HeightKeyedPayloads())).toBeUndefined();
  });

  it("reference-ledger executes the payload the honest validator committed, not the byzantine one's", () => {
    // The byzantine payload (timed by the metrics first) is admissible; the honest one has a nonce gap, which the
    // reference model refuses. A height-keyed cache would hand the checker the byzantine decoding.
    const genesis: Genesis = { assets: [{ symbol: "ASSET", decimals: 0, mintAuthority: null, balances: [[sender, 1_000n]] }], pools: [] };
    const judge = (payloads: CommittedPayloads) => {
      const checker = new ReferenceLedgerChecker(genesis, () => [], new Set(["v0"]), payloads);
      const metrics = new MetricsCollector(false, new Set(["v0", "v9"]), payloads);
      const commitOf = (node: string, bytes: Uint8Array) => obs(10, node, "commit", { height: 1, view: 1, hash: "ab".repeat(32), payload: bytes });
      metrics.observe(commitOf("v9", payload(1, [tx(0n)])));
      return checker.observe(commitOf("v0", payload(1, [tx(1n)])));
    };
    expect(judge(new CommittedPayloads())?.message).toMatch(/height 1: transaction 0 \([0-9a-f]{16}\) is inadmissible on the reference model \(bad-nonce\)/);
    expect(judge(new HeightKeyedPayloads())).toBeUndefined();
  });
});

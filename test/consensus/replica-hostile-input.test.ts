/**
 * Hostile input: whatever well-formed but wrong messages a replica receives
 * (bad signatures, unknown blocks, wrong senders, stale or far-future views,
 * unsolicited block responses, garbage application data, and correctly signed
 * votes and timeouts for arbitrary views), it never throws, never breaks its
 * own invariants, and never votes twice in a view. fast-check, bounded runs.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Application } from "../../src/consensus/application.js";
import { blockHash, proposalSigningBytes, timeoutSigningBytes, voteSigningBytes } from "../../src/consensus/block-hash.js";
import { GENESIS_BLOCK, GENESIS_QC } from "../../src/consensus/genesis.js";
import { HotStuffReplica } from "../../src/consensus/replica.js";
import type { Block, QuorumCertificate, ValidatorMessage } from "../../src/consensus/types.js";
import { ValidatorSet } from "../../src/consensus/validator-set.js";
import { createSimSignatureScheme } from "../../src/crypto/sim-signature.js";
import { SimDisk } from "../../src/storage/sim-disk.js";
import { fakeContext } from "../helpers/fake-context.js";

const scheme = createSimSignatureScheme();
const keys = [0, 1, 2, 3].map((i) => scheme.keyPairFromSeed(new Uint8Array(32).fill(i + 1)));
const validators = new ValidatorSet(keys.map((k, i) => ({ id: `v${i}`, publicKey: k.publicKey })), scheme);
const acceptAll: Application = { onAppMessage: () => {}, buildPayload: () => new Uint8Array(0), verifyPayload: () => true, commit: () => {}, restoreCommitted: () => {} };

const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
const view = fc.integer({ min: 0, max: 40 });
const signer = fc.integer({ min: 0, max: 3 });
const garbageSignatures = fc.array(fc.record({ signer: fc.integer({ min: 0, max: 5 }), signature: fc.uint8Array({ maxLength: 40 }) }), { maxLength: 5 });
const qc: fc.Arbitrary<QuorumCertificate> = fc.oneof(
  fc.constant(GENESIS_QC),
  fc.record({ view, height: fc.integer({ min: 0, max: 40 }), blockHash: hash, signatures: garbageSignatures }),
);

function block(fields: Omit<Block, "hash">): Block {
  return { ...fields, hash: blockHash(fields) };
}

/** Messages and their sender; some are correctly signed so they reach deep into the replica. */
const message: fc.Arbitrary<{ from: string; msg: ValidatorMessage }> = fc.oneof(
  { depthSize: "small" },
  // A proposal extending genesis, signed by the view's leader (sometimes by someone else), with a real TC when needed.
  fc.record({ v: fc.integer({ min: 1, max: 8 }), wrongSigner: fc.boolean(), ts: fc.integer({ min: 1, max: 10_000_000 }), payload: fc.uint8Array({ maxLength: 16 }) }).map(({ v, wrongSigner, ts, payload }) => {
    const leader = v % 4;
    const b = block({ view: v, height: 1, parentHash: GENESIS_BLOCK.hash, justify: GENESIS_QC, proposer: leader, timestampUs: ts, payload });
    const tc = v === 1 ? undefined : { view: v - 1, entries: [0, 1, 2].map((i) => ({ signer: i, highQCView: 0, signature: scheme.sign(keys[i]!.secretKey, timeoutSigningBytes(v - 1, 0)) })) };
    const signatureKey = keys[wrongSigner ? (leader + 1) % 4 : leader]!.secretKey;
    return { from: `v${leader}`, msg: { type: "proposal", block: b, ...(tc ? { tc } : {}), signature: scheme.sign(signatureKey, proposalSigningBytes(b.hash)) } as ValidatorMessage };
  }),
  // A proposal with arbitrary fields and a garbage signature.
  fc.record({ v: view, h: fc.integer({ min: 0, max: 40 }), parent: hash, justify: qc, from: signer, proposer: fc.integer({ min: 0, max: 5 }), sig: fc.uint8Array({ maxLength: 64 }) }).map(({ v, h, parent, justify, from, proposer, sig }) => ({
    from: `v${from}`,
    msg: { type: "proposal", block: block({ view: v, height: h, parentHash: parent, justify, proposer, timestampUs: 1, payload: new Uint8Array(0) }), signature: sig } as ValidatorMessage,
  })),
  // Correctly signed votes for arbitrary blocks, from the signer or from someone else.
  fc.record({ v: view, h: fc.integer({ min: 0, max: 40 }), target: hash, s: signer, from: signer }).map(({ v, h, target, s, from }) => ({
    from: `v${from}`,
    msg: { type: "vote", view: v, height: h, blockHash: target, signer: s, signature: scheme.sign(keys[s]!.secretKey, voteSigningBytes(v, h, target)) } as ValidatorMessage,
  })),
  // Correctly signed timeouts (with the genesis QC), which can form real TCs and move views.
  fc.record({ v: fc.integer({ min: 1, max: 40 }), s: signer }).map(({ v, s }) => ({
    from: `v${s}`,
    msg: { type: "timeout", view: v, highQC: GENESIS_QC, signer: s, signature: scheme.sign(keys[s]!.secretKey, timeoutSigningBytes(v, 0)) } as ValidatorMessage,
  })),
  // Timeouts with garbage certificates.
  fc.record({ v: view, s: signer, highQC: qc, sig: fc.uint8Array({ maxLength: 64 }) }).map(({ v, s, highQC, sig }) => ({ from: `v${s}`, msg: { type: "timeout", view: v, highQC, signer: s, signature: sig } as ValidatorMessage })),
  fc.record({ h: hash, count: fc.integer({ min: 0, max: 128 }), from: signer }).map(({ h, count, from }) => ({ from: `v${from}`, msg: { type: "block-request", hash: h, count } as ValidatorMessage })),
  fc.record({ heights: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 4 }), from: signer }).map(({ heights, from }) => ({
    from: `v${from}`,
    msg: { type: "block-response", blocks: heights.map((h) => block({ view: h, height: h, parentHash: GENESIS_BLOCK.hash, justify: GENESIS_QC, proposer: 0, timestampUs: h, payload: new Uint8Array(0) })) } as ValidatorMessage,
  })),
  fc.record({ data: fc.uint8Array({ maxLength: 32 }) }).map(({ data }) => ({ from: "c0", msg: { type: "app", data } as ValidatorMessage })),
);

describe("replica under hostile input (property)", () => {
  it("never throws, keeps its invariants, and votes at most once per view", () => {
    let runsWithVotes = 0;
    let runsWithViewChanges = 0;
    fc.assert(
      fc.property(fc.array(fc.tuple(message, fc.boolean()), { maxLength: 60 }), (steps) => {
        const ctx = fakeContext<ValidatorMessage>("v3", new SimDisk());
        const replica = new HotStuffReplica(
          { validators, index: 3, keyPair: keys[3]!, blockTimeUs: 250_000, viewTimeoutUs: 1_000_000, viewTimeoutMaxUs: 8_000_000, syncRetryUs: 200_000 },
          acceptAll,
        );
        replica.start(ctx);
        let now = 0;
        for (const [{ from, msg }, fireTimers] of steps) {
          now += 10_000;
          ctx.setNow(now);
          replica.onMessage(ctx, from, msg);
          if (fireTimers) for (const [timer, { tag }] of [...ctx.timers]) replica.onTimer(ctx, timer, tag);
        }
        const votedViews = ctx.logs.filter((l) => l.event === "vote").map((l) => l.fields.view as number);
        expect(new Set(votedViews).size).toBe(votedViews.length);
        if (votedViews.length > 0) runsWithVotes++;
        if (replica.view > 2) runsWithViewChanges++;
      }),
      { numRuns: 150 },
    );
    // The generated inputs must reach the interesting paths, or this test proves little.
    expect(runsWithVotes).toBeGreaterThan(10);
    expect(runsWithViewChanges).toBeGreaterThan(10);
  });
});

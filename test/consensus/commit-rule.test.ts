/**
 * The two-chain commit rule (HotStuff-2, Malkhi and Nayak 2023; Jolteon,
 * Gelashvili et al. FC 2022), on a replica fed by hand: a QC for B' commits
 * B' parent B only when B's view is B'.view - 1. Found by the mutation run
 * (docs/mutation.md): with the consecutive-view check removed from
 * `tryCommit`, every simulator run still passed, since an honest leader's
 * block whose parent is from an older view only appears after a failed view,
 * and a commit there is safe as long as no conflicting block got a QC. So the
 * rule is asserted directly: the same chain commits with consecutive views
 * and does not with a gap.
 */
import { describe, expect, it } from "vitest";
import { blockHash, proposalSigningBytes, voteSigningBytes } from "../../src/consensus/block-hash.js";
import { GENESIS_BLOCK, GENESIS_QC } from "../../src/consensus/genesis.js";
import { HotStuffReplica } from "../../src/consensus/replica.js";
import type { Block, ProposalMessage, QuorumCertificate, ValidatorMessage } from "../../src/consensus/types.js";
import { ValidatorSet } from "../../src/consensus/validator-set.js";
import { createSimSignatureScheme } from "../../src/crypto/sim-signature.js";
import type { KeyPair } from "../../src/crypto/signature.js";
import { SimDisk } from "../../src/storage/sim-disk.js";
import { fakeContext, type FakeContext } from "../helpers/fake-context.js";
import { acceptAll } from "../helpers/lone-replica.js";

const scheme = createSimSignatureScheme();
const keys: KeyPair[] = [0, 1, 2, 3].map((i) => scheme.keyPairFromSeed(new Uint8Array(32).fill(i + 1)));
const validators = new ValidatorSet(keys.map((k, i) => ({ id: `v${i}`, publicKey: k.publicKey })), scheme);

/** A block of `view` (proposed by its round-robin leader) on `parent`, certified by `justify`. */
function block(view: number, parent: Block, justify: QuorumCertificate): Block {
  const fields = { view, height: parent.height + 1, parentHash: parent.hash, justify, proposer: view % 4, timestampUs: view * 250_000, payload: new Uint8Array(0) };
  return { ...fields, hash: blockHash(fields) };
}

/** A QC for `b` signed by v1, v2 and v3 (a quorum of four). */
function qcFor(b: Block): QuorumCertificate {
  return { view: b.view, height: b.height, blockHash: b.hash, signatures: [1, 2, 3].map((signer) => ({ signer, signature: scheme.sign(keys[signer]!.secretKey, voteSigningBytes(b.view, b.height, b.hash)) })) };
}

function proposal(b: Block): ProposalMessage {
  return { type: "proposal", block: b, signature: scheme.sign(keys[b.proposer]!.secretKey, proposalSigningBytes(b.hash)) };
}

/**
 * Replica v0 receives B1 (view 1), B2 (view `secondView`, on B1, with B1's QC) and B3 (view
 * `secondView + 2`, on B2, with B2's QC): B2's QC is the one that may commit B1.
 */
function feedChain(secondView: number): { replica: HotStuffReplica; ctx: FakeContext<ValidatorMessage>; b1: Block } {
  const replica = new HotStuffReplica({ validators, index: 0, keyPair: keys[0]!, blockTimeUs: 250_000, viewTimeoutUs: 1_000_000, viewTimeoutMaxUs: 8_000_000, syncRetryUs: 200_000 }, acceptAll);
  const ctx = fakeContext<ValidatorMessage>("v0", new SimDisk());
  replica.start(ctx);
  const b1 = block(1, GENESIS_BLOCK, GENESIS_QC);
  const b2 = block(secondView, b1, qcFor(b1));
  const b3 = block(secondView + 2, b2, qcFor(b2));
  for (const [i, b] of [b1, b2, b3].entries()) {
    ctx.setNow(300_000 * (i + 1));
    replica.onMessage(ctx, `v${b.proposer}`, proposal(b));
  }
  expect(ctx.logs.filter((l) => l.event === "reject")).toEqual([]);
  expect(replica.lockedQC.blockHash).toEqual(b2.hash);
  return { replica, ctx, b1 };
}

const commits = (ctx: FakeContext<ValidatorMessage>): unknown[] => ctx.logs.filter((l) => l.event === "commit").map((l) => l.fields.height);

describe("two-chain commit rule", () => {
  it("a QC for a block whose parent is from the previous view commits the parent", () => {
    const { replica, ctx, b1 } = feedChain(2);
    expect(commits(ctx)).toEqual([1]);
    expect(replica.committedTip.hash).toEqual(b1.hash);
  });

  it("a QC for a block whose parent is two views older commits nothing (the views are not consecutive)", () => {
    const { replica, ctx } = feedChain(3);
    expect(commits(ctx)).toEqual([]);
    expect(replica.committedTip.height).toBe(0);
  });
});

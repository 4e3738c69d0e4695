/** Each checker fails on the history it guards against, and passes on a clean one. */
import { describe, expect, it } from "vitest";
import { AgreementChecker } from "../../src/check/validators/agreement.js";
import type { Observation } from "../../src/check/checker.js";
import { LivenessChecker } from "../../src/check/validators/liveness.js";
import { ReorgBoundChecker } from "../../src/check/validators/reorg-bound.js";
import { ValidityChecker } from "../../src/check/validators/validity.js";
import { EquivocationChecker } from "../../src/check/validators/equivocation.js";
import { GENESIS_BLOCK } from "../../src/consensus/genesis.js";
import { toHex } from "../../src/crypto/hash.js";
import { ConservationChecker } from "../../src/check/validators/conservation.js";
import { RootAgreementChecker } from "../../src/check/validators/root-agreement.js";
import { createSignatureScheme } from "../../src/crypto/schemes.js";
import { encodeBlockPayload } from "../../src/sequencer/block-payload.js";
import { signTransaction, transactionId } from "../../src/vm/tx-codec.js";

const obs = (timeUs: number, node: string, event: string, fields: Record<string, unknown>): Observation => ({ timeUs, node, event, fields });
const GENESIS = toHex(GENESIS_BLOCK.hash);
/** Four honest validators: the nodes every checker below judges. */
const VALIDATORS = ["v0", "v1", "v2", "v3"];
const HONEST: ReadonlySet<string> = new Set(VALIDATORS);
const ROLES = { validators: VALIDATORS, identities: new Map<string, string>(), honest: HONEST };

describe("agreement", () => {
  it("passes when every validator commits the same block per height, fails on a different one", () => {
    const c = new AgreementChecker(HONEST);
    expect(c.observe(obs(1, "v0", "commit", { height: 1, hash: "aa" }))).toBeUndefined();
    expect(c.observe(obs(2, "v1", "commit", { height: 1, hash: "aa" }))).toBeUndefined();
    const v = c.observe(obs(3, "v2", "commit", { height: 1, hash: "bb" }));
    expect(v).toMatchObject({ invariant: "agreement", atUs: 3 });
    expect(c.finish()).toMatchObject({ ok: false, figures: { committedHeight: 1, commitsObserved: 3 } });
  });
});

describe("validity", () => {
  const scheme = createSignatureScheme("sim");
  const alice = scheme.keyPairFromSeed(new Uint8Array(32).fill(1));
  const sender = toHex(alice.publicKey);
  const tx = (nonce: bigint): Uint8Array =>
    signTransaction({ sender, nonce, fee: 1n, instructions: [{ kind: "burn", asset: "ASSET", amount: 1n }] }, alice.secretKey, scheme);
  const payload = (height: number, txs: Uint8Array[]) => encodeBlockPayload({ height, parent: new Uint8Array(32), stateRoot: new Uint8Array(32), txs });
  const commit = (c: ValidityChecker, node: string, height: number, txs: Uint8Array[]) => c.observe(obs(height, node, "commit", { height, hash: String(height), payload: payload(height, txs) }));
  const submitted = (c: ValidityChecker, ...txs: Uint8Array[]) => txs.forEach((t) => c.observe(obs(0, "c0", "submit", { txId: transactionId(t) })));

  it("passes on submitted, validly signed transactions with consecutive nonces, ignoring recommits of one height", () => {
    const c = new ValidityChecker(scheme, HONEST);
    submitted(c, tx(0n), tx(1n));
    expect(commit(c, "v0", 1, [tx(0n)])).toBeUndefined();
    expect(commit(c, "v1", 1, [tx(0n)])).toBeUndefined();
    expect(commit(c, "v0", 2, [tx(1n)])).toBeUndefined();
    expect(c.finish()).toMatchObject({ ok: true, figures: { transactionsCommitted: 2 } });
  });
  it("fails on a committed transaction nobody submitted", () => {
    const c = new ValidityChecker(scheme, HONEST);
    expect(commit(c, "v0", 1, [tx(0n)])?.message).toMatch(/never submitted/);
  });
  it("fails on a transaction committed twice", () => {
    const c = new ValidityChecker(scheme, HONEST);
    submitted(c, tx(0n));
    expect(commit(c, "v0", 1, [tx(0n)])).toBeUndefined();
    expect(commit(c, "v0", 2, [tx(0n)])?.message).toMatch(/committed twice/);
  });
  it("fails on a nonce gap", () => {
    const c = new ValidityChecker(scheme, HONEST);
    submitted(c, tx(1n));
    expect(commit(c, "v0", 1, [tx(1n)])?.message).toMatch(/nonce 1, expected 0/);
  });
  it("fails on a bad signature", () => {
    const c = new ValidityChecker(scheme, HONEST);
    const forged = tx(0n).slice();
    forged[forged.length - 1]! ^= 1;
    submitted(c, forged);
    expect(commit(c, "v0", 1, [forged])?.message).toMatch(/invalid signature/);
  });
});

describe("root agreement", () => {
  it("fails when two validators compute different roots at one height, or one cannot execute", () => {
    const c = new RootAgreementChecker(HONEST);
    expect(c.observe(obs(1, "v0", "state-root", { height: 1, root: "aa" }))).toBeUndefined();
    expect(c.observe(obs(2, "v1", "state-root", { height: 1, root: "aa" }))).toBeUndefined();
    expect(c.observe(obs(3, "v2", "state-root", { height: 1, root: "bb" }))?.message).toMatch(/height 1: v0 computed root aa, v2 computed bb/);
    expect(new RootAgreementChecker(HONEST).observe(obs(1, "v0", "state-root", { height: 1, root: "unexecutable" }))?.message).toMatch(/cannot reproduce/);
  });
});

describe("conservation", () => {
  const genesis = new Map([["ASSET", 1000n]]);
  const audit = (held: bigint, supply: bigint, height = 1) => () => [{ node: "v0", height, assets: new Map([["ASSET", { held, supply }]]) }];
  it("passes when balances sum to the supply and the supply is genesis plus minted minus burned", () => {
    const c = new ConservationChecker(genesis, audit(990n, 990n), HONEST);
    c.observe(obs(1, "v0", "state-root", { height: 1, root: "aa", supplyDelta: { ASSET: "-10" }, swaps: [] }));
    expect(c.finish(10)).toMatchObject({ ok: true, figures: { validatorsAudited: 1 } });
  });
  it("fails when balances do not sum to the supply", () => {
    const c = new ConservationChecker(genesis, audit(991n, 990n), HONEST);
    c.observe(obs(1, "v0", "state-root", { height: 1, root: "aa", supplyDelta: { ASSET: "-10" }, swaps: [] }));
    expect(c.finish(10).violation?.message).toMatch(/sum to 991, its supply is 990/);
  });
  it("fails when the supply is not genesis plus minted minus burned", () => {
    const c = new ConservationChecker(genesis, audit(1000n, 1000n), HONEST);
    c.observe(obs(1, "v0", "state-root", { height: 1, root: "aa", supplyDelta: { ASSET: "-10" }, swaps: [] }));
    expect(c.finish(10).violation?.message).toMatch(/supply of ASSET is 1000, genesis plus minted minus burned is 990/);
  });
  it("fails at once when a swap decreases k", () => {
    const c = new ConservationChecker(genesis, audit(1000n, 1000n, 0), HONEST);
    const v = c.observe(obs(1, "v0", "state-root", { height: 1, root: "aa", supplyDelta: {}, swaps: [{ pool: "ASSET/USDC", kBefore: "100", kAfter: "99" }] }));
    expect(v?.message).toMatch(/decreased k of pool ASSET\/USDC/);
  });
});

describe("reorg bound", () => {
  // genesis <- a1 <- a2 <- a3 and genesis <- b1 (a fork of depth 3 from a3's point of view)
  const blocks = [
    { hash: "a1", parent: GENESIS, height: 1 },
    { hash: "a2", parent: "a1", height: 2 },
    { hash: "a3", parent: "a2", height: 3 },
    { hash: "b2", parent: "a1", height: 2 },
  ];
  const feed = (c: ReorgBoundChecker) => blocks.forEach((b) => c.observe(obs(1, "v0", "block", b)));

  it("extending the head is not a reorg", () => {
    const c = new ReorgBoundChecker(0, HONEST);
    feed(c);
    expect(c.observe(obs(2, "v0", "head", { hash: "a1" }))).toBeUndefined();
    expect(c.observe(obs(3, "v0", "head", { hash: "a3" }))).toBeUndefined();
    expect(c.finish().figures.deepestReorg).toBe(0);
  });

  it("measures a fork switch as the old head's height above the common ancestor", () => {
    const c = new ReorgBoundChecker(2, HONEST);
    feed(c);
    c.observe(obs(2, "v0", "head", { hash: "a3" }));
    expect(c.observe(obs(3, "v0", "head", { hash: "b2" }))).toBeUndefined();
    expect(c.finish().figures).toMatchObject({ deepestReorg: 2, reorgs: 1 });
    const strict = new ReorgBoundChecker(1, HONEST);
    feed(strict);
    strict.observe(obs(2, "v0", "head", { hash: "a3" }));
    expect(strict.observe(obs(3, "v0", "head", { hash: "b2" }))?.message).toMatch(/rolled back its head by 2 blocks/);
  });

  it("a restart forgets the head: coming back lower is not a reorg", () => {
    const c = new ReorgBoundChecker(0, HONEST);
    feed(c);
    c.observe(obs(2, "v0", "head", { hash: "a3" }));
    c.observe(obs(3, "v0", "boot", {}));
    expect(c.observe(obs(4, "v0", "head", { hash: "a1" }))).toBeUndefined();
  });
});

describe("equivocation", () => {
  it("fails when a validator votes twice in one view", () => {
    const c = new EquivocationChecker(ROLES);
    expect(c.observe(obs(1, "v0", "vote", { view: 4, hash: "x" }))).toBeUndefined();
    expect(c.observe(obs(1, "v1", "vote", { view: 4, hash: "x" }))).toBeUndefined();
    expect(c.observe(obs(2, "v0", "vote", { view: 4, hash: "y" }))?.message).toMatch(/v0 voted twice in view 4/);
  });

  it("fails when a leader proposes twice in one view (for example after a restart)", () => {
    const c = new EquivocationChecker(ROLES);
    expect(c.observe(obs(1, "v1", "propose", { view: 5, hash: "a" }))).toBeUndefined();
    expect(c.observe(obs(1, "v1", "vote", { view: 5, hash: "a" }))).toBeUndefined();
    expect(c.observe(obs(2, "v1", "propose", { view: 5, hash: "b" }))?.message).toMatch(/v1 proposed twice in view 5/);
    expect(c.finish()).toMatchObject({ ok: false, figures: { votesObserved: 1, proposalsObserved: 2 } });
  });
});

describe("liveness", () => {
  const commit = (t: number, height: number) => obs(t, "v0", "commit", { height, hash: String(height) });

  it("holds when every gap after the heal is within the bound", () => {
    const c = new LivenessChecker(1_000, { healAtUs: 5_000 }, HONEST);
    [1_000, 5_500, 6_200, 7_000].forEach((t, i) => c.observe(commit(t, i + 1)));
    const r = c.finish(7_900);
    expect(r).toMatchObject({ ok: true, figures: { firstCommitAfterHealUs: 500, longestGapAfterHealUs: 900, longestCommitGapUs: 4_500 } });
  });

  it("fails at the start of the first gap plus the bound", () => {
    const c = new LivenessChecker(1_000, { healAtUs: 5_000 }, HONEST);
    [5_500, 8_000].forEach((t, i) => c.observe(commit(t, i + 1)));
    const r = c.finish(8_500);
    expect(r.ok).toBe(false);
    expect(r.violation).toMatchObject({ invariant: "liveness", atUs: 6_500 });
  });

  it("a run that ends silent after the heal fails; too short a run after the heal is skipped", () => {
    const silent = new LivenessChecker(1_000, { healAtUs: 5_000 }, HONEST);
    expect(silent.finish(9_000).ok).toBe(false);
    const short = new LivenessChecker(1_000, { healAtUs: 5_000 }, HONEST);
    expect(short.finish(5_500)).toMatchObject({ ok: true, skipped: expect.stringMatching(/less than livenessBound/) });
  });

  it("is skipped when the run stops (event budget) before the last fault", () => {
    const c = new LivenessChecker(1_000, { healAtUs: 5_000 }, HONEST);
    c.observe(commit(500, 1));
    expect(c.finish(3_000)).toMatchObject({ ok: true, skipped: "the run ended at 0.003s, before the last fault at 0.005s", figures: { longestGapAfterHealUs: 0 } });
  });

  it("is skipped when the fault plan leaves no quorum", () => {
    const c = new LivenessChecker(1_000, { healAtUs: 5_000, notExpectedBecause: "no quorum" }, HONEST);
    expect(c.finish(60_000)).toMatchObject({ ok: true, skipped: "no quorum" });
  });

  it("names the views in the gap and their leaders, marking a crashed or isolated leader as its view began", () => {
    const c = new LivenessChecker(1_000, { healAtUs: 0 }, HONEST);
    const view = (t: number, node: string, v: number, leader: string) => c.observe(obs(t, node, "view", { view: v, leader }));
    const fault = (t: number, description: string) => c.observe(obs(t, "sim", "fault", { description }));
    view(100, "v0", 1, "v1"); // in force when the gap begins
    c.observe(commit(400, 1));
    view(500, "v0", 2, "v2");
    fault(600, "crash v3");
    view(700, "v1", 3, "v3"); // view 3 begins with its leader down
    view(710, "v0", 3, "v3"); // no new global view
    fault(800, "isolate v0 (leader) both");
    view(900, "v2", 4, "v0");
    fault(950, "heal");
    view(1_000, "v0", 5, "v1");
    c.observe(obs(1_100, "v3", "boot", { committedHeight: 1, lastVotedView: 3, lockedQCView: 1 }));
    view(1_200, "v0", 6, "v3"); // up again
    view(5_000, "v0", 7, "v0"); // after the gap ends at 4_000 (no commit at all: the run's end)
    const r = c.finish(4_000);
    expect(r.violation?.message).toBe(
      "no new commit for 0.004s after the previous commit at 0.000s (livenessBound 0.001s); views 1-6 in the gap, leaders v1, v2, v3 (crashed), v0 (isolated), v1, v3",
    );
  });

  it("keeps the message bounded: at most 8 leaders, the rest counted", () => {
    const c = new LivenessChecker(1_000, { healAtUs: 0 }, HONEST);
    for (let v = 1; v <= 40; v++) c.observe(obs(v * 100, "v0", "view", { view: v, leader: `v${v % 4}` }));
    const message = c.finish(10_000).violation!.message;
    expect(message).toMatch(/views 1-40 in the gap, leaders v1, v2, v3, v0, v1, v2, v3, v0, \.\.\. \(\+32 more\)$/);
    expect(message.length).toBeLessThan(200);
  });

  it("counts only new heights: recommits by lagging validators are not progress", () => {
    const c = new LivenessChecker(1_000, { healAtUs: 0 }, HONEST);
    c.observe(commit(500, 1));
    c.observe(obs(1_200, "v3", "commit", { height: 1, hash: "1" }));
    expect(c.finish(1_800).ok).toBe(false);
  });
});

describe("roles come from the sets a checker is given, never from node names", () => {
  // Namespaced validator ids (`r0/v1`), a twin instance named like a validator (`v3t`) and a client.
  const validators = ["r0/v0", "r0/v1", "r0/v2", "r0/v3"];
  const honest: ReadonlySet<string> = new Set(["r0/v0", "r0/v1", "r0/v2"]);

  it("agreement judges exactly the honest set: namespaced ids are judged, a twin instance or a client is not", () => {
    const c = new AgreementChecker(honest);
    expect(c.observe(obs(1, "r0/v0", "commit", { height: 1, hash: "aa" }))).toBeUndefined();
    expect(c.observe(obs(2, "v3t", "commit", { height: 1, hash: "bb" }))).toBeUndefined();
    expect(c.observe(obs(3, "c0", "commit", { height: 1, hash: "cc" }))).toBeUndefined();
    expect(c.finish().figures.commitsObserved).toBe(1);
    expect(c.observe(obs(4, "r0/v1", "commit", { height: 1, hash: "dd" }))?.message).toMatch(/r0\/v1 committed dd but r0\/v0 committed aa/);
  });

  it("equivocation finds a view's leader in the validator list it is given and merges a twin's instances by identity", () => {
    const c = new EquivocationChecker({ validators, identities: new Map([["r0/v3-twin", "r0/v3"]]), honest });
    expect(c.observe(obs(1, "r0/v3", "vote", { view: 2, hash: "aa" }))).toBeUndefined();
    expect(c.observe(obs(2, "r0/v3-twin", "vote", { view: 2, hash: "bb" }))).toBeUndefined();
    expect(c.observe(obs(3, "x9", "vote", { view: 2, hash: "cc" }))).toBeUndefined(); // not a validator
    expect(c.finish().figures).toMatchObject({ votesObserved: 2, byzantineEquivocations: 1 });
    expect(c.observe(obs(4, "r0/v0", "block", { view: 5, hash: "aa", proposer: 1 }))).toBeUndefined();
    expect(c.observe(obs(5, "r0/v2", "block", { view: 5, hash: "bb", proposer: 1 }))?.message).toMatch(/view 5.*leader r0\/v1 proposed twice/);
  });

  it("liveness counts only the honest set's commits as progress", () => {
    const c = new LivenessChecker(1_000, { healAtUs: 0 }, honest);
    c.observe(obs(500, "v0", "commit", { height: 1, hash: "aa" })); // a name that looks like a validator's, not in the set
    expect(c.finish(2_000)).toMatchObject({ ok: false });
  });
});

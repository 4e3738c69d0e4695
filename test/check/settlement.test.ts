/**
 * The settlement checkers (src/check/settlement/) over observations derived
 * by the settlement watch from the real AssetRollup program in litesvm,
 * driven by the TS client and strategies: they pass on honest runs, and each
 * one catches a deliberately broken variant built here (a lazy challenger
 * that lets a wrong root finalize, a challenger that goes silent mid-game, a
 * vault that leaks lamports, a batch account that forgets its bond, an L1
 * rollback of a finalize).
 */
import { ComputeBudgetProgram } from "@solana/web3.js";
import { describe, expect, it } from "vitest";
import { batchDataProof } from "../../src/crypto/binary-merkle.js";
import { createSignatureScheme } from "../../src/crypto/schemes.js";
import { TraceLedger } from "../../src/settlement/trace-ledger.js";
import type { Genesis } from "../../src/vm/genesis.js";
import { signTransaction as signL2 } from "../../src/vm/tx-codec.js";
import { NATIVE_ASSET } from "../../src/vm/types.js";
import type { Checker, Observation } from "../../src/check/checker.js";
import { BondConservationChecker } from "../../src/check/settlement/bonds.js";
import { SettlementFinalRootChecker } from "../../src/check/settlement/final-root.js";
import { HonestChallengerChecker } from "../../src/check/settlement/honest-challenger.js";
import { toHex } from "../../src/crypto/hash.js";
import { batchAddress, bondVaultAddress, gameInstructions, GAME_WINNER } from "../../src/l1/game-program.js";
import { deriveSolanaKeypair } from "../../src/l1/rollup-program.js";
import { challengerMove, moveBound, posterMove, shouldChallenge } from "../../src/settlement/dispute-strategy.js";
import { SETTLEMENT_EVENTS } from "../../src/settlement/events.js";
import { readSettlement } from "../../src/settlement/settlement-watch.js";
import { CHALLENGER_BOND, GAME_CLOCK, GAME_PERIOD, GameSvm, namedRoot, POSTER_BOND } from "../helpers/game-svm.js";
import { settlementMetrics } from "../../src/settlement/metrics.js";

const challenger = deriveSolanaKeypair("game-challenger", 1);
const HONEST = new Set(["v0", "v1", "v2"]);

/** The honest trace of height h from pre. */
function honestTrace(pre: Uint8Array, height: number, n: number): Uint8Array[] {
  return [pre, ...Array.from({ length: n }, (_, i) => namedRoot(`h${height}`, i + 1))];
}

class Run {
  readonly l1: GameSvm;
  readonly observations: Observation[] = [];
  readonly vaultRent: bigint;
  /** The honest chain: S_0..S_n per height. */
  readonly truth = new Map<number, Uint8Array[]>();
  timeUs = 0;

  constructor(readonly heights: number, readonly n: number, genesis?: Uint8Array) {
    this.l1 = new GameSvm(genesis);
    this.l1.fund(challenger.publicKey);
    this.vaultRent = this.l1.lamports(bondVaultAddress());
    let pre = this.l1.genesis;
    for (let h = 1; h <= heights; h++) {
      const trace = honestTrace(pre, h, n);
      this.truth.set(h, trace);
      pre = trace[n]!;
      // Every honest validator commits the root of L2 height h (K = 1).
      for (const v of HONEST) this.observations.push({ timeUs: h, node: v, event: "state-root", fields: { height: h, root: toHex(pre) } });
    }
  }

  /** Appends the watch's observations of the L1 now. */
  watch(): void {
    this.timeUs += 1_000_000;
    const events = readSettlement((address) => {
      const account = this.l1.svm.getAccount(address.toBytes());
      return account === null ? null : { lamports: account.lamports, data: account.data };
    }, { challengers: [challenger.publicKey], vaultRent: this.vaultRent });
    for (const { event, fields } of events) {
      const o: Observation = { timeUs: this.timeUs, node: "l1", event, fields };
      expect(SETTLEMENT_EVENTS.validate(o)).toBeUndefined();
      this.observations.push(o);
    }
  }

  /** Posts height h: the honest trace, or one that is wrong from index `wrongFrom` on. */
  post(h: number, wrongFrom?: number, dataCommitment?: Uint8Array): void {
    const trace = this.truth.get(h)!;
    this.l1.post(h, wrongFrom === undefined ? trace : trace.map((root, i) => (i < wrongFrom ? root : namedRoot("wrong", h * 1000 + i))), dataCommitment);
  }

  finalize(h: number): boolean {
    return this.l1.send([gameInstructions.finalizeRoot(this.l1.poster.publicKey, h)], [this.l1.poster]).ok;
  }

  /** The honest challenger's play while the poster plays too, until the game waits on the step or is over. */
  play(h: number, options: { posterPlays: boolean; challengerSilentAfter?: number }): void {
    const mine = this.truth.get(h)!;
    let challengerMoves = 0;
    for (let guard = 0; guard < 200; guard++) {
      this.watch();
      const game = this.l1.game(h, challenger.publicKey);
      if (game === null || game.winner !== GAME_WINNER.none) return;
      const p = posterMove(game, this.l1.posted.get(h)!);
      if (p.kind === "reveal") {
        if (!options.posterPlays) return;
        this.l1.must([gameInstructions.bisectReveal(this.l1.poster.publicKey, challenger.publicKey, h, p.root, p.proof)], [this.l1.poster]);
        continue;
      }
      const c = challengerMove(game, mine);
      if (c.kind === "choose") {
        if (options.challengerSilentAfter !== undefined && challengerMoves >= options.challengerSilentAfter) return;
        this.l1.must([gameInstructions.bisectChoose(challenger.publicKey, h, c.mid, c.agree)], [challenger]);
        challengerMoves++;
        continue;
      }
      return; // the step (or nothing to do)
    }
    throw new Error("the game did not settle in 200 moves");
  }

  timeoutAndResolve(h: number): void {
    this.l1.must([gameInstructions.timeout(challenger.publicKey, h)], [this.l1.poster]);
    this.watch();
    this.l1.must([gameInstructions.resolve(this.l1.poster.publicKey, challenger.publicKey, h)], [this.l1.poster]);
  }

  /** Runs the checkers over every observation; returns the first violation's invariant and message, if any. */
  check(): { invariant: string; message: string } | undefined {
    const checkers: Checker[] = [
      new SettlementFinalRootChecker(1, HONEST),
      new BondConservationChecker(),
      new HonestChallengerChecker(new Set([challenger.publicKey.toBase58()])),
    ];
    for (const o of [...this.observations].sort((a, b) => a.timeUs - b.timeUs)) {
      for (const checker of checkers) {
        const violation = checker.observe(o);
        if (violation !== undefined) return { invariant: violation.invariant, message: violation.message };
      }
    }
    for (const checker of checkers) expect(checker.finish(this.timeUs).ok).toBe(true);
    return undefined;
  }
}

describe("settlement checkers on the program in litesvm", () => {
  it("honest poster, watching challenger: every root final in order, bonds back, no violation", () => {
    const run = new Run(3, 6);
    for (let h = 1; h <= 3; h++) run.post(h);
    run.watch();
    for (let h = 1; h <= 3; h++) expect(shouldChallenge(run.l1.batch(h), run.truth.get(h)!)).toBe(false);
    run.l1.at(GAME_PERIOD);
    for (let h = 1; h <= 3; h++) expect(run.finalize(h)).toBe(true);
    run.watch();
    expect(run.check()).toBeUndefined();
    const figures = run.observations.filter((o) => o.event === "settlement-bonds").at(-1)!.fields;
    expect(figures).toMatchObject({ vaultLocked: 0, lockedInBatches: 0, lockedInGames: 0 });
  });

  it("a wrong root challenged: the poster's bond goes to the challenger, the root never becomes final, the honest repost does", () => {
    const run = new Run(2, 8);
    run.post(1);
    run.post(2, 5);
    run.watch();
    expect(shouldChallenge(run.l1.batch(2), run.truth.get(2)!)).toBe(true);
    run.l1.must([gameInstructions.challenge(challenger.publicKey, 2)], [challenger]);
    // The wrong poster stops answering: it loses on its clock.
    run.play(2, { posterPlays: false });
    run.l1.at(GAME_CLOCK + 1);
    run.timeoutAndResolve(2);
    run.watch();
    expect(run.l1.batch(2).status).toBe(3);
    run.l1.at(GAME_PERIOD);
    expect(run.finalize(1)).toBe(true);
    expect(run.finalize(2)).toBe(false);
    run.post(2);
    run.l1.at(2 * GAME_PERIOD);
    expect(run.finalize(2)).toBe(true);
    run.watch();
    expect(run.check()).toBeUndefined();
  });

  it("bisection against a wrong trace ends at the first wrong transaction within the move bound", () => {
    const run = new Run(1, 100);
    run.post(1, 37);
    run.l1.must([gameInstructions.challenge(challenger.publicKey, 1)], [challenger]);
    run.play(1, { posterPlays: true });
    const game = run.l1.game(1, challenger.publicKey)!;
    expect([game.lo, game.hi]).toEqual([36, 37]);
    expect(challengerMove(game, run.truth.get(1)!)).toEqual({ kind: "step", txIndex: 36 });
    expect(game.moves + 1).toBeLessThanOrEqual(moveBound(100));
  });

  it("a full game with the one-step proof: the honest challenger wins within the move bound, the wrong root is never final, bonds are conserved", () => {
    const scheme = createSignatureScheme("sim");
    const alice = scheme.keyPairFromSeed(new Uint8Array(32).fill(1));
    const bob = scheme.keyPairFromSeed(new Uint8Array(32).fill(2));
    const genesis: Genesis = { assets: [{ symbol: NATIVE_ASSET, decimals: 9, mintAuthority: null, balances: [[toHex(alice.publicKey), 1_000_000n], [toHex(bob.publicKey), 1_000_000n]] }], pools: [] };
    const ledger = new TraceLedger(genesis, scheme);
    const n = 12;
    const txs = Array.from({ length: n }, (_, i) => signL2({ sender: toHex(alice.publicKey), nonce: BigInt(i), fee: 1n, instructions: [{ kind: "transfer", asset: NATIVE_ASSET, to: toHex(bob.publicKey), amount: 5n }] }, alice.secretKey, scheme));
    const block = ledger.apply(1, txs);
    const run = new Run(0, n, block.trace.leaves[0]!);
    run.truth.set(1, [...block.trace.leaves]);
    run.observations.push({ timeUs: 1, node: "v0", event: "state-root", fields: { height: 1, root: toHex(block.trace.leaves[n]!) } });
    run.post(1, 7, block.dataCommitment);
    run.l1.must([gameInstructions.challenge(challenger.publicKey, 1)], [challenger]);
    run.play(1, { posterPlays: true });
    const game = run.l1.game(1, challenger.publicKey)!;
    const move = challengerMove(game, run.truth.get(1)!);
    expect(move).toEqual({ kind: "step", txIndex: 6 });
    const witness = ledger.stepWitness(1, 6).bytes;
    run.l1.stageStep(txs[6]!, witness);
    run.l1.must([ComputeBudgetProgram.setComputeUnitLimit({ units: 1_400_000 }), gameInstructions.step(challenger.publicKey, 1, batchDataProof(txs, 6), txs[6]!, witness, run.l1.stepBuffer)], [challenger]);
    run.watch();
    expect(run.l1.game(1, challenger.publicKey)!.winner).toBe(GAME_WINNER.challenger);
    run.l1.must([gameInstructions.resolve(run.l1.poster.publicKey, challenger.publicKey, 1)], [run.l1.poster]);
    run.l1.at(GAME_PERIOD);
    expect(run.finalize(1)).toBe(false);
    run.l1.post(1, [...block.trace.leaves], block.dataCommitment);
    run.l1.at(2 * GAME_PERIOD);
    expect(run.finalize(1)).toBe(true);
    run.watch();
    expect(run.check()).toBeUndefined();
    const decided = run.observations.filter((o) => o.event === "settlement-game" && o.fields.winner === "challenger");
    expect(decided.length).toBeGreaterThan(0);
    expect(decided[0]!.fields.moves).toBeLessThanOrEqual(moveBound(n));
    // The challenge, 3 rounds ([0,12] -> [6,12] -> [6,9] -> [6,7]; the bound is ceil(log2 12) = 4), the step; final one period after the repost.
    expect(settlementMetrics(run.observations)).toEqual({
      finalBatches: 1,
      timeToFinalitySeconds: { min: GAME_PERIOD, median: GAME_PERIOD, max: GAME_PERIOD },
      gamesPlayed: 1,
      gamesWonByChallenger: 1,
      gamesWonByPoster: 0,
      movesPerGame: [1 + 2 * 3 + 1],
      bonds: { posted: Number(2n * POSTER_BOND + CHALLENGER_BOND), paid: Number(2n * POSTER_BOND + CHALLENGER_BOND), locked: 0 },
    });
  });

  it("broken variant, a lazy challenger: the wrong root becomes final and settlement-final-root names it", () => {
    const run = new Run(2, 4);
    run.post(1, 2);
    run.watch();
    run.l1.at(GAME_PERIOD);
    expect(run.finalize(1)).toBe(true);
    run.watch();
    expect(run.check()).toMatchObject({ invariant: "settlement-final-root", message: expect.stringContaining("wrong root final: batch 1") });
  });

  it("broken variant, a challenger that goes silent mid-game: it loses on its clock and settlement-honest-challenger names it", () => {
    const run = new Run(1, 16);
    run.post(1, 3);
    run.l1.must([gameInstructions.challenge(challenger.publicKey, 1)], [challenger]);
    run.play(1, { posterPlays: true, challengerSilentAfter: 2 });
    run.l1.at(GAME_CLOCK + 1);
    run.l1.must([gameInstructions.timeout(challenger.publicKey, 1)], [run.l1.poster]);
    expect(run.l1.game(1, challenger.publicKey)!.winner).toBe(GAME_WINNER.poster);
    run.watch();
    expect(run.check()).toMatchObject({ invariant: "settlement-honest-challenger", message: expect.stringContaining("lost its game on batch 1") });
  });

  it("broken variants of the bond ledger: a vault that leaks lamports, a batch that forgets its bond", () => {
    const leak = new Run(1, 2);
    leak.post(1);
    const vault = leak.l1.svm.getAccount(bondVaultAddress().toBytes())!;
    leak.l1.svm.setAccount(bondVaultAddress().toBytes(), { ...vault, lamports: vault.lamports - 1n });
    leak.watch();
    expect(leak.check()).toMatchObject({ invariant: "settlement-bonds", message: expect.stringContaining("posted 5000000000 - paid 0") });

    const forgot = new Run(1, 2);
    forgot.post(1);
    const batch = forgot.l1.svm.getAccount(batchAddress(1).toBytes())!;
    const data = Uint8Array.from(batch.data);
    data.fill(0, 202, 210); // OptimisticBatch.bond
    forgot.l1.svm.setAccount(batchAddress(1).toBytes(), { ...batch, data });
    forgot.watch();
    expect(forgot.check()).toMatchObject({ invariant: "settlement-bonds", message: expect.stringContaining("the accounts lock 0 (batches)") });
  });

  it("broken variant, an L1 rollback of a finalize: settlement-final-root names the finality undone", () => {
    const run = new Run(1, 2);
    run.post(1);
    run.l1.at(GAME_PERIOD);
    const before = run.l1.svm.getAccount(batchAddress(1).toBytes())!;
    expect(run.finalize(1)).toBe(true);
    run.watch();
    run.l1.svm.setAccount(batchAddress(1).toBytes(), before);
    run.watch();
    expect(run.check()).toMatchObject({ invariant: "settlement-final-root", message: expect.stringContaining("finality undone") });
  });
});

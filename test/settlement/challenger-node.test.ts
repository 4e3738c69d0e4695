/**
 * The ChallengerNode against a real L1 node (litesvm with the shipped
 * program, test/l1/l1-harness.ts): it re-executes committed blocks pushed by
 * a validator (played by the test), challenges a wrong root and no right
 * one, bisects against a poster played by the test with the TS client, times
 * out a silent poster and takes its bond; a lazy one never challenges; a
 * silent one stops mid-game.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { toHex } from "../../src/crypto/hash.js";
import { createSignatureScheme } from "../../src/crypto/schemes.js";
import { decodeDisputeGame, decodeOptimisticBatch, gameAddress, gameInstructions, batchAddress, BATCH_STATUS, GAME_TURN, GAME_WINNER, type DisputeGameAccount } from "../../src/l1/game-program.js";
import { encodeL1Response } from "../../src/l1/rpc-messages.js";
import { deriveSolanaKeypair, rollupInstructions, rollupProgramId, signTransaction } from "../../src/l1/rollup-program.js";
import { encodeAppMessage, decodeAppMessage } from "../../src/sequencer/app-messages.js";
import { ChallengerNode, type ChallengerBehaviour, type ChallengerMessage } from "../../src/settlement/challenger-node.js";
import { moveBound, posterMove } from "../../src/settlement/dispute-strategy.js";
import { TraceTree } from "../../src/settlement/trace-commitment.js";
import { TraceLedger, type BatchTrace } from "../../src/settlement/trace-ledger.js";
import { SimDisk } from "../../src/storage/sim-disk.js";
import type { Genesis } from "../../src/vm/genesis.js";
import { signTransaction as signL2 } from "../../src/vm/tx-codec.js";
import { NATIVE_ASSET } from "../../src/vm/types.js";
import { PROGRAM_SO_PATH } from "../helpers/asset-rollup-program.js";
import { fakeContext, type FakeContext } from "../helpers/fake-context.js";
import { L1Harness } from "../l1/l1-harness.js";

const scheme = createSignatureScheme("ed25519-native");
const alice = scheme.keyPairFromSeed(new Uint8Array(32).fill(1));
const bob = scheme.keyPairFromSeed(new Uint8Array(32).fill(2));
const ALICE = toHex(alice.publicKey);
const BOB = toHex(bob.publicKey);
const genesis: Genesis = { assets: [{ symbol: NATIVE_ASSET, decimals: 9, mintAuthority: null, balances: [[ALICE, 1_000_000n], [BOB, 1_000_000n]] }], pools: [] };

const authority = deriveSolanaKeypair("challenger-test/authority", 1);
const poster = deriveSolanaKeypair("challenger-test/poster", 1);
const challengerKey = deriveSolanaKeypair("challenger-test/challenger", 1);
const PERIOD = 60;
const CLOCK = 10;
const POSTER_BOND = 2_000_000_000n;
const CHALLENGER_BOND = 500_000_000n;

/** Blocks of n transfers each, executed by the test's own replica (the truth). */
function chain(blocks: number, n: number): BatchTrace[] {
  const ledger = new TraceLedger(genesis, scheme);
  let nonce = 0n;
  const out: BatchTrace[] = [];
  for (let h = 1; h <= blocks; h++) {
    const txs = Array.from({ length: n }, () => signL2({ sender: ALICE, nonce: nonce++, fee: 1n, instructions: [{ kind: "transfer", asset: NATIVE_ASSET, to: BOB, amount: 3n }] }, alice.secretKey, scheme));
    out.push(ledger.apply(h, txs));
  }
  return out;
}

class World {
  readonly l1 = new L1Harness({
    programs: [{ programId: rollupProgramId().toBase58(), elf: readFileSync(PROGRAM_SO_PATH), upgradeAuthority: authority.publicKey.toBase58() }],
    accounts: [authority, poster, challengerKey].map((k) => ({ address: k.publicKey.toBase58(), lamports: 1_000_000_000_000n })),
  });
  readonly ctx: FakeContext<ChallengerMessage> = fakeContext("c0", new SimDisk());
  readonly node: ChallengerNode;
  readonly posted = new Map<number, TraceTree>();
  posterPlays = true;

  constructor(
    readonly truth: BatchTrace[],
    behaviour: ChallengerBehaviour,
    alwaysStageStep = false,
  ) {
    this.tx([rollupInstructions.initialize(authority.publicKey, poster.publicKey, 1)], authority);
    this.tx([gameInstructions.initializeGame(authority.publicKey, { challengePeriodSeconds: PERIOD, clockSeconds: CLOCK, posterBond: POSTER_BOND, challengerBond: CHALLENGER_BOND, genesisRoot: truth[0]!.trace.leaves[0]! })], authority);
    this.node = new ChallengerNode({ l1: "l1", validator: "v0", key: challengerKey, genesis, scheme, pollIntervalUs: 400_000, requestTimeoutUs: 2_000_000, behaviour, alwaysStageStep });
    this.node.start(this.ctx);
  }

  /** Sends a transaction to the L1 and produces a slot. */
  tx(instructions: Parameters<typeof signTransaction>[0], signer: typeof authority): void {
    const reply = this.l1.send(signTransaction(instructions, [signer], this.l1.blockhash()).bytes);
    expect(reply.kind, JSON.stringify(reply, (_k, v) => (typeof v === "bigint" ? v.toString() : v))).toBe("send-transaction-result");
    this.l1.slots(1);
  }

  /** The poster posts height h: the true trace, or one wrong from index k on. */
  post(h: number, wrongFrom?: number): void {
    const truth = this.truth[h - 1]!;
    const leaves = truth.trace.leaves.map((root, i) => (wrongFrom !== undefined && i >= wrongFrom ? new Uint8Array(32).fill(i) : root));
    const tree = new TraceTree(leaves);
    this.posted.set(h, tree);
    this.tx([gameInstructions.postBatchOptimistic(poster.publicKey, { height: h, preRoot: leaves[0]!, postRoot: leaves.at(-1)!, dataCommitment: truth.dataCommitment, traceCommitment: tree.root, txCount: leaves.length - 1 })], poster);
  }

  account(address: { toBase58(): string }): Uint8Array | null {
    const a = this.l1.node.accountAt(address.toBase58(), "processed");
    return a === null || a.lamports === 0n ? null : a.data;
  }

  game(h: number): DisputeGameAccount | null {
    const data = this.account(gameAddress(h, challengerKey.publicKey));
    return data === null ? null : decodeDisputeGame(data);
  }

  /** One L1 slot; the challenger polls; messages are routed until none is left; the poster answers its game. */
  step(): void {
    this.l1.slots(1);
    this.ctx.setNow(this.l1.now);
    this.node.onTimer(this.ctx, 1, "poll");
    for (let round = 0; round < 20 && this.ctx.sent.length > 0; round++) {
      const sent = this.ctx.sent.splice(0);
      for (const { to, msg } of sent) {
        if (to === "l1" && msg.type === "l1-rpc") {
          for (const response of this.l1.deliver(msg, "c0")) this.node.onMessage(this.ctx, "l1", { type: "l1-rpc", data: encodeL1Response(response) });
        } else if (to === "v0" && msg.type === "app") {
          const query = decodeAppMessage(msg.data);
          if (query.kind !== "block-query") continue;
          for (const block of this.truth.filter((b) => b.height >= query.fromHeight)) {
            this.node.onMessage(this.ctx, "v0", { type: "app", data: encodeAppMessage({ kind: "committed-block", height: block.height, root: block.trace.leaves.at(-1)!, txs: block.txs }) });
          }
        }
      }
    }
    if (!this.posterPlays) return;
    for (const [h, tree] of this.posted) {
      const game = this.game(h);
      if (game === null) continue;
      const move = posterMove(game, tree);
      if (move.kind === "reveal") this.tx([gameInstructions.bisectReveal(poster.publicKey, challengerKey.publicKey, h, move.root, move.proof)], poster);
    }
  }

  run(steps: number, until?: () => boolean): void {
    for (let i = 0; i < steps && !(until?.() ?? false); i++) this.step();
  }

  moves(): string[] {
    return this.ctx.logs.filter((l) => l.event === "challenger-move").map((l) => `${String(l.fields.height)}:${String(l.fields.move)}`);
  }
}

describe("ChallengerNode", () => {
  for (const staged of [false, true]) {
    it(`challenges a wrong root and not the right ones, bisects with the poster to the first wrong transaction, proves it in one step (${staged ? "witness staged in a loader buffer" : "staged because, with the Ed25519 precompile beside it, it does not fit inline"}) and takes the poster's bond`, () => {
      const world = new World(chain(3, 9), { kind: "honest" }, staged);
      world.post(1);
      world.post(2, 4);
      world.post(3);
      world.run(200, () => world.game(2)?.turn === GAME_TURN.challengerSteps);
      const atStep = world.game(2)!;
      expect([atStep.lo, atStep.hi]).toEqual([3, 4]);
      world.run(200, () => world.game(2)?.turn === GAME_TURN.over);
      const game = world.game(2)!;
      expect(game.winner).toBe(GAME_WINNER.challenger);
      expect(game.moves).toBeLessThanOrEqual(moveBound(9));
      expect(decodeOptimisticBatch(world.account(batchAddress(2))!).status).toBe(BATCH_STATUS.rejected);
      const moves = world.moves();
      expect(moves.filter((m) => m.endsWith(":challenge"))).toEqual(["2:challenge"]);
      expect(moves.filter((m) => m.endsWith(":step"))).toEqual(["2:step"]);
      // Create, one 900-byte write: a transfer's step with its signature's precompile instruction never fits one transaction.
      expect(moves.filter((m) => m.startsWith("2:stage-")).length).toBe(2);
      expect(world.ctx.logs.filter((l) => l.event === "challenger-move-landed").every((l) => l.fields.ok === true)).toBe(true);
      world.run(50, () => world.moves().includes("2:resolve") && world.account(gameAddress(2, challengerKey.publicKey)) === null);
      expect(world.account(gameAddress(2, challengerKey.publicKey))).toBeNull();
    });
  }

  it("times out a silent poster, resolves, and takes the poster's bond; the batch is rejected", () => {
    const world = new World(chain(1, 4), { kind: "honest" });
    world.posterPlays = false;
    world.post(1, 2);
    const before = world.l1.lamports(challengerKey.publicKey);
    world.run(400, () => world.account(gameAddress(1, challengerKey.publicKey)) === null && world.moves().includes("1:resolve"));
    expect(world.moves()).toEqual(["1:challenge", "1:timeout", "1:resolve"]);
    expect(decodeOptimisticBatch(world.account(batchAddress(1))!).status).toBe(BATCH_STATUS.rejected);
    // Bonds: its own back plus the poster's; fees are a few thousand lamports per transaction.
    const gained = world.l1.lamports(challengerKey.publicKey) - before;
    expect(gained).toBeGreaterThan(POSTER_BOND - 100_000n);
    expect(gained).toBeLessThanOrEqual(POSTER_BOND);
  });

  it("a lazy challenger never challenges; a silent one stops after its first moves", () => {
    const lazy = new World(chain(1, 4), { kind: "lazy" });
    lazy.post(1, 2);
    lazy.run(40);
    expect(lazy.moves()).toEqual([]);

    const silent = new World(chain(1, 16), { kind: "silent-after", moves: 2 });
    silent.post(1, 3);
    silent.run(60);
    expect(silent.moves()).toEqual(["1:challenge", "1:choose"]);
    expect(silent.game(1)!.turn).toBe(GAME_TURN.challengerChooses);
  });
});

/**
 * The AssetRollup program's optimistic settlement and dispute game
 * (programs/asset_rollup/src/game.c) in solana-bankrun through anchor's
 * client built from the shipped IDL: every instruction, its error paths, the
 * chess clocks, bisection down to one transaction against a trace that
 * diverges at a chosen index, bonds (conserved: vault = rent + posted - paid),
 * and finality in height order.
 */
import { BN, type Program } from "@coral-xyz/anchor";
import { ComputeBudgetProgram, PublicKey, SYSVAR_INSTRUCTIONS_PUBKEY, Transaction, type TransactionInstruction } from "@solana/web3.js";
import { stepDepositRecords, stepSignatureInstruction, stepSignatureOf } from "../../src/l1/step-signature.js";
import { bridgeInstructions, depositRecordAddress } from "../../src/l1/bridge-program.js";
import { batchDataProof, batchDataRoot } from "../../src/crypto/binary-merkle.js";
import { toHex } from "../../src/crypto/hash.js";
import { createSignatureScheme } from "../../src/crypto/schemes.js";
import { TraceLedger, type BatchTrace } from "../../src/settlement/trace-ledger.js";
import type { Genesis } from "../../src/vm/genesis.js";
import { encodeTransaction as encodeL2, signTransaction as signL2 } from "../../src/vm/tx-codec.js";
import { BRIDGE_ACCOUNT, NATIVE_ASSET } from "../../src/vm/types.js";
import { beforeEach, describe, expect, it } from "vitest";
import { sha256 as sha256Bytes } from "../../src/crypto/hash.js";
import { TraceTree } from "../../src/settlement/trace-commitment.js";
import {
  PROGRAM_ID,
  type ProgramSession,
  accountClient,
  configAddress,
  customErrorCode,
  errorNumber,
  fixedKeypair,
  fund,
  setClock,
  startProgram,
} from "../helpers/asset-rollup-program.js";

const authority = fixedKeypair("upgrade-authority");
const poster = fixedKeypair("batch-poster");
const challenger = fixedKeypair("challenger");
const challenger2 = fixedKeypair("challenger-2");
const stranger = fixedKeypair("stranger");
const [CONFIG] = configAddress();
const [GAME_CONFIG] = PublicKey.findProgramAddressSync([Buffer.from("game-config")], PROGRAM_ID);
const [VAULT] = PublicKey.findProgramAddressSync([Buffer.from("bond-vault")], PROGRAM_ID);

const PERIOD = 600; // seconds
const CLOCK = 120; // seconds per party
const POSTER_BOND = 5_000_000_000n;
const CHALLENGER_BOND = 1_000_000_000n;
const T0 = 1_700_000_000n;
const GENESIS = stateRoot("genesis", 0);

function u64le(value: number | bigint): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(BigInt(value));
  return out;
}

function batchAddress(height: number): PublicKey {
  return PublicKey.findProgramAddressSync([Buffer.from("batch"), u64le(height)], PROGRAM_ID)[0];
}

function gameAddress(height: number, who: PublicKey): PublicKey {
  return PublicKey.findProgramAddressSync([Buffer.from("game"), u64le(height), who.toBuffer()], PROGRAM_ID)[0];
}

/** A 32-byte state root named by a label and an index. */
function stateRoot(label: string, index: number): Uint8Array {
  return sha256Bytes(Buffer.from(`${label}/${index}`));
}

/** The honest trace of height h: S_0 = pre, S_i = root("h<h>", i). */
function honestTrace(pre: Uint8Array, height: number, n: number): Uint8Array[] {
  return [pre, ...Array.from({ length: n }, (_, i) => stateRoot(`h${height}`, i + 1))];
}

/** A wrong trace: the honest one up to index k - 1, different from index k on. */
function wrongTrace(honest: Uint8Array[], k: number): Uint8Array[] {
  return honest.map((root, i) => (i < k ? root : stateRoot("wrong", i)));
}

interface Batch {
  height: BN;
  status: number;
  generation: number;
  poster: PublicKey;
  preRoot: number[];
  postRoot: number[];
  txCount: number;
  postedAt: BN;
  bond: BN;
  openGames: number;
  gamesPlayed: number;
  finalizedAt: BN;
}

interface Game {
  lo: number;
  hi: number;
  agreedRoot: number[];
  disputedRoot: number[];
  turn: number;
  winner: number;
  posterTimeLeft: BN;
  challengerTimeLeft: BN;
  moves: number;
}

interface GameConfig {
  lastHeight: BN;
  bondsPosted: BN;
  bondsPaid: BN;
}

const TURN = { reveal: 0, choose: 1, step: 2, over: 3 } as const;
const WINNER = { none: 0, poster: 1, challenger: 2 } as const;
const STATUS = { pending: 1, final: 2, rejected: 3 } as const;

class Harness {
  now = T0;
  slot = 10n;
  readonly traces = new Map<number, TraceTree>();
  /** The last position revealed per game ("height/challenger"), for choose's `mid`. */
  readonly mids = new Map<string, number>();

  constructor(readonly session: ProgramSession) {}

  get program(): Program {
    return this.session.program;
  }

  /** Moves the L1 clock to T0 + seconds (a new slot each time). */
  at(seconds: number): void {
    this.now = T0 + BigInt(seconds);
    this.slot += 1n;
    setClock(this.session.context, this.slot, this.now);
  }

  async lamports(address: PublicKey): Promise<bigint> {
    return BigInt((await this.session.context.banksClient.getAccount(address))?.lamports ?? 0);
  }

  async expectError(action: () => Promise<unknown>, name: string): Promise<void> {
    let caught: unknown = undefined;
    try {
      await action();
    } catch (error) {
      caught = error;
    }
    expect(caught, `expected ${name}, but it succeeded`).toBeDefined();
    expect(customErrorCode(caught), `expected ${name}, got ${String(caught)}`).toBe(errorNumber(name));
  }

  async initializeProgram(): Promise<void> {
    await this.program.methods
      .initialize({ batchPosterAuthority: poster.publicKey, version: 1 })
      .accounts({ upgradeAuthority: authority.publicKey })
      .signers([authority])
      .rpc();
  }

  initializeGame(params: Partial<{ period: number; clock: number; posterBond: bigint; challengerBond: bigint; genesis: Uint8Array }> = {}, signer = authority) {
    return this.program.methods
      .initializeGame({
        challengePeriodSeconds: new BN(params.period ?? PERIOD),
        clockSeconds: new BN(params.clock ?? CLOCK),
        posterBond: new BN((params.posterBond ?? POSTER_BOND).toString()),
        challengerBond: new BN((params.challengerBond ?? CHALLENGER_BOND).toString()),
        genesisRoot: [...(params.genesis ?? GENESIS)],
      })
      .accountsPartial({ rollupConfig: CONFIG, gameConfig: GAME_CONFIG, bondVault: VAULT, upgradeAuthority: signer.publicKey })
      .signers([signer]);
  }

  /** Posts height h with the given trace (S_0..S_n); the data commitment is a label's hash unless given. */
  post(height: number, trace: Uint8Array[], signer = poster, postRoot?: Uint8Array, dataCommitment?: Uint8Array) {
    const tree = new TraceTree(trace);
    return this.program.methods
      .postBatchOptimistic({
        height: new BN(height),
        preRoot: [...trace[0]!],
        postRoot: [...(postRoot ?? trace[trace.length - 1]!)],
        dataCommitment: [...(dataCommitment ?? stateRoot("data", height))],
        traceCommitment: [...tree.root],
        txCount: trace.length - 1,
      })
      .accountsPartial({ rollupConfig: CONFIG, gameConfig: GAME_CONFIG, batch: batchAddress(height), bondVault: VAULT, batchPoster: signer.publicKey })
      .signers([signer]);
  }

  async postTrace(height: number, trace: Uint8Array[]): Promise<void> {
    await this.post(height, trace).rpc();
    this.traces.set(height, new TraceTree(trace));
  }

  challenge(height: number, who = challenger) {
    return this.program.methods
      .challenge(new BN(height))
      .accountsPartial({ gameConfig: GAME_CONFIG, batch: batchAddress(height), game: gameAddress(height, who.publicKey), bondVault: VAULT, challenger: who.publicKey })
      .signers([who]);
  }

  reveal(height: number, who: PublicKey, index: number, tree = this.traces.get(height)!, signer = poster) {
    this.mids.set(`${height}/${who.toBase58()}`, index);
    return this.program.methods
      .bisectReveal(new BN(height), [...tree.leaves[index]!], tree.proof(index).map((hash) => [...hash]))
      .accountsPartial({ gameConfig: GAME_CONFIG, batch: batchAddress(height), game: gameAddress(height, who), batchPoster: signer.publicKey })
      .signers([signer]);
  }

  /** The challenger's answer to the position `mid` (default: the game's current midpoint, read by the caller). */
  choose(height: number, agree: boolean, who = challenger, signer = who, mid?: number) {
    return this.program.methods
      .bisectChoose(new BN(height), mid ?? this.mids.get(`${height}/${who.publicKey.toBase58()}`) ?? 0, agree)
      .accountsPartial({ gameConfig: GAME_CONFIG, game: gameAddress(height, who.publicKey), challenger: signer.publicKey })
      .signers([signer]);
  }

  timeout(height: number, who: PublicKey) {
    return this.program.methods
      .timeout(new BN(height))
      .accountsPartial({ gameConfig: GAME_CONFIG, batch: batchAddress(height), game: gameAddress(height, who) });
  }

  resolve(height: number, who: PublicKey, posterAccount = poster.publicKey) {
    return this.program.methods
      .resolve(new BN(height))
      .accountsPartial({ gameConfig: GAME_CONFIG, batch: batchAddress(height), game: gameAddress(height, who), bondVault: VAULT, poster: posterAccount, challenger: who });
  }

  finalize(height: number, parent = height > 1 ? batchAddress(height - 1) : GAME_CONFIG) {
    return this.program.methods
      .finalizeRoot(new BN(height))
      .accountsPartial({ gameConfig: GAME_CONFIG, batch: batchAddress(height), parentBatch: parent, bondVault: VAULT, poster: poster.publicKey });
  }

  async batch(height: number): Promise<Batch> {
    return (await accountClient(this.program, "optimisticBatch").fetch(batchAddress(height))) as unknown as Batch;
  }

  async game(height: number, who: PublicKey): Promise<Game> {
    return (await accountClient(this.program, "disputeGame").fetch(gameAddress(height, who))) as unknown as Game;
  }

  async gameConfig(): Promise<GameConfig> {
    return (await accountClient(this.program, "gameConfig").fetch(GAME_CONFIG)) as unknown as GameConfig;
  }

  /**
   * The honest challenger's play against the poster's trace: the poster
   * reveals S_mid, the challenger agrees iff it equals its own root there.
   * Returns the number of reveal/choose rounds.
   */
  async bisect(height: number, honest: Uint8Array[], who = challenger): Promise<number> {
    let rounds = 0;
    for (;;) {
      const game = await this.game(height, who.publicKey);
      if (game.turn !== TURN.reveal) return rounds;
      const mid = game.lo + Math.floor((game.hi - game.lo) / 2);
      await this.reveal(height, who.publicKey, mid).rpc();
      const revealed = this.traces.get(height)!.leaves[mid]!;
      await this.choose(height, Buffer.from(revealed).equals(Buffer.from(honest[mid]!)), who).rpc();
      rounds++;
    }
  }

  /** Vault lamports above its rent minimum: the bonds still locked. */
  async locked(): Promise<bigint> {
    const rent = BigInt(await this.session.provider.connection.getMinimumBalanceForRentExemption(8));
    return (await this.lamports(VAULT)) - rent;
  }
}

async function harness(withGame = true, genesis?: Uint8Array): Promise<Harness> {
  const h = new Harness(await startProgram());
  for (const keypair of [authority, poster, challenger, challenger2, stranger]) fund(h.session.context, keypair.publicKey);
  h.at(0);
  await h.initializeProgram();
  if (withGame) await h.initializeGame(genesis === undefined ? {} : { genesis }).rpc();
  return h;
}

describe("initialize_game", () => {
  it("creates GameConfig and the vault; only the upgrade authority, only once, only with positive parameters", async () => {
    const h = await harness(false);
    await h.expectError(() => h.initializeGame({}, stranger).rpc(), "Unauthorized");
    await h.expectError(() => h.initializeGame({ period: 0 }).rpc(), "InvalidGameParams");
    await h.expectError(() => h.initializeGame({ clock: -5 }).rpc(), "InvalidGameParams");
    await h.expectError(() => h.initializeGame({ posterBond: 0n }).rpc(), "InvalidGameParams");
    await h.initializeGame().rpc();
    const config = (await accountClient(h.program, "gameConfig").fetch(GAME_CONFIG)) as unknown as Record<string, BN>;
    expect(config["challengePeriodSeconds"]!.toNumber()).toBe(PERIOD);
    expect(config["clockSeconds"]!.toNumber()).toBe(CLOCK);
    expect(BigInt(config["posterBond"]!.toString())).toBe(POSTER_BOND);
    expect(await h.locked()).toBe(0n);
    await h.expectError(() => h.initializeGame().rpc(), "AlreadyInitialized");
  });
});

describe("post_batch_optimistic", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });

  it("records the batch, moves the poster's bond to the vault, and takes heights in order", async () => {
    const trace = honestTrace(GENESIS, 1, 5);
    const before = await h.lamports(poster.publicKey);
    await h.postTrace(1, trace);
    const batch = await h.batch(1);
    expect(batch.status).toBe(STATUS.pending);
    expect(batch.txCount).toBe(5);
    expect(batch.postRoot).toEqual([...trace[5]!]);
    expect(batch.postedAt.toString()).toBe(T0.toString());
    expect(BigInt(batch.bond.toString())).toBe(POSTER_BOND);
    expect(await h.locked()).toBe(POSTER_BOND);
    const rent = BigInt(await h.session.provider.connection.getMinimumBalanceForRentExemption(226));
    expect(before - (await h.lamports(poster.publicKey))).toBe(POSTER_BOND + rent);
    await h.expectError(() => h.post(3, honestTrace(trace[5]!, 3, 2)).rpc(), "HeightNotNext");
    await h.expectError(() => h.post(1, trace).rpc(), "BatchExists");
    await h.expectError(() => h.post(2, honestTrace(trace[5]!, 2, 2), stranger).rpc(), "Unauthorized");
    await h.expectError(() => h.post(2, [trace[5]!], poster, stateRoot("other", 0)).rpc(), "EmptyBatchChangesRoot");
    await h.program.methods.pausePosting().accounts({ upgradeAuthority: authority.publicKey }).signers([authority]).rpc();
    await h.expectError(() => h.post(2, honestTrace(trace[5]!, 2, 2)).rpc(), "PostingPaused");
    expect((await h.gameConfig()).lastHeight.toNumber()).toBe(1);
  });
});

describe("challenge and bisection", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });

  it("bisects a wrong trace down to the first wrong transaction, for every divergence point, in ceil(log2 n) rounds", async () => {
    const n = 13;
    for (let k = 1; k <= n; k++) {
      const height = k;
      const pre = k === 1 ? GENESIS : h.traces.get(k - 1)!.leaves[n]!;
      const honest = honestTrace(pre, height, n);
      await h.postTrace(height, wrongTrace(honest, k));
      await h.challenge(height).rpc();
      const rounds = await h.bisect(height, honest);
      const game = await h.game(height, challenger.publicKey);
      expect(game.turn, `k=${k}`).toBe(TURN.step);
      expect([game.lo, game.hi], `k=${k}`).toEqual([k - 1, k]);
      expect(game.agreedRoot).toEqual([...honest[k - 1]!]);
      expect(game.disputedRoot).toEqual([...stateRoot("wrong", k)]);
      expect(rounds).toBeLessThanOrEqual(Math.ceil(Math.log2(n)));
      expect(game.moves).toBe(1 + 2 * rounds);
    }
  });

  it("a batch of one transaction starts at the step; an empty batch cannot be challenged", async () => {
    await h.postTrace(1, [GENESIS, stateRoot("x", 1)]);
    await h.challenge(1).rpc();
    expect((await h.game(1, challenger.publicKey)).turn).toBe(TURN.step);
    await h.postTrace(2, [stateRoot("x", 1)]);
    await h.expectError(() => h.challenge(2).rpc(), "NothingToDispute");
  });

  it("refuses moves out of turn, by the wrong party, with a wrong proof, for another position, and a second game by the same challenger", async () => {
    const honest = honestTrace(GENESIS, 1, 8);
    await h.postTrace(1, wrongTrace(honest, 6));
    await h.challenge(1).rpc();
    await h.expectError(() => h.challenge(1).rpc(), "AlreadyInitialized");
    await h.expectError(() => h.choose(1, true).rpc(), "NotYourTurn");
    await h.expectError(() => h.reveal(1, challenger.publicKey, 4, undefined, stranger).rpc(), "Unauthorized");
    // S_3 is a true leaf but not the midpoint 4; a leaf of another tree does not verify.
    await h.expectError(() => h.reveal(1, challenger.publicKey, 3).rpc(), "InvalidMerkleProof");
    await h.expectError(() => h.reveal(1, challenger.publicKey, 4, new TraceTree(honest)).rpc(), "InvalidMerkleProof");
    await h.reveal(1, challenger.publicKey, 4).rpc();
    await h.expectError(() => h.reveal(1, challenger.publicKey, 4).rpc(), "NotYourTurn");
    await h.expectError(() => h.choose(1, true, challenger, stranger).rpc(), "Unauthorized");
    // A choose naming another position (a late or replayed one) is stale.
    await h.expectError(() => h.choose(1, true, challenger, challenger, 3).rpc(), "StaleMove");
    await h.choose(1, true).rpc();
    const game = await h.game(1, challenger.publicKey);
    expect([game.lo, game.hi, game.turn]).toEqual([4, 8, TURN.reveal]);
  });

  it("challenges only inside the challenge period, and only pending batches", async () => {
    await h.postTrace(1, honestTrace(GENESIS, 1, 4));
    h.at(PERIOD);
    await h.expectError(() => h.challenge(1).rpc(), "ChallengePeriodOver");
    h.at(PERIOD - 1);
    await h.challenge(1).rpc();
  });
});

describe("chess clocks, timeouts, resolve and bonds", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });

  it("charges each party only for its own moves; a move after its clock ran out is refused", async () => {
    const honest = honestTrace(GENESIS, 1, 8);
    await h.postTrace(1, wrongTrace(honest, 2));
    h.at(10);
    await h.challenge(1).rpc();
    h.at(40);
    await h.reveal(1, challenger.publicKey, 4).rpc(); // poster: 30 s
    h.at(50);
    await h.choose(1, false).rpc(); // challenger: 10 s
    let game = await h.game(1, challenger.publicKey);
    expect(game.posterTimeLeft.toNumber()).toBe(CLOCK - 30);
    expect(game.challengerTimeLeft.toNumber()).toBe(CLOCK - 10);
    h.at(50 + CLOCK - 30); // exactly the poster's time left: still allowed
    await h.reveal(1, challenger.publicKey, 2).rpc();
    game = await h.game(1, challenger.publicKey);
    expect(game.posterTimeLeft.toNumber()).toBe(0);
    h.at(50 + CLOCK - 30 + CLOCK - 10 + 1);
    await h.expectError(() => h.choose(1, true).rpc(), "ClockExpired");
  });

  it("a silent poster loses by timeout: the batch is rejected, the challenger takes both bonds, the height can be posted again", async () => {
    const honest = honestTrace(GENESIS, 1, 8);
    await h.postTrace(1, wrongTrace(honest, 5));
    await h.challenge(1).rpc();
    h.at(CLOCK);
    await h.expectError(() => h.timeout(1, challenger.publicKey).rpc(), "ClockNotExpired");
    await h.expectError(() => h.resolve(1, challenger.publicKey).rpc(), "GameNotOver");
    h.at(CLOCK + 1);
    await h.timeout(1, challenger.publicKey).rpc();
    await h.expectError(() => h.timeout(1, challenger.publicKey).rpc(), "GameOver");
    expect((await h.batch(1)).status).toBe(STATUS.rejected);
    expect((await h.game(1, challenger.publicKey)).winner).toBe(WINNER.challenger);
    await h.expectError(() => h.resolve(1, challenger.publicKey, stranger.publicKey).rpc(), "WrongAccount");
    await h.expectError(() => h.post(1, honest).rpc(), "OpenGames");
    const before = await h.lamports(challenger.publicKey);
    const gameRent = await h.lamports(gameAddress(1, challenger.publicKey));
    await h.resolve(1, challenger.publicKey).rpc();
    expect((await h.lamports(challenger.publicKey)) - before).toBe(POSTER_BOND + CHALLENGER_BOND + gameRent);
    expect(await h.lamports(gameAddress(1, challenger.publicKey))).toBe(0n);
    expect(await h.locked()).toBe(0n);
    h.at(PERIOD + 1);
    await h.expectError(() => h.finalize(1).rpc(), "BatchNotPending");
    // The honest repost at the same height starts a new period and finalizes after it.
    await h.postTrace(1, honest);
    const batch = await h.batch(1);
    expect([batch.status, batch.generation, batch.gamesPlayed]).toEqual([STATUS.pending, 1, 1]);
    h.at(2 * PERIOD + 1);
    await h.finalize(1).rpc();
    expect((await h.batch(1)).status).toBe(STATUS.final);
  });

  it("a silent challenger loses by timeout: the poster takes its bond and the root still finalizes", async () => {
    const honest = honestTrace(GENESIS, 1, 8);
    await h.postTrace(1, honest);
    await h.challenge(1).rpc();
    await h.reveal(1, challenger.publicKey, 4).rpc();
    h.at(CLOCK + 1);
    await h.timeout(1, challenger.publicKey).rpc();
    expect((await h.game(1, challenger.publicKey)).winner).toBe(WINNER.poster);
    await h.expectError(() => h.finalize(1).rpc(), "ChallengePeriodNotOver");
    h.at(PERIOD);
    await h.expectError(() => h.finalize(1).rpc(), "OpenGames");
    const before = await h.lamports(poster.publicKey);
    await h.resolve(1, challenger.publicKey).rpc();
    expect((await h.lamports(poster.publicKey)) - before).toBe(CHALLENGER_BOND);
    await h.finalize(1).rpc();
    expect((await h.lamports(poster.publicKey)) - before).toBe(CHALLENGER_BOND + POSTER_BOND);
    const batch = await h.batch(1);
    expect([batch.status, batch.finalizedAt.toString()]).toEqual([STATUS.final, (T0 + BigInt(PERIOD)).toString()]);
  });

  it("two challengers against one wrong batch: the first win takes the poster's bond, the second gets its own back; bonds are conserved throughout", async () => {
    const honest = honestTrace(GENESIS, 1, 4);
    await h.postTrace(1, wrongTrace(honest, 3));
    await h.challenge(1).rpc();
    await h.challenge(1, challenger2).rpc();
    const conserved = async () => {
      const config = await h.gameConfig();
      expect(await h.locked()).toBe(BigInt(config.bondsPosted.toString()) - BigInt(config.bondsPaid.toString()));
    };
    await conserved();
    h.at(CLOCK + 1);
    await h.timeout(1, challenger.publicKey).rpc();
    await h.timeout(1, challenger2.publicKey).rpc();
    const first = await h.lamports(challenger2.publicKey);
    await h.resolve(1, challenger2.publicKey).rpc();
    await conserved();
    const second = await h.lamports(challenger.publicKey);
    await h.resolve(1, challenger.publicKey).rpc();
    await conserved();
    const rent = BigInt(await h.session.provider.connection.getMinimumBalanceForRentExemption(195));
    expect((await h.lamports(challenger2.publicKey)) - first).toBe(POSTER_BOND + CHALLENGER_BOND + rent);
    expect((await h.lamports(challenger.publicKey)) - second).toBe(CHALLENGER_BOND + rent);
    expect(await h.locked()).toBe(0n);
  });
});

describe("finalize_root and root_is_final", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });

  it("finalizes in height order only, each pre root being the final root below it", async () => {
    const first = honestTrace(GENESIS, 1, 3);
    await h.postTrace(1, first);
    await h.postTrace(2, honestTrace(first[3]!, 2, 3));
    await h.postTrace(3, honestTrace(stateRoot("elsewhere", 0), 3, 3));
    h.at(PERIOD);
    await h.expectError(() => h.finalize(2).rpc(), "ParentNotFinal");
    await h.finalize(1).rpc();
    await h.expectError(() => h.finalize(1).rpc(), "BatchNotPending");
    await h.expectError(() => h.finalize(2, batchAddress(3)).rpc(), "ParentNotFinal");
    await h.finalize(2).rpc();
    await h.expectError(() => h.finalize(3).rpc(), "ParentNotFinal");
    expect((await h.batch(2)).status).toBe(STATUS.final);
    expect((await h.batch(3)).status).toBe(STATUS.pending);
  });

  it("height 1 must start at the genesis root", async () => {
    await h.postTrace(1, honestTrace(stateRoot("not-genesis", 0), 1, 2));
    h.at(PERIOD);
    await h.expectError(() => h.finalize(1).rpc(), "ParentNotFinal");
  });
});

describe("step: the one-step proof settles the game", () => {
  // ed25519: the step checks signatures (the Ed25519 precompile for a valid one, the program itself for a forgery).
  const scheme = createSignatureScheme("ed25519-native");
  const alice = scheme.keyPairFromSeed(new Uint8Array(32).fill(1));
  const bob = scheme.keyPairFromSeed(new Uint8Array(32).fill(2));
  const ALICE = toHex(alice.publicKey);
  const BOB = toHex(bob.publicKey);
  const vmGenesis: Genesis = { assets: [{ symbol: NATIVE_ASSET, decimals: 9, mintAuthority: null, balances: [[ALICE, 1_000_000n], [BOB, 1_000_000n]] }], pools: [] };
  const N = 6;

  /** One block of N transfers, executed by the TS VM: the truth. */
  function chain(): { ledger: TraceLedger; block: BatchTrace } {
    const ledger = new TraceLedger(vmGenesis, scheme);
    const txs = Array.from({ length: N }, (_, i) =>
      signL2({ sender: i % 2 === 0 ? ALICE : BOB, nonce: BigInt(i >> 1), fee: 2n, instructions: [{ kind: "transfer", asset: NATIVE_ASSET, to: i % 2 === 0 ? BOB : ALICE, amount: BigInt(10 + i) }] }, (i % 2 === 0 ? alice : bob).secretKey, scheme),
    );
    return { ledger, block: ledger.apply(1, txs) };
  }

  const BUFFER = fixedKeypair("witness-buffer").publicKey;

  /**
   * The step of transaction `index`; `viaBuffer` stages tx and witness in an account
   * (`u32 len | tx | u32 len | witness`, written straight into the bank) and sends them empty.
   */
  function stepMethod(
    h: Harness,
    block: Pick<BatchTrace, "txs">,
    ledger: TraceLedger,
    index: number,
    options: { proofIndex?: number; witness?: Uint8Array; signer?: typeof challenger; viaBuffer?: boolean; signature?: "omit" | TransactionInstruction } = {},
  ) {
    const witness = options.witness ?? ledger.stepWitness(1, index).bytes;
    const tx = block.txs[index]!;
    // With the Ed25519 precompile instruction beside it a step no longer fits inline: staged by default.
    options = { viaBuffer: true, ...options };
    const shown = options.signature === "omit" ? undefined : (options.signature ?? stepSignatureInstruction(tx));
    const proof = batchDataProof(block.txs, options.proofIndex ?? index).map((p) => [...p]);
    const signer = options.signer ?? challenger;
    if (options.viaBuffer === true) {
      const data = Buffer.alloc(8 + tx.length + witness.length);
      data.writeUInt32LE(tx.length, 0);
      data.set(tx, 4);
      data.writeUInt32LE(witness.length, 4 + tx.length);
      data.set(witness, 8 + tx.length);
      h.session.context.setAccount(BUFFER, { lamports: 1_000_000_000, data, owner: PublicKey.default, executable: false, rentEpoch: 0 });
    }
    const accounts = { gameConfig: GAME_CONFIG, batch: batchAddress(1), game: gameAddress(1, challenger.publicKey), challenger: signer.publicKey, witnessBuffer: options.viaBuffer === true ? BUFFER : null };
    const [txArg, witnessArg] = options.viaBuffer === true ? [Buffer.alloc(0), Buffer.alloc(0)] : [Buffer.from(tx), Buffer.from(witness)];
    return h.program.methods
      .step(new BN(1), proof, txArg, witnessArg)
      .accountsPartial(accounts as never)
      .preInstructions([ComputeBudgetProgram.setComputeUnitLimit({ units: 1_400_000 }), ...(shown === undefined ? [] : [shown])])
      .signers([signer]);
  }

  /** Posts the block with a trace wrong from index k (or right), challenges, and bisects honestly to the step. */
  async function toStep(k: number | undefined): Promise<{ h: Harness; ledger: TraceLedger; block: BatchTrace; lo: number }> {
    const { ledger, block } = chain();
    const h = await harness(true, block.trace.leaves[0]!);
    const honest = [...block.trace.leaves];
    const posted = k === undefined ? honest : honest.map((root, i) => (i < k ? root : stateRoot("wrong", i)));
    await h.post(1, posted, poster, undefined, block.dataCommitment).rpc();
    h.traces.set(1, new TraceTree(posted));
    await h.challenge(1).rpc();
    // A dishonest challenger of a right trace disagrees with everything; the honest one compares.
    for (;;) {
      const game = await h.game(1, challenger.publicKey);
      if (game.turn !== TURN.reveal) break;
      const mid = game.lo + Math.floor((game.hi - game.lo) / 2);
      await h.reveal(1, challenger.publicKey, mid).rpc();
      const agree = k === undefined ? false : Buffer.from(posted[mid]!).equals(Buffer.from(honest[mid]!));
      await h.choose(1, agree).rpc();
    }
    return { h, ledger, block, lo: (await h.game(1, challenger.publicKey)).lo };
  }

  it("against a wrong root: the step at the first wrong transaction wins for the challenger and rejects the batch", async () => {
    const { h, ledger, block, lo } = await toStep(4);
    expect(lo).toBe(3);
    const witness = ledger.stepWitness(1, lo);
    console.log(`step: transaction ${block.txs[lo]!.length} bytes, witness ${witness.bytes.length} bytes`);
    await stepMethod(h, block, ledger, lo, { viaBuffer: true }).rpc();
    console.log("step compute units:", h.session.provider.lastResult.computeUnits.toString());
    const game = await h.game(1, challenger.publicKey);
    expect([game.turn, game.winner]).toEqual([TURN.over, WINNER.challenger]);
    expect((await h.batch(1)).status).toBe(STATUS.rejected);
  });

  it("against a right root (a dishonest challenger): the step shows S_hi is right and the poster wins", async () => {
    const { h, ledger, block, lo } = await toStep(undefined);
    expect(lo).toBe(0);
    await stepMethod(h, block, ledger, lo).rpc();
    const game = await h.game(1, challenger.publicKey);
    expect([game.turn, game.winner]).toEqual([TURN.over, WINNER.poster]);
    expect((await h.batch(1)).status).toBe(STATUS.pending);
  });

  it("refuses a step with another transaction's proof, a tampered witness, by another signer, or out of turn", async () => {
    const { h, ledger, block, lo } = await toStep(2);
    expect(lo).toBe(1);
    await h.expectError(() => stepMethod(h, block, ledger, lo, { proofIndex: lo + 1 }).rpc(), "InvalidMerkleProof");
    const tampered = Uint8Array.from(ledger.stepWitness(1, lo).bytes);
    tampered[tampered.length - 1]! ^= 1;
    let caught: unknown;
    try {
      await stepMethod(h, block, ledger, lo, { witness: tampered }).rpc();
    } catch (error) {
      caught = error;
    }
    expect(customErrorCode(caught)).toBeGreaterThanOrEqual(6300);
    expect(customErrorCode(caught)).toBeLessThanOrEqual(6351);
    await h.expectError(() => stepMethod(h, block, ledger, lo, { signer: stranger }).rpc(), "Unauthorized");
    expect((await h.game(1, challenger.publicKey)).turn).toBe(TURN.step);
    await stepMethod(h, block, ledger, lo).rpc();
    await h.expectError(() => stepMethod(h, block, ledger, lo).rpc(), "GameOver");
  });
});

describe("step: the transaction's signature (Ed25519 precompile, or the program proving a forgery) and deposit credits (against the L1's DepositRecord)", () => {
  const scheme = createSignatureScheme("ed25519-native");
  const alice = scheme.keyPairFromSeed(new Uint8Array(32).fill(1));
  const bob = scheme.keyPairFromSeed(new Uint8Array(32).fill(2));
  const ALICE = toHex(alice.publicKey);
  const BOB = toHex(bob.publicKey);
  const vmGenesis: Genesis = { assets: [{ symbol: NATIVE_ASSET, decimals: 9, mintAuthority: null, balances: [[ALICE, 1_000_000n], [BOB, 1_000_000n]] }], pools: [] };
  const N = 6;
  const BUFFER = fixedKeypair("signature-witness-buffer").publicKey;

  function chain(): { ledger: TraceLedger; block: BatchTrace } {
    const ledger = new TraceLedger(vmGenesis, scheme);
    const txs = Array.from({ length: N }, (_, i) =>
      signL2({ sender: i % 2 === 0 ? ALICE : BOB, nonce: BigInt(i >> 1), fee: 2n, instructions: [{ kind: "transfer", asset: NATIVE_ASSET, to: i % 2 === 0 ? BOB : ALICE, amount: BigInt(10 + i) }] }, (i % 2 === 0 ? alice : bob).secretKey, scheme),
    );
    return { ledger, block: ledger.apply(1, txs) };
  }

  /** Transaction 3 of chain() (BOB pays ALICE 13 at nonce 1), signed by ALICE's key: a forgery. */
  const forged = (): Uint8Array => signL2({ sender: BOB, nonce: 1n, fee: 2n, instructions: [{ kind: "transfer", asset: NATIVE_ASSET, to: ALICE, amount: 13n }] }, alice.secretKey, scheme);

  /** Posts `txs` with the trace `posted`, challenges, and bisects to index `lo` (the challenger agrees up to `agreeUpTo`). */
  async function toStep(txs: Uint8Array[], posted: Uint8Array[], agreeUpTo: number): Promise<Harness> {
    const h = await harness(true, posted[0]!);
    await h.post(1, posted, poster, undefined, batchDataRoot(txs)).rpc();
    h.traces.set(1, new TraceTree(posted));
    await h.challenge(1).rpc();
    for (;;) {
      const game = await h.game(1, challenger.publicKey);
      if (game.turn !== TURN.reveal) break;
      const mid = game.lo + Math.floor((game.hi - game.lo) / 2);
      await h.reveal(1, challenger.publicKey, mid).rpc();
      await h.choose(1, mid <= agreeUpTo).rpc();
    }
    return h;
  }

  /** The step of `txs[index]` with its tx and witness staged in an account; `shown`: the precompile instruction or none. */
  function step(h: Harness, txs: Uint8Array[], index: number, witness: Uint8Array, shown: TransactionInstruction | undefined, records: PublicKey[] = []) {
    const tx = txs[index]!;
    const data = Buffer.alloc(8 + tx.length + witness.length);
    data.writeUInt32LE(tx.length, 0);
    data.set(tx, 4);
    data.writeUInt32LE(witness.length, 4 + tx.length);
    data.set(witness, 8 + tx.length);
    h.session.context.setAccount(BUFFER, { lamports: 1_000_000_000, data, owner: PublicKey.default, executable: false, rentEpoch: 0 });
    return h.program.methods
      .step(new BN(1), batchDataProof(txs, index).map((p) => [...p]), Buffer.alloc(0), Buffer.alloc(0))
      .accountsPartial({ gameConfig: GAME_CONFIG, batch: batchAddress(1), game: gameAddress(1, challenger.publicKey), challenger: challenger.publicKey, witnessBuffer: BUFFER } as never)
      .preInstructions([ComputeBudgetProgram.setComputeUnitLimit({ units: 1_400_000 }), ...(shown === undefined ? [] : [shown])])
      .remainingAccounts(records.map((pubkey) => ({ pubkey, isSigner: false, isWritable: false })))
      .signers([challenger]);
  }

  /** A block whose first transaction credits deposit 0 (500 lamports to ALICE), then two transfers; executed by the TS VM. */
  function depositChain(): { ledger: TraceLedger; block: BatchTrace } {
    const ledger = new TraceLedger(vmGenesis, scheme);
    const credit = encodeL2({ sender: BRIDGE_ACCOUNT, nonce: 0n, fee: 0n, instructions: [{ kind: "credit-deposit", sequence: 0n, to: ALICE, amount: 500n }], signature: new Uint8Array(0) });
    const transfers = [0, 1].map((nonce) => signL2({ sender: ALICE, nonce: BigInt(nonce), fee: 2n, instructions: [{ kind: "transfer", asset: NATIVE_ASSET, to: BOB, amount: 7n }] }, alice.secretKey, scheme));
    return { ledger, block: ledger.apply(1, [credit, ...transfers]) };
  }

  /** Deposits `amount` lamports for ALICE on the L1 (deposit 0, a real DepositRecord). */
  async function depositOnL1(h: Harness, amount: bigint): Promise<void> {
    const depositor = fixedKeypair("depositor");
    fund(h.session.context, depositor.publicKey);
    await h.session.provider.sendAndConfirm!(new Transaction().add(bridgeInstructions.deposit(depositor.publicKey, alice.publicKey, amount, 0n, PROGRAM_ID)), [depositor]);
  }

  for (const l1 of ["another amount", "no deposit"] as const) {
    it(`a credit the L1 does not hold (${l1}): the step makes it the no-op and the challenger wins; without the record's account the step is refused`, async () => {
      const { ledger, block } = depositChain();
      const txs = [...block.txs];
      const h = await toStep(txs, [...block.trace.leaves], 0);
      if (l1 === "another amount") await depositOnL1(h, 499n);
      expect((await h.game(1, challenger.publicKey)).lo).toBe(0);
      const records = stepDepositRecords(txs[0]!, PROGRAM_ID);
      expect(records.map(String)).toEqual([depositRecordAddress(0n, PROGRAM_ID).toBase58()]);
      const witness = ledger.stepWitness(1, 0).bytes;
      await h.expectError(() => step(h, txs, 0, witness, undefined).rpc(), "StepDepositRecordMissing");
      await step(h, txs, 0, witness, undefined, records).rpc();
      console.log(`step over a credit the L1 does not hold (${l1}), compute units:`, h.session.provider.lastResult.computeUnits.toString());
      const game = await h.game(1, challenger.publicKey);
      expect([game.turn, game.winner]).toEqual([TURN.over, WINNER.challenger]);
      expect((await h.batch(1)).status).toBe(STATUS.rejected);
    });
  }

  it("a credit the L1 holds: the step executes it and shows the poster right", async () => {
    const { ledger, block } = depositChain();
    const txs = [...block.txs];
    const h = await toStep(txs, [...block.trace.leaves], 0); // a dishonest challenger disputes S_1
    await depositOnL1(h, 500n);
    await step(h, txs, 0, ledger.stepWitness(1, 0).bytes, undefined, stepDepositRecords(txs[0]!, PROGRAM_ID)).rpc();
    console.log("step over a credit the L1 holds, compute units:", h.session.provider.lastResult.computeUnits.toString());
    const game = await h.game(1, challenger.publicKey);
    expect([game.turn, game.winner]).toEqual([TURN.over, WINNER.poster]);
  });

  it("a forged transaction the poster executed as if signed: the step proves the forgery (a no-op), the challenger wins", async () => {
    const { ledger, block } = chain();
    const txs = [...block.txs];
    txs[3] = forged();
    expect(stepSignatureOf(txs[3]!)).toBe("forged");
    expect(stepSignatureInstruction(txs[3]!)).toBeUndefined();
    // The poster's trace executes transaction 3 as the validly signed one would (execution ignores signature bytes).
    const h = await toStep(txs, [...block.trace.leaves], 3);
    expect((await h.game(1, challenger.publicKey)).lo).toBe(3);
    await step(h, txs, 3, ledger.stepWitness(1, 3).bytes, undefined).rpc();
    console.log("step over a forged transaction (ed25519 checked in the program), compute units:", h.session.provider.lastResult.computeUnits.toString());
    const game = await h.game(1, challenger.publicKey);
    expect([game.turn, game.winner]).toEqual([TURN.over, WINNER.challenger]);
    expect((await h.batch(1)).status).toBe(STATUS.rejected);
  });

  it("a validly signed transaction: shown by the precompile the step executes it; without the precompile, with another transaction's, without the sysvar or over other bytes: refused", async () => {
    const { ledger, block } = chain();
    const txs = [...block.txs];
    // The challenger wrongly disputes S_4 (a right root): the step over transaction 3 must show the poster right.
    const h = await toStep(txs, [...block.trace.leaves], 3);
    expect((await h.game(1, challenger.publicKey)).lo).toBe(3);
    const witness = ledger.stepWitness(1, 3).bytes;
    await h.expectError(() => step(h, txs, 3, witness, undefined).rpc(), "StepSignatureNotProven");
    await h.expectError(() => step(h, txs, 3, witness, stepSignatureInstruction(txs[4]!)).rpc(), "StepSignatureMismatch");
    const withoutSysvar = await step(h, txs, 3, witness, stepSignatureInstruction(txs[3]!)).instruction();
    const stripped = { ...withoutSysvar, keys: withoutSysvar.keys.filter((k) => !k.pubkey.equals(SYSVAR_INSTRUCTIONS_PUBKEY)) };
    expect(stripped.keys.length).toBe(withoutSysvar.keys.length - 1);
    await h.expectError(
      () => h.session.provider.sendAndConfirm!(new Transaction().add(ComputeBudgetProgram.setComputeUnitLimit({ units: 1_400_000 }), stepSignatureInstruction(txs[3]!)!, stripped as TransactionInstruction), [challenger]),
      "StepSignatureMissingSysvar",
    );
    // A precompile entry over other bytes than the transaction's is a mismatch too. (bankrun does not run
    // precompiles; that litesvm, the simulator's L1, fails a transaction whose precompile does not verify is
    // test/settlement/step-signature.test.ts.)
    const shown = stepSignatureInstruction(txs[3]!)!;
    const tampered = { ...shown, data: Buffer.from(shown.data) };
    tampered.data[tampered.data.length - 1]! ^= 1; // web3.js puts the message last
    await h.expectError(() => step(h, txs, 3, witness, tampered as TransactionInstruction).rpc(), "StepSignatureMismatch");
    expect((await h.game(1, challenger.publicKey)).turn).toBe(TURN.step);
    await step(h, txs, 3, witness, stepSignatureInstruction(txs[3]!)).rpc();
    console.log("step over a validly signed transaction (Ed25519 precompile), compute units:", h.session.provider.lastResult.computeUnits.toString());
    const game = await h.game(1, challenger.publicKey);
    expect([game.turn, game.winner]).toEqual([TURN.over, WINNER.poster]);
  });
});

describe("compute units", () => {
  it("prints the compute units of each instruction (n = 1000 transactions: 10 rounds)", async () => {
    const h = await harness();
    const honest = honestTrace(GENESIS, 1, 1000);
    await h.postTrace(1, wrongTrace(honest, 377));
    const units: Record<string, bigint[]> = {};
    const record = (name: string) => {
      (units[name] ??= []).push(h.session.provider.lastResult.computeUnits);
    };
    record("post_batch_optimistic");
    await h.challenge(1).rpc();
    record("challenge");
    for (;;) {
      const game = await h.game(1, challenger.publicKey);
      if (game.turn !== TURN.reveal) break;
      const mid = game.lo + Math.floor((game.hi - game.lo) / 2);
      await h.reveal(1, challenger.publicKey, mid).rpc();
      record("bisect_reveal");
      await h.choose(1, Buffer.from(h.traces.get(1)!.leaves[mid]!).equals(Buffer.from(honest[mid]!))).rpc();
      record("bisect_choose");
    }
    h.at(CLOCK + 1);
    await h.timeout(1, challenger.publicKey).rpc();
    record("timeout");
    await h.resolve(1, challenger.publicKey).rpc();
    record("resolve");
    expect(units["bisect_reveal"]!.length).toBe(10);
    const summary = Object.fromEntries(Object.entries(units).map(([name, list]) => [name, list.map(Number).reduce((a, b) => Math.max(a, b), 0)]));
    console.log("dispute game compute units (max per instruction):", JSON.stringify(summary));
    for (const max of Object.values(summary)) expect(max).toBeLessThan(200_000);
  });
});

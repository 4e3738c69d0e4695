/**
 * The client side of the AssetRollup program's optimistic settlement and
 * dispute game (programs/asset_rollup/src/game.c, docs/fraud-proofs.md
 * "Dispute game"): PDAs, one instruction builder per game instruction
 * (accounts in IDL order, arguments encoded by the IDL's `BorshCoder`), and
 * decoders of the GameConfig, OptimisticBatch and DisputeGame accounts.
 * Pure functions, no IO: usable from sans-IO nodes.
 */
import type anchor from "@coral-xyz/anchor";
import type { PublicKey, TransactionInstruction } from "@solana/web3.js";
import { utf8 } from "../crypto/hash.js";
import { configAddress, rollupCoder, rollupProgramId, ROLLUP_IDL } from "./rollup-program.js";
import { RollupAccountError } from "./rollup-accounts.js";
import { anchor as anchorModule, web3 } from "./solana-modules.js";

const GAME_CONFIG_SEED = utf8("game-config");
const BOND_VAULT_SEED = utf8("bond-vault");
const BATCH_SEED = utf8("batch");
const GAME_SEED = utf8("game");

function u64le(value: number | bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(value), true);
  return out;
}

function pda(seeds: Uint8Array[], programId: PublicKey): PublicKey {
  return web3().PublicKey.findProgramAddressSync(seeds, programId)[0];
}

/** `GameConfig` PDA: `["game-config"]`. */
export function gameConfigAddress(programId: PublicKey = rollupProgramId()): PublicKey {
  return pda([GAME_CONFIG_SEED], programId);
}

/** `BondVault` PDA: `["bond-vault"]`; its lamports above rent are the locked bonds. */
export function bondVaultAddress(programId: PublicKey = rollupProgramId()): PublicKey {
  return pda([BOND_VAULT_SEED], programId);
}

/** `OptimisticBatch` PDA of `height` (>= 1): `["batch", height u64 LE]`. */
export function batchAddress(height: number, programId: PublicKey = rollupProgramId()): PublicKey {
  return pda([BATCH_SEED, u64le(height)], programId);
}

/** `DisputeGame` PDA: `["game", height u64 LE, challenger]`. */
export function gameAddress(height: number, challenger: PublicKey, programId: PublicKey = rollupProgramId()): PublicKey {
  return pda([GAME_SEED, u64le(height), challenger.toBytes()], programId);
}

/** Game parameters (`initialize_game`): periods in seconds of L1 unix time, bonds in lamports. */
export interface GameParams {
  readonly challengePeriodSeconds: number;
  readonly clockSeconds: number;
  readonly posterBond: bigint;
  readonly challengerBond: bigint;
  /** S_0 of height 1 (32 bytes). */
  readonly genesisRoot: Uint8Array;
}

/** What a poster commits to for one batch (`post_batch_optimistic`). */
export interface BatchPost {
  readonly height: number;
  /** S_0 (32 bytes): the post root of height - 1, or the genesis root. */
  readonly preRoot: Uint8Array;
  /** S_n (32 bytes): the claimed root. */
  readonly postRoot: Uint8Array;
  /** Merkle root of the batch's encoded transactions (src/crypto/binary-merkle.ts). */
  readonly dataCommitment: Uint8Array;
  /** Merkle root of S_0..S_n (src/settlement/trace-commitment.ts). */
  readonly traceCommitment: Uint8Array;
  /** n. */
  readonly txCount: number;
}

function bytes32(value: Uint8Array, what: string): number[] {
  if (value.length !== 32) throw new RangeError(`${what} is 32 bytes, got ${value.length}`);
  return Array.from(value);
}

function bn(value: number | bigint): anchor.BN {
  return new (anchorModule().BN)(value.toString());
}

type Keys = TransactionInstruction["keys"];
const w = (pubkey: PublicKey, isSigner = false): Keys[number] => ({ pubkey, isSigner, isWritable: true });
const r = (pubkey: PublicKey, isSigner = false): Keys[number] => ({ pubkey, isSigner, isWritable: false });

function instruction(name: string, args: Record<string, unknown>, keys: Keys, programId: PublicKey): TransactionInstruction {
  return new (web3().TransactionInstruction)({ programId, keys, data: rollupCoder().instruction.encode(name, args) });
}

/** Instruction builders of the game, accounts in IDL order. @throws RangeError on a root that is not 32 bytes */
export const gameInstructions = {
  /** `initialize_game(params)`: signed by the RollupConfig's upgrade authority (payer). */
  initializeGame(upgradeAuthority: PublicKey, params: GameParams, programId: PublicKey = rollupProgramId()): TransactionInstruction {
    return instruction(
      "initialize_game",
      {
        params: {
          challenge_period_seconds: bn(params.challengePeriodSeconds),
          clock_seconds: bn(params.clockSeconds),
          poster_bond: bn(params.posterBond),
          challenger_bond: bn(params.challengerBond),
          genesis_root: bytes32(params.genesisRoot, "the genesis root"),
        },
      },
      [r(configAddress(programId)), w(gameConfigAddress(programId)), w(bondVaultAddress(programId)), w(upgradeAuthority, true), r(web3().SystemProgram.programId)],
      programId,
    );
  },
  /** `post_batch_optimistic(post)`: signed by the batch poster authority (pays the bond and the batch account). */
  postBatchOptimistic(poster: PublicKey, post: BatchPost, programId: PublicKey = rollupProgramId()): TransactionInstruction {
    return instruction(
      "post_batch_optimistic",
      {
        post: {
          height: bn(post.height),
          pre_root: bytes32(post.preRoot, "pre_root"),
          post_root: bytes32(post.postRoot, "post_root"),
          data_commitment: bytes32(post.dataCommitment, "data_commitment"),
          trace_commitment: bytes32(post.traceCommitment, "trace_commitment"),
          tx_count: post.txCount,
        },
      },
      [r(configAddress(programId)), w(gameConfigAddress(programId)), w(batchAddress(post.height, programId)), w(bondVaultAddress(programId)), w(poster, true), r(web3().SystemProgram.programId)],
      programId,
    );
  },
  /** `challenge(height)`: opens the challenger's game (it pays its bond and the game account). */
  challenge(challenger: PublicKey, height: number, programId: PublicKey = rollupProgramId()): TransactionInstruction {
    return instruction(
      "challenge",
      { height: bn(height) },
      [w(gameConfigAddress(programId)), w(batchAddress(height, programId)), w(gameAddress(height, challenger, programId)), w(bondVaultAddress(programId)), w(challenger, true), r(web3().SystemProgram.programId)],
      programId,
    );
  },
  /** `bisect_reveal(height, mid_root, proof)`: the poster reveals S_mid of `challenger`'s game. */
  bisectReveal(poster: PublicKey, challenger: PublicKey, height: number, midRoot: Uint8Array, proof: readonly Uint8Array[], programId: PublicKey = rollupProgramId()): TransactionInstruction {
    return instruction(
      "bisect_reveal",
      { height: bn(height), mid_root: bytes32(midRoot, "mid_root"), proof: proof.map((p) => bytes32(p, "a proof sibling")) },
      [r(gameConfigAddress(programId)), r(batchAddress(height, programId)), w(gameAddress(height, challenger, programId)), r(poster, true)],
      programId,
    );
  },
  /** `bisect_choose(height, mid, agree)`: the challenger agrees with S_mid or disputes it; `mid` is the position it answers. */
  bisectChoose(challenger: PublicKey, height: number, mid: number, agree: boolean, programId: PublicKey = rollupProgramId()): TransactionInstruction {
    return instruction("bisect_choose", { height: bn(height), mid, agree }, [r(gameConfigAddress(programId)), w(gameAddress(height, challenger, programId)), r(challenger, true)], programId);
  },
  /**
   * `step(height, tx_proof, tx, witness)`: transaction lo with its proof against the data commitment and
   * its one-step witness; with `witnessBuffer`, tx and witness go empty and the program reads them there.
   * The instructions sysvar is always the last account: the program looks there for the Ed25519 precompile
   * instruction showing tx's signature, which the caller puts in the same transaction when the signature is
   * valid (`stepSignatureInstruction` in `step-signature.ts`). `depositRecords`: for a system transaction, the
   * DepositRecord address of every deposit it credits (`stepDepositRecords`), which the program compares with
   * the credits (an address without a record shows the deposit never happened).
   */
  step(
    challenger: PublicKey,
    height: number,
    txProof: readonly Uint8Array[],
    tx: Uint8Array,
    witness: Uint8Array,
    witnessBuffer?: PublicKey,
    programId: PublicKey = rollupProgramId(),
    depositRecords: readonly PublicKey[] = [],
  ): TransactionInstruction {
    const keys = [r(gameConfigAddress(programId)), w(batchAddress(height, programId)), w(gameAddress(height, challenger, programId)), r(challenger, true)];
    if (witnessBuffer !== undefined) keys.push(r(witnessBuffer));
    keys.push(r(web3().SYSVAR_INSTRUCTIONS_PUBKEY));
    for (const record of depositRecords) keys.push(r(record));
    const inline = witnessBuffer === undefined;
    return instruction(
      "step",
      { height: bn(height), tx_proof: txProof.map((p) => bytes32(p, "a proof sibling")), tx: Buffer.from(inline ? tx : new Uint8Array(0)), witness: Buffer.from(inline ? witness : new Uint8Array(0)) },
      keys,
      programId,
    );
  },
  /** `timeout(height)` of `challenger`'s game; anyone may send it (no signer besides the fee payer). */
  timeout(challenger: PublicKey, height: number, programId: PublicKey = rollupProgramId()): TransactionInstruction {
    return instruction("timeout", { height: bn(height) }, [r(gameConfigAddress(programId)), w(batchAddress(height, programId)), w(gameAddress(height, challenger, programId))], programId);
  },
  /** `resolve(height)` of `challenger`'s game: pays the bonds, closes the game. */
  resolve(poster: PublicKey, challenger: PublicKey, height: number, programId: PublicKey = rollupProgramId()): TransactionInstruction {
    return instruction(
      "resolve",
      { height: bn(height) },
      [w(gameConfigAddress(programId)), w(batchAddress(height, programId)), w(gameAddress(height, challenger, programId)), w(bondVaultAddress(programId)), w(poster), w(challenger)],
      programId,
    );
  },
  /** `finalize_root(height)`: anyone; `poster` gets its bond back. */
  finalizeRoot(poster: PublicKey, height: number, programId: PublicKey = rollupProgramId()): TransactionInstruction {
    const parent = height > 1 ? batchAddress(height - 1, programId) : gameConfigAddress(programId);
    return instruction(
      "finalize_root",
      { height: bn(height) },
      [w(gameConfigAddress(programId)), w(batchAddress(height, programId)), r(parent), w(bondVaultAddress(programId)), w(poster)],
      programId,
    );
  },
};

/** The `GameConfig` account. */
export interface GameConfigAccount {
  readonly challengePeriodSeconds: bigint;
  readonly clockSeconds: bigint;
  readonly posterBond: bigint;
  readonly challengerBond: bigint;
  readonly genesisRoot: Uint8Array;
  readonly lastHeight: bigint;
  /** Cumulative lamports posted as bonds / paid out of the vault. */
  readonly bondsPosted: bigint;
  readonly bondsPaid: bigint;
}

/** Batch status: 1 pending, 2 final, 3 rejected. */
export const BATCH_STATUS = { pending: 1, final: 2, rejected: 3 } as const;
/** Whose move: 0 the poster reveals, 1 the challenger chooses, 2 the challenger steps, 3 over. */
export const GAME_TURN = { posterReveals: 0, challengerChooses: 1, challengerSteps: 2, over: 3 } as const;
/** 0 none yet, 1 the poster, 2 the challenger. */
export const GAME_WINNER = { none: 0, poster: 1, challenger: 2 } as const;

/** The `OptimisticBatch` account. Times are L1 unix seconds. */
export interface OptimisticBatchAccount {
  readonly height: bigint;
  readonly status: number;
  readonly generation: number;
  readonly poster: string;
  readonly preRoot: Uint8Array;
  readonly postRoot: Uint8Array;
  readonly dataCommitment: Uint8Array;
  readonly traceCommitment: Uint8Array;
  readonly txCount: number;
  readonly postedAt: bigint;
  readonly postedSlot: bigint;
  /** Lamports of the poster's bond still locked. */
  readonly bond: bigint;
  readonly openGames: number;
  readonly gamesPlayed: number;
  readonly finalizedAt: bigint;
}

/** The `DisputeGame` account. Clocks are seconds. */
export interface DisputeGameAccount {
  readonly height: bigint;
  readonly generation: number;
  readonly challenger: string;
  readonly bond: bigint;
  readonly lo: number;
  readonly hi: number;
  readonly agreedRoot: Uint8Array;
  readonly disputedRoot: Uint8Array;
  readonly midRoot: Uint8Array;
  readonly turn: number;
  readonly winner: number;
  readonly posterTimeLeft: bigint;
  readonly challengerTimeLeft: bigint;
  readonly lastMoveAt: bigint;
  readonly moves: number;
}

type GameAccountName = "GameConfig" | "OptimisticBatch" | "DisputeGame";

function decodeAccount(data: Uint8Array, name: GameAccountName): Record<string, unknown> {
  const idlAccount = ROLLUP_IDL.accounts?.find((a) => a.name === name);
  if (idlAccount === undefined) throw new Error(`IDL has no account ${name}`);
  const size = rollupCoder().accounts.size(name);
  if (data.length !== size) throw new RollupAccountError(`${name}: expected ${size} bytes, got ${data.length}`);
  for (let i = 0; i < 8; i++) if (data[i] !== idlAccount.discriminator[i]) throw new RollupAccountError(`${name}: wrong discriminator`);
  return rollupCoder().accounts.decode(name, Buffer.from(data.buffer, data.byteOffset, data.byteLength)) as Record<string, unknown>;
}

const big = (value: unknown): bigint => BigInt((value as anchor.BN).toString());
const root = (value: unknown): Uint8Array => Uint8Array.from(value as number[]);

/** @throws RollupAccountError when `data` is not a GameConfig account */
export function decodeGameConfig(data: Uint8Array): GameConfigAccount {
  const c = decodeAccount(data, "GameConfig");
  return {
    challengePeriodSeconds: big(c.challenge_period_seconds),
    clockSeconds: big(c.clock_seconds),
    posterBond: big(c.poster_bond),
    challengerBond: big(c.challenger_bond),
    genesisRoot: root(c.genesis_root),
    lastHeight: big(c.last_height),
    bondsPosted: big(c.bonds_posted),
    bondsPaid: big(c.bonds_paid),
  };
}

/** @throws RollupAccountError when `data` is not an OptimisticBatch account */
export function decodeOptimisticBatch(data: Uint8Array): OptimisticBatchAccount {
  const b = decodeAccount(data, "OptimisticBatch");
  return {
    height: big(b.height),
    status: b.status as number,
    generation: b.generation as number,
    poster: (b.poster as PublicKey).toBase58(),
    preRoot: root(b.pre_root),
    postRoot: root(b.post_root),
    dataCommitment: root(b.data_commitment),
    traceCommitment: root(b.trace_commitment),
    txCount: b.tx_count as number,
    postedAt: big(b.posted_at),
    postedSlot: big(b.posted_slot),
    bond: big(b.bond),
    openGames: b.open_games as number,
    gamesPlayed: b.games_played as number,
    finalizedAt: big(b.finalized_at),
  };
}

/** @throws RollupAccountError when `data` is not a DisputeGame account */
export function decodeDisputeGame(data: Uint8Array): DisputeGameAccount {
  const g = decodeAccount(data, "DisputeGame");
  return {
    height: big(g.height),
    generation: g.generation as number,
    challenger: (g.challenger as PublicKey).toBase58(),
    bond: big(g.bond),
    lo: g.lo as number,
    hi: g.hi as number,
    agreedRoot: root(g.agreed_root),
    disputedRoot: root(g.disputed_root),
    midRoot: root(g.mid_root),
    turn: g.turn as number,
    winner: g.winner as number,
    posterTimeLeft: big(g.poster_time_left),
    challengerTimeLeft: big(g.challenger_time_left),
    lastMoveAt: big(g.last_move_at),
    moves: g.moves as number,
  };
}

/**
 * The shipped AssetRollup program in litesvm (src/l1/svm.ts, synchronous),
 * driven through the TS client of the dispute game (src/l1/game-program.ts)
 * and the strategies (src/settlement/dispute-strategy.ts): a poster, any
 * number of challengers, a clock in unix seconds, and the account reads the
 * settlement watch needs.
 */
import { readFileSync } from "node:fs";
import type { Keypair, PublicKey, TransactionInstruction } from "@solana/web3.js";
import { sha256, utf8 } from "../../src/crypto/hash.js";
import {
  bondVaultAddress,
  decodeDisputeGame,
  decodeGameConfig,
  decodeOptimisticBatch,
  gameAddress,
  gameConfigAddress,
  gameInstructions,
  batchAddress,
  type DisputeGameAccount,
  type OptimisticBatchAccount,
} from "../../src/l1/game-program.js";
import { rollupInstructions, rollupProgramId, signTransaction, deriveSolanaKeypair } from "../../src/l1/rollup-program.js";
import { blockhashForSlot } from "../../src/l1/slot-clock.js";
import { SYSTEM_PROGRAM_ID, Svm, type ExecutionResult } from "../../src/l1/svm.js";
import { TraceTree } from "../../src/settlement/trace-commitment.js";
import { stepPayload } from "../../src/l1/loader-buffer.js";
import { PROGRAM_SO_PATH } from "./asset-rollup-program.js";

export const GAME_T0 = 1_700_000_000;
export const GAME_PERIOD = 600;
export const GAME_CLOCK = 120;
export const POSTER_BOND = 5_000_000_000n;
export const CHALLENGER_BOND = 1_000_000_000n;

/** A 32-byte root named by a label and an index. */
export function namedRoot(label: string, index: number): Uint8Array {
  return sha256(utf8(`${label}/${index}`));
}

export class GameSvm {
  readonly svm = new Svm();
  readonly programId = rollupProgramId();
  readonly authority = deriveSolanaKeypair("game-authority", 1);
  readonly poster = deriveSolanaKeypair("game-poster", 1);
  readonly genesis: Uint8Array;
  /** What the poster posted per height: its trace tree. */
  readonly posted = new Map<number, TraceTree>();
  slot = 1;
  now = GAME_T0;

  /** @param genesis the genesis state root (S_0 of height 1) */
  constructor(genesis: Uint8Array = namedRoot("genesis", 0)) {
    this.genesis = genesis;
    this.svm.addProgram(this.programId.toBytes(), readFileSync(PROGRAM_SO_PATH), this.authority.publicKey.toBytes());
    this.fund(this.authority.publicKey);
    this.fund(this.poster.publicKey);
    this.at(0);
    this.must([rollupInstructions.initialize(this.authority.publicKey, this.poster.publicKey, 1)], [this.authority]);
    this.must(
      [gameInstructions.initializeGame(this.authority.publicKey, { challengePeriodSeconds: GAME_PERIOD, clockSeconds: GAME_CLOCK, posterBond: POSTER_BOND, challengerBond: CHALLENGER_BOND, genesisRoot: this.genesis })],
      [this.authority],
    );
  }

  fund(key: PublicKey, lamports = 1_000_000_000_000n): void {
    this.svm.setAccount(key.toBytes(), { lamports, data: new Uint8Array(0), owner: SYSTEM_PROGRAM_ID, executable: false, rentEpoch: 0n });
  }

  /** Moves the clock to T0 + seconds, in a new slot. */
  at(seconds: number): void {
    this.now = GAME_T0 + seconds;
    this.slot++;
    this.svm.setClock({ slot: this.slot, epoch: 0, epochStartTimestamp: GAME_T0, leaderScheduleEpoch: 1, unixTimestamp: this.now });
  }

  send(instructions: TransactionInstruction[], signers: Keypair[]): ExecutionResult {
    this.slot++;
    this.svm.setClock({ slot: this.slot, epoch: 0, epochStartTimestamp: GAME_T0, leaderScheduleEpoch: 1, unixTimestamp: this.now });
    const tx = signTransaction(instructions, signers, blockhashForSlot(this.slot));
    return this.svm.execute(tx.bytes, "legacy");
  }

  must(instructions: TransactionInstruction[], signers: Keypair[]): void {
    const result = this.send(instructions, signers);
    if (!result.ok) throw new Error(`transaction failed: ${JSON.stringify(result, (_k, v) => (typeof v === "bigint" ? v.toString() : v))}`);
  }

  data(address: PublicKey): Uint8Array | null {
    const account = this.svm.getAccount(address.toBytes());
    return account === null || account.lamports === 0n ? null : account.data;
  }

  post(height: number, trace: Uint8Array[], dataCommitment: Uint8Array = namedRoot("data", height)): void {
    const tree = new TraceTree(trace);
    this.must(
      [
        gameInstructions.postBatchOptimistic(this.poster.publicKey, {
          height,
          preRoot: trace[0]!,
          postRoot: trace[trace.length - 1]!,
          dataCommitment,
          traceCommitment: tree.root,
          txCount: trace.length - 1,
        }),
      ],
      [this.poster],
    );
    this.posted.set(height, tree);
  }

  batch(height: number): OptimisticBatchAccount {
    const data = this.data(batchAddress(height));
    if (data === null) throw new Error(`no batch at ${height}`);
    return decodeOptimisticBatch(data);
  }

  game(height: number, challenger: PublicKey): DisputeGameAccount | null {
    const data = this.data(gameAddress(height, challenger));
    return data === null ? null : decodeDisputeGame(data);
  }

  gameConfig() {
    return decodeGameConfig(this.data(gameConfigAddress())!);
  }

  lamports(key: PublicKey): bigint {
    return this.svm.lamports(key.toBytes());
  }

  /** The account a step's transaction and witness are staged in (written straight into the runtime). */
  readonly stepBuffer = deriveSolanaKeypair("game-step-buffer", 1).publicKey;

  /** Stages `u32 len | tx | u32 len | witness` at {@link stepBuffer}. */
  stageStep(tx: Uint8Array, witness: Uint8Array): void {
    this.svm.setAccount(this.stepBuffer.toBytes(), { lamports: 1_000_000_000n, data: stepPayload(tx, witness), owner: SYSTEM_PROGRAM_ID, executable: false, rentEpoch: 0n });
  }

  /** Vault lamports above its rent minimum (the vault holds 8 bytes of data). */
  vaultLocked(rentMinimum: bigint): bigint {
    return this.lamports(bondVaultAddress()) - rentMinimum;
  }
}

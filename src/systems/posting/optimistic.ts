/**
 * The posting system in optimistic mode (`settlement.mode: "optimistic"`,
 * docs/fraud-proofs.md): per rollup, the optimistic poster (bonded batches,
 * answers games) and the scenario's challengers, both fed committed blocks by
 * the rollup's first validator (`blockWatchers`); the operator's `initialize`
 * also runs `initialize_game`. The registry checkers (l1-consistency,
 * posting-liveness) give way to the settlement checkers, over observations a
 * settlement watch derives from the L1's FINALIZED state after each finalized
 * slot (a reorged move, `finalize_root` included, never shows).
 */
import type { Keypair, PublicKey } from "@solana/web3.js";
import type { Checker, Observation } from "../../check/checker.js";
import { BondConservationChecker } from "../../check/settlement/bonds.js";
import { SettlementFinalRootChecker } from "../../check/settlement/final-root.js";
import { HonestChallengerChecker } from "../../check/settlement/honest-challenger.js";
import { bondVaultAddress, type GameParams } from "../../l1/game-program.js";
import type { L1Node } from "../../l1/l1-node.js";
import { rentExemptLamports } from "../../l1/loader-buffer.js";
import { deriveSolanaKeypair } from "../../l1/rollup-program.js";
import { ChallengerNode, type ChallengerBehaviour, type ChallengerMessage } from "../../settlement/challenger-node.js";
import { OptimisticPoster, type OptimisticPosterMessage } from "../../settlement/optimistic-poster.js";
import { readSettlement, type ReadAccount } from "../../settlement/settlement-watch.js";
import { TraceLedger } from "../../settlement/trace-ledger.js";
import { assert } from "../../sim/assert.js";
import type { NodeId } from "../../sim/node.js";
import type { World } from "../../harness/world.js";
import type { RollupScenario } from "../scenario-shape.js";
import type { RollupHandle } from "../validators/index.js";
import { L1_NODE_ID } from "../l1/index.js";

/** The role of a challenger node. */
export const CHALLENGER_ROLE = "challenger";

/** The parsed `settlement` section of a rollup. */
export type SettlementSection = RollupScenario["settlement"];

/** The node id of challenger `index` of a rollup (`challenger-0`, `r1/challenger-0`). */
export function challengerId(prefix: string, index: number): NodeId {
  return `${prefix}challenger-${index}`;
}

/** The L1 keys of a rollup's challengers (funded at L1 genesis). */
export function challengerKeys(prefix: string, seed: number, count: number): Keypair[] {
  return Array.from({ length: count }, (_, i) => deriveSolanaKeypair(challengerKeyLabel(prefix, i), seed));
}

/** The label of challenger `index`'s key (`deriveSolanaKeypair(label, seed)`): `<prefix>challenger/<index>`. */
export function challengerKeyLabel(prefix: string, index: number): string {
  return `${prefix}challenger/${index}`;
}

/** The challenger behaviour of a scenario entry. */
export function behaviourOf(entry: SettlementSection["challengers"][number]): ChallengerBehaviour {
  if (entry.behaviour === "silent-after") return { kind: "silent-after", moves: entry.moves ?? 0 };
  if (entry.behaviour === "dishonest") return { kind: "dishonest", at: entry.at ?? [] };
  return { kind: entry.behaviour };
}

/** The dispute game's parameters of a section (`initialize_game`): seconds and lamports; S_0 is the L2 genesis root. */
export function gameParamsOf(settlement: SettlementSection, handle: RollupHandle): GameParams {
  return {
    challengePeriodSeconds: settlement.challengePeriod / 1_000_000,
    clockSeconds: settlement.clock / 1_000_000,
    posterBond: BigInt(settlement.posterBond),
    challengerBond: BigInt(settlement.challengerBond),
    genesisRoot: new TraceLedger(handle.genesis, handle.scheme, 1).root,
  };
}

/** Timing the optimistic nodes share with the batch poster's section; microseconds. */
export interface OptimisticTiming {
  readonly pollIntervalUs: number;
  readonly requestTimeoutUs: number;
  readonly resendIntervalUs: number;
}

/**
 * Adds the optimistic poster (`posterId`, signing with `posterKey`, the key
 * `initialize` names) and the challengers to the world; registers them as
 * block watchers of the rollup's validators.
 */
export function addOptimisticNodes(
  world: World,
  spec: { readonly instance: string; readonly codec: unknown },
  rollup: RollupScenario,
  handle: RollupHandle,
  posterId: NodeId,
  posterKey: Keypair,
  programId: PublicKey,
  keys: readonly Keypair[],
  timing: OptimisticTiming,
): void {
  const settlement = rollup.settlement;
  const validator = handle.validators[0];
  assert(validator !== undefined, "a rollup has validators");
  // Quorum reads: every validator pushes its committed blocks; f + 1 must agree on a block (block-quorum.ts).
  const common = { l1: L1_NODE_ID, programId, validator, validators: handle.validators, blockQuorum: handle.quorum.f + 1, genesis: handle.genesis, scheme: handle.scheme, blocksPerBatch: rollup.batchPoster.batchEveryBlocks, ...timing };
  handle.blockWatchers.push(posterId);
  world.addNode<OptimisticPosterMessage>({
    id: posterId,
    role: "poster",
    system: "posting",
    instance: spec.instance,
    codec: spec.codec as never,
    crashable: true,
    honest: true,
    create: () =>
      new OptimisticPoster({
        ...common,
        key: posterKey,
        challengers: keys.map((k) => k.publicKey),
        challengePeriodSeconds: settlement.challengePeriod / 1_000_000,
        wrongRootAt: settlement.wrongRootAt,
      }),
  });
  settlement.challengers.forEach((entry, i) => {
    const id = challengerId(rollup.prefix, i);
    handle.blockWatchers.push(id);
    const behaviour = behaviourOf(entry);
    world.addNode<ChallengerMessage>({
      id,
      role: CHALLENGER_ROLE,
      system: "posting",
      instance: spec.instance,
      codec: spec.codec as never,
      crashable: true,
      honest: behaviour.kind === "honest",
      create: () => new ChallengerNode({ ...common, key: keys[i]!, behaviour }),
    });
  });
}

/**
 * Derives the settlement observations of `programId` from the L1's finalized
 * state, only those that changed since the last finalized slot (the checkers
 * judge changes: a batch's status or root, a game's moves, the bond ledger).
 */
export class FinalizedSettlementWatch {
  private readonly last = new Map<string, string>();
  private vaultRent: bigint | undefined;

  /**
   * @param programId the rollup's program
   * @param challengers the challengers' keys (their game PDAs are read)
   */
  constructor(
    private readonly programId: PublicKey,
    private readonly challengers: readonly PublicKey[],
  ) {}

  /** The observations of what changed at the finalized commitment, stamped `timeUs`, from node `l1`. */
  newlyFinalized(node: L1Node, timeUs: number): Observation[] {
    const read: ReadAccount = (address) => {
      const account = node.accountAt(address.toBase58(), "finalized");
      return account === null ? null : { lamports: account.lamports, data: account.data };
    };
    if (this.vaultRent === undefined) {
      const vault = read(bondVaultAddress(this.programId));
      if (vault === null) return [];
      this.vaultRent = rentExemptLamports(vault.data.length);
    }
    const out: Observation[] = [];
    for (const { event, fields } of readSettlement(read, { programId: this.programId, challengers: this.challengers, vaultRent: this.vaultRent })) {
      const key = event === "settlement-batch" ? `b/${fields.height}` : event === "settlement-game" ? `g/${fields.height}/${fields.challenger}` : "bonds";
      const text = JSON.stringify(fields);
      if (this.last.get(key) === text) continue;
      this.last.set(key, text);
      out.push({ timeUs, node: L1_NODE_ID, event, fields });
    }
    return out;
  }
}

/**
 * The settlement checkers of a rollup (docs/fraud-proofs.md "Checkers"):
 * final roots are committed roots, bonds are conserved, honest challengers
 * never lose. Optimistic batch b carries the root of L2 height b K (K = `batchEveryBlocks`).
 */
export function settlementCheckers(rollup: RollupScenario, handle: RollupHandle, keys: readonly Keypair[]): Checker[] {
  const honest = new Set(rollup.settlement.challengers.flatMap((c, i) => (c.behaviour === "honest" ? [keys[i]!.publicKey.toBase58()] : [])));
  return [new SettlementFinalRootChecker(rollup.batchPoster.batchEveryBlocks, handle.honest), new BondConservationChecker(), new HonestChallengerChecker(honest)];
}

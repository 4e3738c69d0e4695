/**
 * The work the simulated validators of one run share (see `sim/run-memo.ts`):
 *
 * - **block execution**, keyed by (parent state root, block hash): the
 *   post-state (the block's writes and its version of the persistent sparse
 *   Merkle tree) and the receipts, or why the block is invalid. Execution
 *   reads the parent state, which its root commits to (the tree holds the
 *   hash of every value), and the block's height and transactions, which the
 *   block hash covers (`consensus/block-hash.ts`, the payload by its sha256;
 *   every node computes the hash itself when it decodes a block). A validator
 *   whose state differs has another parent root and executes for itself.
 *   Nodes that hit hold the same writes map and tree nodes: the state of N
 *   validators at one version is stored once (each keeps only its committed
 *   index, see `vm/ledger-state.ts`).
 * - **transaction decoding and signature checks**, keyed by the transaction
 *   id (sha256 of its bytes) and reused only for byte-identical bytes: the
 *   decoded transaction or the rejection reason.
 *
 * A shortcut of the simulation process; real mode (`runtime/`) runs without it.
 */
import { bytesEqual, toHex, type Hash } from "../crypto/hash.js";
import type { SparseMerkleTree } from "../crypto/sparse-merkle.js";
import { RunMemo, type SharingCheck } from "../sim/run-memo.js";
import type { LedgerState, StateLayer } from "../vm/ledger-state.js";
import { encodeStateValue, type StateValue } from "../vm/state-keys.js";
import type { DecodedTransaction } from "../vm/tx-codec.js";
import type { TxReceipt } from "../vm/types.js";

/** What a valid block's execution leaves, in a form several nodes can hold (never mutated). */
export interface SharedPostState {
  /** The block's writes (undefined: deleted), as `StateLayer.writes` holds them. */
  readonly writes: ReadonlyMap<string, StateValue | undefined>;
  /** The post-state's tree (persistent: shared by every node that holds this version). */
  readonly tree: SparseMerkleTree;
  readonly receipts: readonly TxReceipt[];
}

/** Why a block's transactions cannot be executed (as `block-execution.ts` says it). */
export interface SharedInvalidBlock {
  readonly index: number;
  readonly reason: string;
}

/** The remembered outcome of executing one block on one parent state. */
export type SharedBlockOutcome = SharedPostState | SharedInvalidBlock;

/** The remembered outcome of decoding and signature-checking one transaction's bytes. */
export interface SharedTransaction {
  /** The bytes the outcome is for (a hit needs byte-identical bytes). */
  readonly raw: Uint8Array;
  readonly outcome: DecodedTransaction | { readonly rejected: string };
}

/**
 * Default most blocks remembered: 8 s of 250 ms blocks. Every validator executes a block within
 * moments of the leader; one that falls further behind (or replays its disk after a restart)
 * executes for itself. Each answer keeps its version of the tree alive, so the bound is kept small:
 * with it, a 7-validator run holds no more heap than without sharing (docs/performance.md).
 */
export const EXECUTION_MEMO_CAPACITY = 32;
/**
 * Default most transactions remembered: 1 s at 4,000 tx/s (high-load), 20 s at 200 tx/s. Every
 * validator decodes a gossiped transaction within a network round trip of the first; an evicted
 * one is decoded again.
 */
export const TRANSACTION_MEMO_CAPACITY = 4_096;

/** The memos of one run and rollup, handed to every validator's application. */
export interface SharedWork {
  readonly execution: RunMemo<SharedBlockOutcome>;
  readonly transactions: RunMemo<SharedTransaction>;
}

/** Options of {@link createSharedWork}. */
export interface SharedWorkOptions {
  /** Recomputes a sample of the hits (`--check-sharing`), shared by both memos. */
  readonly check?: SharingCheck;
  readonly executionCapacity?: number;
  readonly transactionCapacity?: number;
  /** Makes each memo instead of `new RunMemo` (a test hook; see `SharingOptions.createMemo`). */
  readonly createMemo?: (name: string, capacity: number, check: SharingCheck | undefined) => RunMemo<unknown>;
}

/** Fresh memos for one run (never reuse them across runs or seeds). */
export function createSharedWork(options: SharedWorkOptions = {}): SharedWork {
  const make = <V>(name: string, capacity: number): RunMemo<V> =>
    options.createMemo !== undefined ? (options.createMemo(name, capacity, options.check) as RunMemo<V>) : new RunMemo<V>(name, capacity, options.check);
  return {
    execution: make<SharedBlockOutcome>("block-execution", options.executionCapacity ?? EXECUTION_MEMO_CAPACITY),
    transactions: make<SharedTransaction>("transactions", options.transactionCapacity ?? TRANSACTION_MEMO_CAPACITY),
  };
}

/** The execution memo's key: the parent state root and the block hash, hex. */
export function executionKey(parentRoot: Hash, blockHash: Hash): string {
  return `${toHex(parentRoot)}/${toHex(blockHash)}`;
}

/** The shareable part of an execution result (the layer's writes and tree, the receipts). */
export function sharePostState(layer: StateLayer, receipts: readonly TxReceipt[]): SharedPostState {
  return { writes: layer.writes, tree: layer.tree, receipts };
}

/** A node's own state version over `parent` holding a shared post-state (the writes and tree are shared, not copied). */
export function adoptPostState(ledger: LedgerState, parent: StateLayer, height: number, shared: SharedPostState): StateLayer {
  return ledger.adopt(parent, shared.writes, shared.tree, height);
}

/** The difference between two block outcomes in words, or undefined when they are the same. */
export function blockOutcomeDifference(remembered: SharedBlockOutcome, computed: SharedBlockOutcome): string | undefined {
  if ("reason" in remembered || "reason" in computed) {
    if (!("reason" in remembered)) return `remembered a valid block, computed: transaction ${(computed as SharedInvalidBlock).index} invalid (${(computed as SharedInvalidBlock).reason})`;
    if (!("reason" in computed)) return `remembered transaction ${remembered.index} invalid (${remembered.reason}), computed a valid block`;
    if (remembered.index !== computed.index || remembered.reason !== computed.reason) return `remembered invalid at ${remembered.index} (${remembered.reason}), computed invalid at ${computed.index} (${computed.reason})`;
    return undefined;
  }
  if (!bytesEqual(remembered.tree.root, computed.tree.root)) return `post state root: remembered ${toHex(remembered.tree.root)}, computed ${toHex(computed.tree.root)}`;
  if (remembered.writes.size !== computed.writes.size) return `writes: remembered ${remembered.writes.size} keys, computed ${computed.writes.size}`;
  for (const [key, value] of computed.writes) {
    if (!remembered.writes.has(key)) return `writes: ${key} computed, not remembered`;
    const other = remembered.writes.get(key);
    if (value === undefined || other === undefined ? value !== other : !bytesEqual(encodeStateValue(value), encodeStateValue(other))) return `writes: ${key} differs`;
  }
  const a = canonical(remembered.receipts);
  const b = canonical(computed.receipts);
  if (a !== b) return `receipts: remembered ${a.slice(0, 200)}, computed ${b.slice(0, 200)}`;
  return undefined;
}

/** The difference between two transaction outcomes in words, or undefined when they are the same. */
export function transactionDifference(remembered: SharedTransaction, computed: SharedTransaction): string | undefined {
  const a = canonical(remembered.outcome);
  const b = canonical(computed.outcome);
  return a === b ? undefined : `remembered ${a.slice(0, 200)}, computed ${b.slice(0, 200)}`;
}

/** A deterministic text of a value made of plain objects, arrays, maps, bigints and byte arrays (for comparisons). */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "bigint") return `${v}n`;
    if (v instanceof Uint8Array) return `0x${toHex(v)}`;
    if (v instanceof Map) return [...v].sort(([x], [y]) => (String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0));
    return v;
  });
}

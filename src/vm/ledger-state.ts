/**
 * The ledger state of one validator: the committed state and, on top of it,
 * a speculative layer per executed but uncommitted block. Each layer holds
 * only the entries its block wrote and a version of the persistent sparse
 * Merkle tree, so executing a block costs the keys it touches (times log n),
 * not the state size; abandoning a fork is dropping its layers, and
 * committing a block folds its writes into the committed state.
 */
import type { Hash } from "../crypto/hash.js";
import { SparseMerkleTree, type MerkleProof } from "../crypto/sparse-merkle.js";
import type { LedgerReader, LedgerWriter } from "./ledger.js";
import { decodeStateValue, encodeStateValue, stateKey, stateKeyBytes, type StateValue } from "./state-keys.js";
import type { AccountId, AssetInfo, AssetSymbol, InboxMessage, MailboxMessage, PoolState, WithdrawalRecord } from "./types.js";

/** Reads typed entries through a raw `get`. */
abstract class TypedReader implements LedgerReader {
  /** The raw value under `key`, or undefined when absent. */
  abstract get(key: string): StateValue | undefined;

  nonce(account: AccountId): bigint {
    return (this.get(stateKey.nonce(account)) as bigint | undefined) ?? 0n;
  }
  balance(account: AccountId, asset: AssetSymbol): bigint {
    return (this.get(stateKey.balance(account, asset)) as bigint | undefined) ?? 0n;
  }
  asset(symbol: AssetSymbol): AssetInfo | undefined {
    return this.get(stateKey.asset(symbol)) as AssetInfo | undefined;
  }
  pool(id: string): PoolState | undefined {
    return this.get(stateKey.pool(id)) as PoolState | undefined;
  }
  shares(pool: string, account: AccountId): bigint {
    return (this.get(stateKey.shares(pool, account)) as bigint | undefined) ?? 0n;
  }
  depositNext(): bigint {
    return (this.get(stateKey.depositNext()) as bigint | undefined) ?? 0n;
  }
  withdrawalNext(): bigint {
    return (this.get(stateKey.withdrawalNext()) as bigint | undefined) ?? 0n;
  }
  withdrawal(sequence: bigint): WithdrawalRecord | undefined {
    return this.get(stateKey.withdrawal(sequence)) as WithdrawalRecord | undefined;
  }
  outbox(destination: number, session: bigint): MailboxMessage | undefined {
    return this.get(stateKey.outbox(destination, session)) as MailboxMessage | undefined;
  }
  inbox(source: number, session: bigint): InboxMessage | undefined {
    return this.get(stateKey.inbox(source, session)) as InboxMessage | undefined;
  }
}

/**
 * One version of the state: the committed base (no parent) or the state after
 * an uncommitted block (the writes of that block over its parent's version).
 */
export class StateLayer extends TypedReader {
  /** @internal the layer below; undefined for the committed base */
  parent: StateLayer | undefined;
  /** @internal in the base: every entry; above it: this block's writes (undefined = deleted) */
  writes: Map<string, StateValue | undefined>;
  /** @internal this version's tree */
  tree: SparseMerkleTree;
  /** Height of the block this version follows (0: genesis). */
  height: number;
  /** @internal true once committed: the layer is then an empty pass-through to the base */
  merged = false;

  /** @internal use {@link LedgerState} */
  constructor(parent: StateLayer | undefined, writes: Map<string, StateValue | undefined>, tree: SparseMerkleTree, height: number) {
    super();
    this.parent = parent;
    this.writes = writes;
    this.tree = tree;
    this.height = height;
  }

  /** The state root of this version (32 bytes). */
  get root(): Hash {
    return this.tree.root;
  }

  get(key: string): StateValue | undefined {
    for (let layer: StateLayer | undefined = this; layer !== undefined; layer = layer.parent) {
      if (layer.parent === undefined) return layer.writes.get(key);
      if (layer.writes.has(key)) return layer.writes.get(key);
    }
    return undefined;
  }
}

const ABSENT = Symbol("absent");

/** A block being executed over a parent version: reads fall through, writes are journaled. */
export class BlockWriter extends TypedReader implements LedgerWriter {
  private readonly writes = new Map<string, StateValue | undefined>();
  private readonly journal: [key: string, previous: StateValue | undefined | typeof ABSENT][] = [];

  constructor(
    /** The version this block executes on. */
    readonly parent: StateLayer,
  ) {
    super();
  }

  get(key: string): StateValue | undefined {
    return this.writes.has(key) ? this.writes.get(key) : this.parent.get(key);
  }

  private put(key: string, value: StateValue | undefined): void {
    this.journal.push([key, this.writes.has(key) ? this.writes.get(key) : ABSENT]);
    this.writes.set(key, value);
  }

  setNonce(account: AccountId, nonce: bigint): void {
    this.put(stateKey.nonce(account), nonce === 0n ? undefined : nonce);
  }
  setBalance(account: AccountId, asset: AssetSymbol, amount: bigint): void {
    this.put(stateKey.balance(account, asset), amount === 0n ? undefined : amount);
  }
  setAsset(info: AssetInfo): void {
    this.put(stateKey.asset(info.symbol), info);
  }
  setPool(id: string, pool: PoolState): void {
    this.put(stateKey.pool(id), pool);
  }
  setShares(pool: string, account: AccountId, shares: bigint): void {
    this.put(stateKey.shares(pool, account), shares === 0n ? undefined : shares);
  }
  setDepositNext(sequence: bigint): void {
    this.put(stateKey.depositNext(), sequence === 0n ? undefined : sequence);
  }
  setWithdrawalNext(sequence: bigint): void {
    this.put(stateKey.withdrawalNext(), sequence === 0n ? undefined : sequence);
  }
  setWithdrawal(sequence: bigint, record: WithdrawalRecord): void {
    this.put(stateKey.withdrawal(sequence), record);
  }
  setOutbox(destination: number, session: bigint, message: MailboxMessage): void {
    this.put(stateKey.outbox(destination, session), message);
  }
  setInbox(source: number, session: bigint, message: InboxMessage): void {
    this.put(stateKey.inbox(source, session), message);
  }

  mark(): number {
    return this.journal.length;
  }

  revertTo(mark: number): void {
    while (this.journal.length > mark) {
      const [key, previous] = this.journal.pop()!;
      if (previous === ABSENT) this.writes.delete(key);
      else this.writes.set(key, previous);
    }
  }

  /** Seals the block: the new version, with its tree updated for the keys written. `height` is the block's height. */
  finish(height: number): StateLayer {
    const changes: [Uint8Array, Uint8Array | undefined][] = [];
    for (const [key, value] of this.writes) changes.push([stateKeyBytes(key), value === undefined ? undefined : encodeStateValue(value)]);
    return new StateLayer(this.parent, this.writes, this.parent.tree.update(changes), height);
  }
}

/** Per asset: what balances and pool reserves hold, and the recorded supply. */
export interface SupplyAudit {
  readonly held: bigint;
  readonly supply: bigint;
}

/** A validator's state: the committed base and the way to build versions on it. */
export class LedgerState {
  /** The committed version; it is updated in place by {@link commit}. */
  readonly committed: StateLayer = new StateLayer(undefined, new Map(), SparseMerkleTree.empty(), 0);

  /** Starts executing a block on `parent` (the committed version or an uncommitted one built on it). */
  begin(parent: StateLayer): BlockWriter {
    return new BlockWriter(parent);
  }

  /**
   * A version over `parent` made of a block's `writes` and its `tree` as another node's execution left
   * them (the run's shared block execution, `sequencer/shared-work.ts`): nothing is copied, and neither
   * is ever mutated here (committing reads a layer's writes and replaces its map, never writes into it).
   * @param height the block's height: one above `parent`'s
   */
  adopt(parent: StateLayer, writes: ReadonlyMap<string, StateValue | undefined>, tree: SparseMerkleTree, height: number): StateLayer {
    if (height !== parent.height + 1) throw new Error(`adopt: a version of height ${height} cannot follow one of height ${parent.height}`);
    return new StateLayer(parent, writes as Map<string, StateValue | undefined>, tree, height);
  }

  /**
   * Makes `layer` the committed version: folds its writes into the base.
   * Every other uncommitted layer that does not descend from `layer` is invalid afterwards: drop it.
   * @throws Error when `layer` is not a child of the committed version (or is the committed version).
   */
  commit(layer: StateLayer): void {
    const base = this.committed;
    const parent = layer.parent;
    const extendsBase = parent === base || (parent !== undefined && parent.merged && parent.height === base.height);
    if (!extendsBase || layer.height !== base.height + 1) {
      throw new Error(`cannot commit the state of height ${layer.height}: it does not extend the committed height ${base.height}`);
    }
    this.merge(layer);
  }

  /**
   * Makes `layer` (written over the empty committed version, at height 0) the genesis state.
   * @throws Error when the committed state is not empty or `layer` is not a height-0 child of it
   */
  commitGenesis(layer: StateLayer): void {
    if (this.committed.writes.size > 0 || layer.parent !== this.committed || layer.height !== 0) throw new Error("genesis must be the first state, at height 0");
    this.merge(layer);
  }

  private merge(layer: StateLayer): void {
    const base = this.committed;
    for (const [key, value] of layer.writes) {
      if (value === undefined) base.writes.delete(key);
      else base.writes.set(key, value);
    }
    base.tree = layer.tree;
    base.height = layer.height;
    // The layer becomes a pass-through to the base for blocks already built on it.
    layer.parent = base;
    layer.writes = new Map();
    layer.merged = true;
  }

  /** Inclusion or exclusion proof of `key` in the committed state, with the value it proves. */
  proveCommitted(key: string): { readonly root: Hash; readonly value: Uint8Array | undefined; readonly proof: MerkleProof } {
    const value = this.committed.get(key);
    return {
      root: this.committed.root,
      value: value === undefined ? undefined : encodeStateValue(value),
      proof: this.committed.tree.prove(stateKeyBytes(key)),
    };
  }

  /** Every committed entry as `[key, encoded value]`, keys in ascending order (for a state snapshot). */
  exportCommitted(): [string, Uint8Array][] {
    return [...this.committed.writes]
      .filter((entry): entry is [string, StateValue] => entry[1] !== undefined)
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([key, value]) => [key, encodeStateValue(value)]);
  }

  /**
   * Builds the committed state that `entries` (as {@link exportCommitted} gives them) describe at
   * `height`, without installing it: check its `root`, then {@link installCommitted}.
   * @throws WireDecodeError or Error when an entry does not decode
   */
  static buildCommitted(entries: readonly (readonly [string, Uint8Array])[], height: number): StateLayer {
    const writes = new Map<string, StateValue | undefined>();
    const changes: [Uint8Array, Uint8Array][] = [];
    for (const [key, bytes] of entries) {
      writes.set(key, decodeStateValue(key, bytes));
      changes.push([stateKeyBytes(key), bytes]);
    }
    return new StateLayer(undefined, writes, SparseMerkleTree.empty().update(changes), height);
  }

  /** Replaces the committed state by `layer` (from {@link buildCommitted}); uncommitted layers are invalid afterwards. */
  installCommitted(layer: StateLayer): void {
    const base = this.committed;
    base.writes = layer.writes;
    base.tree = layer.tree;
    base.height = layer.height;
  }

  /** Number of committed entries. */
  get entryCount(): number {
    return this.committed.writes.size;
  }

  /**
   * Sums, per asset, every committed balance and pool reserve, beside the asset's recorded supply.
   * O(state): for checkers at the end of a run, not per block.
   */
  auditSupply(): Map<AssetSymbol, SupplyAudit> {
    const held = new Map<AssetSymbol, bigint>();
    const supply = new Map<AssetSymbol, bigint>();
    const add = (asset: AssetSymbol, amount: bigint): void => {
      held.set(asset, (held.get(asset) ?? 0n) + amount);
    };
    for (const [key, value] of this.committed.writes) {
      if (value === undefined) continue;
      if (key.startsWith("b:")) add(key.slice(key.lastIndexOf(":") + 1), value as bigint);
      else if (key.startsWith("p:")) {
        const pool = value as PoolState;
        add(pool.assetA, pool.reserveA);
        add(pool.assetB, pool.reserveB);
      } else if (key.startsWith("a:")) supply.set((value as AssetInfo).symbol, (value as AssetInfo).supply);
    }
    const out = new Map<AssetSymbol, SupplyAudit>();
    for (const asset of new Set([...held.keys(), ...supply.keys()])) out.set(asset, { held: held.get(asset) ?? 0n, supply: supply.get(asset) ?? 0n });
    return out;
  }
}

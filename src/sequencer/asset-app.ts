/**
 * The sequencer pipeline as the consensus {@link Application}: validators take
 * signed transactions into a fee mempool and gossip them; the leader drains the
 * mempool into a `BlockPayload { height, parent, stateRoot, txs }`, executing as
 * it selects; every validator re-executes a proposal on its parent's state and
 * votes only when it reaches the same state root (a mismatch is logged as
 * `root-divergence` with both roots). Executed blocks stay speculative layers
 * until consensus commits them; committing folds a layer into the committed
 * state once, and layers of abandoned forks are dropped (logged `rollback`).
 */
import { RootLog } from "./root-log.js";
import type { AppContext, Application } from "../consensus/application.js";
import type { Block } from "../consensus/types.js";
import { bytesEqual, toHex } from "../crypto/hash.js";
import type { SignatureScheme } from "../crypto/signature.js";
import { FeeMempool, type MempoolConfig, type PoolTx } from "../mempool/fee-mempool.js";
import { decodeWire, encodeWire, read, WireDecodeError } from "../net/codec.js";
import type { NodeId } from "../sim/node.js";
import { applyGenesis, type Genesis } from "../vm/genesis.js";
import { LedgerState, type BlockWriter, type StateLayer } from "../vm/ledger-state.js";
import type { DecodedTransaction } from "../vm/tx-codec.js";
import { BRIDGE_ACCOUNT, NATIVE_ASSET, type TxReceipt } from "../vm/types.js";
import { decodeAppMessage, encodeAppMessage, ROOTS_PER_MESSAGE_MAX, type AppMessage, type BridgeDeposit, type WithdrawalProofReply } from "./app-messages.js";
import { encodeProof } from "../crypto/sparse-merkle.js";
import { assert } from "../sim/assert.js";
import { stateKey } from "../vm/state-keys.js";
import { encodeTransaction } from "../vm/tx-codec.js";
import { INSTRUCTIONS_PER_TX_MAX, type Instruction } from "../vm/types.js";
import { decodeBlockPayload, encodeBlockPayload, type BlockPayload } from "./block-payload.js";
import { executeBlock, summarizeReceipts, tryExecute, VerifiedTransactions, type ExecutedBlock, type InvalidBlock } from "./block-execution.js";
import { adoptPostState, blockOutcomeDifference, executionKey, sharePostState, type SharedBlockOutcome, type SharedWork } from "./shared-work.js";

/** Configuration of one validator's sequencer. */
export interface AssetAppConfig {
  /** The run's signature scheme (transactions are signed with it). */
  readonly scheme: SignatureScheme;
  readonly genesis: Genesis;
  /** Most transactions per block. */
  readonly blockTransactionsMax: number;
  readonly mempool: MempoolConfig;
  /** Batch posters to push every committed state root to (`committed-roots`); none by default. */
  readonly batchPosters?: readonly NodeId[];
  /**
   * Settlement watchers (optimistic poster, challengers) to push every committed block's
   * transactions to (`committed-block`); none by default. The last {@link BLOCKS_KEPT}
   * committed blocks also answer `block-query` from anyone.
   */
  readonly blockWatchers?: readonly NodeId[];
  /**
   * Check the mempool's invariants after every change to it (sets the mempool's
   * `checkInvariantsAfterEachChange`; O(pool size) per change, for simulation and
   * tests). Default: what `mempool` says, else off.
   */
  readonly checkMempoolInvariants?: boolean;
  /**
   * Turns on the bridge's deposit credits: the leader credits the finalized L1 deposits it knows (read
   * from the L1 itself with `readsL1`, else handed by relayers in `deposits` messages), at most this many per block, in a system transaction placed first in the
   * block; a validator refuses a block crediting a deposit it was not handed. Undefined: off (a block
   * carrying a system transaction is then refused).
   */
  readonly bridge?: {
    readonly creditsPerBlockMax: number;
    /**
     * The validator reads the finalized deposits from the L1 itself (`bridge/deposit-reader.ts` calls
     * {@link AssetApp.learnL1Deposits}) and ignores the relayers' `deposits` messages. Default false
     * (the relayers' feed, trusted).
     */
    readonly readsL1?: boolean;
  };
  /**
   * The work this run's validators share (simulation only; `shared-work.ts`): block execution by
   * (parent state root, block hash) and transaction decoding by bytes. None: every validator computes all.
   */
  readonly shared?: SharedWork;
}

/** A transaction in the mempool. */
interface PooledTx extends PoolTx {
  readonly tx: DecodedTransaction;
  readonly raw: Uint8Array;
}

/** Most uncommitted deposits a validator keeps (a relayer hands them in order, a few blocks ahead of the credits). */
const DEPOSITS_KEPT_MAX = 4096;

/** Payloads built by this validator, kept until its own proposal comes back. */
const BUILT_KEPT = 8;

/** Committed blocks' transactions kept for `block-query`. */
export const BLOCKS_KEPT = 256;
/** Most blocks sent for one `block-query`. */
const BLOCKS_PER_QUERY = 16;

/** One validator's sequencer application (a fresh instance per boot). */
export class AssetApp implements Application {
  /** The validator's state (sim-only introspection reads it; protocol code goes through the Application calls). */
  readonly ledger = new LedgerState();
  private readonly config: AssetAppConfig;
  private readonly mempool: FeeMempool<PooledTx>;
  private readonly verified: VerifiedTransactions;
  /** Executed, uncommitted blocks by hash hex. */
  private readonly executed = new Map<string, ExecutedBlock>();
  /** Payloads this validator built, by `stateRoot hex + parent hex`. */
  private readonly built = new Map<string, { readonly payload: Uint8Array; readonly result: ExecutedBlock }>();
  /** The committed state root at each height (index = height; 32 bytes each), for `root-query`. */
  private readonly committedRoots = new RootLog();
  /** The transactions of the last {@link BLOCKS_KEPT} committed blocks (kept only with block watchers). */
  private readonly committedBlocks = new Map<number, readonly Uint8Array[]>();
  /** Finalized L1 deposits relayers handed this validator and not yet committed, by sequence number. */
  private readonly deposits = new Map<bigint, BridgeDeposit>();

  /** @throws RangeError on an invalid genesis (see `applyGenesis`) */
  constructor(config: AssetAppConfig) {
    this.config = config;
    this.mempool = new FeeMempool<PooledTx>(
      config.checkMempoolInvariants === undefined ? config.mempool : { ...config.mempool, checkInvariantsAfterEachChange: config.checkMempoolInvariants },
    );
    this.verified = new VerifiedTransactions(config.scheme, Math.max(4 * config.mempool.capacity, 4 * config.blockTransactionsMax), config.shared?.transactions);
    applyGenesis(this.ledger, config.genesis);
  }

  /** Pending transactions (mempool depth). */
  get pendingCount(): number {
    return this.mempool.size;
  }

  onAppMessage(ctx: AppContext, from: NodeId, data: Uint8Array): void {
    let message: AppMessage;
    try {
      message = decodeAppMessage(data);
    } catch (error) {
      if (error instanceof WireDecodeError) return ctx.log("reject", { from, type: "app", reason: error.message });
      throw error;
    }
    switch (message.kind) {
      case "submit":
      case "gossip": {
        const fresh: Uint8Array[] = [];
        for (const raw of message.txs) if (this.admit(ctx, from, raw, message.kind === "submit")) fresh.push(raw);
        if (message.kind === "submit" && fresh.length > 0) {
          const gossip = encodeAppMessage({ kind: "gossip", txs: fresh });
          for (const peer of ctx.peers) ctx.sendApp(peer, gossip);
        }
        return;
      }
      case "account-query": {
        const account = toHex(message.account);
        const committed = this.ledger.committed;
        ctx.sendApp(from, encodeAppMessage({ kind: "account-state", account: message.account, nonce: committed.nonce(account), height: committed.height }));
        return;
      }
      case "root-query": {
        const fromHeight = Math.max(1, message.fromHeight);
        const roots: Uint8Array[] = [];
        for (let h = fromHeight, root = this.committedRoots.get(h); roots.length < ROOTS_PER_MESSAGE_MAX && root !== undefined; root = this.committedRoots.get(++h)) roots.push(root);
        ctx.sendApp(from, encodeAppMessage({ kind: "committed-roots", fromHeight, roots }));
        return;
      }
      case "block-query": {
        for (let h = Math.max(1, message.fromHeight), n = 0; n < BLOCKS_PER_QUERY; h++, n++) {
          const txs = this.committedBlocks.get(h);
          const root = this.committedRoots.get(h);
          if (txs === undefined || root === undefined) break;
          ctx.sendApp(from, encodeAppMessage({ kind: "committed-block", height: h, root, txs }));
        }
        return;
      }
      case "deposits": {
        // A validator that reads the L1 itself trusts no relayer's word on deposits.
        if (this.config.bridge === undefined || this.config.bridge.readsL1 === true) return;
        this.keepDeposits(message.deposits);
        return;
      }
      case "bridge-query": {
        const committed = this.ledger.committed;
        let withdrawal: WithdrawalProofReply | undefined;
        if (message.withdrawal !== undefined) {
          const proven = this.ledger.proveCommitted(stateKey.withdrawal(message.withdrawal));
          withdrawal = { sequence: message.withdrawal, proof: encodeProof(proven.proof), ...(proven.value === undefined ? {} : { value: proven.value }) };
        }
        ctx.sendApp(
          from,
          encodeAppMessage({
            kind: "bridge-state",
            height: committed.height,
            root: committed.root,
            depositNext: committed.depositNext(),
            withdrawalNext: committed.withdrawalNext(),
            ...(withdrawal === undefined ? {} : { withdrawal }),
          }),
        );
        return;
      }
      case "account-state":
      case "committed-roots":
      case "committed-block":
      case "bridge-state":
        return;
    }
  }

  /**
   * Deposits this validator read from the L1 at the finalized commitment itself (its `DepositReader`):
   * the only ones it credits and accepts credits of when `bridge.readsL1` is set.
   */
  learnL1Deposits(deposits: readonly BridgeDeposit[]): void {
    assert(this.config.bridge?.readsL1 === true, "only a validator that reads the L1 learns deposits from it");
    this.keepDeposits(deposits);
  }

  /** Keeps deposits not yet committed nor known (at most {@link DEPOSITS_KEPT_MAX}). */
  private keepDeposits(deposits: readonly BridgeDeposit[]): void {
    const next = this.ledger.committed.depositNext();
    for (const d of deposits) {
      if (d.sequence < next || this.deposits.has(d.sequence)) continue;
      if (this.deposits.size >= DEPOSITS_KEPT_MAX) break;
      this.deposits.set(d.sequence, d);
    }
  }

  /**
   * The system transaction crediting the next known deposits after `writer`'s state (consecutive
   * sequence numbers from its next deposit on, at most `creditsPerBlockMax`), executed into `writer`;
   * undefined when the bridge is off or the next deposit is unknown.
   */
  private creditDeposits(writer: BlockWriter): { readonly raw: Uint8Array; readonly receipt: TxReceipt } | undefined {
    const bridge = this.config.bridge;
    if (bridge === undefined) return undefined;
    const instructions: Instruction[] = [];
    for (let sequence = writer.depositNext(); instructions.length < Math.min(bridge.creditsPerBlockMax, INSTRUCTIONS_PER_TX_MAX); sequence++) {
      const d = this.deposits.get(sequence);
      if (d === undefined) break;
      instructions.push({ kind: "credit-deposit", sequence, to: toHex(d.to), amount: d.amount });
    }
    if (instructions.length === 0) return undefined;
    const raw = encodeTransaction({ sender: BRIDGE_ACCOUNT, nonce: writer.nonce(BRIDGE_ACCOUNT), fee: 0n, instructions, signature: new Uint8Array(0) });
    const tx = this.verified.check(raw);
    assert(!("rejected" in tx), "a system transaction the leader builds decodes");
    const receipt = tryExecute(writer, tx);
    assert(receipt !== undefined && receipt.status === "ok", "the leader's deposit credits execute");
    return { raw, receipt };
  }

  /**
   * Why the bridge refuses `result` (executed from `txs`): a system transaction without the bridge,
   * or crediting a deposit this validator was not handed (or with another recipient or amount);
   * undefined when it has none or all its credits are known.
   */
  private unknownCredit(txs: readonly Uint8Array[], result: ExecutedBlock): string | undefined {
    for (let i = 0; i < result.receipts.length; i++) {
      if (result.receipts[i]!.sender !== BRIDGE_ACCOUNT) continue;
      if (this.config.bridge === undefined) return `transaction ${i}: a system transaction, and the bridge is off`;
      const tx = this.verified.check(txs[i]!);
      if ("rejected" in tx) return `transaction ${i}: ${tx.rejected}`;
      for (const ins of tx.instructions) {
        if (ins.kind !== "credit-deposit") return `transaction ${i}: a system transaction with ${ins.kind}`;
        const known = this.deposits.get(ins.sequence);
        if (known === undefined || toHex(known.to) !== ins.to || known.amount !== ins.amount) return `transaction ${i}: credits deposit ${ins.sequence}, not a finalized L1 deposit this validator knows`;
      }
    }
    return undefined;
  }

  /** Takes one transaction into the mempool; true when it is new and accepted. Logs `tx-rejected` with the reason otherwise. */
  private admit(ctx: AppContext, from: NodeId, raw: Uint8Array, submitted: boolean): boolean {
    const tx = this.verified.check(raw);
    if ("rejected" in tx) {
      ctx.log("tx-rejected", { from, reason: tx.rejected.startsWith("malformed") ? "malformed" : tx.rejected, detail: tx.rejected });
      return false;
    }
    if (tx.sender === BRIDGE_ACCOUNT) {
      // Deposit credits enter blocks only from the leader, which derives them from the L1.
      ctx.log("tx-rejected", { from, reason: "system-transaction", txId: tx.id });
      return false;
    }
    if (this.mempool.has(tx.id)) {
      if (submitted) ctx.log("tx-rejected", { from, reason: "duplicate", txId: tx.id });
      return false;
    }
    const committed = this.ledger.committed;
    if (committed.balance(tx.sender, NATIVE_ASSET) < tx.fee) {
      ctx.log("tx-rejected", { from, reason: "insufficient-fee", txId: tx.id });
      return false;
    }
    const result = this.mempool.add({ id: tx.id, sender: tx.sender, nonce: tx.nonce, fee: tx.fee, bytes: tx.size, tx, raw }, ctx.now(), committed.nonce(tx.sender));
    if (!result.accepted) {
      ctx.log("tx-rejected", { from, reason: result.reason, txId: tx.id });
      return false;
    }
    if (result.replaced) this.verified.forget([result.replaced.id]);
    if (result.evicted.length > 0) this.verified.forget(result.evicted.map((t) => t.id));
    return true;
  }

  buildPayload(ctx: AppContext, parent: Block, branch: readonly Block[]): Uint8Array {
    const height = parent.height + 1;
    const parentLayer = this.layerAfter(ctx, parent, branch);
    if (parentLayer === undefined) {
      ctx.log("build-failed", { height, reason: "the parent's state is unknown" });
      return new Uint8Array(0);
    }
    const writer = this.ledger.begin(parentLayer);
    const receipts: TxReceipt[] = [];
    const credits = this.creditDeposits(writer);
    if (credits !== undefined) receipts.push(credits.receipt);
    const picked = this.mempool.select(
      this.config.blockTransactionsMax - (credits === undefined ? 0 : 1),
      (sender) => writer.nonce(sender),
      (p) => {
        const receipt = tryExecute(writer, p.tx);
        if (receipt === undefined) return false;
        receipts.push(receipt);
        return true;
      },
    );
    const layer = writer.finish(height);
    const txs = picked.map((p) => p.raw);
    if (credits !== undefined) txs.unshift(credits.raw);
    const payload = encodeBlockPayload({ height, parent: parent.hash, stateRoot: layer.root, txs });
    if (this.built.size >= BUILT_KEPT) this.built.delete(this.built.keys().next().value!);
    this.built.set(toHex(layer.root) + toHex(parent.hash), { payload, result: { layer, receipts } });
    return payload;
  }

  verifyPayload(ctx: AppContext, block: Block, branch: readonly Block[]): boolean {
    return this.execute(ctx, block, branch) !== undefined;
  }

  commit(ctx: AppContext, block: Block): void {
    const hex = toHex(block.hash);
    const result = this.executed.get(hex) ?? this.execute(ctx, block, []);
    if (result === undefined) {
      // A committed block this validator cannot reproduce: report it; the state stays at the last good height.
      ctx.log("state-root", { height: block.height, root: "unexecutable", txs: 0 });
      return;
    }
    const depositsBefore = this.ledger.committed.depositNext();
    const withdrawalsBefore = this.ledger.committed.withdrawalNext();
    this.ledger.commit(result.layer);
    this.executed.delete(hex);
    this.logBridge(ctx, block, result, depositsBefore, withdrawalsBefore);
    this.dropAbandoned(ctx, block.height);
    for (const [key, entry] of this.built) if (entry.result.layer.height <= block.height) this.built.delete(key);

    const committed = this.ledger.committed;
    const nonces = new Map<string, bigint>();
    const ids: string[] = [];
    for (const r of result.receipts) {
      nonces.set(r.sender, committed.nonce(r.sender));
      ids.push(r.id);
    }
    this.verified.forget(ids);
    const dropped = this.mempool.removeCommitted(nonces);
    this.verified.forget(dropped.map((t) => t.id));
    const expired = this.mempool.expire(ctx.now());
    if (expired.length > 0) {
      this.verified.forget(expired.map((t) => t.id));
      ctx.log("tx-expired", { count: expired.length });
    }
    ctx.log("state-root", { height: block.height, root: toHex(committed.root), ...summarizeReceipts(result.receipts), mempool: this.mempool.size });
    this.committedRoots.set(block.height, committed.root);
    if (this.config.batchPosters !== undefined && this.config.batchPosters.length > 0) {
      const push = encodeAppMessage({ kind: "committed-roots", fromHeight: block.height, roots: [committed.root] });
      for (const poster of this.config.batchPosters) ctx.sendApp(poster, push);
    }
    if (this.config.blockWatchers !== undefined && this.config.blockWatchers.length > 0) {
      const txs = decodeBlockPayload(block.payload).txs;
      this.keepBlock(block.height, txs);
      const push = encodeAppMessage({ kind: "committed-block", height: block.height, root: committed.root, txs });
      for (const watcher of this.config.blockWatchers) ctx.sendApp(watcher, push);
    }
  }

  /** Keeps a committed block's transactions for `block-query` (the last {@link BLOCKS_KEPT}). */
  private keepBlock(height: number, txs: readonly Uint8Array[]): void {
    this.committedBlocks.set(height, txs);
    this.committedBlocks.delete(height - BLOCKS_KEPT);
  }

  /** Logs `bridge-committed` when the block committed credited deposits or recorded withdrawals; forgets credited deposits. */
  private logBridge(ctx: AppContext, block: Block, result: ExecutedBlock, depositsBefore: bigint, withdrawalsBefore: bigint): void {
    const committed = this.ledger.committed;
    const depositNext = committed.depositNext();
    const withdrawalNext = committed.withdrawalNext();
    if (depositNext === depositsBefore && withdrawalNext === withdrawalsBefore) return;
    const credits: { sequence: string; to: string; amount: string }[] = [];
    if (depositNext !== depositsBefore) {
      const txs = decodeBlockPayload(block.payload).txs;
      result.receipts.forEach((r, i) => {
        if (r.sender !== BRIDGE_ACCOUNT || r.status !== "ok") return;
        const tx = this.verified.check(txs[i]!);
        if ("rejected" in tx) return;
        for (const ins of tx.instructions) if (ins.kind === "credit-deposit") credits.push({ sequence: ins.sequence.toString(), to: ins.to, amount: ins.amount.toString() });
      });
      for (const sequence of [...this.deposits.keys()]) if (sequence < depositNext) this.deposits.delete(sequence);
    }
    const withdrawals: { sequence: string; recipient: string; amount: string }[] = [];
    for (let sequence = withdrawalsBefore; sequence < withdrawalNext; sequence++) {
      const w = committed.withdrawal(sequence);
      if (w !== undefined) withdrawals.push({ sequence: sequence.toString(), recipient: w.recipient, amount: w.amount.toString() });
    }
    ctx.log("bridge-committed", { height: block.height, root: toHex(committed.root), credits, withdrawals });
  }

  restoreCommitted(block: Block): void {
    if (block.height === 0) return;
    const payload = decodeBlockPayload(block.payload);
    const result = this.executeOn(this.ledger.committed, block, payload.txs);
    if ("reason" in result) throw new Error(`committed block ${block.height} from storage does not execute: transaction ${result.index}: ${result.reason}`);
    if (!bytesEqual(result.layer.root, payload.stateRoot)) throw new Error(`committed block ${block.height} from storage: state root ${toHex(result.layer.root)}, block says ${toHex(payload.stateRoot)}`);
    this.ledger.commit(result.layer);
    this.committedRoots.set(block.height, result.layer.root);
    if (this.config.blockWatchers !== undefined && this.config.blockWatchers.length > 0) this.keepBlock(block.height, payload.txs);
  }

  /**
   * The committed state as a snapshot: `{ height, entries: [[key, value bytes], ...] }`
   * (MessagePack), keys ascending; undefined when the committed state is not at `block`.
   */
  snapshot(block: Block): Uint8Array | undefined {
    if (this.ledger.committed.height !== block.height) return undefined;
    return encodeWire({ height: block.height, entries: this.ledger.exportCommitted() });
  }

  /**
   * Installs a snapshot taken at `block` after checking it: it must decode, be
   * of `block`'s height, and its entries must hash to the state root in
   * `block`'s payload (the root every validator agreed on for that height).
   */
  restoreSnapshot(block: Block, state: Uint8Array): boolean {
    let layer: StateLayer;
    let payload: BlockPayload;
    try {
      payload = decodeBlockPayload(block.payload);
      const o = read.object(decodeWire(state), "snapshot");
      if (read.uint(o.height, "snapshot.height") !== block.height || payload.height !== block.height) return false;
      const entries = read.array(o.entries, "snapshot.entries", Number.MAX_SAFE_INTEGER).map((e, i): [string, Uint8Array] => {
        const pair = read.array(e, `snapshot.entries[${i}]`, 2);
        if (pair.length !== 2 || typeof pair[0] !== "string") throw new WireDecodeError(`snapshot.entries[${i}]: not a [key, value] pair`);
        return [pair[0], read.bytes(pair[1], `snapshot.entries[${i}][1]`)];
      });
      layer = LedgerState.buildCommitted(entries, block.height);
    } catch (error) {
      if (error instanceof WireDecodeError || error instanceof RangeError) return false;
      if (error instanceof Error && /kind|key/.test(error.message)) return false;
      throw error;
    }
    if (!bytesEqual(layer.root, payload.stateRoot)) return false;
    this.ledger.installCommitted(layer);
    this.executed.clear();
    this.built.clear();
    this.committedRoots.clear();
    this.committedRoots.set(block.height, layer.root);
    return true;
  }

  /** The state after `parent` (committed, or executed from `branch`), or undefined when it cannot be executed. */
  private layerAfter(ctx: AppContext, parent: Block, branch: readonly Block[]): StateLayer | undefined {
    if (branch.length === 0) return parent.height === this.ledger.committed.height ? this.ledger.committed : undefined;
    return this.execute(ctx, parent, branch.slice(0, -1))?.layer;
  }

  /**
   * The executed state of `block` on top of `branch` (its uncommitted ancestors, oldest first),
   * executing it when needed; undefined (and a log line saying why) when the payload is invalid.
   */
  private execute(ctx: AppContext, block: Block, branch: readonly Block[]): ExecutedBlock | undefined {
    const hex = toHex(block.hash);
    const known = this.executed.get(hex);
    if (known !== undefined) return known;
    const refuse = (reason: string, fields: Record<string, unknown> = {}): undefined => {
      ctx.log("payload-rejected", { height: block.height, view: block.view, reason, ...fields });
      return undefined;
    };
    let payload: BlockPayload;
    try {
      payload = decodeBlockPayload(block.payload);
    } catch (error) {
      if (error instanceof WireDecodeError) return refuse(`malformed payload: ${error.message}`);
      throw error;
    }
    if (payload.height !== block.height) return refuse(`payload height ${payload.height} is not the block's ${block.height}`);
    if (!bytesEqual(payload.parent, block.parentHash)) return refuse("payload parent is not the block's parent");
    if (payload.txs.length > this.config.blockTransactionsMax) return refuse(`${payload.txs.length} transactions, at most ${this.config.blockTransactionsMax}`);
    const parentBlock = branch[branch.length - 1];
    const parentLayer =
      parentBlock === undefined
        ? block.height === this.ledger.committed.height + 1
          ? this.ledger.committed
          : undefined
        : this.execute(ctx, parentBlock, branch.slice(0, -1))?.layer;
    if (parentLayer === undefined) return refuse("the parent's state is unknown");

    const own = this.built.get(toHex(payload.stateRoot) + toHex(payload.parent));
    let result: ExecutedBlock;
    if (own !== undefined && own.result.layer.parent === parentLayer && bytesEqual(own.payload, block.payload)) {
      result = own.result;
      // The leader executed while it built: the other validators reuse that execution.
      this.config.shared?.execution.remember(executionKey(parentLayer.root, block.hash), sharePostState(result.layer, result.receipts));
    } else {
      const executed = this.executeOn(parentLayer, block, payload.txs);
      if ("reason" in executed) return refuse(`transaction ${executed.index}: ${executed.reason}`);
      result = executed;
    }
    const unknown = this.unknownCredit(payload.txs, result);
    if (unknown !== undefined) return refuse(unknown);
    if (!bytesEqual(result.layer.root, payload.stateRoot)) {
      ctx.log("root-divergence", { height: block.height, view: block.view, proposed: toHex(payload.stateRoot), computed: toHex(result.layer.root) });
      return undefined;
    }
    this.executed.set(hex, result);
    return result;
  }

  /**
   * Executes `block`'s transactions `txs` on `parent`: through the run's shared execution when there is one
   * (the same outcome, computed once per (parent root, block hash) in the run), else here.
   * @throws SharingMismatchError when the sharing check recomputes a shared outcome and it differs
   */
  private executeOn(parent: StateLayer, block: Block, txs: readonly Uint8Array[]): ExecutedBlock | InvalidBlock {
    const shared = this.config.shared;
    if (shared === undefined) return executeBlock(this.ledger, parent, block.height, txs, this.verified);
    const compute = (verified: VerifiedTransactions) => (): SharedBlockOutcome => {
      const executed = executeBlock(this.ledger, parent, block.height, txs, verified);
      return "reason" in executed ? executed : sharePostState(executed.layer, executed.receipts);
    };
    const outcome = shared.execution.through(executionKey(parent.root, block.hash), compute(this.verified), {
      differ: blockOutcomeDifference,
      // The check shares nothing: it decodes and verifies every transaction afresh.
      recompute: () => compute(new VerifiedTransactions(this.config.scheme, Math.max(1, txs.length)))(),
    });
    if ("reason" in outcome) return outcome;
    return { layer: adoptPostState(this.ledger, parent, block.height, outcome), receipts: outcome.receipts };
  }

  /** After committing `height`: drops executed blocks of abandoned forks (at or below it, or built on one). */
  private dropAbandoned(ctx: AppContext, height: number): void {
    const abandoned = new Set<StateLayer>();
    for (const [hex, entry] of this.executed) {
      if (entry.layer.height <= height) {
        abandoned.add(entry.layer);
        this.executed.delete(hex);
        ctx.log("rollback", { height: entry.layer.height, hash: hex, txs: entry.receipts.length });
      }
    }
    if (abandoned.size === 0) return;
    for (const [hex, entry] of this.executed) {
      for (let layer = entry.layer.parent; layer !== undefined; layer = layer.parent) {
        if (abandoned.has(layer)) {
          this.executed.delete(hex);
          ctx.log("rollback", { height: entry.layer.height, hash: hex, txs: entry.receipts.length });
          break;
        }
      }
    }
  }
}


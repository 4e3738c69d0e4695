/**
 * An AssetVM rollup behind {@link ChainExecutor}: each SBCP chain runs the
 * AssetVM (`src/vm/`) on its own sparse-Merkle state, from its own genesis,
 * with its own fee mempool (`src/mempool/fee-mempool.ts`) for local
 * transactions; the L2 block's state root is the AssetVM root.
 *
 * - Local transactions are AssetVM transactions (`vm/tx-codec.ts`), signed
 *   under the run's scheme. `applyLocal` checks the signature, adds the
 *   transaction to the mempool (nonce gaps wait there), then includes every
 *   transaction the pool finds ready (geth's price-and-nonce order) that is
 *   admissible on the draft (`vm/execute.ts` admissionError).
 * - An xT's part is AssetVM transactions with the mailbox instructions:
 *   `mailbox-write` on the source chain (burns, writes the outbox entry and
 *   becomes a CIRC message), `mailbox-read` on the destination (consumes the
 *   inbox entry once and mints). Simulation (SCP v1, "Protocol": the mailbox
 *   tracer) first puts every CIRC message received so far in the inbox (the
 *   mailbox-populating step, `vm/mailbox.ts`), then runs the part on the draft
 *   and reverts it through the journal; a `mailbox-miss` makes it wait for
 *   that message, any other failure (insufficient balance, a bad nonce or
 *   signature, a replayed read) votes false. Decided(true) runs the same on
 *   the draft and keeps it.
 * - Sealing finishes the draft's block writer (`vm/ledger-state.ts`): the new
 *   version's root is the block's state root. A snapshot is a sealed version;
 *   restoring one drops the draft.
 *
 * Fees: what the transactions carry is burned from the native asset as in
 * the VM. The SBCP workload sends fee 0, so the per-asset supply across
 * rollups stays constant (`sbcp-conservation`); a workload with fees would
 * need the checker to count the burned fees.
 */
import { bytesEqual, fromHex, toHex, utf8 } from "../../crypto/hash.js";
import type { SignatureScheme } from "../../crypto/signature.js";
import { FeeMempool, type MempoolConfig } from "../../mempool/fee-mempool.js";
import { WireDecodeError } from "../../net/codec.js";
import { assert } from "../../sim/assert.js";
import { admissionError, executeTransaction } from "../../vm/execute.js";
import { applyGenesis, type Genesis } from "../../vm/genesis.js";
import { BlockWriter, LedgerState, StateLayer } from "../../vm/ledger-state.js";
import type { StateValue } from "../../vm/state-keys.js";
import { putInbox } from "../../vm/mailbox.js";
import { decodeTransaction, type DecodedTransaction } from "../../vm/tx-codec.js";
import type { AssetSymbol, MailboxMessage } from "../../vm/types.js";
import type { ChainExecutor, CircRead, CircWrite, ExecutorSnapshot, MailboxKey, XtSimulation } from "../execution.js";
import type { CircContent } from "../circ-digest.js";
import type { ChainId } from "../messages.js";
import { decodeBlock, decodeEntry, encodeBlock, encodeEntry } from "./block.js";

/** The CIRC label of an xT's asset transfer. */
export const XT_TRANSFER_LABEL = "transfer";

/** The mempool of an SBCP chain by default: 10 000 transactions, no minimum fee, nonce gaps up to 64. */
export const SBCP_MEMPOOL_DEFAULTS: MempoolConfig = { capacity: 10_000, minFee: 0n, replaceBumpPercent: 10, ttlUs: Number.MAX_SAFE_INTEGER, maxNonceGap: 64, perSenderMax: 64 };

/** The two Data entries of an xT transfer's CIRC message: the asset (UTF-8) and the amount (8 bytes big-endian). */
export function xtTransferData(asset: AssetSymbol, amount: bigint): Uint8Array[] {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, amount);
  return [utf8(asset), bytes];
}

/** A CIRC message's content as the inbox entry it populates, or why it cannot be one. */
export function mailboxMessageOf(message: CircRead): MailboxMessage | string {
  if (message.Label !== XT_TRANSFER_LABEL) return `CIRC label ${JSON.stringify(message.Label)} is not ${XT_TRANSFER_LABEL}`;
  if (message.Source.length !== 1 || message.Source[0]!.length !== 32 || message.Receiver.length !== 1 || message.Receiver[0]!.length !== 32) return "a CIRC transfer names one 32-byte sender and receiver";
  if (message.Data.length !== 2 || message.Data[1]!.length !== 8) return "a CIRC transfer's data is the asset and an 8-byte amount";
  let asset: string;
  try {
    asset = new TextDecoder("utf-8", { fatal: true }).decode(message.Data[0]!);
  } catch {
    return "a CIRC transfer's asset is not UTF-8";
  }
  const amount = new DataView(message.Data[1]!.buffer, message.Data[1]!.byteOffset, 8).getBigUint64(0);
  return { sender: toHex(message.Source[0]!), receiver: toHex(message.Receiver[0]!), asset, amount };
}

/** Sealed versions stacked deeper than this are folded into one (reads walk the stack). */
const LAYERS_MAX = 32;

/**
 * `layer` itself, or, when more than {@link LAYERS_MAX} versions lie under it, an equal version with
 * no parent (every entry folded in, the same tree and height): O(state) once per {@link LAYERS_MAX}
 * blocks, so a read costs at most that many map lookups. Older versions (snapshots) are unchanged.
 */
function flattenDeep(layer: StateLayer): StateLayer {
  const stack: StateLayer[] = [];
  for (let at: StateLayer | undefined = layer; at !== undefined; at = at.parent) stack.push(at);
  if (stack.length <= LAYERS_MAX) return layer;
  const writes = new Map<string, StateValue | undefined>();
  for (const version of stack.reverse()) {
    for (const [key, value] of version.writes) {
      if (value === undefined) writes.delete(key);
      else writes.set(key, value);
    }
  }
  return new StateLayer(undefined, writes, layer.tree, layer.height);
}

/** What the mempool holds: the pool's fields and the encoding. */
interface PooledTx {
  readonly id: string;
  readonly sender: string;
  readonly nonce: bigint;
  readonly fee: bigint;
  readonly bytes: number;
  readonly encoded: Uint8Array;
}

interface AssetVmSnapshot extends ExecutorSnapshot {
  readonly layer: StateLayer;
}

/** Settings of an {@link AssetVmExecutor}. */
export interface AssetVmExecutorConfig {
  readonly chainId: ChainId;
  /** This chain's genesis state. */
  readonly genesis: Genesis;
  /** The run's signature scheme: transactions are checked against it. */
  readonly scheme: SignatureScheme;
  /** The mempool's limits (default {@link SBCP_MEMPOOL_DEFAULTS}). */
  readonly mempool?: MempoolConfig;
}

type PartRun = { outcome: "success"; writes: CircWrite[]; entries: Uint8Array[] } | { outcome: "waiting"; writes: CircWrite[]; missing: MailboxKey[] } | { outcome: "failure"; writes: CircWrite[]; reason: string };

/** One AssetVM chain under SBCP. */
export class AssetVmExecutor implements ChainExecutor {
  readonly chainId: ChainId;
  private readonly ledger = new LedgerState();
  private readonly scheme: SignatureScheme;
  private readonly pool: FeeMempool<PooledTx>;
  private readonly assets: readonly AssetSymbol[];
  /** The last sealed version. */
  private base: StateLayer;
  /** The draft block's writes over {@link base}. */
  private writer: BlockWriter;
  /** The draft's entries (encoded), in order. */
  private unsealed: Uint8Array[] = [];

  /** @throws RangeError when the genesis is invalid (see `vm/genesis.ts`) */
  constructor(config: AssetVmExecutorConfig) {
    this.chainId = config.chainId;
    this.scheme = config.scheme;
    this.pool = new FeeMempool<PooledTx>(config.mempool ?? SBCP_MEMPOOL_DEFAULTS);
    applyGenesis(this.ledger, config.genesis);
    this.assets = config.genesis.assets.map((a) => a.symbol).sort();
    this.base = this.ledger.committed;
    this.writer = this.ledger.begin(this.base);
  }

  /** The draft state's balance of `asset` held by `account` (hex). */
  balance(account: string, asset: AssetSymbol): bigint {
    return this.writer.balance(account, asset);
  }

  /** The draft state's nonce of `account`. */
  nonce(account: string): bigint {
    return this.writer.nonce(account);
  }

  /** The draft state's inbox entry of chain `source`, session `session`. */
  inbox(source: number, session: bigint): ReturnType<BlockWriter["inbox"]> {
    return this.writer.inbox(source, session);
  }

  /** The draft state's outbox entry to chain `destination`, session `session`. */
  outbox(destination: number, session: bigint): ReturnType<BlockWriter["outbox"]> {
    return this.writer.outbox(destination, session);
  }

  inboxContent(source: ChainId, session: number): CircContent | undefined {
    const entry = this.writer.inbox(source, BigInt(session));
    if (entry === undefined) return undefined;
    return { Source: [fromHex(entry.sender)], Receiver: [fromHex(entry.receiver)], Data: xtTransferData(entry.asset, entry.amount) };
  }

  /** Transactions held by the mempool (waiting for a nonce, or refused on the draft). */
  get mempoolSize(): number {
    return this.pool.size;
  }

  supply(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const symbol of this.assets) {
      const supply = this.writer.asset(symbol)?.supply ?? 0n;
      assert(supply <= BigInt(Number.MAX_SAFE_INTEGER), "a supply the checkers can add as numbers");
      out[symbol] = Number(supply);
    }
    return out;
  }

  applyLocal(tx: Uint8Array): string | undefined {
    const decoded = this.decodeSigned(tx);
    if (typeof decoded === "string") return decoded;
    const added = this.pool.add({ id: decoded.id, sender: decoded.sender, nonce: decoded.nonce, fee: decoded.fee, bytes: decoded.size, encoded: tx }, 0, this.writer.nonce(decoded.sender));
    if (!added.accepted) return `mempool: ${added.reason}`;
    this.includeReady();
    return undefined;
  }

  simulateXt(txs: readonly Uint8Array[], inbox: readonly CircRead[], xTid: Uint8Array): XtSimulation {
    const mark = this.writer.mark();
    try {
      const run = this.runPart(this.writer, txs, inbox, xTid);
      return run.outcome === "success" ? { outcome: "success", writes: run.writes } : run;
    } finally {
      this.writer.revertTo(mark);
    }
  }

  applyXt(txs: readonly Uint8Array[], inbox: readonly CircRead[], xTid: Uint8Array): Uint8Array[] {
    const run = this.runPart(this.writer, txs, inbox, xTid);
    assert(run.outcome === "success", "a decided-true xT part applies (it succeeded in simulation on this state and inbox)");
    this.unsealed.push(...run.entries);
    return run.entries;
  }

  seal(): { block: Uint8Array; stateRoot: Uint8Array } {
    const layer = flattenDeep(this.writer.finish(this.base.height + 1));
    const block = encodeBlock({ entries: this.unsealed, stateRoot: layer.root });
    this.base = layer;
    this.writer = this.ledger.begin(layer);
    this.unsealed = [];
    return { block, stateRoot: layer.root };
  }

  replayBlock(block: Uint8Array): string | undefined {
    assert(this.unsealed.length === 0 && this.writer.mark() === 0, "a block is replayed on a sealed state");
    let decoded;
    try {
      decoded = decodeBlock(block);
    } catch (error) {
      return (error as Error).message;
    }
    const writer = this.ledger.begin(this.base);
    for (const [index, bytes] of decoded.entries.entries()) {
      let entry;
      try {
        entry = decodeEntry(bytes);
      } catch (error) {
        return `entry ${index}: ${(error as Error).message}`;
      }
      if (entry.kind === "populate") {
        const refused = putInbox(writer, entry.source, entry.session, entry.message);
        if (refused !== undefined) return `entry ${index}: ${refused}`;
        continue;
      }
      const tx = this.decodeSigned(entry.bytes);
      if (typeof tx === "string") return `entry ${index}: ${tx}`;
      const inadmissible = admissionError(writer, tx);
      if (inadmissible !== undefined) return `entry ${index}: inadmissible (${inadmissible})`;
      executeTransaction(writer, tx, tx.id);
    }
    const layer = flattenDeep(writer.finish(this.base.height + 1));
    if (!bytesEqual(layer.root, decoded.stateRoot)) return "state root differs after replay";
    this.base = layer;
    this.writer = this.ledger.begin(layer);
    return undefined;
  }

  snapshot(): ExecutorSnapshot {
    assert(this.unsealed.length === 0 && this.writer.mark() === 0, "a snapshot is taken of a sealed state");
    const snapshot: AssetVmSnapshot = { stateRoot: this.base.root, layer: this.base };
    return snapshot;
  }

  restore(snapshot: ExecutorSnapshot): void {
    const { layer } = snapshot as AssetVmSnapshot;
    assert(layer !== undefined && bytesEqual(layer.root, snapshot.stateRoot), "a snapshot of an AssetVM executor");
    this.base = layer;
    this.writer = this.ledger.begin(layer);
    this.unsealed = [];
  }

  /** The transaction in `bytes` with a valid signature, or why not. */
  private decodeSigned(bytes: Uint8Array): DecodedTransaction | string {
    let tx;
    try {
      tx = decodeTransaction(bytes);
    } catch (error) {
      if (error instanceof WireDecodeError) return error.message;
      throw error;
    }
    if (!this.scheme.verify(fromHex(tx.sender), tx.signingBytes, tx.signature)) return "bad-signature";
    return tx;
  }

  /** Includes every transaction the mempool has ready (price and nonce order) that is admissible on the draft. */
  private includeReady(): void {
    const included: PooledTx[] = [];
    this.pool.select(
      Number.MAX_SAFE_INTEGER,
      (sender) => this.writer.nonce(sender),
      (pooled) => {
        const tx = decodeTransaction(pooled.encoded, pooled.id);
        if (admissionError(this.writer, tx) !== undefined) return false;
        executeTransaction(this.writer, tx, tx.id);
        this.unsealed.push(encodeEntry({ kind: "transaction", bytes: pooled.encoded }));
        included.push(pooled);
        return true;
      },
    );
    if (included.length > 0) this.pool.removeCommitted(new Map(included.map((tx) => [tx.sender, this.writer.nonce(tx.sender)])));
  }

  /** Runs an xT part on `writer` (mailbox-populating steps for `inbox`, then `txs`); the caller reverts it for a simulation. */
  private runPart(writer: BlockWriter, txs: readonly Uint8Array[], inbox: readonly CircRead[], xTid: Uint8Array): PartRun {
    const writes: CircWrite[] = [];
    const entries: Uint8Array[] = [];
    for (const read of inbox) {
      const message = mailboxMessageOf(read);
      if (typeof message === "string") return { outcome: "failure", writes, reason: message };
      const session = BigInt(read.SessionID);
      const refused = putInbox(writer, read.SourceChainID, session, message);
      if (refused !== undefined) return { outcome: "failure", writes, reason: refused };
      entries.push(encodeEntry({ kind: "populate", source: read.SourceChainID, session, message, xTid }));
    }
    for (const bytes of txs) {
      const tx = this.decodeSigned(bytes);
      if (typeof tx === "string") return { outcome: "failure", writes, reason: tx };
      const wide = tx.instructions.find((ins) => (ins.kind === "mailbox-write" || ins.kind === "mailbox-read") && ins.session > 0xffff_ffffn);
      if (wide !== undefined) return { outcome: "failure", writes, reason: "a mailbox session beyond the CIRC message's u32 SessionID" };
      const inadmissible = admissionError(writer, tx);
      if (inadmissible !== undefined) return { outcome: "failure", writes, reason: `inadmissible: ${inadmissible}` };
      const receipt = executeTransaction(writer, tx, tx.id);
      if (receipt.status === "mailbox-miss") {
        const read = tx.instructions[receipt.failedInstruction!]!;
        assert(read.kind === "mailbox-read", "only a mailbox read misses");
        return { outcome: "waiting", writes, missing: [{ SourceChainID: read.source, SessionID: Number(read.session), Label: XT_TRANSFER_LABEL }] };
      }
      if (receipt.status !== "ok") return { outcome: "failure", writes, reason: `${receipt.status}: ${receipt.message ?? ""}` };
      for (const ins of tx.instructions) {
        if (ins.kind !== "mailbox-write") continue;
        writes.push({ DestinationChainID: ins.destination, Source: [fromHex(tx.sender)], Receiver: [fromHex(ins.to)], SessionID: Number(ins.session), Label: XT_TRANSFER_LABEL, Data: xtTransferData(ins.asset, ins.amount) });
      }
      entries.push(encodeEntry({ kind: "transaction", bytes }));
    }
    return { outcome: "success", writes, entries };
  }
}

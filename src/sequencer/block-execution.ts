/**
 * Executing an ordered list of encoded transactions on a state version: the
 * part of block building and block verification that both share.
 */
import { bytesEqual, fromHex } from "../crypto/hash.js";
import type { SignatureScheme } from "../crypto/signature.js";
import { WireDecodeError } from "../net/codec.js";
import { admissionError, executeTransaction } from "../vm/execute.js";
import type { BlockWriter, LedgerState, StateLayer } from "../vm/ledger-state.js";
import { decodeTransaction, transactionId, type DecodedTransaction } from "../vm/tx-codec.js";
import { BRIDGE_ACCOUNT, type AssetSymbol, type SwapRecord, type TxReceipt, type VmErrorCode } from "../vm/types.js";
import type { RunMemo } from "../sim/run-memo.js";
import { transactionDifference, type SharedTransaction } from "./shared-work.js";

/** What executing one block produced. */
export interface ExecutedBlock {
  /** The state version after the block. */
  readonly layer: StateLayer;
  readonly receipts: readonly TxReceipt[];
}

/** Why a block's transactions cannot be executed at all (the block is invalid). */
export interface InvalidBlock {
  /** Index of the offending transaction. */
  readonly index: number;
  readonly reason: string;
}

/**
 * Decodes and signature-checks transactions, remembering the ones that passed
 * so a transaction verified when it entered the mempool is not verified again
 * when a block carrying it arrives (as validators' signature caches do).
 */
export class VerifiedTransactions {
  private readonly verified = new Map<string, DecodedTransaction>();

  constructor(
    private readonly scheme: SignatureScheme,
    /** Most entries kept; past it the cache starts over. */
    private readonly capacity: number,
    /** The run's shared transaction memo (simulation only; see `shared-work.ts`), consulted before decoding. */
    private readonly shared?: RunMemo<SharedTransaction>,
  ) {}

  /**
   * The decoded transaction if its encoding is well formed and its signature valid.
   * A system transaction (sender `BRIDGE_ACCOUNT`) passes with an empty signature and only with one.
   * @returns a decoded transaction, or the rejection reason ("malformed: ..." or "bad-signature")
   * @throws SharingMismatchError when the shared memo's answer is sampled by the sharing check and differs
   */
  check(bytes: Uint8Array): DecodedTransaction | { readonly rejected: string } {
    const id = transactionId(bytes);
    const cached = this.verified.get(id);
    if (cached !== undefined) return cached;
    const outcome =
      this.shared === undefined
        ? this.decodeAndVerify(bytes, id)
        : this.shared.through(id, () => ({ raw: bytes.slice(), outcome: this.decodeAndVerify(bytes, id) }), { differ: transactionDifference, accepts: (known) => bytesEqual(known.raw, bytes) }).outcome;
    if ("rejected" in outcome) return outcome;
    if (this.verified.size >= this.capacity) this.verified.clear();
    this.verified.set(outcome.id, outcome);
    return outcome;
  }

  private decodeAndVerify(bytes: Uint8Array, id: string): DecodedTransaction | { readonly rejected: string } {
    let tx: DecodedTransaction;
    try {
      tx = decodeTransaction(bytes, id);
    } catch (error) {
      if (error instanceof WireDecodeError) return { rejected: `malformed: ${error.message}` };
      throw error;
    }
    // A system transaction (the bridge's deposit credits) has no signer: an empty signature is its mark,
    // and what it credits is checked against the L1's deposits, not here.
    if (tx.sender === BRIDGE_ACCOUNT) return tx.signature.length === 0 ? tx : { rejected: "bad-signature" };
    if (!this.scheme.verify(fromHexCached(tx.sender), tx.signingBytes, tx.signature)) return { rejected: "bad-signature" };
    return tx;
  }

  /** Forgets transactions (committed or dropped). */
  forget(ids: Iterable<string>): void {
    for (const id of ids) this.verified.delete(id);
  }
}

const publicKeys = new Map<string, Uint8Array>();
/** Public-key bytes of an account id, memoised (accounts repeat across transactions). */
function fromHexCached(account: string): Uint8Array {
  let key = publicKeys.get(account);
  if (key === undefined) {
    if (publicKeys.size > 100_000) publicKeys.clear();
    key = fromHex(account);
    publicKeys.set(account, key);
  }
  return key;
}

/**
 * Executes `txs` in order on a new version over `parent`.
 * @returns the new version and receipts, or why the block is invalid: a malformed or
 *   badly signed transaction, or an inadmissible one (wrong nonce, fee not payable)
 */
export function executeBlock(ledger: LedgerState, parent: StateLayer, height: number, txs: readonly Uint8Array[], verified: VerifiedTransactions): ExecutedBlock | InvalidBlock {
  const writer = ledger.begin(parent);
  const receipts: TxReceipt[] = [];
  for (let i = 0; i < txs.length; i++) {
    const tx = verified.check(txs[i]!);
    if ("rejected" in tx) return { index: i, reason: tx.rejected };
    const inadmissible = admissionError(writer, tx);
    if (inadmissible !== undefined) return { index: i, reason: inadmissible };
    receipts.push(executeTransaction(writer, tx, tx.id));
  }
  return { layer: writer.finish(height), receipts };
}

/** Executes one admissible transaction into `writer` while a block is being built; undefined when inadmissible there. */
export function tryExecute(writer: BlockWriter, tx: DecodedTransaction): TxReceipt | undefined {
  if (admissionError(writer, tx) !== undefined) return undefined;
  return executeTransaction(writer, tx, tx.id);
}

/** A block's receipts summarised for logs and checkers (JSON-safe: amounts as decimal strings). */
export interface ReceiptSummary {
  readonly txs: number;
  readonly failed: Readonly<Partial<Record<VmErrorCode, number>>>;
  readonly supplyDelta: Readonly<Record<AssetSymbol, string>>;
  readonly swaps: readonly { readonly pool: string; readonly kBefore: string; readonly kAfter: string }[];
}

/** Summarises receipts (see {@link ReceiptSummary}). */
export function summarizeReceipts(receipts: readonly TxReceipt[]): ReceiptSummary {
  const failed: Partial<Record<VmErrorCode, number>> = {};
  const delta = new Map<AssetSymbol, bigint>();
  const swaps: { pool: string; kBefore: string; kAfter: string }[] = [];
  for (const r of receipts) {
    if (r.status !== "ok") failed[r.status] = (failed[r.status] ?? 0) + 1;
    for (const [asset, d] of r.supplyDelta) delta.set(asset, (delta.get(asset) ?? 0n) + d);
    for (const s of r.swaps as readonly SwapRecord[]) swaps.push({ pool: s.pool, kBefore: s.kBefore.toString(), kAfter: s.kAfter.toString() });
  }
  const supplyDelta: Record<AssetSymbol, string> = {};
  for (const [asset, d] of [...delta].sort(([a], [b]) => (a < b ? -1 : 1))) if (d !== 0n) supplyDelta[asset] = d.toString();
  return { txs: receipts.length, failed, supplyDelta, swaps };
}

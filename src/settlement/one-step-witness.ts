/**
 * The witness of a one-step proof (docs/fraud-proofs.md, "Witness"): for one
 * transaction executed on a state version, every state key it reads or
 * writes with its value before, and a sparse Merkle multiproof of them
 * against the version's root, opened where the writes need it. The on-chain
 * checker is `osp_execute` in `programs/asset_rollup/src/one_step.h`.
 *
 * The outcome rules are the step's (one_step.h): a malformed transaction and
 * an inadmissible one are no-ops; an admitted one burns its fee, increments
 * the nonce and runs its instructions atomically (execute.ts). The keys are
 * recorded by running the TypeScript VM itself through a recording ledger,
 * so they are exactly the keys the VM touches.
 */
import { WireDecodeError } from "../net/codec.js";
import { encodeStateValue, stateKey, stateKeyBytes } from "../vm/state-keys.js";
import type { LedgerWriter } from "../vm/ledger.js";
import type { LedgerState, StateLayer } from "../vm/ledger-state.js";
import { admissionError, executeTransaction } from "../vm/execute.js";
import { decodeTransaction } from "../vm/tx-codec.js";
import type { AccountId, AssetInfo, AssetSymbol, InboxMessage, MailboxMessage, PoolState, VmErrorCode, WithdrawalRecord } from "../vm/types.js";
import type { Hash } from "../crypto/hash.js";

/** Receipt status as the step reports it: "ok", a VM error code, or "malformed" (the bytes are not a transaction). */
export type StepStatus = "ok" | VmErrorCode | "malformed";

/** The step's status numbers (`OSP_STATUS_*` in one_step.h) below 255: index = number, in VmErrorCode order. */
export const STEP_STATUS_CODES: readonly StepStatus[] = [
  "ok",
  "bad-signature",
  "bad-nonce",
  "insufficient-fee",
  "insufficient-balance",
  "unknown-asset",
  "asset-exists",
  "unauthorized",
  "overflow",
  "slippage",
  "unknown-pool",
  "pool-exists",
  "insufficient-liquidity",
  "invalid-instruction",
  "bad-deposit-sequence",
  "mailbox-exists",
  "mailbox-miss",
  "mailbox-replayed",
];

/** The step's status number of "malformed" (OSP_STATUS_MALFORMED). */
export const STEP_STATUS_MALFORMED = 255;

/** The status a step's status number stands for. @throws RangeError for a number no status has */
export function stepStatusOf(code: number): StepStatus {
  if (code === STEP_STATUS_MALFORMED) return "malformed";
  const status = STEP_STATUS_CODES[code];
  if (status === undefined) throw new RangeError(`no step status ${code}`);
  return status;
}

/** Most witness entries the on-chain step accepts (OSP_KEYS_MAX). */
export const STEP_KEYS_MAX = 48;

/** One witness entry: a state key and its encoded value before the transaction (undefined: absent). */
export interface WitnessEntry {
  readonly key: string;
  readonly value: Uint8Array | undefined;
}

/** What the TypeScript VM computes for one step, with the witness the chain needs to check it. */
export interface StepWitness {
  /** Root of the version the transaction runs on (32 bytes). */
  readonly preRoot: Hash;
  /** Root after the transaction (32 bytes). */
  readonly postRoot: Hash;
  readonly status: StepStatus;
  /** Index of the failing instruction for an execution failure; 0 otherwise. */
  readonly failedInstruction: number;
  /** True when the fee was burned and the nonce incremented (the transaction was admissible). */
  readonly admitted: boolean;
  /** The keys touched, in first-touch order, with their values before. */
  readonly entries: readonly WitnessEntry[];
  /** The sparse Merkle multiproof of the entries against `preRoot`. */
  readonly multiproof: Uint8Array;
  /** The encoded witness (one_step.h "Witness"). */
  readonly bytes: Uint8Array;
  /** The version after the transaction (uncommitted; `ledger.commit(post)` makes it the committed one). */
  readonly post: StateLayer;
}

/** A LedgerWriter that records every state key read or written, in first-touch order. */
class RecordingWriter implements LedgerWriter {
  readonly touched = new Set<string>();

  constructor(private readonly inner: LedgerWriter) {}

  private touch(key: string): void {
    this.touched.add(key);
  }
  nonce(account: AccountId): bigint {
    this.touch(stateKey.nonce(account));
    return this.inner.nonce(account);
  }
  balance(account: AccountId, asset: AssetSymbol): bigint {
    this.touch(stateKey.balance(account, asset));
    return this.inner.balance(account, asset);
  }
  asset(symbol: AssetSymbol): AssetInfo | undefined {
    this.touch(stateKey.asset(symbol));
    return this.inner.asset(symbol);
  }
  pool(id: string): PoolState | undefined {
    this.touch(stateKey.pool(id));
    return this.inner.pool(id);
  }
  shares(pool: string, account: AccountId): bigint {
    this.touch(stateKey.shares(pool, account));
    return this.inner.shares(pool, account);
  }
  setNonce(account: AccountId, nonce: bigint): void {
    this.touch(stateKey.nonce(account));
    this.inner.setNonce(account, nonce);
  }
  setBalance(account: AccountId, asset: AssetSymbol, amount: bigint): void {
    this.touch(stateKey.balance(account, asset));
    this.inner.setBalance(account, asset, amount);
  }
  setAsset(info: AssetInfo): void {
    this.touch(stateKey.asset(info.symbol));
    this.inner.setAsset(info);
  }
  setPool(id: string, pool: PoolState): void {
    this.touch(stateKey.pool(id));
    this.inner.setPool(id, pool);
  }
  setShares(pool: string, account: AccountId, shares: bigint): void {
    this.touch(stateKey.shares(pool, account));
    this.inner.setShares(pool, account, shares);
  }
  depositNext(): bigint {
    this.touch(stateKey.depositNext());
    return this.inner.depositNext();
  }
  withdrawalNext(): bigint {
    this.touch(stateKey.withdrawalNext());
    return this.inner.withdrawalNext();
  }
  withdrawal(sequence: bigint): WithdrawalRecord | undefined {
    this.touch(stateKey.withdrawal(sequence));
    return this.inner.withdrawal(sequence);
  }
  setDepositNext(sequence: bigint): void {
    this.touch(stateKey.depositNext());
    this.inner.setDepositNext(sequence);
  }
  setWithdrawalNext(sequence: bigint): void {
    this.touch(stateKey.withdrawalNext());
    this.inner.setWithdrawalNext(sequence);
  }
  setWithdrawal(sequence: bigint, record: WithdrawalRecord): void {
    this.touch(stateKey.withdrawal(sequence));
    this.inner.setWithdrawal(sequence, record);
  }
  outbox(destination: number, session: bigint): MailboxMessage | undefined {
    this.touch(stateKey.outbox(destination, session));
    return this.inner.outbox(destination, session);
  }
  inbox(source: number, session: bigint): InboxMessage | undefined {
    this.touch(stateKey.inbox(source, session));
    return this.inner.inbox(source, session);
  }
  setOutbox(destination: number, session: bigint, message: MailboxMessage): void {
    this.touch(stateKey.outbox(destination, session));
    this.inner.setOutbox(destination, session, message);
  }
  setInbox(source: number, session: bigint, message: InboxMessage): void {
    this.touch(stateKey.inbox(source, session));
    this.inner.setInbox(source, session, message);
  }
  mark(): number {
    return this.inner.mark();
  }
  revertTo(mark: number): void {
    this.inner.revertTo(mark);
  }
}

/**
 * Encodes a witness: `count u16 | (key_len u8 | key | present u8 | (value_len u8 | value)?)* | proof_len u32 | multiproof`.
 * @throws RangeError when there are more than {@link STEP_KEYS_MAX} entries or a key or value is longer than 255 bytes
 */
export function encodeStepWitness(entries: readonly WitnessEntry[], multiproof: Uint8Array): Uint8Array {
  if (entries.length > STEP_KEYS_MAX) throw new RangeError(`step witness: ${entries.length} keys, at most ${STEP_KEYS_MAX}`);
  const parts: number[] = [entries.length & 0xff, entries.length >>> 8];
  for (const { key, value } of entries) {
    const keyBytes = stateKeyBytes(key);
    if (keyBytes.length > 255 || (value !== undefined && value.length > 255)) throw new RangeError(`step witness: key or value of ${key} longer than 255 bytes`);
    parts.push(keyBytes.length, ...keyBytes);
    if (value === undefined) parts.push(0);
    else parts.push(1, value.length, ...value);
  }
  const n = multiproof.length;
  parts.push(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
  const out = new Uint8Array(parts.length + n);
  out.set(parts);
  out.set(multiproof, parts.length);
  return out;
}

/**
 * Runs the encoded transaction `txBytes` on `pre` (a version of `ledger`)
 * with the TypeScript VM and builds the step's witness. Nothing is committed:
 * the version `pre` is unchanged.
 * @param height the height the resulting version would have (only labels it)
 * @throws Error when the VM throws (a ledger invariant broken in `pre`), RangeError as {@link encodeStepWitness}
 */
export function buildStepWitness(ledger: LedgerState, pre: StateLayer, txBytes: Uint8Array, height = pre.height + 1): StepWitness {
  const writer = ledger.begin(pre);
  const recorder = new RecordingWriter(writer);
  let status: StepStatus = "ok";
  let failedInstruction = 0;
  let admitted = false;
  let tx;
  try {
    tx = decodeTransaction(txBytes);
  } catch (error) {
    if (!(error instanceof WireDecodeError)) throw error;
    status = "malformed";
  }
  if (tx !== undefined) {
    const inadmissible = admissionError(recorder, tx);
    if (inadmissible !== undefined) status = inadmissible;
    else {
      admitted = true;
      const receipt = executeTransaction(recorder, tx, tx.id);
      status = receipt.status;
      failedInstruction = receipt.failedInstruction ?? 0;
    }
  }
  const post = writer.finish(height);
  const entries: WitnessEntry[] = [...recorder.touched].map((key) => {
    const value = pre.get(key);
    return { key, value: value === undefined ? undefined : encodeStateValue(value) };
  });
  const multiproof = pre.tree.multiproof(
    entries.map((entry) => stateKeyBytes(entry.key)),
    post.tree,
  );
  return {
    preRoot: pre.root,
    postRoot: post.root,
    status,
    failedInstruction,
    admitted,
    entries,
    multiproof,
    bytes: encodeStepWitness(entries, multiproof),
    post,
  };
}

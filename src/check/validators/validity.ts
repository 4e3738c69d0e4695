/**
 * Validity of committed transactions: every transaction in the committed
 * chain decodes, carries a valid signature of its sender (checked here with
 * the run's signature scheme, not through any validator's cache; in a
 * simulated run that scheme answers through the run's verification memo
 * (`crypto/verify-memo.ts`), which reuses an answer only for identical key,
 * message and signature and knows the run's own signatures valid when they
 * are made, RFC 8032 completeness; `--check-sharing` recomputes a sample),
 * was submitted by a client, and is applied exactly once: no id twice, and
 * each sender's nonces run 0, 1, 2... with no repeat or gap. A system
 * transaction (the bridge's deposit credits: sender `BRIDGE_ACCOUNT`, empty
 * signature) has no signer and no submitter: only its nonce is judged here,
 * its credits by the bridge checkers (`check/bridge/`).
 *
 * Watches client `submit` events and the payload of the first commit of each
 * height (later commits of the same height are agreement's business) by one
 * of the honest validators it is given (the others are not judged). The
 * payload's decoding may be shared with the rollup's other observers
 * (`committed-payloads.ts`, the checkers' own cache, answering only for the
 * same bytes); the signatures are verified here.
 *
 * Memory stays small with run length: a committed id leaves the set of
 * submitted ids, and what is kept of it is a 28-bit number (its first 7 hex
 * digits) in its sender's list, at its nonce (the list's length is the
 * sender's next nonce). A transaction whose nonce is the sender's next one
 * cannot have been committed before, so the list is only consulted for a
 * nonce already used, which is a violation whichever way it is told:
 * "committed twice" when the number at that nonce is the transaction's (the
 * same transaction, barring a 2^-28 collision between two transactions of one
 * sender and nonce, which would name the other violation), else the nonce
 * one. The heights judged are kept as the prefix 1..H they almost always form.
 */
import { fromHex } from "../../crypto/hash.js";
import type { SignatureScheme } from "../../crypto/signature.js";
import { BRIDGE_ACCOUNT } from "../../vm/types.js";
import { VALIDATOR_EVENTS } from "../../systems/validators/events.js";
import { CommittedPayloads } from "./committed-payloads.js";
import { safetyVerdict, type Checker, type HonestValidators, type InvariantResult, type Observation, type Violation } from "../checker.js";

/** Checks validity (see the file comment). */
export class ValidityChecker implements Checker {
  readonly name = "validity";
  readonly kind = "safety" as const;
  /** Ids submitted and not committed yet. */
  private readonly submitted = new Set<string>();
  /** Per sender, the 28-bit number of the id committed at each nonce (see the file comment). */
  private readonly committed = new Map<string, number[]>();
  private submittedCount = 0;
  private committedCount = 0;
  /** Heights judged: 1..`heightsUpTo`, and those above it in `heightsAbove`. */
  private heightsUpTo = 0;
  private readonly heightsAbove = new Set<number>();
  private violation: Violation | undefined;

  /**
   * @param scheme the run's signature scheme
   * @param honest the honest validator instances (only their commits are judged)
   * @param payloads the decoding of committed payloads this checker shares with the other observers of the rollup (its own by default)
   */
  constructor(
    private readonly scheme: SignatureScheme,
    private readonly honest: HonestValidators,
    private readonly payloads: CommittedPayloads = new CommittedPayloads(),
  ) {}

  observe(o: Observation): Violation | undefined {
    if (VALIDATOR_EVENTS.is(o, "submit")) {
      const { txId, account, nonce } = o.fields;
      // A resubmission of a committed transaction (its nonce is used) is not a new one.
      const resubmitted = account !== undefined && nonce !== undefined && this.committed.get(account)?.[nonce] === idNumber(txId);
      if (this.submitted.has(txId) || resubmitted) return undefined;
      this.submitted.add(txId);
      this.submittedCount++;
      return undefined;
    }
    if (!VALIDATOR_EVENTS.is(o, "commit") || !this.honest.has(o.node)) return undefined;
    const height = o.fields.height;
    if (height === 0 || height <= this.heightsUpTo || this.heightsAbove.has(height)) return undefined;
    this.heightsAbove.add(height);
    while (this.heightsAbove.delete(this.heightsUpTo + 1)) this.heightsUpTo++;
    const block = this.payloads.decode(o.fields.payload);
    if (!block.ok) return this.fail(o, `height ${height}: committed payload does not decode (${block.error})`);
    for (const [i, { tx, error }] of block.txs.entries()) {
      if (tx === undefined) return this.fail(o, `height ${height}: transaction ${i} does not decode (${error})`);
      const short = tx.id.slice(0, 16);
      const system = tx.sender === BRIDGE_ACCOUNT && tx.signature.length === 0;
      if (!system && !this.scheme.verify(fromHex(tx.sender), tx.signingBytes, tx.signature)) return this.fail(o, `height ${height}: transaction ${short} has an invalid signature`);
      const ids = this.committed.get(tx.sender) ?? [];
      const expected = BigInt(ids.length);
      const committedBefore = tx.nonce < expected && ids[Number(tx.nonce)] === idNumber(tx.id);
      if (!system && !this.submitted.has(tx.id) && !committedBefore) return this.fail(o, `height ${height}: transaction ${short} was never submitted`);
      if (committedBefore) return this.fail(o, `height ${height}: transaction ${short} committed twice`);
      if (tx.nonce !== expected) return this.fail(o, `height ${height}: transaction ${short} of ${tx.sender.slice(0, 16)} has nonce ${tx.nonce}, expected ${expected}`);
      ids.push(idNumber(tx.id));
      this.committed.set(tx.sender, ids);
      this.submitted.delete(tx.id);
      this.committedCount++;
    }
    return undefined;
  }

  finish(): InvariantResult {
    return safetyVerdict(this.name, { transactionsSubmitted: this.submittedCount, transactionsCommitted: this.committedCount }, this.violation);
  }

  private fail(o: Observation, message: string): Violation {
    this.violation ??= { invariant: this.name, atUs: o.timeUs, message };
    return this.violation;
  }
}

/** The first 7 hex digits (28 bits) of a transaction id, as a small integer. */
function idNumber(id: string): number {
  return Number.parseInt(id.slice(0, 7), 16);
}

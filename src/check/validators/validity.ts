/**
 * Validity of committed transactions: every transaction in the committed
 * chain decodes, carries a valid signature of its sender (checked here from
 * scratch with the run's signature scheme, not through any validator's cache),
 * was submitted by a client, and is applied exactly once: no id twice, and
 * each sender's nonces run 0, 1, 2... with no repeat or gap.
 *
 * Watches client `submit` events and the payload of the first commit of each
 * height (later commits of the same height are agreement's business) by one
 * of the honest validators it is given (the others are not judged).
 *
 * Memory stays flat with run length where it can: a committed id leaves the
 * set of submitted ids, and what is kept of it is a 52-bit number (its first
 * 13 hex digits). A transaction whose nonce is the sender's next one cannot
 * have been committed before, so the numbers are only consulted for a nonce
 * that is already used, which is a violation whichever way it is told: "committed
 * twice" when the number is known (the same transaction, barring a 2^-52
 * collision that would name another violation), else the nonce one. The
 * heights judged are kept as the prefix 1..H they almost always form.
 */
import { fromHex } from "../../crypto/hash.js";
import type { SignatureScheme } from "../../crypto/signature.js";
import { decodeBlockPayload } from "../../sequencer/block-payload.js";
import { decodeTransaction } from "../../vm/tx-codec.js";
import { VALIDATOR_EVENTS } from "../../systems/validators/events.js";
import { safetyVerdict, type Checker, type HonestValidators, type InvariantResult, type Observation, type Violation } from "../checker.js";

/** Checks validity (see the file comment). */
export class ValidityChecker implements Checker {
  readonly name = "validity";
  readonly kind = "safety" as const;
  /** Ids submitted and not committed yet. */
  private readonly submitted = new Set<string>();
  /** The 52-bit number of each committed id (see the file comment). */
  private readonly committed = new Set<number>();
  private submittedCount = 0;
  private committedCount = 0;
  private readonly nextNonce = new Map<string, bigint>();
  /** Heights judged: 1..`heightsUpTo`, and those above it in `heightsAbove`. */
  private heightsUpTo = 0;
  private readonly heightsAbove = new Set<number>();
  private violation: Violation | undefined;

  /**
   * @param scheme the run's signature scheme
   * @param honest the honest validator instances (only their commits are judged)
   */
  constructor(
    private readonly scheme: SignatureScheme,
    private readonly honest: HonestValidators,
  ) {}

  observe(o: Observation): Violation | undefined {
    if (VALIDATOR_EVENTS.is(o, "submit")) {
      const { txId, account, nonce } = o.fields;
      // A resubmission of a committed transaction (its nonce is used) is not a new one.
      const used = account !== undefined && nonce !== undefined && BigInt(nonce) < (this.nextNonce.get(account) ?? 0n);
      if (this.submitted.has(txId) || (used && this.committed.has(idNumber(txId)))) return undefined;
      this.submitted.add(txId);
      this.submittedCount++;
      return undefined;
    }
    if (!VALIDATOR_EVENTS.is(o, "commit") || !this.honest.has(o.node)) return undefined;
    const height = o.fields.height;
    if (height === 0 || height <= this.heightsUpTo || this.heightsAbove.has(height)) return undefined;
    this.heightsAbove.add(height);
    while (this.heightsAbove.delete(this.heightsUpTo + 1)) this.heightsUpTo++;
    let txs: readonly Uint8Array[];
    try {
      txs = decodeBlockPayload(o.fields.payload).txs;
    } catch (error) {
      return this.fail(o, `height ${height}: committed payload does not decode (${(error as Error).message})`);
    }
    for (const [i, raw] of txs.entries()) {
      let tx;
      try {
        tx = decodeTransaction(raw);
      } catch (error) {
        return this.fail(o, `height ${height}: transaction ${i} does not decode (${(error as Error).message})`);
      }
      const short = tx.id.slice(0, 16);
      if (!this.scheme.verify(fromHex(tx.sender), tx.signingBytes, tx.signature)) return this.fail(o, `height ${height}: transaction ${short} has an invalid signature`);
      const expected = this.nextNonce.get(tx.sender) ?? 0n;
      const committedBefore = tx.nonce < expected && this.committed.has(idNumber(tx.id));
      if (!this.submitted.has(tx.id) && !committedBefore) return this.fail(o, `height ${height}: transaction ${short} was never submitted`);
      if (committedBefore) return this.fail(o, `height ${height}: transaction ${short} committed twice`);
      if (tx.nonce !== expected) return this.fail(o, `height ${height}: transaction ${short} of ${tx.sender.slice(0, 16)} has nonce ${tx.nonce}, expected ${expected}`);
      this.nextNonce.set(tx.sender, expected + 1n);
      this.submitted.delete(tx.id);
      this.committed.add(idNumber(tx.id));
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

/** The first 13 hex digits (52 bits) of a transaction id, as an exact number. */
function idNumber(id: string): number {
  return Number.parseInt(id.slice(0, 13), 16);
}

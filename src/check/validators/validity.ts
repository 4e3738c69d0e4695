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
  private readonly submitted = new Set<string>();
  private readonly committed = new Set<string>();
  private readonly nextNonce = new Map<string, bigint>();
  private readonly heights = new Set<number>();
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
      this.submitted.add(o.fields.txId);
      return undefined;
    }
    if (!VALIDATOR_EVENTS.is(o, "commit") || !this.honest.has(o.node)) return undefined;
    const height = o.fields.height;
    if (this.heights.has(height) || height === 0) return undefined;
    this.heights.add(height);
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
      if (!this.submitted.has(tx.id)) return this.fail(o, `height ${height}: transaction ${short} was never submitted`);
      if (this.committed.has(tx.id)) return this.fail(o, `height ${height}: transaction ${short} committed twice`);
      const expected = this.nextNonce.get(tx.sender) ?? 0n;
      if (tx.nonce !== expected) return this.fail(o, `height ${height}: transaction ${short} of ${tx.sender.slice(0, 16)} has nonce ${tx.nonce}, expected ${expected}`);
      this.nextNonce.set(tx.sender, expected + 1n);
      this.committed.add(tx.id);
    }
    return undefined;
  }

  finish(): InvariantResult {
    return safetyVerdict(this.name, { transactionsSubmitted: this.submitted.size, transactionsCommitted: this.committed.size }, this.violation);
  }

  private fail(o: Observation, message: string): Violation {
    this.violation ??= { invariant: this.name, atUs: o.timeUs, message };
    return this.violation;
  }
}

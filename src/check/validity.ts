/**
 * Validity: every committed transaction was submitted by a client, and no
 * transaction is committed twice in the chain.
 *
 * Watches client `submit` events and the payload of the first commit of each
 * height (later commits of the same height are agreement's business).
 */
import { decodeTxPayload } from "../sequencer/opaque-payload.js";
import { transactionId } from "../mempool/opaque-pool.js";
import { isValidator, safetyVerdict, type Checker, type InvariantResult, type Observation, type Violation } from "./checker.js";

/** Checks validity (see the file comment): committed transactions were submitted, once. */
export class ValidityChecker implements Checker {
  readonly name = "validity";
  readonly kind = "safety" as const;
  private readonly submitted = new Set<string>();
  private readonly committedAt = new Map<string, number>();
  private readonly heights = new Set<number>();
  private violation: Violation | undefined;

  observe(o: Observation): Violation | undefined {
    if (o.event === "submit") {
      this.submitted.add(o.fields.txId as string);
      return undefined;
    }
    if (o.event !== "commit" || !isValidator(o.node)) return undefined;
    const height = o.fields.height as number;
    if (this.heights.has(height)) return undefined;
    this.heights.add(height);
    let txs: Uint8Array[];
    try {
      txs = decodeTxPayload(o.fields.payload as Uint8Array);
    } catch (error) {
      return this.fail(o, `height ${height}: committed payload does not decode (${(error as Error).message})`);
    }
    for (const tx of txs) {
      const id = transactionId(tx);
      if (!this.submitted.has(id)) return this.fail(o, `height ${height}: transaction ${id.slice(0, 16)} was never submitted`);
      const earlier = this.committedAt.get(id);
      if (earlier !== undefined) return this.fail(o, `transaction ${id.slice(0, 16)} committed twice: heights ${earlier} and ${height}`);
      this.committedAt.set(id, height);
    }
    return undefined;
  }

  finish(): InvariantResult {
    return safetyVerdict(this.name, { transactionsSubmitted: this.submitted.size, transactionsCommitted: this.committedAt.size }, this.violation);
  }

  private fail(o: Observation, message: string): Violation {
    this.violation ??= { invariant: this.name, atUs: o.timeUs, message };
    return this.violation;
  }
}

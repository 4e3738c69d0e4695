/**
 * A client of the SBCP network (sans-IO): every `intervalUs` (the first after
 * a random offset within one interval, so clients do not submit in lockstep)
 * it submits either an xT, with probability `xtShare` when there are at least
 * two rollups, or a local transfer.
 *
 * - An xT moves 1..`amountMax` of the source chain's asset from a random
 *   account on a random source chain to a random account on another chain: a
 *   `MailboxSend` on the source and a `MailboxReceive` on the destination
 *   (`sbcp/ledger/ledger-tx.ts`), sent to the shared publisher. With
 *   probability `failingXtShare` the amount is one more than every account of
 *   every rollup holds together, so the source's simulation fails
 *   (insufficient balance) and the xT must be decided false.
 * - A local transfer moves 1..`amountMax` between two accounts of one chain,
 *   sent to that chain's sequencer.
 *
 * Each xT carries a session id unique to the client and submission, so two
 * equal transfers have distinct xTids. Logs `sbcp-xt-submitted` and
 * `sbcp-local-submitted`.
 */
import { toHex } from "../../crypto/hash.js";
import { encodeLedgerTx } from "../../sbcp/ledger/ledger-tx.js";
import type { ChainId, SbcpMessage, XTRequest } from "../../sbcp/messages.js";
import { xTidOf } from "../../sbcp/xt-id.js";
import { assert } from "../../sim/assert.js";
import type { Node, NodeContext, NodeId, TimerId } from "../../sim/node.js";
import { sbcpAccount } from "./accounts.js";

/** One rollup as a client sees it. */
export interface ClientRollup {
  readonly chainId: ChainId;
  readonly sequencer: NodeId;
  readonly asset: string;
  /** Accounts 1..accounts exist at genesis. */
  readonly accounts: number;
}

/** A client's settings. Times are microseconds. */
export interface SbcpClientConfig {
  /** The client's index (0, 1, ...): the top bits of its session ids. */
  readonly index: number;
  readonly publisher: NodeId;
  readonly rollups: readonly ClientRollup[];
  /** Time between two submissions of this client (> 0). */
  readonly intervalUs: number;
  readonly xtShare: number;
  readonly failingXtShare: number;
  readonly amountMax: number;
  /** An amount no account can hold (sum of every genesis balance + 1): the amount of an xT that must fail. */
  readonly impossibleAmount: number;
  /** No submissions at or after this time. */
  readonly stopAtUs: number;
}

/** Session ids: the client's index in the top 12 bits, its submission counter in the low 20. */
const SESSION_COUNTER_BITS = 20;

/** A client node. */
export class SbcpClient implements Node<SbcpMessage> {
  private submitted = 0;

  constructor(private readonly config: SbcpClientConfig) {
    assert(config.rollups.length >= 1, "at least one rollup");
    assert(config.intervalUs > 0, "a positive interval");
    assert(config.index >= 0 && config.index < 4096, "a client index fits 12 bits");
    assert(Number.isSafeInteger(config.impossibleAmount) && config.impossibleAmount > 0, "the impossible amount is a safe integer");
  }

  start(ctx: NodeContext<SbcpMessage>): void {
    ctx.setTimer(ctx.rng.int(this.config.intervalUs), "submit");
  }

  onMessage(): void {
    // Clients receive nothing.
  }

  onTimer(ctx: NodeContext<SbcpMessage>, _timer: TimerId, tag: string): void {
    assert(tag === "submit", "the client's only timer");
    if (ctx.now() >= this.config.stopAtUs) return;
    this.submit(ctx);
    ctx.setTimer(this.config.intervalUs, "submit");
  }

  private submit(ctx: NodeContext<SbcpMessage>): void {
    const { rollups, amountMax } = this.config;
    const rng = ctx.rng;
    const counter = this.submitted++;
    const amount = 1 + rng.int(amountMax);
    if (rollups.length >= 2 && rng.chance(this.config.xtShare)) {
      const s = rng.int(rollups.length);
      const d = (s + 1 + rng.int(rollups.length - 1)) % rollups.length;
      const source = rollups[s]!;
      const destination = rollups[d]!;
      const mustFail = rng.chance(this.config.failingXtShare);
      const value = mustFail ? this.config.impossibleAmount : amount;
      const from = sbcpAccount(1 + rng.int(source.accounts));
      const to = sbcpAccount(1 + rng.int(destination.accounts));
      const SessionID = ((this.config.index << SESSION_COUNTER_BITS) | (counter & ((1 << SESSION_COUNTER_BITS) - 1))) >>> 0;
      const request: XTRequest = {
        Transactions: [
          { ChainID: source.chainId, Transaction: [encodeLedgerTx({ kind: "MailboxSend", DestinationChainID: destination.chainId, From: from, To: to, Asset: source.asset, Amount: value, SessionID })] },
          { ChainID: destination.chainId, Transaction: [encodeLedgerTx({ kind: "MailboxReceive", SourceChainID: source.chainId, To: to, Asset: source.asset, Amount: value, SessionID })] },
        ],
      };
      ctx.send(this.config.publisher, { type: "xTRequest", ...request });
      ctx.log("sbcp-xt-submitted", { xTid: toHex(xTidOf(request)), source: source.chainId, destination: destination.chainId, amount: value, mustFail });
      return;
    }
    const chain = rollups[rng.int(rollups.length)]!;
    const a = 1 + rng.int(chain.accounts);
    const b = chain.accounts === 1 ? a : 1 + ((a + rng.int(chain.accounts - 1)) % chain.accounts);
    const tx = encodeLedgerTx({ kind: "Transfer", From: sbcpAccount(a), To: sbcpAccount(b), Asset: chain.asset, Amount: amount, Nonce: counter });
    ctx.send(chain.sequencer, { type: "LocalTransaction", Transaction: tx });
    ctx.log("sbcp-local-submitted", { chain: chain.chainId, amount });
  }
}

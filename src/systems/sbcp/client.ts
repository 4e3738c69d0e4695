/**
 * A client of the SBCP network (sans-IO): every `intervalUs` (the first after
 * a random offset within one interval, so clients do not submit in lockstep)
 * it submits either an xT, with probability `xtShare` when there are at least
 * two rollups, or a local transfer. Every transaction is an AssetVM
 * transaction (`vm/tx-codec.ts`) signed under the run's scheme, with fee 0.
 *
 * - An xT moves 1..`amountMax` of the source chain's asset from one of this
 *   client's accounts on a random source chain to a random account on another
 *   chain: a `mailbox-write` on the source (burn, CIRC message) signed by the
 *   sender with its next nonce on that chain, and a `mailbox-read` on the
 *   destination (consume, mint) signed by a fresh relay account (nonce 0), so
 *   the destination side never waits on a nonce. With probability
 *   `failingXtShare` the source is a fresh account that holds nothing and the
 *   amount is `impossibleAmount`: the source's simulation fails
 *   (insufficient balance) and the xT must be decided false.
 * - A local transfer moves 1..`amountMax` from one of this client's accounts
 *   to another account of one chain, sent to that chain's sequencer (its
 *   mempool).
 *
 * Client `c` of `n` sends from accounts `i` with `(i - 1) mod n = c` only, and
 * counts their nonces per chain; an xT decided false after a fault leaves a
 * gap, and that account's later transactions on that chain then wait in the
 * mempool or fail (bad nonce), as a real user's would until they re-sign.
 * Each xT carries a session id unique to the client and submission, so two
 * equal transfers have distinct xTids. Logs `sbcp-xt-submitted` and
 * `sbcp-local-submitted`.
 */
import { sha256, toHex, utf8 } from "../../crypto/hash.js";
import type { KeyPair, SignatureScheme } from "../../crypto/signature.js";
import type { ChainId, SbcpMessage, XTRequest } from "../../sbcp/messages.js";
import { xTidOf } from "../../sbcp/xt-id.js";
import { assert } from "../../sim/assert.js";
import type { Node, NodeContext, NodeId, TimerId } from "../../sim/node.js";
import { signTransaction } from "../../vm/tx-codec.js";
import type { Instruction } from "../../vm/types.js";
import { sbcpAccountKeys } from "./accounts.js";

/** One rollup as a client sees it. */
export interface ClientRollup {
  readonly chainId: ChainId;
  readonly sequencer: NodeId;
  readonly asset: string;
  /** Accounts 1..accounts hold the asset at genesis. */
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
  /** The run's signature scheme (shared with the sequencers, which check every signature). */
  readonly scheme: SignatureScheme;
  /** Number of clients (this client sends from accounts `i` with `(i - 1) mod clients = index`). */
  readonly clients: number;
}

/** Session ids: the client's index in the top 12 bits, its submission counter in the low 20. */
const SESSION_COUNTER_BITS = 20;

/** A client node. */
export class SbcpClient implements Node<SbcpMessage> {
  private submitted = 0;
  /** The next nonce of each of this client's accounts per chain: key `<chain>:<account index>`. */
  private readonly nonces = new Map<string, bigint>();

  constructor(private readonly config: SbcpClientConfig) {
    assert(config.rollups.length >= 1, "at least one rollup");
    assert(config.intervalUs > 0, "a positive interval");
    assert(config.index >= 0 && config.index < 4096, "a client index fits 12 bits");
    assert(Number.isSafeInteger(config.impossibleAmount) && config.impossibleAmount > 0, "the impossible amount is a safe integer");
    assert(config.clients > config.index, "the client's index is below the number of clients");
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

  /**
   * A random account of `rollup` this client sends from, or undefined when it owns none there. Of its
   * owned accounts (the k-th is `1 + index + k * clients`), even k send xTs and odd k local transfers
   * (all of them both when it owns one), so an xT's nonce never races a local transaction's.
   */
  private ownAccount(ctx: NodeContext<SbcpMessage>, rollup: ClientRollup, purpose: "xt" | "local"): number | undefined {
    const { index, clients } = this.config;
    const owned = index >= rollup.accounts ? 0 : Math.floor((rollup.accounts - 1 - index) / clients) + 1;
    if (owned === 0) return undefined;
    const k = owned === 1 ? 0 : purpose === "xt" ? 2 * ctx.rng.int(Math.ceil(owned / 2)) : 1 + 2 * ctx.rng.int(Math.floor(owned / 2));
    return 1 + index + clients * k;
  }

  /** Signs `instructions` from account `account` on chain `chain` with its next nonce, and counts it. */
  private signFrom(chain: ChainId, account: number, instructions: Instruction[]): Uint8Array {
    const key = `${chain}:${account}`;
    const nonce = this.nonces.get(key) ?? 0n;
    this.nonces.set(key, nonce + 1n);
    return this.sign(sbcpAccountKeys(this.config.scheme, account), nonce, instructions);
  }

  private sign(keys: KeyPair, nonce: bigint, instructions: Instruction[]): Uint8Array {
    return signTransaction({ sender: toHex(keys.publicKey), nonce, fee: 0n, instructions }, keys.secretKey, this.config.scheme);
  }

  /** A fresh key pair, used once: the relay of an xT's read, or the empty source of an xT that must fail. */
  private freshKeys(role: string, counter: number): KeyPair {
    return this.config.scheme.keyPairFromSeed(sha256(utf8(`sbcp/${role}/${this.config.index}/${counter}`)));
  }

  private submit(ctx: NodeContext<SbcpMessage>): void {
    const { rollups, amountMax, scheme } = this.config;
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
      const from = mustFail ? undefined : this.ownAccount(ctx, source, "xt");
      if (!mustFail && from === undefined) return;
      const to = toHex(sbcpAccountKeys(scheme, 1 + rng.int(destination.accounts)).publicKey);
      const SessionID = ((this.config.index << SESSION_COUNTER_BITS) | (counter & ((1 << SESSION_COUNTER_BITS) - 1))) >>> 0;
      const session = BigInt(SessionID);
      const write: Instruction[] = [{ kind: "mailbox-write", destination: destination.chainId, session, to, asset: source.asset, amount: BigInt(value) }];
      const sourceTx = from === undefined ? this.sign(this.freshKeys("empty", counter), 0n, write) : this.signFrom(source.chainId, from, write);
      const readTx = this.sign(this.freshKeys("relay", counter), 0n, [{ kind: "mailbox-read", source: source.chainId, session }]);
      const request: XTRequest = {
        Transactions: [
          { ChainID: source.chainId, Transaction: [sourceTx] },
          { ChainID: destination.chainId, Transaction: [readTx] },
        ],
      };
      ctx.send(this.config.publisher, { type: "xTRequest", ...request });
      ctx.log("sbcp-xt-submitted", { xTid: toHex(xTidOf(request)), source: source.chainId, destination: destination.chainId, amount: value, mustFail });
      return;
    }
    const chain = rollups[rng.int(rollups.length)]!;
    const a = this.ownAccount(ctx, chain, "local");
    if (a === undefined) return;
    const b = chain.accounts === 1 ? a : 1 + ((a + rng.int(chain.accounts - 1)) % chain.accounts);
    const tx = this.signFrom(chain.chainId, a, [{ kind: "transfer", asset: chain.asset, to: toHex(sbcpAccountKeys(scheme, b).publicKey), amount: BigInt(amount) }]);
    ctx.send(chain.sequencer, { type: "LocalTransaction", Transaction: tx });
    ctx.log("sbcp-local-submitted", { chain: chain.chainId, amount });
  }
}

/**
 * A simulated wallet client: owns a few accounts (key pairs), and submits
 * signed AssetVM transactions to validators as a Poisson process, in the
 * configured mix of plain transfers, compiled scripts and deliberately
 * invalid transactions (stale or far-future nonce, bad signature, overspend).
 *
 * It tracks each account's next nonce and the transactions in flight; every
 * `queryIntervalUs` it asks a random validator for the committed nonce of accounts
 * with transactions in flight, forgets the committed ones, and resubmits the
 * rest when the committed nonce has not moved for `resubmitAfterUs` (a
 * dropped message or an evicted transaction would otherwise leave a nonce
 * gap forever) to a random validator, which the account then keeps using (a
 * wallet failing over from an unresponsive endpoint).
 *
 * Each account submits to one validator (as a wallet keeps one RPC endpoint),
 * so its nonce chain is not split across mempools.
 *
 * Logs `submit { txId, to, kind }` for every submission (the metrics measure
 * latency from it) and `throttled` when an account has too many in flight.
 */
import type { ValidatorMessage } from "../consensus/types.js";
import { toHex } from "../crypto/hash.js";
import type { KeyPair, SignatureScheme } from "../crypto/signature.js";
import { decodeAppMessage, encodeAppMessage } from "../sequencer/app-messages.js";
import type { Node, NodeContext, NodeId } from "../sim/node.js";
import { compileScript } from "../vm/script/compile.js";
import { signTransaction, transactionId } from "../vm/tx-codec.js";
import { NATIVE_ASSET, type AccountId, type AssetSymbol, type Instruction } from "../vm/types.js";

/** Relative weights of the kinds of submissions (they need not sum to 1). */
export interface WorkloadMix {
  readonly transfer: number;
  readonly script: number;
  readonly badNonce: number;
  readonly badSignature: number;
  readonly overspend: number;
}

/** The kinds of submission, as logged. */
export type SubmissionKind = "transfer" | "script" | "bad-nonce" | "bad-signature" | "overspend";

/** Configuration of one client. Times are microseconds. */
export interface AssetClientConfig {
  readonly index: number;
  /** Validators the client may submit to: each account has one; resubmissions go to a random one. */
  readonly validators: readonly NodeId[];
  readonly scheme: SignatureScheme;
  /** This client's accounts. */
  readonly accounts: readonly KeyPair[];
  /** Every client account of the run, by name `a<k>` = directory[k] (transfer targets, script names). */
  readonly directory: readonly AccountId[];
  /** Mean submissions per second of this client (0: idle). */
  readonly txPerSecond: number;
  readonly stopAtUs: number;
  readonly mix: WorkloadMix;
  /** Base fee in native units; each transaction adds a random tip of up to the same amount. */
  readonly fee: bigint;
  /** The scenario's token (held by every account at genesis, paired with the native asset in a pool). */
  readonly token: AssetSymbol;
  /** The token's mint authority (scripts signed by it mint). */
  readonly tokenAuthority: AccountId;
  /** Most transactions in flight per account before it pauses. */
  readonly inflightMax: number;
  readonly queryIntervalUs: number;
  readonly resubmitAfterUs: number;
  /** Nonce distance used for far-future (never executable) bad-nonce transactions. */
  readonly farNonceGap: bigint;
}

interface AccountTrack {
  readonly keys: KeyPair;
  /** The validator this account submits to (as a wallet keeps one RPC endpoint); it fails over when it resubmits. */
  validator: NodeId;
  readonly id: AccountId;
  next: bigint;
  committed: bigint;
  lastProgressUs: number;
  readonly inflight: Map<bigint, Uint8Array>;
}

const TIMER_SUBMIT = "submit";
/** Most overdue arrivals submitted at one timer firing (after a long stall, the rest follow at an immediate next firing). */
const ARRIVALS_PER_TIMER_MAX = 1000;
const TIMER_QUERY = "query";

/** A client node. */
export class AssetClient implements Node<ValidatorMessage> {
  private readonly config: AssetClientConfig;
  private readonly tracks: AccountTrack[];
  private readonly byId = new Map<AccountId, AccountTrack>();
  private readonly weights: readonly [SubmissionKind, number][];
  private readonly totalWeight: number;
  private createdOwnAsset = false;
  /** When the next submission is due (microseconds, this node's clock). */
  private nextArrivalUs = 0;

  /** @throws RangeError on no accounts, no validators, or a mix with no positive weight */
  constructor(config: AssetClientConfig) {
    if (config.accounts.length === 0) throw new RangeError("a client needs at least one account");
    if (config.validators.length === 0) throw new RangeError("a client needs at least one validator");
    this.config = config;
    const n = config.validators.length;
    this.tracks = config.accounts.map((keys, k) => ({
      keys,
      validator: config.validators[(config.index * config.accounts.length + k) % n]!,
      id: toHex(keys.publicKey),
      next: 0n,
      committed: 0n,
      lastProgressUs: 0,
      inflight: new Map(),
    }));
    for (const t of this.tracks) this.byId.set(t.id, t);
    const m = config.mix;
    this.weights = [
      ["transfer", m.transfer],
      ["script", m.script],
      ["bad-nonce", m.badNonce],
      ["bad-signature", m.badSignature],
      ["overspend", m.overspend],
    ];
    this.totalWeight = this.weights.reduce((s, [, w]) => s + w, 0);
    if (!(this.totalWeight > 0)) throw new RangeError("the workload mix needs a positive weight");
  }

  start(ctx: NodeContext<ValidatorMessage>): void {
    // A restarted client has lost its memory: it relearns its nonces from the chain first.
    for (const t of this.tracks) ctx.send(this.randomValidator(ctx), { type: "app", data: encodeAppMessage({ kind: "account-query", account: t.keys.publicKey }) });
    this.scheduleNext(ctx);
    ctx.setTimer(this.config.queryIntervalUs, TIMER_QUERY);
  }

  onMessage(ctx: NodeContext<ValidatorMessage>, _from: NodeId, msg: ValidatorMessage): void {
    if (msg.type !== "app") return;
    let reply;
    try {
      reply = decodeAppMessage(msg.data);
    } catch {
      return;
    }
    if (reply.kind !== "account-state") return;
    const track = this.byId.get(toHex(reply.account));
    if (track === undefined) return;
    if (reply.nonce > track.committed) {
      track.committed = reply.nonce;
      track.lastProgressUs = ctx.now();
    }
    for (const nonce of track.inflight.keys()) if (nonce < track.committed) track.inflight.delete(nonce);
    if (track.next < track.committed) track.next = track.committed;
  }

  onTimer(ctx: NodeContext<ValidatorMessage>, _id: number, tag: string): void {
    if (tag === TIMER_QUERY) return this.query(ctx);
    // Submit every arrival that is due: a real timer fires late (whole milliseconds at best), and one
    // submission per firing would offer less than txPerSecond. In the simulator timers fire on time: one per firing.
    for (let burst = 0; burst < ARRIVALS_PER_TIMER_MAX && this.nextArrivalUs <= ctx.now(); burst++) {
      this.submitOne(ctx);
      if (!this.drawNextArrival(ctx)) return;
    }
    ctx.setTimer(Math.max(0, this.nextArrivalUs - ctx.now()), TIMER_SUBMIT);
  }

  /** Queries go to any validator: a crashed one must not silence them. */
  private randomValidator(ctx: NodeContext<ValidatorMessage>): NodeId {
    return this.config.validators[ctx.rng.int(this.config.validators.length)]!;
  }

  private query(ctx: NodeContext<ValidatorMessage>): void {
    const now = ctx.now();
    for (const t of this.tracks) {
      if (t.inflight.size === 0) continue;
      ctx.send(this.randomValidator(ctx), { type: "app", data: encodeAppMessage({ kind: "account-query", account: t.keys.publicKey }) });
      if (now - t.lastProgressUs >= this.config.resubmitAfterUs) {
        t.lastProgressUs = now;
        const txs = [...t.inflight].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, raw]) => raw);
        const to = this.randomValidator(ctx);
        t.validator = to;
        ctx.log("resubmit", { account: t.id, count: txs.length, to });
        ctx.send(to, { type: "app", data: encodeAppMessage({ kind: "submit", txs }) });
      }
    }
    if (now < this.config.stopAtUs + 60_000_000) ctx.setTimer(this.config.queryIntervalUs, TIMER_QUERY);
  }

  private pickKind(ctx: NodeContext<ValidatorMessage>): SubmissionKind {
    let x = ctx.rng.next() * this.totalWeight;
    for (const [kind, w] of this.weights) {
      if (x < w) return kind;
      x -= w;
    }
    return "transfer";
  }

  private submitOne(ctx: NodeContext<ValidatorMessage>): void {
    const track = this.tracks[ctx.rng.int(this.tracks.length)]!;
    const kind = this.pickKind(ctx);
    if (track.inflight.size >= this.config.inflightMax) {
      ctx.log("throttled", { account: track.id });
      return;
    }
    const fee = this.config.fee + BigInt(ctx.rng.int(Number(this.config.fee) + 1));
    const peer = this.config.directory[ctx.rng.int(this.config.directory.length)]!;
    let nonce = track.next;
    let instructions: Instruction[];
    switch (kind) {
      case "transfer":
      case "bad-signature":
        instructions = [{ kind: "transfer", asset: NATIVE_ASSET, to: peer, amount: BigInt(1 + ctx.rng.int(1000)) }];
        break;
      case "bad-nonce":
        instructions = [{ kind: "transfer", asset: NATIVE_ASSET, to: peer, amount: 1n }];
        nonce = track.committed > 0n ? track.committed - 1n : track.next + this.config.farNonceGap;
        break;
      case "overspend":
        instructions = [{ kind: "transfer", asset: NATIVE_ASSET, to: peer, amount: 1n << 62n }];
        break;
      case "script": {
        const compiled = this.script(ctx, track);
        if (compiled === undefined) return;
        instructions = compiled;
        break;
      }
    }
    const body = { sender: track.id, nonce, fee, instructions };
    let raw = signTransaction(body, track.keys.secretKey, this.config.scheme);
    if (kind === "bad-signature") {
      raw = raw.slice();
      raw[raw.length - 1]! ^= 0x01;
    }
    if (kind !== "bad-nonce" && kind !== "bad-signature") {
      track.inflight.set(nonce, raw);
      if (track.inflight.size === 1) track.lastProgressUs = ctx.now();
      track.next = nonce + 1n;
    }
    const to = track.validator;
    ctx.log("submit", { txId: transactionId(raw), to, kind, account: track.id, nonce: Number(nonce) });
    ctx.send(to, { type: "app", data: encodeAppMessage({ kind: "submit", txs: [raw] }) });
  }

  /** A random script for `track`, compiled; undefined (logged) if it does not compile, which would be a bug. */
  private script(ctx: NodeContext<ValidatorMessage>, track: AccountTrack): Instruction[] | undefined {
    const { token, directory } = this.config;
    const name = (): string => `a${ctx.rng.int(directory.length)}`;
    const n = (max: number): number => 1 + ctx.rng.int(max);
    let source: string;
    if (!this.createdOwnAsset && track === this.tracks[0]) {
      this.createdOwnAsset = true;
      const own = `TK${this.config.index}`;
      source = `# a client's own token\ncreate asset ${own} decimals 6\nmint 1_000_000 ${own} to me\ntransfer ${n(1000)} ${own} to ${name()}`;
    } else if (track.id === this.config.tokenAuthority) {
      source = `mint ${n(100_000)} ${token} to ${name()}\ntransfer ${n(100)} ${NATIVE_ASSET} to ${name()}`;
    } else {
      switch (ctx.rng.int(5)) {
        case 0:
          source = `transfer ${n(1000)} ${token} to ${name()}\ntransfer ${n(1000)} ${NATIVE_ASSET} to ${name()}`;
          break;
        case 1:
          source = `swap ${n(10_000)} ${NATIVE_ASSET} for ${token} min 1`;
          break;
        case 2:
          source = `swap ${n(10_000)} ${token} for ${NATIVE_ASSET} min 1`;
          break;
        case 3:
          source = `burn ${n(10)} ${token}`;
          break;
        default:
          source = `add liquidity ${n(100_000)} ${NATIVE_ASSET} ${n(100_000)} ${token}`;
      }
    }
    try {
      return compileScript(source, {
        signer: track.id,
        resolve: (word) => (/^a[0-9]+$/.test(word) ? directory[Number(word.slice(1))] : undefined),
      });
    } catch (error) {
      ctx.log("script-error", { source, error: (error as Error).message });
      return undefined;
    }
  }

  /** Arms the first arrival (Poisson arrivals at txPerSecond). */
  private scheduleNext(ctx: NodeContext<ValidatorMessage>): void {
    // One reading of the clock: a real clock moves between two readings, and a delay computed from the
    // second could come out negative (found by `asset-sim testnet`: a client threw at boot).
    const nowUs = ctx.now();
    this.nextArrivalUs = nowUs;
    if (this.drawNextArrival(ctx)) ctx.setTimer(Math.max(0, this.nextArrivalUs - nowUs), TIMER_SUBMIT);
  }

  /** Moves the next arrival one exponential gap later; false when arrivals stop (rate 0, or past stopAt). */
  private drawNextArrival(ctx: NodeContext<ValidatorMessage>): boolean {
    if (this.config.txPerSecond <= 0) return false;
    const afterUs = Math.max(1, Math.round(ctx.rng.exponential(1_000_000 / this.config.txPerSecond)));
    this.nextArrivalUs += afterUs;
    return this.nextArrivalUs < this.config.stopAtUs;
  }
}


/**
 * The client side of the L1 RPC protocol (`rpc-messages.ts`) for sans-IO
 * nodes (the batch poster, the operator): request ids, replies routed to the
 * callback that asked, requests that get no answer given up after a timeout,
 * the newest L1 slot seen, and a cached recent blockhash.
 *
 * A node owns one session per boot, forwards its `l1-rpc` messages from the L1 to
 * {@link L1Session.onData} and calls {@link L1Session.expire} from a timer.
 */
import type { L1RpcMessage } from "./l1-wire.js";
import type { NodeContext, NodeId } from "../sim/node.js";
import { decodeL1Response, encodeL1Request, type L1Request, type L1Response } from "./rpc-messages.js";
import { WireDecodeError } from "../net/codec.js";

/** A request without its id: the session numbers it. */
export type L1Call = L1Request extends infer R ? (R extends { id: number } ? Omit<R, "id"> : never) : never;

/** What a session needs from its node. */
export interface L1SessionContext {
  now(): number;
  /** Sends encoded request bytes to the L1 node (as an `l1-rpc` message). */
  send(to: NodeId, data: Uint8Array): void;
}

/** A session context over a simulated or real node's context: requests travel as `l1-rpc` messages. */
export function l1SessionContext<M>(ctx: NodeContext<M | L1RpcMessage>): L1SessionContext {
  return { now: () => ctx.now(), send: (to, data) => ctx.send(to, { type: "l1-rpc", data }) };
}

/** A reply, or `undefined` when the request timed out (lost on the network, or the L1 never answered). */
export type L1Reply = (response: L1Response | undefined) => void;

interface Pending {
  readonly sentAtUs: number;
  readonly reply: L1Reply;
}

/** Blockhashes are refreshed when fewer than this many slots of validity remain. */
const BLOCKHASH_MARGIN_SLOTS = 20;

/** One node's conversation with the L1 RPC node. */
export class L1Session {
  /** Newest L1 slot any response reported. */
  slot = 0;
  private readonly l1: NodeId;
  private readonly timeoutUs: number;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private blockhash: { readonly value: string; readonly lastValidSlot: number } | undefined;

  /**
   * @param l1 the L1 node's name
   * @param timeoutUs a request with no reply after this long is answered `undefined`
   */
  constructor(l1: NodeId, timeoutUs: number) {
    this.l1 = l1;
    this.timeoutUs = timeoutUs;
  }

  /** Requests in flight. */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Sends a request; `reply` runs once, with the response or `undefined` on timeout. */
  call(ctx: L1SessionContext, call: L1Call, reply: L1Reply): void {
    const id = this.nextId++;
    this.pending.set(id, { sentAtUs: ctx.now(), reply });
    ctx.send(this.l1, encodeL1Request({ ...call, id } as L1Request));
  }

  /**
   * Handles bytes that came from the L1 node.
   * @returns false when they are not an L1 response (the caller logs them as malformed)
   */
  onData(data: Uint8Array): boolean {
    let response: L1Response;
    try {
      response = decodeL1Response(data);
    } catch (error) {
      if (error instanceof WireDecodeError) return false;
      throw error;
    }
    if ("slot" in response && typeof response.slot === "number") this.slot = Math.max(this.slot, response.slot);
    const pending = this.pending.get(response.id);
    if (pending === undefined) return true; // a late answer to a request already given up
    this.pending.delete(response.id);
    pending.reply(response);
    return true;
  }

  /** Answers `undefined` to every request older than the timeout. Call it from a periodic timer. */
  expire(nowUs: number): void {
    for (const [id, p] of this.pending) {
      if (nowUs - p.sentAtUs < this.timeoutUs) continue;
      this.pending.delete(id);
      p.reply(undefined);
    }
  }

  /**
   * Calls `use` with a blockhash valid for a while yet, fetching a new one
   * first when the cached one is near expiry; `use(undefined)` when the fetch failed.
   */
  withBlockhash(ctx: L1SessionContext, use: (blockhash: { readonly value: string; readonly lastValidSlot: number } | undefined, failure?: string) => void): void {
    const cached = this.blockhash;
    if (cached !== undefined && this.slot + BLOCKHASH_MARGIN_SLOTS < cached.lastValidSlot) return use(cached);
    this.call(ctx, { kind: "get-latest-blockhash", commitment: "confirmed" }, (r) => {
      if (r === undefined) return use(undefined, "timeout");
      if (r.kind === "rpc-error") return use(undefined, r.code);
      if (r.kind !== "latest-blockhash") return use(undefined, "unexpected-response");
      this.blockhash = { value: r.blockhash, lastValidSlot: r.lastValidSlot };
      use(this.blockhash);
    });
  }

  /**
   * Sends a signed transaction the chain has not shown yet again, unchanged
   * (same signature, so it cannot land twice), when `resendIntervalUs` has
   * passed since `tx.sentAtUs`, as Solana clients rebroadcast until the
   * blockhash expires. Preflight is skipped: the original already passed it.
   * @returns true when it was sent again (and `tx.sentAtUs` moved to now)
   */
  rebroadcastIfDue(ctx: L1SessionContext, tx: { readonly bytes: Uint8Array; sentAtUs: number }, resendIntervalUs: number): boolean {
    if (ctx.now() - tx.sentAtUs < resendIntervalUs) return false;
    tx.sentAtUs = ctx.now();
    this.call(ctx, { kind: "send-transaction", tx: tx.bytes, skipPreflight: true }, () => {});
    return true;
  }

  /** Forgets the cached blockhash (after `blockhash-not-found`, or an L1 reorg). */
  dropBlockhash(): void {
    this.blockhash = undefined;
  }
}

/**
 * The adapter that lets the sans-IO batch poster and operator (the very
 * classes the simulator runs) talk to a real Solana JSON-RPC endpoint: a
 * {@link Transport} for their {@link RealHost} that turns each `l1-rpc`
 * message addressed to the L1 node into calls on @solana/web3.js's
 * `Connection`, and each answer (or failure) back into the L1 protocol's
 * response (`l1/rpc-messages.ts`), delivered to the node as if the L1 node had
 * sent it. Messages to anyone else go to the `inner` transport (TCP to the
 * validators), and its deliveries reach the node unchanged.
 *
 * Mapping (request → `Connection` call → response):
 * - `send-transaction` → `sendRawTransaction(tx, { skipPreflight, maxRetries: 0 })`;
 *   a refusal becomes `blockhash-not-found`, `already-processed`,
 *   `preflight-failure` (with the custom code from `custom program error: 0x...`),
 *   `malformed-transaction` by its message (Solana's wording, which is all
 *   web3.js keeps: `json-transaction-error.ts`), anything else (network
 *   errors, timeouts, HTTP errors) `rpc-unavailable`;
 * - `get-signature-statuses` → `getSignatureStatuses` (errors as text and custom code);
 * - `get-account-info` → `getAccountInfoAndContext` at the request's commitment;
 * - `get-latest-blockhash` → `getLatestBlockhashAndContext` and `getBlockHeight`
 *   at the commitment: `lastValidSlot` = context slot + (lastValidBlockHeight -
 *   block height), since the poster counts in slots and a real cluster's
 *   block heights lag its slots (on `asset-sim l1` they are equal).
 * At most `maxInFlight` calls at once; beyond that a request is answered
 * `rpc-unavailable` at once (the poster retries with backoff). Each HTTP call
 * is aborted after `requestTimeoutMs`.
 */
import type { Connection, Commitment as Web3Commitment } from "@solana/web3.js";
import { classifySendFailure, transactionErrorFromJson } from "../../l1/json-transaction-error.js";
import { l1RpcCodec } from "../../l1/l1-wire.js";
import { decodeL1Request, encodeL1Response, ERROR_TEXT_MAX, type L1Request, type L1Response } from "../../l1/rpc-messages.js";
import { web3 } from "../../l1/solana-modules.js";
import { WireDecodeError } from "../../net/codec.js";
import type { DeliverHandler, Transport } from "../../net/transport.js";
import type { NodeId } from "../../sim/node.js";

/** Settings of a {@link ConnectionL1Transport}. */
export interface ConnectionL1TransportOptions {
  /** The JSON-RPC endpoint, e.g. `http://127.0.0.1:8899`. */
  readonly url: string;
  /** The name the node gives the L1 (its config's `l1`). */
  readonly l1: NodeId;
  /** Where messages to anyone else go (TCP to the validators); none: they are dropped. */
  readonly inner?: Transport;
  /** Most calls in flight (default 32). */
  readonly maxInFlight?: number;
  /** Each HTTP call is aborted after this long, milliseconds (default 5000). */
  readonly requestTimeoutMs?: number;
  /** Receives one line per request the adapter could not even decode (a bug in the node). */
  readonly warn?: (text: string) => void;
}

/** Distributive Omit: a response without its id. */
type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

/** A Transport for a poster or operator host: L1 RPC over JSON-RPC, the rest to `inner`. */
export class ConnectionL1Transport implements Transport {
  /** Counters for tests and logs. */
  readonly stats = { calls: 0, failures: 0, refusedBusy: 0 };
  private readonly connection: Connection;
  private readonly options: ConnectionL1TransportOptions;
  private handler: DeliverHandler | undefined;
  private inFlight = 0;
  private closed = false;

  constructor(options: ConnectionL1TransportOptions) {
    this.options = options;
    const timeoutMs = options.requestTimeoutMs ?? 5_000;
    const fetchWithTimeout = (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    this.connection = new (web3().Connection)(options.url, { commitment: "confirmed", disableRetryOnRateLimit: true, fetch: fetchWithTimeout as never });
  }

  onDeliver(handler: DeliverHandler): void {
    this.handler = handler;
    this.options.inner?.onDeliver(handler);
  }

  send(from: NodeId, to: NodeId, bytes: Uint8Array): void {
    if (to !== this.options.l1) {
      this.options.inner?.send(from, to, bytes);
      return;
    }
    let request: L1Request;
    try {
      request = decodeL1Request(l1RpcCodec.decode(bytes).data);
    } catch (error) {
      if (!(error instanceof WireDecodeError)) throw error;
      this.options.warn?.(`l1 adapter: ${from} sent a message that is not an L1 request: ${error.message}`);
      return;
    }
    if (this.inFlight >= (this.options.maxInFlight ?? 32)) {
      this.stats.refusedBusy++;
      // Never re-enter the node from inside its own send: answer on a later turn.
      setImmediate(() => this.reply(from, { kind: "rpc-error", id: request.id, code: "rpc-unavailable", message: "adapter: too many calls in flight" }));
      return;
    }
    this.inFlight++;
    this.stats.calls++;
    this.call(request)
      .then((response) => this.reply(from, { ...response, id: request.id } as L1Response))
      .catch((error: unknown) => {
        this.stats.failures++;
        this.reply(from, { kind: "rpc-error", id: request.id, code: "rpc-unavailable", message: clip(error instanceof Error ? error.message : String(error)) });
      })
      .finally(() => {
        this.inFlight--;
      });
  }

  /** Stops delivering answers (calls in flight are left to finish and are dropped). */
  close(): void {
    this.closed = true;
  }

  private reply(to: NodeId, response: L1Response): void {
    if (this.closed) return;
    this.handler?.(this.options.l1, to, l1RpcCodec.encode({ type: "l1-rpc", data: encodeL1Response(response) }));
  }

  private async call(request: L1Request): Promise<WithoutId<L1Response>> {
    const { PublicKey } = web3();
    switch (request.kind) {
      case "send-transaction": {
        try {
          const signature = await this.connection.sendRawTransaction(request.tx, { skipPreflight: request.skipPreflight, preflightCommitment: "processed", maxRetries: 0 });
          return { kind: "send-transaction-result", signature };
        } catch (error) {
          if (!(error instanceof web3().SendTransactionError)) throw error;
          const failure = classifySendFailure(error.message);
          const base = { kind: "rpc-error" as const, code: failure.code, message: clip(error.message) };
          return "customCode" in failure && failure.customCode !== undefined ? { ...base, customCode: failure.customCode } : base;
        }
      }
      case "get-signature-statuses": {
        const { context, value } = await this.connection.getSignatureStatuses(request.signatures.map((s) => s));
        return {
          kind: "signature-statuses",
          slot: context.slot,
          statuses: value.map((s) => {
            if (s === null) return null;
            const failure = s.err === null ? null : transactionErrorFromJson(s.err);
            return { slot: s.slot, err: failure === null ? null : clip(failure.err), customCode: failure?.customCode ?? null, confirmationStatus: s.confirmationStatus ?? "processed" };
          }),
        };
      }
      case "get-account-info": {
        let key;
        try {
          key = new PublicKey(request.address);
        } catch {
          return { kind: "rpc-error", code: "invalid-params", message: `not a base58 address: ${JSON.stringify(request.address)}` };
        }
        const { context, value } = await this.connection.getAccountInfoAndContext(key, { commitment: request.commitment as Web3Commitment });
        return {
          kind: "account-info",
          slot: context.slot,
          account: value === null ? null : { lamports: BigInt(value.lamports), owner: value.owner.toBase58(), data: new Uint8Array(value.data), executable: value.executable },
        };
      }
      case "get-latest-blockhash": {
        const commitment = request.commitment as Web3Commitment;
        const [latest, blockHeight] = await Promise.all([this.connection.getLatestBlockhashAndContext({ commitment }), this.connection.getBlockHeight({ commitment })]);
        const validFor = Math.max(0, latest.value.lastValidBlockHeight - blockHeight);
        return { kind: "latest-blockhash", slot: latest.context.slot, blockhash: latest.value.blockhash, lastValidSlot: latest.context.slot + validFor };
      }
    }
  }
}

function clip(text: string): string {
  return text.length > ERROR_TEXT_MAX ? text.slice(0, ERROR_TEXT_MAX) : text;
}

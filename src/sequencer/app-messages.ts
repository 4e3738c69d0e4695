/**
 * Application messages between clients and validators (the `data` of a
 * consensus `app` message), MessagePack-encoded:
 * - `submit`: a client hands transactions to a validator, which gossips the new ones;
 * - `gossip`: a validator forwards transactions to its peers (not forwarded again);
 * - `account-query`: a client asks for an account's committed nonce;
 * - `account-state`: the answer, with the committed height it reflects;
 * - `root-query`: a batch poster asks for committed state roots from a height on;
 * - `committed-roots`: consecutive committed state roots from `fromHeight` on (the
 *   answer to `root-query`, and pushed to batch posters on every commit);
 * - `block-query`: a settlement watcher (optimistic poster, challenger) asks for
 *   committed blocks from a height on;
 * - `committed-block`: one committed block's encoded transactions and state root
 *   (the answer to `block-query`, one message per block, and pushed to block
 *   watchers on every commit).
 */
import { decodeWire, encodeWire, read, WireDecodeError } from "../net/codec.js";

/** Most transactions in one message. */
export const TRANSACTIONS_PER_MESSAGE_MAX = 10_000;

/** Most roots in one `committed-roots` message. */
export const ROOTS_PER_MESSAGE_MAX = 256;

/** One application message. */
export type AppMessage =
  | { readonly kind: "submit" | "gossip"; readonly txs: readonly Uint8Array[] }
  | { readonly kind: "account-query"; readonly account: Uint8Array }
  | { readonly kind: "account-state"; readonly account: Uint8Array; readonly nonce: bigint; readonly height: number }
  | { readonly kind: "root-query"; readonly fromHeight: number }
  | { readonly kind: "committed-roots"; readonly fromHeight: number; readonly roots: readonly Uint8Array[] }
  | { readonly kind: "block-query"; readonly fromHeight: number }
  | { readonly kind: "committed-block"; readonly height: number; readonly root: Uint8Array; readonly txs: readonly Uint8Array[] };

/** Encodes an application message. */
export function encodeAppMessage(msg: AppMessage): Uint8Array {
  switch (msg.kind) {
    case "submit":
    case "gossip":
      return encodeWire({ kind: msg.kind, txs: msg.txs });
    case "account-query":
      return encodeWire({ kind: msg.kind, account: msg.account });
    case "account-state":
      // Nonces are u64: carried as a decimal string so no precision is lost.
      return encodeWire({ kind: msg.kind, account: msg.account, nonce: msg.nonce.toString(), height: msg.height });
    case "root-query":
      return encodeWire({ kind: msg.kind, fromHeight: msg.fromHeight });
    case "committed-roots":
      return encodeWire({ kind: msg.kind, fromHeight: msg.fromHeight, roots: msg.roots });
    case "block-query":
      return encodeWire({ kind: msg.kind, fromHeight: msg.fromHeight });
    case "committed-block":
      return encodeWire({ kind: msg.kind, height: msg.height, root: msg.root, txs: msg.txs });
  }
}

/** Decodes an application message. @throws WireDecodeError on anything malformed */
export function decodeAppMessage(bytes: Uint8Array): AppMessage {
  const o = read.object(decodeWire(bytes), "appMessage");
  switch (o.kind) {
    case "submit":
    case "gossip":
      return { kind: o.kind, txs: read.array(o.txs, "appMessage.txs", TRANSACTIONS_PER_MESSAGE_MAX).map((tx, i) => read.bytes(tx, `appMessage.txs[${i}]`)) };
    case "account-query":
      return { kind: o.kind, account: read.bytes(o.account, "appMessage.account", 32) };
    case "account-state": {
      if (typeof o.nonce !== "string" || !/^(0|[1-9][0-9]{0,19})$/.test(o.nonce)) throw new WireDecodeError("appMessage.nonce: expected a decimal u64");
      const nonce = BigInt(o.nonce);
      if (nonce >> 64n !== 0n) throw new WireDecodeError("appMessage.nonce: larger than u64");
      return { kind: o.kind, account: read.bytes(o.account, "appMessage.account", 32), nonce, height: read.uint(o.height, "appMessage.height") };
    }
    case "root-query":
      return { kind: o.kind, fromHeight: read.uint(o.fromHeight, "appMessage.fromHeight") };
    case "committed-roots":
      return {
        kind: o.kind,
        fromHeight: read.uint(o.fromHeight, "appMessage.fromHeight"),
        roots: read.array(o.roots, "appMessage.roots", ROOTS_PER_MESSAGE_MAX).map((r, i) => read.bytes(r, `appMessage.roots[${i}]`, 32)),
      };
    case "block-query":
      return { kind: o.kind, fromHeight: read.uint(o.fromHeight, "appMessage.fromHeight") };
    case "committed-block":
      return {
        kind: o.kind,
        height: read.uint(o.height, "appMessage.height"),
        root: read.bytes(o.root, "appMessage.root", 32),
        txs: read.array(o.txs, "appMessage.txs", TRANSACTIONS_PER_MESSAGE_MAX).map((tx, i) => read.bytes(tx, `appMessage.txs[${i}]`)),
      };
    default:
      throw new WireDecodeError(`appMessage.kind: unknown ${JSON.stringify(o.kind)}`);
  }
}

/**
 * Encoding of opaque-transaction payloads and of the application messages
 * that carry transactions (client submissions and validator gossip).
 */
import { decodeWire, encodeWire, read, WireDecodeError } from "../net/codec.js";

/** Most transactions in one message or block payload. */
export const TRANSACTIONS_PER_MESSAGE_MAX = 100_000;

/** A block payload: the ordered list of transactions. */
export function encodeTxPayload(txs: readonly Uint8Array[]): Uint8Array {
  return encodeWire(txs);
}

/** Decodes a block payload. @throws WireDecodeError */
export function decodeTxPayload(bytes: Uint8Array): Uint8Array[] {
  return read.array(decodeWire(bytes), "payload", TRANSACTIONS_PER_MESSAGE_MAX).map((tx, i) => read.bytes(tx, `payload[${i}]`));
}

/** `submit`: from a client, to be gossiped; `gossip`: from a validator, not forwarded again. */
export type TxMessageKind = "submit" | "gossip";

/** Application message carrying transactions. */
export interface TxMessage {
  readonly kind: TxMessageKind;
  readonly txs: readonly Uint8Array[];
}

/** Encodes a transaction message (the `data` of an `app` message). */
export function encodeTxMessage(msg: TxMessage): Uint8Array {
  return encodeWire({ kind: msg.kind, txs: msg.txs });
}

/** Decodes a transaction message. @throws WireDecodeError */
export function decodeTxMessage(bytes: Uint8Array): TxMessage {
  const o = read.object(decodeWire(bytes), "txMessage");
  if (o.kind !== "submit" && o.kind !== "gossip") throw new WireDecodeError(`txMessage.kind: expected "submit" or "gossip"`);
  const txs = read.array(o.txs, "txMessage.txs", TRANSACTIONS_PER_MESSAGE_MAX).map((tx, i) => read.bytes(tx, `txMessage.txs[${i}]`));
  return { kind: o.kind, txs };
}

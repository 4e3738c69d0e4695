/**
 * The payload the sequencer puts in a consensus block:
 * `BlockPayload { height, parent, stateRoot, txs }` (DESIGN.md, sequencer pipeline),
 * MessagePack-encoded with the wire codec.
 */
import { decodeWire, encodeWire, read } from "../net/codec.js";

/** Most transactions one payload may carry (the scenario's block limit is lower). */
export const PAYLOAD_TRANSACTIONS_MAX = 100_000;

/** What a block orders and commits to. */
export interface BlockPayload {
  /** The consensus height of the block carrying it. */
  readonly height: number;
  /** Hash of the parent block (32 bytes). */
  readonly parent: Uint8Array;
  /** State root after executing `txs` on the parent's state (32 bytes). */
  readonly stateRoot: Uint8Array;
  /** Encoded transactions (see `vm/tx-codec.ts`), in execution order. */
  readonly txs: readonly Uint8Array[];
}

/** Encodes a payload. */
export function encodeBlockPayload(p: BlockPayload): Uint8Array {
  return encodeWire({ height: p.height, parent: p.parent, stateRoot: p.stateRoot, txs: p.txs });
}

/** Decodes a payload. @throws WireDecodeError on any malformed field */
export function decodeBlockPayload(bytes: Uint8Array): BlockPayload {
  const o = read.object(decodeWire(bytes), "payload");
  return {
    height: read.uint(o.height, "payload.height"),
    parent: read.bytes(o.parent, "payload.parent", 32),
    stateRoot: read.bytes(o.stateRoot, "payload.stateRoot", 32),
    txs: read.array(o.txs, "payload.txs", PAYLOAD_TRANSACTIONS_MAX).map((tx, i) => read.bytes(tx, `payload.txs[${i}]`)),
  };
}

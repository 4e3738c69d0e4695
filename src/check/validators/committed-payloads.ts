/**
 * The decoding of committed payloads, shared by the observers of one rollup
 * (the validity and reference-ledger checkers and the run's metrics): each
 * of them reads the first commit of every height, so without sharing the
 * same payload bytes were decoded three times and every transaction's id
 * hashed twice.
 *
 * This is the checkers' own cache, independent of the nodes they watch (it
 * shares nothing with the validators' memos): it decodes with the
 * specification's codecs (`decodeBlockPayload`, `decodeTransaction`) and
 * hands out an answer only for the very bytes it decoded, compared in full
 * (a commit of other bytes at the same height, by a byzantine or a broken
 * node, is decoded on its own). It holds the decodings of the last
 * {@link PAYLOADS_KEPT} payloads: the observers ask within one observation
 * of each other.
 */
import { sha256Hex } from "../../crypto/hash.js";
import { decodeBlockPayload } from "../../sequencer/block-payload.js";
import { decodeTransaction, type DecodedTransaction } from "../../vm/tx-codec.js";

/** Payloads whose decoding is kept (the most recent ones asked for). */
export const PAYLOADS_KEPT = 4;

/** One transaction of a committed payload. */
export interface CommittedTransaction {
  /** Its encoding, as the payload carries it. */
  readonly raw: Uint8Array;
  /** Lowercase hex sha256 of `raw` (the transaction id, whether or not it decodes). */
  readonly id: string;
  /** The decoded transaction; undefined when `raw` does not decode. */
  readonly tx: DecodedTransaction | undefined;
  /** Why `raw` does not decode (the codec's error message); undefined when it decodes. */
  readonly error: string | undefined;
}

/** A committed payload, decoded; `error` (the codec's message) when the payload itself does not decode. */
export type DecodedPayload =
  | { readonly ok: true; readonly height: number; readonly txs: readonly CommittedTransaction[] }
  | { readonly ok: false; readonly error: string };

interface Entry {
  /** A copy of the bytes decoded (the answer is handed out only for equal bytes). */
  readonly bytes: Buffer;
  readonly decoded: DecodedPayload;
}

/** Decodes committed payloads once for several observers (see the file comment). */
export class CommittedPayloads {
  /** The decodings kept, oldest first. */
  private readonly entries: Entry[] = [];
  /** Payloads decoded (cache misses), for tests and figures. */
  decodings = 0;

  /**
   * The decoding of `payload`: the payload's height and its transactions
   * (each with its id, decoded or with the codec's error), or the codec's
   * error for the payload. Never throws on bad bytes.
   *
   * @param payload a committed block's payload bytes (`commit` event); not kept (a copy is)
   */
  decode(payload: Uint8Array): DecodedPayload {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i]!;
      if (entry.bytes.length === payload.length && entry.bytes.equals(payload)) return entry.decoded;
    }
    const decoded = decodePayload(payload);
    this.decodings++;
    this.entries.push({ bytes: Buffer.from(payload), decoded });
    if (this.entries.length > PAYLOADS_KEPT) this.entries.shift();
    return decoded;
  }
}

/** Decodes a payload and each of its transactions (see {@link CommittedPayloads.decode}). */
export function decodePayload(payload: Uint8Array): DecodedPayload {
  let block;
  try {
    block = decodeBlockPayload(payload);
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
  const txs = block.txs.map((raw): CommittedTransaction => {
    const id = sha256Hex(raw);
    try {
      return { raw, id, tx: decodeTransaction(raw, id), error: undefined };
    } catch (error) {
      return { raw, id, tx: undefined, error: (error as Error).message };
    }
  });
  return { ok: true, height: block.height, txs };
}

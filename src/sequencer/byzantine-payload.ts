/**
 * A second valid payload for an equivocating leader (see
 * `consensus/byzantine/byzantine-replica.ts`): the block with no transactions.
 *
 * An empty block changes no state, so its state root is the parent's, which
 * the parent's own payload states. Honest validators re-execute it, reach the
 * same root and vote for it, so the second block of an equivocation is as
 * acceptable as the first, which is what makes the equivocation a real one.
 */
import type { Block } from "../consensus/types.js";
import { WireDecodeError } from "../net/codec.js";
import { decodeBlockPayload, encodeBlockPayload } from "./block-payload.js";

/**
 * The empty payload at `parent.height + 1` on top of `parent`, or undefined
 * when it would not differ from `payload` (which has no transactions either)
 * or the parent's root is not in its payload (the genesis block).
 * @param parent the parent block of both proposals
 * @param payload the payload the honest replica built
 */
export function emptyPayloadAfter(parent: Block, payload: Uint8Array): Uint8Array | undefined {
  if (parent.height === 0) return undefined;
  try {
    const built = decodeBlockPayload(payload);
    if (built.txs.length === 0) return undefined;
    const parentPayload = decodeBlockPayload(parent.payload);
    return encodeBlockPayload({ height: parent.height + 1, parent: parent.hash, stateRoot: parentPayload.stateRoot, txs: [] });
  } catch (error) {
    if (error instanceof WireDecodeError) return undefined;
    throw error;
  }
}

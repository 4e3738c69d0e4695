/**
 * Per-message-type size limits of the SBCP nodes in real mode (the shared
 * publisher, the sequencers, their clients), as `wire-size-limits.ts` gives
 * the validators': the largest encoded message of each SBCP message class a
 * node accepts, and which classes each sender may send it. The transport
 * reads a frame's class from its first protobuf tag (the `SbcpMessage`
 * envelope's oneof field number, `proto/sbcp/envelope.proto`) without
 * decoding it, and drops a frame above its class's limit, or of a class its
 * sender may not send, before any decoding work is spent on it.
 *
 * The bounds follow the messages (`proto/sbcp/sbcp.proto`, `scp.proto`): a
 * repeated field holds at most `MAX_REPEATED` (10,000) entries (the codec
 * refuses more); an L2 block carries at most `blockBytesMax` bytes of block;
 * an xT request (and the StartSC that carries it, and a CIRC message's data)
 * at most `xtBytesMax`.
 *
 * Nesting: unlike MessagePack, a protobuf message nests only as deep as its
 * schema (three levels here), but for unknown group fields, which protobufjs
 * skips recursively in time linear in their bytes; a stack overflow there
 * is caught by the codec as a `WireDecodeError`, like any malformed frame
 * (`test/runtime/sbcp-hostile.test.ts` sends one). So no depth scan is done
 * before decoding.
 */
import type { FrameInspector } from "./libp2p-transport.js";
import { SBCP_MESSAGE_TYPES, type SbcpMessageType } from "../sbcp/messages.js";
import { MAX_REPEATED } from "../sbcp/wire/fields.js";
import { envelopeType } from "../sbcp/wire/proto-root.js";
import { TRANSACTION_BYTES_MAX } from "../vm/tx-codec.js";
import { MAX_FRAME_BYTES } from "../sbcp/wire/codec.js";

/** Bytes of an SBCP message with no variable part (Vote, Decided, L2BlockRequest): a Vote is about 80 bytes. */
export const SBCP_FIXED_BYTES_MAX = 4096;

/** Bytes one hash entry of a repeated field adds (32 bytes, a tag and a length), rounded up. */
export const SBCP_HASH_ENTRY_BYTES_MAX = 40;

/** Bytes one L2BlockRequest entry of a StartSlot adds (chain id, number, parent hash, tags), rounded up. */
export const SBCP_BLOCK_REQUEST_BYTES_MAX = 64;

/** Default of {@link SbcpWireSizeSettings.blockBytesMax}: 1 MiB of block per L2Block. */
export const SBCP_BLOCK_BYTES_MAX_DEFAULT = 1024 * 1024;

/** Default of {@link SbcpWireSizeSettings.xtBytesMax}: 64 KiB per xT request. */
export const SBCP_XT_BYTES_MAX_DEFAULT = 64 * 1024;

/** What the SBCP limits derive from. */
export interface SbcpWireSizeSettings {
  /** Rollups of the network (entries of a StartSlot). */
  readonly rollups: number;
  /** Largest block of one L2Block (`Block` field), bytes; at most the codec's frame limit. */
  readonly blockBytesMax: number;
  /** Largest xT request (its transactions), bytes; also bounds StartSC and a CIRC message's data. */
  readonly xtBytesMax: number;
}

/** The SBCP roles in real mode (config `role`). */
export type SbcpRole = "shared-publisher" | "sbcp-sequencer" | "sbcp-client";

/**
 * Which message classes a sender of role `from` may send a node of role `to`
 * (the spec's flows: the SP drives the slot and the 2PC, sequencers answer and
 * exchange CIRC messages, clients submit). Nothing flows to a client.
 */
export const SBCP_FLOWS: Readonly<Record<SbcpRole, Readonly<Record<SbcpRole, readonly SbcpMessageType[]>>>> = {
  "shared-publisher": {
    "shared-publisher": [],
    // L2Block: the SP's answer to an L2BlockRequest.
    "sbcp-sequencer": ["StartSlot", "RequestSeal", "RollBackAndStartSlot", "StartSC", "Decided", "L2Block"],
    "sbcp-client": [],
  },
  "sbcp-sequencer": {
    // xTRequest: a sequencer forwards the xT requests its users send it.
    "shared-publisher": ["L2Block", "L2BlockRequest", "Vote", "xTRequest"],
    "sbcp-sequencer": ["CIRCMessage"],
    "sbcp-client": [],
  },
  "sbcp-client": {
    "shared-publisher": ["xTRequest"],
    "sbcp-sequencer": ["LocalTransaction", "xTRequest"],
    "sbcp-client": [],
  },
};

/**
 * The size limit of each SBCP message class, bytes of the encoded envelope.
 * @throws RangeError on a non-positive setting, or `blockBytesMax` above the codec's frame limit
 */
export function sbcpWireSizeLimits(s: SbcpWireSizeSettings): Readonly<Record<SbcpMessageType, number>> {
  for (const [name, value] of Object.entries(s)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`sbcpWireSizeLimits: ${name} must be a positive integer, got ${value}`);
  }
  const xtIds = MAX_REPEATED * SBCP_HASH_ENTRY_BYTES_MAX;
  const requests = s.rollups * SBCP_BLOCK_REQUEST_BYTES_MAX;
  const limits: Record<SbcpMessageType, number> = {
    StartSlot: requests + SBCP_FIXED_BYTES_MAX,
    RequestSeal: xtIds + SBCP_FIXED_BYTES_MAX,
    RollBackAndStartSlot: requests + SBCP_FIXED_BYTES_MAX,
    L2Block: Math.min(MAX_FRAME_BYTES, s.blockBytesMax + xtIds + SBCP_FIXED_BYTES_MAX),
    L2BlockRequest: SBCP_FIXED_BYTES_MAX,
    StartSC: s.xtBytesMax + SBCP_FIXED_BYTES_MAX,
    CIRCMessage: s.xtBytesMax + SBCP_FIXED_BYTES_MAX,
    Vote: SBCP_FIXED_BYTES_MAX,
    Decided: SBCP_FIXED_BYTES_MAX,
    xTRequest: s.xtBytesMax + SBCP_FIXED_BYTES_MAX,
    LocalTransaction: TRANSACTION_BYTES_MAX + SBCP_FIXED_BYTES_MAX,
  };
  if (s.blockBytesMax > MAX_FRAME_BYTES) throw new RangeError(`sbcpWireSizeLimits: blockBytesMax ${s.blockBytesMax} is above the codec's frame limit ${MAX_FRAME_BYTES}`);
  return limits;
}

/**
 * The limits a node of role `self` applies to a sender of role `sender`.
 * @returns class -> largest accepted size in bytes (a class absent is refused; empty: the sender may send nothing)
 */
export function sbcpLimitsForSender(limits: Readonly<Record<SbcpMessageType, number>>, sender: SbcpRole, self: SbcpRole): ReadonlyMap<string, number> {
  return new Map(SBCP_FLOWS[sender][self].map((t) => [t, limits[t]]));
}

let classByField: ReadonlyMap<number, SbcpMessageType> | undefined;
/** Envelope field number -> message class (`proto/sbcp/envelope.proto`: StartSlot = 1 ... LocalTransaction = 11), built on first use. */
function classByFieldNumber(): ReadonlyMap<number, SbcpMessageType> {
  classByField ??= new Map(
    SBCP_MESSAGE_TYPES.map((t) => {
      const field = envelopeType().fields[t];
      if (field === undefined) throw new Error(`the SbcpMessage envelope has no field ${t}`);
      return [field.id, t];
    }),
  );
  return classByField;
}

/**
 * The class of an encoded SBCP envelope, read from its first tag (a varint:
 * field number << 3 | wire type 2), or undefined when the bytes do not start
 * with a length-delimited envelope field. The codec still checks the rest
 * (exactly one payload, every field).
 */
export function sbcpFrameClass(bytes: Uint8Array): SbcpMessageType | undefined {
  let tag = 0;
  for (let i = 0, shift = 0; i < 5; i++, shift += 7) {
    const b = bytes[i];
    if (b === undefined) return undefined;
    tag += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
    if (i === 4) return undefined;
  }
  if (tag % 8 !== 2) return undefined;
  return classByFieldNumber().get(Math.floor(tag / 8));
}

/** The transport's view of SBCP frames (see the file comment on nesting). */
export const SBCP_FRAME_INSPECTOR: FrameInspector = {
  type: sbcpFrameClass,
  nesting: () => undefined,
};

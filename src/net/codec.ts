/**
 * The wire codec: MessagePack (via @msgpack/msgpack), used unchanged by the
 * simulator and by real mode. Byte strings are MessagePack `bin`, integers are
 * MessagePack ints; decoding never trusts the shape: use the field readers
 * below and throw {@link WireDecodeError} on anything unexpected.
 */
import { Decoder, Encoder } from "@msgpack/msgpack";

// One encoder and decoder for the process: building them per call costs more than the encoding.
const encoder = new Encoder();
const decoder = new Decoder();

/** A message that is not valid wire data; the receiver drops it and logs the reason. */
export class WireDecodeError extends Error {
  override readonly name = "WireDecodeError";
}

/** Encodes a plain value (objects, arrays, safe integers, strings, Uint8Array) to bytes. */
export function encodeWire(value: unknown): Uint8Array {
  return encoder.encode(value);
}

/**
 * Decodes bytes to a plain value.
 * @throws WireDecodeError when the bytes are not one complete MessagePack value.
 */
export function decodeWire(bytes: Uint8Array): unknown {
  try {
    return decoder.decode(bytes);
  } catch (error) {
    throw new WireDecodeError(`not MessagePack: ${(error as Error).message}`);
  }
}

/** A message codec: one per protocol message union. */
export interface MessageCodec<M> {
  encode(msg: M): Uint8Array;
  /** @throws WireDecodeError on malformed input. */
  decode(bytes: Uint8Array): M;
  /**
   * True when every value `decode` returns is plain data (objects, arrays, numbers, strings, `Uint8Array`s)
   * that receivers only read: the simulator may then decode one byte array once and hand every receiver
   * the same deeply frozen value (`net/shared-decode.ts`). Default false: each receiver decodes its own.
   */
  readonly shareDecoded?: boolean;
}

/** Field readers for hand-written decoders. Each throws {@link WireDecodeError} naming `field`. */
export const read = {
  object(value: unknown, field: string): Record<string, unknown> {
    if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Uint8Array) {
      throw new WireDecodeError(`${field}: expected a map`);
    }
    return value as Record<string, unknown>;
  },
  uint(value: unknown, field: string, max = Number.MAX_SAFE_INTEGER): number {
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0 || value > max) {
      throw new WireDecodeError(`${field}: expected an integer in [0, ${max}]`);
    }
    return value;
  },
  bytes(value: unknown, field: string, length?: number): Uint8Array {
    if (!(value instanceof Uint8Array)) throw new WireDecodeError(`${field}: expected bytes`);
    if (length !== undefined && value.length !== length) {
      throw new WireDecodeError(`${field}: expected ${length} bytes, got ${value.length}`);
    }
    return value;
  },
  array(value: unknown, field: string, maxLength: number): unknown[] {
    if (!Array.isArray(value)) throw new WireDecodeError(`${field}: expected an array`);
    if (value.length > maxLength) throw new WireDecodeError(`${field}: more than ${maxLength} entries`);
    return value;
  },
};

/** One member of a {@link taggedUnionCodec}: the message `type`s it owns and its codec. */
export interface TaggedCodec<M> {
  readonly types: readonly string[];
  readonly codec: MessageCodec<M>;
}

/**
 * The codec of a node that speaks several protocols (the batch poster talks to
 * validators and to the L1): each message is encoded and decoded by the codec
 * of its `type`, so the bytes are exactly those of that protocol's codec.
 * Every member encodes a MessagePack map with a string `type`.
 * @throws Error when two members claim one type
 */
export function taggedUnionCodec<M extends { readonly type: string }>(members: readonly TaggedCodec<M>[]): MessageCodec<M> {
  const byType = new Map<string, MessageCodec<M>>();
  for (const member of members) {
    for (const type of member.types) {
      if (byType.has(type)) throw new Error(`taggedUnionCodec: message type ${type} is claimed twice`);
      byType.set(type, member.codec);
    }
  }
  return {
    // Shared when every member's decoded values are (the union returns a member's value as it is).
    ...(members.length > 0 && members.every((m) => m.codec.shareDecoded === true) ? { shareDecoded: true } : {}),
    encode(msg) {
      const codec = byType.get(msg.type);
      if (codec === undefined) throw new Error(`taggedUnionCodec: no codec for message type ${msg.type}`);
      return codec.encode(msg);
    },
    decode(bytes) {
      const type = read.object(decodeWire(bytes), "message").type;
      const codec = typeof type === "string" ? byType.get(type) : undefined;
      if (codec === undefined) throw new WireDecodeError(`message.type: unexpected ${JSON.stringify(type)}`);
      return codec.decode(bytes);
    },
  };
}

/**
 * Typed readers for the fields of a decoded protobuf message. protobufjs gives
 * uint64 as a `Long` (or a number), bytes as a Buffer, and a missing field as
 * its default; each reader checks the shape the nodes rely on and throws
 * {@link WireDecodeError} naming the field, so a malformed message is refused
 * by the codec and never reaches a node.
 */
import { WireDecodeError } from "../../net/codec.js";

/** Most entries of one repeated field a node accepts. */
export const MAX_REPEATED = 10_000;

interface LongLike {
  readonly low: number;
  readonly high: number;
  readonly unsigned: boolean;
}

function isLong(value: unknown): value is LongLike {
  return typeof value === "object" && value !== null && typeof (value as LongLike).low === "number" && typeof (value as LongLike).high === "number";
}

/** A uint64 field as a safe integer. @throws WireDecodeError above 2^53 - 1 */
export function readU64(value: unknown, field: string): number {
  if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return value;
  if (isLong(value)) {
    const high = value.high >>> 0;
    const low = value.low >>> 0;
    if (high <= 0x1f_ffff) return high * 2 ** 32 + low;
  }
  throw new WireDecodeError(`${field}: expected an integer in [0, 2^53 - 1]`);
}

/** A uint32 field. @throws WireDecodeError on anything else */
export function readU32(value: unknown, field: string): number {
  if (typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff) return value;
  throw new WireDecodeError(`${field}: expected a u32`);
}

/** A bool field. @throws WireDecodeError on anything else */
export function readBool(value: unknown, field: string): boolean {
  if (typeof value === "boolean") return value;
  throw new WireDecodeError(`${field}: expected a bool`);
}

/** A string field. @throws WireDecodeError on anything else */
export function readString(value: unknown, field: string): string {
  if (typeof value === "string") return value;
  throw new WireDecodeError(`${field}: expected a string`);
}

/** A bytes field, copied to a plain Uint8Array, of exactly `length` bytes if given. @throws WireDecodeError otherwise */
export function readBytes(value: unknown, field: string, length?: number): Uint8Array {
  // protobufjs gives an absent bytes field (proto3: empty bytes are not sent) as its default, an empty array.
  if (Array.isArray(value) && value.length === 0) value = new Uint8Array(0);
  if (!(value instanceof Uint8Array)) throw new WireDecodeError(`${field}: expected bytes`);
  if (length !== undefined && value.length !== length) throw new WireDecodeError(`${field}: expected ${length} bytes, got ${value.length}`);
  return new Uint8Array(value);
}

/** A repeated field, each entry read by `each`. @throws WireDecodeError when not an array or longer than {@link MAX_REPEATED} */
export function readRepeated<T>(value: unknown, field: string, each: (entry: unknown, field: string) => T): T[] {
  if (!Array.isArray(value)) throw new WireDecodeError(`${field}: expected a repeated field`);
  if (value.length > MAX_REPEATED) throw new WireDecodeError(`${field}: more than ${MAX_REPEATED} entries`);
  return value.map((entry, i) => each(entry, `${field}[${i}]`));
}

/** A message field (an object); a missing one is refused. @throws WireDecodeError */
export function readMessage(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || value instanceof Uint8Array || Array.isArray(value)) throw new WireDecodeError(`${field}: missing or not a message`);
  return value as Record<string, unknown>;
}

/** A chain id sent as `bytes` (4 bytes big-endian) as a u32. @throws WireDecodeError on another length */
export function readChainIdBytes(value: unknown, field: string): number {
  const bytes = readBytes(value, field, 4);
  return new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
}

/** A u32 chain id as the spec's `bytes` chain id: 4 bytes big-endian. */
export function chainIdBytes(chainId: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, chainId);
  return out;
}

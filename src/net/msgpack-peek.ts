/**
 * Reads one string field of a top-level MessagePack map without decoding the
 * message: the transport learns a frame's message `type` (and so its size
 * limit) before any decoding work is spent on it.
 *
 * Format: the MessagePack specification (github.com/msgpack/msgpack, spec.md).
 * The scan is linear in the bytes it passes and keeps no stack: nested values
 * are skipped by counting the items still owed, so a deeply nested value costs
 * no more than a flat one.
 */

const textDecoder = new TextDecoder("utf-8", { fatal: true });

/**
 * The value of the string field `key` of the MessagePack map in `bytes`.
 *
 * @param bytes one MessagePack value (a message as the wire codec encodes it)
 * @param key the field name (compared as UTF-8)
 * @returns the field's string, or `undefined` when `bytes` is not a map, the
 *   field is missing or not a string, or the bytes end early or are invalid
 */
export function msgpackMapString(bytes: Uint8Array, key: string): string | undefined {
  const head = mapHeader(bytes, 0);
  if (head === undefined) return undefined;
  let pos = head.next;
  for (let i = 0; i < head.entries; i++) {
    const k = readString(bytes, pos);
    if (k === undefined) return undefined; // the codec's maps have string keys only
    pos = k.next;
    if (k.value === key) return readString(bytes, pos)?.value;
    const skipped = skipValue(bytes, pos);
    if (skipped === undefined) return undefined;
    pos = skipped;
  }
  return undefined;
}

function mapHeader(bytes: Uint8Array, pos: number): { entries: number; next: number } | undefined {
  const b = bytes[pos];
  if (b === undefined) return undefined;
  if (b >= 0x80 && b <= 0x8f) return { entries: b & 0x0f, next: pos + 1 };
  if (b === 0xde && pos + 3 <= bytes.length) return { entries: u16(bytes, pos + 1), next: pos + 3 };
  if (b === 0xdf && pos + 5 <= bytes.length) return { entries: u32(bytes, pos + 1), next: pos + 5 };
  return undefined;
}

function readString(bytes: Uint8Array, pos: number): { value: string; next: number } | undefined {
  const b = bytes[pos];
  if (b === undefined) return undefined;
  let header: number;
  let length: number;
  if (b >= 0xa0 && b <= 0xbf) [header, length] = [1, b & 0x1f];
  else if (b === 0xd9 && pos + 2 <= bytes.length) [header, length] = [2, bytes[pos + 1]!];
  else if (b === 0xda && pos + 3 <= bytes.length) [header, length] = [3, u16(bytes, pos + 1)];
  else if (b === 0xdb && pos + 5 <= bytes.length) [header, length] = [5, u32(bytes, pos + 1)];
  else return undefined;
  const end = pos + header + length;
  if (end > bytes.length) return undefined;
  try {
    return { value: textDecoder.decode(bytes.subarray(pos + header, end)), next: end };
  } catch {
    return undefined;
  }
}

/** Position just after the value at `pos` (containers included), or undefined when the bytes end early or are invalid. */
function skipValue(bytes: Uint8Array, pos: number): number | undefined {
  let owed = 1; // values still to skip
  while (owed > 0) {
    const b = bytes[pos];
    if (b === undefined) return undefined;
    owed--;
    let header = 1;
    let skip = 0;
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) {
      // fixint, nil, booleans
    } else if (b <= 0x8f) owed += 2 * (b & 0x0f);
    else if (b <= 0x9f) owed += b & 0x0f;
    else if (b <= 0xbf) skip = b & 0x1f;
    else {
      // A header read past the end reads zeros; the `pos > bytes.length` check below refuses it.
      switch (b) {
        case 0xc4: case 0xd9: header = 2; skip = bytes[pos + 1] ?? 0; break;
        case 0xc5: case 0xda: header = 3; skip = u16(bytes, pos + 1); break;
        case 0xc6: case 0xdb: header = 5; skip = u32(bytes, pos + 1); break;
        case 0xc7: header = 3; skip = bytes[pos + 1] ?? 0; break;
        case 0xc8: header = 4; skip = u16(bytes, pos + 1); break;
        case 0xc9: header = 6; skip = u32(bytes, pos + 1); break;
        case 0xca: case 0xce: case 0xd2: skip = 4; break;
        case 0xcb: case 0xcf: case 0xd3: skip = 8; break;
        case 0xcc: case 0xd0: skip = 1; break;
        case 0xcd: case 0xd1: skip = 2; break;
        case 0xd4: skip = 2; break;
        case 0xd5: skip = 3; break;
        case 0xd6: skip = 5; break;
        case 0xd7: skip = 9; break;
        case 0xd8: skip = 17; break;
        case 0xdc: header = 3; owed += u16(bytes, pos + 1); break;
        case 0xdd: header = 5; owed += u32(bytes, pos + 1); break;
        case 0xde: header = 3; owed += 2 * u16(bytes, pos + 1); break;
        case 0xdf: header = 5; owed += 2 * u32(bytes, pos + 1); break;
        default: return undefined; // 0xc1: never used
      }
    }
    pos += header + skip;
    if (pos > bytes.length) return undefined;
    // More values owed than bytes left: each value takes at least one byte.
    if (owed > bytes.length - pos) return undefined;
  }
  return pos;
}

function u16(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 8) | bytes[at + 1]!) >>> 0;
}

function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

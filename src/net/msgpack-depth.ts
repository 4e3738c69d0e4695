/**
 * The nesting depth of MessagePack bytes, measured without decoding them.
 *
 * @msgpack/msgpack's decoder has limits on lengths but none on depth, and
 * decoding deeply nested arrays costs superlinear time and memory (measured
 * here: 4 MiB of nested one-element arrays took 3.5 s and 745 MB; issue 16
 * saw 12 to 15 s and 2.7 GB for 16 MiB frames, and 4 MiB frames to two of four
 * validators cut commits from 4 to 0.35 blocks/s). Real mode measures a
 * frame's depth first, in one linear pass over its headers, and drops a frame
 * nested deeper than any protocol message is.
 *
 * Format: the MessagePack specification (github.com/msgpack/msgpack, spec.md).
 */

/**
 * Whether the MessagePack value in `bytes` nests containers (arrays, maps) at
 * most `maxDepth` deep (a top-level array is depth 1). Reads headers only; a
 * truncated or invalid value is not judged here (the decoder refuses it).
 *
 * @param bytes one MessagePack value
 * @param maxDepth the deepest nesting accepted, at least 1
 * @returns false as soon as a container opens deeper than `maxDepth`
 */
export function msgpackDepthWithin(bytes: Uint8Array, maxDepth: number): boolean {
  // remaining[i]: items still to read in the container open at depth i + 1; the top level expects one item.
  const remaining: number[] = [1];
  let pos = 0;
  const u16 = (at: number): number => ((bytes[at]! << 8) | bytes[at + 1]!) >>> 0;
  const u32 = (at: number): number => ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
  while (remaining.length > 0 && pos < bytes.length) {
    remaining[remaining.length - 1]!--;
    const b = bytes[pos]!;
    let items = 0; // items of a container opened by this header
    let skip = 0; // payload bytes after the header
    let header = 1;
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) {
      // fixint, nil, booleans
    } else if (b <= 0x8f) items = 2 * (b & 0x0f);
    else if (b <= 0x9f) items = b & 0x0f;
    else if (b <= 0xbf) skip = b & 0x1f;
    else {
      switch (b) {
        case 0xc4: case 0xd9: header = 2; skip = bytes[pos + 1] ?? 0; break; // bin8, str8
        case 0xc5: case 0xda: header = 3; skip = u16(pos + 1); break; // bin16, str16
        case 0xc6: case 0xdb: header = 5; skip = u32(pos + 1); break; // bin32, str32
        case 0xc7: header = 3; skip = bytes[pos + 1] ?? 0; break; // ext8: length, type
        case 0xc8: header = 4; skip = u16(pos + 1); break; // ext16
        case 0xc9: header = 6; skip = u32(pos + 1); break; // ext32
        case 0xca: case 0xce: case 0xd2: skip = 4; break; // float32, uint32, int32
        case 0xcb: case 0xcf: case 0xd3: skip = 8; break; // float64, uint64, int64
        case 0xcc: case 0xd0: skip = 1; break; // uint8, int8
        case 0xcd: case 0xd1: skip = 2; break; // uint16, int16
        case 0xd4: skip = 2; break; // fixext1: type + 1
        case 0xd5: skip = 3; break; // fixext2
        case 0xd6: skip = 5; break; // fixext4
        case 0xd7: skip = 9; break; // fixext8
        case 0xd8: skip = 17; break; // fixext16
        case 0xdc: header = 3; items = u16(pos + 1); break; // array16
        case 0xdd: header = 5; items = u32(pos + 1); break; // array32
        case 0xde: header = 3; items = 2 * u16(pos + 1); break; // map16
        case 0xdf: header = 5; items = 2 * u32(pos + 1); break; // map32
        default: return true; // 0xc1 is never used: invalid, for the decoder to refuse
      }
    }
    pos += header + skip;
    if (items > 0) {
      if (remaining.length > maxDepth) return false; // this container opens at depth remaining.length
      remaining.push(items);
    }
    while (remaining.length > 0 && remaining[remaining.length - 1] === 0) remaining.pop();
  }
  return true;
}

/**
 * The deepest nesting a protocol message of this project may have: a proposal
 * carries a block, its justify QC, the QC's signatures and each signature's
 * fields (about 5 levels); twice that leaves room, far below what costs time.
 */
export const WIRE_DEPTH_MAX = 12;

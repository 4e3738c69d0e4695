/**
 * A byte writer and a strict reader for the Borsh layout (https://borsh.io):
 * little-endian fixed-width integers, `u32` length prefixes, options and
 * enums as one tag byte. The reader refuses what Borsh calls non-canonical
 * (tags other than 0/1 for options, invalid UTF-8, trailing bytes), so one
 * value has exactly one encoding and hashing the bytes identifies the value.
 *
 * Written by hand rather than with borsh-js because that library decodes byte
 * arrays to number arrays and accepts trailing bytes (and is about 8x
 * slower); its output is the reference in the tests.
 */
import { WireDecodeError } from "../net/codec.js";

const UTF8 = new TextEncoder();
const UTF8_STRICT = new TextDecoder("utf-8", { fatal: true });

/** Appends Borsh-encoded values to a growing buffer. */
export class BorshWriter {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  private len = 0;

  private reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  u8(v: number): this {
    this.reserve(1);
    this.buf[this.len++] = v;
    return this;
  }

  u16(v: number): this {
    this.reserve(2);
    this.view.setUint16(this.len, v, true);
    this.len += 2;
    return this;
  }

  u32(v: number): this {
    this.reserve(4);
    this.view.setUint32(this.len, v, true);
    this.len += 4;
    return this;
  }

  /** @throws RangeError outside [0, 2^64) */
  u64(v: bigint): this {
    if (v < 0n || v >> 64n !== 0n) throw new RangeError(`u64 out of range: ${v}`);
    this.reserve(8);
    this.view.setBigUint64(this.len, v, true);
    this.len += 8;
    return this;
  }

  /** Raw bytes with no length prefix (a fixed-size array). */
  fixed(bytes: Uint8Array): this {
    this.reserve(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
    return this;
  }

  /** `Vec<u8>`: u32 length, then the bytes. */
  bytes(bytes: Uint8Array): this {
    return this.u32(bytes.length).fixed(bytes);
  }

  string(s: string): this {
    return this.bytes(UTF8.encode(s));
  }

  /** A copy of what was written. */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** Reads Borsh values from `bytes`; every method throws {@link WireDecodeError} naming the field. */
export class BorshReader {
  private pos = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Bytes consumed so far. */
  get offset(): number {
    return this.pos;
  }

  private need(n: number, field: string): void {
    if (this.pos + n > this.bytes.length) throw new WireDecodeError(`${field}: truncated (needs ${n} bytes at offset ${this.pos}, ${this.bytes.length - this.pos} left)`);
  }

  u8(field: string): number {
    this.need(1, field);
    return this.bytes[this.pos++]!;
  }

  u16(field: string): number {
    this.need(2, field);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(field: string): number {
    this.need(4, field);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  u64(field: string): bigint {
    this.need(8, field);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A fixed-size byte array (a copy). */
  fixed(length: number, field: string): Uint8Array {
    this.need(length, field);
    const out = this.bytes.slice(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  /** `Vec<u8>` of at most `maxLength` bytes (a copy). */
  bytesVec(maxLength: number, field: string): Uint8Array {
    const length = this.u32(field);
    if (length > maxLength) throw new WireDecodeError(`${field}: ${length} bytes, at most ${maxLength} allowed`);
    return this.fixed(length, field);
  }

  /** A UTF-8 string of at most `maxBytes` bytes. */
  string(maxBytes: number, field: string): string {
    const raw = this.bytesVec(maxBytes, field);
    try {
      return UTF8_STRICT.decode(raw);
    } catch {
      throw new WireDecodeError(`${field}: not valid UTF-8`);
    }
  }

  /** The tag of an `Option`: true when a value follows. */
  option(field: string): boolean {
    const tag = this.u8(field);
    if (tag > 1) throw new WireDecodeError(`${field}: option tag ${tag}, expected 0 or 1`);
    return tag === 1;
  }

  /** @throws WireDecodeError unless every byte was consumed. */
  end(what: string): void {
    if (this.pos !== this.bytes.length) throw new WireDecodeError(`${what}: ${this.bytes.length - this.pos} trailing bytes`);
  }
}

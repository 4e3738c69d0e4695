/**
 * Length-prefixed framing for the TCP transport: each frame is a 4-byte
 * big-endian unsigned length followed by that many payload bytes. The payload
 * is opaque here (the wire codec's bytes, or a handshake message); this file
 * only cuts the byte stream into frames and refuses impossible lengths.
 *
 * The same shape as many stream protocols (for example Kafka's and
 * Tendermint's length-delimited messages, without the varint): a fixed
 * prefix keeps the parser trivial and the limit check happens before any
 * payload byte is buffered beyond the limit.
 */

/** Bytes of the length prefix. */
export const FRAME_HEADER_BYTES = 4;

/** Largest length the 4-byte prefix can express (2^32 - 1). */
export const FRAME_LENGTH_MAX = 0xffff_ffff;

/** A frame the peer should never have sent; the connection that carried it is closed. */
export class MalformedFrameError extends Error {
  override readonly name = "MalformedFrameError";
}

/**
 * Returns a new buffer holding the 4-byte big-endian length of `payload`
 * followed by `payload`.
 * @throws RangeError when `payload` is empty or longer than {@link FRAME_LENGTH_MAX}
 *   (a programmer error: the sender checks its own limit first).
 */
export function encodeFrame(payload: Uint8Array): Buffer {
  if (payload.length === 0) throw new RangeError("a frame payload must not be empty");
  if (payload.length > FRAME_LENGTH_MAX) throw new RangeError(`a frame payload must be at most ${FRAME_LENGTH_MAX} bytes`);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32BE(payload.length, 0);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

/**
 * Cuts a byte stream into frames. Feed it chunks as they arrive with
 * {@link push}, then call {@link next} until it returns `undefined`.
 *
 * The limit is passed per call so a connection can allow small frames during
 * its handshake and larger ones after. Chunks are kept as a list and copied
 * once into each payload, so a large frame arriving in many chunks costs
 * linear, not quadratic, time.
 */
export class FrameDecoder {
  private readonly chunks: Uint8Array[] = [];
  /** Bytes already consumed from `chunks[0]`. */
  private offset = 0;
  private buffered = 0;

  /** Bytes received but not yet returned as a frame (a non-zero value at end of stream means a truncated frame). */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Appends received bytes (kept by reference: the caller must not reuse `chunk`). */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /**
   * Returns the next complete payload (a fresh copy), or `undefined` when more
   * bytes are needed.
   * @param maxFrameBytes the largest payload accepted, in bytes
   * @throws MalformedFrameError when the next length is zero or above `maxFrameBytes`;
   *   the stream cannot be resynchronised after that, so the caller closes it.
   */
  next(maxFrameBytes: number): Uint8Array | undefined {
    if (this.buffered < FRAME_HEADER_BYTES) return undefined;
    const header = this.peek(FRAME_HEADER_BYTES);
    const length = ((header[0]! << 24) >>> 0) + (header[1]! << 16) + (header[2]! << 8) + header[3]!;
    if (length === 0) throw new MalformedFrameError("zero length");
    if (length > maxFrameBytes) throw new MalformedFrameError(`length ${length} above the limit of ${maxFrameBytes} bytes`);
    if (this.buffered < FRAME_HEADER_BYTES + length) return undefined;
    this.consume(FRAME_HEADER_BYTES);
    return this.take(length);
  }

  private peek(count: number): Uint8Array {
    const out = new Uint8Array(count);
    let filled = 0;
    let offset = this.offset;
    for (const chunk of this.chunks) {
      const n = Math.min(count - filled, chunk.length - offset);
      out.set(chunk.subarray(offset, offset + n), filled);
      filled += n;
      offset = 0;
      if (filled === count) break;
    }
    return out;
  }

  private take(count: number): Uint8Array {
    const out = this.peek(count);
    this.consume(count);
    return out;
  }

  private consume(count: number): void {
    this.buffered -= count;
    let left = count;
    while (left > 0) {
      const first = this.chunks[0]!;
      const available = first.length - this.offset;
      if (available > left) {
        this.offset += left;
        return;
      }
      left -= available;
      this.chunks.shift();
      this.offset = 0;
    }
  }
}

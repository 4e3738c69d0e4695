/**
 * Decoding shared between the receivers of one message (the simulator only).
 *
 * In a broadcast the world encodes a message once and every receiver gets the
 * same byte array; a duplicated message arrives twice with the same array.
 * Decoding is a pure function of the bytes and the receiver's codec, so the
 * world decodes each byte array once per codec and hands every receiver the
 * same value. That value is then shared by several nodes, so it is frozen
 * ({@link deepFreeze}: every object and array in it; an assignment to a field
 * throws a `TypeError` in the node's strict-mode code, which the host reports
 * as a node error). The contents of the `Uint8Array`s in it cannot be frozen
 * (JavaScript has no read-only typed array): no handler may write into them,
 * and `--check-sharing` catches one that does (a sampled hit is decoded again
 * and compared field by field and byte by byte).
 *
 * Keyed by the identity of the byte array (a `WeakMap`), never by content:
 * bytes that differ (a byzantine sender's, a corrupted or altered copy) are
 * another array and are decoded for themselves. The world never writes into a
 * message's bytes after it is sent (the trace's per-array digest relies on the
 * same). One decoder per world, so nothing is shared across runs or seeds.
 * Only codecs that say their decoded values are plain read-only data
 * ({@link MessageCodec.shareDecoded}) are shared; the others decode per
 * receiver as before. A malformed message's {@link WireDecodeError} is shared
 * too (each receiver logs the same reason).
 */
import { hash } from "node:crypto";
import { SharingMismatchError, type SharingCheck } from "../sim/run-memo.js";
import { WireDecodeError, type MessageCodec } from "./codec.js";

/** What one byte array decoded to under one codec: the frozen value, or why it is malformed. */
export interface SharedDecoding {
  readonly codec: MessageCodec<unknown>;
  readonly value?: unknown;
  readonly error?: WireDecodeError;
}

/** Counts of a {@link SharedDecoder}, for tests and measurements. */
export interface SharedDecoderStats {
  /** Deliveries that reused a decoding. */
  readonly hits: number;
  /** Deliveries that decoded (first receiver of the bytes, or a codec that does not share). */
  readonly misses: number;
  /** Hits decoded again by the sharing check. */
  readonly checked: number;
}

/** The name of this memo in {@link SharingMismatchError}s. */
export const SHARED_DECODE_MEMO = "message-decoding";

/** Decodes each delivered byte array once per codec (see the module docstring). */
export class SharedDecoder {
  private readonly decodings = new WeakMap<Uint8Array, SharedDecoding>();
  private hits = 0;
  private misses = 0;
  private checked = 0;

  /**
   * @param options `off`: every receiver decodes (and freezes) its own value (`ASSET_SIM_SHARING=off`);
   *   `check`: the `--check-sharing` sampler, shared with the run's other memos
   */
  constructor(private readonly options: { readonly off?: boolean; readonly check?: SharingCheck } = {}) {}

  /** The remembered decoding of `bytes`, if any (a test may override it to build a broken decoder). */
  protected lookup(bytes: Uint8Array): SharedDecoding | undefined {
    return this.decodings.get(bytes);
  }

  /**
   * The message `bytes` decode to under `codec`: shared and frozen when the codec allows it.
   * @throws WireDecodeError when the bytes are malformed (the same error for every receiver)
   * @throws SharingMismatchError when the sharing check decodes a sampled hit again and it differs
   */
  decode<M>(codec: MessageCodec<M>, bytes: Uint8Array): M {
    if (codec.shareDecoded !== true) {
      this.misses++;
      return codec.decode(bytes);
    }
    if (this.options.off === true) {
      // Frozen all the same, so that a handler that writes into a message fails with sharing on and off alike.
      this.misses++;
      return deepFreeze(codec.decode(bytes));
    }
    const known = this.lookup(bytes);
    if (known !== undefined && known.codec === codec) {
      this.hits++;
      if (this.options.check?.sample() === true) this.recheck(codec, bytes, known);
      if (known.error !== undefined) throw known.error;
      return known.value as M;
    }
    this.misses++;
    let decoding: SharedDecoding;
    try {
      decoding = { codec, value: deepFreeze(codec.decode(bytes)) };
    } catch (error) {
      if (!(error instanceof WireDecodeError)) throw error;
      decoding = { codec, error };
    }
    // A second codec for the same bytes (rare: a node speaking another protocol) decodes for itself each time.
    if (known === undefined) this.decodings.set(bytes, decoding);
    if (decoding.error !== undefined) throw decoding.error;
    return decoding.value as M;
  }

  /** Hits, misses and checks so far. */
  get stats(): SharedDecoderStats {
    return { hits: this.hits, misses: this.misses, checked: this.checked };
  }

  private recheck(codec: MessageCodec<unknown>, bytes: Uint8Array, known: SharedDecoding): void {
    this.checked++;
    let fresh: SharedDecoding;
    try {
      fresh = { codec, value: codec.decode(bytes) };
    } catch (error) {
      if (!(error instanceof WireDecodeError)) throw error;
      fresh = { codec, error };
    }
    let difference: string | undefined;
    if (known.error !== undefined || fresh.error !== undefined) {
      if (known.error?.message !== fresh.error?.message) difference = `remembered ${known.error?.message ?? "a message"}, decoded ${fresh.error?.message ?? "a message"}`;
    } else {
      difference = plainDifference(known.value, fresh.value, "message");
    }
    if (difference !== undefined) throw new SharingMismatchError(SHARED_DECODE_MEMO, `bytes sha256 ${hash("sha256", bytes, "hex").slice(0, 16)} (${bytes.length} bytes)`, difference);
  }
}

/**
 * Freezes `value` and every object and array reachable from it, in place, and returns it.
 * `Uint8Array`s and other array buffer views are left as they are (they cannot be frozen).
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== "object" || value === null || ArrayBuffer.isView(value) || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  return value;
}

/**
 * The first difference between two decoded plain values (objects, arrays,
 * `Uint8Array`s, numbers, strings, booleans, bigints, null, undefined) as
 * `path: what differs`, or undefined when they are equal field by field.
 */
export function plainDifference(a: unknown, b: unknown, path: string): string | undefined {
  if (a === b) return undefined;
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array)) return `${path}: bytes against another kind of value`;
    if (a.length !== b.length) return `${path}: ${a.length} bytes against ${b.length}`;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `${path}: byte ${i} is ${a[i]} against ${b[i]}`;
    return undefined;
  }
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return Number.isNaN(a) && Number.isNaN(b) ? undefined : `${path}: ${String(a)} against ${String(b)}`;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return `${path}: an array against an object`;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return `${path}: ${keysA.length} fields against ${keysB.length}`;
  for (const key of keysA) {
    if (!Object.prototype.hasOwnProperty.call(b, key)) return `${path}.${key}: missing from the decoded message`;
    const difference = plainDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
    if (difference !== undefined) return difference;
  }
  return undefined;
}

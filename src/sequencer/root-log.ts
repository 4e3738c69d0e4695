/**
 * The committed state root of each height, packed: 32 bytes per height in
 * chunks of {@link ROOT_LOG_CHUNK_HEIGHTS} heights, instead of one array
 * buffer per root, so a validator's log of roots (served to batch posters by
 * `root-query`) costs 32 bytes a height however long the run.
 */
import { assert } from "../sim/assert.js";

/** Heights per chunk. */
export const ROOT_LOG_CHUNK_HEIGHTS = 1024;
const ROOT_BYTES = 32;

/** Roots by height (a height may have none: before a snapshot's, or an unexecutable block's). */
export class RootLog {
  private readonly chunks = new Map<number, { readonly roots: Uint8Array; readonly present: Uint8Array }>();

  /**
   * Records the root of `height`.
   * @throws AssertionError when the root is not 32 bytes or the height is not a non-negative integer
   */
  set(height: number, root: Uint8Array): void {
    assert(root.length === ROOT_BYTES && Number.isSafeInteger(height) && height >= 0, "a root log entry is 32 bytes at a height >= 0");
    const index = Math.floor(height / ROOT_LOG_CHUNK_HEIGHTS);
    let chunk = this.chunks.get(index);
    if (chunk === undefined) {
      chunk = { roots: new Uint8Array(ROOT_LOG_CHUNK_HEIGHTS * ROOT_BYTES), present: new Uint8Array(ROOT_LOG_CHUNK_HEIGHTS) };
      this.chunks.set(index, chunk);
    }
    const slot = height % ROOT_LOG_CHUNK_HEIGHTS;
    chunk.roots.set(root, slot * ROOT_BYTES);
    chunk.present[slot] = 1;
  }

  /** The root of `height` (a copy), or undefined when none was recorded. */
  get(height: number): Uint8Array | undefined {
    if (!Number.isSafeInteger(height) || height < 0) return undefined;
    const chunk = this.chunks.get(Math.floor(height / ROOT_LOG_CHUNK_HEIGHTS));
    const slot = height % ROOT_LOG_CHUNK_HEIGHTS;
    if (chunk === undefined || chunk.present[slot] !== 1) return undefined;
    return chunk.roots.slice(slot * ROOT_BYTES, (slot + 1) * ROOT_BYTES);
  }

  /** Forgets every root. */
  clear(): void {
    this.chunks.clear();
  }
}

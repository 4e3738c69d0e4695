/**
 * Reads through unsynced writes: the view a node has of its storage is the
 * durable values overlaid with the writes since the last sync (`null` marks
 * a delete). Shared by the simulated disk and the real file store, which
 * differ only in how `sync` makes the writes durable.
 */

/** Writes since the last sync: a value, or `null` for a delete. */
export type PendingWrites = Map<string, Uint8Array | null>;

/** The value of `key` as the node sees it (a copy), or undefined. */
export function overlayGet(durable: ReadonlyMap<string, Uint8Array>, pending: PendingWrites, key: string): Uint8Array | undefined {
  const value = pending.get(key);
  if (value === null) return undefined;
  return (value ?? durable.get(key))?.slice();
}

/** Keys starting with `prefix` as the node sees them, ascending. */
export function overlayKeys(durable: ReadonlyMap<string, Uint8Array>, pending: PendingWrites, prefix: string): string[] {
  const out = new Set<string>();
  for (const key of durable.keys()) if (key.startsWith(prefix)) out.add(key);
  for (const [key, value] of pending) {
    if (!key.startsWith(prefix)) continue;
    if (value === null) out.delete(key);
    else out.add(key);
  }
  return [...out].sort();
}

/**
 * The testnet's L1 check (`l1-registry-agreement`, safety): every root the
 * L1's finalized registry holds equals the state root the validators
 * committed at that height, heights run 1, 2, 3... without a gap, and the
 * registry holds at least one entry (a run with the L1 that posted nothing
 * proves nothing about it). The real-mode counterpart of the simulator's
 * `l1-consistency` checker (`check/posting/l1-consistency.ts`), judged once,
 * from the registry read over JSON-RPC at the end of the run.
 */
import type { InvariantResult } from "../check/checker.js";

/** One finalized registry entry. */
export interface L1RegistryEntry {
  readonly height: number;
  /** The posted root, lowercase hex. */
  readonly rootHex: string;
}

/** The checker's name in summaries. */
export const L1_REGISTRY_CHECK = "l1-registry-agreement";

/**
 * Judges `registry` against `committed` (height -> root hex, from the validators' `state-root` lines).
 * @param atUs the time of the verdict, microseconds since the run's start
 */
export function checkL1Registry(committed: ReadonlyMap<number, string>, registry: readonly L1RegistryEntry[] | { readonly error: string }, atUs: number): InvariantResult {
  const fail = (message: string, figures: Record<string, number>): InvariantResult => ({
    name: L1_REGISTRY_CHECK,
    kind: "safety",
    ok: false,
    figures,
    violation: { invariant: L1_REGISTRY_CHECK, atUs, message },
  });
  if (!Array.isArray(registry)) return fail(`the L1 registry could not be read: ${(registry as { error: string }).error}`, { entries: 0 });
  const entries = registry as readonly L1RegistryEntry[];
  if (entries.length === 0) return fail("the L1 registry holds no root: nothing was posted", { entries: 0 });
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const figures = { entries: entries.length, checked: i };
    if (entry.height !== i + 1) return fail(`the L1 registry's entry ${i} is height ${entry.height}, expected ${i + 1}`, figures);
    const root = committed.get(entry.height);
    if (root === undefined) return fail(`the L1 holds a root at height ${entry.height} that no validator reported committing`, figures);
    if (root.toLowerCase() !== entry.rootHex.toLowerCase()) return fail(`the L1 holds root ${entry.rootHex.slice(0, 16)}... at height ${entry.height}, the validators committed ${root.slice(0, 16)}...`, figures);
  }
  return { name: L1_REGISTRY_CHECK, kind: "safety", ok: true, figures: { entries: entries.length, highestHeight: entries[entries.length - 1]!.height } };
}

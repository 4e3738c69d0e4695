/**
 * Set partitions for Twins scenarios (Bano et al., "Twins: BFT Systems Made
 * Robust", OPODIS 2021, the scenario generator's first step: every way to
 * split the node instances into at most k groups, counted by the Stirling
 * numbers of the second kind). A partition of m elements is written as a
 * restricted growth string: `blocks[i]` is the group of element i, groups
 * numbered in the order of their first element (`blocks[0] = 0`,
 * `blocks[i] <= 1 + max(blocks[0..i-1])`), so each partition has exactly one
 * string and the order of groups carries no meaning.
 */

/**
 * Every partition of `m` elements into at most `k` non-empty groups, as restricted growth strings, in
 * lexicographic order (Knuth, TAOCP 7.2.1.5, Algorithm H without the block-count bound).
 * @throws RangeError when `m` < 1 or `k` < 1
 */
export function setPartitions(m: number, k: number): number[][] {
  if (!Number.isSafeInteger(m) || m < 1) throw new RangeError(`setPartitions: m must be a positive integer, got ${m}`);
  if (!Number.isSafeInteger(k) || k < 1) throw new RangeError(`setPartitions: k must be a positive integer, got ${k}`);
  const out: number[][] = [];
  const blocks = new Array<number>(m).fill(0);
  const extend = (i: number, max: number): void => {
    if (i === m) {
      out.push([...blocks]);
      return;
    }
    for (let b = 0; b <= Math.min(max + 1, k - 1); b++) {
      blocks[i] = b;
      extend(i + 1, Math.max(max, b));
    }
  };
  extend(1, 0);
  return out;
}

/** The restricted growth string of `blocks` (any labels): groups renumbered in the order of their first element. */
export function normalizeBlocks(blocks: readonly number[]): number[] {
  const renumber = new Array<number>(blocks.length).fill(-1);
  let next = 0;
  return blocks.map((b) => (renumber[b]! >= 0 ? renumber[b]! : (renumber[b] = next++)));
}

/** The groups of a restricted growth string, each a list of element indexes in increasing order. */
export function groupsOf(blocks: readonly number[]): number[][] {
  const groups: number[][] = [];
  blocks.forEach((b, i) => (groups[b] ??= []).push(i));
  return groups;
}

/**
 * A binary heap whose items know their own position, so that an item can be
 * removed or re-sorted after its key changed in O(log n) without a search and
 * without lazy deletion (no dead items pile up in the array).
 *
 * The order is whatever `before` says; it must be a strict total order over
 * the items held (the mempool breaks every tie by arrival sequence), so the
 * heap's behaviour never depends on insertion accidents.
 */

/** An item that can sit in one {@link IndexedHeap} at a time. */
export interface HeapSlot {
  /** Position in the heap's array; -1 while the item is in no heap. Owned by the heap. */
  heapIndex: number;
}

/** Binary heap with the `before`-first item at the root. */
export class IndexedHeap<T extends HeapSlot> {
  private readonly items: T[];
  private readonly before: (a: T, b: T) => boolean;

  /**
   * @param before - true iff `a` must leave the heap before `b`; a strict total order.
   * @param initial - items to start with, heapified in O(n); the array is taken over, not copied.
   * @throws Error if an initial item already sits in a heap.
   */
  constructor(before: (a: T, b: T) => boolean, initial: T[] = []) {
    this.before = before;
    this.items = initial;
    for (let i = 0; i < initial.length; i++) {
      if (initial[i]!.heapIndex !== -1) throw new Error("heap: initial item already in a heap");
      initial[i]!.heapIndex = i;
    }
    for (let i = (initial.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  /** Number of items held. */
  get size(): number {
    return this.items.length;
  }

  /** The first item, or undefined when empty. */
  peek(): T | undefined {
    return this.items[0];
  }

  /**
   * The first item other than `item`, or undefined when there is none. O(1):
   * when `item` is the root, the runner-up is one of the root's children.
   */
  peekExcluding(item: T): T | undefined {
    const root = this.items[0];
    if (root !== item) return root;
    const left = this.items[1];
    const right = this.items[2];
    if (left === undefined) return undefined;
    if (right === undefined) return left;
    return this.before(right, left) ? right : left;
  }

  /** True iff `item` is held by this heap. */
  contains(item: T): boolean {
    return item.heapIndex >= 0 && this.items[item.heapIndex] === item;
  }

  /**
   * Adds `item`. O(log n).
   * @throws Error if `item` already sits in a heap.
   */
  push(item: T): void {
    if (item.heapIndex !== -1) throw new Error("heap: item already in a heap");
    item.heapIndex = this.items.length;
    this.items.push(item);
    this.siftUp(item.heapIndex);
  }

  /** Removes and returns the first item, or undefined when empty. O(log n). */
  pop(): T | undefined {
    const root = this.items[0];
    if (root !== undefined) this.remove(root);
    return root;
  }

  /**
   * Removes `item`. O(log n).
   * @throws Error if `item` is not held by this heap.
   */
  remove(item: T): void {
    if (!this.contains(item)) throw new Error("heap: removing an item the heap does not hold");
    const index = item.heapIndex;
    const last = this.items.pop()!;
    item.heapIndex = -1;
    if (last === item) return;
    this.items[index] = last;
    last.heapIndex = index;
    this.siftUp(index);
    this.siftDown(last.heapIndex);
  }

  /**
   * Restores the order after `item`'s key changed. O(log n).
   * @throws Error if `item` is not held by this heap.
   */
  update(item: T): void {
    if (!this.contains(item)) throw new Error("heap: updating an item the heap does not hold");
    this.siftUp(item.heapIndex);
    this.siftDown(item.heapIndex);
  }

  /**
   * Checks positions and the heap order. O(n); for tests and debugging.
   * @throws Error naming the first broken rule.
   */
  checkInvariants(): void {
    const items = this.items;
    for (let i = 0; i < items.length; i++) {
      if (items[i]!.heapIndex !== i) throw new Error(`heap: item at ${i} says it is at ${items[i]!.heapIndex}`);
      if (i > 0 && this.before(items[i]!, items[(i - 1) >> 1]!)) throw new Error(`heap: item at ${i} comes before its parent`);
    }
  }

  private siftUp(start: number): void {
    const items = this.items;
    const item = items[start]!;
    let i = start;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(item, items[parent]!)) break;
      items[i] = items[parent]!;
      items[i]!.heapIndex = i;
      i = parent;
    }
    items[i] = item;
    item.heapIndex = i;
  }

  private siftDown(start: number): void {
    const items = this.items;
    const n = items.length;
    const item = items[start]!;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.before(items[right]!, items[left]!) ? right : left;
      if (!this.before(items[child]!, item)) break;
      items[i] = items[child]!;
      items[i]!.heapIndex = i;
      i = child;
    }
    items[i] = item;
    item.heapIndex = i;
  }
}

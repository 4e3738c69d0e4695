/**
 * The kernel's event queue: a binary min-heap ordered by (time, insertion
 * sequence). Ties never break by chance (DESIGN.md, determinism rule 2).
 */

/** One scheduled event. `cancelled` events are skipped when popped. */
export interface ScheduledEvent {
  /** Virtual time in microseconds at which the event fires. */
  readonly timeUs: number;
  /** Insertion sequence number: the tie-breaker. */
  readonly seq: number;
  /** Runs the event. */
  readonly fire: () => void;
  /** Set by `cancel`; the loop drops the event instead of firing it. */
  cancelled: boolean;
}

/** Min-heap of {@link ScheduledEvent}s. */
export class EventQueue {
  private readonly heap: ScheduledEvent[] = [];
  private nextSeq = 0;

  /** Number of events held, cancelled ones included. */
  get size(): number {
    return this.heap.length;
  }

  /** Adds an event at `timeUs`; returns it so that it can be cancelled. */
  push(timeUs: number, fire: () => void): ScheduledEvent {
    const event: ScheduledEvent = { timeUs, seq: this.nextSeq++, fire, cancelled: false };
    const heap = this.heap;
    heap.push(event);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(event, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = event;
    return event;
  }

  /** The earliest event without removing it, or undefined when empty. */
  peek(): ScheduledEvent | undefined {
    return this.heap[0];
  }

  /** Removes and returns the earliest event, or undefined when empty. */
  pop(): ScheduledEvent | undefined {
    const heap = this.heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      const n = heap.length;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        const child = right < n && before(heap[right]!, heap[left]!) ? right : left;
        if (!before(heap[child]!, last)) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }
}

function before(a: ScheduledEvent, b: ScheduledEvent): boolean {
  return a.timeUs < b.timeUs || (a.timeUs === b.timeUs && a.seq < b.seq);
}

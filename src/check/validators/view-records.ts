/**
 * One hash per (view, member) pair, stored compactly for checkers that keep
 * such a record for the whole run (the equivocation checker: the block each
 * validator voted for or proposed in each view).
 *
 * A map keyed by `"<member>/<view>"` holding each event's own hash string
 * cost about 150 bytes a pair, and a run records one pair per validator and
 * view (n of them per view). Here each view has one record: the distinct
 * hashes of the view (usually one: every honest validator votes for the
 * same block) and, per member index, which of them it recorded (a small
 * integer), about 5 times less. Exact: the hashes are kept whole; nothing
 * is forgotten (a vote in an old view must still be found).
 */

interface ViewRecord {
  /** The distinct hashes recorded in the view, in the order first recorded. */
  readonly hashes: string[];
  /** Per member index: 1 + the index of its hash in `hashes`, 0 when it has none (grown on demand). */
  readonly members: number[];
}

/** Hash per (view, member index): set once, read back (see the file comment). */
export class ViewRecords {
  private readonly views = new Map<number, ViewRecord>();
  private pairs = 0;

  /**
   * The hash recorded for `member` in `view`, if any.
   * @param view a view number (non-negative integer)
   * @param member the member's index (non-negative integer)
   */
  get(view: number, member: number): string | undefined {
    const record = this.views.get(view);
    if (record === undefined) return undefined;
    const slot = record.members[member] ?? 0;
    return slot === 0 ? undefined : record.hashes[slot - 1];
  }

  /**
   * Records `hash` for `member` in `view`.
   * @throws Error when the pair has a hash already (the caller reads it first: a record is never replaced)
   */
  set(view: number, member: number, hash: string): void {
    if (!Number.isInteger(member) || member < 0) throw new Error(`ViewRecords: member index ${member} is not a non-negative integer`);
    let record = this.views.get(view);
    if (record === undefined) {
      record = { hashes: [], members: [] };
      this.views.set(view, record);
    }
    if ((record.members[member] ?? 0) !== 0) throw new Error(`ViewRecords: member ${member} has a hash in view ${view} already`);
    let index = record.hashes.indexOf(hash);
    if (index === -1) index = record.hashes.push(hash) - 1;
    while (record.members.length < member) record.members.push(0);
    record.members[member] = index + 1;
    this.pairs++;
  }

  /** Pairs recorded. */
  get size(): number {
    return this.pairs;
  }
}

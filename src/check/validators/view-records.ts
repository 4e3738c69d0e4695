/**
 * One hash per (view, member) pair, stored compactly for checkers that keep
 * such a record for the whole run (the equivocation checker: the block each
 * validator voted for or proposed in each view).
 *
 * A map keyed by `"<member>/<view>"` holding each event's own hash string
 * costs about 150 bytes a pair, and a run records one pair per validator and
 * view (n of them per view). Here a view whose members all recorded the
 * same hash (the usual case: every honest validator votes for the one
 * block) is one small record, the hash once and the members as a bit set
 * (members 0 to 30); any other view falls back to a map from member to
 * hash. Exact: the hashes are kept whole; nothing is forgotten (a vote in
 * an old view must still be found).
 */

/** Members below this index fit in a uniform record's bit set (a small integer). */
const MASK_MEMBERS = 31;

/** A view where every member recorded so far recorded `hash`: the members as bits. */
interface UniformView {
  readonly hash: string;
  members: number;
}

/** Hash per (view, member index): set once, read back (see the file comment). */
export class ViewRecords {
  private readonly views = new Map<number, UniformView | Map<number, string>>();
  private pairs = 0;

  /**
   * The hash recorded for `member` in `view`, if any.
   * @param view a view number (non-negative integer)
   * @param member the member's index (non-negative integer)
   */
  get(view: number, member: number): string | undefined {
    const record = this.views.get(view);
    if (record === undefined) return undefined;
    if (record instanceof Map) return record.get(member);
    return member < MASK_MEMBERS && (record.members & (1 << member)) !== 0 ? record.hash : undefined;
  }

  /**
   * Records `hash` for `member` in `view`.
   * @throws Error when the pair has a hash already (the caller reads it first: a record is never replaced), or `member` is not a non-negative integer
   */
  set(view: number, member: number, hash: string): void {
    if (!Number.isInteger(member) || member < 0) throw new Error(`ViewRecords: member index ${member} is not a non-negative integer`);
    if (this.get(view, member) !== undefined) throw new Error(`ViewRecords: member ${member} has a hash in view ${view} already`);
    this.pairs++;
    const record = this.views.get(view);
    if (record === undefined) {
      this.views.set(view, member < MASK_MEMBERS ? { hash, members: 1 << member } : new Map([[member, hash]]));
      return;
    }
    if (record instanceof Map) {
      record.set(member, hash);
      return;
    }
    if (member < MASK_MEMBERS && hash === record.hash) {
      record.members |= 1 << member;
      return;
    }
    // A second hash in the view (or a member beyond the bit set): the general form.
    const general = new Map<number, string>();
    for (let m = 0; m < MASK_MEMBERS; m++) if ((record.members & (1 << m)) !== 0) general.set(m, record.hash);
    general.set(member, hash);
    this.views.set(view, general);
  }

  /** Pairs recorded. */
  get size(): number {
    return this.pairs;
  }
}

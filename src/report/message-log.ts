/**
 * The messages of a run, folded from its message events (`message-send`,
 * `message-deliver`, `message-drop`, `message-duplicate`, `message-hold`:
 * `check/events.ts`) into one record per message, and the capped set the
 * space-time diagram draws: the messages sent nearest the moment the page
 * opens on (the violation), so a long run stays a page of a few megabytes.
 */
import type { Observation } from "../check/checker.js";
import { SIMULATOR_EVENTS } from "../check/events.js";

/** What became of a message: delivered, lost, delivered twice, or held by a clog and then delivered (or still held). */
export type MessageFate = "delivered" | "dropped" | "duplicated" | "held" | "in-flight";

/** One message of the run. Times in microseconds of virtual time. */
export interface MessageRecord {
  readonly id: number;
  readonly from: string;
  readonly to: string;
  readonly sentUs: number;
  /** First delivery (undefined when it was never delivered). */
  deliveredUs?: number;
  /** Second delivery of a duplicated message. */
  duplicateUs?: number;
  /** When it was lost, and why (`partition`, `loss`, `held-overflow`, `crashed`). */
  droppedUs?: number;
  dropReason?: string;
  /** When a clog first held it. */
  heldUs?: number;
  readonly type: string | undefined;
  readonly view: number | undefined;
  readonly sizeBytes: number;
  readonly redelivery: boolean;
}

/** The fate the diagram draws a record as (a held message keeps `held` even once delivered: the fault delayed it). */
export function fateOf(m: MessageRecord): MessageFate {
  if (m.heldUs !== undefined) return "held";
  if (m.duplicateUs !== undefined) return "duplicated";
  if (m.deliveredUs !== undefined) return "delivered";
  if (m.droppedUs !== undefined) return "dropped";
  return "in-flight";
}

/** Folds message events into {@link MessageRecord}s, in the order sent. */
export class MessageLog {
  /** Records by id - 1 (ids are dense from 1). */
  private readonly records: MessageRecord[] = [];
  private readonly counts = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, held: 0 };

  /** Takes one observation; anything but a message event is ignored. */
  observe(o: Observation): void {
    if (!SIMULATOR_EVENTS.is(o, "message-send", "message-deliver", "message-drop", "message-duplicate", "message-hold")) return;
    const f = o.fields;
    if (o.event === "message-send") {
      this.counts.sent++;
      this.records[f.id - 1] = {
        id: f.id,
        from: f.from,
        to: f.to,
        sentUs: o.timeUs,
        type: f.type,
        view: f.view,
        sizeBytes: f.sizeBytes,
        redelivery: o.fields.redelivery === true,
      };
      return;
    }
    const record = this.records[f.id - 1];
    if (record === undefined) return; // sent before the log started
    switch (o.event) {
      case "message-deliver":
        this.counts.delivered++;
        if (record.deliveredUs === undefined) record.deliveredUs = o.timeUs;
        else record.duplicateUs ??= o.timeUs;
        break;
      case "message-drop":
        this.counts.dropped++;
        record.droppedUs ??= o.timeUs;
        record.dropReason ??= o.fields.reason;
        break;
      case "message-duplicate":
        this.counts.duplicated++;
        break;
      case "message-hold":
        this.counts.held++;
        record.heldUs ??= o.timeUs;
        break;
    }
  }

  /** How many message events of each kind were seen. */
  get totals(): Readonly<typeof this.counts> {
    return this.counts;
  }

  /** Every record, in the order sent. */
  all(): readonly MessageRecord[] {
    return this.records.filter((r) => r !== undefined);
  }

  /**
   * At most `max` records sent around `focusUs`: a run of consecutive sends holding the send nearest
   * `focusUs`, three quarters of them before it (a violation's causes come before it).
   * @returns the records (in the order sent) and whether some were left out
   */
  window(focusUs: number, max: number): { readonly records: readonly MessageRecord[]; readonly capped: boolean } {
    const all = this.all();
    if (all.length <= max) return { records: all, capped: false };
    let lo = 0;
    let hi = all.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (all[mid]!.sentUs < focusUs) lo = mid + 1;
      else hi = mid;
    }
    const start = Math.max(0, Math.min(all.length - max, lo - Math.floor((max * 3) / 4)));
    return { records: all.slice(start, start + max), capped: true };
  }
}

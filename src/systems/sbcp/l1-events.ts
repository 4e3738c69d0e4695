/**
 * The events of the SP's L1 path (`sbcp/l1/superblock-poster.ts`) and the
 * observation the SBCP system derives from the L1's finalized superblock
 * registry (`l1-registry-watch.ts`). Encodings as `events.ts`: hashes are 64
 * lowercase hex digits, numbers and slots are counts.
 */
import { z } from "zod";
import { count, EventCatalogue, hash32Hex, type EventMap, type ObservationOf } from "../../check/events.js";

const reason = z.string();

/** The schemas of the SBCP L1 events (event name -> fields). */
export const SBCP_L1_EVENTS = new EventCatalogue("sbcp", {
  /** The SP sent `publish_superblock` for superblock `number`; `resubmission`: a number that had landed before (a reorg or a rollback undid it). */
  "sbcp-l1-publish-sent": z.strictObject({ number: count, signature: z.string(), attempt: count, resubmission: z.boolean() }),
  /** Superblock `number`'s post landed in L1 slot `slot`. */
  "sbcp-l1-published": z.strictObject({ number: count, slot: count }),
  /** The SP saw superblock `number` finalized on the L1. */
  "sbcp-l1-finalized": z.strictObject({ number: count }),
  /** The L1's last superblock went back from `from` to `to` (an L1 reorg undid posts): they are posted again. */
  "sbcp-l1-rewound": z.strictObject({ from: count, to: count }),
  /** An L1 read or a post failed (`what`), retried after `retryInUs`. */
  "sbcp-l1-failed": z.strictObject({ what: z.enum(["read", "tx"]), reason, attempt: count, retryInUs: count }),
  /** Superblock `number` is invalid (`reason`): the SP rolls back to `lastValid`, the last superblock on the L1. */
  "sbcp-l1-invalid": z.strictObject({ number: count, reason, lastValid: count }),
  /** The SP's L1 path initialized the superblock registry. */
  "sbcp-l1-initialized": z.strictObject({ slot: count }),
  /** The L1 path waits (`reason`). */
  "sbcp-l1-waiting": z.strictObject({ reason }),
  /** Derived from the L1 node (node `l1`): superblock `number` of the registry is finalized, as the registry stores it. */
  "sbcp-l1-registry-finalized": z.strictObject({
    number: count,
    slot: count,
    hash: hash32Hex,
    parentHash: hash32Hex,
    l1Slot: count,
    blocks: z.array(z.strictObject({ chain: count, number: count, hash: hash32Hex })),
    /** The entry's stored number differs from its position, or the page is missing (an inconsistent registry). */
    misplaced: z.string().optional(),
  }),
});

/** Event name -> fields of the SBCP L1 events. */
export type SbcpL1EventMap = EventMap<typeof SBCP_L1_EVENTS.schemas>;
/** One SBCP L1 event. */
export type SbcpL1Event = ObservationOf<SbcpL1EventMap>;

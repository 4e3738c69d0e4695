/**
 * The events the posting system logs: the simulated L1 node
 * (`l1/l1-node.ts`), the batch poster (`sequencer/batch-poster.ts`), the
 * rollup operator (`l1/rollup-operator.ts`), `malformed` (logged by each of
 * them, or by the simulator for them when bytes do not decode), and
 * `l1-root-finalized`, which the simulator derives from the L1's finalized
 * registry (`systems/posting/l1-registry-watch.ts`) as an event of node `l1`.
 *
 * Units and encodings follow `check/events.ts`: times are microseconds,
 * roots 64 hex digits, L1 signatures and keys base58. Batches are registry
 * heights (batch b carries the root of L2 height b x K).
 */
import { z } from "zod";
import { base58, count, EventCatalogue, hash32Hex, micros, nodeId, type EventMap, type ObservationOf } from "../../check/events.js";
import type { OperatorCommand } from "../../l1/rollup-operator.js";
import { L1_ERROR_CODES } from "../../l1/rpc-messages.js";
import type { FinalizedRoot } from "./l1-registry-watch.js";

const operatorAction = z.enum(["initialize", "pause", "resume", "unauthorized-pause", "rotate-poster", "set-version"]);

/** The schemas of the posting system's events (event name -> fields). */
export const POSTING_EVENTS = new EventCatalogue("posting", {
  // ------------------------------------------------------------ L1 node (l1/l1-node.ts)

  /** The L1 produced `slot`, which landed `txs` transactions (`failed` of them failed, fees charged) and refused `rejected`. Logged only for slots that had transactions to run. */
  "l1-slot": z.strictObject({ slot: count, txs: count, failed: count, rejected: count }),
  /** A transaction landed in `slot`; `customCode` is the program's error code when it failed (`ok` false), else null. */
  "l1-tx": z.strictObject({ signature: base58, slot: count, ok: z.boolean(), customCode: z.number().int().nullable() }),
  /** A transaction refused before it was loaded (nothing charged); `err` is Solana's error text, e.g. `BlockhashNotFound`. */
  "l1-tx-rejected": z.strictObject({ signature: base58, slot: count, err: z.string() }),
  /** A transaction dropped by the L1's injected faults before reaching a slot. */
  "l1-tx-dropped": z.strictObject({ signature: base58 }),
  /** The L1 answered a request with an RPC error (injected, or a real refusal). */
  "l1-rpc-error": z.strictObject({ code: z.enum(L1_ERROR_CODES) }),
  /** The finalized slot moved to `slot`. */
  "l1-finalized": z.strictObject({ slot: count }),
  /** The L1 rolled back `depth` slots (from `fromSlot` to `toSlot`); `reapplied` transactions queued again, `dropped` lost. */
  "l1-reorg": z.strictObject({ depth: count, fromSlot: count, toSlot: count, reapplied: count, dropped: count }),

  // ------------------------------------------------------------ simulator: the finalized registry (scenario/cluster.ts)

  /**
   * A registry entry finalized on the L1: `batch` carries `root` (hex, or
   * `missing`) of L2 height `l2Height`, landed in `slot` (-1 when missing);
   * `misplaced` says why the entry is inconsistent, when it is.
   */
  "l1-root-finalized": z.strictObject({
    batch: count,
    l2Height: count,
    root: z.union([hash32Hex, z.literal("missing")]),
    slot: z.number().int().min(-1),
    misplaced: z.string().optional(),
  }),

  // ------------------------------------------------------------ batch poster (sequencer/batch-poster.ts)

  /** The poster (re)started; `lastPosted` is the last batch it knows landed (from its disk). */
  "poster-resume": z.strictObject({ lastPosted: count }),
  /** The registry is behind what the poster stored (an L1 reorg): it rewinds from batch `from` to `to`. */
  "poster-rewound": z.strictObject({ from: count, to: count }),
  /** The poster signs with a new authority key (base58), after a rotation. */
  "poster-key": z.strictObject({ authority: base58 }),
  /** The poster waits: `paused`, `not-authorized`, `bad-config-account`... (logged once per new reason). */
  "poster-waiting": z.strictObject({ reason: z.string() }),
  /** A posting transaction for batches `fromBatch..toBatch` sent; `attempt` counts the failures before it (0 for a first try). */
  "l1-tx-sent": z.strictObject({ signature: base58, fromBatch: count, toBatch: count, attempt: count }),
  /** An unconfirmed posting transaction broadcast again. */
  "l1-tx-resent": z.strictObject({ signature: base58, fromBatch: count, toBatch: count }),
  /** A posting transaction landed in `slot`. */
  "l1-tx-landed": z.strictObject({ signature: base58, fromBatch: count, toBatch: count, slot: count }),
  /** A posting transaction failed (program error name, RPC error code, `expired`...); the next attempt in `retryInUs`. */
  "l1-tx-failed": z.strictObject({ reason: z.string(), attempt: count, retryInUs: micros }),
  /** An L1 read of the poster failed; the next attempt in `retryInUs`. */
  "l1-read-failed": z.strictObject({ reason: z.string(), attempt: count, retryInUs: micros }),

  // ------------------------------------------------------------ operator (l1/rollup-operator.ts)

  /** An operator command finished: `ok`, or failed with `error` (program error name, `gave up: <reason>`...) after `attempt` retries. */
  "operator-action": z.strictObject({ action: operatorAction, ok: z.boolean(), error: z.string().optional(), attempt: count }),
  /** An operator command's transaction failed; it will be tried again. */
  "operator-retry": z.strictObject({ action: operatorAction, reason: z.string() }),
  /** An operator command's unconfirmed transaction broadcast again. */
  "operator-resent": z.strictObject({ action: operatorAction }),

  // ------------------------------------------------------------ any of them

  /** Bytes from `from` that do not decode (or are not an L1 response), refused. */
  malformed: z.strictObject({ from: nodeId, reason: z.string() }),
});

/** The posting system's events: name -> fields. */
export type PostingEventMap = EventMap<typeof POSTING_EVENTS.schemas>;
/** One event the L1 node, the batch poster or the operator logs. */
export type PostingEvent = ObservationOf<PostingEventMap>;

// The schemas follow the node code's own types.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _actions: Same<z.infer<typeof operatorAction>, OperatorCommand["action"]> = true;
const _finalized: Same<PostingEventMap["l1-root-finalized"], FinalizedRoot> = true;
void _actions;
void _finalized;

/**
 * The events of the bridge system: the relayer (`bridge/relayer.ts`), and
 * `bridge-l1-finalized`, which the simulator derives from the L1's finalized
 * bridge accounts (`systems/bridge/l1-bridge-watch.ts`) as an event of node `l1`.
 * Amounts are lamports as decimal strings; sequences are deposit or withdrawal numbers.
 */
import { z } from "zod";
import { base58, count, EventCatalogue, hex, nodeId, type EventMap, type ObservationOf } from "../../check/events.js";

const decimal = z.string().regex(/^\d+$/);

/** The schemas of the bridge system's events (event name -> fields). */
export const BRIDGE_EVENTS = new EventCatalogue("bridge", {
  /** The relayer booted (first start or restart) with this schedule. */
  "relayer-start": z.strictObject({ deposits: count, withdrawals: count }),
  /** The relayer sent deposit `sequence` of `user` to the L1. */
  "deposit-sent": z.strictObject({ sequence: count, user: count, amount: decimal, signature: base58 }),
  /** The L1 refused deposit `sequence` before it landed, and why (an RPC error code or the program's error). */
  "deposit-failed": z.strictObject({ sequence: count, reason: z.string() }),
  /** The deposit landed (confirmed; a reorg may still remove it). */
  "deposit-landed": z.strictObject({ sequence: count }),
  /** The relayer submitted `user`'s withdraw transaction of `nonce` to validator `to`. */
  "withdraw-submitted": z.strictObject({ user: count, nonce: count, amount: decimal, to: nodeId }),
  /** A validator proved withdrawal `sequence` in its committed state of `height`. */
  "withdrawal-proven": z.strictObject({ sequence: count, height: count }),
  /** The relayer sent finalize_withdrawal for `sequence` against registry `batch`. */
  "finalize-sent": z.strictObject({ sequence: count, batch: count, amount: decimal, signature: base58 }),
  /** A finalize_withdrawal failed or could not be sent, and why. */
  "finalize-failed": z.strictObject({ sequence: count, reason: z.string() }),
  /** The relayer saw withdrawal `sequence`'s nullifier at the finalized commitment. */
  "withdrawal-paid": z.strictObject({ sequence: count }),
  /** The relayer, acting as an attacking user, sent a replayed or forged finalize_withdrawal. */
  "attack-sent": z.strictObject({ kind: z.enum(["replay-withdrawal", "forged-proof"]), sequence: count, signature: base58 }),
  /** What the L1 answered the attack: the program's error name, an RPC error code, `accepted` (a bug), or `no-answer`. */
  "attack-outcome": z.strictObject({ kind: z.enum(["replay-withdrawal", "forged-proof"]), sequence: count, outcome: z.string() }),
  /**
   * The L1 finalized `slot`: the vault (its lamports above the rent reserve, its counters) and the
   * deposits and payments (nullifiers) finalized since the last one, as the finalized state holds them.
   */
  "bridge-l1-finalized": z.strictObject({
    slot: count,
    vaultExcess: decimal,
    totalDeposited: decimal,
    totalWithdrawn: decimal,
    deposits: z.array(z.strictObject({ sequence: decimal, to: hex, amount: decimal, slot: count })),
    payments: z.array(z.strictObject({ sequence: decimal, recipient: hex, amount: decimal, batch: count, slot: count })),
  }),
});

/** The bridge's events: name -> fields. */
export type BridgeEventMap = EventMap<typeof BRIDGE_EVENTS.schemas>;
/** One bridge event. */
export type BridgeEvent = ObservationOf<BridgeEventMap>;

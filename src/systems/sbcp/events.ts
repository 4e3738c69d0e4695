/**
 * The events the SBCP nodes log: the shared publisher (`sbcp/shared-publisher.ts`)
 * and the sequencers (`sbcp/sequencer.ts`). Units and encodings follow
 * `check/events.ts`: xTids and hashes are 64 lowercase hex digits, slots,
 * numbers and sequence numbers are counts, chains are u32 chain ids.
 * The clients of the workload (`systems/sbcp/client.ts`) log what they submit.
 */
import { z } from "zod";
import { count, EventCatalogue, hash32Hex, nodeId, type EventMap, type ObservationOf } from "../../check/events.js";

const chain = z.number().int().nonnegative();
const reason = z.string();
const startKind = z.enum(["StartSlot", "RollBackAndStartSlot"]);
/** Per asset, the total of every balance on the chain after the block (for conservation). */
const supply = z.record(z.string(), count);

/** The schemas of the SBCP events (event name -> fields). */
export const SBCP_EVENTS = new EventCatalogue("sbcp", {
  // ------------------------------------------------------------ both

  /** A message the node does not take from that sender, or of a type it does not handle, or a recovered block that does not fit. */
  "sbcp-message-ignored": z.strictObject({ from: nodeId.optional(), type: z.string(), reason }),

  // ------------------------------------------------------------ shared publisher

  /** Slot `slot` started (StartSlot or, after a rollback, RollBackAndStartSlot sent), aiming at superblock `superblockNumber`. */
  "sbcp-slot-started": z.strictObject({ slot: count, superblockNumber: count, rollBack: z.boolean(), queued: count }),
  /** An xT request was queued. */
  "sbcp-xt-queued": z.strictObject({ from: nodeId, xTid: hash32Hex, queued: count }),
  /** An xT request was refused (malformed, an inactive chain, a duplicate, the queue full). */
  "sbcp-xt-refused": z.strictObject({ from: nodeId, xTid: hash32Hex.optional(), reason }),
  /** A queued xT expired before it was started. */
  "sbcp-xt-expired": z.strictObject({ xTid: hash32Hex, attempts: count }),
  /** The SP started SCP instance `xTid` (StartSC sent); `participants` are the chains that must vote. */
  "sbcp-instance-started": z.strictObject({ slot: count, xTid: hash32Hex, sequenceNumber: count, participants: z.array(chain), attempts: count }),
  /** A vote the SP did not count. */
  "sbcp-vote-refused": z.strictObject({ from: nodeId, chain, xTid: hash32Hex, reason }),
  /** The SP decided instance `xTid` and sent Decided to every sequencer. */
  "sbcp-decided": z.strictObject({ slot: count, xTid: hash32Hex, decision: z.boolean(), reason, sequenceNumber: count }),
  /** RequestSeal sent, listing `included` xTids of `instances` started. */
  "sbcp-seal-requested": z.strictObject({ slot: count, included: count, instances: count }),
  /** An L2 block the SP did not take. */
  "sbcp-block-refused": z.strictObject({ from: nodeId, chain, slot: count, number: count, reason }),
  /** An L2BlockRequest the SP could not answer. */
  "sbcp-block-request-refused": z.strictObject({ from: nodeId, chain, number: count.optional(), reason }),
  /** Superblock `number` built: its blocks (chain, number, hash) and the xTids it includes. */
  "sbcp-superblock": z.strictObject({
    number: count,
    slot: count,
    partial: z.boolean(),
    hash: hash32Hex,
    parentHash: hash32Hex,
    blocks: z.array(z.strictObject({ chain, number: count, hash: hash32Hex })),
    xTids: z.array(hash32Hex),
  }),
  /** No superblock for `slot`; `requeued` xTs went back to the queue. */
  "sbcp-superblock-not-built": z.strictObject({ slot: count, reason, requeued: count }),
  /** The SP forgot the superblocks after `lastValidNumber` (`dropped`); RollBackAndStartSlot follows at the next slot. */
  "sbcp-rollback": z.strictObject({ lastValidNumber: count, dropped: z.array(count) }),

  /** The SP restarted and read its write-ahead log back: the last slot it started, the superblocks stored, whether a rollback is owed. */
  "sbcp-publisher-recovered": z.strictObject({ lastSlot: count, superblocks: count, pendingRollBack: z.boolean(), requeued: z.array(hash32Hex) }),
  /** The SP's log did not check out at a restart (a lost disk, a corrupt or missing record): it does nothing more. */
  "sbcp-publisher-halted": z.strictObject({ reason, key: z.string().nullable() }),

  // ------------------------------------------------------------ clients

  /** A client submitted an xT moving `amount` from chain `source` to `destination`; `mustFail`: more than any account holds. */
  "sbcp-xt-submitted": z.strictObject({ xTid: hash32Hex, source: chain, destination: chain, amount: count, mustFail: z.boolean() }),
  /** A client submitted a local transfer on `chain`. */
  "sbcp-local-submitted": z.strictObject({ chain, amount: count }),

  // ------------------------------------------------------------ sequencer

  /** The sequencer (re)started, in Waiting, with `head` its last block (`hash`) and the supply after it. */
  "sbcp-sequencer-started": z.strictObject({ chain, head: count, hash: hash32Hex, supply }),
  /** A StartSlot or RollBackAndStartSlot ignored. */
  "sbcp-slot-ignored": z.strictObject({ kind: startKind, slot: count, draftSlot: count.optional(), number: count.optional(), reason }),
  /** The draft of block `number` opened for `slot`. */
  "sbcp-draft-started": z.strictObject({ kind: startKind, slot: count, number: count, superblockNumber: count }),
  /** Blocks above `to` were reverted. */
  "sbcp-reverted": z.strictObject({ kind: startKind, to: count, reverted: z.array(count) }),
  /** The requested parent is missing: fetching blocks from `head + 1`. */
  "sbcp-recovering": z.strictObject({ slot: count, head: count, requested: count }),
  /** A block fetched with L2BlockRequest was replayed and stored. */
  "sbcp-recovered-block": z.strictObject({ chain, slot: count, number: count, hash: hash32Hex, parentHash: hash32Hex, xTids: z.array(hash32Hex), supply }),
  /** A restarted sequencer cut its write-ahead log after block `kept`: the next block did not check out (`reason`; `key` names it). */
  "sbcp-log-cut": z.strictObject({ chain, kept: count, reason, key: z.string() }),
  /** A local transaction entered the draft of block `number` (slot `slot`); the sequencer is Building-Free. */
  "sbcp-local-applied": z.strictObject({ chain, slot: count, number: count }),
  /** A local transaction refused (invalid, or the pending queue full). */
  "sbcp-local-refused": z.strictObject({ reason }),
  /** A StartSC held back (not dropped) until its turn. */
  "sbcp-startsc-held": z.strictObject({ slot: count, seq: count, reason }),
  /** A StartSC dropped (stale, already used, a wrong xTid, the held-back queue full). */
  "sbcp-startsc-dropped": z.strictObject({ slot: count, seq: count.optional(), reason }),
  /** The sequencer opened its side of instance `xTid` (Building-Locked). */
  "sbcp-instance-joined": z.strictObject({ chain, slot: count, seq: count, xTid: hash32Hex, participates: z.boolean() }),
  /** A CIRC message of instance (`slot`, `xTid`) sent to chain `to`; `digest`: its content (`sbcp/circ-digest.ts`). */
  "sbcp-circ-sent": z.strictObject({ xTid: hash32Hex, slot: count, to: chain, session: count, label: z.string(), digest: hash32Hex }),
  /** Applying instance (`slot`, `xTid`) decided true, `chain` read this CIRC message from chain `from` (one mailbox-populating transaction); logged before `sbcp-instance-decided`. `state`: the content digest of the inbox entry the chain's state holds for it after the part applied (null: none), when the executor keeps a mailbox in its state (AssetVM). */
  "sbcp-circ-read": z.strictObject({ chain, slot: count, xTid: hash32Hex, from: chain, session: count, label: z.string(), digest: hash32Hex, state: hash32Hex.nullable().optional() }),
  /** A CIRC message not used. */
  "sbcp-circ-ignored": z.strictObject({ xTid: hash32Hex.optional(), reason }),
  /** The sequencer's one vote on instance `xTid`; `failure` says why a false vote's simulation failed (null on a timer). */
  "sbcp-voted": z.strictObject({ chain, slot: count, xTid: hash32Hex, vote: z.boolean(), failure: z.string().nullable() }),
  /** The sequencer applied the decision of instance `xTid`, from Decided or from RequestSeal (`via`). */
  "sbcp-instance-decided": z.strictObject({ chain, slot: count, xTid: hash32Hex, decision: z.boolean(), via: z.enum(["Decided", "RequestSeal"]), vote: z.boolean().nullable() }),
  /** A Decided for an instance not started here yet (its StartSC came later): kept and applied when it starts. */
  "sbcp-decided-held": z.strictObject({ slot: count, xTid: hash32Hex }),
  /** A Decided not for the open instance. */
  "sbcp-decided-ignored": z.strictObject({ slot: count, xTid: hash32Hex, phase: z.string() }),
  /** A RequestSeal ignored (another slot, not building, the subset rule). */
  "sbcp-seal-ignored": z.strictObject({ slot: count, phase: z.string(), reason }),
  /** Block `number` of `chain` sealed and sent to the SP, with the xTids it includes. */
  "sbcp-block-sealed": z.strictObject({ chain, slot: count, number: count, hash: hash32Hex, parentHash: hash32Hex, txs: count, xTids: z.array(hash32Hex), supply }),
});

/** Event name -> fields of the SBCP events. */
export type SbcpEventMap = EventMap<typeof SBCP_EVENTS.schemas>;
/** One SBCP event. */
export type SbcpEvent = ObservationOf<SbcpEventMap>;

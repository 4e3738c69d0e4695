/**
 * A sequencer's side of one SCP instance, after SCP v1
 * (`synchronous_composability_protocol.md`, "Protocol", sequencer): on StartSC
 * the sequencer keeps its own chain's transactions and simulates them with a
 * mailbox; each CIRC message the simulation writes is sent once; a read that
 * misses waits; each new CIRC message received adds a mailbox-populating
 * transaction and re-simulates; the sequencer votes once: true on success,
 * false on a failure that is not a mailbox miss, false when its timer expires.
 * On Decided(true) the part (and its populating transactions) is applied; on
 * false it is dropped. Pure: returns the effects, the node sends them.
 */
import { bytesEqual } from "../../crypto/hash.js";
import { assert } from "../../sim/assert.js";
import type { ChainExecutor, CircRead, CircWrite, MailboxKey } from "../execution.js";
import type { ChainId, CIRCMessage, StartSC } from "../messages.js";

/** What the node must do after a step of the instance: CIRC messages to send (each once), and a vote to send if any. */
export interface InstanceEffects {
  readonly circ: readonly CIRCMessage[];
  readonly vote?: boolean;
}

/** Why an instance ended the way it did, for logs. */
export type InstanceState = "simulating" | "waiting" | "voted" | "decided";

const NOTHING: InstanceEffects = { circ: [] };

const writeKey = (w: CircWrite): string => `${w.DestinationChainID}/${w.SessionID}/${w.Label}`;
const readKey = (r: MailboxKey | CircRead): string => `${r.SourceChainID}/${r.SessionID}/${r.Label}`;

/** One SCP instance at a sequencer. */
export class SequencerInstance {
  /** This chain's transactions of the request, in request order. */
  readonly txs: readonly Uint8Array[];
  /** The xTid and slot, from StartSC. */
  readonly xTid: Uint8Array;
  readonly slot: number;
  readonly sequenceNumber: number;
  private readonly inbox: CircRead[] = [];
  private readonly sentKeys = new Set<string>();
  private voteValue: boolean | undefined;
  private decisionValue: boolean | undefined;
  private missing: readonly MailboxKey[] = [];
  private failureReason: string | undefined;

  /**
   * @param chainId this sequencer's chain
   * @param start the StartSC that opened the instance
   * @param executor this chain's executor (simulation runs on its draft state)
   */
  constructor(
    readonly chainId: ChainId,
    start: StartSC,
    private readonly executor: ChainExecutor,
  ) {
    this.xTid = start.xTid;
    this.slot = start.Slot;
    this.sequenceNumber = start.xTSequenceNumber;
    this.txs = start.xTRequest.Transactions.filter((t) => t.ChainID === chainId).flatMap((t) => t.Transaction);
  }

  /** Whether this chain has transactions in the xT (a non-participant neither simulates nor votes; it only waits for the decision). */
  get participates(): boolean {
    return this.txs.length > 0;
  }

  /** The vote sent, or undefined. */
  get vote(): boolean | undefined {
    return this.voteValue;
  }

  /** The decision received, or undefined. */
  get decision(): boolean | undefined {
    return this.decisionValue;
  }

  /** The reads the last simulation missed. */
  get missingReads(): readonly MailboxKey[] {
    return this.missing;
  }

  /** Why the simulation failed, if it did. */
  get failure(): string | undefined {
    return this.failureReason;
  }

  /** The CIRC messages received so far, in arrival order (deduplicated). */
  get received(): readonly CircRead[] {
    return this.inbox;
  }

  /** The instance's state. */
  get state(): InstanceState {
    if (this.decisionValue !== undefined) return "decided";
    if (this.voteValue !== undefined) return "voted";
    return this.missing.length > 0 ? "waiting" : "simulating";
  }

  /**
   * Runs the first simulation (call once, right after construction).
   * @returns the CIRC messages to send and the vote, if the simulation finished; nothing for a non-participant
   */
  start(): InstanceEffects {
    if (!this.participates) return NOTHING;
    return this.simulate();
  }

  /**
   * A CIRC message for this instance arrived (the node checked xTid and slot).
   * A new one is added to the inbox and the part re-simulated, unless the vote is already sent; a duplicate is ignored.
   */
  onCirc(msg: CIRCMessage): InstanceEffects {
    assert(bytesEqual(msg.xTid, this.xTid), "a CIRC message of this instance");
    if (!this.participates || msg.DestinationChainID !== this.chainId) return NOTHING;
    const read: CircRead = { SourceChainID: msg.SourceChainID, Source: msg.Source, Receiver: msg.Receiver, SessionID: msg.SessionID, Label: msg.Label, Data: msg.Data };
    if (this.inbox.some((r) => readKey(r) === readKey(read))) return NOTHING;
    this.inbox.push(read);
    if (this.voteValue !== undefined || this.decisionValue !== undefined) return NOTHING;
    return this.simulate();
  }

  /** The sequencer's SCP timer expired: votes false if it has not voted (and no decision came); otherwise ignored. */
  onTimeout(): InstanceEffects {
    if (!this.participates || this.voteValue !== undefined || this.decisionValue !== undefined) return NOTHING;
    this.voteValue = false;
    return { circ: [], vote: false };
  }

  /**
   * The decision arrived (the node checked xTid and slot). On true, applies the
   * part to the executor's draft state.
   * @returns the transactions appended to the draft block (none on false or for a non-participant)
   */
  onDecided(decision: boolean): Uint8Array[] {
    assert(this.decisionValue === undefined, "an instance takes one decision");
    this.decisionValue = decision;
    if (!decision || !this.participates) return [];
    return this.executor.applyXt(this.txs, this.inbox, this.xTid);
  }

  private simulate(): InstanceEffects {
    assert(this.voteValue === undefined, "no simulation after the vote");
    const result = this.executor.simulateXt(this.txs, this.inbox, this.xTid);
    const circ: CIRCMessage[] = [];
    for (const write of result.writes) {
      const key = writeKey(write);
      if (this.sentKeys.has(key)) continue;
      this.sentKeys.add(key);
      circ.push({ SourceChainID: this.chainId, ...write, xTid: this.xTid, Slot: this.slot });
    }
    switch (result.outcome) {
      case "success":
        this.missing = [];
        this.voteValue = true;
        return { circ, vote: true };
      case "waiting":
        this.missing = result.missing;
        return { circ };
      case "failure":
        this.missing = [];
        this.failureReason = result.reason;
        this.voteValue = false;
        return { circ, vote: false };
    }
  }
}

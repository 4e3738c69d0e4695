/**
 * Mailbox consistency (SCP v1, `synchronous_composability_protocol.md`,
 * "Protocol": a chain's part writes CIRC messages to its peers' mailboxes and
 * reads theirs; the decided-true xT applies one mailbox-populating transaction
 * per message read). Two rules, per SCP instance (slot, xTid):
 * - **read was written**: every message a chain read (`sbcp-circ-read`) was
 *   written by its source chain (`sbcp-circ-sent` of that instance, same
 *   destination, session, label and content digest);
 * - **inbox equals outbox**: when a chain applies the instance decided true
 *   (`sbcp-instance-decided`), for every source chain the messages it read
 *   from that source are exactly the messages that source wrote to it.
 * - **read equals the state's mailbox**: when the chain's executor keeps the
 *   mailbox in its state (AssetVM: the inbox entry `i:<source>:<session>`),
 *   `sbcp-circ-read` carries the content digest of that entry after the part
 *   applied (`state`, null when absent); it must equal the message read
 *   (docs/sbcp.md: the settlement layer's `A.Mailbox[from B] = B.Mailbox[to A]`
 *   on the committed state).
 * The sequencers log these events; the source chain of a sent message is the
 * sender's chain (the node id mapping given).
 */
import type { Checker, InvariantResult, Observation, Violation } from "../checker.js";
import { safetyVerdict } from "../checker.js";
import { SBCP_EVENTS } from "../../systems/sbcp/events.js";
import type { NodeId } from "../../sim/node.js";

/** One message as the checker compares it: `session/label/digest`. */
type Entry = string;

/** Checks that inbox equals outbox per chain pair of every instance decided true (see the file comment). */
export class MailboxConsistencyChecker implements Checker {
  readonly name = "sbcp-mailbox";
  readonly kind = "safety" as const;
  /** Instance key -> `source>destination` -> entries written. */
  private readonly written = new Map<string, Map<string, Entry[]>>();
  /** Instance key + destination chain -> `source` -> entries read. */
  private readonly read = new Map<string, Map<number, Entry[]>>();
  private violation: Violation | undefined;
  private instances = 0;
  private messages = 0;
  private stateReads = 0;

  /** @param sequencers each sequencer's node id and its chain */
  constructor(private readonly sequencers: ReadonlyMap<NodeId, number>) {}

  observe(o: Observation): Violation | undefined {
    if (this.violation !== undefined || !SBCP_EVENTS.is(o, "sbcp-circ-sent", "sbcp-circ-read", "sbcp-instance-decided")) return undefined;
    const chain = this.sequencers.get(o.node);
    if (chain === undefined) return undefined;
    const instance = `${o.fields.slot}/${o.fields.xTid}`;
    const fail = (message: string): Violation => (this.violation = { invariant: this.name, atUs: o.timeUs, message: `${message} (slot ${o.fields.slot}, xT ${o.fields.xTid.slice(0, 12)})` });
    if (o.event === "sbcp-circ-sent") {
      const pairs = this.written.get(instance) ?? new Map<string, Entry[]>();
      const pair = `${chain}>${o.fields.to}`;
      pairs.set(pair, [...(pairs.get(pair) ?? []), `${o.fields.session}/${o.fields.label}/${o.fields.digest}`]);
      this.written.set(instance, pairs);
      return undefined;
    }
    const at = `${instance}@${chain}`;
    if (o.event === "sbcp-circ-read") {
      const entry = `${o.fields.session}/${o.fields.label}/${o.fields.digest}`;
      if (!(this.written.get(instance)?.get(`${o.fields.from}>${chain}`) ?? []).includes(entry)) {
        return fail(`chain ${chain} read a CIRC message (session ${o.fields.session}, label ${o.fields.label}) chain ${o.fields.from} never wrote to it`);
      }
      if (o.fields.state !== undefined) {
        this.stateReads++;
        if (o.fields.state !== o.fields.digest) {
          return fail(`chain ${chain}'s state ${o.fields.state === null ? "holds no inbox entry" : "holds another inbox entry"} for the CIRC message of chain ${o.fields.from}, session ${o.fields.session} it read`);
        }
      }
      const sources = this.read.get(at) ?? new Map<number, Entry[]>();
      sources.set(o.fields.from, [...(sources.get(o.fields.from) ?? []), entry]);
      this.read.set(at, sources);
      this.messages++;
      return undefined;
    }
    const sources = this.read.get(at) ?? new Map<number, Entry[]>();
    this.read.delete(at);
    if (!o.fields.decision) return undefined;
    this.instances++;
    for (const [pair, entries] of this.written.get(instance) ?? []) {
      const [source, destination] = pair.split(">").map(Number) as [number, number];
      if (destination !== chain) continue;
      const got = [...(sources.get(source) ?? [])].sort();
      const sent = [...entries].sort();
      if (got.join(",") !== sent.join(",")) return fail(`chain ${chain}'s inbox from chain ${source} holds ${got.length} message(s), its outbox to chain ${chain} ${sent.length}, or they differ`);
    }
    for (const [source, entries] of sources) {
      if (!this.written.get(instance)?.has(`${source}>${chain}`)) return fail(`chain ${chain} read ${entries.length} message(s) chain ${source} never wrote to it`);
    }
    return undefined;
  }

  finish(): InvariantResult {
    return safetyVerdict(this.name, { decisionsChecked: this.instances, messagesRead: this.messages, readsCheckedAgainstState: this.stateReads }, this.violation);
  }
}

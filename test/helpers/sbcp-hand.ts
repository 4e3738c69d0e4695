/**
 * SBCP nodes fed by hand (no simulator): builders for ledger transactions and
 * cross-rollup transfer requests, a shared publisher and sequencers on fake
 * contexts, and a tiny deterministic network ({@link HandNetwork}) that moves
 * their messages as protobuf bytes with a fixed latency, fires their timers in
 * time order, and can drop messages by type, so a test can walk the protocol
 * through a slot or put one node exactly where a rule applies.
 */
import { utf8 } from "../../src/crypto/hash.js";
import { LedgerExecutor, type LedgerBalance } from "../../src/sbcp/ledger/ledger-executor.js";
import { encodeLedgerTx } from "../../src/sbcp/ledger/ledger-tx.js";
import type { ChainId, SbcpMessage, StartSC, XTRequest } from "../../src/sbcp/messages.js";
import { Sequencer } from "../../src/sbcp/sequencer.js";
import { SharedPublisher, type ChainInfo } from "../../src/sbcp/shared-publisher.js";
import { SlotClock } from "../../src/sbcp/slot-clock.js";
import { decodeSbcpMessage, encodeSbcpMessage } from "../../src/sbcp/wire/codec.js";
import { xTidOf } from "../../src/sbcp/xt-id.js";
import type { Observation } from "../../src/check/checker.js";
import type { Node } from "../../src/sim/node.js";
import { SimDisk } from "../../src/storage/sim-disk.js";
import { fakeContext, type FakeContext } from "./fake-context.js";

/** 12 s slots, seal at 8 s. */
export const SLOT_US = 12_000_000;
export const SEAL_US = 8_000_000;
/** The asset every test moves. */
export const ASSET = "USD";

/** A 20-byte account named by `n`. */
export function account(n: number): Uint8Array {
  return new Uint8Array(20).fill(n);
}

/** A chain's genesis hash: 32 bytes of `chainId`. */
export function genesisHashOf(chainId: ChainId): Uint8Array {
  return new Uint8Array(32).fill(chainId);
}

/** The node id of `chainId`'s sequencer. */
export const seqId = (chainId: ChainId): string => `seq${chainId}`;

/** A local transfer. */
export function transferTx(from: number, to: number, amount: number, nonce = 0): Uint8Array {
  return encodeLedgerTx({ kind: "Transfer", From: account(from), To: account(to), Asset: ASSET, Amount: amount, Nonce: nonce });
}

/** An xT moving `amount` from `from` on `source` to `to` on `destination`, session `session`. */
export function crossTransfer(source: ChainId, destination: ChainId, from: number, to: number, amount: number, session = 1): XTRequest {
  return {
    Transactions: [
      { ChainID: source, Transaction: [encodeLedgerTx({ kind: "MailboxSend", DestinationChainID: destination, From: account(from), To: account(to), Asset: ASSET, Amount: amount, SessionID: session })] },
      { ChainID: destination, Transaction: [encodeLedgerTx({ kind: "MailboxReceive", SourceChainID: source, To: account(to), Asset: ASSET, Amount: amount, SessionID: session })] },
    ],
  };
}

/** A StartSC for `request` in `slot` with sequence number `seq`. */
export function startSC(request: XTRequest, slot: number, seq: number): StartSC {
  return { Slot: slot, xTSequenceNumber: seq, xTRequest: request, xTid: xTidOf(request) };
}

/** Account 1 holds 1000 on every chain. */
export const FUNDED: readonly LedgerBalance[] = [{ account: account(1), asset: ASSET, amount: 1000 }];

/** Chain infos for `chainIds`. */
export function chainInfos(chainIds: readonly ChainId[]): ChainInfo[] {
  return chainIds.map((chainId) => ({ chainId, sequencer: seqId(chainId), genesisHash: genesisHashOf(chainId) }));
}

/** A sequencer of `chainId` among `chainIds`, with its executor, on a fake context (not started). */
export function handSequencer(chainId: ChainId, chainIds: readonly ChainId[], genesis: readonly LedgerBalance[] = FUNDED): { seq: Sequencer; executor: LedgerExecutor; ctx: FakeContext<SbcpMessage> } {
  const executor = new LedgerExecutor(chainId, genesis);
  const seq = new Sequencer({ chainId, publisher: "sp", sequencers: new Map(chainIds.map((c) => [c, seqId(c)])), genesisHash: genesisHashOf(chainId), executor });
  return { seq, executor, ctx: fakeContext<SbcpMessage>(seqId(chainId), new SimDisk()) };
}

/** A shared publisher over `chainIds`, genesis at time 0, on a fake context (not started). */
export function handPublisher(chainIds: readonly ChainId[], scpTimeoutUs?: number): { sp: SharedPublisher; ctx: FakeContext<SbcpMessage> } {
  const sp = new SharedPublisher({ chains: chainInfos(chainIds), clock: new SlotClock(0, SLOT_US), ...(scpTimeoutUs === undefined ? {} : { scpTimeoutUs }) });
  return { sp, ctx: fakeContext<SbcpMessage>("sp", new SimDisk()) };
}

/** Messages of `ctx` sent since the last call, removed from it. */
export function drain(ctx: FakeContext<SbcpMessage>): { to: string; msg: SbcpMessage }[] {
  return ctx.sent.splice(0);
}

interface Pending {
  readonly atUs: number;
  readonly order: number;
  readonly deliver: () => void;
}

/**
 * A deterministic network of hand-fed nodes: messages cross as protobuf bytes
 * after `latencyUs`, timers fire at their time, ties by scheduling order.
 * `drop` decides per message (by sender, receiver, message) whether it is lost.
 */
export class HandNetwork {
  readonly nodes = new Map<string, { node: Node<SbcpMessage>; ctx: FakeContext<SbcpMessage>; timers: Set<number> }>();
  private queue: Pending[] = [];
  private order = 0;
  private nowUs = 0;
  /** Every message delivered, in order. */
  readonly delivered: { atUs: number; from: string; to: string; msg: SbcpMessage }[] = [];
  /** Every event the nodes logged, in order, as checkers observe them. */
  readonly observations: Observation[] = [];
  /** Every message a node sent, in order (lost ones too). */
  readonly sent: { atUs: number; from: string; to: string; msg: SbcpMessage }[] = [];
  drop: (from: string, to: string, msg: SbcpMessage) => boolean = () => false;
  /** Nodes that are down: they receive nothing and their timers do not fire. */
  readonly down = new Set<string>();

  constructor(readonly latencyUs = 10_000) {}

  get now(): number {
    return this.nowUs;
  }

  /** Adds and starts `node` under `ctx` at the current time. */
  add(node: Node<SbcpMessage>, ctx: FakeContext<SbcpMessage>): void {
    const entry = { node, ctx, timers: new Set<number>() };
    this.nodes.set(ctx.id, entry);
    ctx.setNow(this.nowUs);
    node.start(ctx);
    this.flush(ctx.id);
  }

  /** Delivers `msg` to `to` from `from` now (as bytes), as if a user sent it. */
  inject(from: string, to: string, msg: SbcpMessage): void {
    this.schedule(this.nowUs, () => this.deliver(from, to, encodeSbcpMessage(msg)));
  }

  /** Runs every event up to and including `untilUs`. */
  runUntil(untilUs: number): void {
    for (let steps = 0; ; steps++) {
      if (steps > 1_000_000) throw new Error("HandNetwork: too many steps");
      this.queue.sort((a, b) => a.atUs - b.atUs || a.order - b.order);
      const next = this.queue[0];
      if (next === undefined || next.atUs > untilUs) break;
      this.queue.shift();
      this.nowUs = next.atUs;
      next.deliver();
    }
    this.nowUs = untilUs;
  }

  private schedule(atUs: number, deliver: () => void): void {
    this.queue.push({ atUs, order: this.order++, deliver });
  }

  private deliver(from: string, to: string, bytes: Uint8Array): void {
    const entry = this.nodes.get(to);
    if (entry === undefined || this.down.has(to)) return;
    const msg = decodeSbcpMessage(bytes);
    this.delivered.push({ atUs: this.nowUs, from, to, msg });
    entry.ctx.setNow(this.nowUs);
    entry.node.onMessage(entry.ctx, from, msg);
    this.flush(to);
  }

  /** Moves `id`'s sends onto the network and its new timers into the queue. */
  private flush(id: string): void {
    const entry = this.nodes.get(id)!;
    for (const { event, fields } of entry.ctx.logs.splice(0)) this.observations.push({ timeUs: this.nowUs, node: id, event, fields });
    for (const { to, msg } of entry.ctx.sent.splice(0)) {
      this.sent.push({ atUs: this.nowUs, from: id, to, msg });
      if (this.drop(id, to, msg)) continue;
      const bytes = encodeSbcpMessage(msg);
      this.schedule(this.nowUs + this.latencyUs, () => this.deliver(id, to, bytes));
    }
    for (const [timer, { afterUs, tag }] of entry.ctx.timers) {
      if (entry.timers.has(timer)) continue;
      entry.timers.add(timer);
      this.schedule(this.nowUs + afterUs, () => {
        if (!entry.ctx.timers.has(timer) || this.down.has(id)) return;
        entry.ctx.timers.delete(timer);
        entry.ctx.setNow(this.nowUs);
        entry.node.onTimer(entry.ctx, timer, tag);
        this.flush(id);
      });
    }
  }
}

/** An SP and sequencers of `chainIds` on a {@link HandNetwork}, started at time 0. */
export function handCluster(chainIds: readonly ChainId[], genesis: readonly LedgerBalance[] = FUNDED, latencyUs = 10_000): { net: HandNetwork; sp: SharedPublisher; seqs: Map<ChainId, { seq: Sequencer; executor: LedgerExecutor }> } {
  const net = new HandNetwork(latencyUs);
  const { sp, ctx } = handPublisher(chainIds);
  const seqs = new Map<ChainId, { seq: Sequencer; executor: LedgerExecutor }>();
  for (const chainId of chainIds) {
    const s = handSequencer(chainId, chainIds, genesis);
    net.add(s.seq, s.ctx);
    seqs.set(chainId, { seq: s.seq, executor: s.executor });
  }
  net.add(sp, ctx);
  return { net, sp, seqs };
}

/** The messages of `type` that `from` sent, in order. */
export function sentOf<T extends SbcpMessage["type"]>(net: HandNetwork, from: string, type: T): { atUs: number; to: string; msg: Extract<SbcpMessage, { type: T }> }[] {
  return net.sent.filter((s) => s.from === from && s.msg.type === type).map((s) => ({ atUs: s.atUs, to: s.to, msg: s.msg as Extract<SbcpMessage, { type: T }> }));
}

/** UTF-8 of a label, for CIRC Data comparisons. */
export const bytesOf = utf8;

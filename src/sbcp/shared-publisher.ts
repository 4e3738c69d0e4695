/**
 * The shared publisher (SP) of SBCP v1 (`superblock_construction_protocol.md`,
 * "Protocol", shared publisher), a sans-IO node.
 *
 * States StartingSlot -> Free -> Locked -> Free ... -> Sealing -> StartingSlot:
 * at each slot's start it sends StartSlot (per active chain the block to build:
 * the number after its last included block, on that block's hash) and goes
 * Free; while Free and the xT queue is non-empty it pops the top xT, sends
 * StartSC (xTid = sha256 of the encoded request, sequence numbers 0, 1, ... in
 * the slot) to every active sequencer and goes Locked (one SCP instance at a
 * time); votes decide the instance ({@link PublisherInstance}), the SP sends
 * exactly one Decided to every active sequencer and goes Free; at the seal
 * cut-over (default 2/3 of the slot) it decides an open instance false, sends
 * RequestSeal with the xTids decided true and goes Sealing; when every active
 * chain's L2 block arrived it builds the superblock if the headers and the
 * included xTs check out, else builds none and re-queues the slot's xTs; at
 * the next slot's start without every block it builds a partial superblock
 * only under the spec's rule (every chain of every decided-true xT that
 * touches a received chain was received). The next slot then starts.
 *
 * Durability (SBCP, "Fault Tolerance"): the SP keeps a write-ahead log on its
 * node's storage (`wal/publisher-log.ts`): each slot it starts (synced before
 * the StartSlot goes out), each superblock with its blocks (synced before it
 * counts), and an owed rollback. A restarted SP reads it back, resumes from
 * the superblocks stored, and starts the deterministic next slot: the
 * current slot if it never started it and its seal time has not come, else
 * the one after, with a StartSlot (or the owed RollBackAndStartSlot) built
 * from the stored heads; sequencers then follow without help. A log that does
 * not check out (a lost disk, a corrupt record) halts the SP with
 * `sbcp-publisher-halted`: it cannot know which superblocks it published, so it
 * builds none rather than guess. The xT queue is logged too (`sp/xt/`): a restart queues again the xTs it held, in-flight ones included (none of them is in a built superblock).
 *
 * Not yet here (issue 17): publishing superblocks to the L1 and learning their
 * validity from it (a rollback is requested by {@link SharedPublisher.requestRollBack}),
 * active-rollup changes from the L1 registry.
 *
 * Logged events (`systems/sbcp/events.ts` declares their fields): `sbcp-message-ignored`, `sbcp-block-request-refused`, `sbcp-slot-started`, `sbcp-xt-queued`, `sbcp-xt-refused`,
 * `sbcp-xt-expired`, `sbcp-instance-started`, `sbcp-vote-refused`,
 * `sbcp-decided`, `sbcp-seal-requested`, `sbcp-block-refused`,
 * `sbcp-superblock`, `sbcp-superblock-not-built`, `sbcp-rollback`,
 * `sbcp-publisher-recovered`, `sbcp-publisher-halted`.
 */
import { bytesEqual, toHex } from "../crypto/hash.js";
import { assert } from "../sim/assert.js";
import type { Node, NodeContext, NodeId, TimerId } from "../sim/node.js";
import type { ChainId, L2Block, L2BlockRequest, SbcpMessage, Vote, XTRequest } from "./messages.js";
import { PublisherInstance } from "./scp/publisher-instance.js";
import type { SlotClock } from "./slot-clock.js";
import { buildSuperblock, GENESIS_HASH, type Superblock, type SuperblockEntry } from "./superblock.js";
import { XtQueue, type QueuedXt } from "./xt-queue.js";
import { formatPublisherLog, logRollBack, logSlotStarted, logSuperblock, logXtQueued, logXtsSettled, readPublisherLog } from "./wal/publisher-log.js";
import { xTidHex, xTidOf } from "./xt-id.js";

/** Default SCP timer at the SP and the sequencers: 3 s (us). */
export const DEFAULT_SCP_TIMEOUT_US = 3_000_000;

/** One rollup as the SP knows it. */
export interface ChainInfo {
  readonly chainId: ChainId;
  /** Its sequencer's node id. */
  readonly sequencer: NodeId;
  /** The hash its block 1 builds on. */
  readonly genesisHash: Uint8Array;
}

/** The SP's settings. Times are microseconds. */
export interface SharedPublisherConfig {
  /** The active rollups (fixed for now; from the L1 registry later). */
  readonly chains: readonly ChainInfo[];
  readonly clock: SlotClock;
  /** SCP timer: an instance without every vote by then is decided false (default 3 s). */
  readonly scpTimeoutUs?: number;
  /** How long a queued xT may wait (default 60 s). */
  readonly xtExpiryUs?: number;
  /** Most queued xTs (default 10 000). */
  readonly maxQueuedXts?: number;
  /**
   * Whether its storage was formatted before the first boot (`formatPublisherLog`; the SBCP system does it):
   * an empty disk at boot is then a lost one and halts the SP. Default false: an empty disk is a first boot.
   */
  readonly formattedStorage?: boolean;
}

/** The SP's states (spec names). */
export type PublisherPhase = "StartingSlot" | "Free" | "Locked" | "Sealing";

interface ReceivedBlock {
  readonly block: L2Block;
  readonly validHeader: boolean;
  readonly validXts: boolean;
}

interface SlotDraft {
  readonly slot: number;
  readonly requests: ReadonlyMap<ChainId, L2BlockRequest>;
  readonly received: Map<ChainId, ReceivedBlock>;
  readonly instances: PublisherInstance[];
  readonly attempted: QueuedXt[];
  /** Whether the superblock of this slot was built or given up. */
  finished: boolean;
}

interface Head {
  readonly number: number;
  readonly hash: Uint8Array;
}

/** The shared publisher node. */
export class SharedPublisher implements Node<SbcpMessage> {
  private phaseValue: PublisherPhase = "StartingSlot";
  private nextSuperblockNumberValue = 1;
  private lastSuperblockHashValue: Uint8Array = GENESIS_HASH;
  private readonly superblockList: Superblock[] = [];
  private readonly heads = new Map<ChainId, Head>();
  private readonly blockStore = new Map<string, L2Block>();
  private readonly queue: XtQueue;
  private draft: SlotDraft | undefined;
  private slotTimer: TimerId | undefined;
  private sealTimer: TimerId | undefined;
  private scpTimer: TimerId | undefined;
  private pendingRollBack = false;
  /** The last slot started (from the log after a restart). */
  private lastSlot = 0;
  /** Set when the log did not check out: the SP does nothing more. */
  private haltedReason: string | undefined;
  private readonly chainByNode = new Map<NodeId, ChainId>();
  private readonly scpTimeoutUs: number;

  constructor(private readonly config: SharedPublisherConfig) {
    assert(config.chains.length > 0, "at least one rollup");
    this.scpTimeoutUs = config.scpTimeoutUs ?? DEFAULT_SCP_TIMEOUT_US;
    assert(this.scpTimeoutUs > 0, "SCP timeout is positive");
    this.queue = new XtQueue(config.xtExpiryUs, config.maxQueuedXts);
    for (const chain of config.chains) {
      assert(!this.heads.has(chain.chainId), "chain ids are distinct");
      assert(chain.genesisHash.length === 32, "a genesis hash is 32 bytes");
      this.heads.set(chain.chainId, { number: 0, hash: chain.genesisHash });
      this.chainByNode.set(chain.sequencer, chain.chainId);
    }
  }

  /** The current state. */
  get phase(): PublisherPhase {
    return this.phaseValue;
  }
  /** The slot being built, or the last started (0 before the first). */
  get currentSlot(): number {
    return this.draft?.slot ?? this.lastSlot;
  }
  /** Why the SP halted (its log did not check out at a restart), or undefined. */
  get halted(): string | undefined {
    return this.haltedReason;
  }
  /** The superblock number this slot aims at. */
  get nextSuperblockNumber(): number {
    return this.nextSuperblockNumberValue;
  }
  /** The hash of the last superblock built (GENESIS_HASH before the first). */
  get lastSuperblockHash(): Uint8Array {
    return this.lastSuperblockHashValue;
  }
  /** The superblocks built, in order. */
  get superblocks(): readonly Superblock[] {
    return this.superblockList;
  }
  /** The SCP instances of the current slot, in start order. */
  get instances(): readonly PublisherInstance[] {
    return this.draft?.instances ?? [];
  }
  /** Queued xTs. */
  get queueDepth(): number {
    return this.queue.size;
  }

  start(ctx: NodeContext<SbcpMessage>): void {
    if (!this.recover(ctx)) return;
    const now = ctx.now();
    const slot = this.config.clock.slotAt(now);
    // Before slot 1, past this slot's seal time, or a slot started before a restart: wait for the next slot's
    // start; else start this slot now.
    if (slot < 1 || now >= this.config.clock.sealTimeOf(slot) || slot <= this.lastSlot) this.armSlotStart(ctx, Math.max(slot + 1, this.lastSlot + 1, 1));
    else this.beginSlot(ctx, slot);
    this.checkInvariants();
  }

  /** Reads the write-ahead log back; false (and halted) when it does not check out. */
  private recover(ctx: NodeContext<SbcpMessage>): boolean {
    const state = readPublisherLog(ctx.storage, this.config.formattedStorage === true);
    if (state.kind === "damaged") {
      this.haltedReason = state.reason;
      ctx.log("sbcp-publisher-halted", { reason: state.reason, key: state.key ?? null });
      return false;
    }
    if (state.kind === "fresh") {
      formatPublisherLog(ctx.storage);
      return true;
    }
    this.lastSlot = state.lastSlot;
    this.pendingRollBack = state.pendingRollBack;
    for (const sb of state.superblocks) {
      this.superblockList.push(sb);
      for (const b of sb.L2Blocks) this.heads.set(b.ChainID, { number: b.BlockNumber, hash: b.BlockHash });
      for (const xTid of sb.IncludedXTs) this.queue.markIncluded(xTidHex(xTid));
    }
    for (const block of state.blocks) this.blockStore.set(`${block.ChainID}/${block.BlockNumber}`, block);
    // The xTs queued before the crash, those in flight included (no built superblock holds them): queued again as they were.
    const requeued: string[] = [];
    for (const xt of state.xts) {
      const key = xTidHex(xt.xTid);
      if (this.queue.restore({ ...xt, key })) requeued.push(key);
    }
    this.nextSuperblockNumberValue = this.superblockList.length + 1;
    this.lastSuperblockHashValue = this.superblockList.at(-1)?.Hash ?? GENESIS_HASH;
    // A first boot on a formatted disk finds nothing: only a restart after some slot started is a recovery.
    if (this.lastSlot > 0 || this.superblockList.length > 0) ctx.log("sbcp-publisher-recovered", { lastSlot: this.lastSlot, superblocks: this.superblockList.length, pendingRollBack: this.pendingRollBack, requeued });
    return true;
  }

  onMessage(ctx: NodeContext<SbcpMessage>, from: NodeId, msg: SbcpMessage): void {
    if (this.haltedReason !== undefined) return;
    this.handleMessage(ctx, from, msg);
    this.checkInvariants();
  }

  private handleMessage(ctx: NodeContext<SbcpMessage>, from: NodeId, msg: SbcpMessage): void {
    switch (msg.type) {
      case "xTRequest":
        return this.onXTRequest(ctx, from, msg);
      case "Vote":
        return this.onVote(ctx, from, msg);
      case "L2Block":
        return this.onL2Block(ctx, from, msg);
      case "L2BlockRequest":
        return this.onL2BlockRequest(ctx, from, msg);
      default:
        ctx.log("sbcp-message-ignored", { from, type: msg.type, reason: "not a message the SP handles" });
    }
  }

  onTimer(ctx: NodeContext<SbcpMessage>, timer: TimerId, tag: string): void {
    if (this.haltedReason !== undefined) return;
    this.handleTimer(ctx, timer, tag);
    this.checkInvariants();
  }

  /**
   * The SP's invariants, checked after every step (TigerBeetle style): Locked
   * exactly when the top instance is undecided; every other instance decided;
   * sequence numbers 0, 1, ... in the slot; superblock numbers contiguous with
   * the next number and last hash; a finished slot waits in StartingSlot.
   * @throws AssertionError when one breaks (a programmer error)
   */
  checkInvariants(): void {
    const instances = this.draft?.instances ?? [];
    const top = instances.at(-1);
    assert((this.phaseValue === "Locked") === (top !== undefined && top.decision === undefined), "Locked exactly when the top instance is undecided");
    for (let i = 0; i < instances.length - 1; i++) assert(instances[i]!.decision !== undefined, "only the top instance may be undecided");
    if (top !== undefined) assert(top.sequenceNumber === instances.length - 1, "sequence numbers 0, 1, ... in the slot");
    assert(this.nextSuperblockNumberValue === this.superblockList.length + 1, "the next superblock number follows the last built");
    const last = this.superblockList.at(-1);
    assert(last === undefined ? bytesEqual(this.lastSuperblockHashValue, GENESIS_HASH) : this.lastSuperblockHashValue === last.Hash, "the last superblock hash is the last built");
    if (this.draft?.finished === true) assert(this.phaseValue === "StartingSlot", "a finished slot waits for the next in StartingSlot");
    if (this.phaseValue === "Sealing") assert(this.draft !== undefined && !this.draft.finished, "Sealing belongs to an unfinished slot");
  }

  private handleTimer(ctx: NodeContext<SbcpMessage>, timer: TimerId, tag: string): void {
    if (tag === "slot-start" && timer === this.slotTimer) {
      this.slotTimer = undefined;
      this.onSlotStartTimeout(ctx);
    } else if (tag === "seal" && timer === this.sealTimer) {
      this.sealTimer = undefined;
      this.onSealTimeout(ctx);
    } else if (tag === "scp-timeout" && timer === this.scpTimer) {
      this.scpTimer = undefined;
      this.onScpTimeout(ctx);
    }
  }

  /**
   * The settlement layer reported superblocks after `lastValidNumber` invalid
   * (SBCP, "Rollback"): forgets them, aborts the current slot (deciding an open
   * instance false), and at the next slot's start sends RollBackAndStartSlot
   * (per chain the block after its last valid one) instead of StartSlot.
   * Sent at the next slot and not at once because a sequencer ignores a
   * RollBackAndStartSlot whose slot is not above its draft's.
   */
  requestRollBack(ctx: NodeContext<SbcpMessage>, lastValidNumber: number): void {
    assert(lastValidNumber >= 0 && lastValidNumber < this.nextSuperblockNumberValue, "roll back to a superblock that was built (or 0)");
    logRollBack(ctx.storage, lastValidNumber);
    const dropped = this.superblockList.splice(lastValidNumber);
    this.nextSuperblockNumberValue = lastValidNumber + 1;
    this.lastSuperblockHashValue = this.superblockList.at(-1)?.Hash ?? GENESIS_HASH;
    for (const chain of this.config.chains) this.heads.set(chain.chainId, { number: 0, hash: chain.genesisHash });
    for (const sb of this.superblockList) for (const b of sb.L2Blocks) this.heads.set(b.ChainID, { number: b.BlockNumber, hash: b.BlockHash });
    if (this.draft !== undefined && !this.draft.finished) {
      if (this.phaseValue === "Locked") this.decideTopFalse(ctx, "rollback", false);
      this.giveUpSlot(ctx, "rollback");
    }
    this.cancel(ctx, "seal");
    this.pendingRollBack = true;
    ctx.log("sbcp-rollback", { lastValidNumber, dropped: dropped.map((sb) => sb.Number) });
  }

  // --- slots -----------------------------------------------------------------

  private armSlotStart(ctx: NodeContext<SbcpMessage>, slot: number): void {
    this.cancel(ctx, "slot-start");
    this.slotTimer = ctx.setTimer(Math.max(this.config.clock.startOf(slot) - ctx.now(), 0), "slot-start");
  }

  private onSlotStartTimeout(ctx: NodeContext<SbcpMessage>): void {
    if (this.draft !== undefined && !this.draft.finished) this.finishSlot(ctx, true);
    this.beginSlot(ctx, Math.max(this.config.clock.slotAt(ctx.now()), this.currentSlot + 1));
  }

  /** StartingSlot: sends StartSlot (or RollBackAndStartSlot) for `slot`, goes Free. */
  private beginSlot(ctx: NodeContext<SbcpMessage>, slot: number): void {
    assert(slot > this.currentSlot, "slots increase");
    assert(this.draft === undefined || this.draft.finished, "the previous slot is finished");
    this.phaseValue = "StartingSlot";
    this.expireXts(ctx);
    const requests = new Map<ChainId, L2BlockRequest>();
    for (const chain of this.config.chains) {
      const head = this.heads.get(chain.chainId)!;
      requests.set(chain.chainId, { ChainID: chain.chainId, BlockNumber: head.number + 1, ParentHash: head.hash });
    }
    this.draft = { slot, requests, received: new Map(), instances: [], attempted: [], finished: false };
    const L2BlocksRequest = [...requests.values()];
    const rollBack = this.pendingRollBack;
    // Write ahead: the slot is started (and the rollback paid) on disk before its StartSlot goes out.
    logSlotStarted(ctx.storage, slot, false);
    this.lastSlot = slot;
    this.pendingRollBack = false;
    // Logged before it goes out (as every SP event that announces a send): a crash right after a send must not
    // leave a message the checkers never saw the SP take.
    ctx.log("sbcp-slot-started", { slot, superblockNumber: this.nextSuperblockNumberValue, rollBack, queued: this.queue.size });
    for (const chain of this.config.chains) {
      if (rollBack) ctx.send(chain.sequencer, { type: "RollBackAndStartSlot", L2BlocksRequest, CurrentSlot: slot, NextSuperblockNumber: this.nextSuperblockNumberValue, LastSuperblockHash: this.lastSuperblockHashValue });
      else ctx.send(chain.sequencer, { type: "StartSlot", Slot: slot, NextSuperblockNumber: this.nextSuperblockNumberValue, LastSuperblockHash: this.lastSuperblockHashValue, L2BlocksRequest });
    }
    this.phaseValue = "Free";
    this.cancel(ctx, "seal");
    this.sealTimer = ctx.setTimer(Math.max(this.config.clock.sealTimeOf(slot) - ctx.now(), 0), "seal");
    this.armSlotStart(ctx, slot + 1);
    this.startNextInstance(ctx);
  }

  /** At the seal cut-over: decide an open instance false, send RequestSeal, go Sealing. */
  private onSealTimeout(ctx: NodeContext<SbcpMessage>): void {
    const draft = this.draft;
    assert(draft !== undefined, "a seal timer belongs to a slot");
    if (draft.finished) return;
    if (this.phaseValue === "Locked") this.decideTopFalse(ctx, "seal cut-over", false);
    assert(this.phaseValue === "Free", "sealing from Free");
    const IncludedxTs = draft.instances.filter((i) => i.decision === true).map((i) => i.xTid);
    this.phaseValue = "Sealing";
    ctx.log("sbcp-seal-requested", { slot: draft.slot, included: IncludedxTs.length, instances: draft.instances.length });
    for (const chain of this.config.chains) ctx.send(chain.sequencer, { type: "RequestSeal", Slot: draft.slot, IncludedxTs });
  }

  /** Builds the superblock from the blocks received, or gives the slot up (`atSlotEnd`: the partial rule applies). */
  private finishSlot(ctx: NodeContext<SbcpMessage>, atSlotEnd: boolean): void {
    const draft = this.draft;
    assert(draft !== undefined, "a slot to finish");
    assert(!draft.finished, "a slot finishes once");
    if (this.phaseValue !== "Sealing") {
      // The seal never went out (the SP started this slot after its cut-over, or a rollback aborted it).
      return this.giveUpSlot(ctx, "not sealed");
    }
    const received = [...draft.received.values()];
    if (received.some((r) => !r.validHeader)) return this.giveUpSlot(ctx, "invalid header");
    if (received.some((r) => !r.validXts)) return this.giveUpSlot(ctx, "invalid CIRC checks (included xTs)");
    const complete = received.length === this.config.chains.length;
    if (!complete) {
      assert(atSlotEnd, "an incomplete slot finishes at its end");
      if (received.length === 0) return this.giveUpSlot(ctx, "no L2 block");
      const have = new Set(draft.received.keys());
      for (const instance of draft.instances) {
        if (instance.decision !== true) continue;
        const touches = instance.participants.some((c) => have.has(c));
        if (touches && !instance.participants.every((c) => have.has(c))) return this.giveUpSlot(ctx, "partial rule: a decided xT misses a chain");
      }
    }
    const have = new Set(draft.received.keys());
    const included = draft.instances.filter((i) => i.decision === true && i.participants.every((c) => have.has(c)));
    const entries: SuperblockEntry[] = received.map(({ block }) => ({ ChainID: block.ChainID, BlockNumber: block.BlockNumber, BlockHash: block.BlockHash, ParentBlockHash: block.ParentBlockHash }));
    const sb = buildSuperblock(this.nextSuperblockNumberValue, draft.slot, this.lastSuperblockHashValue, entries, included.map((i) => i.xTid), !complete);
    // Write ahead: the superblock and its blocks are on disk before it counts.
    logSuperblock(ctx.storage, sb, received.map((r) => r.block));
    this.superblockList.push(sb);
    this.nextSuperblockNumberValue += 1;
    this.lastSuperblockHashValue = sb.Hash;
    for (const { block } of received) {
      this.heads.set(block.ChainID, { number: block.BlockNumber, hash: block.BlockHash });
      this.blockStore.set(`${block.ChainID}/${block.BlockNumber}`, block);
    }
    const includedKeys = new Set(included.map((i) => xTidHex(i.xTid)));
    for (const key of includedKeys) this.queue.markIncluded(key);
    // A decided-true xT whose chains' blocks all missed this superblock was not executed anywhere: queue it again.
    for (const entry of draft.attempted) {
      const instance = draft.instances.find((i) => bytesEqual(i.xTid, entry.xTid));
      if (instance?.decision === true && !includedKeys.has(entry.key)) this.requeue(ctx, entry);
      // Decided false (or never decided): settled, not queued again.
      else if (!includedKeys.has(entry.key)) logXtsSettled(ctx.storage, [entry.key]);
    }
    draft.finished = true;
    this.phaseValue = "StartingSlot";
    ctx.log("sbcp-superblock", {
      number: sb.Number,
      slot: sb.Slot,
      partial: sb.partial,
      hash: toHex(sb.Hash),
      parentHash: toHex(sb.ParentHash),
      blocks: sb.L2Blocks.map((b) => ({ chain: b.ChainID, number: b.BlockNumber, hash: toHex(b.BlockHash) })),
      xTids: sb.IncludedXTs.map(toHex),
    });
  }

  /** DontBuildSuperblock: re-queue every xT attempted this slot. */
  private giveUpSlot(ctx: NodeContext<SbcpMessage>, reason: string): void {
    const draft = this.draft;
    assert(draft !== undefined, "a slot to give up");
    for (const entry of draft.attempted) this.requeue(ctx, entry);
    draft.finished = true;
    this.phaseValue = "StartingSlot";
    ctx.log("sbcp-superblock-not-built", { slot: draft.slot, reason, requeued: draft.attempted.length });
  }

  /** Queues an attempted xT again (one more attempt) and logs it so; a restart finds it queued. */
  private requeue(ctx: NodeContext<SbcpMessage>, entry: QueuedXt): void {
    this.queue.requeue(entry);
    const queued = this.queue.get(entry.key);
    if (queued !== undefined) logXtQueued(ctx.storage, queued);
  }

  /** Drops the expired xTs from the queue and the log. */
  private expireXts(ctx: NodeContext<SbcpMessage>): void {
    const expired = this.queue.expire(ctx.now());
    for (const e of expired) ctx.log("sbcp-xt-expired", { xTid: e.key, attempts: e.attempts });
    logXtsSettled(ctx.storage, expired.map((e) => e.key));
  }

  // --- SCP -------------------------------------------------------------------

  private onXTRequest(ctx: NodeContext<SbcpMessage>, from: NodeId, request: XTRequest): void {
    const refusal = this.checkRequest(request);
    if (refusal !== undefined) {
      ctx.log("sbcp-xt-refused", { from, reason: refusal });
      return;
    }
    const xTid = xTidOf(request);
    const key = xTidHex(xTid);
    // An xT attempted this slot is out of the queue but not settled (its instance runs, or it was decided and
    // waits for the superblock): a second copy (the client's retry, a duplicated message) would run it twice.
    if (this.draft !== undefined && !this.draft.finished && this.draft.attempted.some((e) => e.key === key)) {
      ctx.log("sbcp-xt-refused", { from, xTid: key, reason: "in-flight" });
      return;
    }
    const refused = this.queue.push(xTid, key, request, ctx.now());
    if (refused !== undefined) {
      ctx.log("sbcp-xt-refused", { from, xTid: key, reason: refused });
      return;
    }
    // Write ahead: the queued xT survives a restart.
    logXtQueued(ctx.storage, this.queue.get(key)!);
    ctx.log("sbcp-xt-queued", { from, xTid: key, queued: this.queue.size });
    this.startNextInstance(ctx);
  }

  /** Why `request` cannot run here: no transactions, an empty part, or a chain that is not active. */
  private checkRequest(request: XTRequest): string | undefined {
    if (request.Transactions.length === 0) return "no transaction requests";
    for (const part of request.Transactions) {
      if (part.Transaction.length === 0) return `chain ${part.ChainID}: no transactions`;
      if (!this.heads.has(part.ChainID)) return `chain ${part.ChainID} is not an active rollup`;
    }
    return undefined;
  }

  /** Free: start the top xT's instance (one at a time), go Locked. */
  private startNextInstance(ctx: NodeContext<SbcpMessage>): void {
    if (this.phaseValue !== "Free") return;
    const draft = this.draft;
    assert(draft !== undefined, "Free belongs to a slot");
    this.expireXts(ctx);
    const entry = this.queue.pop();
    if (entry === undefined) return;
    const last = draft.instances.at(-1);
    assert(last === undefined || last.decision !== undefined, "one SCP instance at a time");
    const sequenceNumber = last === undefined ? 0 : last.sequenceNumber + 1;
    const instance = new PublisherInstance(entry.xTid, draft.slot, sequenceNumber, entry.request);
    draft.instances.push(instance);
    draft.attempted.push(entry);
    this.phaseValue = "Locked";
    ctx.log("sbcp-instance-started", { slot: draft.slot, xTid: entry.key, sequenceNumber, participants: instance.participants, attempts: entry.attempts });
    for (const chain of this.config.chains) ctx.send(chain.sequencer, { type: "StartSC", Slot: draft.slot, xTSequenceNumber: sequenceNumber, xTRequest: entry.request, xTid: entry.xTid });
    this.cancel(ctx, "scp-timeout");
    this.scpTimer = ctx.setTimer(this.scpTimeoutUs, "scp-timeout");
  }

  private onVote(ctx: NodeContext<SbcpMessage>, from: NodeId, vote: Vote): void {
    const refuse = (reason: string): void => ctx.log("sbcp-vote-refused", { from, chain: vote.SenderChain, xTid: xTidHex(vote.xTid), reason });
    if (this.chainByNode.get(from) !== vote.SenderChain) return refuse("sender is not that chain's sequencer");
    const top = this.draft?.instances.at(-1);
    if (this.phaseValue !== "Locked" || top === undefined) return refuse("no open instance");
    if (vote.Slot !== top.slot || !bytesEqual(vote.xTid, top.xTid)) return refuse("not the open instance");
    const outcome = top.onVote(vote.SenderChain, vote.Vote);
    if (outcome.kind === "refused") return refuse(outcome.reason);
    if (outcome.kind === "decided") this.afterDecision(ctx, outcome.decision, vote.Vote ? "all voted true" : "a false vote");
  }

  private onScpTimeout(ctx: NodeContext<SbcpMessage>): void {
    if (this.phaseValue !== "Locked") return;
    this.decideTopFalse(ctx, "SCP timeout", true);
  }

  /** Decides the open instance false without every vote (SCP timer, seal cut-over, rollback) and sends Decided; `startNext` starts the next instance. */
  private decideTopFalse(ctx: NodeContext<SbcpMessage>, reason: string, startNext: boolean): void {
    const top = this.draft?.instances.at(-1);
    assert(this.phaseValue === "Locked", "deciding from Locked");
    assert(top !== undefined, "Locked has an open instance");
    const outcome = top.onTimeout();
    assert(outcome?.kind === "decided", "the open instance was undecided");
    this.afterDecision(ctx, false, reason, startNext);
  }

  /** Sends exactly one Decided for the open instance, goes Free, and (unless sealing) starts the next one. */
  private afterDecision(ctx: NodeContext<SbcpMessage>, decision: boolean, reason: string, startNext = true): void {
    const draft = this.draft!;
    const top = draft.instances.at(-1)!;
    assert(top.decision === decision, "the decision sent is the instance's");
    this.cancel(ctx, "scp-timeout");
    this.phaseValue = "Free";
    // Logged before the Decided goes out: a crash right after its first send must not leave a sequencer applying a decision the checkers never saw.
    ctx.log("sbcp-decided", { slot: draft.slot, xTid: xTidHex(top.xTid), decision, reason, sequenceNumber: top.sequenceNumber });
    for (const chain of this.config.chains) ctx.send(chain.sequencer, { type: "Decided", xTid: top.xTid, Decision: decision, Slot: draft.slot });
    if (startNext) this.startNextInstance(ctx);
  }

  // --- blocks ----------------------------------------------------------------

  private onL2Block(ctx: NodeContext<SbcpMessage>, from: NodeId, block: L2Block): void {
    const refuse = (reason: string): void => ctx.log("sbcp-block-refused", { from, chain: block.ChainID, slot: block.Slot, number: block.BlockNumber, reason });
    const draft = this.draft;
    if (this.chainByNode.get(from) !== block.ChainID) return refuse("sender is not that chain's sequencer");
    if (draft === undefined || draft.finished || this.phaseValue !== "Sealing") return refuse("not sealing");
    if (block.Slot !== draft.slot) return refuse("stale slot");
    if (draft.received.has(block.ChainID)) return refuse("duplicate");
    const request = draft.requests.get(block.ChainID)!;
    const validHeader = block.BlockNumber === request.BlockNumber && bytesEqual(block.ParentBlockHash, request.ParentHash);
    const expected = draft.instances.filter((i) => i.decision === true && i.participants.includes(block.ChainID)).map((i) => i.xTid);
    const validXts = expected.length === block.IncludedxTs.length && expected.every((x, i) => bytesEqual(x, block.IncludedxTs[i]!));
    draft.received.set(block.ChainID, { block, validHeader, validXts });
    if (draft.received.size === this.config.chains.length) this.finishSlot(ctx, false);
  }

  private onL2BlockRequest(ctx: NodeContext<SbcpMessage>, from: NodeId, request: L2BlockRequest): void {
    if (this.chainByNode.get(from) !== request.ChainID) return ctx.log("sbcp-block-request-refused", { from, chain: request.ChainID, reason: "sender is not that chain's sequencer" });
    const block = this.blockStore.get(`${request.ChainID}/${request.BlockNumber}`);
    if (block === undefined || !bytesEqual(block.ParentBlockHash, request.ParentHash)) return ctx.log("sbcp-block-request-refused", { from, chain: request.ChainID, number: request.BlockNumber, reason: "no such block" });
    ctx.send(from, { type: "L2Block", ...block });
  }

  private cancel(ctx: NodeContext<SbcpMessage>, which: "slot-start" | "seal" | "scp-timeout"): void {
    const id = which === "slot-start" ? this.slotTimer : which === "seal" ? this.sealTimer : this.scpTimer;
    if (id !== undefined) ctx.cancelTimer(id);
    if (which === "slot-start") this.slotTimer = undefined;
    else if (which === "seal") this.sealTimer = undefined;
    else this.scpTimer = undefined;
  }
}

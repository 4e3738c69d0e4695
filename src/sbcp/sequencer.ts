/**
 * A rollup's sequencer in SBCP v1 (`superblock_construction_protocol.md`,
 * "Protocol", sequencer), a sans-IO node.
 *
 * States Waiting, Building-Free, Building-Locked, Submission. StartSlot and
 * RollBackAndStartSlot are handled alike in any state: ignored when the draft's
 * slot is not below the message's or no request names this chain; else the
 * draft is reset onto the requested parent (reverting newer blocks if the
 * parent is an older block of ours) and the sequencer goes Building-Free. In
 * Building-Free local transactions are applied; a StartSC of the draft's slot
 * with the next sequence number opens an SCP instance ({@link SequencerInstance})
 * and the sequencer goes Building-Locked, where no local transaction enters
 * (they wait); a StartSC out of order (a later slot, a gap in sequence numbers,
 * or while an instance is undecided) is held back, not dropped, and processed
 * when its turn comes. CIRC messages and Decided count for the top instance
 * only (slot and xTid match); CIRC messages and Decided of an instance not
 * started yet (its StartSC reordered behind them) are held back too. Decided goes back to Building-Free. RequestSeal in
 * Building-Free is ignored for another slot, or when the xTs this chain
 * included are not a subset of its IncludedxTs; in Building-Locked (Decided
 * lost or late) the top instance is taken as decided true when its xTid is
 * listed, then the same check. Submission seals the block, sends L2Block to the
 * SP and goes Waiting. Produced blocks are kept (a rollback may need them).
 *
 * Interpretations where the spec is silent: in Building-Locked, a RequestSeal
 * that does not list the top xTid decides it false (the SP lists exactly the
 * xTs decided true); a sequencer whose chain has no transaction in an xT
 * still follows the instance (Building-Locked until Decided) but neither
 * simulates nor votes; a StartSlot whose parent this sequencer does not have
 * makes it fetch the missing blocks with L2BlockRequest (SBCP, "Recovery") and
 * stay Waiting until the next StartSlot.
 *
 * Durability: every block sealed or recovered is written and synced to the
 * node's storage before it is sent (`wal/sequencer-log.ts`); blocks a StartSlot
 * reverts are deleted. A restarted sequencer replays its stored blocks from
 * genesis (checking each hash and state root; the log is cut at the first
 * block that does not check out, logged as `sbcp-log-cut`), then stays Waiting
 * until the next StartSlot and fetches any block it lacks with L2BlockRequest.
 *
 * Not yet here (issue 17): publishing to its own DA.
 *
 * Logged events (`systems/sbcp/events.ts` declares their fields): `sbcp-sequencer-started`, `sbcp-message-ignored`, `sbcp-slot-ignored`, `sbcp-draft-started`, `sbcp-reverted`,
 * `sbcp-recovering`, `sbcp-recovered-block`, `sbcp-local-refused`,
 * `sbcp-startsc-held`, `sbcp-startsc-dropped`, `sbcp-instance-joined`,
 * `sbcp-circ-sent`, `sbcp-circ-ignored`, `sbcp-voted`, `sbcp-instance-decided`,
 * `sbcp-decided-held`, `sbcp-decided-ignored`, `sbcp-seal-ignored`, `sbcp-block-sealed`, `sbcp-log-cut`.
 */
import { bytesEqual, concatBytes, sha256, toHex, u64 } from "../crypto/hash.js";
import { assert } from "../sim/assert.js";
import type { Node, NodeContext, NodeId, TimerId } from "../sim/node.js";
import type { ChainExecutor, ExecutorSnapshot } from "./execution.js";
import type { ChainId, CIRCMessage, Decided, L2Block, L2BlockRequest, RequestSeal, SbcpMessage, StartSC } from "./messages.js";
import { SequencerInstance, type InstanceEffects } from "./scp/sequencer-instance.js";
import { DEFAULT_SCP_TIMEOUT_US } from "./shared-publisher.js";
import { chainIdBytes } from "./wire/fields.js";
import { circDigest } from "./circ-digest.js";
import { xTidHex, xTidOf } from "./xt-id.js";
import { logBlock, logRevert, readSequencerLog } from "./wal/sequencer-log.js";

/** The sequencer's settings. Times are microseconds. */
export interface SequencerConfig {
  readonly chainId: ChainId;
  /** The shared publisher's node id. */
  readonly publisher: NodeId;
  /** Every rollup's sequencer node id, by chain (CIRC messages go there). */
  readonly sequencers: ReadonlyMap<ChainId, NodeId>;
  /** The hash block 1 builds on. */
  readonly genesisHash: Uint8Array;
  /** This chain's execution engine, at its genesis state. */
  readonly executor: ChainExecutor;
  /** SCP timer: without a vote by then the sequencer votes false (default 3 s). */
  readonly scpTimeoutUs?: number;
  /** Most local transactions waiting while not Building-Free (default 10 000). */
  readonly maxPendingLocal?: number;
  /** Most StartSC and CIRC messages held back (default 1 000 each). */
  readonly maxHeldBack?: number;
}

/** The sequencer's states (spec names). */
export type SequencerPhase = "Waiting" | "BuildingFree" | "BuildingLocked" | "Submission";

/** A block this sequencer sealed or recovered. */
export interface SealedBlock {
  readonly number: number;
  readonly hash: Uint8Array;
  readonly parentHash: Uint8Array;
  readonly slot: number;
  readonly includedxTs: readonly Uint8Array[];
  readonly block: Uint8Array;
  /** The executor's state after this block. */
  readonly snapshot: ExecutorSnapshot;
}

/** The block being built (spec: `draft`). */
export interface SequencerDraft {
  readonly l2BlockNumber: number;
  readonly l2ParentHash: Uint8Array;
  readonly slot: number;
  readonly superblockNumber: number;
  readonly txs: Uint8Array[];
  readonly includedxTs: Uint8Array[];
  readonly scpInstances: SequencerInstance[];
  /** The local transactions among `txs`, to put back if the draft is dropped unsealed. */
  readonly localTxs: Uint8Array[];
}

/** The hash of an L2 block: sha256(ChainID BE4 || BlockNumber BE8 || ParentHash || Slot BE8 || sha256(Block)). */
export function l2BlockHash(chainId: ChainId, number: number, parentHash: Uint8Array, slot: number, block: Uint8Array): Uint8Array {
  return sha256(concatBytes(chainIdBytes(chainId), u64(number), parentHash, u64(slot), sha256(block)));
}

/** A rollup's sequencer node. */
export class Sequencer implements Node<SbcpMessage> {
  private phaseValue: SequencerPhase = "Waiting";
  private readonly sealed: SealedBlock[];
  private draftValue: SequencerDraft | undefined;
  private heldStartSC: StartSC[] = [];
  private heldCirc: CIRCMessage[] = [];
  private heldDecided: Decided[] = [];
  private pendingLocal: Uint8Array[] = [];
  private scpTimer: TimerId | undefined;
  private readonly scpTimeoutUs: number;
  private readonly maxPendingLocal: number;
  private readonly maxHeldBack: number;

  constructor(private readonly config: SequencerConfig) {
    assert(config.genesisHash.length === 32, "a genesis hash is 32 bytes");
    assert(config.executor.chainId === config.chainId, "the executor is this chain's");
    this.scpTimeoutUs = config.scpTimeoutUs ?? DEFAULT_SCP_TIMEOUT_US;
    this.maxPendingLocal = config.maxPendingLocal ?? 10_000;
    this.maxHeldBack = config.maxHeldBack ?? 1_000;
    assert(this.scpTimeoutUs > 0, "SCP timeout is positive");
    const genesis = config.executor.snapshot();
    this.sealed = [{ number: 0, hash: config.genesisHash, parentHash: new Uint8Array(32), slot: 0, includedxTs: [], block: new Uint8Array(0), snapshot: genesis }];
  }

  /** The current state. */
  get phase(): SequencerPhase {
    return this.phaseValue;
  }
  /** The block being built, if any. */
  get draft(): SequencerDraft | undefined {
    return this.draftValue;
  }
  /** The last block sealed or recovered (block 0 is genesis). */
  get head(): SealedBlock {
    return this.sealed.at(-1)!;
  }
  /** Every block from genesis (index = block number). */
  get blocks(): readonly SealedBlock[] {
    return this.sealed;
  }
  /** StartSC messages held back, in arrival order. */
  get heldBack(): readonly StartSC[] {
    return this.heldStartSC;
  }
  /** Local transactions waiting for Building-Free. */
  get pendingLocalCount(): number {
    return this.pendingLocal.length;
  }

  start(ctx: NodeContext<SbcpMessage>): void {
    this.replayLog(ctx);
    // [*] -> Waiting: idle until a StartSlot.
    this.phaseValue = "Waiting";
    ctx.log("sbcp-sequencer-started", { chain: this.config.chainId, head: this.head.number, hash: toHex(this.head.hash), supply: this.config.executor.supply() });
    this.checkInvariants();
  }

  onMessage(ctx: NodeContext<SbcpMessage>, from: NodeId, msg: SbcpMessage): void {
    this.handleMessage(ctx, from, msg);
    this.checkInvariants();
  }

  /** Replays the blocks of the write-ahead log from genesis; cuts the log at the first that does not check out. */
  private replayLog(ctx: NodeContext<SbcpMessage>): void {
    assert(this.sealed.length === 1, "replay starts from genesis");
    const state = readSequencerLog(ctx.storage, this.config.chainId, this.config.genesisHash);
    let cut = state.cut;
    for (const block of state.blocks) {
      const head = this.head;
      const hash = l2BlockHash(block.ChainID, block.BlockNumber, block.ParentBlockHash, block.Slot, block.Block);
      const refused = bytesEqual(hash, block.BlockHash) ? this.config.executor.replayBlock(block.Block) : "block hash differs";
      if (refused !== undefined) {
        this.config.executor.restore(head.snapshot);
        cut = { reason: `block ${block.BlockNumber}: ${refused}`, key: `block ${block.BlockNumber}` };
        break;
      }
      this.sealed.push({ number: block.BlockNumber, hash: block.BlockHash, parentHash: block.ParentBlockHash, slot: block.Slot, includedxTs: block.IncludedxTs, block: block.Block, snapshot: this.config.executor.snapshot() });
    }
    if (cut !== undefined) {
      logRevert(ctx.storage, this.head.number);
      ctx.log("sbcp-log-cut", { chain: this.config.chainId, kept: this.head.number, reason: cut.reason, key: cut.key });
    }
  }

  /**
   * The sequencer's invariants, checked after every step: Building-Locked
   * exactly when the top instance is undecided; only the top instance may be
   * undecided; a building draft extends the head; block numbers are indexes and
   * the head links to its parent.
   * @throws AssertionError when one breaks (a programmer error)
   */
  checkInvariants(): void {
    const draft = this.draftValue;
    const top = draft?.scpInstances.at(-1);
    assert((this.phaseValue === "BuildingLocked") === (top !== undefined && top.decision === undefined), "Building-Locked exactly when the top instance is undecided");
    if (this.phaseValue === "BuildingFree" || this.phaseValue === "BuildingLocked") {
      assert(draft !== undefined, "building has a draft");
      assert(draft.l2BlockNumber === this.head.number + 1, "the draft extends the head");
      assert(bytesEqual(draft.l2ParentHash, this.head.hash), "the draft builds on the head");
      for (let i = 0; i < draft.scpInstances.length - 1; i++) assert(draft.scpInstances[i]!.decision !== undefined, "only the top instance may be undecided");
    }
    assert(this.phaseValue !== "Submission", "Submission ends within the step");
    const head = this.head;
    assert(this.sealed[head.number] === head, "block numbers are indexes");
    if (head.number > 0) assert(bytesEqual(head.parentHash, this.sealed[head.number - 1]!.hash), "the head links to its parent");
  }

  private handleMessage(ctx: NodeContext<SbcpMessage>, from: NodeId, msg: SbcpMessage): void {
    switch (msg.type) {
      case "StartSlot":
        if (from !== this.config.publisher) return this.ignore(ctx, from, msg.type);
        return this.onStartSlot(ctx, msg.Slot, msg.NextSuperblockNumber, msg.L2BlocksRequest, "StartSlot");
      case "RollBackAndStartSlot":
        if (from !== this.config.publisher) return this.ignore(ctx, from, msg.type);
        return this.onStartSlot(ctx, msg.CurrentSlot, msg.NextSuperblockNumber, msg.L2BlocksRequest, "RollBackAndStartSlot");
      case "StartSC":
        if (from !== this.config.publisher) return this.ignore(ctx, from, msg.type);
        return this.onStartSC(ctx, msg);
      case "CIRCMessage":
        if (this.config.sequencers.get(msg.SourceChainID) !== from) return this.ignore(ctx, from, msg.type);
        return this.onCirc(ctx, msg);
      case "Decided":
        if (from !== this.config.publisher) return this.ignore(ctx, from, msg.type);
        return this.onDecided(ctx, msg);
      case "RequestSeal":
        if (from !== this.config.publisher) return this.ignore(ctx, from, msg.type);
        return this.onRequestSeal(ctx, msg);
      case "L2Block":
        if (from !== this.config.publisher) return this.ignore(ctx, from, msg.type);
        return this.onRecoveredBlock(ctx, msg);
      case "LocalTransaction":
        return this.onLocalTransaction(ctx, msg.Transaction);
      case "xTRequest":
        // A user may submit an xT to any sequencer: forward it to the SP.
        ctx.send(this.config.publisher, msg);
        return;
      default:
        return this.ignore(ctx, from, msg.type);
    }
  }

  onTimer(ctx: NodeContext<SbcpMessage>, timer: TimerId, tag: string): void {
    if (tag === "scp-timeout" && timer === this.scpTimer) {
      this.scpTimer = undefined;
      const top = this.draftValue?.scpInstances.at(-1);
      if (this.phaseValue === "BuildingLocked" && top !== undefined) this.send(ctx, top, top.onTimeout());
    }
    this.checkInvariants();
  }

  private ignore(ctx: NodeContext<SbcpMessage>, from: NodeId, type: string): void {
    ctx.log("sbcp-message-ignored", { from, type, reason: "unexpected sender or type" });
  }

  // --- slots -----------------------------------------------------------------

  private onStartSlot(ctx: NodeContext<SbcpMessage>, slot: number, superblockNumber: number, requests: readonly L2BlockRequest[], kind: string): void {
    const draft = this.draftValue;
    if (draft !== undefined && draft.slot >= slot) return ctx.log("sbcp-slot-ignored", { kind, slot, draftSlot: draft.slot, reason: "stale slot" });
    const request = requests.find((r) => r.ChainID === this.config.chainId);
    if (request === undefined) return ctx.log("sbcp-slot-ignored", { kind, slot, reason: "no request for this chain" });
    if (request.BlockNumber < 1) return ctx.log("sbcp-slot-ignored", { kind, slot, reason: "block number 0" });
    const base = this.sealed[request.BlockNumber - 1];
    if (base === undefined) {
      // We lack the parent: fetch the next missing block; stay idle until a later StartSlot.
      this.dropDraft(ctx);
      this.phaseValue = "Waiting";
      this.requestNextBlock(ctx);
      return ctx.log("sbcp-recovering", { slot, head: this.head.number, requested: request.BlockNumber });
    }
    if (!bytesEqual(base.hash, request.ParentHash)) return ctx.log("sbcp-slot-ignored", { kind, slot, reason: "parent hash differs from our block", number: base.number });
    this.dropDraft(ctx);
    if (this.head.number > base.number) {
      logRevert(ctx.storage, base.number);
      const reverted = this.sealed.splice(base.number + 1);
      ctx.log("sbcp-reverted", { kind, to: base.number, reverted: reverted.map((b) => b.number) });
    }
    this.config.executor.restore(base.snapshot);
    this.draftValue = { l2BlockNumber: request.BlockNumber, l2ParentHash: request.ParentHash, slot, superblockNumber, txs: [], includedxTs: [], scpInstances: [], localTxs: [] };
    // Held-back messages of older slots can never run now.
    this.heldStartSC = this.heldStartSC.filter((m) => m.Slot >= slot);
    this.heldCirc = this.heldCirc.filter((m) => m.Slot >= slot);
    this.heldDecided = this.heldDecided.filter((m) => m.Slot >= slot);
    this.phaseValue = "BuildingFree";
    ctx.log("sbcp-draft-started", { kind, slot, number: request.BlockNumber, superblockNumber });
    this.resumeBuildingFree(ctx);
  }

  /** Drops an unsealed draft: its local transactions wait again, its open instance's timer stops. */
  private dropDraft(ctx: NodeContext<SbcpMessage>): void {
    if (this.draftValue !== undefined && (this.phaseValue === "BuildingFree" || this.phaseValue === "BuildingLocked")) {
      this.pendingLocal = [...this.draftValue.localTxs, ...this.pendingLocal].slice(0, this.maxPendingLocal);
    }
    this.cancelScpTimer(ctx);
    this.draftValue = undefined;
  }

  /** In Building-Free: applies waiting local transactions, then the next held-back StartSC if its turn came. */
  private resumeBuildingFree(ctx: NodeContext<SbcpMessage>): void {
    assert(this.phaseValue === "BuildingFree", "resuming in Building-Free");
    const pending = this.pendingLocal;
    this.pendingLocal = [];
    for (const tx of pending) this.applyLocal(ctx, tx);
    const draft = this.draftValue!;
    const expected = (draft.scpInstances.at(-1)?.sequenceNumber ?? -1) + 1;
    const next = this.heldStartSC.find((m) => m.Slot === draft.slot && m.xTSequenceNumber === expected);
    if (next !== undefined) {
      this.heldStartSC = this.heldStartSC.filter((m) => m !== next);
      this.startInstance(ctx, next);
    }
  }

  // --- local transactions ----------------------------------------------------

  private onLocalTransaction(ctx: NodeContext<SbcpMessage>, tx: Uint8Array): void {
    if (this.phaseValue === "BuildingFree") return this.applyLocal(ctx, tx);
    if (this.pendingLocal.length >= this.maxPendingLocal) return ctx.log("sbcp-local-refused", { reason: "pending queue full" });
    this.pendingLocal.push(tx);
  }

  private applyLocal(ctx: NodeContext<SbcpMessage>, tx: Uint8Array): void {
    assert(this.phaseValue === "BuildingFree", "local transactions enter only in Building-Free");
    const refused = this.config.executor.applyLocal(tx);
    if (refused !== undefined) return ctx.log("sbcp-local-refused", { reason: refused });
    this.draftValue!.txs.push(tx);
    this.draftValue!.localTxs.push(tx);
    ctx.log("sbcp-local-applied", { chain: this.config.chainId, slot: this.draftValue!.slot, number: this.draftValue!.l2BlockNumber });
  }

  // --- SCP -------------------------------------------------------------------

  private onStartSC(ctx: NodeContext<SbcpMessage>, msg: StartSC): void {
    if (!bytesEqual(msg.xTid, xTidOf(msg.xTRequest))) return ctx.log("sbcp-startsc-dropped", { slot: msg.Slot, reason: "xTid is not the request's hash" });
    const draft = this.draftValue;
    const hold = (reason: string): void => {
      if (this.heldStartSC.length >= this.maxHeldBack) return ctx.log("sbcp-startsc-dropped", { slot: msg.Slot, seq: msg.xTSequenceNumber, reason: "held-back queue full" });
      if (!this.heldStartSC.some((m) => m.Slot === msg.Slot && m.xTSequenceNumber === msg.xTSequenceNumber)) this.heldStartSC.push(msg);
      ctx.log("sbcp-startsc-held", { slot: msg.Slot, seq: msg.xTSequenceNumber, reason });
    };
    if (draft === undefined || msg.Slot > draft.slot) return hold("a later slot");
    if (msg.Slot < draft.slot) return ctx.log("sbcp-startsc-dropped", { slot: msg.Slot, reason: "stale slot" });
    if (this.phaseValue !== "BuildingFree" && this.phaseValue !== "BuildingLocked") return ctx.log("sbcp-startsc-dropped", { slot: msg.Slot, reason: "the slot's block is sealed" });
    const last = draft.scpInstances.at(-1);
    const expected = (last?.sequenceNumber ?? -1) + 1;
    if (msg.xTSequenceNumber < expected) return ctx.log("sbcp-startsc-dropped", { slot: msg.Slot, seq: msg.xTSequenceNumber, reason: "sequence number already used" });
    if (msg.xTSequenceNumber > expected) return hold("a gap in sequence numbers");
    if (last !== undefined && last.decision === undefined) return hold("an instance is undecided");
    assert(this.phaseValue === "BuildingFree", "no open instance means Building-Free");
    this.startInstance(ctx, msg);
  }

  private startInstance(ctx: NodeContext<SbcpMessage>, msg: StartSC): void {
    const draft = this.draftValue!;
    assert(this.phaseValue === "BuildingFree", "an instance starts from Building-Free");
    assert(msg.Slot === draft.slot, "an instance of the draft's slot");
    const instance = new SequencerInstance(this.config.chainId, msg, this.config.executor);
    draft.scpInstances.push(instance);
    this.phaseValue = "BuildingLocked";
    this.cancelScpTimer(ctx);
    if (instance.participates) this.scpTimer = ctx.setTimer(this.scpTimeoutUs, "scp-timeout");
    ctx.log("sbcp-instance-joined", { chain: this.config.chainId, slot: msg.Slot, seq: msg.xTSequenceNumber, xTid: xTidHex(msg.xTid), participates: instance.participates });
    this.send(ctx, instance, instance.start());
    const early = this.heldCirc.filter((m) => m.Slot === msg.Slot && bytesEqual(m.xTid, msg.xTid));
    if (early.length > 0) {
      this.heldCirc = this.heldCirc.filter((m) => !early.includes(m));
      for (const circ of early) this.send(ctx, instance, instance.onCirc(circ));
    }
    // Its Decided outran its StartSC (reordered on the network): apply it now. A true decision needs this
    // chain's own true vote when it takes part; without one, the instance waits for RequestSeal as when Decided is lost.
    const decided = this.heldDecided.find((m) => m.Slot === msg.Slot && bytesEqual(m.xTid, msg.xTid));
    if (decided !== undefined) {
      this.heldDecided = this.heldDecided.filter((m) => m !== decided);
      if (this.phaseValue === "BuildingLocked" && (!decided.Decision || !instance.participates || instance.vote === true)) this.decide(ctx, instance, decided.Decision, "Decided");
    }
  }

  private onCirc(ctx: NodeContext<SbcpMessage>, msg: CIRCMessage): void {
    const draft = this.draftValue;
    const top = draft?.scpInstances.at(-1);
    if (msg.DestinationChainID !== this.config.chainId) return ctx.log("sbcp-circ-ignored", { reason: "not for this chain" });
    if (top !== undefined && msg.Slot === draft!.slot && bytesEqual(msg.xTid, top.xTid)) {
      if (this.phaseValue !== "BuildingLocked") return ctx.log("sbcp-circ-ignored", { xTid: xTidHex(msg.xTid), reason: "instance decided" });
      return this.send(ctx, top, top.onCirc(msg));
    }
    const known = draft?.scpInstances.some((i) => bytesEqual(i.xTid, msg.xTid)) ?? false;
    if (known || (draft !== undefined && msg.Slot < draft.slot)) return ctx.log("sbcp-circ-ignored", { xTid: xTidHex(msg.xTid), reason: "not the top instance" });
    // An instance that has not started here yet (its StartSC is late or held back): keep the message for it.
    if (this.heldCirc.length >= this.maxHeldBack) return ctx.log("sbcp-circ-ignored", { xTid: xTidHex(msg.xTid), reason: "held-back queue full" });
    this.heldCirc.push(msg);
  }

  private onDecided(ctx: NodeContext<SbcpMessage>, msg: Decided): void {
    const draft = this.draftValue;
    const top = draft?.scpInstances.at(-1);
    const known = draft?.scpInstances.some((i) => bytesEqual(i.xTid, msg.xTid)) ?? false;
    // An instance that has not started here yet (its StartSC is late or held back): keep the decision for it,
    // as an early CIRC message is kept (otherwise the sequencer stays Building-Locked until RequestSeal).
    if (!known && (draft === undefined || msg.Slot >= draft.slot) && this.heldDecided.length < this.maxHeldBack) {
      this.heldDecided.push(msg);
      return ctx.log("sbcp-decided-held", { slot: msg.Slot, xTid: xTidHex(msg.xTid) });
    }
    if (this.phaseValue !== "BuildingLocked" || top === undefined || msg.Slot !== top.slot || !bytesEqual(msg.xTid, top.xTid)) {
      return ctx.log("sbcp-decided-ignored", { slot: msg.Slot, xTid: xTidHex(msg.xTid), phase: this.phaseValue });
    }
    this.decide(ctx, top, msg.Decision, "Decided");
  }

  /** Applies the top instance's decision, goes Building-Free. */
  private decide(ctx: NodeContext<SbcpMessage>, top: SequencerInstance, decision: boolean, via: string): void {
    const draft = this.draftValue!;
    assert(this.phaseValue === "BuildingLocked", "deciding in Building-Locked");
    assert(top === draft.scpInstances.at(-1), "the top instance");
    const appended = top.onDecided(decision);
    draft.txs.push(...appended);
    // The mailbox messages the applied part read (one populating transaction each), for the mailbox checker.
    if (decision && top.participates) {
      for (const read of top.received) {
        // With a mailbox in the state, what the state's inbox holds for the message after the part applied.
        const inState = this.config.executor.inboxContent?.(read.SourceChainID, read.SessionID);
        const state = this.config.executor.inboxContent === undefined ? {} : { state: inState === undefined ? null : circDigest(inState) };
        ctx.log("sbcp-circ-read", { chain: this.config.chainId, slot: top.slot, xTid: xTidHex(top.xTid), from: read.SourceChainID, session: read.SessionID, label: read.Label, digest: circDigest(read), ...state });
      }
    }
    if (decision && top.participates) draft.includedxTs.push(top.xTid);
    this.cancelScpTimer(ctx);
    this.phaseValue = "BuildingFree";
    ctx.log("sbcp-instance-decided", { chain: this.config.chainId, slot: top.slot, xTid: xTidHex(top.xTid), decision, via, vote: top.vote ?? null });
    this.resumeBuildingFree(ctx);
  }

  private send(ctx: NodeContext<SbcpMessage>, instance: SequencerInstance, effects: InstanceEffects): void {
    for (const circ of effects.circ) {
      const to = this.config.sequencers.get(circ.DestinationChainID);
      if (to === undefined) {
        ctx.log("sbcp-circ-ignored", { xTid: xTidHex(circ.xTid), reason: `no sequencer for chain ${circ.DestinationChainID}` });
        continue;
      }
      // Logged before it goes out: a crash right after the send (a crash point) must not leave a message the checkers never heard of.
      ctx.log("sbcp-circ-sent", { xTid: xTidHex(circ.xTid), slot: circ.Slot, to: circ.DestinationChainID, session: circ.SessionID, label: circ.Label, digest: circDigest(circ) });
      ctx.send(to, { type: "CIRCMessage", ...circ });
    }
    if (effects.vote !== undefined) {
      ctx.log("sbcp-voted", { chain: this.config.chainId, slot: instance.slot, xTid: xTidHex(instance.xTid), vote: effects.vote, failure: instance.failure ?? null });
      ctx.send(this.config.publisher, { type: "Vote", SenderChain: this.config.chainId, xTid: instance.xTid, Vote: effects.vote, Slot: instance.slot });
      if (this.scpTimer !== undefined && instance === this.draftValue?.scpInstances.at(-1)) this.cancelScpTimer(ctx);
    }
  }

  // --- sealing ---------------------------------------------------------------

  private onRequestSeal(ctx: NodeContext<SbcpMessage>, msg: RequestSeal): void {
    const draft = this.draftValue;
    const ignore = (reason: string): void => ctx.log("sbcp-seal-ignored", { slot: msg.Slot, phase: this.phaseValue, reason });
    if (draft === undefined || (this.phaseValue !== "BuildingFree" && this.phaseValue !== "BuildingLocked")) return ignore("not building");
    if (msg.Slot !== draft.slot) return ignore("wrong slot");
    const listed = (xTid: Uint8Array): boolean => msg.IncludedxTs.some((x) => bytesEqual(x, xTid));
    // The SP seals only after deciding every instance of the slot: decide the open one by the list, then any
    // held-back StartSC of this slot that deciding it let start (its Decided may have been lost too).
    while (this.phaseValue === "BuildingLocked") {
      const top = draft.scpInstances.at(-1)!;
      if (listed(top.xTid)) {
        // Decided lost or late: the xT is listed, so it was decided true.
        if (top.participates && top.vote !== true) return ignore("the SP lists an xT this chain did not vote true for");
        this.decide(ctx, top, true, "RequestSeal");
      } else {
        this.decide(ctx, top, false, "RequestSeal");
      }
    }
    if (!draft.includedxTs.every(listed)) return ignore("this chain's included xTs are not a subset of IncludedxTs");
    this.submit(ctx, draft);
  }

  /** Submission: seal the block, send it to the SP, go Waiting. */
  private submit(ctx: NodeContext<SbcpMessage>, draft: SequencerDraft): void {
    this.phaseValue = "Submission";
    this.cancelScpTimer(ctx);
    assert(draft.l2BlockNumber === this.head.number + 1, "the draft extends the head");
    assert(bytesEqual(draft.l2ParentHash, this.head.hash), "the draft builds on the head");
    const { block } = this.config.executor.seal();
    const hash = l2BlockHash(this.config.chainId, draft.l2BlockNumber, draft.l2ParentHash, draft.slot, block);
    this.sealed.push({ number: draft.l2BlockNumber, hash, parentHash: draft.l2ParentHash, slot: draft.slot, includedxTs: [...draft.includedxTs], block, snapshot: this.config.executor.snapshot() });
    const l2Block: L2Block = { Slot: draft.slot, ChainID: this.config.chainId, BlockNumber: draft.l2BlockNumber, BlockHash: hash, ParentBlockHash: draft.l2ParentHash, IncludedxTs: [...draft.includedxTs], Block: block };
    // Write ahead: the block is on disk before the SP hears of it.
    logBlock(ctx.storage, l2Block);
    // Logged before it goes out, as votes are: a crash right after the send must not leave a block the checkers never saw sealed.
    ctx.log("sbcp-block-sealed", { chain: this.config.chainId, slot: draft.slot, number: draft.l2BlockNumber, hash: toHex(hash), parentHash: toHex(draft.l2ParentHash), txs: draft.txs.length, xTids: draft.includedxTs.map(toHex), supply: this.config.executor.supply() });
    ctx.send(this.config.publisher, { type: "L2Block", ...l2Block });
    this.heldStartSC = this.heldStartSC.filter((m) => m.Slot > draft.slot);
    this.heldCirc = this.heldCirc.filter((m) => m.Slot > draft.slot);
    this.heldDecided = this.heldDecided.filter((m) => m.Slot > draft.slot);
    this.phaseValue = "Waiting";
  }

  // --- recovery --------------------------------------------------------------

  private requestNextBlock(ctx: NodeContext<SbcpMessage>): void {
    ctx.send(this.config.publisher, { type: "L2BlockRequest", ChainID: this.config.chainId, BlockNumber: this.head.number + 1, ParentHash: this.head.hash });
  }

  /** An L2Block from the SP: a block we asked for with L2BlockRequest (recovery). */
  private onRecoveredBlock(ctx: NodeContext<SbcpMessage>, block: L2Block): void {
    const head = this.head;
    if (this.phaseValue !== "Waiting" || block.ChainID !== this.config.chainId || block.BlockNumber !== head.number + 1 || !bytesEqual(block.ParentBlockHash, head.hash)) {
      return ctx.log("sbcp-message-ignored", { type: "L2Block", reason: "not the block after our head" });
    }
    if (!bytesEqual(l2BlockHash(block.ChainID, block.BlockNumber, block.ParentBlockHash, block.Slot, block.Block), block.BlockHash)) return ctx.log("sbcp-message-ignored", { type: "L2Block", reason: "block hash differs" });
    this.config.executor.restore(head.snapshot);
    const refused = this.config.executor.replayBlock(block.Block);
    if (refused !== undefined) {
      this.config.executor.restore(head.snapshot);
      return ctx.log("sbcp-message-ignored", { type: "L2Block", reason: refused });
    }
    logBlock(ctx.storage, block);
    this.sealed.push({ number: block.BlockNumber, hash: block.BlockHash, parentHash: block.ParentBlockHash, slot: block.Slot, includedxTs: block.IncludedxTs, block: block.Block, snapshot: this.config.executor.snapshot() });
    ctx.log("sbcp-recovered-block", { chain: this.config.chainId, slot: block.Slot, number: block.BlockNumber, hash: toHex(block.BlockHash), parentHash: toHex(block.ParentBlockHash), xTids: block.IncludedxTs.map(toHex), supply: this.config.executor.supply() });
    this.requestNextBlock(ctx);
  }

  private cancelScpTimer(ctx: NodeContext<SbcpMessage>): void {
    if (this.scpTimer !== undefined) ctx.cancelTimer(this.scpTimer);
    this.scpTimer = undefined;
  }
}

/**
 * A byzantine validator: the honest {@link HotStuffReplica}, unchanged, wrapped
 * in a node that tampers with what it sends (and remembers what it sees).
 *
 * The honest replica has no byzantine branch anywhere: it gets a node context
 * whose `send` goes through this wrapper, and an application whose
 * `buildPayload` the wrapper watches (to know the parent of its own proposals).
 * Everything the wrapper does is a real misbehaviour on the wire, properly
 * signed with the validator's own key unless the behaviour is to corrupt
 * signatures:
 *
 * - `equivocate`: as leader, sends its proposal to one half of the other
 *   validators and a second, different block of the same view (same parent,
 *   QC and timestamp, another valid payload) to the other half;
 * - `double-vote`: each vote it sends is followed by a second signed vote of
 *   the same view for another block (one of the view's other proposals it
 *   received, or its own second block when it also equivocates, or else a
 *   made-up block hash);
 * - `withhold-votes`: never sends its votes or timeouts (it still receives,
 *   proposes, and answers block requests);
 * - `bad-signatures`: sends proposals, votes and timeouts with a corrupted
 *   signature (one byte flipped);
 * - `replay`: after a message it sends, re-sends one consensus message it
 *   sent or received at least {@link REPLAY_AGE_MIN_US} earlier, to the same
 *   peer;
 * - `stale-qc`: as leader, proposes on a lower QC than its highest (the
 *   justify of its parent, so the block extends its grandparent, or, one time
 *   in four, the genesis QC), properly signed;
 * - `fork-older`: as leader, proposes a block extending an older certified
 *   block it knows (one to four heights below its highest), so it forks;
 * - `conflicting-justify`: as leader, sends its proposal to one half of the
 *   other validators and, to the other half, a block of the same view on the
 *   stale QC `stale-qc` would use;
 * - `forged-qc`: its proposals and timeouts carry a QC wrong in one way drawn
 *   per message ({@link QC_FORGERIES}; the repeated signer of a timeout
 *   certifies an older block at a view above its highest QC), and a TC they
 *   carry has too few or repeated signers ({@link TC_FORGERIES});
 * - `lying-tc`: its own entry in each TC it sends claims a highest QC view
 *   far above any real one (properly re-signed), and a timeout without a TC
 *   claims a QC of a higher view than it holds;
 * - `lying-sync`: answers block requests with blocks that do not hash-link
 *   (ancestors reversed) or with a block of another fork (a re-hashed sibling
 *   of the one asked for);
 * - `mutate` (small-scope mutations, ByzzFuzz: Winter, Cheng, Jovanovic,
 *   Ivanov, Su, Zhang, OOPSLA 2023): per consensus message, one of view or
 *   height plus or minus one (re-signed), sent to a random subset of its
 *   recipients, or a proposal carrying an old proposal's payload (re-signed).
 *
 * Each behaviour acts with probability `rate` at each opportunity while
 * `fromUs <= now < untilUs`, drawing from the `rng` given here (a named stream
 * of its own, so honest nodes' streams never shift). Every misbehaviour is
 * logged as a `byzantine-*` event; the extra proposal and vote are also logged
 * as `propose` and `vote` (with a `byzantine` field), as the replica logs its
 * own, so the equivocation checker sees them.
 *
 * Sans-IO like the replica: no clock, timers or randomness of its own.
 */
import { concatBytes, sha256, toHex, utf8 } from "../../crypto/hash.js";
import type { Node, NodeContext, NodeId, TimerId } from "../../sim/node.js";
import type { Rng } from "../../sim/rng.js";
import type { AppContext, Application } from "../application.js";
import { blockHash, proposalSigningBytes, voteSigningBytes } from "../block-hash.js";
import { HotStuffReplica, type ReplicaConfig } from "../replica.js";
import { innerContext, type ReplicaWrapper } from "./wrapper.js";
import type { Block, BlockResponseMessage, ProposalMessage, QuorumCertificate, TimeoutMessage, ValidatorMessage, VoteMessage } from "../types.js";
import { GENESIS_BLOCK, GENESIS_QC } from "../genesis.js";
import { draw, forgeQC, forgeTC, lyingTC, MUTATIONS, proposalOf, QC_FORGERIES, rebuilt, SYNC_LIES, TC_FORGERIES, timeoutOf, voteOf, type Signer } from "./adversaries.js";

/** The misbehaviours a {@link ByzantineReplica} can show (`twin` is separate: see `twin.ts`). */
export type ByzantineBehaviorName =
  | "equivocate"
  | "double-vote"
  | "withhold-votes"
  | "bad-signatures"
  | "replay"
  | "stale-qc"
  | "fork-older"
  | "conflicting-justify"
  | "forged-qc"
  | "lying-tc"
  | "lying-sync"
  | "mutate";

/** The behaviours that attack the voting and certificate rules (each acts through `adversaries.ts`). */
const RULE_ADVERSARIES: readonly ByzantineBehaviorName[] = ["stale-qc", "fork-older", "conflicting-justify", "forged-qc", "lying-tc", "lying-sync", "mutate"];

/** One behaviour with its rate and active window. */
export interface ByzantineBehaviorConfig {
  readonly behavior: ByzantineBehaviorName;
  /** Probability of misbehaving at each opportunity, in [0, 1]. */
  readonly rate: number;
  /** Active from this virtual time on, microseconds. */
  readonly fromUs: number;
  /** Active before this virtual time, microseconds (`Infinity`: to the end of the run). */
  readonly untilUs: number;
}

/**
 * Builds a second valid payload for a block whose parent is `parent`, different
 * from `payload` (the one the honest replica built), or undefined when it
 * cannot. Supplied by the layer that knows the application (consensus does not).
 */
export type AlternativePayload = (parent: Block, payload: Uint8Array) => Uint8Array | undefined;

/** Configuration of a {@link ByzantineReplica}. */
export interface ByzantineReplicaConfig {
  /** The honest replica's configuration (its key signs the misbehaviour too). */
  readonly replica: ReplicaConfig;
  readonly behaviors: readonly ByzantineBehaviorConfig[];
  /** The wrapper's own random stream (for example `sim.rng("byzantine/v3")`). */
  readonly rng: Rng;
  /** Needed by `equivocate`; without it the leader cannot build its second block and does not equivocate. */
  readonly alternativePayload?: AlternativePayload;
}

/** How old a message must be before `replay` re-sends it, microseconds. */
export const REPLAY_AGE_MIN_US = 1_000_000;
/** Consensus messages kept for replay (the oldest are forgotten). */
const REPLAY_HISTORY_MAX = 512;
/** Views of other proposals kept for `double-vote`. */
const SEEN_PROPOSAL_VIEWS_MAX = 64;
/** Blocks remembered by the rule adversaries (the oldest are forgotten). */
const KNOWN_BLOCKS_MAX = 256;
/** How far above any real QC view a `lying-tc` claim goes. */
export const LYING_TC_VIEWS_AHEAD = 1_000;
/** How many heights below its highest QC's block lies the block a repeated-signer QC in a timeout certifies. */
export const FORGED_TARGET_DEPTH = 6;

/** What one outgoing consensus message became (one broadcast is one message: decided once, per recipient after). */
interface Tampered {
  readonly original: ValidatorMessage;
  /** What the recipients in `to` get (undefined: nothing); the others get `rest`. */
  readonly out: ValidatorMessage | undefined;
  readonly to: ReadonlySet<NodeId> | undefined;
  readonly rest: ValidatorMessage | undefined;
}

interface Equivocation {
  readonly original: ProposalMessage;
  /** The second block's proposal, or undefined when this view is not equivocated. */
  readonly alternative: ProposalMessage | undefined;
  readonly alternativeTo: ReadonlySet<NodeId>;
}

/** A byzantine validator: the honest replica inside, misbehaviour on its outgoing messages. */
export class ByzantineReplica implements Node<ValidatorMessage>, ReplicaWrapper {
  /** The honest replica inside (sim-only introspection: views, the application). */
  readonly replica: HotStuffReplica;
  /** The application inside (not the proxy that watches `buildPayload`), for sim-only introspection. */
  readonly application: Application;
  private readonly config: ByzantineReplicaConfig;
  private readonly rng: Rng;
  private ctx!: NodeContext<ValidatorMessage>;
  private innerCtx!: NodeContext<ValidatorMessage>;
  /** Parent of each payload the replica built, by payload object (the replica puts that very object in its block). */
  private readonly builtParents = new WeakMap<Uint8Array, Block>();
  private readonly equivocations = new Map<number, Equivocation>();
  private readonly doubleVoted = new Set<string>();
  /** Proposals received, by view (for `double-vote`). */
  private readonly seenProposals = new Map<number, Block[]>();
  private readonly history: { readonly timeUs: number; readonly msg: ProposalMessage | VoteMessage | TimeoutMessage }[] = [];
  /** Blocks seen (proposals in and out, block responses), by hash, for the rule adversaries. */
  private readonly known = new Map<string, Block>();
  /** Payloads of past proposals, for `mutate`'s old payload. */
  private readonly oldPayloads: Uint8Array[] = [];
  private tampered: Tampered | undefined;
  private readonly signer: Signer;

  /**
   * @param config the honest replica's configuration, the behaviours and their random stream
   * @param app the replicated application (a fresh instance per boot)
   * @throws RangeError if `config.replica.index` is not a validator index
   */
  constructor(config: ByzantineReplicaConfig, app: Application) {
    this.config = config;
    this.rng = config.rng;
    const watched: Application = {
      onAppMessage: (ctx, from, data) => app.onAppMessage(ctx, from, data),
      buildPayload: (ctx: AppContext, parent: Block, branch: readonly Block[]) => {
        const payload = app.buildPayload(ctx, parent, branch);
        this.builtParents.set(payload, parent);
        return payload;
      },
      verifyPayload: (ctx, block, branch) => app.verifyPayload(ctx, block, branch),
      commit: (ctx, block) => app.commit(ctx, block),
      restoreCommitted: (block) => app.restoreCommitted(block),
    };
    this.replica = new HotStuffReplica(config.replica, watched);
    this.application = app;
    this.signer = { index: config.replica.index, quorum: config.replica.validators.quorum, sign: (m) => this.sign(m) };
  }

  start(ctx: NodeContext<ValidatorMessage>): void {
    this.ctx = ctx;
    this.innerCtx = innerContext(ctx, ctx.id, (to, msg) => this.onSend(to, msg));
    this.replica.start(this.innerCtx);
  }

  onMessage(_ctx: NodeContext<ValidatorMessage>, from: NodeId, msg: ValidatorMessage): void {
    if (msg.type === "proposal" || msg.type === "vote" || msg.type === "timeout") this.remember(msg);
    if (msg.type === "proposal") this.seeProposal(msg.block);
    if (msg.type === "proposal") this.know(msg.block);
    if (msg.type === "block-response") for (const b of msg.blocks) this.know(b);
    this.replica.onMessage(this.innerCtx, from, msg);
  }

  onTimer(_ctx: NodeContext<ValidatorMessage>, timer: TimerId, tag: string): void {
    this.replica.onTimer(this.innerCtx, timer, tag);
  }

  // ---- outgoing --------------------------------------------------------------

  private onSend(to: NodeId, msg: ValidatorMessage): void {
    if (msg.type === "block-response" && this.has("lying-sync")) return this.ctx.send(to, this.lyingSync(to, msg));
    if (msg.type !== "proposal" && msg.type !== "vote" && msg.type !== "timeout") return this.ctx.send(to, msg);
    this.remember(msg);
    if ((msg.type === "vote" || msg.type === "timeout") && this.acts("withhold-votes")) {
      this.ctx.log("byzantine-withhold", { type: msg.type, view: msg.view, to });
      return;
    }
    let out: ProposalMessage | VoteMessage | TimeoutMessage = msg;
    if (msg.type === "proposal") out = this.equivocated(to, msg);
    if (out === msg && RULE_ADVERSARIES.some((b) => this.has(b))) {
      const tampered = this.ruleTampered(to, msg);
      if (tampered === undefined) return;
      out = tampered;
    }
    this.transmit(to, out);
    if (msg.type === "vote") this.maybeDoubleVote(to, msg);
    if (this.acts("replay")) this.replayTo(to);
  }

  /** Sends one consensus message, with its signature corrupted when `bad-signatures` acts. */
  private transmit(to: NodeId, msg: ProposalMessage | VoteMessage | TimeoutMessage): void {
    if (this.acts("bad-signatures")) {
      const signature = msg.signature.slice();
      signature[0] = (signature[0] ?? 0) ^ 0xff;
      this.ctx.log("byzantine-bad-signature", { type: msg.type, view: msg.type === "proposal" ? msg.block.view : msg.view, to });
      this.ctx.send(to, { ...msg, signature });
      return;
    }
    this.ctx.send(to, msg);
  }

  /** The proposal `to` gets: the replica's own, or (for the second half of the peers) the second block of the view. */
  private equivocated(to: NodeId, msg: ProposalMessage): ProposalMessage {
    const view = msg.block.view;
    let state = this.equivocations.get(view);
    if (state === undefined || state.original !== msg) {
      state = this.planEquivocation(msg);
      this.equivocations.set(view, state);
      for (const v of this.equivocations.keys()) if (v + SEEN_PROPOSAL_VIEWS_MAX < view) this.equivocations.delete(v);
    }
    return state.alternative !== undefined && state.alternativeTo.has(to) ? state.alternative : msg;
  }

  private planEquivocation(msg: ProposalMessage): Equivocation {
    const none: Equivocation = { original: msg, alternative: undefined, alternativeTo: new Set() };
    const block = msg.block;
    const parent = this.builtParents.get(block.payload);
    if (parent === undefined || this.config.alternativePayload === undefined || !this.acts("equivocate")) return none;
    const payload = this.config.alternativePayload(parent, block.payload);
    if (payload === undefined) return none;
    const { hash: _hash, ...fields } = block;
    const altFields = { ...fields, payload };
    const alt: Block = { ...altFields, hash: blockHash(altFields) };
    const alternative: ProposalMessage = {
      type: "proposal",
      block: alt,
      ...(msg.tc === undefined ? {} : { tc: msg.tc }),
      signature: this.sign(proposalSigningBytes(alt.hash)),
    };
    const validators = this.config.replica.validators;
    const peers = validators.validators.map((v) => v.id).filter((_, i) => i !== this.config.replica.index);
    const alternativeTo = new Set(peers.slice(Math.ceil(peers.length / 2)));
    // A double voter that equivocates votes for its second block too.
    this.seeProposal(alt);
    this.ctx.log("propose", { view: alt.view, height: alt.height, hash: toHex(alt.hash), payloadBytes: alt.payload.length, byzantine: "equivocate" });
    this.ctx.log("byzantine-equivocate", { view: block.view, height: block.height, hashes: [toHex(block.hash), toHex(alt.hash)], alternativeTo: [...alternativeTo] });
    return { original: msg, alternative, alternativeTo };
  }

  /** After a vote, a second signed vote of the same view for another block. */
  private maybeDoubleVote(to: NodeId, vote: VoteMessage): void {
    const key = `${vote.view}/${to}`;
    if (this.doubleVoted.has(key) || !this.acts("double-vote")) return;
    this.doubleVoted.add(key);
    if (this.doubleVoted.size > 4 * SEEN_PROPOSAL_VIEWS_MAX) this.doubleVoted.delete(this.doubleVoted.values().next().value!);
    const hexOwn = toHex(vote.blockHash);
    const other = (this.seenProposals.get(vote.view) ?? []).find((b) => toHex(b.hash) !== hexOwn);
    const height = other?.height ?? vote.height;
    const hash = other?.hash ?? sha256(concatBytes(vote.blockHash, utf8("asset-sim/byzantine/double-vote")));
    const second: VoteMessage = {
      type: "vote",
      view: vote.view,
      height,
      blockHash: hash,
      signer: vote.signer,
      signature: this.sign(voteSigningBytes(vote.view, height, hash)),
    };
    this.ctx.log("vote", { view: vote.view, height, hash: toHex(hash), byzantine: "double-vote" });
    this.ctx.log("byzantine-double-vote", { view: vote.view, hashes: [hexOwn, toHex(hash)], seenBlock: other !== undefined, to });
    this.transmit(to, second);
  }

  /** Re-sends one remembered message at least {@link REPLAY_AGE_MIN_US} old to `to`. */
  private replayTo(to: NodeId): void {
    const cutoff = this.ctx.now() - REPLAY_AGE_MIN_US;
    let eligible = 0;
    while (eligible < this.history.length && this.history[eligible]!.timeUs <= cutoff) eligible++;
    if (eligible === 0) return;
    const old = this.history[this.rng.int(eligible)]!;
    const view = old.msg.type === "proposal" ? old.msg.block.view : old.msg.view;
    this.ctx.log("byzantine-replay", { type: old.msg.type, view, ageUs: this.ctx.now() - old.timeUs, to });
    this.ctx.send(to, old.msg);
  }

  // ---- the rule adversaries ------------------------------------------------------

  /** What `to` gets instead of `msg` under the rule adversaries (undefined: nothing); decided once per message. */
  private ruleTampered(to: NodeId, msg: ProposalMessage | VoteMessage | TimeoutMessage): ProposalMessage | VoteMessage | TimeoutMessage | undefined {
    if (this.tampered?.original !== msg) this.tampered = this.tamper(msg);
    const t = this.tampered;
    const out = t.to === undefined || t.to.has(to) ? t.out : t.rest;
    if (out !== SUBSET) return out as ProposalMessage | VoteMessage | TimeoutMessage | undefined;
    // `mutate`'s subset: each recipient is kept with probability one half.
    if (this.rng.chance(0.5)) return msg;
    this.ctx.log("byzantine-mutate", { type: msg.type, view: viewOf(msg), mutation: "subset" });
    return undefined;
  }

  /** Decides what one outgoing message becomes (the first behaviour that acts wins, in the order of the file comment). */
  private tamper(msg: ProposalMessage | VoteMessage | TimeoutMessage): Tampered {
    const same: Tampered = { original: msg, out: msg, to: undefined, rest: undefined };
    if (msg.type === "proposal") {
      const block = msg.block;
      this.know(block);
      this.oldPayloads.push(block.payload);
      if (this.oldPayloads.length > SEEN_PROPOSAL_VIEWS_MAX) this.oldPayloads.shift();
      if (this.acts("stale-qc")) {
        const stale = this.staleProposal(msg, "stale-qc");
        if (stale !== undefined) return { ...same, out: stale };
      }
      if (this.acts("fork-older")) {
        const fork = this.forkOlder(msg);
        if (fork !== undefined) return { ...same, out: fork };
      }
      if (this.acts("conflicting-justify")) {
        const stale = this.staleProposal(msg, "conflicting-justify");
        if (stale !== undefined) {
          const peers = this.peers();
          const staleTo = new Set(peers.slice(Math.ceil(peers.length / 2)));
          this.ctx.log("byzantine-conflicting-justify", { view: block.view, hashes: [toHex(block.hash), toHex(stale.block.hash)], justifyViews: [block.justify.view, stale.block.justify.view], staleTo: [...staleTo] });
          return { original: msg, out: stale, to: staleTo, rest: msg };
        }
      }
      if (this.acts("forged-qc")) return { ...same, out: this.forgedProposal(msg) };
      if (this.acts("lying-tc") && msg.tc !== undefined) {
        const lie = lyingTC(msg.tc, this.signer, this.replica.lockedQC.view + LYING_TC_VIEWS_AHEAD);
        if (lie !== undefined) {
          this.ctx.log("byzantine-lying-tc", { type: "proposal", view: block.view, claimedView: this.replica.lockedQC.view + LYING_TC_VIEWS_AHEAD });
          return { ...same, out: { ...msg, tc: lie } };
        }
      }
    }
    if (msg.type === "timeout") {
      if (this.acts("forged-qc")) return { ...same, out: this.forgedTimeout(msg) };
      if (this.acts("lying-tc")) return { ...same, out: this.lyingTimeout(msg) };
    }
    if (this.acts("mutate")) return this.mutated(msg);
    return same;
  }

  /** The proposal on a stale QC: the justify of its parent (extending its grandparent), or the genesis QC. */
  private staleProposal(msg: ProposalMessage, behavior: "stale-qc" | "conflicting-justify"): ProposalMessage | undefined {
    const block = msg.block;
    const parent = this.known.get(toHex(block.parentHash));
    const useGenesis = this.rng.int(4) === 0 || parent === undefined || parent.height === 0;
    const qc: QuorumCertificate = useGenesis ? GENESIS_QC : parent.justify;
    const base = qc.view === 0 ? GENESIS_BLOCK : this.known.get(toHex(qc.blockHash));
    if (base === undefined) return undefined;
    const stale = this.onParent(msg, base, qc);
    if (behavior === "stale-qc") this.ctx.log("byzantine-stale-qc", { view: block.view, height: stale.block.height, hash: toHex(stale.block.hash), justifyView: qc.view, highestView: block.justify.view });
    return stale;
  }

  /** The proposal extending an older certified block it knows (one to four heights below its highest QC's). */
  private forkOlder(msg: ProposalMessage): ProposalMessage | undefined {
    const block = msg.block;
    const depth = 1 + this.rng.int(4);
    let certified = this.known.get(toHex(block.parentHash));
    let qc = block.justify;
    for (let i = 0; i < depth && certified !== undefined && certified.height > 0; i++) {
      qc = certified.justify;
      certified = qc.view === 0 ? GENESIS_BLOCK : this.known.get(toHex(qc.blockHash));
    }
    if (certified === undefined || qc === block.justify) return undefined;
    const fork = this.onParent(msg, certified, qc);
    this.ctx.log("byzantine-fork-older", { view: block.view, height: fork.block.height, hash: toHex(fork.block.hash), forkedFrom: toHex(certified.hash), depth: block.height - fork.block.height });
    return fork;
  }

  /** `msg`'s block moved onto `parent` (certified by `qc`), with a payload built for it when the layer above can. */
  private onParent(msg: ProposalMessage, parent: Block, qc: QuorumCertificate): ProposalMessage {
    const block = msg.block;
    const payload = this.config.alternativePayload?.(parent, block.payload) ?? block.payload;
    const moved = rebuilt(block, { height: parent.height + 1, parentHash: parent.hash, justify: qc, timestampUs: Math.max(block.timestampUs, parent.timestampUs + 1), payload });
    this.know(moved);
    return proposalOf(moved, msg.tc, this.signer);
  }

  private forgedProposal(msg: ProposalMessage): ProposalMessage {
    const block = msg.block;
    if (msg.tc !== undefined && this.rng.chance(0.5)) {
      const forgery = draw(this.rng, TC_FORGERIES);
      this.ctx.log("byzantine-forged-tc", { type: "proposal", view: block.view, forgery });
      return { ...msg, tc: forgeTC(msg.tc, forgery, this.signer, this.replica.lockedQC.view) };
    }
    const forgery = draw(this.rng, QC_FORGERIES);
    const justify = forgeQC(block.justify, forgery, this.signer);
    this.ctx.log("byzantine-forged-qc", { type: "proposal", view: block.view, forgery });
    return proposalOf(rebuilt(block, { justify }), msg.tc, this.signer);
  }

  private forgedTimeout(msg: TimeoutMessage): TimeoutMessage {
    if (msg.lastTC !== undefined && this.rng.chance(0.5)) {
      const forgery = draw(this.rng, TC_FORGERIES);
      this.ctx.log("byzantine-forged-tc", { type: "timeout", view: msg.view, forgery });
      return timeoutOf(msg, { lastTC: forgeTC(msg.lastTC, forgery, this.signer, msg.highQC.view) }, this.signer);
    }
    const forgery = draw(this.rng, QC_FORGERIES);
    // The repeated signer certifies an older block it knows, at a view above its highest QC.
    const older = this.olderBlock(msg.highQC);
    const target = forgery === "repeated-signer" && older !== undefined ? { block: older, view: this.replica.lockedQC.view + 1 } : undefined;
    const highQC = forgeQC(msg.highQC, forgery, this.signer, target);
    this.ctx.log("byzantine-forged-qc", { type: "timeout", view: msg.view, forgery });
    return timeoutOf(msg, { highQC }, this.signer);
  }

  /** A timeout claiming a highest QC far above any real one: the lastTC's own entry, or else the QC's view itself. */
  private lyingTimeout(msg: TimeoutMessage): TimeoutMessage {
    const claimedView = this.replica.lockedQC.view + LYING_TC_VIEWS_AHEAD;
    const lie = msg.lastTC === undefined ? undefined : lyingTC(msg.lastTC, this.signer, claimedView);
    this.ctx.log("byzantine-lying-tc", { type: "timeout", view: msg.view, claimedView });
    if (lie !== undefined) return timeoutOf(msg, { lastTC: lie }, this.signer);
    return timeoutOf(msg, { highQC: { ...msg.highQC, view: claimedView } }, this.signer);
  }

  /** One small-scope mutation of `msg`, drawn. */
  private mutated(msg: ProposalMessage | VoteMessage | TimeoutMessage): Tampered {
    const mutation = draw(this.rng, MUTATIONS);
    const view = viewOf(msg);
    if (mutation === "subset") return { original: msg, out: SUBSET, to: undefined, rest: undefined };
    let out: ProposalMessage | VoteMessage | TimeoutMessage = msg;
    const delta = mutation.endsWith("+1") ? 1 : -1;
    if (mutation === "old-payload") {
      if (msg.type !== "proposal" || this.oldPayloads.length < 2) return { original: msg, out: msg, to: undefined, rest: undefined };
      out = proposalOf(rebuilt(msg.block, { payload: this.oldPayloads[this.rng.int(this.oldPayloads.length - 1)]! }), msg.tc, this.signer);
    } else if (mutation.startsWith("view")) {
      const v = Math.max(0, view + delta);
      if (msg.type === "proposal") out = proposalOf(rebuilt(msg.block, { view: v }), msg.tc, this.signer);
      else if (msg.type === "vote") out = voteOf(msg, { view: v }, this.signer);
      else out = timeoutOf(msg, { view: v }, this.signer);
    } else {
      if (msg.type === "proposal") out = proposalOf(rebuilt(msg.block, { height: Math.max(0, msg.block.height + delta) }), msg.tc, this.signer);
      else if (msg.type === "vote") out = voteOf(msg, { height: Math.max(0, msg.height + delta) }, this.signer);
      else return { original: msg, out: msg, to: undefined, rest: undefined };
    }
    this.ctx.log("byzantine-mutate", { type: msg.type, view, mutation });
    return { original: msg, out, to: undefined, rest: undefined };
  }

  /** A block response that lies: ancestors that do not hash-link, or a sibling of the block asked for. */
  private lyingSync(to: NodeId, msg: BlockResponseMessage): BlockResponseMessage {
    if (msg.blocks.length === 0 || !this.acts("lying-sync")) return msg;
    // Ancestors can be unlinked only when there are two or more of them; else the lie is another fork's block.
    const drawn = draw(this.rng, SYNC_LIES);
    const lie = drawn === "unlinked" && msg.blocks.length > 2 ? "unlinked" : "other-fork";
    this.ctx.log("byzantine-lying-sync", { lie, height: msg.blocks[0]!.height, blocks: msg.blocks.length, to });
    if (lie === "unlinked") return { type: "block-response", blocks: [msg.blocks[0]!, ...msg.blocks.slice(1).reverse()] };
    const first = msg.blocks[0]!;
    const sibling = rebuilt(first, { timestampUs: first.timestampUs + 1 });
    return { type: "block-response", blocks: [sibling, ...msg.blocks.slice(1)] };
  }

  /** A known block {@link FORGED_TARGET_DEPTH} heights below the block `qc` certifies (or genesis, if nearer), or undefined. */
  private olderBlock(qc: QuorumCertificate): Block | undefined {
    let block = this.known.get(toHex(qc.blockHash));
    for (let i = 0; i < FORGED_TARGET_DEPTH && block !== undefined && block.height > 0; i++) block = this.known.get(toHex(block.parentHash));
    return block;
  }

  private peers(): NodeId[] {
    return this.config.replica.validators.validators.map((v) => v.id).filter((_, i) => i !== this.config.replica.index);
  }

  private know(block: Block): void {
    if (!RULE_ADVERSARIES.some((b) => this.has(b))) return;
    const hex = toHex(block.hash);
    if (this.known.has(hex)) return;
    this.known.set(hex, block);
    if (this.known.size > KNOWN_BLOCKS_MAX) this.known.delete(this.known.keys().next().value!);
  }

  // ---- bookkeeping -------------------------------------------------------------

  private remember(msg: ProposalMessage | VoteMessage | TimeoutMessage): void {
    if (!this.has("replay")) return;
    const last = this.history[this.history.length - 1];
    if (last?.msg === msg) return; // one broadcast is one message
    this.history.push({ timeUs: this.ctx.now(), msg });
    if (this.history.length > REPLAY_HISTORY_MAX) this.history.shift();
  }

  private seeProposal(block: Block): void {
    if (!this.has("double-vote")) return;
    const blocks = this.seenProposals.get(block.view) ?? [];
    if (blocks.some((b) => toHex(b.hash) === toHex(block.hash))) return;
    blocks.push(block);
    this.seenProposals.set(block.view, blocks);
    for (const v of this.seenProposals.keys()) if (v + SEEN_PROPOSAL_VIEWS_MAX < block.view) this.seenProposals.delete(v);
  }

  private has(name: ByzantineBehaviorName): boolean {
    return this.config.behaviors.some((b) => b.behavior === name);
  }

  /** True when behaviour `name` is active now and its rate says act this time (one draw per active opportunity). */
  private acts(name: ByzantineBehaviorName): boolean {
    const now = this.ctx.now();
    const b = this.config.behaviors.find((x) => x.behavior === name && x.fromUs <= now && now < x.untilUs);
    return b !== undefined && (b.rate >= 1 || this.rng.chance(b.rate));
  }

  private sign(message: Uint8Array): Uint8Array {
    return this.config.replica.validators.scheme.sign(this.config.replica.keyPair.secretKey, message);
  }
}

/** Marks a message `mutate` sends to a random subset of its recipients. */
const SUBSET = { type: "subset" } as unknown as ValidatorMessage;

function viewOf(msg: ProposalMessage | VoteMessage | TimeoutMessage): number {
  return msg.type === "proposal" ? msg.block.view : msg.view;
}

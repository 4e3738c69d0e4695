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
 *   peer.
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
import type { Block, ProposalMessage, TimeoutMessage, ValidatorMessage, VoteMessage } from "../types.js";

/** The misbehaviours a {@link ByzantineReplica} can show (`twin` is separate: see `twin.ts`). */
export type ByzantineBehaviorName = "equivocate" | "double-vote" | "withhold-votes" | "bad-signatures" | "replay";

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
  }

  start(ctx: NodeContext<ValidatorMessage>): void {
    this.ctx = ctx;
    this.innerCtx = innerContext(ctx, ctx.id, (to, msg) => this.onSend(to, msg));
    this.replica.start(this.innerCtx);
  }

  onMessage(_ctx: NodeContext<ValidatorMessage>, from: NodeId, msg: ValidatorMessage): void {
    if (msg.type === "proposal" || msg.type === "vote" || msg.type === "timeout") this.remember(msg);
    if (msg.type === "proposal") this.seeProposal(msg.block);
    this.replica.onMessage(this.innerCtx, from, msg);
  }

  onTimer(_ctx: NodeContext<ValidatorMessage>, timer: TimerId, tag: string): void {
    this.replica.onTimer(this.innerCtx, timer, tag);
  }

  // ---- outgoing --------------------------------------------------------------

  private onSend(to: NodeId, msg: ValidatorMessage): void {
    if (msg.type !== "proposal" && msg.type !== "vote" && msg.type !== "timeout") return this.ctx.send(to, msg);
    this.remember(msg);
    if ((msg.type === "vote" || msg.type === "timeout") && this.acts("withhold-votes")) {
      this.ctx.log("byzantine-withhold", { type: msg.type, view: msg.view, to });
      return;
    }
    let out: ValidatorMessage = msg;
    if (msg.type === "proposal") out = this.equivocated(to, msg);
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

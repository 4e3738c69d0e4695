/**
 * The shared publisher with its L1 path: a {@link SharedPublisher} (the SBCP
 * state machine, unchanged) and a {@link SuperblockPoster} (publishing its
 * superblocks to the L1 registry, watching finality, resubmitting, and
 * reporting invalid superblocks) in one sans-IO node. SBCP messages and the
 * SP's timers go to the SP; `l1-rpc` replies and the `sbcp-l1-poll` timer to
 * the poster. After every step the node notes when each superblock appeared
 * (its build time, for the publication window), and an invalid superblock
 * becomes the SP's {@link SharedPublisher.requestRollBack}: RollBackAndStartSlot
 * at the next slot's start (SBCP "Rollback"). Build times are not logged:
 * after a restart the window of a superblock recovered from the log counts
 * from the boot.
 *
 * Its codec ({@link L1_SHARED_PUBLISHER_CODEC}) writes SBCP messages as the
 * protobuf frames of `SBCP_CODEC` (so sequencers and clients read them as
 * before) and `l1-rpc` messages as the L1's MessagePack envelope.
 *
 * Logged events: the SP's and the poster's (`superblock-poster.ts`).
 */
import { bytesEqual } from "../../crypto/hash.js";
import { l1RpcCodec, type L1RpcMessage } from "../../l1/l1-wire.js";
import { l1SessionContext } from "../../l1/l1-session.js";
import { WireDecodeError, type MessageCodec } from "../../net/codec.js";
import type { Node, NodeContext, NodeId, TimerId } from "../../sim/node.js";
import type { SbcpMessage } from "../messages.js";
import type { SharedPublisher } from "../shared-publisher.js";
import { SBCP_CODEC } from "../wire/codec.js";
import { SuperblockPoster, type SuperblockPosterConfig } from "./superblock-poster.js";

/** What the SP with its L1 path sends and receives. */
export type L1PublisherMessage = SbcpMessage | L1RpcMessage;

/** The poster's timer tag. */
export const SBCP_L1_POLL = "sbcp-l1-poll";

/**
 * The codec of {@link L1SharedPublisher}: SBCP messages as `SBCP_CODEC`'s
 * protobuf, `l1-rpc` as `l1RpcCodec`'s MessagePack. Decoding tries the L1
 * envelope first when the first byte is a MessagePack fixmap (0x80-0x8f),
 * else (or when that fails) the protobuf frame.
 * @throws WireDecodeError from `SBCP_CODEC` when the bytes are neither
 */
export const L1_SHARED_PUBLISHER_CODEC: MessageCodec<L1PublisherMessage> = {
  encode: (msg) => (msg.type === "l1-rpc" ? l1RpcCodec.encode(msg) : SBCP_CODEC.encode(msg)),
  decode: (bytes) => {
    const first = bytes[0] ?? 0;
    if (first >= 0x80 && first <= 0x8f) {
      try {
        return l1RpcCodec.decode(bytes);
      } catch (error) {
        if (!(error instanceof WireDecodeError)) throw error;
      }
    }
    return SBCP_CODEC.decode(bytes);
  },
};

/** The SP node with its L1 path (see the file comment). */
export class L1SharedPublisher implements Node<L1PublisherMessage> {
  private poster: SuperblockPoster | undefined;
  /** Build time of each superblock the SP holds, by number, with its hash. */
  private readonly built = new Map<number, { readonly hash: Uint8Array; readonly atUs: number }>();

  /**
   * @param sp the SBCP state machine (a fresh one per boot)
   * @param config the poster's settings
   */
  constructor(
    readonly sp: SharedPublisher,
    readonly config: SuperblockPosterConfig,
  ) {}

  /** The L1 path (undefined before the first boot). */
  get l1(): SuperblockPoster | undefined {
    return this.poster;
  }

  start(ctx: NodeContext<L1PublisherMessage>): void {
    this.sp.start(ctx as NodeContext<SbcpMessage>);
    this.note(ctx);
    if (this.sp.halted !== undefined) return;
    this.poster = new SuperblockPoster(this.config, l1SessionContext(ctx), {
      superblocks: () => this.sp.superblocks,
      builtAt: (number) => this.built.get(number)?.atUs ?? ctx.now(),
      rollBack: (lastValid) => {
        this.sp.requestRollBack(ctx as NodeContext<SbcpMessage>, lastValid);
        this.sp.checkInvariants();
        this.note(ctx);
      },
      log: (event, fields) => ctx.log(event, fields),
      random: () => ctx.rng.next(),
    });
    ctx.setTimer(this.config.pollIntervalUs, SBCP_L1_POLL);
  }

  onMessage(ctx: NodeContext<L1PublisherMessage>, from: NodeId, msg: L1PublisherMessage): void {
    if (msg.type === "l1-rpc") {
      if (from !== this.config.l1 || this.poster === undefined) return;
      if (!this.poster.onData(msg.data)) ctx.log("malformed", { from, reason: "not an L1 response" });
      return;
    }
    this.sp.onMessage(ctx as NodeContext<SbcpMessage>, from, msg);
    this.note(ctx);
  }

  onTimer(ctx: NodeContext<L1PublisherMessage>, timer: TimerId, tag: string): void {
    if (tag === SBCP_L1_POLL) {
      ctx.setTimer(this.config.pollIntervalUs, SBCP_L1_POLL);
      this.poster?.poll();
      return;
    }
    this.sp.onTimer(ctx as NodeContext<SbcpMessage>, timer, tag);
    this.note(ctx);
  }

  /** Records the build time of superblocks that are new (or replaced after a rollback), forgets dropped ones. */
  private note(ctx: NodeContext<L1PublisherMessage>): void {
    const list = this.sp.superblocks;
    for (const number of [...this.built.keys()]) if (number > list.length) this.built.delete(number);
    for (const sb of list) {
      const known = this.built.get(sb.Number);
      if (known === undefined || !bytesEqual(known.hash, sb.Hash)) this.built.set(sb.Number, { hash: sb.Hash, atUs: ctx.now() });
    }
  }
}

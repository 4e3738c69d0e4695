/**
 * How a system hands a node to the world (DESIGN.md, "The framework"): the
 * world hosts it, gives it a disk, a clock and links, and moves its messages
 * as bytes through the node's own codec. The world never looks inside a
 * message and never guesses a role from a name.
 */
import type { MessageCodec } from "../net/codec.js";
import type { MessageInfo } from "../net/cuts.js";
import type { Node, NodeId } from "../sim/node.js";

/**
 * One node of one system instance.
 *
 * Messages a node sends are encoded with its own `codec` and decoded at the
 * receiver with the receiver's `codec`: two nodes that talk must agree on the
 * bytes of what they exchange (a node that speaks two protocols, like the
 * batch poster, has a codec of the union; see `net/codec.ts` `unionCodec`).
 */
export interface NodeSpec<M = unknown> {
  /** Unique node id (`v0`, `c1`, `poster`; `r1/v0` when a scenario holds several rollups). */
  readonly id: NodeId;
  /** What the node is (`validator`, `client`, `l1`, `poster`, `operator`, ...): checkers and faults select nodes by role, never by name. */
  readonly role: string;
  /** The system that added it (`validators`, `l1`, `posting`, ...). */
  readonly system: string;
  /** The system instance it belongs to (`""` for a scenario with one rollup, else the rollup's namespace such as `r1`). */
  readonly instance: string;
  /** Encodes what it sends, decodes what it receives. */
  readonly codec: MessageCodec<M>;
  /** Builds a fresh node (first boot and every restart: volatile state starts empty). */
  readonly create: () => Node<M>;
  /** Whether faults may crash and restart it (a node that cannot recover from its storage is not). */
  readonly crashable: boolean;
  /** False for a node the honest-node invariants must not judge (a byzantine validator, both instances of a twin). */
  readonly honest: boolean;
  /**
   * The identity this node speaks as, when it is one of several instances of
   * one identity (the Twins method: `v3t` is an instance of `v3`). Messages to
   * the identity reach every instance; messages from an instance arrive as
   * from the identity.
   */
  readonly instanceOf?: NodeId;
  /** Virtual time of its first boot, microseconds (default 0: when the run starts). */
  readonly bootAtUs?: number;
  /**
   * What a message it sends is, for filtered network cuts (`"types"`, `"views"` of a partition): its class
   * (`proposal`, `vote`, `timeout`, `sync`, `app`) and the view it carries, if any. Supplied by the system
   * that knows the protocol (the validators system for validators and clients). A node without one sends
   * messages of no class (a `types` filter never drops them) and no view of their own (the world uses the
   * sender's current view, see `World`).
   */
  readonly describeMessage?: (msg: M) => MessageInfo;
}

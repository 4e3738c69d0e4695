/**
 * Network cuts: which links a partition, a one-way cut or an isolation
 * separates, and, for a filtered cut, which messages on those links it drops.
 *
 * Partitions follow the group semantics of Twins (Bano, Sonnino, Chursin,
 * Perelman, Li, Ching, Malkhi, "Twins: BFT Systems Made Robust", OPODIS 2021;
 * the twins-simulator's `TwinsNetwork.send`): a message between two nodes
 * that both appear in some group is delivered when some group holds both
 * ends, so groups may overlap (a node in two groups hears both). A message
 * with an end in no group is never dropped by a partition. With disjoint
 * groups this is the classic cut "every link between different groups".
 *
 * A filtered cut (Twins' round partitions and firewalls, Aptos's
 * `DropConfigRound`) drops a message on a separated link only when the
 * message matches: its view inside the cut's inclusive range, and its class
 * among the cut's types. A message whose view or class is unknown never
 * matches a filter that asks for one.
 */
import { SBCP_MESSAGE_TYPES } from "../sbcp/messages.js";
import type { NodeId } from "../sim/node.js";

/**
 * The message classes a system may map its messages to (see
 * `NodeSpec.describeMessage`): consensus proposals, votes, timeouts,
 * catch-up traffic (block, status and snapshot requests and responses) and
 * application data (transactions, gossip); then the SBCP messages, each its
 * own class under its spec name (`systems/sbcp/message-info.ts`), so a cut can
 * drop one message type of the shared publisher protocol (`"types": ["Decided"]`).
 */
export const MESSAGE_CLASSES = ["proposal", "vote", "timeout", "sync", "app", ...SBCP_MESSAGE_TYPES] as const;

/** One of {@link MESSAGE_CLASSES}. */
export type MessageClass = (typeof MESSAGE_CLASSES)[number];

/**
 * What a filtered cut sees of a message: its class, when its sender's system
 * describes its messages, and the view it belongs to (the view it carries, or
 * else its sender's current view; see `World`). Either may be unknown.
 */
export interface MessageInfo {
  readonly type?: MessageClass;
  readonly view?: number;
}

/** Which messages a filtered cut drops on the links it separates. */
export interface CutFilter {
  /** Inclusive range of views `[from, to]`; absent: every view (and messages with no view). */
  readonly views?: readonly [number, number];
  /** Message classes; absent: every class (and messages with no class). */
  readonly types?: readonly MessageClass[];
}

/** The shape of a cut: which directed links it separates. */
export type CutShape =
  | { readonly kind: "groups"; readonly groups: readonly (readonly NodeId[])[] }
  | { readonly kind: "one-way"; readonly from: readonly NodeId[]; readonly to: readonly NodeId[] }
  | { readonly kind: "isolate"; readonly node: NodeId; readonly direction: "both" | "inbound" | "outbound" };

/** A cut as the network keeps it: whether it separates a link, and whether it drops a message there. */
export interface Cut {
  /** The scenario's name of the cut (`"id": "p1"`), for a selective heal; undefined for an unnamed one. */
  readonly id: string | undefined;
  /** True when the cut separates the directed link `from -> to` (before any filter). */
  separates(from: NodeId, to: NodeId): boolean;
  /** True when the cut drops a message of `info()` on `from -> to` (`info` is asked only for a separated link of a filtered cut). */
  drops(from: NodeId, to: NodeId, info: () => MessageInfo | undefined): boolean;
  /** True when the cut has a filter (it cannot be a plain set of blocked links). */
  readonly filtered: boolean;
}

/**
 * Builds a cut.
 * @param id the scenario's name of the cut, if any
 * @throws RangeError on an inverted view range or an empty type list
 */
export function makeCut(shape: CutShape, filter: CutFilter = {}, id?: string): Cut {
  const views = filter.views;
  if (views !== undefined && !(views[0] <= views[1])) throw new RangeError(`cut views [${views[0]}, ${views[1]}] are inverted`);
  if (filter.types !== undefined && filter.types.length === 0) throw new RangeError("a cut's type filter needs at least one type");
  const types = filter.types === undefined ? undefined : new Set<string>(filter.types);
  const separates = separator(shape);
  const matches = (info: MessageInfo | undefined): boolean => {
    if (views !== undefined && (info?.view === undefined || info.view < views[0] || info.view > views[1])) return false;
    if (types !== undefined && (info?.type === undefined || !types.has(info.type))) return false;
    return true;
  };
  const filtered = views !== undefined || types !== undefined;
  return {
    id,
    filtered,
    separates,
    drops: (from, to, info) => separates(from, to) && (!filtered || matches(info())),
  };
}

/** The links of `shape`: Twins group semantics for groups, every `from` to every `to` for a one-way cut, every link of the node for an isolation (never a node to itself). */
function separator(shape: CutShape): (from: NodeId, to: NodeId) => boolean {
  if (shape.kind === "isolate") {
    const { node, direction } = shape;
    return (a, b) => a !== b && ((direction !== "inbound" && a === node) || (direction !== "outbound" && b === node));
  }
  if (shape.kind === "one-way") {
    const from = new Set(shape.from);
    const to = new Set(shape.to);
    return (a, b) => a !== b && from.has(a) && to.has(b);
  }
  const groupsOf = new Map<NodeId, number[]>();
  shape.groups.forEach((group, g) => {
    for (const id of group) {
      const list = groupsOf.get(id) ?? [];
      if (!list.includes(g)) list.push(g);
      groupsOf.set(id, list);
    }
  });
  return (a, b) => {
    if (a === b) return false;
    const ga = groupsOf.get(a);
    const gb = groupsOf.get(b);
    if (ga === undefined || gb === undefined) return false;
    return !ga.some((g) => gb.includes(g));
  };
}

/**
 * Every directed link among `nodes` that `cut` separates (for an unfiltered
 * cut, kept as a plain set of blocked links).
 */
export function separatedLinks(cut: Cut, nodes: readonly NodeId[]): [NodeId, NodeId][] {
  const out: [NodeId, NodeId][] = [];
  for (const a of nodes) for (const b of nodes) if (cut.separates(a, b)) out.push([a, b]);
  return out;
}

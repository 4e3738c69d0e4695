/**
 * The coverage signal of guided exploration (`explore --guided`): what
 * protocol behaviour one run reached, as a set of feature strings read off
 * the observation bus. Collecting it only listens (a `watch` listener that
 * never touches a node), so the trace digest is the one of a plain run.
 *
 * The features target what the safety rules guard, in the spirit of AFL's
 * edge coverage with hit-count buckets (Zalewski, "technical details" of
 * american fuzzy lop) applied to protocol state rather than code, as in
 * state-coverage-guided protocol fuzzers (AFLNet, Pham et al., ICST 2020):
 *
 * - `ev|...`: (role, event, abstracted state) of every honest validator's
 *   event. The state is the replica's standing in its view as its own events
 *   show it: how far behind the highest view any honest validator has
 *   entered (0, 1, 2, 3+), whether it voted or timed out in its view, whether
 *   it is recovering its safety state, whether it has restarted; and of the
 *   world, whether a network cut (partition, one-way partition, isolation)
 *   is in force. A vote by a replica that timed out or already voted in its
 *   view is one such pair: the state the voting rules exist for; a commit
 *   under a cut is another, the situation quorum intersection exists for.
 *   Refusals and rejects carry their reason.
 * - `vc|...`: view-change patterns: trigrams of how each honest validator
 *   entered its successive views (`Q` a QC of the view before existed, `T` a
 *   TC of it did, `J` neither: a jump by timeout amplification or sync; `+`
 *   when views were skipped), and 4-grams of the outcome of consecutive views
 *   over the cluster (`K` certified and committed, `Q` certified only, `T`
 *   timed out, `S` skipped).
 * - `fork|...`: fork shapes: each abandoned branch (blocks of honest trees
 *   below the highest committed height, off the committed chain) by its depth
 *   from the fork point and whether a block of it was certified; how far an
 *   honest head ever moved back; and how deep the heads of two honest
 *   validators ever diverged (each on a certified block the other's head
 *   does not extend): the near miss of agreement, which two conflicting
 *   commits need first.
 * - `n|...`: hit-count buckets (1, 2, 3, 4-7, 8-15, 16-31, 32-127, 128+) of
 *   the rarer events (timeouts, TCs, refusals, rejects, rollbacks, recoveries,
 *   snapshots), so "more of the same trouble" also counts once per bucket.
 * - `byz|...`, `sim|...`: what byzantine validators and the world did
 *   (the misbehaviour and fault kinds that actually fired).
 *
 * Pure: no IO, no clock, no randomness.
 */
import type { Observation } from "../check/checker.js";
import type { NodeId } from "../sim/node.js";

/** Events whose per-run count is bucketed into features (the rarer, trouble-related ones). */
const COUNTED_EVENTS: ReadonlySet<string> = new Set([
  "timeout",
  "timeout-resend",
  "tc",
  "vote-refused",
  "reject",
  "rollback",
  "recovering",
  "recovered",
  "snapshot-request",
  "snapshot-installed",
  "snapshot-refused",
  "checkpoint-restored",
  "root-divergence",
  "payload-rejected",
  "storage-corrupt",
  "boot",
]);

/** Validator events left out of the (event, state) pairs: they carry no protocol decision. */
const IGNORED_EVENTS: ReadonlySet<string> = new Set(["state-root", "checkpoint", "tx-rejected", "tx-expired", "block"]);

/** What one honest validator's own events say about it. */
interface ReplicaStanding {
  view: number;
  votedInView: boolean;
  timedOutInView: boolean;
  recovering: boolean;
  boots: number;
  /** How it entered its views, in order (tokens `Q`, `T`, `J`, with `+` for a skip). */
  readonly entries: string[];
  /** Highest head height seen, for head moves back. */
  headHeight: number;
  /** The current head's hash, if any. */
  head: string | undefined;
}

/** AFL's hit-count buckets. */
export function countBucket(count: number): string {
  if (count <= 3) return String(count);
  if (count <= 7) return "4-7";
  if (count <= 15) return "8-15";
  if (count <= 31) return "16-31";
  if (count <= 127) return "32-127";
  return "128+";
}

function depthBucket(depth: number): string {
  return depth >= 4 ? "4+" : String(depth);
}

/**
 * Collects the coverage features of one run from its observations (see the
 * file comment). Feed it every observation in order with {@link observe},
 * then read {@link features} once at the end.
 */
export class CoverageCollector {
  private readonly standing = new Map<NodeId, ReplicaStanding>();
  private readonly found = new Set<string>();
  private readonly counts = new Map<string, number>();
  private maxView = 0;
  private readonly qcViews = new Set<number>();
  private readonly tcViews = new Set<number>();
  private readonly committedViews = new Set<number>();
  private readonly committedHashes = new Set<string>();
  private readonly certifiedHashes = new Set<string>();
  private readonly blocks = new Map<string, { parent: string; height: number }>();
  private highestCommitted = 0;
  /** True while a network cut applied by a fault is in force (until the next heal). */
  private cut = false;

  /**
   * @param honestValidators the honest validators whose events and trees count (`v0`...)
   * @param byzantineValidators validators (and twin instances) whose misbehaviour events count as `byz|...`
   */
  constructor(
    private readonly honestValidators: ReadonlySet<NodeId>,
    private readonly byzantineValidators: ReadonlySet<NodeId> = new Set(),
  ) {}

  /** Takes in one observation (any node; only validators' and the world's events count). */
  observe(o: Observation): void {
    if (this.honestValidators.has(o.node)) this.onHonest(o);
    else if (this.byzantineValidators.has(o.node)) this.onByzantine(o);
    else if (o.node === "sim") this.onWorld(o);
  }

  /** The features reached, sorted (computes the end-of-run ones: view outcomes, fork shapes, count buckets). */
  features(): string[] {
    const out = new Set(this.found);
    for (const [key, count] of this.counts) out.add(`n|${key}|${countBucket(count)}`);
    for (const s of this.standing.values()) {
      for (let i = 0; i + 3 <= s.entries.length; i++) out.add(`vc|${s.entries.slice(i, i + 3).join(",")}`);
    }
    const outcomes: string[] = [];
    for (let view = 1; view <= this.maxView; view++) {
      outcomes.push(this.committedViews.has(view) ? "K" : this.qcViews.has(view) ? "Q" : this.tcViews.has(view) ? "T" : "S");
    }
    for (let i = 0; i + 4 <= outcomes.length; i++) out.add(`vo|${outcomes.slice(i, i + 4).join("")}`);
    for (const shape of this.forkShapes()) out.add(shape);
    return [...out].sort();
  }

  private standingOf(node: NodeId): ReplicaStanding {
    let s = this.standing.get(node);
    if (s === undefined) {
      s = { view: 0, votedInView: false, timedOutInView: false, recovering: false, boots: 0, entries: [], headHeight: 0, head: undefined };
      this.standing.set(node, s);
    }
    return s;
  }

  private onHonest(o: Observation): void {
    const s = this.standingOf(o.node);
    const f = o.fields;
    switch (o.event) {
      case "boot":
        s.boots++;
        s.votedInView = false;
        s.timedOutInView = false;
        break;
      case "view": {
        const view = f.view as number;
        const cause = this.qcViews.has(view - 1) ? "Q" : this.tcViews.has(view - 1) ? "T" : "J";
        s.entries.push(view > s.view + 1 && s.view > 0 ? `${cause}+` : cause);
        s.view = view;
        s.votedInView = false;
        s.timedOutInView = false;
        this.maxView = Math.max(this.maxView, view);
        break;
      }
      case "qc":
        this.qcViews.add(f.view as number);
        this.certifiedHashes.add(f.hash as string);
        break;
      case "tc":
        this.tcViews.add(f.view as number);
        break;
      case "commit":
        this.committedViews.add(f.view as number);
        this.committedHashes.add(f.hash as string);
        this.highestCommitted = Math.max(this.highestCommitted, f.height as number);
        break;
      case "block":
        this.blocks.set(f.hash as string, { parent: f.parent as string, height: f.height as number });
        break;
      case "head": {
        const height = f.height as number;
        if (height < s.headHeight) this.found.add(`fork|head-back|${depthBucket(s.headHeight - height)}`);
        s.headHeight = Math.max(s.headHeight, height);
        s.head = f.hash as string;
        this.checkDivergence(o.node, s.head);
        break;
      }
      default:
        break;
    }
    if (!IGNORED_EVENTS.has(o.event)) this.found.add(`ev|validator|${eventKey(o)}|${this.stateOf(s)}`);
    if (COUNTED_EVENTS.has(o.event)) this.counts.set(o.event, (this.counts.get(o.event) ?? 0) + 1);
    // What the event changes comes after the pair: the pair is (state before, event).
    if (o.event === "vote") s.votedInView = true;
    else if (o.event === "timeout") s.timedOutInView = true;
    else if (o.event === "recovering") s.recovering = true;
    else if (o.event === "recovered") s.recovering = false;
  }

  /** Records how deep `head` (of `node`) diverges from each other honest validator's head. */
  private checkDivergence(node: NodeId, head: string): void {
    for (const [other, s] of this.standing) {
      if (other === node || s.head === undefined || s.head === head) continue;
      const depth = this.divergence(head, s.head);
      if (depth > 0) this.found.add(`fork|heads-diverge|${depthBucket(depth)}`);
    }
  }

  /**
   * How far below the lower of two blocks their common ancestor lies (0 when
   * one extends the other, or when an ancestor is unknown within 64 steps).
   */
  private divergence(a: string, b: string): number {
    const ancestors = new Map<string, number>();
    let cursor: string | undefined = a;
    for (let i = 0; cursor !== undefined && i < 64; i++) {
      const block = this.blocks.get(cursor);
      if (block === undefined) break;
      ancestors.set(cursor, block.height);
      cursor = block.parent;
    }
    const heightA = this.blocks.get(a)?.height;
    const heightB = this.blocks.get(b)?.height;
    if (heightA === undefined || heightB === undefined) return 0;
    cursor = b;
    for (let i = 0; cursor !== undefined && i < 64; i++) {
      const common = ancestors.get(cursor);
      if (common !== undefined) return cursor === a || cursor === b ? 0 : Math.min(heightA, heightB) - common;
      cursor = this.blocks.get(cursor)?.parent;
    }
    return 0;
  }

  private stateOf(s: ReplicaStanding): string {
    const lag = this.maxView - s.view;
    return `lag${lag >= 3 ? "3+" : lag}${s.votedInView ? ",voted" : ""}${s.timedOutInView ? ",timedout" : ""}${s.recovering ? ",recovering" : ""}${s.boots > 1 ? ",restarted" : ""}${this.cut ? ",cut" : ""}`;
  }

  private onByzantine(o: Observation): void {
    if (!o.event.startsWith("byzantine-")) return;
    const detail = o.fields.forgery ?? o.fields.mutation ?? o.fields.lie ?? o.fields.type;
    this.found.add(`byz|${o.event}${detail === undefined ? "" : `|${String(detail)}`}`);
  }

  private onWorld(o: Observation): void {
    if (o.event === "fault") {
      const description = String(o.fields.description ?? "");
      const kind = description.split(" ")[0] ?? "";
      if (kind === "partition" || kind === "partition-oneway" || kind === "isolate") this.cut = true;
      else if (kind === "heal" || description.startsWith("liveness phase")) this.cut = false;
      this.found.add(`sim|fault|${kind}${o.fields.triggered === true ? "|triggered" : ""}`);
    } else if (o.event === "crash-point") {
      this.found.add(`sim|crash-point|${String(o.fields.point)}`);
    } else if (o.event !== "redeliver" && o.event !== "violation") {
      this.found.add(`sim|${o.event}`);
    }
  }

  /** Abandoned branches of the honest block trees, by depth from the fork point and certification. */
  private forkShapes(): string[] {
    const onChain = (hash: string): boolean => this.committedHashes.has(hash);
    const children = new Set<string>();
    for (const b of this.blocks.values()) children.add(b.parent);
    const shapes: string[] = [];
    let branches = 0;
    for (const [hash, block] of this.blocks) {
      // A leaf off the committed chain, below the highest committed height: abandoned for good.
      if (children.has(hash) || onChain(hash) || block.height > this.highestCommitted) continue;
      let depth = 0;
      let certified = false;
      let cursor: string | undefined = hash;
      while (cursor !== undefined && !onChain(cursor) && depth < 64) {
        if (this.certifiedHashes.has(cursor)) certified = true;
        depth++;
        cursor = this.blocks.get(cursor)?.parent;
      }
      branches++;
      shapes.push(`fork|branch|${depthBucket(depth)}|${certified ? "certified" : "uncertified"}`);
    }
    if (branches > 0) shapes.push(`fork|branches|${countBucket(branches)}`);
    return shapes;
  }
}

/** The event's name with what tells its cases apart (a refusal's reason, a reject's type and reason, a byzantine tag). */
function eventKey(o: Observation): string {
  const f = o.fields;
  switch (o.event) {
    case "vote-refused":
    case "snapshot-refused":
    case "payload-rejected":
    case "recovering":
      return `${o.event}:${String(f.reason)}`;
    case "reject":
      return `reject:${String(f.type)}:${String(f.reason)}`;
    case "vote":
    case "propose":
      return f.byzantine === undefined ? o.event : `${o.event}:${String(f.byzantine)}`;
    default:
      return o.event;
  }
}

/**
 * The views inside a stretch of time and who led them, for the liveness
 * checker's message ("views 14-19 in the gap, leaders v2 (crashed), v3,
 * v0 (isolated)"): a newcomer reading a liveness failure sees at once whose
 * turns were lost and why.
 *
 * It follows the global view as the world does (the highest view an honest
 * validator announced), takes each view's leader from the `view` event that
 * announced it (the replica's leader election), and tracks which nodes were
 * down (a crash, torn write or wipe until the node boots again), isolated
 * (until a heal) or clogged (until unclogged) from the simulator's `fault`
 * and `crash-point` events, so each leader is marked as it stood when its
 * view began.
 */
import { VALIDATOR_EVENTS } from "../../systems/validators/events.js";
import { armsViewKeyedAction, SIMULATOR_EVENTS } from "../events.js";
import type { HonestValidators, Observation } from "../checker.js";

/** Most leaders named in one summary; the rest are counted. */
export const GAP_LEADERS_SHOWN_MAX = 8;

/** One global view: when it began, its leader and the leader's state then (`crashed`, `isolated`, `clogged`, or ""). */
interface ViewStart {
  readonly view: number;
  readonly startUs: number;
  readonly leader: string | undefined;
  readonly state: string;
}

/** Follows the global views and the leaders' states; see the file comment. */
export class GapViews {
  private readonly starts: ViewStart[] = [];
  private readonly down = new Set<string>();
  /** Isolated nodes and the `id` of their cut ("" without one), so a selective heal ends only its own. */
  private readonly isolated = new Map<string, string>();
  private readonly clogged = new Set<string>();

  /** @param honest the honest validator instances (only their `view` events move the global view) */
  constructor(private readonly honest: HonestValidators) {}

  /** Takes in one observation (any node's; irrelevant events are ignored). */
  observe(o: Observation): void {
    if (SIMULATOR_EVENTS.is(o, "fault")) return this.onFault(o.fields.description);
    if (SIMULATOR_EVENTS.is(o, "crash-point")) return void this.down.add(o.fields.node);
    if (VALIDATOR_EVENTS.is(o, "boot")) return void this.down.delete(o.node);
    if (!VALIDATOR_EVENTS.is(o, "view") || !this.honest.has(o.node)) return;
    const last = this.starts.at(-1);
    if (last !== undefined && o.fields.view <= last.view) return;
    // `leader` is missing from the log lines of an older build (real mode reads log lines).
    const leader = typeof o.fields.leader === "string" ? o.fields.leader : undefined;
    this.starts.push({ view: o.fields.view, startUs: o.timeUs, leader, state: leader === undefined ? "" : this.stateOf(leader) });
  }

  private onFault(description: string): void {
    const words = description.split(" ");
    const [verb, node] = words;
    if (node === undefined && verb !== "heal") return;
    // A node action keyed by views is armed (`crash v2 views 3..5`); each view's own action follows as its own event.
    if (armsViewKeyedAction(description)) return;
    if (verb === "liveness") {
      this.isolated.clear();
      this.clogged.clear();
    } else if (verb === "crash" || verb === "torn-write" || verb === "wipe") this.down.add(node!);
    else if (verb === "isolate") this.isolated.set(node === "both" || node === "inbound" || node === "outbound" ? words[2]! : node!, / id (\S+)/.exec(description)?.[1] ?? "");
    else if (verb === "end") this.isolated.delete(words[3] ?? "");
    else if (verb === "heal") {
      for (const [id, cut] of this.isolated) if (node === undefined || cut === node) this.isolated.delete(id);
    }
    else if (verb === "clog") this.clogged.add(node!);
    else if (verb === "unclog") this.clogged.delete(node!);
  }

  private stateOf(node: string): string {
    if (this.down.has(node)) return "crashed";
    if (this.isolated.has(node)) return "isolated";
    if (this.clogged.has(node)) return "clogged";
    return "";
  }

  /**
   * The views in force in [fromUs, toUs) (the one current at `fromUs`, then those that began inside) and their
   * leaders as each stood when its view began, bounded in length.
   * @returns e.g. `views 14-19 in the gap, leaders v2 (crashed), v3, v0 (isolated), ... (+3 more)`; `no view in the gap` before the first view
   */
  describe(fromUs: number, toUs: number): string {
    let firstIndex = this.starts.findIndex((s) => s.startUs > fromUs);
    if (firstIndex === -1) firstIndex = this.starts.length;
    if (firstIndex > 0) firstIndex--; // the view in force at fromUs
    const inGap = this.starts.slice(firstIndex).filter((s) => s.startUs < toUs);
    if (inGap.length === 0) return "no view in the gap";
    const first = inGap[0]!.view;
    const last = inGap.at(-1)!.view;
    const views = first === last ? `view ${first} in the gap` : `views ${first}-${last} in the gap`;
    const shown = inGap.slice(0, GAP_LEADERS_SHOWN_MAX).map((s) => (s.leader === undefined ? "?" : s.state === "" ? s.leader : `${s.leader} (${s.state})`));
    const more = inGap.length > GAP_LEADERS_SHOWN_MAX ? `, ... (+${inGap.length - GAP_LEADERS_SHOWN_MAX} more)` : "";
    return `${views}, leader${inGap.length === 1 ? "" : "s"} ${shown.join(", ")}${more}`;
  }
}

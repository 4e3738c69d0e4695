/**
 * Fault windows from the `fault` events of a run: each action that puts a
 * fault in force (a crash, a partition, a clog...) opens a window, and the
 * action that undoes it (its restart, a heal, the unclog, the liveness
 * phase) closes it. The descriptions are the ones the fault kinds write
 * (`harness/faults/*.ts`, `describe`, and `harness/view-window.ts` for
 * view-keyed actions); each window is matched back to the scenario action
 * it came from where one fits (same action, same time, or triggered).
 */
import type { Observation } from "../check/checker.js";
import { armsViewKeyedAction, faultActionText, SIMULATOR_EVENTS } from "../check/events.js";
import type { NodeId } from "../sim/node.js";
import type { FaultWindow, FaultWindowKind } from "./types.js";

/** What {@link faultWindows} needs of the scenario's fault plan: each action's name, time and trigger. */
export interface ScheduledAction {
  readonly action: string;
  /** Time it fires (a timed action), microseconds. */
  readonly at: number;
  readonly view?: number;
  readonly when?: unknown;
  readonly every?: boolean;
}

/** The windows of a run and when its liveness phase began. */
export interface FaultWindowsResult {
  readonly windows: FaultWindow[];
  /** When the liveness phase began, microseconds; undefined when it never did. */
  readonly livenessPhaseUs?: number;
}

const DIRECTIONS = new Set(["both", "inbound", "outbound"]);

/** A window being built (open until something closes it). */
interface Draft {
  kind: FaultWindowKind;
  action: string;
  description: string;
  nodes: NodeId[];
  groups?: NodeId[][];
  cutId?: string;
  fromUs: number;
  toUs: number | null;
  endedBy?: string;
  triggered: boolean;
  scheduleIndex?: number;
  order: number;
}

/**
 * Derives the fault windows of a run.
 * @param observations the run's observations in time order (only `sim`'s `fault` and `crash-point` events are read)
 * @param schedule the scenario's `faults`, in file order (for `scheduleIndex`)
 * @param isNode whether a name is a node of the run (a symbolic target such as `leader` is not)
 * @param endUs the end of the run, microseconds (pauses are clipped to it)
 * @returns windows sorted by `fromUs` (then event order), ids 0, 1, 2...
 */
export function faultWindows(observations: readonly Observation[], schedule: readonly ScheduledAction[], isNode: (name: string) => boolean, endUs: number): FaultWindowsResult {
  const drafts: Draft[] = [];
  const open = (): Draft[] => drafts.filter((d) => d.toUs === null);
  const close = (d: Draft, atUs: number, by: string): void => {
    d.toUs = atUs;
    d.endedBy = by;
  };
  const matched = new Set<number>();
  let livenessPhaseUs: number | undefined;

  for (const o of observations) {
    if (!SIMULATOR_EVENTS.is(o, "fault")) continue;
    const description = o.fields.description;
    const triggered = o.fields.triggered === true;
    const t = o.timeUs;
    if (description.startsWith("liveness phase")) {
      livenessPhaseUs = t;
      for (const d of open()) close(d, t, "liveness phase");
      continue;
    }
    // The trigger's suffix (" (at view 5)", " (when v1 logs commit)") is not part of the action's own words.
    const body = faultActionText(description);
    const words = body.split(" ");
    const action = words[0] ?? "";
    const scheduleIndex = matchSchedule(schedule, matched, action, t, triggered);
    const base = { action, description, fromUs: t, toUs: null, triggered, order: drafts.length, ...(scheduleIndex !== undefined ? { scheduleIndex } : {}) };
    const add = (kind: FaultWindowKind, nodes: NodeId[], extra: Partial<Draft> = {}): void => {
      drafts.push({ ...base, kind, nodes, ...extra });
    };
    const instant = (nodes: NodeId[] = []): void => add("instant", nodes, { toUs: t });
    const node = words[1] ?? "";
    // A node action keyed by views (`crash v2 views 3..5`, `clog leader views 3..5`) is armed here; each view's
    // own action follows as its own event (`crash v2 (v2 views 3..5: view 3)`).
    const arming = armsViewKeyedAction(description);
    switch (action) {
      case "crash":
      case "crash-point":
      case "torn-write":
      case "wipe":
        if (!isNode(node) || arming) instant(isNode(node) ? [node] : []);
        else add("crash", [node]);
        break;
      case "restart":
        for (const d of open()) if (d.kind === "crash" && d.nodes[0] === node) close(d, t, description);
        break;
      case "pause": {
        const us = /^(\d+)us$/.exec(words[2] ?? "");
        const toUs = us !== null ? Math.min(endUs, t + Number(us[1])) : t;
        add("pause", isNode(node) ? [node] : [], { toUs, endedBy: "duration" });
        break;
      }
      case "partition":
      case "partition-oneway": {
        const groups = [...body.matchAll(/\[([^\]]*)\]/g)].map((m) => (m[1] === "" ? [] : m[1]!.split(",")));
        const id = / id (\S+)$/.exec(body)?.[1];
        add("partition", [...new Set(groups.flat())], { groups, ...(id !== undefined ? { cutId: id } : {}) });
        break;
      }
      case "isolate": {
        // `isolate v2 both`, `isolate v2 (leader) both`, a view-keyed `isolate both v2 (leader views ...)`, or its arming `isolate leader both views 3..5`.
        const target = DIRECTIONS.has(node) ? (words[2] ?? "") : node;
        const id = / id (\S+)/.exec(body)?.[1];
        if (!isNode(target) || arming) instant(isNode(target) ? [target] : []);
        else add("isolate", [target], id !== undefined ? { cutId: id } : {});
        break;
      }
      case "end": {
        // `end isolation of v2 (leader views 3..5: view 6)`.
        const target = words[3] ?? "";
        for (const d of open()) if (d.kind === "isolate" && d.nodes[0] === target) close(d, t, description);
        break;
      }
      case "heal": {
        const id = words[1];
        for (const d of open()) if ((d.kind === "partition" || d.kind === "isolate") && (id === undefined || d.cutId === id)) close(d, t, description);
        break;
      }
      case "clog":
        if (!isNode(node) || arming) instant(isNode(node) ? [node] : []);
        else add("clog", [node]);
        break;
      case "unclog":
        for (const d of open()) if (d.kind === "clog" && d.nodes[0] === node) close(d, t, description);
        break;
      case "clock":
        add("clock", isNode(node) ? [node] : []);
        break;
      case "storage-faults":
        add("storage", []);
        break;
      case "l1-faults":
        // A later l1-faults action replaces the rates in force.
        for (const d of open()) if (d.kind === "l1") close(d, t, description);
        add("l1", []);
        break;
      default:
        // corrupt, redeliver, l1-reorg, and the kinds of systems added through the registry.
        instant(isNode(node) ? [node] : []);
    }
  }
  drafts.sort((a, b) => a.fromUs - b.fromUs || a.order - b.order);
  const windows = drafts.map(({ order: _order, ...d }, id): FaultWindow => ({ id, ...d }));
  return { windows, ...(livenessPhaseUs !== undefined ? { livenessPhaseUs } : {}) };
}

/** The index of the first unmatched scenario action that fits a fault event (same action; same time, or a trigger for a triggered event). */
function matchSchedule(schedule: readonly ScheduledAction[], matched: Set<number>, action: string, atUs: number, triggered: boolean): number | undefined {
  for (let i = 0; i < schedule.length; i++) {
    const a = schedule[i]!;
    if (a.action !== action) continue;
    const isTriggered = a.view !== undefined || a.when !== undefined;
    if (matched.has(i) && !(isTriggered && a.every === true)) continue;
    if (triggered ? !isTriggered : isTriggered || a.at !== atUs) continue;
    matched.add(i);
    return i;
  }
  return undefined;
}

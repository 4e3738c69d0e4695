/**
 * Where a node stood at a moment of a run (crashed, paused, isolated, on
 * one side of a partition, clogged, or up), from its down intervals and the
 * fault windows in force; and where a view's leader stood through the view.
 */
import type { NodeId } from "../sim/node.js";
import { LEADER_PLACES_MAX, type FaultWindow, type LeaderPlace, type NodeStatus } from "./types.js";

/** What {@link placeOf} needs of a node's history (a `NodeTrack`). */
export interface TrackLike {
  readonly views: readonly { readonly timeUs: number; readonly view: number }[];
  readonly down: readonly { readonly fromUs: number; readonly toUs: number | null }[];
}

/** Whether window `w` is in force at `atUs` (an instant never is). */
function inForce(w: FaultWindow, atUs: number): boolean {
  return w.fromUs <= atUs && (w.toUs === null || w.toUs > atUs) && w.toUs !== w.fromUs;
}

/**
 * Where `node` stood at `atUs`.
 * @param node a node id (a validator identity: its twin instance is not looked at)
 * @param track the node's history, undefined for a node without one (then only the windows count)
 * @param windows every fault window of the run
 */
export function placeOf(node: NodeId, track: TrackLike | undefined, windows: readonly FaultWindow[], atUs: number): LeaderPlace {
  const faults: number[] = [];
  const statuses = new Set<NodeStatus>();
  let side: LeaderPlace["side"];
  if (track?.down.some((d) => d.fromUs <= atUs && (d.toUs === null || d.toUs > atUs))) statuses.add("crashed");
  for (const w of windows) {
    if (!inForce(w, atUs) || !w.nodes.includes(node)) continue;
    if (w.kind === "crash") {
      // A crash point's window opens when it is armed; the node is down from its `crash-point` event (the track).
      if (track === undefined) statuses.add("crashed");
    } else if (w.kind === "pause") statuses.add("paused");
    else if (w.kind === "isolate") statuses.add("isolated");
    else if (w.kind === "clog") statuses.add("clogged");
    else if (w.kind === "partition" && w.groups !== undefined) {
      statuses.add("partitioned");
      const group = w.groups.findIndex((g) => g.includes(node));
      side = { windowId: w.id, group, members: w.groups[group] ?? [] };
    }
    faults.push(w.id);
  }
  const order: NodeStatus[] = ["crashed", "paused", "isolated", "partitioned", "clogged"];
  const status = order.find((s) => statuses.has(s)) ?? "up";
  const ownView = track === undefined ? undefined : viewAt(track, atUs);
  return { atUs, status, ...(side !== undefined ? { side } : {}), faults, ...(ownView !== undefined ? { ownView } : {}) };
}

/**
 * Where `leader` stood through [fromUs, toUs): at `fromUs`, then at each
 * moment inside where its status, its side or the faults on it changed (at
 * most `LEADER_PLACES_MAX`).
 */
export function leaderPlaces(leader: NodeId, track: TrackLike | undefined, windows: readonly FaultWindow[], fromUs: number, toUs: number): LeaderPlace[] {
  const moments = new Set<number>([fromUs]);
  const inside = (t: number | null): t is number => t !== null && t > fromUs && t < toUs;
  for (const w of windows) {
    if (!w.nodes.includes(leader)) continue;
    if (inside(w.fromUs)) moments.add(w.fromUs);
    if (inside(w.toUs)) moments.add(w.toUs);
  }
  for (const d of track?.down ?? []) {
    if (inside(d.fromUs)) moments.add(d.fromUs);
    if (inside(d.toUs)) moments.add(d.toUs);
  }
  const places: LeaderPlace[] = [];
  for (const t of [...moments].sort((a, b) => a - b)) {
    const place = placeOf(leader, track, windows, t);
    const last = places.at(-1);
    if (last !== undefined && samePlace(last, place)) continue;
    places.push(place);
    if (places.length === LEADER_PLACES_MAX) break;
  }
  return places;
}

function samePlace(a: LeaderPlace, b: LeaderPlace): boolean {
  return a.status === b.status && a.side?.windowId === b.side?.windowId && a.side?.group === b.side?.group && a.faults.join() === b.faults.join();
}

/** The view a node had announced by `atUs` (its last `view` event at or before it), or undefined. */
export function viewAt(track: TrackLike, atUs: number): number | undefined {
  let low = 0;
  let high = track.views.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (track.views[mid]!.timeUs <= atUs) low = mid + 1;
    else high = mid;
  }
  return low === 0 ? undefined : track.views[low - 1]!.view;
}

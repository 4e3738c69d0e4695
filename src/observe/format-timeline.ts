/**
 * The timeline as text for people (`asset-sim timeline`): one line per view
 * (its time, its leader and where the leader was, how it ended, the commits
 * inside it), with a column of markers per fault window drawn over the
 * rows and a legend above them. Pure: a {@link RunTimeline} in, lines out.
 */
import type { NodeId } from "../sim/node.js";
import { placeOf } from "./leader-place.js";
import type { FaultWindow, LeaderPlace, RunTimeline, ViewOutcome, ViewRow } from "./types.js";

/** Options of {@link formatTimeline}. Times in microseconds. */
export interface TimelineFormatOptions {
  /** Show the views in force at or after this time (with `toUs`: the views overlapping [fromUs, toUs]). */
  readonly fromUs?: number;
  /** Show the views in force at or before this time. */
  readonly toUs?: number;
  /** Follow these nodes: a column each (status and own view at the view's start), and only their commits. */
  readonly nodes?: readonly NodeId[];
  /** Most view lines printed (default {@link TIMELINE_LINES_MAX}); the middle ones are elided beyond it. */
  readonly maxLines?: number;
}

/** Default cap on view lines. */
export const TIMELINE_LINES_MAX = 200;
/** Views shown before the violation's view by default. */
export const VIEWS_BEFORE_VIOLATION = 10;
/** Views shown after the violation's view by default. */
export const VIEWS_AFTER_VIOLATION = 3;
/** Most fault columns drawn; the other faults are counted under the legend. */
export const FAULT_COLUMNS_MAX = 16;
/** Most commit groups (one height each) printed per view. */
const COMMIT_HEIGHTS_SHOWN_MAX = 4;

const OUTCOME_TEXT: Record<ViewOutcome, string> = { qc: "QC", tc: "TC", timeout: "timed out", left: "left", open: "open" };

/** Seconds with millisecond precision: `12.345s`. */
export function seconds(us: number): string {
  return `${(us / 1e6).toFixed(3)}s`;
}

/**
 * Formats a timeline.
 * @returns the lines to print (no trailing newline in any)
 */
export function formatTimeline(timeline: RunTimeline, options: TimelineFormatOptions = {}): string[] {
  const maxLines = options.maxLines ?? TIMELINE_LINES_MAX;
  const nodes = options.nodes ?? [];
  const { rows, why } = selectRows(timeline, options);
  const shown = elide(rows, maxLines);
  const spanFrom = rows[0]?.startUs ?? options.fromUs ?? 0;
  const spanTo = rows.length > 0 ? (rows.at(-1)!.endUs ?? timeline.endUs) : (options.toUs ?? timeline.endUs);
  const touching = (w: FaultWindow): boolean => nodes.length === 0 || w.nodes.length === 0 || w.nodes.some((n) => nodes.includes(n));
  const relevant = timeline.faults.filter((w) => touching(w) && w.fromUs <= spanTo && (w.toUs === null || w.toUs >= spanFrom));
  const drawn = relevant.slice(0, FAULT_COLUMNS_MAX);
  const letters = drawn.map((_, i) => columnName(i));

  const out: string[] = [];
  out.push(`timeline of ${timeline.scenario}, seed ${timeline.seed}: ${timeline.validators.length} validators (${timeline.validators.join(" ")}), leader election ${timeline.leaderElection}, run ended at ${seconds(timeline.endUs)}`);
  if (timeline.violation !== undefined) out.push(`violation: ${timeline.violation.invariant} at ${seconds(timeline.violation.atUs)}: ${timeline.violation.message}`);
  else out.push("violation: none (every invariant held)");
  if (timeline.livenessPhaseUs !== undefined) out.push(`liveness phase (every fault stopped) at ${seconds(timeline.livenessPhaseUs)}`);
  const elided = rows.length - shown.filter((r) => r !== undefined).length;
  out.push(`showing ${rows.length === 0 ? "no view" : `views ${rows[0]!.view}-${rows.at(-1)!.view}`} (${why}) of ${timeline.views.length} views in the run${elided > 0 ? `; ${elided} view lines elided (narrow with --from/--to)` : ""}`);
  out.push("");
  out.push(drawn.length === 0 ? "faults: none in this window" : "faults (columns below: | in force, + begins, - ends, # begins and ends, * instant, . none):");
  drawn.forEach((w, i) => out.push(`  ${letters[i]!.padEnd(2)} ${w.description}  ${seconds(w.fromUs)} -> ${w.toUs === null ? "still in force at the end" : w.toUs === w.fromUs ? "(instant)" : `${seconds(w.toUs)} (${w.endedBy ?? "ended"})`}`));
  if (relevant.length > drawn.length) out.push(`  (+${relevant.length - drawn.length} more faults in this window not drawn; see --json)`);
  out.push("");

  const header = ["view", "start", "length", ...(drawn.length > 0 ? [letters.map((l) => l[0]).join("")] : []), "leader", "where the leader was", ...nodes, "outcome", "commits (nodes@height)"];
  const table: string[][] = [];
  const rowOfView = new Map(timeline.views.map((v) => [v.view, v]));
  for (const row of shown) {
    if (row === undefined) {
      table.push([`... ${elided} views elided ...`]);
      continue;
    }
    const until = row.endUs ?? timeline.endUs;
    const markers = drawn.map((w) => marker(w, row.startUs, until, row.endUs === null)).join("");
    const alsoProposed = row.proposers.filter((p) => p !== row.leader);
    const leader =
      (row.leader ?? "?") +
      (row.otherLeaders.length > 0 ? ` (also named: ${row.otherLeaders.join(",")})` : "") +
      (alsoProposed.length > 0 ? ` (${alsoProposed.join(",")} proposed too)` : "");
    const where = row.leaderPlaces.map((p, i) => placeText(p, row.view, i > 0)).join(" -> ") || "?";
    const nodeColumns = nodes.map((n) => {
      const track = timeline.nodes.find((t) => t.node === n);
      return placeText(placeOf(n, track, timeline.faults, row.startUs), row.view, false, true);
    });
    table.push([String(row.view), seconds(row.startUs), seconds(until - row.startUs), ...(drawn.length > 0 ? [markers] : []), leader, where, ...nodeColumns, outcomeText(row, rowOfView.get(row.view + 1), timeline), commitsText(row, nodes)]);
  }
  out.push(...alignColumns(header, table));
  return out;
}

/** The rows to show and why (the window's reason, for the header). */
function selectRows(timeline: RunTimeline, options: TimelineFormatOptions): { rows: ViewRow[]; why: string } {
  const views = timeline.views;
  if (options.fromUs !== undefined || options.toUs !== undefined) {
    const from = options.fromUs ?? 0;
    const to = options.toUs ?? Number.POSITIVE_INFINITY;
    const rows = views.filter((v) => v.startUs <= to && (v.endUs ?? timeline.endUs) >= from);
    return { rows, why: `from ${seconds(from)}${Number.isFinite(to) ? ` to ${seconds(to)}` : ""}` };
  }
  const violation = timeline.violation;
  if (violation !== undefined && views.length > 0) {
    let at = views.findIndex((v) => v.startUs > violation.atUs) - 1;
    if (at === -2) at = views.length - 1;
    if (at < 0) at = 0;
    const rows = views.slice(Math.max(0, at - VIEWS_BEFORE_VIOLATION), at + VIEWS_AFTER_VIOLATION + 1);
    return { rows, why: `around the violation: view ${views[at]!.view} was in force at ${seconds(violation.atUs)}` };
  }
  return { rows: [...views], why: "the whole run" };
}

/** At most `max` rows: the first and last halves, `undefined` standing for the elided middle. */
function elide(rows: ViewRow[], max: number): (ViewRow | undefined)[] {
  if (rows.length <= max) return rows;
  const head = Math.ceil(max / 2);
  return [...rows.slice(0, head), undefined, ...rows.slice(rows.length - (max - head))];
}

/**
 * The outcome, with the reason a view whose leader was up still failed when it is the usual one: its votes go
 * to the next view's leader (HotStuff-2 chained), so a next leader that is down or cut off costs this view too.
 */
function outcomeText(row: ViewRow, next: ViewRow | undefined, timeline: RunTimeline): string {
  const text = OUTCOME_TEXT[row.outcome];
  if ((row.outcome !== "tc" && row.outcome !== "timeout") || next?.leader === undefined || row.leaderPlaces[0]?.status !== "up") return text;
  const place = placeOf(next.leader, timeline.nodes.find((t) => t.node === next.leader), timeline.faults, row.startUs);
  return place.status === "up" ? text : `${text} (votes go to the next leader ${next.leader}: ${place.status})`;
}

/** A, B, ... Z, then AA, AB...: the name of fault column `i`. */
function columnName(i: number): string {
  return i < 26 ? String.fromCharCode(65 + i) : `${String.fromCharCode(65 + Math.floor(i / 26) - 1)}${String.fromCharCode(65 + (i % 26))}`;
}

/** The marker of window `w` over a row spanning [fromUs, toUs). */
function marker(w: FaultWindow, fromUs: number, toUs: number, last: boolean): string {
  const inRow = (t: number): boolean => t >= fromUs && (t < toUs || (last && t <= toUs));
  if (w.toUs === w.fromUs) return inRow(w.fromUs) ? "*" : ".";
  const begins = w.fromUs > fromUs && inRow(w.fromUs);
  const ends = w.toUs !== null && w.toUs > fromUs && inRow(w.toUs);
  if (begins && ends) return "#";
  if (begins) return "+";
  if (ends) return "-";
  return w.fromUs <= fromUs && (w.toUs === null || w.toUs > fromUs) ? "|" : ".";
}

/** `up`, `crashed`, `partitioned (side [v3,v4] of A)`, `up, in view 40`...; `changed` prefixes the time of a change inside the view. */
function placeText(place: LeaderPlace, view: number, changed: boolean, alwaysView = false): string {
  let text: string = place.status;
  if (place.side !== undefined) text += ` [${place.side.members.join(",")}]`;
  if (place.status !== "crashed" && place.ownView !== undefined && (alwaysView || place.ownView !== view)) text += ` in view ${place.ownView}`;
  return changed ? `${text} at ${seconds(place.atUs)}` : text;
}

/** `v0,v1,v3@10 v0@11 (+2 heights)`: the commits of a view grouped by height (only `nodes`' when given). */
function commitsText(row: ViewRow, nodes: readonly NodeId[]): string {
  const byHeight = new Map<number, NodeId[]>();
  for (const c of row.commits) {
    if (nodes.length > 0 && !nodes.includes(c.node)) continue;
    const list = byHeight.get(c.height) ?? [];
    list.push(c.node);
    byHeight.set(c.height, list);
  }
  if (byHeight.size === 0) return "-";
  const groups = [...byHeight].map(([height, who]) => `${who.join(",")}@${height}`);
  const more = groups.length > COMMIT_HEIGHTS_SHOWN_MAX ? ` (+${groups.length - COMMIT_HEIGHTS_SHOWN_MAX} heights)` : "";
  return groups.slice(0, COMMIT_HEIGHTS_SHOWN_MAX).join(" ") + more;
}

/** Pads columns to their widest cell (a row of one cell is printed as is). */
function alignColumns(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.filter((r) => r.length > 1).map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string => (cells.length === 1 ? cells[0]! : cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd());
  return [line(header), ...rows.map(line)];
}

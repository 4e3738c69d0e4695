/**
 * Swarm testing over the SBCP system (`explore --swarm`, `asset-sim swarm`):
 * swarm-only kinds that draw faults over the SP, the sequencers and the SBCP
 * message types, so a scenario with an `sbcp` section (with or without
 * validators) gets SBCP faults per seed (Groce et al., "Swarm Testing",
 * ISSTA 2012; the fault tables of SBCP v1, `docs/sbcp.md`). Each kind is
 * drawn from its own `swarm/<name>` stream and writes world fault actions
 * (the catalog's `crash`, `restart`, `crash-point`, `partition-oneway` with
 * `types`, `heal`, `corrupt`, `torn-write`, `wipe`) into the scenario's
 * `faults`, so the derived scenario alone reproduces the run. A scenario
 * without an `sbcp` section draws nothing here.
 *
 * - `sbcp-crash`: one or two crashes of the SP or a sequencer (a plain crash
 *   or a crash point after a write or sync, before or after a send), each
 *   restarted 1-5 s later; at most one SBCP node down at a time.
 * - `sbcp-message-loss`: one or two cuts that lose one SBCP message type
 *   (StartSlot, StartSC, Decided, RequestSeal from the SP; Vote, L2Block to it;
 *   CIRCMessage between sequencers) on some links for 0.5-6 s, then healed.
 * - `sbcp-storage`: a sequencer's disk fault: a corrupt block record (read at
 *   the restart that follows), a torn write, or a lost disk, each followed by
 *   a restart. The SP's disk is left alone: a damaged SP log halts the SP by
 *   design (`sbcp.liveness.spHalts`), which a swarm run would report as a
 *   liveness failure.
 *
 * Every action starts in the swarm's fault window and is healed (restarted,
 * cut removed) by the time every swarm fault has healed (`SwarmContext.healedByUs`).
 */
import type { BackgroundKind, SwarmContext } from "../../harness/fault-kind.js";
import { pick, roundMs, shuffle } from "../../harness/faults/plan-checks.js";
import type { Rng } from "../../sim/rng.js";

/** The SP's node id and the SBCP roles, as the system plans them (kept here to avoid an import cycle with `index.ts`). */
const SP = "sp";
const SEQUENCER_ROLE = "sbcp-sequencer";

/** The SBCP nodes that can crash: the SP and the sequencers; none without an `sbcp` section. */
function sbcpNodes(ctx: SwarmContext): { sp: string | undefined; sequencers: string[] } {
  if (ctx.base.sbcp === undefined) return { sp: undefined, sequencers: [] };
  const sequencers = ctx.plan.nodes.filter((n) => n.role === SEQUENCER_ROLE).map((n) => n.id);
  return { sp: ctx.plan.node(SP) === undefined ? undefined : SP, sequencers };
}

/** Whether some node is down (crashed until its restart) at any time in [startUs, endUs], or left down: SBCP swarm faults take one node down at a time. */
function overlapsDown(drawn: readonly Record<string, unknown>[], startUs: number, endUs: number): boolean {
  const down = new Map<string, number>();
  const spans: [number, number][] = [];
  for (const a of [...drawn].sort((x, y) => (x.at as number) - (y.at as number))) {
    const node = a.node as string | undefined;
    if (node === undefined) continue;
    if (["crash", "crash-point", "torn-write", "wipe"].includes(a.action as string)) down.set(node, a.at as number);
    else if (a.action === "restart" && down.has(node)) {
      spans.push([down.get(node)!, a.at as number]);
      down.delete(node);
    }
  }
  return spans.some(([s, e]) => s <= endUs && startUs <= e) || down.size > 0;
}

/** A crash window: starts in the fault window, 1-5 s long, over by the heal time; undefined when it does not fit. */
function downWindow(ctx: SwarmContext, rng: Rng): { startUs: number; endUs: number } | undefined {
  const { startUs } = ctx.window(rng, 0);
  const endUs = Math.min(ctx.healedByUs, roundMs(startUs + 1_000_000 + rng.next() * 4_000_000));
  return endUs - startUs >= 2_000 ? { startUs, endUs } : undefined;
}

const CRASH_POINTS = [{ after: "write" }, { after: "sync" }, { before: "send" }, { after: "send" }] as const;

/** `sbcp-crash` (see the file comment). */
export const sbcpCrashKind: BackgroundKind = {
  name: "sbcp-crash",
  summary: "crash the SBCP shared publisher or a sequencer (plainly or at a crash point) and restart it",
  swarm: (ctx, rng) => {
    const { sp, sequencers } = sbcpNodes(ctx);
    if (sp === undefined) return undefined;
    const targets = [sp, ...sequencers];
    const actions: Record<string, unknown>[] = [];
    const notes: string[] = [];
    const count = rng.intBetween(1, 2);
    for (let i = 0; i < count; i++) {
      const node = pick(targets, rng);
      const span = downWindow(ctx, rng);
      if (span === undefined || overlapsDown([...ctx.drawn, ...actions], span.startUs, span.endUs)) continue;
      const point = rng.chance(0.5) ? undefined : CRASH_POINTS[rng.int(CRASH_POINTS.length)]!;
      const crash = point === undefined ? { at: span.startUs, action: "crash", node } : { at: span.startUs, action: "crash-point", node, ...point, within: Math.max(1, Math.floor((span.endUs - span.startUs) / 2)) };
      const pair = [crash, { at: span.endUs, action: "restart", node }];
      if (!ctx.fits([...actions, ...pair])) continue;
      actions.push(...pair);
      notes.push(point === undefined ? `crash ${node}` : `crash-point ${node} ${"after" in point ? `after ${point.after}` : `before ${point.before}`}`);
    }
    if (actions.length === 0) return undefined;
    return { patch: (raw) => void (raw.faults as Record<string, unknown>[]).push(...actions), note: notes.join(", ") };
  },
};

/** Message types by direction: SP to sequencers, sequencers to the SP, sequencer to sequencer. */
const FROM_SP = ["StartSlot", "StartSC", "Decided", "RequestSeal"] as const;
const TO_SP = ["Vote", "L2Block"] as const;
const TYPES = [...FROM_SP, ...TO_SP, "CIRCMessage"] as const;

/** `sbcp-message-loss` (see the file comment). */
export const sbcpMessageLossKind: BackgroundKind = {
  name: "sbcp-message-loss",
  summary: "lose one SBCP message type (StartSlot, StartSC, CIRCMessage, Vote, Decided, RequestSeal, L2Block) on some links for a while",
  swarm: (ctx, rng) => {
    const { sp, sequencers } = sbcpNodes(ctx);
    if (sp === undefined || sequencers.length === 0) return undefined;
    const actions: Record<string, unknown>[] = [];
    const notes: string[] = [];
    const count = rng.intBetween(1, 2);
    const taken = new Set(ctx.drawn.map((a) => a.id).filter((id) => typeof id === "string"));
    for (let i = 0; i < count; i++) {
      const type = TYPES[rng.int(TYPES.length)]!;
      const some = shuffle(sequencers, rng).slice(0, rng.intBetween(1, sequencers.length));
      const [from, to] = (FROM_SP as readonly string[]).includes(type) ? [[sp], some] : (TO_SP as readonly string[]).includes(type) ? [some, [sp]] : [some, sequencers];
      const { startUs } = ctx.window(rng, 0);
      const endUs = Math.min(ctx.healedByUs, roundMs(startUs + 500_000 + rng.next() * 5_500_000));
      if (endUs <= startUs) continue;
      let n = i + 1;
      while (taken.has(`sbcploss${n}`)) n++;
      const id = `sbcploss${n}`;
      taken.add(id);
      actions.push({ at: startUs, action: "partition-oneway", from, to, types: [type], id }, { at: endUs, action: "heal", partition: id });
      notes.push(`lose ${type} ${from.join(",")}->${to.join(",")}`);
    }
    if (actions.length === 0 || !ctx.fits(actions)) return undefined;
    return { patch: (raw) => void (raw.faults as Record<string, unknown>[]).push(...actions), note: notes.join(", ") };
  },
};

/** `sbcp-storage` (see the file comment). */
export const sbcpStorageKind: BackgroundKind = {
  name: "sbcp-storage",
  summary: "a sequencer's disk fault (a corrupt block record, a torn write or a lost disk), then its restart",
  swarm: (ctx, rng) => {
    const { sequencers } = sbcpNodes(ctx);
    if (sequencers.length === 0) return undefined;
    const node = pick(sequencers, rng);
    const span = downWindow(ctx, rng);
    if (span === undefined || overlapsDown(ctx.drawn, span.startUs, span.endUs)) return undefined;
    const fault = rng.int(3);
    const actions: Record<string, unknown>[] =
      fault === 0
        ? // The corrupt record is read back at the restart after the crash.
          [
            { at: span.startUs, action: "corrupt", node, key: "seq/block/", bits: rng.intBetween(1, 4) },
            { at: span.startUs, action: "crash", node },
            { at: span.endUs, action: "restart", node },
          ]
        : [
            { at: span.startUs, action: fault === 1 ? "torn-write" : "wipe", node },
            { at: span.endUs, action: "restart", node },
          ];
    if (!ctx.fits(actions)) return undefined;
    const what = fault === 0 ? "corrupt" : fault === 1 ? "torn-write" : "wipe";
    return { patch: (raw) => void (raw.faults as Record<string, unknown>[]).push(...actions), note: `${what} ${node}` };
  },
};

/** The SBCP system's swarm-only kinds, in drawing order. */
export const SBCP_SWARM_KINDS: readonly BackgroundKind[] = [sbcpCrashKind, sbcpMessageLossKind, sbcpStorageKind];

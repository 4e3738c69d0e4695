/**
 * Runs a shipped SBCP scenario (`sim-scenarios/<name>.json`, e.g.
 * `sbcp/sp-crash-after-decided`) and keeps every `sbcp-*` event, with typed
 * views of the SP's superblocks and slots for the fault-table tests (and the world's `crash-point` events).
 */
import type { Observation } from "../../src/check/checker.js";
import type { RunOptions } from "../../src/scenario/run.js";
import { runScenario, scenario } from "./scenario.js";

/** The SBCP checkers, in report order. */
export const SBCP_CHECKERS = ["sbcp-2pc", "sbcp-xt-atomicity", "sbcp-superblock-chain", "sbcp-conservation", "sbcp-mailbox", "sbcp-no-local-while-locked", "sbcp-l1-registry", "sbcp-liveness"];

/** A superblock the SP logged. */
export interface LoggedSuperblock {
  readonly atUs: number;
  readonly number: number;
  readonly slot: number;
  readonly partial: boolean;
  readonly hash: string;
  readonly parentHash: string;
  readonly xTids: readonly string[];
  readonly chains: readonly number[];
}

/** Runs `name` (fields replaced by `fields`) and returns its report and SBCP events. */
export function runSbcp(name: string, fields: Record<string, unknown> = {}, options: RunOptions = {}) {
  const events: Observation[] = [];
  const report = runScenario(scenario(name, fields), { ...options, observer: (o) => (o.event.startsWith("sbcp-") || o.event === "crash-point") && events.push(o) });
  const f = (e: Observation) => e.fields as Record<string, unknown>;
  const of = (event: string, node?: string) => events.filter((e) => e.event === event && (node === undefined || e.node === node));
  const superblocks: LoggedSuperblock[] = of("sbcp-superblock", "sp").map((e) => ({
    atUs: e.timeUs,
    number: f(e).number as number,
    slot: f(e).slot as number,
    partial: f(e).partial as boolean,
    hash: f(e).hash as string,
    parentHash: f(e).parentHash as string,
    xTids: f(e).xTids as string[],
    chains: (f(e).blocks as { chain: number }[]).map((b) => b.chain),
  }));
  const slots = of("sbcp-slot-started", "sp").map((e) => ({ atUs: e.timeUs, slot: f(e).slot as number }));
  const greenCheckers = (): Record<string, boolean> => Object.fromEntries(SBCP_CHECKERS.map((n) => [n, report.invariants.find((i) => i.name === n)?.ok === true]));
  return { report, events, of, f, superblocks, slots, greenCheckers };
}

/** What {@link runSbcp} returns. */
export type SbcpRun = ReturnType<typeof runSbcp>;

/**
 * Message events (`World.watchMessages`, `--events-messages`): every message
 * sent is reported with an id that links its send to its delivery, drops say
 * why, duplicates and holds are reported, the events match the simulator's
 * catalogue, they change nothing in the run (trace digest, report), and off
 * they are not emitted at all.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Observation } from "../../src/check/checker.js";
import { SIMULATOR_EVENTS } from "../../src/check/events.js";
import { main } from "../../src/cli/main.js";
import { parseScenario } from "../../src/scenario/load.js";
import { runAndJudge, type RunReport } from "../../src/scenario/run.js";
import { ScenarioRun } from "../../src/scenario/scenario-run.js";
import type { Scenario } from "../../src/scenario/schema.js";

/** Four validators, one client, no L1: a second or two of consensus with the given network and faults. */
function small(fields: Record<string, unknown>): Scenario {
  return parseScenario({
    name: "message-events",
    seed: 11,
    duration: "2s",
    validators: { count: 4, signatureScheme: "sim", viewTimeout: "400ms" },
    workload: { txPerSecond: 20, clients: 1 },
    l1: { enabled: false },
    network: { latency: { min: "2ms", max: "20ms" }, dropRate: 0, duplicateRate: 0 },
    ...fields,
  });
}

function run(s: Scenario, messageEvents: boolean): { report: RunReport; events: Observation[]; stats: ScenarioRun["world"]["network"]["stats"] } {
  const r = new ScenarioRun(s);
  const events: Observation[] = [];
  r.addObserver((o) => events.push(o));
  if (messageEvents) r.world.watchMessages();
  const report = runAndJudge(r);
  return { report, events, stats: r.world.network.stats };
}

const messages = (events: readonly Observation[], kind: string): Observation[] => events.filter((o) => o.event === `message-${kind}`);

describe("message events", () => {
  it("link each send to its delivery by id, and count what the network counts", () => {
    const { events, stats } = run(small({ network: { latency: { min: "2ms", max: "20ms" }, dropRate: 0.05, duplicateRate: 0.05 } }), true);
    const sends = new Map<number, Observation>();
    for (const o of messages(events, "send")) {
      expect(sends.has(o.fields.id as number)).toBe(false);
      sends.set(o.fields.id as number, o);
    }
    expect(sends.size).toBe(stats.sent);
    expect([...sends.keys()]).toEqual(Array.from({ length: sends.size }, (_, i) => i + 1));
    const delivered = messages(events, "deliver");
    expect(delivered.length).toBe(stats.delivered);
    expect(messages(events, "drop").length).toBe(stats.dropped);
    expect(messages(events, "duplicate").length).toBe(stats.duplicated);
    expect(stats.duplicated).toBeGreaterThan(0);
    for (const d of delivered) {
      const send = sends.get(d.fields.id as number)!;
      expect(send).toBeDefined();
      expect([d.fields.from, d.fields.to, d.fields.sizeBytes, d.fields.type]).toEqual([send.fields.from, send.fields.to, send.fields.sizeBytes, send.fields.type]);
      expect(d.timeUs).toBeGreaterThanOrEqual(send.timeUs + 2_000);
      expect(d.timeUs).toBeLessThanOrEqual(send.timeUs + 20_000);
    }
    // A duplicated message is delivered twice under its id; any other at most once.
    const deliveriesOf = new Map<number, number>();
    for (const d of delivered) deliveriesOf.set(d.fields.id as number, (deliveriesOf.get(d.fields.id as number) ?? 0) + 1);
    const duplicated = new Set(messages(events, "duplicate").map((o) => o.fields.id as number));
    for (const [id, n] of deliveriesOf) expect(n).toBeLessThanOrEqual(duplicated.has(id) ? 2 : 1);
    expect([...deliveriesOf.values()].some((n) => n === 2)).toBe(true);
    // Random loss is reported as such, and the lost message is never delivered.
    for (const drop of messages(events, "drop")) {
      expect(drop.fields.reason).toBe("loss");
      expect(deliveriesOf.has(drop.fields.id as number) && !duplicated.has(drop.fields.id as number)).toBe(false);
    }
    // Every message event is a declared simulator event with the declared fields; proposals and votes carry their view.
    for (const o of events.filter((e) => e.event.startsWith("message-"))) expect(SIMULATOR_EVENTS.validate(o)).toBeUndefined();
    const proposals = [...sends.values()].filter((o) => o.fields.type === "proposal");
    expect(proposals.length).toBeGreaterThan(0);
    for (const p of proposals) expect(typeof p.fields.view).toBe("number");
  });

  it("give the reason of each drop: a partition, a crashed receiver", () => {
    const { events } = run(
      small({
        faults: [
          { at: "500ms", action: "partition", groups: [["v0", "v1"], ["v2", "v3"]] },
          { at: "1s", action: "heal" },
          { at: "1200ms", action: "crash", node: "v3" },
        ],
      }),
      true,
    );
    const drops = messages(events, "drop");
    const partitioned = drops.filter((d) => d.fields.reason === "partition");
    expect(partitioned.length).toBeGreaterThan(0);
    const side = (n: unknown): number => (n === "v0" || n === "v1" ? 0 : n === "v2" || n === "v3" ? 1 : -1);
    for (const d of partitioned) {
      // Dropped at its send or at its arrival, while the partition held, between the two sides only.
      expect(d.timeUs).toBeGreaterThanOrEqual(500_000);
      expect(d.timeUs).toBeLessThanOrEqual(1_000_000);
      expect(side(d.fields.from)).toBeGreaterThanOrEqual(0);
      expect(side(d.fields.to)).toBe(1 - side(d.fields.from));
    }
    const crashed = drops.filter((d) => d.fields.reason === "crashed");
    expect(crashed.length).toBeGreaterThan(0);
    for (const d of crashed) {
      expect(d.fields.to).toBe("v3");
      expect(d.timeUs).toBeGreaterThanOrEqual(1_200_000);
    }
    expect(drops.every((d) => d.fields.reason === "partition" || d.fields.reason === "crashed")).toBe(true);
  });

  it("report a message a clog holds, then deliver it under its id when the clog ends", () => {
    const { events } = run(
      small({
        faults: [
          { at: "500ms", action: "clog", node: "v1" },
          { at: "900ms", action: "unclog", node: "v1" },
        ],
      }),
      true,
    );
    const held = messages(events, "hold");
    expect(held.length).toBeGreaterThan(0);
    const deliveredAt = new Map(messages(events, "deliver").map((o) => [o.fields.id as number, o.timeUs]));
    for (const h of held) {
      expect(h.fields.from === "v1" || h.fields.to === "v1").toBe(true);
      expect(h.timeUs).toBeLessThan(900_000);
      const at = deliveredAt.get(h.fields.id as number);
      if (at !== undefined) expect(at).toBeGreaterThanOrEqual(900_000);
    }
    expect(held.some((h) => (deliveredAt.get(h.fields.id as number) ?? 0) >= 900_000)).toBe(true);
  });

  it("change nothing in the run, and are not emitted when off", () => {
    const s = small({
      network: { latency: { min: "2ms", max: "20ms" }, dropRate: 0.03, duplicateRate: 0.03 },
      faults: [
        { at: "300ms", action: "partition", groups: [["v0"], ["v1", "v2", "v3"]] },
        { at: "700ms", action: "heal" },
        { at: "800ms", action: "clog", node: "v2" },
        { at: "1s", action: "unclog", node: "v2" },
      ],
    });
    const off = run(s, false);
    const on = run(s, true);
    expect(on.report.traceDigest).toBe(off.report.traceDigest);
    expect(on.report).toEqual(off.report);
    expect(off.events.some((o) => o.event.startsWith("message-"))).toBe(false);
    expect(on.events.filter((o) => !o.event.startsWith("message-"))).toEqual(off.events);
  });

  it("go to the --events file with --events-messages, and only then", async () => {
    const dir = mkdtempSync(join(tmpdir(), "msg-events-"));
    const io = { out: () => {}, err: () => {} };
    const args = (file: string, extra: string[]) => ["node", "asset-sim", "run", "twins-must-fail", "--duration", "1s", "--out", dir, "--events", file, ...extra];
    expect(await main(args(join(dir, "with.jsonl"), ["--events-messages"]), io)).toBe(0);
    expect(await main(args(join(dir, "without.jsonl"), []), io)).toBe(0);
    const lines = (f: string) => readFileSync(join(dir, f), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const withMessages = lines("with.jsonl");
    const without = lines("without.jsonl");
    expect(withMessages.some((l) => l.event === "message-send" && typeof l.id === "number" && typeof l.sizeBytes === "number")).toBe(true);
    expect(withMessages.some((l) => l.event === "message-drop" && l.reason === "partition")).toBe(true);
    expect(without.some((l) => String(l.event).startsWith("message-"))).toBe(false);
    expect(withMessages.filter((l) => !String(l.event).startsWith("message-"))).toEqual(without);
    // Without --events, --events-messages is refused (exit 2).
    expect(await main(["node", "asset-sim", "run", "twins-must-fail", "--duration", "1s", "--out", dir, "--events-messages"], io)).toBe(2);
  });
});

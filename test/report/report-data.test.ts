/**
 * The report's data: the message log's cap (a window of sends around the
 * violation), the SLO series computed from hand-fed events with known
 * answers, and the recorder on a real failing run (lanes, the violation,
 * views and fault windows from the run timeline, message rows and their
 * fates, and the page it makes).
 */
import { describe, expect, it } from "vitest";
import type { Observation } from "../../src/check/checker.js";
import { reportHtml } from "../../src/report/html.js";
import { MessageLog } from "../../src/report/message-log.js";
import { ReportRecorder } from "../../src/report/report-data.js";
import { SloRecorder } from "../../src/report/slo-series.js";
import { encodeBlockPayload } from "../../src/sequencer/block-payload.js";
import { runAndJudge } from "../../src/scenario/run.js";
import { ScenarioRun } from "../../src/scenario/scenario-run.js";
import { formatSummary } from "../../src/cli/summary.js";
import { sha256, toHex } from "../../src/crypto/hash.js";
import { scenario } from "../helpers/scenario.js";

const send = (id: number, timeUs: number): Observation => ({ timeUs, node: "sim", event: "message-send", fields: { id, from: "v0", to: "v1", sizeBytes: 10 } });

describe("the message log", () => {
  it("keeps every message under the cap, and a window of sends around the focus over it, three quarters before", () => {
    const log = new MessageLog();
    for (let id = 1; id <= 1000; id++) log.observe(send(id, id * 1000));
    log.observe({ timeUs: 1_000_500, node: "sim", event: "message-deliver", fields: { id: 1000, from: "v0", to: "v1", sizeBytes: 10 } });
    expect(log.window(500_000, 1000)).toEqual({ records: log.all(), capped: false });
    const { records, capped } = log.window(500_000, 100);
    expect(capped).toBe(true);
    expect(records).toHaveLength(100);
    expect(records[0]!.id).toBe(500 - 75);
    expect(records.at(-1)!.id).toBe(500 + 24);
    // Near the end, the window ends with the last send.
    const end = log.window(2_000_000, 100).records;
    expect(end.at(-1)!.id).toBe(1000);
    expect(end.at(-1)!.deliveredUs).toBe(1_000_500);
  });
});

describe("the SLO series", () => {
  it("give the block interval, TPS, commit latency and reorg depth of hand-fed events", () => {
    const slo = new SloRecorder(new Set(["v0", "v1"]), new Set(["v0", "v1"]));
    const hash = (n: number): string => toHex(sha256(new Uint8Array([n])));
    const tx = (n: number): Uint8Array => new Uint8Array([7, n]);
    const zero = new Uint8Array(32);
    // Heights 1..10 first committed every 200 ms by v0 (v1 a little later, ignored), one transaction each, submitted 50 ms before.
    for (let h = 1; h <= 10; h++) {
      const atUs = h * 200_000;
      slo.observe({ timeUs: atUs - 50_000, node: "c0", event: "submit", fields: { txId: toHex(sha256(tx(h))), to: "v0", kind: "transfer", account: "00", nonce: h } });
      const payload = encodeBlockPayload({ height: h, parent: zero, stateRoot: zero, txs: [tx(h)] });
      slo.observe({ timeUs: atUs, node: "v0", event: "commit", fields: { height: h, view: h, hash: hash(h), payload } });
      slo.observe({ timeUs: atUs + 10_000, node: "v1", event: "commit", fields: { height: h, view: h, hash: hash(h), payload } });
    }
    // v1's head goes 1 -> 2 -> 3, then to a block 2' whose parent is 1: a rollback of 2 blocks.
    slo.observe({ timeUs: 0, node: "v1", event: "block", fields: { hash: hash(1), parent: toHex(sha256(new Uint8Array())), height: 1, view: 1, proposer: 0 } });
    slo.observe({ timeUs: 0, node: "v1", event: "block", fields: { hash: hash(2), parent: hash(1), height: 2, view: 2, proposer: 0 } });
    slo.observe({ timeUs: 0, node: "v1", event: "block", fields: { hash: hash(3), parent: hash(2), height: 3, view: 3, proposer: 0 } });
    slo.observe({ timeUs: 0, node: "v1", event: "block", fields: { hash: hash(99), parent: hash(1), height: 2, view: 5, proposer: 1 } });
    for (const [t, h] of [
      [100_000, 1],
      [200_000, 2],
      [300_000, 3],
      [1_500_000, 99],
    ] as const)
      slo.observe({ timeUs: t, node: "v1", event: "head", fields: { hash: hash(h), height: h === 99 ? 2 : h, view: h } });
    const { series, noData, bucketUs } = slo.finish(2_000_000);
    expect(bucketUs).toBe(100_000);
    const get = (title: string) => series.find((s) => s.title.startsWith(title))!;
    const interval = get("Block interval");
    expect(interval.y[0]!.filter((v) => v !== null).every((v) => v === 200)).toBe(true);
    expect(interval.y[1]!.filter((v) => v !== null).every((v) => v === 200)).toBe(true);
    const latency = get("Commit latency");
    expect(new Set(latency.y[0]!.filter((v) => v !== null))).toEqual(new Set([50]));
    // TPS over the trailing 5 buckets of 100 ms: buckets 5..9 ([500, 1000) ms) hold the commits at 600 and 800 ms,
    // 2 tx in 0.5 s; buckets 6..10 those at 600, 800 and 1000 ms.
    const tps = get("Committed TPS").y[0]!;
    expect(tps[9]).toBe(4);
    expect(tps[10]).toBe(6);
    expect(get("Reorg depth").y[0]![15]).toBe(2);
    expect(Math.max(...(get("Reorg depth").y[0]! as number[]))).toBe(2);
    expect(noData).toEqual(["L1 batch latency (first commit to L1 finalization)"]);
  });
});

describe("the report recorder", () => {
  it("records a failing run: a lane per node, the violation, the timeline's views and faults, message fates, a page", () => {
    const s = scenario("twins-must-fail");
    const run = new ScenarioRun(s);
    const nodes = run.world.nodeIds().map((id) => ({ id, role: run.world.spec(id).role, honest: run.world.spec(id).honest }));
    const recorder = new ReportRecorder(s, nodes);
    run.addObserver((o) => recorder.observe(o));
    run.world.watchMessages();
    const report = runAndJudge(run);
    const data = recorder.finish("t", report, formatSummary(report));
    expect(data.nodes.map((n) => n.id)).toEqual(run.world.nodeIds());
    expect(data.violation).toEqual({ invariant: "agreement", atUs: report.violation!.atUs, message: report.violation!.message });
    expect(data.focusUs).toBe(report.violation!.atUs);
    expect(data.messages.recorded).toBe(true);
    expect(data.messages.capped).toBe(false);
    expect(data.messages.total).toBe(report.metrics.messages.sent);
    expect(data.messages.rows).toHaveLength(report.metrics.messages.sent);
    const fate = (name: string) => data.messages.rows.filter((r) => data.messages.fates[r[4]] === name).length;
    expect(fate("dropped")).toBe(report.metrics.messages.dropped);
    expect(data.messages.dropReasons).toEqual(["partition"]);
    // The partition from time 0 is one window on the six validator instances' lanes, in force to the end.
    expect(data.faults).toHaveLength(1);
    expect(data.faults[0]!.kind).toBe("partition");
    expect(data.faults[0]!.nodes.map((i) => data.nodes[i]!.id).sort()).toEqual(["v0", "v1", "v2", "v2t", "v3", "v3t"]);
    expect(data.faults[0]!.toUs).toBe(report.virtualDurationUs);
    expect(data.views.length).toBeGreaterThan(1);
    expect(data.views.every((v) => v.leader >= 0)).toBe(true);
    expect(data.laneEvents.rows.some((e) => data.laneEvents.kinds[e[2]] === "commit")).toBe(true);
    const html = reportHtml(data, { d3: "/* d3 */", uplot: "/* uPlot */", uplotCss: "" });
    expect(html).toContain('<script id="report-data" type="application/json">');
    // The embedded JSON cannot close its script element early.
    const json = html.slice(html.indexOf('type="application/json">') + 24, html.indexOf("</script>"));
    expect(json).not.toMatch(/<\//);
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(data)));
  });
});

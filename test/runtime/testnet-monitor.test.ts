/**
 * The testnet monitor on fabricated log lines, written the way a real node
 * writes them (`logFields` of the simulator's event fields, pino's envelope):
 * a line becomes the observation the simulator would have produced, and the
 * simulator's checkers, fed those, catch a deliberately broken sequence
 * (two validators committing different blocks at one height, different
 * state roots, a deep rollback, a stall after the last fault) and pass a
 * clean one.
 */
import { describe, expect, it } from "vitest";
import { GENESIS_BLOCK } from "../../src/consensus/genesis.js";
import { toHex } from "../../src/crypto/hash.js";
import { levelOf, logFields } from "../../src/runtime/telemetry.js";
import { TestnetMonitor, logLineToObservation, testnetExitCode, type LogFields } from "../../src/runtime/testnet-monitor.js";

const VALIDATORS = ["v0", "v1", "v2", "v3"];
const START_MS = 1_700_000_000_000;
const GENESIS = toHex(GENESIS_BLOCK.hash);

/** The JSON line node `node` writes for `ctx.log(event, fields)` at `ms` after the start (as `node-runner.ts` and pino do). */
function line(node: string, ms: number, event: string, fields: Record<string, unknown>): LogFields {
  return JSON.parse(JSON.stringify({ level: levelOf(event), time: START_MS + ms, node, event, ...logFields(event, fields) })) as LogFields;
}

/** A 64-hex-digit block hash named by `tag`. */
function hash(tag: string): string {
  return tag.padEnd(64, "0");
}

/**
 * The lines of a clean chain of `heights` blocks, one every 100 ms, each
 * voted for, certified, made head and committed by every validator, with the
 * same state root everywhere. `override` may replace any line (to break it).
 */
function cleanChain(heights: number, override: (l: LogFields) => LogFields = (l) => l): LogFields[] {
  const lines: LogFields[] = [];
  for (const v of VALIDATORS) lines.push(line(v, 1, "boot", { committedHeight: 0, lastVotedView: 0, lockedQCView: 0 }));
  for (let h = 1; h <= heights; h++) {
    const ms = 100 * h;
    const parent = h === 1 ? GENESIS : hash(`b${h - 1}`);
    const view = h;
    lines.push(line(`v${view % 4}`, ms, "propose", { view, height: h, hash: hash(`b${h}`), payloadBytes: 10 }));
    for (const v of VALIDATORS) {
      lines.push(line(v, ms, "block", { hash: hash(`b${h}`), parent, height: h, view, proposer: view % 4 }));
      lines.push(line(v, ms, "vote", { view, height: h, hash: hash(`b${h}`) }));
      lines.push(line(v, ms + 1, "head", { hash: hash(`b${h}`), height: h, view }));
      lines.push(line(v, ms + 2, "commit", { height: h, view, hash: hash(`b${h}`), payload: new Uint8Array(10) }));
      lines.push(line(v, ms + 2, "state-root", { height: h, root: hash(`r${h}`), txs: 2, mempool: 0 }));
    }
  }
  return lines.map(override);
}

function feed(monitor: TestnetMonitor, lines: readonly LogFields[]): void {
  for (const l of lines) monitor.observe(String(l.node), l, START_MS);
}

function verdicts(monitor: TestnetMonitor, endMs: number): Record<string, boolean> {
  return Object.fromEntries(monitor.summary(START_MS + endMs).invariants.map((r) => [r.name, r.ok]));
}

describe("a log line becomes an observation", () => {
  it("time in µs since the monitor's start, node, event, and logFields's renaming undone", () => {
    const commit = line("v1", 1_234, "commit", { height: 7, view: 9, hash: hash("b7"), payload: new Uint8Array(300) });
    expect(commit).toMatchObject({ round_id: 9, block_hash: hash("b7"), payload_bytes: 300 });
    expect(logLineToObservation(commit, { node: "ignored", startMs: START_MS, receivedMs: 0 })).toEqual({
      timeUs: 1_234_000,
      node: "v1",
      event: "commit",
      // The payload was written as its length: it stays `payload_bytes` (see NOT_IN_REAL_MODE, validity).
      fields: { height: 7, view: 9, hash: hash("b7"), payload_bytes: 300 },
    });
    const root = logLineToObservation(line("v0", 5, "state-root", { height: 3, root: hash("r3"), txs: 1, supplyDelta: { USD: -5n } }), { node: "v0", startMs: START_MS, receivedMs: 0 });
    expect(root?.fields).toEqual({ height: 3, root: hash("r3"), txs: 1, supplyDelta: { USD: "-5" } }); // bigints stay decimal strings
    const l1 = logLineToObservation(line("v0", 5, "l1-tx-sent", { signature: "s", fromBatch: 1, toBatch: 4, attempt: 0 }), { node: "v0", startMs: START_MS, receivedMs: 0 });
    expect(l1?.fields).toEqual({ signature: "s", fromBatch: 1, toBatch: 4, attempt: 0 });
  });

  it("every event of the checkers run in real mode round-trips through logFields (bytes aside)", () => {
    const events: [string, Record<string, unknown>][] = [
      ["commit", { height: 2, view: 3, hash: hash("b2") }],
      ["block", { hash: hash("b2"), parent: hash("b1"), height: 2, view: 3, proposer: 3 }],
      ["head", { hash: hash("b2"), height: 2, view: 3 }],
      ["vote", { view: 3, height: 2, hash: hash("b2") }],
      ["propose", { view: 3, height: 2, hash: hash("b2"), payloadBytes: 4 }],
      ["state-root", { height: 2, root: "unexecutable", txs: 0 }],
      ["boot", { committedHeight: 1, lastVotedView: 2, lockedQCView: 1 }],
      ["submit", { txId: "ab", to: "v0", kind: "transfer", account: 1, nonce: 0 }],
    ];
    for (const [event, fields] of events) {
      expect(logLineToObservation(line("v2", 0, event, fields), { node: "v2", startMs: START_MS, receivedMs: 0 })?.fields, event).toEqual(fields);
    }
  });

  it("the process's name when the line has none; the read time when it has no time; never earlier than the node's previous observation; nothing without an event", () => {
    expect(logLineToObservation({ event: "view", round_id: 4 }, { node: "v3", startMs: START_MS, receivedMs: START_MS + 2 })).toEqual({ timeUs: 2_000, node: "v3", event: "view", fields: { view: 4 } });
    expect(logLineToObservation({ event: "view", time: START_MS + 1, round_id: 5 }, { node: "v3", startMs: START_MS, receivedMs: 0, notBeforeUs: 9_000 })?.timeUs).toBe(9_000);
    expect(logLineToObservation({ time: START_MS, height: 1 }, { node: "v3", startMs: START_MS, receivedMs: 0 })).toBeUndefined();
  });
});

describe("the simulator's checkers through the monitor", () => {
  it("a clean sequence passes every checker, counts heights and transactions once per height, and exits 0", () => {
    const monitor = new TestnetMonitor(VALIDATORS, START_MS);
    feed(monitor, cleanChain(5));
    const s = monitor.summary(START_MS + 1_000);
    expect(s.invariants.map((r) => [r.name, r.ok, r.skipped])).toEqual([
      ["agreement", true, undefined],
      ["root-agreement", true, undefined],
      ["reorg-bound", true, undefined],
      ["equivocation", true, undefined],
      ["liveness", true, undefined],
    ]);
    expect(s.invariants.find((r) => r.name === "agreement")?.figures).toEqual({ committedHeight: 5, commitsObserved: 20 });
    expect(s.invariants.find((r) => r.name === "equivocation")?.figures).toMatchObject({ votesObserved: 20, proposalsObserved: 5 });
    expect(s.notJudged.map((n) => n.name)).toContain("validity");
    expect(s.violation).toBeUndefined();
    expect(s.commits).toBe(5);
    expect(s.transactionsCommitted).toBe(10);
    expect(s.agreed).toBe(true);
    expect(testnetExitCode(s)).toBe(0);
  });

  it("two validators committing different blocks at one height are caught by the agreement checker (exit 1)", () => {
    const monitor = new TestnetMonitor(VALIDATORS, START_MS);
    // Deliberately broken: v2 commits b3' where everybody else commits b3.
    const broken = cleanChain(5, (l) => (l.event === "commit" && l.node === "v2" && l.height === 3 ? { ...l, block_hash: hash("b3x") } : l));
    const seen = broken.map((l) => monitor.observe(String(l.node), l, START_MS)).filter((v) => v !== undefined);
    expect(seen).toHaveLength(1); // reported once, as it happened
    expect(seen[0]).toMatchObject({ invariant: "agreement", atUs: 302_000 });
    expect(seen[0]?.message).toMatch(/height 3: v2 committed b3x0+ but v0 committed b30+$/);
    const s = monitor.summary(START_MS + 1_000);
    expect(verdicts(monitor, 1_000)).toMatchObject({ agreement: false, "root-agreement": true });
    expect(s.violation?.invariant).toBe("agreement");
    expect(s.agreed).toBe(false);
    expect(testnetExitCode(s)).toBe(1);
  });

  it("different state roots at one height fail root agreement, whatever the block hashes (exit 1)", () => {
    const monitor = new TestnetMonitor(VALIDATORS, START_MS);
    feed(
      monitor,
      cleanChain(3, (l) => (l.event === "state-root" && l.node === "v3" && l.height === 2 ? { ...l, root_hash: hash("bad") } : l)),
    );
    const s = monitor.summary(START_MS + 1_000);
    expect(verdicts(monitor, 1_000)).toMatchObject({ agreement: true, "root-agreement": false });
    expect(s.violation?.message).toMatch(/height 2: v0 computed root/);
    expect(testnetExitCode(s)).toBe(1);
  });

  it("a head rolled back deeper than maxReorgDepth fails the reorg bound", () => {
    const monitor = new TestnetMonitor(VALIDATORS, START_MS, { maxReorgDepth: 1 });
    const lines = cleanChain(1);
    // v0 follows a fork b2f <- b3f on top of b1, then jumps to b2 <- b3 <- b4: its head loses two blocks.
    lines.push(line("v0", 200, "block", { hash: hash("f2"), parent: hash("b1"), height: 2, view: 2, proposer: 2 }));
    lines.push(line("v0", 210, "block", { hash: hash("f3"), parent: hash("f2"), height: 3, view: 3, proposer: 3 }));
    lines.push(line("v0", 220, "head", { hash: hash("f3"), height: 3, view: 3 }));
    lines.push(line("v0", 300, "block", { hash: hash("b2"), parent: hash("b1"), height: 2, view: 4, proposer: 0 }));
    lines.push(line("v0", 310, "block", { hash: hash("b3"), parent: hash("b2"), height: 3, view: 5, proposer: 1 }));
    lines.push(line("v0", 320, "block", { hash: hash("b4"), parent: hash("b3"), height: 4, view: 6, proposer: 2 }));
    lines.push(line("v0", 330, "head", { hash: hash("b4"), height: 4, view: 6 }));
    feed(monitor, lines);
    expect(verdicts(monitor, 1_000)).toMatchObject({ "reorg-bound": false, agreement: true });
    expect(monitor.summary(START_MS + 1_000).violation?.message).toMatch(/v0 rolled back its head by 2 blocks/);
  });

  it("no new height within the bound after the last fault fails liveness (exit 3); a partition never healed skips it", () => {
    const stalled = new TestnetMonitor(VALIDATORS, START_MS, { livenessBoundUs: 2_000_000 });
    feed(stalled, cleanChain(3));
    stalled.faultApplied({ action: "crash", node: "v3" }, START_MS + 1_000);
    const s = stalled.summary(START_MS + 4_000); // 3 s after the crash, nothing new
    const liveness = s.invariants.find((r) => r.name === "liveness");
    expect(liveness).toMatchObject({ ok: false, figures: { healAtUs: 1_000_000 } });
    expect(liveness?.violation?.message).toMatch(/no new commit for 3.000s after the last fault healed/);
    expect(testnetExitCode(s)).toBe(3);

    const split = new TestnetMonitor(VALIDATORS, START_MS, { livenessBoundUs: 2_000_000 });
    feed(split, cleanChain(3));
    split.faultApplied({ action: "partition" }, START_MS + 1_000);
    const t = split.summary(START_MS + 4_000);
    expect(t.invariants.find((r) => r.name === "liveness")).toMatchObject({ ok: true, skipped: "a partition is never healed" });
    expect(testnetExitCode(t)).toBe(0);
  });

  it("liveness starts once every validator has booted (spawning processes is not protocol time)", () => {
    const monitor = new TestnetMonitor(VALIDATORS, START_MS, { livenessBoundUs: 2_000_000 });
    // Booted at 3 s, first commit at 4 s: 4 s after the start but 1 s after the boot.
    const lines = VALIDATORS.map((v) => line(v, 3_000, "boot", { committedHeight: 0 }));
    for (const v of VALIDATORS) lines.push(line(v, 4_000, "commit", { height: 1, view: 1, hash: hash("b1"), payload: new Uint8Array(0) }));
    feed(monitor, lines);
    const liveness = monitor.summary(START_MS + 5_000).invariants.find((r) => r.name === "liveness");
    expect(liveness).toMatchObject({ ok: true, figures: { healAtUs: 3_000_000, firstCommitAfterHealUs: 1_000_000 } });
  });

  it("a client's line, or a line without an event, never counts as a validator commit; nothing committed is exit 3", () => {
    const monitor = new TestnetMonitor(VALIDATORS, START_MS);
    monitor.observe("c0", { event: "commit", height: 9, block_hash: "x", time: START_MS + 10 }, START_MS);
    monitor.observe("v0", { height: 9, block_hash: "x", time: START_MS + 10 }, START_MS);
    const s = monitor.summary(START_MS + 1_000); // shorter than the liveness bound: liveness skipped, still no progress
    expect(s.progressed).toBe(false);
    expect(s.invariants.find((r) => r.name === "agreement")?.figures.commitsObserved).toBe(0);
    expect(testnetExitCode(s)).toBe(3);
  });

  it("latency runs from the client's submit line to the first validator's commit-txs line", () => {
    const monitor = new TestnetMonitor(VALIDATORS, 0);
    monitor.observe("c0", { event: "submit", txId: "t1", time: 1000 }, 1001);
    monitor.observe("c0", { event: "submit", txId: "t2", time: 1100 }, 1101);
    monitor.observe("v1", { event: "commit-txs", height: 1, txIds: ["t1", "t2"], time: 1400 }, 1401);
    monitor.observe("v2", { event: "commit-txs", height: 1, txIds: ["t1", "t2"], time: 1500 }, 1501);
    const s = monitor.summary(2000);
    expect(s.transactionsSubmitted).toBe(2);
    expect(s.latencySamples).toBe(2);
    expect(s.latencyMs.p50).toBe(300);
    expect(s.latencyMs.p99).toBe(400);
  });
});

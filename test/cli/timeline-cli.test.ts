/**
 * `asset-sim timeline` and the events file (`run --events`, `replay
 * --events`) as a user drives them, in process: the timeline of a failing
 * seed file shows the views around its violation with the crashed leader;
 * `--from`/`--to`/`--node`/`--json` narrow it; bad options exit 2; the
 * events file holds the `violation` of a liveness and of a safety failure,
 * and `--from`/`--to` keep only the events inside the window (the violation
 * always).
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { RunTimeline } from "../../src/observe/run-timeline.js";
import { ROOT } from "../helpers/scenario.js";

const dir = mkdtempSync(join(tmpdir(), "asset-sim-timeline-"));
const TIGHT = join(ROOT, "sim-scenarios/liveness-too-tight.json");
const REORG = join(ROOT, "sim-scenarios/reorg-depth-zero.json");

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(["node", "asset-sim", ...args], { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
  return { code, out, err };
}

interface EventLine {
  timeUs: number;
  node: string;
  event: string;
  [field: string]: unknown;
}

function readEvents(path: string): EventLine[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as EventLine);
}

/** The view lines of a timeline's text (they start with the view number). */
function viewLines(out: string): string[] {
  return out.split("\n").filter((l) => /^\d+ /.test(l));
}

describe("events file", () => {
  let seedFile = "";
  let events: EventLine[] = [];
  beforeAll(async () => {
    // liveness-too-tight: v2 crashes at 3 s for good; the 600 ms bound is missed (exit 3).
    const run = await cli("run", TIGHT, "--out", join(dir, "tight"), "--events", join(dir, "tight.jsonl"));
    expect(run.code).toBe(3);
    seedFile = join(dir, "tight", readdirSync(join(dir, "tight"))[0]!);
    events = readEvents(join(dir, "tight.jsonl"));
  }, 120_000);

  it("holds the liveness violation, as the report and the seed file give it, and each view's leader", () => {
    const violations = events.filter((e) => e.event === "violation");
    const recorded = JSON.parse(readFileSync(seedFile, "utf8")).violation;
    expect(violations).toEqual([{ timeUs: 15_000_000, node: "sim", event: "violation", ...recorded }]);
    expect(recorded.message).toMatch(/v2 \(crashed\)/);
    const views = events.filter((e) => e.event === "view");
    expect(views.length).toBeGreaterThan(20);
    for (const v of views) expect(v.leader).toMatch(/^v[0-3]$/);
  });

  it("holds a safety violation at the moment it was found (exit 1)", async () => {
    const run = await cli("run", REORG, "--out", join(dir, "reorg"), "--events", join(dir, "reorg.jsonl"));
    expect(run.code).toBe(1);
    const lines = readEvents(join(dir, "reorg.jsonl"));
    const violation = lines.filter((e) => e.event === "violation");
    expect(violation).toHaveLength(1);
    expect(violation[0]).toMatchObject({ node: "sim", invariant: "reorg-bound" });
    // Written when found: the run stopped there (the step that found it finishes, at the same time).
    expect(violation[0]!.timeUs).toBe(violation[0]!.atUs);
    expect(lines.every((e) => e.timeUs <= violation[0]!.timeUs)).toBe(true);
  }, 120_000);

  it("--from/--to keep only the events inside the window, and the violation; replay takes them too", async () => {
    const run = await cli("run", TIGHT, "--out", join(dir, "tight2"), "--events", join(dir, "window.jsonl"), "--from", "2s", "--to", "4500ms");
    expect(run.code).toBe(3);
    const lines = readEvents(join(dir, "window.jsonl"));
    const inside = events.filter((e) => e.timeUs >= 2_000_000 && e.timeUs <= 4_500_000);
    expect(lines.filter((e) => e.event !== "violation")).toEqual(inside);
    expect(lines.filter((e) => e.event === "violation")).toHaveLength(1);

    const replay = await cli("replay", seedFile, "--events", join(dir, "replay.jsonl"), "--from", "14s");
    expect(replay.code).toBe(3);
    expect(replay.out).toContain("replay: reproduced");
    const replayed = readEvents(join(dir, "replay.jsonl"));
    expect(replayed.length).toBeGreaterThan(0);
    expect(replayed.every((e) => e.timeUs >= 14_000_000)).toBe(true);
    expect(replayed).toEqual(events.filter((e) => e.timeUs >= 14_000_000));
  }, 120_000);

  it("refuses a bad --from, --to before --from, and either without --events (exit 2)", async () => {
    expect((await cli("run", TIGHT, "--events", join(dir, "x.jsonl"), "--from", "2 parsecs")).err).toMatch(/--from/);
    const backwards = await cli("run", TIGHT, "--events", join(dir, "x.jsonl"), "--from", "3s", "--to", "1s");
    expect(backwards.code).toBe(2);
    expect(backwards.err).toMatch(/--to: must not be before --from/);
    const alone = await cli("replay", seedFile, "--from", "3s");
    expect(alone.code).toBe(2);
    expect(alone.err).toMatch(/give --events FILE too/);
  });

  describe("timeline", () => {
    it("of a failing seed file: the views around the violation, the crashed leader and the crash drawn over them", async () => {
      const r = await cli("timeline", seedFile);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^timeline of liveness-too-tight, seed 9: 4 validators \(v0 v1 v2 v3\), leader election reputation/);
      expect(r.out).toMatch(/violation: liveness at 3\.\d{3}s: no new commit/);
      expect(r.out).toMatch(/around the violation: view \d+ was in force at 3\.\d{3}s/);
      expect(r.out).toContain("  A  crash v2  3.000s -> still in force at the end");
      const lines = viewLines(r.out);
      // 10 views before the violation's view, itself, 3 after.
      expect(lines).toHaveLength(14);
      const crashedRow = lines.find((l) => / v2 +crashed /.test(l));
      expect(crashedRow, r.out).toBeDefined();
      expect(crashedRow).toMatch(/ \| +v2 +crashed +(TC|timed out)/);
      // The view before it: its leader was up, but its votes went to v2.
      expect(r.out).toMatch(/(TC|timed out) \(votes go to the next leader v2: crashed\)/);
      // Commits before the crash, as nodes@height.
      expect(lines[0]).toMatch(/(v\d,)*v\d@\d+/);
      // The rerun is the recorded run.
      expect(r.err).not.toMatch(/warning/);
    }, 120_000);

    it("warns when the rerun's digest is not the seed file's", async () => {
      const tampered = join(dir, "tampered.json");
      writeFileSync(tampered, JSON.stringify({ ...JSON.parse(readFileSync(seedFile, "utf8")), traceDigest: "0".repeat(64) }));
      const r = await cli("timeline", tampered);
      expect(r.code).toBe(0);
      expect(r.err).toMatch(/warning: this run's trace digest [0-9a-f]{64} differs from the seed file's 0{64}: the timeline is not of the recorded run/);
    }, 120_000);

    it("--from/--to, --node and --json narrow it; the JSON is the model", async () => {
      const r = await cli("timeline", TIGHT, "--from", "1s", "--to", "2s", "--node", "v2,v3");
      expect(r.code).toBe(0);
      expect(r.out).toContain("(from 1.000s to 2.000s)");
      expect(r.out).toContain("faults: none in this window");
      const lines = viewLines(r.out);
      expect(lines.length).toBeGreaterThan(2);
      const header = r.out.split("\n").find((l) => l.startsWith("view "))!;
      expect(header).toMatch(/where the leader was +v2 +v3 +outcome/);
      for (const l of lines) {
        const start = Number(/^\d+ +(\d+\.\d+)s/.exec(l)![1]);
        expect(start).toBeLessThanOrEqual(2);
        expect(l).not.toMatch(/v[01]@/); // only v2's and v3's commits
      }

      const json = await cli("timeline", TIGHT, "--from", "3s", "--to", "5s", "--json");
      const model = JSON.parse(json.out) as RunTimeline;
      expect(model.version).toBe(1);
      expect(model.violation?.invariant).toBe("liveness");
      expect(model.faults).toMatchObject([{ kind: "crash", nodes: ["v2"], fromUs: 3_000_000, toUs: null }]);
      expect(model.views.length).toBeGreaterThan(0);
      for (const v of model.views) {
        expect(v.startUs).toBeLessThanOrEqual(5_000_000);
        expect(v.endUs ?? model.endUs).toBeGreaterThanOrEqual(3_000_000);
      }
      const v2Led = model.views.filter((v) => v.leader === "v2" && v.startUs > 3_000_000);
      expect(v2Led.length).toBeGreaterThan(0);
      for (const v of v2Led) expect(v.leaderPlaces[0]!.status).toBe("crashed");
    }, 120_000);

    it("a scenario without a violation shows the whole run, the middle elided past 200 lines", async () => {
      const path = join(dir, "long.json");
      const raw = JSON.parse(readFileSync(TIGHT, "utf8"));
      writeFileSync(path, JSON.stringify({ ...raw, name: "long", faults: [], l1: { enabled: false }, workload: { txPerSecond: 0 }, duration: "60s", invariants: {} }));
      const r = await cli("timeline", path);
      expect(r.code).toBe(0);
      expect(r.out).toContain("violation: none");
      expect(r.out).toMatch(/\(the whole run\) of (\d+) views in the run; (\d+) view lines elided/);
      const [, total, elided] = /of (\d+) views in the run; (\d+) view lines elided/.exec(r.out)!;
      expect(viewLines(r.out)).toHaveLength(200);
      expect(Number(total) - Number(elided)).toBe(200);
      expect(r.out).toContain(`... ${elided} views elided ...`);
    }, 120_000);

    it("refuses an unknown --node and a bad --to (exit 2)", async () => {
      const node = await cli("timeline", TIGHT, "--duration", "1s", "--node", "v9");
      expect(node.code).toBe(2);
      expect(node.err).toMatch(/--node: unknown validator "v9"/);
      const to = await cli("timeline", TIGHT, "--to", "soon");
      expect(to.code).toBe(2);
      expect(to.err).toMatch(/--to: invalid duration/);
    });
  });
});

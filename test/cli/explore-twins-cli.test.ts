/**
 * `asset-sim explore --twins` from the command line: it says what space it
 * searched, runs one seed per case through the explore loop, writes each
 * failure as a seed file that `replay` reproduces (the generated scenario is
 * inside), lists its flags in the help, and refuses bad options with exit 2
 * and one line.
 */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli, writeJsonIn } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "asset-sim-twins-"));

const writeJson = (name: string, value: unknown): string => writeJsonIn(dir, name, value);

const BASE = { name: "twins-base", seed: 1, duration: "5s", validators: { count: 4, signatureScheme: "sim", viewTimeout: "500ms" }, workload: { txPerSecond: 0 }, l1: { enabled: false } };
/** Four validators, no workload, no L1, 5 s. */
const basePath = writeJson("twins-base.json", BASE);
/**
 * The same expecting that no honest validator commits: every case fails (no-honest-commit, a safety expectation), so
 * the failure path (seed files, replay) does not depend on which cases a search draws; what a search finds is
 * `test/scenarios/twins-explore.test.ts`'s business.
 */
const failingPath = writeJson("twins-failing.json", { ...BASE, name: "twins-failing", invariants: { noHonestCommit: true } });

describe("asset-sim explore --twins", () => {
  it("one twin, one round: every distinct case (12 of 52) passes", async () => {
    const r = await runCli(["explore", basePath, "--twins", "--rounds", "1", "--jobs", "1", "--out", join(dir, "none")]);
    expect(r.code).toBe(0);
    expect(r.err).toContain("twins: n=4 t=1 R=1 k=2, leaders any: 13 partitions x 4 leaders = 52 round cases, 52 raw cases, 12 distinct; enumerated 12 (every distinct case), budget 200");
    expect(r.err).toContain("explore: twins-base, seeds 1..12 (12 to run), 1 job, twins");
    expect(r.out).toMatch(/seeds run\s+12\nfailures\s+0/);
  });

  it("a failing case: exit 1, the case under its FAIL line, a seed file with the generated scenario that replays", async () => {
    const out = join(dir, "failures");
    const r = await runCli(["explore", failingPath, "--twins", "--twin-count", "2", "--rounds", "3", "--twin-leaders", "twins", "--budget", "3", "--jobs", "1", "--out", out]);
    expect(r.code).toBe(1);
    expect(r.err).toContain("twins: n=4 t=2 R=3 k=2, leaders twins: 29 partitions x 2 leaders = 58 round cases, 195112 raw cases; sampled 3, budget 3");
    expect(r.out).toMatch(/FAIL seed 1 safety no-honest-commit: .*\n {2}twins: round 1: .* leader v[01]; round 2: .* leader v[01]; round 3: .* leader v[01]\n {2}reproduce with: npx asset-sim replay /);
    expect(r.out).toMatch(/no-honest-commit\s+safety\s+3 {2}1 2 3/);
    const files = readdirSync(out);
    expect(files).toHaveLength(3);
    const seedFile = JSON.parse(readFileSync(join(out, files[0]!), "utf8")) as { scenario: { byzantine: unknown[]; allowMoreThanF: boolean; faults: { action: string }[] } };
    expect(seedFile.scenario.byzantine).toHaveLength(2);
    expect(seedFile.scenario.allowMoreThanF).toBe(true);
    expect(seedFile.scenario.faults.filter((f) => f.action === "heal")).toHaveLength(2);
    const replay = await runCli(["replay", join(out, files[0]!)]);
    expect(replay.code).toBe(1);
    expect(replay.out).toContain("replay: reproduced");
  }, 60_000);

  it("the help lists the Twins flags", async () => {
    const r = await runCli(["explore", "--help"]);
    expect(r.code).toBe(0);
    for (const flag of ["--twins", "--twin-count <t>", "--rounds <R>", "--partitions <k>", "--budget <n>", "--enumerate", "--sample", "--twin-leaders <who>", "--all-partitions", "--heal-at <d>"]) expect(r.out).toContain(flag);
  });

  it("refuses bad options with exit 2 and one line", async () => {
    const cases: [string[], RegExp][] = [
      [["--twins", "--seeds", "5"], /--seeds: a Twins search runs one seed per case: give --budget instead/],
      [["--seeds", "5", "--rounds", "2"], /--rounds: belongs to a Twins search: add --twins/],
      [["--twins", "--enumerate", "--sample"], /--enumerate: --enumerate and --sample exclude each other/],
      [["--twins", "--twin-count", "5"], /--twin-count: must be between 0 and the validator count 4, got 5/],
      [["--twins", "--twin-leaders", "all"], /--twin-leaders: expected any or twins, got "all"/],
      [["--twins", "--swarm"], /--swarm: a Twins search runs the base scenario's own faults plus its cases: not with --swarm/],
      [["--twins", "--heal-at", "9s"], /--heal-at: must be before the end of the run/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(["explore", basePath, ...args, "--jobs", "1", "--out", join(dir, "none")]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.err.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(r.err).toMatch(message);
    }
    const withTwin = writeJson("with-twin.json", { name: "t", seed: 1, duration: "2s", validators: { count: 4 }, l1: { enabled: false }, byzantine: [{ node: "v1", behavior: "twin" }] });
    const r = await runCli(["explore", withTwin, "--twins", "--jobs", "1"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/byzantine: explore --twins adds its own twin entries: the base scenario must have no byzantine validators/);
  });
});

/**
 * The report from the command line: `asset-sim report` of a seed file and of a
 * scenario, `run --report`, `replay --report`, `explore --report DIR` (one page
 * per failure, named like its seed file), and the errors (no `-o`, a seed
 * file that does not reproduce).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import type { ReportData } from "../../src/report/report-data.js";

const io = { out: () => {}, err: () => {} };

/** The data a report page embeds. */
function dataOf(path: string): ReportData {
  const html = readFileSync(path, "utf8");
  const start = html.indexOf('<script id="report-data" type="application/json">') + '<script id="report-data" type="application/json">'.length;
  return JSON.parse(html.slice(start, html.indexOf("</script>", start))) as ReportData;
}

describe("asset-sim report and --report", () => {
  it("run --report, report SEEDFILE, replay --report and explore --report DIR all draw the same failing run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "report-cli-"));
    expect(await main(["node", "asset-sim", "run", "twins-must-fail", "--out", dir, "--report", join(dir, "run.html")], io)).toBe(1);
    const seedPath = join(dir, readdirSync(dir).find((f) => f.endsWith(".json"))!);
    const seedFile = JSON.parse(readFileSync(seedPath, "utf8")) as { violation: { atUs: number }; traceDigest: string };
    const fromRun = dataOf(join(dir, "run.html"));
    expect(fromRun.violation?.atUs).toBe(seedFile.violation.atUs);
    expect(fromRun.traceDigest).toBe(seedFile.traceDigest);
    expect(fromRun.messages.recorded).toBe(true);
    // The page is self-contained: both libraries are inlined, nothing is fetched.
    const html = readFileSync(join(dir, "run.html"), "utf8");
    expect(html).toContain("https://d3js.org v7.9.2");
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/);

    expect(await main(["node", "asset-sim", "report", seedPath, "-o", join(dir, "report.html")], io)).toBe(0);
    expect(await main(["node", "asset-sim", "replay", seedPath, "--report", join(dir, "replay.html")], io)).toBe(1);
    for (const name of ["report.html", "replay.html"]) {
      const data = dataOf(join(dir, name));
      expect({ ...data, title: "" }).toEqual({ ...fromRun, title: "" });
    }

    const exploreDir = join(dir, "explore");
    expect(await main(["node", "asset-sim", "explore", "twins-must-fail", "--seeds", "2", "--jobs", "1", "--out", exploreDir, "--report", join(exploreDir, "reports")], io)).toBe(1);
    const seedFiles = readdirSync(exploreDir).filter((f) => f.endsWith(".json")).sort();
    expect(seedFiles).toHaveLength(2);
    expect(readdirSync(join(exploreDir, "reports")).sort()).toEqual(seedFiles.map((f) => f.replace(/\.json$/, ".html")));
  });

  it("reports a scenario with --seed, refuses a missing -o, and says when a seed file does not reproduce", async () => {
    const dir = mkdtempSync(join(tmpdir(), "report-cli-"));
    expect(await main(["node", "asset-sim", "report", "twins-must-fail", "--seed", "2", "--duration", "1s", "-o", join(dir, "s.html")], io)).toBe(0);
    const data = dataOf(join(dir, "s.html"));
    expect([data.seed, data.endUs, data.violation]).toEqual([2, 1_000_000, null]);
    expect(await main(["node", "asset-sim", "report", "twins-must-fail"], io)).toBe(2);
    expect(existsSync(join(dir, "none.html"))).toBe(false);

    expect(await main(["node", "asset-sim", "run", "twins-must-fail", "--out", dir], io)).toBe(1);
    const seedPath = join(dir, readdirSync(dir).find((f) => f.endsWith(".json"))!);
    const tampered = JSON.parse(readFileSync(seedPath, "utf8")) as { traceDigest: string };
    tampered.traceDigest = "0".repeat(64);
    writeFileSync(join(dir, "tampered.json"), JSON.stringify(tampered));
    expect(await main(["node", "asset-sim", "report", join(dir, "tampered.json"), "-o", join(dir, "t.html")], io)).toBe(5);
    expect(existsSync(join(dir, "t.html"))).toBe(true);
  });

  it("reports a run from its JSON report (RUN.json): the shipped scenario at the report's seed and duration, or its seed file; digests are checked", async () => {
    const dir = mkdtempSync(join(tmpdir(), "report-cli-"));
    let json = "";
    const capture = { out: (t: string) => (json += t), err: () => {} };
    expect(await main(["node", "asset-sim", "run", "twins-must-fail", "--seed", "3", "--duration", "1s", "--json", "--out", dir], capture)).toBe(0);
    const runPath = join(dir, "run.json");
    writeFileSync(runPath, json);
    const run = JSON.parse(json) as { traceDigest: string; seedFile?: string };
    expect(run.seedFile).toBeUndefined();
    expect(await main(["node", "asset-sim", "report", runPath, "-o", join(dir, "r.html")], io)).toBe(0);
    const data = dataOf(join(dir, "r.html"));
    expect([data.seed, data.endUs, data.traceDigest]).toEqual([3, 1_000_000, run.traceDigest]);
    // A report whose digest the rerun does not give: exit 5, the page still written.
    writeFileSync(join(dir, "other.json"), JSON.stringify({ ...run, traceDigest: "0".repeat(64) }));
    expect(await main(["node", "asset-sim", "report", join(dir, "other.json"), "-o", join(dir, "o.html")], io)).toBe(5);
    expect(existsSync(join(dir, "o.html"))).toBe(true);
    // A run of a scenario that is not shipped and wrote no seed file cannot be rerun from its report.
    writeFileSync(join(dir, "unknown.json"), JSON.stringify({ ...run, scenario: "my-own-scenario" }));
    let err = "";
    expect(await main(["node", "asset-sim", "report", join(dir, "unknown.json"), "-o", join(dir, "u.html")], { out: () => {}, err: (t) => (err += t) })).toBe(2);
    expect(err).toMatch(/not a shipped scenario and wrote no seed file/);
    // A failing run's report points at its seed file, which is rerun.
    json = "";
    expect(await main(["node", "asset-sim", "run", "twins-must-fail", "--json", "--out", dir], capture)).toBe(1);
    writeFileSync(join(dir, "failed.json"), json);
    expect(await main(["node", "asset-sim", "report", join(dir, "failed.json"), "-o", join(dir, "f.html")], io)).toBe(0);
    expect(dataOf(join(dir, "f.html")).violation?.invariant).toBe("agreement");
  });
});

/**
 * Seed files: a run that honestly fails writes one; `replay` reruns it and
 * reproduces the same trace digest and violation (after fast-check's
 * ReplayFailures e2e test). Runs the built CLI in a child process, as a user would.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/scenario.js";

const CLI = join(ROOT, "bin/asset-sim.js");

function cli(args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: "utf8" });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** liveness-too-tight run once through the CLI (into a fresh directory); the tests below share it. */
let livenessRun: { status: number; stdout: string; stderr: string; out: string } | undefined;
function runLivenessTooTight(): { status: number; stdout: string; stderr: string; out: string } {
  if (livenessRun !== undefined) return livenessRun;
  const out = mkdtempSync(join(tmpdir(), "asset-sim-"));
  return (livenessRun = { ...cli(["run", join(ROOT, "sim-scenarios/liveness-too-tight.json"), "--out", out, "--json"]), out });
}

describe("seed files and replay", () => {
  it("a liveness failure writes a seed file that replays to the same digest and violation (exit 3)", () => {
    const run = runLivenessTooTight();
    expect(run.status).toBe(3);
    const report = JSON.parse(run.stdout);
    expect(report.violation.invariant).toBe("liveness");
    expect(run.stderr).toContain(`npx asset-sim replay ${report.seedFile}`);

    const seedFile = JSON.parse(readFileSync(report.seedFile, "utf8"));
    expect(seedFile).toMatchObject({
      format: "asset-sim/seed-file",
      formatVersion: 1,
      seed: 9,
      traceDigest: report.traceDigest,
      violation: { invariant: "liveness", atUs: report.violation.atUs, message: report.violation.message },
      exitCode: 3,
    });
    expect(seedFile.scenario.name).toBe("liveness-too-tight");
    expect(typeof seedFile.packageVersion).toBe("string");

    const replay = cli(["replay", report.seedFile, "--json"]);
    expect(replay.status).toBe(3);
    const rerun = JSON.parse(replay.stdout);
    expect(rerun.replay).toEqual({ digestMatches: true, violationMatches: true, reproduced: true });
    expect(rerun.traceDigest).toBe(report.traceDigest);
  });

  it("a safety failure (reorg deeper than maxReorgDepth 0) exits 1 and replays (human output)", () => {
    const out = mkdtempSync(join(tmpdir(), "asset-sim-"));
    const run = cli(["run", join(ROOT, "sim-scenarios/reorg-depth-zero.json"), "--out", out, "--json"]);
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.violation.invariant).toBe("reorg-bound");
    expect(report.stoppedBy).toBe("violation");
    const replay = cli(["replay", report.seedFile]);
    expect(replay.status).toBe(1);
    expect(replay.stdout).toContain("replay: trace digest matches");
    expect(replay.stdout).toContain("replay: violation matches");
    expect(replay.stdout).toContain("replay: reproduced");
  });

  it("a seed file whose digest no longer matches is reported as not reproduced (exit 5)", () => {
    const { out, stdout } = runLivenessTooTight();
    const report = JSON.parse(stdout);
    const seedFile = JSON.parse(readFileSync(report.seedFile, "utf8"));
    seedFile.traceDigest = "0".repeat(64);
    const tampered = join(out, "tampered.json");
    writeFileSync(tampered, JSON.stringify(seedFile));
    const replay = cli(["replay", tampered, "--json"]);
    expect(replay.status).toBe(5);
    expect(JSON.parse(replay.stdout).replay).toEqual({ digestMatches: false, violationMatches: true, reproduced: false });
  });

  it("a seed file written before leader reputation (no validators.leaderElection) gets a warning; pinning round-robin replays it", () => {
    // An old seed file: recorded with round-robin leaders, every default of its time written out, no leaderElection field.
    const out = mkdtempSync(join(tmpdir(), "asset-sim-"));
    const raw = JSON.parse(readFileSync(join(ROOT, "sim-scenarios/liveness-too-tight.json"), "utf8"));
    raw.validators = { ...raw.validators, leaderElection: "round-robin" };
    const scenarioPath = join(out, "round-robin.json");
    writeFileSync(scenarioPath, JSON.stringify(raw));
    const report = JSON.parse(cli(["run", scenarioPath, "--out", out, "--json"]).stdout);
    const seedFile = JSON.parse(readFileSync(report.seedFile, "utf8"));
    delete seedFile.scenario.validators.leaderElection;
    delete seedFile.scenario.validators.reputation;
    const old = join(out, "old.json");
    writeFileSync(old, JSON.stringify(seedFile));
    const replay = cli(["replay", old, "--json"]);
    expect(replay.stderr).toMatch(/sets no validators.leaderElection: it was written before leader reputation/);
    expect(replay.status).toBe(5); // it now runs with reputation: other leaders, another digest
    seedFile.scenario.validators.leaderElection = "round-robin";
    const pinned = join(out, "pinned.json");
    writeFileSync(pinned, JSON.stringify(seedFile));
    const again = cli(["replay", pinned, "--json"]);
    expect(again.stderr).not.toMatch(/leaderElection/);
    expect(JSON.parse(again.stdout).replay).toEqual({ digestMatches: true, violationMatches: true, reproduced: true });
    expect(again.status).toBe(3);
  });

  it("a passing run writes no seed file", () => {
    const out = mkdtempSync(join(tmpdir(), "asset-sim-"));
    const run = cli(["run", "quickstart", "--duration", "3s", "--out", out, "--json"]);
    expect(run.status).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.seedFile).toBeUndefined();
    expect(report.violation).toBeUndefined();
    expect(run.stderr).toMatch(/sim s\/wall s/);
  });
});

/**
 * The package's entry points work for a user: `asset-sim` and
 * `asset-sim/arbitraries` resolve through package.json's `exports` (Node's
 * self-reference resolves them from the package's own folder, as from a
 * user's node_modules), and a user's property over the exported arbitraries
 * runs with fast-check. Needs the build (`npm test` builds first).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/scenario.js";

const USER_PROPERTY = `
import fc from "fast-check";
import { faultPlanArb, scenarioArb } from "asset-sim/arbitraries";
import { parseScenario, runScenario } from "asset-sim";
fc.assert(fc.property(faultPlanArb({ validators: 4, healAtUs: 3_000_000 }), (faults) => {
  parseScenario({ name: "user", seed: 1, duration: "3s", validators: { count: 4 }, l1: { enabled: false }, faults });
}), { numRuns: 50 });
const [raw] = fc.sample(scenarioArb({ validators: { min: 4, max: 4 }, faultWindowUs: { min: 1_000_000, max: 1_000_000 }, afterHealUs: 1_000_000 }), { numRuns: 1, seed: 1 });
const report = runScenario(parseScenario(raw));
console.log(JSON.stringify({ exitCode: report.exitCode, validators: report.validators }));
`;

describe("package exports", () => {
  it("package.json maps the entry points to built files with their types", () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { exports: Record<string, { types: string; default: string } | string>; bin: Record<string, string>; peerDependencies: Record<string, string> };
    expect(Object.keys(manifest.exports)).toEqual([".", "./arbitraries", "./package.json"]);
    for (const entry of [manifest.exports["."], manifest.exports["./arbitraries"]] as { types: string; default: string }[]) {
      expect(existsSync(join(ROOT, entry.default)), `${entry.default} (run npm run build)`).toBe(true);
      expect(existsSync(join(ROOT, entry.types)), entry.types).toBe(true);
    }
    expect(manifest.bin["asset-sim"]).toBe("bin/asset-sim.js");
    expect(manifest.peerDependencies["fast-check"]).toMatch(/^\^4\./);
  });

  it("a user's fast-check property imports asset-sim/arbitraries and runs", () => {
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", USER_PROPERTY], { cwd: ROOT, encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ exitCode: 0, validators: 4 });
  });
});

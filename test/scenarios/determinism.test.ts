/**
 * Determinism: one seed and one scenario give one trace digest, in this
 * process and in another. The same 12 s quickstart run twice in one process
 * with equal reports is in the long tier (determinism.long.test.ts); here the
 * in-process run equals two CLI processes' runs, and digests.test.ts pins
 * recorded digests.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, runScenario, scenario } from "../helpers/scenario.js";

describe("determinism", () => {
  it("another seed gives another digest", () => {
    const a = runScenario(scenario("quickstart", { seed: 1 }, 5_000_000));
    const b = runScenario(scenario("quickstart", { seed: 2 }, 5_000_000));
    expect(b.traceDigest).not.toBe(a.traceDigest);
  });

  it("each signature scheme is deterministic on its own", () => {
    for (const signatureScheme of ["ed25519", "ed25519-native"]) {
      const fields = { validators: { count: 4, signatureScheme }, faults: [] };
      const a = runScenario(scenario("quickstart", fields, 3_000_000));
      const b = runScenario(scenario("quickstart", fields, 3_000_000));
      expect(a.traceDigest).toBe(b.traceDigest);
      expect(a.metrics.commits).toBeGreaterThan(5);
    }
  });

  it("two separate processes give the same digest as this one", () => {
    const cli = join(ROOT, "bin/asset-sim.js");
    const args = [cli, "run", join(ROOT, "sim-scenarios/quickstart.json"), "--duration", "4s", "--json"];
    const first = JSON.parse(execFileSync(process.execPath, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
    const second = JSON.parse(execFileSync(process.execPath, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }));
    const here = runScenario(scenario("quickstart", {}, 4_000_000));
    expect(first.traceDigest).toBe(second.traceDigest);
    expect(first.traceDigest).toBe(here.traceDigest);
  });
});

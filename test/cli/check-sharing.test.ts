/** `--check-sharing [k]` on run and replay, and `ASSET_SIM_SHARING=off`: what they print and their exit codes. */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sharingOption } from "../../src/cli/sharing-option.js";
import { InputError } from "../../src/config/errors.js";
import { rawScenario } from "../helpers/scenario.js";
import { runCli } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "asset-sim-sharing-"));

const path = join(dir, "short.json");
writeFileSync(
  path,
  JSON.stringify({ ...rawScenario("quickstart"), duration: "3s", faults: [], validators: { count: 4, blockTime: "250ms", viewTimeout: "1s", signatureScheme: "sim" }, l1: { enabled: false } }),
);

describe("--check-sharing", () => {
  it("run --check-sharing 2 recomputes shared answers, exits 0 and prints the digest of the unchecked run", async () => {
    const checked = await runCli(["run", path, "--check-sharing", "2", "--json"]);
    const plain = await runCli(["run", path, "--json"]);
    expect(checked.code).toBe(0);
    const count = /sharing check: (\d+) shared answers recomputed \(one in 2\), all equal/.exec(checked.err);
    expect(count).not.toBeNull();
    expect(Number(count![1])).toBeGreaterThan(10);
    expect(JSON.parse(checked.out).traceDigest).toBe(JSON.parse(plain.out).traceDigest);
  });

  it("a k that is not a positive integer is bad input (exit 2)", async () => {
    for (const k of ["0", "-3", "x"]) {
      const { code, err } = await runCli(["run", path, "--check-sharing", k]);
      expect(code, k).toBe(2);
      expect(err).toMatch(/--check-sharing/);
    }
  });

  it("ASSET_SIM_SHARING=off turns sharing off; asking for the check then is bad input", () => {
    expect(sharingOption(undefined, { ASSET_SIM_SHARING: "off" })).toEqual({ off: true });
    expect(sharingOption(undefined, {})).toEqual({});
    expect(sharingOption(true, {})).toEqual({ checkEvery: 10 });
    expect(() => sharingOption("4", { ASSET_SIM_SHARING: "off" })).toThrow(InputError);
  });
});

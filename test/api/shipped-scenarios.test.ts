/**
 * The shipped scenarios as a library reads them (`runtime/shipped-scenarios.ts`):
 * the names are the files of `sim-scenarios/`, a name loads a parsed scenario
 * with its overrides applied, an unknown name is a typed error listing the
 * names, and the CLI's fallback to shipped names goes through the same code.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/config/errors.js";
import { parseScenario } from "../../src/scenario/load.js";
import { loadShippedScenario, readShippedScenario, shippedScenarioNames, UnknownScenarioError } from "../../src/runtime/shipped-scenarios.js";
import { rawScenario, ROOT } from "../helpers/scenario.js";
import { runCli } from "../helpers/cli.js";

describe("shipped scenarios through the library", () => {
  it("shippedScenarioNames lists the files of sim-scenarios/, sorted", () => {
    const files = readdirSync(join(ROOT, "sim-scenarios")).filter((f) => f.endsWith(".json")).map((f) => f.replace(/\.json$/, "")).sort();
    expect(shippedScenarioNames()).toEqual(files);
    expect(shippedScenarioNames()).toContain("quickstart");
  });

  it("loadShippedScenario parses the file; with no overrides it equals parseScenario of the file", () => {
    const loaded = loadShippedScenario("crash-restart");
    expect(loaded).toEqual(parseScenario(rawScenario("crash-restart")));
    expect(loadShippedScenario("crash-restart.json")).toEqual(loaded);
    expect(readShippedScenario("crash-restart")).toEqual(rawScenario("crash-restart"));
  });

  it("overrides: seed, a duration string or microseconds (later faults dropped), safety only", () => {
    const original = loadShippedScenario("crash-restart");
    const lastFaultUs = Math.max(...original.faults.map((f) => f.at));
    const cutUs = Math.floor(lastFaultUs / 2);
    const cut = loadShippedScenario("crash-restart", { seed: 99, duration: cutUs, safetyOnly: true });
    expect(cut.seed).toBe(99);
    expect(cut.duration).toBe(cutUs);
    expect(cut.faults.length).toBeLessThan(original.faults.length);
    expect(cut.faults.every((f) => f.at <= cutUs)).toBe(true);
    expect(cut.phases.safetyOnly).toBe(true);
    expect(loadShippedScenario("crash-restart", { duration: "10s" }).duration).toBe(10_000_000);
  });

  it("an unknown name is an UnknownScenarioError (an InputError) that lists every shipped name", () => {
    let error: unknown;
    try {
      loadShippedScenario("quickstrat");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UnknownScenarioError);
    expect(error).toBeInstanceOf(InputError);
    const unknown = error as UnknownScenarioError;
    expect(unknown.requested).toBe("quickstrat");
    expect(unknown.shippedNames).toEqual(shippedScenarioNames());
    expect(unknown.field).toBe("scenario");
    for (const name of shippedScenarioNames()) expect(unknown.message).toContain(name);
    // A path that only looks like a name is not read from elsewhere.
    expect(() => readShippedScenario("../package")).toThrow(UnknownScenarioError);
  });

  it("bad overrides are InputErrors naming the field", () => {
    expect(() => loadShippedScenario("quickstart", { duration: "ten seconds" })).toThrow(expect.objectContaining({ field: "duration" }));
    expect(() => loadShippedScenario("quickstart", { duration: 0 })).toThrow(expect.objectContaining({ field: "duration" }));
    expect(() => loadShippedScenario("quickstart", { seed: -3 })).toThrow(expect.objectContaining({ field: "seed" }));
  });

  it("the CLI falls back to shipped names through the library: the same error, exit 2, and list prints the same names", async () => {
    const bad = await runCli(["run", "quickstrat"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(new UnknownScenarioError("quickstrat", shippedScenarioNames()).message);
    const list = await runCli(["list"]);
    expect(list.code).toBe(0);
    expect(list.out.trim().split("\n")).toEqual(shippedScenarioNames());
  });
});

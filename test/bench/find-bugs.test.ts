/**
 * The bug-finding benchmark's own parts: every mutant's patches match the
 * built code exactly once (applied here to a copy of the files they touch,
 * never to dist/ itself), a patch that matches no time or twice stops the
 * benchmark with the mutant's name, and explore's output is read right
 * (found, not found) and summarised over trials.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatCell, parseExploreOutput } from "../../bench/find-bugs.js";
import { applyMutant, applyPatch, MUTANTS } from "../../bench/mutants.js";
import { ROOT } from "../helpers/scenario.js";

describe("mutants", () => {
  it("each mutant's patches match the built code exactly once and change it (needs npm run build)", () => {
    expect(MUTANTS.length).toBeGreaterThanOrEqual(6);
    for (const mutant of MUTANTS) {
      const copy = mkdtempSync(join(tmpdir(), `asset-sim-mutant-${mutant.name}-`));
      const files = [...new Set(mutant.patches.map((p) => p.file))];
      for (const file of files) {
        mkdirSync(dirname(join(copy, file)), { recursive: true });
        cpSync(join(ROOT, file), join(copy, file));
      }
      applyMutant(copy, mutant);
      for (const file of files) expect(readFileSync(join(copy, file), "utf8"), `${mutant.name} changes ${file}`).not.toBe(readFileSync(join(ROOT, file), "utf8"));
      // Applied twice, the first patch no longer matches: the benchmark would stop, naming the mutant.
      expect(() => applyMutant(copy, mutant)).toThrow(new RegExp(`mutant ${mutant.name}: the patch of .* matches 0 times`));
    }
  });

  it("a patch matching twice stops with the mutant's name and leaves the file alone", () => {
    const dir = mkdtempSync(join(tmpdir(), "asset-sim-patch-"));
    writeFileSync(join(dir, "x.js"), "a = 1;\na = 1;\n");
    expect(() => applyPatch(dir, "twice", { file: "x.js", search: "a = 1;", replace: "a = 2;" })).toThrow(/mutant twice: the patch of x.js matches 2 times/);
    expect(readFileSync(join(dir, "x.js"), "utf8")).toBe("a = 1;\na = 1;\n");
    applyPatch(dir, "once", { file: "x.js", search: "a = 1;\na", replace: "b = $&" });
    // The replacement is literal ($& is not a pattern).
    expect(readFileSync(join(dir, "x.js"), "utf8")).toBe("b = $& = 1;\n");
  });
});

describe("reading explore's output", () => {
  it("a first failure, a guided first failure, and none", () => {
    const swarm = "FAIL seed 38 safety root-agreement: height 23: ...\nseeds run        38\nfailures         1\nseeds per second 1.07 (wall, 35.5 s; 64.2 seeds/min)\nfirst failure after 38 seeds (seed 38), 35.48 s wall\n";
    expect(parseExploreOutput(swarm)).toEqual({ found: true, count: 38, seconds: 35.48, invariant: "root-agreement" });
    const guided = "FAIL run 1 (seed 1) safety equivocation: v1 voted twice\nruns             2\nfirst failure after 2 runs (run 1, seed 1), 1.80 s wall\n";
    expect(parseExploreOutput(guided)).toEqual({ found: true, count: 2, seconds: 1.8, invariant: "equivocation" });
    const none = "runs             60\nfailures         0\nruns per second  2.5 (wall, 23.7 s; 150 runs/min)\n";
    expect(parseExploreOutput(none)).toEqual({ found: false, count: 60, seconds: 23.7 });
    expect(() => parseExploreOutput("error: --seeds: required")).toThrow(/no table/);
  });

  it("summarises trials: found in some, medians over those, the budget of the others", () => {
    const found = (count: number, seconds: number) => ({ found: true, count, seconds, invariant: "agreement" });
    const missed = { found: false, count: 60, seconds: 20 };
    expect(formatCell([found(1, 0.2), found(3, 0.9), found(2, 0.5)], "seed")).toBe("3/3: 2 seeds, 0.5 s (agreement)");
    expect(formatCell([found(38, 35.5), missed, missed], "run")).toBe("1/3: 38 runs, 35.5 s (agreement); 2 not in 60 runs");
    expect(formatCell([missed, missed], "seed")).toBe("0/2 in 60 seeds (20.0 s each)");
  });
});

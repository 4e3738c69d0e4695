import { it, expect } from "vitest";
import { swarmScenario } from "../../src/explore/swarm.js";
import { parseScenario } from "../../src/scenario/load.js";
import { runScenario } from "../../test/helpers/scenario.js";
it("swarm seeds", () => {
  const base = parseScenario({ name: "s", seed: 1, duration: "16s", validators: { count: 4, signatureScheme: "sim" }, workload: { txPerSecond: 20, clients: 2 }, l1: { enabled: false }, phases: { livenessAt: "9s" }, invariants: { livenessBound: "6s" } });
  const bad: string[] = [];
  let twins = 0, cps = 0, rds = 0;
  for (let seed = 0; seed < 60; seed++) {
    const { scenario, choice } = swarmScenario(base, seed);
    if (choice.kinds.includes("twin")) twins++;
    if (choice.kinds.includes("crash-point")) cps++;
    if (choice.kinds.includes("redeliver")) rds++;
    const r = runScenario(scenario);
    if (r.exitCode !== 0) bad.push(`${seed} ${choice.notes.join(",")}: ${r.invariants.filter((x) => !x.ok).map((x) => x.name + " " + x.violation?.message).join("; ")} ${r.violation?.message ?? ""}`);
  }
  console.log({ twins, cps, rds }, bad.join("\n"));
  expect(bad).toEqual([]);
}, 600_000);

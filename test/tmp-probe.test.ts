import { it } from "vitest";
import { runSeed, twinsCaseList, type TwinsPlan } from "../src/explore/explore.js";
import { parseScenario } from "../src/scenario/load.js";
import { runScenario } from "../src/scenario/run.js";
it("probe", () => {
  const [t, R, leaders, budget, mode, dur, wl] = (process.env.PROBE ?? "").split(" ");
  const base = parseScenario({ name: "probe", seed: 1, duration: dur ?? "5s", validators: { count: 4, signatureScheme: "sim", viewTimeout: "500ms" }, workload: { txPerSecond: Number(wl ?? 0) }, l1: { enabled: false } });
  const plan: TwinsPlan = { space: { validators: 4, twins: Number(t), rounds: Number(R), partitionsMax: 2, leaders: leaders as "any", allPartitions: false }, budget: Number(budget), mode: mode as "auto", firstSeed: 1, healAtUs: base.duration / 2 };
  const t0 = performance.now();
  const list = twinsCaseList(plan);
  const lines = [`cases ${list.cases.length} ${list.how} distinct ${list.distinctCases} raw ${list.rawCases} ${((performance.now() - t0) / 1000).toFixed(1)}s`];
  const fails: string[] = [];
  let firstAt: number | undefined;
  for (let i = 0; i < list.cases.length; i++) {
    const o = runSeed(base, 1 + i, { swarm: false, checkDeterminism: false, twins: plan }, (s) => runScenario(s));
    if (o.verdict !== "ok") { fails.push(`${i + 1} ${o.verdict} ${o.invariant} ${o.message?.slice(0, 90)} | ${o.twins}`); firstAt ??= i + 1; }
  }
  lines.push(`ran ${list.cases.length} failures ${fails.length} first at case ${firstAt} wall ${((performance.now() - t0) / 1000).toFixed(1)}s`, ...fails.slice(0, 12));
  require("node:fs").writeFileSync(`/tmp/rounds/probe-${(process.env.PROBE ?? "").replace(/ /g, "_")}.txt`, lines.join("\n") + "\n");
}, 3_600_000);

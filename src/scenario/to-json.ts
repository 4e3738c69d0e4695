/**
 * The inverse of parsing: a parsed {@link Scenario} back to the file format,
 * with every default written out and every duration in microseconds. Seed
 * files keep this form, so a replay runs with exactly the settings of the
 * original run even if a later version changes a default. The layout is the
 * one the file used: one rollup at the top level, `rollups`, or none (no
 * `validators` section: a system that runs without validators).
 */
import type { LatencyModel } from "../net/latency.js";
import { ROLLUP_SECTIONS } from "../systems/scenario-shape.js";
import type { RollupScenario, Scenario } from "./schema.js";

/** The file-format JSON of a parsed scenario; `parseScenario` of it gives the same scenario back. */
export function scenarioToJson(scenario: Scenario): Record<string, unknown> {
  const { network, rollups, layout, ...rest } = scenario;
  const world: Record<string, unknown> = {
    ...rest,
    network: {
      ...network,
      latency: latencyToJson(network.latency),
      links: network.links.map(({ latency, ...link }) => (latency === undefined ? link : { ...link, latency: latencyToJson(latency) })),
    },
  };
  if (layout === "single") return { ...world, workload: { ...scenario.workload } };
  for (const key of Object.keys(ROLLUP_SECTIONS)) delete world[key];
  if (layout === "none") return world;
  return { ...world, rollups: rollups.map(rollupToJson) };
}

function rollupToJson(rollup: RollupScenario): Record<string, unknown> {
  const { prefix: _prefix, ...sections } = rollup;
  return { ...sections, workload: { ...rollup.workload } };
}

function latencyToJson(model: LatencyModel): Record<string, unknown> {
  switch (model.kind) {
    case "uniform":
      return { min: model.minUs, max: model.maxUs };
    case "normal":
      return { distribution: "normal", mean: model.meanUs, stddev: model.stddevUs, min: model.minUs };
    case "exponential":
      return { distribution: "exponential", min: model.minUs, mean: model.meanUs };
  }
}

/** Node names of a scenario and the error text for a name that is not one. */
import type { Scenario } from "./schema.js";

/** Node names of a scenario: validators `v0..v{n-1}`, clients `c0..c{m-1}`. */
export function nodeNames(scenario: Scenario): { validators: string[]; clients: string[] } {
  return {
    validators: Array.from({ length: scenario.validators.count }, (_, i) => `v${i}`),
    clients: Array.from({ length: scenario.workload.clients }, (_, i) => `c${i}`),
  };
}

/** The message for a node name that is not in the scenario. */
export function unknownNode(name: string, scenario: Scenario): string {
  const n = scenario.validators.count;
  const m = scenario.workload.clients;
  return `unknown node ${JSON.stringify(name)} (validators are v0..v${n - 1}, clients c0..c${m - 1})`;
}


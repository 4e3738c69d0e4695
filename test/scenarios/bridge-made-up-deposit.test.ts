/**
 * Goal: with the bridge on the L1, validators credit only deposits they read from the L1 at the finalized
 * commitment themselves. A byzantine relayer (built here, beside the honest one) hands every validator a
 * made-up deposit every 100 ms, under the sequence numbers the honest deposits will get and under one far
 * ahead; bridge-round-trip still credits each finalized deposit exactly once with its L1 amount, and the
 * bridge checkers (deposits credited once, conservation) stay green.
 */
import { describe, expect, it } from "vitest";
import { validatorCodec } from "../../src/consensus/wire.js";
import type { ValidatorMessage } from "../../src/consensus/types.js";
import { NETWORK_BACKGROUND_KINDS } from "../../src/harness/faults/background.js";
import { SystemRegistry } from "../../src/harness/registry.js";
import type { System } from "../../src/harness/system.js";
import { encodeAppMessage } from "../../src/sequencer/app-messages.js";
import type { Node } from "../../src/sim/node.js";
import { BUILTIN_SYSTEMS, WORLD_FAULT_KINDS } from "../../src/systems/index.js";
import type { Scenario } from "../../src/systems/scenario-shape.js";
import { VALIDATOR_EVENTS } from "../../src/systems/validators/events.js";
import { loadProgramElf } from "../../src/runtime/program-files.js";
import { parseScenario } from "../../src/scenario/load.js";
import { ScenarioRun } from "../../src/scenario/scenario-run.js";
import type { Observation } from "../../src/check/checker.js";
import { runAndJudge } from "../../src/scenario/run.js";
import { rawScenario } from "../helpers/scenario.js";

const MADE_UP_AMOUNT = 999_999_999n;

/** Sends every validator made-up deposits 0..7 and 1000 every 100 ms. */
class LyingRelayer implements Node<ValidatorMessage> {
  constructor(private readonly validators: readonly string[]) {}
  start(ctx: Parameters<Node<ValidatorMessage>["start"]>[0]): void {
    ctx.setTimer(100_000, "lie");
  }
  onMessage(): void {}
  onTimer(ctx: Parameters<Node<ValidatorMessage>["onTimer"]>[0]): void {
    ctx.setTimer(100_000, "lie");
    const deposits = [0, 1, 2, 3, 4, 5, 6, 7, 1000].map((s) => ({ sequence: BigInt(s), to: new Uint8Array(32).fill(9), amount: MADE_UP_AMOUNT }));
    const data = encodeAppMessage({ kind: "deposits", deposits });
    for (const v of this.validators) ctx.send(v, { type: "app", data });
  }
}

function registryWithLiar(): SystemRegistry<Scenario> {
  const systems = BUILTIN_SYSTEMS.systems.map((system): System<Scenario> => {
    if (system.name !== "bridge") return system;
    return {
      ...system,
      build(ctx) {
        const built = system.build(ctx);
        const validators = Array.from({ length: ctx.scenario.validators.count }, (_, i) => `v${i}`);
        ctx.world.addNode<ValidatorMessage>({ id: "liar", role: "relayer", system: "bridge", instance: "", codec: validatorCodec, crashable: false, honest: false, create: () => new LyingRelayer(validators) });
        return built;
      },
    };
  });
  return new SystemRegistry<Scenario>(WORLD_FAULT_KINDS, NETWORK_BACKGROUND_KINDS, systems);
}

describe("bridge: a relayer that makes deposits up", () => {
  it("bridge-round-trip with a lying relayer: no made-up deposit is credited, every finalized one once, checkers green", () => {
    const registry = registryWithLiar();
    const run = new ScenarioRun(parseScenario(rawScenario("bridge-round-trip"), { registry }), { registry, programElf: loadProgramElf() });
    const events: Observation[] = [];
    run.addObserver((o) => void events.push(o));
    const report = runAndJudge(run);
    for (const result of report.invariants) expect(result.ok, `${result.name}: ${result.violation?.message}`).toBe(true);
    const credits = events.filter((e) => VALIDATOR_EVENTS.is(e, "bridge-committed")).flatMap((e) => (e.fields as { credits: { amount: string }[] }).credits);
    expect(credits.length).toBeGreaterThan(0);
    expect(credits.some((c) => BigInt(c.amount) === MADE_UP_AMOUNT)).toBe(false);
    const bridge = (report.metrics as unknown as { bridge: Record<string, number> }).bridge;
    expect(bridge).toMatchObject({ deposits: 4, finalizedDeposits: 4, credited: 4 });
    expect(events.filter((e) => e.event === "deposit-read").length).toBeGreaterThanOrEqual(4);
  }, 600_000);
});

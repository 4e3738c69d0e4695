/**
 * The L1 system: one simulated L1 chain shared by every rollup of a scenario
 * (the AssetRollup program in litesvm on virtual time, `l1/l1-node.ts`), its
 * fault kinds (`l1-faults`, `l1-reorg`), and its heal step (fault rates off).
 * The posting system registers each rollup's program and funds its keys
 * through {@link L1_SETUP} before the first boot.
 */
import type { Checker } from "../../check/checker.js";
import type { NodePlan, ServiceKey } from "../../harness/fault-kind.js";
import type { System } from "../../harness/system.js";
import { L1Node } from "../../l1/l1-node.js";
import { l1RpcCodec, type L1RpcMessage } from "../../l1/l1-wire.js";
import type { Scenario } from "../scenario-shape.js";
import { L1_FAULT_KINDS, L1_ROLE, L1_SERVICE } from "./faults.js";

/** The L1 node's id. */
export const L1_NODE_ID = "l1";

/** What other systems add to the L1 before it boots: programs (by program id) and funded accounts. */
export interface L1Setup {
  /** Deploys `elf` at `programId` (base58) with the upgradeable loader, upgradeable by `upgradeAuthority` (base58). */
  addProgram(programId: string, elf: Uint8Array, upgradeAuthority: string): void;
  fund(address: string, lamports: bigint): void;
}

/** The service key of {@link L1Setup}. */
export const L1_SETUP: ServiceKey<L1Setup> = { name: "l1-setup" };

/** The L1 system. */
export const l1System: System<Scenario> = {
  name: "l1",
  faultKinds: L1_FAULT_KINDS as unknown as System["faultKinds"],
  backgroundKinds: [],

  plan(scenario) {
    const nodes: NodePlan[] = scenario.l1.enabled ? [{ id: L1_NODE_ID, role: L1_ROLE, system: "l1", instance: "", crashable: false, honest: true }] : [];
    return { nodes, quorums: [], targets: [] };
  },

  check() {},

  build(ctx) {
    const { world, scenario } = ctx;
    if (!scenario.l1.enabled) return [];
    if (ctx.environment.programElf === undefined) {
      throw new Error("this scenario runs the L1 (l1.enabled), which needs the program binary: pass { programElf: loadProgramElf() } (src/runtime/program-files.ts)");
    }
    const programs: { programId: string; elf: Uint8Array; upgradeAuthority: string }[] = [];
    const accounts: { address: string; lamports: bigint }[] = [];
    let node: L1Node | undefined;
    ctx.provide(L1_SETUP, {
      addProgram: (programId, elf, upgradeAuthority) => programs.push({ programId, elf, upgradeAuthority }),
      fund: (address, lamports) => accounts.push({ address, lamports }),
    });
    ctx.provide(L1_SERVICE, { node: () => node });
    const l1 = scenario.l1;
    world.addNode<L1RpcMessage>({
      id: L1_NODE_ID,
      role: L1_ROLE,
      system: "l1",
      instance: "",
      codec: l1RpcCodec,
      crashable: false,
      honest: true,
      create: () => {
        node = new L1Node({
          programs,
          accounts,
          slotDurationUs: l1.slotDuration,
          confirmationDepthSlots: l1.confirmationDepthSlots,
          finalizationDepthSlots: l1.finalizationDepthSlots,
          faults: { ...l1.faults },
        });
        return node;
      },
    });
    // The liveness phase turns the L1's fault rates off (the heal step of `l1-faults`).
    world.addHealHook("l1-faults", () => node?.setFaults({ dropRate: 0, delayRate: 0, rpcErrorRate: 0 }));
    const checkers: Checker[] = [];
    return [{ system: "l1", instance: "", checkers, sees: () => true, metrics: () => ({}) }];
  },

  arm() {},

  summary: () => [],
};

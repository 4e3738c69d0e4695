/**
 * The built-in systems, one registry line each (see `harness/registry.ts`):
 * a new system is its folder plus one line here (or, for a system kept
 * outside this package, `BUILTIN_SYSTEMS.with(mySystem)`).
 */
import { NETWORK_BACKGROUND_KINDS } from "../harness/faults/background.js";
import { CLOCK_FAULT_KINDS } from "../harness/faults/clock.js";
import { NETWORK_FAULT_KINDS } from "../harness/faults/network.js";
import { NODE_FAULT_KINDS } from "../harness/faults/node.js";
import { STORAGE_FAULT_KINDS } from "../harness/faults/storage.js";
import type { ActionBase, FaultKind } from "../harness/fault-kind.js";
import { SystemRegistry } from "../harness/registry.js";
import { bridgeSystem } from "./bridge/index.js";
import { l1System } from "./l1/index.js";
import { postingSystem } from "./posting/index.js";
import { sbcpSystem } from "./sbcp/index.js";
import type { Scenario } from "./scenario-shape.js";
import { validatorsSystem } from "./validators/index.js";

/** The world's own fault kinds, in catalog order. */
export const WORLD_FAULT_KINDS = [...NETWORK_FAULT_KINDS, ...NODE_FAULT_KINDS, ...STORAGE_FAULT_KINDS, ...CLOCK_FAULT_KINDS] as unknown as readonly FaultKind<ActionBase>[];

/** The systems every run has. */
export const BUILTIN_SYSTEMS = new SystemRegistry<Scenario>(WORLD_FAULT_KINDS, NETWORK_BACKGROUND_KINDS, [
  validatorsSystem,
  l1System,
  postingSystem,
  sbcpSystem,
  bridgeSystem,
]);

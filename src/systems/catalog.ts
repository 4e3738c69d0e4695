/**
 * The static type of a fault action: the union of every built-in kind's
 * action (the world's, then the L1's). The catalog used at run time is the
 * registry's (`systems/index.ts`), which also holds kinds of added systems.
 */
import type { ActionOf } from "../harness/fault-kind.js";
import { CLOCK_FAULT_KINDS } from "../harness/faults/clock.js";
import { NETWORK_FAULT_KINDS } from "../harness/faults/network.js";
import { NODE_FAULT_KINDS } from "../harness/faults/node.js";
import { STORAGE_FAULT_KINDS } from "../harness/faults/storage.js";
import { L1_FAULT_KINDS } from "./l1/faults.js";

/** Every built-in fault kind, in catalog order. */
export const FAULT_KINDS = [...NETWORK_FAULT_KINDS, ...NODE_FAULT_KINDS, ...STORAGE_FAULT_KINDS, ...CLOCK_FAULT_KINDS, ...L1_FAULT_KINDS] as const;

/**
 * One fault action of a parsed scenario (the union of every built-in kind's
 * action): `{ at, action, ...the kind's fields }`, e.g. `{ at: 2_000_000, action: "crash", node: "v1" }`;
 * `at` is microseconds of virtual time; an action may instead fire at a `view` or on an event (`when`), see `harness/triggers.ts`.
 */
export type FaultAction = ActionOf<(typeof FAULT_KINDS)[number]>;

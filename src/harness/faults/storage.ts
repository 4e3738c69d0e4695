/**
 * Storage fault kinds (the simulated disk, `storage/sim-disk.ts`, under the
 * file store that ships): `corrupt` one durable value, `torn-write` (crash
 * leaving the last fsynced write half done), `wipe` (crash and lose the whole disk), and
 * `storage-faults` (background corruption and tear rates of every
 * validator's disk).
 */
import { z } from "zod";
import { nodeName, probability } from "../../config/fields.js";
import { WORLD_NODE } from "../world.js";
import { defineFaultKind } from "../fault-kind.js";
import { windowArb } from "./network.js";
import { checkTakeDown, downEpisode, downSwarm, downValidators, firingText, markDown } from "./node.js";
import { hasCheckedStorage, pick, requireNode, round4 } from "./plan-checks.js";

/** The disks `storage-faults` changes: every validator's (not a twin's second instance: it keeps the rates it booted with). */
function validatorDisks(ids: readonly { id: string; role: string; instanceOf?: string }[]): string[] {
  return ids.filter((s) => s.role === "validator" && s.instanceOf === undefined).map((s) => s.id);
}

/** Flips bits of one durable value of a validator's disk (a checksum must catch it). */
export const corruptKind = defineFaultKind<{ at: number; action: "corrupt"; node: string; key: string; bits: number }>({
  action: "corrupt",
  summary: "flip bits of one durable value of a validator's disk",
  schema: z.strictObject({ action: z.literal("corrupt"), node: nodeName, key: z.string().default(""), bits: z.number().int().min(1).max(64).default(1) }),
  check: (a, plan, _model, field) => {
    requireNode(plan, a.node, `${field}.node`, "corrupt", hasCheckedStorage, "a validator (or a node with checked storage)");
  },
  model: () => {},
  apply: (a, { world }) => {
    const key = world.corrupt(a.node, a.key, a.bits);
    world.observe({ timeUs: world.sim.nowUs, node: WORLD_NODE, event: "disk-corrupted", fields: { node: a.node, key: key ?? null } });
  },
  describe: (a) => `corrupt ${a.node} key prefix ${JSON.stringify(a.key)} bits ${a.bits}`,
  heal: "nothing",
  swarm: (ctx, rng) => {
    if (ctx.f < 1) return undefined;
    const node = pick(ctx.validators, rng);
    return { actions: [{ at: ctx.window(rng, 0).startUs, action: "corrupt", node, key: "", bits: rng.intBetween(1, 4) }], note: `corrupt ${node}` };
  },
  arbitrary: {
    applies: (ctx) => ctx.maxFaultyValidators > 0,
    episode: (fc, ctx) =>
      fc.record({ window: windowArb(fc, ctx), node: fc.constantFrom(...ctx.validators), bits: fc.integer({ min: 1, max: 4 }) }).map(({ window, node, bits }) => ({
        startUs: window.startUs,
        endUs: window.startUs,
        locks: [],
        begin: [{ at: window.startUs, action: "corrupt", node, key: "", bits }],
        end: [],
      })),
  },
  real: () => ({ unsupported: "storage faults are simulated-disk only" }),
  symbolicTargets: () => [],
});

/** Crashes a validator leaving its last fsynced write half done. */
export const tornWriteKind = defineFaultKind<{ at: number; action: "torn-write"; node: string }>({
  action: "torn-write",
  summary: "crash a validator leaving its last fsynced write half done (down until its restart)",
  schema: z.strictObject({ action: z.literal("torn-write"), node: nodeName }),
  check: (a, plan, model, field) => checkTakeDown(plan, model, a.node, `${field}.node`, "torn-write", true, firingText(a)),
  model: markDown,
  apply: (a, { world }) => {
    const key = world.tearAndCrash(a.node);
    world.observe({ timeUs: world.sim.nowUs, node: WORLD_NODE, event: "disk-torn", fields: { node: a.node, key: key ?? null } });
  },
  describe: (a) => `torn-write ${a.node}`,
  heal: "restart",
  swarm: downSwarm("torn-write"),
  arbitrary: downEpisode("torn-write", downValidators),
  real: () => ({ unsupported: "storage faults are simulated-disk only" }),
  symbolicTargets: () => [],
});

/** Crashes a validator and loses its whole disk (it recovers its safety state from its peers). */
export const wipeKind = defineFaultKind<{ at: number; action: "wipe"; node: string }>({
  action: "wipe",
  summary: "crash a validator and lose its whole disk (down until its restart)",
  schema: z.strictObject({ action: z.literal("wipe"), node: nodeName }),
  check: (a, plan, model, field) => checkTakeDown(plan, model, a.node, `${field}.node`, "wipe", true, firingText(a)),
  model: markDown,
  apply: (a, { world }) => world.wipe(a.node),
  describe: (a) => `wipe ${a.node}`,
  heal: "restart",
  swarm: downSwarm("wipe"),
  arbitrary: downEpisode("wipe", downValidators),
  real: () => ({ unsupported: "losing a real data dir is not simulated here" }),
  symbolicTargets: () => [],
});

/** Changes the background fault rates of every validator's disk. */
export const storageFaultsKind = defineFaultKind<{ at: number; action: "storage-faults"; corruptRate?: number; tornWriteRate?: number }>({
  action: "storage-faults",
  summary: "set the background corruption and tear rates of every validator's disk",
  schema: z.strictObject({ action: z.literal("storage-faults"), corruptRate: probability.optional(), tornWriteRate: probability.optional() }),
  check: () => {},
  model: () => {},
  apply: (a, { world }) => {
    const rates = { ...(a.corruptRate !== undefined ? { corruptRate: a.corruptRate } : {}), ...(a.tornWriteRate !== undefined ? { tornWriteRate: a.tornWriteRate } : {}) };
    world.setStorageFaults(validatorDisks(world.nodeIds().map((id) => world.spec(id))), rates);
  },
  describe: (a) => `storage-faults ${JSON.stringify({ ...(a.corruptRate !== undefined ? { corruptRate: a.corruptRate } : {}), ...(a.tornWriteRate !== undefined ? { tornWriteRate: a.tornWriteRate } : {}) })}`,
  heal: "storage-rates",
  swarm: (ctx, rng) => {
    if (ctx.f < 1) return undefined;
    const { startUs, endUs } = ctx.window(rng, 4_000_000);
    const corruptRate = round4(0.001 + rng.next() * 0.019);
    const tornWriteRate = round4(0.1 + rng.next() * 0.9);
    const own = (ctx.base.storage ?? {}) as { corruptRate?: number; tornWriteRate?: number };
    return {
      actions: [
        { at: startUs, action: "storage-faults", corruptRate, tornWriteRate },
        { at: endUs, action: "storage-faults", corruptRate: own.corruptRate ?? 0, tornWriteRate: own.tornWriteRate ?? 0 },
      ],
      note: `storage rates corrupt ${corruptRate} torn ${tornWriteRate}`,
    };
  },
  arbitrary: {
    applies: (ctx) => ctx.maxFaultyValidators > 0,
    episode: (fc, ctx) =>
      fc.record({ window: windowArb(fc, ctx), corruptRate: fc.constantFrom(0.001, 0.01), tornWriteRate: fc.constantFrom(0.1, 0.5, 1) }).map(({ window, corruptRate, tornWriteRate }) => ({
        ...window,
        locks: ["storage-faults"],
        begin: [{ at: window.startUs, action: "storage-faults", corruptRate, tornWriteRate }],
        end: [{ at: window.endUs, action: "storage-faults", corruptRate: 0, tornWriteRate: 0 }],
      })),
  },
  real: () => ({ unsupported: "storage faults are simulated-disk only" }),
  symbolicTargets: () => [],
});

/** Every storage kind, in catalog order. */
export const STORAGE_FAULT_KINDS = [corruptKind, tornWriteKind, wipeKind, storageFaultsKind] as const;

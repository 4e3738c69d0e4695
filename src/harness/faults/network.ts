/**
 * Network fault kinds: `partition`, `partition-oneway`, `isolate` and the
 * `heal` that ends them all, `clog` and the `unclog` that releases it
 * (turmoil's `partition`, `hold`/`release`; the simulated network is
 * `net/sim-network.ts`).
 */
import { z } from "zod";
import { duration, nodeName } from "../../config/fields.js";
import { AssertionError } from "../../sim/assert.js";
import type { Arbitrary } from "fast-check";
import type { EpisodeContext, FastCheck, PlanContext } from "../fault-kind.js";
import { defineFaultKind } from "../fault-kind.js";
import { armViewWindow } from "../view-window.js";
import { cutFields, describeCut, filterOf, holdsByViews, isFiltered, viewsField, type CutFields } from "./cut-fields.js";
import { anyNode, pick, requireNode, shuffle } from "./plan-checks.js";

const groups = z.array(z.array(nodeName).min(1)).min(2, "needs at least two groups");
const direction = z.enum(["both", "inbound", "outbound"]);

/** Nodes an episode may cut off or clog: validators when the budget allows, plus the other nodes. */
function cuttable(ctx: EpisodeContext): string[] {
  return [...(ctx.maxFaultyValidators > 0 ? ctx.validators : []), ...ctx.otherNodes];
}

/** A non-empty set of at most the budget (and at most n - 1) of the validators. */
function minorityCount(ctx: EpisodeContext): number {
  return Math.min(ctx.maxFaultyValidators, ctx.validators.length - 1);
}

const networkNode = (plan: PlanContext, name: string, field: string): void => {
  requireNode(plan, name, field, "node", anyNode, "a node");
};

/**
 * A two-way partition into groups with Twins group semantics (`net/cuts.ts`: a message is delivered when some
 * group holds both ends; groups may overlap; nodes in no group keep their links). With `views` and `types`
 * (Twins' round partitions) it drops only the messages of those views and classes; `id` names it for a
 * selective heal.
 */
export const partitionKind = defineFaultKind<{ at: number; action: "partition"; groups: string[][] } & CutFields>({
  action: "partition",
  summary: "cut the network into groups, both ways (messages of some views and types only, with views/types), until a heal",
  schema: z.strictObject({ action: z.literal("partition"), groups, ...cutFields }),
  check: (a, plan, _model, field) => a.groups.forEach((group, g) => group.forEach((name, k) => networkNode(plan, name, `${field}.groups[${g}][${k}]`))),
  model: (a, model, plan) => model.partition(a.groups, plan.quorums, a.id),
  apply: (a, { world }) => {
    world.partition(a.groups, filterOf(a), a.id);
  },
  describe: (a) => `partition ${a.groups.map((g) => `[${g.join(",")}]`).join(" | ")}${describeCut(a)}`,
  heal: "network",
  swarm: (ctx, rng) => {
    const n = ctx.validators.length;
    if (n < 2) return undefined;
    const actions: Record<string, unknown>[] = [];
    const count = rng.intBetween(1, 2);
    for (let i = 0; i < count; i++) {
      const shuffled = shuffle(ctx.validators, rng);
      const split = rng.intBetween(1, n - 1);
      const { startUs, endUs } = ctx.window(rng, 3_000_000);
      actions.push({ at: startUs, action: "partition", groups: [shuffled.slice(0, split), shuffled.slice(split)] }, { at: endUs, action: "heal" });
    }
    return { actions, note: `partition x${count}` };
  },
  arbitrary: {
    applies: (ctx) => ctx.maxFaultyValidators > 0 && ctx.validators.length > 1,
    episode: (fc, ctx) =>
      fc.record({ window: windowArb(fc, ctx), minority: fc.subarray([...ctx.validators], { minLength: 1, maxLength: minorityCount(ctx) }), eachAlone: fc.boolean() }).map(({ window, minority, eachAlone }) => {
        const rest = ctx.validators.filter((v) => !minority.includes(v));
        const cut = eachAlone ? [...minority.map((v) => [v]), rest] : [minority, rest];
        return { ...window, locks: ["network"], begin: [{ at: window.startUs, action: "partition", groups: cut }], end: [{ at: window.endUs, action: "heal" }] };
      }),
  },
  real: (a) => (isFiltered(a) ? { unsupported: "partitions keyed by views or message types (the transport does not look inside messages)" } : hasOverlap(a.groups) ? { unsupported: "overlapping groups" } : [{ op: "partition", groups: a.groups }]),
  symbolicTargets: () => [],
  prepare: (a, world) => {
    if (isFiltered(a)) world.describeMessages();
  },
});

/** True when some node is in two groups. */
function hasOverlap(groups: readonly (readonly string[])[]): boolean {
  const all = groups.flat();
  return new Set(all).size !== all.length;
}

/** A one-way cut (a Twins firewall with `views`): messages from every node of `from` to every node of `to` are lost. */
export const partitionOneWayKind = defineFaultKind<{ at: number; action: "partition-oneway"; from: string[]; to: string[] } & CutFields>({
  action: "partition-oneway",
  summary: "cut the links from one set of nodes to another, one way (messages of some views and types only, with views/types), until a heal",
  schema: z.strictObject({ action: z.literal("partition-oneway"), from: z.array(nodeName).min(1), to: z.array(nodeName).min(1), ...cutFields }),
  check: (a, plan, _model, field) => {
    a.from.forEach((name, k) => networkNode(plan, name, `${field}.from[${k}]`));
    a.to.forEach((name, k) => networkNode(plan, name, `${field}.to[${k}]`));
  },
  model: (a, model, plan) => model.partitionOneWay(a.from, a.to, plan.quorums, a.id),
  apply: (a, { world }) => {
    world.partitionOneWay(a.from, a.to, filterOf(a), a.id);
  },
  describe: (a) => `partition-oneway [${a.from.join(",")}] -> [${a.to.join(",")}]${describeCut(a)}`,
  heal: "network",
  swarm: (ctx, rng) => {
    const n = ctx.validators.length;
    if (n < 2 || ctx.f < 1) return undefined;
    const shuffled = shuffle(ctx.validators, rng);
    const minority = shuffled.slice(0, rng.intBetween(1, Math.min(ctx.f, n - 1)));
    const rest = shuffled.slice(minority.length);
    const outbound = rng.chance(0.5);
    const { startUs, endUs } = ctx.window(rng, 3_000_000);
    return {
      actions: [{ at: startUs, action: "partition-oneway", from: outbound ? minority : rest, to: outbound ? rest : minority }, { at: endUs, action: "heal" }],
      note: `partition-oneway ${outbound ? "out of" : "into"} ${minority.join(" ")}`,
    };
  },
  arbitrary: {
    applies: (ctx) => ctx.maxFaultyValidators > 0 && ctx.validators.length > 1,
    episode: (fc, ctx) =>
      fc
        .record({
          window: windowArb(fc, ctx),
          minority: fc.subarray([...ctx.validators], { minLength: 1, maxLength: minorityCount(ctx) }),
          /** Which of the other validators the cut reaches (all of them when none is picked). */
          reach: fc.array(fc.boolean(), { minLength: ctx.validators.length, maxLength: ctx.validators.length }),
          outbound: fc.boolean(),
        })
        .map(({ window, minority, reach, outbound }) => {
          const others = ctx.validators.filter((v) => !minority.includes(v));
          const picked = others.filter((v) => reach[ctx.validators.indexOf(v)] === true);
          const far = picked.length > 0 ? picked : others;
          return {
            ...window,
            locks: ["network"],
            begin: [{ at: window.startUs, action: "partition-oneway", from: outbound ? minority : far, to: outbound ? far : minority }],
            end: [{ at: window.endUs, action: "heal" }],
          };
        }),
  },
  real: () => ({ unsupported: "one-way cuts (the transport blocks a peer both ways)" }),
  symbolicTargets: () => [],
  prepare: (a, world) => {
    if (isFiltered(a)) world.describeMessages();
  },
});

/**
 * Cuts one node (or a symbolic target such as `leader`, resolved when it fires) off from every other node.
 * With `views`, the target of each view of the range is isolated while the system is in that view (see
 * `harness/view-window.ts`); `id` names it for a selective heal.
 */
export const isolateKind = defineFaultKind<{ at: number; action: "isolate"; node: string; direction: "both" | "inbound" | "outbound"; id?: string; views?: [number, number] }>({
  action: "isolate",
  summary: "cut one node (or the current leader: \"leader\"; with views, the leader of each view) off, both ways or one way, until a heal",
  schema: z.strictObject({ action: z.literal("isolate"), node: nodeName, direction: direction.default("both"), id: cutFields.id, views: viewsField.optional() }),
  check: (a, plan, _model, field) => {
    if (!plan.targets.has(a.node)) networkNode(plan, a.node, `${field}.node`);
  },
  model: (a, model, plan) => {
    const quorum = plan.targets.get(a.node);
    if (quorum !== undefined) model.isolateUnnamed(quorum, a.id);
    else model.isolate(a.node, a.id);
  },
  apply: (a, ctx) => {
    if (a.views === undefined) {
      ctx.world.isolate(ctx.resolve(a.node), a.direction, a.id);
      return;
    }
    const window = { target: a.node, views: a.views, verb: `isolate ${a.direction}`, releaseVerb: "end isolation of", endsOnHeal: true, ...(a.id !== undefined ? { cutId: a.id } : {}) };
    armViewWindow(ctx, window, (node) => {
      const handle = ctx.world.isolate(node, a.direction, a.id);
      return () => {
        ctx.world.removeCut(handle);
      };
    });
  },
  describe: (a, resolved) => {
    const target = resolved.get(a.node);
    return `isolate ${target !== undefined ? `${target} (${a.node})` : a.node} ${a.direction}${describeCut(a)}`;
  },
  heal: "network",
  swarm: (ctx, rng) => {
    const n = ctx.validators.length;
    if (n < 2) return undefined;
    const leader = [...ctx.plan.targets.keys()][0];
    const actions: Record<string, unknown>[] = [];
    const count = rng.intBetween(1, 2);
    for (let i = 0; i < count; i++) {
      const node = rng.chance(1 / 3) && leader !== undefined ? leader : pick(ctx.validators, rng);
      const dir = (["both", "inbound", "outbound"] as const)[rng.int(3)]!;
      const { startUs, endUs } = ctx.window(rng, 3_000_000);
      actions.push({ at: startUs, action: "isolate", node, direction: dir }, { at: endUs, action: "heal" });
    }
    return { actions, note: `isolate x${count}` };
  },
  arbitrary: {
    applies: (ctx) => cuttable(ctx).length > 0,
    episode: (fc, ctx) => {
      const named = cuttable(ctx);
      const leader = ctx.maxFaultyValidators > 0 ? ["leader"] : [];
      return fc
        .record({ window: windowArb(fc, ctx), node: fc.constantFrom(...named, ...leader), direction: fc.constantFrom("both" as const, "inbound" as const, "outbound" as const) })
        .map(({ window, node, direction: dir }) => ({ ...window, locks: ["network"], begin: [{ at: window.startUs, action: "isolate", node, direction: dir }], end: [{ at: window.endUs, action: "heal" }] }));
    },
  },
  real: (a) =>
    a.views !== undefined ? { unsupported: "isolation keyed by views" } : a.direction === "both" ? [{ op: "isolate", node: a.node }] : { unsupported: "one-way isolation (the transport blocks a peer both ways)" },
  symbolicTargets: (a) => (a.views === undefined ? [a.node] : []),
});

/**
 * Ends every partition, one-way cut and isolation (view-keyed isolations included); with `partition`, only
 * the ones whose `id` it names (a selective heal).
 */
export const healKind = defineFaultKind<{ at: number; action: "heal"; partition?: string }>({
  action: "heal",
  summary: "end every partition, one-way cut and isolation (with partition: only the one of that id)",
  schema: z.strictObject({ action: z.literal("heal"), partition: cutFields.id }),
  check: () => {},
  model: (a, model) => {
    if (a.partition === undefined) model.healCuts();
    else model.healCut(a.partition);
  },
  apply: (a, { world }) => {
    if (a.partition === undefined) world.heal();
    else world.healPartition(a.partition);
  },
  describe: (a) => (a.partition === undefined ? "heal" : `heal ${a.partition}`),
  heal: "nothing",
  swarm: { drawnBy: "partition" },
  arbitrary: { drawnBy: "partition" },
  real: (a) => (a.partition === undefined ? [{ op: "heal" }] : { unsupported: "healing one partition by id (the control channel heals all)" }),
  symbolicTargets: () => [],
});

/**
 * Holds every message to and from a node (kept, released on unclog). With `views`, the target of each view of
 * the range (`leader`, `next-leader` or a node) is clogged while the system is in that view.
 */
export const clogKind = defineFaultKind<{ at: number; action: "clog"; node: string; views?: [number, number] }>({
  action: "clog",
  summary: "hold every message to and from a node until its unclog (with views: the leader of each view, released as views pass)",
  schema: z.strictObject({ action: z.literal("clog"), node: nodeName, views: viewsField.optional() }),
  check: (a, plan, _model, field) => {
    if (a.views !== undefined && plan.targets.has(a.node)) return;
    networkNode(plan, a.node, `${field}.node`);
  },
  model: (a, model, plan) => {
    if (a.views !== undefined) holdsByViews(a.node, model, plan);
    else model.clogged.add(a.node);
  },
  apply: (a, ctx) => {
    if (a.views === undefined) return ctx.world.clog(a.node);
    armViewWindow(ctx, { target: a.node, views: a.views, verb: "clog", releaseVerb: "unclog", endsOnHeal: false }, (node) => {
      if (ctx.world.network.cloggedNodes.has(node)) throw new AssertionError(`${node} is clogged already`);
      ctx.world.clog(node);
      return () => ctx.world.unclog(node);
    });
  },
  describe: (a) => `clog ${a.node}${a.views !== undefined ? ` views ${a.views[0]}..${a.views[1]}` : ""}`,
  heal: "clogs",
  swarm: (ctx, rng) => {
    const actions: Record<string, unknown>[] = [];
    const count = rng.intBetween(1, 2);
    for (let i = 0; i < count; i++) {
      const node = pick(ctx.validators, rng);
      const { startUs, endUs } = ctx.window(rng, 2_000_000);
      actions.push({ at: startUs, action: "clog", node }, { at: endUs, action: "unclog", node });
    }
    return { actions, note: `clog x${count}` };
  },
  arbitrary: {
    applies: (ctx) => cuttable(ctx).length > 0,
    episode: (fc, ctx) =>
      fc.record({ window: windowArb(fc, ctx), node: fc.constantFrom(...cuttable(ctx)) }).map(({ window, node }) => ({
        ...window,
        locks: [`clog:${node}`],
        begin: [{ at: window.startUs, action: "clog", node }],
        end: [{ at: window.endUs, action: "unclog", node }],
      })),
  },
  real: () => ({ unsupported: "holding messages in flight needs the simulated network" }),
  symbolicTargets: () => [],
});

/** Releases the messages held for a node. */
export const unclogKind = defineFaultKind<{ at: number; action: "unclog"; node: string }>({
  action: "unclog",
  summary: "release the messages held for a clogged node",
  schema: z.strictObject({ action: z.literal("unclog"), node: nodeName }),
  check: (a, plan, _model, field) => networkNode(plan, a.node, `${field}.node`),
  model: (a, model) => {
    model.clogged.delete(a.node);
  },
  apply: (a, { world }) => world.unclog(a.node),
  describe: (a) => `unclog ${a.node}`,
  heal: "nothing",
  swarm: { drawnBy: "clog" },
  arbitrary: { drawnBy: "clog" },
  real: () => ({ unsupported: "holding messages in flight needs the simulated network" }),
  symbolicTargets: () => [],
});

/** Default of `redeliver`'s `keep`: messages recorded per link. */
const REDELIVER_KEEP_DEFAULT = 256;

/**
 * Redelivery of old messages long after (DESIGN.md, "Faults"): the network
 * records the last `keep` messages delivered on each link from the start of
 * the run, and this action sends up to `count` of those delivered to `to` (from
 * the nodes of `from`, at least `olderThan` ago) again, as recorded, through
 * the receiver's codec. Aimed at a validator restarted with a stale safety
 * state: it receives proposals of views it already voted in.
 */
export const redeliverKind = defineFaultKind<{ at: number; action: "redeliver"; to: string; from?: string[]; olderThan: number; count: number; keep: number }>({
  action: "redeliver",
  summary: "deliver old messages a node already received again, long after (recorded per link, up to keep)",
  schema: z.strictObject({
    action: z.literal("redeliver"),
    to: nodeName,
    from: z.array(nodeName).min(1).optional(),
    olderThan: duration.default(1_000_000),
    count: z.number().int().positive().max(100_000).default(50),
    keep: z.number().int().positive().max(100_000).default(REDELIVER_KEEP_DEFAULT),
  }),
  check: (a, plan, _model, field) => {
    networkNode(plan, a.to, `${field}.to`);
    a.from?.forEach((name, k) => networkNode(plan, name, `${field}.from[${k}]`));
  },
  model: () => {},
  apply: (a, { world }) => {
    world.redeliver(a.to, { ...(a.from !== undefined ? { from: a.from } : {}), olderThanUs: a.olderThan, count: a.count });
  },
  describe: (a) => `redeliver to ${a.to}${a.from !== undefined ? ` from [${a.from.join(",")}]` : ""} older than ${a.olderThan}us, up to ${a.count}`,
  heal: "nothing",
  swarm: (ctx, rng) => {
    // A crash and restart of one validator (within f), then old messages to it: the stale-safety-state case.
    if (ctx.f < 1) return undefined;
    const node = pick(ctx.validators, rng);
    const { startUs, endUs } = ctx.window(rng, 3_000_000);
    const atUs = Math.min(ctx.healedByUs, endUs + rng.intBetween(0, 500) * 1000);
    const olderThanUs = rng.intBetween(0, 3) * 500_000;
    const count = rng.intBetween(10, 100);
    const actions = [{ at: startUs, action: "crash", node }, { at: endUs, action: "restart", node }, { at: atUs, action: "redeliver", to: node, olderThan: olderThanUs, count }];
    return endUs > startUs && ctx.fits(actions) ? { actions, note: `redeliver ${count} to ${node} after its restart` } : undefined;
  },
  arbitrary: {
    applies: (ctx) => ctx.maxFaultyValidators > 0,
    episode: (fc, ctx) =>
      fc
        .record({ window: windowArb(fc, ctx), node: fc.constantFrom(...ctx.validators), count: fc.integer({ min: 1, max: 100 }), olderThanMs: fc.integer({ min: 0, max: 2000 }) })
        .map(({ window, node, count, olderThanMs }) => ({
          ...window,
          locks: [`crash:${node}`],
          begin: [{ at: window.startUs, action: "crash", node }],
          end: [{ at: window.endUs, action: "restart", node }, { at: window.endUs, action: "redeliver", to: node, olderThan: olderThanMs * 1000, count }],
        })),
  },
  real: () => ({ unsupported: "redelivery replays the simulated network's record of delivered messages" }),
  symbolicTargets: () => [],
  prepare: (a, world) => world.recordDeliveries(a.keep),
});

/**
 * An episode's `[startUs, endUs)` inside the context's window: a start in whole
 * milliseconds from `ctx.startUs`, a length in `[episodeUsMin, episodeUsMax]`
 * cut at `ctx.healAtUs`. Shrinks toward the earliest start and the shortest length.
 */
export function windowArb(fc: FastCheck, ctx: EpisodeContext): Arbitrary<{ startUs: number; endUs: number }> {
  const lastStartMs = Math.floor((ctx.healAtUs - ctx.startUs) / 1000) - 1;
  const minMs = Math.ceil(ctx.episodeUsMin / 1000);
  return fc
    .record({ startMs: fc.integer({ min: 0, max: lastStartMs }), lengthMs: fc.integer({ min: minMs, max: Math.max(minMs, Math.floor(ctx.episodeUsMax / 1000)) }) })
    .map(({ startMs, lengthMs }) => {
      const startUs = ctx.startUs + startMs * 1000;
      return { startUs, endUs: Math.min(startUs + lengthMs * 1000, ctx.healAtUs) };
    });
}

/** Every network kind, in catalog order. */
export const NETWORK_FAULT_KINDS = [partitionKind, partitionOneWayKind, isolateKind, healKind, clogKind, unclogKind, redeliverKind] as const;

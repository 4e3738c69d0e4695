/**
 * A test-only system that plugs into the world through the registry API
 * alone (the README's "Adding a system" walks through it): a replicated
 * grow-only counter (a G-Counter CRDT, Shapiro et al., "Conflict-free
 * Replicated Data Types", 2011). Each of `nodes` counter nodes increments its
 * own entry every `incrementEvery` and broadcasts its entry; a node merges by
 * taking the maximum per entry, and persists its own entry before it sends.
 *
 * It brings its own message union and codec, its own scenario section
 * (`counter`), its own checker (`counter-monotonic`: no node's own entry
 * ever goes down, which a node that forgets it on restart breaks), its
 * metrics and summary line, and one new fault kind, `bounce` (crash and
 * restart in the same instant, turmoil's `bounce`), with every part of a
 * kind. Nothing in `src/` names it.
 */
import { z } from "zod";
import type { Checker, InvariantResult, Observation, Violation } from "../../src/check/checker.js";
import { InputError } from "../../src/config/errors.js";
import { positiveDuration } from "../../src/config/fields.js";
import { defineFaultKind, type ActionBase, type FaultKind } from "../../src/harness/fault-kind.js";
import { requireNode } from "../../src/harness/faults/plan-checks.js";
import type { System } from "../../src/harness/system.js";
import { decodeWire, encodeWire, read, WireDecodeError, type MessageCodec } from "../../src/net/codec.js";
import type { Node, NodeContext, NodeId, TimerId } from "../../src/sim/node.js";
import type { Scenario } from "../../src/scenario/schema.js";

/** The `counter` section. */
export const counterSection = z.strictObject({
  nodes: z.number().int().min(1).max(16),
  incrementEvery: positiveDuration.default(100_000),
  /** Test hook: nodes that do not persist their own entry (a deliberately broken variant the checker must catch). */
  forgetful: z.boolean().default(false),
});
type CounterSection = z.output<typeof counterSection>;

/** The counter's one message: a node's own entry. */
export interface CounterMessage {
  readonly type: "counter-entry";
  readonly value: number;
}

/** Its codec: a MessagePack map, read field by field. */
export const counterCodec: MessageCodec<CounterMessage> = {
  encode: (msg) => encodeWire({ type: msg.type, value: msg.value }),
  decode: (bytes) => {
    const value = read.object(decodeWire(bytes), "message");
    if (value.type !== "counter-entry") throw new WireDecodeError("type: expected counter-entry");
    return { type: "counter-entry", value: read.uint(value.value, "value") };
  },
};

const OWN_KEY = "counter/own";

/** One counter node. */
class CounterNode implements Node<CounterMessage> {
  private readonly entries = new Map<NodeId, number>();
  constructor(
    private readonly peers: readonly NodeId[],
    private readonly everyUs: number,
    private readonly forgetful: boolean,
  ) {}

  start(ctx: NodeContext<CounterMessage>): void {
    const stored = ctx.storage.get(OWN_KEY);
    this.entries.set(ctx.id, stored === undefined || this.forgetful ? 0 : Number(new DataView(stored.buffer, stored.byteOffset).getBigUint64(0)));
    ctx.log("counter-boot", { own: this.entries.get(ctx.id)!, total: this.total() });
    ctx.setTimer(this.everyUs, "increment");
  }

  onMessage(ctx: NodeContext<CounterMessage>, from: NodeId, msg: CounterMessage): void {
    if (!this.peers.includes(from)) return;
    if (msg.value > (this.entries.get(from) ?? 0)) {
      this.entries.set(from, msg.value);
      ctx.log("counter-total", { own: this.entries.get(ctx.id) ?? 0, total: this.total() });
    }
  }

  onTimer(ctx: NodeContext<CounterMessage>, _timer: TimerId, tag: string): void {
    if (tag !== "increment") return;
    const own = (this.entries.get(ctx.id) ?? 0) + 1;
    this.entries.set(ctx.id, own);
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(own));
    ctx.storage.put(OWN_KEY, bytes);
    ctx.storage.sync();
    ctx.log("counter-total", { own, total: this.total() });
    for (const peer of this.peers) if (peer !== ctx.id) ctx.send(peer, { type: "counter-entry", value: own });
    ctx.setTimer(this.everyUs, "increment");
  }

  private total(): number {
    let sum = 0;
    for (const v of this.entries.values()) sum += v;
    return sum;
  }
}

/**
 * Safety: no counter node's own entry ever goes down, across restarts too (it
 * recovers it from storage; its total may dip after a restart until its peers
 * tell it theirs again, so the total is not what is guarded).
 */
export class CounterMonotonicChecker implements Checker {
  readonly name = "counter-monotonic";
  readonly kind = "safety" as const;
  private readonly highest = new Map<NodeId, number>();
  private violation: Violation | undefined;
  private observed = 0;

  constructor(private readonly nodes: ReadonlySet<NodeId>) {}

  observe(o: Observation): Violation | undefined {
    if (!this.nodes.has(o.node) || (o.event !== "counter-total" && o.event !== "counter-boot")) return undefined;
    const own = o.fields.own;
    if (typeof own !== "number") return undefined;
    this.observed++;
    const before = this.highest.get(o.node) ?? 0;
    if (own < before && this.violation === undefined) {
      this.violation = { invariant: this.name, atUs: o.timeUs, message: `${o.node}'s own entry went down from ${before} to ${own}` };
      return this.violation;
    }
    this.highest.set(o.node, Math.max(before, own));
    return undefined;
  }

  finish(): InvariantResult {
    return { name: this.name, kind: "safety", ok: this.violation === undefined, figures: { totalsObserved: this.observed }, ...(this.violation ? { violation: this.violation } : {}) };
  }
}

/** The new fault kind: crash a node and restart it in the same instant. */
export const bounceKind = defineFaultKind<{ at: number; action: "bounce"; node: string }>({
  action: "bounce",
  summary: "crash a node and restart it in the same instant",
  schema: z.strictObject({ action: z.literal("bounce"), node: z.string().min(1) }),
  check: (a, plan, model, field) => {
    requireNode(plan, a.node, `${field}.node`, "bounce", (n) => n.crashable, "a node that can crash and restart");
    if (model?.down.has(a.node) === true) throw new InputError(`${field}.node`, `${a.node} is down at ${a.at}us, so it cannot bounce`);
  },
  model: () => {},
  apply: (a, { world }) => {
    world.crash(a.node);
    world.restart(a.node);
  },
  describe: (a) => `bounce ${a.node}`,
  heal: "nothing",
  swarm: (ctx, rng) => {
    const nodes = ctx.plan.withRole("counter");
    if (nodes.length === 0) return undefined;
    const node = nodes[rng.int(nodes.length)]!;
    return { actions: [{ at: ctx.window(rng, 0).startUs, action: "bounce", node }], note: `bounce ${node}` };
  },
  arbitrary: {
    applies: (ctx) => ctx.otherCrashable.length > 0,
    episode: (fc, ctx) =>
      fc.record({ startMs: fc.integer({ min: 0, max: Math.floor((ctx.healAtUs - ctx.startUs) / 1000) - 1 }), node: fc.constantFrom(...ctx.otherCrashable) }).map(({ startMs, node }) => {
        const at = ctx.startUs + startMs * 1000;
        return { startUs: at, endUs: at, locks: [], begin: [{ at, action: "bounce", node }], end: [] };
      }),
  },
  real: (a) => [
    { op: "crash", node: a.node },
    { op: "restart", node: a.node },
  ],
  symbolicTargets: () => [],
});

const ids = (section: CounterSection): NodeId[] => Array.from({ length: section.nodes }, (_, i) => `k${i}`);

/** The section of a parsed scenario (the registry parsed it with {@link counterSection}). */
function sectionOf(scenario: Scenario): CounterSection | undefined {
  return (scenario as Scenario & { counter?: CounterSection }).counter;
}

/** The counter system. */
export const counterSystem: System<Scenario> = {
  name: "counter",
  section: { key: "counter", schema: counterSection },
  faultKinds: [bounceKind as unknown as FaultKind<ActionBase>],
  backgroundKinds: [],
  plan(scenario) {
    const section = sectionOf(scenario);
    const nodes = section === undefined ? [] : ids(section).map((id) => ({ id, role: "counter", system: "counter", instance: "", crashable: true, honest: true }));
    return { nodes, quorums: [], targets: [] };
  },
  check() {},
  build(ctx) {
    const section = sectionOf(ctx.scenario);
    if (section === undefined) return [];
    const nodes = ids(section);
    for (const id of nodes) {
      ctx.world.addNode<CounterMessage>({ id, role: "counter", system: "counter", instance: "", codec: counterCodec, crashable: true, honest: true, create: () => new CounterNode(nodes, section.incrementEvery, section.forgetful) });
    }
    let highest = 0;
    ctx.world.addListener((o) => {
      if (o.event === "counter-total" && typeof o.fields.total === "number") highest = Math.max(highest, o.fields.total);
    }, "measure");
    return [{ system: "counter", instance: "", checkers: [new CounterMonotonicChecker(new Set(nodes))], sees: () => true, metrics: () => ({ highestTotal: highest }) }];
  },
  arm() {},
  summary: (metrics) => {
    const figures = metrics.counter as { highestTotal: number } | undefined;
    return figures === undefined ? [] : [`counter: highest total ${figures.highestTotal}`];
  },
};

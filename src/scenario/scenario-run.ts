/**
 * One simulated run of a scenario: the world, every registered system built
 * into it, the world's own settings (clocks, background pauses), the fault
 * plan armed on its triggers, the liveness phase, and the systems'
 * operations. What TigerBeetle's `vopr.zig` does around `testing/cluster.zig`:
 * the schedule lives here, the world only offers verbs.
 */
import type { Checker, Observation } from "../check/checker.js";
import type { ValidatorMessage } from "../consensus/types.js";
import { validatorCodec } from "../consensus/wire.js";
import type { ApplyContext, ServiceKey } from "../harness/fault-kind.js";
import { firingOrder } from "../harness/catalog.js";
import type { SystemRegistry } from "../harness/registry.js";
import type { BuildContext, SystemInstance } from "../harness/system.js";
import { armTrigger } from "../harness/triggers.js";
import { World, type WorldOutcome } from "../harness/world.js";
import type { L1Node } from "../l1/l1-node.js";
import type { LinkOverride } from "../net/sim-network.js";
import type { AssetApp } from "../sequencer/asset-app.js";
import { assert } from "../sim/assert.js";
import type { Node, NodeId } from "../sim/node.js";
import { sharingCheckOf, type SharingOptions } from "../sim/run-memo.js";
import type { HotStuffReplica } from "../consensus/replica.js";
import { BUILTIN_SYSTEMS } from "../systems/index.js";
import { L1_SERVICE } from "../systems/l1/faults.js";
import { rollupService, type ValidatorsInstance } from "../systems/validators/index.js";
import { planOf } from "./load.js";
import type { Scenario } from "./schema.js";

/** What a run needs from outside the simulation (files are read by the caller, never here). */
export interface RunEnvironment {
  /** The AssetRollup program's ELF (`loadProgramElf()` in `runtime/program-files.ts`); required when `l1.enabled`. */
  readonly programElf?: Uint8Array;
  /**
   * Extra nodes hosted beside the scenario's, started last (a test hook, e.g.
   * a deliberately nondeterministic node for the determinism check); their
   * ids must not clash with the scenario's. They speak the validator codec.
   */
  readonly extraNodes?: readonly { readonly id: NodeId; readonly create: () => Node<ValidatorMessage> }[];
  /** The systems of the run (default the built-in ones; `BUILTIN_SYSTEMS.with(mine)` adds one). */
  readonly registry?: SystemRegistry<Scenario>;
  /**
   * Replaces each node instance the world builds (first boot and every
   * restart) with what this returns: a test hook for a deliberately broken
   * variant of a scenario's node (a validator that persists its vote after
   * sending it). Return `node` itself to leave a node as it is.
   */
  readonly wrapNode?: (id: NodeId, node: Node<unknown>) => Node<unknown>;
  /** Nodes check their own invariants after every change (each validator's mempool; slower): tests and `--check-invariants`. */
  readonly checkInvariants?: boolean;
  /** How the run shares pure work between its simulated nodes (default: shared, unchecked; see `sim/run-memo.ts`). */
  readonly sharing?: SharingOptions;
}

/** Everything of one simulated run. Build, `run()` once, then read the results. */
export class ScenarioRun {
  readonly world: World;
  readonly scenario: Scenario;
  readonly registry: SystemRegistry<Scenario>;
  /** Every system instance, in registry order. */
  readonly instances: readonly SystemInstance[];
  private readonly services = new Map<string, unknown>();
  private readonly targets = new Map<string, (view?: number) => NodeId>();

  /**
   * @param scenario a validated scenario (see `parseScenario`)
   * @throws Error when the scenario runs the L1 and `environment.programElf` is missing
   */
  constructor(scenario: Scenario, environment: RunEnvironment = {}) {
    this.scenario = scenario;
    const registry = environment.registry ?? BUILTIN_SYSTEMS;
    this.registry = registry;
    // One `--check-sharing` sampler for the world's and the systems' memos (the CLI passes its own to read the count).
    const sharingCheck = sharingCheckOf(environment.sharing, scenario.seed);
    const sharing = environment.sharing === undefined ? undefined : { ...environment.sharing, ...(sharingCheck !== undefined ? { check: sharingCheck } : {}) };
    const world = new World({
      seed: scenario.seed,
      ...(sharing !== undefined ? { sharing } : {}),
      ...(environment.wrapNode !== undefined ? { wrapNode: environment.wrapNode } : {}),
      ...(scenario.phases.continueAfterViolation ? { continueAfterViolation: true } : {}),
      network: {
        defaultLink: { latency: scenario.network.latency, dropRate: scenario.network.dropRate, duplicateRate: scenario.network.duplicateRate },
        links: scenario.network.links.flatMap((l): LinkOverride[] => {
          const override: LinkOverride = {
            from: l.from,
            to: l.to,
            ...(l.latency ? { latency: l.latency } : {}),
            ...(l.dropRate !== undefined ? { dropRate: l.dropRate } : {}),
            ...(l.duplicateRate !== undefined ? { duplicateRate: l.duplicateRate } : {}),
          };
          return l.symmetric ? [override, { ...override, from: l.to, to: l.from }] : [override];
        }),
      },
    });
    this.world = world;
    const plan = planOf(scenario, registry);
    const endOfPlan = registry.catalog.checkPlan(scenario.faults, plan, "faults");
    const viewSignals = registry.viewSignals();
    world.setViewSignals(viewSignals);
    const apply: ApplyContext = {
      world,
      resolve: (name, view) => {
        if (world.has(name)) return name;
        const resolve = this.targets.get(name);
        assert(resolve !== undefined, `no node or target ${name}`);
        return view === undefined ? resolve() : resolve(view);
      },
      service: (key) => this.service(key),
    };
    const ctx: BuildContext<Scenario> = {
      world,
      scenario,
      plan,
      environment: { ...(environment.programElf !== undefined ? { programElf: environment.programElf } : {}), ...(environment.checkInvariants === true ? { checkInvariants: true } : {}),
        ...(sharing !== undefined ? { sharing } : {}),
      },
      provide: (key, value) => {
        assert(!this.services.has(key.name), `service ${key.name} is provided twice`);
        this.services.set(key.name, value);
      },
      service: (key) => this.service(key),
      offers: (key) => this.services.has(key.name),
      trigger: (action, fire) => armTrigger(world, action, viewSignals, fire),
      apply,
      addTarget: (name, resolve) => {
        if (!this.targets.has(name)) this.targets.set(name, resolve);
      },
      endOfPlan,
    };

    const instances: SystemInstance[] = [];
    for (const system of registry.systems) instances.push(...system.build(ctx));
    this.instances = instances;
    for (const extra of environment.extraNodes ?? []) {
      if (world.has(extra.id)) throw new Error(`extra node ${extra.id} clashes with a scenario node`);
      world.addNode<ValidatorMessage>({ id: extra.id, role: "extra", system: "test", instance: "", codec: validatorCodec, create: extra.create, crashable: false, honest: true });
    }
    for (const instance of instances) {
      for (const checker of instance.checkers) world.addChecker(instance.instance === "" ? checker : namespaced(instance.instance, checker), (o) => instance.sees(o));
    }

    // The world's own settings: clocks from time 0, background pauses of every validator.
    for (const [id, setting] of Object.entries(scenario.clocks.nodes)) world.setClock(id, { skewUs: setting.skew, drift: setting.drift });
    const { pauseRate, pauseDurationMax } = scenario.clocks;
    if (pauseRate > 0) {
      for (const id of world.nodesWithRole("validator")) {
        if (world.spec(id).instanceOf === undefined) world.scheduleBackgroundPauses(id, pauseRate, pauseDurationMax, world.sim.rng(`clock-pauses/${id}`));
      }
    }
    // The fault plan, in firing order (each action's preparation first); then the liveness phase; then the systems' own operations.
    for (const action of scenario.faults) registry.catalog.kindOf(action).prepare?.(action, world);
    for (const { action } of firingOrder(scenario.faults)) ctx.trigger(action, () => registry.catalog.apply(action, apply));
    const livenessAt = scenario.phases.livenessAt;
    if (livenessAt !== undefined) world.sim.at(livenessAt, () => world.beginLivenessPhase());
    for (const system of registry.systems) system.arm(ctx);
  }

  private service<T>(key: ServiceKey<T>): T {
    assert(this.services.has(key.name), `no system offers the service ${key.name}`);
    return this.services.get(key.name) as T;
  }

  /** Runs until the scenario's duration, its event budget, or the first safety violation or node error. */
  run(): WorldOutcome {
    return this.world.run(this.scenario.duration, this.scenario.maxEvents);
  }

  /** Also hands every node event to `observer` (tests, event logs). Call before `run`. */
  addObserver(observer: (o: Observation) => void): void {
    this.world.addListener(observer, "watch");
  }

  /** Every checker, in report order. */
  get checkers(): Checker[] {
    return this.world.checkerList();
  }

  /** The validators of rollup `instance` (`""` with one rollup). */
  rollup(instance = ""): ValidatorsInstance {
    return this.service(rollupService(instance)) as ValidatorsInstance;
  }

  /** The replica of a validator while it runs (sim-only introspection). */
  replica(id: NodeId): HotStuffReplica | undefined {
    return this.rollupOf(id).replica(id);
  }

  /** The sequencer application of a running validator (sim-only introspection). */
  app(id: NodeId): AssetApp | undefined {
    return this.rollupOf(id).app(id);
  }

  /** The L1 node while it runs (sim-only introspection). */
  get l1Node(): L1Node | undefined {
    return this.services.has(L1_SERVICE.name) ? this.service(L1_SERVICE).node() : undefined;
  }

  private rollupOf(id: NodeId): ValidatorsInstance {
    const spec = this.world.has(id) ? this.world.spec(id) : undefined;
    return this.rollup(spec?.instance ?? "");
  }
}

/** A checker of one of several instances, its name and violations prefixed by the instance (`r1/agreement`). */
function namespaced(instance: string, checker: Checker): Checker {
  const name = `${instance}/${checker.name}`;
  const rename = <V extends { readonly invariant: string } | undefined>(v: V): V => (v === undefined ? v : { ...v, invariant: name });
  return {
    name,
    kind: checker.kind,
    observe: (o) => rename(checker.observe(o)),
    finish: (endUs) => {
      const result = checker.finish(endUs);
      return { ...result, name, ...(result.violation !== undefined ? { violation: rename(result.violation) } : {}) };
    },
  };
}

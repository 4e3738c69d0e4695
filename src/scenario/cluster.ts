/**
 * A simulated cluster built from a scenario: validators running the HotStuff
 * replica with the opaque-transaction application, workload clients, the
 * simulated network and disks, the fault plan, and the checkers watching it
 * all (TigerBeetle's `testing/cluster.zig` plays the same part).
 */
import { AgreementChecker } from "../check/validators/agreement.js";
import type { Checker, Observation, Violation } from "../check/checker.js";
import { LivenessChecker } from "../check/validators/liveness.js";
import { ReorgBoundChecker } from "../check/validators/reorg-bound.js";
import { ValidityChecker } from "../check/validators/validity.js";
import { EquivocationChecker } from "../check/validators/equivocation.js";
import { HotStuffReplica, type ReplicaConfig } from "../consensus/replica.js";
import { clientAccountKeys, createAssetApp, createClient, networkGenesis, replicaConfig, validatorKeySeed } from "../systems/validators/node-factories.js";
import { ByzantineReplica } from "../consensus/byzantine/byzantine-replica.js";
import { TwinReplica } from "../consensus/byzantine/twin.js";
import { applicationOf, replicaOf } from "../consensus/byzantine/wrapper.js";
import { emptyPayloadAfter } from "../sequencer/byzantine-payload.js";
import { behaviorsOf, byzantineNodes, twinsOf } from "../systems/validators/byzantine-plan.js";
import type { ValidatorMessage } from "../consensus/types.js";
import { ValidatorSet } from "../consensus/validator-set.js";
import { validatorCodec } from "../consensus/wire.js";
import { sha256 } from "../crypto/hash.js";
import { createSignatureScheme } from "../crypto/schemes.js";
import { memoizeVerify } from "../crypto/verify-memo.js";
import type { KeyPair } from "../crypto/signature.js";
import { WireDecodeError } from "../net/codec.js";
import { SimNetwork, type LinkOverride } from "../net/sim-network.js";
import { AssetApp } from "../sequencer/asset-app.js";
import { SimHost } from "../sim/host.js";
import type { Node, NodeId } from "../sim/node.js";
import { Simulation, type StopReason } from "../sim/simulation.js";
import { digestText } from "../sim/trace.js";
import { SimDisk } from "../storage/sim-disk.js";
import { formatValidatorStorage } from "../consensus/safety-store.js";
import type { Rng } from "../sim/rng.js";
import { ConservationChecker, type NodeAudit } from "../check/validators/conservation.js";
import { RootAgreementChecker } from "../check/validators/root-agreement.js";
import { genesisSupply } from "../systems/validators/genesis.js";
import { LEADER, livenessExpectation, orderedFaults, postingLivenessExpectation } from "./fault-plan.js";
import { MetricsCollector } from "../systems/validators/metrics.js";
import { L1_NODES, nodeNames } from "./nodes.js";
import type { FaultAction, Operation, Scenario } from "./schema.js";
import { L1Node } from "../l1/l1-node.js";
import { RollupOperator, encodeOperatorCommand, type OperatorCommand } from "../l1/rollup-operator.js";
import { deriveSolanaKeypair, ROLLUP_PROGRAM_ID } from "../l1/rollup-program.js";
import { BatchPoster } from "../sequencer/batch-poster.js";
import { L1ConsistencyChecker, PostingLivenessChecker } from "../check/posting/l1-consistency.js";
import { L1RegistryWatch } from "../systems/posting/l1-registry-watch.js";

/** The outcome of {@link Cluster.run}, before it becomes a report. */
export interface ClusterOutcome {
  readonly stoppedBy: StopReason | "violation";
  readonly virtualDurationUs: number;
  readonly events: number;
  readonly traceDigest: string;
  /** The first safety violation or node error, if the run stopped on one. */
  readonly violation?: Violation;
}

/** What a cluster needs from outside the simulation (files are read by the caller, never here). */
export interface ClusterEnvironment {
  /** The AssetRollup program's ELF (`loadProgramElf()` in `runtime/program-files.ts`); required when `l1.enabled`. */
  readonly programElf?: Uint8Array;
  /**
   * Extra nodes hosted beside the scenario's, started last (a test hook, e.g.
   * a deliberately nondeterministic node for the determinism check); their
   * names must not clash with the scenario's.
   */
  readonly extraNodes?: readonly { readonly id: NodeId; readonly create: () => Node<ValidatorMessage> }[];
}

/** Lamports each L1 key (operator, intruder, poster keys) holds at genesis: 1,000 SOL. */
const L1_KEY_LAMPORTS = 1_000_000_000_000n;

/** Everything of one simulated run. Build, `run()` once, then read the results. */
export class Cluster {
  readonly sim: Simulation;
  readonly network: SimNetwork;
  readonly validatorSet: ValidatorSet;
  readonly hosts = new Map<NodeId, SimHost<ValidatorMessage>>();
  readonly disks = new Map<NodeId, SimDisk>();
  readonly checkers: Checker[];
  readonly metrics: MetricsCollector;
  faultsApplied = 0;
  private readonly scenario: Scenario;
  private violation: Violation | undefined;
  private lastEncoded: { msg: ValidatorMessage; bytes: Uint8Array } | undefined;
  private readonly observers: ((o: Observation) => void)[] = [];
  /** Digest of each message's bytes: a broadcast delivers one byte array to every peer. */
  private readonly payloadDigests = new WeakMap<Uint8Array, Uint8Array>();

  /** Node names the honest-node invariants do not judge (byzantine validators and both instances of each twin). */
  readonly byzantine: ReadonlySet<NodeId>;
  /** Physical instances of each validator that has a twin (`v3` -> [`v3`, `v3t`]): messages to it reach both. */
  private readonly instancesOf = new Map<NodeId, NodeId[]>();
  /** The validator identity of each twin instance (`v3t` -> `v3`): its messages arrive as from that validator. */
  private readonly identityOf = new Map<NodeId, NodeId>();
  /** Twins that boot later than the others, with their boot time (microseconds). */
  private readonly lateBoots = new Map<NodeId, number>();

  /** The L1 node while the L1 runs (sim-only introspection). */
  l1Node: L1Node | undefined;
  private readonly l1Watch: L1RegistryWatch | undefined;

  /**
   * @param scenario a validated scenario (see `parseScenario`)
   * @throws Error when the scenario runs the L1 and `environment.programElf` is missing
   */
  constructor(scenario: Scenario, environment: ClusterEnvironment = {}) {
    this.scenario = scenario;
    const sim = new Simulation(scenario.seed);
    this.sim = sim;
    const { validators, clients, twins: twinNames } = nodeNames(scenario);
    this.metrics = new MetricsCollector(scenario.l1.enabled, new Set([...validators, ...twinNames]));
    const l1Enabled = scenario.l1.enabled;
    if (l1Enabled && environment.programElf === undefined) {
      throw new Error("this scenario runs the L1 (l1.enabled), which needs the program binary: pass { programElf: loadProgramElf() } (src/runtime/program-files.ts)");
    }

    this.network = new SimNetwork(
      sim,
      {
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
      sim.rng("network"),
    );
    this.network.onDeliver((from, to, bytes) => this.deliver(from, to, bytes));

    // Ed25519 verification is memoised across the simulated nodes (a pure function: see verify-memo.ts);
    // the sim scheme costs one sha256 per verify, the same as a memo lookup, so it runs bare.
    const bareScheme = createSignatureScheme(scenario.validators.signatureScheme);
    const scheme = bareScheme.name === "sim" ? bareScheme : memoizeVerify(bareScheme);
    const keyPairs: KeyPair[] = validators.map((id) => scheme.keyPairFromSeed(validatorKeySeed(scenario.seed, id)));
    this.validatorSet = new ValidatorSet(
      validators.map((id, i) => ({ id, publicKey: keyPairs[i]!.publicKey })),
      scheme,
    );

    const clientKeys = clientAccountKeys(scheme, scenario.seed, clients, scenario.workload.accountsPerClient);
    const { directory, genesis } = networkGenesis(clientKeys, scenario.ledger);

    const byzantine = byzantineNodes(scenario);
    this.byzantine = byzantine;
    const honest: ReadonlySet<NodeId> = new Set(validators.filter((id) => !byzantine.has(id)));
    const twins = twinsOf(scenario);
    for (const { node, twin, bootAtUs } of twins) {
      this.instancesOf.set(node, [node, twin]);
      this.identityOf.set(twin, node);
      if (bootAtUs > 0) this.lateBoots.set(twin, bootAtUs);
    }
    this.checkers = [
      new AgreementChecker(honest),
      new RootAgreementChecker(honest),
      new ConservationChecker(genesisSupply(genesis), () => this.auditLedgers(), honest),
      new ValidityChecker(scheme, honest),
      new ReorgBoundChecker(scenario.invariants.maxReorgDepth, honest),
      new EquivocationChecker({ validators, identities: this.identityOf, honest }),
      new LivenessChecker(scenario.invariants.livenessBound, livenessExpectation(scenario), honest),
      ...(l1Enabled
        ? [
            new L1ConsistencyChecker(scenario.batchPoster.batchEveryBlocks, honest),
            new PostingLivenessChecker(scenario.invariants.postingLivenessBound, scenario.batchPoster.batchEveryBlocks, postingLivenessExpectation(scenario), honest),
          ]
        : []),
    ];

    const v = scenario.validators;
    const replicaConfigOf = (index: number): ReplicaConfig =>
      replicaConfig({ validators: this.validatorSet, index, keyPair: keyPairs[index]!, chain: v, checkpoints: scenario.checkpoints });
    const newApp = (): AssetApp => createAssetApp({ scheme, genesis, chain: v, ...(l1Enabled ? { batchPosters: [L1_NODES.poster] } : {}) });
    validators.forEach((id, index) => {
      const behaviors = behaviorsOf(scenario, id);
      if (behaviors.length === 0) {
        this.addHost(id, () => new HotStuffReplica(replicaConfigOf(index), newApp()));
        return;
      }
      // One stream per byzantine validator for its misbehaviour, so honest streams never shift.
      const rng = sim.rng(`byzantine/${id}`);
      this.addHost(id, () => new ByzantineReplica({ replica: replicaConfigOf(index), behaviors, rng, alternativePayload: emptyPayloadAfter }, newApp()));
    });
    for (const { node, twin } of twins) {
      const index = validators.indexOf(node);
      this.addHost(twin, () => new TwinReplica(replicaConfigOf(index), newApp()));
    }
    const w = scenario.workload;
    const workload = { txPerSecond: w.txPerSecond, clients: w.clients, fee: w.fee, mix: w.mix, stopAtUs: w.stopAt ?? scenario.duration };
    clients.forEach((id, index) => {
      this.addHost(id, () =>
        createClient({ index, validators, scheme, accounts: clientKeys[index]!, directory, workload, chain: v, token: scenario.ledger.token }),
      );
    });

    if (l1Enabled) this.addL1(scenario, validators, environment.programElf!);
    this.l1Watch = l1Enabled ? new L1RegistryWatch(scenario.batchPoster.batchEveryBlocks) : undefined;
    for (const extra of environment.extraNodes ?? []) {
      if (this.hosts.has(extra.id)) throw new Error(`extra node ${extra.id} clashes with a scenario node`);
      this.addHost(extra.id, extra.create);
    }

    // Validators' disks (twin instances' too: a twin starts from genesis like its original) are formatted
    // before the first boot: a disk without the record is a lost one.
    for (const id of [...validators, ...twins.map((t) => t.twin)]) {
      const disk = this.disks.get(id)!;
      formatValidatorStorage(disk);
      disk.setFaults(scenario.storage);
    }
    for (const [id, setting] of Object.entries(scenario.clocks.nodes)) this.hosts.get(id)!.setClock({ skewUs: setting.skew, drift: setting.drift });
    if (scenario.clocks.pauseRate > 0) for (const id of validators) this.scheduleBackgroundPause(id, sim.rng(`clock-pauses/${id}`));

    for (const { action } of orderedFaults(scenario)) {
      sim.at(action.at, () => this.applyFault(action));
    }
    const livenessAt = scenario.phases.livenessAt;
    if (livenessAt !== undefined) sim.at(livenessAt, () => this.beginLivenessPhase());
    scenario.operations
      .map((op, index) => ({ op, index }))
      .sort((a, b) => a.op.at - b.op.at || a.index - b.index)
      .forEach(({ op }) => sim.at(op.at, () => this.applyOperation(op)));
  }

  /** True once the liveness phase began (background faults off). */
  inLivenessPhase = false;

  /** Background pauses of one validator: Poisson arrivals at `clocks.pauseRate`, until the liveness phase. */
  private scheduleBackgroundPause(id: NodeId, rng: Rng): void {
    const { pauseRate, pauseDurationMax } = this.scenario.clocks;
    const afterUs = Math.max(1, Math.round(rng.exponential(1_000_000 / pauseRate)));
    this.sim.after(afterUs, () => {
      if (this.inLivenessPhase) return;
      const host = this.hosts.get(id)!;
      const durationUs = rng.intBetween(1, pauseDurationMax);
      if (host.running && !host.paused) {
        this.recordFault(`pause ${id} ${durationUs}us (background)`);
        host.pause();
        this.sim.after(durationUs, () => host.resume());
      }
      this.scheduleBackgroundPause(id, rng);
    });
  }

  /**
   * The liveness phase (`phases.livenessAt`): every fault stops. Background
   * storage faults and pauses end, paused nodes resume, clocks are set right
   * (skew and drift 0), partitions heal, clogs are released, L1 faults are
   * turned off, and every crashed validator and the poster restart. The
   * network's configured latency, drop and duplicate rates stay: they are the
   * environment `livenessBound` is set for.
   */
  private beginLivenessPhase(): void {
    this.inLivenessPhase = true;
    this.recordFault("liveness phase: every fault stops");
    this.observe({ timeUs: this.sim.nowUs, node: "sim", event: "phase", fields: { phase: "liveness" } });
    for (const disk of this.disks.values()) disk.setFaults({ corruptRate: 0, tornWriteRate: 0 });
    this.network.heal();
    for (const node of [...this.network.cloggedNodes]) this.network.unclog(node);
    this.l1Node?.setFaults({ dropRate: 0, delayRate: 0, rpcErrorRate: 0 });
    for (const [id, host] of this.hosts) {
      if (!host.running && (isValidatorName(id) || id === L1_NODES.poster)) host.start();
      host.resetClock();
      host.resume();
    }
  }

  /** Records a fault in the trace and for the observers (checkers, metrics, event log). */
  private recordFault(description: string): void {
    this.sim.trace.record(this.sim.nowUs, "sim", "fault", digestText(description));
    this.faultsApplied++;
    this.observe({ timeUs: this.sim.nowUs, node: "sim", event: "fault", fields: { description } });
  }

  /** The L1 node, the batch poster and the operator, with their keys funded at L1 genesis. */
  private addL1(scenario: Scenario, validators: readonly NodeId[], programElf: Uint8Array): void {
    const seed = scenario.seed;
    const posterKeys = Array.from({ length: scenario.batchPoster.keys }, (_, i) => deriveSolanaKeypair(`poster/${i}`, seed));
    const upgradeAuthority = deriveSolanaKeypair("operator", seed);
    const intruder = deriveSolanaKeypair("intruder", seed);
    const l1 = scenario.l1;
    const funded = [upgradeAuthority, intruder, ...posterKeys].map((k) => ({ address: k.publicKey.toBase58(), lamports: L1_KEY_LAMPORTS }));
    this.addHost(L1_NODES.l1, () => {
      const node = new L1Node({
        programs: [{ programId: ROLLUP_PROGRAM_ID.toBase58(), elf: programElf }],
        accounts: funded,
        slotDurationUs: l1.slotDuration,
        confirmationDepthSlots: l1.confirmationDepthSlots,
        finalizationDepthSlots: l1.finalizationDepthSlots,
        faults: { ...l1.faults },
      });
      this.l1Node = node;
      return node;
    });
    const f = Math.floor((validators.length - 1) / 3);
    const bp = scenario.batchPoster;
    this.addHost(L1_NODES.poster, () =>
      new BatchPoster({
        l1: L1_NODES.l1,
        validators,
        rootQuorum: f + 1,
        keys: posterKeys,
        batchEveryBlocks: bp.batchEveryBlocks,
        maxRootsPerTransaction: bp.maxRootsPerTransaction,
        pollIntervalUs: bp.pollInterval,
        retryBaseUs: bp.retryBase,
        retryMaxUs: bp.retryMax,
        requestTimeoutUs: bp.requestTimeout,
        resendIntervalUs: bp.resendInterval,
      }),
    );
    this.addHost(L1_NODES.operator, () =>
      new RollupOperator({
        l1: L1_NODES.l1,
        commanders: [SCENARIO_DRIVER],
        upgradeAuthority,
        posterKeys: posterKeys.map((k) => k.publicKey),
        intruder,
        initialVersion: 1,
        pollIntervalUs: bp.pollInterval,
        requestTimeoutUs: bp.requestTimeout,
        attemptsMax: 20,
        resendIntervalUs: bp.resendInterval,
      }),
    );
  }

  /**
   * Runs until the scenario's duration, its event budget, or the first safety
   * violation or node error.
   */
  run(): ClusterOutcome {
    for (const host of this.hosts.values()) if (!this.lateBoots.has(host.id)) host.start();
    for (const [id, atUs] of this.lateBoots) this.sim.at(atUs, () => this.hosts.get(id)!.start());
    const reason = this.violation ? "stopped" : this.sim.run(this.scenario.duration, this.scenario.maxEvents);
    return {
      stoppedBy: this.violation !== undefined ? "violation" : reason,
      virtualDurationUs: this.sim.nowUs,
      events: this.sim.eventsFired,
      traceDigest: this.sim.trace.digestHex(),
      ...(this.violation ? { violation: this.violation } : {}),
    };
  }

  /** Also hands every node event to `observer` (tests, trace printing). Call before `run`. */
  addObserver(observer: (o: Observation) => void): void {
    this.observers.push(observer);
  }

  /** The replica of a validator while it runs (sim-only introspection). */
  replica(id: NodeId): HotStuffReplica | undefined {
    return replicaOf(this.hosts.get(id)?.instance);
  }

  /** The sequencer application of a running validator (sim-only introspection). */
  app(id: NodeId): AssetApp | undefined {
    const app = applicationOf(this.hosts.get(id)?.instance);
    return app instanceof AssetApp ? app : undefined;
  }

  /** Audits the committed ledger of every running validator (for the conservation checker). */
  private auditLedgers(): NodeAudit[] {
    const out: NodeAudit[] = [];
    for (const id of this.hosts.keys()) {
      const ledger = this.app(id)?.ledger;
      if (ledger !== undefined) out.push({ node: id, height: ledger.committed.height, assets: ledger.auditSupply() });
    }
    return out;
  }

  /** The validator leading the highest view any running validator is in. */
  currentLeader(): NodeId {
    let view = 0;
    for (const id of this.hosts.keys()) view = Math.max(view, this.replica(id)?.view ?? 0);
    return this.validatorSet.idOf(this.validatorSet.leaderOf(view));
  }

  private addHost(id: NodeId, createNode: () => Node<ValidatorMessage>): void {
    const disk = new SimDisk(this.sim.rng(`disk/${id}`));
    this.disks.set(id, disk);
    this.network.addNode(id);
    this.hosts.set(
      id,
      new SimHost<ValidatorMessage>({
        id,
        sim: this.sim,
        createNode,
        storage: disk,
        transmit: (from, to, msg) => this.transmit(from, to, msg),
        observe: (timeUs, node, event, fields) => this.observe({ timeUs, node, event, fields }),
        onNodeError: (node, error) => {
          const message = error instanceof Error ? error.message : String(error);
          const detail = error instanceof Error ? error.stack : undefined;
          this.fail({ invariant: "node-error", atUs: this.sim.nowUs, message: `${node} threw: ${message}`, ...(detail ? { detail } : {}) });
        },
      }),
    );
  }

  /** Puts a message on the network; a message to a validator with a twin goes to both instances (never back to the sender). */
  private transmit(from: NodeId, to: NodeId, msg: ValidatorMessage): void {
    const instances = this.instancesOf.get(to);
    if (instances === undefined) return this.network.send(from, to, this.encode(msg));
    for (const instance of instances) if (instance !== from) this.network.send(from, instance, this.encode(msg));
  }

  /** Encodes once per message object: a broadcast sends one object to every peer. */
  private encode(msg: ValidatorMessage): Uint8Array {
    if (this.lastEncoded?.msg !== msg) this.lastEncoded = { msg, bytes: validatorCodec.encode(msg) };
    return this.lastEncoded.bytes;
  }

  private deliver(from: NodeId, to: NodeId, bytes: Uint8Array): void {
    const host = this.hosts.get(to);
    if (host === undefined || !host.running) {
      this.network.stats.dropped++;
      return;
    }
    let digest = this.payloadDigests.get(bytes);
    if (digest === undefined) {
      digest = sha256(bytes);
      this.payloadDigests.set(bytes, digest);
    }
    this.sim.trace.record(this.sim.nowUs, `${from}>${to}`, "msg", digest);
    let msg: ValidatorMessage;
    try {
      msg = validatorCodec.decode(bytes);
    } catch (error) {
      if (!(error instanceof WireDecodeError)) throw error;
      this.observe({ timeUs: this.sim.nowUs, node: to, event: "malformed", fields: { from, reason: error.message } });
      return;
    }
    // A twin's messages arrive as from the validator it is an instance of (same identity, same key).
    host.deliver(this.identityOf.get(from) ?? from, msg);
  }

  private observe(o: Observation): void {
    this.observeOne(o);
    // Each time the L1 finalizes a slot, the registry's newly finalized entries become observations too.
    if (o.event === "l1-finalized" && this.l1Watch !== undefined && this.l1Node !== undefined) {
      for (const entry of this.l1Watch.newlyFinalized(this.l1Node)) this.observeOne({ timeUs: o.timeUs, node: L1_NODES.l1, event: "l1-root-finalized", fields: { ...entry } });
    }
  }

  private observeOne(o: Observation): void {
    this.metrics.observe(o);
    for (const observer of this.observers) observer(o);
    for (const checker of this.checkers) {
      const violation = checker.observe(o);
      if (violation !== undefined && checker.kind === "safety") this.fail(violation);
    }
  }

  private fail(violation: Violation): void {
    if (this.violation !== undefined) return;
    this.violation = violation;
    this.sim.stop();
  }

  /** Hands an operation to the operator node (directly, not over the faulty network: it is the scenario's own hand). */
  private applyOperation(op: Operation): void {
    let command: OperatorCommand;
    switch (op.action) {
      case "pause-posting":
        command = { action: "pause" };
        break;
      case "resume-posting":
        command = { action: "resume" };
        break;
      case "unauthorized-pause":
        command = { action: "unauthorized-pause" };
        break;
      case "rotate-poster":
        command = { action: "rotate-poster", keyIndex: op.keyIndex };
        break;
      case "set-version":
        command = { action: "set-version", version: op.version };
        break;
    }
    const description = `operation ${op.action}${op.action === "rotate-poster" ? ` ${op.keyIndex}` : op.action === "set-version" ? ` ${op.version}` : ""}`;
    this.sim.trace.record(this.sim.nowUs, "sim", "operation", digestText(description));
    this.observe({ timeUs: this.sim.nowUs, node: "sim", event: "operation", fields: { description } });
    this.hosts.get(L1_NODES.operator)?.deliver(SCENARIO_DRIVER, { type: "app", data: encodeOperatorCommand(command) });
  }

  private applyFault(action: FaultAction): void {
    const leader = action.action === "isolate" && action.node === LEADER ? this.currentLeader() : undefined;
    const description = describeFault(action, leader);
    this.sim.trace.record(this.sim.nowUs, "sim", "fault", digestText(description));
    this.faultsApplied++;
    this.observe({ timeUs: this.sim.nowUs, node: "sim", event: "fault", fields: { description } });
    switch (action.action) {
      case "partition":
        return this.network.partition(action.groups);
      case "partition-oneway":
        return this.network.partitionOneWay(action.from, action.to);
      case "isolate":
        return this.network.isolate(leader ?? action.node, action.direction);
      case "heal":
        return this.network.heal();
      case "crash":
        return this.hosts.get(action.node)!.crash();
      case "restart":
        return this.hosts.get(action.node)!.start();
      case "clog":
        return this.network.clog(action.node);
      case "unclog":
        return this.network.unclog(action.node);
      case "l1-faults": {
        const { at: _at, action: _action, ...rates } = action;
        return this.l1Node?.setFaults(rates);
      }
      case "l1-reorg":
        return this.l1Node?.reorg(action.depth);
      case "corrupt": {
        const key = this.disks.get(action.node)!.corrupt(action.key, action.bits);
        this.observe({ timeUs: this.sim.nowUs, node: "sim", event: "disk-corrupted", fields: { node: action.node, key: key ?? null } });
        return;
      }
      case "torn-write": {
        const disk = this.disks.get(action.node)!;
        disk.tearOnNextCrash();
        disk.lastTornKey = undefined;
        this.hosts.get(action.node)!.crash();
        this.observe({ timeUs: this.sim.nowUs, node: "sim", event: "disk-torn", fields: { node: action.node, key: disk.lastTornKey ?? null } });
        return;
      }
      case "wipe":
        this.hosts.get(action.node)!.crash();
        return this.disks.get(action.node)!.wipe();
      case "storage-faults": {
        const { at: _at, action: _action, ...rates } = action;
        for (const id of this.validatorSet.validators.map((v) => v.id)) {
          const disk = this.disks.get(id)!;
          disk.setFaults({ ...disk.currentFaults, ...rates });
        }
        return;
      }
      case "clock": {
        const host = this.hosts.get(action.node)!;
        const current = host.clockSetting;
        return host.setClock({ skewUs: action.skew ?? current.skewUs, drift: action.drift ?? current.drift });
      }
      case "pause": {
        const host = this.hosts.get(action.node)!;
        host.pause();
        this.sim.after(action.duration, () => host.resume());
        return;
      }
    }
  }
}

/** The sender name of operations the scenario hands to the operator. */
const SCENARIO_DRIVER = "scenario";

/** One line describing a fault as applied (with `leader` resolved). */
function describeFault(action: FaultAction, resolvedLeader: NodeId | undefined): string {
  switch (action.action) {
    case "partition":
      return `partition ${action.groups.map((g) => `[${g.join(",")}]`).join(" | ")}`;
    case "partition-oneway":
      return `partition-oneway [${action.from.join(",")}] -> [${action.to.join(",")}]`;
    case "isolate":
      return `isolate ${resolvedLeader !== undefined ? `${resolvedLeader} (leader)` : action.node} ${action.direction}`;
    case "heal":
      return "heal";
    case "l1-faults": {
      const { at: _at, action: _action, ...rates } = action;
      return `l1-faults ${JSON.stringify(rates)}`;
    }
    case "l1-reorg":
      return `l1-reorg depth ${action.depth}`;
    case "storage-faults": {
      const { at: _at, action: _action, ...rates } = action;
      return `storage-faults ${JSON.stringify(rates)}`;
    }
    case "corrupt":
      return `corrupt ${action.node} key prefix ${JSON.stringify(action.key)} bits ${action.bits}`;
    case "clock":
      return `clock ${action.node} skew ${action.skew ?? "unchanged"} drift ${action.drift ?? "unchanged"}`;
    case "pause":
      return `pause ${action.node} ${action.duration}us`;
    default:
      return `${action.action} ${action.node}`;
  }
}

/** True for validator names (`v0`, `v1`, ...). */
function isValidatorName(id: NodeId): boolean {
  return /^v\d+$/.test(id);
}

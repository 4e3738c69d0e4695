/**
 * A simulated cluster built from a scenario: validators running the HotStuff
 * replica with the opaque-transaction application, workload clients, the
 * simulated network and disks, the fault plan, and the checkers watching it
 * all (TigerBeetle's `testing/cluster.zig` plays the same part).
 */
import { AgreementChecker } from "../check/agreement.js";
import type { Checker, Observation, Violation } from "../check/checker.js";
import { LivenessChecker } from "../check/liveness.js";
import { ReorgBoundChecker } from "../check/reorg-bound.js";
import { ValidityChecker } from "../check/validity.js";
import { EquivocationChecker } from "../check/equivocation.js";
import { HotStuffReplica } from "../consensus/replica.js";
import type { ValidatorMessage } from "../consensus/types.js";
import { ValidatorSet } from "../consensus/validator-set.js";
import { validatorCodec } from "../consensus/wire.js";
import { concatBytes, sha256, u64, utf8 } from "../crypto/hash.js";
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
import { AssetClient } from "../workload/asset-client.js";
import { ConservationChecker, type NodeAudit } from "../check/conservation.js";
import { RootAgreementChecker } from "../check/root-agreement.js";
import { toHex } from "../crypto/hash.js";
import { buildGenesis, genesisSupply } from "./genesis.js";
import { LEADER, livenessExpectation, orderedFaults, postingLivenessExpectation } from "./fault-plan.js";
import { MetricsCollector } from "./metrics.js";
import { L1_NODES, nodeNames } from "./nodes.js";
import type { FaultAction, Operation, Scenario } from "./schema.js";
import { L1Node } from "../l1/l1-node.js";
import { RollupOperator, encodeOperatorCommand, type OperatorCommand } from "../l1/rollup-operator.js";
import { deriveSolanaKeypair, ROLLUP_PROGRAM_ID } from "../l1/rollup-program.js";
import { BatchPoster } from "../sequencer/batch-poster.js";
import { L1ConsistencyChecker, PostingLivenessChecker } from "../check/l1-consistency.js";
import { L1RegistryWatch } from "./l1-registry-watch.js";

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

  /** The L1 node while the L1 runs (sim-only introspection). */
  l1Node: L1Node | undefined;
  private readonly l1Watch: L1RegistryWatch | undefined;

  /**
   * @param scenario a validated scenario (see `parseScenario`)
   * @throws Error when the scenario runs the L1 and `environment.programElf` is missing
   */
  constructor(scenario: Scenario, environment: ClusterEnvironment = {}) {
    this.scenario = scenario;
    this.metrics = new MetricsCollector(scenario.l1.enabled);
    const sim = new Simulation(scenario.seed);
    this.sim = sim;
    const { validators, clients } = nodeNames(scenario);
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
    const keyPairs: KeyPair[] = validators.map((id) => scheme.keyPairFromSeed(sha256(concatBytes(utf8("asset-sim/validator-key"), u64(scenario.seed), utf8(id)))));
    this.validatorSet = new ValidatorSet(
      validators.map((id, i) => ({ id, publicKey: keyPairs[i]!.publicKey })),
      scheme,
    );

    const clientKeys = clients.map((client) =>
      Array.from({ length: scenario.workload.accountsPerClient }, (_, k) =>
        scheme.keyPairFromSeed(sha256(concatBytes(utf8("asset-sim/client-key"), u64(scenario.seed), utf8(client), u64(k)))),
      ),
    );
    const directory = clientKeys.flat().map((k) => toHex(k.publicKey));
    const genesis = buildGenesis(scenario.ledger, directory);

    this.checkers = [
      new AgreementChecker(),
      new RootAgreementChecker(),
      new ConservationChecker(genesisSupply(genesis), () => this.auditLedgers()),
      new ValidityChecker(scheme),
      new ReorgBoundChecker(scenario.invariants.maxReorgDepth),
      new EquivocationChecker(),
      new LivenessChecker(scenario.invariants.livenessBound, livenessExpectation(scenario)),
      ...(l1Enabled
        ? [
            new L1ConsistencyChecker(scenario.batchPoster.batchEveryBlocks),
            new PostingLivenessChecker(scenario.invariants.postingLivenessBound, scenario.batchPoster.batchEveryBlocks, postingLivenessExpectation(scenario)),
          ]
        : []),
    ];

    const v = scenario.validators;
    validators.forEach((id, index) => {
      this.addHost(id, () =>
        new HotStuffReplica(
          {
            validators: this.validatorSet,
            index,
            keyPair: keyPairs[index]!,
            blockTimeUs: v.blockTime,
            viewTimeoutUs: v.viewTimeout,
            viewTimeoutMaxUs: v.viewTimeoutMax,
            syncRetryUs: v.syncRetry,
          },
          new AssetApp({
            ...(l1Enabled ? { batchPosters: [L1_NODES.poster] } : {}),
            scheme,
            genesis,
            blockTransactionsMax: v.maxBlockTransactions,
            mempool: {
              capacity: v.mempool.capacity,
              minFee: BigInt(v.mempool.minFee),
              replaceBumpPercent: v.mempool.replaceBumpPercent,
              ttlUs: v.mempool.ttl,
              maxNonceGap: v.mempool.maxNonceGap,
              perSenderMax: v.mempool.perSenderMax,
            },
          }),
        ),
      );
    });
    const w = scenario.workload;
    clients.forEach((id, index) => {
      this.addHost(id, () =>
        new AssetClient({
          index,
          validators,
          scheme,
          accounts: clientKeys[index]!,
          directory,
          txPerSecond: w.txPerSecond / w.clients,
          stopAtUs: w.stopAt ?? scenario.duration,
          mix: w.mix,
          fee: BigInt(w.fee),
          token: scenario.ledger.token,
          tokenAuthority: directory[0]!,
          inflightMax: Math.max(1, Math.floor(v.mempool.perSenderMax / 2)),
          queryIntervalUs: 500_000,
          resubmitAfterUs: 2_000_000,
          farNonceGap: BigInt(v.mempool.maxNonceGap + 1_000),
        }),
      );
    });

    if (l1Enabled) this.addL1(scenario, validators, environment.programElf!);
    this.l1Watch = l1Enabled ? new L1RegistryWatch(scenario.batchPoster.batchEveryBlocks) : undefined;
    for (const extra of environment.extraNodes ?? []) {
      if (this.hosts.has(extra.id)) throw new Error(`extra node ${extra.id} clashes with a scenario node`);
      this.addHost(extra.id, extra.create);
    }

    for (const { action } of orderedFaults(scenario)) {
      sim.at(action.at, () => this.applyFault(action));
    }
    scenario.operations
      .map((op, index) => ({ op, index }))
      .sort((a, b) => a.op.at - b.op.at || a.index - b.index)
      .forEach(({ op }) => sim.at(op.at, () => this.applyOperation(op)));
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
      }),
    );
  }

  /**
   * Runs until the scenario's duration, its event budget, or the first safety
   * violation or node error.
   */
  run(): ClusterOutcome {
    for (const host of this.hosts.values()) host.start();
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
    const node = this.hosts.get(id)?.instance;
    return node instanceof HotStuffReplica ? node : undefined;
  }

  /** The sequencer application of a running validator (sim-only introspection). */
  app(id: NodeId): AssetApp | undefined {
    const app = this.replica(id)?.application;
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
    const disk = new SimDisk();
    this.disks.set(id, disk);
    this.network.addNode(id);
    this.hosts.set(
      id,
      new SimHost<ValidatorMessage>({
        id,
        sim: this.sim,
        createNode,
        storage: disk,
        transmit: (from, to, msg) => this.network.send(from, to, this.encode(msg)),
        observe: (timeUs, node, event, fields) => this.observe({ timeUs, node, event, fields }),
        onNodeError: (node, error) => {
          const message = error instanceof Error ? error.message : String(error);
          const detail = error instanceof Error ? error.stack : undefined;
          this.fail({ invariant: "node-error", atUs: this.sim.nowUs, message: `${node} threw: ${message}`, ...(detail ? { detail } : {}) });
        },
      }),
    );
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
    host.deliver(from, msg);
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
    default:
      return `${action.action} ${action.node}`;
  }
}

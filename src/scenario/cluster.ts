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
import type { NodeId } from "../sim/node.js";
import { Simulation, type StopReason } from "../sim/simulation.js";
import { digestText } from "../sim/trace.js";
import { SimDisk } from "../storage/sim-disk.js";
import { AssetClient } from "../workload/asset-client.js";
import { ConservationChecker, type NodeAudit } from "../check/conservation.js";
import { RootAgreementChecker } from "../check/root-agreement.js";
import { toHex } from "../crypto/hash.js";
import { buildGenesis, genesisSupply } from "./genesis.js";
import { LEADER, livenessExpectation, orderedFaults } from "./fault-plan.js";
import { MetricsCollector } from "./metrics.js";
import { nodeNames } from "./nodes.js";
import type { FaultAction, Scenario } from "./schema.js";

/** The outcome of {@link Cluster.run}, before it becomes a report. */
export interface ClusterOutcome {
  readonly stoppedBy: StopReason | "violation";
  readonly virtualDurationUs: number;
  readonly events: number;
  readonly traceDigest: string;
  /** The first safety violation or node error, if the run stopped on one. */
  readonly violation?: Violation;
}

/** Everything of one simulated run. Build, `run()` once, then read the results. */
export class Cluster {
  readonly sim: Simulation;
  readonly network: SimNetwork;
  readonly validatorSet: ValidatorSet;
  readonly hosts = new Map<NodeId, SimHost<ValidatorMessage>>();
  readonly disks = new Map<NodeId, SimDisk>();
  readonly checkers: Checker[];
  readonly metrics = new MetricsCollector();
  faultsApplied = 0;
  private readonly scenario: Scenario;
  private violation: Violation | undefined;
  private lastEncoded: { msg: ValidatorMessage; bytes: Uint8Array } | undefined;
  private readonly observers: ((o: Observation) => void)[] = [];
  /** Digest of each message's bytes: a broadcast delivers one byte array to every peer. */
  private readonly payloadDigests = new WeakMap<Uint8Array, Uint8Array>();

  /** @param scenario a validated scenario (see `parseScenario`) */
  constructor(scenario: Scenario) {
    this.scenario = scenario;
    const sim = new Simulation(scenario.seed);
    this.sim = sim;
    const { validators, clients } = nodeNames(scenario);

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

    for (const { action } of orderedFaults(scenario)) {
      sim.at(action.at, () => this.applyFault(action));
    }
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

  private addHost(id: NodeId, createNode: () => HotStuffReplica | AssetClient): void {
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
    }
  }
}

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
    default:
      return `${action.action} ${action.node}`;
  }
}

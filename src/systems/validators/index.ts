/**
 * The validators system: per rollup, the HotStuff validators (honest,
 * byzantine, and Twins instances) over the AssetApp sequencer, and the
 * workload clients; its checkers (agreement, root agreement, conservation,
 * validity, reference ledger, reorg bound, equivocation, liveness), its metrics and summary
 * lines, the `leader` target faults may name, and the `view` event that view
 * triggers wait for.
 */
import type { Checker, Observation } from "../../check/checker.js";
import { AgreementChecker } from "../../check/validators/agreement.js";
import { ConservationChecker, type NodeAudit } from "../../check/validators/conservation.js";
import { CommittedPayloads } from "../../check/validators/committed-payloads.js";
import { EquivocationChecker } from "../../check/validators/equivocation.js";
import { MaxFailedViewsChecker, MinCommitsChecker, NoHonestCommitChecker, type ViewTimeoutRoles } from "../../check/validators/expectations.js";
import { LivenessChecker, type LivenessExpectation } from "../../check/validators/liveness.js";
import { ReferenceLedgerChecker, type LedgerAudit } from "../../check/validators/reference-ledger.js";
import { ReorgBoundChecker } from "../../check/validators/reorg-bound.js";
import { RootAgreementChecker } from "../../check/validators/root-agreement.js";
import { ValidityChecker } from "../../check/validators/validity.js";
import { ByzantineReplica } from "../../consensus/byzantine/byzantine-replica.js";
import { TwinReplica } from "../../consensus/byzantine/twin.js";
import { applicationOf, replicaOf } from "../../consensus/byzantine/wrapper.js";
import type { LeaderElectionFactory } from "../../consensus/leader-election/leader-election.js";
import { roundRobin } from "../../consensus/leader-election/round-robin.js";
import { HotStuffReplica, type ReplicaConfig } from "../../consensus/replica.js";
import { formatValidatorStorage } from "../../consensus/safety-store.js";
import type { ValidatorMessage } from "../../consensus/types.js";
import { ValidatorSet } from "../../consensus/validator-set.js";
import { VALIDATOR_MESSAGE_TYPES, validatorCodec } from "../../consensus/wire.js";
import { createSignatureScheme } from "../../crypto/schemes.js";
import type { KeyPair, SignatureScheme } from "../../crypto/signature.js";
import { memoizeVerify } from "../../crypto/verify-memo.js";
import { noLivenessReason } from "../../harness/catalog.js";
import type { NodePlan, Quorum, ServiceKey } from "../../harness/fault-kind.js";
import type { BuildContext, System, SystemInstance, SystemPlan } from "../../harness/system.js";
import { WORLD_NODE } from "../../harness/world.js";
import { AssetApp } from "../../sequencer/asset-app.js";
import { createSharedWork, type SharedWork } from "../../sequencer/shared-work.js";
import { sharingCheckOf, type SharingCheck } from "../../sim/run-memo.js";
import type { LedgerSnapshot } from "../../check/models/ledger-model.js";
import type { LedgerState } from "../../vm/ledger-state.js";
import type { AssetInfo, PoolState, WithdrawalRecord } from "../../vm/types.js";
import { emptyPayloadAfter } from "../../sequencer/byzantine-payload.js";
import type { Node, NodeId } from "../../sim/node.js";
import type { RollupScenario, Scenario } from "../scenario-shape.js";
import { BYZANTINE_BACKGROUND_KINDS } from "./background.js";
import { behaviorsOf, byzantineNodes, checkByzantine, checkLeaders, twinsOf } from "./byzantine-plan.js";
import { describeValidatorMessage } from "./message-info.js";
import { genesisSupply } from "./genesis.js";
import { MetricsCollector } from "./metrics.js";
import { CLIENT_ROLE, VALIDATOR_ROLE, clientIds, validatorIds } from "./names.js";
import type { Genesis } from "../../vm/genesis.js";
import { bridgeUserKeys, clientAccountKeys, createAssetApp, createClient, networkGenesis, replicaConfig, validatorKeySeed } from "./node-factories.js";
import { formatValidatorsSummary } from "./summary.js";
import { L1ReadingValidator, type L1ReadingValidatorMessage } from "../../bridge/l1-reading-validator.js";
import { l1RpcCodec } from "../../l1/l1-wire.js";
import type { MessageInfo } from "../../net/cuts.js";
import { taggedUnionCodec } from "../../net/codec.js";
import { L1_NODE_ID } from "../l1/index.js";
import { programIdOf } from "../posting/program-id.js";

/** Why liveness is not judged in a safety-only run. */
export const SAFETY_ONLY_REASON = "safety-only run (--safety-only or phases.safetyOnly): liveness not checked";

/** What other systems may use of one rollup's validators (the posting system: ids, f, submit times; roots pushed to its poster). */
export interface RollupHandle {
  readonly rollup: RollupScenario;
  readonly validators: readonly NodeId[];
  readonly quorum: Quorum;
  /** Nodes every validator pushes its committed roots to (the batch poster adds itself; read when a validator boots). */
  readonly rootSubscribers: NodeId[];
  /** Nodes every validator pushes its committed blocks to and answers `block-query` from (the optimistic poster and challengers add themselves; read when a validator boots). */
  readonly blockWatchers: NodeId[];
  /** The rollup's L2 genesis, as its validators apply it. */
  readonly genesis: Genesis;
  /** The run's signature scheme for this rollup's transactions. */
  readonly scheme: SignatureScheme;
  /** The L2 keys of the bridge users (funded at genesis; empty without a `bridge` section). */
  readonly bridgeUsers: readonly KeyPair[];
  readonly collector: MetricsCollector;
  /** The consensus liveness expectation of this rollup (the posting one builds on it). */
  readonly livenessExpectation: LivenessExpectation;
  /** The validators the honest-node invariants judge. */
  readonly honest: ReadonlySet<NodeId>;
}

/** The service key of rollup `instance`'s validators (`""` with one rollup). */
export function rollupService(instance: string): ServiceKey<RollupHandle> {
  return { name: `validators/${instance}` };
}

/** The sim-only handle of a rollup's validators, for tests and introspection. */
export interface ValidatorsInstance extends SystemInstance, RollupHandle {
  /** The replica of a validator while it runs. */
  replica(id: NodeId): HotStuffReplica | undefined;
  /** The sequencer application of a running validator. */
  app(id: NodeId): AssetApp | undefined;
  /** The work the validators share in this run (absent with sharing off). */
  readonly shared?: SharedWork;
}

function checkOption(check: SharingCheck | undefined): { check?: SharingCheck } {
  return check === undefined ? {} : { check };
}

function instanceName(rollup: RollupScenario): string {
  return rollup.prefix === "" ? "" : rollup.name;
}

function quorumOf(rollup: RollupScenario): Quorum {
  const members = validatorIds(rollup.prefix, rollup.validators.count);
  return { instance: instanceName(rollup), members, f: Math.floor((members.length - 1) / 3) };
}

function planRollup(rollup: RollupScenario): NodePlan[] {
  const instance = instanceName(rollup);
  const byzantine = byzantineNodes(rollup);
  const system = "validators";
  return [
    ...validatorIds(rollup.prefix, rollup.validators.count).map((id): NodePlan => ({ id, role: VALIDATOR_ROLE, system, instance, crashable: true, honest: !byzantine.has(id) })),
    ...twinsOf(rollup).map(({ node, twin }): NodePlan => ({ id: twin, role: VALIDATOR_ROLE, system, instance, crashable: true, honest: false, instanceOf: node })),
    ...clientIds(rollup.prefix, rollup.workload.clients).map((id): NodePlan => ({ id, role: CLIENT_ROLE, system, instance, crashable: false, honest: true })),
  ];
}

/**
 * The liveness expectation of one rollup: none in a safety-only run; from
 * `phases.livenessAt` when the scenario has a liveness phase; else the heal
 * time of the plan, unless it ends with more than f validators down or a cut
 * in force.
 */
export function consensusLivenessExpectation(scenario: Scenario, quorum: Quorum, endOfPlan: BuildContext<Scenario>["endOfPlan"]): LivenessExpectation {
  const { livenessAt, safetyOnly } = scenario.phases;
  if (safetyOnly) return { healAtUs: livenessAt ?? 0, notExpectedBecause: SAFETY_ONLY_REASON };
  if (livenessAt !== undefined) return { healAtUs: livenessAt };
  const reason = noLivenessReason(endOfPlan, quorum);
  return reason === undefined ? { healAtUs: endOfPlan.healAtUs } : { healAtUs: endOfPlan.healAtUs, notExpectedBecause: reason };
}

/**
 * The checkers of the scenario's own expectations (`invariants.minCommits`,
 * `maxFailedViews`, `noHonestCommit`), each only when its field is set: a
 * scenario without them reports what it did before.
 */
function expectationCheckers(rollup: RollupScenario, roles: ViewTimeoutRoles, honest: ReadonlySet<NodeId>): Checker[] {
  const { minCommits, maxFailedViews, noHonestCommit } = rollup.invariants;
  return [
    ...(minCommits !== undefined ? [new MinCommitsChecker(minCommits, honest)] : []),
    ...(maxFailedViews !== undefined ? [new MaxFailedViewsChecker(maxFailedViews, roles)] : []),
    ...(noHonestCommit === true ? [new NoHonestCommitChecker(honest)] : []),
  ];
}

/** The validators system (one instance per rollup). */
export const validatorsSystem: System<Scenario> = {
  name: "validators",
  faultKinds: [],
  backgroundKinds: BYZANTINE_BACKGROUND_KINDS,
  viewSignal: { role: VALIDATOR_ROLE, event: "view", field: "view" },

  plan(scenario): SystemPlan {
    const nodes = scenario.rollups.flatMap(planRollup);
    const quorums = scenario.rollups.map(quorumOf);
    // A scenario without validators (the "none" layout) has no leader to target.
    const targets: [string, Quorum][] =
      quorums.length === 0
        ? []
        : [
            ["leader", quorums[0]!],
            ["next-leader", quorums[0]!],
          ];
    scenario.rollups.forEach((r, i) => {
      if (r.prefix !== "") targets.push([`${r.prefix}leader`, quorums[i]!], [`${r.prefix}next-leader`, quorums[i]!]);
    });
    return { nodes, quorums, targets };
  },

  check(scenario) {
    scenario.rollups.forEach((rollup, i) => {
      const at = scenario.layout === "single" ? "" : `rollups[${i}].`;
      checkByzantine(rollup, `${at}byzantine`, scenario.duration);
      checkLeaders(rollup, `${at}validators.leaders`);
    });
  },

  build(ctx) {
    return ctx.scenario.rollups.map((rollup, index) => buildRollup(ctx, rollup, index));
  },

  arm() {},

  summary: formatValidatorsSummary,
};

/**
 * A fresh signature scheme for a run: ed25519 verification memoised across simulated nodes (a pure
 * function; see verify-memo.ts), and with sharing on, the run's own signatures remembered as valid
 * when made (sampled by `--check-sharing` through `check`).
 */
function schemeFor(name: Scenario["validators"]["signatureScheme"], sharing: boolean, check: SharingCheck | undefined): SignatureScheme {
  // The sim scheme costs one sha256 per verify, the same as a memo lookup, so it runs bare.
  const bare = createSignatureScheme(name);
  return bare.name === "sim" ? bare : memoizeVerify(bare, { seedFromSigning: sharing, ...(check !== undefined ? { check } : {}) });
}

/** The codec of a validator that also reads the L1 (`L1ReadingValidator`): consensus messages and L1 RPC. */
const l1ReadingValidatorCodec = taggedUnionCodec<L1ReadingValidatorMessage>([
  { types: VALIDATOR_MESSAGE_TYPES, codec: validatorCodec as never },
  { types: ["l1-rpc"], codec: l1RpcCodec as never },
]);

function buildRollup(ctx: BuildContext<Scenario>, rollup: RollupScenario, rollupIndex: number): ValidatorsInstance {
  const { world, scenario } = ctx;
  const instance = instanceName(rollup);
  const validators = validatorIds(rollup.prefix, rollup.validators.count);
  const clients = clientIds(rollup.prefix, rollup.workload.clients);
  // The work the validators share in this run (one set of memos per run and rollup; none with sharing off).
  const sharing = ctx.environment.sharing;
  const sharingCheck = sharing?.off === true ? undefined : sharingCheckOf(sharing, scenario.seed);
  const scheme = schemeFor(rollup.validators.signatureScheme, sharing?.off !== true, sharingCheck);
  const keyPairs: KeyPair[] = validators.map((id) => scheme.keyPairFromSeed(validatorKeySeed(scenario.seed, id)));
  const validatorSet = new ValidatorSet(
    validators.map((id, i) => ({ id, publicKey: keyPairs[i]!.publicKey })),
    scheme,
  );
  const clientKeys = clientAccountKeys(scheme, scenario.seed, clients, rollup.workload.accountsPerClient);
  const bridgeUsers = rollup.bridge === undefined ? [] : bridgeUserKeys(scheme, scenario.seed, rollup.prefix, rollup.bridge.users);
  const { directory, genesis } = networkGenesis(bridgeUsers.length > 0 ? [...clientKeys, bridgeUsers] : clientKeys, rollup.ledger);
  const byzantine = byzantineNodes(rollup);
  const twins = twinsOf(rollup);
  const identities = new Map(twins.map((t) => [t.twin, t.node]));
  const quorum = quorumOf(rollup);
  const members = new Set<NodeId>([...validators, ...clients, ...twins.map((t) => t.twin)]);
  const sees = (o: Observation): boolean => instance === "" || members.has(o.node) || o.node === WORLD_NODE;
  const livenessExpectation = consensusLivenessExpectation(scenario, quorum, ctx.endOfPlan);
  const rootSubscribers: NodeId[] = [];
  const blockWatchers: NodeId[] = [];

  const replicaOfId = (id: NodeId): HotStuffReplica | undefined => replicaOf(world.instance(id) as Node<ValidatorMessage> | undefined);
  const appOfId = (id: NodeId): AssetApp | undefined => {
    const app = applicationOf(world.instance(id) as Node<ValidatorMessage> | undefined);
    return app instanceof AssetApp ? app : undefined;
  };
  const auditLedgers = (): NodeAudit[] => {
    const out: NodeAudit[] = [];
    for (const id of [...validators, ...twins.map((t) => t.twin)]) {
      const ledger = appOfId(id)?.ledger;
      if (ledger !== undefined) out.push({ node: id, height: ledger.committed.height, assets: ledger.auditSupply() });
    }
    return out;
  };

  const auditCommittedLedgers = (): LedgerAudit[] => {
    const out: LedgerAudit[] = [];
    for (const id of validators) {
      const ledger = appOfId(id)?.ledger;
      if (ledger !== undefined) out.push({ node: id, height: ledger.committed.height, ledger: committedSnapshot(ledger) });
    }
    return out;
  };

  // The honest-node invariants judge the validators not declared byzantine (never a twin's instance).
  const honest: ReadonlySet<NodeId> = new Set(validators.filter((id) => !byzantine.has(id)));
  // The first commit of each height is decoded once for the validity and reference-ledger checkers and the metrics.
  const payloads = new CommittedPayloads();
  const checkers = [
    new AgreementChecker(honest),
    new RootAgreementChecker(honest),
    new ConservationChecker(genesisSupply(genesis), auditLedgers, honest),
    new ValidityChecker(scheme, honest, payloads),
    new ReferenceLedgerChecker(genesis, auditCommittedLedgers, honest, payloads),
    new ReorgBoundChecker(rollup.invariants.maxReorgDepth, honest),
    new EquivocationChecker({ validators, identities, honest }),
    new LivenessChecker(rollup.invariants.livenessBound, livenessExpectation, honest),
    ...expectationCheckers(rollup, { validators, identities, quorum: validatorSet.quorum }, honest),
  ];
  const metrics = new MetricsCollector(scenario.l1.enabled, new Set([...validators, ...twins.map((t) => t.twin)]), payloads);
  // The figures of a rollup also count its posting nodes, and the shared L1's events (a derived event naming
  // another rollup left out).
  const measures = (o: Observation): boolean => {
    if (sees(o)) return true;
    if (!world.has(o.node)) return false;
    const owner = world.spec(o.node).instance;
    return owner === instance || (owner === "" && (o.fields.rollup === undefined || o.fields.rollup === rollup.name));
  };
  world.addListener((o) => {
    if (measures(o)) metrics.observe(o);
  }, "measure");

  const v = rollup.validators;
  const configOf = (index: number): ReplicaConfig => replicaConfig({ validators: validatorSet, index, keyPair: keyPairs[index]!, chain: v, checkpoints: rollup.checkpoints });
  const checkMempoolInvariants = ctx.environment.checkInvariants === true;
  const shared = sharing?.off === true ? undefined : createSharedWork({ ...(sharing?.createMemo !== undefined ? { createMemo: sharing.createMemo } : {}), ...checkOption(sharingCheck) });
  const newApp = (): AssetApp =>
    createAssetApp({
      scheme,
      genesis,
      chain: v,
      checkMempoolInvariants,
      ...(shared !== undefined ? { shared } : {}),
      ...(rootSubscribers.length > 0 ? { batchPosters: rootSubscribers } : {}),
      ...(blockWatchers.length > 0 ? { blockWatchers } : {}),
      ...(rollup.bridge !== undefined ? { bridge: { creditsPerBlockMax: rollup.bridge.creditsPerBlock, readsL1 } } : {}),
    });
  // With the bridge on the L1, each validator reads the finalized deposits from the L1 node itself
  // (`bridge/l1-reading-validator.ts`); its node then also speaks L1 RPC.
  const bridge = rollup.bridge;
  const readsL1 = bridge !== undefined && scenario.l1.enabled;
  const withReader = (build: (app: AssetApp) => Node<ValidatorMessage>) => (): Node<ValidatorMessage> => {
    const app = newApp();
    if (!readsL1) return build(app);
    const reader = { l1: L1_NODE_ID, programId: programIdOf(rollup, rollupIndex), pollIntervalUs: bridge!.pollInterval, requestTimeoutUs: bridge!.requestTimeout };
    return new L1ReadingValidator(build(app), app, reader) as unknown as Node<ValidatorMessage>;
  };
  const spec = {
    system: "validators",
    instance,
    codec: readsL1 ? (l1ReadingValidatorCodec as unknown as typeof validatorCodec) : validatorCodec,
    crashable: true,
    // L1 RPC is no consensus message: a cut by consensus message type never matches it.
    describeMessage: (msg: ValidatorMessage): MessageInfo => ((msg as { type: string }).type === "l1-rpc" ? {} : describeValidatorMessage(msg)),
  } as const;
  validators.forEach((id, index) => {
    const behaviors = behaviorsOf(rollup, id.slice(rollup.prefix.length));
    if (behaviors.length === 0) {
      world.addNode<ValidatorMessage>({ ...spec, id, role: VALIDATOR_ROLE, honest: !byzantine.has(id), create: withReader((app) => new HotStuffReplica(configOf(index), app)) });
      return;
    }
    // One stream per byzantine validator for its misbehaviour, so honest streams never shift.
    const rng = world.sim.rng(`byzantine/${id}`);
    world.addNode<ValidatorMessage>({
      ...spec,
      id,
      role: VALIDATOR_ROLE,
      honest: false,
      create: withReader((app) => new ByzantineReplica({ replica: configOf(index), behaviors, rng, alternativePayload: emptyPayloadAfter }, app)),
    });
  });
  for (const { node, twin, bootAtUs } of twins) {
    const index = validators.indexOf(node);
    world.addNode<ValidatorMessage>({ ...spec, id: twin, role: VALIDATOR_ROLE, honest: false, instanceOf: node, ...(bootAtUs > 0 ? { bootAtUs } : {}), create: withReader((app) => new TwinReplica(configOf(index), app)) });
  }
  // Validators' disks (twin instances' too: a twin starts from genesis like its original) are formatted
  // before the first boot (a disk without the record is a lost one), then get the background storage faults.
  for (const id of [...validators, ...twins.map((t) => t.twin)]) {
    const disk = world.disk(id);
    formatValidatorStorage(disk);
    disk.setFaults(scenario.storage);
  }
  const w = rollup.workload;
  const workload = { txPerSecond: w.txPerSecond, clients: w.clients, fee: w.fee, mix: w.mix, stopAtUs: w.stopAt ?? scenario.duration };
  clients.forEach((id, index) => {
    world.addNode<ValidatorMessage>({
      ...spec,
      id,
      role: CLIENT_ROLE,
      crashable: false,
      honest: true,
      create: () => createClient({ index, validators, scheme, accounts: clientKeys[index]!, directory, workload, chain: v, token: rollup.ledger.token }),
    });
  });

  // `leader`: the leader of a view given (a view-keyed action), else of the highest view a validator is in;
  // `next-leader`: the leader of the view after; each as the validator furthest ahead names it (its own election).
  const election = configOf(0).leaderElection ?? (() => roundRobin(validators.length));
  const leaderTarget = (view?: number): NodeId => leaderOfView(validatorSet, validators, replicaOfId, election, view, 0);
  const nextLeaderTarget = (view?: number): NodeId => leaderOfView(validatorSet, validators, replicaOfId, election, view, 1);
  ctx.addTarget(`${rollup.prefix}leader`, leaderTarget);
  ctx.addTarget(`${rollup.prefix}next-leader`, nextLeaderTarget);
  if (rollup === scenario.rollups[0] && rollup.prefix !== "") {
    ctx.addTarget("leader", leaderTarget);
    ctx.addTarget("next-leader", nextLeaderTarget);
  }

  const handle: ValidatorsInstance = {
    system: "validators",
    instance,
    checkers,
    sees,
    // The `l1` figures stay in place (zero without the L1); the posting system's own figures replace them.
    metrics: (endUs) => ({ ...metrics.finish(endUs) }),
    rollup,
    validators,
    quorum,
    rootSubscribers,
    blockWatchers,
    genesis,
    scheme,
    bridgeUsers,
    collector: metrics,
    livenessExpectation,
    honest,
    replica: replicaOfId,
    app: appOfId,
    ...(shared !== undefined ? { shared } : {}),
  };
  ctx.provide(rollupService(instance), handle);
  return handle;
}

/**
 * A validator's committed ledger as the reference-ledger checker compares it
 * (sim-only introspection): the state entries by kind (see `vm/state-keys.ts`).
 */
export function committedSnapshot(ledger: LedgerState): LedgerSnapshot {
  const nonces = new Map<string, bigint>();
  const balances = new Map<string, bigint>();
  const assets = new Map<string, AssetInfo>();
  const pools = new Map<string, PoolState>();
  const shares = new Map<string, bigint>();
  const withdrawals = new Map<bigint, WithdrawalRecord>();
  let depositNext = 0n;
  for (const [key, value] of ledger.committed.writes) {
    if (value === undefined) continue;
    const rest = key.slice(2);
    if (key.startsWith("n:")) nonces.set(rest, value as bigint);
    else if (key.startsWith("b:")) balances.set(rest, value as bigint);
    else if (key.startsWith("a:")) assets.set(rest, value as AssetInfo);
    else if (key.startsWith("p:")) pools.set(rest, value as PoolState);
    else if (key.startsWith("s:")) shares.set(rest, value as bigint);
    else if (key.startsWith("w:")) withdrawals.set(BigInt(`0x${rest}`), value as WithdrawalRecord);
    else if (key === "x:deposit-next") depositNext = value as bigint;
    else if (key !== "x:withdrawal-next") throw new Error(`committedSnapshot: unknown state key ${key}`);
  }
  return { nonces, balances, assets, pools, shares, withdrawals, depositNext };
}

/**
 * The leader of `view` (default: the highest view any running validator is
 * in) plus `ahead`, as the validator in the highest view names it (its
 * election; replicas whose committed chains differ may name another). With no
 * validator running, as a fresh election names it.
 */
function leaderOfView(
  validatorSet: ValidatorSet,
  validators: readonly NodeId[],
  replica: (id: NodeId) => HotStuffReplica | undefined,
  election: LeaderElectionFactory,
  view: number | undefined,
  ahead: number,
): NodeId {
  let highest: HotStuffReplica | undefined;
  for (const id of validators) {
    const r = replica(id);
    if (r !== undefined && (highest === undefined || r.view > highest.view)) highest = r;
  }
  const target = (view ?? highest?.view ?? 0) + ahead;
  return validatorSet.idOf(highest !== undefined ? highest.leaderOf(target) : election().leaderOf(target));
}

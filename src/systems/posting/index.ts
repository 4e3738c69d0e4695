/**
 * The posting system: per rollup, the batch poster (posts every committed
 * root to the rollup's AssetRollup program on the shared L1) and the
 * operator (the upgrade authority's operations, fired at times, views or
 * events); its checkers (L1 consistency, posting liveness), its L1 figures,
 * and its derived observations (each finalized registry entry, from the L1
 * node's state, as `l1-root-finalized`).
 */
import type { Keypair, PublicKey } from "@solana/web3.js";
import type { Observation } from "../../check/checker.js";
import type { LivenessExpectation } from "../../check/validators/liveness.js";
import { L1ConsistencyChecker, PostingLivenessChecker } from "../../check/posting/l1-consistency.js";
import { VALIDATOR_MESSAGE_TYPES, validatorCodec } from "../../consensus/wire.js";
import { InputError } from "../../config/errors.js";
import type { NodePlan } from "../../harness/fault-kind.js";
import type { BuildContext, System, SystemInstance } from "../../harness/system.js";
import { WORLD_NODE } from "../../harness/world.js";
import { l1RpcCodec, operatorCommandCodec, type OperatorCommandMessage } from "../../l1/l1-wire.js";
import { RollupOperator, encodeOperatorCommand, type OperatorCommand, type OperatorMessage } from "../../l1/rollup-operator.js";
import { deriveSolanaAddress, deriveSolanaKeypair } from "../../l1/rollup-program.js";
import { taggedUnionCodec } from "../../net/codec.js";
import { BatchPoster, type PosterMessage } from "../../sequencer/batch-poster.js";
import type { NodeId } from "../../sim/node.js";
import { L1_SERVICE } from "../l1/faults.js";
import { L1_NODE_ID, L1_SETUP } from "../l1/index.js";
import { programAddressOf, programIdOf } from "./program-id.js";
import type { RollupScenario, Scenario } from "../scenario-shape.js";
import { rollupService } from "../validators/index.js";
import { L1RegistryWatch } from "./l1-registry-watch.js";
import { emptyL1Metrics, PostingMetricsCollector } from "./metrics.js";
import { formatPostingSummary } from "./summary.js";
import { SETTLEMENT_EVENTS } from "../../settlement/events.js";
import { settlementMetrics } from "../../settlement/metrics.js";
import { addOptimisticNodes, CHALLENGER_ROLE, challengerId, challengerKeyLabel, challengerKeys, FinalizedSettlementWatch, gameParamsOf, settlementCheckers } from "./optimistic.js";

/** The role of a batch poster. */
export const POSTER_ROLE = "poster";
/** The role of an operator. */
export const OPERATOR_ROLE = "operator";

/** Lamports each L1 key (operator, intruder, poster keys) holds at genesis: 1,000 SOL. */
const L1_KEY_LAMPORTS = 1_000_000_000_000n;

/** The sender name of operations the scenario hands to the operator. */
export const SCENARIO_DRIVER = "scenario";

/** One operation of a parsed scenario. */
export type Operation = RollupScenario["operations"][number];

/** The codec of the batch poster: validator `app` messages to and from validators, L1 RPC to and from the L1. */
export const posterCodec = taggedUnionCodec<PosterMessage>([
  { types: VALIDATOR_MESSAGE_TYPES, codec: validatorCodec as never },
  { types: ["l1-rpc"], codec: l1RpcCodec as never },
]);

/** The codec of the operator: L1 RPC, and commands. */
export const operatorCodec = taggedUnionCodec<OperatorMessage>([
  { types: ["l1-rpc"], codec: l1RpcCodec as never },
  { types: ["operator-command"], codec: operatorCommandCodec as never },
]);

function instanceName(rollup: RollupScenario): string {
  return rollup.prefix === "" ? "" : rollup.name;
}

/** The program id of a rollup (`program-id.ts`). */
export { programIdOf };

/** The operator command of an operation. */
function commandOf(op: Operation): OperatorCommand {
  switch (op.action) {
    case "pause-posting":
      return { action: "pause" };
    case "resume-posting":
      return { action: "resume" };
    case "unauthorized-pause":
      return { action: "unauthorized-pause" };
    case "rotate-poster":
      return { action: "rotate-poster", keyIndex: op.keyIndex };
    case "set-version":
      return { action: "set-version", version: op.version };
  }
}

/** One line describing an operation. */
export function describeOperation(op: Operation): string {
  return `operation ${op.action}${op.action === "rotate-poster" ? ` ${op.keyIndex}` : op.action === "set-version" ? ` ${op.version}` : ""}`;
}

/**
 * When the posting-liveness checker may expect the finalized posted height to
 * catch up: after the last fault and operation, unless the plan ends with the
 * poster crashed, posting paused, L1 faults still on, or no consensus liveness.
 */
export function postingLivenessExpectation(scenario: Scenario, rollup: RollupScenario, consensus: LivenessExpectation, posterDown: boolean): LivenessExpectation {
  let healAtUs = consensus.healAtUs;
  let l1Faulty = scenario.l1.faults.dropRate > 0 || scenario.l1.faults.delayRate > 0 || scenario.l1.faults.rpcErrorRate > 0;
  // The liveness phase restarts the poster and turns L1 faults off.
  const phaseHeals = scenario.phases.livenessAt !== undefined;
  for (const action of [...scenario.faults].sort((a, b) => a.at - b.at)) {
    if (action.action === "l1-faults") {
      const f = { ...scenario.l1.faults, ...action };
      l1Faulty = f.dropRate > 0 || f.delayRate > 0 || f.rpcErrorRate > 0;
    }
  }
  let paused = false;
  let authority = 0;
  for (const op of [...rollup.operations].sort((a, b) => a.at - b.at)) {
    healAtUs = Math.max(healAtUs, op.at);
    if (op.action === "pause-posting") paused = true;
    if (op.action === "resume-posting") paused = false;
    if (op.action === "rotate-poster") authority = op.keyIndex;
  }
  if (consensus.notExpectedBecause !== undefined) return { healAtUs, notExpectedBecause: consensus.notExpectedBecause };
  if (posterDown && !phaseHeals) return { healAtUs, notExpectedBecause: "the batch poster stays crashed" };
  if (paused) return { healAtUs, notExpectedBecause: "posting stays paused" };
  if (l1Faulty && !phaseHeals) return { healAtUs, notExpectedBecause: "L1 faults are never turned off" };
  if (authority >= rollup.batchPoster.keys) return { healAtUs, notExpectedBecause: "the poster holds no key of the authority" };
  return { healAtUs };
}

/** The posting system (one instance per rollup when the L1 runs). */
export const postingSystem: System<Scenario> = {
  name: "posting",
  faultKinds: [],
  backgroundKinds: [],

  plan(scenario) {
    if (!scenario.l1.enabled) return { nodes: [], quorums: [], targets: [] };
    const nodes = scenario.rollups.flatMap((r): NodePlan[] => {
      const instance = instanceName(r);
      return [
        { id: `${r.prefix}poster`, role: POSTER_ROLE, system: "posting", instance, crashable: true, honest: true },
        { id: `${r.prefix}operator`, role: OPERATOR_ROLE, system: "posting", instance, crashable: false, honest: true },
        ...(r.settlement.mode === "optimistic"
          ? r.settlement.challengers.map((c, i): NodePlan => ({ id: challengerId(r.prefix, i), role: CHALLENGER_ROLE, system: "posting", instance, crashable: true, honest: c.behaviour === "honest" }))
          : []),
      ];
    });
    return { nodes, quorums: [], targets: [] };
  },

  check(scenario) {
    scenario.rollups.forEach((rollup, r) => {
      const settlementField = scenario.layout === "single" ? "settlement" : `rollups[${r}].settlement`;
      const st = rollup.settlement;
      if (st.mode === "optimistic") {
        if (!scenario.l1.enabled) throw new InputError(`${settlementField}.mode`, `optimistic settlement needs the L1 (l1.enabled is false)`);
        // The one-step proof checks ed25519 signatures on the L1 (step_signature.c): the sim scheme's would all look forged.
        if (rollup.validators.signatureScheme === "sim") throw new InputError(`${settlementField}.mode`, `optimistic settlement checks transaction signatures on the L1 with ed25519: validators.signatureScheme "sim" cannot be proven there`);
        // pause-posting/resume-posting (post_batch_optimistic checks the pause flag; games go on), unauthorized-pause and
        // set-version act on the RollupConfig both modes share; rotate-poster does not fit: the batches' bonds and games
        // are bound to the poster's key 0.
        const opsField = scenario.layout === "single" ? "operations" : `rollups[${r}].operations`;
        rollup.operations.forEach((op, index) => {
          if (op.action === "rotate-poster") throw new InputError(`${opsField}[${index}].action`, `rotate-poster is not supported with optimistic settlement: the optimistic poster signs with key 0, which its posted batches, bonds and games are bound to`);
        });
      } else if (st.wrongRootAt.length > 0 || JSON.stringify(st.challengers) !== JSON.stringify([{ behaviour: "honest" }])) {
        throw new InputError(`${settlementField}.mode`, `challengers and wrongRootAt apply to optimistic settlement only (mode is posting)`);
      }
      const section = scenario.layout === "single" ? "operations" : `rollups[${r}].operations`;
      rollup.operations.forEach((op, index) => {
        const field = `${section}[${index}]`;
        if (!scenario.l1.enabled) throw new InputError(`${field}.action`, `operations need the L1 (l1.enabled is false)`);
        if (op.at > scenario.duration) throw new InputError(`${field}.at`, `${op.at}us is after the end of the run (duration ${scenario.duration}us)`);
        if (op.action === "rotate-poster" && op.keyIndex >= rollup.batchPoster.keys) {
          throw new InputError(`${field}.keyIndex`, `must be below ${rollup.batchPoster.keys}, the number of keys the batch poster holds (batchPoster.keys), got ${op.keyIndex}`);
        }
      });
    });
  },

  build(ctx) {
    // Without the L1 a rollup still reports its (zero) posting figures, so a report has one shape.
    if (!ctx.scenario.l1.enabled) return ctx.scenario.rollups.map((rollup) => ({ system: "posting", instance: instanceName(rollup), checkers: [], sees: () => false, metrics: () => ({ l1: emptyL1Metrics() }) }));
    return ctx.scenario.rollups.map((rollup, index) => buildPosting(ctx, rollup, index));
  },

  arm(ctx) {
    if (!ctx.scenario.l1.enabled) return;
    for (const rollup of ctx.scenario.rollups) {
      const operator = `${rollup.prefix}operator`;
      const ordered = rollup.operations.map((op, index) => ({ op, index })).sort((a, b) => a.op.at - b.op.at || a.index - b.index);
      for (const { op } of ordered) ctx.trigger(op, () => applyOperation(ctx, operator, op));
    }
  },

  summary: formatPostingSummary,
};

/** Hands an operation to the operator node (directly, not over the faulty network: it is the scenario's own hand). */
function applyOperation(ctx: BuildContext<Scenario>, operator: NodeId, op: Operation): void {
  const { world } = ctx;
  world.recordOperation(describeOperation(op));
  const msg: OperatorCommandMessage = { type: "operator-command", data: encodeOperatorCommand(commandOf(op)) };
  if (world.isUp(operator)) world.host(operator).deliver(SCENARIO_DRIVER, msg);
}

function buildPosting(ctx: BuildContext<Scenario>, rollup: RollupScenario, index: number): SystemInstance {
  const { world, scenario } = ctx;
  const instance = instanceName(rollup);
  const rollupHandle = ctx.service(rollupService(instance));
  const setup = ctx.service(L1_SETUP);
  const posterId = `${rollup.prefix}poster`;
  const operatorId = `${rollup.prefix}operator`;
  const seed = scenario.seed;
  const optimistic = rollup.settlement.mode === "optimistic";
  const challengerCount = optimistic ? rollup.settlement.challengers.length : 0;
  const posterLabels = Array.from({ length: rollup.batchPoster.keys }, (_, i) => `${rollup.prefix}poster/${i}`);
  const upgradeAuthorityLabel = `${rollup.prefix}operator`;
  const intruderLabel = `${rollup.prefix}intruder`;
  // The web3.js objects (program id, keypairs) are made when a node or a watch first needs them, not here:
  // building a run does not load web3.js (about 0.13 s), which the nodes load when the first posting node starts.
  let keys: { programId: PublicKey; posterKeys: Keypair[]; upgradeAuthority: Keypair; intruder: Keypair; challengers: Keypair[] } | undefined;
  const l1Keys = () =>
    (keys ??= {
      programId: programIdOf(rollup, index),
      posterKeys: posterLabels.map((label) => deriveSolanaKeypair(label, seed)),
      upgradeAuthority: deriveSolanaKeypair(upgradeAuthorityLabel, seed),
      intruder: deriveSolanaKeypair(intruderLabel, seed),
      challengers: challengerKeys(rollup.prefix, seed, challengerCount),
    });
  const elf = ctx.environment.programElf!;
  const challengerLabels = Array.from({ length: challengerCount }, (_, i) => challengerKeyLabel(rollup.prefix, i));
  setup.addProgram(programAddressOf(rollup, index), elf, deriveSolanaAddress(upgradeAuthorityLabel, seed));
  for (const label of [upgradeAuthorityLabel, intruderLabel, ...posterLabels, ...challengerLabels]) setup.fund(deriveSolanaAddress(label, seed), L1_KEY_LAMPORTS);

  const bp = rollup.batchPoster;
  if (optimistic) {
    const { posterKeys, programId, challengers } = l1Keys();
    addOptimisticNodes(world, { instance, codec: posterCodec }, rollup, rollupHandle, posterId, posterKeys[0]!, programId, challengers, {
      pollIntervalUs: bp.pollInterval,
      requestTimeoutUs: bp.requestTimeout,
      resendIntervalUs: bp.resendInterval,
    });
  } else {
    rollupHandle.rootSubscribers.push(posterId);
    world.addNode<PosterMessage>({
      id: posterId,
      role: POSTER_ROLE,
      system: "posting",
      instance,
      codec: posterCodec,
      crashable: true,
      honest: true,
      create: () =>
        new BatchPoster({
          l1: L1_NODE_ID,
          programId: l1Keys().programId,
          validators: rollupHandle.validators,
          rootQuorum: rollupHandle.quorum.f + 1,
          keys: l1Keys().posterKeys,
          batchEveryBlocks: bp.batchEveryBlocks,
          maxRootsPerTransaction: bp.maxRootsPerTransaction,
          pollIntervalUs: bp.pollInterval,
          retryBaseUs: bp.retryBase,
          retryMaxUs: bp.retryMax,
          requestTimeoutUs: bp.requestTimeout,
          resendIntervalUs: bp.resendInterval,
        }),
    });
  }
  world.addNode<OperatorMessage>({
    id: operatorId,
    role: OPERATOR_ROLE,
    system: "posting",
    instance,
    codec: operatorCodec,
    crashable: false,
    honest: true,
    create: () =>
      new RollupOperator({
        l1: L1_NODE_ID,
        programId: l1Keys().programId,
        commanders: [SCENARIO_DRIVER],
        upgradeAuthority: l1Keys().upgradeAuthority,
        posterKeys: l1Keys().posterKeys.map((k) => k.publicKey),
        intruder: l1Keys().intruder,
        initialVersion: 1,
        pollIntervalUs: bp.pollInterval,
        requestTimeoutUs: bp.requestTimeout,
        attemptsMax: 20,
        resendIntervalUs: bp.resendInterval,
        ...(optimistic ? { game: gameParamsOf(rollup.settlement, rollupHandle) } : {}),
      }),
  });

  // Each time the L1 finalizes a slot, this rollup's newly finalized registry entries become observations too.
  let watch: L1RegistryWatch | undefined;
  const several = scenario.rollups.length > 1;
  const l1 = ctx.service(L1_SERVICE);
  const settlementWatch = optimistic ? new FinalizedSettlementWatch(l1Keys().programId, l1Keys().challengers.map((k) => k.publicKey)) : undefined;
  world.addDeriver((o) => {
    const node = l1.node();
    if (o.event !== "l1-finalized" || node === undefined) return [];
    if (settlementWatch !== undefined) return settlementWatch.newlyFinalized(node, o.timeUs).map((s) => (several ? { ...s, fields: { ...s.fields, rollup: rollup.name } } : s));
    watch ??= new L1RegistryWatch(bp.batchEveryBlocks, l1Keys().programId);
    return watch.newlyFinalized(node).map((entry) => ({ timeUs: o.timeUs, node: L1_NODE_ID, event: "l1-root-finalized", fields: several ? { ...entry, rollup: rollup.name } : { ...entry } }));
  });

  const consensus = rollupHandle.livenessExpectation;
  const posterDown = ctx.endOfPlan.down.has(posterId);
  const members = new Set<NodeId>([posterId, operatorId, ...rollupHandle.validators, ...challengerLabels.map((_, i) => challengerId(rollup.prefix, i))]);
  // With several rollups, a rollup's checkers see its own nodes, the world, and the L1's entries (registry or settlement) of its own program.
  const sees = (o: Observation): boolean => !several || members.has(o.node) || o.node === WORLD_NODE || (o.node === L1_NODE_ID && (o.fields.rollup === undefined || o.fields.rollup === rollup.name));
  const checkers = optimistic
    ? settlementCheckers(rollup, rollupHandle, l1Keys().challengers)
    : [
        new L1ConsistencyChecker(bp.batchEveryBlocks, rollupHandle.honest),
        new PostingLivenessChecker(rollup.invariants.postingLivenessBound, bp.batchEveryBlocks, postingLivenessExpectation(scenario, rollup, consensus, posterDown), rollupHandle.honest),
      ];
  // Its figures count its own nodes and the shared L1's events (a derived event of another rollup left out).
  const collector = new PostingMetricsCollector((l2Height) => rollupHandle.collector.takeSubmitTimesThrough(l2Height));
  world.addListener((o) => {
    if (o.node === posterId || o.node === operatorId || (o.node === L1_NODE_ID && (o.fields.rollup === undefined || o.fields.rollup === rollup.name))) collector.observe(o);
  }, "measure");
  // In optimistic mode, the settlement figures from the watch's observations (time to finality, games, bonds).
  const settlementEvents: Observation[] = [];
  if (optimistic) {
    world.addListener((o) => {
      if (o.node === L1_NODE_ID && SETTLEMENT_EVENTS.is(o, "settlement-batch", "settlement-game", "settlement-bonds") && (o.fields.rollup === undefined || o.fields.rollup === rollup.name)) settlementEvents.push(o);
    }, "measure");
  }
  return {
    system: "posting",
    instance,
    checkers,
    sees,
    metrics: () => (optimistic ? { l1: collector.finish(), settlement: settlementMetrics(settlementEvents) } : { l1: collector.finish() }),
  };
}

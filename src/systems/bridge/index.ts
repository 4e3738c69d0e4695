/**
 * The bridge system (issue 13, item 2; either settlement mode): per rollup with a
 * `bridge` section, the relayer node (`bridge/relayer.ts`) with its users' keys,
 * the observations derived from the L1's finalized bridge accounts
 * (`bridge-l1-finalized`), the four bridge checkers (`check/bridge/`) and the
 * deposit and withdrawal latencies. Without the section nothing of it runs.
 */
import type { Observation } from "../../check/checker.js";
import { BridgeConservationChecker } from "../../check/bridge/conservation.js";
import { DepositsCreditedChecker } from "../../check/bridge/deposits-credited.js";
import { BridgeLivenessChecker } from "../../check/bridge/liveness.js";
import { WithdrawalsPaidOnceChecker } from "../../check/bridge/withdrawals-paid-once.js";
import { VALIDATOR_MESSAGE_TYPES, validatorCodec } from "../../consensus/wire.js";
import { InputError } from "../../config/errors.js";
import type { NodePlan } from "../../harness/fault-kind.js";
import type { BuildContext, System, SystemInstance } from "../../harness/system.js";
import { WORLD_NODE } from "../../harness/world.js";
import { BridgeRelayer, type RelayerMessage } from "../../bridge/relayer.js";
import { l1RpcCodec } from "../../l1/l1-wire.js";
import { deriveSolanaKeypair } from "../../l1/rollup-program.js";
import { taggedUnionCodec } from "../../net/codec.js";
import type { NodeId } from "../../sim/node.js";
import { L1_SERVICE } from "../l1/faults.js";
import { L1_NODE_ID, L1_SETUP } from "../l1/index.js";
import { programIdOf } from "../posting/index.js";
import type { RollupScenario, Scenario } from "../scenario-shape.js";
import { VALIDATOR_EVENTS } from "../validators/events.js";
import { rollupService } from "../validators/index.js";
import { BRIDGE_EVENTS } from "./events.js";
import { L1BridgeWatch } from "./l1-bridge-watch.js";

/** The role of a bridge relayer. */
export const RELAYER_ROLE = "relayer";

/** Lamports the relayer's own L1 key holds at genesis (fees and nullifier rent): 1,000 SOL. */
const RELAYER_LAMPORTS = 1_000_000_000_000n;

const relayerCodec = taggedUnionCodec<RelayerMessage>([
  { types: VALIDATOR_MESSAGE_TYPES, codec: validatorCodec as never },
  { types: ["l1-rpc"], codec: l1RpcCodec as never },
]);

function instanceName(rollup: RollupScenario): string {
  return rollup.prefix === "" ? "" : rollup.name;
}

/** The bridge system. */
export const bridgeSystem: System<Scenario> = {
  name: "bridge",
  faultKinds: [],
  backgroundKinds: [],

  plan(scenario) {
    const nodes = scenario.rollups.flatMap((r): NodePlan[] =>
      r.bridge === undefined || !scenario.l1.enabled ? [] : [{ id: `${r.prefix}relayer`, role: RELAYER_ROLE, system: "bridge", instance: instanceName(r), crashable: true, honest: true }],
    );
    return { nodes, quorums: [], targets: [] };
  },

  check(scenario) {
    scenario.rollups.forEach((rollup, r) => {
      const bridge = rollup.bridge;
      if (bridge === undefined) return;
      const section = scenario.layout === "single" ? "bridge" : `rollups[${r}].bridge`;
      if (!scenario.l1.enabled) throw new InputError(section, "the bridge needs the L1 (l1.enabled is false)");
      for (const list of ["deposits", "withdrawals"] as const) {
        bridge[list].forEach((t, i) => {
          if (t.user >= bridge.users) throw new InputError(`${section}.${list}[${i}].user`, `must be below ${bridge.users} (bridge.users), got ${t.user}`);
        });
      }
    });
  },

  build(ctx) {
    if (!ctx.scenario.l1.enabled) return [];
    return ctx.scenario.rollups.flatMap((rollup, index) => (rollup.bridge === undefined ? [] : [buildBridge(ctx, rollup, index)]));
  },

  arm() {},

  summary(metrics) {
    const bridge = (metrics.bridge ?? (metrics.deposits !== undefined ? metrics : undefined)) as { deposits: number; credited: number; withdrawals: number; paid: number; depositLatencyUsP50: number | null; withdrawalLatencyUsP50: number | null } | undefined;
    if (bridge === undefined) return [];
    const ms = (us: number | null): string => (us === null ? "-" : `${(us / 1000).toFixed(0)} ms`);
    return [`bridge: ${bridge.credited}/${bridge.deposits} deposits credited (p50 ${ms(bridge.depositLatencyUsP50)}), ${bridge.paid}/${bridge.withdrawals} withdrawals paid (p50 ${ms(bridge.withdrawalLatencyUsP50)})`];
  },
};

function buildBridge(ctx: BuildContext<Scenario>, rollup: RollupScenario, index: number): SystemInstance {
  const { world, scenario } = ctx;
  const bridge = rollup.bridge!;
  const instance = instanceName(rollup);
  const handle = ctx.service(rollupService(instance));
  const setup = ctx.service(L1_SETUP);
  const programId = programIdOf(rollup, index);
  const relayerId = `${rollup.prefix}relayer`;
  const payer = deriveSolanaKeypair(`${rollup.prefix}relayer`, scenario.seed);
  const users = handle.bridgeUsers.map((l2, user) => ({ l1: deriveSolanaKeypair(`${rollup.prefix}bridge-user/${user}`, scenario.seed), l2 }));
  setup.fund(payer.publicKey.toBase58(), RELAYER_LAMPORTS);
  for (const user of users) setup.fund(user.l1.publicKey.toBase58(), BigInt(bridge.userLamports));
  const byTime = <T extends { at: number }>(list: readonly T[]): T[] => list.map((t, i) => ({ t, i })).sort((a, b) => a.t.at - b.t.at || a.i - b.i).map(({ t }) => t);
  const transfers = (list: typeof bridge.deposits) => byTime(list).map((t) => ({ atUs: t.at, user: t.user, amount: BigInt(t.amount) }));

  world.addNode<RelayerMessage>({
    id: relayerId,
    role: RELAYER_ROLE,
    system: "bridge",
    instance,
    codec: relayerCodec,
    crashable: true,
    honest: true,
    create: () =>
      new BridgeRelayer({
        l1: L1_NODE_ID,
        programId,
        validators: handle.validators,
        payer,
        users,
        scheme: handle.scheme,
        deposits: transfers(bridge.deposits),
        withdrawals: transfers(bridge.withdrawals),
        attacks: byTime(bridge.attacks).map((a) => ({ atUs: a.at, kind: a.kind, sequence: BigInt(a.sequence) })),
        withdrawFee: BigInt(Math.max(1, rollup.validators.mempool.minFee)),
        batchEveryBlocks: rollup.batchPoster.batchEveryBlocks,
        settlement: rollup.settlement.mode,
        pollIntervalUs: bridge.pollInterval,
        requestTimeoutUs: bridge.requestTimeout,
        resendIntervalUs: bridge.resendInterval,
      }),
  });

  // Each finalized L1 slot: this program's newly finalized deposits and payments, and its vault.
  const watch = new L1BridgeWatch(programId);
  const several = scenario.rollups.length > 1;
  const honest = handle.honest;
  const l1 = ctx.service(L1_SERVICE);
  world.addDeriver((o) => {
    if (VALIDATOR_EVENTS.is(o, "bridge-committed") && honest.has(o.node)) for (const w of o.fields.withdrawals) watch.watchWithdrawal(BigInt(w.sequence));
    const node = l1.node();
    if (o.event !== "l1-finalized" || node === undefined) return [];
    const fields = watch.finalized(node, o.fields.slot as number);
    if (fields === undefined) return [];
    return [{ timeUs: o.timeUs, node: L1_NODE_ID, event: "bridge-l1-finalized", fields: several ? { ...fields, rollup: rollup.name } : { ...fields } }];
  });

  const members = new Set<NodeId>([relayerId, ...handle.validators]);
  const sees = (o: Observation): boolean => !several || members.has(o.node) || o.node === WORLD_NODE || (o.node === L1_NODE_ID && (o.fields.rollup === undefined || o.fields.rollup === rollup.name));
  const relayerDown = ctx.endOfPlan.down.has(relayerId);
  const consensus = handle.livenessExpectation;
  const expectation =
    consensus.notExpectedBecause !== undefined || !relayerDown || scenario.phases.livenessAt !== undefined ? consensus : { healAtUs: consensus.healAtUs, notExpectedBecause: "the relayer stays crashed" };
  const checkers = [
    new BridgeConservationChecker(honest),
    new DepositsCreditedChecker(honest),
    new WithdrawalsPaidOnceChecker(rollup.batchPoster.batchEveryBlocks, honest),
    new BridgeLivenessChecker(bridge.withdrawalLivenessBound, expectation, honest),
  ];

  // Latencies: a deposit from its scheduled time to its credit on the L2; a withdrawal from its record on the L2 to its finalized payment.
  const depositAsked = transfers(bridge.deposits).map((t) => t.atUs);
  const depositLatency: number[] = [];
  const withdrawalLatency: number[] = [];
  const recordedAt = new Map<bigint, number>();
  let finalizedDeposits = 0;
  let credited = 0;
  let paid = 0;
  world.addListener((o) => {
    if (VALIDATOR_EVENTS.is(o, "bridge-committed") && honest.has(o.node)) {
      for (const c of o.fields.credits) {
        const sequence = Number(c.sequence);
        const asked = depositAsked[sequence];
        if (sequence >= credited && asked !== undefined) depositLatency.push(o.timeUs - asked);
        credited = Math.max(credited, sequence + 1);
      }
      for (const w of o.fields.withdrawals) if (!recordedAt.has(BigInt(w.sequence))) recordedAt.set(BigInt(w.sequence), o.timeUs);
    } else if (BRIDGE_EVENTS.is(o, "bridge-l1-finalized") && (o.fields.rollup === undefined || o.fields.rollup === rollup.name)) {
      finalizedDeposits += o.fields.deposits.length;
      for (const p of o.fields.payments) {
        paid++;
        const recorded = recordedAt.get(BigInt(p.sequence));
        if (recorded !== undefined) withdrawalLatency.push(o.timeUs - recorded);
      }
    }
  }, "measure");
  const median = (values: number[]): number | null => (values.length === 0 ? null : [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!);
  const maximum = (values: number[]): number | null => (values.length === 0 ? null : Math.max(...values));
  return {
    system: "bridge",
    instance,
    checkers,
    sees,
    // An added system's figures appear in the report under its name (`metrics.bridge`).
    metrics: () => ({
        deposits: bridge.deposits.length,
        finalizedDeposits,
        credited,
        withdrawals: bridge.withdrawals.length,
        recorded: recordedAt.size,
        paid,
        depositLatencyUsP50: median(depositLatency),
        depositLatencyUsMax: maximum(depositLatency),
        withdrawalLatencyUsP50: median(withdrawalLatency),
        withdrawalLatencyUsMax: maximum(withdrawalLatency),
    }),
  };
}

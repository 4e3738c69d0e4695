/**
 * The SBCP system: several rollups, each with a sequencer (`sbcp/sequencer.ts`),
 * each an AssetVM chain (`sbcp/assetvm/assetvm-executor.ts` behind
 * `ChainExecutor`: its own genesis, fee mempool and state root; accounts and
 * genesis in `accounts.ts`),
 * one shared publisher (`sbcp/shared-publisher.ts`), and the clients of its
 * workload (`client.ts`), all speaking `SBCP_CODEC` (protobuf). Its section is
 * `sbcp` (`section.ts`); a scenario without it runs no SBCP node, so the runs
 * and digests of every other scenario are unchanged.
 *
 * Nodes (id: role): `sp`: `shared-publisher`; each rollup's sequencer under
 * its name (default `seq<chainId>`): `sbcp-sequencer`; `sc0`, `sc1`, ...:
 * `sbcp-client`. The SP and the sequencers can crash and restart (the world's
 * `crash`, `restart`, `crash-point`, storage faults...) and recover from their
 * write-ahead logs (`sbcp/wal/`); the SP's disk is formatted before its first
 * boot, so a lost disk halts it; the scenario's `storage` rates apply to
 * their disks too. The clients cannot crash.
 * Their messages carry classes for filtered cuts (`message-info.ts`):
 * `{ "action": "partition-oneway", "from": ["sp"], "to": ["seq2"], "types": ["Decided"] }`
 * loses every Decided to seq2.
 *
 * Swarm testing draws SBCP crashes, message-type losses and sequencer disk
 * faults over these nodes (`swarm.ts`).
 * Checkers (`src/check/sbcp/`): `sbcp-2pc`, `sbcp-xt-atomicity`,
 * `sbcp-superblock-chain`, `sbcp-conservation`, `sbcp-mailbox`,
 * `sbcp-no-local-while-locked`, `sbcp-liveness` (bounds in `sbcp.liveness`), `sbcp-l1-registry`
 * (the finalized L1 registry against what the SP built). With `sbcp.l1` the SP publishes its
 * superblocks to the L1 (`l1-publishing.ts`). Metrics: `metrics.sbcp`
 * (`metrics.ts`).
 */
import type { Checker } from "../../check/checker.js";
import { NoLocalWhileLockedChecker } from "../../check/sbcp/building-locked.js";
import { ConservationChecker } from "../../check/sbcp/conservation.js";
import { SbcpLivenessChecker, type SbcpLivenessBounds } from "../../check/sbcp/liveness.js";
import { MailboxConsistencyChecker } from "../../check/sbcp/mailbox.js";
import { SuperblockChainChecker } from "../../check/sbcp/superblock-chain.js";
import { TwoPhaseCommitChecker } from "../../check/sbcp/two-phase-commit.js";
import { XtAtomicityChecker } from "../../check/sbcp/xt-atomicity.js";
import { L1SuperblockRegistryChecker } from "../../check/sbcp/l1-registry.js";
import { L1_NODE_ID } from "../l1/index.js";
import { addL1Publisher, checkL1Publishing } from "./l1-publishing.js";
import type { SbcpL1Metrics } from "./l1-metrics.js";
import type { NodePlan } from "../../harness/fault-kind.js";
import type { System } from "../../harness/system.js";
import { createSignatureScheme } from "../../crypto/schemes.js";
import { AssetVmExecutor } from "../../sbcp/assetvm/assetvm-executor.js";
import type { ChainId, SbcpMessage } from "../../sbcp/messages.js";
import { Sequencer } from "../../sbcp/sequencer.js";
import { SharedPublisher, type ChainInfo } from "../../sbcp/shared-publisher.js";
import { SlotClock } from "../../sbcp/slot-clock.js";
import { formatPublisherLog } from "../../sbcp/wal/publisher-log.js";
import { SBCP_CODEC } from "../../sbcp/wire/codec.js";
import type { NodeId } from "../../sim/node.js";
import type { Scenario } from "../scenario-shape.js";
import { ms } from "../validators/summary.js";
import { assetVmGenesis, chainGenesisHash } from "./accounts.js";
import { SbcpClient } from "./client.js";
import { describeSbcpMessage } from "./message-info.js";
import { SbcpMetricsCollector, type SbcpMetrics } from "./metrics.js";
import { sbcpSection, type SbcpSection } from "./section.js";
import { SBCP_SWARM_KINDS } from "./swarm.js";

/** The shared publisher's node id. */
export const SP_NODE_ID = "sp";
/** Roles of the SBCP nodes. */
export const SBCP_ROLES = { publisher: "shared-publisher", sequencer: "sbcp-sequencer", client: "sbcp-client" } as const;

/** The section of a parsed scenario (the registry parsed it with {@link sbcpSection}), if it has one. */
export function sbcpSectionOf(scenario: Scenario): SbcpSection | undefined {
  return (scenario as Scenario & { sbcp?: SbcpSection }).sbcp;
}

/** The client ids of a section: `sc0`, `sc1`, ... */
export function sbcpClientIds(section: SbcpSection): NodeId[] {
  return Array.from({ length: section.workload.clients }, (_, i) => `sc${i}`);
}

/**
 * The SBCP checkers of one network (the simulator's and real mode's, `runtime/sbcp-testnet.ts`, which runs them
 * over the collected logs): `sbcp-2pc`, `sbcp-xt-atomicity`, `sbcp-superblock-chain`, `sbcp-conservation`,
 * `sbcp-mailbox`, `sbcp-no-local-while-locked`, `sbcp-l1-registry` (only with `l1Node`), `sbcp-liveness`.
 * @param publisher the SP's node id
 * @param rollups each rollup's sequencer node id (`name`) and chain id
 * @param liveness the bounds of `sbcp-liveness`
 * @param l1Node the L1 node whose registry `sbcp-l1-registry` compares with the SP's superblocks (absent in real mode, which has no L1 path yet)
 */
export function createSbcpCheckers(publisher: NodeId, rollups: readonly { readonly name: NodeId; readonly chainId: ChainId }[], liveness: SbcpLivenessBounds, l1Node?: NodeId): Checker[] {
  const chainOf = new Map(rollups.map((r) => [r.name, r.chainId]));
  return [
    new TwoPhaseCommitChecker(publisher, chainOf),
    new XtAtomicityChecker(publisher),
    new SuperblockChainChecker(publisher),
    new ConservationChecker(publisher, rollups.map((r) => r.chainId)),
    new MailboxConsistencyChecker(chainOf),
    new NoLocalWhileLockedChecker(new Set(rollups.map((r) => r.name))),
    ...(l1Node === undefined ? [] : [new L1SuperblockRegistryChecker(publisher, l1Node)]),
    new SbcpLivenessChecker(publisher, liveness),
  ];
}

/** Every node of a section, with its role. */
function planNodes(section: SbcpSection): NodePlan[] {
  const node = (id: NodeId, role: string, crashable: boolean): NodePlan => ({ id, role, system: "sbcp", instance: "", crashable, honest: true, ...(crashable ? { checkedStorage: true } : {}) });
  return [node(SP_NODE_ID, SBCP_ROLES.publisher, true), ...section.rollups.map((r) => node(r.name, SBCP_ROLES.sequencer, true)), ...sbcpClientIds(section).map((id) => node(id, SBCP_ROLES.client, false))];
}

/** The SBCP system (see the file comment). */
export const sbcpSystem: System<Scenario> = {
  name: "sbcp",
  section: { key: "sbcp", schema: sbcpSection, standalone: true },
  faultKinds: [],
  backgroundKinds: SBCP_SWARM_KINDS,

  plan(scenario) {
    const section = sbcpSectionOf(scenario);
    return { nodes: section === undefined ? [] : planNodes(section), quorums: [], targets: [] };
  },

  check(scenario) {
    const section = sbcpSectionOf(scenario);
    if (section !== undefined) checkL1Publishing(scenario, section);
  },

  build(ctx) {
    const section = sbcpSectionOf(ctx.scenario);
    if (section === undefined) return [];
    const { world } = ctx;
    const clock = new SlotClock(section.genesisTime, section.slotDuration, section.sealCutover);
    const chains: ChainInfo[] = section.rollups.map((r) => ({ chainId: r.chainId, sequencer: r.name, genesisHash: chainGenesisHash(r.chainId) }));
    const sequencers = new Map<ChainId, NodeId>(section.rollups.map((r) => [r.chainId, r.name]));
    const common = { system: "sbcp", instance: "", codec: SBCP_CODEC, honest: true, describeMessage: describeSbcpMessage } as const;
    const makeSp = (): SharedPublisher => new SharedPublisher({ chains, clock, scpTimeoutUs: section.scpTimeout, xtExpiryUs: section.xtExpiry, formattedStorage: true });
    // With `sbcp.l1` the SP also publishes its superblocks to the L1 registry (`l1-publishing.ts`).
    const l1Metrics = section.l1 === undefined ? undefined : addL1Publisher(ctx, section, SP_NODE_ID, SBCP_ROLES.publisher, makeSp);
    if (l1Metrics === undefined) world.addNode<SbcpMessage>({ ...common, id: SP_NODE_ID, role: SBCP_ROLES.publisher, crashable: true, create: makeSp });
    // The SP's disk is formatted before its first boot, so an empty disk at a restart is a lost one.
    formatPublisherLog(world.disk(SP_NODE_ID));
    // One signature scheme for the run's SBCP accounts (the sim scheme: clients sign, sequencers verify).
    const scheme = createSignatureScheme("sim");
    const genesisOf = (rollup: (typeof section.rollups)[number]) => assetVmGenesis(scheme, rollup, section.rollups);
    for (const rollup of section.rollups) {
      world.addNode<SbcpMessage>({
        ...common,
        id: rollup.name,
        role: SBCP_ROLES.sequencer,
        crashable: true,
        create: () =>
          new Sequencer({
            chainId: rollup.chainId,
            publisher: SP_NODE_ID,
            sequencers,
            genesisHash: chainGenesisHash(rollup.chainId),
            executor: new AssetVmExecutor({ chainId: rollup.chainId, genesis: genesisOf(rollup), scheme }),
            scpTimeoutUs: section.scpTimeout,
          }),
      });
    }
    for (const id of [SP_NODE_ID, ...section.rollups.map((r) => r.name)]) world.disk(id).setFaults(ctx.scenario.storage);
    const { workload } = section;
    const impossibleAmount = section.rollups.reduce((sum, r) => sum + r.genesis.accounts * r.genesis.balance, 0) + 1;
    const clientRollups = section.rollups.map((r) => ({ chainId: r.chainId, sequencer: r.name, asset: r.genesis.asset, accounts: r.genesis.accounts }));
    sbcpClientIds(section).forEach((id, index) => {
      if (workload.txPerSecond === 0) return;
      world.addNode<SbcpMessage>({
        ...common,
        id,
        role: SBCP_ROLES.client,
        crashable: false,
        create: () =>
          new SbcpClient({
            index,
            publisher: SP_NODE_ID,
            rollups: clientRollups,
            intervalUs: Math.max(1, Math.round((workload.clients * 1_000_000) / workload.txPerSecond)),
            xtShare: workload.xtShare,
            failingXtShare: workload.failingXtShare,
            amountMax: workload.amountMax,
            impossibleAmount,
            stopAtUs: workload.stopAt ?? ctx.scenario.duration,
            scheme,
            clients: workload.clients,
          }),
      });
    });
    const metrics = new SbcpMetricsCollector(SP_NODE_ID, section.rollups.length);
    world.addListener((o) => metrics.observe(o), "measure");
    const checkers = createSbcpCheckers(SP_NODE_ID, section.rollups, { superblockWithinUs: section.liveness.superblockWithin, xtDecidedWithinUs: section.liveness.xtDecidedWithin, spHalts: section.liveness.spHalts }, L1_NODE_ID);
    return [{ system: "sbcp", instance: "", checkers, sees: () => true, metrics: () => ({ ...metrics.finish(), ...(l1Metrics === undefined ? {} : { l1: l1Metrics.finish() }) }) }];
  },

  arm() {},

  summary(metrics) {
    const m = metrics.sbcp as SbcpMetrics | undefined;
    if (m === undefined) return [];
    const notBuilt = Object.values(m.superblocksNotBuilt).reduce((a, b) => a + b, 0);
    const l1 = (m as SbcpMetrics & { l1?: SbcpL1Metrics }).l1;
    const l1Line = l1 === undefined ? [] : [`SBCP L1: posts ${l1.postsSent} (resubmitted ${l1.resubmissions}), landed ${l1.landed}, finalized ${l1.finalized}, invalid ${l1.invalid}, reorg rewinds ${l1.rewinds}; superblock sealed->finalized p50 ${ms(l1.latencyUs.p50)} p95 ${ms(l1.latencyUs.p95)}`];
    return [
      ...l1Line,
      `SBCP: slots ${m.slotsStarted}, superblocks ${m.superblocks} (partial ${m.partialSuperblocks}, not built ${notBuilt}), blocks sealed ${m.blocksSealed}, rollbacks ${m.rollbacks}, restarts ${m.restarts}`,
      `SBCP: xTs submitted ${m.xtsSubmitted} (must fail ${m.xtsMustFail}), decided true ${m.xtsDecidedTrue} false ${m.xtsDecidedFalse}, expired ${m.xtsExpired}, included ${m.xtsIncluded}; 2PC p50 ${ms(m.twoPhaseCommitUs.p50)} p95 ${ms(m.twoPhaseCommitUs.p95)}; queue depth max ${m.queueDepthMax} mean at slot start ${m.queueDepthMeanAtSlotStart}; local txs ${m.localSubmitted}`,
      `SBCP: slot fill: txs per block mean ${m.slotFill.blockTxsMean} max ${m.slotFill.blockTxsMax}, xTs per superblock mean ${m.slotFill.xtsPerSuperblockMean}, chains per superblock ${(m.slotFill.chainsPerSuperblockShare * 100).toFixed(0)}%`,
    ];
  },
};

/**
 * The SBCP system: several rollups, each with a sequencer (`sbcp/sequencer.ts`,
 * executing through the simple ledger of `sbcp/ledger/` behind `ChainExecutor`),
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
 * `sbcp-no-local-while-locked`, `sbcp-liveness` (bounds in `sbcp.liveness`). Metrics: `metrics.sbcp`
 * (`metrics.ts`).
 */
import type { Checker } from "../../check/checker.js";
import { NoLocalWhileLockedChecker } from "../../check/sbcp/building-locked.js";
import { ConservationChecker } from "../../check/sbcp/conservation.js";
import { SbcpLivenessChecker } from "../../check/sbcp/liveness.js";
import { MailboxConsistencyChecker } from "../../check/sbcp/mailbox.js";
import { SuperblockChainChecker } from "../../check/sbcp/superblock-chain.js";
import { TwoPhaseCommitChecker } from "../../check/sbcp/two-phase-commit.js";
import { XtAtomicityChecker } from "../../check/sbcp/xt-atomicity.js";
import type { NodePlan } from "../../harness/fault-kind.js";
import type { System } from "../../harness/system.js";
import { LedgerExecutor } from "../../sbcp/ledger/ledger-executor.js";
import type { ChainId, SbcpMessage } from "../../sbcp/messages.js";
import { Sequencer } from "../../sbcp/sequencer.js";
import { SharedPublisher, type ChainInfo } from "../../sbcp/shared-publisher.js";
import { SlotClock } from "../../sbcp/slot-clock.js";
import { formatPublisherLog } from "../../sbcp/wal/publisher-log.js";
import { SBCP_CODEC } from "../../sbcp/wire/codec.js";
import type { NodeId } from "../../sim/node.js";
import type { Scenario } from "../scenario-shape.js";
import { ms } from "../validators/summary.js";
import { chainGenesisHash, genesisBalances } from "./accounts.js";
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

  check() {},

  build(ctx) {
    const section = sbcpSectionOf(ctx.scenario);
    if (section === undefined) return [];
    const { world } = ctx;
    const clock = new SlotClock(section.genesisTime, section.slotDuration, section.sealCutover);
    const chains: ChainInfo[] = section.rollups.map((r) => ({ chainId: r.chainId, sequencer: r.name, genesisHash: chainGenesisHash(r.chainId) }));
    const sequencers = new Map<ChainId, NodeId>(section.rollups.map((r) => [r.chainId, r.name]));
    const common = { system: "sbcp", instance: "", codec: SBCP_CODEC, honest: true, describeMessage: describeSbcpMessage } as const;
    world.addNode<SbcpMessage>({
      ...common,
      id: SP_NODE_ID,
      role: SBCP_ROLES.publisher,
      crashable: true,
      create: () => new SharedPublisher({ chains, clock, scpTimeoutUs: section.scpTimeout, xtExpiryUs: section.xtExpiry, formattedStorage: true }),
    });
    // The SP's disk is formatted before its first boot, so an empty disk at a restart is a lost one.
    formatPublisherLog(world.disk(SP_NODE_ID));
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
            executor: new LedgerExecutor(rollup.chainId, genesisBalances(rollup)),
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
          }),
      });
    });
    const metrics = new SbcpMetricsCollector(SP_NODE_ID, section.rollups.length);
    world.addListener((o) => metrics.observe(o), "measure");
    const checkers: Checker[] = [
      new TwoPhaseCommitChecker(SP_NODE_ID, new Map(section.rollups.map((r) => [r.name, r.chainId]))),
      new XtAtomicityChecker(SP_NODE_ID),
      new SuperblockChainChecker(SP_NODE_ID),
      new ConservationChecker(SP_NODE_ID, section.rollups.map((r) => r.chainId)),
      new MailboxConsistencyChecker(new Map(section.rollups.map((r) => [r.name, r.chainId]))),
      new NoLocalWhileLockedChecker(new Set(section.rollups.map((r) => r.name))),
      new SbcpLivenessChecker(SP_NODE_ID, { superblockWithinUs: section.liveness.superblockWithin, xtDecidedWithinUs: section.liveness.xtDecidedWithin, spHalts: section.liveness.spHalts }),
    ];
    return [{ system: "sbcp", instance: "", checkers, sees: () => true, metrics: () => ({ ...metrics.finish() }) }];
  },

  arm() {},

  summary(metrics) {
    const m = metrics.sbcp as SbcpMetrics | undefined;
    if (m === undefined) return [];
    const notBuilt = Object.values(m.superblocksNotBuilt).reduce((a, b) => a + b, 0);
    return [
      `SBCP: slots ${m.slotsStarted}, superblocks ${m.superblocks} (partial ${m.partialSuperblocks}, not built ${notBuilt}), blocks sealed ${m.blocksSealed}, rollbacks ${m.rollbacks}, restarts ${m.restarts}`,
      `SBCP: xTs submitted ${m.xtsSubmitted} (must fail ${m.xtsMustFail}), decided true ${m.xtsDecidedTrue} false ${m.xtsDecidedFalse}, expired ${m.xtsExpired}, included ${m.xtsIncluded}; 2PC p50 ${ms(m.twoPhaseCommitUs.p50)} p95 ${ms(m.twoPhaseCommitUs.p95)}; queue depth max ${m.queueDepthMax} mean at slot start ${m.queueDepthMeanAtSlotStart}; local txs ${m.localSubmitted}`,
      `SBCP: slot fill: txs per block mean ${m.slotFill.blockTxsMean} max ${m.slotFill.blockTxsMax}, xTs per superblock mean ${m.slotFill.xtsPerSuperblockMean}, chains per superblock ${(m.slotFill.chainsPerSuperblockShare * 100).toFixed(0)}%`,
    ];
  },
};

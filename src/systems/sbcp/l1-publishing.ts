/**
 * Wiring of the SP's L1 path into the SBCP system (`sbcp.l1` in a scenario):
 * the superblock registry's program on the shared L1 (its own program id,
 * deployed through {@link L1_SETUP}, its deployer and publisher keys funded),
 * the SP node as an {@link L1SharedPublisher} (its registry initialized by the
 * deployer key on first use), the derived `sbcp-l1-registry-finalized`
 * observations of each newly finalized registry entry, and the figures of
 * `metrics.sbcp.l1`.
 */
import type { PublicKey } from "@solana/web3.js";
import { InputError } from "../../config/errors.js";
import { sha256, utf8 } from "../../crypto/hash.js";
import type { BuildContext } from "../../harness/system.js";
import { deriveSolanaKeypair } from "../../l1/rollup-program.js";
import { web3 } from "../../l1/solana-modules.js";
import { L1_SHARED_PUBLISHER_CODEC, L1SharedPublisher, type L1PublisherMessage } from "../../sbcp/l1/l1-shared-publisher.js";
import type { SuperblockPosterConfig } from "../../sbcp/l1/superblock-poster.js";
import type { SharedPublisher } from "../../sbcp/shared-publisher.js";
import type { NodeId } from "../../sim/node.js";
import { L1_SERVICE } from "../l1/faults.js";
import { L1_NODE_ID, L1_SETUP } from "../l1/index.js";
import type { Scenario } from "../scenario-shape.js";
import { SbcpL1MetricsCollector } from "./l1-metrics.js";
import { SuperblockRegistryWatch } from "./l1-registry-watch.js";
import { describeSbcpMessage } from "./message-info.js";
import type { SbcpSection } from "./section.js";

/** Lamports the deployer and the publisher hold at genesis: 1,000 SOL. */
const KEY_LAMPORTS = 1_000_000_000_000n;

/** The program id of the SBCP superblock registry: derived from a fixed label (the program is the AssetRollup ELF). */
export function sbcpRegistryProgramId(): PublicKey {
  return new (web3().PublicKey)(sha256(utf8("asset-sim/sbcp-registry-program")));
}

/**
 * Refuses `sbcp.l1` without the L1.
 * @throws InputError when the section asks for publishing and `l1.enabled` is false
 */
export function checkL1Publishing(scenario: Scenario, section: SbcpSection): void {
  if (section.l1 !== undefined && !scenario.l1.enabled) throw new InputError("sbcp.l1", "publishing superblocks needs the L1 (l1.enabled is false)");
}

/**
 * Adds the SP node with its L1 path, the program, the registry deriver and the figures.
 * @param makeSp a fresh SBCP state machine (one per boot)
 * @returns the collector of `metrics.sbcp.l1`
 */
export function addL1Publisher(ctx: BuildContext<Scenario>, section: SbcpSection, spId: NodeId, role: string, makeSp: () => SharedPublisher): SbcpL1MetricsCollector {
  const { world, scenario } = ctx;
  const l1 = section.l1!;
  const programId = sbcpRegistryProgramId();
  const deployer = deriveSolanaKeypair("sbcp/deployer", scenario.seed);
  const publisher = deriveSolanaKeypair("sbcp/publisher", scenario.seed);
  const setup = ctx.service(L1_SETUP);
  setup.addProgram(programId.toBase58(), ctx.environment.programElf!, deployer.publicKey.toBase58());
  for (const key of [deployer, publisher]) setup.fund(key.publicKey.toBase58(), KEY_LAMPORTS);
  const config: SuperblockPosterConfig = {
    l1: L1_NODE_ID,
    programId,
    publisher,
    initializer: deployer,
    pollIntervalUs: l1.pollInterval,
    requestTimeoutUs: l1.requestTimeout,
    resendIntervalUs: l1.resendInterval,
    publishWindowUs: l1.publishWindow,
    retryBaseUs: l1.retryBase,
  };
  world.addNode<L1PublisherMessage>({
    id: spId,
    role,
    system: "sbcp",
    instance: "",
    codec: L1_SHARED_PUBLISHER_CODEC,
    honest: true,
    crashable: true,
    describeMessage: (msg) => (msg.type === "l1-rpc" ? {} : describeSbcpMessage(msg)),
    create: () => new L1SharedPublisher(makeSp(), config),
  });
  // Each time the L1 finalizes a slot, the registry's newly finalized superblocks become observations.
  const watch = new SuperblockRegistryWatch(programId);
  const node = ctx.service(L1_SERVICE);
  world.addDeriver((o) => {
    const l1Node = node.node();
    if (o.event !== "l1-finalized" || l1Node === undefined) return [];
    return watch.newlyFinalized(l1Node).map((fields) => ({ timeUs: o.timeUs, node: L1_NODE_ID, event: "sbcp-l1-registry-finalized", fields: { ...fields } }));
  });
  const collector = new SbcpL1MetricsCollector(spId, L1_NODE_ID);
  world.addListener((o) => collector.observe(o), "measure");
  return collector;
}

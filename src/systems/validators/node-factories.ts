/**
 * How validators and clients are built from a network's settings: key
 * derivation from the genesis seed (the simulator's; real mode draws every
 * key at random), the genesis, the replica's and the
 * sequencer's configuration, and a workload client's. The simulator
 * (`cluster.ts`) and real mode (`runtime/`) both build their nodes here, so a
 * validator in a real process is configured exactly as in a simulated run.
 */
import type { Application } from "../../consensus/application.js";
import { leaderTable } from "../../consensus/leader-election/leader-table.js";
import { leaderElectionFactory } from "../../consensus/leader-election/elections.js";
import { HotStuffReplica, type ReplicaConfig } from "../../consensus/replica.js";
import type { ValidatorSet } from "../../consensus/validator-set.js";
import { concatBytes, sha256, toHex, u64, utf8 } from "../../crypto/hash.js";
import type { KeyPair, SignatureScheme } from "../../crypto/signature.js";
import { AssetApp } from "../../sequencer/asset-app.js";
import type { SharedWork } from "../../sequencer/shared-work.js";
import type { NodeId } from "../../sim/node.js";
import type { Genesis } from "../../vm/genesis.js";
import { AssetClient, type WorkloadMix } from "../../workload/asset-client.js";
import { buildGenesis } from "./genesis.js";
import type { Scenario } from "../scenario-shape.js";

/** The chain settings a validator needs (the scenario's `validators` section without `count`). */
export type ChainSettings = Omit<Scenario["validators"], "count" | "signatureScheme">;

/** Checkpoint settings (the scenario's `checkpoints` section). */
export type CheckpointSettings = Scenario["checkpoints"];

/** Ledger genesis settings (the scenario's `ledger` section). */
export type LedgerSettings = Scenario["ledger"];

/** The 32-byte key seed of validator `id` in the network seeded with `seed`. */
export function validatorKeySeed(seed: number, id: NodeId): Uint8Array {
  return sha256(concatBytes(utf8("asset-sim/validator-key"), u64(seed), utf8(id)));
}

/** The 32-byte key seed of account `k` of client `client` in the network seeded with `seed`. */
export function clientAccountKeySeed(seed: number, client: NodeId, k: number): Uint8Array {
  return sha256(concatBytes(utf8("asset-sim/client-key"), u64(seed), utf8(client), u64(k)));
}

/**
 * The 32-byte seed of the transport key of client `client` (real mode only:
 * a client authenticates its connections with it; it signs no transaction).
 */
export function clientTransportKeySeed(seed: number, client: NodeId): Uint8Array {
  return sha256(concatBytes(utf8("asset-sim/client-transport-key"), u64(seed), utf8(client)));
}

/** Every client's account key pairs, `[client][k]`, in the order of `clients`. */
export function clientAccountKeys(scheme: SignatureScheme, seed: number, clients: readonly NodeId[], accountsPerClient: number): KeyPair[][] {
  return clients.map((client) => Array.from({ length: accountsPerClient }, (_, k) => scheme.keyPairFromSeed(clientAccountKeySeed(seed, client, k))));
}

/** The L2 key pair of bridge user `user` of the rollup whose node ids start with `prefix`. */
export function bridgeUserKeys(scheme: SignatureScheme, seed: number, prefix: string, users: number): KeyPair[] {
  return Array.from({ length: users }, (_, user) => scheme.keyPairFromSeed(sha256(concatBytes(utf8("asset-sim/bridge-user"), u64(seed), utf8(prefix), u64(user)))));
}

/**
 * The account directory (every client account's id, in client then account
 * order) and the genesis funding it.
 */
export function networkGenesis(clientKeys: readonly (readonly KeyPair[])[], ledger: LedgerSettings): { directory: string[]; genesis: Genesis } {
  return directoryGenesis(
    clientKeys.flat().map((k) => toHex(k.publicKey)),
    ledger,
  );
}

/**
 * The genesis funding an account directory given as public keys (64 hex
 * each, in client then account order): real mode, where each client's
 * accounts are drawn at random and every config lists their public keys.
 */
export function directoryGenesis(directory: readonly string[], ledger: LedgerSettings): { directory: string[]; genesis: Genesis } {
  return { directory: [...directory], genesis: buildGenesis(ledger, directory) };
}

/**
 * The leader table of `validators.leaders` (view -> validator index), names read as `v<index>` (the section
 * names validators without a rollup's namespace; `checkLeaders` refused anything else).
 */
export function leaderIndexes(leaders: Readonly<Record<string, string>> | undefined): Map<number, number> {
  const table = new Map<number, number>();
  for (const [view, id] of Object.entries(leaders ?? {})) table.set(Number(view), Number(id.slice(1)));
  return table;
}

/** The replica configuration of validator `index` (storage is always formatted before the first boot). */
export function replicaConfig(options: {
  validators: ValidatorSet;
  index: number;
  keyPair: KeyPair;
  chain: ChainSettings;
  checkpoints: CheckpointSettings;
}): ReplicaConfig {
  const { chain } = options;
  const table = leaderIndexes(chain.leaders);
  const size = options.validators.size;
  const election = leaderElectionFactory(chain.leaderElection, size, chain.reputation);
  return {
    validators: options.validators,
    index: options.index,
    keyPair: options.keyPair,
    blockTimeUs: chain.blockTime,
    viewTimeoutUs: chain.viewTimeout,
    viewTimeoutMaxUs: chain.viewTimeoutMax,
    syncRetryUs: chain.syncRetry,
    storageFormatted: true,
    checkpointEveryBlocks: options.checkpoints.every,
    snapshotBehindBlocks: options.checkpoints.snapshotBehind,
    committedBlocksKept: options.checkpoints.blocksInMemory,
    // A leader table (`validators.leaders`) overrides the configured election for the views it lists.
    leaderElection: table.size > 0 ? () => leaderTable(table, size, election()) : election,
  };
}

/**
 * A fresh sequencer application for one validator. `batchPosters`: nodes the committed roots are pushed to;
 * `blockWatchers`: nodes the committed blocks are pushed to (optimistic settlement);
 * `checkMempoolInvariants`: run the mempool's invariant check after each change (simulation, O(pool) each);
 * `shared`: the work the run's validators share (simulation only, `sequencer/shared-work.ts`).
 */
export function createAssetApp(options: {
  scheme: SignatureScheme;
  genesis: Genesis;
  chain: ChainSettings;
  batchPosters?: readonly NodeId[];
  blockWatchers?: readonly NodeId[];
  checkMempoolInvariants?: boolean;
  shared?: SharedWork;
  bridge?: { readonly creditsPerBlockMax: number; readonly readsL1?: boolean };
}): AssetApp {
  const { chain } = options;
  return new AssetApp({
    ...(options.bridge !== undefined ? { bridge: options.bridge } : {}),
    ...(options.shared !== undefined ? { shared: options.shared } : {}),
    ...(options.batchPosters !== undefined ? { batchPosters: [...options.batchPosters] } : {}),
    ...(options.blockWatchers !== undefined ? { blockWatchers: [...options.blockWatchers] } : {}),
    ...(options.checkMempoolInvariants === true ? { checkMempoolInvariants: true } : {}),
    scheme: options.scheme,
    genesis: options.genesis,
    blockTransactionsMax: chain.maxBlockTransactions,
    mempool: {
      capacity: chain.mempool.capacity,
      minFee: BigInt(chain.mempool.minFee),
      replaceBumpPercent: chain.mempool.replaceBumpPercent,
      ttlUs: chain.mempool.ttl,
      maxNonceGap: chain.mempool.maxNonceGap,
      perSenderMax: chain.mempool.perSenderMax,
    },
  });
}

/**
 * A fresh honest validator: the HotStuff replica over its sequencer application.
 * `wrapApp`: real mode wraps the application to time it (`runtime/timed-application.ts`); the simulator does not.
 */
export function createValidator(
  options: Parameters<typeof replicaConfig>[0] & { scheme: SignatureScheme; genesis: Genesis; batchPosters?: readonly NodeId[]; wrapApp?: (app: Application) => Application },
): HotStuffReplica {
  const app = createAssetApp(options);
  return new HotStuffReplica(replicaConfig(options), options.wrapApp !== undefined ? options.wrapApp(app) : app);
}

/** The workload settings a client needs (the scenario's `workload` section, `stopAt` resolved). */
export interface ClientWorkload {
  /** Submissions per second of the whole network (split evenly over `clients`). */
  readonly txPerSecond: number;
  readonly clients: number;
  readonly fee: number;
  readonly mix: WorkloadMix;
  /** No submissions at or after this time on the client's clock, microseconds. */
  readonly stopAtUs: number;
}

/** A fresh workload client `index` with its accounts. */
export function createClient(options: {
  index: number;
  validators: readonly NodeId[];
  scheme: SignatureScheme;
  accounts: readonly KeyPair[];
  directory: readonly string[];
  workload: ClientWorkload;
  chain: ChainSettings;
  token: string;
}): AssetClient {
  const { workload: w, chain } = options;
  return new AssetClient({
    index: options.index,
    validators: options.validators,
    scheme: options.scheme,
    accounts: options.accounts,
    directory: options.directory,
    txPerSecond: w.txPerSecond / w.clients,
    stopAtUs: w.stopAtUs,
    mix: w.mix,
    fee: BigInt(w.fee),
    token: options.token,
    tokenAuthority: options.directory[0]!,
    inflightMax: Math.max(1, Math.floor(chain.mempool.perSenderMax / 2)),
    queryIntervalUs: 500_000,
    resubmitAfterUs: 2_000_000,
    farNonceGap: BigInt(chain.mempool.maxNonceGap + 1_000),
  });
}

/**
 * The batch poster and the operator of one rollup on real IO: the sans-IO
 * {@link BatchPoster} and {@link RollupOperator} the simulator runs, each in a
 * {@link RealHost} whose L1 messages go through a {@link ConnectionL1Transport}
 * to a Solana JSON-RPC endpoint (`asset-sim l1`, or any cluster). The poster's
 * other messages (root queries to the validators, their answers) go through
 * `validatorTransport` when given.
 *
 * Keys are derived from the seed exactly as the simulated posting system
 * derives them (`deriveSolanaKeypair("operator" | "intruder" | "poster/<i>", seed)`),
 * so `asset-sim l1 --seed S` funds them and names the operator key the
 * program's upgrade authority.
 */
import type { PublicKey } from "@solana/web3.js";
import type { Transport } from "../../net/transport.js";
import type { LogObserver } from "../../sim/host.js";
import type { NodeId } from "../../sim/node.js";
import { RollupOperator, type OperatorMessage } from "../../l1/rollup-operator.js";
import { deriveSolanaKeypair, rollupProgramId } from "../../l1/rollup-program.js";
import { BatchPoster, type PosterMessage } from "../../sequencer/batch-poster.js";
import { operatorCodec, posterCodec } from "../../systems/posting/index.js";
import { MemoryStorage } from "../node-runner.js";
import { RealHost } from "../real-host.js";
import { ConnectionL1Transport } from "./connection-transport.js";

/** The name the poster and operator give the L1 endpoint. */
export const L1_ENDPOINT_ID: NodeId = "l1";

/** Settings of {@link startPostingHosts}; times in microseconds. */
export interface PostingHostsOptions {
  /** The L1 JSON-RPC endpoint (`--l1-url`). */
  readonly l1Url: string;
  /** The seed the keys derive from (the network's). */
  readonly seed: number;
  /** The validators that answer `root-query` and push roots. */
  readonly validators: readonly NodeId[];
  /** Distinct validators that must report a root (f + 1). */
  readonly rootQuorum: number;
  /** The poster's own name on the validators' network (default `poster`). */
  readonly posterId?: NodeId;
  /** Transport to the validators (the poster's root queries); none: the poster only hears roots delivered to it. */
  readonly validatorTransport?: Transport;
  /** Batch poster keys (default 2; key 0 is named at initialize). */
  readonly posterKeys?: number;
  /** Loop period of both (default 250 ms). */
  readonly pollIntervalUs?: number;
  /** An L1 request with no answer after this long fails (default 3 s). */
  readonly requestTimeoutUs?: number;
  /** Receives every log event of both nodes. */
  readonly observe: LogObserver;
  /** Called when a handler threw (that host has stopped). */
  readonly onNodeError: (node: NodeId, error: unknown) => void;
  /** The program (default the shipped id). */
  readonly programId?: PublicKey;
}

/** The running poster and operator. */
export interface PostingHosts {
  readonly poster: RealHost<PosterMessage>;
  readonly operator: RealHost<OperatorMessage>;
  readonly posterTransport: ConnectionL1Transport;
  readonly operatorTransport: ConnectionL1Transport;
  /** Stops both hosts and their adapters (the validator transport is the caller's). */
  stop(): void;
}

/** Starts the operator (it initializes the program first) and the poster. */
export function startPostingHosts(options: PostingHostsOptions): PostingHosts {
  const { seed } = options;
  const programId = options.programId ?? rollupProgramId();
  const posterKeys = Array.from({ length: options.posterKeys ?? 2 }, (_, i) => deriveSolanaKeypair(`poster/${i}`, seed));
  const pollIntervalUs = options.pollIntervalUs ?? 250_000;
  const requestTimeoutUs = options.requestTimeoutUs ?? 3_000_000;
  const requestTimeoutMs = Math.ceil(requestTimeoutUs / 1000);
  const posterId = options.posterId ?? "poster";
  const operatorTransport = new ConnectionL1Transport({ url: options.l1Url, l1: L1_ENDPOINT_ID, requestTimeoutMs });
  const posterTransport = new ConnectionL1Transport({
    url: options.l1Url,
    l1: L1_ENDPOINT_ID,
    requestTimeoutMs,
    ...(options.validatorTransport === undefined ? {} : { inner: options.validatorTransport }),
  });
  const operator = new RealHost<OperatorMessage>({
    id: "operator",
    createNode: () =>
      new RollupOperator({
        l1: L1_ENDPOINT_ID,
        programId,
        commanders: [],
        upgradeAuthority: deriveSolanaKeypair("operator", seed),
        posterKeys: posterKeys.map((k) => k.publicKey),
        intruder: deriveSolanaKeypair("intruder", seed),
        initialVersion: 1,
        pollIntervalUs,
        requestTimeoutUs,
        attemptsMax: 20,
        resendIntervalUs: 1_000_000,
      }),
    storage: new MemoryStorage(),
    transport: operatorTransport,
    codec: operatorCodec,
    seed,
    incarnation: 0,
    observe: options.observe,
    onNodeError: options.onNodeError,
  });
  const poster = new RealHost<PosterMessage>({
    id: posterId,
    createNode: () =>
      new BatchPoster({
        l1: L1_ENDPOINT_ID,
        programId,
        validators: options.validators,
        rootQuorum: options.rootQuorum,
        keys: posterKeys,
        batchEveryBlocks: 1,
        maxRootsPerTransaction: 8,
        pollIntervalUs,
        retryBaseUs: pollIntervalUs,
        retryMaxUs: 8 * pollIntervalUs,
        requestTimeoutUs,
        resendIntervalUs: 1_000_000,
      }),
    storage: new MemoryStorage(),
    transport: posterTransport,
    codec: posterCodec,
    seed,
    incarnation: 0,
    observe: options.observe,
    onNodeError: options.onNodeError,
  });
  operator.start();
  poster.start();
  return {
    poster,
    operator,
    posterTransport,
    operatorTransport,
    stop: () => {
      poster.stop();
      operator.stop();
      posterTransport.close();
      operatorTransport.close();
    },
  };
}

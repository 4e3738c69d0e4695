/**
 * The simulated L1 node (`l1/l1-node.ts`, the AssetRollup program in litesvm)
 * on the real clock: the node runs in a {@link RealHost} (slots advance on
 * real timers, one every `slotDurationUs`; Unix time is the real one), and
 * requests reach it through an in-process transport, answered synchronously:
 * the node handles a request and replies within the same call, so
 * {@link LocalL1.request} returns the reply. The commitment levels, preflight
 * and statuses are exactly the simulated L1's.
 *
 * A faucet account (a keypair derived from the seed, funded with
 * {@link FAUCET_LAMPORTS} at genesis) pays `requestAirdrop`: an airdrop is an
 * ordinary system transfer signed by the faucet, so it lands in a slot and
 * has a status like any transaction.
 */
import type { Keypair } from "@solana/web3.js";
import { L1Node, type L1GenesisAccount, type L1Program } from "../../l1/l1-node.js";
import { l1RpcCodec, type L1RpcMessage } from "../../l1/l1-wire.js";
import { decodeL1Response, encodeL1Request, type L1Request, type L1Response } from "../../l1/rpc-messages.js";
import { deriveSolanaKeypair, signTransaction } from "../../l1/rollup-program.js";
import { web3 } from "../../l1/solana-modules.js";
import type { Transport, DeliverHandler } from "../../net/transport.js";
import type { LogObserver } from "../../sim/host.js";
import type { NodeId } from "../../sim/node.js";
import { MemoryStorage } from "../node-runner.js";
import { RealHost } from "../real-host.js";

/** Lamports of the faucet at genesis: 500 million SOL. */
export const FAUCET_LAMPORTS = 500_000_000n * 1_000_000_000n;
/** Most lamports one airdrop gives (1,000 SOL). */
export const AIRDROP_LAMPORTS_MAX = 1_000n * 1_000_000_000n;

/** Settings of a {@link LocalL1}. */
export interface LocalL1Options {
  /** Programs deployed at genesis (each upgradeable by its `upgradeAuthority`). */
  readonly programs: readonly L1Program[];
  /** Accounts funded at genesis (the faucet is added). */
  readonly accounts: readonly L1GenesisAccount[];
  /** Slot length, microseconds (default 400 ms). */
  readonly slotDurationUs?: number;
  /** Slots that make a slot confirmed / finalized (defaults 1 and 32, as the simulated L1). */
  readonly confirmationDepthSlots?: number;
  readonly finalizationDepthSlots?: number;
  /** Seed of the faucet key and the node's random stream (default 1). */
  readonly seed?: number;
  /** Receives the node's log events (`l1-slot`, `l1-tx`, ...). */
  readonly observe?: LogObserver;
  /** Called when the node's handler threw (the node has stopped). */
  readonly onNodeError?: (error: unknown) => void;
}

/** The node's name, and the name requests come from. */
const L1_ID: NodeId = "l1";
const CLIENT_ID: NodeId = "rpc";

/** A transport inside the process: requests go in with `deliver`, the node's replies are caught synchronously. */
class CaptureTransport implements Transport {
  private handler: DeliverHandler | undefined;
  private captured: Uint8Array | undefined;

  send(_from: NodeId, to: NodeId, bytes: Uint8Array): void {
    if (to === CLIENT_ID) this.captured = bytes;
  }

  onDeliver(handler: DeliverHandler): void {
    this.handler = handler;
  }

  /** Hands `bytes` to the node and returns what it replied within the call (undefined: nothing). */
  exchange(bytes: Uint8Array): Uint8Array | undefined {
    this.captured = undefined;
    this.handler?.(CLIENT_ID, L1_ID, bytes);
    const reply = this.captured;
    this.captured = undefined;
    return reply;
  }
}

/** Distributive Omit: an L1 request without its id. */
type WithoutId<T> = T extends unknown ? Omit<T, "id"> : never;

/** The L1 on the real clock. */
export class LocalL1 {
  /** The faucet that pays airdrops. */
  readonly faucet: Keypair;
  private readonly host: RealHost<L1RpcMessage>;
  private readonly transport = new CaptureTransport();
  private readonly node: L1Node;
  private nextId = 1;

  /**
   * Builds the genesis (programs, accounts, the faucet) and starts the slot clock.
   * @throws RangeError on a bad option or address; Error when litesvm refuses a program
   */
  constructor(options: LocalL1Options) {
    const seed = options.seed ?? 1;
    this.faucet = deriveSolanaKeypair("l1-faucet", seed);
    this.node = new L1Node({
      programs: options.programs,
      accounts: [...options.accounts, { address: this.faucet.publicKey.toBase58(), lamports: FAUCET_LAMPORTS }],
      ...(options.slotDurationUs === undefined ? {} : { slotDurationUs: options.slotDurationUs }),
      ...(options.confirmationDepthSlots === undefined ? {} : { confirmationDepthSlots: options.confirmationDepthSlots }),
      ...(options.finalizationDepthSlots === undefined ? {} : { finalizationDepthSlots: options.finalizationDepthSlots }),
      // ctx.now() is Unix time in real mode, so the Clock sysvar's Unix time is the real one.
      genesisUnixTimestamp: 0,
    });
    const node = this.node;
    this.host = new RealHost<L1RpcMessage>({
      id: L1_ID,
      createNode: () => node,
      storage: new MemoryStorage(),
      transport: this.transport,
      codec: l1RpcCodec,
      seed,
      incarnation: 0,
      observe: options.observe ?? (() => {}),
      onNodeError: (_id, error) => options.onNodeError?.(error),
    });
    this.host.start();
  }

  /** The node, for reads that need no request (slots, accounts per commitment, statuses, simulation). */
  get chain(): L1Node {
    return this.node;
  }

  /** True until {@link stop} or a handler error. */
  get running(): boolean {
    return this.host.running;
  }

  /**
   * Serves one L1 request and returns the node's reply.
   * @throws Error when the node is stopped or did not answer (a bug)
   */
  request(call: WithoutId<L1Request>): L1Response {
    if (!this.host.running) throw new Error("the L1 node is not running");
    const id = this.nextId++;
    const reply = this.transport.exchange(l1RpcCodec.encode({ type: "l1-rpc", data: encodeL1Request({ ...call, id } as L1Request) }));
    if (reply === undefined) throw new Error(`the L1 node did not answer ${call.kind}`);
    const response = decodeL1Response(l1RpcCodec.decode(reply).data);
    if (response.id !== id) throw new Error(`the L1 node answered request ${response.id}, expected ${id}`);
    return response;
  }

  /**
   * Sends `lamports` from the faucet to `address` (a system transfer with the
   * newest processed blockhash); the reply is the send's.
   * @throws RangeError when `lamports` is not in 1..{@link AIRDROP_LAMPORTS_MAX}
   */
  airdrop(address: string, lamports: bigint): L1Response {
    if (lamports < 1n || lamports > AIRDROP_LAMPORTS_MAX) throw new RangeError(`an airdrop gives 1..${AIRDROP_LAMPORTS_MAX} lamports, asked ${lamports}`);
    const blockhash = this.request({ kind: "get-latest-blockhash", commitment: "processed" });
    if (blockhash.kind !== "latest-blockhash") return blockhash;
    const { PublicKey, SystemProgram } = web3();
    const transfer = SystemProgram.transfer({ fromPubkey: this.faucet.publicKey, toPubkey: new PublicKey(address), lamports });
    const tx = signTransaction([transfer], [this.faucet], blockhash.blockhash);
    return this.request({ kind: "send-transaction", tx: tx.bytes, skipPreflight: false });
  }

  /** Stops the slot clock (timers cancelled). */
  stop(): void {
    this.host.stop();
  }
}

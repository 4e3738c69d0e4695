/**
 * Drives one L1Node by hand: a context with its own seeded random stream, a
 * single slot timer fired on demand, requests in and decoded responses out,
 * and system-program transfers built and signed with @solana/web3.js v1.
 */
import { Keypair, PublicKey, SystemProgram, Transaction, TransactionMessage, VersionedTransaction } from "@solana/web3.js";
import type { L1RpcMessage } from "../../src/l1/l1-wire.js";
import { L1Node, L1_SLOT_TIMER, type L1NodeOptions } from "../../src/l1/l1-node.js";
import { decodeL1Response, encodeL1Request, type Commitment, type L1Request, type L1Response } from "../../src/l1/rpc-messages.js";
import type { NodeContext } from "../../src/sim/node.js";
import { createRng } from "../../src/sim/rng.js";
import { SimDisk } from "../../src/storage/sim-disk.js";
import { parseTransaction } from "../../src/l1/solana-transaction.js";
import { Svm, SYSTEM_PROGRAM_ID, type AccountState } from "../../src/l1/svm.js";

/** Fee per signature litesvm charges, in lamports. */
export const FEE_LAMPORTS = 5000n;
/** Lamports that make a data-less account rent exempt. */
export const RENT_EXEMPT_LAMPORTS = 890_880n;
/** Balance of every genesis account in the tests, in lamports (10 SOL). */
export const GENESIS_LAMPORTS = 10_000_000_000n;

/** A deterministic keypair. */
export function keypair(n: number): Keypair {
  return Keypair.fromSeed(new Uint8Array(32).fill(n));
}

export const alice = keypair(1);
export const bob = keypair(2);
export const carol = keypair(3);
/** Funded at genesis in every harness. */
export const GENESIS_KEYS = [alice, bob, carol];

// Signing with web3.js costs about 2 ms; ed25519 signatures are deterministic, so built transactions are cached.
const built = new Map<string, Uint8Array>();

function cached(key: string, build: () => Uint8Array): Uint8Array {
  let bytes = built.get(key);
  if (bytes === undefined) {
    bytes = build();
    built.set(key, bytes);
  }
  // A copy (not Buffer.slice, which is a view): tests mutate transactions (forged signatures).
  return new Uint8Array(bytes);
}

/** A signed legacy system transfer. */
export function transfer(from: Keypair, to: PublicKey, lamports: bigint | number, blockhash: string): Uint8Array {
  return cached(`legacy/${from.publicKey.toBase58()}/${to.toBase58()}/${lamports}/${blockhash}`, () => {
    const tx = new Transaction({ feePayer: from.publicKey, recentBlockhash: blockhash });
    tx.add(SystemProgram.transfer({ fromPubkey: from.publicKey, toPubkey: to, lamports: BigInt(lamports) }));
    tx.sign(from);
    return tx.serialize();
  });
}

/** A signed v0 system transfer. */
export function transferV0(from: Keypair, to: PublicKey, lamports: bigint | number, blockhash: string): Uint8Array {
  return cached(`v0/${from.publicKey.toBase58()}/${to.toBase58()}/${lamports}/${blockhash}`, () => buildTransferV0(from, to, lamports, blockhash));
}

function buildTransferV0(from: Keypair, to: PublicKey, lamports: bigint | number, blockhash: string): Uint8Array {
  const message = new TransactionMessage({
    payerKey: from.publicKey,
    recentBlockhash: blockhash,
    instructions: [SystemProgram.transfer({ fromPubkey: from.publicKey, toPubkey: to, lamports: BigInt(lamports) })],
  }).compileToV0Message();
  const tx = new VersionedTransaction(message);
  tx.sign([from]);
  return tx.serialize();
}

interface Armed {
  readonly id: number;
  readonly dueUs: number;
  readonly tag: string;
}

/** One L1 node under a hand-driven clock. */
export class L1Harness {
  readonly node: L1Node;
  readonly ctx: NodeContext<L1RpcMessage>;
  readonly logs: { timeUs: number; event: string; fields: Readonly<Record<string, unknown>> }[] = [];
  readonly outbox: { to: string; msg: L1RpcMessage }[] = [];
  private nowUs: number;
  private readonly timers = new Map<number, Armed>();
  private nextTimer = 1;
  private nextId = 1;
  /** Accepted transactions by signature. */
  readonly sent = new Map<string, Uint8Array>();

  constructor(options: L1NodeOptions = {}, seed = 1, startUs = 0) {
    this.nowUs = startUs;
    this.ctx = {
      id: "l1",
      now: () => this.nowUs,
      send: (to, msg) => this.outbox.push({ to, msg }),
      setTimer: (afterUs, tag) => {
        const id = this.nextTimer++;
        this.timers.set(id, { id, dueUs: this.nowUs + afterUs, tag });
        return id;
      },
      cancelTimer: (id) => {
        this.timers.delete(id);
      },
      rng: createRng(seed, "node/l1/0"),
      storage: new SimDisk(),
      log: (event, fields) => this.logs.push({ timeUs: this.nowUs, event, fields }),
    };
    this.node = new L1Node({ accounts: GENESIS_KEYS.map((k) => ({ address: k.publicKey.toBase58(), lamports: GENESIS_LAMPORTS })), ...options });
    this.node.start(this.ctx);
  }

  get now(): number {
    return this.nowUs;
  }

  /** Fires the next timer (the slot timer): virtual time jumps to its due time. */
  fireNextTimer(): void {
    let next: Armed | undefined;
    for (const timer of this.timers.values()) if (next === undefined || timer.dueUs < next.dueUs) next = timer;
    if (next === undefined) throw new Error("no timer armed");
    this.timers.delete(next.id);
    this.nowUs = next.dueUs;
    this.node.onTimer(this.ctx, next.id, next.tag);
  }

  /** Produces `count` slots. */
  slots(count = 1): void {
    for (let i = 0; i < count; i++) {
      this.fireNextTimer();
      if (this.armedTags().filter((t) => t === L1_SLOT_TIMER).length !== 1) throw new Error("exactly one slot timer must stay armed");
    }
  }

  armedTags(): string[] {
    return [...this.timers.values()].map((t) => t.tag);
  }

  /** Delivers raw message data; returns what the node sent back (decoded), if anything. */
  deliver(msg: L1RpcMessage, from = "client"): L1Response[] {
    const before = this.outbox.length;
    this.node.onMessage(this.ctx, from, msg);
    return this.outbox.slice(before).map((o) => {
      if (o.msg.type !== "l1-rpc") throw new Error(`node sent a ${o.msg.type} message`);
      if (o.to !== from) throw new Error(`reply went to ${o.to}, not ${from}`);
      return decodeL1Response(o.msg.data);
    });
  }

  /** Sends a request (its id filled in) and returns the single response. */
  call(request: DistributiveOmit<L1Request, "id">, from = "client"): L1Response {
    const id = this.nextId++;
    const replies = this.deliver({ type: "l1-rpc", data: encodeL1Request({ ...request, id } as L1Request) }, from);
    if (replies.length !== 1) throw new Error(`expected one reply, got ${replies.length}`);
    const reply = replies[0]!;
    if (reply.id !== id) throw new Error(`reply id ${reply.id} for request ${id}`);
    return reply;
  }

  /** The blockhash of a commitment level. */
  blockhash(commitment: Commitment = "processed"): string {
    const reply = this.call({ kind: "get-latest-blockhash", commitment });
    if (reply.kind !== "latest-blockhash") throw new Error(`expected latest-blockhash, got ${JSON.stringify(reply)}`);
    return reply.blockhash;
  }

  /** Sends a transaction; returns the response. Accepted transactions are remembered in {@link sent}. */
  send(tx: Uint8Array, skipPreflight = false): L1Response {
    const reply = this.call({ kind: "send-transaction", tx, skipPreflight });
    if (reply.kind === "send-transaction-result") this.sent.set(reply.signature, tx);
    return reply;
  }

  /**
   * The transactions on the chain, in execution order, with their slots: the
   * `l1-tx` landings whose slot is still the transaction's status slot (a
   * landing undone by a reorg is not, even when it landed again later).
   */
  survivingLandings(): { signature: string; slot: number; bytes: Uint8Array }[] {
    return this.events("l1-tx")
      .map((e) => ({ signature: e.signature as string, slot: e.slot as number }))
      .filter((e) => this.node.statusOf(e.signature)?.slot === e.slot)
      .map((e) => ({ ...e, bytes: this.sent.get(e.signature)! }));
  }

  /** Lamports of `key` at a commitment level (0 when the account does not exist). */
  lamports(key: PublicKey, commitment: Commitment = "processed"): bigint {
    return this.node.accountAt(key.toBase58(), commitment)?.lamports ?? 0n;
  }

  /** Events named `event`, fields only. */
  events(event: string): Readonly<Record<string, unknown>>[] {
    return this.logs.filter((l) => l.event === event).map((l) => l.fields);
  }
}

/**
 * Replays `landings` in a fresh litesvm with the harness's genesis accounts
 * (as the node sets them up) and returns the state of `keys` afterwards.
 */
export function replay(landings: readonly { bytes: Uint8Array }[], keys: readonly PublicKey[]): (AccountState | null)[] {
  const svm = new Svm();
  for (const k of GENESIS_KEYS) {
    svm.setAccount(k.publicKey.toBytes(), { lamports: GENESIS_LAMPORTS, data: new Uint8Array(0), owner: SYSTEM_PROGRAM_ID, executable: false, rentEpoch: 0xffff_ffff_ffff_ffffn });
  }
  for (const landing of landings) {
    const parsed = parseTransaction(landing.bytes);
    svm.execute(landing.bytes, parsed.version);
  }
  return keys.map((k) => svm.getAccount(k.toBytes()));
}

/** `Omit` over each member of a union. */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * Application messages between clients and validators (the `data` of a
 * consensus `app` message), MessagePack-encoded:
 * - `submit`: a client hands transactions to a validator, which gossips the new ones;
 * - `gossip`: a validator forwards transactions to its peers (not forwarded again);
 * - `account-query`: a client asks for an account's committed nonce;
 * - `account-state`: the answer, with the committed height it reflects;
 * - `root-query`: a batch poster asks for committed state roots from a height on;
 * - `committed-roots`: consecutive committed state roots from `fromHeight` on (the
 *   answer to `root-query`, and pushed to batch posters on every commit);
 * - `block-query`: a settlement watcher (optimistic poster, challenger) asks for
 *   committed blocks from a height on;
 * - `committed-block`: one committed block's encoded transactions and state root
 *   (the answer to `block-query`, one message per block, and pushed to block
 *   watchers on every commit);
 * - `deposits`: a bridge relayer hands a validator the L1 deposits it read at the finalized
 *   commitment (the leader credits them in order; a validator votes for a credit only when it
 *   was handed that very deposit);
 * - `bridge-query`: a relayer asks for the committed bridge counters and, with `withdrawal`, the
 *   inclusion proof of that withdrawal; `bridge-state`: the answer.
 */
import { decodeWire, encodeWire, read, WireDecodeError } from "../net/codec.js";

/** Most transactions in one message. */
export const TRANSACTIONS_PER_MESSAGE_MAX = 10_000;

/** Most roots in one `committed-roots` message. */
export const ROOTS_PER_MESSAGE_MAX = 256;

/** Most deposits in one `deposits` message. */
export const DEPOSITS_PER_MESSAGE_MAX = 256;

/** One L1 deposit as the bridge hands it to validators: its sequence number, the L2 account credited, the lamports. */
export interface BridgeDeposit {
  readonly sequence: bigint;
  /** The L2 account, 32 bytes. */
  readonly to: Uint8Array;
  readonly amount: bigint;
}

/** A withdrawal's record and inclusion proof in the committed state (the answer's `withdrawal`). */
export interface WithdrawalProofReply {
  readonly sequence: bigint;
  /** The encoded value under `w:<sequence>` (recipient | amount), or absent when there is none. */
  readonly value?: Uint8Array;
  /** `encodeProof` of the inclusion (or exclusion) proof against `root`. */
  readonly proof: Uint8Array;
}

/** One application message. */
export type AppMessage =
  | { readonly kind: "submit" | "gossip"; readonly txs: readonly Uint8Array[] }
  | { readonly kind: "account-query"; readonly account: Uint8Array }
  | { readonly kind: "account-state"; readonly account: Uint8Array; readonly nonce: bigint; readonly height: number }
  | { readonly kind: "root-query"; readonly fromHeight: number }
  | { readonly kind: "committed-roots"; readonly fromHeight: number; readonly roots: readonly Uint8Array[] }
  | { readonly kind: "block-query"; readonly fromHeight: number }
  | { readonly kind: "committed-block"; readonly height: number; readonly root: Uint8Array; readonly txs: readonly Uint8Array[] }
  | { readonly kind: "deposits"; readonly deposits: readonly BridgeDeposit[] }
  | { readonly kind: "bridge-query"; readonly withdrawal?: bigint }
  | {
      readonly kind: "bridge-state";
      /** The committed height the answer reflects, and its state root (32 bytes). */
      readonly height: number;
      readonly root: Uint8Array;
      readonly depositNext: bigint;
      readonly withdrawalNext: bigint;
      readonly withdrawal?: WithdrawalProofReply;
    };

/** A u64 as a decimal string on the wire (MessagePack integers would lose precision past 2^53). */
function u64Text(value: bigint): string {
  return value.toString();
}

function readU64Text(value: unknown, field: string): bigint {
  if (typeof value !== "string" || !/^(0|[1-9][0-9]{0,19})$/.test(value)) throw new WireDecodeError(`${field}: expected a decimal u64`);
  const n = BigInt(value);
  if (n >> 64n !== 0n) throw new WireDecodeError(`${field}: larger than u64`);
  return n;
}

/** Encodes an application message. */
export function encodeAppMessage(msg: AppMessage): Uint8Array {
  switch (msg.kind) {
    case "submit":
    case "gossip":
      return encodeWire({ kind: msg.kind, txs: msg.txs });
    case "account-query":
      return encodeWire({ kind: msg.kind, account: msg.account });
    case "account-state":
      // Nonces are u64: carried as a decimal string so no precision is lost.
      return encodeWire({ kind: msg.kind, account: msg.account, nonce: msg.nonce.toString(), height: msg.height });
    case "root-query":
      return encodeWire({ kind: msg.kind, fromHeight: msg.fromHeight });
    case "committed-roots":
      return encodeWire({ kind: msg.kind, fromHeight: msg.fromHeight, roots: msg.roots });
    case "block-query":
      return encodeWire({ kind: msg.kind, fromHeight: msg.fromHeight });
    case "committed-block":
      return encodeWire({ kind: msg.kind, height: msg.height, root: msg.root, txs: msg.txs });
    case "deposits":
      return encodeWire({ kind: msg.kind, deposits: msg.deposits.map((d) => ({ sequence: u64Text(d.sequence), to: d.to, amount: u64Text(d.amount) })) });
    case "bridge-query":
      return encodeWire(msg.withdrawal === undefined ? { kind: msg.kind } : { kind: msg.kind, withdrawal: u64Text(msg.withdrawal) });
    case "bridge-state": {
      const w = msg.withdrawal;
      return encodeWire({
        kind: msg.kind,
        height: msg.height,
        root: msg.root,
        depositNext: u64Text(msg.depositNext),
        withdrawalNext: u64Text(msg.withdrawalNext),
        ...(w === undefined ? {} : { withdrawal: { sequence: u64Text(w.sequence), proof: w.proof, ...(w.value === undefined ? {} : { value: w.value }) } }),
      });
    }
  }
}

/** Decodes an application message. @throws WireDecodeError on anything malformed */
export function decodeAppMessage(bytes: Uint8Array): AppMessage {
  const o = read.object(decodeWire(bytes), "appMessage");
  switch (o.kind) {
    case "submit":
    case "gossip":
      return { kind: o.kind, txs: read.array(o.txs, "appMessage.txs", TRANSACTIONS_PER_MESSAGE_MAX).map((tx, i) => read.bytes(tx, `appMessage.txs[${i}]`)) };
    case "account-query":
      return { kind: o.kind, account: read.bytes(o.account, "appMessage.account", 32) };
    case "account-state": {
      if (typeof o.nonce !== "string" || !/^(0|[1-9][0-9]{0,19})$/.test(o.nonce)) throw new WireDecodeError("appMessage.nonce: expected a decimal u64");
      const nonce = BigInt(o.nonce);
      if (nonce >> 64n !== 0n) throw new WireDecodeError("appMessage.nonce: larger than u64");
      return { kind: o.kind, account: read.bytes(o.account, "appMessage.account", 32), nonce, height: read.uint(o.height, "appMessage.height") };
    }
    case "root-query":
      return { kind: o.kind, fromHeight: read.uint(o.fromHeight, "appMessage.fromHeight") };
    case "committed-roots":
      return {
        kind: o.kind,
        fromHeight: read.uint(o.fromHeight, "appMessage.fromHeight"),
        roots: read.array(o.roots, "appMessage.roots", ROOTS_PER_MESSAGE_MAX).map((r, i) => read.bytes(r, `appMessage.roots[${i}]`, 32)),
      };
    case "block-query":
      return { kind: o.kind, fromHeight: read.uint(o.fromHeight, "appMessage.fromHeight") };
    case "committed-block":
      return {
        kind: o.kind,
        height: read.uint(o.height, "appMessage.height"),
        root: read.bytes(o.root, "appMessage.root", 32),
        txs: read.array(o.txs, "appMessage.txs", TRANSACTIONS_PER_MESSAGE_MAX).map((tx, i) => read.bytes(tx, `appMessage.txs[${i}]`)),
      };
    case "deposits":
      return {
        kind: o.kind,
        deposits: read.array(o.deposits, "appMessage.deposits", DEPOSITS_PER_MESSAGE_MAX).map((d, i) => {
          const f = read.object(d, `appMessage.deposits[${i}]`);
          return { sequence: readU64Text(f.sequence, `appMessage.deposits[${i}].sequence`), to: read.bytes(f.to, `appMessage.deposits[${i}].to`, 32), amount: readU64Text(f.amount, `appMessage.deposits[${i}].amount`) };
        }),
      };
    case "bridge-query":
      return o.withdrawal === undefined ? { kind: o.kind } : { kind: o.kind, withdrawal: readU64Text(o.withdrawal, "appMessage.withdrawal") };
    case "bridge-state": {
      const base = {
        kind: o.kind,
        height: read.uint(o.height, "appMessage.height"),
        root: read.bytes(o.root, "appMessage.root", 32),
        depositNext: readU64Text(o.depositNext, "appMessage.depositNext"),
        withdrawalNext: readU64Text(o.withdrawalNext, "appMessage.withdrawalNext"),
      };
      if (o.withdrawal === undefined) return base;
      const w = read.object(o.withdrawal, "appMessage.withdrawal");
      return {
        ...base,
        withdrawal: {
          sequence: readU64Text(w.sequence, "appMessage.withdrawal.sequence"),
          proof: read.bytes(w.proof, "appMessage.withdrawal.proof"),
          ...(w.value === undefined ? {} : { value: read.bytes(w.value, "appMessage.withdrawal.value", 40) }),
        },
      };
    }
    default:
      throw new WireDecodeError(`appMessage.kind: unknown ${JSON.stringify(o.kind)}`);
  }
}

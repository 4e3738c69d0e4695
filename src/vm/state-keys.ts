/**
 * Where each ledger entry lives in the authenticated state, and the bytes its
 * value commits to. A key is a short ASCII string (its UTF-8 bytes are the
 * Merkle tree key); a value is Borsh-encoded.
 *
 * ```text
 * n:<account>              nonce          u64
 * b:<account>:<asset>      balance        u64
 * a:<asset>                AssetInfo      symbol String | decimals u8 | mintAuthority Option<[u8;32]> | supply u64
 * p:<poolId>               PoolState      assetA String | assetB String | reserveA u64 | reserveB u64 | totalShares u64 | feeBps u16
 * s:<poolId>:<account>     pool shares    u64
 * w:<sequence>             withdrawal     recipient [u8;32] | amount u64      (sequence: 16 lowercase hex digits)
 * x:deposit-next           next deposit sequence number to credit             u64
 * x:withdrawal-next        next withdrawal sequence number to record          u64
 * o:<chain>:<session>      outbox message sender [u8;32] | receiver [u8;32] | asset String | amount u64
 * i:<chain>:<session>      inbox message  sender [u8;32] | receiver [u8;32] | asset String | amount u64 | consumed u8 (0/1)
 * ```
 *
 * The mailbox keys (SCP's mailbox, `mailbox-write` and `mailbox-read`): `<chain>` is the
 * counterparty chain id (the destination in the outbox, the source in the inbox) as 8 lowercase
 * hex digits, `<session>` the xT's session id as 16. A mailbox value's asset is a valid symbol
 * (at most 12 bytes).
 *
 * The L1 program recomputes a withdrawal's key and value from `(sequence, recipient, amount)`
 * to check its inclusion proof (`programs/asset_rollup/src/bridge.c`): keep the two in step.
 */
import { fromHex, toHex, utf8 } from "../crypto/hash.js";
import { BorshReader, BorshWriter } from "./borsh-bytes.js";
import { WireDecodeError } from "../net/codec.js";
import type { AccountId, AssetInfo, AssetSymbol, InboxMessage, MailboxMessage, PoolState, WithdrawalRecord } from "./types.js";

function mailboxSuffix(chain: number, session: bigint): string {
  if (!Number.isInteger(chain) || chain < 0 || chain > 0xffff_ffff) throw new RangeError(`mailbox chain id out of u32: ${chain}`);
  if (session < 0n || session >> 64n !== 0n) throw new RangeError(`mailbox session out of u64: ${session}`);
  return `${chain.toString(16).padStart(8, "0")}:${session.toString(16).padStart(16, "0")}`;
}

/** Longest asset symbol a mailbox value holds, bytes (the VM's symbols are at most 12 characters of A-Z, 0-9). */
export const MAILBOX_SYMBOL_BYTES_MAX = 12;

/** Most keys {@link KeyCache} holds per kind before it starts over (a bound on its memory, about 200 bytes a key). */
export const KEY_CACHE_MAX = 16_384;

/**
 * Remembers the key strings built for accounts (and assets), so that the same
 * account's key is the same string each time. Building `n:<64 hex digits>` makes
 * a new string that a `Map` lookup must flatten and hash (about 1 us each on the
 * development machine); a remembered key was flattened and hashed on its first use
 * (V8 caches a string's hash in the string), so a lookup with it is several times
 * cheaper. Every validator reads its sender's nonce and balance for every
 * transaction it admits, executes and commits, so these keys are read very often.
 *
 * A pure cache: the key is a function of its parts alone, so a hit returns a string
 * equal to the one built afresh. Holds at most {@link KEY_CACHE_MAX} keys; when
 * full it is cleared (and refills with the keys in use). Module state shared by all
 * the validators of a process, which is harmless because nothing observes it but speed.
 */
class KeyCache {
  private readonly keys = new Map<string, string>();

  /** The key remembered for `part`, or undefined. */
  get(part: string): string | undefined {
    return this.keys.get(part);
  }

  /** Remembers `key` for `part` and returns it. */
  remember(part: string, key: string): string {
    if (this.keys.size >= KEY_CACHE_MAX) this.keys.clear();
    this.keys.set(part, key);
    return key;
  }
}

const nonceKeys = new KeyCache();
/** Balance keys by asset, then by account. Assets are few (the VM's symbols), accounts many. */
const balanceKeys = new Map<AssetSymbol, KeyCache>();

function balanceKey(account: AccountId, asset: AssetSymbol): string {
  let cache = balanceKeys.get(asset);
  if (cache === undefined) {
    // A run has a handful of assets; start over rather than grow without bound if it ever has more.
    if (balanceKeys.size >= 1024) balanceKeys.clear();
    cache = new KeyCache();
    balanceKeys.set(asset, cache);
  }
  return cache.get(account) ?? cache.remember(account, `b:${account}:${asset}`);
}

/** Key builders, one per entry kind. `nonce` and `balance` return remembered strings (see {@link KeyCache}). */
export const stateKey = {
  nonce: (account: AccountId): string => nonceKeys.get(account) ?? nonceKeys.remember(account, `n:${account}`),
  balance: (account: AccountId, asset: AssetSymbol): string => balanceKey(account, asset),
  asset: (symbol: AssetSymbol): string => `a:${symbol}`,
  pool: (id: string): string => `p:${id}`,
  shares: (pool: string, account: AccountId): string => `s:${pool}:${account}`,
  /** @throws RangeError when `sequence` is outside u64 */
  withdrawal: (sequence: bigint): string => {
    if (sequence < 0n || sequence >> 64n !== 0n) throw new RangeError(`withdrawal sequence out of u64: ${sequence}`);
    return `w:${sequence.toString(16).padStart(16, "0")}`;
  },
  /** @throws RangeError when `destination` is outside u32 or `session` outside u64 */
  outbox: (destination: number, session: bigint): string => `o:${mailboxSuffix(destination, session)}`,
  /** @throws RangeError when `source` is outside u32 or `session` outside u64 */
  inbox: (source: number, session: bigint): string => `i:${mailboxSuffix(source, session)}`,
  depositNext: (): string => "x:deposit-next",
  withdrawalNext: (): string => "x:withdrawal-next",
};

/** A ledger value: a number (nonce, balance, shares, sequence numbers), an asset, a pool, a withdrawal or a mailbox message. */
export type StateValue = bigint | AssetInfo | PoolState | WithdrawalRecord | MailboxMessage | InboxMessage;

/** The Merkle tree key of a state key. */
export function stateKeyBytes(key: string): Uint8Array {
  return utf8(key);
}

/**
 * The bytes a value commits to in the tree (its Borsh encoding).
 * @throws RangeError when a number is outside u64
 */
export function encodeStateValue(value: StateValue): Uint8Array {
  if (typeof value === "bigint") {
    // Most writes are numbers: encode them without a writer.
    if (value < 0n || value >> 64n !== 0n) throw new RangeError(`u64 out of range: ${value}`);
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, value, true);
    return out;
  }
  const w = new BorshWriter();
  if ("symbol" in value) {
    w.string(value.symbol).u8(value.decimals);
    if (value.mintAuthority === null) w.u8(0);
    else w.u8(1).fixed(fromHex(value.mintAuthority));
    return w.u64(value.supply).finish();
  }
  if ("recipient" in value) return w.fixed(fromHex(value.recipient)).u64(value.amount).finish();
  if ("receiver" in value) {
    w.fixed(fromHex(value.sender)).fixed(fromHex(value.receiver)).string(value.asset).u64(value.amount);
    if ("consumed" in value) w.u8(value.consumed ? 1 : 0);
    return w.finish();
  }
  return w.string(value.assetA).string(value.assetB).u64(value.reserveA).u64(value.reserveB).u64(value.totalShares).u16(value.feeBps).finish();
}

/**
 * Decodes the value stored under `key` (the inverse of {@link encodeStateValue}), for proof consumers.
 * @throws WireDecodeError on malformed bytes; Error on a key of no known kind
 */
export function decodeStateValue(key: string, bytes: Uint8Array): StateValue {
  const r = new BorshReader(bytes);
  let value: StateValue;
  switch (key[0]) {
    case "n":
    case "b":
    case "s":
    case "x":
      value = r.u64("value");
      break;
    case "w": {
      const recipient = toHex(r.fixed(32, "withdrawal.recipient"));
      value = { recipient, amount: r.u64("withdrawal.amount") };
      break;
    }
    case "o":
    case "i": {
      const sender = toHex(r.fixed(32, "mailbox.sender"));
      const receiver = toHex(r.fixed(32, "mailbox.receiver"));
      const asset = r.string(MAILBOX_SYMBOL_BYTES_MAX, "mailbox.asset");
      const amount = r.u64("mailbox.amount");
      if (key[0] === "o") value = { sender, receiver, asset, amount };
      else {
        const consumed = r.u8("mailbox.consumed");
        if (consumed > 1) throw new WireDecodeError(`mailbox.consumed: ${consumed} is not 0 or 1`);
        value = { sender, receiver, asset, amount, consumed: consumed === 1 };
      }
      break;
    }
    case "a": {
      const symbol = r.string(32, "asset.symbol");
      const decimals = r.u8("asset.decimals");
      const mintAuthority = r.option("asset.mintAuthority") ? toHex(r.fixed(32, "asset.mintAuthority")) : null;
      value = { symbol, decimals, mintAuthority, supply: r.u64("asset.supply") };
      break;
    }
    case "p": {
      const assetA = r.string(32, "pool.assetA");
      const assetB = r.string(32, "pool.assetB");
      const reserveA = r.u64("pool.reserveA");
      const reserveB = r.u64("pool.reserveB");
      const totalShares = r.u64("pool.totalShares");
      value = { assetA, assetB, reserveA, reserveB, totalShares, feeBps: r.u16("pool.feeBps") };
      break;
    }
    default:
      throw new Error(`not a state key: ${JSON.stringify(key)}`);
  }
  r.end("value");
  return value;
}

/**
 * A strict parser of Solana's transaction wire format (legacy and v0), the
 * bytes `Transaction.serialize()` / `VersionedTransaction.serialize()` produce.
 *
 * The L1 node parses every transaction before it reaches litesvm, for two
 * reasons: it needs the signature, the blockhash and the writable accounts
 * (dedup, expiry, pre-images), and litesvm 1.5 aborts the whole process
 * (a Rust panic in its deserializer, not a JavaScript exception) on bytes that
 * do not deserialize. So this parser refuses everything the runtime's
 * deserializer or sanitizer would refuse, and a little more, and the node only
 * hands litesvm transactions that passed it.
 *
 * Layout (little-endian, "compact-u16" lengths as `solana_short_vec`):
 * `signatures: short_vec<[u8; 64]>`, then the message: an optional version
 * prefix byte (`0x80 | version`, only version 0), the header
 * (`numRequiredSignatures`, `numReadonlySignedAccounts`,
 * `numReadonlyUnsignedAccounts`), `accountKeys: short_vec<[u8; 32]>`,
 * `recentBlockhash: [u8; 32]`, `instructions: short_vec<{ programIdIndex: u8,
 * accounts: short_vec<u8>, data: short_vec<u8> }>` and, in v0 only,
 * `addressTableLookups: short_vec<{ accountKey: [u8; 32], writableIndexes:
 * short_vec<u8>, readonlyIndexes: short_vec<u8> }>`.
 */
import { base58Encode } from "./base58.js";

/** Largest serialized transaction Solana accepts (IPv6 MTU minus headers), in bytes. */
export const TRANSACTION_BYTES_MAX = 1232;

/** Most account keys one transaction may reference (static plus looked up): indexes are u8. */
const ACCOUNT_KEYS_MAX = 256;

/** A transaction the parser refused; `message` says why. */
export class MalformedTransactionError extends Error {
  override readonly name = "MalformedTransactionError";
}

/** One address lookup table reference of a v0 transaction. */
export interface AddressTableLookup {
  /** The lookup table account (32 bytes). */
  readonly table: Uint8Array;
  /** Indexes into the table of accounts loaded writable. */
  readonly writableIndexes: Uint8Array;
  /** Indexes into the table of accounts loaded read-only. */
  readonly readonlyIndexes: Uint8Array;
}

/** What the L1 node needs to know about a transaction. */
export interface ParsedTransaction {
  /** `"legacy"` or `0`. */
  readonly version: "legacy" | 0;
  /** The first signature, base58: the transaction's id. */
  readonly signature: string;
  /** Number of signatures (equal to the header's required signatures). */
  readonly signatureCount: number;
  /** The static account keys (32 bytes each); index 0 is the fee payer. */
  readonly staticAccounts: readonly Uint8Array[];
  /** Indexes into `staticAccounts` of the accounts the transaction may write. */
  readonly writableStaticIndexes: readonly number[];
  /** The recent blockhash, base58. */
  readonly recentBlockhash: string;
  /** Address lookup tables (v0 only; empty for legacy). */
  readonly lookups: readonly AddressTableLookup[];
}

class Cursor {
  offset = 0;
  constructor(private readonly bytes: Uint8Array) {}

  u8(what: string): number {
    if (this.offset >= this.bytes.length) throw new MalformedTransactionError(`${what}: truncated`);
    return this.bytes[this.offset++]!;
  }

  take(length: number, what: string): Uint8Array {
    if (this.offset + length > this.bytes.length) throw new MalformedTransactionError(`${what}: truncated`);
    const out = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return out;
  }

  /** A compact-u16 with the rules of `solana_short_vec`: at most 3 bytes, no aliases, at most 0xffff. */
  shortU16(what: string): number {
    let value = 0;
    for (let nth = 0; ; nth++) {
      const byte = this.u8(what);
      if (byte === 0 && nth !== 0) throw new MalformedTransactionError(`${what}: non-canonical length`);
      if (nth === 2 && (byte & 0x80) !== 0) throw new MalformedTransactionError(`${what}: length longer than 3 bytes`);
      value |= (byte & 0x7f) << (7 * nth);
      if (value > 0xffff) throw new MalformedTransactionError(`${what}: length overflows u16`);
      if ((byte & 0x80) === 0) return value;
    }
  }

  get remaining(): number {
    return this.bytes.length - this.offset;
  }
}

/**
 * Parses and sanity-checks a serialized transaction.
 * @throws MalformedTransactionError when the bytes are not exactly one well-formed legacy or v0 transaction.
 */
export function parseTransaction(bytes: Uint8Array): ParsedTransaction {
  if (bytes.length > TRANSACTION_BYTES_MAX) throw new MalformedTransactionError(`transaction of ${bytes.length} bytes exceeds ${TRANSACTION_BYTES_MAX}`);
  const cursor = new Cursor(bytes);
  const signatureCount = cursor.shortU16("signatures");
  if (signatureCount === 0) throw new MalformedTransactionError("no signatures");
  if (signatureCount * 64 > cursor.remaining) throw new MalformedTransactionError("signatures: truncated");
  const firstSignature = cursor.take(64, "signature");
  cursor.take(64 * (signatureCount - 1), "signatures");

  let version: "legacy" | 0 = "legacy";
  const first = cursor.u8("message header");
  let numRequiredSignatures = first;
  if ((first & 0x80) !== 0) {
    if ((first & 0x7f) !== 0) throw new MalformedTransactionError(`unsupported transaction version ${first & 0x7f}`);
    version = 0;
    numRequiredSignatures = cursor.u8("message header");
  }
  const numReadonlySigned = cursor.u8("message header");
  const numReadonlyUnsigned = cursor.u8("message header");

  const keyCount = cursor.shortU16("account keys");
  if (keyCount * 32 > cursor.remaining) throw new MalformedTransactionError("account keys: truncated");
  const staticAccounts: Uint8Array[] = [];
  for (let i = 0; i < keyCount; i++) staticAccounts.push(cursor.take(32, "account key"));
  const recentBlockhash = cursor.take(32, "recent blockhash");

  if (numRequiredSignatures !== signatureCount) {
    throw new MalformedTransactionError(`${signatureCount} signatures for ${numRequiredSignatures} required signers`);
  }
  if (numReadonlySigned >= numRequiredSignatures) throw new MalformedTransactionError("the fee payer must be a writable signer");
  if (numRequiredSignatures + numReadonlyUnsigned > keyCount) throw new MalformedTransactionError("header counts exceed the account keys");

  const instructionCount = cursor.shortU16("instructions");
  const instructions: { programIdIndex: number; accounts: Uint8Array }[] = [];
  for (let i = 0; i < instructionCount; i++) {
    const programIdIndex = cursor.u8("instruction program id");
    const accounts = cursor.take(cursor.shortU16("instruction accounts"), "instruction accounts");
    cursor.take(cursor.shortU16("instruction data"), "instruction data");
    instructions.push({ programIdIndex, accounts });
  }

  const lookups: AddressTableLookup[] = [];
  let lookedUp = 0;
  if (version === 0) {
    const lookupCount = cursor.shortU16("address table lookups");
    for (let i = 0; i < lookupCount; i++) {
      const table = cursor.take(32, "lookup table");
      const writableIndexes = cursor.take(cursor.shortU16("writable indexes"), "writable indexes");
      const readonlyIndexes = cursor.take(cursor.shortU16("readonly indexes"), "readonly indexes");
      if (writableIndexes.length + readonlyIndexes.length === 0) throw new MalformedTransactionError("empty address table lookup");
      lookedUp += writableIndexes.length + readonlyIndexes.length;
      lookups.push({ table, writableIndexes, readonlyIndexes });
    }
  }
  if (cursor.remaining !== 0) throw new MalformedTransactionError(`${cursor.remaining} trailing bytes`);

  const totalKeys = keyCount + lookedUp;
  if (totalKeys > ACCOUNT_KEYS_MAX) throw new MalformedTransactionError(`${totalKeys} account keys exceed ${ACCOUNT_KEYS_MAX}`);
  for (const instruction of instructions) {
    // Programs must be static keys, and the fee payer (index 0) cannot be one.
    if (instruction.programIdIndex === 0 || instruction.programIdIndex >= keyCount) {
      throw new MalformedTransactionError(`instruction program id index ${instruction.programIdIndex} out of range`);
    }
    for (const index of instruction.accounts) {
      if (index >= totalKeys) throw new MalformedTransactionError(`instruction account index ${index} out of range`);
    }
  }

  const writableStaticIndexes: number[] = [];
  for (let i = 0; i < keyCount; i++) {
    const writable = i < numRequiredSignatures ? i < numRequiredSignatures - numReadonlySigned : i < keyCount - numReadonlyUnsigned;
    if (writable) writableStaticIndexes.push(i);
  }

  return {
    version,
    signature: base58Encode(firstSignature),
    signatureCount,
    staticAccounts,
    writableStaticIndexes,
    recentBlockhash: base58Encode(recentBlockhash),
    lookups,
  };
}

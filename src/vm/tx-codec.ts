/**
 * The wire form of AssetVM transactions, in the Borsh layout so Solana-side
 * tools can read it:
 *
 * ```text
 * Transaction = sender [u8;32] | nonce u64 | fee u64 | instructions Vec<Instruction> | signature Vec<u8>
 * Instruction = u8 tag (index in INSTRUCTION_KINDS) | fields in declaration order
 *   accounts [u8;32], symbols String, amounts u64, decimals u8, feeBps u16, optional accounts Option<[u8;32]>,
 *   chain ids (mailbox-write's destination, mailbox-read's source) u32, sessions u64
 * ```
 *
 * The signature covers `TX_SIGNING_DOMAIN || body` where body is everything
 * before the signature. The transaction id is sha256 of the whole encoding;
 * decoding is strict (see {@link BorshReader}), so the id names one transaction.
 */
import { WireDecodeError } from "../net/codec.js";
import { concatBytes, fromHex, sha256Hex, toHex, utf8 } from "../crypto/hash.js";
import type { SignatureScheme } from "../crypto/signature.js";
import { BorshReader, BorshWriter } from "./borsh-bytes.js";
import {
  INSTRUCTION_KINDS,
  INSTRUCTIONS_PER_TX_MAX,
  type AccountId,
  type Instruction,
  type Transaction,
  type TransactionBody,
} from "./types.js";

/** Prefix of every signed transaction body: keeps these signatures apart from consensus signatures. */
export const TX_SIGNING_DOMAIN = utf8("asset-l2/tx/v1");
/** Longest signature accepted (ed25519: 64 bytes). */
export const SIGNATURE_BYTES_MAX = 64;
/** Longest asset symbol on the wire, bytes (the VM accepts 12; longer is malformed). */
export const SYMBOL_BYTES_MAX = 32;
/** Largest encoded transaction, bytes. */
export const TRANSACTION_BYTES_MAX = 4096;

function writeAccount(w: BorshWriter, account: AccountId): void {
  const bytes = fromHex(account);
  if (bytes.length !== 32) throw new RangeError(`account must be 32 bytes, got ${bytes.length}`);
  w.fixed(bytes);
}

function writeInstruction(w: BorshWriter, ins: Instruction): void {
  w.u8(INSTRUCTION_KINDS.indexOf(ins.kind));
  switch (ins.kind) {
    case "create-asset":
      w.string(ins.asset).u8(ins.decimals);
      if (ins.mintAuthority === null) w.u8(0);
      else writeAccount(w.u8(1), ins.mintAuthority);
      return;
    case "mint":
      w.string(ins.asset);
      writeAccount(w, ins.to);
      w.u64(ins.amount);
      return;
    case "transfer":
      w.string(ins.asset);
      writeAccount(w, ins.to);
      w.u64(ins.amount);
      return;
    case "burn":
      w.string(ins.asset).u64(ins.amount);
      return;
    case "set-mint-authority":
      w.string(ins.asset);
      if (ins.authority === null) w.u8(0);
      else writeAccount(w.u8(1), ins.authority);
      return;
    case "create-pool":
      w.string(ins.assetA).string(ins.assetB).u16(ins.feeBps);
      return;
    case "add-liquidity":
      w.string(ins.assetA).string(ins.assetB).u64(ins.amountA).u64(ins.amountB).u64(ins.minShares);
      return;
    case "remove-liquidity":
      w.string(ins.assetA).string(ins.assetB).u64(ins.shares).u64(ins.minA).u64(ins.minB);
      return;
    case "swap":
      w.string(ins.assetIn).string(ins.assetOut).u64(ins.amountIn).u64(ins.minOut);
      return;
    case "withdraw":
      writeAccount(w, ins.recipient);
      w.u64(ins.amount);
      return;
    case "credit-deposit":
      w.u64(ins.sequence);
      writeAccount(w, ins.to);
      w.u64(ins.amount);
      return;
    case "mailbox-write":
      w.u32(ins.destination).u64(ins.session);
      writeAccount(w, ins.to);
      w.string(ins.asset).u64(ins.amount);
      return;
    case "mailbox-read":
      w.u32(ins.source).u64(ins.session);
      return;
  }
}

function writeBody(w: BorshWriter, body: TransactionBody): void {
  writeAccount(w, body.sender);
  w.u64(body.nonce).u64(body.fee).u32(body.instructions.length);
  for (const ins of body.instructions) writeInstruction(w, ins);
}

/**
 * The bytes a sender signs: {@link TX_SIGNING_DOMAIN} then the Borsh body.
 * @throws RangeError when a field is out of its wire range (amount past u64, account not 32 bytes)
 */
export function transactionSigningBytes(body: TransactionBody): Uint8Array {
  const w = new BorshWriter();
  writeBody(w, body);
  return concatBytes(TX_SIGNING_DOMAIN, w.finish());
}

/** Encodes a signed transaction. @throws RangeError as {@link transactionSigningBytes} */
export function encodeTransaction(tx: Transaction): Uint8Array {
  const w = new BorshWriter();
  writeBody(w, tx);
  w.bytes(tx.signature);
  return w.finish();
}

/**
 * Signs `body` with `secretKey` under `scheme` and returns the encoded transaction: the same
 * bytes as `encodeTransaction({ ...body, signature: scheme.sign(secretKey, transactionSigningBytes(body)) })`,
 * with the body encoded once (the signing bytes end with it, the transaction starts with it).
 * @throws RangeError as {@link transactionSigningBytes}
 */
export function signTransaction(body: TransactionBody, secretKey: Uint8Array, scheme: SignatureScheme): Uint8Array {
  const w = new BorshWriter();
  w.fixed(TX_SIGNING_DOMAIN);
  writeBody(w, body);
  const signing = w.finish();
  const signature = scheme.sign(secretKey, signing);
  const bodyLength = signing.length - TX_SIGNING_DOMAIN.length;
  // Transaction = body | signature Vec<u8> (u32 little-endian length, then the bytes).
  const out = new Uint8Array(bodyLength + 4 + signature.length);
  out.set(signing.subarray(TX_SIGNING_DOMAIN.length));
  new DataView(out.buffer).setUint32(bodyLength, signature.length, true);
  out.set(signature, bodyLength + 4);
  return out;
}

/** Lowercase hex sha256 of an encoded transaction: its id. */
export function transactionId(bytes: Uint8Array): string {
  return sha256Hex(bytes);
}

function readAccount(r: BorshReader, field: string): AccountId {
  return toHex(r.fixed(32, field));
}

function readInstruction(r: BorshReader, field: string): Instruction {
  const tag = r.u8(`${field}.tag`);
  const kind = INSTRUCTION_KINDS[tag];
  const sym = (name: string): string => r.string(SYMBOL_BYTES_MAX, `${field}.${name}`);
  switch (kind) {
    case "create-asset": {
      const asset = sym("asset");
      const decimals = r.u8(`${field}.decimals`);
      const mintAuthority = r.option(`${field}.mintAuthority`) ? readAccount(r, `${field}.mintAuthority`) : null;
      return { kind, asset, decimals, mintAuthority };
    }
    case "mint":
    case "transfer": {
      const asset = sym("asset");
      const to = readAccount(r, `${field}.to`);
      return { kind, asset, to, amount: r.u64(`${field}.amount`) };
    }
    case "burn": {
      const asset = sym("asset");
      return { kind, asset, amount: r.u64(`${field}.amount`) };
    }
    case "set-mint-authority": {
      const asset = sym("asset");
      const authority = r.option(`${field}.authority`) ? readAccount(r, `${field}.authority`) : null;
      return { kind, asset, authority };
    }
    case "create-pool": {
      const assetA = sym("assetA");
      const assetB = sym("assetB");
      return { kind, assetA, assetB, feeBps: r.u16(`${field}.feeBps`) };
    }
    case "add-liquidity": {
      const assetA = sym("assetA");
      const assetB = sym("assetB");
      const amountA = r.u64(`${field}.amountA`);
      const amountB = r.u64(`${field}.amountB`);
      return { kind, assetA, assetB, amountA, amountB, minShares: r.u64(`${field}.minShares`) };
    }
    case "remove-liquidity": {
      const assetA = sym("assetA");
      const assetB = sym("assetB");
      const shares = r.u64(`${field}.shares`);
      const minA = r.u64(`${field}.minA`);
      return { kind, assetA, assetB, shares, minA, minB: r.u64(`${field}.minB`) };
    }
    case "swap": {
      const assetIn = sym("assetIn");
      const assetOut = sym("assetOut");
      const amountIn = r.u64(`${field}.amountIn`);
      return { kind, assetIn, assetOut, amountIn, minOut: r.u64(`${field}.minOut`) };
    }
    case "withdraw": {
      const recipient = readAccount(r, `${field}.recipient`);
      return { kind, recipient, amount: r.u64(`${field}.amount`) };
    }
    case "credit-deposit": {
      const sequence = r.u64(`${field}.sequence`);
      const to = readAccount(r, `${field}.to`);
      return { kind, sequence, to, amount: r.u64(`${field}.amount`) };
    }
    case "mailbox-write": {
      const destination = r.u32(`${field}.destination`);
      const session = r.u64(`${field}.session`);
      const to = readAccount(r, `${field}.to`);
      const asset = sym("asset");
      return { kind, destination, session, to, asset, amount: r.u64(`${field}.amount`) };
    }
    case "mailbox-read": {
      const source = r.u32(`${field}.source`);
      return { kind, source, session: r.u64(`${field}.session`) };
    }
    case undefined:
      throw new WireDecodeError(`${field}.tag: unknown instruction ${tag}`);
  }
}

/** A decoded transaction with what the sequencer needs besides the fields. */
export interface DecodedTransaction extends Transaction {
  /** Lowercase hex sha256 of the encoding. */
  readonly id: string;
  /** Length of the encoding, bytes. */
  readonly size: number;
  /** {@link transactionSigningBytes} of the body (a view of the encoding, prefixed by the domain). */
  readonly signingBytes: Uint8Array;
}

/**
 * Decodes one transaction. `id`, when the caller has hashed the bytes already, is taken as their id.
 * @throws WireDecodeError when the bytes are longer than {@link TRANSACTION_BYTES_MAX}, truncated, carry
 *   an unknown instruction tag, more than INSTRUCTIONS_PER_TX_MAX instructions, a longer signature than
 *   {@link SIGNATURE_BYTES_MAX}, invalid UTF-8, or trailing bytes.
 */
export function decodeTransaction(bytes: Uint8Array, id?: string): DecodedTransaction {
  if (bytes.length > TRANSACTION_BYTES_MAX) throw new WireDecodeError(`transaction: ${bytes.length} bytes, at most ${TRANSACTION_BYTES_MAX}`);
  const r = new BorshReader(bytes);
  const sender = readAccount(r, "tx.sender");
  const nonce = r.u64("tx.nonce");
  const fee = r.u64("tx.fee");
  const count = r.u32("tx.instructions");
  if (count > INSTRUCTIONS_PER_TX_MAX) throw new WireDecodeError(`tx.instructions: ${count} instructions, at most ${INSTRUCTIONS_PER_TX_MAX}`);
  const instructions: Instruction[] = [];
  for (let i = 0; i < count; i++) instructions.push(readInstruction(r, `tx.instructions[${i}]`));
  const bodyEnd = r.offset;
  const signature = r.bytesVec(SIGNATURE_BYTES_MAX, "tx.signature");
  r.end("transaction");
  return {
    sender,
    nonce,
    fee,
    instructions,
    signature,
    id: id ?? transactionId(bytes),
    size: bytes.length,
    signingBytes: concatBytes(TX_SIGNING_DOMAIN, bytes.subarray(0, bodyEnd)),
  };
}

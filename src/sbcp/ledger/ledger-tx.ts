/**
 * The simple ledger's transactions (`proto/sbcp/ledger.proto`, `LedgerTx`):
 * a transfer inside one rollup, the two sides of a cross-rollup transfer
 * (a mailbox send that burns on the source chain, a mailbox receive that mints
 * on the destination), and the mailbox-populating transaction. Amounts are
 * safe non-negative integers; accounts are opaque bytes.
 */
import type { CircRead } from "../execution.js";
import { readBytes, readMessage, readRepeated, readString, readU32, readU64 } from "../wire/fields.js";
import { ledgerBlockType, ledgerTxType } from "../wire/proto-root.js";
import { WireDecodeError } from "../../net/codec.js";

/** A transfer of `Amount` of `Asset` from `From` to `To` on one rollup; `Nonce` tells equal transfers apart. */
export interface Transfer {
  readonly kind: "Transfer";
  readonly From: Uint8Array;
  readonly To: Uint8Array;
  readonly Asset: string;
  readonly Amount: number;
  readonly Nonce: number;
}
/** Source side of a cross-rollup transfer: burns `From`'s amount, writes a CIRC message for `DestinationChainID`. */
export interface MailboxSend {
  readonly kind: "MailboxSend";
  readonly DestinationChainID: number;
  readonly From: Uint8Array;
  readonly To: Uint8Array;
  readonly Asset: string;
  readonly Amount: number;
  readonly SessionID: number;
}
/** Destination side: reads the CIRC message of `SourceChainID` with `SessionID` and mints its amount to `To`. */
export interface MailboxReceive {
  readonly kind: "MailboxReceive";
  readonly SourceChainID: number;
  readonly To: Uint8Array;
  readonly Asset: string;
  readonly Amount: number;
  readonly SessionID: number;
}
/** Puts a received CIRC message of xT `xTid` into the inbox. */
export interface MailboxPopulate extends CircRead {
  readonly kind: "MailboxPopulate";
  readonly xTid: Uint8Array;
}
/** One ledger transaction. */
export type LedgerTx = Transfer | MailboxSend | MailboxReceive | MailboxPopulate;

/** The CIRC label of a cross-rollup transfer. */
export const TRANSFER_LABEL = "transfer";

/** The protobuf encoding of `tx`. */
export function encodeLedgerTx(tx: LedgerTx): Uint8Array {
  const { kind, ...body } = tx;
  const plain = kind === "MailboxPopulate" ? { ...body, Source: [...tx.Source], Receiver: [...tx.Receiver], Data: [...tx.Data] } : body;
  const ledgerTx = ledgerTxType();
  return new Uint8Array(ledgerTx.encode(ledgerTx.fromObject({ [kind]: plain })).finish());
}

/**
 * The transaction in `bytes`.
 * @throws WireDecodeError when they are not one LedgerTx with exactly one op of the right shape
 */
export function decodeLedgerTx(bytes: Uint8Array): LedgerTx {
  let decoded: Record<string, unknown>;
  try {
    decoded = ledgerTxType().decode(bytes) as unknown as Record<string, unknown>;
  } catch (error) {
    throw new WireDecodeError(`ledger tx: not a LedgerTx: ${(error as Error).message}`);
  }
  const kinds = (["Transfer", "MailboxSend", "MailboxReceive", "MailboxPopulate"] as const).filter((k) => Object.prototype.hasOwnProperty.call(decoded, k) && decoded[k] != null);
  if (kinds.length !== 1) throw new WireDecodeError(`ledger tx: expected exactly one op, got ${kinds.length}`);
  const kind = kinds[0]!;
  const m = readMessage(decoded[kind], kind);
  const bytesOf = (v: unknown, f: string): Uint8Array => readBytes(v, f);
  switch (kind) {
    case "Transfer":
      return { kind, From: bytesOf(m.From, "From"), To: bytesOf(m.To, "To"), Asset: readString(m.Asset, "Asset"), Amount: readU64(m.Amount, "Amount"), Nonce: readU64(m.Nonce, "Nonce") };
    case "MailboxSend":
      return { kind, DestinationChainID: readU32(m.DestinationChainID, "DestinationChainID"), From: bytesOf(m.From, "From"), To: bytesOf(m.To, "To"), Asset: readString(m.Asset, "Asset"), Amount: readU64(m.Amount, "Amount"), SessionID: readU32(m.SessionID, "SessionID") };
    case "MailboxReceive":
      return { kind, SourceChainID: readU32(m.SourceChainID, "SourceChainID"), To: bytesOf(m.To, "To"), Asset: readString(m.Asset, "Asset"), Amount: readU64(m.Amount, "Amount"), SessionID: readU32(m.SessionID, "SessionID") };
    case "MailboxPopulate":
      return {
        kind,
        SourceChainID: readU32(m.SourceChainID, "SourceChainID"),
        Source: readRepeated(m.Source, "Source", bytesOf),
        Receiver: readRepeated(m.Receiver, "Receiver", bytesOf),
        SessionID: readU32(m.SessionID, "SessionID"),
        Label: readString(m.Label, "Label"),
        Data: readRepeated(m.Data, "Data", bytesOf),
        xTid: readBytes(m.xTid, "xTid", 32),
      };
  }
}

/** A sealed ledger block: its transactions and the state root after them. */
export interface LedgerBlock {
  readonly Transactions: readonly Uint8Array[];
  readonly StateRoot: Uint8Array;
}

/** The protobuf encoding of a ledger block (`L2Block.Block`). */
export function encodeLedgerBlock(block: LedgerBlock): Uint8Array {
  const ledgerBlock = ledgerBlockType();
  return new Uint8Array(ledgerBlock.encode(ledgerBlock.fromObject({ Transactions: [...block.Transactions], StateRoot: block.StateRoot })).finish());
}

/** The ledger block in `bytes`. @throws WireDecodeError when malformed */
export function decodeLedgerBlock(bytes: Uint8Array): LedgerBlock {
  let decoded: Record<string, unknown>;
  try {
    decoded = ledgerBlockType().decode(bytes) as unknown as Record<string, unknown>;
  } catch (error) {
    throw new WireDecodeError(`ledger block: ${(error as Error).message}`);
  }
  return { Transactions: readRepeated(decoded.Transactions, "Transactions", (v, f) => readBytes(v, f)), StateRoot: readBytes(decoded.StateRoot, "StateRoot", 32) };
}

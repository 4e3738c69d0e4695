/**
 * The SBCP wire codec: every message travels as one protobuf `SbcpMessage`
 * envelope (`proto/sbcp/envelope.proto`) whose oneof field is the message's
 * spec name, encoded by protobufjs from the committed descriptor. Decoding
 * reads every field with the typed readers of `fields.ts`: a malformed frame
 * (not protobuf, no payload, a hash of the wrong length, a number above 2^53)
 * throws {@link WireDecodeError}, which the simulated network and real mode
 * count and drop, so it never reaches a node's handler.
 */
import type { MessageCodec } from "../../net/codec.js";
import { WireDecodeError } from "../../net/codec.js";
import type {
  CIRCMessage,
  Decided,
  L2Block,
  L2BlockRequest,
  LocalTransaction,
  RequestSeal,
  RollBackAndStartSlot,
  SbcpBodies,
  SbcpMessage,
  SbcpMessageType,
  StartSC,
  StartSlot,
  TransactionRequest,
  Vote,
  XTRequest,
} from "../messages.js";
import { HASH_LENGTH, SBCP_MESSAGE_TYPES } from "../messages.js";
import { chainIdBytes, readBool, readBytes, readChainIdBytes, readMessage, readRepeated, readString, readU32, readU64 } from "./fields.js";
import { envelopeType, xtRequestType } from "./proto-root.js";

/** Largest frame a node decodes (bytes). */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;

type Plain = Record<string, unknown>;

const hash = (value: unknown, field: string): Uint8Array => readBytes(value, field, HASH_LENGTH);
const anyBytes = (value: unknown, field: string): Uint8Array => readBytes(value, field);

function blockRequestToProto(r: L2BlockRequest): Plain {
  return { ChainID: chainIdBytes(r.ChainID), BlockNumber: r.BlockNumber, ParentHash: r.ParentHash };
}
function blockRequestFromProto(value: unknown, field: string): L2BlockRequest {
  const m = readMessage(value, field);
  return { ChainID: readChainIdBytes(m.ChainID, `${field}.ChainID`), BlockNumber: readU64(m.BlockNumber, `${field}.BlockNumber`), ParentHash: hash(m.ParentHash, `${field}.ParentHash`) };
}
function xtRequestToProto(r: XTRequest): Plain {
  return { Transactions: r.Transactions.map((t) => ({ ChainID: t.ChainID, Transaction: [...t.Transaction] })) };
}
function xtRequestFromProto(value: unknown, field: string): XTRequest {
  const m = readMessage(value, field);
  return {
    Transactions: readRepeated(m.Transactions, `${field}.Transactions`, (t, f): TransactionRequest => {
      const tm = readMessage(t, f);
      return { ChainID: readU32(tm.ChainID, `${f}.ChainID`), Transaction: readRepeated(tm.Transaction, `${f}.Transaction`, anyBytes) };
    }),
  };
}

/** Per message type: the plain object protobufjs encodes, and the typed body read back from a decoded one. */
const BODIES: { [T in SbcpMessageType]: { toProto(body: SbcpBodies[T]): Plain; fromProto(m: Plain, f: string): SbcpBodies[T] } } = {
  StartSlot: {
    toProto: (b) => ({ Slot: b.Slot, NextSuperblockNumber: b.NextSuperblockNumber, LastSuperblockHash: b.LastSuperblockHash, L2BlocksRequest: b.L2BlocksRequest.map(blockRequestToProto) }),
    fromProto: (m, f): StartSlot => ({
      Slot: readU64(m.Slot, `${f}.Slot`),
      NextSuperblockNumber: readU64(m.NextSuperblockNumber, `${f}.NextSuperblockNumber`),
      LastSuperblockHash: hash(m.LastSuperblockHash, `${f}.LastSuperblockHash`),
      L2BlocksRequest: readRepeated(m.L2BlocksRequest, `${f}.L2BlocksRequest`, blockRequestFromProto),
    }),
  },
  RequestSeal: {
    toProto: (b) => ({ Slot: b.Slot, IncludedxTs: [...b.IncludedxTs] }),
    fromProto: (m, f): RequestSeal => ({ Slot: readU64(m.Slot, `${f}.Slot`), IncludedxTs: readRepeated(m.IncludedxTs, `${f}.IncludedxTs`, hash) }),
  },
  RollBackAndStartSlot: {
    toProto: (b) => ({ L2BlocksRequest: b.L2BlocksRequest.map(blockRequestToProto), CurrentSlot: b.CurrentSlot, NextSuperblockNumber: b.NextSuperblockNumber, LastSuperblockHash: b.LastSuperblockHash }),
    fromProto: (m, f): RollBackAndStartSlot => ({
      L2BlocksRequest: readRepeated(m.L2BlocksRequest, `${f}.L2BlocksRequest`, blockRequestFromProto),
      CurrentSlot: readU64(m.CurrentSlot, `${f}.CurrentSlot`),
      NextSuperblockNumber: readU64(m.NextSuperblockNumber, `${f}.NextSuperblockNumber`),
      LastSuperblockHash: hash(m.LastSuperblockHash, `${f}.LastSuperblockHash`),
    }),
  },
  L2Block: {
    toProto: (b) => ({ Slot: b.Slot, ChainID: chainIdBytes(b.ChainID), BlockNumber: b.BlockNumber, BlockHash: b.BlockHash, ParentBlockHash: b.ParentBlockHash, IncludedxTs: [...b.IncludedxTs], Block: b.Block }),
    fromProto: (m, f): L2Block => ({
      Slot: readU64(m.Slot, `${f}.Slot`),
      ChainID: readChainIdBytes(m.ChainID, `${f}.ChainID`),
      BlockNumber: readU64(m.BlockNumber, `${f}.BlockNumber`),
      BlockHash: hash(m.BlockHash, `${f}.BlockHash`),
      ParentBlockHash: hash(m.ParentBlockHash, `${f}.ParentBlockHash`),
      IncludedxTs: readRepeated(m.IncludedxTs, `${f}.IncludedxTs`, hash),
      Block: anyBytes(m.Block, `${f}.Block`),
    }),
  },
  L2BlockRequest: { toProto: blockRequestToProto, fromProto: blockRequestFromProto },
  StartSC: {
    toProto: (b) => ({ Slot: b.Slot, xTSequenceNumber: b.xTSequenceNumber, xTRequest: xtRequestToProto(b.xTRequest), xTid: b.xTid }),
    fromProto: (m, f): StartSC => ({
      Slot: readU64(m.Slot, `${f}.Slot`),
      xTSequenceNumber: readU64(m.xTSequenceNumber, `${f}.xTSequenceNumber`),
      xTRequest: xtRequestFromProto(m.xTRequest, `${f}.xTRequest`),
      xTid: hash(m.xTid, `${f}.xTid`),
    }),
  },
  CIRCMessage: {
    toProto: (b) => ({ ...b, Source: [...b.Source], Receiver: [...b.Receiver], Data: [...b.Data] }),
    fromProto: (m, f): CIRCMessage => ({
      SourceChainID: readU32(m.SourceChainID, `${f}.SourceChainID`),
      DestinationChainID: readU32(m.DestinationChainID, `${f}.DestinationChainID`),
      Source: readRepeated(m.Source, `${f}.Source`, anyBytes),
      Receiver: readRepeated(m.Receiver, `${f}.Receiver`, anyBytes),
      SessionID: readU32(m.SessionID, `${f}.SessionID`),
      Label: readString(m.Label, `${f}.Label`),
      Data: readRepeated(m.Data, `${f}.Data`, anyBytes),
      xTid: hash(m.xTid, `${f}.xTid`),
      Slot: readU64(m.Slot, `${f}.Slot`),
    }),
  },
  Vote: {
    toProto: (b) => ({ SenderChain: chainIdBytes(b.SenderChain), xTid: b.xTid, Vote: b.Vote, Slot: b.Slot }),
    fromProto: (m, f): Vote => ({ SenderChain: readChainIdBytes(m.SenderChain, `${f}.SenderChain`), xTid: hash(m.xTid, `${f}.xTid`), Vote: readBool(m.Vote, `${f}.Vote`), Slot: readU64(m.Slot, `${f}.Slot`) }),
  },
  Decided: {
    toProto: (b) => ({ xTid: b.xTid, Decision: b.Decision, Slot: b.Slot }),
    fromProto: (m, f): Decided => ({ xTid: hash(m.xTid, `${f}.xTid`), Decision: readBool(m.Decision, `${f}.Decision`), Slot: readU64(m.Slot, `${f}.Slot`) }),
  },
  xTRequest: { toProto: xtRequestToProto, fromProto: xtRequestFromProto },
  LocalTransaction: {
    toProto: (b) => ({ Transaction: b.Transaction }),
    fromProto: (m, f): LocalTransaction => ({ Transaction: anyBytes(m.Transaction, `${f}.Transaction`) }),
  },
};

function plainCopy(bytes: Uint8Array): Uint8Array {
  // protobufjs hands out Buffers that may be views into a shared pool.
  return new Uint8Array(bytes);
}

/** The protobuf encoding of one message (an `SbcpMessage` envelope). */
export function encodeSbcpMessage(msg: SbcpMessage): Uint8Array {
  const { type, ...body } = msg;
  const toProto = BODIES[type].toProto as (b: unknown) => Plain;
  const envelope = envelopeType();
  return plainCopy(envelope.encode(envelope.fromObject({ [type]: toProto(body) })).finish());
}

/**
 * The message in `bytes`.
 * @throws WireDecodeError when the bytes are not one valid envelope with exactly one payload whose fields have the shapes above
 */
export function decodeSbcpMessage(bytes: Uint8Array): SbcpMessage {
  if (bytes.length > MAX_FRAME_BYTES) throw new WireDecodeError(`message: more than ${MAX_FRAME_BYTES} bytes`);
  let decoded: Plain;
  try {
    decoded = envelopeType().decode(bytes) as unknown as Plain;
  } catch (error) {
    throw new WireDecodeError(`message: not an SbcpMessage: ${(error as Error).message}`);
  }
  const present = SBCP_MESSAGE_TYPES.filter((t) => Object.prototype.hasOwnProperty.call(decoded, t) && decoded[t] !== null && decoded[t] !== undefined);
  if (present.length !== 1) throw new WireDecodeError(`message: expected exactly one payload, got ${present.length}`);
  const type = present[0]!;
  const fromProto = BODIES[type].fromProto as (m: Plain, f: string) => object;
  return { type, ...fromProto(readMessage(decoded[type], type), type) } as SbcpMessage;
}

/** The SBCP codec for node specs (`MessageCodec`). */
export const SBCP_CODEC: MessageCodec<SbcpMessage> = { encode: encodeSbcpMessage, decode: decodeSbcpMessage };

/** The protobuf encoding of an `xTRequest` alone: the bytes its xTid hashes. */
export function encodeXTRequest(request: XTRequest): Uint8Array {
  const xtRequest = xtRequestType();
  return plainCopy(xtRequest.encode(xtRequest.fromObject(xtRequestToProto(request))).finish());
}

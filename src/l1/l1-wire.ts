/**
 * The messages L1 RPC travels in: an `l1-rpc` message whose `data` is an
 * encoded request (client to L1) or response (L1 to client) of
 * `rpc-messages.ts`. The L1 node, the batch poster and the operator speak it;
 * validators never see it (the L1 is not a consensus peer), and the operator's
 * commands from the scenario travel in `operator-command` messages.
 */
import { decodeWire, encodeWire, read, WireDecodeError, type MessageCodec } from "../net/codec.js";

/** Largest `data` of an L1 RPC message, bytes (an account of Solana's 10 MiB limit and its envelope fit). */
export const L1_RPC_BYTES_MAX = 16 * 1024 * 1024;

/** One L1 RPC request or response. */
export interface L1RpcMessage {
  readonly type: "l1-rpc";
  readonly data: Uint8Array;
}

/** A command to the operator node (encoded by `encodeOperatorCommand`). */
export interface OperatorCommandMessage {
  readonly type: "operator-command";
  readonly data: Uint8Array;
}

function envelopeCodec<T extends "l1-rpc" | "operator-command">(type: T): MessageCodec<{ readonly type: T; readonly data: Uint8Array }> {
  return {
    encode: (msg) => encodeWire({ type: msg.type, data: msg.data }),
    decode: (bytes) => {
      const value = read.object(decodeWire(bytes), "message");
      if (value.type !== type) throw new WireDecodeError(`message.type: expected ${type}, got ${JSON.stringify(value.type)}`);
      const data = read.bytes(value.data, "data");
      if (data.length > L1_RPC_BYTES_MAX) throw new WireDecodeError(`data: more than ${L1_RPC_BYTES_MAX} bytes`);
      return { type, data };
    },
  };
}

/** The codec of {@link L1RpcMessage}. */
export const l1RpcCodec: MessageCodec<L1RpcMessage> = envelopeCodec("l1-rpc");

/** The codec of {@link OperatorCommandMessage}. */
export const operatorCommandCodec: MessageCodec<OperatorCommandMessage> = envelopeCodec("operator-command");

/**
 * The protobufjs types of the SBCP messages, built once from the committed
 * descriptor (`descriptor.ts`, generated from `proto/sbcp/*.proto`): no file
 * is read at run time.
 */
import protobuf from "protobufjs/light.js";
import { SBCP_DESCRIPTOR } from "./descriptor.js";

const root = protobuf.Root.fromJSON(SBCP_DESCRIPTOR);

/** The protobufjs type `sbcp.<name>`. @throws Error when the descriptor has no such message (a programmer error). */
export function protoType(name: string): protobuf.Type {
  return root.lookupType(`sbcp.${name}`);
}

/** The envelope every node sends (`SbcpMessage{oneof payload}`). */
export const ENVELOPE = protoType("SbcpMessage");
/** `xTRequest`, encoded alone for the xTid. */
export const XT_REQUEST = protoType("xTRequest");
/** The simple ledger's transaction (`LedgerTx{oneof op}`). */
export const LEDGER_TX = protoType("LedgerTx");

/**
 * The protobufjs types of the SBCP messages, built from the committed
 * descriptor (`descriptor.ts`, generated from `proto/sbcp/*.proto`): no file
 * is read at run time.
 *
 * protobufjs is loaded, and the descriptor built, on the first call of a
 * getter here, not when this module is imported: every command imports the
 * SBCP system (the system registry names it), and a process that runs no SBCP
 * node (quickstart, `--version`, an explore worker over a validators
 * scenario) should not pay for loading protobufjs and building the root
 * (about 20 ms of start-up, measured with `node --cpu-prof bin/asset-sim.js
 * --version`). protobufjs is a CommonJS package, so `createRequire` loads the
 * very module instance a static import would (see `l1/solana-modules.ts`).
 */
import { createRequire } from "node:module";
import type * as Protobuf from "protobufjs/light.js";
import { SBCP_DESCRIPTOR } from "./descriptor.js";

const requireModule = createRequire(import.meta.url);

let root: Protobuf.Root | undefined;
const types = new Map<string, Protobuf.Type>();

/** The root of the SBCP descriptor (protobufjs loaded and the root built on the first call). */
function sbcpRoot(): Protobuf.Root {
  if (root === undefined) {
    const protobuf = requireModule("protobufjs/light.js") as typeof Protobuf;
    root = protobuf.Root.fromJSON(SBCP_DESCRIPTOR);
  }
  return root;
}

/** The protobufjs type `sbcp.<name>`. @throws Error when the descriptor has no such message (a programmer error). */
export function protoType(name: string): Protobuf.Type {
  let type = types.get(name);
  if (type === undefined) {
    type = sbcpRoot().lookupType(`sbcp.${name}`);
    types.set(name, type);
  }
  return type;
}

/** The envelope every node sends (`SbcpMessage{oneof payload}`). */
export function envelopeType(): Protobuf.Type {
  return protoType("SbcpMessage");
}

/** `xTRequest`, encoded alone for the xTid. */
export function xtRequestType(): Protobuf.Type {
  return protoType("xTRequest");
}

/** The simple ledger's transaction (`LedgerTx{oneof op}`). */
export function ledgerTxType(): Protobuf.Type {
  return protoType("LedgerTx");
}

/** The simple ledger's sealed block (`LedgerBlock`). */
export function ledgerBlockType(): Protobuf.Type {
  return protoType("LedgerBlock");
}

/**
 * The validator wire format: MessagePack maps (see `net/codec.ts`), decoded
 * field by field with limits, so a malformed or hostile message becomes a
 * {@link WireDecodeError} and never a half-built object.
 */
import { decodeWire, encodeWire, read, WireDecodeError, type MessageCodec } from "../net/codec.js";
import { blockHash } from "./block-hash.js";
import type {
  Block,
  QuorumCertificate,
  SignerSignature,
  TimeoutCertificate,
  TimeoutEntry,
  ValidatorMessage,
} from "./types.js";

/** The `type` of every validator message (see `ValidatorMessage`). */
export const VALIDATOR_MESSAGE_TYPES = ["proposal", "vote", "timeout", "block-request", "block-response", "app", "status-request", "status", "snapshot-request", "snapshot"] as const;

/** Limits enforced while decoding. */
export const WIRE_LIMITS = {
  /** Most validators (signer indexes are below this). */
  validatorsMax: 1024,
  /** Most blocks in one block response. */
  blocksPerResponseMax: 128,
  /** Largest block payload, bytes. */
  payloadBytesMax: 16 * 1024 * 1024,
  /** Largest opaque application message, bytes. */
  appBytesMax: 16 * 1024 * 1024,
  /** Largest signature, bytes (ed25519: 64, sim: 32). */
  signatureBytesMax: 128,
  /** Largest state snapshot, bytes. */
  snapshotBytesMax: 256 * 1024 * 1024,
} as const;

const HASH_BYTES = 32;

type Plain = Record<string, unknown>;

function encodeQC(qc: QuorumCertificate): Plain {
  return { view: qc.view, height: qc.height, blockHash: qc.blockHash, signatures: qc.signatures.map(encodeSignature) };
}

function encodeSignature(s: SignerSignature): Plain {
  return { signer: s.signer, signature: s.signature };
}

function encodeTC(tc: TimeoutCertificate): Plain {
  return { view: tc.view, entries: tc.entries.map((e) => ({ signer: e.signer, signature: e.signature, highQCView: e.highQCView })) };
}

/** The wire form of a block (everything but its hash). */
export function encodeBlockFields(block: Block): Plain {
  return {
    view: block.view,
    height: block.height,
    parentHash: block.parentHash,
    justify: encodeQC(block.justify),
    proposer: block.proposer,
    timestampUs: block.timestampUs,
    payload: block.payload,
  };
}

function decodeSignature(value: unknown, field: string): SignerSignature {
  const o = read.object(value, field);
  return {
    signer: read.uint(o.signer, `${field}.signer`, WIRE_LIMITS.validatorsMax - 1),
    signature: read.bytes(o.signature, `${field}.signature`).slice(),
  };
}

function decodeQC(value: unknown, field: string): QuorumCertificate {
  const o = read.object(value, field);
  const signatures = read.array(o.signatures, `${field}.signatures`, WIRE_LIMITS.validatorsMax).map((s, i) => decodeSignature(s, `${field}.signatures[${i}]`));
  return {
    view: read.uint(o.view, `${field}.view`),
    height: read.uint(o.height, `${field}.height`),
    blockHash: read.bytes(o.blockHash, `${field}.blockHash`, HASH_BYTES).slice(),
    signatures,
  };
}

function decodeTC(value: unknown, field: string): TimeoutCertificate {
  const o = read.object(value, field);
  const entries = read.array(o.entries, `${field}.entries`, WIRE_LIMITS.validatorsMax).map((e, i): TimeoutEntry => {
    const eo = read.object(e, `${field}.entries[${i}]`);
    return { ...decodeSignature(e, `${field}.entries[${i}]`), highQCView: read.uint(eo.highQCView, `${field}.entries[${i}].highQCView`) };
  });
  return { view: read.uint(o.view, `${field}.view`), entries };
}

/** Decodes a block and computes its hash. @throws WireDecodeError */
export function decodeBlock(value: unknown, field: string): Block {
  const o = read.object(value, field);
  const payload = read.bytes(o.payload, `${field}.payload`);
  if (payload.length > WIRE_LIMITS.payloadBytesMax) throw new WireDecodeError(`${field}.payload: larger than ${WIRE_LIMITS.payloadBytesMax} bytes`);
  const fields = {
    view: read.uint(o.view, `${field}.view`),
    height: read.uint(o.height, `${field}.height`),
    parentHash: read.bytes(o.parentHash, `${field}.parentHash`, HASH_BYTES).slice(),
    justify: decodeQC(o.justify, `${field}.justify`),
    proposer: read.uint(o.proposer, `${field}.proposer`, WIRE_LIMITS.validatorsMax - 1),
    timestampUs: read.uint(o.timestampUs, `${field}.timestampUs`),
    payload: payload.slice(),
  };
  return { ...fields, hash: blockHash(fields) };
}

/** Encodes a validator message to bytes. */
export function encodeValidatorMessage(msg: ValidatorMessage): Uint8Array {
  switch (msg.type) {
    case "proposal":
      return encodeWire({ type: msg.type, block: encodeBlockFields(msg.block), tc: msg.tc ? encodeTC(msg.tc) : null, signature: msg.signature });
    case "vote":
      return encodeWire({ type: msg.type, view: msg.view, height: msg.height, blockHash: msg.blockHash, signer: msg.signer, signature: msg.signature });
    case "timeout":
      return encodeWire({
        type: msg.type,
        view: msg.view,
        highQC: encodeQC(msg.highQC),
        lastTC: msg.lastTC ? encodeTC(msg.lastTC) : null,
        signer: msg.signer,
        signature: msg.signature,
      });
    case "block-request":
      return encodeWire({ type: msg.type, hash: msg.hash, count: msg.count });
    case "block-response":
      return encodeWire({ type: msg.type, blocks: msg.blocks.map(encodeBlockFields) });
    case "app":
      return encodeWire({ type: msg.type, data: msg.data });
    case "status-request":
      return encodeWire({ type: msg.type, nonce: msg.nonce });
    case "status":
      return encodeWire({ type: msg.type, nonce: msg.nonce, view: msg.view, highQC: encodeQC(msg.highQC) });
    case "snapshot-request":
      return encodeWire({ type: msg.type });
    case "snapshot":
      return encodeWire({ type: msg.type, blocks: msg.blocks.map(encodeBlockFields), commitQC: encodeQC(msg.commitQC), state: msg.state });
  }
}

/** Decodes bytes into a validator message. @throws WireDecodeError naming the bad field */
export function decodeValidatorMessage(bytes: Uint8Array): ValidatorMessage {
  const o = read.object(decodeWire(bytes), "message");
  const signature = (field: unknown): Uint8Array => {
    const sig = read.bytes(field, "signature").slice();
    if (sig.length > WIRE_LIMITS.signatureBytesMax) throw new WireDecodeError("signature: too long");
    return sig;
  };
  switch (o.type) {
    case "proposal":
      return {
        type: "proposal",
        block: decodeBlock(o.block, "block"),
        ...(o.tc === null || o.tc === undefined ? {} : { tc: decodeTC(o.tc, "tc") }),
        signature: signature(o.signature),
      };
    case "vote":
      return {
        type: "vote",
        view: read.uint(o.view, "view"),
        height: read.uint(o.height, "height"),
        blockHash: read.bytes(o.blockHash, "blockHash", HASH_BYTES).slice(),
        signer: read.uint(o.signer, "signer", WIRE_LIMITS.validatorsMax - 1),
        signature: signature(o.signature),
      };
    case "timeout":
      return {
        type: "timeout",
        view: read.uint(o.view, "view"),
        highQC: decodeQC(o.highQC, "highQC"),
        ...(o.lastTC === null || o.lastTC === undefined ? {} : { lastTC: decodeTC(o.lastTC, "lastTC") }),
        signer: read.uint(o.signer, "signer", WIRE_LIMITS.validatorsMax - 1),
        signature: signature(o.signature),
      };
    case "block-request":
      return { type: "block-request", hash: read.bytes(o.hash, "hash", HASH_BYTES).slice(), count: read.uint(o.count, "count", WIRE_LIMITS.blocksPerResponseMax) };
    case "block-response":
      return {
        type: "block-response",
        blocks: read.array(o.blocks, "blocks", WIRE_LIMITS.blocksPerResponseMax).map((b, i) => decodeBlock(b, `blocks[${i}]`)),
      };
    case "app": {
      const data = read.bytes(o.data, "data");
      if (data.length > WIRE_LIMITS.appBytesMax) throw new WireDecodeError(`data: larger than ${WIRE_LIMITS.appBytesMax} bytes`);
      return { type: "app", data: data.slice() };
    }
    case "status-request":
      return { type: "status-request", nonce: read.uint(o.nonce, "nonce") };
    case "status":
      return { type: "status", nonce: read.uint(o.nonce, "nonce"), view: read.uint(o.view, "view"), highQC: decodeQC(o.highQC, "highQC") };
    case "snapshot-request":
      return { type: "snapshot-request" };
    case "snapshot": {
      const state = read.bytes(o.state, "state");
      if (state.length > WIRE_LIMITS.snapshotBytesMax) throw new WireDecodeError(`state: larger than ${WIRE_LIMITS.snapshotBytesMax} bytes`);
      return {
        type: "snapshot",
        blocks: read.array(o.blocks, "blocks", WIRE_LIMITS.blocksPerResponseMax).map((b, i) => decodeBlock(b, `blocks[${i}]`)),
        commitQC: decodeQC(o.commitQC, "commitQC"),
        state: state.slice(),
      };
    }
    default:
      throw new WireDecodeError(`type: unknown message type ${JSON.stringify(o.type)?.slice(0, 40)}`);
  }
}

/**
 * The validator message codec. Its decoded messages are plain data the replica only reads, so the
 * simulator shares one frozen decoding among the receivers of the same bytes (`net/shared-decode.ts`).
 */
export const validatorCodec: MessageCodec<ValidatorMessage> = {
  encode: encodeValidatorMessage,
  decode: decodeValidatorMessage,
  shareDecoded: true,
};

/**
 * The stored bytes of blocks that cannot change: blocks frozen with everything they hold (the simulator's
 * shared decodings, `net/shared-decode.ts`), which every validator of a run stores twice (pending, then
 * committed). Keyed by the block object; dropped with it.
 */
const frozenBlockBytes = new WeakMap<Block, Uint8Array>();

/** True when `block` and every object and array it holds are frozen (its byte arrays aside). */
function isFrozenBlock(block: Block): boolean {
  if (!Object.isFrozen(block) || !Object.isFrozen(block.justify) || !Object.isFrozen(block.justify.signatures)) return false;
  for (const signature of block.justify.signatures) if (!Object.isFrozen(signature)) return false;
  return true;
}

/**
 * Encodes a block alone (for storage). A frozen block ({@link isFrozenBlock}) is encoded once and every
 * caller gets the same bytes: callers must not write into the result (the store seals a copy).
 */
export function encodeBlock(block: Block): Uint8Array {
  if (!isFrozenBlock(block)) return encodeWire(encodeBlockFields(block));
  let bytes = frozenBlockBytes.get(block);
  if (bytes === undefined) {
    bytes = encodeWire(encodeBlockFields(block));
    frozenBlockBytes.set(block, bytes);
  }
  return bytes;
}

/** Encodes a QC alone (for storage). */
export function encodeQuorumCertificate(qc: QuorumCertificate): Uint8Array {
  return encodeWire(encodeQC(qc));
}

/** Decodes a QC stored by {@link encodeQuorumCertificate}. @throws WireDecodeError */
export function decodeQuorumCertificate(bytes: Uint8Array): QuorumCertificate {
  return decodeQC(decodeWire(bytes), "qc");
}

/** Decodes a block stored by {@link encodeBlock}. @throws WireDecodeError */
export function decodeStoredBlock(bytes: Uint8Array): Block {
  return decodeBlock(decodeWire(bytes), "block");
}

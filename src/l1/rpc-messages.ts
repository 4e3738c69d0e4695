/**
 * The L1 RPC protocol: what a client (the BatchPoster, a test) and the
 * simulated L1 node (`L1Node`, `l1-node.ts`) exchange, as the `data` of a
 * consensus `app` message. MessagePack through the wire codec; decoding is
 * strict (every field read with a typed reader, every list and string
 * bounded) and throws {@link WireDecodeError} on anything malformed.
 *
 * Names follow Solana's JSON-RPC methods (`sendTransaction`,
 * `getSignatureStatuses`, `getAccountInfo`, `getLatestBlockhash`). Every
 * request carries a numeric `id`, echoed in its response; a client matches
 * responses to requests by it (responses may be lost or arrive out of order
 * like any message).
 *
 * Differences from Solana's JSON-RPC: slots instead of block heights
 * (`lastValidSlot` rather than `lastValidBlockHeight`); lamports are a bigint
 * (a decimal string on the wire); errors are typed codes ({@link L1ErrorCode})
 * instead of JSON-RPC numbers.
 */
import { decodeWire, encodeWire, read, WireDecodeError } from "../net/codec.js";
import { TRANSACTION_BYTES_MAX } from "./solana-transaction.js";

/** Most signatures in one `get-signature-statuses` request (Solana's limit). */
export const SIGNATURES_PER_REQUEST_MAX = 256;
/** Longest base58 signature (64 bytes), in characters. */
export const SIGNATURE_TEXT_MAX = 88;
/** Longest base58 address or blockhash (32 bytes), in characters. */
export const ADDRESS_TEXT_MAX = 44;
/** Largest account data in a response: Solana's account size limit (10 MiB). */
export const ACCOUNT_DATA_BYTES_MAX = 10 * 1024 * 1024;
/** Longest error text or error message, in characters. */
export const ERROR_TEXT_MAX = 1024;
/** Largest custom program error code (a u32). */
export const CUSTOM_CODE_MAX = 0xffff_ffff;

/** Commitment levels, as Solana names them. */
export const COMMITMENTS = ["processed", "confirmed", "finalized"] as const;
/**
 * How settled a read must be: `processed` (executed in a slot, may be rolled
 * back), `confirmed` (enough later slots exist; a deep reorg may still roll it
 * back in this simulator), `finalized` (never rolled back).
 */
export type Commitment = (typeof COMMITMENTS)[number];

/** The typed error codes of an `rpc-error` response. */
export const L1_ERROR_CODES = [
  "rpc-unavailable",
  "malformed-transaction",
  "blockhash-not-found",
  "already-processed",
  "preflight-failure",
  "invalid-params",
] as const;
/**
 * - `rpc-unavailable`: the node did not serve the request (an injected fault, or its queue is full); retry.
 * - `malformed-transaction`: the bytes are not a well-formed, signed legacy or v0 transaction.
 * - `blockhash-not-found`: preflight: the blockhash was never issued, expired, or its slot was rolled back.
 * - `already-processed`: preflight: a transaction with this signature is already in a slot.
 * - `preflight-failure`: preflight: simulating the transaction failed (`customCode` when the program returned one).
 * - `invalid-params`: a request field is invalid (an address or a signature that is not base58 of the right length).
 */
export type L1ErrorCode = (typeof L1_ERROR_CODES)[number];

/** Submits a signed transaction (Solana's `sendTransaction`). */
export interface SendTransactionRequest {
  readonly kind: "send-transaction";
  readonly id: number;
  /** A serialized, signed legacy or v0 transaction, at most {@link TRANSACTION_BYTES_MAX} bytes. */
  readonly tx: Uint8Array;
  /** When true, skip the preflight checks and simulation (Solana's `skipPreflight`). */
  readonly skipPreflight: boolean;
}

/** Asks for the status of up to {@link SIGNATURES_PER_REQUEST_MAX} transactions (Solana's `getSignatureStatuses`). */
export interface GetSignatureStatusesRequest {
  readonly kind: "get-signature-statuses";
  readonly id: number;
  /** Base58 signatures. */
  readonly signatures: readonly string[];
}

/** Reads an account as of the newest slot of a commitment level (Solana's `getAccountInfo`). */
export interface GetAccountInfoRequest {
  readonly kind: "get-account-info";
  readonly id: number;
  /** Base58 address. */
  readonly address: string;
  readonly commitment: Commitment;
}

/** Asks for a blockhash to build a transaction with (Solana's `getLatestBlockhash`). */
export interface GetLatestBlockhashRequest {
  readonly kind: "get-latest-blockhash";
  readonly id: number;
  readonly commitment: Commitment;
}

/** Every request a client sends to the L1 node. */
export type L1Request = SendTransactionRequest | GetSignatureStatusesRequest | GetAccountInfoRequest | GetLatestBlockhashRequest;

/** The transaction was accepted (not a promise that it lands: it may be dropped, expire or be rolled back). */
export interface SendTransactionResult {
  readonly kind: "send-transaction-result";
  readonly id: number;
  /** The transaction's first signature, base58. */
  readonly signature: string;
}

/** The status of one transaction that is in a slot. */
export interface SignatureStatus {
  /** The slot it executed in. */
  readonly slot: number;
  /** Null when it succeeded, else the runtime's error, e.g. `InstructionError(0, Custom(6002))`. */
  readonly err: string | null;
  /** The program's custom error code when `err` is `InstructionError(_, Custom(code))`, else null. */
  readonly customCode: number | null;
  readonly confirmationStatus: Commitment;
}

/** Answers `get-signature-statuses`, in request order; null for a transaction in no slot (unknown, queued, dropped, expired or rolled back). */
export interface SignatureStatusesResponse {
  readonly kind: "signature-statuses";
  readonly id: number;
  /** The newest processed slot when the node answered. */
  readonly slot: number;
  readonly statuses: readonly (SignatureStatus | null)[];
}

/** An account's state. */
export interface AccountInfo {
  readonly lamports: bigint;
  /** Owner program, base58. */
  readonly owner: string;
  readonly data: Uint8Array;
  readonly executable: boolean;
}

/** Answers `get-account-info`: the account as of `slot` (null: no such account). */
export interface AccountInfoResponse {
  readonly kind: "account-info";
  readonly id: number;
  /** The newest slot of the requested commitment level, which the answer reflects. */
  readonly slot: number;
  readonly account: AccountInfo | null;
}

/** Answers `get-latest-blockhash`: the blockhash of `slot`, valid for transactions executing up to `lastValidSlot` (inclusive). */
export interface LatestBlockhashResponse {
  readonly kind: "latest-blockhash";
  readonly id: number;
  /** The newest slot of the requested commitment level. */
  readonly slot: number;
  /** Base58. */
  readonly blockhash: string;
  readonly lastValidSlot: number;
}

/** A request failed; `id` is the request's. */
export interface RpcErrorResponse {
  readonly kind: "rpc-error";
  readonly id: number;
  readonly code: L1ErrorCode;
  /** Human-readable detail (for logs; clients branch on `code`). */
  readonly message: string;
  /** With `preflight-failure`: the program's custom error code, when it returned one. */
  readonly customCode?: number;
}

/** Every response the L1 node sends. */
export type L1Response = SendTransactionResult | SignatureStatusesResponse | AccountInfoResponse | LatestBlockhashResponse | RpcErrorResponse;

// ---------------------------------------------------------------- encoding

/** Encodes a request. */
export function encodeL1Request(request: L1Request): Uint8Array {
  switch (request.kind) {
    case "send-transaction":
      return encodeWire({ kind: request.kind, id: request.id, tx: request.tx, skipPreflight: request.skipPreflight });
    case "get-signature-statuses":
      return encodeWire({ kind: request.kind, id: request.id, signatures: request.signatures });
    case "get-account-info":
      return encodeWire({ kind: request.kind, id: request.id, address: request.address, commitment: request.commitment });
    case "get-latest-blockhash":
      return encodeWire({ kind: request.kind, id: request.id, commitment: request.commitment });
  }
}

/** Encodes a response. */
export function encodeL1Response(response: L1Response): Uint8Array {
  switch (response.kind) {
    case "send-transaction-result":
      return encodeWire({ kind: response.kind, id: response.id, signature: response.signature });
    case "signature-statuses":
      return encodeWire({
        kind: response.kind,
        id: response.id,
        slot: response.slot,
        statuses: response.statuses.map((s) => (s === null ? null : { slot: s.slot, err: s.err, customCode: s.customCode, confirmationStatus: s.confirmationStatus })),
      });
    case "account-info":
      return encodeWire({
        kind: response.kind,
        id: response.id,
        slot: response.slot,
        account:
          response.account === null
            ? null
            : {
                // u64 lamports: a decimal string, so no precision is lost.
                lamports: response.account.lamports.toString(),
                owner: response.account.owner,
                data: response.account.data,
                executable: response.account.executable,
              },
      });
    case "latest-blockhash":
      return encodeWire({ kind: response.kind, id: response.id, slot: response.slot, blockhash: response.blockhash, lastValidSlot: response.lastValidSlot });
    case "rpc-error":
      return encodeWire(
        response.customCode === undefined
          ? { kind: response.kind, id: response.id, code: response.code, message: response.message }
          : { kind: response.kind, id: response.id, code: response.code, message: response.message, customCode: response.customCode },
      );
  }
}

// ---------------------------------------------------------------- decoding

function text(value: unknown, field: string, maxLength: number): string {
  if (typeof value !== "string") throw new WireDecodeError(`${field}: expected a string`);
  if (value.length > maxLength) throw new WireDecodeError(`${field}: longer than ${maxLength} characters`);
  return value;
}

function bool(value: unknown, field: string): boolean {
  if (typeof value !== "boolean") throw new WireDecodeError(`${field}: expected a boolean`);
  return value;
}

function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
    throw new WireDecodeError(`${field}: expected one of ${allowed.join(", ")}`);
  }
  return value as T;
}

function bytesAtMost(value: unknown, field: string, maxLength: number): Uint8Array {
  const bytes = read.bytes(value, field);
  if (bytes.length > maxLength) throw new WireDecodeError(`${field}: more than ${maxLength} bytes`);
  return bytes;
}

function u64Decimal(value: unknown, field: string): bigint {
  if (typeof value !== "string" || !/^(0|[1-9][0-9]{0,19})$/.test(value)) throw new WireDecodeError(`${field}: expected a decimal u64`);
  const n = BigInt(value);
  if (n >> 64n !== 0n) throw new WireDecodeError(`${field}: larger than u64`);
  return n;
}

function nullableCustomCode(value: unknown, field: string): number | null {
  return value === null ? null : read.uint(value, field, CUSTOM_CODE_MAX);
}

/** Rejects keys a message of this kind does not have (a strict decoder accepts one shape only). */
function onlyKeys(o: Record<string, unknown>, field: string, keys: readonly string[]): void {
  for (const key of Object.keys(o)) {
    if (!keys.includes(key)) throw new WireDecodeError(`${field}: unexpected field ${JSON.stringify(key)}`);
  }
}

/** Decodes a request. @throws WireDecodeError on anything malformed */
export function decodeL1Request(bytes: Uint8Array): L1Request {
  const o = read.object(decodeWire(bytes), "l1Request");
  switch (o.kind) {
    case "send-transaction":
      onlyKeys(o, "l1Request", ["kind", "id", "tx", "skipPreflight"]);
      return { kind: o.kind, id: read.uint(o.id, "l1Request.id"), tx: bytesAtMost(o.tx, "l1Request.tx", TRANSACTION_BYTES_MAX), skipPreflight: bool(o.skipPreflight, "l1Request.skipPreflight") };
    case "get-signature-statuses":
      onlyKeys(o, "l1Request", ["kind", "id", "signatures"]);
      return {
        kind: o.kind,
        id: read.uint(o.id, "l1Request.id"),
        signatures: read.array(o.signatures, "l1Request.signatures", SIGNATURES_PER_REQUEST_MAX).map((s, i) => text(s, `l1Request.signatures[${i}]`, SIGNATURE_TEXT_MAX)),
      };
    case "get-account-info":
      onlyKeys(o, "l1Request", ["kind", "id", "address", "commitment"]);
      return { kind: o.kind, id: read.uint(o.id, "l1Request.id"), address: text(o.address, "l1Request.address", ADDRESS_TEXT_MAX), commitment: oneOf(o.commitment, "l1Request.commitment", COMMITMENTS) };
    case "get-latest-blockhash":
      onlyKeys(o, "l1Request", ["kind", "id", "commitment"]);
      return { kind: o.kind, id: read.uint(o.id, "l1Request.id"), commitment: oneOf(o.commitment, "l1Request.commitment", COMMITMENTS) };
    default:
      throw new WireDecodeError(`l1Request.kind: unknown ${JSON.stringify(o.kind)}`);
  }
}

function decodeStatus(value: unknown, field: string): SignatureStatus | null {
  if (value === null) return null;
  const s = read.object(value, field);
  onlyKeys(s, field, ["slot", "err", "customCode", "confirmationStatus"]);
  return {
    slot: read.uint(s.slot, `${field}.slot`),
    err: s.err === null ? null : text(s.err, `${field}.err`, ERROR_TEXT_MAX),
    customCode: nullableCustomCode(s.customCode, `${field}.customCode`),
    confirmationStatus: oneOf(s.confirmationStatus, `${field}.confirmationStatus`, COMMITMENTS),
  };
}

function decodeAccount(value: unknown, field: string): AccountInfo | null {
  if (value === null) return null;
  const a = read.object(value, field);
  onlyKeys(a, field, ["lamports", "owner", "data", "executable"]);
  return {
    lamports: u64Decimal(a.lamports, `${field}.lamports`),
    owner: text(a.owner, `${field}.owner`, ADDRESS_TEXT_MAX),
    data: bytesAtMost(a.data, `${field}.data`, ACCOUNT_DATA_BYTES_MAX),
    executable: bool(a.executable, `${field}.executable`),
  };
}

/** Decodes a response. @throws WireDecodeError on anything malformed */
export function decodeL1Response(bytes: Uint8Array): L1Response {
  const o = read.object(decodeWire(bytes), "l1Response");
  switch (o.kind) {
    case "send-transaction-result":
      onlyKeys(o, "l1Response", ["kind", "id", "signature"]);
      return { kind: o.kind, id: read.uint(o.id, "l1Response.id"), signature: text(o.signature, "l1Response.signature", SIGNATURE_TEXT_MAX) };
    case "signature-statuses":
      onlyKeys(o, "l1Response", ["kind", "id", "slot", "statuses"]);
      return {
        kind: o.kind,
        id: read.uint(o.id, "l1Response.id"),
        slot: read.uint(o.slot, "l1Response.slot"),
        statuses: read.array(o.statuses, "l1Response.statuses", SIGNATURES_PER_REQUEST_MAX).map((s, i) => decodeStatus(s, `l1Response.statuses[${i}]`)),
      };
    case "account-info":
      onlyKeys(o, "l1Response", ["kind", "id", "slot", "account"]);
      return { kind: o.kind, id: read.uint(o.id, "l1Response.id"), slot: read.uint(o.slot, "l1Response.slot"), account: decodeAccount(o.account, "l1Response.account") };
    case "latest-blockhash":
      onlyKeys(o, "l1Response", ["kind", "id", "slot", "blockhash", "lastValidSlot"]);
      return {
        kind: o.kind,
        id: read.uint(o.id, "l1Response.id"),
        slot: read.uint(o.slot, "l1Response.slot"),
        blockhash: text(o.blockhash, "l1Response.blockhash", ADDRESS_TEXT_MAX),
        lastValidSlot: read.uint(o.lastValidSlot, "l1Response.lastValidSlot"),
      };
    case "rpc-error": {
      onlyKeys(o, "l1Response", ["kind", "id", "code", "message", "customCode"]);
      const base = { kind: o.kind, id: read.uint(o.id, "l1Response.id"), code: oneOf(o.code, "l1Response.code", L1_ERROR_CODES), message: text(o.message, "l1Response.message", ERROR_TEXT_MAX) };
      return o.customCode === undefined ? base : { ...base, customCode: read.uint(o.customCode, "l1Response.customCode", CUSTOM_CODE_MAX) };
    }
    default:
      throw new WireDecodeError(`l1Response.kind: unknown ${JSON.stringify(o.kind)}`);
  }
}

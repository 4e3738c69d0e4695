/**
 * The Solana JSON-RPC methods `asset-sim l1` serves, over a {@link LocalL1}:
 * the subset @solana/web3.js's `Connection` uses to send and follow
 * transactions and read accounts. Each method's params are checked with a
 * zod schema; bad params are a JSON-RPC `-32602` error, never a throw.
 *
 * Shapes follow Solana's JSON-RPC API (https://solana.com/docs/rpc), with
 * these differences:
 * - block heights are slot numbers (`getBlockHeight` = `getSlot`,
 *   `lastValidBlockHeight` = the blockhash's last valid slot): this L1 has no
 *   skipped slots but those a reorg undid;
 * - `simulateTransaction` returns no logs (`logs: null`) and no compute
 *   units; `accounts` and `innerInstructions` are not supported (null);
 * - `getAccountInfo`/`getMultipleAccounts` answer in `base64` only (also for
 *   `jsonParsed`, as Solana does for accounts it cannot parse); `dataSlice` is honoured;
 * - `requestAirdrop` is a transfer from the server's faucet, at most 1,000 SOL.
 * Commitment: `processed`, `confirmed`, `finalized` as the simulated L1
 * defines them (`l1/l1-node.ts`); the deprecated names map to them
 * (`recent` → processed, `single`/`singleGossip` → confirmed, `root`/`max` →
 * finalized); the default is `finalized`, as on Solana.
 */
import { z } from "zod";
import { PACKAGE_VERSION } from "../../version.js";
import { base58Decode, base58Encode, decodeAddress } from "../../l1/base58.js";
import { transactionErrorMessage, transactionErrorToJson } from "../../l1/json-transaction-error.js";
import { MalformedTransactionError, TRANSACTION_BYTES_MAX } from "../../l1/solana-transaction.js";
import { SIGNATURES_PER_REQUEST_MAX, type AccountInfo, type Commitment, type L1Response } from "../../l1/rpc-messages.js";
import { AIRDROP_LAMPORTS_MAX, type LocalL1 } from "./local-l1.js";

/** JSON-RPC 2.0 error codes, and Solana's own. */
export const RPC_ERROR = {
  parse: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
  /** Solana: `Transaction simulation failed` (preflight). */
  preflightFailure: -32002,
  /** Solana: the node is behind or unhealthy. */
  nodeUnhealthy: -32005,
} as const;

/** A JSON-RPC error a method raises: code, message and optional data. */
export class RpcMethodError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = "RpcMethodError";
  }
}

/** Most addresses in one `getMultipleAccounts` (Solana's limit). */
export const ACCOUNTS_PER_REQUEST_MAX = 100;

const commitmentName = z
  .enum(["processed", "confirmed", "finalized", "recent", "single", "singleGossip", "root", "max"])
  .transform((c): Commitment => (c === "recent" ? "processed" : c === "single" || c === "singleGossip" ? "confirmed" : c === "root" || c === "max" ? "finalized" : c));
const minContextSlot = z.number().int().min(0).optional();
const commitmentConfig = z.looseObject({ commitment: commitmentName.optional(), minContextSlot }).optional();
const address = z.string().max(44).refine((s) => decodeAddress(s) !== undefined, "not a base58 32-byte address");
const accountConfig = z
  .looseObject({
    commitment: commitmentName.optional(),
    encoding: z.enum(["base64", "base58", "jsonParsed"]).optional(),
    dataSlice: z.strictObject({ offset: z.number().int().min(0), length: z.number().int().min(0) }).optional(),
    minContextSlot,
  })
  .optional();
const txEncoding = z.enum(["base58", "base64"]).optional();
/** A serialized transaction as text: base64 of at most 1232 bytes is 1644 characters; base58 at most 1685. */
const txText = z.string().min(1).max(2048);

const PARAMS = {
  getLatestBlockhash: z.tuple([commitmentConfig]).or(z.tuple([])),
  getBlockHeight: z.tuple([commitmentConfig]).or(z.tuple([])),
  getSlot: z.tuple([commitmentConfig]).or(z.tuple([])),
  getBalance: z.tuple([address, commitmentConfig]).or(z.tuple([address])),
  getAccountInfo: z.tuple([address, accountConfig]).or(z.tuple([address])),
  getMultipleAccounts: z.tuple([z.array(address).max(ACCOUNTS_PER_REQUEST_MAX), accountConfig]).or(z.tuple([z.array(address).max(ACCOUNTS_PER_REQUEST_MAX)])),
  getSignatureStatuses: z
    .tuple([z.array(z.string().max(88)).max(SIGNATURES_PER_REQUEST_MAX), z.looseObject({ searchTransactionHistory: z.boolean().optional() }).optional()])
    .or(z.tuple([z.array(z.string().max(88)).max(SIGNATURES_PER_REQUEST_MAX)])),
  sendTransaction: z
    .tuple([
      txText,
      z
        .looseObject({
          encoding: txEncoding,
          skipPreflight: z.boolean().optional(),
          preflightCommitment: commitmentName.optional(),
          maxRetries: z.number().int().min(0).optional(),
          minContextSlot,
        })
        .optional(),
    ])
    .or(z.tuple([txText])),
  simulateTransaction: z
    .tuple([
      txText,
      z
        .looseObject({
          encoding: txEncoding,
          sigVerify: z.boolean().optional(),
          commitment: commitmentName.optional(),
          replaceRecentBlockhash: z.boolean().optional(),
          minContextSlot,
        })
        .optional(),
    ])
    .or(z.tuple([txText])),
  requestAirdrop: z
    .tuple([address, z.number().int().min(1).max(Number(AIRDROP_LAMPORTS_MAX)), commitmentConfig])
    .or(z.tuple([address, z.number().int().min(1).max(Number(AIRDROP_LAMPORTS_MAX))])),
  getVersion: z.tuple([]),
  getHealth: z.tuple([]),
} as const;

/** The method names served. */
export type MethodName = keyof typeof PARAMS;
/** The method names served, for `rpc.methods`-style listings and the docs. */
export const METHOD_NAMES = Object.keys(PARAMS) as MethodName[];

function isMethod(name: string): name is MethodName {
  return Object.prototype.hasOwnProperty.call(PARAMS, name);
}

/** `u64::MAX`, the rent epoch of rent-exempt accounts (a JSON number, as Solana prints it). */
const RENT_EPOCH_EXEMPT = 18446744073709551615;

function context(slot: number): { slot: number; apiVersion: string } {
  return { slot, apiVersion: PACKAGE_VERSION };
}

/** A commitment's slot, or `-32016` (Solana's "minimum context slot has not been reached") when below `minContextSlot`. */
function slotAtLeast(l1: LocalL1, commitment: Commitment, min: number | undefined): number {
  const slot = l1.chain.slotOf(commitment);
  if (min !== undefined && slot < min) throw new RpcMethodError(-32016, "Minimum context slot has not been reached", { contextSlot: slot });
  return slot;
}

function decodeTx(text: string, encoding: "base58" | "base64" | undefined): Uint8Array {
  // Solana's default encoding for sendTransaction is base58 (deprecated, but the default).
  const bytes = encoding === "base64" ? decodeBase64(text) : base58Decode(text, TRANSACTION_BYTES_MAX);
  if (bytes === undefined || bytes.length === 0) throw new RpcMethodError(RPC_ERROR.invalidParams, `invalid transaction: not ${encoding ?? "base58"}`);
  if (bytes.length > TRANSACTION_BYTES_MAX) throw new RpcMethodError(RPC_ERROR.invalidParams, `invalid transaction: ${bytes.length} bytes, more than ${TRANSACTION_BYTES_MAX}`);
  return bytes;
}

function decodeBase64(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  return new Uint8Array(Buffer.from(text, "base64"));
}

function accountJson(account: AccountInfo | null, config: z.output<typeof accountConfig>): unknown {
  if (account === null) return null;
  const slice = config?.dataSlice;
  const data = slice === undefined ? account.data : account.data.subarray(slice.offset, slice.offset + slice.length);
  const encoded = config?.encoding === "base58" ? [base58Encode(data), "base58"] : [Buffer.from(data).toString("base64"), "base64"];
  return { data: encoded, executable: account.executable, lamports: Number(account.lamports), owner: account.owner, rentEpoch: RENT_EPOCH_EXEMPT, space: account.data.length };
}

/** Turns an L1 `rpc-error` into the JSON-RPC error Solana would give. */
function l1Error(response: Extract<L1Response, { kind: "rpc-error" }>): RpcMethodError {
  switch (response.code) {
    case "rpc-unavailable":
      return new RpcMethodError(RPC_ERROR.nodeUnhealthy, `Node is unhealthy: ${response.message}`);
    case "malformed-transaction":
      return new RpcMethodError(RPC_ERROR.invalidParams, `invalid transaction: ${response.message}`);
    case "invalid-params":
      return new RpcMethodError(RPC_ERROR.invalidParams, `Invalid params: ${response.message}`);
    case "blockhash-not-found":
      return preflightError("BlockhashNotFound");
    case "already-processed":
      return preflightError("AlreadyProcessed");
    case "preflight-failure": {
      // The node's message is `transaction simulation failed: <error text>`.
      const err = response.message.replace(/^transaction simulation failed: /, "");
      return preflightError(err);
    }
  }
}

function preflightError(err: string): RpcMethodError {
  return new RpcMethodError(RPC_ERROR.preflightFailure, `Transaction simulation failed: ${transactionErrorMessage(err)}`, {
    err: transactionErrorToJson(err),
    logs: [],
    accounts: null,
    unitsConsumed: 0,
    returnData: null,
  });
}

function expect<K extends L1Response["kind"]>(response: L1Response, kind: K): Extract<L1Response, { kind: K }> {
  if (response.kind === "rpc-error") throw l1Error(response);
  if (response.kind !== kind) throw new RpcMethodError(RPC_ERROR.internal, `the L1 answered ${response.kind}, expected ${kind}`);
  return response as Extract<L1Response, { kind: K }>;
}

/**
 * Runs one method with its raw `params` (undefined: none) and returns its `result`.
 * @throws RpcMethodError for an unknown method, bad params, or an error the L1 answered
 */
export function callMethod(l1: LocalL1, method: string, rawParams: unknown): unknown {
  if (!isMethod(method)) throw new RpcMethodError(RPC_ERROR.methodNotFound, `Method not found: ${method}`);
  const parsed = PARAMS[method].safeParse(rawParams ?? []);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RpcMethodError(RPC_ERROR.invalidParams, `Invalid params: ${issue === undefined ? "malformed" : `${issue.path.join(".") || "params"}: ${issue.message}`}`);
  }
  const params = parsed.data as readonly unknown[];
  switch (method) {
    case "getHealth":
      return "ok";
    case "getVersion":
      return { "solana-core": `asset-sim-l1 ${PACKAGE_VERSION}`, "feature-set": 0 };
    case "getSlot":
    case "getBlockHeight": {
      const config = params[0] as z.output<typeof commitmentConfig>;
      return slotAtLeast(l1, config?.commitment ?? "finalized", config?.minContextSlot);
    }
    case "getLatestBlockhash": {
      const config = params[0] as z.output<typeof commitmentConfig>;
      slotAtLeast(l1, config?.commitment ?? "finalized", config?.minContextSlot);
      const r = expect(l1.request({ kind: "get-latest-blockhash", commitment: config?.commitment ?? "finalized" }), "latest-blockhash");
      return { context: context(r.slot), value: { blockhash: r.blockhash, lastValidBlockHeight: r.lastValidSlot } };
    }
    case "getBalance": {
      const config = params[1] as z.output<typeof commitmentConfig>;
      const commitment = config?.commitment ?? "finalized";
      const slot = slotAtLeast(l1, commitment, config?.minContextSlot);
      return { context: context(slot), value: Number(l1.chain.lamportsAt(params[0] as string, commitment)) };
    }
    case "getAccountInfo": {
      const config = params[1] as z.output<typeof accountConfig>;
      slotAtLeast(l1, config?.commitment ?? "finalized", config?.minContextSlot);
      const r = expect(l1.request({ kind: "get-account-info", address: params[0] as string, commitment: config?.commitment ?? "finalized" }), "account-info");
      return { context: context(r.slot), value: accountJson(r.account, config) };
    }
    case "getMultipleAccounts": {
      const config = params[1] as z.output<typeof accountConfig>;
      const commitment = config?.commitment ?? "finalized";
      const slot = slotAtLeast(l1, commitment, config?.minContextSlot);
      // One synchronous pass: every account is read at the same slot.
      const value = (params[0] as string[]).map((a) => accountJson(l1.chain.accountAt(a, commitment), config));
      return { context: context(slot), value };
    }
    case "getSignatureStatuses": {
      const r = expect(l1.request({ kind: "get-signature-statuses", signatures: params[0] as string[] }), "signature-statuses");
      const finalizedSlot = l1.chain.finalizedSlot;
      return {
        context: context(r.slot),
        value: r.statuses.map((s) => {
          if (s === null) return null;
          const err = s.err === null ? null : transactionErrorToJson(s.err);
          return {
            slot: s.slot,
            confirmations: s.slot <= finalizedSlot ? null : r.slot - s.slot,
            err,
            status: err === null ? { Ok: null } : { Err: err },
            confirmationStatus: s.confirmationStatus,
          };
        }),
      };
    }
    case "sendTransaction": {
      const config = params[1] as { encoding?: "base58" | "base64"; skipPreflight?: boolean } | undefined;
      const tx = decodeTx(params[0] as string, config?.encoding);
      return expect(l1.request({ kind: "send-transaction", tx, skipPreflight: config?.skipPreflight ?? false }), "send-transaction-result").signature;
    }
    case "simulateTransaction": {
      const config = params[1] as { encoding?: "base58" | "base64" } | undefined;
      const tx = decodeTx(params[0] as string, config?.encoding);
      let result;
      try {
        result = l1.chain.simulateTransaction(tx);
      } catch (error) {
        if (error instanceof MalformedTransactionError) throw new RpcMethodError(RPC_ERROR.invalidParams, `invalid transaction: ${error.message}`);
        throw error;
      }
      const value = { err: result.ok ? null : transactionErrorToJson(result.err), logs: null, accounts: null, unitsConsumed: 0, returnData: null };
      return { context: context(l1.chain.slot), value };
    }
    case "requestAirdrop": {
      return expect(l1.airdrop(params[0] as string, BigInt(params[1] as number)), "send-transaction-result").signature;
    }
  }
}

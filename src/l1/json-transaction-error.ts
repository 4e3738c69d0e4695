/**
 * Transaction errors between the L1 protocol's text form
 * (`InstructionError(0, Custom(6002))`, `BlockhashNotFound`, see
 * `transaction-error.ts`) and Solana JSON-RPC's forms: the JSON value of a
 * `TransactionError` (serde's externally tagged enum:
 * `{"InstructionError":[0,{"Custom":6002}]}`, `"BlockhashNotFound"`) in
 * statuses and simulation results, and the human message of a failed
 * preflight (`Transaction simulation failed: Error processing Instruction 0:
 * custom program error: 0x1772`), which is all @solana/web3.js's
 * `sendRawTransaction` keeps of an error.
 *
 * Source of the forms: agave `rpc-client-api/src/response.rs`
 * (`TransactionError` serde), `sdk/transaction-error` `Display` impls.
 */
import type { TransactionFailure } from "./transaction-error.js";

const CUSTOM = /^InstructionError\((\d+), Custom\((\d+)\)\)$/;
const INSTRUCTION = /^InstructionError\((\d+), ([A-Za-z]+)\)$/;
const INDEXED = /^([A-Za-z]+)\((\d+)\)$/;

/** The JSON-RPC value of an error text; text it does not recognise is returned as is (a string). */
export function transactionErrorToJson(err: string): unknown {
  let m = CUSTOM.exec(err);
  if (m !== null) return { InstructionError: [Number(m[1]), { Custom: Number(m[2]) }] };
  m = INSTRUCTION.exec(err);
  if (m !== null) return { InstructionError: [Number(m[1]), m[2]] };
  m = INDEXED.exec(err);
  if (m !== null) return { [m[1]!]: Number(m[2]) };
  return err;
}

/**
 * The L1 protocol's failure of a JSON-RPC error value (the inverse of
 * {@link transactionErrorToJson} on the forms it produces; anything else
 * becomes its JSON text, with no custom code).
 */
export function transactionErrorFromJson(value: unknown): TransactionFailure {
  if (typeof value === "string") return { err: value, customCode: null };
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length === 1) {
      const [name, inner] = entries[0]!;
      if (name === "InstructionError" && Array.isArray(inner) && inner.length === 2 && Number.isSafeInteger(inner[0])) {
        const detail: unknown = inner[1];
        if (typeof detail === "string") return { err: `InstructionError(${inner[0]}, ${detail})`, customCode: null };
        const custom = typeof detail === "object" && detail !== null ? (detail as { Custom?: unknown }).Custom : undefined;
        if (typeof custom === "number" && Number.isSafeInteger(custom) && custom >= 0) return { err: `InstructionError(${inner[0]}, Custom(${custom}))`, customCode: custom };
      }
      if (typeof inner === "number") return { err: `${name}(${inner})`, customCode: null };
    }
  }
  return { err: JSON.stringify(value) ?? String(value), customCode: null };
}

/**
 * Solana's message for a transaction error (its `Display`): `Error processing
 * Instruction 0: custom program error: 0x1772`, `Blockhash not found`,
 * `This transaction has already been processed`; other names as they are.
 */
export function transactionErrorMessage(err: string): string {
  let m = CUSTOM.exec(err);
  if (m !== null) return `Error processing Instruction ${m[1]}: custom program error: 0x${Number(m[2]).toString(16)}`;
  m = INSTRUCTION.exec(err);
  if (m !== null) return `Error processing Instruction ${m[1]}: ${m[2]}`;
  if (err === "BlockhashNotFound") return "Blockhash not found";
  if (err === "AlreadyProcessed") return "This transaction has already been processed";
  return err;
}

/** How a failed `sendTransaction` reads from its message alone (what web3.js's `SendTransactionError` keeps). */
export type SendFailureKind =
  | { readonly code: "blockhash-not-found" }
  | { readonly code: "already-processed" }
  | { readonly code: "preflight-failure"; readonly customCode?: number }
  | { readonly code: "malformed-transaction" }
  | { readonly code: "rpc-unavailable" };

/** Classifies a failed send by its message (Solana's wording, {@link transactionErrorMessage}). */
export function classifySendFailure(message: string): SendFailureKind {
  if (/Blockhash not found/i.test(message)) return { code: "blockhash-not-found" };
  if (/already been processed/i.test(message)) return { code: "already-processed" };
  const custom = /custom program error: 0x([0-9a-f]+)/i.exec(message);
  if (custom !== null) return { code: "preflight-failure", customCode: Number.parseInt(custom[1]!, 16) };
  if (/simulation failed/i.test(message)) return { code: "preflight-failure" };
  if (/invalid transaction|failed to deserialize|invalid params/i.test(message)) return { code: "malformed-transaction" };
  return { code: "rpc-unavailable" };
}

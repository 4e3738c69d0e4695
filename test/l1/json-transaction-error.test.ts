/**
 * Transaction errors between the L1 protocol's text and Solana JSON-RPC's
 * forms: JSON values round-trip, messages read back to the right L1 error
 * code (what the adapter sees of a failed send through web3.js).
 */
import { describe, expect, it } from "vitest";
import { classifySendFailure, transactionErrorFromJson, transactionErrorMessage, transactionErrorToJson } from "../../src/l1/json-transaction-error.js";

describe("transaction errors as JSON-RPC gives them", () => {
  it("text -> JSON -> text is the identity on the forms the runtime reports", () => {
    for (const err of ["InstructionError(0, Custom(6002))", "InstructionError(2, InvalidAccountData)", "BlockhashNotFound", "DuplicateInstruction(1)"]) {
      const back = transactionErrorFromJson(JSON.parse(JSON.stringify(transactionErrorToJson(err))));
      expect(back.err).toBe(err);
    }
    expect(transactionErrorToJson("InstructionError(0, Custom(6002))")).toEqual({ InstructionError: [0, { Custom: 6002 }] });
    expect(transactionErrorFromJson({ InstructionError: [0, { Custom: 6002 }] }).customCode).toBe(6002);
    expect(transactionErrorFromJson({ InstructionError: [0, "InvalidAccountData"] }).customCode).toBeNull();
    expect(transactionErrorFromJson({ Odd: { nested: true } })).toEqual({ err: '{"Odd":{"nested":true}}', customCode: null });
  });

  it("a failed send's message tells the L1 error code apart", () => {
    const message = (err: string) => `failed to send transaction: Transaction simulation failed: ${transactionErrorMessage(err)}`;
    expect(classifySendFailure(message("InstructionError(0, Custom(6000))"))).toEqual({ code: "preflight-failure", customCode: 6000 });
    expect(classifySendFailure(message("InstructionError(0, InvalidAccountData)"))).toEqual({ code: "preflight-failure" });
    expect(classifySendFailure(message("BlockhashNotFound"))).toEqual({ code: "blockhash-not-found" });
    expect(classifySendFailure(message("AlreadyProcessed"))).toEqual({ code: "already-processed" });
    expect(classifySendFailure("failed to send transaction: invalid transaction: too short")).toEqual({ code: "malformed-transaction" });
    expect(classifySendFailure("fetch failed")).toEqual({ code: "rpc-unavailable" });
  });
});

/**
 * Solana transaction errors as litesvm 1.5 reports them, turned into the text
 * and the custom code the L1 RPC protocol carries.
 *
 * litesvm returns the runtime's `TransactionError`: a number for the variants
 * without fields (a `const enum` in its typings, which isolated modules cannot
 * read, hence the name tables below, in the runtime's declaration order), or an
 * object for the variants with fields. The text follows the Rust `Debug` form
 * Solana's RPC prints: `InstructionError(0, Custom(6002))`, `AccountNotFound`.
 */

/** `TransactionError` variants without fields, by discriminant (solana-transaction-error 2.x order). */
const TRANSACTION_ERRORS = [
  "AccountInUse", "AccountLoadedTwice", "AccountNotFound", "ProgramAccountNotFound", "InsufficientFundsForFee",
  "InvalidAccountForFee", "AlreadyProcessed", "BlockhashNotFound", "CallChainTooDeep", "MissingSignatureForFee",
  "InvalidAccountIndex", "SignatureFailure", "InvalidProgramForExecution", "SanitizeFailure", "ClusterMaintenance",
  "AccountBorrowOutstanding", "WouldExceedMaxBlockCostLimit", "UnsupportedVersion", "InvalidWritableAccount",
  "WouldExceedMaxAccountCostLimit", "WouldExceedAccountDataBlockLimit", "TooManyAccountLocks",
  "AddressLookupTableNotFound", "InvalidAddressLookupTableOwner", "InvalidAddressLookupTableData",
  "InvalidAddressLookupTableIndex", "InvalidRentPayingAccount", "WouldExceedMaxVoteCostLimit",
  "WouldExceedAccountDataTotalLimit", "MaxLoadedAccountsDataSizeExceeded", "ResanitizationNeeded",
  "InvalidLoadedAccountsDataSizeLimit", "UnbalancedTransaction", "ProgramCacheHitMaxLimit", "CommitCancelled",
] as const;

/** `InstructionError` variants without fields, by discriminant. */
const INSTRUCTION_ERRORS = [
  "GenericError", "InvalidArgument", "InvalidInstructionData", "InvalidAccountData", "AccountDataTooSmall",
  "InsufficientFunds", "IncorrectProgramId", "MissingRequiredSignature", "AccountAlreadyInitialized",
  "UninitializedAccount", "UnbalancedInstruction", "ModifiedProgramId", "ExternalAccountLamportSpend",
  "ExternalAccountDataModified", "ReadonlyLamportChange", "ReadonlyDataModified", "DuplicateAccountIndex",
  "ExecutableModified", "RentEpochModified", "NotEnoughAccountKeys", "AccountDataSizeChanged",
  "AccountNotExecutable", "AccountBorrowFailed", "AccountBorrowOutstanding", "DuplicateAccountOutOfSync",
  "InvalidError", "ExecutableDataModified", "ExecutableLamportChange", "ExecutableAccountNotRentExempt",
  "UnsupportedProgramId", "CallDepth", "MissingAccount", "ReentrancyNotAllowed", "MaxSeedLengthExceeded",
  "InvalidSeeds", "InvalidRealloc", "ComputationalBudgetExceeded", "PrivilegeEscalation",
  "ProgramEnvironmentSetupFailure", "ProgramFailedToComplete", "ProgramFailedToCompile", "Immutable",
  "IncorrectAuthority", "AccountNotRentExempt", "InvalidAccountOwner", "ArithmeticOverflow", "UnsupportedSysvar",
  "IllegalOwner", "MaxAccountsDataAllocationsExceeded", "MaxAccountsExceeded", "MaxInstructionTraceLengthExceeded",
  "BuiltinProgramsMustConsumeComputeUnits", "BorshIoError",
] as const;

/** A failed transaction's error: its text and, for `InstructionError(_, Custom(n))`, the code `n`. */
export interface TransactionFailure {
  /** E.g. `InstructionError(0, Custom(6002))`. */
  readonly err: string;
  /** The program's custom error code (Anchor's are 6000 and up), or null. */
  readonly customCode: number | null;
}

/** Builds the failure for a fieldless `TransactionError` by name (errors the node decides itself). */
export function transactionFailure(name: (typeof TRANSACTION_ERRORS)[number]): TransactionFailure {
  return { err: name, customCode: null };
}

function nameOf(table: readonly string[], value: number, kind: string): string {
  return table[value] ?? `${kind}(${value})`;
}

function className(value: object): string {
  return (value as { constructor?: { name?: string } }).constructor?.name ?? "";
}

/**
 * Describes litesvm's `FailedTransactionMetadata.err()` value.
 * Unknown shapes (a litesvm upgrade) become their `toString()` rather than a throw.
 */
export function describeTransactionError(error: unknown): TransactionFailure {
  if (typeof error === "number") return { err: nameOf(TRANSACTION_ERRORS, error, "TransactionError"), customCode: null };
  if (typeof error !== "object" || error === null) return { err: String(error), customCode: null };
  const fields = error as { index?: unknown; accountIndex?: unknown; err?: unknown };
  switch (className(error)) {
    case "TransactionErrorInstructionError": {
      const index = Number(fields.index);
      const inner = typeof fields.err === "function" ? (fields.err as () => unknown).call(error) : undefined;
      if (typeof inner === "number") return { err: `InstructionError(${index}, ${nameOf(INSTRUCTION_ERRORS, inner, "InstructionError")})`, customCode: null };
      if (typeof inner === "object" && inner !== null && typeof (inner as { code?: unknown }).code === "number") {
        const code = (inner as { code: number }).code;
        return { err: `InstructionError(${index}, Custom(${code}))`, customCode: code };
      }
      if (typeof inner === "object" && inner !== null && typeof (inner as { msg?: unknown }).msg === "string") {
        return { err: `InstructionError(${index}, BorshIoError)`, customCode: null };
      }
      return { err: `InstructionError(${index}, ${String(inner)})`, customCode: null };
    }
    case "TransactionErrorDuplicateInstruction":
      return { err: `DuplicateInstruction(${Number(fields.index)})`, customCode: null };
    case "TransactionErrorInsufficientFundsForRent":
      return { err: `InsufficientFundsForRent(${Number(fields.accountIndex)})`, customCode: null };
    case "TransactionErrorProgramExecutionTemporarilyRestricted":
      return { err: `ProgramExecutionTemporarilyRestricted(${Number(fields.accountIndex)})`, customCode: null };
    default:
      return { err: String(error), customCode: null };
  }
}

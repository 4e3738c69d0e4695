/**
 * Transaction execution: admission (nonce, fee, shape), the fee burn, the
 * nonce increment, and the instructions run in order and atomically, ending
 * in a receipt. Deterministic and synchronous: the outcome depends only on the
 * ledger state and the transaction.
 */
import { assertSupplyCovers, executeInstruction, type InstructionEffects } from "./instructions.js";
import type { LedgerReader, LedgerWriter } from "./ledger.js";
import { BRIDGE_ACCOUNT, INSTRUCTIONS_PER_TX_MAX, NATIVE_ASSET, U64_MAX, type AssetSymbol, type TransactionBody, type TxReceipt, type VmErrorCode } from "./types.js";

/**
 * Why a transaction cannot enter a block (its signature is checked elsewhere), in this order:
 * "invalid-instruction" for a structurally bad transaction (no instructions or more than
 * {@link INSTRUCTIONS_PER_TX_MAX}, a fee outside 0..2^64-1, a nonce outside 0..2^64-2, so that
 * it can still be incremented); for a system transaction (sender {@link BRIDGE_ACCOUNT}):
 * "invalid-instruction" when its fee is not 0, "bad-deposit-sequence" unless every instruction is a
 * `credit-deposit` and their sequence numbers run from the state's next deposit sequence up by one;
 * "bad-nonce" when `tx.nonce` is not the sender's nonce;
 * "insufficient-fee" when the sender's {@link NATIVE_ASSET} balance is below the fee.
 * @returns the code, or undefined when the transaction is admissible
 */
export function admissionError(state: LedgerReader, tx: TransactionBody): VmErrorCode | undefined {
  const count = tx.instructions.length;
  if (count === 0 || count > INSTRUCTIONS_PER_TX_MAX) return "invalid-instruction";
  if (tx.fee < 0n || tx.fee > U64_MAX) return "invalid-instruction";
  if (tx.nonce < 0n || tx.nonce >= U64_MAX) return "invalid-instruction";
  if (tx.sender === BRIDGE_ACCOUNT) {
    if (tx.fee !== 0n) return "invalid-instruction";
    let next = state.depositNext();
    for (const ins of tx.instructions) {
      if (ins.kind !== "credit-deposit" || ins.sequence !== next) return "bad-deposit-sequence";
      next++;
    }
  }
  if (tx.nonce !== state.nonce(tx.sender)) return "bad-nonce";
  if (state.balance(tx.sender, NATIVE_ASSET) < tx.fee) return "insufficient-fee";
  return undefined;
}

/**
 * Executes an admissible transaction: burns the fee from the sender's
 * {@link NATIVE_ASSET} balance (the asset's supply decreases), increments the
 * nonce, then runs the instructions in order atomically. On the first failure
 * every instruction's writes are reverted (the fee burn and the nonce stay)
 * and the receipt carries the code, the failing instruction's index and a
 * message.
 * @param id the transaction id the receipt carries
 * @returns the receipt: `supplyDelta` holds the fee burn and, on success, the instructions' mints and burns (zero entries omitted); `swaps` is empty on failure
 * @throws Error when the transaction is not admissible (callers check {@link admissionError} first: that is a programming error, not bad input), or when the ledger is found to break an invariant (a supply below what is held, more shares held than outstanding); nothing is written then
 */
export function executeTransaction(state: LedgerWriter, tx: TransactionBody, id: string): TxReceipt {
  const inadmissible = admissionError(state, tx);
  if (inadmissible !== undefined) throw new Error(`executeTransaction: transaction ${id} is not admissible (${inadmissible}); check admissionError first`);
  const start = state.mark();
  const supplyDelta = new Map<AssetSymbol, bigint>();
  if (tx.fee > 0n) {
    const native = state.asset(NATIVE_ASSET);
    if (native === undefined) throw new Error(`ledger invariant: ${NATIVE_ASSET} is not an asset but ${tx.sender} holds ${state.balance(tx.sender, NATIVE_ASSET)} of it`);
    assertSupplyCovers(native, tx.fee);
    state.setBalance(tx.sender, NATIVE_ASSET, state.balance(tx.sender, NATIVE_ASSET) - tx.fee);
    state.setAsset({ ...native, supply: native.supply - tx.fee });
    supplyDelta.set(NATIVE_ASSET, -tx.fee);
  }
  state.setNonce(tx.sender, tx.nonce + 1n);

  const mark = state.mark();
  const effects: InstructionEffects = { supplyDelta: new Map(), swaps: [] };
  for (let index = 0; index < tx.instructions.length; index++) {
    let failure;
    try {
      failure = executeInstruction(state, tx.sender, tx.instructions[index]!, effects);
    } catch (error) {
      // A broken ledger invariant: leave the state as it was before the transaction.
      state.revertTo(start);
      throw error;
    }
    if (failure !== undefined) {
      state.revertTo(mark);
      return {
        id,
        sender: tx.sender,
        nonce: tx.nonce,
        fee: tx.fee,
        status: failure.code,
        failedInstruction: index,
        message: failure.message,
        supplyDelta,
        swaps: [],
      };
    }
  }
  for (const [asset, delta] of effects.supplyDelta) {
    const total = (supplyDelta.get(asset) ?? 0n) + delta;
    if (total === 0n) supplyDelta.delete(asset);
    else supplyDelta.set(asset, total);
  }
  return { id, sender: tx.sender, nonce: tx.nonce, fee: tx.fee, status: "ok", supplyDelta, swaps: effects.swaps };
}

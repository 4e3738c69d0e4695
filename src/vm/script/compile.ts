/**
 * The script compiler: a small text script, one statement per line, becomes
 * the instructions of one transaction signed by the script's signer. The
 * language is described in `docs/script-grammar.md`; {@link formatInstruction}
 * prints an instruction back in it.
 */
import { BRIDGED_ASSET, type AccountId, type Instruction } from "../types.js";
import { parseScript } from "./parser.js";

export { ScriptError } from "./errors.js";

/** Who the script runs as and the names it may use. */
export interface ScriptContext {
  /** The transaction's sender (lowercase hex). */
  readonly signer: AccountId;
  /** Resolves a name like `alice` to an account; undefined if unknown. */
  resolve(name: string): AccountId | undefined;
}

/** An account as an instruction holds it: 64 lowercase hex digits. */
const ACCOUNT_PATTERN = /^[0-9a-f]{64}$/;

/**
 * Compiles `source` to instructions, one per statement, in order.
 *
 * @param source - the script
 * @param ctx - the signer (what `me` means, and the only account `from` may name) and the name resolver
 * @returns between 1 and INSTRUCTIONS_PER_TX_MAX instructions
 * @throws ScriptError {line, column, message} (1-based) naming the first problem
 * @throws RangeError when `ctx.signer` is not 64 lowercase hex digits (a caller bug, not a script problem)
 */
export function compileScript(source: string, ctx: ScriptContext): Instruction[] {
  if (!ACCOUNT_PATTERN.test(ctx.signer)) throw new RangeError(`ScriptContext.signer must be 64 lowercase hex digits, got ${JSON.stringify(ctx.signer)}`);
  return parseScript(source, ctx).map((statement) => statement.instruction);
}

/**
 * Prints an instruction as one script statement, with every optional clause
 * written out (so the result does not depend on defaults or on the signer).
 *
 * @param ins - the instruction
 * @param nameOf - how to write an account; `0x` and its hex when absent. Its names must be
 *   ones the compiling context resolves back, and not `me` or `none`, for the round trip to hold.
 * @returns a statement that {@link compileScript} compiles back to `ins` (for a valid instruction);
 *   the bridge's `withdraw` and `credit-deposit` and the xT's `mailbox-write` and `mailbox-read` have no
 *   statement in the script language (wallets, the leader and SBCP clients build them directly), so their
 *   text is descriptive only and does not compile
 */
export function formatInstruction(ins: Instruction, nameOf?: (a: AccountId) => string): string {
  const account = (a: AccountId): string => (nameOf === undefined ? `0x${a}` : nameOf(a));
  const accountOrNone = (a: AccountId | null): string => (a === null ? "none" : account(a));
  switch (ins.kind) {
    case "create-asset":
      return `create asset ${ins.asset} decimals ${ins.decimals} authority ${accountOrNone(ins.mintAuthority)}`;
    case "mint":
      return `mint ${ins.amount} ${ins.asset} to ${account(ins.to)}`;
    case "transfer":
      return `transfer ${ins.amount} ${ins.asset} to ${account(ins.to)}`;
    case "burn":
      return `burn ${ins.amount} ${ins.asset}`;
    case "set-mint-authority":
      return `set authority ${ins.asset} to ${accountOrNone(ins.authority)}`;
    case "create-pool":
      return `create pool ${ins.assetA} ${ins.assetB} fee ${ins.feeBps} bps`;
    case "add-liquidity":
      return `add liquidity ${ins.amountA} ${ins.assetA} ${ins.amountB} ${ins.assetB} min ${ins.minShares} shares`;
    case "remove-liquidity":
      return `remove liquidity ${ins.shares} shares ${ins.assetA} ${ins.assetB} min ${ins.minA} ${ins.assetA} ${ins.minB} ${ins.assetB}`;
    case "swap":
      return `swap ${ins.amountIn} ${ins.assetIn} for ${ins.assetOut} min ${ins.minOut}`;
    case "withdraw":
      return `withdraw ${ins.amount} ${BRIDGED_ASSET} to L1 0x${ins.recipient}`;
    case "credit-deposit":
      return `credit deposit ${ins.sequence}: ${ins.amount} ${BRIDGED_ASSET} to ${account(ins.to)}`;
    case "mailbox-write":
      return `mailbox write ${ins.amount} ${ins.asset} to ${account(ins.to)} on chain ${ins.destination} session ${ins.session}`;
    case "mailbox-read":
      return `mailbox read chain ${ins.source} session ${ins.session}`;
  }
}

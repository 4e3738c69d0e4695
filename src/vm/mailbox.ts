/**
 * The mailbox-populating step of a cross-rollup transfer's destination chain
 * (SCP v1, `synchronous_composability_protocol.md`, "Protocol": the sequencer
 * puts each CIRC message it received into the inbox, with a
 * mailbox-populating transaction placed before the xT's transactions, which
 * the Mailbox contract's `putInbox` executes). Here it is a state write the
 * sequencer's executor makes outside the instructions, like genesis: the
 * inbox entry `i:<source>:<session>` that `mailbox-read` then consumes once.
 * Whether the entry is honest (equal to the source chain's outbox entry) is
 * what the settlement layer's mailbox consistency checks
 * (`settlement_layer.md`, rule 6: every inbox message is in its source's
 * outbox); in the simulator the `sbcp-mailbox` checker compares them.
 */
import type { LedgerWriter } from "./ledger.js";
import { ASSET_SYMBOL_PATTERN, CHAIN_ID_MAX, U64_MAX, type MailboxMessage } from "./types.js";

const ACCOUNT_PATTERN = /^[0-9a-f]{64}$/;

/**
 * Puts the incoming CIRC message `message` of chain `source`, session `session`, into the inbox
 * of `state`, not consumed.
 * @returns undefined when written, else why not (nothing written): a field out of range (chain id
 *   past u32, session past u64, an account not 64 hex digits, a bad symbol, an amount outside
 *   1..2^64-1), or an inbox entry already there (a message is populated once)
 */
export function putInbox(state: LedgerWriter, source: number, session: bigint, message: MailboxMessage): string | undefined {
  if (!Number.isInteger(source) || source < 0 || source > CHAIN_ID_MAX) return `putInbox: source chain ${source} not a u32`;
  if (session < 0n || session > U64_MAX) return `putInbox: session ${session} not in 0..2^64-1`;
  if (!ACCOUNT_PATTERN.test(message.sender) || !ACCOUNT_PATTERN.test(message.receiver)) return "putInbox: sender or receiver not a 32-byte account";
  if (!ASSET_SYMBOL_PATTERN.test(message.asset)) return `putInbox: bad symbol ${JSON.stringify(message.asset)}`;
  if (message.amount < 1n || message.amount > U64_MAX) return `putInbox: amount ${message.amount} not in 1..2^64-1`;
  if (state.inbox(source, session) !== undefined) return `putInbox: the inbox holds the message of chain ${source} with session ${session} already`;
  state.setInbox(source, session, { sender: message.sender, receiver: message.receiver, asset: message.asset, amount: message.amount, consumed: false });
  return undefined;
}

/**
 * A simple deterministic ledger that implements {@link ChainExecutor}, used by
 * the hand-driven SBCP unit tests (`test/helpers/sbcp-hand.ts`); the `sbcp`
 * system runs AssetVM chains (`../assetvm/assetvm-executor.ts`). Balances per
 * (account, asset), transfers, and the two sides of a cross-rollup transfer
 * through the mailbox (burn and write a CIRC message on the source chain, read
 * it and mint on the destination), after SCP v1's mailbox model
 * (`synchronous_composability_protocol.md`, "Protocol": the mailbox tracer;
 * a read that misses makes the simulation wait).
 *
 * The state root is sha256 over the sorted (account, asset, balance) entries:
 * a commitment, not an authenticated tree (no inclusion proofs). Simulation
 * copies the balance map, so it costs O(accounts) per run.
 */
import { bytesEqual, concatBytes, sha256, toHex, u64, utf8 } from "../../crypto/hash.js";
import { assert } from "../../sim/assert.js";
import type { ChainExecutor, CircRead, CircWrite, ExecutorSnapshot, MailboxKey, XtSimulation } from "../execution.js";
import type { ChainId } from "../messages.js";
import { decodeLedgerBlock, decodeLedgerTx, encodeLedgerBlock, encodeLedgerTx, TRANSFER_LABEL } from "./ledger-tx.js";

/** A genesis balance. */
export interface LedgerBalance {
  readonly account: Uint8Array;
  readonly asset: string;
  readonly amount: number;
}

interface LedgerSnapshot extends ExecutorSnapshot {
  readonly balances: ReadonlyMap<string, number>;
}

type Balances = Map<string, number>;

const keyOf = (account: Uint8Array, asset: string): string => `${toHex(account)}:${asset}`;

/** The result of running transactions on a balance map (mutated in place). */
type RunResult = { outcome: "success"; writes: CircWrite[] } | { outcome: "waiting"; writes: CircWrite[]; missing: MailboxKey[] } | { outcome: "failure"; writes: CircWrite[]; reason: string };

/** The two Data entries of a transfer's CIRC message: the asset (UTF-8) and the amount (8 bytes big-endian). */
export function transferData(asset: string, amount: number): Uint8Array[] {
  return [utf8(asset), u64(amount)];
}

function debit(balances: Balances, account: Uint8Array, asset: string, amount: number): string | undefined {
  const key = keyOf(account, asset);
  const have = balances.get(key) ?? 0;
  if (have < amount) return `insufficient balance: ${have} < ${amount} ${asset}`;
  if (have === amount) balances.delete(key);
  else balances.set(key, have - amount);
  return undefined;
}

function credit(balances: Balances, account: Uint8Array, asset: string, amount: number): string | undefined {
  const key = keyOf(account, asset);
  const next = (balances.get(key) ?? 0) + amount;
  if (!Number.isSafeInteger(next)) return "balance overflow";
  if (next > 0) balances.set(key, next);
  return undefined;
}

/** Runs `txs` (one xT part, or one local transaction) on `balances` with `inbox`; stops at the first failure or read miss. */
function run(balances: Balances, txs: readonly Uint8Array[], inbox: readonly CircRead[], allowMailbox: boolean): RunResult {
  const writes: CircWrite[] = [];
  for (const bytes of txs) {
    let tx;
    try {
      tx = decodeLedgerTx(bytes);
    } catch (error) {
      return { outcome: "failure", writes, reason: (error as Error).message };
    }
    switch (tx.kind) {
      case "Transfer": {
        const refused = debit(balances, tx.From, tx.Asset, tx.Amount) ?? credit(balances, tx.To, tx.Asset, tx.Amount);
        if (refused !== undefined) return { outcome: "failure", writes, reason: refused };
        break;
      }
      case "MailboxSend": {
        if (!allowMailbox) return { outcome: "failure", writes, reason: "a mailbox send outside an xT" };
        const refused = debit(balances, tx.From, tx.Asset, tx.Amount);
        if (refused !== undefined) return { outcome: "failure", writes, reason: refused };
        writes.push({ DestinationChainID: tx.DestinationChainID, Source: [tx.From], Receiver: [tx.To], SessionID: tx.SessionID, Label: TRANSFER_LABEL, Data: transferData(tx.Asset, tx.Amount) });
        break;
      }
      case "MailboxReceive": {
        if (!allowMailbox) return { outcome: "failure", writes, reason: "a mailbox receive outside an xT" };
        const message = inbox.find((m) => m.SourceChainID === tx.SourceChainID && m.SessionID === tx.SessionID && m.Label === TRANSFER_LABEL);
        if (message === undefined) return { outcome: "waiting", writes, missing: [{ SourceChainID: tx.SourceChainID, SessionID: tx.SessionID, Label: TRANSFER_LABEL }] };
        const [asset, amount] = transferData(tx.Asset, tx.Amount);
        if (message.Data.length !== 2 || !bytesEqual(message.Data[0]!, asset!) || !bytesEqual(message.Data[1]!, amount!)) return { outcome: "failure", writes, reason: "the CIRC message's asset or amount differs from the receive" };
        if (message.Receiver.length !== 1 || !bytesEqual(message.Receiver[0]!, tx.To)) return { outcome: "failure", writes, reason: "the CIRC message's receiver differs from the receive" };
        const refused = credit(balances, tx.To, tx.Asset, tx.Amount);
        if (refused !== undefined) return { outcome: "failure", writes, reason: refused };
        break;
      }
      case "MailboxPopulate":
        return { outcome: "failure", writes, reason: "a mailbox-populating transaction inside an xT's part" };
    }
  }
  return { outcome: "success", writes };
}

function rootOf(balances: Balances): Uint8Array {
  const entries = [...balances.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return sha256(concatBytes(...entries.map(([key, amount]) => concatBytes(utf8(key), u64(amount)))));
}

/** The sum of every balance of `asset` in a snapshot taken by a {@link LedgerExecutor}. */
export function snapshotSupply(snapshot: ExecutorSnapshot, asset: string): number {
  const ledger = snapshot as LedgerSnapshot;
  assert(ledger.balances instanceof Map, "a snapshot of a ledger executor");
  let total = 0;
  for (const [key, amount] of ledger.balances) if (key.endsWith(`:${asset}`)) total += amount;
  return total;
}

/** The simple ledger of one chain. */
export class LedgerExecutor implements ChainExecutor {
  private balances: Balances = new Map();
  private unsealed: Uint8Array[] = [];

  /**
   * @param chainId this chain's id
   * @param genesis the balances at genesis
   */
  constructor(
    readonly chainId: ChainId,
    genesis: readonly LedgerBalance[] = [],
  ) {
    for (const { account, asset, amount } of genesis) {
      assert(Number.isSafeInteger(amount) && amount >= 0, "a genesis balance is a safe non-negative integer");
      assert(credit(this.balances, account, asset, amount) === undefined, "genesis balances do not overflow");
    }
  }

  /** `account`'s balance of `asset`. */
  balance(account: Uint8Array, asset: string): number {
    return this.balances.get(keyOf(account, asset)) ?? 0;
  }

  /** The sum of every balance of `asset` on this chain. */
  supplyOf(asset: string): number {
    let total = 0;
    for (const [key, amount] of this.balances) if (key.endsWith(`:${asset}`)) total += amount;
    return total;
  }

  supply(): Record<string, number> {
    const totals = new Map<string, number>();
    for (const [key, amount] of this.balances) {
      const asset = key.slice(key.indexOf(":") + 1);
      totals.set(asset, (totals.get(asset) ?? 0) + amount);
    }
    return Object.fromEntries([...totals.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  applyLocal(tx: Uint8Array): string | undefined {
    const scratch = new Map(this.balances);
    const result = run(scratch, [tx], [], false);
    if (result.outcome !== "success") return result.outcome === "failure" ? result.reason : "a read outside an xT";
    this.balances = scratch;
    this.unsealed.push(tx);
    return undefined;
  }

  simulateXt(txs: readonly Uint8Array[], inbox: readonly CircRead[]): XtSimulation {
    return run(new Map(this.balances), txs, inbox, true);
  }

  applyXt(txs: readonly Uint8Array[], inbox: readonly CircRead[], xTid: Uint8Array): Uint8Array[] {
    const result = run(this.balances, txs, inbox, true);
    assert(result.outcome === "success", "a decided-true xT part applies (it succeeded in simulation on this state and inbox)");
    const populate = inbox.map((m) => encodeLedgerTx({ kind: "MailboxPopulate", ...m, xTid }));
    const appended = [...populate, ...txs];
    this.unsealed.push(...appended);
    return appended;
  }

  seal(): { block: Uint8Array; stateRoot: Uint8Array } {
    const stateRoot = rootOf(this.balances);
    const block = encodeLedgerBlock({ Transactions: this.unsealed, StateRoot: stateRoot });
    this.unsealed = [];
    return { block, stateRoot };
  }

  replayBlock(block: Uint8Array): string | undefined {
    let decoded;
    try {
      decoded = decodeLedgerBlock(block);
    } catch (error) {
      return (error as Error).message;
    }
    const scratch = new Map(this.balances);
    const inbox: CircRead[] = [];
    for (const bytes of decoded.Transactions) {
      let tx;
      try {
        tx = decodeLedgerTx(bytes);
      } catch (error) {
        return (error as Error).message;
      }
      if (tx.kind === "MailboxPopulate") {
        inbox.push(tx);
        continue;
      }
      const result = run(scratch, [bytes], inbox, true);
      if (result.outcome !== "success") return `transaction failed on replay: ${result.outcome === "failure" ? result.reason : "a read missed"}`;
    }
    if (!bytesEqual(rootOf(scratch), decoded.StateRoot)) return "state root differs after replay";
    this.balances = scratch;
    this.unsealed = [];
    return undefined;
  }

  snapshot(): ExecutorSnapshot {
    const snapshot: LedgerSnapshot = { stateRoot: rootOf(this.balances), balances: new Map(this.balances) };
    return snapshot;
  }

  restore(snapshot: ExecutorSnapshot): void {
    const ledger = snapshot as LedgerSnapshot;
    assert(ledger.balances instanceof Map, "a snapshot of this executor");
    this.balances = new Map(ledger.balances);
    this.unsealed = [];
  }
}

/**
 * How a sequencer executes its chain's transactions, behind an interface so
 * the execution engine can change without touching the protocol: the `sbcp`
 * system runs AssetVM chains (`assetvm/assetvm-executor.ts`, with the VM's
 * mailbox-write and mailbox-read instructions); the simple ledger of `ledger/`
 * implements it too, for the hand-driven unit tests.
 *
 * The sequencer owns one {@link ChainExecutor} per chain. Its state is the
 * draft block's state: local transactions and decided xTs are applied to it;
 * an xT's part is first simulated on a copy (SCP v1, "Protocol": the sequencer
 * simulates its transactions with a mailbox tracer), and applied only on
 * Decided(true).
 */
import type { CircContent } from "./circ-digest.js";
import type { ChainId } from "./messages.js";

/** A mailbox message an xT's part writes: a CIRCMessage without its routing ids (xTid, slot, source chain), which the sequencer adds. */
export interface CircWrite {
  readonly DestinationChainID: ChainId;
  readonly Source: readonly Uint8Array[];
  readonly Receiver: readonly Uint8Array[];
  readonly SessionID: number;
  readonly Label: string;
  readonly Data: readonly Uint8Array[];
}

/** A mailbox message this chain received: what a read matches on, and its content. */
export interface CircRead {
  readonly SourceChainID: ChainId;
  readonly Source: readonly Uint8Array[];
  readonly Receiver: readonly Uint8Array[];
  readonly SessionID: number;
  readonly Label: string;
  readonly Data: readonly Uint8Array[];
}

/** A read the simulation needs and the inbox does not hold yet. */
export interface MailboxKey {
  readonly SourceChainID: ChainId;
  readonly SessionID: number;
  readonly Label: string;
}

/**
 * The outcome of simulating one chain's part of an xT against the draft state
 * with the inbox so far. `writes` are every CIRC message the part wrote in this
 * run, in order (the sequencer sends each one once, across runs).
 * - `success`: every transaction ran; vote true.
 * - `waiting`: a mailbox read missed (`missing`); wait for CIRC messages and re-simulate.
 * - `failure`: a transaction failed for another reason (`reason`); vote false.
 */
export type XtSimulation =
  | { readonly outcome: "success"; readonly writes: readonly CircWrite[] }
  | { readonly outcome: "waiting"; readonly writes: readonly CircWrite[]; readonly missing: readonly MailboxKey[] }
  | { readonly outcome: "failure"; readonly writes: readonly CircWrite[]; readonly reason: string };

/** One chain's execution engine, as a sequencer uses it. Deterministic: same calls, same results. */
export interface ChainExecutor {
  /** This chain's id. */
  readonly chainId: ChainId;
  /**
   * Applies a local transaction to the draft state.
   * @returns undefined when applied, else why it was refused (the state is unchanged)
   */
  applyLocal(tx: Uint8Array): string | undefined;
  /** Simulates `txs` (this chain's part of an xT) on a copy of the draft state with `inbox`; the draft is unchanged. */
  simulateXt(txs: readonly Uint8Array[], inbox: readonly CircRead[], xTid: Uint8Array): XtSimulation;
  /**
   * Applies a decided-true xT's part to the draft state: one mailbox-populating
   * transaction per entry of `inbox`, then `txs`.
   * @returns the transactions appended to the draft block, in order
   * @throws AssertionError when the part fails (it succeeded in simulation on the same state and inbox: a programmer error)
   */
  applyXt(txs: readonly Uint8Array[], inbox: readonly CircRead[], xTid: Uint8Array): Uint8Array[];
  /** Seals the draft: the encoded block of every transaction applied since the last seal or restore, and the state root. */
  seal(): { readonly block: Uint8Array; readonly stateRoot: Uint8Array };
  /**
   * Re-executes a sealed block of this chain (recovery: a block fetched with
   * L2BlockRequest) on the draft state, then seals it.
   * @returns undefined when it applied and its state root matched, else why not (the state is unchanged)
   */
  replayBlock(block: Uint8Array): string | undefined;
  /** The total of every balance per asset in the current state (for the conservation checker), keys sorted. */
  supply(): Record<string, number>;
  /** An opaque copy of the current state (taken after a seal, to roll back to). */
  snapshot(): ExecutorSnapshot;
  /** Resets the draft state to `snapshot` and forgets the unsealed transactions. */
  restore(snapshot: ExecutorSnapshot): void;
  /**
   * The incoming CIRC message of chain `source` with session `session` as the draft state's
   * mailbox holds it (its Source, Receiver and Data), or undefined when the state holds none;
   * for the mailbox checker, which compares it with the message the chain read. Optional: an
   * executor without a mailbox in its state leaves it out.
   */
  inboxContent?(source: ChainId, session: number): CircContent | undefined;
}

/** A state an executor can be restored to; only the executor that made it reads it. */
export interface ExecutorSnapshot {
  readonly stateRoot: Uint8Array;
}

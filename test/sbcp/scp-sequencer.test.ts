/**
 * Goal: a sequencer's side of an SCP instance simulates with a mailbox, sends
 * each CIRC message once, waits on a read miss, re-simulates on each new CIRC
 * message, and votes once. Each test mirrors a v2 Go test of
 * compose-network/specs `compose/scp/sequencer_test.go`, named after it.
 */
import { describe, expect, it } from "vitest";
import { LedgerExecutor } from "../../src/sbcp/ledger/ledger-executor.js";
import { encodeLedgerTx } from "../../src/sbcp/ledger/ledger-tx.js";
import type { CIRCMessage, XTRequest } from "../../src/sbcp/messages.js";
import { SequencerInstance } from "../../src/sbcp/scp/sequencer-instance.js";
import { account, ASSET, crossTransfer, FUNDED, startSC } from "../helpers/sbcp-hand.js";

const receive = (source: number, to: number, amount: number, session: number): Uint8Array =>
  encodeLedgerTx({ kind: "MailboxReceive", SourceChainID: source, To: account(to), Asset: ASSET, Amount: amount, SessionID: session });
const send = (destination: number, from: number, to: number, amount: number, session: number): Uint8Array =>
  encodeLedgerTx({ kind: "MailboxSend", DestinationChainID: destination, From: account(from), To: account(to), Asset: ASSET, Amount: amount, SessionID: session });

/** The CIRC message chain `source`'s part writes for a transfer of `amount` to `to` on `destination`. */
function circFrom(source: number, destination: number, request: XTRequest, to: number, amount: number, session: number): CIRCMessage {
  const sender = new SequencerInstance(source, startSC({ Transactions: [{ ChainID: source, Transaction: [send(destination, 1, to, amount, session)] }] }, 1, 0), new LedgerExecutor(source, FUNDED));
  const circ = sender.start().circ[0]!;
  return { ...circ, xTid: startSC(request, 1, 0).xTid };
}

describe("SCP sequencer instance (compose/scp/sequencer_test.go)", () => {
  it("VoteTrueOnImmediateSuccess", () => {
    const request = crossTransfer(1, 2, 1, 7, 100);
    const i = new SequencerInstance(1, startSC(request, 1, 0), new LedgerExecutor(1, FUNDED));
    const effects = i.start();
    expect(effects.vote).toBe(true);
    expect(effects.circ).toHaveLength(1);
    expect(effects.circ[0]).toMatchObject({ SourceChainID: 1, DestinationChainID: 2, SessionID: 1, Label: "transfer", Slot: 1 });
    expect(i.state).toBe("voted");
  });

  it("ReadThenMailboxThenSuccess", () => {
    const request = crossTransfer(1, 2, 1, 7, 100);
    const executor = new LedgerExecutor(2, []);
    const i = new SequencerInstance(2, startSC(request, 1, 0), executor);
    expect(i.start()).toEqual({ circ: [] });
    expect(i.state).toBe("waiting");
    expect(i.missingReads).toEqual([{ SourceChainID: 1, SessionID: 1, Label: "transfer" }]);
    const effects = i.onCirc(circFrom(1, 2, request, 7, 100, 1));
    expect(effects.vote).toBe(true);
    // The draft state is untouched until Decided(true).
    expect(executor.balance(account(7), ASSET)).toBe(0);
    const appended = i.onDecided(true);
    expect(appended).toHaveLength(2); // the mailbox-populating transaction, then the receive
    expect(executor.balance(account(7), ASSET)).toBe(100);
  });

  it("MultipleReadsOutOfOrder", () => {
    const request: XTRequest = { Transactions: [{ ChainID: 3, Transaction: [receive(1, 7, 10, 1), receive(2, 7, 20, 2)] }] };
    const i = new SequencerInstance(3, startSC(request, 1, 0), new LedgerExecutor(3, []));
    i.start();
    expect(i.missingReads[0]).toMatchObject({ SourceChainID: 1 });
    // The second read's message comes first: still waiting on the first.
    expect(i.onCirc(circFrom(2, 3, request, 7, 20, 2))).toEqual({ circ: [] });
    expect(i.missingReads[0]).toMatchObject({ SourceChainID: 1 });
    expect(i.onCirc(circFrom(1, 3, request, 7, 10, 1)).vote).toBe(true);
  });

  it("TimeoutBeforeVoteSendsFalse", () => {
    const request = crossTransfer(1, 2, 1, 7, 100);
    const i = new SequencerInstance(2, startSC(request, 1, 0), new LedgerExecutor(2, []));
    i.start();
    expect(i.onTimeout()).toEqual({ circ: [], vote: false });
    // Votes once: a later CIRC message neither re-simulates nor votes again.
    expect(i.onCirc(circFrom(1, 2, request, 7, 100, 1))).toEqual({ circ: [] });
    expect(i.vote).toBe(false);
  });

  it("TimeoutWithMultipleUnfulfilledReads", () => {
    const request: XTRequest = { Transactions: [{ ChainID: 3, Transaction: [receive(1, 7, 10, 1), receive(2, 7, 20, 2)] }] };
    const i = new SequencerInstance(3, startSC(request, 1, 0), new LedgerExecutor(3, []));
    i.start();
    i.onCirc(circFrom(2, 3, request, 7, 20, 2));
    expect(i.onTimeout()).toEqual({ circ: [], vote: false });
    expect(i.onTimeout()).toEqual({ circ: [] });
  });

  it("TimeoutAfterWaitingDecidedIgnored", () => {
    const request = crossTransfer(1, 2, 1, 7, 100);
    const i = new SequencerInstance(2, startSC(request, 1, 0), new LedgerExecutor(2, []));
    i.start();
    expect(i.onDecided(false)).toEqual([]);
    expect(i.onTimeout()).toEqual({ circ: [] });
    expect(i.vote).toBeUndefined();
  });

  it("SimulationErrorVotesFalse", () => {
    const request = crossTransfer(1, 2, 1, 7, 5000); // chain 1's account 1 holds 1000
    const i = new SequencerInstance(1, startSC(request, 1, 0), new LedgerExecutor(1, FUNDED));
    expect(i.start().vote).toBe(false);
    expect(i.failure).toMatch(/insufficient balance/);
  });

  it("FiltersTransactionsByChainID", () => {
    const request = crossTransfer(1, 2, 1, 7, 100);
    const i = new SequencerInstance(2, startSC(request, 1, 0), new LedgerExecutor(2, []));
    expect(i.txs).toEqual(request.Transactions.filter((t) => t.ChainID === 2).flatMap((t) => t.Transaction));
  });

  it("NoTransactions_ReturnsErrNoTransactions (a chain without transactions neither simulates nor votes)", () => {
    const i = new SequencerInstance(3, startSC(crossTransfer(1, 2, 1, 7, 100), 1, 0), new LedgerExecutor(3, []));
    expect(i.participates).toBe(false);
    expect(i.start()).toEqual({ circ: [] });
    expect(i.onTimeout()).toEqual({ circ: [] });
  });

  it("each CIRC message is sent once across re-simulations; a duplicate CIRC message is ignored", () => {
    // Chain 2 writes to chain 1 first, then reads from chain 1: each re-simulation writes the same message again.
    const request: XTRequest = { Transactions: [{ ChainID: 2, Transaction: [send(1, 1, 9, 5, 3), receive(1, 7, 10, 1)] }] };
    const i = new SequencerInstance(2, startSC(request, 1, 0), new LedgerExecutor(2, FUNDED));
    expect(i.start().circ).toHaveLength(1);
    const incoming = circFrom(1, 2, request, 7, 10, 1);
    expect(i.onCirc(incoming)).toEqual({ circ: [], vote: true });
    expect(i.onCirc(incoming)).toEqual({ circ: [] });
  });

  it("a CIRC message whose amount differs from the read fails the simulation (vote false)", () => {
    const request = crossTransfer(1, 2, 1, 7, 100);
    const i = new SequencerInstance(2, startSC(request, 1, 0), new LedgerExecutor(2, []));
    i.start();
    expect(i.onCirc(circFrom(1, 2, request, 7, 99, 1)).vote).toBe(false);
  });
});

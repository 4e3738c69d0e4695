/**
 * What the bridge checkers judge, gathered from observations: the L2 side
 * (each height's first honest `bridge-committed`: deposits credited and
 * withdrawals recorded; each height's committed root) and the L1 side (the
 * finalized deposits, payments and vault of `bridge-l1-finalized`, the
 * finalized registry entries of `l1-root-finalized`). One history per
 * checker, fed by the checker's own `observe`.
 */
import type { Observation } from "../checker.js";
import type { HonestValidators } from "../checker.js";
import { VALIDATOR_EVENTS } from "../../systems/validators/events.js";
import { POSTING_EVENTS } from "../../systems/posting/events.js";
import { BRIDGE_EVENTS } from "../../systems/bridge/events.js";
import { SETTLEMENT_EVENTS } from "../../settlement/events.js";

/** A deposit credited on the L2 (or finalized on the L1): the L2 account, the amount, when it was seen. */
export interface DepositSeen {
  readonly to: string;
  readonly amount: bigint;
  readonly timeUs: number;
}

/** A withdrawal recorded on the L2 at `height`. */
export interface WithdrawalSeen {
  readonly recipient: string;
  readonly amount: bigint;
  readonly height: number;
  readonly timeUs: number;
}

/** A payment finalized on the L1. */
export interface PaymentSeen {
  readonly sequence: bigint;
  readonly recipient: string;
  readonly amount: bigint;
  readonly batch: number;
  readonly slot: number;
  readonly timeUs: number;
}

/** The bridge's history as the observations tell it (see the file comment). */
export class BridgeHistory {
  /** L2: first honest commit of each height's bridge changes. */
  readonly credits = new Map<bigint, DepositSeen>();
  /** Credits of a sequence already credited (a deposit credited twice). */
  readonly duplicateCredits: { readonly sequence: bigint; readonly height: number; readonly timeUs: number }[] = [];
  readonly withdrawals = new Map<bigint, WithdrawalSeen>();
  /** The first honest committed root of each L2 height. */
  readonly roots = new Map<number, string>();
  /** L1, finalized. */
  readonly deposits = new Map<bigint, DepositSeen>();
  readonly payments: PaymentSeen[] = [];
  /** Registry batch -> finalized root and slot. */
  /** Final roots by batch: registry entries (with the slot that registered them) or optimistic batches seen Final (slot -1). */
  readonly registry = new Map<number, { readonly root: string; readonly slot: number }>();
  private readonly bridgeHeights = new Set<number>();

  constructor(private readonly honest: HonestValidators) {}

  /** Records `o` if it is one of the events above; returns the event's kind when it was. */
  observe(o: Observation): "credit" | "l1" | "other" {
    if (VALIDATOR_EVENTS.is(o, "state-root")) {
      if (this.honest.has(o.node) && o.fields.root !== "unexecutable" && !this.roots.has(o.fields.height)) this.roots.set(o.fields.height, o.fields.root);
      return "other";
    }
    if (VALIDATOR_EVENTS.is(o, "bridge-committed")) {
      if (!this.honest.has(o.node) || this.bridgeHeights.has(o.fields.height)) return "other";
      this.bridgeHeights.add(o.fields.height);
      for (const c of o.fields.credits) {
        const sequence = BigInt(c.sequence);
        if (this.credits.has(sequence)) this.duplicateCredits.push({ sequence, height: o.fields.height, timeUs: o.timeUs });
        else this.credits.set(sequence, { to: c.to, amount: BigInt(c.amount), timeUs: o.timeUs });
      }
      for (const w of o.fields.withdrawals) this.withdrawals.set(BigInt(w.sequence), { recipient: w.recipient, amount: BigInt(w.amount), height: o.fields.height, timeUs: o.timeUs });
      return "credit";
    }
    if (POSTING_EVENTS.is(o, "l1-root-finalized")) {
      this.registry.set(o.fields.batch, { root: o.fields.root, slot: o.fields.slot });
      return "other";
    }
    // Optimistic mode: a batch seen Final at the finalized commitment is final for good (slot -1: final by its
    // status, which finalize_withdrawal checks in the same transaction, not by the slot it landed in).
    if (SETTLEMENT_EVENTS.is(o, "settlement-batch")) {
      if (o.fields.status === "final" && !this.registry.has(o.fields.height)) this.registry.set(o.fields.height, { root: o.fields.postRoot, slot: -1 });
      return "other";
    }
    if (BRIDGE_EVENTS.is(o, "bridge-l1-finalized")) {
      for (const d of o.fields.deposits) this.deposits.set(BigInt(d.sequence), { to: d.to, amount: BigInt(d.amount), timeUs: o.timeUs });
      for (const p of o.fields.payments) this.payments.push({ sequence: BigInt(p.sequence), recipient: p.recipient, amount: BigInt(p.amount), batch: p.batch, slot: p.slot, timeUs: o.timeUs });
      return "l1";
    }
    return "other";
  }

  /** The bridged asset's L2 supply: credits minus withdrawals recorded. */
  l2Supply(): bigint {
    let supply = 0n;
    for (const c of this.credits.values()) supply += c.amount;
    for (const w of this.withdrawals.values()) supply -= w.amount;
    return supply;
  }
}

/**
 * Reads the bridge accounts of one AssetRollup program as the L1 has
 * finalized them (sim-only introspection of the L1 node, never a message) and
 * hands out, once each, the deposits and the payments (nullifiers) finalized
 * since the last call, with the vault's figures: the fields of a
 * `bridge-l1-finalized` observation.
 */
import type { PublicKey } from "@solana/web3.js";
import { decodeBridgeVault, decodeDepositRecord, decodeWithdrawalNullifier, depositRecordAddress, nullifierAddress, vaultAddress, BRIDGE_ACCOUNT_SIZES } from "../../l1/bridge-program.js";
import type { L1Node } from "../../l1/l1-node.js";
import { toHex } from "../../crypto/hash.js";
import type { BridgeEventMap } from "./events.js";

/**
 * The rent-exempt minimum of an account of `dataBytes` bytes under Solana's default rent (litesvm's too):
 * (128 bytes of overhead + data) x 3,480 lamports per byte-year x 2 years.
 */
export function rentExemptMinimum(dataBytes: number): bigint {
  return (128n + BigInt(dataBytes)) * 3480n * 2n;
}

/** Tracks the finalized bridge state of one program. */
export class L1BridgeWatch {
  private depositsSeen = 0n;
  /** Withdrawal sequence numbers the L2 recorded and no finalized nullifier covers yet. */
  private readonly unpaid = new Set<bigint>();

  constructor(private readonly programId: PublicKey) {}

  /** A withdrawal the L2 committed: watch for its nullifier. */
  watchWithdrawal(sequence: bigint): void {
    this.unpaid.add(sequence);
  }

  /** The fields of `bridge-l1-finalized` at the L1's finalized `slot`, or undefined while the vault does not exist. */
  finalized(l1: L1Node, slot: number): BridgeEventMap["bridge-l1-finalized"] | undefined {
    const vault = l1.accountAt(vaultAddress(this.programId).toBase58(), "finalized");
    if (vault === null || vault.data.length === 0) return undefined;
    const v = decodeBridgeVault(vault.data);
    const deposits: BridgeEventMap["bridge-l1-finalized"]["deposits"] = [];
    for (; this.depositsSeen < v.nextDepositSequence; this.depositsSeen++) {
      const record = l1.accountAt(depositRecordAddress(this.depositsSeen, this.programId).toBase58(), "finalized");
      if (record === null) break;
      const d = decodeDepositRecord(record.data);
      deposits.push({ sequence: d.sequence.toString(), to: toHex(d.recipient), amount: d.amount.toString(), slot: Number(d.slot) });
    }
    const payments: BridgeEventMap["bridge-l1-finalized"]["payments"] = [];
    for (const sequence of [...this.unpaid].sort((a, b) => (a < b ? -1 : 1))) {
      const account = l1.accountAt(nullifierAddress(sequence, this.programId).toBase58(), "finalized");
      if (account === null || account.data.length === 0) continue;
      const n = decodeWithdrawalNullifier(account.data);
      this.unpaid.delete(sequence);
      payments.push({ sequence: sequence.toString(), recipient: toHex(account.data.subarray(16, 48)), amount: n.amount.toString(), batch: Number(n.height), slot: Number(n.slot) });
    }
    const excess = vault.lamports - rentExemptMinimum(BRIDGE_ACCOUNT_SIZES.BridgeVault);
    return { slot, vaultExcess: (excess < 0n ? 0n : excess).toString(), totalDeposited: v.totalDeposited.toString(), totalWithdrawn: v.totalWithdrawn.toString(), deposits, payments };
  }
}

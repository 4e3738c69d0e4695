/**
 * The Ed25519 precompile instruction that goes with the dispute game's `step`
 * (programs/asset_rollup/src/step_signature.c; docs/fraud-proofs.md
 * "Signatures"): the step executes transaction lo only when the Solana
 * transaction also carries an `Ed25519SigVerify111111111111111111111111111`
 * instruction naming, in its own data, the transaction's sender (public key),
 * signing bytes (`TX_SIGNING_DOMAIN || body`) and signature; the runtime
 * verified it before the program ran. A badly signed transaction cannot be
 * shown by the precompile (it would fail the whole Solana transaction): the
 * step then goes without one and the program checks the forgery itself.
 * A step over a system transaction names the DepositRecord of every deposit it
 * credits ({@link stepDepositRecords}).
 */
import type { PublicKey, TransactionInstruction } from "@solana/web3.js";
import { depositRecordAddress } from "./bridge-program.js";
import { createNativeEd25519 } from "../crypto/ed25519-native.js";
import { fromHex } from "../crypto/hash.js";
import { WireDecodeError } from "../net/codec.js";
import { decodeTransaction } from "../vm/tx-codec.js";
import { BRIDGE_ACCOUNT } from "../vm/types.js";
import { web3 } from "./solana-modules.js";

const ed25519 = createNativeEd25519();

/** How a step's transaction is signed, as the program judges it. */
export type StepSignature = "valid" | "forged" | "system" | "malformed";

/**
 * Classifies `tx` (the VM's wire encoding) as the program's signature check does: a system transaction
 * (sender all zeros) is `system` (valid iff its signature is empty, else `forged`), bytes that do not decode
 * `malformed`, else `valid` iff the signature is a 64-byte ed25519 signature of the signing bytes by the sender.
 */
export function stepSignatureOf(tx: Uint8Array): StepSignature {
  let decoded;
  try {
    decoded = decodeTransaction(tx);
  } catch (error) {
    if (error instanceof WireDecodeError) return "malformed";
    throw error;
  }
  if (decoded.sender === BRIDGE_ACCOUNT) return decoded.signature.length === 0 ? "system" : "forged";
  if (decoded.signature.length !== 64) return "forged";
  return ed25519.verify(fromHex(decoded.sender), decoded.signingBytes, decoded.signature) ? "valid" : "forged";
}

/**
 * The Ed25519 precompile instruction a step over `tx` needs: one entry whose public key, message and
 * signature all lie in its own data (web3.js `Ed25519Program.createInstructionWithPublicKey`); undefined
 * when `tx` needs none (system, malformed or forged: see {@link stepSignatureOf}).
 */
export function stepSignatureInstruction(tx: Uint8Array): TransactionInstruction | undefined {
  if (stepSignatureOf(tx) !== "valid") return undefined;
  const decoded = decodeTransaction(tx);
  return web3().Ed25519Program.createInstructionWithPublicKey({ publicKey: fromHex(decoded.sender), message: decoded.signingBytes, signature: decoded.signature });
}

/**
 * The DepositRecord addresses a step over `tx` must name (step_deposit.c): for a system transaction, one per
 * credit-deposit instruction (`["deposit", sequence u64 LE]` of `programId`); none for any other or malformed one.
 */
export function stepDepositRecords(tx: Uint8Array, programId: PublicKey): PublicKey[] {
  let decoded;
  try {
    decoded = decodeTransaction(tx);
  } catch (error) {
    if (error instanceof WireDecodeError) return [];
    throw error;
  }
  if (decoded.sender !== BRIDGE_ACCOUNT) return [];
  return decoded.instructions.flatMap((ins) => (ins.kind === "credit-deposit" ? [depositRecordAddress(ins.sequence, programId)] : []));
}

/** A replica alone, fed messages by hand: v3 of four validators, sim signatures, and the view-1 proposal of v1. */
import { blockHash, proposalSigningBytes } from "../../src/consensus/block-hash.js";
import type { Application } from "../../src/consensus/application.js";
import { GENESIS_BLOCK, GENESIS_QC } from "../../src/consensus/genesis.js";
import { HotStuffReplica } from "../../src/consensus/replica.js";
import type { Block, ProposalMessage } from "../../src/consensus/types.js";
import { ValidatorSet } from "../../src/consensus/validator-set.js";
import { createSimSignatureScheme } from "../../src/crypto/sim-signature.js";
import type { KeyPair } from "../../src/crypto/signature.js";

/** An application that accepts every payload and keeps nothing. */
export const acceptAll: Application = {
  onAppMessage: () => {},
  buildPayload: () => new Uint8Array(0),
  verifyPayload: () => true,
  commit: () => {},
  restoreCommitted: () => {},
};

/** A fresh v3 replica (call again for a restart) and the leader of view 1's proposal of a child of genesis. */
export function loneReplica(): { replica: () => HotStuffReplica; proposal: ProposalMessage } {
  const scheme = createSimSignatureScheme();
  const keys: KeyPair[] = [0, 1, 2, 3].map((i) => scheme.keyPairFromSeed(new Uint8Array(32).fill(i + 1)));
  const validators = new ValidatorSet(keys.map((k, i) => ({ id: `v${i}`, publicKey: k.publicKey })), scheme);
  const replica = () => new HotStuffReplica({ validators, index: 3, keyPair: keys[3]!, blockTimeUs: 250_000, viewTimeoutUs: 1_000_000, viewTimeoutMaxUs: 8_000_000, syncRetryUs: 200_000 }, acceptAll);
  const fields = { view: 1, height: 1, parentHash: GENESIS_BLOCK.hash, justify: GENESIS_QC, proposer: 1, timestampUs: 250_000, payload: new Uint8Array(0) };
  const block: Block = { ...fields, hash: blockHash(fields) };
  const proposal: ProposalMessage = { type: "proposal", block, signature: scheme.sign(keys[1]!.secretKey, proposalSigningBytes(block.hash)) };
  return { replica, proposal };
}

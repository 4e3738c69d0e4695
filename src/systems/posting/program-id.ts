/** The AssetRollup program id of each rollup of a scenario (a module of its own: the validators system needs it too). */
import type { PublicKey } from "@solana/web3.js";
import { sha256, utf8 } from "../../crypto/hash.js";
import { base58Encode } from "../../l1/base58.js";
import { ROLLUP_PROGRAM_ADDRESS, rollupProgramId } from "../../l1/rollup-program.js";
import { web3 } from "../../l1/solana-modules.js";
import type { RollupScenario } from "../scenario-shape.js";

/** The program id of a rollup: the shipped one for the first rollup (`index` 0), one derived from its name for the others. */
export function programIdOf(rollup: RollupScenario, index: number): PublicKey {
  return index === 0 ? rollupProgramId() : new (web3().PublicKey)(derivedProgramId(rollup));
}

/** {@link programIdOf}`(rollup, index)` as base58 text, without loading web3.js (for building a run). */
export function programAddressOf(rollup: RollupScenario, index: number): string {
  return index === 0 ? ROLLUP_PROGRAM_ADDRESS : base58Encode(derivedProgramId(rollup));
}

/** The 32 bytes of a later rollup's program id: sha256("asset-sim/rollup-program/<name>"). */
function derivedProgramId(rollup: RollupScenario): Uint8Array {
  return sha256(utf8(`asset-sim/rollup-program/${rollup.name}`));
}

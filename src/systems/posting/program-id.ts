/** The AssetRollup program id of each rollup of a scenario (a module of its own: the validators system needs it too). */
import type { PublicKey } from "@solana/web3.js";
import { sha256, utf8 } from "../../crypto/hash.js";
import { rollupProgramId } from "../../l1/rollup-program.js";
import { web3 } from "../../l1/solana-modules.js";
import type { RollupScenario } from "../scenario-shape.js";

/** The program id of a rollup: the shipped one for the first rollup (`index` 0), one derived from its name for the others. */
export function programIdOf(rollup: RollupScenario, index: number): PublicKey {
  return index === 0 ? rollupProgramId() : new (web3().PublicKey)(sha256(utf8(`asset-sim/rollup-program/${rollup.name}`)));
}

/**
 * The command line's sharing switch: `--check-sharing [k]` on `run`, `replay`
 * and `explore`, and `ASSET_SIM_SHARING=off` in the environment (see
 * `sim/run-memo.ts` for what the simulated nodes share).
 */
import { InputError } from "../config/errors.js";
import { CHECK_SHARING_EVERY_DEFAULT, type SharingOptions } from "../sim/run-memo.js";

/**
 * How a run shares work, from `--check-sharing [k]` and the environment: `ASSET_SIM_SHARING=off` turns
 * sharing off (every simulated node computes everything; the digests are the same).
 * @throws InputError when k is not a positive integer, or the check is asked with sharing off
 */
export function sharingOption(checkSharing: string | boolean | undefined, env: NodeJS.ProcessEnv = process.env): SharingOptions {
  const off = env.ASSET_SIM_SHARING === "off";
  if (checkSharing === undefined || checkSharing === false) return off ? { off } : {};
  if (off) throw new InputError("--check-sharing", "sharing is off (ASSET_SIM_SHARING=off): there is nothing to check");
  if (checkSharing === true) return { checkEvery: CHECK_SHARING_EVERY_DEFAULT };
  if (!/^\d+$/.test(checkSharing) || Number(checkSharing) < 1 || !Number.isSafeInteger(Number(checkSharing))) {
    throw new InputError("--check-sharing", `expected a positive integer k (recompute every k-th shared answer), got ${JSON.stringify(checkSharing)}`);
  }
  return { checkEvery: Number(checkSharing) };
}


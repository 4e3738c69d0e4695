/**
 * The Solana libraries, loaded on first use: @solana/web3.js, @coral-xyz/anchor
 * and litesvm's native binding. Together they take about a second of CPU to
 * load (web3.js pulls in its RPC client, anchor its program namespace), which
 * a process that never runs the L1 (a scenario with `l1.enabled: false`, a
 * `merge`, `list`, a real-mode validator) should not pay. Every module that
 * needs them calls these getters at the point of use instead of importing
 * them, and imports their types only (`import type`).
 *
 * All three are CommonJS packages (no `exports` map, no `"type": "module"`:
 * an ESM `import` of them loads their `main` through Node's CommonJS loader
 * too), so `createRequire` loads the very same module instances a static
 * import would, synchronously: a `PublicKey` from here is `instanceof` the
 * `PublicKey` a test imports. Loading code is not IO in the sans-IO sense: it
 * reads no clock, no randomness and nothing a run's result depends on.
 *
 * litesvm: only its native binding (`litesvm/dist/internal.js`, the napi
 * classes); its public wrapper pulls in @solana/kit (about 0.6 s) to convert
 * kit objects, which `Svm` never uses (see `svm.ts`).
 */
import { createRequire } from "node:module";
import type * as AnchorModule from "@coral-xyz/anchor";
import type * as Web3Module from "@solana/web3.js";
import type * as LiteSvmNative from "litesvm/dist/internal.js";

const requireModule = createRequire(import.meta.url);

let web3Module: typeof Web3Module | undefined;
let anchorModule: typeof AnchorModule | undefined;
let liteSvmModule: typeof LiteSvmNative | undefined;

/** @solana/web3.js (loaded on the first call). */
export function web3(): typeof Web3Module {
  web3Module ??= requireModule("@solana/web3.js") as typeof Web3Module;
  return web3Module;
}

/** @coral-xyz/anchor (loaded on the first call; loads web3.js too). */
export function anchor(): typeof AnchorModule {
  anchorModule ??= requireModule("@coral-xyz/anchor") as typeof AnchorModule;
  return anchorModule;
}

/** litesvm's native binding: `LiteSvm`, `Account`, `Clock`, `EpochSchedule`, `FailedTransactionMetadata`... (loaded on the first call). */
export function liteSvmNative(): typeof LiteSvmNative {
  liteSvmModule ??= requireModule("litesvm/dist/internal.js") as typeof LiteSvmNative;
  return liteSvmModule;
}

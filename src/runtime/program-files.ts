/**
 * The shipped AssetRollup program binary, read from the package's files
 * (`programs/asset_rollup/asset_rollup.so`). File IO lives here, in the
 * runtime layer; the simulated L1 gets the bytes handed in.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root: the nearest folder above this file with the project's package.json. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "asset-sim") return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the asset-sim package root above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** Path of the shipped program binary. */
export function programElfPath(): string {
  return join(packageRoot(), "programs", "asset_rollup", "asset_rollup.so");
}

let cached: Uint8Array | undefined;

/**
 * The shipped program's ELF bytes (read once per process).
 * @throws Error when the file is missing (build it with `npm run build:program`)
 */
export function loadProgramElf(): Uint8Array {
  if (cached === undefined) {
    const path = programElfPath();
    if (!existsSync(path)) throw new Error(`the AssetRollup program binary is missing at ${path}: build it with npm run build:program`);
    cached = new Uint8Array(readFileSync(path));
  }
  return cached;
}

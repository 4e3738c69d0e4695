// Which build of the CLI bin/asset-sim.js runs (plain JavaScript: bin/ is not compiled).
import { statSync } from "node:fs";

/**
 * The module to import for `main`: the esbuild bundle `dist/bundle/main.js`
 * (`npm run build`: tsc, then scripts/bundle.mjs) when it exists and is at
 * least as new as tsc's `dist/src/cli/main.js`, else `dist/src/cli/main.js`
 * itself. A bare `tsc -p tsconfig.build.json` after the bundle rewrites every
 * file of dist/src, so a bundle older than dist/src is stale and is not used
 * (the CLI then loads its ~390 modules one by one: same results, slower start).
 * In an installed package every file has the same time, so the bundle is used.
 * @param root URL of the package root, ending in "/"
 * @returns `{ url, bundle }`: the file URL to import, and whether it is the bundle
 */
export function cliEntry(root) {
  const bundle = new URL("dist/bundle/main.js", root);
  const compiled = new URL("dist/src/cli/main.js", root);
  let fresh = false;
  try {
    fresh = statSync(bundle).mtimeMs >= statSync(compiled).mtimeMs;
  } catch {
    fresh = false; // no bundle (or no dist at all: the import below says so)
  }
  return { url: fresh ? bundle.href : compiled.href, bundle: fresh };
}

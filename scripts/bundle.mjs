#!/usr/bin/env node
/**
 * Bundles the compiled CLI (`dist/src/cli/main.js`) and the explore worker
 * (`dist/src/runtime/explore-worker.js`) with esbuild into `dist/bundle/`:
 * `main.js`, `explore-worker.js` and their shared `chunk-*.js`, all in one
 * folder. `bin/asset-sim.js` runs `dist/bundle/main.js` when it is at least as
 * new as `dist/src/cli/main.js` (see `bin/cli-entry.js`). Run by `npm run build`
 * after `tsc`; it bundles tsc's output, so the bundle runs the same code as
 * `dist/src`.
 *
 * Why: the CLI is about 390 ES modules (95 of them zod's); Node resolves,
 * reads, compiles and links each one, which was about half of the start-up of
 * `run quickstart` (docs/performance.md, "Start-up: the bundle").
 *
 * What is bundled: the project's own modules and the pure ES module packages
 * in {@link BUNDLED}. Every other package stays an external `import` that
 * Node resolves from node_modules as before: the CommonJS ones (commander,
 * protobufjs, seedrandom, workerpool...), which an ES module bundle could only
 * hold behind a `require` shim, and the Solana libraries, which
 * `src/l1/solana-modules.ts` loads with `createRequire` on first use (a call
 * esbuild leaves alone), so a run without the L1 still does not load them.
 * `--splitting` keeps every dynamic `import()` a separate chunk loaded when
 * the code reaches it (the explore command, the real-mode runtime, the
 * testnet...), as in `dist/src`.
 *
 * The chunks sit beside the entries, so `new URL("./explore-worker.js",
 * import.meta.url)` in the explore pool's chunk names the bundled worker, and
 * the package root is still found by walking up from any chunk.
 *
 * Usage: node scripts/bundle.mjs   (from the package root; needs dist/ built)
 * Exits 1 when the build fails or a bundled module `require`s a package that is
 * not bundled (esbuild would turn that into a call that throws at run time).
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const OUT_DIR = join(ROOT, "dist", "bundle");
const ENTRIES = { main: "dist/src/cli/main.js", "explore-worker": "dist/src/runtime/explore-worker.js" };

/** Packages bundled into the chunks: ES modules only, each with many files (zod: 95) or on the start-up path. */
export const BUNDLED = ["zod", "@noble/curves", "@noble/hashes"];

/** The package name of a bare import (`@scope/name/sub` -> `@scope/name`), or undefined for a relative, absolute or `node:` one. */
function packageOf(path) {
  if (path.startsWith(".") || path.startsWith("/") || path.startsWith("node:") || builtinModules.includes(path.split("/")[0])) return undefined;
  const parts = path.split("/");
  return path.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
}

/**
 * esbuild plugin: `import { z } from "zod"` read as `import * as z from "zod"` in the project's modules.
 * The same bindings (zod's index re-exports every member of its `z` namespace), but esbuild can then drop
 * the members no module uses (zod's 60-odd locales, its JSON Schema converters...) instead of keeping the whole
 * namespace object: about 0.5 MB less to parse at start-up.
 */
const zodNamespace = {
  name: "zod-namespace",
  setup(b) {
    b.onLoad({ filter: /[\\/]dist[\\/]src[\\/].*\.js$/ }, async (args) => {
      const text = await readFile(args.path, "utf8");
      return { contents: text.replaceAll('import { z } from "zod";', 'import * as z from "zod";'), loader: "js", resolveDir: dirname(args.path) };
    });
  },
};

/** esbuild plugin: every package not in BUNDLED is external (left as an import Node resolves). */
const externalPackages = {
  name: "external-packages",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      const pkg = packageOf(args.path);
      if (pkg === undefined || BUNDLED.includes(pkg)) return undefined;
      return { path: args.path, external: true };
    });
  },
};

for (const file of Object.values(ENTRIES)) {
  if (!existsSync(join(ROOT, file))) {
    process.stderr.write(`bundle: ${file} is missing: run tsc -p tsconfig.build.json first\n`);
    process.exit(1);
  }
}

rmSync(OUT_DIR, { recursive: true, force: true });
mkdirSync(OUT_DIR, { recursive: true });
const result = await build({
  absWorkingDir: ROOT,
  entryPoints: ENTRIES,
  outdir: OUT_DIR,
  entryNames: "[name]",
  chunkNames: "chunk-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  plugins: [externalPackages, zodNamespace],
  metafile: true,
  logLevel: "warning",
});

// A `require()` of an external package inside a bundled module becomes esbuild's `__require`, which throws in an ES module bundle.
const broken = [];
for (const [input, info] of Object.entries(result.metafile.inputs)) {
  for (const imported of info.imports) if (imported.kind === "require-call" && imported.external && packageOf(imported.path) !== undefined) broken.push(`${input} requires ${imported.path}`);
}
if (broken.length > 0) {
  process.stderr.write(`bundle: bundled modules require packages that are not bundled (add them to BUNDLED or keep their importer external):\n  ${broken.join("\n  ")}\n`);
  process.exit(1);
}

const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
process.stdout.write(`bundle: dist/bundle: ${Object.keys(result.metafile.outputs).length} files, ${(bytes / 1e6).toFixed(2)} MB from ${Object.keys(result.metafile.inputs).length} modules\n`);

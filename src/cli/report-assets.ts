/**
 * Reads the libraries the HTML report inlines from the installed packages
 * (`d3` 7.9.2, `uplot` 1.6.32, pinned in package.json), so the page needs no
 * network when it is opened. Real IO: this lives in `cli/`.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { ReportAssets } from "../report/html.js";

let cached: ReportAssets | undefined;

/**
 * The d3 bundle, the uPlot bundle and uPlot's style sheet (read once per process).
 * @throws Error when a package is not installed
 */
export function loadReportAssets(): ReportAssets {
  if (cached !== undefined) return cached;
  const require = createRequire(import.meta.url);
  // d3's "exports" names its ES module; its UMD bundle sits beside it in dist/.
  const d3Dist = dirname(require.resolve("d3"));
  const uplotDist = join(dirname(require.resolve("uplot/package.json")), "dist");
  cached = {
    d3: readFileSync(join(d3Dist, "d3.min.js"), "utf8"),
    uplot: readFileSync(join(uplotDist, "uPlot.iife.min.js"), "utf8"),
    uplotCss: readFileSync(join(uplotDist, "uPlot.min.css"), "utf8"),
  };
  return cached;
}

#!/usr/bin/env node
// The compiled CLI lives in dist/ (built by `npm install` through the `prepare` script):
// the esbuild bundle dist/bundle/main.js when it is up to date, else dist/src/cli/main.js (bin/cli-entry.js).
import { cliEntry } from "./cli-entry.js";

const entry = cliEntry(new URL("../", import.meta.url));
if (process.env.ASSET_SIM_STARTUP_TRACE === "1") process.stderr.write(`startup: entry ${entry.bundle ? "dist/bundle/main.js" : "dist/src/cli/main.js"}\n`);
const { main } = await import(entry.url);
process.exitCode = await main(process.argv);

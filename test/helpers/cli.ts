/**
 * The command line run in-process for tests: `main` with its stdout and stderr
 * captured, and scenario files written for it.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { main } from "../../src/cli/main.js";

/** What one command printed and its exit code. */
export interface CliResult {
  readonly code: number;
  /** Everything printed on stdout, a line each. */
  readonly out: string;
  /** Everything printed on stderr, a line each. */
  readonly err: string;
}

/**
 * Runs `asset-sim ...args` in this process.
 * @param env environment variables set for the command only (restored after)
 */
export async function runCli(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<CliResult> {
  const saved = new Map(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  let out = "";
  let err = "";
  try {
    const code = await main(["node", "asset-sim", ...args], { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`) });
    return { code, out, err };
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** Writes `value` as JSON to `dir/name` and returns the path. */
export function writeJsonIn(dir: string, name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
}

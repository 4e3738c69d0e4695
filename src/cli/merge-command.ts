/**
 * `asset-sim merge DIR... [--json] [-o FILE]` (wired in `main.ts`): reads the
 * shard results `explore --json --out DIR` wrote (`DIR/shard-I-of-N.json`;
 * a path to a result file is taken as is), merges them
 * (`explore/merge.ts`) and prints the table, failures first, or the merged
 * JSON; `-o FILE` also writes the merged JSON to FILE.
 *
 * Exit codes: the failures' (6, 1, 4, 3, as `explore`), else 2 when a shard is
 * missing or stopped early by `--max-failures` (the sweep is incomplete) or on
 * bad input (no results, results of different sweeps, a shard given twice
 * with different results), else 0.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { InputError } from "../config/errors.js";
import { formatMerged, mergeShardResults, type FoundShardResult } from "../explore/merge.js";
import { parseShardResult } from "../explore/sweep-result.js";
import type { CommandIo } from "./explore-command.js";

/** Options of `merge`, as commander gives them. */
export interface MergeCommandOptions {
  json?: boolean;
  output?: string;
}

/** A shard result's file name, as `explore --json` writes it. */
const RESULT_FILE = /^shard-\d+-of-\d+\.json$/;

/**
 * Runs `merge` over folders (or result files).
 * @returns the exit code (see the file comment)
 * @throws InputError when a path does not exist, a folder holds no result, a file is not a shard result, or the
 *   results do not belong together
 */
export function commandMerge(paths: readonly string[], options: MergeCommandOptions, io: CommandIo): number {
  const found: FoundShardResult[] = [];
  for (const path of paths) {
    if (!existsSync(path)) throw new InputError("merge", `no such file or folder ${JSON.stringify(path)}`);
    const files = statSync(path).isDirectory() ? resultFilesIn(path) : [path];
    for (const file of files) found.push({ source: file, folder: dirname(file), result: parseShardResult(readFileSync(file, "utf8"), file) });
  }
  const merged = mergeShardResults(found, join);
  if (options.output !== undefined) {
    try {
      writeFileSync(options.output, `${JSON.stringify(merged, null, 2)}\n`);
    } catch (error) {
      throw new InputError("-o", `cannot write ${options.output}: ${(error as Error).message}`);
    }
  }
  io.out(options.json === true ? JSON.stringify(merged) : formatMerged(merged));
  if (merged.shardsMissing.length > 0) io.err(`merge: missing shard(s) ${merged.shardsMissing.map((i) => `${i}/${merged.shardCount}`).join(" ")}: the sweep is incomplete`);
  if (merged.shardsStoppedEarly.length > 0) io.err(`merge: shard(s) ${merged.shardsStoppedEarly.join(" ")} stopped at --max-failures: not every seed ran`);
  if (options.output !== undefined) io.err(`merged result written: ${options.output}`);
  return merged.exitCode;
}

/**
 * The shard results in `folder` and its subfolders (one level: `gh run download` puts each artifact in its own
 * folder), sorted by path.
 * @throws InputError when there is none
 */
function resultFilesIn(folder: string): string[] {
  const files: string[] = [];
  for (const name of readdirSync(folder).sort()) {
    const path = join(folder, name);
    if (RESULT_FILE.test(name)) files.push(path);
    else if (statSync(path).isDirectory()) for (const inner of readdirSync(path).sort()) if (RESULT_FILE.test(inner)) files.push(join(path, inner));
  }
  if (files.length === 0) throw new InputError("merge", `${folder} holds no shard result (shard-I-of-N.json, written by explore --json --out ${folder})`);
  return files;
}

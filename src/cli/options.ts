/**
 * Command-line option values shared by the commands: durations (always with a
 * unit on the command line) and output folders (checked before any work).
 */
import { accessSync, constants, existsSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseDurationUs } from "../config/duration.js";
import { InputError } from "../config/errors.js";

/**
 * A duration option such as `--duration 30s`, in microseconds. A bare number is
 * refused: on the command line `--duration 100` reads as 100 seconds to some and
 * 100 microseconds to others, so a unit is required (scenario files keep their
 * documented integers of microseconds).
 * @param flag the option's name in messages (`--duration`)
 * @param minimumUs the least accepted value (default 1: greater than zero)
 * @throws InputError when the text has no unit, is not a duration, or is below the minimum
 */
export function durationOptionUs(flag: string, text: string, minimumUs = 1): number {
  if (/^\s*\d+(\.\d+)?\s*$/.test(text)) throw new InputError(flag, `${JSON.stringify(text)} has no unit: write it with one, e.g. ${text.trim()}s or ${text.trim()}ms (units: us, ms, s, m, h)`);
  const us = parseDurationUs(text);
  if (typeof us === "string") throw new InputError(flag, us);
  if (us < minimumUs) throw new InputError(flag, minimumUs === 1 ? `must be greater than zero, got ${JSON.stringify(text)}` : `must be at least ${minimumUs / 1e6}s, got ${JSON.stringify(text)}`);
  return us;
}

/**
 * Checks before any work that `dir` is a folder or can be created as one (the
 * nearest existing ancestor is a writable folder), so that files written after
 * a long run are not lost to a typo; creates nothing (see {@link writeOutputFile}).
 * @param flag the option's name in messages (`--out`)
 * @returns the absolute path
 * @throws InputError when a file stands in the path or the folder cannot be created
 */
export function checkOutDir(flag: string, dir: string): string {
  const path = resolve(dir);
  let existing = path;
  while (!existsSync(existing) && dirname(existing) !== existing) existing = dirname(existing);
  if (!statSync(existing).isDirectory()) throw new InputError(flag, `cannot create the folder ${path}: ${existing} is a file`);
  try {
    accessSync(existing, constants.W_OK | constants.X_OK);
  } catch {
    throw new InputError(flag, `cannot create the folder ${path}: ${existing} is not writable`);
  }
  return path;
}

/**
 * Checks before any work that the file `file` can be written later: its folder
 * is or can be created as a folder (see {@link checkOutDir}) and the path is not a folder.
 * @returns the absolute path
 * @throws InputError when the file could not be written there
 */
export function checkOutFile(flag: string, file: string): string {
  const path = resolve(file);
  checkOutDir(flag, dirname(path));
  if (existsSync(path) && statSync(path).isDirectory()) throw new InputError(flag, `${path} is a folder: give a file name`);
  return path;
}

/**
 * Writes `text` to `path`, creating missing folders.
 * @throws InputError (exit 2, never 1) when the file system refuses
 */
export function writeOutputFile(flag: string, path: string, text: string): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  } catch (error) {
    throw new InputError(flag, `cannot write ${path}: ${(error as Error).message}`);
  }
}

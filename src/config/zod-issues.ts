/**
 * The one formatter of schema errors: a zod error (scenario file, node config)
 * becomes one {@link InputError} naming the field, showing the bad value and
 * saying in words what was expected, e.g.
 *
 *   faults[0].depth: must be at least 1, got 0
 *   faults[0].direction: expected one of "both", "inbound", "outbound", got "sideways"
 *   faults[0].nod: unknown field "nod" in faults[0] (did you mean "node"? it is required and missing)
 *
 * A misspelled field makes zod report two issues, the required field missing
 * and the unknown one; the unknown one is the cause and is reported.
 */
import type { z } from "zod";
import { InputError } from "./errors.js";

type Issue = z.core.$ZodIssue;

/** Longest rendering of a bad value in a message, characters. */
const VALUE_CHARS_MAX = 60;

/**
 * The first issue of a zod error as an {@link InputError} naming its field.
 * @param error the failed parse's error
 * @param input the value that was parsed, to show the bad value (issues forwarded from an inner parse carry none)
 */
export function toInputError(error: z.ZodError, input?: unknown): InputError {
  const first = error.issues[0]!;
  const issue = isMissing(first) ? (unknownSibling(error.issues, first) ?? first) : first;
  const path = formatPath(issue.path);
  const value = valueAt(input, issue.path);
  switch (issue.code) {
    case "unrecognized_keys": {
      const keys = issue.keys.map((k) => JSON.stringify(k)).join(", ");
      const suggestion = suggest(issue.keys[0]!, missingFieldsAt(error.issues, issue.path));
      const action = (valueAt(input, issue.path) as { action?: unknown } | undefined)?.action;
      const hint =
        suggestion !== undefined
          ? ` (did you mean ${JSON.stringify(suggestion)}? it is required and missing)`
          : typeof action === "string"
            ? ` (not a field of a ${JSON.stringify(action)} action)`
            : "";
      return new InputError(path === "" ? issue.keys[0]! : `${path}.${issue.keys[0]!}`, `unknown field${issue.keys.length > 1 ? "s" : ""} ${keys}${path === "" ? " at the top level" : ` in ${path}`}${hint}`);
    }
    case "invalid_type":
      if (isMissing(issue)) return new InputError(path, `required field is missing (expected ${typeInWords(issue.expected)})`);
      return new InputError(path, `expected ${typeInWords(issue.expected)}, got ${describe(value, true)}`);
    case "too_small":
    case "too_big":
      return new InputError(path, withValue(zodDefault(issue.message) ? boundInWords(issue) : issue.message, value, issue.origin === "array" || issue.origin === "set"));
    case "invalid_value":
      return new InputError(path, `expected ${issue.values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`}, got ${describe(value)}`);
    case "invalid_union":
      // zod 4 adds the discriminator's options to a discriminated union's issue (not in its issue type).
      if (issue.discriminator !== undefined && Array.isArray((issue as { options?: unknown }).options)) {
        const options = ((issue as { options?: unknown }).options as unknown[]).map((o) => JSON.stringify(o)).join(", ");
        return new InputError(path, value === undefined ? `required field is missing (expected one of ${options})` : `unknown ${issue.discriminator} ${describe(value)}: expected one of ${options}`);
      }
      return new InputError(path, withValue(issue.message, value));
    default:
      return new InputError(path, withValue(issue.message, value));
  }
}

/** A field the input lacks altogether. */
function isMissing(issue: Issue): boolean {
  return issue.code === "invalid_type" && /received undefined$/.test(issue.message);
}

/** The unknown-field issue on the object holding the missing field `missing`, if any: the likely cause (a typo). */
function unknownSibling(issues: readonly Issue[], missing: Issue): Issue | undefined {
  const parent = missing.path.slice(0, -1);
  return issues.find((i) => i.code === "unrecognized_keys" && samePath(i.path, parent));
}

/** The names of the required fields missing directly in the object at `path`. */
function missingFieldsAt(issues: readonly Issue[], path: readonly PropertyKey[]): string[] {
  return issues.filter((i) => isMissing(i) && i.path.length === path.length + 1 && samePath(i.path.slice(0, -1), path)).map((i) => String(i.path[path.length]));
}

function samePath(a: readonly PropertyKey[], b: readonly PropertyKey[]): boolean {
  return a.length === b.length && a.every((k, i) => k === b[i]);
}

/** The candidate closest to `typo` in edit distance, when close enough to be a misspelling (at most 2 edits, and fewer than half its letters). */
function suggest(typo: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(typo.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= 2 && bestDistance * 2 < Math.max(typo.length, best.length) ? best : undefined;
}

/** Levenshtein distance (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    previous = row;
  }
  return previous[b.length]!;
}

/** True for zod's own English messages ("Too small: expected number to be >=1"), which are rewritten in words. */
function zodDefault(message: string): boolean {
  return /^Too (small|big)/.test(message);
}

function boundInWords(issue: Extract<Issue, { code: "too_small" | "too_big" }>): string {
  const small = issue.code === "too_small";
  const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
  const inclusive = issue.inclusive !== false;
  const what = issue.origin === "string" ? " characters" : issue.origin === "array" || issue.origin === "set" ? " items" : "";
  if (what !== "") return `must have ${small ? "at least" : "at most"} ${String(bound)}${what}`;
  return `must be ${small ? (inclusive ? "at least" : "greater than") : inclusive ? "at most" : "less than"} ${String(bound)}`;
}

/** `message`, then the bad value unless the message already shows it. */
function withValue(message: string, value: unknown, countItems = false): string {
  if (value === undefined) return message;
  const shown = describe(value, false, countItems);
  const primitive = typeof value === "string" || typeof value === "number" || typeof value === "boolean";
  return message.includes(shown) || (primitive && message.includes(String(value))) ? message : `${message}, got ${shown}`;
}

/** A value for a message: JSON, cut to {@link VALUE_CHARS_MAX} characters; with `typed`, its kind first ("the string \"2\""). */
function describe(value: unknown, typed = false, countItems = false): string {
  if (value === undefined) return "nothing";
  if (countItems && Array.isArray(value)) return `${value.length} item${value.length === 1 ? "" : "s"}`;
  let text = JSON.stringify(value) ?? String(value);
  if (text.length > VALUE_CHARS_MAX) text = `${text.slice(0, VALUE_CHARS_MAX - 3)}...`;
  if (!typed) return text;
  const kind = value === null ? "null" : Array.isArray(value) ? "an array" : typeof value === "object" ? "an object" : typeof value === "string" ? "the string" : typeof value === "number" ? "the number" : typeof value === "boolean" ? "the boolean" : typeof value;
  return value === null ? "null" : `${kind} ${text}`;
}

/** zod's type names in words: `int` is "an integer", `array` "an array (a JSON list)". */
function typeInWords(expected: string): string {
  const words: Record<string, string> = {
    int: "an integer",
    number: "a number",
    string: "a string",
    boolean: "true or false",
    array: "an array (a JSON list)",
    object: "an object (a JSON map of fields)",
    bigint: "an integer",
  };
  return words[expected] ?? expected;
}

/** The value of `input` at `path`, or undefined when the path does not lead anywhere. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let at = input;
  for (const key of path) {
    if (typeof at !== "object" || at === null) return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}

/** A zod path as the scenario format writes it: `faults[2].node`, `rollups[1].validators.count`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

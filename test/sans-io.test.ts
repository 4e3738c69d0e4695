/**
 * Node code is sans-IO (DESIGN.md): outside `src/runtime/` and `src/cli/` no
 * file may use real time, real randomness, timers, sockets, files, processes
 * or `await`. Everything comes through the node context, or a seed breaks.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./helpers/scenario.js";

const FORBIDDEN: { pattern: RegExp; what: string }[] = [
  { pattern: /\bMath\.random\s*\(/, what: "Math.random" },
  { pattern: /\bDate\b/, what: "Date" },
  { pattern: /\b(setTimeout|setInterval|setImmediate|clearTimeout|clearInterval|queueMicrotask)\s*\(/, what: "timers" },
  { pattern: /\bperformance\s*\.\s*now\b/, what: "performance.now" },
  { pattern: /\bprocess\s*\./, what: "process" },
  { pattern: /\bawait\b/, what: "await" },
  { pattern: /\basync\s+(function|\(|[A-Za-z_$][\w$]*\s*\()/, what: "async functions" },
  { pattern: /from\s+["'](node:)?(net|dgram|fs|fs\/promises|timers|timers\/promises|http|https|http2|tls|child_process|worker_threads|cluster|os)["']/, what: "IO modules" },
  { pattern: /\b(randomBytes|randomUUID|randomInt|getRandomValues|randomFillSync)\b/, what: "crypto randomness" },
];

/** Lines of `source` that break the sans-IO rule, ignoring comments. */
export function sansIoViolations(source: string): { line: number; what: string; text: string }[] {
  const out: { line: number; what: string; text: string }[] = [];
  const withoutBlockComments = source.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, " "));
  withoutBlockComments.split("\n").forEach((raw, i) => {
    const code = raw.replace(/\/\/.*$/, "").replace(/(["'`])(?:\\.|(?!\1).)*\1/g, '""');
    for (const { pattern, what } of FORBIDDEN) {
      if (pattern.test(code) || (what === "IO modules" && pattern.test(raw.replace(/\/\/.*$/, "")))) out.push({ line: i + 1, what, text: raw.trim() });
    }
  });
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

describe("sans-IO rule", () => {
  it("the scanner catches each forbidden use and ignores comments", () => {
    expect(sansIoViolations("const t = Date.now();")).toHaveLength(1);
    expect(sansIoViolations("const r = Math.random();")).toHaveLength(1);
    expect(sansIoViolations("setTimeout(() => {}, 5);")).toHaveLength(1);
    expect(sansIoViolations('import { readFileSync } from "node:fs";')).toHaveLength(1);
    expect(sansIoViolations("await thing;")).toHaveLength(1);
    expect(sansIoViolations("async function f() {}")).toHaveLength(1);
    expect(sansIoViolations("const b = crypto.randomBytes(8);")).toHaveLength(1);
    expect(sansIoViolations("if (process.env.X) {}")).toHaveLength(1);
    expect(sansIoViolations("// Date.now() would break replay\n/* setTimeout( */ const x = 1;")).toHaveLength(0);
    expect(sansIoViolations('const s = "await Date";')).toHaveLength(0);
  });

  it("no node code outside src/runtime and src/cli uses real time, randomness, timers, IO or await", () => {
    const files = sourceFiles(join(ROOT, "src")).filter((f) => !/[/\\]src[/\\](runtime|cli)[/\\]/.test(f));
    expect(files.length).toBeGreaterThan(20);
    const violations = files.flatMap((file) => sansIoViolations(readFileSync(file, "utf8")).map((v) => `${relative(ROOT, file)}:${v.line} ${v.what}: ${v.text}`));
    expect(violations).toEqual([]);
  });
});

/**
 * `asset-sim node`: when a handler throws, the process ends with exit 4 and the
 * reason is printed on stderr as well as logged (an operator watching the
 * terminal sees why, without opening the log file).
 */
import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { reportFatalNodeError } from "../../src/runtime/node-runner.js";

describe("a node's fatal error", () => {
  it("goes to stderr with its reason and stack, to the log as a fatal node-error line, and ends with exit 4", () => {
    const logLines: string[] = [];
    const logger = pino({ level: "info" }, new Writable({ write: (chunk, _enc, done) => (logLines.push(String(chunk)), done()) }));
    let stderr = "";
    const exits: number[] = [];
    reportFatalNodeError(logger, "v2", new Error("orphan count matches: 3 != 2"), (t) => (stderr += t), (code) => exits.push(code));
    expect(stderr.split("\n")[0]).toBe("v2: fatal: a handler threw: orphan count matches: 3 != 2; stopping (exit 4)");
    expect(stderr).toContain("at "); // the stack follows
    expect(exits).toEqual([4]);
    const fatal = logLines.map((l) => JSON.parse(l)).find((l) => l.event === "node-error");
    expect(fatal).toMatchObject({ level: 60, error: "orphan count matches: 3 != 2" });
  });

  it("a thrown non-Error value is printed as text", () => {
    let stderr = "";
    reportFatalNodeError(pino({ level: "silent" }), "c0", "bad state", (t) => (stderr += t), () => {});
    expect(stderr).toBe("c0: fatal: a handler threw: bad state; stopping (exit 4)\n");
  });
});

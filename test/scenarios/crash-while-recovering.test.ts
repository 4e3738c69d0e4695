/**
 * Regression found by `explore --guided` (docs/findings.md): a validator that
 * crashed while recovering a lost safety state booted, the next time, as a
 * fresh validator (its corrupt safety record had been deleted, nothing marked
 * the recovery as unfinished) and proposed twice in one view. The replica now
 * keeps a durable recovery mark (`consensus/recovering`) from the moment it
 * finds its safety state lost until the recovered state is synced.
 *
 * The broken variant is built here: the same replica on a disk that silently
 * drops the mark; the equivocation comes back.
 */
import { describe, expect, it } from "vitest";
import type { Node, NodeContext, Storage } from "../../src/sim/node.js";
import { RECOVERING_KEY } from "../../src/consensus/safety-store.js";
import { runRecorded, scenario } from "../helpers/scenario.js";
import { ScenarioRun } from "../../src/scenario/scenario-run.js";
import { runAndJudge } from "../../src/scenario/run.js";
import { loadProgramElf } from "../../src/runtime/program-files.js";
import type { NodeId } from "../../src/sim/node.js";

/** A disk that accepts every write except the recovery mark (which it drops without a word). */
function forgetfulStorage(storage: Storage): Storage {
  return {
    get: (key) => storage.get(key),
    put: (key, value) => {
      if (key !== RECOVERING_KEY) storage.put(key, value);
    },
    delete: (key) => storage.delete(key),
    keys: (prefix) => storage.keys(prefix),
    sync: () => storage.sync(),
  };
}

/** `node` with a context whose storage forgets the recovery mark. */
function onForgetfulDisk(node: Node<unknown>): Node<unknown> {
  const wrap = (ctx: NodeContext<unknown>): NodeContext<unknown> => {
    const storage = forgetfulStorage(ctx.storage);
    return new Proxy(ctx, {
      get(target, property) {
        if (property === "storage") return storage;
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
      },
    });
  };
  let wrapped: NodeContext<unknown> | undefined;
  return {
    start: (ctx) => {
      wrapped = wrap(ctx);
      node.start(wrapped);
    },
    onMessage: (_ctx, from, msg) => node.onMessage(wrapped!, from, msg),
    onTimer: (_ctx, timer, tag) => node.onTimer(wrapped!, timer, tag),
  };
}

describe("a crash while recovering the safety state", () => {
  it("crash-while-recovering: the second boot recovers again (interrupted recovery); every invariant holds", () => {
    const { report, events } = runRecorded(scenario("crash-while-recovering", {}, undefined, "fixtures"));
    expect(report.violation).toBeUndefined();
    expect(report.exitCode).toBe(0);
    const reasons = events.filter((o) => o.node === "v0" && o.event === "recovering").map((o) => o.fields.reason);
    expect(reasons).toEqual(["the safety state is corrupt", "a recovery of the safety state was interrupted by a crash"]);
  });

  it("a disk that drops the recovery mark brings the double proposal back (the broken variant is caught)", () => {
    const s = scenario("crash-while-recovering", {}, undefined, "fixtures");
    const run = new ScenarioRun(s, { programElf: loadProgramElf(), wrapNode: (id: NodeId, node) => (id === "v0" ? onForgetfulDisk(node) : node) });
    const report = runAndJudge(run);
    expect(report.violation?.invariant).toBe("equivocation");
    expect(report.violation?.message).toMatch(/v0 proposed twice in view/);
  });
});

/** A hand-driven NodeContext for replica-level tests: records sends, timers and logs; time is set by the test. */
import type { Storage } from "../../src/sim/node.js";
import type { NodeContext } from "../../src/sim/node.js";
import { createRng } from "../../src/sim/rng.js";

export interface FakeContext<M> extends NodeContext<M> {
  sent: { to: string; msg: M }[];
  timers: Map<number, { afterUs: number; tag: string }>;
  logs: { event: string; fields: Readonly<Record<string, unknown>> }[];
  setNow(us: number): void;
}

export function fakeContext<M>(id: string, storage: Storage): FakeContext<M> {
  let nowUs = 0;
  let nextTimer = 1;
  const ctx: FakeContext<M> = {
    id,
    sent: [],
    timers: new Map(),
    logs: [],
    now: () => nowUs,
    setNow: (us) => {
      nowUs = us;
    },
    send: (to, msg) => ctx.sent.push({ to, msg }),
    setTimer: (afterUs, tag) => {
      const timer = nextTimer++;
      ctx.timers.set(timer, { afterUs, tag });
      return timer;
    },
    cancelTimer: (timer) => {
      ctx.timers.delete(timer);
    },
    rng: createRng(1, id),
    storage,
    log: (event, fields) => ctx.logs.push({ event, fields }),
  };
  return ctx;
}

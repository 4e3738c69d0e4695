/**
 * The replica checks its own invariants after every step (TigerBeetle's
 * `invariants()`): a state the code should never reach stops the node with an
 * AssertionError (a node error, exit 4, in a simulation), while hostile input
 * stays a logged rejection (see replica-hostile-input.test.ts).
 */
import { describe, expect, it } from "vitest";
import type { ReplicaState } from "../../src/consensus/hotstuff/state.js";
import type { ValidatorMessage } from "../../src/consensus/types.js";
import { AssertionError } from "../../src/sim/assert.js";
import { SimDisk } from "../../src/storage/sim-disk.js";
import { fakeContext } from "../helpers/fake-context.js";
import { loneReplica } from "../helpers/lone-replica.js";

function setup() {
  const lone = loneReplica();
  const replica = lone.replica();
  const proposal = lone.proposal;
  const ctx = fakeContext<ValidatorMessage>("v3", new SimDisk());
  replica.start(ctx);
  /** The replica's private state, to break it on purpose. */
  const state = (replica as unknown as { state: ReplicaState }).state;
  /** A harmless step: a block request for a block nobody has. */
  const step = (): void => replica.onMessage(ctx, "v0", { type: "block-request", hash: new Uint8Array(32).fill(9), count: 1 });
  return { replica, ctx, proposal, state, step };
}

describe("replica invariants", () => {
  it("hold through a proposal, a vote and view timeouts", () => {
    const { replica, ctx, proposal } = setup();
    ctx.setNow(260_000);
    replica.onMessage(ctx, "v1", proposal);
    expect(ctx.sent.filter((s) => s.msg.type === "vote")).toHaveLength(1);
    for (let i = 0; i < 3; i++) {
      const [timer, { tag }] = [...ctx.timers].find(([, t]) => t.tag === "view-timeout")!;
      ctx.timers.delete(timer);
      replica.onTimer(ctx, timer, tag);
    }
    expect(ctx.logs.some((l) => l.event === "timeout")).toBe(true);
  });

  it("stop the node when the view falls below the last voted view", () => {
    const { state, step } = setup();
    state.safety.lastVotedView = state.currentView + 5;
    expect(step).toThrow(AssertionError);
    expect(step).toThrow(/view is at or above the last voted view/);
  });

  it("stop the node when the committed height went down between steps", () => {
    const { state, step } = setup();
    step();
    state.checked!.committedHeight += 1;
    expect(step).toThrow(/committed height never goes down/);
  });

  it("stop the node when the orphan count drifts from the orphans held", () => {
    const { state, step } = setup();
    state.sync.orphanCount = 1;
    expect(step).toThrow(/orphan count matches/);
  });
});

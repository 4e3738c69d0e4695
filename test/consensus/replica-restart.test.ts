/**
 * A validator persists its safety state before it votes, so a crash and
 * restart never makes it vote twice in a view. The second test shows the
 * check can fail: with a disk that ignores sync, the restarted replica votes again.
 */
import { describe, expect, it } from "vitest";
import type { ValidatorMessage } from "../../src/consensus/types.js";
import { SimDisk } from "../../src/storage/sim-disk.js";
import { fakeContext } from "../helpers/fake-context.js";
import { loneReplica } from "../helpers/lone-replica.js";

const setup = loneReplica;

const votesIn = (sent: { to: string; msg: ValidatorMessage }[]) => sent.filter((s) => s.msg.type === "vote");

describe("replica restart", () => {
  it("votes once for a proposal, and not again after a crash and restart", () => {
    const { replica, proposal } = setup();
    const disk = new SimDisk();
    const before = fakeContext<ValidatorMessage>("v3", disk);
    const r1 = replica();
    r1.start(before);
    before.setNow(260_000);
    r1.onMessage(before, "v1", proposal);
    expect(votesIn(before.sent)).toHaveLength(1);
    expect(votesIn(before.sent)[0]!.to).toBe("v2"); // the leader of view 2

    disk.crash();
    const after = fakeContext<ValidatorMessage>("v3", disk);
    after.setNow(270_000);
    const r2 = replica();
    r2.start(after);
    r2.onMessage(after, "v1", proposal);
    expect(votesIn(after.sent)).toHaveLength(0);
    expect(r2.view).toBe(1); // it resumes in the view it voted in, where it may not vote again
  });

  it("a disk that ignores sync lets the restarted replica vote twice (the guard is the persisted state)", () => {
    const { replica, proposal } = setup();
    const disk = new SimDisk();
    disk.sync = () => {}; // fsync that lies
    const before = fakeContext<ValidatorMessage>("v3", disk);
    const r1 = replica();
    r1.start(before);
    r1.onMessage(before, "v1", proposal);
    disk.crash();
    const after = fakeContext<ValidatorMessage>("v3", disk);
    const r2 = replica();
    r2.start(after);
    r2.onMessage(after, "v1", proposal);
    expect(votesIn(before.sent)).toHaveLength(1);
    expect(votesIn(after.sent)).toHaveLength(1);
  });

  it("refuses a proposal signed by someone other than the view's leader", () => {
    const { replica, proposal } = setup();
    const ctx = fakeContext<ValidatorMessage>("v3", new SimDisk());
    const r = replica();
    r.start(ctx);
    r.onMessage(ctx, "v1", { ...proposal, signature: new Uint8Array(32) });
    expect(votesIn(ctx.sent)).toHaveLength(0);
    expect(ctx.logs.some((l) => l.event === "reject" && l.fields.reason === "bad proposal signature")).toBe(true);
    r.onMessage(ctx, "v2", proposal);
    expect(ctx.logs.some((l) => l.event === "reject" && l.fields.reason === "proposal not from the view's leader")).toBe(true);
    expect(votesIn(ctx.sent)).toHaveLength(0);
  });
});

/**
 * A timeout's checks (src/consensus/hotstuff/pacemaker.ts, `onTimeout`), on a
 * replica fed by hand: the last TC a timeout carries must be of a view below
 * the timeout's own. The timeout's view is bounded (`VIEWS_AHEAD_MAX`), but a
 * last TC was not: one properly signed TC of a huge view moved every replica
 * there (issue 16: with keys derived from a public seed, a forged TC of view
 * 2^53 - 3 stopped commits for good). Honest replicas never send one: a TC
 * moves its holder past its view before it times out again.
 */
import { describe, expect, it } from "vitest";
import { timeoutSigningBytes } from "../../src/consensus/block-hash.js";
import { GENESIS_QC } from "../../src/consensus/genesis.js";
import type { TimeoutMessage, ValidatorMessage } from "../../src/consensus/types.js";
import type { FakeContext } from "../helpers/fake-context.js";
import { keys, scheme, startReplica, tcOf } from "../helpers/hand-fed-replica.js";

const rejects = (ctx: FakeContext<ValidatorMessage>): unknown[] => ctx.logs.filter((l) => l.event === "reject").map((l) => l.fields.reason);

/** Validator `signer`'s timeout of `view` on the genesis QC, carrying `lastTC`. */
function timeout(view: number, signer: number, lastTC: TimeoutMessage["lastTC"]): TimeoutMessage {
  return { type: "timeout", view, highQC: GENESIS_QC, ...(lastTC === undefined ? {} : { lastTC }), signer, signature: scheme.sign(keys[signer]!.secretKey, timeoutSigningBytes(view, GENESIS_QC.view)) };
}

describe("timeout checks", () => {
  it("a timeout whose last TC is of its own view or above is refused and moves nobody; one of the view before is taken", () => {
    for (const [tcView, refused] of [
      [3, false],
      [4, true],
      [2 ** 40, true],
    ] as const) {
      const { replica, ctx } = startReplica(0);
      replica.onMessage(ctx, "v1", timeout(4, 1, tcOf(tcView, [0, 0, 0])));
      expect(rejects(ctx), `last TC of view ${tcView}`).toEqual(refused ? ["last TC in timeout not below its view"] : []);
      // A TC of view 3 moves the replica to view 4; a refused one leaves it where it was (view 1 after the boot).
      expect(replica.view, `last TC of view ${tcView}`).toBe(refused ? 1 : 4);
    }
  });
});

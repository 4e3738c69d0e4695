/**
 * A client on a real clock: the clock moves between two readings inside one
 * step. Found by `asset-sim testnet` (clients threw `setTimer: afterUs must be
 * >= 0` at boot): a delay computed against a second reading of the clock came
 * out negative. The client reads the clock once per decision.
 */
import { describe, expect, it } from "vitest";
import type { ValidatorMessage } from "../../src/consensus/types.js";
import { createSignatureScheme } from "../../src/crypto/schemes.js";
import { parseScenario } from "../../src/scenario/load.js";
import { SimDisk } from "../../src/storage/sim-disk.js";
import { clientAccountKeys, createClient, networkGenesis } from "../../src/systems/validators/node-factories.js";
import { fakeContext } from "../helpers/fake-context.js";

describe("workload client on a moving clock", () => {
  it("never arms a timer with a negative delay, whatever the clock does between two readings", () => {
    const s = parseScenario({ name: "c", seed: 1, duration: "10s", validators: { count: 4, signatureScheme: "sim" }, workload: { txPerSecond: 1_000_000, clients: 1, accountsPerClient: 2 }, l1: { enabled: false } });
    const scheme = createSignatureScheme("sim");
    const keys = clientAccountKeys(scheme, 1, ["c0"], 2);
    const { directory } = networkGenesis(keys, s.ledger);
    for (let trial = 0; trial < 50; trial++) {
      const client = createClient({ index: 0, validators: ["v0", "v1", "v2", "v3"], scheme, accounts: keys[0]!, directory, workload: { txPerSecond: 1_000_000, clients: 1, fee: 10, mix: s.workload.mix, stopAtUs: 10_000_000 }, chain: s.validators, token: "USDC" });
      const ctx = fakeContext<ValidatorMessage>("c0", new SimDisk());
      // A clock that moves 40 us at every reading: arrivals at 1 Mtx/s are about 1 us apart.
      let clock = trial * 1000;
      ctx.now = () => (clock += 40);
      expect(() => client.start(ctx)).not.toThrow();
      for (const { afterUs } of ctx.timers.values()) expect(afterUs).toBeGreaterThanOrEqual(0);
    }
  });
});

/**
 * Goal: a loss-free run of 50 slots (600 simulated seconds) with 4 xTs and 10
 * local transactions per slot over three rollups includes every xT in a full
 * superblock per slot. It also prints the hand network's throughput (simulated
 * seconds and xTs per wall second). The figures are indicative only: this is
 * the test helper network, not the simulator's kernel.
 */
import { expect, it } from "vitest";
import { crossTransfer, handCluster, SLOT_US, transferTx } from "../helpers/sbcp-hand.js";

it("50 slots, 200 xTs, 3 rollups: every xT included, one full superblock per slot (prints throughput)", () => {
  const { net, sp } = handCluster([1, 2, 3]);
  const started = performance.now();
  let submitted = 0;
  for (let slot = 1; slot <= 50; slot++) {
    net.runUntil(slot * SLOT_US + 100_000);
    for (let k = 0; k < 4; k++, submitted++) net.inject("user", "sp", { type: "xTRequest", ...crossTransfer(1 + (k % 3), 1 + ((k + 1) % 3), 1, 10 + k, 1, slot * 10 + k) });
    for (let k = 0; k < 10; k++) net.inject("user", `seq${1 + (k % 3)}`, { type: "LocalTransaction", Transaction: transferTx(1, 30 + k, 1, slot * 100 + k) });
  }
  net.runUntil(51 * SLOT_US);
  const wallS = (performance.now() - started) / 1000;
  const included = sp.superblocks.reduce((n, sb) => n + sb.IncludedXTs.length, 0);
  expect(sp.superblocks.map((sb) => sb.partial)).toEqual(Array.from({ length: 50 }, () => false));
  expect(included).toBe(submitted);
  console.log(`sbcp hand network: 600 simulated s in ${wallS.toFixed(2)} wall s (${(600 / wallS).toFixed(0)} simulated s per wall s), ${(included / wallS).toFixed(0)} xTs per wall s, ${net.delivered.length} messages`);
});

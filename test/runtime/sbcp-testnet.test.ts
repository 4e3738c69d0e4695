/**
 * SBCP in real mode (issue 17 item 9): the shared publisher, two sequencers
 * and a client as `asset-sim node` processes on loopback, 2 s slots.
 * Superblocks are published with decided-true xTs in them, and the
 * simulator's SBCP checkers pass over the processes' collected logs; a
 * sequencer killed with SIGKILL and restarted on its data directory, then
 * the SP, and superblocks resume (the sequencer's chain included again, the
 * SP from its write-ahead log, numbers continuing). The checkers are shown to
 * judge these logs: altered copies of the collected events (built here) are
 * caught. Needs the built CLI (`npx tsc -p tsconfig.build.json`).
 */
import { existsSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import type { Observation } from "../../src/check/checker.js";
import { SbcpTestnet } from "../../src/runtime/sbcp-testnet.js";
import { defaultEntry } from "../../src/runtime/testnet.js";

const built = existsSync(defaultEntry()) && existsSync(new URL("../../dist/src/runtime/sbcp-testnet.js", import.meta.url));

describe.skipIf(!built)("SBCP testnet of real processes (SP, 2 sequencers, 1 client on loopback)", () => {
  let net: SbcpTestnet | undefined;
  afterAll(async () => {
    await net?.stop();
  });

  it("publishes superblocks with decided-true xTs, survives kill -9 of a sequencer then of the SP, and the SBCP checkers pass over its logs", async () => {
    const notes: string[] = [];
    net = await SbcpTestnet.start({ rollups: 2, clients: 1, slotDurationUs: 2_000_000, scpTimeoutUs: 1_000_000, txPerSecond: 4, onNote: (t) => notes.push(t) });
    const t = net;
    const withXts = () => t.superblocks.filter((sb) => sb.xTids.length > 0 && !sb.partial);
    await t.waitFor("3 superblocks, one with xTs", () => t.superblocks.length >= 3 && withXts().length >= 1, 90_000);
    const first = t.check();
    for (const r of first) expect(r.ok, `${r.name}: ${r.violation?.message}`).toBe(true);

    // The checkers judge these logs: altered copies are caught.
    const included = withXts()[0]!;
    const xTid = included.xTids[0]!;
    // (1) A sequencer's block loses an xT its superblock includes.
    const dropped: Observation[] = t.observations.map((o) =>
      o.event === "sbcp-block-sealed" && o.node === "seq1" && (o.fields.xTids as string[]).includes(xTid) ? { ...o, fields: { ...o.fields, xTids: (o.fields.xTids as string[]).filter((x) => x !== xTid) } } : o,
    );
    expect(t.check(dropped).find((r) => r.name === "sbcp-xt-atomicity")?.ok).toBe(false);
    // (2) The SP's decision on an included xT says false.
    const flipped: Observation[] = t.observations.map((o) => (o.event === "sbcp-decided" && o.fields.xTid === xTid ? { ...o, fields: { ...o.fields, decision: false } } : o));
    const flippedResults = t.check(flipped);
    expect(flippedResults.find((r) => r.name === "sbcp-xt-atomicity")?.ok).toBe(false);
    expect(flippedResults.find((r) => r.name === "sbcp-2pc")?.ok).toBe(false);
    // (3) A superblock whose parent link is broken.
    const unlinked: Observation[] = t.observations.map((o) => (o.event === "sbcp-superblock" && o.fields.number === 2 ? { ...o, fields: { ...o.fields, parentHash: "ab".repeat(32) } } : o));
    expect(t.check(unlinked).find((r) => r.name === "sbcp-superblock-chain")?.ok).toBe(false);

    // kill -9 of a sequencer, then its restart: it replays its log and its chain is in superblocks again.
    await t.kill("seq1");
    const downAt = t.superblocks.length;
    await new Promise((r) => setTimeout(r, 3_000));
    t.restart("seq1");
    const restartedAt = t.superblocks.length;
    await t.waitFor("a full superblock after seq1's restart", () => t.superblocks.slice(restartedAt).some((sb) => !sb.partial && sb.blocks.some((b) => b.chain === 1)), 90_000);
    expect(t.observations.filter((o) => o.node === "seq1" && o.event === "sbcp-sequencer-started").length).toBe(2);
    const seq1Restarted = t.observations.filter((o) => o.node === "seq1" && o.event === "sbcp-sequencer-started")[1]!;
    expect(seq1Restarted.fields.head as number).toBeGreaterThan(0); // its blocks came back from its write-ahead log
    expect(downAt).toBeGreaterThan(0);

    // kill -9 of the SP, then its restart: it recovers its superblocks and numbering continues on the same chain.
    await t.kill("sp");
    await new Promise((r) => setTimeout(r, 2_000)); // its last log lines drained
    const beforeSp = t.superblocks[t.superblocks.length - 1]!;
    t.restart("sp");
    await t.waitFor("a superblock after the SP's restart", () => t.superblocks.some((sb) => sb.timeUs > beforeSp.timeUs), 90_000);
    const recovered = t.observations.find((o) => o.node === "sp" && o.event === "sbcp-publisher-recovered")!;
    // Every superblock it logged was synced first (a kill between the sync and the log line could add one more).
    expect(recovered.fields.superblocks as number).toBeGreaterThanOrEqual(beforeSp.number);
    const next = t.superblocks.find((sb) => sb.timeUs > beforeSp.timeUs)!;
    expect(next.number).toBe((recovered.fields.superblocks as number) + 1);
    if (recovered.fields.superblocks === beforeSp.number) expect(next.parentHash).toBe(beforeSp.hash);
    await t.waitFor("xTs included after the restarts", () => t.superblocks.some((sb) => sb.timeUs > beforeSp.timeUs && sb.xTids.length > 0), 90_000);

    const results = t.check();
    for (const r of results) expect(r.ok, `${r.name}: ${r.violation?.message}`).toBe(true);
    expect(results.find((r) => r.name === "sbcp-liveness")?.skipped).toBeUndefined();
    expect(notes.filter((n) => n.includes("exited unexpectedly"))).toEqual([]);
    // Timing for people (never asserted).
    const included2 = t.superblocks.reduce((n, sb) => n + sb.xTids.length, 0);
    console.log(`sbcp testnet: ${t.superblocks.length} superblocks, ${included2} xTs included`);
    await t.stop();
    expect(existsSync(t.dir)).toBe(false);
  }, 400_000);
});

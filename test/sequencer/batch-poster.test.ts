/**
 * The BatchPoster driven by hand: roots need f + 1 matching reports, the
 * chain's config account decides the next height, posting waits while paused
 * or unauthorized, and the last landed height survives a crash.
 */
import { PublicKey, Transaction } from "@solana/web3.js";
import { describe, expect, it } from "vitest";
import type { PosterMessage } from "../../src/sequencer/batch-poster.js";
import { decodeL1Request, encodeL1Response, type L1Request, type L1Response } from "../../src/l1/rpc-messages.js";
import { deriveSolanaKeypair, rollupCoder, ROLLUP_IDL, rollupProgramId } from "../../src/l1/rollup-program.js";
import { rollupAccountSizes } from "../../src/l1/rollup-accounts.js";
import { encodeAppMessage } from "../../src/sequencer/app-messages.js";
import { BatchPoster, LAST_POSTED_KEY, type BatchPosterConfig } from "../../src/sequencer/batch-poster.js";
import { SimDisk } from "../../src/storage/sim-disk.js";
import { fakeContext, type FakeContext } from "../helpers/fake-context.js";

const keys = [deriveSolanaKeypair("poster/0", 3), deriveSolanaKeypair("poster/1", 3)];
const CONFIG: BatchPosterConfig = {
  l1: "l1",
  validators: ["v0", "v1", "v2", "v3"],
  rootQuorum: 2,
  keys,
  batchEveryBlocks: 1,
  maxRootsPerTransaction: 8,
  pollIntervalUs: 200_000,
  retryBaseUs: 200_000,
  retryMaxUs: 5_000_000,
  requestTimeoutUs: 2_000_000,
  resendIntervalUs: 1_600_000,
};
const BLOCKHASH = "11111111111111111111111111111111";

/** RollupConfig account bytes, encoded by anchor's coder from the IDL. */
async function configAccount(lastBatchHeight: number, paused: boolean, authority = keys[0]!.publicKey): Promise<Uint8Array> {
  const anchor = (await import("@coral-xyz/anchor")).default;
  const data = await rollupCoder().accounts.encode("RollupConfig", {
    upgrade_authority: authority,
    pending_upgrade_authority: PublicKey.default,
    batch_poster_authority: authority,
    version: 1,
    last_good_version: 1,
    paused,
    last_batch_height: new anchor.BN(lastBatchHeight),
    bump: 255,
  });
  expect(data.length).toBe(rollupAccountSizes().RollupConfig);
  return new Uint8Array(data);
}

function l1Requests(ctx: FakeContext<PosterMessage>): L1Request[] {
  return ctx.sent.filter((s) => s.to === "l1" && s.msg.type === "l1-rpc").map((s) => decodeL1Request((s.msg as { data: Uint8Array }).data));
}

function reply(poster: BatchPoster, ctx: FakeContext<PosterMessage>, response: L1Response): void {
  poster.onMessage(ctx, "l1", { type: "l1-rpc", data: encodeL1Response(response) });
}

function poll(poster: BatchPoster, ctx: FakeContext<PosterMessage>, atUs: number): void {
  ctx.setNow(atUs);
  poster.onTimer(ctx, 1, "poll");
}

function pushRoot(poster: BatchPoster, ctx: FakeContext<PosterMessage>, from: string, height: number, root: Uint8Array): void {
  poster.onMessage(ctx, from, { type: "app", data: encodeAppMessage({ kind: "committed-roots", fromHeight: height, roots: [root] }) });
}

const rootA = new Uint8Array(32).fill(0xaa);
const rootB = new Uint8Array(32).fill(0xbb);

describe("BatchPoster", () => {
  it("posts a root only once f + 1 validators report it, starting from the chain's last height", async () => {
    const disk = new SimDisk();
    const ctx = fakeContext<PosterMessage>("poster", disk);
    const poster = new BatchPoster(CONFIG);
    poster.start(ctx);
    pushRoot(poster, ctx, "v0", 6, rootA);
    pushRoot(poster, ctx, "v1", 6, rootB); // disagrees: no quorum for either
    pushRoot(poster, ctx, "c0", 6, rootB); // not a validator: ignored
    poll(poster, ctx, 200_000);
    const read = l1Requests(ctx).at(-1)!;
    expect(read).toMatchObject({ kind: "get-account-info", commitment: "processed" });
    reply(poster, ctx, { kind: "account-info", id: read.id, slot: 10, account: { lamports: 1n, owner: rollupProgramId().toBase58(), data: await configAccount(5, false), executable: false } });
    expect(l1Requests(ctx).some((r) => r.kind === "send-transaction")).toBe(false);
    // No agreed root for height 6: it asks the validators from there.
    expect(ctx.sent.filter((s) => s.to.startsWith("v")).length).toBeGreaterThanOrEqual(4);

    pushRoot(poster, ctx, "v2", 6, rootA); // second report of rootA: quorum
    poll(poster, ctx, 400_000);
    const read2 = l1Requests(ctx).at(-1)!;
    reply(poster, ctx, { kind: "account-info", id: read2.id, slot: 11, account: { lamports: 1n, owner: rollupProgramId().toBase58(), data: await configAccount(5, false), executable: false } });
    const hashRequest = l1Requests(ctx).at(-1)!;
    expect(hashRequest.kind).toBe("get-latest-blockhash");
    reply(poster, ctx, { kind: "latest-blockhash", id: hashRequest.id, slot: 11, blockhash: BLOCKHASH, lastValidSlot: 161 });
    const send = l1Requests(ctx).at(-1)!;
    expect(send.kind).toBe("send-transaction");
    const tx = Transaction.from((send as { tx: Uint8Array }).tx);
    expect(tx.feePayer?.toBase58()).toBe(keys[0]!.publicKey.toBase58());
    expect(tx.verifySignatures()).toBe(true);
    expect(tx.instructions).toHaveLength(1);
    const decoded = rollupCoder().instruction.decode(Buffer.from(tx.instructions[0]!.data)) as { name: string; data: { height: { toString(): string }; root: number[] } };
    expect(decoded.name).toBe("submit_batch_root");
    expect(decoded.data.height.toString()).toBe("6");
    expect(decoded.data.root).toEqual(Array.from(rootA));
    expect(ROLLUP_IDL.instructions.map((i) => i.name)).toContain(decoded.name);

    // It lands: the landed height is persisted and synced.
    reply(poster, ctx, { kind: "send-transaction-result", id: send.id, signature: "x" });
    poll(poster, ctx, 600_000);
    const status = l1Requests(ctx).at(-1)!;
    expect(status.kind).toBe("get-signature-statuses");
    reply(poster, ctx, { kind: "signature-statuses", id: status.id, slot: 12, statuses: [{ slot: 12, err: null, customCode: null, confirmationStatus: "processed" }] });
    expect(ctx.logs.find((l) => l.event === "l1-tx-landed")?.fields).toMatchObject({ fromBatch: 6, toBatch: 6, slot: 12 });
    disk.crash();
    expect(new DataView(disk.get(LAST_POSTED_KEY)!.buffer).getBigUint64(0, true)).toBe(6n);
    const restarted = fakeContext<PosterMessage>("poster", disk);
    new BatchPoster(CONFIG).start(restarted);
    expect(restarted.logs[0]).toEqual({ event: "poster-resume", fields: { lastPosted: 6 } });
  });

  it("waits while paused or while it holds no key of the authority, then follows a rotation", async () => {
    const ctx = fakeContext<PosterMessage>("poster", new SimDisk());
    const poster = new BatchPoster(CONFIG);
    poster.start(ctx);
    for (const v of ["v0", "v1"]) pushRoot(poster, ctx, v, 1, rootA);
    const answer = async (atUs: number, data: Uint8Array): Promise<void> => {
      poll(poster, ctx, atUs);
      const read = l1Requests(ctx).at(-1)!;
      expect(read.kind).toBe("get-account-info");
      reply(poster, ctx, { kind: "account-info", id: read.id, slot: 1, account: { lamports: 1n, owner: rollupProgramId().toBase58(), data, executable: false } });
    };
    await answer(200_000, await configAccount(0, true));
    await answer(400_000, await configAccount(0, false, deriveSolanaKeypair("stranger", 3).publicKey));
    expect(ctx.logs.filter((l) => l.event === "poster-waiting").map((l) => l.fields.reason)).toEqual(["paused", "not-authorized"]);
    expect(l1Requests(ctx).some((r) => r.kind === "get-latest-blockhash")).toBe(false);
    await answer(600_000, await configAccount(0, false, keys[1]!.publicKey));
    expect(ctx.logs.find((l) => l.event === "poster-key")?.fields).toEqual({ authority: keys[1]!.publicKey.toBase58() });
    const hash = l1Requests(ctx).at(-1)!;
    reply(poster, ctx, { kind: "latest-blockhash", id: hash.id, slot: 1, blockhash: BLOCKHASH, lastValidSlot: 151 });
    const send = l1Requests(ctx).at(-1)!;
    expect(Transaction.from((send as { tx: Uint8Array }).tx).feePayer?.toBase58()).toBe(keys[1]!.publicKey.toBase58());
  });

  it("backs off with jitter after failures, and a program error is reported by name", async () => {
    const ctx = fakeContext<PosterMessage>("poster", new SimDisk());
    const poster = new BatchPoster(CONFIG);
    poster.start(ctx);
    poll(poster, ctx, 200_000);
    reply(poster, ctx, { kind: "rpc-error", id: l1Requests(ctx).at(-1)!.id, code: "rpc-unavailable", message: "injected" });
    const first = ctx.logs.find((l) => l.event === "l1-read-failed")!.fields;
    expect(first).toMatchObject({ reason: "rpc-unavailable", attempt: 1 });
    expect(first.retryInUs as number).toBeGreaterThanOrEqual(100_000);
    expect(first.retryInUs as number).toBeLessThanOrEqual(200_000);
    const before = l1Requests(ctx).length;
    poll(poster, ctx, 250_000); // still backing off
    expect(l1Requests(ctx).length).toBe(before);

    for (const v of ["v0", "v1"]) pushRoot(poster, ctx, v, 1, rootA);
    poll(poster, ctx, 1_000_000);
    reply(poster, ctx, { kind: "account-info", id: l1Requests(ctx).at(-1)!.id, slot: 1, account: { lamports: 1n, owner: rollupProgramId().toBase58(), data: await configAccount(0, false), executable: false } });
    reply(poster, ctx, { kind: "latest-blockhash", id: l1Requests(ctx).at(-1)!.id, slot: 1, blockhash: BLOCKHASH, lastValidSlot: 151 });
    reply(poster, ctx, { kind: "rpc-error", id: l1Requests(ctx).at(-1)!.id, code: "preflight-failure", message: "custom program error: 0x1772", customCode: 6002 });
    const second = ctx.logs.filter((l) => l.event === "l1-tx-failed").at(-1)!.fields;
    expect(second).toMatchObject({ reason: "HeightNotNext", attempt: 2 });
    expect(second.retryInUs as number).toBeGreaterThanOrEqual(200_000);
    expect(second.retryInUs as number).toBeLessThanOrEqual(400_000);
  });
});

/**
 * `asset-sim l1`'s JSON-RPC server, driven by @solana/web3.js's `Connection`
 * on loopback: the AssetRollup program deployed upgradeable, slots on the
 * real clock (50 ms here), airdrops, preflight errors as web3.js reads them,
 * statuses and accounts per commitment, and malformed requests answered with
 * JSON-RPC errors while the server keeps serving.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Connection, Keypair, SendTransactionError, type Commitment, type TransactionSignature } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configAddress, deriveSolanaKeypair, registryPageAddress, rollupInstructions, rollupProgramId, signTransaction } from "../../src/l1/rollup-program.js";
import { programDataAddress } from "../../src/l1/upgradeable-program.js";
import { startL1RpcServer, BODY_BYTES_MAX, type L1RpcServer } from "../../src/runtime/l1-rpc/l1-rpc-server.js";
import { LocalL1 } from "../../src/runtime/l1-rpc/local-l1.js";
import { ROOT } from "../helpers/scenario.js";

const ELF = new Uint8Array(readFileSync(join(ROOT, "programs/asset_rollup/asset_rollup.so")));
const authority = deriveSolanaKeypair("test/authority", 1);
const poster = deriveSolanaKeypair("test/poster", 1);
const stranger = deriveSolanaKeypair("test/stranger", 1);

let l1: LocalL1;
let server: L1RpcServer;
let connection: Connection;

beforeAll(async () => {
  l1 = new LocalL1({
    programs: [{ programId: rollupProgramId().toBase58(), elf: ELF, upgradeAuthority: authority.publicKey.toBase58() }],
    accounts: [authority, poster, stranger].map((k) => ({ address: k.publicKey.toBase58(), lamports: 10_000_000_000n })),
    slotDurationUs: 50_000,
    finalizationDepthSlots: 4,
  });
  server = await startL1RpcServer(l1, { port: 0 });
  connection = new Connection(server.url, { commitment: "confirmed", disableRetryOnRateLimit: true });
});

afterAll(async () => {
  await server?.close();
  l1?.stop();
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function reaches(signature: TransactionSignature, level: Commitment): Promise<{ slot: number; err: unknown }> {
  const order = ["processed", "confirmed", "finalized"];
  return until(`${signature} ${level}`, async () => {
    const status = (await connection.getSignatureStatuses([signature])).value[0];
    if (status === null || status === undefined || status.confirmationStatus === undefined) return undefined;
    return order.indexOf(status.confirmationStatus) >= order.indexOf(level as string) ? { slot: status.slot, err: status.err } : undefined;
  });
}

async function rpc(body: string, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
  const response = await fetch(server.url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  const text = await response.text();
  return { status: response.status, json: text === "" ? undefined : JSON.parse(text) };
}

describe("asset-sim l1: Solana JSON-RPC over the simulated L1 on the real clock", () => {
  it("getVersion, getHealth, and slots advancing on the clock with processed >= confirmed >= finalized", async () => {
    expect((await connection.getVersion())["solana-core"]).toMatch(/^asset-sim-l1 /);
    expect(await rpc(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "getHealth" }))).toEqual({ status: 200, json: { jsonrpc: "2.0", id: 1, result: "ok" } });
    const first = await connection.getSlot("processed");
    await until("ten more slots", async () => ((await connection.getSlot("processed")) >= first + 10 ? true : undefined));
    const [processed, confirmed, finalized] = await Promise.all((["processed", "confirmed", "finalized"] as const).map((c) => connection.getSlot(c)));
    expect(processed).toBeGreaterThanOrEqual(confirmed!);
    expect(confirmed).toBeGreaterThanOrEqual(finalized!);
    expect(await connection.getBlockHeight("processed")).toBeGreaterThanOrEqual(processed!);
  });

  it("requestAirdrop lands as a transfer; the balance shows per commitment", async () => {
    const someone = Keypair.generate().publicKey;
    const signature = await connection.requestAirdrop(someone, 2_000_000_000);
    const { err } = await reaches(signature, "confirmed");
    expect(err).toBeNull();
    expect(await connection.getBalance(someone, "confirmed")).toBe(2_000_000_000);
    await reaches(signature, "finalized");
    expect(await connection.getBalance(someone, "finalized")).toBe(2_000_000_000);
  });

  it("initialize by a front-runner: simulateTransaction and preflight say custom program error 0x1770 (Unauthorized); by the upgrade authority it lands", async () => {
    const { blockhash } = await connection.getLatestBlockhash("confirmed");
    const frontRun = signTransaction([rollupInstructions.initialize(stranger.publicKey, stranger.publicKey, 1)], [stranger], blockhash);
    const simulated = await rpc(JSON.stringify({ jsonrpc: "2.0", id: 2, method: "simulateTransaction", params: [Buffer.from(frontRun.bytes).toString("base64"), { encoding: "base64" }] }));
    expect((simulated.json as { result: { value: { err: unknown } } }).result.value.err).toEqual({ InstructionError: [0, { Custom: 6000 }] });
    const caught = await connection.sendRawTransaction(frontRun.bytes).catch((e: unknown) => e);
    expect(caught).toBeInstanceOf(SendTransactionError);
    expect((caught as Error).message).toContain("custom program error: 0x1770");

    const init = signTransaction([rollupInstructions.initialize(authority.publicKey, poster.publicKey, 1)], [authority], blockhash);
    expect(await connection.sendRawTransaction(init.bytes)).toBe(init.signature);
    // The same bytes again: preflight says it is already processed once it landed.
    const landed = await reaches(init.signature, "processed");
    expect(landed.err).toBeNull();
    const again = await connection.sendRawTransaction(init.bytes).catch((e: unknown) => e);
    expect((again as Error).message).toContain("already been processed");

    const config = configAddress();
    const processed = await connection.getAccountInfoAndContext(config, "processed");
    expect(processed.value?.owner.equals(rollupProgramId())).toBe(true);
    expect(processed.value?.data.length).toBe(122);
    await reaches(init.signature, "finalized");
    const accounts = await connection.getMultipleAccountsInfo([config, registryPageAddress(0), Keypair.generate().publicKey], "finalized");
    expect(accounts.map((a) => a?.data.length ?? null)).toEqual([122, 3605, null]);
    const programData = await connection.getAccountInfo(new (await import("@solana/web3.js")).PublicKey(programDataAddress(rollupProgramId().toBase58())), "finalized");
    expect(programData?.owner.toBase58()).toBe("BPFLoaderUpgradeab1e11111111111111111111111");
  });

  it("a failed transaction sent with skipPreflight lands with its error in the status", async () => {
    const { blockhash } = await connection.getLatestBlockhash("confirmed");
    const gap = signTransaction([rollupInstructions.submitBatchRoot(poster.publicKey, 5, new Uint8Array(32).fill(5))], [poster], blockhash);
    const signature = await connection.sendRawTransaction(gap.bytes, { skipPreflight: true });
    const landed = await reaches(signature, "confirmed");
    // Either HeightNotNext (initialized) or InvalidOwner/InvalidPda before it: a custom code in any case.
    expect(landed.err).toMatchObject({ InstructionError: [0, { Custom: expect.any(Number) }] });
  });

  it("malformed requests get JSON-RPC errors and the server keeps serving", async () => {
    expect(await rpc("{not json")).toMatchObject({ status: 200, json: { id: null, error: { code: -32700 } } });
    expect(await rpc(JSON.stringify({ jsonrpc: "1.0", id: 3, method: "getSlot" }))).toMatchObject({ json: { id: 3, error: { code: -32600 } } });
    expect(await rpc(JSON.stringify({ jsonrpc: "2.0", id: 4, method: "getProgramAccounts", params: [] }))).toMatchObject({ json: { id: 4, error: { code: -32601 } } });
    expect(await rpc(JSON.stringify({ jsonrpc: "2.0", id: 5, method: "getAccountInfo", params: ["not-an-address"] }))).toMatchObject({ json: { id: 5, error: { code: -32602 } } });
    expect(await rpc(JSON.stringify({ jsonrpc: "2.0", id: 6, method: "getSlot", params: [{ commitment: "eventually" }] }))).toMatchObject({ json: { id: 6, error: { code: -32602 } } });
    expect(await rpc(JSON.stringify({ jsonrpc: "2.0", id: 7, method: "sendTransaction", params: ["AAAA", { encoding: "base64" }] }))).toMatchObject({ json: { id: 7, error: { code: -32602 } } });
    expect(await rpc(JSON.stringify({ jsonrpc: "2.0", id: 8, method: "simulateTransaction", params: ["%%%"] }))).toMatchObject({ json: { id: 8, error: { code: -32602 } } });
    expect(await rpc(JSON.stringify({ jsonrpc: "2.0", id: 9, method: "requestAirdrop", params: [stranger.publicKey.toBase58(), 10 ** 15] }))).toMatchObject({ json: { id: 9, error: { code: -32602 } } });
    expect(await rpc(JSON.stringify([]))).toMatchObject({ json: { error: { code: -32600 } } });
    expect((await rpc("x".repeat(BODY_BYTES_MAX + 1))).status).toBe(413);
    // A batch: answers in order, a notification (no id) gets none.
    const batch = await rpc(JSON.stringify([{ jsonrpc: "2.0", id: "a", method: "getHealth" }, { jsonrpc: "2.0", method: "getHealth" }, { jsonrpc: "2.0", id: "b", method: "nope" }]));
    expect(batch.json).toMatchObject([{ id: "a", result: "ok" }, { id: "b", error: { code: -32601 } }]);
    expect(await connection.getSlot("processed")).toBeGreaterThan(0);
  });
});

/**
 * The batch poster and the operator (the simulator's sans-IO classes) on
 * real IO, their L1 messages turned into JSON-RPC calls with web3.js's
 * `Connection` by the adapter, against `asset-sim l1`'s server on loopback:
 * the operator initializes the program (it is its upgrade authority), the
 * poster posts the roots a quorum of validators reported, and the finalized
 * registry on the L1, read back over JSON-RPC, holds exactly those roots.
 * A poster whose adapter points at a dead endpoint posts nothing and keeps
 * retrying (the adapter's failures reach it as `rpc-unavailable`).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Connection } from "@solana/web3.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toHex } from "../../src/crypto/hash.js";
import { decodeRollupConfig, decodeRootRegistry } from "../../src/l1/rollup-accounts.js";
import { l1RpcCodec } from "../../src/l1/l1-wire.js";
import { configAddress, deriveSolanaKeypair, registryPageAddress, rollupInstructions, rollupProgramId, signTransaction } from "../../src/l1/rollup-program.js";
import { decodeL1Response, encodeL1Request, type L1Request, type L1Response } from "../../src/l1/rpc-messages.js";
import { ConnectionL1Transport } from "../../src/runtime/l1-rpc/connection-transport.js";
import { startL1RpcServer, type L1RpcServer } from "../../src/runtime/l1-rpc/l1-rpc-server.js";
import { LocalL1 } from "../../src/runtime/l1-rpc/local-l1.js";
import { startPostingHosts, type PostingHosts } from "../../src/runtime/l1-rpc/posting-hosts.js";
import { encodeAppMessage } from "../../src/sequencer/app-messages.js";
import { posterCodec } from "../../src/systems/posting/index.js";
import { ROOT } from "../helpers/scenario.js";

const SEED = 7;
const ELF = new Uint8Array(readFileSync(join(ROOT, "programs/asset_rollup/asset_rollup.so")));
const roots = Array.from({ length: 6 }, (_, i) => new Uint8Array(32).fill(i + 1));

let l1: LocalL1;
let server: L1RpcServer;
let connection: Connection;
const hosts: PostingHosts[] = [];
const events: { node: string; event: string; fields: Readonly<Record<string, unknown>> }[] = [];

beforeAll(async () => {
  const keys = ["operator", "intruder", "poster/0", "poster/1"].map((label) => deriveSolanaKeypair(label, SEED).publicKey.toBase58());
  l1 = new LocalL1({
    programs: [{ programId: rollupProgramId().toBase58(), elf: ELF, upgradeAuthority: keys[0]! }],
    accounts: keys.map((address) => ({ address, lamports: 1_000_000_000_000n })),
    slotDurationUs: 50_000,
    finalizationDepthSlots: 4,
    seed: SEED,
  });
  server = await startL1RpcServer(l1, { port: 0 });
  connection = new Connection(server.url, "finalized");
});

afterAll(async () => {
  for (const h of hosts) h.stop();
  await server?.close();
  l1?.stop();
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function start(url: string): PostingHosts {
  const h = startPostingHosts({
    l1Url: url,
    seed: SEED,
    validators: ["v0", "v1"],
    rootQuorum: 2,
    pollIntervalUs: 100_000,
    requestTimeoutUs: 2_000_000,
    observe: (_t, node, event, fields) => events.push({ node, event, fields }),
    onNodeError: (node, error) => {
      throw new Error(`${node} threw: ${String(error)}`);
    },
  });
  hosts.push(h);
  return h;
}

function report(h: PostingHosts, from: string, fromHeight: number, list: Uint8Array[]): void {
  h.poster.deliver(from, posterCodec.encode({ type: "app", data: encodeAppMessage({ kind: "committed-roots", fromHeight, roots: list }) }));
}

describe("the poster and the operator through the JSON-RPC adapter", () => {
  it("initialize by the operator, then every root a quorum reported is on the L1, finalized, in height order", async () => {
    const h = start(server.url);
    report(h, "v0", 1, roots);
    report(h, "v1", 1, roots.slice(0, 4)); // a quorum of 2 for heights 1..4 only
    const config = await until("the config", async () => {
      const account = await connection.getAccountInfo(configAddress(), "finalized");
      return account === null ? undefined : decodeRollupConfig(new Uint8Array(account.data));
    });
    expect(config.upgradeAuthority).toBe(deriveSolanaKeypair("operator", SEED).publicKey.toBase58());
    expect(config.batchPosterAuthority).toBe(deriveSolanaKeypair("poster/0", SEED).publicKey.toBase58());
    const entries = await until("heights 1..4 finalized", async () => {
      const account = await connection.getAccountInfo(registryPageAddress(0), "finalized");
      const page = account === null ? undefined : decodeRootRegistry(new Uint8Array(account.data));
      return page !== undefined && page.entries.length >= 4 ? page.entries : undefined;
    });
    expect(entries.map((e) => [Number(e.height), toHex(e.root)])).toEqual(roots.slice(0, 4).map((r, i) => [i + 1, toHex(r)]));
    // Heights 5 and 6 had one report: not posted. The second validator's report for them lets them through.
    report(h, "v1", 5, roots.slice(4));
    const all = await until("heights 1..6 finalized", async () => {
      const account = await connection.getAccountInfo(registryPageAddress(0), "finalized");
      const page = account === null ? undefined : decodeRootRegistry(new Uint8Array(account.data));
      return page !== undefined && page.entries.length === 6 ? page.entries : undefined;
    });
    expect(all.map((e) => toHex(e.root))).toEqual(roots.map(toHex));
    expect(events.some((e) => e.node === "poster" && e.event === "l1-tx-landed")).toBe(true);
    expect(h.posterTransport.stats.calls).toBeGreaterThan(0);
    h.stop();
  });

  it("an endpoint nobody listens on: every call fails as rpc-unavailable, the poster retries and posts nothing", async () => {
    const dead = await startL1RpcServer(l1, { port: 0 });
    const url = dead.url;
    await dead.close();
    const before = events.length;
    const h = start(url);
    report(h, "v0", 1, roots);
    report(h, "v1", 1, roots);
    await until("two failed reads", async () => (events.slice(before).filter((e) => e.event === "l1-read-failed").length >= 2 ? true : undefined));
    expect(h.posterTransport.stats.failures).toBeGreaterThan(0);
    expect(events.slice(before).some((e) => e.event === "l1-tx-sent")).toBe(false);
    h.stop();
  });
});

describe("the adapter's mapping, request by request", () => {
  /** Sends one L1 request through a fresh adapter and returns the response it delivers. */
  async function exchange(url: string, request: L1Request): Promise<L1Response> {
    const adapter = new ConnectionL1Transport({ url, l1: "l1", requestTimeoutMs: 2_000 });
    return new Promise((resolve) => {
      adapter.onDeliver((from, to, bytes) => {
        expect([from, to]).toEqual(["l1", "me"]);
        resolve(decodeL1Response(l1RpcCodec.decode(bytes).data));
      });
      adapter.send("me", "l1", l1RpcCodec.encode({ type: "l1-rpc", data: encodeL1Request(request) }));
    });
  }

  it("blockhash, a program's refusal, an unknown blockhash, statuses and accounts read as the L1 node answers them", async () => {
    const latest = await exchange(server.url, { kind: "get-latest-blockhash", id: 1, commitment: "confirmed" });
    expect(latest).toMatchObject({ kind: "latest-blockhash", id: 1 });
    if (latest.kind !== "latest-blockhash") return;
    // Block heights are slots here: the blockhash's validity comes out as the L1 node gives it.
    expect(latest.lastValidSlot - latest.slot).toBe(150);
    const stranger = deriveSolanaKeypair("intruder", SEED);
    const frontRun = signTransaction([rollupInstructions.initialize(stranger.publicKey, stranger.publicKey, 1)], [stranger], latest.blockhash);
    // Initialized by now (first test): AlreadyInitialized, 6003; the custom code survives web3.js's error.
    expect(await exchange(server.url, { kind: "send-transaction", id: 2, tx: frontRun.bytes, skipPreflight: false })).toMatchObject({ kind: "rpc-error", id: 2, code: "preflight-failure", customCode: 6003 });
    const stale = signTransaction([rollupInstructions.initialize(stranger.publicKey, stranger.publicKey, 1)], [stranger], "11111111111111111111111111111111");
    expect(await exchange(server.url, { kind: "send-transaction", id: 3, tx: stale.bytes, skipPreflight: false })).toMatchObject({ kind: "rpc-error", code: "blockhash-not-found" });
    const gap = signTransaction([rollupInstructions.submitBatchRoot(deriveSolanaKeypair("poster/0", SEED).publicKey, 99, new Uint8Array(32))], [deriveSolanaKeypair("poster/0", SEED)], latest.blockhash);
    const sent = await exchange(server.url, { kind: "send-transaction", id: 4, tx: gap.bytes, skipPreflight: true });
    expect(sent).toEqual({ kind: "send-transaction-result", id: 4, signature: gap.signature });
    const status = await until("the failed transaction's status", async () => {
      const r = await exchange(server.url, { kind: "get-signature-statuses", id: 5, signatures: [gap.signature] });
      return r.kind === "signature-statuses" && r.statuses[0] !== null ? r.statuses[0] : undefined;
    });
    expect(status).toMatchObject({ err: "InstructionError(0, Custom(6002))", customCode: 6002 });
    const account = await exchange(server.url, { kind: "get-account-info", id: 6, address: configAddress().toBase58(), commitment: "processed" });
    expect(account).toMatchObject({ kind: "account-info", account: { owner: rollupProgramId().toBase58(), executable: false } });
    expect(await exchange(server.url, { kind: "get-account-info", id: 7, address: "not-base58!", commitment: "processed" })).toMatchObject({ kind: "rpc-error", code: "invalid-params" });
  });
});

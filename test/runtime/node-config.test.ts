/** The node config: a valid file loads with defaults; each kind of mistake is one InputError naming its field (CLI exit 2). */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";
import { InputError } from "../../src/config/errors.js";
import { loadNodeConfig, parseNodeConfig } from "../../src/runtime/node-config.js";

const KEY = "11".repeat(32);
const valid = (): Record<string, unknown> => ({
  version: 1,
  id: "v0",
  role: "validator",
  seed: 7,
  validators: [
    { id: "v0", host: "127.0.0.1", port: 7100, publicKey: "aa".repeat(32) },
    { id: "v1", host: "127.0.0.1", port: 7101, publicKey: "bb".repeat(32) },
  ],
  secretKey: KEY,
  listen: { port: 7100 },
  dataDir: "data/v0",
});

function fieldOf(raw: unknown): string {
  try {
    parseNodeConfig(raw, "/base");
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as InputError).field;
  }
  throw new Error("expected an InputError");
}

describe("node config", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("a valid config loads with the scenario defaults and paths resolved against the file", () => {
    const c = parseNodeConfig(valid(), "/base");
    expect(c.chain.blockTime).toBe(250_000);
    expect(c.chain.viewTimeoutMax).toBe(8_000_000);
    expect(c.chain.signatureScheme).toBe("ed25519-native");
    expect(c.chain.mempool.capacity).toBe(200_000);
    expect(c.ledger.token).toBe("USDC");
    expect(c.workload.fee).toBe(10);
    expect(c.accountSecretKeysHex).toEqual([]);
    expect(c.metrics).toEqual({ host: "127.0.0.1", port: 0 });
    expect(c.listen).toEqual({ host: "127.0.0.1", port: 7100 });
    expect(c.dataDir).toBe("/base/data/v0");
    expect(c.secretKeyHex).toBe(KEY);
    expect(parseNodeConfig({ ...valid(), chain: { blockTime: "100ms", viewTimeout: "2s" } }, "/base").chain.viewTimeoutMax).toBe(16_000_000);
  });

  it("each mistake names its field", () => {
    expect(fieldOf({ ...valid(), version: 2 })).toBe("version");
    expect(fieldOf({ ...valid(), role: "sequencer" })).toBe("role");
    expect(fieldOf({ ...valid(), seed: -1 })).toBe("seed");
    expect(fieldOf({ ...valid(), id: "v9" })).toBe("id");
    expect(fieldOf({ ...valid(), colour: "red" })).toBe("colour");
    expect(fieldOf({ ...valid(), listen: undefined })).toBe("listen");
    expect(fieldOf({ ...valid(), dataDir: undefined })).toBe("dataDir");
    expect(fieldOf({ ...valid(), secretKey: undefined })).toBe("secretKey");
    expect(fieldOf({ ...valid(), secretKey: "xyz" })).toBe("secretKey");
    expect(fieldOf({ ...valid(), listen: { port: 70000 } })).toBe("listen.port");
    expect(fieldOf({ ...valid(), chain: { blockTime: "soon" } })).toBe("chain.blockTime");
    expect(fieldOf({ ...valid(), chain: { signatureScheme: "sim" } })).toBe("chain.signatureScheme");
    expect(fieldOf({ ...valid(), chain: { viewTimeout: "2s", viewTimeoutMax: "1s" } })).toBe("chain.viewTimeoutMax");
    expect(fieldOf({ ...valid(), validators: [] })).toBe("validators");
    expect(fieldOf({ ...valid(), validators: [...(valid().validators as object[]), { id: "v1", host: "h", port: 1, publicKey: "cc".repeat(32) }] })).toBe("validators[2].id");
    expect(fieldOf({ ...valid(), validators: [{ id: "v0", host: "h", port: 1, publicKey: "short" }] })).toBe("validators[0].publicKey");
    expect(fieldOf({ ...valid(), secretKey: undefined, secretKeyFile: "/nonexistent/key" })).toBe("secretKeyFile");
  });

  it("a client needs neither listen nor dataDir, but its account keys file; each account is funded once", () => {
    const d = mkdtempSync(join(tmpdir(), "node-config-client-"));
    dirs.push(d);
    writeFileSync(join(d, "c0.accounts"), `${"01".repeat(32)}\n${"02".repeat(32)}\n`, { mode: 0o600 });
    const client = { ...valid(), id: "c0", role: "client", clients: [{ id: "c0", publicKey: "cc".repeat(32), accounts: ["dd".repeat(32), "ee".repeat(32)] }], accountKeysFile: "c0.accounts", listen: undefined, dataDir: undefined };
    const c = parseNodeConfig(client, d);
    expect(c.role).toBe("client");
    expect(c.accountKeysFile).toBe(join(d, "c0.accounts"));
    expect(c.accountSecretKeysHex).toEqual(["01".repeat(32), "02".repeat(32)]);
    expect(fieldOf({ ...client, accountKeysFile: undefined })).toBe("accountKeysFile");
    expect(fieldOf({ ...valid(), accountKeysFile: "v0.accounts" })).toBe("accountKeysFile");
    expect(fieldOf({ ...client, clients: [{ id: "c0", publicKey: "cc".repeat(32) }] })).toBe("clients[0].accounts");
    expect(fieldOf({ ...client, clients: [{ id: "c0", publicKey: "cc".repeat(32), accounts: [] }] })).toBe("clients[0].accounts");
    expect(fieldOf({ ...client, clients: [{ id: "c0", publicKey: "cc".repeat(32), accounts: ["dd".repeat(32), "DD".repeat(32)] }] })).toBe("clients[0].accounts[1]");
    // The file must hold exactly the client's accounts, one key a line.
    expect(() => parseNodeConfig({ ...client, clients: [{ id: "c0", publicKey: "cc".repeat(32), accounts: ["dd".repeat(32)] }] }, d)).toThrow(/holds 2 keys, but c0 has 1 accounts/);
    writeFileSync(join(d, "c0.accounts"), "not a key\n");
    expect(() => parseNodeConfig(client, d)).toThrow(/one 64-hex ed25519 seed a line/);
  });

  it("`asset-sim node` with a bad config prints one error naming the field and exits 2", async () => {
    const d = mkdtempSync(join(tmpdir(), "node-config-"));
    dirs.push(d);
    const path = join(d, "v0.json");
    writeFileSync(path, JSON.stringify({ ...valid(), chain: { blockTime: -5 } }));
    const errors: string[] = [];
    const code = await main(["node", "asset-sim", "node", "--config", path], { out: () => {}, err: (t) => errors.push(t) });
    expect(code).toBe(2);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^error: chain\.blockTime: /);
    writeFileSync(path, "{ not json");
    expect(() => loadNodeConfig(path)).toThrow(/not valid JSON/);
    expect(await main(["node", "asset-sim", "node", "--config", join(d, "missing.json")], { out: () => {}, err: () => {} })).toBe(2);
  });
});

describe("node config: ports", () => {
  it("a listen port already in use is a config error naming listen.port", async () => {
    const { createServer } = await import("node:net");
    const { startNode } = await import("../../src/runtime/node-runner.js");
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const busy = (server.address() as { port: number }).port;
    const d = mkdtempSync(join(tmpdir(), "node-config-port-"));
    try {
      const { createNativeEd25519 } = await import("../../src/crypto/ed25519-native.js");
      const { toHex, fromHex } = await import("../../src/crypto/hash.js");
      const publicKey = toHex(createNativeEd25519().keyPairFromSeed(fromHex(KEY)).publicKey);
      const config = parseNodeConfig({ ...valid(), validators: [{ id: "v0", host: "127.0.0.1", port: busy, publicKey }], listen: { port: busy }, dataDir: join(d, "data") }, d);
      await expect(startNode(config, { metricsServer: false, processMetrics: false })).rejects.toThrow(/^listen\.port: cannot listen/);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe("node config: checkpoints", () => {
  it("are on by default in real mode (every 100 heights), so a restart does not replay the whole chain; a config can turn them off", () => {
    expect(parseNodeConfig(valid(), "/base").chain.checkpoints).toEqual({ every: 100, snapshotBehind: 64 });
    expect(parseNodeConfig({ ...valid(), chain: { checkpoints: { every: 0 } } }, "/base").chain.checkpoints.every).toBe(0);
  });
});

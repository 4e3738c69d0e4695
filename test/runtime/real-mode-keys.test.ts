/**
 * Real-mode keys (issue 16, defect 1): `config-gen` draws every key from the
 * operating system's randomness, never from the seed every config names
 * (before, brute force found the seed from one public key in about two
 * tries); key files are 0600 in a 0700 folder, also over an old 0644 file
 * with `--force`; a node refuses a key file others can read, naming the file
 * and the `chmod`. Client wallets too (issue 16, item 1): a client's account
 * keys are random, in a 0600 file of their own; the configs list only their
 * public keys, and a client refuses a wallet file that does not match them.
 */
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/config/errors.js";
import { toHex } from "../../src/crypto/hash.js";
import { createSignatureScheme } from "../../src/crypto/schemes.js";
import { loadNodeConfig } from "../../src/runtime/node-config.js";
import { clientAccountKeySeed, clientTransportKeySeed, validatorKeySeed } from "../../src/systems/validators/node-factories.js";
import { runCli } from "../helpers/cli.js";

const scheme = createSignatureScheme("ed25519-native");
const publicKeysOf = (dir: string): string[] =>
  (JSON.parse(readFileSync(join(dir, "v0.json"), "utf8")) as { validators: { publicKey: string }[]; clients: { publicKey: string }[] }).validators
    .map((v) => v.publicKey)
    .concat((JSON.parse(readFileSync(join(dir, "v0.json"), "utf8")) as { clients: { publicKey: string }[] }).clients.map((c) => c.publicKey));

describe("real-mode keys", () => {
  it("config-gen writes a distinct transport key per node (0600); a node whose transport key does not match its transportPublicKey refuses to start", async () => {
    const dir = mkdtempSync(join(tmpdir(), "transport-keys-"));
    expect((await runCli(["config-gen", "--validators", "4", "--clients", "1", "--out", dir])).code).toBe(0);
    const raw = JSON.parse(readFileSync(join(dir, "v1.json"), "utf8")) as { transportKeyFile: string; validators: { publicKey: string; transportPublicKey: string }[] };
    expect(raw.transportKeyFile).toBe(join("keys", "v1.transport.key"));
    expect(statSync(join(dir, raw.transportKeyFile)).mode & 0o777).toBe(0o600);
    for (const v of raw.validators) expect(v.transportPublicKey).not.toBe(v.publicKey);
    const config = loadNodeConfig(join(dir, "v1.json"));
    expect(config.transportKeyHex).not.toBe(config.secretKeyHex);
    expect(toHex(scheme.keyPairFromSeed(Buffer.from(config.transportKeyHex, "hex")).publicKey)).toBe(raw.validators[1]!.transportPublicKey);
    // Another node's transport key in v1's file: refused at start, naming the field.
    writeFileSync(join(dir, raw.transportKeyFile), readFileSync(join(dir, "keys", "v2.transport.key")));
    const { startNode } = await import("../../src/runtime/node-runner.js");
    const wrong = loadNodeConfig(join(dir, "v1.json"));
    await expect(startNode(wrong, { metricsServer: false, processMetrics: false })).rejects.toThrow(/^transportKeyFile: the transport key does not match/);
    // Without transport fields the transport key is the consensus key.
    const plain = JSON.parse(readFileSync(join(dir, "v1.json"), "utf8")) as Record<string, unknown>;
    delete plain.transportKeyFile;
    plain.validators = raw.validators.map(({ transportPublicKey: _t, ...v }) => v);
    writeFileSync(join(dir, "plain.json"), JSON.stringify(plain));
    const plainConfig = loadNodeConfig(join(dir, "plain.json"));
    expect(plainConfig.transportKeyHex).toBe(plainConfig.secretKeyHex);
  });

  it("config-gen draws every key at random: two runs with one seed share no key, and none is the seed's derived key", async () => {
    const root = mkdtempSync(join(tmpdir(), "keys-"));
    for (const name of ["a", "b"]) expect((await runCli(["config-gen", "--validators", "4", "--clients", "2", "--seed", "7", "--out", join(root, name)])).code).toBe(0);
    const a = publicKeysOf(join(root, "a"));
    const b = publicKeysOf(join(root, "b"));
    expect(a).toHaveLength(6);
    expect(new Set([...a, ...b]).size).toBe(12);
    const derived = [0, 1, 2, 3].map((i) => toHex(scheme.keyPairFromSeed(validatorKeySeed(7, `v${i}`)).publicKey)).concat([0, 1].map((i) => toHex(scheme.keyPairFromSeed(clientTransportKeySeed(7, `c${i}`)).publicKey)));
    expect(a.filter((k) => derived.includes(k))).toEqual([]);
    // Each config names its own key's public half, and the key file holds its secret.
    const config = loadNodeConfig(join(root, "a", "v2.json"));
    expect(toHex(scheme.keyPairFromSeed(Buffer.from(config.secretKeyHex, "hex")).publicKey)).toBe(a[2]);
    expect(JSON.stringify(JSON.parse(readFileSync(join(root, "a", "v2.json"), "utf8")))).not.toContain(config.secretKeyHex);
  });

  it("config-gen draws client account keys at random: two runs with one seed share none, no config holds a secret, the wallet file is 0600", async () => {
    const root = mkdtempSync(join(tmpdir(), "wallets-"));
    for (const name of ["a", "b"]) expect((await runCli(["config-gen", "--validators", "4", "--clients", "2", "--accounts-per-client", "3", "--seed", "7", "--out", join(root, name)])).code).toBe(0);
    const accountsOf = (dir: string): string[] => (JSON.parse(readFileSync(join(dir, "v0.json"), "utf8")) as { clients: { accounts: string[] }[] }).clients.flatMap((c) => c.accounts);
    const a = accountsOf(join(root, "a"));
    const b = accountsOf(join(root, "b"));
    expect(a).toHaveLength(6);
    expect(new Set([...a, ...b]).size).toBe(12);
    const derived = ["c0", "c1"].flatMap((c) => [0, 1, 2].map((k) => toHex(scheme.keyPairFromSeed(clientAccountKeySeed(7, c, k)).publicKey)));
    expect(a.filter((k) => derived.includes(k))).toEqual([]);
    // Every config of the network lists the same accounts (the genesis funds them).
    for (const id of ["v1", "v2", "v3", "c0", "c1"]) expect(accountsOf(join(root, "a")).join()).toBe((JSON.parse(readFileSync(join(root, "a", `${id}.json`), "utf8")) as { clients: { accounts: string[] }[] }).clients.flatMap((c) => c.accounts).join());
    // c1's wallet file holds the secrets of c1's accounts, mode 0600; no config holds any secret.
    const c1 = loadNodeConfig(join(root, "a", "c1.json"));
    expect(statSync(c1.accountKeysFile!).mode & 0o777).toBe(0o600);
    expect(c1.accountSecretKeysHex.map((secret) => toHex(scheme.keyPairFromSeed(Buffer.from(secret, "hex")).publicKey))).toEqual(a.slice(3));
    const secrets = ["c0", "c1"].flatMap((id) => loadNodeConfig(join(root, "a", `${id}.json`)).accountSecretKeysHex);
    expect(secrets).toHaveLength(6);
    for (const id of ["v0", "v1", "v2", "v3", "c0", "c1"]) {
      const text = readFileSync(join(root, "a", `${id}.json`), "utf8").toLowerCase();
      expect(secrets.filter((secret) => text.includes(secret)), id).toEqual([]);
      expect(text).not.toContain(loadNodeConfig(join(root, "a", "c1.json")).secretKeyHex);
    }
    // A validator's config names no wallet file.
    expect(loadNodeConfig(join(root, "a", "v0.json")).accountKeysFile).toBeUndefined();
  });

  it("a client refuses a wallet file whose keys are not its listed accounts, and one others can read", async () => {
    const root = mkdtempSync(join(tmpdir(), "wallets-"));
    for (const name of ["a", "b"]) expect((await runCli(["config-gen", "--validators", "4", "--clients", "1", "--accounts-per-client", "2", "--base-port", "ephemeral", "--out", join(root, name)])).code).toBe(0);
    // b's wallet under a's client: the keys load, but are not the accounts a's network funds.
    writeFileSync(join(root, "a", "keys", "c0.accounts"), readFileSync(join(root, "b", "keys", "c0.accounts")));
    const { startNode } = await import("../../src/runtime/node-runner.js");
    await expect(startNode(loadNodeConfig(join(root, "a", "c0.json")), { metricsServer: false, processMetrics: false })).rejects.toThrow(/^accountKeysFile: key 0 does not match account 0 of c0/);
    chmodSync(join(root, "a", "keys", "c0.accounts"), 0o640);
    expect(() => loadNodeConfig(join(root, "a", "c0.json"))).toThrow(/^accountKeysFile: .* is readable or writable by others \(mode 0640\)/);
  });

  it("key files are 0600 in a 0700 folder, also when --force writes over an old 0644 key", async () => {
    const out = mkdtempSync(join(tmpdir(), "keys-"));
    expect((await runCli(["config-gen", "--validators", "4", "--out", out])).code).toBe(0);
    chmodSync(join(out, "keys", "v1.key"), 0o644);
    chmodSync(join(out, "keys"), 0o755);
    expect((await runCli(["config-gen", "--validators", "4", "--out", out, "--force"])).code).toBe(0);
    for (const id of ["v0", "v1", "v2", "v3"]) expect(statSync(join(out, "keys", `${id}.key`)).mode & 0o777).toBe(0o600);
    expect(statSync(join(out, "keys")).mode & 0o777).toBe(0o700);
  });

  it("a node refuses a key file that others can read or write, naming the file and the chmod", async () => {
    const out = mkdtempSync(join(tmpdir(), "keys-"));
    expect((await runCli(["config-gen", "--validators", "4", "--out", out])).code).toBe(0);
    const key = join(out, "keys", "v0.key");
    expect(() => loadNodeConfig(join(out, "v0.json"))).not.toThrow();
    for (const mode of [0o644, 0o666, 0o640, 0o604]) {
      chmodSync(key, mode);
      let error: unknown;
      try {
        loadNodeConfig(join(out, "v0.json"));
      } catch (e) {
        error = e;
      }
      expect(error, `mode ${mode.toString(8)}`).toBeInstanceOf(InputError);
      expect((error as InputError).message).toContain(`chmod 600 ${key}`);
    }
    chmodSync(key, 0o400);
    expect(() => loadNodeConfig(join(out, "v0.json"))).not.toThrow();
    // The CLI exits 2 with the message.
    chmodSync(key, 0o644);
    writeFileSync(join(out, "v0-copy.json"), readFileSync(join(out, "v0.json")));
    const r = await runCli(["node", "--config", join(out, "v0-copy.json")]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/readable or writable by others \(mode 0644\): run `chmod 600/);
  });

  it("keygen writes a new random key with mode 0600, prints its public key, and never overwrites a key", async () => {
    const dir = mkdtempSync(join(tmpdir(), "keys-"));
    const file = join(dir, "new", "v9.key");
    const first = await runCli(["keygen", "--out", file]);
    expect(first.code).toBe(0);
    const secret = readFileSync(file, "utf8").trim();
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(first.out.trim()).toBe(toHex(scheme.keyPairFromSeed(Buffer.from(secret, "hex")).publicKey));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = await runCli(["keygen", "--out", file]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/exists: keygen never overwrites a key/);
    expect(readFileSync(file, "utf8").trim()).toBe(secret);
    const other = await runCli(["keygen", "--out", join(dir, "new", "v10.key")]);
    expect(other.out).not.toBe(first.out);
  });

  it("a node's data and logs are its owner's alone: folders 0700, files 0600", async () => {
    const out = mkdtempSync(join(tmpdir(), "modes-"));
    expect((await runCli(["config-gen", "--validators", "4", "--base-port", "ephemeral", "--out", out])).code).toBe(0);
    const config = loadNodeConfig(join(out, "v0.json"));
    const { startNode } = await import("../../src/runtime/node-runner.js");
    const node = await startNode(config, { metricsServer: false, processMetrics: false });
    await node.stop();
    const modeOf = (path: string): number => statSync(path).mode & 0o777;
    expect(modeOf(config.dataDir!)).toBe(0o700);
    expect(modeOf(join(config.dataDir!, "storage"))).toBe(0o700);
    expect(modeOf(join(config.dataDir!, "storage", "storage.log"))).toBe(0o600);
    expect(modeOf(config.log.file!)).toBe(0o600);
    expect(modeOf(join(config.log.file!, ".."))).toBe(0o700);
  });
});

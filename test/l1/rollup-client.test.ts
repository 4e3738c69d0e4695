import { createHash } from "node:crypto";
import fc from "fast-check";
import anchor from "@coral-xyz/anchor";
import { Keypair, PublicKey } from "@solana/web3.js";
import { describe, expect, it } from "vitest";
import { decodeRollupConfig, decodeRootRegistry, RollupAccountError, rollupAccountSizes } from "../../src/l1/rollup-accounts.js";
import {
  configAddress,
  deriveSolanaKeypair,
  initializeData,
  pageOfHeight,
  registryPageAddress,
  rollupCoder,
  rollupErrorName,
  rollupInstructions,
  rollupProgramId,
  signTransaction,
  solanaKeypairFromSeed,
  submitBatchRootData,
} from "../../src/l1/rollup-program.js";

const disc = (s: string): Buffer => createHash("sha256").update(s).digest().subarray(0, 8);

describe("AssetRollup client encoding", () => {
  it("uses Anchor's discriminators, Borsh arguments and the IDL's account order", () => {
    const poster = deriveSolanaKeypair("poster/0", 1).publicKey;
    const root = new Uint8Array(32).fill(9);
    const ix = rollupInstructions.submitBatchRoot(poster, 65, root);
    expect(Buffer.from(ix.data.subarray(0, 8))).toEqual(disc("global:submit_batch_root"));
    expect(ix.data.length).toBe(8 + 8 + 32);
    expect(new DataView(ix.data.buffer, ix.data.byteOffset).getBigUint64(8, true)).toBe(65n);
    expect(Buffer.from(ix.data.subarray(16))).toEqual(Buffer.from(root));
    expect(ix.keys.map((k) => k.pubkey.toBase58())).toEqual([configAddress().toBase58(), registryPageAddress(1).toBase58(), poster.toBase58(), "11111111111111111111111111111111"]);
    expect(ix.keys.map((k) => [k.isSigner, k.isWritable])).toEqual([[false, true], [false, true], [true, true], [false, false]]);
    for (const name of ["initialize", "rotate_authority", "pause_posting", "resume_posting", "set_version", "transfer_upgrade_authority", "accept_upgrade_authority"]) {
      expect(disc(`global:${name}`)).toEqual(Buffer.from(rollupCoder().instruction.encode(name, name === "initialize" ? { config: { batch_poster_authority: poster, version: 1 } } : name === "set_version" ? { version: 2 } : name.includes("authority") && name !== "accept_upgrade_authority" ? { new_authority: poster } : {}).subarray(0, 8)));
    }
    expect(() => rollupInstructions.submitBatchRoot(poster, 1, new Uint8Array(31))).toThrow(RangeError);
  });

  it("derives the PDAs from the documented seeds", () => {
    expect(configAddress().toBase58()).toBe(PublicKey.findProgramAddressSync([Buffer.from("rollup-config")], rollupProgramId())[0].toBase58());
    const page3 = Buffer.alloc(8);
    page3.writeBigUInt64LE(3n);
    expect(registryPageAddress(3).toBase58()).toBe(PublicKey.findProgramAddressSync([Buffer.from("root-registry"), page3], rollupProgramId())[0].toBase58());
    expect([1, 64, 65, 128, 129].map(pageOfHeight)).toEqual([0, 0, 1, 1, 2]);
  });

  it("decodes accounts and refuses the wrong size or discriminator", async () => {
    const authority = Keypair.fromSeed(new Uint8Array(32).fill(1)).publicKey;
    const config = await rollupCoder().accounts.encode("RollupConfig", {
      upgrade_authority: authority,
      pending_upgrade_authority: PublicKey.default,
      batch_poster_authority: authority,
      version: 3,
      last_good_version: 2,
      paused: true,
      last_batch_height: new anchor.BN(70),
      bump: 254,
    });
    expect(config.length).toBe(rollupAccountSizes().RollupConfig);
    expect(decodeRollupConfig(new Uint8Array(config))).toEqual({
      upgradeAuthority: authority.toBase58(),
      pendingUpgradeAuthority: undefined,
      batchPosterAuthority: authority.toBase58(),
      version: 3,
      lastGoodVersion: 2,
      paused: true,
      lastBatchHeight: 70n,
      bump: 254,
    });
    expect(() => decodeRollupConfig(new Uint8Array(config).subarray(1))).toThrow(RollupAccountError);
    const wrong = new Uint8Array(config);
    wrong[0]! ^= 1;
    expect(() => decodeRollupConfig(wrong)).toThrow(/wrong discriminator/);

    // Anchor's account encoder has a 1000-byte buffer, so the 3605-byte page is laid out by hand (Borsh: little endian, no padding).
    const page = new Uint8Array(rollupAccountSizes().RootRegistry);
    const view = new DataView(page.buffer);
    page.set(disc("account:RootRegistry"), 0);
    view.setBigUint64(8, 1n, true); // page
    view.setUint32(16, 1, true); // count
    page[20] = 255; // bump
    view.setBigUint64(21, 65n, true);
    page.fill(5, 29, 61);
    view.setBigUint64(61, 9n, true);
    view.setBigInt64(69, 1_700_000_001n, true);
    expect(decodeRootRegistry(page)).toEqual({ page: 1n, entries: [{ height: 65n, root: new Uint8Array(32).fill(5), slot: 9n, timestamp: 1_700_000_001n }] });
    expect(() => decodeRollupConfig(page)).toThrow(RollupAccountError);
    view.setUint32(16, 65, true);
    expect(() => decodeRootRegistry(page)).toThrow(/count 65 over 64/);
  });

  it("decodes every field as the anchor coder does, on random accounts (the direct decoders against the IDL's coder)", () => {
    const reference = (name: "RollupConfig" | "RootRegistry", data: Uint8Array): Record<string, unknown> =>
      rollupCoder().accounts.decode(name, Buffer.from(data)) as Record<string, unknown>;
    const big = (v: unknown): bigint => BigInt((v as anchor.BN).toString());
    const key = (v: unknown): string => (v as PublicKey).toBase58();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 114, maxLength: 114 }), fc.boolean(), fc.boolean(), (body, paused, nonePending) => {
        const data = new Uint8Array(rollupAccountSizes().RollupConfig);
        data.set(disc("account:RollupConfig"), 0);
        data.set(body, 8);
        data[112] = paused ? 1 : 0;
        if (nonePending) data.fill(0, 40, 72);
        const c = reference("RollupConfig", data);
        const pending = key(c.pending_upgrade_authority);
        expect(decodeRollupConfig(data)).toEqual({
          upgradeAuthority: key(c.upgrade_authority),
          pendingUpgradeAuthority: pending === "11111111111111111111111111111111" ? undefined : pending,
          batchPosterAuthority: key(c.batch_poster_authority),
          version: c.version,
          lastGoodVersion: c.last_good_version,
          paused: c.paused,
          lastBatchHeight: big(c.last_batch_height),
          bump: c.bump,
        });
        data[112] = 2;
        expect(() => reference("RollupConfig", data)).toThrow(/Invalid bool/);
        expect(() => decodeRollupConfig(data)).toThrow(/Invalid bool/);
      }),
      { numRuns: 100 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 3597, maxLength: 3597 }), fc.integer({ min: 0, max: 64 }), (body, count) => {
        const data = new Uint8Array(rollupAccountSizes().RootRegistry);
        data.set(disc("account:RootRegistry"), 0);
        data.set(body, 8);
        new DataView(data.buffer).setUint32(16, count, true);
        const r = reference("RootRegistry", data);
        const entries = (r.entries as { height: anchor.BN; root: number[]; slot: anchor.BN; timestamp: anchor.BN }[]).slice(0, count);
        expect(decodeRootRegistry(data)).toEqual({
          page: big(r.page),
          entries: entries.map((e) => ({ height: big(e.height), root: Uint8Array.from(e.root), slot: big(e.slot), timestamp: big(e.timestamp) })),
        });
      }),
      { numRuns: 30 },
    );
  });

  it("names custom errors from the IDL and signs transactions the fee payer pays", () => {
    expect(rollupErrorName(6000)).toBe("Unauthorized");
    expect(rollupErrorName(6002)).toBe("HeightNotNext");
    expect(rollupErrorName(7777)).toBe("custom-7777");
    const payer = deriveSolanaKeypair("operator", 7);
    expect(payer.publicKey.toBase58()).toBe(deriveSolanaKeypair("operator", 7).publicKey.toBase58());
    expect(payer.publicKey.toBase58()).not.toBe(deriveSolanaKeypair("operator", 8).publicKey.toBase58());
    const tx = signTransaction([rollupInstructions.pausePosting(payer.publicKey)], [payer], "11111111111111111111111111111111");
    expect(tx.bytes.length).toBeLessThanOrEqual(1232);
    expect(anchor.utils.bytes.bs58.decode(tx.signature)).toEqual(Buffer.from(tx.bytes.subarray(1, 65)));
    expect(() => signTransaction([], [], "11111111111111111111111111111111")).toThrow(RangeError);
  });
});

describe("signTransaction", () => {
  it("gives the same bytes as web3.js's own signer", async () => {
    const { Transaction } = await import("@solana/web3.js");
    const payer = deriveSolanaKeypair("poster/0", 3);
    const other = deriveSolanaKeypair("operator", 3);
    const ixs = [rollupInstructions.submitBatchRoot(payer.publicKey, 1, new Uint8Array(32).fill(1)), rollupInstructions.pausePosting(other.publicKey)];
    const ours = signTransaction(ixs, [payer, other], "11111111111111111111111111111111");
    const reference = new Transaction({ feePayer: payer.publicKey, recentBlockhash: "11111111111111111111111111111111" }).add(...ixs);
    reference.sign(payer, other);
    expect(Buffer.from(ours.bytes)).toEqual(reference.serialize());
    expect(Transaction.from(ours.bytes).verifySignatures()).toBe(true);
  });

  it("gives web3.js's bytes for any signer order, several instructions and both signers' fee payer", async () => {
    const { Transaction } = await import("@solana/web3.js");
    const a = deriveSolanaKeypair("poster/0", 4);
    const b = deriveSolanaKeypair("operator", 4);
    const c = deriveSolanaKeypair("intruder", 4);
    const ixs = [
      rollupInstructions.submitBatchRoot(a.publicKey, 64, new Uint8Array(32).fill(2)),
      rollupInstructions.submitBatchRoot(a.publicKey, 65, new Uint8Array(32).fill(3)),
      rollupInstructions.setVersion(b.publicKey, 9),
      rollupInstructions.pausePosting(c.publicKey),
    ];
    for (const signers of [[a, b, c], [b, c, a], [c, a, b]]) {
      const blockhash = "4uQeVj5tqViQh7yWWGStvkEG1Zmhx6uasJtWCJziofM";
      const ours = signTransaction(ixs, signers, blockhash);
      const reference = new Transaction({ feePayer: signers[0]!.publicKey, recentBlockhash: blockhash }).add(...ixs);
      reference.sign(...signers);
      expect(Buffer.from(ours.bytes)).toEqual(reference.serialize());
      expect(ours.signature).toBe(anchor.utils.bytes.bs58.encode(reference.signature!));
    }
  });

  it("refuses a missing signer, a signer no instruction names, and a transaction over 1232 bytes", async () => {
    const { Transaction } = await import("@solana/web3.js");
    const a = deriveSolanaKeypair("poster/0", 5);
    const b = deriveSolanaKeypair("operator", 5);
    const blockhash = "11111111111111111111111111111111";
    expect(() => signTransaction([rollupInstructions.pausePosting(b.publicKey)], [a], blockhash)).toThrow(/Missing signature/);
    expect(() => signTransaction([rollupInstructions.submitBatchRoot(a.publicKey, 1, new Uint8Array(32))], [a, b], blockhash)).toThrow(/unknown signer/);
    // Around the size limit: throws exactly when web3.js's own signer does, with the same bytes otherwise.
    let refused = 0;
    for (let n = 12; n <= 22; n++) {
      const ixs = Array.from({ length: n }, (_, i) => rollupInstructions.submitBatchRoot(a.publicKey, i + 1, new Uint8Array(32).fill(i)));
      let reference: Buffer | undefined;
      try {
        const tx = new Transaction({ feePayer: a.publicKey, recentBlockhash: blockhash }).add(...ixs);
        tx.sign(a);
        reference = tx.serialize();
      } catch {
        reference = undefined;
      }
      if (reference === undefined) {
        refused++;
        expect(() => signTransaction(ixs, [a], blockhash)).toThrow(Error);
      } else {
        expect(Buffer.from(signTransaction(ixs, [a], blockhash).bytes)).toEqual(reference);
      }
    }
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThan(11);
  });
});

describe("submitBatchRootData", () => {
  it("equals the BorshCoder's encoding", () => {
    for (const height of [0, 1, 64, 65, 0xffff_ffff, 2 ** 32 + 7, Number.MAX_SAFE_INTEGER]) {
      const root = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + height) & 0xff);
      const reference = rollupCoder().instruction.encode("submit_batch_root", { height: new anchor.BN(height.toString()), root: Array.from(root) });
      expect(Buffer.from(submitBatchRootData(height, root))).toEqual(Buffer.from(reference));
    }
  });

  it("refuses a root that is not 32 bytes and a height that is not a u64 the number type holds exactly", () => {
    expect(() => submitBatchRootData(1, new Uint8Array(33))).toThrow(RangeError);
    expect(() => submitBatchRootData(-1, new Uint8Array(32))).toThrow(RangeError);
    expect(() => submitBatchRootData(1.5, new Uint8Array(32))).toThrow(RangeError);
    expect(() => submitBatchRootData(2 ** 53, new Uint8Array(32))).toThrow(RangeError);
  });
});

describe("initializeData", () => {
  it("equals the BorshCoder's encoding, and initialize's instruction carries it", () => {
    for (const version of [0, 1, 255, 256, 0xffff, 0x1234_5678, 0xffff_ffff]) {
      const poster = Keypair.fromSeed(createHash("sha256").update(`poster ${version}`).digest()).publicKey;
      const reference = rollupCoder().instruction.encode("initialize", { config: { batch_poster_authority: poster, version } });
      expect(Buffer.from(initializeData(poster.toBytes(), version))).toEqual(Buffer.from(reference));
      const authority = Keypair.fromSeed(new Uint8Array(32).fill(version & 0xff)).publicKey;
      expect(Buffer.from(rollupInstructions.initialize(authority, poster, version).data)).toEqual(Buffer.from(reference));
    }
  });

  it("refuses a key that is not 32 bytes and a version that is not a u32", () => {
    expect(() => initializeData(new Uint8Array(31), 1)).toThrow(RangeError);
    expect(() => initializeData(new Uint8Array(32), -1)).toThrow(RangeError);
    expect(() => initializeData(new Uint8Array(32), 1.5)).toThrow(RangeError);
    expect(() => initializeData(new Uint8Array(32), 2 ** 32)).toThrow(RangeError);
  });
});

describe("solanaKeypairFromSeed (node:crypto in place of web3.js's pure-JS ed25519)", () => {
  it("gives the keys web3.js's Keypair.fromSeed gives, for derived and edge seeds", () => {
    const seeds = [
      ...Array.from({ length: 40 }, (_, i) => createHash("sha256").update(`seed ${i}`).digest()),
      new Uint8Array(32),
      new Uint8Array(32).fill(0xff),
    ];
    for (const seed of seeds) {
      const ours = solanaKeypairFromSeed(seed);
      const reference = Keypair.fromSeed(seed);
      expect(Buffer.from(ours.secretKey)).toEqual(Buffer.from(reference.secretKey));
      expect(ours.publicKey.toBase58()).toBe(reference.publicKey.toBase58());
      // web3.js's own validation of the pair (it signs and recomputes the public key) accepts it.
      expect(() => Keypair.fromSecretKey(ours.secretKey)).not.toThrow();
    }
    expect(deriveSolanaKeypair("poster/0", 3).publicKey.toBase58()).toBe(Keypair.fromSeed(createHash("sha256").update("asset-sim/l1-key/poster/0/3").digest()).publicKey.toBase58());
  });

  it("a pair with a wrong public key half is one web3.js refuses (the comparison above can fail)", () => {
    const seed = createHash("sha256").update("seed 0").digest();
    const broken = solanaKeypairFromSeed(seed).secretKey.slice();
    broken[40]! ^= 1;
    expect(() => Keypair.fromSecretKey(broken)).toThrow(/invalid/);
  });

  it("refuses a seed that is not 32 bytes", () => {
    expect(() => solanaKeypairFromSeed(new Uint8Array(31))).toThrow(RangeError);
    expect(() => solanaKeypairFromSeed(new Uint8Array(64))).toThrow(RangeError);
  });
});

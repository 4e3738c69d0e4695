/**
 * The SBCP per-class limits of real mode (`sbcp-wire-limits.ts`) and the SBCP
 * node config (`sbcp-node-config.ts`): the class read from a frame's first
 * tag is the message's type for every message; random bytes never make the
 * reader throw; the largest messages the codec accepts fit their class's
 * limit (so no honest message is refused); the flows give a client only
 * xTRequest (to the SP) and LocalTransaction or xTRequest (to a sequencer);
 * config errors name their field.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/config/errors.js";
import type { SbcpMessage } from "../../src/sbcp/messages.js";
import { MAX_REPEATED } from "../../src/sbcp/wire/fields.js";
import { encodeSbcpMessage } from "../../src/sbcp/wire/codec.js";
import { writeSbcpConfigs } from "../../src/runtime/sbcp-config-gen.js";
import { parseSbcpNodeConfig } from "../../src/runtime/sbcp-node-config.js";
import { runCli } from "../helpers/cli.js";
import { SBCP_BLOCK_BYTES_MAX_DEFAULT, SBCP_XT_BYTES_MAX_DEFAULT, sbcpFrameClass, sbcpLimitsForSender, sbcpWireSizeLimits } from "../../src/runtime/sbcp-wire-limits.js";

const u64 = fc.oneof(fc.constantFrom(0, 1, Number.MAX_SAFE_INTEGER), fc.maxSafeNat());
const u32 = fc.nat({ max: 0xffff_ffff });
const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
const bytes = fc.uint8Array({ maxLength: 64 });
const list = <T>(arb: fc.Arbitrary<T>) => fc.array(arb, { maxLength: 3 });
const blockRequest = fc.record({ ChainID: u32, BlockNumber: u64, ParentHash: hash });
const xtRequest = fc.record({ Transactions: list(fc.record({ ChainID: u32, Transaction: list(bytes) })) });
const message: fc.Arbitrary<SbcpMessage> = fc.oneof(
  fc.record({ type: fc.constant("StartSlot" as const), Slot: u64, NextSuperblockNumber: u64, LastSuperblockHash: hash, L2BlocksRequest: list(blockRequest) }),
  fc.record({ type: fc.constant("RequestSeal" as const), Slot: u64, IncludedxTs: list(hash) }),
  fc.record({ type: fc.constant("RollBackAndStartSlot" as const), L2BlocksRequest: list(blockRequest), CurrentSlot: u64, NextSuperblockNumber: u64, LastSuperblockHash: hash }),
  fc.record({ type: fc.constant("L2Block" as const), Slot: u64, ChainID: u32, BlockNumber: u64, BlockHash: hash, ParentBlockHash: hash, IncludedxTs: list(hash), Block: bytes }),
  fc.record({ type: fc.constant("L2BlockRequest" as const), ChainID: u32, BlockNumber: u64, ParentHash: hash }),
  fc.record({ type: fc.constant("StartSC" as const), Slot: u64, xTSequenceNumber: u64, xTRequest: xtRequest, xTid: hash }),
  fc.record({ type: fc.constant("CIRCMessage" as const), SourceChainID: u32, DestinationChainID: u32, Source: list(bytes), Receiver: list(bytes), SessionID: u32, Label: fc.string({ maxLength: 16 }), Data: list(bytes), xTid: hash, Slot: u64 }),
  fc.record({ type: fc.constant("Vote" as const), SenderChain: u32, xTid: hash, Vote: fc.boolean(), Slot: u64 }),
  fc.record({ type: fc.constant("Decided" as const), xTid: hash, Decision: fc.boolean(), Slot: u64 }),
  fc.record({ type: fc.constant("xTRequest" as const), Transactions: list(fc.record({ ChainID: u32, Transaction: list(bytes) })) }),
  fc.record({ type: fc.constant("LocalTransaction" as const), Transaction: bytes }),
);

const limits = sbcpWireSizeLimits({ rollups: 32, blockBytesMax: SBCP_BLOCK_BYTES_MAX_DEFAULT, xtBytesMax: SBCP_XT_BYTES_MAX_DEFAULT });

describe("SBCP frame class and limits", () => {
  it("reads every message's class from its first tag", () => {
    fc.assert(fc.property(message, (m) => sbcpFrameClass(encodeSbcpMessage(m)) === m.type));
  });

  it("never throws on random bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 16 }), (b) => {
      const c = sbcpFrameClass(b);
      return c === undefined || typeof c === "string";
    }));
    expect(sbcpFrameClass(new Uint8Array())).toBeUndefined();
    expect(sbcpFrameClass(Uint8Array.from([0x08, 0x01]))).toBeUndefined(); // field 1 as a varint, not a message
    expect(sbcpFrameClass(Uint8Array.from([0xfa, 0x01, 0x00]))).toBeUndefined(); // field 31: not an envelope field
  });

  it("fits the largest honest messages: 10,000 xTids in a RequestSeal and an L2Block, a full StartSlot, a full block", () => {
    const xTids = Array.from({ length: MAX_REPEATED }, () => new Uint8Array(32).fill(0xff));
    const big = Number.MAX_SAFE_INTEGER;
    const seal = encodeSbcpMessage({ type: "RequestSeal", Slot: big, IncludedxTs: xTids });
    expect(seal.length).toBeLessThanOrEqual(limits.RequestSeal);
    const block = encodeSbcpMessage({ type: "L2Block", Slot: big, ChainID: 0xffff_ffff, BlockNumber: big, BlockHash: xTids[0]!, ParentBlockHash: xTids[0]!, IncludedxTs: xTids, Block: new Uint8Array(SBCP_BLOCK_BYTES_MAX_DEFAULT) });
    expect(block.length).toBeLessThanOrEqual(limits.L2Block);
    const requests = Array.from({ length: 32 }, () => ({ ChainID: 0xffff_ffff, BlockNumber: big, ParentHash: xTids[0]! }));
    expect(encodeSbcpMessage({ type: "StartSlot", Slot: big, NextSuperblockNumber: big, LastSuperblockHash: xTids[0]!, L2BlocksRequest: requests }).length).toBeLessThanOrEqual(limits.StartSlot);
    expect(encodeSbcpMessage({ type: "xTRequest", Transactions: [{ ChainID: 1, Transaction: [new Uint8Array(SBCP_XT_BYTES_MAX_DEFAULT)] }] }).length).toBeLessThanOrEqual(limits.xTRequest);
    expect(() => sbcpWireSizeLimits({ rollups: 2, blockBytesMax: 8 * 1024 * 1024, xtBytesMax: 1024 })).toThrow(RangeError);
    expect(() => sbcpWireSizeLimits({ rollups: 0, blockBytesMax: 1024, xtBytesMax: 1024 })).toThrow(RangeError);
  });

  it("lets each role send only its classes", () => {
    expect([...sbcpLimitsForSender(limits, "sbcp-client", "shared-publisher").keys()]).toEqual(["xTRequest"]);
    expect([...sbcpLimitsForSender(limits, "sbcp-client", "sbcp-sequencer").keys()].sort()).toEqual(["LocalTransaction", "xTRequest"]);
    expect([...sbcpLimitsForSender(limits, "sbcp-sequencer", "sbcp-sequencer").keys()]).toEqual(["CIRCMessage"]);
    expect(sbcpLimitsForSender(limits, "shared-publisher", "sbcp-client").size).toBe(0);
    expect(sbcpLimitsForSender(limits, "sbcp-sequencer", "shared-publisher").has("StartSlot")).toBe(false);
  });
});

describe("SBCP node config", () => {
  const dir = mkdtempSync(join(tmpdir(), "sbcp-config-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes configs that load, keys of mode 0600, and refuses bad fields by name", async () => {
    const written = await writeSbcpConfigs({ out: dir, rollups: 3, clients: 2, host: "127.0.0.1", basePort: 7300, seed: 5, genesisTimeUs: Date.UTC(2026, 11, 6, 22) * 1000, slotDurationUs: 2_000_000, txPerSecond: 4 });
    expect(written.map((w) => `${w.id}:${w.role}`)).toEqual(["sp:shared-publisher", "seq1:sbcp-sequencer", "seq2:sbcp-sequencer", "seq3:sbcp-sequencer", "sc0:sbcp-client", "sc1:sbcp-client"]);
    expect(written.map((w) => w.port)).toEqual([7300, 7301, 7302, 7303, undefined, undefined]);
    const raw = JSON.parse(readFileSync(join(dir, "seq2.json"), "utf8")) as Record<string, unknown>;
    const config = parseSbcpNodeConfig(raw, dir);
    expect(config.network.genesisTime).toBe(Date.UTC(2026, 11, 6, 22) * 1000);
    expect(config.rollups.map((r) => r.chainId)).toEqual([1, 2, 3]);
    const sc1 = parseSbcpNodeConfig(JSON.parse(readFileSync(join(dir, "sc1.json"), "utf8")), dir);
    expect(sc1.workload.txPerSecond).toBe(2);
    // Distinct random transport keys.
    expect(new Set(config.rollups.map((r) => r.transportPublicKey)).size).toBe(3);
    // Refused: a key file others can read; a missing listen; a wrong role for the id; a bad genesis time.
    chmodSync(join(dir, "keys", "seq2.transport.key"), 0o644);
    expect(() => parseSbcpNodeConfig(raw, dir)).toThrow(/chmod 600/);
    chmodSync(join(dir, "keys", "seq2.transport.key"), 0o600);
    const field = (edit: (c: Record<string, unknown>) => void): string => {
      const copy = JSON.parse(JSON.stringify(raw)) as Record<string, unknown>;
      edit(copy);
      try {
        parseSbcpNodeConfig(copy, dir);
      } catch (error) {
        expect(error).toBeInstanceOf(InputError);
        return (error as InputError).message;
      }
      throw new Error("accepted");
    };
    expect(field((c) => delete c.listen)).toMatch(/listen/);
    expect(field((c) => (c.role = "shared-publisher"))).toMatch(/id/);
    expect(field((c) => ((c.network as Record<string, unknown>).genesisTime = "yesterday"))).toMatch(/genesisTime/);
    expect(field((c) => ((c.rollups as Record<string, unknown>[])[1]!.chainId = 1))).toMatch(/chain id 1 is used twice/);
    // Over an existing network without --force: refused.
    writeFileSync(join(dir, "extra"), "x");
    await expect(writeSbcpConfigs({ out: dir, rollups: 1, clients: 0, host: "127.0.0.1", basePort: 7300, seed: 1, genesisTimeUs: 0, slotDurationUs: 1_000_000, txPerSecond: 0 })).rejects.toThrow(/not empty/);
  });
});

describe("asset-sim config-gen --sbcp and testnet --sbcp options", () => {
  const dir = mkdtempSync(join(tmpdir(), "sbcp-cli-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes an SBCP network, and refuses options of the other kind by name", async () => {
    const out = join(dir, "net");
    const ok = await runCli(["config-gen", "--sbcp", "--rollups", "3", "--clients", "2", "--out", out, "--base-port", "ephemeral", "--slot-duration", "2s", "--genesis-time", "2026-12-06T22:00:00Z"]);
    expect(ok.code).toBe(0);
    expect(ok.out.trim().split("\n").map((l: string) => l.split("/").pop())).toEqual(["sp.json", "seq1.json", "seq2.json", "seq3.json", "sc0.json", "sc1.json"]);
    const sp = parseSbcpNodeConfig(JSON.parse(readFileSync(join(out, "sp.json"), "utf8")), out);
    expect(sp.network.slotDuration).toBe(2_000_000);
    expect(new Date(sp.network.genesisTime / 1000).toISOString()).toBe("2026-12-06T22:00:00.000Z");
    const withValidators = await runCli(["config-gen", "--sbcp", "--validators", "4", "--out", join(dir, "x")]);
    expect(withValidators.code).toBe(2);
    expect(withValidators.err).toContain("--validators");
    const badTime = await runCli(["config-gen", "--sbcp", "--genesis-time", "noon", "--out", join(dir, "y")]);
    expect(badTime.code).toBe(2);
    expect(badTime.err).toContain("--genesis-time");
    const rollupsAlone = await runCli(["testnet", "--rollups", "2"]);
    expect(rollupsAlone.code).toBe(2);
    expect(rollupsAlone.err).toContain("needs --sbcp");
    const sbcpWithL1 = await runCli(["testnet", "--sbcp", "--l1"]);
    expect(sbcpWithL1.code).toBe(2);
  }, 60_000);
});

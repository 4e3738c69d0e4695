/**
 * Goal: the pieces of the SP's L1 path on their own: the SP node's codec
 * (SBCP messages as the sequencers' protobuf bytes, `l1-rpc` as the L1's
 * envelope), the `sbcp.l1` section's errors, the `sbcp-l1-registry`
 * checker on hand-made observation streams (each rule broken once), and
 * determinism of a run that publishes to the L1.
 */
import { describe, expect, it } from "vitest";
import { L1SuperblockRegistryChecker } from "../../src/check/sbcp/l1-registry.js";
import type { Observation } from "../../src/check/checker.js";
import { InputError } from "../../src/config/errors.js";
import { l1RpcCodec } from "../../src/l1/l1-wire.js";
import { WireDecodeError } from "../../src/net/codec.js";
import { L1_SHARED_PUBLISHER_CODEC } from "../../src/sbcp/l1/l1-shared-publisher.js";
import type { SbcpMessage } from "../../src/sbcp/messages.js";
import { SBCP_CODEC } from "../../src/sbcp/wire/codec.js";
import { parseScenario } from "../../src/scenario/load.js";
import { rawScenario, runScenario, scenario } from "../helpers/scenario.js";

const h = (byte: number): string => byte.toString(16).padStart(2, "0").repeat(32);
const ZERO = "0".repeat(64);

describe("the SP's codec with its L1 path", () => {
  it("writes SBCP messages as SBCP_CODEC's bytes and l1-rpc as the L1 envelope, and reads both back", () => {
    const start: SbcpMessage = { type: "StartSlot", Slot: 3, NextSuperblockNumber: 2, LastSuperblockHash: new Uint8Array(32).fill(7), L2BlocksRequest: [{ ChainID: 1, BlockNumber: 2, ParentHash: new Uint8Array(32).fill(1) }] };
    const bytes = L1_SHARED_PUBLISHER_CODEC.encode(start);
    expect(bytes).toEqual(SBCP_CODEC.encode(start));
    expect(L1_SHARED_PUBLISHER_CODEC.decode(bytes)).toEqual(SBCP_CODEC.decode(bytes));
    const rpc = { type: "l1-rpc" as const, data: Uint8Array.from([1, 2, 3]) };
    const rpcBytes = L1_SHARED_PUBLISHER_CODEC.encode(rpc);
    expect(rpcBytes).toEqual(l1RpcCodec.encode(rpc));
    expect(L1_SHARED_PUBLISHER_CODEC.decode(rpcBytes)).toEqual(rpc);
    expect(() => L1_SHARED_PUBLISHER_CODEC.decode(Uint8Array.from([0x81, 0xa1, 0x78, 0x01]))).toThrow(WireDecodeError);
    expect(() => L1_SHARED_PUBLISHER_CODEC.decode(Uint8Array.from([0xff, 0xff, 0xff]))).toThrow(WireDecodeError);
  });
});

describe("the sbcp.l1 section", () => {
  it("needs the L1, and its fields are checked", () => {
    const base = rawScenario("sbcp-quickstart");
    const withL1 = (l1: unknown, l1Enabled: boolean) => ({ ...base, l1: { enabled: l1Enabled }, sbcp: { ...(base.sbcp as Record<string, unknown>), l1 } });
    const cases: [Record<string, unknown>, RegExp][] = [
      [withL1({}, false), /sbcp\.l1: publishing superblocks needs the L1 \(l1\.enabled is false\)/],
      [withL1({ publishWindow: "0s" }, true), /sbcp\.l1\.publishWindow/],
      [withL1({ window: "1s" }, true), /window/],
    ];
    for (const [raw, message] of cases) {
      let error: unknown;
      try {
        parseScenario(raw);
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(raw)).toBeInstanceOf(InputError);
      expect((error as Error).message).toMatch(message);
    }
    expect(() => parseScenario(withL1({ publishWindow: "10s" }, true))).not.toThrow();
  });
});

describe("sbcp-l1-registry on hand-made streams", () => {
  const built = (number: number, hash: string, parentHash: string, timeUs = number * 1000): Observation => ({
    timeUs,
    node: "sp",
    event: "sbcp-superblock",
    fields: { number, slot: number, partial: false, hash, parentHash, blocks: [{ chain: 1, number, hash: h(100 + number) }], xTids: [] },
  });
  const final = (number: number, hash: string, parentHash: string, change: Record<string, unknown> = {}): Observation => ({
    timeUs: 100_000 + number,
    node: "l1",
    event: "sbcp-l1-registry-finalized",
    fields: { number, slot: number, hash, parentHash, l1Slot: 5, blocks: [{ chain: 1, number, hash: h(100 + number) }], ...change },
  });
  const judge = (stream: Observation[]) => {
    const checker = new L1SuperblockRegistryChecker("sp", "l1");
    for (const o of stream) checker.observe(o);
    return checker.finish();
  };
  const honest = [built(1, h(1), ZERO), built(2, h(2), h(1)), final(1, h(1), ZERO), final(2, h(2), h(1))];

  it("passes the registry of the superblocks the SP built (a rebuilt number after a rollback included)", () => {
    expect(judge(honest)).toMatchObject({ ok: true, figures: { finalizedSuperblocks: 2 } });
    const rollback: Observation = { timeUs: 2500, node: "sp", event: "sbcp-rollback", fields: { lastValidNumber: 1, dropped: [2] } };
    expect(judge([built(1, h(1), ZERO), built(2, h(2), h(1)), final(1, h(1), ZERO), rollback, built(2, h(3), h(1), 3000), final(2, h(3), h(1))]).ok).toBe(true);
  });

  it("catches a gap, a broken parent link, an entry the SP never built, other blocks or slot, a misplaced entry, a rollback below finality", () => {
    const broken: [Observation[], RegExp][] = [
      [[built(1, h(1), ZERO), built(2, h(2), h(1)), final(2, h(2), h(1))], /superblock 2: finalized after 0/],
      [[built(1, h(1), ZERO), built(2, h(2), h(9)), final(1, h(1), ZERO), final(2, h(2), h(9))], /parent hash is not the previous/],
      [[built(1, h(1), ZERO), final(1, h(8), ZERO)], /is not a superblock the SP built/],
      [[built(1, h(1), ZERO), final(1, h(1), ZERO, { blocks: [{ chain: 2, number: 1, hash: h(101) }] })], /L2 blocks .* differ/],
      [[built(1, h(1), ZERO), final(1, h(1), ZERO, { slot: 9 })], /slot 9 differs/],
      [[built(1, h(1), ZERO), final(1, h(1), ZERO, { misplaced: "the entry at position 1 says number 4" })], /says number 4/],
      [[...honest, { timeUs: 200_000, node: "sp", event: "sbcp-rollback", fields: { lastValidNumber: 1, dropped: [2] } }], /rolled back to superblock 1, below superblock 2 the L1 finalized/],
    ];
    for (const [stream, message] of broken) {
      const verdict = judge(stream);
      expect(verdict.ok).toBe(false);
      expect(verdict.violation?.message).toMatch(message);
    }
  });
});

describe("determinism with the L1 path", () => {
  it("the same seed gives the same digest and the same L1 figures", () => {
    const s = scenario("sbcp/l1-publish-reorg", {}, 30_000_000);
    const a = runScenario(s);
    const b = runScenario(s);
    expect(a.traceDigest).toBe(b.traceDigest);
    expect((a.metrics as unknown as { sbcp: unknown }).sbcp).toEqual((b.metrics as unknown as { sbcp: unknown }).sbcp);
  });
});

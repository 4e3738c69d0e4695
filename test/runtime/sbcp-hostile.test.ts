/**
 * A hostile peer against an SBCP sequencer in real mode (loopback, in one
 * process): a configured client's key sends an oversized LocalTransaction, a
 * RequestSeal (a class only the SP may send), a LocalTransaction whose body
 * is not protobuf, and an xTRequest of 60,000 nested protobuf groups. The
 * first two are refused by the transport before decoding
 * (`transport-malformed-frame`, kind `oversized` and `type-not-accepted`),
 * the other two by the codec (`malformed`, error `WireDecodeError`); each is
 * logged with its typed reason, the sequencer keeps running, and the peer's
 * next valid message is delivered. The same oversized frame sent to a
 * receiver built here without the SBCP limits (every class up to 1 MiB) is
 * delivered to the decoder: the limits are what refuse it.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fromHex } from "../../src/crypto/hash.js";
import { encodeSbcpMessage } from "../../src/sbcp/wire/codec.js";
import { SBCP_MESSAGE_TYPES } from "../../src/sbcp/messages.js";
import { Libp2pTransport } from "../../src/runtime/libp2p-transport.js";
import { writeSbcpConfigs } from "../../src/runtime/sbcp-config-gen.js";
import { parseSbcpNodeConfig } from "../../src/runtime/sbcp-node-config.js";
import { startSbcpNode, type RunningSbcpNode } from "../../src/runtime/sbcp-node-runner.js";
import { SBCP_FRAME_INSPECTOR } from "../../src/runtime/sbcp-wire-limits.js";
import { sleep, waitFor } from "./libp2p-harness.js";

/** An envelope with field `field` (wire type 2) holding `body`. */
function envelope(field: number, body: Uint8Array): Uint8Array {
  const varint = (n: number): number[] => {
    const out: number[] = [];
    while (n >= 0x80) {
      out.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    out.push(n);
    return out;
  };
  return Uint8Array.from([...varint((field << 3) | 2), ...varint(body.length), ...body]);
}

describe("SBCP messages from a hostile peer (real mode, loopback)", () => {
  const dir = mkdtempSync(join(tmpdir(), "sbcp-hostile-"));
  const cleanup: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses oversized, out-of-role and malformed SBCP messages with typed, logged errors and keeps serving", async () => {
    const configs = await writeSbcpConfigs({ out: dir, rollups: 2, clients: 1, host: "127.0.0.1", basePort: "ephemeral", seed: 1, genesisTimeUs: Date.now() * 1000, slotDurationUs: 2_000_000, txPerSecond: 1, logToStdout: true });
    const raw = (id: string): unknown => JSON.parse(readFileSync(configs.find((c) => c.id === id)!.path, "utf8"));
    const lines: Record<string, unknown>[] = [];
    const errors: unknown[] = [];
    const seq1 = parseSbcpNodeConfig(raw("seq1"), dir);
    const node: RunningSbcpNode = await startSbcpNode(seq1, {
      logDestination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
      onNodeError: (_n, e) => errors.push(e),
      controlChannel: false,
    });
    cleanup.push(() => node.stop());

    // The hostile peer holds the configured client's transport key (an authenticated peer), and sends raw bytes.
    const client = parseSbcpNodeConfig(raw("sc0"), dir);
    const hostile = new Libp2pTransport({
      self: "sc0",
      transportSecretKey: fromHex(client.transportKeyHex),
      peers: [{ id: "seq1", address: { host: "127.0.0.1", port: node.port! }, transportPublicKey: fromHex(seq1.rollups[0]!.transportPublicKey), messageLimits: new Map() }],
      frameInspector: SBCP_FRAME_INSPECTOR,
    });
    cleanup.push(() => hostile.close());
    await hostile.start();

    const refusals = () => lines.filter((l) => l.event === "transport-malformed-frame");
    const malformed = () => lines.filter((l) => l.event === "malformed");

    // 1. A LocalTransaction of 64 KiB: over its class's limit (8 KiB), refused before decoding.
    hostile.send("sc0", "seq1", encodeSbcpMessage({ type: "LocalTransaction", Transaction: new Uint8Array(64 * 1024) }));
    await waitFor(() => refusals().length >= 1, "the oversized LocalTransaction refused");
    expect(refusals()[0]).toMatchObject({ level: "warn", peer: "sc0", kind: "oversized" });
    expect(String(refusals()[0]!.reason)).toMatch(/^LocalTransaction: \d+ bytes, limit 8192$/);

    // 2. A RequestSeal from a client: a class only the SP may send a sequencer.
    // The refusal of the oversized frame resets its stream; on a loaded machine the next send can race the
    // hostile side's new stream and be lost, so the hostile peer repeats it (as a real one would) until refused.
    const sendUntil = async (bytes: Uint8Array, done: () => boolean, what: string): Promise<void> => {
      for (let attempt = 0; attempt < 20 && !done(); attempt += 1) {
        hostile.send("sc0", "seq1", bytes);
        await waitFor(done, what, 1_500).catch(() => undefined);
      }
      expect(done(), what).toBe(true);
    };
    const requestSealRefused = () => refusals().find((l) => l.kind === "type-not-accepted");
    await sendUntil(encodeSbcpMessage({ type: "RequestSeal", Slot: 1, IncludedxTs: [] }), () => requestSealRefused() !== undefined, "the client's RequestSeal refused");
    expect(requestSealRefused()).toMatchObject({ peer: "sc0", kind: "type-not-accepted" });
    expect(String(requestSealRefused()!.reason)).toContain('"RequestSeal" not accepted');

    // 3. A LocalTransaction envelope whose body is not protobuf: passes the transport, refused by the codec.
    const localField = SBCP_MESSAGE_TYPES.indexOf("LocalTransaction") + 1;
    await sendUntil(envelope(localField, Uint8Array.from([0x0a, 0x7f, 1, 2, 3])), () => malformed().length >= 1, "the undecodable LocalTransaction refused");
    expect(malformed()[0]).toMatchObject({ level: "warn", from: "sc0", error: "WireDecodeError" });

    // 4. An xTRequest of 60,000 nested groups of an unknown field (protobufjs skips groups recursively).
    const groups = new Uint8Array(60_000).fill((15 << 3) | 3);
    const beforeGroups = malformed().length;
    await sendUntil(envelope(SBCP_MESSAGE_TYPES.indexOf("xTRequest") + 1, groups), () => malformed().length > beforeGroups, "the nested-group xTRequest refused");
    expect(malformed()[beforeGroups]).toMatchObject({ from: "sc0", error: "WireDecodeError" });

    // The sequencer is still up, and the peer's next valid message is delivered.
    const delivered = node.host.stats.delivered;
    await sendUntil(encodeSbcpMessage({ type: "LocalTransaction", Transaction: new Uint8Array(16) }), () => node.host.stats.delivered > delivered, "a valid LocalTransaction delivered after the refusals");
    expect(node.host.running).toBe(true);
    expect(errors).toEqual([]);
    expect(node.transport.stats.malformedFrames).toBe(refusals().length);
    expect(node.host.stats.malformed).toBe(malformed().length);

    // A receiver built here without the SBCP limits (every class up to 1 MiB) lets the same oversized frame through
    // to the decoder: the per-class limit is what refused it above.
    const received: Uint8Array[] = [];
    const permissive = new Libp2pTransport({
      self: "seq2",
      transportSecretKey: fromHex(parseSbcpNodeConfig(raw("seq2"), dir).transportKeyHex),
      listen: { host: "127.0.0.1", port: 0 },
      peers: [{ id: "sc0", transportPublicKey: fromHex(client.clients[0]!.transportPublicKey), messageLimits: new Map(SBCP_MESSAGE_TYPES.map((t) => [t, 1024 * 1024])) }],
      frameInspector: SBCP_FRAME_INSPECTOR,
    });
    cleanup.push(() => permissive.close());
    permissive.onDeliver((_from, _to, bytes) => received.push(bytes));
    const { port } = await permissive.start();
    const hostile2 = new Libp2pTransport({
      self: "sc0",
      transportSecretKey: fromHex(client.transportKeyHex),
      peers: [{ id: "seq2", address: { host: "127.0.0.1", port }, transportPublicKey: fromHex(seq1.rollups[1]!.transportPublicKey), messageLimits: new Map() }],
      frameInspector: SBCP_FRAME_INSPECTOR,
    });
    cleanup.push(() => hostile2.close());
    await hostile2.start();
    hostile2.send("sc0", "seq2", encodeSbcpMessage({ type: "LocalTransaction", Transaction: new Uint8Array(64 * 1024) }));
    await waitFor(() => received.length >= 1, "the oversized frame delivered without the limits");
    expect(received[0]!.length).toBeGreaterThan(64 * 1024);
    await sleep(10);
  }, 120_000);
});

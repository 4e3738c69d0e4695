/**
 * OpenTelemetry spans of real mode (issue 16, item 5), built in the runtime
 * from the nodes' events:
 * - a loopback network of four validators and a client: two validators send
 *   OTLP/HTTP to a receiver started here (one configured by the config's
 *   `tracing.endpoint`, one by `OTEL_EXPORTER_OTLP_ENDPOINT`), two export to
 *   in-memory exporters; every committed block has a `block.commit` span on
 *   each validator, all in the trace named by the block hash; proposals have a
 *   `batch.build` child; the client, with no endpoint, has no tracing;
 * - the batch poster's L1 submissions (`l1.submit`) from the events of the
 *   real BatchPoster in a simulated run with L1 faults (real mode hosts no
 *   poster yet): one span per posting transaction, landed ones OK with their
 *   slot, failed ones in error with the reason;
 * - where spans go: config, then the environment, none when unset; a node
 *   without an endpoint does not even load the SDK (checked on the built CLI
 *   in a fresh process, from Node's module cache).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, it } from "vitest";
import { commandConfigGen } from "../../src/cli/node-command.js";
import { blockTraceId, SPAN_NAMES } from "../../src/runtime/block-spans.js";
import { loadNodeConfig } from "../../src/runtime/node-config.js";
import { startNode, type RunningNode } from "../../src/runtime/node-runner.js";
import { editJsonFile } from "../../src/runtime/testnet.js";
import { startTracing, tracesEndpoint } from "../../src/runtime/tracing.js";
import { ROOT, runRecorded, scenario } from "../helpers/scenario.js";

/** An in-memory exporter that keeps its spans when the provider shuts down (the SDK's clears them). */
class KeptSpans extends InMemorySpanExporter {
  override shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const silent = (): Writable => new Writable({ write: (_chunk, _enc, done) => done() });

/** A span as both exporters give it: node, name, ids, times (ns), attributes, status code (0 unset, 1 ok, 2 error). */
interface SeenSpan {
  node: string;
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, unknown>;
  status: number;
  statusMessage: string | undefined;
}

const ns = (t: [number, number]): bigint => BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);

function fromSdk(node: string, s: ReadableSpan): SeenSpan {
  return {
    node,
    name: s.name,
    traceId: s.spanContext().traceId,
    spanId: s.spanContext().spanId,
    parentSpanId: s.parentSpanContext?.spanId,
    startNs: ns(s.startTime),
    endNs: ns(s.endTime),
    attributes: { ...s.attributes },
    status: s.status.code,
    statusMessage: s.status.message,
  };
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}
interface OtlpJson {
  resourceSpans: {
    resource: { attributes: { key: string; value: OtlpValue }[] };
    scopeSpans: { spans: { traceId: string; spanId: string; parentSpanId?: string; name: string; startTimeUnixNano: string; endTimeUnixNano: string; attributes?: { key: string; value: OtlpValue }[]; status?: { code?: number; message?: string } }[] }[];
  }[];
}
const valueOf = (v: OtlpValue): unknown => v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.boolValue ?? v.doubleValue));

/** The spans of OTLP/HTTP JSON request bodies, with the resource attributes of each. */
function fromOtlp(bodies: readonly string[]): { spans: SeenSpan[]; resources: Record<string, unknown>[] } {
  const spans: SeenSpan[] = [];
  const resources: Record<string, unknown>[] = [];
  for (const body of bodies) {
    for (const rs of (JSON.parse(body) as OtlpJson).resourceSpans) {
      const resource = Object.fromEntries(rs.resource.attributes.map((a) => [a.key, valueOf(a.value)]));
      resources.push(resource);
      for (const ss of rs.scopeSpans) {
        for (const s of ss.spans) {
          spans.push({
            node: String(resource["service.instance.id"]),
            name: s.name,
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId === undefined || s.parentSpanId === "" ? undefined : s.parentSpanId,
            startNs: BigInt(s.startTimeUnixNano),
            endNs: BigInt(s.endTimeUnixNano),
            attributes: Object.fromEntries((s.attributes ?? []).map((a) => [a.key, valueOf(a.value)])),
            status: s.status?.code ?? 0,
            statusMessage: s.status?.message,
          });
        }
      }
    }
  }
  return { spans, resources };
}

/** An OTLP/HTTP receiver: keeps the body of every POST to /v1/traces (JSON, as the http exporter sends). */
async function startReceiver(): Promise<{ server: Server; port: number; bodies: string[]; paths: string[] }> {
  const bodies: string[] = [];
  const paths: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      paths.push(`${request.method} ${request.url} ${request.headers["content-type"]}`);
      bodies.push(Buffer.concat(chunks).toString("utf8"));
      response.writeHead(200, { "content-type": "application/json" });
      response.end("{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { server, port: (server.address() as { port: number }).port, bodies, paths };
}

describe("tracing: spans of a loopback network", () => {
  const running: RunningNode[] = [];
  const dirs: string[] = [];
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.allSettled(running.splice(0).map((n) => n.stop()));
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    for (const s of servers.splice(0)) s.close();
  });

  it("every validator's commit, proposal, build and verify spans, in the block's trace, exported over OTLP/HTTP and in memory; none for a node without an endpoint", async () => {
    const receiver = await startReceiver();
    servers.push(receiver.server);
    const out = mkdtempSync(join(tmpdir(), "tracing-"));
    dirs.push(out);
    const code = await commandConfigGen(
      { validators: "4", clients: "1", out, host: "127.0.0.1", basePort: "ephemeral", metricsBasePort: "0", seed: "5", blockTime: "50ms", viewTimeout: "500ms", txPerSecond: "60", accountsPerClient: "4" },
      { out: () => {}, err: () => {} },
    );
    expect(code).toBe(0);
    editJsonFile(join(out, "v1.json"), (c) => {
      c.tracing = { endpoint: `http://127.0.0.1:${receiver.port}/v1/traces`, serviceName: "rollup-a" };
    });
    const memory = new Map([
      ["v2", new KeptSpans()],
      ["v3", new KeptSpans()],
    ]);
    const envOf = (id: string): NodeJS.ProcessEnv => (id === "v0" ? { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiver.port}` } : {});
    const commits = new Map<string, Map<number, string>>();
    const nodes = await Promise.all(
      ["v0", "v1", "v2", "v3", "c0"].map(async (id) => {
        commits.set(id, new Map());
        const exporter = memory.get(id);
        const node = await startNode(loadNodeConfig(join(out, `${id}.json`)), {
          logDestination: silent(),
          processMetrics: false,
          metricsServer: false,
          env: envOf(id),
          ...(exporter !== undefined ? { spanExporter: exporter } : {}),
          onNodeError: (n, error) => {
            throw new Error(`${n} threw: ${String(error)}`);
          },
          observe: (_t, n, event, fields) => {
            if (event === "commit") commits.get(n)!.set(fields.height as number, fields.hash as string);
          },
        });
        running.push(node);
        return node;
      }),
    );
    expect(nodes.map((n) => n.tracing?.destination)).toEqual([`http://127.0.0.1:${receiver.port}/v1/traces`, `http://127.0.0.1:${receiver.port}/v1/traces`, "exporter", "exporter", undefined]);
    await sleep(4000);
    const metricsText = await nodes[2]!.metrics.text();
    await Promise.all(running.splice(0).map((n) => n.stop())); // flushes the batched spans to the receiver

    const otlp = fromOtlp(receiver.bodies);
    expect(receiver.paths.every((p) => p.startsWith("POST /v1/traces application/json"))).toBe(true);
    const v1Resource = otlp.resources.find((r) => r["service.instance.id"] === "v1")!;
    expect(v1Resource).toMatchObject({ "service.name": "rollup-a", "asset.role": "validator" });
    expect(otlp.resources.find((r) => r["service.instance.id"] === "v0")).toMatchObject({ "service.name": "asset-sim" });
    const spans = [...otlp.spans, ...[...memory].flatMap(([node, e]) => e.getFinishedSpans().map((s) => fromSdk(node, s)))];
    const of = (node: string, name: string): SeenSpan[] => spans.filter((s) => s.node === node && s.name === name);

    for (const id of ["v0", "v1", "v2", "v3"]) {
      const chain = commits.get(id)!;
      expect(chain.size, id).toBeGreaterThanOrEqual(2);
      const committed = of(id, SPAN_NAMES.commit).filter((s) => s.attributes["asset.outcome"] === "committed");
      // One committed span per committed block, in the block's trace, ended after its state root.
      expect(committed.map((s) => s.attributes["asset.height"]).sort((a, b) => Number(a) - Number(b)), id).toEqual([...chain.keys()].sort((a, b) => a - b));
      for (const s of committed) {
        const hash = chain.get(s.attributes["asset.height"] as number)!;
        expect(s.attributes["asset.block_hash"]).toBe(hash);
        expect(s.traceId).toBe(blockTraceId(hash));
        expect(s.parentSpanId).toBeUndefined();
        expect(s.status).toBe(1);
        expect(s.attributes["asset.state_root"]).toMatch(/^[0-9a-f]{64}$/);
        expect(s.endNs).toBeGreaterThanOrEqual(s.startNs);
      }
      // Every validator verified the proposals of others: a batch.verify child of its commit span.
      const verifies = of(id, SPAN_NAMES.verify);
      expect(verifies.length, id).toBeGreaterThan(0);
      for (const v of verifies) {
        const parent = spans.find((s) => s.node === id && s.spanId === v.parentSpanId);
        expect(parent?.name).toBe(SPAN_NAMES.commit);
        expect(v.traceId).toBe(parent!.traceId);
      }
    }
    // One trace per block across the network: the four validators' commit spans of one height share it.
    const height = Math.min(...["v0", "v1", "v2", "v3"].map((id) => Math.max(...commits.get(id)!.keys())));
    const traces = new Set(["v0", "v1", "v2", "v3"].map((id) => of(id, SPAN_NAMES.commit).find((s) => s.attributes["asset.height"] === height)!.traceId));
    expect(traces.size).toBe(1);

    // Proposals: each has one batch.build child that starts it, and the blocks carried the client's transactions.
    const proposals = spans.filter((s) => s.name === SPAN_NAMES.propose);
    expect(proposals.length).toBeGreaterThanOrEqual(3);
    expect(new Set(proposals.map((p) => p.node)).size).toBeGreaterThanOrEqual(2); // leaders rotate
    let withTransactions = 0;
    for (const p of proposals) {
      const builds = spans.filter((s) => s.name === SPAN_NAMES.build && s.parentSpanId === p.spanId && s.node === p.node);
      expect(builds).toHaveLength(1);
      const build = builds[0]!;
      expect(build.traceId).toBe(p.traceId);
      expect(p.traceId).toBe(blockTraceId(p.attributes["asset.block_hash"] as string));
      expect(build.startNs).toBe(p.startNs);
      expect(build.endNs).toBeGreaterThan(build.startNs); // the real clock moved while building
      if ((build.attributes["asset.txs"] as number) > 0) withTransactions++;
      if (p.status === 1) expect(p.attributes["asset.qc_view"]).toBeGreaterThanOrEqual(p.attributes["asset.view"] as number);
    }
    expect(withTransactions).toBeGreaterThan(0);
    expect(proposals.filter((p) => p.status === 1).length).toBeGreaterThanOrEqual(2);

    // The client had no endpoint: no tracing, and nothing from it reached the receiver.
    expect(spans.filter((s) => s.node === "c0")).toEqual([]);
    // The new metrics the dashboard reads were fed by the same events.
    expect(metricsText).toMatch(/asset_batch_verify_seconds_count\{node="v2"\} [1-9]/);
    expect(metricsText).toMatch(/asset_block_commit_latency_seconds_count\{node="v2"\} [1-9]/);
  }, 30_000);
});

describe("tracing: L1 submissions of the batch poster", () => {
  it("one l1.submit span per posting transaction: landed ones OK with their slot, failed ones in error with the reason", async () => {
    const s = scenario("l1-drops-and-delays", { seed: 21 }, 12_000_000);
    const { events } = runRecorded(s);
    const exporter = new KeptSpans();
    const tracing = (await startTracing({ node: "poster", role: "poster", exporter, env: {} }))!;
    const posterEvents = events.filter((e) => e.event.startsWith("l1-tx-") && ["l1-tx-sent", "l1-tx-resent", "l1-tx-landed", "l1-tx-failed"].includes(e.event));
    // Simulated time starts at 0: shift it to a plausible epoch so the spans' times are positive.
    for (const e of posterEvents) tracing.observe(1_700_000_000_000_000 + e.timeUs, e.event, e.fields);
    await tracing.shutdown(1_700_000_000_000_000 + 12_000_000);
    const spans = exporter.getFinishedSpans();
    const sent = posterEvents.filter((e) => e.event === "l1-tx-sent");
    const landed = posterEvents.filter((e) => e.event === "l1-tx-landed");
    const failed = posterEvents.filter((e) => e.event === "l1-tx-failed");
    expect(sent.length).toBeGreaterThan(3);
    expect(failed.length).toBeGreaterThan(0); // the faults made some fail
    // A span per send: a signature sent again after its failure (the same transaction retried) gets a second span.
    const submits = spans.filter((x) => x.name === SPAN_NAMES.l1Submit);
    expect(submits.length).toBeGreaterThanOrEqual(new Set(sent.map((e) => e.fields.signature)).size);
    expect(submits.length).toBeLessThanOrEqual(sent.length);
    for (const e of sent) expect(submits.some((x) => x.attributes["asset.l1.signature"] === e.fields.signature)).toBe(true);
    for (const e of landed) {
      const span = spans.find((x) => x.attributes["asset.l1.signature"] === e.fields.signature && x.status.code === 1)!;
      expect(span).toBeDefined();
      expect(span.attributes["asset.l1.slot"]).toBe(e.fields.slot);
      expect(span.attributes["asset.batch.to"]).toBe(e.fields.toBatch);
      const sentAt = sent.filter((x) => x.fields.signature === e.fields.signature && x.timeUs <= e.timeUs).at(-1)!.timeUs;
      expect(Number(ns(span.endTime) - ns(span.startTime)) / 1000).toBeCloseTo(e.timeUs - sentAt, 0);
    }
    const errors = spans.filter((x) => x.status.code === 2);
    expect(errors.length).toBeGreaterThan(0);
    expect(new Set(errors.map((x) => x.status.message))).toEqual(new Set(failed.map((e) => e.fields.reason)));
    // A resent transaction carries the rebroadcasts as span events.
    const resent = posterEvents.filter((e) => e.event === "l1-tx-resent");
    for (const e of resent.slice(0, 3)) expect(spans.find((x) => x.attributes["asset.l1.signature"] === e.fields.signature)!.events.map((ev) => ev.name)).toContain("resent");
  }, 30_000);
});

describe("tracing: where spans go", () => {
  it("the config's endpoint, else OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces; none when unset or disabled", async () => {
    const base = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" };
    expect(tracesEndpoint({ endpoint: "http://a:4318/v1/traces" }, { ...base, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://b/v1/traces" })).toBe("http://a:4318/v1/traces");
    expect(tracesEndpoint(undefined, { ...base, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://b/v1/traces" })).toBe("http://b/v1/traces");
    expect(tracesEndpoint({}, base)).toBe("http://collector:4318/v1/traces");
    expect(tracesEndpoint(undefined, {})).toBeUndefined();
    expect(tracesEndpoint({ endpoint: "http://a:4318/v1/traces" }, { OTEL_SDK_DISABLED: "true" })).toBeUndefined();
    expect(await startTracing({ node: "v0", role: "validator", env: {} })).toBeUndefined();
    expect(await startTracing({ node: "v0", role: "validator", env: { OTEL_SDK_DISABLED: "TRUE", ...base } })).toBeUndefined();
  });

  it("a config's tracing endpoint must be an http(s) URL", async () => {
    const { parseNodeConfig } = await import("../../src/runtime/node-config.js");
    const valid = { version: 1, id: "v0", role: "validator", seed: 1, validators: [{ id: "v0", host: "127.0.0.1", port: 7100, publicKey: "aa".repeat(32) }], secretKey: "11".repeat(32), listen: { port: 7100 }, dataDir: "d" };
    expect(parseNodeConfig({ ...valid, tracing: { endpoint: "http://127.0.0.1:4318/v1/traces" } }, "/b").tracing?.endpoint).toBe("http://127.0.0.1:4318/v1/traces");
    expect(() => parseNodeConfig({ ...valid, tracing: { endpoint: "udp://x" } }, "/b")).toThrow(/^tracing\.endpoint: must be an http\(s\) URL/);
    expect(() => parseNodeConfig({ ...valid, tracing: { colour: 1 } }, "/b")).toThrow(/tracing/);
  });
});

/** Starts and stops a one-validator node from the built runtime in a fresh process with `env`; returns the @opentelemetry packages it loaded. */
function openTelemetryPackagesLoaded(env: Record<string, string>): string[] {
  const dist = (path: string): string => JSON.stringify(join(ROOT, "dist/src", path));
  const script = `
    import { createRequire } from "node:module";
    import { mkdtempSync } from "node:fs";
    import { tmpdir } from "node:os";
    import { join } from "node:path";
    import { Writable } from "node:stream";
    const { commandConfigGen } = await import(${dist("cli/node-command.js")});
    const { loadNodeConfig } = await import(${dist("runtime/node-config.js")});
    const { startNode } = await import(${dist("runtime/node-runner.js")});
    const out = mkdtempSync(join(tmpdir(), "otel-load-"));
    await commandConfigGen({ validators: "1", clients: "0", out, host: "127.0.0.1", basePort: "ephemeral", metricsBasePort: "0", seed: "1", txPerSecond: "0", accountsPerClient: "1" }, { out: () => {}, err: () => {} });
    const node = await startNode(loadNodeConfig(join(out, "v0.json")), { metricsServer: false, processMetrics: false, logDestination: new Writable({ write: (_c, _e, done) => done() }) });
    await node.stop();
    const cache = Object.keys(createRequire(import.meta.url).cache);
    console.log(JSON.stringify([...new Set(cache.map((k) => /node_modules[\\\\/](@opentelemetry[\\\\/][^\\\\/]+)/.exec(k)?.[1]).filter(Boolean))].sort()));
  `;
  const text = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, encoding: "utf8", env: { PATH: process.env.PATH ?? "", ...env } });
  return JSON.parse(text.trim().split("\n").at(-1)!) as string[];
}

describe.skipIf(!existsSync(join(ROOT, "dist/src/runtime/tracing.js")))("tracing: zero cost when off (built runtime; npm run build first)", () => {
  it("a node without an endpoint loads no OpenTelemetry SDK package; with one it loads the SDK and the OTLP exporter", () => {
    // prom-client itself loads @opentelemetry/api (for exemplars), with or without tracing: only the SDK's packages count.
    expect(openTelemetryPackagesLoaded({})).toEqual(["@opentelemetry/api"]);
    const on = openTelemetryPackagesLoaded({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9" }); // nothing listens: the stop still ends within the wait
    expect(on).toContain("@opentelemetry/sdk-trace-base");
    expect(on).toContain("@opentelemetry/exporter-trace-otlp-http");
  }, 30_000);
});

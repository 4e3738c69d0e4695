/**
 * OpenTelemetry tracing of a real-mode node: where spans go, and the
 * provider that sends them. The spans themselves are built from the node's
 * events in `block-spans.ts`.
 *
 * Tracing is on when an endpoint is configured, first found of:
 * 1. the node config's `tracing.endpoint` (the OTLP/HTTP traces URL, e.g.
 *    `http://127.0.0.1:4318/v1/traces`);
 * 2. the environment's `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` (used as is);
 * 3. the environment's `OTEL_EXPORTER_OTLP_ENDPOINT` (`/v1/traces` appended),
 *
 * unless `OTEL_SDK_DISABLED=true`. With none, {@link startTracing} returns
 * undefined without loading the SDK: no spans, no cost. Spans are batched
 * (the SDK's `BatchSpanProcessor`) and sent as OTLP/HTTP JSON
 * (`@opentelemetry/exporter-trace-otlp-http`), the protocol Jaeger, Grafana
 * Tempo and the OpenTelemetry Collector accept on port 4318. The resource
 * names the service (`tracing.serviceName`, else `OTEL_SERVICE_NAME`, else
 * `asset-sim`), the node (`service.instance.id`) and its role.
 */
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { NodeId } from "../sim/node.js";

/** The `tracing` section of a node config. */
export interface TracingSettings {
  /** OTLP/HTTP traces URL; unset: the environment decides (see the file comment). */
  readonly endpoint?: string | undefined;
  /** `service.name` of the spans (default `OTEL_SERVICE_NAME`, else `asset-sim`). */
  readonly serviceName?: string | undefined;
}

/** How long a stopping node waits for its last spans to be sent, milliseconds. */
export const SHUTDOWN_WAIT_MS = 3_000;

/** The default `service.name`. */
export const DEFAULT_SERVICE_NAME = "asset-sim";

/**
 * The traces URL tracing would send to, or undefined when tracing is off (see the file comment).
 * @param env the environment (default `process.env`)
 */
export function tracesEndpoint(settings: TracingSettings | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === "true") return undefined;
  if (settings?.endpoint !== undefined) return settings.endpoint;
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces !== undefined && traces !== "") return traces;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (base !== undefined && base !== "") return `${base.replace(/\/+$/, "")}/v1/traces`;
  return undefined;
}

/** A node's running tracing. */
export interface NodeTracing {
  /** Feeds one node or runtime event (the host's clock, microseconds). */
  observe(timeUs: number, event: string, fields: Readonly<Record<string, unknown>>): void;
  /** Where spans go: the URL, or `exporter` for a given exporter. */
  readonly destination: string;
  /** Ends the open spans, sends what is buffered, and stops the exporter. Never throws (an unreachable collector is not the node's failure). */
  shutdown(timeUs: number): Promise<void>;
}

/** Options of {@link startTracing}. */
export interface StartTracingOptions {
  readonly node: NodeId;
  readonly role: string;
  readonly settings?: TracingSettings | undefined;
  /** Export to this exporter (a test's in-memory one), synchronously span by span, whatever the endpoint; tracing is then always on. */
  readonly exporter?: SpanExporter;
  /** The environment (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Starts tracing for one node, or returns undefined when it is off (the SDK is
 * then not even loaded).
 */
export async function startTracing(options: StartTracingOptions): Promise<NodeTracing | undefined> {
  const env = options.env ?? process.env;
  const url = tracesEndpoint(options.settings, env);
  if (url === undefined && options.exporter === undefined) return undefined;
  // Loaded on use: a node without tracing never pays for the SDK.
  const { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor, RandomIdGenerator } = await import("@opentelemetry/sdk-trace-base");
  const { resourceFromAttributes } = await import("@opentelemetry/resources");
  const { BlockSpans } = await import("./block-spans.js");
  let processor;
  if (options.exporter !== undefined) {
    processor = new SimpleSpanProcessor(options.exporter);
  } else {
    const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
    processor = new BatchSpanProcessor(new OTLPTraceExporter({ url: url! }));
  }
  const random = new RandomIdGenerator();
  const ids = {
    nextTraceId: undefined as string | undefined,
    generateTraceId(): string {
      return this.nextTraceId ?? random.generateTraceId();
    },
    generateSpanId(): string {
      return random.generateSpanId();
    },
  };
  const serviceName = options.settings?.serviceName ?? (env.OTEL_SERVICE_NAME?.trim() || DEFAULT_SERVICE_NAME);
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": serviceName, "service.instance.id": options.node, "asset.role": options.role }),
    idGenerator: ids,
    spanProcessors: [processor],
  });
  const spans = new BlockSpans(provider.getTracer("asset-sim"), ids, options.node);
  let stopped = false;
  return {
    destination: options.exporter !== undefined ? "exporter" : url!,
    observe(timeUs, event, fields) {
      if (!stopped) spans.observe(timeUs, event, fields);
    },
    async shutdown(timeUs) {
      if (stopped) return;
      stopped = true;
      spans.endAll(timeUs);
      // The collector may be gone: the spans are lost after SHUTDOWN_WAIT_MS, and the node stops cleanly anyway.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([provider.shutdown().catch(() => {}), new Promise<void>((resolve) => (timer = setTimeout(resolve, SHUTDOWN_WAIT_MS)))]);
      clearTimeout(timer);
    },
  };
}

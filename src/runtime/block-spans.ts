/**
 * OpenTelemetry spans of a real-mode node, built in the runtime from the
 * node's events (`ctx.log`) and the runtime's own timing events
 * (`timed-application.ts`): node code never calls OpenTelemetry.
 *
 * Spans (times are the host's clock; attributes `asset.*`):
 * - `batch.build` (leader): building block `height`'s payload (`buildPayload`),
 *   child of `block.propose`; `asset.txs`, `asset.payload_bytes`;
 * - `block.propose` (leader): from the start of the build until the leader
 *   learns the block is certified (its `qc`, when it formed the QC; its
 *   `head` moving to the block; at the latest its `commit`); status error
 *   `abandoned` when another block commits at its height;
 * - `block.commit` (every validator): from the moment the node first had the
 *   block (its own `propose`, or the `block` event) to its `commit` (the
 *   application applies the block and logs its `state-root` just before):
 *   `asset.txs`, `asset.state_root`; error `unexecutable`, or
 *   `abandoned` when another block commits at its height; a `root-divergence`
 *   at its height and view is recorded as a span event;
 * - `batch.verify` (every validator): executing a proposed block
 *   (`verifyPayload`), child of `block.commit`; `asset.ok`;
 * - `l1.submit` (batch poster): a posting transaction from `l1-tx-sent` to
 *   `l1-tx-landed` (`asset.l1.slot`), `l1-tx-resent` as span events; error
 *   with the reason on `l1-tx-failed`.
 *
 * Every span of one block, on every validator, is in one trace whose id is
 * the first 16 bytes of the block hash, so a trace viewer shows a block's
 * proposal, verification and commits across the network together. At most
 * {@link OPEN_SPANS_MAX} spans of a kind stay open; the oldest is ended
 * (`asset.outcome` `evicted`) to make room.
 */
import { ROOT_CONTEXT, SpanStatusCode, trace, type Attributes, type HrTime, type Span, type Tracer } from "@opentelemetry/api";
import type { NodeId } from "../sim/node.js";
import { decodeBlockPayload } from "../sequencer/block-payload.js";

/** Open spans kept per kind (blocks in flight, posting transactions). */
export const OPEN_SPANS_MAX = 256;

/** The span names, for dashboards and tests. */
export const SPAN_NAMES = {
  build: "batch.build",
  propose: "block.propose",
  commit: "block.commit",
  verify: "batch.verify",
  l1Submit: "l1.submit",
} as const;

/**
 * Makes the next root span start in a chosen trace: an SDK `IdGenerator`
 * hook (`generateTraceId` returns the id set with {@link nextTraceId} once).
 */
export interface TraceIdChooser {
  /** The trace id (32 lowercase hex, not all zeros) of the next root span; undefined: a random one. */
  nextTraceId: string | undefined;
}

/** Microseconds since the epoch as OpenTelemetry's `[seconds, nanoseconds]`. */
export function hrTimeOfUs(us: number): HrTime {
  const seconds = Math.floor(us / 1e6);
  return [seconds, Math.round((us - seconds * 1e6) * 1000)];
}

/** The trace id of block `hash` (hex): its first 16 bytes. */
export function blockTraceId(hash: string): string {
  return hash.slice(0, 32).toLowerCase();
}

interface OpenBlock {
  readonly span: Span;
  readonly height: number;
  readonly view: number;
}

/** Builds the spans of one node from its events (see the file comment). */
export class BlockSpans {
  private pendingBuild: { height: number; startUs: number; endUs: number; payload: Uint8Array } | undefined;
  private readonly proposals = new Map<string, OpenBlock>();
  private readonly commits = new Map<string, OpenBlock>();
  /** The last `state-root` (the application logs it while the replica commits, just before `commit`). */
  private lastStateRoot: { height: number; root: string; txs: number } | undefined;
  private readonly submissions = new Map<string, Span>();

  /**
   * @param tracer where spans go (the SDK's, with `ids` as its id generator)
   * @param ids chooses the trace of a block's root spans
   */
  constructor(
    private readonly tracer: Tracer,
    private readonly ids: TraceIdChooser,
    private readonly node: NodeId,
  ) {}

  /** Feeds one event (`timeUs`: the host's clock, microseconds). */
  observe(timeUs: number, event: string, fields: Readonly<Record<string, unknown>>): void {
    switch (event) {
      case "batch-built":
        this.pendingBuild = { height: num(fields.height), startUs: timeUs - num(fields.buildUs), endUs: timeUs, payload: fields.payload instanceof Uint8Array ? fields.payload : new Uint8Array(0) };
        return;
      case "propose":
        return this.onPropose(timeUs, fields);
      case "block":
        this.openCommit(str(fields.hash), num(fields.height), num(fields.view), timeUs);
        return;
      case "batch-verified":
        return this.onVerified(timeUs, fields);
      case "qc":
      case "head":
        this.certified(timeUs, str(fields.hash), num(fields.view));
        return;
      case "commit":
        return this.onCommit(timeUs, fields);
      case "state-root":
        this.lastStateRoot = { height: num(fields.height), root: str(fields.root), txs: num(fields.txs) };
        return;
      case "root-divergence":
        for (const open of this.commits.values()) {
          if (open.height === num(fields.height) && open.view === num(fields.view)) open.span.addEvent("root-divergence", { "asset.proposed_root": str(fields.proposed), "asset.computed_root": str(fields.computed) }, hrTimeOfUs(timeUs));
        }
        return;
      case "l1-tx-sent":
        return this.onL1Sent(timeUs, fields);
      case "l1-tx-resent":
        this.submissions.get(str(fields.signature))?.addEvent("resent", {}, hrTimeOfUs(timeUs));
        return;
      case "l1-tx-landed": {
        const signature = str(fields.signature);
        const span = this.submissions.get(signature);
        if (span === undefined) return;
        this.submissions.delete(signature);
        span.setAttribute("asset.l1.slot", num(fields.slot));
        span.setStatus({ code: SpanStatusCode.OK });
        span.end(hrTimeOfUs(timeUs));
        return;
      }
      case "l1-tx-failed":
        // The poster has one posting transaction in flight; a failure names its reason, not its signature.
        for (const span of this.submissions.values()) {
          span.setAttribute("asset.l1.attempt", num(fields.attempt));
          span.setStatus({ code: SpanStatusCode.ERROR, message: str(fields.reason) });
          span.end(hrTimeOfUs(timeUs));
        }
        this.submissions.clear();
        return;
      default:
        return;
    }
  }

  /** Ends every open span (`asset.outcome` `shutdown`): the node is stopping. */
  endAll(timeUs: number): void {
    const end = (span: Span): void => {
      span.setAttribute("asset.outcome", "shutdown");
      span.end(hrTimeOfUs(timeUs));
    };
    for (const open of [...this.proposals.values(), ...this.commits.values()]) end(open.span);
    for (const span of this.submissions.values()) end(span);
    this.proposals.clear();
    this.commits.clear();
    this.submissions.clear();
  }

  private onPropose(timeUs: number, fields: Readonly<Record<string, unknown>>): void {
    const hash = str(fields.hash);
    const height = num(fields.height);
    const view = num(fields.view);
    const build = this.pendingBuild?.height === height ? this.pendingBuild : undefined;
    this.pendingBuild = undefined;
    const startUs = build?.startUs ?? timeUs;
    const attributes = this.blockAttributes(hash, height, view);
    const span = this.startRoot(SPAN_NAMES.propose, hash, startUs, { ...attributes, "asset.payload_bytes": num(fields.payloadBytes) });
    remember(this.proposals, hash, { span, height, view }, "evicted");
    if (build !== undefined) {
      const child = this.tracer.startSpan(SPAN_NAMES.build, { startTime: hrTimeOfUs(build.startUs), attributes: { ...attributes, "asset.payload_bytes": build.payload.length, "asset.txs": transactionCount(build.payload) } }, trace.setSpan(ROOT_CONTEXT, span));
      child.end(hrTimeOfUs(build.endUs));
    }
    this.openCommit(hash, height, view, startUs);
  }

  private onVerified(timeUs: number, fields: Readonly<Record<string, unknown>>): void {
    const hash = str(fields.hash);
    const height = num(fields.height);
    const view = num(fields.view);
    const parent = this.openCommit(hash, height, view, timeUs - num(fields.verifyUs));
    const ok = fields.ok === true;
    const span = this.tracer.startSpan(SPAN_NAMES.verify, { startTime: hrTimeOfUs(timeUs - num(fields.verifyUs)), attributes: { ...this.blockAttributes(hash, height, view), "asset.ok": ok } }, trace.setSpan(ROOT_CONTEXT, parent.span));
    if (!ok) span.setStatus({ code: SpanStatusCode.ERROR, message: "payload refused" });
    span.end(hrTimeOfUs(timeUs));
  }

  /** Ends the proposal span of `hash` (if this node proposed it) as certified in `view`. */
  private certified(timeUs: number, hash: string, view: number): void {
    const open = this.proposals.get(hash);
    if (open === undefined) return;
    this.proposals.delete(hash);
    open.span.setAttribute("asset.qc_view", view);
    open.span.setStatus({ code: SpanStatusCode.OK });
    open.span.end(hrTimeOfUs(timeUs));
  }

  private onCommit(timeUs: number, fields: Readonly<Record<string, unknown>>): void {
    const hash = str(fields.hash);
    const height = num(fields.height);
    // A committed block was certified: its proposal ends here at the latest; proposals of its height or below that did not commit were abandoned.
    this.certified(timeUs, hash, num(fields.view));
    for (const [other, proposal] of this.proposals) {
      if (proposal.height > height) continue;
      this.proposals.delete(other);
      proposal.span.setStatus({ code: SpanStatusCode.ERROR, message: "abandoned" });
      proposal.span.end(hrTimeOfUs(timeUs));
    }
    const open = this.openCommit(hash, height, num(fields.view), timeUs);
    this.commits.delete(hash);
    const applied = this.lastStateRoot?.height === height ? this.lastStateRoot : undefined;
    this.lastStateRoot = undefined;
    open.span.setAttribute("asset.outcome", "committed");
    if (applied !== undefined) open.span.setAttributes({ "asset.txs": applied.txs, "asset.state_root": applied.root });
    if (applied?.root === "unexecutable") open.span.setStatus({ code: SpanStatusCode.ERROR, message: "unexecutable" });
    else open.span.setStatus({ code: SpanStatusCode.OK });
    open.span.end(hrTimeOfUs(timeUs));
    for (const [other, sibling] of this.commits) {
      if (sibling.height > height) continue;
      this.commits.delete(other);
      sibling.span.setAttribute("asset.outcome", "abandoned");
      sibling.span.setStatus({ code: SpanStatusCode.ERROR, message: "abandoned" });
      sibling.span.end(hrTimeOfUs(timeUs));
    }
  }

  private onL1Sent(timeUs: number, fields: Readonly<Record<string, unknown>>): void {
    const signature = str(fields.signature);
    if (this.submissions.has(signature)) return;
    const span = this.tracer.startSpan(
      SPAN_NAMES.l1Submit,
      { root: true, startTime: hrTimeOfUs(timeUs), attributes: { "asset.node": this.node, "asset.l1.signature": signature, "asset.batch.from": num(fields.fromBatch), "asset.batch.to": num(fields.toBatch), "asset.l1.attempt": num(fields.attempt) } },
      ROOT_CONTEXT,
    );
    if (this.submissions.size >= OPEN_SPANS_MAX) {
      const [oldest, evicted] = this.submissions.entries().next().value!;
      this.submissions.delete(oldest);
      evicted.setAttribute("asset.outcome", "evicted");
      evicted.end(hrTimeOfUs(timeUs));
    }
    this.submissions.set(signature, span);
  }

  /** The open `block.commit` span of `hash`, started at `startUs` when there is none. */
  private openCommit(hash: string, height: number, view: number, startUs: number): OpenBlock {
    const existing = this.commits.get(hash);
    if (existing !== undefined) return existing;
    const open = { span: this.startRoot(SPAN_NAMES.commit, hash, startUs, this.blockAttributes(hash, height, view)), height, view };
    remember(this.commits, hash, open, "evicted");
    return open;
  }

  private startRoot(name: string, hash: string, startUs: number, attributes: Attributes): Span {
    const traceId = blockTraceId(hash);
    this.ids.nextTraceId = /^[0-9a-f]{32}$/.test(traceId) && !/^0+$/.test(traceId) ? traceId : undefined;
    try {
      return this.tracer.startSpan(name, { root: true, startTime: hrTimeOfUs(startUs), attributes }, ROOT_CONTEXT);
    } finally {
      this.ids.nextTraceId = undefined;
    }
  }

  private blockAttributes(hash: string, height: number, view: number): Attributes {
    return { "asset.node": this.node, "asset.block_hash": hash, "asset.height": height, "asset.view": view };
  }
}

/** Adds `open` under `key`, ending the oldest entry first when the map is full. */
function remember(map: Map<string, OpenBlock>, key: string, open: OpenBlock, outcome: string): void {
  if (map.size >= OPEN_SPANS_MAX) {
    const [oldest, evicted] = map.entries().next().value!;
    map.delete(oldest);
    evicted.span.setAttribute("asset.outcome", outcome);
    evicted.span.end();
  }
  map.set(key, open);
}

/** Transactions in an encoded block payload (-1 when it does not decode). */
function transactionCount(payload: Uint8Array): number {
  if (payload.length === 0) return 0;
  try {
    return decodeBlockPayload(payload).txs.length;
  } catch {
    return -1;
  }
}

function num(value: unknown): number {
  return typeof value === "number" ? value : Number(value ?? 0);
}

function str(value: unknown): string {
  return typeof value === "string" ? value : String(value);
}

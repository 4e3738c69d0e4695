/**
 * The JSON-RPC 2.0 server of `asset-sim l1`: node:http and a small
 * dispatcher over {@link callMethod}. One request or a batch (an array of at
 * most {@link BATCH_REQUESTS_MAX}) per POST; bodies over
 * {@link BODY_BYTES_MAX} are refused with HTTP 413 before they are read in
 * full; a body that is not JSON is `-32700`, a request that is not a JSON-RPC
 * 2.0 request object `-32600` (checked with zod), an unknown method
 * `-32601`, bad params `-32602`. A method that throws anything else is a
 * `-32603` answer and a log line, never a crash. `GET /health` answers `ok`,
 * as Solana's RPC does.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { callMethod, RPC_ERROR, RpcMethodError } from "./json-rpc-methods.js";
import type { LocalL1 } from "./local-l1.js";

/** Largest request body, bytes (a batch of transactions fits many times over). */
export const BODY_BYTES_MAX = 256 * 1024;
/** Most requests in one batch. */
export const BATCH_REQUESTS_MAX = 64;

const requestSchema = z.strictObject({
  jsonrpc: z.literal("2.0"),
  id: z.union([z.string().max(128), z.number(), z.null()]).optional(),
  method: z.string().min(1).max(64),
  params: z.union([z.array(z.unknown()), z.record(z.string(), z.unknown())]).optional(),
});

type RpcId = string | number | null;

interface RpcReply {
  readonly jsonrpc: "2.0";
  readonly id: RpcId;
  readonly result?: unknown;
  readonly error?: { code: number; message: string; data?: unknown };
}

function errorReply(id: RpcId, code: number, message: string, data?: unknown): RpcReply {
  return { jsonrpc: "2.0", id, error: data === undefined ? { code, message } : { code, message, data } };
}

/** A running server. */
export interface L1RpcServer {
  /** The port it listens on (the one asked for, or the ephemeral one given for 0). */
  readonly port: number;
  /** `http://host:port`. */
  readonly url: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/** Options of {@link startL1RpcServer}. */
export interface L1RpcServerOptions {
  /** Host to listen on (default 127.0.0.1). */
  readonly host?: string;
  /** Port (0: ephemeral). */
  readonly port: number;
  /** Receives one line per internal error (default: stderr). */
  readonly warn?: (text: string) => void;
}

/**
 * Answers one parsed JSON value (a request or a batch); null when nothing is
 * to be sent back (only notifications).
 */
export function dispatch(l1: LocalL1, body: unknown, warn: (text: string) => void): RpcReply | RpcReply[] | null {
  if (Array.isArray(body)) {
    if (body.length === 0) return errorReply(null, RPC_ERROR.invalidRequest, "Invalid request: empty batch");
    if (body.length > BATCH_REQUESTS_MAX) return errorReply(null, RPC_ERROR.invalidRequest, `Invalid request: more than ${BATCH_REQUESTS_MAX} requests in a batch`);
    const replies = body.map((one) => answer(l1, one, warn)).filter((r): r is RpcReply => r !== null);
    return replies.length === 0 ? null : replies;
  }
  return answer(l1, body, warn);
}

function answer(l1: LocalL1, raw: unknown, warn: (text: string) => void): RpcReply | null {
  const parsed = requestSchema.safeParse(raw);
  if (!parsed.success) {
    const id = typeof raw === "object" && raw !== null && "id" in raw && (typeof raw.id === "number" || typeof raw.id === "string") ? raw.id : null;
    const issue = parsed.error.issues[0];
    return errorReply(id, RPC_ERROR.invalidRequest, `Invalid request: ${issue === undefined ? "malformed" : `${issue.path.join(".") || "request"}: ${issue.message}`}`);
  }
  const request = parsed.data;
  const id = request.id ?? null;
  let reply: RpcReply;
  try {
    if (request.params !== undefined && !Array.isArray(request.params)) throw new RpcMethodError(RPC_ERROR.invalidParams, "Invalid params: expected an array");
    reply = { jsonrpc: "2.0", id, result: callMethod(l1, request.method, request.params) };
  } catch (error) {
    if (error instanceof RpcMethodError) {
      reply = errorReply(id, error.code, error.message, error.data);
    } else {
      warn(`l1 rpc: ${request.method} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      reply = errorReply(id, RPC_ERROR.internal, `Internal error: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  // A request without an id is a notification: no reply (JSON-RPC 2.0, section 4.1).
  return request.id === undefined ? null : reply;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

function handle(l1: LocalL1, req: IncomingMessage, res: ServerResponse, warn: (text: string) => void): void {
  if (req.method === "GET" && (req.url === "/health" || req.url?.startsWith("/health?"))) {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("ok");
    return;
  }
  if (req.method !== "POST") {
    send(res, 405, errorReply(null, RPC_ERROR.invalidRequest, "Invalid request: use POST"));
    return;
  }
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > BODY_BYTES_MAX) {
    send(res, 413, errorReply(null, RPC_ERROR.invalidRequest, `Invalid request: body over ${BODY_BYTES_MAX} bytes`));
    req.resume();
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let refused = false;
  req.on("data", (chunk: Buffer) => {
    if (refused) return;
    size += chunk.length;
    if (size > BODY_BYTES_MAX) {
      refused = true;
      send(res, 413, errorReply(null, RPC_ERROR.invalidRequest, `Invalid request: body over ${BODY_BYTES_MAX} bytes`));
      return;
    }
    chunks.push(chunk);
  });
  req.on("end", () => {
    if (refused) return;
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      send(res, 200, errorReply(null, RPC_ERROR.parse, "Parse error"));
      return;
    }
    const reply = dispatch(l1, body, warn);
    if (reply === null) {
      res.writeHead(204);
      res.end();
      return;
    }
    send(res, 200, reply);
  });
  req.on("error", () => {
    // A client that went away mid-request: nothing to answer.
  });
}

/**
 * Serves `l1` over HTTP JSON-RPC.
 * @throws Error (EADDRINUSE and the like) when it cannot listen
 */
export async function startL1RpcServer(l1: LocalL1, options: L1RpcServerOptions): Promise<L1RpcServer> {
  const warn = options.warn ?? ((text: string) => process.stderr.write(`${text}\n`));
  const host = options.host ?? "127.0.0.1";
  const server: Server = createServer((req, res) => handle(l1, req, res, warn));
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

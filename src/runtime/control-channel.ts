/**
 * The control channel of a node process started by `asset-sim testnet`: one
 * JSON command per line on the process's stdin, so the testnet can inject
 * network faults into real processes without restarting them.
 *
 * Commands (unknown commands and bad lines are logged as `control-error` and
 * ignored):
 * - `{"cmd":"block","peers":["v1","v2"]}`: drop every frame to and from these
 *   peers (the transport's `blockPeer`), as a partition does in the simulator;
 * - `{"cmd":"unblock","peers":["v1"]}`: stop dropping them;
 * - `{"cmd":"unblock-all"}`: heal every partition of this process;
 * - `{"cmd":"ping"}`: answered with a `control-pong` log line (tests).
 *
 * Each applied command is logged as `control { cmd, peers }`.
 *
 * The channel is on only when the environment has `ASSET_SIM_CONTROL=stdin`
 * (the testnet sets it): a node started by hand from a terminal or with stdin
 * closed is not affected. When it is on and stdin ends (the parent testnet
 * died, even by SIGKILL, so the pipe closed), `onParentGone` is called: the
 * node command shuts down instead of living on as an orphan.
 *
 * {@link startControlledNode} is what the node command calls instead of
 * `startNode`: the same node, plus (only under a testnet) the channel and a
 * `commit-txs` line after each commit with the ids of the block's
 * transactions, from which the testnet measures submit-to-commit latency.
 */
import type { Readable } from "node:stream";
import { createInterface } from "node:readline";
import { sha256, toHex } from "../crypto/hash.js";
import { decodeBlockPayload } from "../sequencer/block-payload.js";
import type { LoadedNodeConfig } from "./node-config.js";
import { startNode, type RunningNode, type StartNodeOptions } from "./node-runner.js";

/** The environment variable that turns the channel on, and its value. */
export const CONTROL_ENV = { name: "ASSET_SIM_CONTROL", value: "stdin" } as const;

/** What the channel drives: the transport's peer blocking (see `Libp2pTransport.blockPeer`). */
export interface ControlTarget {
  blockPeer(id: string): void;
  unblockPeer(id: string): void;
}

/** One control command, as written by the testnet. */
export type ControlCommand =
  | { readonly cmd: "block"; readonly peers: readonly string[] }
  | { readonly cmd: "unblock"; readonly peers: readonly string[] }
  | { readonly cmd: "unblock-all" }
  | { readonly cmd: "ping" };

/** Options of {@link attachControlChannel}. */
export interface ControlChannelOptions {
  /** Where commands come from (default `process.stdin`). */
  readonly input?: Readable;
  /** Structured log sink (the node's log: events `control`, `control-error`, `control-pong`). */
  readonly log?: (event: string, fields: Record<string, unknown>) => void;
  /** Called once when the input ends (the parent is gone). */
  readonly onParentGone?: () => void;
  /** Turn the channel on regardless of the environment (tests). */
  readonly force?: boolean;
}

/** Encodes a command as the line the testnet writes (with its newline). */
export function encodeControlCommand(command: ControlCommand): string {
  return `${JSON.stringify(command)}\n`;
}

/**
 * Parses one command line.
 * @returns the command, or a string saying what is wrong with the line
 */
export function parseControlCommand(line: string): ControlCommand | string {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return "not JSON";
  }
  if (typeof raw !== "object" || raw === null) return "not a JSON object";
  const { cmd, peers } = raw as { cmd?: unknown; peers?: unknown };
  switch (cmd) {
    case "block":
    case "unblock":
      if (!Array.isArray(peers) || !peers.every((p) => typeof p === "string" && p.length > 0)) return `${cmd}: peers must be an array of node names`;
      return { cmd, peers: peers as string[] };
    case "unblock-all":
    case "ping":
      return { cmd };
    default:
      return `unknown cmd ${JSON.stringify(cmd)}`;
  }
}

/**
 * Reads control commands and applies them to `target` (a no-op unless the
 * environment turns the channel on, or `force`).
 * @returns a function that detaches the channel and releases stdin (it does not call `onParentGone`)
 */
export function attachControlChannel(target: ControlTarget, options: ControlChannelOptions = {}): () => void {
  if (options.force !== true && process.env[CONTROL_ENV.name] !== CONTROL_ENV.value) return () => {};
  const input = options.input ?? process.stdin;
  const log = options.log ?? (() => {});
  const blocked = new Set<string>();
  let detached = false;
  const lines = createInterface({ input, crlfDelay: Infinity });
  lines.on("line", (line) => {
    if (line.trim() === "") return;
    const command = parseControlCommand(line);
    if (typeof command === "string") {
      log("control-error", { reason: command });
      return;
    }
    switch (command.cmd) {
      case "block":
        for (const peer of command.peers) {
          target.blockPeer(peer);
          blocked.add(peer);
        }
        log("control", { cmd: command.cmd, peers: command.peers });
        return;
      case "unblock":
        for (const peer of command.peers) {
          target.unblockPeer(peer);
          blocked.delete(peer);
        }
        log("control", { cmd: command.cmd, peers: command.peers });
        return;
      case "unblock-all": {
        const peers = [...blocked];
        for (const peer of peers) target.unblockPeer(peer);
        blocked.clear();
        log("control", { cmd: command.cmd, peers });
        return;
      }
      case "ping":
        log("control-pong", {});
        return;
    }
  });
  lines.on("close", () => {
    if (detached) return;
    detached = true;
    options.onParentGone?.();
  });
  return () => {
    if (detached) return;
    detached = true;
    lines.close();
    // An open stdin pipe would keep the event loop, and so the stopped node's process, alive.
    if (input === process.stdin) process.stdin.destroy();
  };
}

/** True when this process runs under a testnet (the environment turns the channel on). */
export function underTestnet(): boolean {
  return process.env[CONTROL_ENV.name] === CONTROL_ENV.value;
}

/**
 * Starts the node of `config` (`startNode`); under a testnet also attaches
 * the control channel to its transport (stdin ending sends this process
 * SIGTERM, so the node command stops cleanly) and writes a `commit-txs` JSON
 * log line `{ level, time (ms), node, event: "commit-txs", height, txIds }`
 * after each commit of a validator.
 * @throws as `startNode`
 */
export async function startControlledNode(config: LoadedNodeConfig, options: StartNodeOptions = {}): Promise<RunningNode> {
  if (!underTestnet()) return startNode(config, options);
  // Commits replayed from storage during boot come before `running` is set: their transactions are old, none is skipped that matters.
  let running: RunningNode | undefined;
  const node = await startNode(config, {
    ...options,
    observe: (timeUs, id, event, fields) => {
      options.observe?.(timeUs, id, event, fields);
      if (event === "commit" && running !== undefined && fields.payload instanceof Uint8Array) {
        const txIds = committedTransactionIds(fields.payload);
        if (txIds.length > 0) running.logger.info({ event: "commit-txs", height: fields.height, txIds });
      }
    },
  });
  running = node;
  const detach = attachControlChannel(node.transport, {
    log: (event, fields) => node.logger.info({ event, ...fields }),
    onParentGone: () => process.kill(process.pid, "SIGTERM"),
  });
  return {
    ...node,
    async stop() {
      detach();
      await node.stop();
    },
  };
}

/** The ids (hex sha256) of the transactions of an encoded block payload; empty when it does not decode. */
function committedTransactionIds(payload: Uint8Array): string[] {
  try {
    return decodeBlockPayload(payload).txs.map((raw) => toHex(sha256(raw)));
  } catch {
    return [];
  }
}

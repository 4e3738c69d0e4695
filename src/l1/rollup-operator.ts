/**
 * The rollup operator: the node holding the AssetRollup program's upgrade
 * authority. It initialises the program at boot (when the config account does
 * not exist yet) and carries out the operations a scenario schedules: pause and
 * resume posting, rotate the batch poster key, set the version, and, to show
 * the program refuses them, the same operations signed by a key that holds no
 * authority (the incident flow of the project document: halt posting, rotate
 * keys, resume).
 *
 * A sans-IO node. Operations arrive as `operator-command` messages (from the
 * scenario in the simulator, from an operator tool in real mode) and run one
 * at a time: get a blockhash, sign, send, poll the signature until it lands or
 * fails, rebroadcasting it while unseen; an expiry, a timeout or an RPC error is retried (at most
 * `attemptsMax` times, then logged as given up). An unauthorised operation is
 * sent without preflight, so the program itself executes and refuses it.
 *
 * Log events: `operator-action {action, ok, error?, attempt}` once per
 * operation (ok false with the program's error name when it was refused),
 * `operator-retry {action, reason}`, `operator-resent {action}` (the same
 * transaction sent again while the chain has not shown it).
 */
import type { Keypair, PublicKey } from "@solana/web3.js";
import type { L1RpcMessage, OperatorCommandMessage } from "./l1-wire.js";

/** What the operator receives: L1 RPC responses, and commands from its commanders. */
export type OperatorMessage = L1RpcMessage | OperatorCommandMessage;
import { decodeWire, encodeWire, read, WireDecodeError } from "../net/codec.js";
import type { Node, NodeContext, NodeId, TimerId } from "../sim/node.js";
import { L1Session, l1SessionContext, type L1SessionContext } from "./l1-session.js";
import { gameInstructions, type GameParams } from "./game-program.js";
import { configAddress, rollupErrorName, rollupInstructions, signTransaction, rollupProgramId } from "./rollup-program.js";

/** An operation the operator can be told to carry out. */
export type OperatorCommand =
  | { readonly action: "initialize" }
  | { readonly action: "pause" | "resume" | "unauthorized-pause" }
  | { readonly action: "rotate-poster"; readonly keyIndex: number }
  | { readonly action: "set-version"; readonly version: number };

/** Encodes an operator command (the `data` of an `app` message). */
export function encodeOperatorCommand(command: OperatorCommand): Uint8Array {
  return encodeWire({ kind: "operator-command", ...command });
}

/** @throws WireDecodeError on anything that is not an operator command */
export function decodeOperatorCommand(bytes: Uint8Array): OperatorCommand {
  const o = read.object(decodeWire(bytes), "operatorCommand");
  if (o.kind !== "operator-command") throw new WireDecodeError("operatorCommand.kind: expected operator-command");
  switch (o.action) {
    case "initialize":
    case "pause":
    case "resume":
    case "unauthorized-pause":
      return { action: o.action };
    case "rotate-poster":
      return { action: o.action, keyIndex: read.uint(o.keyIndex, "operatorCommand.keyIndex", 1023) };
    case "set-version":
      return { action: o.action, version: read.uint(o.version, "operatorCommand.version", 0xffff_ffff) };
    default:
      throw new WireDecodeError(`operatorCommand.action: unknown ${JSON.stringify(o.action)}`);
  }
}

/** Configuration of a {@link RollupOperator}; times in microseconds. */
export interface RollupOperatorConfig {
  readonly l1: NodeId;
  /** The AssetRollup program this rollup posts to (default the shipped program id; each rollup of a scenario has its own). */
  readonly programId?: PublicKey;
  /** Who may send commands (the scenario driver's name in the simulator). */
  readonly commanders: readonly NodeId[];
  /** The upgrade authority (also the fee payer of initialize). */
  readonly upgradeAuthority: Keypair;
  /** Batch poster keys by index: `initialize` names key 0; `rotate-poster` names one. */
  readonly posterKeys: readonly PublicKey[];
  /** A funded key with no authority, to sign `unauthorized-*` operations. */
  readonly intruder: Keypair;
  /** The version `initialize` sets. */
  readonly initialVersion: number;
  readonly pollIntervalUs: number;
  readonly requestTimeoutUs: number;
  /** Sends per operation before it is given up. */
  readonly attemptsMax: number;
  /** An operation's transaction not seen on chain after this long is sent again (same bytes). */
  readonly resendIntervalUs: number;
  /** Optimistic settlement: `initialize` also runs `initialize_game` with these parameters, in the same L1 transaction. */
  readonly game?: GameParams;
}

interface Running {
  readonly command: OperatorCommand;
  attempt: number;
  signature?: string;
  lastValidSlot?: number;
  /** The signed transaction in flight and when it was last sent. */
  tx?: { readonly bytes: Uint8Array; sentAtUs: number };
  busy: boolean;
}

/** The operator node. */
export class RollupOperator implements Node<OperatorMessage> {
  private readonly config: RollupOperatorConfig;
  private session!: L1Session;
  private sessionCtx!: L1SessionContext;
  private readonly queue: OperatorCommand[] = [];
  private running: Running | undefined;

  /** The program this node talks to. */
  private get programId(): PublicKey {
    return this.config.programId ?? rollupProgramId();
  }

  constructor(config: RollupOperatorConfig) {
    this.config = config;
  }

  start(ctx: NodeContext<OperatorMessage>): void {
    this.session = new L1Session(this.config.l1, this.config.requestTimeoutUs);
    this.sessionCtx = l1SessionContext(ctx);
    this.queue.push({ action: "initialize" });
    ctx.setTimer(0, "poll");
  }

  onMessage(ctx: NodeContext<OperatorMessage>, from: NodeId, msg: OperatorMessage): void {
    if (msg.type === "l1-rpc") {
      if (from !== this.config.l1) return;
      if (!this.session.onData(msg.data)) ctx.log("malformed", { from, reason: "not an L1 response" });
      return;
    }
    if (msg.type !== "operator-command") return;
    if (!this.config.commanders.includes(from)) return;
    try {
      this.queue.push(decodeOperatorCommand(msg.data));
    } catch (error) {
      if (!(error instanceof WireDecodeError)) throw error;
      ctx.log("malformed", { from, reason: error.message });
    }
  }

  onTimer(ctx: NodeContext<OperatorMessage>, _timer: TimerId, tag: string): void {
    if (tag !== "poll") return;
    ctx.setTimer(this.config.pollIntervalUs, "poll");
    this.session.expire(ctx.now());
    if (this.running === undefined) {
      const next = this.queue.shift();
      if (next === undefined) return;
      this.running = { command: next, attempt: 0, busy: false };
    }
    const run = this.running;
    if (run.busy) return;
    if (run.signature === undefined) this.send(ctx, run);
    else this.poll(ctx, run);
  }

  private send(ctx: NodeContext<OperatorMessage>, run: Running): void {
    run.busy = true;
    if (run.command.action === "initialize") {
      // Initialise only once: a config account that exists (from an earlier boot) ends the operation.
      this.session.call(this.sessionCtx, { kind: "get-account-info", address: configAddress(this.programId).toBase58(), commitment: "processed" }, (r) => {
        if (r === undefined || r.kind !== "account-info") return this.retry(ctx, run, r === undefined ? "timeout" : r.kind === "rpc-error" ? r.code : "unexpected-response");
        if (r.account !== null && r.account.owner === this.programId.toBase58()) return this.finish(ctx, run, true, undefined);
        this.sign(ctx, run);
      });
      return;
    }
    this.sign(ctx, run);
  }

  private sign(ctx: NodeContext<OperatorMessage>, run: Running): void {
    this.session.withBlockhash(this.sessionCtx, (blockhash, failure) => {
      if (blockhash === undefined) return this.retry(ctx, run, failure ?? "blockhash");
      const authority = this.config.upgradeAuthority;
      const c = run.command;
      const poster0 = this.config.posterKeys[0]!;
      let tx;
      switch (c.action) {
        case "initialize":
          tx = signTransaction(
            [
              rollupInstructions.initialize(authority.publicKey, poster0, this.config.initialVersion, this.programId),
              ...(this.config.game !== undefined ? [gameInstructions.initializeGame(authority.publicKey, this.config.game, this.programId)] : []),
            ],
            [authority],
            blockhash.value,
          );
          break;
        case "pause":
          tx = signTransaction([rollupInstructions.pausePosting(authority.publicKey, this.programId)], [authority], blockhash.value);
          break;
        case "resume":
          tx = signTransaction([rollupInstructions.resumePosting(authority.publicKey, this.programId)], [authority], blockhash.value);
          break;
        case "unauthorized-pause":
          tx = signTransaction([rollupInstructions.pausePosting(this.config.intruder.publicKey, this.programId)], [this.config.intruder], blockhash.value);
          break;
        case "set-version":
          tx = signTransaction([rollupInstructions.setVersion(authority.publicKey, c.version, this.programId)], [authority], blockhash.value);
          break;
        case "rotate-poster": {
          const key = this.config.posterKeys[c.keyIndex];
          if (key === undefined) return this.finish(ctx, run, false, `no poster key ${c.keyIndex}`);
          tx = signTransaction([rollupInstructions.rotateAuthority(authority.publicKey, key, this.programId)], [authority], blockhash.value);
          break;
        }
      }
      run.signature = tx.signature;
      run.lastValidSlot = blockhash.lastValidSlot;
      run.tx = { bytes: tx.bytes, sentAtUs: ctx.now() };
      this.session.call(this.sessionCtx, { kind: "send-transaction", tx: tx.bytes, skipPreflight: c.action === "unauthorized-pause" }, (r) => {
        run.busy = false;
        if (r === undefined || r.kind === "send-transaction-result") return; // the status polls tell
        if (r.kind === "rpc-error" && r.code === "already-processed") return;
        run.signature = undefined;
        if (r.kind === "rpc-error" && r.code === "preflight-failure" && r.customCode !== undefined) return this.finish(ctx, run, false, rollupErrorName(r.customCode));
        if (r.kind === "rpc-error" && r.code === "blockhash-not-found") this.session.dropBlockhash();
        this.retry(ctx, run, r.kind === "rpc-error" ? r.code : "unexpected-response");
      });
    });
  }

  private poll(ctx: NodeContext<OperatorMessage>, run: Running): void {
    run.busy = true;
    this.session.call(this.sessionCtx, { kind: "get-signature-statuses", signatures: [run.signature!] }, (r) => {
      run.busy = false;
      if (r === undefined || r.kind !== "signature-statuses") return;
      const status = r.statuses[0];
      if (status === null || status === undefined) {
        if (r.slot > run.lastValidSlot!) {
          run.signature = undefined;
          this.retry(ctx, run, "expired");
        } else if (run.tx !== undefined && this.session.rebroadcastIfDue(this.sessionCtx, run.tx, this.config.resendIntervalUs)) {
          ctx.log("operator-resent", { action: run.command.action });
        }
        return;
      }
      if (status.err !== null) return this.finish(ctx, run, false, status.customCode !== null ? rollupErrorName(status.customCode) : status.err);
      this.finish(ctx, run, true, undefined);
    });
  }

  private retry(ctx: NodeContext<OperatorMessage>, run: Running, reason: string): void {
    run.busy = false;
    run.signature = undefined;
    run.attempt++;
    if (run.attempt >= this.config.attemptsMax) return this.finish(ctx, run, false, `gave up: ${reason}`);
    ctx.log("operator-retry", { action: run.command.action, reason });
  }

  private finish(ctx: NodeContext<OperatorMessage>, run: Running, ok: boolean, error: string | undefined): void {
    ctx.log("operator-action", { action: run.command.action, ok, ...(error !== undefined ? { error } : {}), attempt: run.attempt });
    if (this.running === run) this.running = undefined;
  }
}

/**
 * Typed node events. Nodes log structured events through
 * `ctx.log(event, fields)` (`sim/node.ts`) with untyped fields; each system
 * declares the events its nodes log as an {@link EventCatalogue}: one zod
 * schema of the fields per event name, from which the TypeScript types are
 * derived (`z.infer`), so the runtime check and the static types cannot drift
 * apart. Checkers and metrics narrow an {@link Observation} with
 * {@link EventCatalogue.is} and then read typed fields, never through `as`.
 *
 * Conventions of every catalogue: every time and duration is microseconds
 * (fields named `...Us`), hashes, state roots, transaction ids and accounts
 * are lowercase hex strings (never bytes, except a block's `payload`), L1
 * transaction signatures and keys are base58 strings, node names are
 * {@link NodeId} strings.
 *
 * This file also declares the events the simulator logs itself (node `sim`),
 * {@link SIMULATOR_EVENTS}; the validators' and the posting system's are in
 * `systems/validators/events.ts` and `systems/posting/events.ts`.
 */
import { z } from "zod";
import { MESSAGE_CLASSES } from "../net/cuts.js";
import type { Observation } from "./checker.js";

/** The events of one system: event name -> schema of its fields. */
export type EventSchemas = Readonly<Record<string, z.ZodType>>;

/** Event name -> type of its fields, derived from the schemas. */
export type EventMap<S extends EventSchemas> = { readonly [E in keyof S]: z.infer<S[E]> };

/** An observation of the event `E` of the map `M`, with typed fields. */
export type TypedObservation<M, E extends keyof M> = Observation & { readonly event: E; readonly fields: M[E] };

/** One of the events `E` of the map `M` (all of them by default): a union discriminated by `event`, for a `switch`. */
export type ObservationOf<M, E extends keyof M = keyof M> = { [K in E]: TypedObservation<M, K> }[E];

/**
 * The events of one system and the one way to read them typed.
 *
 * @example
 * if (!VALIDATOR_EVENTS.is(o, "commit")) return undefined;
 * o.fields.height; // number
 */
export class EventCatalogue<S extends EventSchemas> {
  /**
   * @param system the system whose nodes log these events (for messages)
   * @param schemas event name -> zod schema of its fields
   */
  constructor(
    readonly system: string,
    readonly schemas: S,
  ) {}

  /** The event names of this catalogue, in declaration order. */
  get events(): (keyof S & string)[] {
    return Object.keys(this.schemas);
  }

  /**
   * Narrows `o` to one of `events` (any event of this catalogue when none is
   * given). Checks the name only, not the fields: the nodes are trusted to log
   * what the catalogue declares (`test/check/events.test.ts` checks it on real runs).
   *
   * @param o an observation of any node
   * @param events the event names accepted
   * @returns true when `o.event` is one of them
   */
  is<E extends keyof S & string>(o: Observation, ...events: E[]): o is ObservationOf<EventMap<S>, E> {
    const names: readonly string[] = events;
    return names.length === 0 ? Object.hasOwn(this.schemas, o.event) : names.includes(o.event);
  }

  /**
   * Validates an observation's fields against the declared schema of its event.
   *
   * @returns undefined when `o` is a declared event whose fields match, otherwise a message naming the event and the offending fields
   */
  validate(o: Observation): string | undefined {
    if (!Object.hasOwn(this.schemas, o.event)) return `${o.node}: event ${JSON.stringify(o.event)} is not a declared ${this.system} event`;
    const result = this.schemas[o.event]!.safeParse(o.fields);
    if (result.success) return undefined;
    const issues = result.error.issues.map((i) => `${i.path.length > 0 ? i.path.join(".") : "(fields)"}: ${i.message}`).join("; ");
    return `${o.node}: ${this.system} event ${o.event} ${JSON.stringify(o.fields, (_k, v: unknown) => (v instanceof Uint8Array ? `<${v.length} bytes>` : v))}: ${issues}`;
  }
}

// ---------------------------------------------------------------- field schemas shared by the catalogues

/** A non-negative integer count, height, view, slot or index. */
export const count = z.number().int().nonnegative();
/** A duration or a time, integer microseconds. */
export const micros = z.number().int().nonnegative();
/** A 32-byte hash or root, lowercase hex (64 characters). */
export const hash32Hex = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex digits");
/** Bytes of any length, lowercase hex. */
export const hex = z.string().regex(/^(?:[0-9a-f]{2})*$/, "must be lowercase hex");
/** A base58 string (an L1 transaction signature or public key). */
export const base58 = z.string().regex(/^[1-9A-HJ-NP-Za-km-z]+$/, "must be base58");
/** A node name. */
export const nodeId = z.string().min(1);

// ---------------------------------------------------------------- the simulator's own events (node `sim`)

/** The fields every message event has (see the message events of {@link SIMULATOR_EVENTS}). */
const messageEvent = z.strictObject({
  id: z.number().int().positive(),
  from: nodeId,
  to: nodeId,
  sizeBytes: count,
  type: z.enum(MESSAGE_CLASSES).optional(),
  view: count.optional(),
});

/** Events the world logs itself, as node `sim` (`harness/world.ts`, `harness/catalog.ts`, the systems' operations). */
export const SIMULATOR_EVENTS = new EventCatalogue("simulator", {
  /**
   * A fault action applied; `description` is the line the trace records (`crash v2`, `partition [v0,v1] | [v2,v3]`...);
   * `triggered` when a view or an event fired it (its moment was not known before the run).
   */
  fault: z.strictObject({ description: z.string(), triggered: z.literal(true).optional() }),
  /** A fault fired by a view or an event whose precondition did not hold then (a restart of a node that is up), with the reason. */
  "fault-skipped": z.strictObject({ description: z.string(), reason: z.string() }),
  /** A checker failed (written to the event log; at the end of the run for a liveness verdict). `atUs` in microseconds. */
  violation: z.strictObject({ invariant: z.string(), atUs: z.number().int().min(0), message: z.string() }),
  /** The run entered a phase: `liveness`, when the faults of a swarm run are healed. */
  phase: z.strictObject({ phase: z.literal("liveness") }),
  /** An operation handed to the operator (`operation pause-posting`, `operation rotate-poster 1`...). */
  operation: z.strictObject({ description: z.string() }),
  /** Bits flipped on `node`'s disk under `key` (null when no key matched the prefix). */
  "disk-corrupted": z.strictObject({ node: nodeId, key: z.string().nullable() }),
  /**
   * A crash point fired: `node` crashed `point` (`after sync`, `before send`...) inside its step, while writing `key`
   * or sending to `to`; `window end` when it made no such effect in the crash point's window and crashed then.
   */
  "crash-point": z.strictObject({ node: nodeId, point: z.string(), key: z.string().optional(), to: nodeId.optional() }),
  /** An old message from `from`, delivered to `to` at `recordedAtUs`, sent to `to` again to arrive `delayUs` later; `bytes` as recorded (hex). */
  redeliver: z.strictObject({ from: nodeId, to: nodeId, recordedAtUs: micros, delayUs: micros, bytes: hex }),
  /** `node` crashed with its last fsynced write left half done, a write of `key` (null when nothing was torn). */
  "disk-torn": z.strictObject({ node: nodeId, key: z.string().nullable() }),
  /**
   * The shipped file store reopened `node`'s disk (after a crash or a loss) and cut `droppedBytes` off its log
   * (`corruptMiddle`: an intact record followed the cut one, so it was corruption, not a torn tail), or found its
   * safety file damaged or missing (`safetyLost`: the replica then reads its safety state as corrupt).
   */
  "disk-recovered": z.strictObject({ node: nodeId, droppedBytes: z.number().int().nonnegative(), corruptMiddle: z.boolean(), safetyLost: z.boolean() }),

  // Message events: only when turned on (`World.watchMessages`, `--events-messages`), and only for the event
  // log and the report (never metrics or checkers). `id` numbers the messages from 1 in the order sent and is the
  // same in every event of one message (a duplicate is delivered twice under it); `sizeBytes` is its encoded
  // size; `type` its class and `view` the view it carries (else its sender's current view), from the sender's
  // `NodeSpec.describeMessage`, when known.

  /** `from` sent message `id` to `to`; `redelivery` when it is an old message the world sent again (`redeliver`). */
  "message-send": messageEvent.extend({ redelivery: z.literal(true).optional() }),
  /** Message `id` reached `to`'s host (which decodes it, or logs `malformed`; a paused host queues it). */
  "message-deliver": messageEvent,
  /**
   * Message `id` is lost: `partition` (a cut when sent or when it arrived), `loss` (the link's drop rate),
   * `held-overflow` (the oldest of too many held messages), `crashed` (its receiver was down when it arrived).
   */
  "message-drop": messageEvent.extend({ reason: z.enum(["partition", "loss", "held-overflow", "crashed"]) }),
  /** The link will deliver message `id` twice. */
  "message-duplicate": messageEvent,
  /** Message `id` is held by a clog of `from` or `to` (delayed by the fault until the clog ends, then sent on under its id). */
  "message-hold": messageEvent,
});

/**
 * A `fault` description without its trigger's suffix (` (at view 5)`, ` (when v1 logs commit)`, ` (every time ...)`,
 * see `harness/triggers.ts`, `describeTrigger`): the action's own words.
 */
export function faultActionText(description: string): string {
  return description.replace(/ \((?:at view \d+|when .*|every time .*)\)$/, "");
}

/**
 * True when a `fault` description arms a node action keyed by views (`crash v2 views 3..5`, `clog leader views 1..4`,
 * see `harness/view-window.ts`): nothing happens to a node yet; each view's own action follows as its own event
 * (`crash v2 (v2 views 3..5: view 3)`).
 */
export function armsViewKeyedAction(description: string): boolean {
  const body = faultActionText(description);
  return /^(?:crash|clog|isolate) /.test(body) && /\bviews \d+\.\.\d+/.test(body) && !body.includes("(");
}

/** The simulator's events: name -> fields. */
export type SimulatorEventMap = EventMap<typeof SIMULATOR_EVENTS.schemas>;
/** One event the simulator logs. */
export type SimulatorEvent = ObservationOf<SimulatorEventMap>;

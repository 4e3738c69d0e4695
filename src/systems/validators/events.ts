/**
 * The events the validators' system logs: the HotStuff replica
 * (`consensus/hotstuff/`, and its byzantine variants in
 * `consensus/byzantine/`), the asset application it runs
 * (`sequencer/asset-app.ts`), the workload clients
 * (`workload/asset-client.ts`), and `malformed`, which the simulator logs for
 * a node that received bytes that do not decode.
 *
 * Units and encodings follow `check/events.ts`: times are microseconds,
 * hashes and roots 64 hex digits, node names strings.
 */
import { z } from "zod";
import { count, EventCatalogue, hash32Hex, hex, micros, nodeId, type EventMap, type ObservationOf } from "../../check/events.js";
import type { SubmissionKind } from "../../workload/asset-client.js";

/** A message type of the validators' protocol (`proposal`, `vote`, `timeout`, `app`...). */
const messageType = z.string().min(1);
/** What a client submitted; `withdraw` is a bridge relayer's withdrawal for a bridge user (`bridge/relayer.ts`). */
const submissionKind = z.enum(["transfer", "script", "bad-nonce", "bad-signature", "overspend", "withdraw"]);

/** The schemas of the validators' events (event name -> fields). */
export const VALIDATOR_EVENTS = new EventCatalogue("validators", {
  // ------------------------------------------------------------ replica (consensus/hotstuff/)

  /** The replica booted (first start or restart) with this committed height and safety state. */
  boot: z.strictObject({ committedHeight: count, lastVotedView: count, lockedQCView: count }),
  /** A block committed, with its payload bytes (the only bytes field of all events). */
  commit: z.strictObject({ height: count, view: count, hash: hash32Hex, payload: z.instanceof(Uint8Array) }),
  /** A block entered the replica's block tree; `proposer` is the validator index the block names (the leader of its view, as those who accepted it saw it). */
  block: z.strictObject({ hash: hash32Hex, parent: hash32Hex, height: count, view: count, proposer: count }),
  /** The replica's speculative head (highest certified block) moved. */
  head: z.strictObject({ hash: hash32Hex, height: count, view: count }),
  /** The replica voted for a block; a byzantine double vote is tagged `byzantine`. */
  vote: z.strictObject({ view: count, height: count, hash: hash32Hex, byzantine: z.literal("double-vote").optional() }),
  /** The replica did not vote for a proposal, and why. */
  "vote-refused": z.strictObject({ view: count, reason: z.string() }),
  /** The replica, as leader, proposed a block; a byzantine second proposal is tagged `byzantine`. */
  propose: z.strictObject({ view: count, height: count, hash: hash32Hex, payloadBytes: count, byzantine: z.literal("equivocate").optional() }),
  /** The replica formed or received a quorum certificate. */
  qc: z.strictObject({ view: count, height: count, hash: hash32Hex }),
  /**
   * The replica entered a view; `leader` is the validator (node id, without a twin's suffix) this replica's
   * leader election names for it at that moment (an election that learns from commits, leader reputation,
   * may name another later, or another replica may name another).
   */
  view: z.strictObject({ view: count, leader: nodeId }),
  /** The view timer expired (first expiry of the view); `backoff` counts the expiries of the timer so far. */
  timeout: z.strictObject({ view: count, highQCView: count, backoff: count }),
  /** The replica re-sent its timeout message for a view. */
  "timeout-resend": z.strictObject({ view: count }),
  /** A timeout certificate ended a view. */
  tc: z.strictObject({ view: count }),
  /** A message refused (bad signature, wrong sender, undecodable application message...); `type` is the message type. */
  reject: z.strictObject({ from: nodeId, type: messageType, reason: z.string() }),
  /** A stored record failed its checksum and was ignored. */
  "storage-corrupt": z.strictObject({ key: z.string() }),
  /** The replica lost its safety state and asks its peers for their views before voting again. */
  recovering: z.strictObject({ reason: z.string() }),
  /** The recovery finished: a quorum answered; votes resume above `floorView`. */
  recovered: z.strictObject({ floorView: count, answers: count, highQCView: count }),
  /** The replica wrote a state checkpoint at `height` (`bytes` long). */
  checkpoint: z.strictObject({ height: count, bytes: count }),
  /** A checkpoint restored at boot; `replay` committed blocks re-applied on top. */
  "checkpoint-restored": z.strictObject({ height: count, replay: count }),
  /** A stored checkpoint refused at boot (it does not match the committed chain). */
  "checkpoint-refused": z.strictObject({ height: count }),
  /** The replica asked `peer` for a state snapshot. */
  "snapshot-request": z.strictObject({ peer: nodeId, committedHeight: count, qcHeight: count }),
  /** A snapshot from `from` refused. */
  "snapshot-refused": z.strictObject({ from: nodeId, height: count, reason: z.string() }),
  /** A snapshot from `from` installed at `height`, proven by `proofBlocks` blocks. */
  "snapshot-installed": z.strictObject({ from: nodeId, height: count, proofBlocks: count }),

  // ------------------------------------------------------------ byzantine replicas (consensus/byzantine/)

  /** A byzantine replica withheld its message of `type` for `view` from `to`. */
  "byzantine-withhold": z.strictObject({ type: messageType, view: count, to: nodeId }),
  /** A byzantine replica sent `to` a message with a broken signature. */
  "byzantine-bad-signature": z.strictObject({ type: messageType, view: count, to: nodeId }),
  /** A byzantine leader proposed two blocks in `view`; the second went to `alternativeTo`. */
  "byzantine-equivocate": z.strictObject({ view: count, height: count, hashes: z.array(hash32Hex), alternativeTo: z.array(nodeId) }),
  /** A byzantine replica voted twice in `view` (for `hashes`), to `to`. */
  "byzantine-double-vote": z.strictObject({ view: count, hashes: z.array(hash32Hex), seenBlock: z.boolean(), to: nodeId }),
  /** A byzantine replica re-sent to `to` an old message of `view`, `ageUs` old. */
  "byzantine-replay": z.strictObject({ type: messageType, view: count, ageUs: micros, to: nodeId }),

  /** A byzantine leader proposed the block `hash` on a QC of `justifyView` although it held one of `highestView`. */
  "byzantine-stale-qc": z.strictObject({ view: count, height: count, hash: hash32Hex, justifyView: count, highestView: count }),
  /** A byzantine leader proposed the block `hash` extending the older certified block `forkedFrom`, `depth` heights below its own proposal's. */
  "byzantine-fork-older": z.strictObject({ view: count, height: count, hash: hash32Hex, forkedFrom: hash32Hex, depth: count }),
  /** A byzantine leader sent its proposal (`hashes[0]`) to some validators and a block on a staler QC (`hashes[1]`) to `staleTo`. */
  "byzantine-conflicting-justify": z.strictObject({ view: count, hashes: z.array(hash32Hex), justifyViews: z.array(count), staleTo: z.array(nodeId) }),
  /** A byzantine replica sent a message of `type` carrying a QC forged as `forgery`. */
  "byzantine-forged-qc": z.strictObject({ type: messageType, view: count, forgery: z.string() }),
  /** A byzantine replica sent a message of `type` carrying a TC forged as `forgery`. */
  "byzantine-forged-tc": z.strictObject({ type: messageType, view: count, forgery: z.string() }),
  /** A byzantine replica claimed a highest QC view of `claimedView` (higher than any real QC) in a message of `type`. */
  "byzantine-lying-tc": z.strictObject({ type: messageType, view: count, claimedView: count }),
  /** A byzantine replica answered `to`'s block request with a lie (`unlinked` or `other-fork`). */
  "byzantine-lying-sync": z.strictObject({ lie: z.string(), height: count, blocks: count, to: nodeId }),
  /** A byzantine replica sent a message of `type` with a small-scope `mutation`. */
  "byzantine-mutate": z.strictObject({ type: messageType, view: count, mutation: z.string() }),

  // ------------------------------------------------------------ application (sequencer/asset-app.ts)

  /**
   * The application committed `height` and computed this state `root`
   * (`unexecutable` when it cannot reproduce the committed block; then only
   * `txs: 0`). `failed` counts failed transactions by VM error code,
   * `supplyDelta` is each asset's net supply change (a decimal integer,
   * signed), `swaps` the pool invariants k before and after each swap
   * (decimal integers), `mempool` the mempool depth after the commit.
   */
  "state-root": z.strictObject({
    height: count,
    root: z.union([hash32Hex, z.literal("unexecutable")]),
    txs: count,
    failed: z.record(z.string(), count).optional(),
    supplyDelta: z.record(z.string(), z.string().regex(/^-?\d+$/)).optional(),
    swaps: z.array(z.strictObject({ pool: z.string(), kBefore: z.string().regex(/^\d+$/), kAfter: z.string().regex(/^\d+$/) })).optional(),
    mempool: count.optional(),
  }),
  /**
   * A transaction refused at the mempool, by `reason` (`malformed`,
   * `bad-signature`, `duplicate`, `insufficient-fee`, `nonce-too-low`...);
   * `detail` for undecodable ones, `txId` for the others.
   */
  "tx-rejected": z.strictObject({ from: nodeId, reason: z.string(), detail: z.string().optional(), txId: hash32Hex.optional() }),
  /** `count` transactions expired from the mempool. */
  "tx-expired": z.strictObject({ count }),
  /** The leader could not build a payload for `height`. */
  "build-failed": z.strictObject({ height: count, reason: z.string() }),
  /** A proposed payload refused (it does not decode, or does not execute). */
  "payload-rejected": z.strictObject({ height: count, view: count, reason: z.string() }),
  /** A proposal's state root differs from the one this validator computed. */
  "root-divergence": z.strictObject({ height: count, view: count, proposed: hash32Hex, computed: hash32Hex }),
  /**
   * The application committed `height` and it moved the bridge (`vm/`, `sequencer/asset-app.ts`):
   * the L1 deposits it credited (sequence, L2 account, amount; decimal integers) and the
   * withdrawals it recorded (sequence, L1 recipient hex, amount). Only when there is one.
   */
  "bridge-committed": z.strictObject({
    height: count,
    root: hash32Hex,
    credits: z.array(z.strictObject({ sequence: z.string().regex(/^\d+$/), to: hex, amount: z.string().regex(/^\d+$/) })),
    withdrawals: z.array(z.strictObject({ sequence: z.string().regex(/^\d+$/), recipient: hex, amount: z.string().regex(/^\d+$/) })),
  }),
  /** An executed block of an abandoned fork rolled back. */
  rollback: z.strictObject({ height: count, hash: hash32Hex, txs: count }),

  // ------------------------------------------------------------ workload clients (workload/asset-client.ts)

  /** A client (or a bridge relayer) submitted transaction `txId` (of `account`, with `nonce`) to validator `to`; `kind` says whether it is meant to be invalid. */
  submit: z.strictObject({ txId: hash32Hex, to: nodeId, kind: submissionKind, account: hex, nonce: count }),
  /** A client re-sent `count` unconfirmed transactions of `account` to `to`. */
  resubmit: z.strictObject({ account: hex, count, to: nodeId }),
  /** A client skipped a submission: `account` has too many transactions in flight. */
  throttled: z.strictObject({ account: hex }),
  /** A generated script did not compile (a bug of the workload). */
  "script-error": z.strictObject({ source: z.string(), error: z.string() }),

  // ------------------------------------------------------------ simulator, on behalf of the receiver (scenario/cluster.ts)

  /** Bytes from `from` that do not decode as a message, refused. */
  malformed: z.strictObject({ from: nodeId, reason: z.string() }),
});

/** The validators' events: name -> fields. */
export type ValidatorEventMap = EventMap<typeof VALIDATOR_EVENTS.schemas>;
/** One event a validator, its application or a client logs. */
export type ValidatorEvent = ObservationOf<ValidatorEventMap>;

// The schemas follow the node code's own types.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _kinds: Same<Exclude<z.infer<typeof submissionKind>, "withdraw">, SubmissionKind> = true;
void _kinds;

/**
 * The fault plan: semantic checks of a scenario's timed fault actions, and
 * what the plan lets the liveness checker expect once it is over.
 *
 * Actions run in `at` order (ties in file order). `"leader"` as the node of an
 * `isolate` action means the leader of the highest view any running validator
 * is in when the action fires.
 */
import type { LivenessExpectation } from "../check/validators/liveness.js";
import { InputError } from "../config/errors.js";
import { nodeNames, unknownNode } from "./nodes.js";
import type { FaultAction, Scenario } from "./schema.js";

/** Fault actions that take their node down until a `restart` (a torn write and a wipe crash the node too). */
export const NODE_DOWN_ACTIONS: ReadonlySet<string> = new Set(["crash", "torn-write", "wipe"]);

/** The special node name resolved to the current leader when the action fires. */
export const LEADER = "leader";

/** Fault actions sorted by time, each with its index in the file (for error messages). */
export function orderedFaults(scenario: Scenario): { action: FaultAction; index: number }[] {
  return scenario.faults.map((action, index) => ({ action, index })).sort((a, b) => a.action.at - b.action.at || a.index - b.index);
}

/**
 * Checks node names, times and the order of crash and restart.
 * @throws InputError naming the first bad fault field
 */
export function checkFaultPlan(scenario: Scenario): void {
  const { validators, clients, l1Nodes, twins } = nodeNames(scenario);
  const anyNode = new Set([...validators, ...clients, ...l1Nodes, ...twins]);
  const crashable = new Set([...validators, ...twins, ...(scenario.l1.enabled ? ["poster"] : [])]);
  const crashed = new Set<string>();
  const validatorSet = new Set(validators);
  const livenessAt = scenario.phases.livenessAt;
  if (livenessAt !== undefined && livenessAt > scenario.duration) throw new InputError("phases.livenessAt", `${livenessAt}us is after the end of the run (duration ${scenario.duration}us)`);
  for (const name of Object.keys(scenario.clocks.nodes)) if (!validatorSet.has(name)) throw new InputError(`clocks.nodes.${name}`, anyNode.has(name) ? `clock settings are for validators, got ${JSON.stringify(name)}` : unknownNode(name, scenario));
  for (const { action, index } of orderedFaults(scenario)) {
    const field = `faults[${index}]`;
    if (action.at > scenario.duration) throw new InputError(`${field}.at`, `${action.at}us is after the end of the run (duration ${scenario.duration}us)`);
    if (livenessAt !== undefined && action.at > livenessAt) throw new InputError(`${field}.at`, `${action.at}us is after phases.livenessAt (${livenessAt}us): the liveness phase has no faults`);
    const requireValidator = (name: string, path: string): void => {
      if (!validatorSet.has(name)) throw new InputError(path, anyNode.has(name) ? `${action.action} applies to validators, got ${JSON.stringify(name)}` : unknownNode(name, scenario));
    };
    const requireNode = (name: string, path: string, allowed: Set<string>, what: string): void => {
      if (!allowed.has(name)) throw new InputError(path, allowed !== anyNode && anyNode.has(name) ? `${what} must be a validator${scenario.l1.enabled ? " or the poster" : ""}, got ${JSON.stringify(name)}` : unknownNode(name, scenario));
    };
    switch (action.action) {
      case "partition":
        action.groups.forEach((group, g) => group.forEach((name, k) => requireNode(name, `${field}.groups[${g}][${k}]`, anyNode, "node")));
        break;
      case "partition-oneway":
        action.from.forEach((name, k) => requireNode(name, `${field}.from[${k}]`, anyNode, "node"));
        action.to.forEach((name, k) => requireNode(name, `${field}.to[${k}]`, anyNode, "node"));
        break;
      case "isolate":
        if (action.node !== LEADER) requireNode(action.node, `${field}.node`, anyNode, "node");
        break;
      case "heal":
        break;
      case "clog":
      case "unclog":
        requireNode(action.node, `${field}.node`, anyNode, "node");
        break;
      case "corrupt":
      case "clock":
      case "pause":
        requireValidator(action.node, `${field}.node`);
        break;
      case "storage-faults":
        break;
      case "torn-write":
      case "wipe":
        requireValidator(action.node, `${field}.node`);
        if (crashed.has(action.node)) throw new InputError(`${field}.node`, `${action.node} is already crashed at ${action.at}us`);
        crashed.add(action.node);
        break;
      case "crash":
        requireNode(action.node, `${field}.node`, crashable, "the crashed node");
        if (crashed.has(action.node)) throw new InputError(`${field}.node`, `${action.node} is already crashed at ${action.at}us`);
        crashed.add(action.node);
        break;
      case "restart":
        requireNode(action.node, `${field}.node`, crashable, "the restarted node");
        if (!crashed.has(action.node)) throw new InputError(`${field}.node`, `${action.node} is not crashed at ${action.at}us, so it cannot restart`);
        crashed.delete(action.node);
        break;
      case "l1-faults":
      case "l1-reorg":
        if (!scenario.l1.enabled) throw new InputError(`${field}.action`, `${action.action} needs the L1 (l1.enabled is false)`);
        break;
    }
  }
  scenario.operations.forEach((op, index) => {
    const field = `operations[${index}]`;
    if (!scenario.l1.enabled) throw new InputError(`${field}.action`, `operations need the L1 (l1.enabled is false)`);
    if (op.at > scenario.duration) throw new InputError(`${field}.at`, `${op.at}us is after the end of the run (duration ${scenario.duration}us)`);
    if (op.action === "rotate-poster" && op.keyIndex >= scenario.batchPoster.keys) {
      throw new InputError(`${field}.keyIndex`, `the batch poster holds ${scenario.batchPoster.keys} keys (batchPoster.keys), so keyIndex must be below that`);
    }
  });
}

/** Why liveness is not judged in a safety-only run. */
export const SAFETY_ONLY_REASON = "safety-only run (--safety-only or phases.safetyOnly): liveness not checked";

/**
 * What liveness may be expected after the plan: the heal time (the last
 * action's time, or the end of the last pause) and, when the plan ends with
 * fewer than a quorum of validators up and connected, why progress cannot be
 * expected. With `phases.livenessAt` the heal time is that time (every fault
 * stops then); with `phases.safetyOnly` nothing is expected.
 */
export function livenessExpectation(scenario: Scenario): LivenessExpectation {
  const { livenessAt, safetyOnly } = scenario.phases;
  if (safetyOnly) return { healAtUs: livenessAt ?? 0, notExpectedBecause: SAFETY_ONLY_REASON };
  if (livenessAt !== undefined) return { healAtUs: livenessAt };
  const n = scenario.validators.count;
  const f = Math.floor((n - 1) / 3);
  const crashed = new Set<string>();
  const clogged = new Set<string>();
  let partitioned = false;
  let healAtUs = 0;
  for (const { action } of orderedFaults(scenario)) {
    healAtUs = Math.max(healAtUs, action.at);
    switch (action.action) {
      case "pause":
        healAtUs = Math.max(healAtUs, action.at + action.duration);
        break;
      case "torn-write":
      case "wipe":
        crashed.add(action.node);
        break;
      case "corrupt":
      case "storage-faults":
      case "clock":
        break;
      case "partition":
      case "partition-oneway":
      case "isolate":
        partitioned = true;
        break;
      case "heal":
        partitioned = false;
        break;
      case "crash":
        crashed.add(action.node);
        break;
      case "restart":
        crashed.delete(action.node);
        break;
      case "clog":
        clogged.add(action.node);
        break;
      case "unclog":
        clogged.delete(action.node);
        break;
      case "l1-faults":
      case "l1-reorg":
        break;
    }
  }
  const down = new Set([...crashed, ...clogged].filter((node) => /^v\d+$/.test(node)));
  if (down.size > f) return { healAtUs, notExpectedBecause: `${down.size} validators stay crashed or clogged, more than f = ${f}: no quorum` };
  if (partitioned) return { healAtUs, notExpectedBecause: "a partition is never healed" };
  return { healAtUs };
}

/**
 * When the posting-liveness checker may expect the finalized posted height to
 * catch up: after the last fault and operation, unless the plan ends with the
 * poster crashed, posting paused, L1 faults still on, or no consensus liveness.
 */
export function postingLivenessExpectation(scenario: Scenario): LivenessExpectation {
  const consensus = livenessExpectation(scenario);
  let healAtUs = consensus.healAtUs;
  let posterDown = false;
  let l1Faulty = scenario.l1.faults.dropRate > 0 || scenario.l1.faults.delayRate > 0 || scenario.l1.faults.rpcErrorRate > 0;
  // The liveness phase restarts the poster and turns L1 faults off.
  const phaseHeals = scenario.phases.livenessAt !== undefined;
  for (const { action } of orderedFaults(scenario)) {
    if (action.action === "crash" && action.node === "poster") posterDown = true;
    if (action.action === "restart" && action.node === "poster") posterDown = false;
    if (action.action === "l1-faults") {
      const f = { ...scenario.l1.faults, ...action };
      l1Faulty = f.dropRate > 0 || f.delayRate > 0 || f.rpcErrorRate > 0;
    }
  }
  let paused = false;
  let authority = 0;
  for (const op of [...scenario.operations].sort((a, b) => a.at - b.at)) {
    healAtUs = Math.max(healAtUs, op.at);
    if (op.action === "pause-posting") paused = true;
    if (op.action === "resume-posting") paused = false;
    if (op.action === "rotate-poster") authority = op.keyIndex;
  }
  if (consensus.notExpectedBecause !== undefined) return { healAtUs, notExpectedBecause: consensus.notExpectedBecause };
  if (posterDown && !phaseHeals) return { healAtUs, notExpectedBecause: "the batch poster stays crashed" };
  if (paused) return { healAtUs, notExpectedBecause: "posting stays paused" };
  if (l1Faulty && !phaseHeals) return { healAtUs, notExpectedBecause: "L1 faults are never turned off" };
  if (authority >= scenario.batchPoster.keys) return { healAtUs, notExpectedBecause: "the poster holds no key of the authority" };
  return { healAtUs };
}

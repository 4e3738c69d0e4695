/**
 * A StrykerJS ignorer plugin (`ignorers: ["diagnostic-text"]` in
 * stryker.config.mjs): it keeps Stryker from mutating text that only a
 * person reads, so those mutants neither count as killed nor as survived.
 * Ignored, with everything inside it (babel NodePaths, Stryker's `Ignorer`
 * contract):
 *
 * - the message of `assert(condition, message)` (src/sim/assert.ts); the
 *   condition is still mutated;
 * - every argument of `new SomethingError(...)` (RangeError, WireDecodeError,
 *   ScriptError...): the thrown type stays, and whether it is thrown is
 *   still mutated through the condition around it;
 * - the reason of a replica's `reject(from, msg, reason)` (a `reject` call
 *   with three arguments: the mempool's one-argument `reject("nonce-too-low")`
 *   returns a machine-read code and stays mutated);
 * - the `reason` field of an object passed to `ctx.log(...)`
 *   (`vote-refused` reasons): the event name and every other field stay
 *   mutated, since the checkers read them;
 * - the message of the VM's `fail(code, message)` (src/vm/instructions.ts);
 *   the error code stays mutated (the reference ledger compares codes).
 *
 * These texts are asserted by the scenario tests (test/scenarios/), which
 * are outside the mutation run for its speed; see docs/mutation.md.
 */
import { PluginKind, declareValuePlugin } from "@stryker-mutator/api/plugin";

/** The callee's name: `f` for `f(...)`, `reject` for `r.reject(...)`, else undefined. */
function calleeName(call) {
  const callee = call.callee;
  if (callee.type === "Identifier") return callee.name;
  if (callee.type === "MemberExpression" && !callee.computed && callee.property.type === "Identifier") return callee.property.name;
  return undefined;
}

/** Why `path` is diagnostic text, or undefined when it is not. */
function diagnosticReason(path) {
  const parent = path.parentPath;
  if (parent === null || parent === undefined) return undefined;
  const node = parent.node;
  if (node.type === "NewExpression" && node.callee.type === "Identifier" && node.callee.name.endsWith("Error") && node.arguments.includes(path.node)) {
    return `message of new ${node.callee.name}`;
  }
  if (node.type === "CallExpression") {
    const name = calleeName(node);
    const index = node.arguments.indexOf(path.node);
    if (name === "assert" && index === 1) return "assertion message";
    if (name === "reject" && node.arguments.length === 3 && index === 2) return "replica rejection reason (log text)";
    if (name === "fail" && node.arguments.length === 2 && index === 1) return "VM failure message (the code stays mutated)";
  }
  if (node.type === "ObjectProperty" && path.key === "value" && !node.computed && node.key.type === "Identifier" && node.key.name === "reason") {
    const object = parent.parentPath;
    const call = object?.parentPath?.node;
    if (object?.node.type === "ObjectExpression" && call?.type === "CallExpression" && calleeName(call) === "log") return "log reason field";
  }
  return undefined;
}

export const strykerPlugins = [declareValuePlugin(PluginKind.Ignore, "diagnostic-text", { shouldIgnore: diagnosticReason })];

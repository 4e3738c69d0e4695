/**
 * Assertions for programmer errors, TigerBeetle style (`docs/TIGER_STYLE.md`).
 *
 * An assertion states something the code itself guarantees: a precondition of
 * a handler, a postcondition where state changes, an invariant a node keeps
 * between steps. When one fails, the program is wrong, not its input; the
 * node throws {@link AssertionError}, and the simulator stops the run as a
 * node error (exit 4, with the seed to replay it).
 *
 * Never assert on anything a peer controls (a message's fields, signatures,
 * views, heights): bad input from the network is an operating error, which the
 * handler refuses and logs (`reject`, `vote-refused`...) and the node keeps
 * running. Keep assertions split (`assert(a, ...); assert(b, ...);` rather
 * than `assert(a && b, ...)`) so a failure names the one condition that broke,
 * and keep them cheap: they run on every step of every simulated node.
 */

/** A failed {@link assert}: a programmer error (a broken precondition, postcondition or invariant). */
export class AssertionError extends Error {
  constructor(message: string) {
    super(`assertion failed: ${message}`);
    this.name = "AssertionError";
  }
}

/**
 * Throws an {@link AssertionError} with `message` unless `condition` is truthy.
 * For programmer errors only; bad input from a peer is refused and logged instead.
 * @param condition what the code guarantees at this point
 * @param message what broke, in words (build it only from cheap values: it is evaluated on every call)
 * @throws AssertionError if `condition` is falsy
 */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

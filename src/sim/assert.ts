/**
 * Assertions for programmer errors (TigerBeetle's TIGER_STYLE): a broken
 * precondition, postcondition or invariant inside the code. They are never
 * used for bad input from a peer or a user, which is refused, counted and
 * logged (or, for a file, a typed `InputError`). Assert split and dense:
 * `assert(a, ...); assert(b, ...);` rather than `assert(a && b, ...)`, so the
 * message names the one condition that failed.
 */

/** A broken assertion: a bug. In the simulator the run stops as a node error (exit 4) with its seed. */
export class AssertionError extends Error {
  override readonly name = "AssertionError";
}

/**
 * @param condition must be truthy
 * @param message what was expected, naming the values involved
 * @throws AssertionError when `condition` is falsy
 */
export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

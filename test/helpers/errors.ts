/** Test helpers for errors. */
import { expect } from "vitest";
import { InputError } from "../../src/config/errors.js";

/** The {@link InputError} `f` throws; fails the test when it throws anything else or nothing. */
export function inputError(f: () => unknown): InputError {
  try {
    f();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error("expected an InputError");
}

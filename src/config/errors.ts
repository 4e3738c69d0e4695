/** Typed errors for bad user input. The CLI maps them to exit code 2. */

/** A scenario file, seed file or command-line option that is not valid. `field` names what is wrong. */
export class InputError extends Error {
  override readonly name = "InputError";

  /**
   * @param field dotted path of the bad field (`validators.blockTime`, `faults[2].node`, `--seed`)
   * @param problem what is wrong with it
   */
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(field === "" ? problem : `${field}: ${problem}`);
  }
}

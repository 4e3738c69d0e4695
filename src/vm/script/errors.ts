/**
 * The one error the script compiler throws for a bad script: it names the
 * first problem and where it is, so an editor can put the cursor on it.
 */

/**
 * A problem in a script, at a 1-based line and column (columns count
 * characters, a tab is one column).
 *
 * @remarks
 * `message` is `line L, column C: <problem>`; `problem` holds the part after
 * the position, for callers that show the position themselves.
 */
export class ScriptError extends Error {
  override readonly name = "ScriptError";
  /** 1-based line of the offending token. */
  readonly line: number;
  /** 1-based column of the offending token's first character. */
  readonly column: number;
  /** What is wrong, without the position. */
  readonly problem: string;

  /**
   * @param line - 1-based line
   * @param column - 1-based column
   * @param problem - what is wrong, a lower-case phrase without the position
   */
  constructor(line: number, column: number, problem: string) {
    super(`line ${line}, column ${column}: ${problem}`);
    this.line = line;
    this.column = column;
    this.problem = problem;
  }
}

/**
 * The script lexer. A script is lines of words: a word is a run of printable
 * ASCII characters other than `#` (so `1,000` and `usdc.` are single words
 * that the parser then rejects with their whole text), words are separated by
 * spaces, tabs and carriage returns, a line ends at `\n`, and `#` starts a
 * comment that runs to the end of the line and may hold any character.
 *
 * The lexer is pulled one token at a time by the parser, so that a bad
 * character after the first problem of a line is never reported before it.
 */
import { ScriptError } from "./errors.js";

/** A word: a keyword, number, asset symbol, account name or hex account, told apart by the parser. */
export interface WordToken {
  readonly kind: "word";
  readonly text: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column of the first character. */
  readonly column: number;
}

/** The end of a line: at the comment's `#` when the line has one, else at the `\n`. */
export interface LineEndToken {
  readonly kind: "line-end";
  readonly line: number;
  readonly column: number;
}

/** The end of the script, one column after its last character. */
export interface ScriptEndToken {
  readonly kind: "script-end";
  readonly line: number;
  readonly column: number;
}

export type Token = WordToken | LineEndToken | ScriptEndToken;

/** Byte-order mark, skipped (without a column) when it is the first character of the source. */
const BYTE_ORDER_MARK = 0xfeff;

function isBlank(codePoint: number): boolean {
  return codePoint === 0x20 || codePoint === 0x09 || codePoint === 0x0d;
}

/** True for a character that may appear in a word: printable ASCII other than space and `#`. */
function isWordCharacter(codePoint: number): boolean {
  return codePoint >= 0x21 && codePoint <= 0x7e && codePoint !== 0x23;
}

/** How an unexpected character is named in an error: itself when printable, and always its code point. */
function describeCharacter(codePoint: number): string {
  const hex = `U+${codePoint.toString(16).toUpperCase().padStart(4, "0")}`;
  const printable = codePoint > 0x20 && codePoint !== 0x7f && !(codePoint >= 0x80 && codePoint < 0xa0) && !(codePoint >= 0xd800 && codePoint <= 0xdfff);
  return printable ? `${JSON.stringify(String.fromCodePoint(codePoint))} (${hex})` : hex;
}

/**
 * Splits a script into tokens on demand.
 *
 * @remarks
 * Lines and columns are 1-based and count code points. After the
 * `script-end` token every further call returns it again.
 */
export class Lexer {
  private readonly source: string;
  /** UTF-16 offset of the next character. */
  private offset: number;
  private line = 1;
  private column = 1;

  constructor(source: string) {
    this.source = source;
    this.offset = source.codePointAt(0) === BYTE_ORDER_MARK ? 1 : 0;
  }

  /**
   * The next token.
   * @throws ScriptError at a character that may not appear outside a comment
   */
  next(): Token {
    while (this.offset < this.source.length && isBlank(this.peekCodePoint())) this.advance();
    if (this.offset >= this.source.length) return { kind: "script-end", line: this.line, column: this.column };

    const first = this.peekCodePoint();
    const line = this.line;
    const column = this.column;
    if (first === 0x23 || first === 0x0a) {
      // A comment or a bare newline: consume through the newline, so the next token is on the next line.
      while (this.offset < this.source.length && this.peekCodePoint() !== 0x0a) this.advance();
      if (this.offset < this.source.length) this.advance();
      return { kind: "line-end", line, column };
    }
    if (!isWordCharacter(first)) throw new ScriptError(line, column, `unexpected character ${describeCharacter(first)}`);

    // Word characters are ASCII, one UTF-16 unit each, so the word is a plain substring.
    const start = this.offset;
    while (this.offset < this.source.length && isWordCharacter(this.peekCodePoint())) this.advance();
    return { kind: "word", text: this.source.slice(start, this.offset), line, column };
  }

  private peekCodePoint(): number {
    return this.source.codePointAt(this.offset)!;
  }

  /** Moves past one character (one or two UTF-16 units), keeping line and column. */
  private advance(): void {
    const codePoint = this.peekCodePoint();
    this.offset += codePoint > 0xffff ? 2 : 1;
    if (codePoint === 0x0a) {
      this.line += 1;
      this.column = 1;
    } else {
      this.column += 1;
    }
  }
}

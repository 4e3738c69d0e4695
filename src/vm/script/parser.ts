/**
 * The script parser: one statement per line, each turned straight into the
 * AssetVM instruction it stands for. Every check, syntactic or not (symbol
 * shape, amount bounds, account names, the signer rule), happens at the token
 * it concerns, as the tokens are read, so the error thrown is always the
 * first problem in reading order. The grammar is in `docs/script-grammar.md`.
 */
import {
  ASSET_SYMBOL_PATTERN,
  DECIMALS_MAX,
  INSTRUCTIONS_PER_TX_MAX,
  POOL_FEE_BPS_MAX,
  U64_MAX,
  type AccountId,
  type AssetSymbol,
  type Instruction,
} from "../types.js";
import { ScriptError } from "./errors.js";
import { Lexer, type Token, type WordToken } from "./lexer.js";

/** What the parser needs to know about accounts. */
export interface ParseContext {
  /** The transaction's sender (lowercase hex), what `me` means. */
  readonly signer: AccountId;
  /** The account a name stands for; undefined if unknown. */
  resolve(name: string): AccountId | undefined;
}

/** One compiled statement and where it starts, to map an instruction index back to its line. */
export interface Statement {
  readonly instruction: Instruction;
  /** 1-based line of the statement's first word. */
  readonly line: number;
  /** 1-based column of the statement's first word. */
  readonly column: number;
}

/** The words a statement can start with, in the order error messages list them. */
export const STATEMENT_WORDS = ["create", "mint", "transfer", "burn", "set", "add", "remove", "swap"] as const;

/** Pool fee when `create pool` has no `fee` clause, basis points. */
export const POOL_FEE_BPS_DEFAULT = 30;

/** An account as an instruction holds it: 64 lowercase hex digits. */
const ACCOUNT_PATTERN = /^[0-9a-f]{64}$/;

/** A hex account as written: `0x` and 64 hex digits of either case. */
const HEX_ACCOUNT_PATTERN = /^0x[0-9a-f]{64}$/i;

/** A non-negative integer in decimal, with single `_` allowed between digits. */
const INTEGER_PATTERN = /^[0-9]+(?:_[0-9]+)*$/;

/** Decimal digits of U64_MAX: an integer with more significant digits is over it without parsing it. */
const U64_DIGITS_MAX = U64_MAX.toString().length;

/**
 * Parses and compiles a whole script.
 *
 * @param source - the script text
 * @param context - the signer and the name resolver
 * @returns the statements in order, at least one and at most INSTRUCTIONS_PER_TX_MAX
 * @throws ScriptError naming the first problem in reading order
 */
export function parseScript(source: string, context: ParseContext): Statement[] {
  return new Parser(source, context).script();
}

/** How a token is named in "found ..." messages. */
function describe(token: Token): string {
  switch (token.kind) {
    case "word":
      return JSON.stringify(token.text);
    case "line-end":
      return "the end of the line";
    case "script-end":
      return "the end of the script";
  }
}

/** `"a"`, `"a" or "b"`, `"a", "b" or "c"`. */
function listWords(words: readonly string[], quote = true): string {
  const shown = words.map((word) => (quote ? JSON.stringify(word) : word));
  if (shown.length <= 1) return shown.join("");
  return `${shown.slice(0, -1).join(", ")} or ${shown[shown.length - 1]}`;
}

function isKeyword(token: Token, keyword: string): token is WordToken {
  return token.kind === "word" && token.text.toLowerCase() === keyword;
}

class Parser {
  private readonly lexer: Lexer;
  private readonly context: ParseContext;
  /** The token read by `peek` and not yet taken. */
  private peeked: Token | undefined;

  constructor(source: string, context: ParseContext) {
    this.lexer = new Lexer(source);
    this.context = context;
  }

  script(): Statement[] {
    const statements: Statement[] = [];
    for (;;) {
      const token = this.take();
      if (token.kind === "line-end") continue;
      if (token.kind === "script-end") break;
      if (statements.length === INSTRUCTIONS_PER_TX_MAX) {
        throw this.error(token, `too many statements: a transaction holds at most ${INSTRUCTIONS_PER_TX_MAX} instructions`);
      }
      statements.push({ instruction: this.statement(token), line: token.line, column: token.column });
    }
    if (statements.length === 0) throw new ScriptError(1, 1, "the script has no statements");
    return statements;
  }

  // Statements. Each one reads its words after the first and ends at the end of its line.

  private statement(first: WordToken): Instruction {
    const word = first.text.toLowerCase();
    switch (word) {
      case "create": {
        const what = this.expect(["asset", "pool"], `after "create"`);
        return what === "asset" ? this.createAsset() : this.createPool();
      }
      case "mint":
        return this.mint();
      case "transfer":
        return this.transfer();
      case "burn":
        return this.burn();
      case "set":
        this.expect(["authority"], `after "set"`);
        return this.setAuthority();
      case "add":
        this.expect(["liquidity"], `after "add"`);
        return this.addLiquidity();
      case "remove":
        this.expect(["liquidity"], `after "remove"`);
        return this.removeLiquidity();
      case "swap":
        return this.swap();
      default:
        throw this.error(first, `unknown statement ${JSON.stringify(first.text)}: a statement starts with ${listWords(STATEMENT_WORDS, false)}`);
    }
  }

  /** `create asset SYMBOL decimals INT [authority (ACCOUNT | none)]` */
  private createAsset(): Instruction {
    const asset = this.symbol();
    this.expect(["decimals"]);
    const decimals = this.smallInteger("the number of decimals", DECIMALS_MAX, "decimals");
    let mintAuthority: AccountId | null = this.context.signer;
    let optional = ["authority"];
    if (this.accept("authority")) {
      mintAuthority = this.accountOrNone();
      optional = [];
    }
    this.endOfStatement(optional);
    return { kind: "create-asset", asset, decimals, mintAuthority };
  }

  /** `mint AMOUNT SYMBOL to ACCOUNT` */
  private mint(): Instruction {
    const amount = this.amount();
    const asset = this.symbol();
    this.expect(["to"]);
    const to = this.account();
    this.endOfStatement([]);
    return { kind: "mint", asset, to, amount };
  }

  /** `transfer AMOUNT SYMBOL [from ACCOUNT] to ACCOUNT` */
  private transfer(): Instruction {
    const amount = this.amount();
    const asset = this.symbol();
    if (this.accept("from")) {
      this.signerAccount();
      this.expect(["to"]);
    } else {
      // Only "to" can match here; listing "from" makes the message name both choices.
      this.expect(["from", "to"]);
    }
    const to = this.account();
    this.endOfStatement([]);
    return { kind: "transfer", asset, to, amount };
  }

  /** `burn AMOUNT SYMBOL [from ACCOUNT]` */
  private burn(): Instruction {
    const amount = this.amount();
    const asset = this.symbol();
    let optional = ["from"];
    if (this.accept("from")) {
      this.signerAccount();
      optional = [];
    }
    this.endOfStatement(optional);
    return { kind: "burn", asset, amount };
  }

  /** `set authority SYMBOL to (ACCOUNT | none)` */
  private setAuthority(): Instruction {
    const asset = this.symbol();
    this.expect(["to"]);
    const authority = this.accountOrNone();
    this.endOfStatement([]);
    return { kind: "set-mint-authority", asset, authority };
  }

  /** `create pool SYMBOL SYMBOL [fee INT bps]` */
  private createPool(): Instruction {
    const assetA = this.symbol();
    const assetB = this.otherSymbol(assetA, "a pool");
    let feeBps = POOL_FEE_BPS_DEFAULT;
    let optional = ["fee"];
    if (this.accept("fee")) {
      feeBps = this.smallInteger("a fee in basis points", POOL_FEE_BPS_MAX, "the fee");
      this.expect(["bps"]);
      optional = [];
    }
    this.endOfStatement(optional);
    return { kind: "create-pool", assetA, assetB, feeBps };
  }

  /** `add liquidity AMOUNT SYMBOL AMOUNT SYMBOL [min AMOUNT shares]` */
  private addLiquidity(): Instruction {
    const amountA = this.amount();
    const assetA = this.symbol();
    const amountB = this.amount();
    const assetB = this.otherSymbol(assetA, "a pool");
    let minShares = 0n;
    let optional = ["min"];
    if (this.accept("min")) {
      minShares = this.amount();
      this.expect(["shares"]);
      optional = [];
    }
    this.endOfStatement(optional);
    return { kind: "add-liquidity", assetA, assetB, amountA, amountB, minShares };
  }

  /** `remove liquidity AMOUNT shares SYMBOL SYMBOL [min AMOUNT SYMBOL AMOUNT SYMBOL]` */
  private removeLiquidity(): Instruction {
    const shares = this.amount();
    this.expect(["shares"]);
    const assetA = this.symbol();
    const assetB = this.otherSymbol(assetA, "a pool");
    let minA = 0n;
    let minB = 0n;
    let optional = ["min"];
    if (this.accept("min")) {
      const firstMin = this.amount();
      const firstAsset = this.symbolOf([assetA, assetB], "an asset of the pool");
      const secondMin = this.amount();
      const otherAsset = firstAsset === assetA ? assetB : assetA;
      this.symbolOf([otherAsset], "the pool's other asset");
      if (firstAsset === assetA) {
        minA = firstMin;
        minB = secondMin;
      } else {
        minA = secondMin;
        minB = firstMin;
      }
      optional = [];
    }
    this.endOfStatement(optional);
    return { kind: "remove-liquidity", assetA, assetB, shares, minA, minB };
  }

  /** `swap AMOUNT SYMBOL for SYMBOL [min AMOUNT]` */
  private swap(): Instruction {
    const amountIn = this.amount();
    const assetIn = this.symbol();
    this.expect(["for"]);
    const assetOut = this.otherSymbol(assetIn, "a swap");
    let minOut = 0n;
    let optional = ["min"];
    if (this.accept("min")) {
      minOut = this.amount();
      optional = [];
    }
    this.endOfStatement(optional);
    return { kind: "swap", assetIn, assetOut, amountIn, minOut };
  }

  // Tokens.

  private peek(): Token {
    this.peeked ??= this.lexer.next();
    return this.peeked;
  }

  private take(): Token {
    const token = this.peek();
    this.peeked = undefined;
    return token;
  }

  /** Takes the next token if it is `keyword`. */
  private accept(keyword: string): boolean {
    if (!isKeyword(this.peek(), keyword)) return false;
    this.take();
    return true;
  }

  /**
   * Takes a keyword that must be one of `keywords`.
   * @returns it, lower case
   */
  private expect(keywords: readonly string[], where = ""): string {
    const token = this.take();
    for (const keyword of keywords) {
      if (isKeyword(token, keyword)) return keyword;
    }
    throw this.error(token, `expected ${listWords(keywords)}${where === "" ? "" : ` ${where}`}, found ${describe(token)}`);
  }

  /** Requires the end of the line; `optional` names the clauses that could still have come. */
  private endOfStatement(optional: readonly string[]): void {
    const token = this.take();
    if (token.kind !== "word") return;
    if (optional.length === 0) throw this.error(token, `unexpected ${describe(token)} after a complete statement`);
    throw this.error(token, `unexpected ${describe(token)}: expected ${listWords(optional)} or the end of the line`);
  }

  private word(expected: string): WordToken {
    const token = this.take();
    if (token.kind !== "word") throw this.error(token, `expected ${expected}, found ${describe(token)}`);
    return token;
  }

  /**
   * The value of an integer word (digits with single `_` between them).
   * @returns the value, or undefined when it is over `max` (not parsed when it has too many digits)
   */
  private integer(token: WordToken, expected: string, max: bigint): bigint | undefined {
    if (!INTEGER_PATTERN.test(token.text)) throw this.error(token, `expected ${expected}, found ${describe(token)}`);
    const digits = token.text.replaceAll("_", "").replace(/^0+(?=.)/, "");
    if (digits.length > U64_DIGITS_MAX) return undefined;
    const value = BigInt(digits);
    return value <= max ? value : undefined;
  }

  /** An amount: a u64 in base units. */
  private amount(): bigint {
    const token = this.word("an amount");
    const value = this.integer(token, "an amount", U64_MAX);
    if (value === undefined) throw this.error(token, "amount exceeds 2^64-1");
    return value;
  }

  /** A small integer from 0 to `max`; `name` says what it is in the too-large message. */
  private smallInteger(expected: string, max: number, name: string): number {
    const token = this.word(expected);
    const value = this.integer(token, expected, BigInt(max));
    if (value === undefined) throw this.error(token, `${name} must be at most ${max}, found ${token.text}`);
    return Number(value);
  }

  private symbol(): AssetSymbol {
    return this.symbolToken().text;
  }

  private symbolToken(): WordToken {
    const token = this.word("an asset symbol");
    if (ASSET_SYMBOL_PATTERN.test(token.text)) return token;
    const upper = token.text.toUpperCase();
    if (ASSET_SYMBOL_PATTERN.test(upper)) {
      throw this.error(token, `asset symbols are upper case: expected ${JSON.stringify(upper)}, found ${describe(token)}`);
    }
    throw this.error(token, `expected an asset symbol (a letter, then at most 11 letters or digits, upper case), found ${describe(token)}`);
  }

  /** The second asset of a pair, which must differ from `first`; `what` names the pair's user. */
  private otherSymbol(first: AssetSymbol, what: string): AssetSymbol {
    const token = this.symbolToken();
    if (token.text === first) throw this.error(token, `${what} needs two different assets, found ${JSON.stringify(first)} twice`);
    return token.text;
  }

  /** A symbol that must be one of `allowed`; `what` says what they are. */
  private symbolOf(allowed: readonly AssetSymbol[], what: string): AssetSymbol {
    const token = this.symbolToken();
    if (!allowed.includes(token.text)) throw this.error(token, `expected ${listWords(allowed)} (${what}), found ${describe(token)}`);
    return token.text;
  }

  /** `me`, `0x` and 64 hex digits, or a name the context knows. */
  private account(): AccountId {
    return this.accountAt(this.word("an account"));
  }

  private accountAt(token: WordToken): AccountId {
    const lower = token.text.toLowerCase();
    if (lower === "me") return this.context.signer;
    if (lower.startsWith("0x")) {
      if (!HEX_ACCOUNT_PATTERN.test(token.text)) {
        throw this.error(token, `expected "0x" and 64 hex digits for an account, found ${describe(token)}`);
      }
      return lower.slice(2);
    }
    const account = this.context.resolve(token.text);
    if (account === undefined) throw this.error(token, `unknown account ${describe(token)}`);
    if (!ACCOUNT_PATTERN.test(account)) {
      throw this.error(token, `the name ${describe(token)} resolves to ${JSON.stringify(account)}, which is not 64 lowercase hex digits`);
    }
    return account;
  }

  /** An account, or `none` for no account. */
  private accountOrNone(): AccountId | null {
    const token = this.word(`an account or "none"`);
    return isKeyword(token, "none") ? null : this.accountAt(token);
  }

  /** The account of a `from` clause, which must be the signer. */
  private signerAccount(): void {
    const token = this.word("an account");
    if (this.accountAt(token) !== this.context.signer) throw this.error(token, "a script can only move the signer's funds");
  }

  private error(token: Token, problem: string): ScriptError {
    return new ScriptError(token.line, token.column, problem);
  }
}

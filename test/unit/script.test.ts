import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileScript, formatInstruction, type ScriptContext } from "../../src/vm/script/compile.js";
import { ScriptError } from "../../src/vm/script/errors.js";
import { parseScript } from "../../src/vm/script/parser.js";
import { ASSET_SYMBOL_PATTERN, DECIMALS_MAX, INSTRUCTIONS_PER_TX_MAX, POOL_FEE_BPS_MAX, U64_MAX, type AccountId, type Instruction } from "../../src/vm/types.js";

const SIGNER = "11".repeat(32);
const ALICE = "aa".repeat(32);
const BOB = "bb".repeat(32);
const NAMES = new Map<string, AccountId>([
  ["sam", SIGNER],
  ["alice", ALICE],
  ["bob", BOB],
]);
const ctx: ScriptContext = { signer: SIGNER, resolve: (name) => NAMES.get(name) };

const compile = (source: string): Instruction[] => compileScript(source, ctx);
const one = (source: string): Instruction => {
  const instructions = compile(source);
  expect(instructions).toHaveLength(1);
  return instructions[0]!;
};

/** Compiles `source`, expecting a ScriptError at exactly `line`:`column` saying `problem`. */
function expectError(source: string, line: number, column: number, problem: string): void {
  let thrown: unknown;
  try {
    compile(source);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(ScriptError);
  const error = thrown as ScriptError;
  expect({ line: error.line, column: error.column, message: error.message }).toEqual({
    line,
    column,
    message: `line ${line}, column ${column}: ${problem}`,
  });
  expect(error.problem).toBe(problem);
  expect(error.name).toBe("ScriptError");
}

describe("script: each statement compiles to its instruction", () => {
  it("create asset, with an authority, none, and the default (the signer)", () => {
    expect(one("create asset USDC decimals 6 authority alice")).toEqual({ kind: "create-asset", asset: "USDC", decimals: 6, mintAuthority: ALICE });
    expect(one("create asset GOLD decimals 0 authority none")).toEqual({ kind: "create-asset", asset: "GOLD", decimals: 0, mintAuthority: null });
    expect(one("create asset X1 decimals 18")).toEqual({ kind: "create-asset", asset: "X1", decimals: 18, mintAuthority: SIGNER });
  });

  it("mint", () => {
    expect(one("mint 1_000_000 USDC to bob")).toEqual({ kind: "mint", asset: "USDC", to: BOB, amount: 1_000_000n });
  });

  it("transfer, with and without a from clause naming the signer", () => {
    const expected = { kind: "transfer", asset: "USDC", to: ALICE, amount: 250n };
    expect(one("transfer 250 USDC to alice")).toEqual(expected);
    expect(one("transfer 250 USDC from me to alice")).toEqual(expected);
    expect(one("transfer 250 USDC from sam to alice")).toEqual(expected);
    expect(one(`transfer 250 USDC from 0x${SIGNER} to alice`)).toEqual(expected);
  });

  it("burn, with and without a from clause", () => {
    expect(one("burn 7 GOLD")).toEqual({ kind: "burn", asset: "GOLD", amount: 7n });
    expect(one("burn 7 GOLD from me")).toEqual({ kind: "burn", asset: "GOLD", amount: 7n });
  });

  it("set authority to an account and to none", () => {
    expect(one("set authority USDC to bob")).toEqual({ kind: "set-mint-authority", asset: "USDC", authority: BOB });
    expect(one("set authority USDC to none")).toEqual({ kind: "set-mint-authority", asset: "USDC", authority: null });
  });

  it("create pool, with a fee and with the default 30 bps", () => {
    expect(one("create pool USDC GOLD fee 5 bps")).toEqual({ kind: "create-pool", assetA: "USDC", assetB: "GOLD", feeBps: 5 });
    expect(one("create pool USDC GOLD")).toEqual({ kind: "create-pool", assetA: "USDC", assetB: "GOLD", feeBps: 30 });
    expect(one(`create pool A B fee ${POOL_FEE_BPS_MAX} bps`)).toEqual({ kind: "create-pool", assetA: "A", assetB: "B", feeBps: POOL_FEE_BPS_MAX });
  });

  it("add liquidity keeps the written order; min shares defaults to 0", () => {
    expect(one("add liquidity 100 USDC 3 GOLD min 10 shares")).toEqual({
      kind: "add-liquidity",
      assetA: "USDC",
      assetB: "GOLD",
      amountA: 100n,
      amountB: 3n,
      minShares: 10n,
    });
    expect(one("add liquidity 100 USDC 3 GOLD")).toMatchObject({ minShares: 0n });
  });

  it("remove liquidity maps the min clause to minA/minB in either order; mins default to 0", () => {
    const base = { kind: "remove-liquidity", assetA: "USDC", assetB: "GOLD", shares: 40n };
    expect(one("remove liquidity 40 shares USDC GOLD min 9 USDC 2 GOLD")).toEqual({ ...base, minA: 9n, minB: 2n });
    expect(one("remove liquidity 40 shares USDC GOLD min 2 GOLD 9 USDC")).toEqual({ ...base, minA: 9n, minB: 2n });
    expect(one("remove liquidity 40 shares USDC GOLD")).toEqual({ ...base, minA: 0n, minB: 0n });
  });

  it("swap, with a minimum and with the default 0", () => {
    expect(one("swap 500 USDC for GOLD min 4")).toEqual({ kind: "swap", assetIn: "USDC", assetOut: "GOLD", amountIn: 500n, minOut: 4n });
    expect(one("swap 500 USDC for GOLD")).toEqual({ kind: "swap", assetIn: "USDC", assetOut: "GOLD", amountIn: 500n, minOut: 0n });
  });

  it("the example in the script language reference (docs/script-language.md) compiles", () => {
    const readme = readFileSync(new URL("../../docs/script-language.md", import.meta.url), "utf8");
    const section = readme.slice(readme.indexOf("## Script language"));
    const source = section.slice(section.indexOf("```text\n") + 8, section.indexOf("```", section.indexOf("```text\n") + 8));
    expect(compile(source)).toEqual([
      { kind: "create-asset", asset: "GOLD", decimals: 6, mintAuthority: SIGNER },
      { kind: "mint", asset: "GOLD", to: SIGNER, amount: 1_000_000_000n },
      { kind: "create-pool", assetA: "GOLD", assetB: "ASSET", feeBps: 25 },
      { kind: "add-liquidity", assetA: "GOLD", assetB: "ASSET", amountA: 500_000_000n, amountB: 2_000_000n, minShares: 0n },
      { kind: "transfer", asset: "GOLD", to: ALICE, amount: 10_000n },
    ]);
  });

  it("a multi-statement script keeps statement order and reports statement positions", () => {
    const source = "create asset USDC decimals 6\n\n  mint 5 USDC to alice\ntransfer 1 USDC to bob";
    expect(compile(source).map((instruction) => instruction.kind)).toEqual(["create-asset", "mint", "transfer"]);
    expect(parseScript(source, ctx).map(({ line, column }) => [line, column])).toEqual([
      [1, 1],
      [3, 3],
      [4, 1],
    ]);
  });
});

describe("script: lexical details", () => {
  it("keywords, me, none and the 0x prefix are case-insensitive; hex accounts are lowercased", () => {
    expect(one("CREATE Asset USDC DECIMALS 6 AUTHORITY None")).toEqual({ kind: "create-asset", asset: "USDC", decimals: 6, mintAuthority: null });
    expect(one("Transfer 1 USDC FROM Me TO ME")).toEqual({ kind: "transfer", asset: "USDC", to: SIGNER, amount: 1n });
    expect(one(`MINT 1 USDC TO 0X${ALICE.toUpperCase()}`)).toEqual({ kind: "mint", asset: "USDC", to: ALICE, amount: 1n });
    expect(one("SWAP 1 A FOR B MIN 0")).toEqual({ kind: "swap", assetIn: "A", assetOut: "B", amountIn: 1n, minOut: 0n });
  });

  it("comments, blank lines, tabs and CRLF line ends are ignored", () => {
    const source = "# setup\r\n\r\n\tmint 5 USDC to alice   # pay alice\r\n   \r\n# done\r\nburn 1 USDC#tail\n";
    expect(compile(source)).toEqual([
      { kind: "mint", asset: "USDC", to: ALICE, amount: 5n },
      { kind: "burn", asset: "USDC", amount: 1n },
    ]);
  });

  it("a comment may hold any character", () => {
    expect(compile("# ☃ \u0007 😀\nburn 1 A")).toHaveLength(1);
  });

  it("amounts take _ separators and leading zeros, up to 2^64-1", () => {
    expect(one("burn 1_000_000 A")).toMatchObject({ amount: 1_000_000n });
    expect(one("burn 007 A")).toMatchObject({ amount: 7n });
    expect(one("burn 0 A")).toMatchObject({ amount: 0n });
    expect(one(`burn ${U64_MAX} A`)).toMatchObject({ amount: U64_MAX });
    expect(one(`burn 0000000000000000000000${U64_MAX} A`)).toMatchObject({ amount: U64_MAX });
  });

  it(`accepts exactly ${INSTRUCTIONS_PER_TX_MAX} statements`, () => {
    expect(compile(Array.from({ length: INSTRUCTIONS_PER_TX_MAX }, (_, i) => `burn ${i} A`).join("\n"))).toHaveLength(INSTRUCTIONS_PER_TX_MAX);
  });

  it("a leading byte-order mark is skipped without a column", () => {
    expectError("\uFEFFburn x A", 1, 6, `expected an amount, found "x"`);
  });
});

describe("script: errors name the first problem at its exact position", () => {
  it("an amount that is not a number", () => {
    expectError("burn 1 A\ntransfer ten USDC to bob", 2, 10, `expected an amount, found "ten"`);
    expectError("burn 1,000 A", 1, 6, `expected an amount, found "1,000"`);
    expectError("burn 1__0 A", 1, 6, `expected an amount, found "1__0"`);
    expectError("burn _1 A", 1, 6, `expected an amount, found "_1"`);
    expectError("burn -1 A", 1, 6, `expected an amount, found "-1"`);
  });

  it("an amount over 2^64-1", () => {
    expectError(`mint ${U64_MAX + 1n} A to me`, 1, 6, "amount exceeds 2^64-1");
    expectError(`swap 1 A for B min ${"9".repeat(500)}`, 1, 20, "amount exceeds 2^64-1");
  });

  it("a lower-case or malformed asset symbol, at the symbol's column", () => {
    expectError("mint 5 usdc to alice", 1, 8, `asset symbols are upper case: expected "USDC", found "usdc"`);
    expectError("burn 1 A\n\n  swap 5 USDC for gold", 3, 19, `asset symbols are upper case: expected "GOLD", found "gold"`);
    const shape = "(a letter, then at most 11 letters or digits, upper case)";
    expectError("burn 1 1USD", 1, 8, `expected an asset symbol ${shape}, found "1USD"`);
    expectError("burn 1 ABCDEFGHIJKLM", 1, 8, `expected an asset symbol ${shape}, found "ABCDEFGHIJKLM"`);
  });

  it("the empty script, also when it is only comments and blank lines", () => {
    expectError("", 1, 1, "the script has no statements");
    expectError("\n\n   # nothing here\n\t\n", 1, 1, "the script has no statements");
  });

  it("too many statements, at the first one over the limit", () => {
    const lines = Array.from({ length: INSTRUCTIONS_PER_TX_MAX + 2 }, (_, i) => `  burn ${i} A`);
    lines.splice(3, 0, "# a comment", "");
    expectError(lines.join("\n"), INSTRUCTIONS_PER_TX_MAX + 3, 3, `too many statements: a transaction holds at most ${INSTRUCTIONS_PER_TX_MAX} instructions`);
  });

  it("an unknown statement word lists the statement words", () => {
    expectError("burn 1 A\n   send 5 USDC to bob", 2, 4, `unknown statement "send": a statement starts with create, mint, transfer, burn, set, add, remove or swap`);
    expectError("create token USDC", 1, 8, `expected "asset" or "pool" after "create", found "token"`);
    expectError("add 1 A 2 B", 1, 5, `expected "liquidity" after "add", found "1"`);
  });

  it("trailing tokens after a complete statement", () => {
    expectError("mint 5 USDC to alice bob", 1, 22, `unexpected "bob" after a complete statement`);
    expectError("burn 5 USDC frm me", 1, 13, `unexpected "frm": expected "from" or the end of the line`);
    expectError("swap 1 A for B min 1 B", 1, 22, `unexpected "B" after a complete statement`);
    expectError("create pool A B fee 5", 1, 22, `expected "bps", found the end of the script`);
  });

  it("a missing word names the end of the line, at the comment when there is one", () => {
    expectError("mint 5 USDC to\nburn 1 A", 1, 15, "expected an account, found the end of the line");
    expectError("mint 5 USDC to   # who?\nburn 1 A", 1, 18, "expected an account, found the end of the line");
    expectError("transfer 5 USDC bob", 1, 17, `expected "from" or "to", found "bob"`);
  });

  it("unknown names and malformed hex accounts", () => {
    expectError("transfer 5 USDC to carol", 1, 20, `unknown account "carol"`);
    expectError("transfer 5 USDC to Alice", 1, 20, `unknown account "Alice"`);
    expectError("mint 5 USDC to 0x1234", 1, 16, `expected "0x" and 64 hex digits for an account, found "0x1234"`);
    expectError(`mint 5 USDC to 0x${"g".repeat(64)}`, 1, 16, `expected "0x" and 64 hex digits for an account, found "0x${"g".repeat(64)}"`);
  });

  it("a from clause must name the signer, reported at the from account", () => {
    expectError("transfer 5 USDC from alice to bob", 1, 22, "a script can only move the signer's funds");
    expectError("burn 1 A\nburn 5 USDC from 0x" + BOB, 2, 18, "a script can only move the signer's funds");
    // The from account is checked before a later problem on the same line.
    expectError("transfer 5 USDC from alice to carol", 1, 22, "a script can only move the signer's funds");
  });

  it("decimals and fee bounds", () => {
    expectError(`create asset A decimals ${DECIMALS_MAX + 1}`, 1, 25, `decimals must be at most ${DECIMALS_MAX}, found ${DECIMALS_MAX + 1}`);
    expectError("create asset A decimals six", 1, 25, `expected the number of decimals, found "six"`);
    expectError(`create pool A B fee ${POOL_FEE_BPS_MAX + 1} bps`, 1, 21, `the fee must be at most ${POOL_FEE_BPS_MAX}, found ${POOL_FEE_BPS_MAX + 1}`);
  });

  it("pools need two different assets, and remove-liquidity mins name the pool's assets", () => {
    expectError("create pool USDC USDC", 1, 18, `a pool needs two different assets, found "USDC" twice`);
    expectError("add liquidity 1 A 2 A", 1, 21, `a pool needs two different assets, found "A" twice`);
    expectError("swap 1 A for A", 1, 14, `a swap needs two different assets, found "A" twice`);
    expectError("remove liquidity 4 shares A B min 1 C 2 B", 1, 37, `expected "A" or "B" (an asset of the pool), found "C"`);
    expectError("remove liquidity 4 shares A B min 1 B 2 B", 1, 41, `expected "A" (the pool's other asset), found "B"`);
  });

  it("a character outside printable ASCII, but only once the earlier tokens are fine", () => {
    expectError("mint 5 USDC to alice ☃", 1, 22, `unexpected character "☃" (U+2603)`);
    expectError("burn 5 😀 A", 1, 8, `unexpected character "😀" (U+1F600)`);
    expectError("burn 5\u0000 A", 1, 7, "unexpected character U+0000");
    expectError("burn ten ☃", 1, 6, `expected an amount, found "ten"`);
  });

  it("an invalid signer in the context is a caller bug, not a ScriptError", () => {
    expect(() => compileScript("burn 1 A", { signer: "ME", resolve: () => undefined })).toThrow(RangeError);
  });
});

describe("script: formatInstruction", () => {
  it("writes every clause out, with 0x accounts or the given names", () => {
    const transfer: Instruction = { kind: "transfer", asset: "USDC", to: ALICE, amount: 5n };
    expect(formatInstruction(transfer)).toBe(`transfer 5 USDC to 0x${ALICE}`);
    expect(formatInstruction(transfer, () => "alice")).toBe("transfer 5 USDC to alice");
    expect(formatInstruction({ kind: "create-asset", asset: "A", decimals: 2, mintAuthority: null })).toBe("create asset A decimals 2 authority none");
    expect(formatInstruction({ kind: "remove-liquidity", assetA: "B", assetB: "A", shares: 3n, minA: 1n, minB: 2n })).toBe(
      "remove liquidity 3 shares B A min 1 B 2 A",
    );
    expect(formatInstruction({ kind: "swap", assetIn: "A", assetOut: "B", amountIn: 9n, minOut: 0n })).toBe("swap 9 A for B min 0");
  });
});

const symbolArb = fc.stringMatching(ASSET_SYMBOL_PATTERN);
const symbolPairArb = fc.uniqueArray(symbolArb, { minLength: 2, maxLength: 2 }).map(([a, b]) => [a!, b!] as const);
const accountArb = fc.oneof(fc.constantFrom(SIGNER, ALICE, BOB), fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes).toString("hex")));
const amountArb = fc.oneof(fc.bigInt({ min: 0n, max: U64_MAX }), fc.constantFrom(0n, 1n, U64_MAX));

const instructionArb: fc.Arbitrary<Instruction> = fc.oneof(
  fc.record({ kind: fc.constant("create-asset" as const), asset: symbolArb, decimals: fc.integer({ min: 0, max: DECIMALS_MAX }), mintAuthority: fc.option(accountArb, { nil: null }) }),
  fc.record({ kind: fc.constant("mint" as const), asset: symbolArb, to: accountArb, amount: amountArb }),
  fc.record({ kind: fc.constant("transfer" as const), asset: symbolArb, to: accountArb, amount: amountArb }),
  fc.record({ kind: fc.constant("burn" as const), asset: symbolArb, amount: amountArb }),
  fc.record({ kind: fc.constant("set-mint-authority" as const), asset: symbolArb, authority: fc.option(accountArb, { nil: null }) }),
  fc.tuple(symbolPairArb, fc.integer({ min: 0, max: POOL_FEE_BPS_MAX })).map(([[assetA, assetB], feeBps]): Instruction => ({ kind: "create-pool", assetA, assetB, feeBps })),
  fc
    .tuple(symbolPairArb, amountArb, amountArb, amountArb)
    .map(([[assetA, assetB], amountA, amountB, minShares]): Instruction => ({ kind: "add-liquidity", assetA, assetB, amountA, amountB, minShares })),
  fc
    .tuple(symbolPairArb, amountArb, amountArb, amountArb)
    .map(([[assetA, assetB], shares, minA, minB]): Instruction => ({ kind: "remove-liquidity", assetA, assetB, shares, minA, minB })),
  fc.tuple(symbolPairArb, amountArb, amountArb).map(([[assetIn, assetOut], amountIn, minOut]): Instruction => ({ kind: "swap", assetIn, assetOut, amountIn, minOut })),
);

/** Names for the round trip with `nameOf`: known accounts by name or `me`, others in hex. */
const nameOf = (account: AccountId): string => {
  if (account === SIGNER) return "me";
  for (const [name, id] of NAMES) if (id === account) return name;
  return `0x${account.toUpperCase()}`;
};

/** Checks the fuzz contract: instructions within the limit, or a well-formed ScriptError. */
function compilesOrThrowsScriptError(source: string): void {
  let instructions: Instruction[];
  try {
    instructions = compile(source);
  } catch (error) {
    expect(error).toBeInstanceOf(ScriptError);
    const scriptError = error as ScriptError;
    expect(scriptError.line).toBeGreaterThanOrEqual(1);
    expect(scriptError.column).toBeGreaterThanOrEqual(1);
    expect(scriptError.message.startsWith(`line ${scriptError.line}, column ${scriptError.column}: `)).toBe(true);
    return;
  }
  expect(instructions.length).toBeGreaterThanOrEqual(1);
  expect(instructions.length).toBeLessThanOrEqual(INSTRUCTIONS_PER_TX_MAX);
}

describe("script: properties", () => {
  it("property: compileScript(formatInstruction(x) joined by newlines) gives back x", () => {
    fc.assert(
      fc.property(fc.array(instructionArb, { minLength: 1, maxLength: INSTRUCTIONS_PER_TX_MAX }), fc.boolean(), (instructions, useNames) => {
        const source = instructions.map((instruction) => formatInstruction(instruction, useNames ? nameOf : undefined)).join("\n");
        expect(compile(source)).toEqual(instructions);
      }),
      { numRuns: 200 },
    );
  });

  it("property: any string compiles or throws a ScriptError", () => {
    // Mostly ASCII (controls included) so that words and lines form, plus any code point, lone surrogates included.
    const character = fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: 0, max: 0x7f }).map((code) => String.fromCharCode(code)) },
      { weight: 2, arbitrary: fc.constantFrom(" ", "\n", "#", "_", "0x") },
      { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0x10ffff }).map((code) => String.fromCodePoint(code)) },
    );
    fc.assert(fc.property(fc.string({ unit: character, maxLength: 300 }), compilesOrThrowsScriptError), { numRuns: 300 });
  });

  it("property: any soup of script words compiles or throws a ScriptError", () => {
    const words = [
      ...["create", "asset", "pool", "decimals", "authority", "none", "mint", "transfer", "burn", "from", "to", "set", "fee", "bps"],
      ...["add", "remove", "liquidity", "shares", "min", "swap", "for", "me", "alice", "carol", "A", "B", "usdc", "0", "18", "1_000"],
      ...["99999999999999999999", `0x${BOB}`, "0x12", "#", "\n", "\t", "☃", "1__0"],
    ];
    const soup = fc.array(fc.constantFrom(...words), { maxLength: 40 }).map((tokens) => tokens.join(" "));
    fc.assert(fc.property(soup, compilesOrThrowsScriptError), { numRuns: 500 });
  });
});

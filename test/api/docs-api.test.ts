/**
 * `docs/api.md` stays true to the built package (`dist`, as a user imports it):
 * every name a heading documents and every name an example imports is
 * exported from the entry its section names (`asset-sim` or
 * `asset-sim/arbitraries`), every export of each entry is documented there
 * and has a docstring, the values are really there at run time, every `ts`
 * example compiles against the package's types, the doc's copy of the
 * report's shape has the report's fields, and the table of event catalogues
 * lists exactly the events each catalogue declares.
 * Needs the build (`npm test` builds first).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/scenario.js";

type Entry = "asset-sim" | "asset-sim/arbitraries";
const ENTRIES: readonly Entry[] = ["asset-sim", "asset-sim/arbitraries"];
const DOC = readFileSync(join(ROOT, "docs/api.md"), "utf8");
const MANIFEST = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { exports: Record<string, { types: string; default: string }> };
const entryFiles = (entry: Entry): { types: string; default: string } => {
  const target = MANIFEST.exports[entry === "asset-sim" ? "." : "./arbitraries"]!;
  return { types: join(ROOT, target.types), default: join(ROOT, target.default) };
};

/** The parts of a markdown text: its fenced code blocks (with their language) and its prose. */
export function markdownParts(text: string): { code: { lang: string; body: string }[]; prose: string } {
  const code: { lang: string; body: string }[] = [];
  const prose = text.replace(/^```(\w*)\n([\s\S]*?)^```$/gm, (_all, lang: string, body: string) => {
    code.push({ lang, body });
    return "";
  });
  return { code, prose };
}

/** The doc split by entry: the text of `## ... \`asset-sim\`` and of `## ... \`asset-sim/arbitraries\``. */
export function sectionsByEntry(text: string): Map<Entry, string> {
  const out = new Map<Entry, string>();
  const parts = text.split(/^## /m).slice(1);
  for (const part of parts) {
    const heading = part.slice(0, part.indexOf("\n"));
    const entry = ENTRIES.find((e) => heading.includes(`\`${e}\``));
    if (entry !== undefined) out.set(entry, part);
  }
  return out;
}

/** Names a heading documents: every identifier right after a backtick in a `###`/`####` heading. */
export function headingNames(section: string): string[] {
  return section
    .split("\n")
    .filter((line) => /^#{3,4} /.test(line))
    .flatMap((line) => [...line.matchAll(/`([A-Za-z_$][\w$]*)/g)].map((m) => m[1]!));
}

/** Names imported from an entry in code: `import { a, type B, c as d } from "asset-sim"`. */
export function importedNames(code: string): { entry: Entry; name: string }[] {
  return [...code.matchAll(/import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+"(asset-sim(?:\/arbitraries)?)"/g)].flatMap((m) =>
    m[1]!
      .split(",")
      .map((s) => s.trim().replace(/^type\s+/, "").split(/\s+as\s+/)[0]!)
      .filter((s) => s !== "")
      .map((name) => ({ entry: m[2] as Entry, name })),
  );
}

/** Names mentioned in a text as code: an identifier right after a backtick, or imported in a code block. */
function mentionedNames(section: string): Set<string> {
  const { code } = markdownParts(section);
  return new Set([...[...section.matchAll(/`([A-Za-z_$][\w$]*)/g)].map((m) => m[1]!), ...code.flatMap((c) => importedNames(c.body).map((i) => i.name))]);
}

interface ExportInfo {
  readonly isValue: boolean;
  readonly doc: string;
}

/**
 * One TypeScript program over the entries' declaration files and the doc's
 * examples, each example a module in `docs/` (so `asset-sim` resolves to this
 * package through its `exports`, as in a user's project).
 */
function compile(examples: readonly string[]): { exports: Map<Entry, Map<string, ExportInfo>>; exampleErrors: string[]; reportShape: { documented: string[]; actual: string[] } } {
  const entries = ENTRIES.map((e) => entryFiles(e).types);
  const names = examples.map((_, i) => join(ROOT, "docs", `__api_example_${i}.ts`));
  const options: ts.CompilerOptions = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, lib: ["lib.es2022.d.ts"], strict: true, noImplicitReturns: true, skipLibCheck: true, noEmit: true, types: ["node"] };
  const host = ts.createCompilerHost(options);
  const virtual = new Map(names.map((n, i) => [n, examples[i]!]));
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => virtual.has(f) || fileExists.call(host, f);
  host.readFile = (f) => virtual.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, ...rest) => (virtual.has(f) ? ts.createSourceFile(f, virtual.get(f)!, lang) : getSourceFile.call(host, f, lang, ...rest));
  const program = ts.createProgram([...entries, ...names], options, host);
  const checker = program.getTypeChecker();

  const exports = new Map<Entry, Map<string, ExportInfo>>();
  ENTRIES.forEach((entry, i) => {
    const module = checker.getSymbolAtLocation(program.getSourceFile(entries[i]!)!)!;
    const found = new Map<string, ExportInfo>();
    for (const symbol of checker.getExportsOfModule(module)) {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      found.set(symbol.getName(), { isValue: (target.flags & ts.SymbolFlags.Value) !== 0, doc: ts.displayPartsToString(target.getDocumentationComment(checker)).trim() });
    }
    exports.set(entry, found);
  });

  const exampleErrors = names.flatMap((name) => {
    const source = program.getSourceFile(name)!;
    return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)].map(
      (d) => `${name.replace(ROOT, "")}:${source.getLineAndCharacterOfPosition(d.start ?? 0).line + 1} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`,
    );
  });
  // The doc's copy of the report's shape (`interface RunReportShape` in an example) has the fields of the real one.
  const reportFields = (type: ts.Type): string[] => type.getProperties().map((p) => p.getName()).sort();
  const copy = names.flatMap((name) => program.getSourceFile(name)!.statements.filter((st): st is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(st) && st.name.text === "RunReportShape"));
  const real = checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(entries[0]!)!)!).find((sym) => sym.getName() === "RunReport");
  const reportShape = {
    documented: copy.length === 1 ? reportFields(checker.getTypeAtLocation(copy[0]!)) : [],
    actual: real === undefined ? [] : reportFields(checker.getDeclaredTypeOfSymbol(checker.getAliasedSymbol(real))),
  };
  return { exports, exampleErrors, reportShape };
}

/** The doc's `ts` examples, then one more broken on purpose (it imports a name the package does not export). */
const EXAMPLES = markdownParts(DOC).code.filter((c) => c.lang === "ts").map((c) => c.body);
const BROKEN_EXAMPLE = 'import { runScenarioTwice } from "asset-sim";\nrunScenarioTwice();\n';

describe("docs/api.md against the built package", () => {
  let exports: Map<Entry, Map<string, ExportInfo>>;
  let exampleErrors: string[];
  let reportShape: { documented: string[]; actual: string[] };
  const sections = sectionsByEntry(DOC);

  beforeAll(() => {
    for (const entry of ENTRIES) expect(existsSync(entryFiles(entry).types), `${entryFiles(entry).types} (run npm run build)`).toBe(true);
    ({ exports, exampleErrors, reportShape } = compile([...EXAMPLES, BROKEN_EXAMPLE]));
  });

  it("the parsers find the doc's parts (and would catch a name that is not exported)", () => {
    expect([...sections.keys()]).toEqual(ENTRIES);
    expect(headingNames("#### `runScenario(scenario: Scenario)`\n#### Kinds: `A`, `B`\ntext `C`")).toEqual(["runScenario", "A", "B"]);
    expect(importedNames('import { a, type B, c as d } from "asset-sim";\nimport { e } from "asset-sim/arbitraries";\nimport { f } from "fast-check";')).toEqual([
      { entry: "asset-sim", name: "a" },
      { entry: "asset-sim", name: "B" },
      { entry: "asset-sim", name: "c" },
      { entry: "asset-sim/arbitraries", name: "e" },
    ]);
    // A made-up name in a heading is not an export: the checks below would fail on it.
    expect(exports.get("asset-sim")!.has("runScenarioTwice")).toBe(false);
  });

  it("every name a heading documents is exported from its section's entry", () => {
    for (const entry of ENTRIES) {
      const missing = headingNames(sections.get(entry)!).filter((name) => !exports.get(entry)!.has(name));
      expect(missing, `documented under ${entry} but not exported from it`).toEqual([]);
    }
  });

  it("every name an example imports is exported from the entry it imports", () => {
    const imports = markdownParts(DOC).code.flatMap((c) => importedNames(c.body));
    expect(imports.length).toBeGreaterThan(20);
    expect(imports.filter((i) => !exports.get(i.entry)!.has(i.name))).toEqual([]);
  });

  it("every export of each entry is documented in its section, with a docstring", () => {
    for (const entry of ENTRIES) {
      const mentioned = mentionedNames(sections.get(entry)!);
      const undocumented = [...exports.get(entry)!.keys()].filter((name) => !mentioned.has(name));
      expect(undocumented, `exported from ${entry} but not in docs/api.md`).toEqual([]);
      const noDocstring = [...exports.get(entry)!].filter(([, info]) => info.doc === "").map(([name]) => name);
      expect(noDocstring, `exported from ${entry} without a docstring`).toEqual([]);
    }
  });

  it("every value export is there at run time in the built entry", async () => {
    for (const entry of ENTRIES) {
      const module = (await import(pathToFileURL(entryFiles(entry).default).href)) as Record<string, unknown>;
      const values = [...exports.get(entry)!].filter(([, info]) => info.isValue).map(([name]) => name);
      expect(values.length).toBeGreaterThan(5);
      expect(values.filter((name) => module[name] === undefined)).toEqual([]);
    }
  });

  it("every ts example compiles against the package's types", () => {
    expect(EXAMPLES.length).toBeGreaterThan(10);
    // The broken example's one error shows the package resolved and the examples were checked.
    expect(exampleErrors).toHaveLength(1);
    expect(exampleErrors[0]).toMatch(new RegExp(`__api_example_${EXAMPLES.length}\\.ts:1 .*has no exported member.*runScenarioTwice`));
  });

  it("the doc's shape of RunReport has exactly RunReport's fields", () => {
    expect(reportShape.actual).toContain("traceDigest");
    expect(reportShape.documented).toEqual(reportShape.actual);
  });

  it("the table of event catalogues lists exactly each catalogue's events", async () => {
    const module = (await import(pathToFileURL(entryFiles("asset-sim").default).href)) as Record<string, { events: string[] }>;
    const rows = DOC.split("\n").filter((line) => /^\| `[A-Z_]+_EVENTS`/.test(line));
    expect(rows.map((r) => /`([A-Z_]+_EVENTS)`/.exec(r)![1])).toEqual(["SIMULATOR_EVENTS", "VALIDATOR_EVENTS", "POSTING_EVENTS"]);
    for (const row of rows) {
      const [, catalogue, , events] = row.split("|").map((c) => c.trim());
      const name = /`([A-Z_]+_EVENTS)`/.exec(catalogue!)![1]!;
      expect([...events!.matchAll(/`([^`]+)`/g)].map((m) => m[1]), name).toEqual(module[name]!.events);
    }
  });
});

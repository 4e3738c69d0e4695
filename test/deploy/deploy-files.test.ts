/**
 * The shipped deployment examples, checked without Docker, Kubernetes or
 * GitHub (none is available here): `deploy/Dockerfile` by a small parser
 * (base image, every file it copies exists, production install, the
 * `asset-sim explore` entrypoint), `deploy/k8s/*.yaml` and
 * `deploy/github/explore-sweep.yml` parsed with the `yaml` library (an Indexed
 * Job whose `ASSET_SIM_SHARD_COUNT` equals its completions; a matrix that sets
 * the variables `--shard auto` reads; artifacts uploaded and merged), and
 * every command line in them parsed by the CLI's own commander program in
 * dry form (a hook stops before the action runs), so a renamed or misspelt
 * flag fails here. Each checker is shown to catch a broken copy built in the test.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse, parseAllDocuments } from "yaml";
import { cliProgram } from "../../src/cli/main.js";
import { SHARD_ENV } from "../../src/explore/shard-env.js";
import { ROOT } from "../helpers/scenario.js";

const DOCKERFILE = join(ROOT, "deploy/Dockerfile");
const EXPLORE_JOB = join(ROOT, "deploy/k8s/explore-job.yaml");
const MERGE_JOB = join(ROOT, "deploy/k8s/merge-job.yaml");
const WORKFLOW = join(ROOT, "deploy/github/explore-sweep.yml");

/** A command line as the CLI parses it: the command, its arguments and options (nothing run). */
interface ParsedCommand {
  command: string;
  args: string[];
  options: Record<string, unknown>;
}

class DryRun extends Error {}

/**
 * Parses `asset-sim ARGS...` with the real program and stops before the action.
 * @returns the parse, or the error commander printed (unknown option, missing argument...)
 */
async function dryParse(args: readonly string[]): Promise<ParsedCommand | { error: string }> {
  let err = "";
  let parsed: ParsedCommand | undefined;
  const program = cliProgram({ out: () => {}, err: (t) => (err += t) }, () => {});
  program.hook("preAction", (_program, action) => {
    parsed = { command: action.name(), args: action.args, options: action.opts() };
    throw new DryRun();
  });
  try {
    await program.parseAsync(["node", "asset-sim", ...args]);
  } catch (error) {
    if (!(error instanceof DryRun)) return { error: err || String(error) };
  }
  return parsed ?? { error: "no action reached" };
}

/** Shell words of a command line up to its first redirection, pipe or separator (quotes removed; no expansion). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  for (const match of line.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) {
    const word = match[1] ?? match[2] ?? match[3]!;
    if (match[3] !== undefined && /^(>|>>|\||&&|;|2>)/.test(word)) break;
    words.push(word);
  }
  return words;
}

// ---------------------------------------------------------------------------------------------------------------
// Dockerfile

interface Instruction {
  keyword: string;
  rest: string;
}

/** The Dockerfile's instructions: continuation lines joined, comments and blank lines dropped. */
function dockerInstructions(text: string): Instruction[] {
  const joined = text.split("\n").filter((l) => !/^\s*#/.test(l)).join("\n").replace(/\\\n/g, " ");
  return joined
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "")
    .map((l) => {
      const space = l.search(/\s/);
      return { keyword: l.slice(0, space).toUpperCase(), rest: l.slice(space + 1).trim() };
    });
}

/** The Dockerfile's entrypoint (exec form). */
function entrypointOf(text: string): string[] {
  const entry = dockerInstructions(text).filter((i) => i.keyword === "ENTRYPOINT").at(-1);
  return entry === undefined ? [] : (JSON.parse(entry.rest) as string[]);
}

/** What is wrong with a Dockerfile for the explorer, relative to the repository root `root` (the build context). */
function dockerfileProblems(text: string, root: string): string[] {
  const problems: string[] = [];
  const instructions = dockerInstructions(text);
  const stages: string[] = [];
  let finalStage: Instruction[] = [];
  for (const i of instructions) {
    if (i.keyword === "FROM") {
      const [image, as, name] = i.rest.split(/\s+/);
      if (image !== "node:20-bookworm-slim") problems.push(`FROM ${image}: expected node:20-bookworm-slim`);
      if (as?.toUpperCase() === "AS" && name !== undefined) stages.push(name);
      finalStage = [];
    }
    finalStage.push(i);
    if (i.keyword === "COPY" || i.keyword === "ADD") {
      const words = i.rest.split(/\s+/);
      const from = words.find((w) => w.startsWith("--from="));
      const paths = words.filter((w) => !w.startsWith("--"));
      const sources = paths.slice(0, -1);
      if (sources.length === 0) problems.push(`${i.keyword} ${i.rest}: no source`);
      if (from !== undefined) {
        if (!stages.includes(from.slice("--from=".length))) problems.push(`${i.keyword} ${i.rest}: no stage ${from.slice(7)}`);
      } else {
        for (const source of sources) if (!existsSync(join(root, source))) problems.push(`${i.keyword} ${source}: no such file in the build context`);
      }
    }
  }
  if (instructions[0]?.keyword !== "FROM") problems.push("the first instruction is not FROM");
  const runs = finalStage.filter((i) => i.keyword === "RUN").map((i) => i.rest);
  if (!runs.some((r) => /\bnpm ci\b.*--omit=dev/.test(r))) problems.push("the final stage does not install with npm ci --omit=dev");
  const copied = finalStage.filter((i) => i.keyword === "COPY").map((i) => i.rest);
  for (const needed of ["dist", "bin", "sim-scenarios", "programs/asset_rollup/asset_rollup.so"]) {
    if (!copied.some((c) => c.split(/\s+/).some((w) => w === needed || w.endsWith(`/${needed}`)))) problems.push(`the final stage does not copy ${needed}`);
  }
  const entry = entrypointOf(text);
  if (JSON.stringify(entry) !== JSON.stringify(["asset-sim", "explore"])) problems.push(`ENTRYPOINT ${JSON.stringify(entry)}: expected ["asset-sim","explore"]`);
  if (!runs.some((r) => /ln -s \/app\/bin\/asset-sim\.js \/usr\/local\/bin\/asset-sim/.test(r))) problems.push("asset-sim is not on the PATH (ln -s /app/bin/asset-sim.js /usr/local/bin/asset-sim)");
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// Kubernetes

/** A parsed YAML document: its shape is what the checkers check. */
type Doc = Record<string, any>;

/** What is wrong with the Indexed Job (and the claim it mounts), its command run through the image's entrypoint. */
async function exploreJobProblems(docs: readonly Doc[], entrypoint: readonly string[]): Promise<string[]> {
  const problems: string[] = [];
  const job = docs.find((d) => d.kind === "Job");
  if (job === undefined) return ["no Job"];
  const spec = job.spec ?? {};
  if (spec.completionMode !== "Indexed") problems.push(`completionMode ${spec.completionMode}: expected Indexed (JOB_COMPLETION_INDEX is set only then)`);
  if (!Number.isInteger(spec.completions) || spec.completions < 1) problems.push(`completions ${spec.completions}: expected a positive integer`);
  if (!Number.isInteger(spec.parallelism) || spec.parallelism < 1 || spec.parallelism > spec.completions) problems.push(`parallelism ${spec.parallelism}: expected 1..completions`);
  const pod = spec.template?.spec ?? {};
  if (pod.restartPolicy !== "Never") problems.push(`restartPolicy ${pod.restartPolicy}: expected Never (a pod failure policy needs it)`);
  const containers: Doc[] = pod.containers ?? [];
  if (containers.length !== 1) return [...problems, `${containers.length} containers: expected one`];
  const container = containers[0]!;
  for (const rule of spec.podFailurePolicy?.rules ?? []) {
    if (rule.onExitCodes !== undefined && rule.onExitCodes.containerName !== container.name) problems.push(`podFailurePolicy names container ${rule.onExitCodes.containerName}, the container is ${container.name}`);
  }
  const env = new Map<string, unknown>((container.env ?? []).map((e: Doc) => [e.name, e.value]));
  if (env.get(SHARD_ENV.count) !== String(spec.completions)) problems.push(`${SHARD_ENV.count} is ${JSON.stringify(env.get(SHARD_ENV.count))}: expected "${spec.completions}", the Job's completions`);
  if (env.has(SHARD_ENV.index) || env.has(SHARD_ENV.kubernetesIndex)) problems.push("the manifest sets a shard index itself: Kubernetes sets JOB_COMPLETION_INDEX");
  const argv = [...(container.command ?? entrypoint), ...(container.args ?? [])];
  if (argv[0] !== "asset-sim") problems.push(`the container runs ${argv[0]}, not asset-sim`);
  const parsed = await dryParse(argv.slice(1));
  if ("error" in parsed) return [...problems, `the command line is not a valid asset-sim invocation: ${parsed.error}`];
  problems.push(...exploreShardProblems(parsed, mountPaths(container)));
  problems.push(...claimProblems(docs, pod));
  return problems;
}

/** What is wrong with an explore invocation meant to run one shard of a sweep and write its result under `outRoots`. */
function exploreShardProblems(parsed: ParsedCommand, outRoots: readonly string[]): string[] {
  const problems: string[] = [];
  if (parsed.command !== "explore") problems.push(`runs ${parsed.command}, not explore`);
  if (parsed.options.shard !== "auto") problems.push(`--shard ${String(parsed.options.shard)}: expected auto`);
  if (parsed.options.json !== true) problems.push("no --json: no result file to merge");
  const out = String(parsed.options.out).replace(/\/$/, "");
  if (!outRoots.some((root) => out === root || out.startsWith(`${root}/`))) problems.push(`--out ${out} is not under ${outRoots.join(" or ")}`);
  return problems;
}

function mountPaths(container: Doc): string[] {
  return (container.volumeMounts ?? []).map((m: Doc) => String(m.mountPath).replace(/\/$/, ""));
}

/** Every volume of the pod is mounted and claims a PersistentVolumeClaim defined in `docs` (or, for the merge Job, in `claims`). */
function claimProblems(docs: readonly Doc[], pod: Doc, claims: readonly Doc[] = docs): string[] {
  const problems: string[] = [];
  for (const volume of pod.volumes ?? []) {
    const claim = volume.persistentVolumeClaim?.claimName;
    if (claim === undefined) problems.push(`volume ${volume.name} is not a PersistentVolumeClaim: results would die with the pod`);
    else if (!claims.some((d) => d.kind === "PersistentVolumeClaim" && d.metadata?.name === claim)) problems.push(`volume ${volume.name} claims ${claim}, which no document defines`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------
// GitHub Actions

/** A `run:` line's `npx asset-sim ...` invocations with the workflow's expressions replaced by example values. */
function asSimInvocations(run: string, values: Readonly<Record<string, string>>): string[][] {
  const expanded = run.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (whole, name: string) => values[name] ?? whole);
  return expanded
    .split("\n")
    .filter((l) => /\bnpx asset-sim\b/.test(l))
    .map((l) => shellWords(l.slice(l.indexOf("npx asset-sim") + "npx asset-sim".length)));
}

/** What is wrong with the sweep workflow: the matrix, the variables `--shard auto` reads, the artifacts, and its command lines. */
async function workflowProblems(workflow: Doc, path: string): Promise<string[]> {
  const problems: string[] = [];
  if (/[/\\]\.github[/\\]workflows[/\\]/.test(path)) problems.push("the example sits in .github/workflows: it would run in this project's CI");
  const explore = workflow.jobs?.explore;
  const merge = workflow.jobs?.merge;
  if (explore === undefined || merge === undefined) return [...problems, "jobs explore and merge are expected"];
  const matrix = explore.strategy?.matrix ?? {};
  const dimensions = Object.keys(matrix);
  if (dimensions.length !== 1 || !Array.isArray(matrix[dimensions[0]!]) || matrix[dimensions[0]!].length < 2) problems.push("the explore job needs a matrix of one dimension with two values or more");
  if (explore.strategy?.["fail-fast"] !== false) problems.push("fail-fast is not false: a shard that finds a bug would cancel the others");
  if (explore.env?.[SHARD_ENV.index] !== "${{ strategy.job-index }}") problems.push(`${SHARD_ENV.index} is ${JSON.stringify(explore.env?.[SHARD_ENV.index])}: expected \${{ strategy.job-index }} (0-based)`);
  if (explore.env?.[SHARD_ENV.count] !== "${{ strategy.job-total }}") problems.push(`${SHARD_ENV.count} is ${JSON.stringify(explore.env?.[SHARD_ENV.count])}: expected \${{ strategy.job-total }}`);
  const values: Record<string, string> = { "matrix.shard": String(matrix[dimensions[0] ?? ""]?.[0] ?? 1) };
  for (const [name, input] of Object.entries(workflow.on?.workflow_dispatch?.inputs ?? {})) values[`inputs.${name}`] = String((input as Doc).default);
  const steps: Doc[] = explore.steps ?? [];
  const upload = steps.find((s) => String(s.uses ?? "").startsWith("actions/upload-artifact@"));
  if (upload === undefined) return [...problems, "the explore job uploads no artifact"];
  if (!/always\(\)/.test(String(upload.if))) problems.push("the upload does not run when explore failed (if: always()): the failures' seed files would be lost");
  const uploadPath = String(upload.with?.path ?? "").replace(/\/$/, "");
  const invocations = steps.flatMap((s) => (typeof s.run === "string" ? asSimInvocations(s.run, values) : []));
  if (invocations.length !== 1) problems.push(`${invocations.length} asset-sim invocations in the explore job: expected one`);
  for (const argv of invocations) {
    const parsed = await dryParse(argv);
    if ("error" in parsed) problems.push(`not a valid asset-sim invocation (${argv.join(" ")}): ${parsed.error}`);
    else problems.push(...exploreShardProblems(parsed, [uploadPath]));
  }
  if (merge.needs !== "explore" && !(Array.isArray(merge.needs) && merge.needs.includes("explore"))) problems.push("the merge job does not need explore");
  if (!/always\(\)/.test(String(merge.if))) problems.push("the merge job does not run when a shard failed (if: always())");
  const download = (merge.steps ?? []).find((s: Doc) => String(s.uses ?? "").startsWith("actions/download-artifact@"));
  const uploadName = String(upload.with?.name ?? "");
  const pattern = String(download?.with?.pattern ?? "");
  const patternRe = new RegExp(`^${pattern.replace(/[.+?^$()[\]{}|\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
  if (download === undefined || !patternRe.test(uploadName.replace(/\$\{\{[^}]*\}\}/g, "1"))) problems.push(`the merge job does not download the shards' artifacts (${uploadName} vs pattern ${pattern})`);
  const mergeRuns = (merge.steps ?? []).flatMap((s: Doc) => (typeof s.run === "string" ? asSimInvocations(s.run, values) : []));
  if (mergeRuns.length !== 1) problems.push(`${mergeRuns.length} asset-sim invocations in the merge job: expected one`);
  for (const argv of mergeRuns) {
    const parsed = await dryParse(argv);
    if ("error" in parsed) problems.push(`not a valid asset-sim invocation (${argv.join(" ")}): ${parsed.error}`);
    else if (parsed.command !== "merge" || !parsed.args.includes(String(download?.with?.path))) problems.push(`the merge job runs ${argv.join(" ")}, not a merge of ${download?.with?.path}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------------------------

const dockerfile = readFileSync(DOCKERFILE, "utf8");
const exploreDocs = parseAllDocuments(readFileSync(EXPLORE_JOB, "utf8")).map((d) => d.toJS() as Doc);
const mergeDocs = parseAllDocuments(readFileSync(MERGE_JOB, "utf8")).map((d) => d.toJS() as Doc);
const workflow = parse(readFileSync(WORKFLOW, "utf8")) as Doc;

describe("dry parsing with the CLI's own program", () => {
  it("accepts a valid invocation without running it and reports a misspelt flag", async () => {
    expect(await dryParse(["explore", "quickstart", "--seeds", "8", "--shard", "auto", "--json"])).toMatchObject({ command: "explore", args: ["quickstart"], options: { seeds: "8", shard: "auto", json: true } });
    expect(await dryParse(["merge", "a", "b", "-o", "m.json"])).toMatchObject({ command: "merge", args: ["a", "b"], options: { output: "m.json" } });
    expect(await dryParse(["explore", "quickstart", "--shards", "auto"])).toEqual({ error: "error: unknown option '--shards'\n(Did you mean --shard?)" });
    expect(await dryParse(["merge"])).toEqual({ error: "error: missing required argument 'dirs'" });
  });
});

describe("deploy/Dockerfile", () => {
  it("builds from node:20-bookworm-slim, copies only files that exist, installs production dependencies, runs asset-sim explore", () => {
    expect(dockerfileProblems(dockerfile, ROOT)).toEqual([]);
  });

  it("the checker catches a copied file that does not exist, another base image, a dev install and another entrypoint", () => {
    const broken = dockerfile
      .replace("COPY bin ./bin", "COPY bin ./bin\nCOPY programs/asset_rollup/asset_rollup_v2.so ./programs/")
      .replace(/FROM node:20-bookworm-slim\n/, "FROM node:18-slim\n")
      .replace("npm ci --omit=dev", "npm ci")
      .replace('ENTRYPOINT ["asset-sim", "explore"]', 'ENTRYPOINT ["asset-sim", "run"]');
    expect(dockerfileProblems(broken, ROOT)).toEqual([
      "FROM node:18-slim: expected node:20-bookworm-slim",
      "COPY programs/asset_rollup/asset_rollup_v2.so: no such file in the build context",
      "the final stage does not install with npm ci --omit=dev",
      'ENTRYPOINT ["asset-sim","run"]: expected ["asset-sim","explore"]',
    ]);
  });
});

describe("deploy/k8s", () => {
  it("explore-job.yaml: an Indexed Job whose ASSET_SIM_SHARD_COUNT is its completions, running a valid explore --shard auto --json into its claim", async () => {
    expect(await exploreJobProblems(exploreDocs, entrypointOf(dockerfile))).toEqual([]);
    const job = exploreDocs.find((d) => d.kind === "Job")!;
    expect(job.spec.completionMode).toBe("Indexed");
    expect(job.spec.parallelism).toBeGreaterThan(1);
  });

  it("merge-job.yaml: a valid asset-sim merge of the folder the Indexed Job writes, on the same claim", async () => {
    const job = mergeDocs.find((d) => d.kind === "Job")!;
    const container = job.spec.template.spec.containers[0];
    const parsed = await dryParse(container.command.slice(1));
    expect(parsed).toMatchObject({ command: "merge" });
    const exploreContainer = exploreDocs.find((d) => d.kind === "Job")!.spec.template.spec.containers[0];
    const exploreOut = (await dryParse([...entrypointOf(dockerfile).slice(1), ...exploreContainer.args])) as ParsedCommand;
    expect((parsed as ParsedCommand).args).toContain(exploreOut.options.out);
    expect(claimProblems(mergeDocs, job.spec.template.spec, exploreDocs)).toEqual([]);
  });

  it("the checker catches a non-indexed Job, a count that is not the completions, a 1-based --shard, a misspelt flag and a lost volume", async () => {
    const broken = (edit: (job: Doc) => void): Doc[] => {
      const docs = structuredClone(exploreDocs);
      edit(docs.find((d) => d.kind === "Job")!);
      return docs;
    };
    const entry = entrypointOf(dockerfile);
    const container = (job: Doc): Doc => job.spec.template.spec.containers[0];
    expect(await exploreJobProblems(broken((j) => (j.spec.completionMode = "NonIndexed")), entry)).toEqual(["completionMode NonIndexed: expected Indexed (JOB_COMPLETION_INDEX is set only then)"]);
    expect(await exploreJobProblems(broken((j) => (j.spec.completions = 16)), entry)).toEqual(['ASSET_SIM_SHARD_COUNT is "8": expected "16", the Job\'s completions']);
    expect(await exploreJobProblems(broken((j) => (container(j).args = container(j).args.map((a: string) => (a === "auto" ? "$(JOB_COMPLETION_INDEX)/8" : a)))), entry)).toEqual(["--shard $(JOB_COMPLETION_INDEX)/8: expected auto"]);
    expect((await exploreJobProblems(broken((j) => (container(j).args = container(j).args.map((a: string) => (a === "--seeds" ? "--seed" : a)))), entry))[0]).toMatch(/^the command line is not a valid asset-sim invocation: error: unknown option '--seed'/);
    expect(await exploreJobProblems(broken((j) => (j.spec.template.spec.volumes = [{ name: "results", emptyDir: {} }])), entry)).toEqual(["volume results is not a PersistentVolumeClaim: results would die with the pod"]);
  });
});

describe("deploy/github/explore-sweep.yml", () => {
  it("a matrix setting ASSET_SIM_SHARD_INDEX and _COUNT from strategy, a valid explore --shard auto per job, artifacts always uploaded, a merge job", async () => {
    expect(await workflowProblems(workflow, WORKFLOW)).toEqual([]);
    expect(existsSync(join(ROOT, ".github/workflows/explore-sweep.yml"))).toBe(false);
  });

  it("the checker catches the 1-based matrix value as the index, a cancelling matrix, a lost upload on failure and a misspelt flag", async () => {
    const broken = structuredClone(workflow);
    broken.jobs.explore.env.ASSET_SIM_SHARD_INDEX = "${{ matrix.shard }}";
    broken.jobs.explore.strategy["fail-fast"] = true;
    const upload = broken.jobs.explore.steps.find((s: Doc) => String(s.uses ?? "").startsWith("actions/upload-artifact@"));
    delete upload.if;
    const explore = broken.jobs.explore.steps.find((s: Doc) => typeof s.run === "string" && s.run.includes("asset-sim explore"));
    explore.run = explore.run.replace("--json", "--jsn");
    const problems = await workflowProblems(broken, join(ROOT, ".github/workflows/explore-sweep.yml"));
    expect(problems.slice(0, 4)).toEqual([
      "the example sits in .github/workflows: it would run in this project's CI",
      "fail-fast is not false: a shard that finds a bug would cancel the others",
      'ASSET_SIM_SHARD_INDEX is "${{ matrix.shard }}": expected ${{ strategy.job-index }} (0-based)',
      "the upload does not run when explore failed (if: always()): the failures' seed files would be lost",
    ]);
    expect(problems[4]).toMatch(/^not a valid asset-sim invocation \(explore quickstart --seeds 4000 .*\): error: unknown option '--jsn'/);
  });
});

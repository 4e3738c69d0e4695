/** Bad scenario files and bad options exit 2 with one message naming the field. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rawScenario } from "../helpers/scenario.js";
import { runCli } from "../helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "asset-sim-bad-"));

function writeScenario(name: string, scenario: unknown): string {
  const path = join(dir, `${name}.json`);
  writeFileSync(path, typeof scenario === "string" ? scenario : JSON.stringify(scenario));
  return path;
}

const base = () => ({ ...rawScenario("quickstart"), duration: "2s", faults: [] as unknown[] });

const cases: { name: string; scenario: unknown; field: string }[] = [
  { name: "unknown top-level field", scenario: { ...base(), seeed: 3 }, field: "seeed" },
  { name: "typo inside validators", scenario: { ...base(), validators: { count: 4, blockTme: "1s" } }, field: "validators.blockTme" },
  { name: "bad duration unit", scenario: { ...base(), validators: { count: 4, blockTime: "250xs" } }, field: "validators.blockTime" },
  { name: "missing name", scenario: { ...base(), name: undefined }, field: "name" },
  { name: "negative seed", scenario: { ...base(), seed: -1 }, field: "seed" },
  { name: "drop rate above 1", scenario: { ...base(), network: { dropRate: 1.5 } }, field: "network.dropRate" },
  { name: "latency max below min", scenario: { ...base(), network: { latency: { min: "40ms", max: "5ms" } } }, field: "network.latency.max" },
  { name: "zero validators", scenario: { ...base(), validators: { count: 0 } }, field: "validators.count" },
  { name: "unknown leader election", scenario: { ...base(), validators: { count: 4, leaderElection: "random" } }, field: "validators.leaderElection" },
  { name: "reputation weight of zero", scenario: { ...base(), validators: { count: 4, reputation: { failedWeight: 0 } } }, field: "validators.reputation.failedWeight" },
  { name: "negative reputation exclude", scenario: { ...base(), validators: { count: 4, reputation: { exclude: -1 } } }, field: "validators.reputation.exclude" },
  { name: "typo in reputation", scenario: { ...base(), validators: { count: 4, reputation: { windw: 10 } } }, field: "validators.reputation.windw" },
  { name: "unknown fault action", scenario: { ...base(), faults: [{ at: "1s", action: "explode", node: "v1" }] }, field: "faults[0].action" },
  { name: "unknown node in a fault", scenario: { ...base(), faults: [{ at: "1s", action: "crash", node: "v9" }] }, field: "faults[0].node" },
  { name: "restart without a crash", scenario: { ...base(), faults: [{ at: "1s", action: "restart", node: "v1" }] }, field: "faults[0].node" },
  { name: "fault after the end", scenario: { ...base(), faults: [{ at: "5s", action: "heal" }] }, field: "faults[0].at" },
  { name: "crashing a client", scenario: { ...base(), faults: [{ at: "1s", action: "crash", node: "c0" }] }, field: "faults[0].node" },
  { name: "unknown field in a fault", scenario: { ...base(), faults: [{ at: "1s", action: "heal", node: "v1" }] }, field: "faults[0].node" },
  { name: "unknown link node", scenario: { ...base(), network: { links: [{ from: "v0", to: "x1" }] } }, field: "network.links[0].to" },
  { name: "not JSON", scenario: "{ nope", field: "scenario" },
  { name: "workload mix with no positive weight", scenario: { ...base(), workload: { txPerSecond: 10, mix: { transfer: 0 } } }, field: "workload.mix" },
  { name: "negative mix weight", scenario: { ...base(), workload: { txPerSecond: 10, mix: { script: -1 } } }, field: "workload.mix.script" },
  { name: "lower-case token symbol", scenario: { ...base(), ledger: { token: "usdc" } }, field: "ledger.token" },
  { name: "token named like the native asset", scenario: { ...base(), ledger: { token: "ASSET" } }, field: "ledger.token" },
  { name: "pool fee above 10%", scenario: { ...base(), ledger: { poolFeeBps: 1001 } }, field: "ledger.poolFeeBps" },
  { name: "typo in the mempool limits", scenario: { ...base(), validators: { count: 4, mempool: { capasity: 10 } } }, field: "validators.mempool.capasity" },
  { name: "zero mempool capacity", scenario: { ...base(), validators: { count: 4, mempool: { capacity: 0 } } }, field: "validators.mempool.capacity" },
  { name: "L1 drop rate above 1", scenario: { ...base(), l1: { faults: { dropRate: 2 } } }, field: "l1.faults.dropRate" },
  { name: "finalization not deeper than confirmation", scenario: { ...base(), l1: { confirmationDepthSlots: 4, finalizationDepthSlots: 4 } }, field: "l1.finalizationDepthSlots" },
  { name: "typo in the batch poster", scenario: { ...base(), batchPoster: { batchEvery: 4 } }, field: "batchPoster.batchEvery" },
  { name: "zero blocks per batch", scenario: { ...base(), batchPoster: { batchEveryBlocks: 0 } }, field: "batchPoster.batchEveryBlocks" },
  { name: "more roots per L1 transaction than fit", scenario: { ...base(), batchPoster: { maxRootsPerTransaction: 40 } }, field: "batchPoster.maxRootsPerTransaction" },
  { name: "an L1 reorg of depth 0", scenario: { ...base(), faults: [{ at: "1s", action: "l1-reorg", depth: 0 }] }, field: "faults[0].depth" },
  { name: "an L1 fault with the L1 off", scenario: { ...base(), l1: { enabled: false }, faults: [{ at: "1s", action: "l1-reorg", depth: 2 }] }, field: "faults[0].action" },
  { name: "crashing the L1 node", scenario: { ...base(), faults: [{ at: "1s", action: "crash", node: "l1" }] }, field: "faults[0].node" },
  { name: "rotating to a key the poster does not hold", scenario: { ...base(), operations: [{ at: "1s", action: "rotate-poster", keyIndex: 2 }] }, field: "operations[0].keyIndex" },
  { name: "unknown operation", scenario: { ...base(), operations: [{ at: "1s", action: "upgrade-program" }] }, field: "operations[0].action" },
  { name: "an operation after the end", scenario: { ...base(), operations: [{ at: "5s", action: "pause-posting" }] }, field: "operations[0].at" },
  { name: "an operation with the L1 off", scenario: { ...base(), l1: { enabled: false }, operations: [{ at: "1s", action: "pause-posting" }] }, field: "operations[0].action" },
  { name: "a validator twinned twice", scenario: { ...base(), byzantine: [{ node: "v0", behavior: "twin" }, { node: "v0", behavior: "twin" }] }, field: "byzantine[1].behavior" },
  { name: "the removed opaque transaction size", scenario: { ...base(), workload: { txPerSecond: 10, txBytes: 64 } }, field: "workload.txBytes" },
];

describe("bad input exits 2 naming the field", () => {
  for (const c of cases) {
    it(`scenario: ${c.name} -> ${c.field}`, async () => {
      const r = await runCli(["run", writeScenario(c.name.replace(/\W+/g, "-"), c.scenario)]);
      expect(r.code).toBe(2);
      expect(r.out).toBe("");
      const lines = r.err.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(c.field);
    });
  }

  it("option: --seed must be a non-negative integer", async () => {
    const r = await runCli(["run", "quickstart", "--seed", "abc"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--seed");
  });

  it("option: --duration must be a duration", async () => {
    const r = await runCli(["run", "quickstart", "--duration", "5parsecs"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--duration");
  });

  it("option: an unknown option is refused", async () => {
    const r = await runCli(["run", "quickstart", "--sed", "3"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--sed");
  });

  it("a missing scenario file names the shipped ones", async () => {
    const r = await runCli(["run", join(dir, "missing.json")]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("quickstart");
  });

  it("replay of a file that is not a seed file", async () => {
    const r = await runCli(["replay", writeScenario("not-a-seed-file", base())]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/seed file/);
  });

  it("a shipped scenario can be named without its path, and --duration drops later faults", async () => {
    const r = await runCli(["run", "quickstart", "--duration", "2s", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).virtualDurationUs).toBe(2_000_000);
    expect(r.err).toContain("drops 2 fault actions");
  });
});

describe("event log", () => {
  it("--events writes every node event as one JSON line, payload bytes as their length", async () => {
    const path = join(dir, "events.jsonl");
    const r = await runCli(["run", "quickstart", "--duration", "3s", "--json", "--events", path]);
    expect(r.code).toBe(0);
    const lines = readFileSync(path, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines[0]).toMatchObject({ timeUs: 0, node: "v0", event: "boot" });
    const commits = lines.filter((l) => l.event === "commit");
    expect(commits.length).toBeGreaterThan(10);
    expect(commits[0].payload).toEqual({ bytes: expect.any(Number) });
    expect(lines.some((l) => l.event === "submit" && l.node === "c0")).toBe(true);
  });

  it("--events to an unwritable path is bad input", async () => {
    const r = await runCli(["run", "quickstart", "--duration", "1s", "--events", join(dir, "no/such/dir/events.jsonl")]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("--events");
  });
});

describe("scenario errors name the misspelled field, show the bad value and say what was expected", () => {
  // Goal: a typo inside a fault action is reported as the unknown field it is (not as the required field it hides),
  // whatever the fault kind, and every schema message shows the value it refused.
  const messages: { name: string; fault: Record<string, unknown>; message: string }[] = [
    { name: "crash with nod", fault: { at: "1s", action: "crash", nod: "v1" }, message: 'faults[0].nod: unknown field "nod" in faults[0] (did you mean "node"? it is required and missing)' },
    { name: "partition with grups", fault: { at: "1s", action: "partition", grups: [["v0"], ["v1"]] }, message: 'faults[0].grups: unknown field "grups" in faults[0] (did you mean "groups"? it is required and missing)' },
    { name: "l1-reorg with dept", fault: { at: "1s", action: "l1-reorg", dept: 2 }, message: 'faults[0].dept: unknown field "dept" in faults[0] (did you mean "depth"? it is required and missing)' },
    { name: "isolate with nodee", fault: { at: "1s", action: "isolate", nodee: "v1" }, message: 'faults[0].nodee: unknown field "nodee" in faults[0] (did you mean "node"? it is required and missing)' },
    { name: "crash without its node", fault: { at: "1s", action: "crash" }, message: "faults[0].node: required field is missing (expected a string)" },
    { name: "l1-reorg of depth 0", fault: { at: "1s", action: "l1-reorg", depth: 0 }, message: "faults[0].depth: must be at least 1, got 0" },
    { name: "l1-reorg depth as a string", fault: { at: "1s", action: "l1-reorg", depth: "2" }, message: 'faults[0].depth: expected a number, got the string "2"' },
    { name: "isolate sideways", fault: { at: "1s", action: "isolate", node: "v1", direction: "sideways" }, message: 'faults[0].direction: expected one of "both", "inbound", "outbound", got "sideways"' },
    { name: "crash of a number", fault: { at: "1s", action: "crash", node: 3 }, message: "faults[0].node: expected a string, got the number 3" },
    { name: "unknown action", fault: { at: "1s", action: "explode" }, message: 'faults[0].action: unknown action "explode": expected one of "partition", ' },
    { name: "heal with a node", fault: { at: "1s", action: "heal", node: "v1" }, message: 'faults[0].node: unknown field "node" in faults[0] (not a field of a "heal" action)' },
    { name: "partition with no group", fault: { at: "1s", action: "partition", groups: [] }, message: "faults[0].groups: needs at least two groups, got 0 items" },
  ];
  for (const c of messages) {
    it(`fault: ${c.name}`, async () => {
      const r = await runCli(["run", writeScenario(`msg-${c.name.replace(/\W+/g, "-")}`, { ...base(), faults: [c.fault] })]);
      expect(r.code).toBe(2);
      expect(r.err.trim()).toContain(`error: ${c.message}`);
    });
  }

  it("outside the fault plan too: a bad count, a bad election and a drop rate show their value", async () => {
    const count = await runCli(["run", writeScenario("msg-count", { ...base(), validators: { count: 0 } })]);
    expect(count.err.trim()).toBe("error: validators.count: must be at least 1, got 0");
    const election = await runCli(["run", writeScenario("msg-election", { ...base(), validators: { count: 4, leaderElection: "random" } })]);
    expect(election.err.trim()).toBe('error: validators.leaderElection: expected one of "reputation", "round-robin", got "random"');
    const drop = await runCli(["run", writeScenario("msg-drop", { ...base(), network: { dropRate: 1.5 } })]);
    expect(drop.err.trim()).toBe("error: network.dropRate: must be between 0 and 1, got 1.5");
    const key = await runCli(["run", writeScenario("msg-key", { ...base(), operations: [{ at: "1s", action: "rotate-poster", keyIndex: 2 }] })]);
    expect(key.err.trim()).toBe("error: operations[0].keyIndex: must be below 2, the number of keys the batch poster holds (batchPoster.keys), got 2");
  });
});

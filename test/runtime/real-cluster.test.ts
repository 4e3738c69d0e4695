/**
 * Four validators in this process on real TCP (127.0.0.1, ephemeral ports),
 * real timers and files: they must commit the same blocks, serve /metrics,
 * and a stopped validator restarted from its data directory must recover its
 * chain and catch up.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { commandConfigGen } from "../../src/cli/node-command.js";
import { loadNodeConfig } from "../../src/runtime/node-config.js";
import { startNode, type RunningNode } from "../../src/runtime/node-runner.js";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Polls until `condition` holds (libp2p's handshakes take a second or two on a loaded machine); throws after `timeoutMs`. */
async function waitFor(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
const silent = (): Writable => new Writable({ write: (_chunk, _enc, done) => done() });

describe("real cluster (n=4, loopback TCP)", () => {
  const running: RunningNode[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.allSettled(running.splice(0).map((n) => n.stop()));
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("four validators commit the same blocks; a restarted one recovers from its data directory and catches up", async () => {
    const out = mkdtempSync(join(tmpdir(), "real-cluster-"));
    dirs.push(out);
    const files: string[] = [];
    const code = await commandConfigGen(
      { validators: "4", clients: "1", out, host: "127.0.0.1", basePort: "ephemeral", metricsBasePort: "0", seed: "3", blockTime: "50ms", viewTimeout: "500ms", txPerSecond: "40", accountsPerClient: "4" },
      { out: (t) => files.push(t), err: () => {} },
    );
    expect(code).toBe(0);
    expect(files).toHaveLength(5);
    const commits = new Map<string, Map<number, string>>();
    const boots = new Map<string, Record<string, unknown>[]>();
    const start = async (id: string): Promise<RunningNode> => {
      if (!commits.has(id)) commits.set(id, new Map());
      const node = await startNode(loadNodeConfig(join(out, `${id}.json`)), {
        logDestination: silent(),
        processMetrics: false,
        onNodeError: (n, error) => {
          throw new Error(`${n} threw: ${String(error)}`);
        },
        observe: (_t, n, event, fields) => {
          if (event === "commit") commits.get(n)!.set(fields.height as number, fields.hash as string);
          if (event === "boot") boots.set(n, [...(boots.get(n) ?? []), { ...fields }]);
        },
      });
      running.push(node);
      return node;
    };
    const nodes = await Promise.all(["v0", "v1", "v2", "v3", "c0"].map(start));
    await waitFor(() => ["v0", "v1", "v2", "v3"].every((id) => commits.get(id)!.size >= 3), "3 commits on every validator");

    const heights = ["v0", "v1", "v2", "v3"].map((id) => commits.get(id)!.size);
    expect(Math.min(...heights)).toBeGreaterThanOrEqual(3);
    const agree = (): void => {
      const byHeight = new Map<number, string>();
      for (const [id, chain] of commits) {
        for (const [height, hash] of chain) {
          const seen = byHeight.get(height);
          if (seen !== undefined) expect(hash, `${id} at height ${height}`).toBe(seen);
          else byHeight.set(height, hash);
        }
      }
    };
    agree();

    const response = await fetch(`http://127.0.0.1:${nodes[0]!.metricsPort}/metrics`);
    const metricsText = await response.text();
    expect(metricsText).toMatch(/asset_commits_total\{node="v0"\} [1-9]/);
    expect(metricsText).toMatch(/asset_peers_connected\{node="v0"\} [1-4]/);
    expect(metricsText).toMatch(/asset_block_interval_seconds_count\{node="v0"\} [1-9]/);

    // Stop v3, let the others go on, restart it from its data directory.
    const v3 = nodes[3]!;
    const heightBefore = Math.max(...commits.get("v3")!.keys());
    await v3.stop();
    running.splice(running.indexOf(v3), 1);
    await sleep(800);
    await start("v3");
    const boot = boots.get("v3")!;
    expect(boot).toHaveLength(2);
    expect(boot[1]!.committedHeight).toBeGreaterThanOrEqual(heightBefore);
    await waitFor(() => Math.max(...commits.get("v3")!.keys()) > heightBefore + 2, "v3 to catch up and commit again");
    const othersTip = Math.max(...commits.get("v0")!.keys());
    expect(Math.max(...commits.get("v3")!.keys())).toBeGreaterThan(heightBefore);
    expect(Math.max(...commits.get("v3")!.keys())).toBeGreaterThanOrEqual(othersTip - 5);
    agree();
  }, 45_000);
});

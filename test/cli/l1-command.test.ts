/**
 * `asset-sim l1` and `asset-sim poster` as commands: bad options are input
 * errors (exit 2) naming the flag; `l1` serves JSON-RPC on a free port with
 * the operator key of `--seed` as the program's upgrade authority, and stops
 * cleanly (exit 0).
 */
import { describe, expect, it } from "vitest";
import { commandL1, commandPoster, type L1CommandOptions } from "../../src/cli/l1-command.js";
import { InputError } from "../../src/config/errors.js";
import { deriveSolanaKeypair, rollupProgramId } from "../../src/l1/rollup-program.js";
import { programDataAddress, upgradeAuthorityOf } from "../../src/l1/upgradeable-program.js";

const defaults: L1CommandOptions = { port: "0", host: "127.0.0.1", seed: "3", slotTime: "50ms", confirmationDepth: "1", finalizationDepth: "4", fund: [], posterKeys: "2" };
const silent = { out: () => {}, err: () => {} };

describe("asset-sim l1 / poster", () => {
  it("bad options: an input error naming the flag", async () => {
    const cases: [Partial<L1CommandOptions>, string][] = [
      [{ port: "70000" }, "--port"],
      [{ slotTime: "5" }, "--slot-time"],
      [{ finalizationDepth: "0", confirmationDepth: "2" }, "--finalization-depth"],
      [{ upgradeAuthority: "not-a-key" }, "--upgrade-authority"],
      [{ fund: ["11111111111111111111111111111111", "x"] }, "--fund"],
    ];
    for (const [change, flag] of cases) {
      const error = await commandL1({ ...defaults, ...change }, silent).catch((e: unknown) => e);
      expect(error, flag).toBeInstanceOf(InputError);
      expect((error as InputError).field).toBe(flag);
    }
    for (const url of ["not a url", "ftp://127.0.0.1:1"]) {
      const error = await commandPoster("/nonexistent.json", url, silent).catch((e: unknown) => e);
      expect((error as InputError).field).toBe("--l1-url");
    }
  });

  it("serves JSON-RPC until stopped; the program's upgrade authority is the operator key of --seed", async () => {
    const lines: string[] = [];
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const running = commandL1(defaults, { out: () => {}, err: (t) => lines.push(t) }, stopped);
    let url: string | undefined;
    for (let i = 0; i < 200 && url === undefined; i++) {
      url = /JSON-RPC on (\S+)/.exec(lines.join("\n"))?.[1];
      if (url === undefined) await new Promise((r) => setTimeout(r, 25));
    }
    expect(url, lines.join("\n")).toBeDefined();
    const response = await fetch(url!, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "getAccountInfo", params: [programDataAddress(rollupProgramId().toBase58()), { encoding: "base64", commitment: "processed" }] }),
    });
    const body = (await response.json()) as { result: { value: { data: [string, string] } } };
    const data = new Uint8Array(Buffer.from(body.result.value.data[0], "base64"));
    expect(upgradeAuthorityOf(data)).toBe(deriveSolanaKeypair("operator", 3).publicKey.toBase58());
    stop();
    expect(await running).toBe(0);
    expect(lines.at(-1)).toMatch(/stop, stopping/);
  });
});

/**
 * `asset-sim l1`: the simulated L1 (litesvm with the AssetRollup program,
 * `l1/l1-node.ts`) on the real clock, served as Solana JSON-RPC
 * (`runtime/l1-rpc/`), until SIGINT or SIGTERM.
 *
 *   asset-sim l1 [--port P] [--host H] [--seed S] [--slot-time D]
 *                [--confirmation-depth N] [--finalization-depth N]
 *                [--upgrade-authority PUBKEY] [--fund PUBKEY ...] [--poster-keys K]
 *
 * Genesis: the program at its shipped id, deployed with the upgradeable
 * loader; its upgrade authority (the only key that may `initialize` it) is
 * `--upgrade-authority`, by default the operator key the simulator derives
 * from `--seed` (`deriveSolanaKeypair("operator", seed)`), which the
 * testnet's operator process holds. Funded with 1,000 SOL each: that key, the
 * intruder key and `--poster-keys` batch poster keys derived from the seed
 * (as the simulated posting system funds them), and every `--fund` address.
 * A faucet pays `requestAirdrop`.
 *
 * Prints `l1: JSON-RPC on http://H:P ...` on stderr once listening. Exit 0
 * after a signal, 2 on a bad option, 4 when it cannot listen or the node threw.
 *
 *   asset-sim poster --config FILE --l1-url URL
 *
 * Runs the rollup's batch poster and operator (`runtime/l1-rpc/poster-process.ts`)
 * with the identity of a `poster` node config, against the Solana JSON-RPC
 * endpoint URL (`asset-sim l1`'s, or any cluster's), until SIGINT/SIGTERM (or,
 * under the testnet, until its stdin ends). Exit 0 after a signal, 2 on a bad
 * config or URL, 4 when a handler threw or it could not start.
 */
import type { Command } from "commander";
import { InputError } from "../config/errors.js";
import { EXIT } from "../scenario/run.js";
import { durationOptionUs } from "./options.js";

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Options of `asset-sim l1` as commander gives them. */
export interface L1CommandOptions {
  port: string;
  host: string;
  seed: string;
  slotTime: string;
  confirmationDepth: string;
  finalizationDepth: string;
  upgradeAuthority?: string;
  fund: string[];
  posterKeys: string;
}

/** Lamports of every funded key: 1,000 SOL. */
const KEY_LAMPORTS = 1_000_000_000_000n;

function intOption(value: string, name: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new InputError(name, `must be an integer in ${min}..${max}, got ${JSON.stringify(value)}`);
  return n;
}

/** Registers `l1` and `poster`; `setExit` receives each one's exit code. */
export function registerL1Command(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command("l1")
    .description("serve the simulated L1 (litesvm + the AssetRollup program, slots on the real clock) as Solana JSON-RPC until SIGINT/SIGTERM")
    .option("--port <p>", "port to listen on (0: a free one, printed)", "8899")
    .option("--host <h>", "address to listen on", "127.0.0.1")
    .option("--seed <s>", "seed of the operator, intruder and poster keys funded at genesis (as the simulator derives them) and of the faucet", "1")
    .option("--slot-time <d>", "slot length, with a unit", "400ms")
    .option("--confirmation-depth <n>", "later slots that make a slot confirmed", "1")
    .option("--finalization-depth <n>", "later slots that make a slot finalized", "32")
    .option("--upgrade-authority <pubkey>", "the program's upgrade authority, base58 (default: the operator key of --seed)")
    .option("--fund <pubkey>", "also fund this address with 1,000 SOL (repeatable)", (value: string, all: string[]) => [...all, value], [] as string[])
    .option("--poster-keys <k>", "batch poster keys of --seed to fund", "2")
    .action(async (options: L1CommandOptions) => {
      setExit(await commandL1(options, io));
    });

  program
    .command("poster")
    .description("run the batch poster and the operator of a real network against a Solana JSON-RPC endpoint until SIGINT/SIGTERM")
    .requiredOption("--config <file>", "a node config of role poster (see `asset-sim testnet --l1`)")
    .requiredOption("--l1-url <url>", "the L1's JSON-RPC endpoint, e.g. http://127.0.0.1:8899 (`asset-sim l1`) or any Solana RPC")
    .action(async (options: { config: string; l1Url: string }) => {
      setExit(await commandPoster(options.config, options.l1Url, io));
    });
}

/** Resolves on SIGINT/SIGTERM, on `stopSignal`, or (under the testnet) when stdin ends; with the reason. */
async function untilStopped(controlEnv: { name: string; value: string }, stopSignal?: Promise<unknown>): Promise<string> {
  const reason = await new Promise<string>((resolveStop) => {
    const onSignal = (s: NodeJS.Signals): void => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      resolveStop(s);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    void stopSignal?.then(() => resolveStop("stop"));
    // Under `asset-sim testnet` (ASSET_SIM_CONTROL=stdin): the parent is gone when stdin ends.
    if (process.env[controlEnv.name] === controlEnv.value) {
      process.stdin.on("end", () => resolveStop("stdin closed"));
      process.stdin.on("close", () => resolveStop("stdin closed"));
      process.stdin.resume();
    }
  });
  if (process.env[controlEnv.name] === controlEnv.value) process.stdin.destroy();
  return reason;
}

/**
 * Runs the poster process until stopped.
 * @returns the exit code
 * @throws InputError on a bad config or URL
 */
export async function commandPoster(configPath: string, l1Url: string, io: Io, stopSignal?: Promise<unknown>): Promise<number> {
  let url: URL;
  try {
    url = new URL(l1Url);
  } catch {
    throw new InputError("--l1-url", `${JSON.stringify(l1Url)} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new InputError("--l1-url", `must be http:// or https://, got ${url.protocol}`);
  const { loadNodeConfig } = await import("../runtime/node-config.js");
  const { startPosterProcess } = await import("../runtime/l1-rpc/poster-process.js");
  const { CONTROL_ENV } = await import("../runtime/control-channel.js");
  const config = loadNodeConfig(configPath);
  let poster;
  try {
    poster = await startPosterProcess(config, url.toString().replace(/\/$/, ""));
  } catch (error) {
    if (error instanceof InputError) throw error;
    io.err(`${config.id}: fatal: cannot start: ${error instanceof Error ? error.message : String(error)} (exit 4)`);
    return EXIT.nodeThrew;
  }
  io.err(`${config.id}: batch poster and operator running, L1 ${url.toString()}`);
  const reason = await untilStopped(CONTROL_ENV, stopSignal);
  io.err(`${config.id}: ${reason}, stopping`);
  await poster.stop();
  return EXIT.ok;
}

/**
 * Runs the L1 server until SIGINT or SIGTERM (or, for tests, until `stopSignal` resolves).
 * @returns the exit code
 * @throws InputError on a bad option
 */
export async function commandL1(options: L1CommandOptions, io: Io, stopSignal?: Promise<unknown>): Promise<number> {
  const port = intOption(options.port, "--port", 0, 65535);
  const seed = intOption(options.seed, "--seed", 0, Number.MAX_SAFE_INTEGER);
  const slotDurationUs = durationOptionUs("--slot-time", options.slotTime, 1_000);
  const confirmationDepthSlots = intOption(options.confirmationDepth, "--confirmation-depth", 0, 1_000);
  const finalizationDepthSlots = intOption(options.finalizationDepth, "--finalization-depth", confirmationDepthSlots, 10_000);
  const posterKeys = intOption(options.posterKeys, "--poster-keys", 0, 64);
  // Loaded on use: the Solana libraries and litesvm cost every other command their load time.
  const { decodeAddress } = await import("../l1/base58.js");
  const { deriveSolanaKeypair, rollupProgramId } = await import("../l1/rollup-program.js");
  const { loadProgramElf } = await import("../runtime/program-files.js");
  const { LocalL1 } = await import("../runtime/l1-rpc/local-l1.js");
  const { startL1RpcServer } = await import("../runtime/l1-rpc/l1-rpc-server.js");
  const { CONTROL_ENV } = await import("../runtime/control-channel.js");
  for (const [flag, value] of [["--upgrade-authority", options.upgradeAuthority], ...options.fund.map((f) => ["--fund", f] as const)] as const) {
    if (value !== undefined && decodeAddress(value) === undefined) throw new InputError(flag, `${JSON.stringify(value)} is not a base58 32-byte address`);
  }
  const operator = deriveSolanaKeypair("operator", seed);
  const upgradeAuthority = options.upgradeAuthority ?? operator.publicKey.toBase58();
  const funded = [
    operator.publicKey.toBase58(),
    deriveSolanaKeypair("intruder", seed).publicKey.toBase58(),
    ...Array.from({ length: posterKeys }, (_, i) => deriveSolanaKeypair(`poster/${i}`, seed).publicKey.toBase58()),
    ...options.fund,
  ];
  let failed = false;
  let l1;
  try {
    l1 = new LocalL1({
      programs: [{ programId: rollupProgramId().toBase58(), elf: loadProgramElf(), upgradeAuthority }],
      accounts: [...new Set(funded)].map((address) => ({ address, lamports: KEY_LAMPORTS })),
      slotDurationUs,
      confirmationDepthSlots,
      finalizationDepthSlots,
      seed,
      onNodeError: (error) => {
        failed = true;
        io.err(`l1: fatal: the node threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      },
    });
  } catch (error) {
    io.err(`l1: fatal: cannot build the genesis: ${error instanceof Error ? error.message : String(error)} (exit 4)`);
    return EXIT.nodeThrew;
  }
  let server;
  try {
    server = await startL1RpcServer(l1, { host: options.host, port, warn: io.err });
  } catch (error) {
    l1.stop();
    io.err(`l1: fatal: cannot listen on ${options.host}:${port}: ${error instanceof Error ? error.message : String(error)} (exit 4)`);
    return EXIT.nodeThrew;
  }
  io.err(`l1: JSON-RPC on ${server.url} (program ${rollupProgramId().toBase58()}, upgrade authority ${upgradeAuthority}, slot ${slotDurationUs / 1000} ms)`);
  const reason = await untilStopped(CONTROL_ENV, stopSignal);
  io.err(`l1: ${reason}, stopping`);
  await server.close();
  l1.stop();
  return failed ? EXIT.nodeThrew : EXIT.ok;
}

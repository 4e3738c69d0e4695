/**
 * `asset-sim testnet --sbcp`: one shared publisher, `--rollups` sequencers
 * (default 2) and `--clients` clients (default 1) as real processes on
 * 127.0.0.1 (`runtime/sbcp-testnet.ts`). Prints each superblock as the SP
 * publishes it (number, slot, xTs, hash) on stdout, until Ctrl-C or
 * `--duration`; then stops the processes and runs the SBCP checkers over
 * every node's log (the simulator's: 2PC, xT atomicity, superblock chain,
 * conservation, mailbox, no local transaction while Building-Locked,
 * liveness) and prints their verdicts.
 *
 * Exit codes: 0 every checker passed and at least one superblock was
 * published; 1 a safety checker failed; 3 liveness failed or no superblock.
 */
import { InputError } from "../config/errors.js";
import { EXIT } from "../scenario/run.js";
import type { PublishedSuperblock } from "../runtime/sbcp-testnet.js";
import { formatInvariant } from "./summary.js";
import { durationOptionUs } from "./options.js";

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Options of `testnet --sbcp` as commander gives them (strings). */
export interface SbcpTestnetCommandOptions {
  rollups?: string;
  clients?: string;
  duration?: string;
  tps?: string;
  seed?: string;
  slotDuration?: string;
  keepDir?: boolean;
}

/** One superblock as a line: `superblock 3  slot 812  xTs 4  blocks seq1#3 seq2#3  hash 67208bbeaa21...`. */
export function formatSuperblock(sb: PublishedSuperblock): string {
  const blocks = sb.blocks.map((b) => `${b.chain}#${b.number}`).join(" ");
  return `superblock ${sb.number}  slot ${sb.slot}  xTs ${sb.xTids.length}${sb.partial ? "  partial" : ""}  blocks ${blocks}  hash ${sb.hash.slice(0, 16)}`;
}

function intOption(value: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new InputError(name, `must be an integer in ${min}..${max}, got ${JSON.stringify(value)}`);
  return n;
}

/**
 * Runs the SBCP testnet (see the file comment).
 * @returns the exit code
 * @throws InputError on a bad option
 */
export async function commandSbcpTestnet(options: SbcpTestnetCommandOptions, io: Io): Promise<number> {
  const { SbcpTestnet } = await import("../runtime/sbcp-testnet.js");
  const rollups = intOption(options.rollups, "--rollups", 2, 1, 32);
  const clients = intOption(options.clients, "--clients", 1, 0, 64);
  const seed = intOption(options.seed, "--seed", 1, 0, Number.MAX_SAFE_INTEGER);
  const txPerSecond = options.tps === undefined ? 4 : Number(options.tps);
  if (!(txPerSecond > 0 && txPerSecond <= 10_000)) throw new InputError("--tps", `must be a number in (0, 10000], got ${JSON.stringify(options.tps)}`);
  const slotDurationUs = options.slotDuration === undefined ? 2_000_000 : durationOptionUs("--slot-duration", options.slotDuration, 100_000);
  const durationUs = options.duration === undefined ? undefined : durationOptionUs("--duration", options.duration, 1_000_000);
  io.err(`testnet --sbcp: 1 shared publisher, ${rollups} rollups, ${clients} client${clients === 1 ? "" : "s"}, ${txPerSecond} submissions/s, slots of ${slotDurationUs / 1e6} s${durationUs === undefined ? ", until Ctrl-C" : `, ${durationUs / 1e6} s`}`);
  const net = await SbcpTestnet.start({
    rollups,
    clients,
    seed,
    txPerSecond,
    slotDurationUs,
    keepDir: options.keepDir === true,
    onSuperblock: (sb) => io.out(formatSuperblock(sb)),
    onNote: (text) => io.err(`testnet: ${text}`),
  });
  try {
    await new Promise<void>((resolveRun) => {
      const timer = durationUs === undefined ? undefined : setTimeout(done, durationUs / 1000);
      function done(): void {
        if (timer !== undefined) clearTimeout(timer);
        process.off("SIGINT", done);
        process.off("SIGTERM", done);
        resolveRun();
      }
      process.on("SIGINT", done);
      process.on("SIGTERM", done);
    });
  } finally {
    await net.stop();
  }
  const results = net.check();
  const decided = net.observations.filter((o) => o.node === "sp" && o.event === "sbcp-decided");
  const included = net.superblocks.reduce((n, sb) => n + sb.xTids.length, 0);
  io.out(`superblocks ${net.superblocks.length} (partial ${net.superblocks.filter((s) => s.partial).length}); xTs decided true ${decided.filter((o) => o.fields.decision === true).length} false ${decided.filter((o) => o.fields.decision === false).length}, included ${included}`);
  for (const r of results) io.out(formatInvariant(r));
  if (options.keepDir === true) io.err(`testnet: configs, data and logs kept in ${net.dir}`);
  const safetyFailed = results.some((r) => !r.ok && r.kind === "safety");
  const livenessFailed = results.some((r) => !r.ok && r.kind === "liveness");
  const verdict = safetyFailed ? "safety violation" : livenessFailed ? "liveness violation" : net.superblocks.length === 0 ? "no superblock" : "ok";
  io.out(`verdict: ${verdict}`);
  return safetyFailed ? EXIT.safetyViolated : livenessFailed || net.superblocks.length === 0 ? EXIT.livenessMissed : EXIT.ok;
}

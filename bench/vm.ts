/**
 * AssetVM benchmarks (on demand: `npm run bench`, or `node dist/bench/vm.js`).
 *
 * 1. Transfers executed per second with state-root updates, on a ledger of
 *    10^4 and of 10^6 existing accounts: blocks of 5,000 transfers between random
 *    existing accounts, each block sealed (sparse Merkle tree updated, root
 *    computed) and committed. Signatures are not part of this figure.
 * 2. Block verification time: what a validator does with a proposal of 2,500
 *    or 5,000 signed transfers (decode, verify signatures unless its mempool
 *    already did, execute, compute the root), per signature scheme, against
 *    the 100 ms target.
 */
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { createSignatureScheme } from "../src/crypto/schemes.js";
import type { SignatureSchemeName } from "../src/crypto/signature.js";
import { toHex } from "../src/crypto/hash.js";
import { executeBlock, VerifiedTransactions } from "../src/sequencer/block-execution.js";
import { admissionError, executeTransaction } from "../src/vm/execute.js";
import { LedgerState } from "../src/vm/ledger-state.js";
import { signTransaction } from "../src/vm/tx-codec.js";
import { NATIVE_ASSET, type TransactionBody } from "../src/vm/types.js";

const BLOCK = 5_000;

/** A deterministic xorshift stream (benchmarks need no seedrandom). */
function stream(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

/** An account id for index i (any 32 bytes are a valid account for the VM). */
function account(i: number): string {
  return i.toString(16).padStart(64, "0");
}

/** A ledger whose committed state holds `n` accounts with a native balance each. */
function ledgerWith(n: number): LedgerState {
  const ledger = new LedgerState();
  for (let start = 0; start < n; start += 100_000) {
    const w = ledger.begin(ledger.committed);
    for (let i = start; i < Math.min(n, start + 100_000); i++) w.setBalance(account(i), NATIVE_ASSET, 1_000_000_000n);
    if (start === 0) w.setAsset({ symbol: NATIVE_ASSET, decimals: 9, mintAuthority: null, supply: BigInt(n) * 1_000_000_000n });
    ledger.commit(w.finish(ledger.committed.height + 1));
  }
  return ledger;
}

/** Transfers per second, with root updates, on a ledger of `accounts` accounts. */
export function transfersPerSecond(accounts: number, blocks: number): { tps: number; msPerBlock: number; keysPerBlock: number } {
  const ledger = ledgerWith(accounts);
  const rand = stream(accounts);
  const nonces = new Map<string, bigint>();
  const bodies: TransactionBody[][] = [];
  for (let b = 0; b < blocks; b++) {
    const block: TransactionBody[] = [];
    for (let i = 0; i < BLOCK; i++) {
      const sender = account(Math.floor(rand() * accounts));
      const nonce = nonces.get(sender) ?? 0n;
      nonces.set(sender, nonce + 1n);
      block.push({ sender, nonce, fee: 10n, instructions: [{ kind: "transfer", asset: NATIVE_ASSET, to: account(Math.floor(rand() * accounts)), amount: 5n }] });
    }
    bodies.push(block);
  }
  let keys = 0;
  const start = performance.now();
  for (const [b, block] of bodies.entries()) {
    const w = ledger.begin(ledger.committed);
    for (const [i, tx] of block.entries()) {
      if (admissionError(w, tx) !== undefined) throw new Error("bench transaction inadmissible");
      executeTransaction(w, tx, `${b}:${i}`);
    }
    const layer = w.finish(ledger.committed.height + 1);
    keys += layer.writes.size;
    ledger.commit(layer);
  }
  const ms = performance.now() - start;
  return { tps: (blocks * BLOCK) / (ms / 1000), msPerBlock: ms / blocks, keysPerBlock: keys / blocks };
}

/**
 * Milliseconds for a validator to verify a proposal of `count` signed transfers: decode, signatures,
 * execution, root. `seen`: the transactions passed the mempool before (signatures cached), as is
 * the normal case for gossiped transactions; otherwise every signature is checked now.
 */
export function blockVerificationMs(schemeName: SignatureSchemeName, accounts: number, count: number, seen: boolean): number {
  const scheme = createSignatureScheme(schemeName);
  const keys = Array.from({ length: 1000 }, (_, i) => scheme.keyPairFromSeed(new Uint8Array(32).fill(0).map((_, j) => (j === 0 ? i & 255 : j === 1 ? i >> 8 : 7))));
  const ledger = ledgerWith(accounts);
  const w = ledger.begin(ledger.committed);
  for (const k of keys) w.setBalance(toHex(k.publicKey), NATIVE_ASSET, 1_000_000_000n);
  ledger.commit(w.finish(ledger.committed.height + 1));
  const rand = stream(7);
  const txs: Uint8Array[] = [];
  const nonces = new Map<number, bigint>();
  for (let i = 0; i < count; i++) {
    const k = Math.floor(rand() * keys.length);
    const nonce = nonces.get(k) ?? 0n;
    nonces.set(k, nonce + 1n);
    txs.push(signTransaction({ sender: toHex(keys[k]!.publicKey), nonce, fee: 10n, instructions: [{ kind: "transfer", asset: NATIVE_ASSET, to: account(Math.floor(rand() * accounts)), amount: 3n }] }, keys[k]!.secretKey, scheme));
  }
  const verified = new VerifiedTransactions(scheme, 2 * count);
  if (seen) for (const tx of txs) verified.check(tx);
  const start = performance.now();
  const result = executeBlock(ledger, ledger.committed, ledger.committed.height + 1, txs, verified);
  const ms = performance.now() - start;
  if ("reason" in result) throw new Error(`bench block invalid: ${result.reason}`);
  return ms;
}

/** Prints every VM figure. */
export function benchVm(print: (line: string) => void): void {
  print(`\nAssetVM: blocks of ${BLOCK} transfers, executed with state-root updates and committed (no signatures)`);
  print("accounts      transfers/s   ms/block   keys changed/block   us/changed key");
  for (const [accounts, blocks] of [
    [10_000, 20],
    [1_000_000, 20],
  ] as const) {
    const { tps, msPerBlock, keysPerBlock } = transfersPerSecond(accounts, blocks);
    print(
      `${accounts.toString().padEnd(12)} ${Math.round(tps).toString().padStart(12)} ${msPerBlock.toFixed(1).padStart(10)} ${Math.round(keysPerBlock).toString().padStart(20)} ${((msPerBlock * 1000) / keysPerBlock).toFixed(1).padStart(16)}`,
    );
  }
  print("\nblock verification by a validator (decode + signatures + execution + state root), 10^4 accounts; target 100 ms");
  print("2,500 transfers = 10,000 tx/s at 250 ms blocks; 'seen' = signatures checked when the transactions entered the mempool");
  print("scheme            2500 seen   2500 fresh   5000 seen   5000 fresh   (ms)");
  for (const scheme of ["ed25519-native", "ed25519", "sim"] as const) {
    const cells = [
      [2500, true],
      [2500, false],
      [5000, true],
      [5000, false],
    ] as const;
    print(`${scheme.padEnd(15)} ${cells.map(([n, seen]) => blockVerificationMs(scheme, 10_000, n, seen).toFixed(1).padStart(12)).join(" ")}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) benchVm(console.log);

/**
 * The posting system's set-up names the program and funds the operator's,
 * intruder's, posters' and challengers' accounts by base58 address without
 * web3.js (`programAddressOf`, `deriveSolanaAddress`), so that building a run
 * does not load web3.js; the nodes get web3.js's `PublicKey`/`Keypair` objects
 * (`programIdOf`, `deriveSolanaKeypair`) when they start. The two must name the
 * same accounts: checked here against web3.js itself (`Keypair.fromSeed`,
 * `PublicKey.toBase58`), for the shipped program and a derived one, and with a
 * deliberately wrong derivation (another label) that differs.
 */
import { Keypair } from "@solana/web3.js";
import { describe, expect, it } from "vitest";
import { sha256, utf8 } from "../../src/crypto/hash.js";
import { deriveSolanaAddress, deriveSolanaKeypair, ROLLUP_PROGRAM_ADDRESS, rollupProgramId } from "../../src/l1/rollup-program.js";
import { programAddressOf, programIdOf } from "../../src/systems/posting/program-id.js";
import type { RollupScenario } from "../../src/systems/scenario-shape.js";

describe("posting addresses without web3.js", () => {
  it("deriveSolanaAddress is the base58 public key of deriveSolanaKeypair and of web3.js's Keypair.fromSeed", () => {
    for (const [label, seed] of [["operator", 1], ["poster/0", 1], ["r1/challenger/2", 42], ["intruder", 0]] as const) {
      const address = deriveSolanaAddress(label, seed);
      expect(address).toBe(deriveSolanaKeypair(label, seed).publicKey.toBase58());
      expect(address).toBe(Keypair.fromSeed(sha256(utf8(`asset-sim/l1-key/${label}/${seed}`))).publicKey.toBase58());
    }
    // The check can fail: another label or seed is another account.
    expect(deriveSolanaAddress("operator", 1)).not.toBe(deriveSolanaKeypair("operator", 2).publicKey.toBase58());
    expect(deriveSolanaAddress("operator", 1)).not.toBe(deriveSolanaKeypair("intruder", 1).publicKey.toBase58());
  });

  it("programAddressOf is programIdOf's base58, for the first rollup (the shipped id) and later ones (derived from the name)", () => {
    const rollup = (name: string) => ({ name }) as RollupScenario;
    expect(programAddressOf(rollup("main"), 0)).toBe(ROLLUP_PROGRAM_ADDRESS);
    expect(programAddressOf(rollup("main"), 0)).toBe(rollupProgramId().toBase58());
    for (const name of ["r1", "second-rollup"]) expect(programAddressOf(rollup(name), 1)).toBe(programIdOf(rollup(name), 1).toBase58());
    expect(programAddressOf(rollup("r1"), 1)).not.toBe(programAddressOf(rollup("r2"), 1));
    expect(programAddressOf(rollup("r1"), 1)).not.toBe(ROLLUP_PROGRAM_ADDRESS);
  });
});

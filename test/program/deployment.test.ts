/**
 * Goal: the deployment registry (programs/asset_rollup/deployment.json),
 * Anchor.toml, the IDL and the shipped .so agree: hashes, program id,
 * discriminators, and the error lines the program logs.
 *
 * After rebuilding the program or editing the IDL, update deployment.json's
 * hashes (`sha256sum programs/asset_rollup/{idl.json,asset_rollup.so}`).
 */
import { spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { Keypair } from "@solana/web3.js";
import { describe, expect, it } from "vitest";
import { CLANG_FLAGS } from "../../programs/tools/build-program.js";
import { PROGRAM_DIR, PROGRAM_IDL_PATH, PROGRAM_SO_PATH, loadIdl, sha256 } from "../helpers/asset-rollup-program.js";

interface Deployment {
  programId: string;
  idl: string;
  idlSha256: string;
  so: string;
  soSha256: string;
  soBytes: number;
  builtWith: { compiler: string; compilerFlags: string; linker: string };
}

const REPOSITORY = resolve(PROGRAM_DIR, "../..");
const deployment = JSON.parse(readFileSync(join(PROGRAM_DIR, "deployment.json"), "utf8")) as Deployment;
const idl = loadIdl();

function snakeToPascal(name: string): string {
  return name
    .split("_")
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join("");
}

/** `key = "value"` lines of one `[section]` of a TOML file (enough for Anchor.toml). */
function tomlSection(text: string, section: string): Record<string, string> {
  const values: Record<string, string> = {};
  let inside = false;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("[")) {
      inside = line === `[${section}]`;
      continue;
    }
    const match = /^([A-Za-z0-9_-]+)\s*=\s*"([^"]*)"/.exec(line);
    if (inside && match?.[1] !== undefined && match[2] !== undefined) values[match[1]] = match[2];
  }
  return values;
}

describe("deployment registry", () => {
  it("hashes and size are those of the shipped idl.json and asset_rollup.so", () => {
    expect(resolve(REPOSITORY, deployment.idl)).toBe(PROGRAM_IDL_PATH);
    expect(resolve(REPOSITORY, deployment.so)).toBe(PROGRAM_SO_PATH);
    expect(deployment.idlSha256, "idl.json changed: update deployment.json").toBe(sha256(readFileSync(PROGRAM_IDL_PATH)).toString("hex"));
    expect(deployment.soSha256, "asset_rollup.so changed: update deployment.json").toBe(sha256(readFileSync(PROGRAM_SO_PATH)).toString("hex"));
    expect(deployment.soBytes).toBe(statSync(PROGRAM_SO_PATH).size);
  });

  it("the program id is the IDL address, Anchor.toml's, and Keypair.fromSeed(sha256(\"asset-rollup/program-id/v1\"))", () => {
    expect(idl.address).toBe(deployment.programId);
    expect(Keypair.fromSeed(sha256("asset-rollup/program-id/v1")).publicKey.toBase58()).toBe(deployment.programId);
    const anchorToml = readFileSync(join(REPOSITORY, "Anchor.toml"), "utf8");
    expect(tomlSection(anchorToml, "programs.localnet")["asset_rollup"]).toBe(deployment.programId);
    expect(tomlSection(anchorToml, "programs.devnet")["asset_rollup"]).toBe(deployment.programId);
    expect(tomlSection(anchorToml, "provider")["cluster"]).toBe("localnet");
  });

  it("builtWith names build-program's flags, the linker that exists and, when clang-19 is here, its version", () => {
    expect(deployment.builtWith.compilerFlags).toBe(CLANG_FLAGS.join(" "));
    const linkerPath = deployment.builtWith.linker.split(" ")[0]!;
    expect(statSync(join(REPOSITORY, linkerPath)).isDirectory()).toBe(true);
    const clang = spawnSync("clang-19", ["--version"], { encoding: "utf8" });
    if (clang.error === undefined && clang.status === 0) {
      expect(clang.stdout.split("\n")[0]).toBe(deployment.builtWith.compiler);
    }
  });
});

describe("IDL", () => {
  it("instruction discriminators are sha256(\"global:<name>\")[..8]", () => {
    expect(idl.instructions.map((instruction) => instruction.name)).toEqual([
      "initialize",
      "submit_batch_root",
      "rotate_authority",
      "transfer_upgrade_authority",
      "accept_upgrade_authority",
      "pause_posting",
      "resume_posting",
      "set_version",
      "deposit",
      "finalize_withdrawal",
      "verify_step",
      "initialize_game",
      "post_batch_optimistic",
      "challenge",
      "bisect_reveal",
      "bisect_choose",
      "step",
      "timeout",
      "resolve",
      "finalize_root",
      "initialize_superblock_registry",
      "publish_superblock",
    ]);
    for (const instruction of idl.instructions) {
      expect(instruction.discriminator, instruction.name).toEqual([...sha256(`global:${instruction.name}`).subarray(0, 8)]);
    }
  });

  it("account discriminators are sha256(\"account:<Name>\")[..8]", () => {
    for (const account of idl.accounts ?? []) {
      expect(account.discriminator, account.name).toEqual([...sha256(`account:${account.name}`).subarray(0, 8)]);
    }
    expect((idl.accounts ?? []).map((account) => account.name)).toEqual([
      "RollupConfig",
      "RootRegistry",
      "BridgeVault",
      "DepositRecord",
      "WithdrawalNullifier",
      "GameConfig",
      "BondVault",
      "OptimisticBatch",
      "DisputeGame",
      "SuperblockConfig",
      "SuperblockPage",
    ]);
  });

  it("errors are 6000..6016, the dispute game's 6100..6116, the bridge's 6200..6205, the one-step codes (6300 + osp_execute's code, 6350, 6351, the signature check's 6352..6355, the deposit check's 6356), the superblock registry's 6400..6404, and the program logs each one as an AnchorError line with the IDL's name and message", () => {
    const errors = idl.errors ?? [];
    const game = Array.from({ length: 17 }, (_, index) => 6100 + index);
    const step = [6301, 6302, 6303, 6304, 6305, 6306, 6316, 6317, 6318, 6319, 6320, 6321, 6350, 6351, 6352, 6353, 6354, 6355, 6356];
    expect(errors.map((error) => error.code)).toEqual([
      ...Array.from({ length: 17 }, (_, index) => 6000 + index),
      ...game,
      ...Array.from({ length: 6 }, (_, index) => 6200 + index),
      ...step,
      ...Array.from({ length: 5 }, (_, index) => 6400 + index),
    ]);
    const so = readFileSync(PROGRAM_SO_PATH).toString("latin1");
    for (const error of errors) {
      const line = `AnchorError occurred. Error Code: ${error.name}. Error Number: ${error.code}. Error Message: ${error.msg}.`;
      expect(so.includes(line), line).toBe(true);
    }
  });

  it("the program logs \"Instruction: <Name>\" for every instruction, as Anchor does", () => {
    const so = readFileSync(PROGRAM_SO_PATH).toString("latin1");
    for (const instruction of idl.instructions) {
      expect(so.includes(`Instruction: ${snakeToPascal(instruction.name)}`), instruction.name).toBe(true);
    }
  });

  it("ROOTS_PER_PAGE is 64 and the seeds are \"rollup-config\" and \"root-registry\"", () => {
    const constants = Object.fromEntries((idl.constants ?? []).map((constant) => [constant.name, constant.value]));
    expect(constants["ROOTS_PER_PAGE"]).toBe("64");
    expect(Buffer.from(JSON.parse(constants["CONFIG_SEED"]!) as number[]).toString()).toBe("rollup-config");
    expect(Buffer.from(JSON.parse(constants["REGISTRY_SEED"]!) as number[]).toString()).toBe("root-registry");
  });
});

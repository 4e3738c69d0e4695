/**
 * Goal: the program behaves the same in both runtimes the project uses:
 * litesvm 1.5 (the simulated L1, runtime 4.x) and solana-bankrun 0.4 (the
 * program tests, runtime 1.18). One instruction sequence (initialize, 66
 * submits across the page 0 -> 1 rollover, rotate, a submit by the new
 * poster, transfer + accept, pause, resume, set_version, and a refused
 * submit) runs in both with the same clock; after every step the config and
 * registry pages have identical bytes, owners and lamports, and each step
 * succeeds or fails alike.
 *
 * Instructions are built once with anchor's client; litesvm gets the web3.js
 * v1 transaction decoded with @solana/kit's transaction decoder.
 */
import type { Program } from "@coral-xyz/anchor";
import { BN } from "@coral-xyz/anchor";
import { address, getTransactionDecoder, lamports } from "@solana/kit";
import { type Keypair, type PublicKey, Transaction, type TransactionInstruction } from "@solana/web3.js";
import { Clock, FailedTransactionMetadata, LiteSVM } from "litesvm";
import { describe, expect, it } from "vitest";
import {
  PROGRAM_ID,
  PROGRAM_SO_PATH,
  configAddress,
  fixedKeypair,
  fund,
  pageOfHeight,
  registryAddress,
  rootOf,
  setClock,
  startProgram,
} from "../helpers/asset-rollup-program.js";
import type { BankrunProvider } from "../helpers/bankrun-provider.js";
import { PROGRAM_DATA_HEADER_BYTES, programDataAddress, programDataBytes } from "../../src/l1/upgradeable-program.js";

const authority = fixedKeypair("upgrade-authority");
const poster = fixedKeypair("batch-poster");
const successor = fixedKeypair("successor");
const litesvmFeePayer = fixedKeypair("litesvm-fee-payer");
const [CONFIG] = configAddress();
const WATCHED: PublicKey[] = [CONFIG, registryAddress(0)[0], registryAddress(1)[0]];

interface Step {
  readonly label: string;
  readonly instruction: TransactionInstruction;
  readonly signers: Keypair[];
  /** The clock both runtimes are set to before the step. */
  readonly slot: bigint;
  readonly unixTimestamp: bigint;
}

/** What a step did in one runtime: null on success, else the custom error code. */
type Outcome = { ok: true; computeUnits: bigint } | { ok: false; code: number | undefined };

async function steps(program: Program): Promise<Step[]> {
  const list: Step[] = [];
  let slot = 100n;
  const add = async (label: string, builder: ReturnType<Program["methods"][string]>, signers: Keypair[]) => {
    slot += 3n;
    list.push({ label, instruction: await builder.instruction(), signers, slot, unixTimestamp: 1_700_000_000n + slot * 2n });
  };
  const submit = (height: number, signer: Keypair) =>
    program.methods
      .submitBatchRoot(new BN(height), rootOf(height))
      .accounts({ rootRegistry: registryAddress(pageOfHeight(height))[0], batchPoster: signer.publicKey });
  await add("initialize", program.methods.initialize({ batchPosterAuthority: poster.publicKey, version: 3 }).accounts({ upgradeAuthority: authority.publicKey }), [authority]);
  for (let height = 1; height <= 66; height++) {
    await add(height === 65 ? "submit 65, creating page 1" : `submit ${height}`, submit(height, poster), [poster]);
  }
  const byAuthority = { upgradeAuthority: authority.publicKey };
  await add("rotate_authority", program.methods.rotateAuthority(successor.publicKey).accounts(byAuthority), [authority]);
  await add("submit 67 by the old poster (Unauthorized)", submit(67, poster), [poster]);
  await add("submit 67 by the new poster", submit(67, successor), [successor]);
  await add("transfer_upgrade_authority", program.methods.transferUpgradeAuthority(successor.publicKey).accounts(byAuthority), [authority]);
  await add("accept_upgrade_authority", program.methods.acceptUpgradeAuthority().accounts({ pendingAuthority: successor.publicKey }), [successor]);
  const bySuccessor = { upgradeAuthority: successor.publicKey };
  await add("pause_posting", program.methods.pausePosting().accounts(bySuccessor), [successor]);
  await add("submit 68 while paused (PostingPaused)", submit(68, successor), [successor]);
  await add("resume_posting", program.methods.resumePosting().accounts(bySuccessor), [successor]);
  await add("set_version", program.methods.setVersion(4).accounts(bySuccessor), [successor]);
  await add("submit 68", submit(68, successor), [successor]);
  return list;
}

class LiteSvmRunner {
  readonly svm = new LiteSVM();
  private readonly decoder = getTransactionDecoder();

  constructor() {
    this.svm.addProgramFromFile(address(PROGRAM_ID.toBase58()), PROGRAM_SO_PATH);
    // As in bankrun (startProgram): the ProgramData names the upgrade authority (litesvm's addProgram leaves none).
    const programData = address(programDataAddress(PROGRAM_ID.toBase58()));
    const deployed = this.svm.getAccount(programData);
    if (!deployed.exists) throw new Error("litesvm: no ProgramData after addProgramFromFile");
    const data = programDataBytes(deployed.data.subarray(PROGRAM_DATA_HEADER_BYTES), authority.publicKey.toBase58());
    this.svm.setAccount({ ...deployed, data, space: BigInt(data.length) });
    for (const keypair of [litesvmFeePayer, authority, poster, successor]) {
      this.svm.airdrop(address(keypair.publicKey.toBase58()), lamports(100_000_000_000n));
    }
  }

  run(step: Step): Outcome {
    this.svm.setClock(new Clock(step.slot, 0n, 0n, 0n, step.unixTimestamp));
    this.svm.expireBlockhash();
    const tx = new Transaction().add(step.instruction);
    tx.feePayer = litesvmFeePayer.publicKey;
    tx.recentBlockhash = this.svm.latestBlockhash();
    tx.sign(litesvmFeePayer, ...step.signers);
    const result = this.svm.sendTransaction(this.decoder.decode(tx.serialize()));
    if (result instanceof FailedTransactionMetadata) {
      // TransactionErrorInstructionError { index, err(): InstructionErrorCustom { code } | ... }
      const error = result.err();
      const inner = typeof error === "object" && "err" in error ? error.err() : undefined;
      return { ok: false, code: typeof inner === "object" && "code" in inner ? inner.code : undefined };
    }
    return { ok: true, computeUnits: result.computeUnitsConsumed() };
  }

  state(key: PublicKey) {
    const account = this.svm.getAccount(address(key.toBase58()));
    if (!account.exists) return null;
    return { lamports: BigInt(account.lamports), owner: String(account.programAddress), data: Buffer.from(account.data).toString("hex") };
  }
}

async function bankrunOutcome(provider: BankrunProvider, step: Step): Promise<Outcome> {
  setClock(provider.context, step.slot, step.unixTimestamp);
  const processed = await provider.process(new Transaction().add(step.instruction), step.signers);
  if (processed.error !== null) {
    const match = /custom program error: 0x([0-9a-f]+)/.exec(processed.error);
    return { ok: false, code: match?.[1] === undefined ? undefined : Number.parseInt(match[1], 16) };
  }
  return { ok: true, computeUnits: processed.computeUnits };
}

describe("asset_rollup in litesvm and in bankrun", () => {
  it("the same instructions give identical accounts and outcomes", async () => {
    const { context, provider, program } = await startProgram();
    for (const keypair of [authority, poster, successor]) fund(context, keypair.publicKey);
    const litesvm = new LiteSvmRunner();
    const bankrunState = async (key: PublicKey) => {
      const account = await context.banksClient.getAccount(key);
      if (account === null) return null;
      return { lamports: BigInt(account.lamports), owner: account.owner.toBase58(), data: Buffer.from(account.data).toString("hex") };
    };
    const units: Record<string, [number, number]> = {};
    for (const step of await steps(program)) {
      const inLitesvm = litesvm.run(step);
      const inBankrun = await bankrunOutcome(provider, step);
      expect(inLitesvm.ok, `${step.label}: litesvm ${JSON.stringify(inLitesvm, bigints)}, bankrun ${JSON.stringify(inBankrun, bigints)}`).toBe(inBankrun.ok);
      if (!inLitesvm.ok && !inBankrun.ok) {
        expect(inLitesvm.code, step.label).toBe(inBankrun.code);
        expect(inLitesvm.code, step.label).toBeGreaterThanOrEqual(6000);
      }
      if (inLitesvm.ok && inBankrun.ok) {
        const kind = step.label.includes("creating") ? "submit (new page)" : step.label.split(" ")[0]!;
        units[kind] = [Number(inLitesvm.computeUnits), Number(inBankrun.computeUnits)];
      }
      for (const key of WATCHED) {
        expect(litesvm.state(key), `${step.label}: ${key.toBase58()}`).toEqual(await bankrunState(key));
      }
    }
    // The sequence did reach the second page in both.
    expect(litesvm.state(registryAddress(1)[0])).not.toBeNull();
    process.stderr.write(`asset_rollup compute units [litesvm, bankrun] (last of each kind): ${JSON.stringify(units)}\n`);
  });
});

function bigints(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

/**
 * Goal: no instruction data the program does not accept can change an
 * account. Random instruction data (random bytes; a valid discriminator with
 * a tail of the wrong length; a valid discriminator with a tail of the right
 * length, signed by someone with no authority) sent to the real program in
 * bankrun must fail with a custom error and leave every account as it was;
 * the fee payer loses exactly the transaction fee.
 *
 * Bounded runs (ASSET_ROLLUP_PROPERTY_RUNS, 30 by default); fast-check prints
 * the seed and path of a failure; ASSET_ROLLUP_PROPERTY_SEED replays one.
 */
import { type Keypair, type PublicKey, SystemProgram, Transaction, TransactionInstruction } from "@solana/web3.js";
import fc from "fast-check";
import { BN } from "@coral-xyz/anchor";
import { beforeAll, describe, expect, it } from "vitest";
import {
  PROGRAM_ID,
  type ProgramSession,
  configAddress,
  customErrorCode,
  fixedKeypair,
  fund,
  loadIdl,
  registryAddress,
  rootOf,
  startProgram,
} from "../helpers/asset-rollup-program.js";

const RUNS = Number(process.env.ASSET_ROLLUP_PROPERTY_RUNS ?? 30);
const SEED = process.env.ASSET_ROLLUP_PROPERTY_SEED === undefined ? undefined : Number(process.env.ASSET_ROLLUP_PROPERTY_SEED);
const LAMPORTS_PER_SIGNATURE = 5000;

const authority = fixedKeypair("upgrade-authority");
const poster = fixedKeypair("batch-poster");
const stranger = fixedKeypair("stranger");
const successor = fixedKeypair("successor");
const [CONFIG] = configAddress();
const [PAGE_0] = registryAddress(0);
const [PAGE_1] = registryAddress(1);

interface InstructionShape {
  readonly name: string;
  readonly discriminator: number[];
  /** Bytes after the discriminator. */
  readonly argumentsLength: number;
  /** initialize and submit_batch_root take [config, registry, payer signer, system program]; the rest [config, signer]. */
  readonly fourAccounts: boolean;
}

function instructionShapes(): InstructionShape[] {
  const argumentLengths: Record<string, number> = {
    initialize: 36,
    submit_batch_root: 40,
    rotate_authority: 32,
    transfer_upgrade_authority: 32,
    accept_upgrade_authority: 0,
    pause_posting: 0,
    resume_posting: 0,
    set_version: 4,
    deposit: 40,
    finalize_withdrawal: 28, // the shortest: sequence, amount, height, an empty proof
    initialize_game: 64,
    post_batch_optimistic: 140,
    challenge: 8,
    bisect_reveal: 44, // the shortest: height, mid_root, an empty proof
    bisect_choose: 13,
    timeout: 8,
    resolve: 8,
    finalize_root: 8,
    verify_step: 72, // pre root, claimed root, two empty vectors
    step: 20, // height, an empty proof, an empty transaction and witness
    initialize_superblock_registry: 32,
    publish_superblock: 84, // the shortest: number, slot, parent hash, hash, no blocks
  };
  return loadIdl().instructions.map((instruction) => {
    const argumentsLength = argumentLengths[instruction.name];
    if (argumentsLength === undefined) throw new Error(`unexpected instruction ${instruction.name} in the IDL`);
    return {
      name: instruction.name,
      discriminator: [...instruction.discriminator],
      argumentsLength,
      fourAccounts: instruction.accounts.length === 4,
    };
  });
}

interface Case {
  readonly kind: "random bytes" | "wrong length" | "exact length, no authority";
  readonly data: Uint8Array;
  readonly fourAccounts: boolean;
  readonly signer: "authority" | "poster" | "stranger";
}

function cases(shapes: InstructionShape[]): fc.Arbitrary<Case> {
  const signer = fc.constantFrom<Case["signer"]>("authority", "poster", "stranger");
  const randomBytes = fc.record({
    kind: fc.constant<Case["kind"]>("random bytes"),
    data: fc.uint8Array({ maxLength: 80 }),
    fourAccounts: fc.boolean(),
    signer,
  });
  const wrongLength = fc
    .tuple(fc.constantFrom(...shapes), fc.uint8Array({ maxLength: 80 }), signer)
    .filter(([shape, tail]) => tail.length !== shape.argumentsLength)
    .map(([shape, tail, who]) => ({
      kind: "wrong length" as const,
      data: Uint8Array.from([...shape.discriminator, ...tail]),
      fourAccounts: shape.fourAccounts,
      signer: who,
    }));
  const exactLength = fc
    .constantFrom(...shapes)
    .chain((shape) =>
      fc.uint8Array({ minLength: shape.argumentsLength, maxLength: shape.argumentsLength }).map((tail) => ({
        kind: "exact length, no authority" as const,
        data: Uint8Array.from([...shape.discriminator, ...tail]),
        fourAccounts: shape.fourAccounts,
        signer: "stranger" as const,
      })),
    );
  return fc.oneof(randomBytes, wrongLength, exactLength);
}

describe("asset_rollup: random instruction data", () => {
  let session: ProgramSession;
  const signers: Record<Case["signer"], Keypair> = { authority, poster, stranger };
  const watched = [CONFIG, PAGE_0, PAGE_1, authority.publicKey, poster.publicKey, stranger.publicKey, successor.publicKey];

  beforeAll(async () => {
    session = await startProgram();
    const { context, program } = session;
    for (const keypair of [authority, poster, stranger, successor]) fund(context, keypair.publicKey);
    await program.methods
      .initialize({ batchPosterAuthority: poster.publicKey, version: 1 })
      .accounts({ upgradeAuthority: authority.publicKey })
      .signers([authority])
      .rpc();
    for (let height = 1; height <= 3; height++) {
      await program.methods
        .submitBatchRoot(new BN(height), rootOf(height))
        .accounts({ rootRegistry: PAGE_0, batchPoster: poster.publicKey })
        .signers([poster])
        .rpc();
    }
    // A pending transfer, so that accept_upgrade_authority by a stranger is Unauthorized, not NoPendingAuthority.
    await program.methods.transferUpgradeAuthority(successor.publicKey).accounts({ upgradeAuthority: authority.publicKey }).signers([authority]).rpc();
  });

  it("never changes an account, and always fails with a custom error", async () => {
    const { context, provider } = session;
    const state = async (address: PublicKey) => {
      const account = await context.banksClient.getAccount(address);
      return account === null ? null : { lamports: account.lamports, owner: account.owner.toBase58(), data: Buffer.from(account.data).toString("hex") };
    };
    const shapes = instructionShapes();
    await fc.assert(
      fc.asyncProperty(cases(shapes), async (testCase) => {
        const signer = signers[testCase.signer];
        const keys = testCase.fourAccounts
          ? [
              { pubkey: CONFIG, isSigner: false, isWritable: true },
              { pubkey: PAGE_0, isSigner: false, isWritable: true },
              { pubkey: signer.publicKey, isSigner: true, isWritable: true },
              { pubkey: SystemProgram.programId, isSigner: false, isWritable: false },
            ]
          : [
              { pubkey: CONFIG, isSigner: false, isWritable: true },
              { pubkey: signer.publicKey, isSigner: true, isWritable: false },
            ];
        const instruction = new TransactionInstruction({ programId: PROGRAM_ID, keys, data: Buffer.from(testCase.data) });
        const before = await Promise.all(watched.map(state));
        const payerBefore = await context.banksClient.getBalance(context.payer.publicKey);
        const tx = new Transaction().add(instruction);
        const processed = await provider.process(tx, [signer]);
        expect(processed.error, `${testCase.kind}: accepted`).not.toBeNull();
        const code = customErrorCode(processed.error);
        expect(code, `${testCase.kind}: ${processed.error}`).toBeGreaterThanOrEqual(6000);
        // 6000..6016, the dispute game's 6100..6116, the bridge's 6200..6205, the one-step proof's 6300..6356 or the superblock registry's 6400..6404.
        expect(code! <= 6016 || (code! >= 6100 && code! <= 6116) || (code! >= 6200 && code! <= 6205) || (code! >= 6300 && code! <= 6356) || (code! >= 6400 && code! <= 6404), `${testCase.kind}: ${code}`).toBe(true);
        expect(await Promise.all(watched.map(state))).toEqual(before);
        const payerAfter = await context.banksClient.getBalance(context.payer.publicKey);
        expect(payerBefore - payerAfter).toBe(BigInt(LAMPORTS_PER_SIGNATURE * tx.signatures.length));
      }),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
  });
});

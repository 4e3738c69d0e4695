/**
 * The AssetRollup program (programs/asset_rollup/asset_rollup.so, built from
 * C) run in solana-bankrun through @coral-xyz/anchor's `Program` client built
 * from the shipped IDL: every instruction, every error path, and that a failed
 * instruction leaves the accounts it was given as they were.
 *
 * Each test starts its own bankrun (about 15 ms), so tests share no state.
 */
import { BN, type Program } from "@coral-xyz/anchor";
import {
  type AccountInfo,
  Keypair,
  PublicKey,
  SystemProgram,
  Transaction,
  type TransactionInstruction,
  type Signer,
} from "@solana/web3.js";
import { beforeEach, describe, expect, it } from "vitest";
import {
  CONFIG_OFFSET,
  CONFIG_SIZE,
  PROGRAM_ID,
  REGISTRY_OFFSET,
  REGISTRY_SIZE,
  ROOTS_PER_PAGE,
  ROOT_ENTRY_SIZE,
  type ProgramSession,
  accountClient,
  configAddress,
  customErrorCode,
  errorNumber,
  fixedKeypair,
  fund,
  pageOfHeight,
  registryAddress,
  rootOf,
  setClock,
  startProgram,
} from "../helpers/asset-rollup-program.js";
import { upgradeAuthorityOf } from "../../src/l1/upgradeable-program.js";

const UPGRADEABLE_LOADER = new PublicKey("BPFLoaderUpgradeab1e11111111111111111111111");

const authority = fixedKeypair("upgrade-authority");
const poster = fixedKeypair("batch-poster");
const stranger = fixedKeypair("stranger");
const successor = fixedKeypair("successor");
const [CONFIG] = configAddress();
const [PAGE_0] = registryAddress(0);
const [PAGE_1] = registryAddress(1);
const VERSION = 7;

interface DecodedConfig {
  upgradeAuthority: PublicKey;
  pendingUpgradeAuthority: PublicKey;
  batchPosterAuthority: PublicKey;
  version: number;
  lastGoodVersion: number;
  paused: boolean;
  lastBatchHeight: BN;
  bump: number;
}

interface DecodedRegistry {
  page: BN;
  count: number;
  bump: number;
  entries: { height: BN; root: number[]; slot: BN; timestamp: BN }[];
}

type MethodsBuilder = ReturnType<Program["methods"][string]>;

/** An account's observable state: lamports, owner and data. */
type AccountState = { lamports: number; owner: string; data: number[] } | null;

class Harness {
  constructor(readonly session: ProgramSession) {}

  get program(): Program {
    return this.session.program;
  }

  get context() {
    return this.session.context;
  }

  get provider() {
    return this.session.provider;
  }

  async state(address: PublicKey): Promise<AccountState> {
    const account = await this.context.banksClient.getAccount(address);
    return account === null ? null : { lamports: account.lamports, owner: account.owner.toBase58(), data: [...account.data] };
  }

  async rawAccount(address: PublicKey): Promise<AccountInfo<Uint8Array>> {
    const account = await this.context.banksClient.getAccount(address);
    if (account === null) throw new Error(`${address.toBase58()} does not exist`);
    return account;
  }

  /** Rewrites an account's data (and optionally owner) in the bank. */
  async editAccount(address: PublicKey, edit: (data: Buffer) => Buffer | void, owner?: PublicKey): Promise<void> {
    const account = await this.rawAccount(address);
    const data = Buffer.from(account.data);
    const edited = edit(data) ?? data;
    this.context.setAccount(address, { ...account, data: edited, owner: owner ?? account.owner });
  }

  /** Copies an account to another address (a look-alike the program must refuse). */
  async cloneAccount(from: PublicKey, to: PublicKey): Promise<void> {
    this.context.setAccount(to, await this.rawAccount(from));
  }

  /** Sends a (possibly tampered) instruction; the provider's wallet pays. */
  async sendInstruction(instruction: TransactionInstruction, signers: Signer[]): Promise<void> {
    await this.provider.sendAndConfirm(new Transaction().add(instruction), signers);
  }

  /**
   * Runs `action`, expects it to fail with the IDL error `name` (anchor's
   * AnchorError for client calls, the runtime's custom error code in every
   * case), and checks that the `watched` accounts kept lamports, owner and data.
   */
  async expectError(action: () => Promise<unknown>, name: string, watched: PublicKey[] = [CONFIG, PAGE_0, PAGE_1]): Promise<void> {
    const before = await Promise.all(watched.map((address) => this.state(address)));
    let caught: unknown = undefined;
    try {
      await action();
    } catch (error) {
      caught = error;
    }
    expect(caught, `expected ${name}, but it succeeded`).toBeDefined();
    expect(customErrorCode(caught), `expected ${name}, got ${String(caught)}`).toBe(errorNumber(name));
    expect(this.provider.lastResult.error).toContain(`custom program error: 0x${errorNumber(name).toString(16)}`);
    const anchorLine = `Program log: AnchorError occurred. Error Code: ${name}. Error Number: ${errorNumber(name)}.`;
    expect(this.provider.lastResult.logs.some((line) => line.startsWith(anchorLine)), anchorLine).toBe(true);
    const after = await Promise.all(watched.map((address) => this.state(address)));
    expect(after).toEqual(before);
  }

  initializeMethod(signer: Keypair = authority): MethodsBuilder {
    return this.program.methods
      .initialize({ batchPosterAuthority: poster.publicKey, version: VERSION })
      .accounts({ upgradeAuthority: signer.publicKey })
      .signers([signer]);
  }

  async initialize(): Promise<void> {
    await this.initializeMethod().rpc();
  }

  submitMethod(height: number | bigint, signer: Keypair = poster, page: bigint = pageOfHeight(height)): MethodsBuilder {
    return this.program.methods
      .submitBatchRoot(new BN(height.toString()), rootOf(height))
      .accounts({ rootRegistry: registryAddress(page)[0], batchPoster: signer.publicKey })
      .signers([signer]);
  }

  async submit(height: number, signer: Keypair = poster): Promise<void> {
    await this.submitMethod(height, signer).rpc();
  }

  /**
   * Makes page 0 look full (last_batch_height = count = 64) by editing the
   * accounts, for tests about what comes after; the rollover test itself
   * submits all 64.
   */
  async fillPageZero(): Promise<void> {
    await this.editAccount(CONFIG, (data) => {
      data.writeBigUInt64LE(BigInt(ROOTS_PER_PAGE), CONFIG_OFFSET.lastBatchHeight);
    });
    await this.editAccount(PAGE_0, (data) => {
      data.writeUInt32LE(ROOTS_PER_PAGE, REGISTRY_OFFSET.count);
    });
  }

  async submitUpTo(lastHeight: number): Promise<void> {
    for (let height = 1; height <= lastHeight; height++) {
      await this.submit(height);
    }
  }

  /** One of the config-only instructions, signed by `signer`. */
  configMethod(name: ConfigInstruction, signer: Keypair, argument?: PublicKey | number): MethodsBuilder {
    const methods = this.program.methods;
    const signerAccount: Record<string, PublicKey> =
      name === "acceptUpgradeAuthority" ? { pendingAuthority: signer.publicKey } : { upgradeAuthority: signer.publicKey };
    let builder: MethodsBuilder;
    switch (name) {
      case "rotateAuthority":
      case "transferUpgradeAuthority":
        builder = methods[name]!(argument ?? successor.publicKey);
        break;
      case "setVersion":
        builder = methods.setVersion!(argument ?? VERSION + 1);
        break;
      default:
        builder = methods[name]!();
    }
    return builder.accounts(signerAccount).signers([signer]);
  }

  async config(): Promise<DecodedConfig> {
    return (await accountClient(this.program, "rollupConfig").fetch(CONFIG)) as unknown as DecodedConfig;
  }

  async registry(page: number): Promise<DecodedRegistry> {
    return (await accountClient(this.program, "rootRegistry").fetch(registryAddress(page)[0])) as unknown as DecodedRegistry;
  }
}

type ConfigInstruction =
  | "rotateAuthority"
  | "transferUpgradeAuthority"
  | "acceptUpgradeAuthority"
  | "pausePosting"
  | "resumePosting"
  | "setVersion";

const UPGRADE_AUTHORITY_INSTRUCTIONS: ConfigInstruction[] = [
  "rotateAuthority",
  "transferUpgradeAuthority",
  "pausePosting",
  "resumePosting",
  "setVersion",
];

/** A fresh bankrun; the program upgradeable by `upgradeAuthority` (default `authority`; null: immutable). */
async function harness(upgradeAuthority: PublicKey | null = authority.publicKey): Promise<Harness> {
  const h = new Harness(await startProgram(upgradeAuthority));
  for (const keypair of [authority, poster, stranger, successor]) {
    fund(h.context, keypair.publicKey);
  }
  return h;
}

/** Instruction data lengths (discriminator + Borsh args) per IDL instruction. */
const DATA_LENGTH: Record<string, number> = {
  initialize: 8 + 32 + 4,
  submitBatchRoot: 8 + 8 + 32,
  rotateAuthority: 8 + 32,
  transferUpgradeAuthority: 8 + 32,
  acceptUpgradeAuthority: 8,
  pausePosting: 8,
  resumePosting: 8,
  setVersion: 8 + 4,
};

describe("initialize", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
  });

  it("creates the config and registry page 0, rent-exempt and owned by the program", async () => {
    const payerBefore = (await h.rawAccount(authority.publicKey)).lamports;
    await h.initialize();
    const config = await h.config();
    expect(config.upgradeAuthority.equals(authority.publicKey)).toBe(true);
    expect(config.pendingUpgradeAuthority.equals(PublicKey.default)).toBe(true);
    expect(config.batchPosterAuthority.equals(poster.publicKey)).toBe(true);
    expect(config.version).toBe(VERSION);
    expect(config.lastGoodVersion).toBe(VERSION);
    expect(config.paused).toBe(false);
    expect(config.lastBatchHeight.toNumber()).toBe(0);
    expect(config.bump).toBe(configAddress()[1]);
    const registry = await h.registry(0);
    expect(registry.page.toNumber()).toBe(0);
    expect(registry.count).toBe(0);
    expect(registry.bump).toBe(registryAddress(0)[1]);
    expect(registry.entries).toHaveLength(ROOTS_PER_PAGE);
    const rent = await h.context.banksClient.getRent();
    let rentPaid = 0n;
    for (const [address, size] of [
      [CONFIG, CONFIG_SIZE],
      [PAGE_0, REGISTRY_SIZE],
    ] as const) {
      const account = await h.rawAccount(address);
      expect(account.owner.equals(PROGRAM_ID)).toBe(true);
      expect(account.data.length).toBe(size);
      expect(BigInt(account.lamports)).toBe(rent.minimumBalance(BigInt(size)));
      rentPaid += BigInt(account.lamports);
    }
    // The upgrade authority paid both accounts' rent (the provider's wallet paid the fee).
    expect(BigInt(payerBefore - (await h.rawAccount(authority.publicKey)).lamports)).toBe(rentPaid);
    expect(h.provider.lastResult.logs).toContain("Program log: Instruction: Initialize");
  });

  it("a second initialize: AlreadyInitialized", async () => {
    await h.initialize();
    await h.expectError(() => h.initializeMethod().rpc(), "AlreadyInitialized");
    await h.expectError(() => h.initializeMethod(stranger).rpc(), "AlreadyInitialized");
  });

  it("config address with lamports already (sent to block initialize forever, issue 16): still initializes", async () => {
    for (const lamports of [1n, 890_880n, 5_000_000n]) {
      const g = await harness();
      fund(g.context, CONFIG, lamports);
      await g.initialize();
      const account = await g.rawAccount(CONFIG);
      expect(account.owner.equals(PROGRAM_ID)).toBe(true);
      const rent = await g.context.banksClient.getRent();
      const minimum = rent.minimumBalance(BigInt(account.data.length));
      expect(BigInt(account.lamports)).toBe(lamports > minimum ? lamports : minimum);
      await g.expectError(() => g.initializeMethod().rpc(), "AlreadyInitialized");
    }
  });

  it("registry page 0 address with lamports already (someone paid it): still initializes", async () => {
    fund(h.context, PAGE_0, 5n);
    await h.initialize();
    const account = await h.rawAccount(PAGE_0);
    expect(account.owner.equals(PROGRAM_ID)).toBe(true);
    expect(account.data.length).toBe(REGISTRY_SIZE);
    const rent = await h.context.banksClient.getRent();
    expect(BigInt(account.lamports)).toBe(rent.minimumBalance(BigInt(REGISTRY_SIZE)));
    expect((await h.registry(0)).bump).toBe(registryAddress(0)[1]);
  });

  it("wrong config or registry address: InvalidPda", async () => {
    const elsewhere = Keypair.generate().publicKey;
    await h.expectError(() => h.initializeMethod().accountsPartial({ rollupConfig: elsewhere }).rpc(), "InvalidPda", [elsewhere, PAGE_0]);
    await h.expectError(() => h.initializeMethod().accountsPartial({ rootRegistry: PAGE_1 }).rpc(), "InvalidPda", [CONFIG, PAGE_1]);
    await h.expectError(() => h.initializeMethod().accountsPartial({ rootRegistry: elsewhere }).rpc(), "InvalidPda", [CONFIG, elsewhere]);
  });

  it("authority not signing: MissingSigner; not writable: AccountNotWritable", async () => {
    const unsigned = await h.initializeMethod().instruction();
    unsigned.keys[2]!.isSigner = false;
    await h.expectError(() => h.sendInstruction(unsigned, []), "MissingSigner");
    const readonly = await h.initializeMethod().instruction();
    readonly.keys[2]!.isWritable = false;
    await h.expectError(() => h.sendInstruction(readonly, [authority]), "AccountNotWritable");
  });

  it("config or registry not writable: AccountNotWritable", async () => {
    for (const index of [0, 1]) {
      const instruction = await h.initializeMethod().instruction();
      instruction.keys[index]!.isWritable = false;
      await h.expectError(() => h.sendInstruction(instruction, [authority]), "AccountNotWritable");
    }
  });

  it("another program in the system program's place: InvalidSystemProgram", async () => {
    const instruction = await h.initializeMethod().instruction();
    instruction.keys[3]!.pubkey = PROGRAM_ID;
    await h.expectError(() => h.sendInstruction(instruction, [authority]), "InvalidSystemProgram");
  });

  it("four accounts (no ProgramData): NotEnoughAccounts", async () => {
    const instruction = await h.initializeMethod().instruction();
    instruction.keys = instruction.keys.slice(0, 4);
    await h.expectError(() => h.sendInstruction(instruction, [authority]), "NotEnoughAccounts");
  });
});

describe("initialize: only the program's upgrade authority (front-running, issue 16 defect 7)", () => {
  const [PROGRAM_DATA] = PublicKey.findProgramAddressSync([PROGRAM_ID.toBuffer()], UPGRADEABLE_LOADER);

  it("the accounts are those `solana program deploy` leaves: Program -> ProgramData naming the authority", async () => {
    const h = await harness();
    const program = await h.rawAccount(PROGRAM_ID);
    expect(program.owner.equals(UPGRADEABLE_LOADER)).toBe(true);
    expect(program.executable).toBe(true);
    expect(new PublicKey(program.data.subarray(4, 36)).equals(PROGRAM_DATA)).toBe(true);
    const programData = await h.rawAccount(PROGRAM_DATA);
    expect(upgradeAuthorityOf(programData.data)).toBe(authority.publicKey.toBase58());
    const instruction = await h.initializeMethod().instruction();
    expect(instruction.keys[4]).toEqual({ pubkey: PROGRAM_DATA, isSigner: false, isWritable: false });
  });

  it("anyone else signing first (a front-runner): Unauthorized, and the authority still initializes after", async () => {
    const h = await harness();
    for (const intruder of [stranger, poster, successor]) {
      await h.expectError(() => h.initializeMethod(intruder).rpc(), "Unauthorized");
    }
    await h.initialize();
    expect((await h.config()).upgradeAuthority.equals(authority.publicKey)).toBe(true);
  });

  it("both attacks at once: the config pre-funded and a front-runner first; the authority still initializes", async () => {
    const h = await harness();
    fund(h.context, CONFIG, 890_880n);
    await h.expectError(() => h.initializeMethod(stranger).rpc(), "Unauthorized");
    await h.initialize();
    expect((await h.config()).upgradeAuthority.equals(authority.publicKey)).toBe(true);
  });

  it("an immutable program (no upgrade authority): nobody initializes", async () => {
    const h = await harness(null);
    for (const signer of [authority, stranger]) {
      await h.expectError(() => h.initializeMethod(signer).rpc(), "Unauthorized");
    }
  });

  it("a forged ProgramData at another address naming the front-runner: InvalidPda", async () => {
    const h = await harness();
    const forged = Keypair.generate().publicKey;
    const genuine = await h.rawAccount(PROGRAM_DATA);
    const data = Buffer.from(genuine.data);
    data.set(stranger.publicKey.toBytes(), 13);
    h.context.setAccount(forged, { ...genuine, data });
    await h.expectError(() => h.initializeMethod(stranger).accountsPartial({ programData: forged }).rpc(), "InvalidPda");
    // The program account itself in the ProgramData's place: InvalidPda too.
    await h.expectError(() => h.initializeMethod().accountsPartial({ programData: PROGRAM_ID }).rpc(), "InvalidPda");
  });

  it("the ProgramData address holding another owner's account: InvalidOwner", async () => {
    const h = await harness();
    const genuine = await h.rawAccount(PROGRAM_DATA);
    h.context.setAccount(PROGRAM_DATA, { ...genuine, owner: SystemProgram.programId, executable: false });
    await h.expectError(() => h.initializeMethod().rpc(), "InvalidOwner");
  });

  it("a short ProgramData or another loader state there: the runtime refuses to run the program at all, nothing changes", async () => {
    // The program's own checks (InvalidAccountSize, InvalidDiscriminator) are
    // defence in depth: the runtime 1.18 loads the program's code from this
    // very account and refuses the instruction before the program runs.
    const edits: ((data: Uint8Array) => Uint8Array)[] = [
      (data) => data.subarray(0, 44),
      (data) => Buffer.concat([Buffer.from([1, 0, 0, 0]), data.subarray(4)]),
    ];
    for (const edit of edits) {
      const h = await harness();
      const genuine = await h.rawAccount(PROGRAM_DATA);
      h.context.setAccount(PROGRAM_DATA, { ...genuine, data: edit(genuine.data) });
      const before = await Promise.all([CONFIG, PAGE_0].map((address) => h.state(address)));
      await expect(h.initializeMethod().rpc()).rejects.toThrow(/invalid account data for instruction/);
      expect(await Promise.all([CONFIG, PAGE_0].map((address) => h.state(address)))).toEqual(before);
    }
  });
});

describe("submit_batch_root", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
    await h.initialize();
  });

  it("appends entries with the clock's slot and timestamp", async () => {
    for (let height = 1; height <= 3; height++) {
      setClock(h.context, 1000n + BigInt(height), 1_700_000_000n + BigInt(height) * 12n);
      await h.submit(height);
      expect(h.provider.lastResult.logs).toContain("Program log: Instruction: SubmitBatchRoot");
    }
    const config = await h.config();
    expect(config.lastBatchHeight.toNumber()).toBe(3);
    const registry = await h.registry(0);
    expect(registry.count).toBe(3);
    for (let height = 1; height <= 3; height++) {
      const entry = registry.entries[height - 1]!;
      expect(entry.height.toNumber()).toBe(height);
      expect(entry.root).toEqual(rootOf(height));
      expect(entry.slot.toNumber()).toBe(1000 + height);
      expect(entry.timestamp.toNumber()).toBe(1_700_000_000 + height * 12);
    }
    expect(registry.entries[3]!.height.toNumber()).toBe(0);
    // The raw layout: entry i at 21 + 56 i.
    const raw = (await h.rawAccount(PAGE_0)).data;
    const second = REGISTRY_OFFSET.entries + ROOT_ENTRY_SIZE;
    expect(Buffer.from(raw.subarray(second, second + 8)).readBigUInt64LE()).toBe(2n);
    expect([...raw.subarray(second + 8, second + 40)]).toEqual(rootOf(2));
  });

  it("height 65 creates registry page 1, paid by the batch poster; 66 appends to it", async () => {
    await h.submitUpTo(64);
    const page0 = await h.registry(0);
    expect(page0.count).toBe(64);
    expect(page0.entries[63]!.height.toNumber()).toBe(64);
    expect(await h.state(PAGE_1)).toBeNull();
    // Height 65 against page 0, or 64's page for 64 + 1, is refused.
    await h.expectError(() => h.submitMethod(65, poster, 0n).rpc(), "InvalidPda");
    await h.expectError(() => h.submitMethod(65, poster, 2n).rpc(), "InvalidPda");

    const posterBefore = (await h.rawAccount(poster.publicKey)).lamports;
    await h.submit(65);
    const created = await h.rawAccount(PAGE_1);
    expect(created.owner.equals(PROGRAM_ID)).toBe(true);
    expect(created.data.length).toBe(REGISTRY_SIZE);
    const rent = await h.context.banksClient.getRent();
    expect(BigInt(created.lamports)).toBe(rent.minimumBalance(BigInt(REGISTRY_SIZE)));
    expect(posterBefore - (await h.rawAccount(poster.publicKey)).lamports).toBe(created.lamports);
    const page1 = await h.registry(1);
    expect(page1.page.toNumber()).toBe(1);
    expect(page1.bump).toBe(registryAddress(1)[1]);
    expect(page1.count).toBe(1);
    expect(page1.entries[0]!.height.toNumber()).toBe(65);
    expect(page1.entries[0]!.root).toEqual(rootOf(65));

    await h.expectError(() => h.submitMethod(66, poster, 0n).rpc(), "InvalidPda");
    await h.submit(66);
    const after = await h.registry(1);
    expect(after.count).toBe(2);
    expect(after.entries[1]!.height.toNumber()).toBe(66);
    expect((await h.registry(0)).count).toBe(64);
    expect((await h.config()).lastBatchHeight.toNumber()).toBe(66);
  });

  it("a new page's address someone already paid lamports to is still created", async () => {
    await h.fillPageZero();
    fund(h.context, PAGE_1, 1_000_000n);
    await h.submit(65);
    const created = await h.rawAccount(PAGE_1);
    const rent = await h.context.banksClient.getRent();
    expect(created.owner.equals(PROGRAM_ID)).toBe(true);
    expect(BigInt(created.lamports)).toBe(rent.minimumBalance(BigInt(REGISTRY_SIZE)));
    expect((await h.registry(1)).count).toBe(1);
  });

  it("a page address holding more than the rent minimum keeps its lamports", async () => {
    await h.fillPageZero();
    fund(h.context, PAGE_1, 1_000_000_000n);
    await h.submit(65);
    expect((await h.rawAccount(PAGE_1)).lamports).toBe(1_000_000_000);
    expect((await h.registry(1)).entries[0]!.height.toNumber()).toBe(65);
  });

  it("height gap, replayed height and height 0: HeightNotNext", async () => {
    await h.submit(1);
    await h.expectError(() => h.submit(3), "HeightNotNext");
    await h.expectError(() => h.submit(1), "HeightNotNext");
    await h.expectError(() => h.submit(0), "HeightNotNext");
    await h.submit(2);
    await h.expectError(() => h.submit(2), "HeightNotNext");
  });

  it("a signer other than the batch poster: Unauthorized", async () => {
    await h.expectError(() => h.submit(1, stranger), "Unauthorized");
    await h.expectError(() => h.submit(1, authority), "Unauthorized");
  });

  it("while paused: PostingPaused; after resume it posts again", async () => {
    await h.configMethod("pausePosting", authority).rpc();
    await h.expectError(() => h.submit(1), "PostingPaused");
    await h.configMethod("resumePosting", authority).rpc();
    await h.submit(1);
  });

  it("last_batch_height at u64::MAX: ArithmeticOverflow", async () => {
    await h.editAccount(CONFIG, (data) => {
      data.writeBigUInt64LE(0xffff_ffff_ffff_ffffn, CONFIG_OFFSET.lastBatchHeight);
    });
    await h.expectError(() => h.submitMethod(0n, poster, 0n).rpc(), "ArithmeticOverflow");
  });

  it("a registry page out of step with the config: HeightNotNext", async () => {
    await h.submit(1);
    await h.editAccount(PAGE_0, (data) => {
      data.writeUInt32LE(5, REGISTRY_OFFSET.count);
    });
    await h.expectError(() => h.submit(2), "HeightNotNext");
  });

  it("the next page before it is due (not created yet): InvalidOwner", async () => {
    await h.expectError(() => h.submitMethod(1, poster, 1n).rpc(), "InvalidOwner");
  });

  it("config look-alike at another address, owned by the program: InvalidPda", async () => {
    const lookAlike = Keypair.generate().publicKey;
    await h.cloneAccount(CONFIG, lookAlike);
    await h.expectError(() => h.submitMethod(1).accountsPartial({ rollupConfig: lookAlike }).rpc(), "InvalidPda", [lookAlike, CONFIG, PAGE_0]);
  });

  it("registry look-alike at another address: InvalidPda; its page field changed: InvalidPda", async () => {
    const lookAlike = Keypair.generate().publicKey;
    await h.cloneAccount(PAGE_0, lookAlike);
    await h.expectError(() => h.submitMethod(1).accountsPartial({ rootRegistry: lookAlike }).rpc(), "InvalidPda", [lookAlike, CONFIG]);
    await h.editAccount(PAGE_0, (data) => {
      data.writeBigUInt64LE(1n, REGISTRY_OFFSET.page);
    });
    await h.expectError(() => h.submit(1), "InvalidPda");
  });

  it("config or registry owned by another program: InvalidOwner", async () => {
    const other = Keypair.generate().publicKey;
    await h.editAccount(CONFIG, () => undefined, other);
    await h.expectError(() => h.submit(1), "InvalidOwner");
    await h.editAccount(CONFIG, () => undefined, PROGRAM_ID);
    await h.editAccount(PAGE_0, () => undefined, other);
    await h.expectError(() => h.submit(1), "InvalidOwner");
  });

  it("config or registry with another account type's discriminator: InvalidDiscriminator", async () => {
    await h.editAccount(CONFIG, (data) => {
      data[0] = data[0]! ^ 1;
    });
    await h.expectError(() => h.submit(1), "InvalidDiscriminator");
    await h.editAccount(CONFIG, (data) => {
      data[0] = data[0]! ^ 1;
    });
    await h.editAccount(PAGE_0, (data) => {
      data[7] = data[7]! ^ 0x80;
    });
    await h.expectError(() => h.submit(1), "InvalidDiscriminator");
  });

  it("config or registry one byte too long or too short: InvalidAccountSize", async () => {
    const original = Buffer.from((await h.rawAccount(CONFIG)).data);
    await h.editAccount(CONFIG, (data) => Buffer.concat([data, Buffer.alloc(1)]));
    await h.expectError(() => h.submit(1), "InvalidAccountSize");
    await h.editAccount(CONFIG, (data) => data.subarray(0, CONFIG_SIZE - 1));
    await h.expectError(() => h.submit(1), "InvalidAccountSize");
    await h.editAccount(CONFIG, () => original);
    await h.editAccount(PAGE_0, (data) => data.subarray(0, REGISTRY_SIZE - 1));
    await h.expectError(() => h.submit(1), "InvalidAccountSize");
    await h.editAccount(PAGE_0, () => Buffer.alloc(0));
    await h.expectError(() => h.submit(1), "InvalidAccountSize");
  });

  it("config, registry or batch poster not writable: AccountNotWritable", async () => {
    for (const index of [0, 1, 2]) {
      const instruction = await h.submitMethod(1).instruction();
      instruction.keys[index]!.isWritable = false;
      await h.expectError(() => h.sendInstruction(instruction, [poster]), "AccountNotWritable");
    }
  });

  it("batch poster not signing: MissingSigner", async () => {
    const instruction = await h.submitMethod(1).instruction();
    instruction.keys[2]!.isSigner = false;
    await h.expectError(() => h.sendInstruction(instruction, []), "MissingSigner");
  });

  it("another account in the system program's place: InvalidSystemProgram", async () => {
    const instruction = await h.submitMethod(1).instruction();
    instruction.keys[3]!.pubkey = PROGRAM_ID;
    await h.expectError(() => h.sendInstruction(instruction, [poster]), "InvalidSystemProgram");
  });

  it("fewer than four accounts: NotEnoughAccounts", async () => {
    for (const count of [0, 1, 3]) {
      const instruction = await h.submitMethod(1).instruction();
      instruction.keys = instruction.keys.slice(0, count);
      const signers = count > 2 ? [poster] : [];
      await h.expectError(() => h.sendInstruction(instruction, signers), "NotEnoughAccounts");
    }
  });

  it("extra accounts after the four are ignored", async () => {
    const instruction = await h.submitMethod(1).instruction();
    instruction.keys.push({ pubkey: stranger.publicKey, isSigner: false, isWritable: false });
    await h.sendInstruction(instruction, [poster]);
    expect((await h.config()).lastBatchHeight.toNumber()).toBe(1);
  });
});

describe("authorities, pause and version", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
    await h.initialize();
  });

  it("rotate_authority: the new batch poster posts, the old one no longer can", async () => {
    await h.configMethod("rotateAuthority", authority, successor.publicKey).rpc();
    expect(h.provider.lastResult.logs).toContain("Program log: Instruction: RotateAuthority");
    expect((await h.config()).batchPosterAuthority.equals(successor.publicKey)).toBe(true);
    await h.expectError(() => h.submit(1, poster), "Unauthorized");
    await h.submit(1, successor);
    expect((await h.registry(0)).entries[0]!.height.toNumber()).toBe(1);
  });

  it("transfer then accept: the pending authority takes over and pending is cleared", async () => {
    await h.expectError(() => h.configMethod("acceptUpgradeAuthority", successor).rpc(), "NoPendingAuthority");
    await h.configMethod("transferUpgradeAuthority", authority, successor.publicKey).rpc();
    let config = await h.config();
    expect(config.pendingUpgradeAuthority.equals(successor.publicKey)).toBe(true);
    expect(config.upgradeAuthority.equals(authority.publicKey)).toBe(true);
    // The old authority still rules until the transfer is accepted.
    await h.configMethod("setVersion", authority, 8).rpc();
    await h.expectError(() => h.configMethod("acceptUpgradeAuthority", stranger).rpc(), "Unauthorized");
    await h.expectError(() => h.configMethod("acceptUpgradeAuthority", authority).rpc(), "Unauthorized");
    await h.configMethod("acceptUpgradeAuthority", successor).rpc();
    expect(h.provider.lastResult.logs).toContain("Program log: Instruction: AcceptUpgradeAuthority");
    config = await h.config();
    expect(config.upgradeAuthority.equals(successor.publicKey)).toBe(true);
    expect(config.pendingUpgradeAuthority.equals(PublicKey.default)).toBe(true);
    await h.expectError(() => h.configMethod("acceptUpgradeAuthority", successor).rpc(), "NoPendingAuthority");
    for (const name of UPGRADE_AUTHORITY_INSTRUCTIONS) {
      await h.expectError(() => h.configMethod(name, authority).rpc(), "Unauthorized");
    }
    await h.configMethod("pausePosting", successor).rpc();
    expect((await h.config()).paused).toBe(true);
  });

  it("transfer to the zero key withdraws a pending transfer", async () => {
    await h.configMethod("transferUpgradeAuthority", authority, successor.publicKey).rpc();
    await h.configMethod("transferUpgradeAuthority", authority, PublicKey.default).rpc();
    expect((await h.config()).pendingUpgradeAuthority.equals(PublicKey.default)).toBe(true);
    await h.expectError(() => h.configMethod("acceptUpgradeAuthority", successor).rpc(), "NoPendingAuthority");
  });

  it("pause_posting and resume_posting: AlreadyPaused, NotPaused", async () => {
    await h.expectError(() => h.configMethod("resumePosting", authority).rpc(), "NotPaused");
    await h.configMethod("pausePosting", authority).rpc();
    expect((await h.config()).paused).toBe(true);
    await h.expectError(() => h.configMethod("pausePosting", authority).rpc(), "AlreadyPaused");
    await h.configMethod("resumePosting", authority).rpc();
    expect((await h.config()).paused).toBe(false);
    const raw = (await h.rawAccount(CONFIG)).data;
    expect(raw[CONFIG_OFFSET.paused]).toBe(0);
  });

  it("set_version keeps the previous version as last_good_version", async () => {
    await h.configMethod("setVersion", authority, 9).rpc();
    let config = await h.config();
    expect(config.version).toBe(9);
    expect(config.lastGoodVersion).toBe(VERSION);
    await h.configMethod("setVersion", authority, 0xffff_ffff).rpc();
    config = await h.config();
    expect(config.version).toBe(0xffff_ffff);
    expect(config.lastGoodVersion).toBe(9);
  });

  it("every upgrade-authority instruction refuses the batch poster and a stranger: Unauthorized", async () => {
    await h.configMethod("pausePosting", authority).rpc(); // so resume would be legal for the authority
    for (const name of UPGRADE_AUTHORITY_INSTRUCTIONS) {
      for (const signer of [poster, stranger]) {
        await h.expectError(() => h.configMethod(name, signer).rpc(), "Unauthorized");
      }
    }
  });

  it("signer not signing: MissingSigner; config not writable: AccountNotWritable; one account: NotEnoughAccounts", async () => {
    for (const name of [...UPGRADE_AUTHORITY_INSTRUCTIONS, "acceptUpgradeAuthority" as const]) {
      const unsigned = await h.configMethod(name, authority).instruction();
      unsigned.keys[1]!.isSigner = false;
      await h.expectError(() => h.sendInstruction(unsigned, []), "MissingSigner");
      const readonly = await h.configMethod(name, authority).instruction();
      readonly.keys[0]!.isWritable = false;
      await h.expectError(() => h.sendInstruction(readonly, [authority]), "AccountNotWritable");
      const short = await h.configMethod(name, authority).instruction();
      short.keys = short.keys.slice(0, 1);
      await h.expectError(() => h.sendInstruction(short, []), "NotEnoughAccounts");
    }
  });

  it("config checks apply to the config-only instructions too", async () => {
    const lookAlike = Keypair.generate().publicKey;
    await h.cloneAccount(CONFIG, lookAlike);
    await h.expectError(
      () => h.configMethod("pausePosting", authority).accountsPartial({ rollupConfig: lookAlike }).rpc(),
      "InvalidPda",
      [lookAlike, CONFIG],
    );
    await h.editAccount(CONFIG, (data) => {
      data[1] = data[1]! ^ 0xff;
    });
    await h.expectError(() => h.configMethod("pausePosting", authority).rpc(), "InvalidDiscriminator");
    await h.editAccount(CONFIG, (data) => {
      data[1] = data[1]! ^ 0xff;
    }, SystemProgram.programId);
    await h.expectError(() => h.configMethod("setVersion", authority).rpc(), "InvalidOwner");
  });

  it("a stored bump that does not derive the config address: InvalidPda", async () => {
    await h.editAccount(CONFIG, (data) => {
      data[CONFIG_OFFSET.bump] = (data[CONFIG_OFFSET.bump]! + 1) & 0xff;
    });
    await h.expectError(() => h.configMethod("pausePosting", authority).rpc(), "InvalidPda");
  });
});

describe("instruction data", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await harness();
    await h.initialize();
  });

  /** Each instruction built by the client with valid accounts and signers. */
  async function validInstructions(): Promise<{ name: string; instruction: TransactionInstruction; signers: Keypair[] }[]> {
    return [
      { name: "initialize", instruction: await h.initializeMethod().instruction(), signers: [authority] },
      { name: "submitBatchRoot", instruction: await h.submitMethod(1).instruction(), signers: [poster] },
      ...(
        await Promise.all(
          [...UPGRADE_AUTHORITY_INSTRUCTIONS, "acceptUpgradeAuthority" as const].map(async (name) => ({
            name,
            instruction: await h.configMethod(name, authority).instruction(),
            signers: [authority],
          })),
        )
      ),
    ];
  }

  it("the client encodes each instruction with the length the program expects", async () => {
    for (const { name, instruction } of await validInstructions()) {
      expect(instruction.data.length, name).toBe(DATA_LENGTH[name]);
      expect(instruction.programId.equals(PROGRAM_ID)).toBe(true);
    }
  });

  it("one byte short or one byte long, for every instruction: InvalidInstructionData", async () => {
    for (const { instruction, signers } of await validInstructions()) {
      const data = Buffer.from(instruction.data);
      for (const tampered of [data.subarray(0, data.length - 1), Buffer.concat([data, Buffer.from([0])])]) {
        instruction.data = tampered;
        await h.expectError(() => h.sendInstruction(instruction, signers), "InvalidInstructionData");
      }
    }
  });

  it("unknown discriminator, empty data, seven bytes: InvalidInstructionData", async () => {
    const instruction = await h.submitMethod(1).instruction();
    const unknown = Buffer.from(instruction.data);
    unknown[0] = unknown[0]! ^ 1;
    for (const data of [unknown, Buffer.alloc(0), Buffer.from(instruction.data.subarray(0, 7))]) {
      instruction.data = data;
      await h.expectError(() => h.sendInstruction(instruction, [poster]), "InvalidInstructionData");
    }
  });

  it("the data length is checked before the accounts", async () => {
    const instruction = await h.submitMethod(1).instruction();
    instruction.keys = [];
    instruction.data = instruction.data.subarray(0, 20);
    await h.expectError(() => h.sendInstruction(instruction, []), "InvalidInstructionData");
  });
});

describe("compute units (bankrun, runtime 1.18)", () => {
  it("stay far below the 200k default per instruction", async () => {
    const h = await harness();
    const units: Record<string, bigint> = {};
    const measure = async (name: string, run: () => Promise<unknown>) => {
      await run();
      units[name] = h.provider.lastResult.computeUnits;
    };
    await measure("initialize", () => h.initialize());
    await measure("submit_batch_root", () => h.submit(1));
    for (let height = 2; height <= 64; height++) await h.submit(height);
    await measure("submit_batch_root (new page)", () => h.submit(65));
    await measure("rotate_authority", () => h.configMethod("rotateAuthority", authority, poster.publicKey).rpc());
    await measure("transfer_upgrade_authority", () => h.configMethod("transferUpgradeAuthority", authority, successor.publicKey).rpc());
    await measure("accept_upgrade_authority", () => h.configMethod("acceptUpgradeAuthority", successor).rpc());
    await measure("pause_posting", () => h.configMethod("pausePosting", successor).rpc());
    await measure("resume_posting", () => h.configMethod("resumePosting", successor).rpc());
    await measure("set_version", () => h.configMethod("setVersion", successor, 2).rpc());
    for (const [name, consumed] of Object.entries(units)) {
      expect(consumed, name).toBeGreaterThan(0n);
      expect(consumed, name).toBeLessThan(20_000n);
    }
    process.stderr.write(`asset_rollup compute units (bankrun): ${JSON.stringify(units, (_, v) => (typeof v === "bigint" ? Number(v) : v))}\n`);
  });
});
